/* passes.h — graph-to-graph passes and the pass manager.
 *
 * Every pass exports one verb, bool pass_NAME(IrGraph *, DiagCtx *): it
 * rewrites the graph in place, returns false only on a user-level error
 * reported to dc, and leaves the graph compacted and verifiable.
 * The manager runs a named list from its table, prints the IR after a
 * named pass (or after each) with a "*** IR Dump After NAME ***" banner,
 * and runs ir_verify between passes when asked (always in tests).
 */
#ifndef PD_PASSES_H
#define PD_PASSES_H

#include "../ir/ir.h"

bool pass_fold(IrGraph *g, DiagCtx *dc);       /* constant folding */
bool pass_algebraic(IrGraph *g, DiagCtx *dc);  /* x*1, x+0, transpose∘transpose, reshape chains */
bool pass_cse(IrGraph *g, DiagCtx *dc);        /* common subexpressions */
bool pass_dce(IrGraph *g, DiagCtx *dc);        /* nodes no output reaches */
bool pass_transform_once(IrGraph *g, DiagCtx *dc); /* frequency-domain rewrites (transform_once.c) */
/* The cost model's choices in the last transform_once run, one line each. */
const char *transform_once_choices(void);

typedef bool (*PassFn)(IrGraph *g, DiagCtx *dc);
typedef struct {
    const char *name;
    PassFn run;
    const char *summary;
} PassInfo;

/* The table of every pass, NULL-name terminated. */
const PassInfo *pass_table(void);
const PassInfo *pass_lookup(const char *name);

typedef struct {
    const char *print_after; /* a pass name, "all", or NULL */
    bool verify_each;        /* run ir_verify after every pass */
    FILE *out;               /* where dumps go */
} PassOptions;

/* The default pipeline, NULL-terminated: the canonicalize group (fold,
 * algebraic, cse, dce), then transform_once; and the same without
 * transform_once (--no-transform-once). */
const char *const *pass_default_pipeline(void);
const char *const *pass_pipeline_without_transform_once(void);

/* Runs names[] (NULL-terminated; a name may be a group such as
 * "canonicalize") in order.  An unknown name is a user error. */
bool pass_run_pipeline(IrGraph *g, const char *const *names,
                       const PassOptions *opt, DiagCtx *dc);

#endif
