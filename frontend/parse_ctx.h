/* parse_ctx.h — what the lexer and the parser share: the parse context
 * (arena, diagnostics, byte offset, bracket nesting) and the location type. */
#ifndef PD_FE_PARSE_CTX_H
#define PD_FE_PARSE_CTX_H

#include <errno.h>
#include <stdlib.h>

#include "ast.h"

/* A source range: byte offsets into the file being parsed. */
typedef struct {
    uint32_t start, end;
} FeLoc;

struct FeParse {
    Arena *arena;
    DiagCtx *dc;
    uint32_t file;
    uint32_t offset;  /* byte offset of the next token */
    int nesting;      /* open ( and [: newlines inside are not statement ends */
    bool cont, prev_cont; /* after an operator a newline continues the line */
    AstFile *ast;
    int errors;
    void *scanner;
};
typedef struct FeParse FeParse;

void fe_lex_error(FeParse *p, FeLoc loc, const char *fmt, ...) PD_PRINTF(3, 4);
/* Decodes the body of a string literal (\n \t \" \\ \xHH) into the arena.
 * False on an invalid escape or a NUL byte. OUT: *out. */
bool fe_decode_string(FeParse *p, const char *s, size_t n, const char **out);

#endif
