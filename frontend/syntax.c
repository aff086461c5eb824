/* syntax.c — runs the lexer and parser over one file: fe_parse, plus the
 * lexer's helpers (error reporting, string decoding). */
#include <stdio.h>
#include <string.h>

#include "parse_ctx.h"
#include "parse.h"
#include "lex.h"

void fe_lex_error(FeParse *p, FeLoc loc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(p->dc, DIAG_ERROR, src_loc(p->file, loc.start, loc.end), fmt, ap);
    va_end(ap);
    p->errors++;
}

static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool fe_decode_string(FeParse *p, const char *s, size_t n, const char **out) {
    char *d = arena_alloc(p->arena, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            d[k++] = s[i];
            continue;
        }
        char e = ++i < n ? s[i] : 0;
        if (e == 'n') d[k++] = '\n';
        else if (e == 't') d[k++] = '\t';
        else if (e == '"' || e == '\\') d[k++] = e;
        else if (e == 'x' && i + 2 < n + 1 && hex(s[i + 1]) >= 0 && i + 2 < n && hex(s[i + 2]) >= 0) {
            d[k++] = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            return false;
        }
        if (d[k - 1] == 0) return false;
    }
    d[k] = 0;
    *out = d;
    return true;
}

AstFile *fe_parse(Arena *a, DiagCtx *dc, const char *path, const char *text, size_t len) {
    FeParse p = {.arena = a, .dc = dc};
    if (len > UINT32_MAX - 2) len = UINT32_MAX - 2;
    p.file = diag_add_file(dc, path, text, len);
    p.ast = arena_alloc(a, sizeof *p.ast);
    p.ast->path = arena_strdup(a, path);
    p.ast->file = p.file;
    size_t tlen;
    const char *copy = diag_file_text(dc, p.file, &tlen); /* NUL-terminated */
    yyscan_t scanner;
    if (yylex_init_extra(&p, &scanner) != 0) pd_die("cannot start the lexer");
    YY_BUFFER_STATE buf = yy_scan_bytes(copy, (int)tlen, scanner);
    int rc = yyparse(scanner, &p);
    yy_delete_buffer(buf, scanner);
    yylex_destroy(scanner);
    if (rc != 0 || p.errors) return NULL;
    return p.ast;
}
