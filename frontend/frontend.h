/* frontend.h — from model files to the graph IR.
 *
 * Reads a .pde model (flex + bison parser, then semantic analysis that
 * instantiates modules, evaluates compile-time code and infers shapes while
 * lowering to IR), or a textual IR .pdir file (ir_parse).  Binds weights
 * to params by their state_dict names.  All user errors go to the DiagCtx
 * in the clang format; nothing here exits.
 */
#ifndef PD_FRONTEND_H
#define PD_FRONTEND_H

#include "../ir/ir.h"

typedef struct {
    /* Directories searched for `import std.NAME` (NAME.pde); the first
     * existing one wins.  NULL-terminated; NULL = built-in default
     * (PDEC_STDLIB_DIR env var, then the install/source stdlib dir). */
    const char *const *stdlib_dirs;
} FeOptions;

/* Loads MODEL (.pde, .pdir or .nnet, chosen by extension) into a graph.  Returns
 * NULL when any error was reported to dc. */
IrGraph *fe_load_model(const char *path, const FeOptions *opt, DiagCtx *dc);

/* Parses and lowers .pde source text held in memory (path labels
 * diagnostics and anchors relative imports). */
IrGraph *fe_load_pde_text(const char *path, const char *text, size_t len,
                          const FeOptions *opt, DiagCtx *dc);

/* Reads a .nnet network (the ACAS Xu format) held in memory: input "x"
 * f32[1, n], output "y" f32[1, m], weights as constants. */
IrGraph *fe_load_nnet(const char *path, const char *text, size_t len, DiagCtx *dc);

/* A VNN-LIB property in disjunctive normal form: the unsafe set is the
 * union of the cases; each case is an input box and output rows C·y <= d
 * (C is nrows x ny, row-major).  The property holds (unsat) when every
 * case is infeasible. */
typedef struct {
    double *in_lo, *in_hi;
    double *C, *d;
    uint32_t nrows;
} VnnCase;

typedef struct {
    uint32_t nx, ny;
    VnnCase *cases;
    uint32_t ncases;
} VnnSpec;

/* Reads a .vnnlib file into arena a.  NULL after located errors in dc. */
VnnSpec *fe_load_vnnlib(const char *path, Arena *a, DiagCtx *dc);
/* The same for text in memory (path labels the diagnostics). */
VnnSpec *fe_parse_vnnlib(const char *path, const char *text, size_t len, Arena *a, DiagCtx *dc);

/* Loads the weights file (path, or g->weights relative to g->base_dir when
 * path is NULL) and binds every param by name.  Errors: a missing
 * parameter, a shape or dtype mismatch (naming the parameter and both
 * shapes), an unreadable or corrupt file.  Warning: a tensor in the file
 * that no param uses.  A graph without params and without a weights
 * clause succeeds trivially. */
bool fe_bind_weights(IrGraph *g, const char *path, DiagCtx *dc);

#endif
