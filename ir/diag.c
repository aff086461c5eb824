/* diag.c — clang-format diagnostics with a line map per file.
 *
 * Renders "file:line:col: level: message", then the source line with tabs
 * expanded to the next multiple of 8, then a caret under the start and
 * tildes under the rest of the range (clipped to the line).  Owns copies of
 * the registered texts; nothing else.
 */
#include "diag.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *name;
    char *text;
    size_t len;
    uint32_t *line_starts; /* byte offset of each line's first byte */
    uint32_t nlines;
} DiagFile;

struct DiagCtx {
    FILE *out;
    DiagFile *files; /* files[0] unused: id 0 means "no location" */
    uint32_t nfiles, cap;
    int errors, warnings, limit;
};

DiagCtx *diag_new(FILE *out) {
    DiagCtx *dc = pd_xcalloc(1, sizeof *dc);
    dc->out = out;
    dc->limit = 20;
    dc->cap = 4;
    dc->files = pd_xcalloc(dc->cap, sizeof(DiagFile));
    dc->nfiles = 1;
    return dc;
}

void diag_free(DiagCtx *dc) {
    if (!dc) return;
    for (uint32_t i = 1; i < dc->nfiles; i++) {
        free(dc->files[i].name);
        free(dc->files[i].text);
        free(dc->files[i].line_starts);
    }
    free(dc->files);
    free(dc);
}

static void build_line_map(DiagFile *f) {
    uint32_t n = 1;
    for (size_t i = 0; i < f->len; i++) n += f->text[i] == '\n';
    f->line_starts = pd_xmalloc(n * sizeof(uint32_t));
    f->line_starts[0] = 0;
    f->nlines = 1;
    for (size_t i = 0; i < f->len; i++)
        if (f->text[i] == '\n') f->line_starts[f->nlines++] = (uint32_t)(i + 1);
}

uint32_t diag_add_file(DiagCtx *dc, const char *name, const char *text, size_t len) {
    if (len > UINT32_MAX - 1) len = UINT32_MAX - 1; /* offsets are 32-bit */
    if (dc->nfiles == dc->cap) {
        dc->cap *= 2;
        dc->files = pd_xrealloc(dc->files, dc->cap * sizeof(DiagFile));
    }
    DiagFile *f = &dc->files[dc->nfiles];
    size_t nlen = strlen(name);
    f->name = pd_xmalloc(nlen + 1);
    memcpy(f->name, name, nlen + 1);
    f->text = pd_xmalloc(len + 1);
    if (len) memcpy(f->text, text, len);
    f->text[len] = 0;
    f->len = len;
    build_line_map(f);
    return dc->nfiles++;
}

const char *diag_file_name(const DiagCtx *dc, uint32_t file) {
    return file > 0 && file < dc->nfiles ? dc->files[file].name : "<unknown>";
}

const char *diag_file_text(const DiagCtx *dc, uint32_t file, size_t *len) {
    if (file == 0 || file >= dc->nfiles) return NULL;
    if (len) *len = dc->files[file].len;
    return dc->files[file].text;
}

/* Index of the line holding byte off (binary search). */
static uint32_t line_index(const DiagFile *f, uint32_t off) {
    uint32_t lo = 0, hi = f->nlines;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->line_starts[mid] <= off) lo = mid;
        else hi = mid;
    }
    return lo;
}

void diag_line_col(const DiagCtx *dc, uint32_t file, uint32_t off,
                   uint32_t *line, uint32_t *col) {
    *line = *col = 0;
    if (file == 0 || file >= dc->nfiles) return;
    const DiagFile *f = &dc->files[file];
    if (off > f->len) off = (uint32_t)f->len;
    uint32_t li = line_index(f, off);
    *line = li + 1;
    *col = off - f->line_starts[li] + 1;
}

static const char *level_name(DiagLevel lvl) {
    switch (lvl) {
    case DIAG_ERROR: return "error";
    case DIAG_WARNING: return "warning";
    case DIAG_NOTE: return "note";
    }
    return "error";
}

/* Prints the line holding loc.start, tabs expanded, and the caret line. */
static void print_snippet(FILE *out, const DiagFile *f, SrcLoc loc) {
    uint32_t start = loc.start > f->len ? (uint32_t)f->len : loc.start;
    uint32_t li = line_index(f, start);
    uint32_t b = f->line_starts[li], e = b;
    while (e < f->len && f->text[e] != '\n' && f->text[e] != '\r') e++;
    uint32_t end = loc.end > e ? e : loc.end;
    if (end <= start) end = start + 1;
    size_t w = 0, caret_from = 0, caret_to = 0;
    for (uint32_t i = b; i <= e; i++) {
        if (i == start) caret_from = w;
        if (i == end) caret_to = w;
        if (i == e) break;
        unsigned char c = (unsigned char)f->text[i];
        if (c == '\t') {
            do { fputc(' ', out); w++; } while (w % 8);
        } else {
            fputc(c < 0x20 || c == 0x7f ? ' ' : c, out);
            w++;
        }
    }
    if (caret_to <= caret_from) caret_to = caret_from + 1;
    fputc('\n', out);
    for (size_t i = 0; i < caret_from; i++) fputc(' ', out);
    fputc('^', out);
    for (size_t i = caret_from + 1; i < caret_to; i++) fputc('~', out);
    fputc('\n', out);
}

void diag_vreport(DiagCtx *dc, DiagLevel lvl, SrcLoc loc, const char *fmt, va_list ap) {
    if (lvl == DIAG_ERROR && dc->errors++ >= dc->limit) return;
    if (lvl == DIAG_WARNING) dc->warnings++;
    if (lvl == DIAG_NOTE && dc->errors > dc->limit) return;
    FILE *out = dc->out;
    bool has_loc = loc.file > 0 && loc.file < dc->nfiles;
    if (has_loc) {
        uint32_t line, col;
        diag_line_col(dc, loc.file, loc.start, &line, &col);
        fprintf(out, "%s:%u:%u: ", dc->files[loc.file].name, line, col);
    } else {
        fputs("pdec: ", out);
    }
    fprintf(out, "%s: ", level_name(lvl));
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    if (has_loc) print_snippet(out, &dc->files[loc.file], loc);
    if (lvl == DIAG_ERROR && dc->errors == dc->limit)
        fprintf(out, "pdec: fatal error: too many errors emitted, stopping now\n");
    fflush(out);
}

void diag_report(DiagCtx *dc, DiagLevel lvl, SrcLoc loc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(dc, lvl, loc, fmt, ap);
    va_end(ap);
}

void diag_file_error(DiagCtx *dc, const char *path, const char *fmt, ...) {
    va_list ap;
    if (dc->errors++ >= dc->limit) return;
    fprintf(dc->out, "%s: error: ", path);
    va_start(ap, fmt);
    vfprintf(dc->out, fmt, ap);
    va_end(ap);
    fputc('\n', dc->out);
    fflush(dc->out);
}

int diag_error_count(const DiagCtx *dc) { return dc->errors; }
int diag_warning_count(const DiagCtx *dc) { return dc->warnings; }
void diag_set_error_limit(DiagCtx *dc, int limit) { dc->limit = limit > 0 ? limit : 1; }
