/* diag.h — diagnostics in the clang format.
 *
 *   file:line:col: error: message
 *     the source line, tabs expanded
 *     ^~~~
 *
 * Source files are registered once; a location is a file id plus a byte
 * range, and line/column are computed from a line map built at
 * registration.  Columns are 1-based byte columns, as clang prints them.
 * The context counts errors so callers can keep going where recovery is
 * cheap and stop before the IR passes when the count is nonzero.
 */
#ifndef PD_DIAG_H
#define PD_DIAG_H

#include <stdio.h>

#include "base.h"

typedef struct {
    uint32_t file;       /* 0 = no location; otherwise a diag_add_file id */
    uint32_t start, end; /* byte offsets, end exclusive (end == start: a point) */
} SrcLoc;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

typedef struct DiagCtx DiagCtx;

/* out: where messages go (stderr in the driver, a memstream in tests). */
DiagCtx *diag_new(FILE *out);
void diag_free(DiagCtx *dc);

/* Registers a file's text (copied) under the name shown in messages.
 * Returns its id (>= 1). */
uint32_t diag_add_file(DiagCtx *dc, const char *name, const char *text, size_t len);
const char *diag_file_name(const DiagCtx *dc, uint32_t file);
const char *diag_file_text(const DiagCtx *dc, uint32_t file, size_t *len);

/* OUT: 1-based line and column of a byte offset. */
void diag_line_col(const DiagCtx *dc, uint32_t file, uint32_t off,
                   uint32_t *line, uint32_t *col);

void diag_report(DiagCtx *dc, DiagLevel lvl, SrcLoc loc, const char *fmt, ...)
    PD_PRINTF(4, 5);
void diag_vreport(DiagCtx *dc, DiagLevel lvl, SrcLoc loc, const char *fmt, va_list ap);
#define diag_error(dc, loc, ...) diag_report((dc), DIAG_ERROR, (loc), __VA_ARGS__)
#define diag_warning(dc, loc, ...) diag_report((dc), DIAG_WARNING, (loc), __VA_ARGS__)
#define diag_note(dc, loc, ...) diag_report((dc), DIAG_NOTE, (loc), __VA_ARGS__)

/* An error about a whole file (no line): "file: error: msg". */
void diag_file_error(DiagCtx *dc, const char *path, const char *fmt, ...)
    PD_PRINTF(3, 4);

int diag_error_count(const DiagCtx *dc);
int diag_warning_count(const DiagCtx *dc);

/* Stop after this many errors (default 20); further ones are counted only. */
void diag_set_error_limit(DiagCtx *dc, int limit);

static inline SrcLoc src_loc(uint32_t file, uint32_t start, uint32_t end) {
    SrcLoc l = {file, start, end};
    return l;
}
static inline SrcLoc src_none(void) {
    SrcLoc l = {0, 0, 0};
    return l;
}

#endif
