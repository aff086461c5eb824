/* manager.c — the pass table and the pass manager.
 *
 * Passes run from one table; groups (canonicalize) expand to lists of
 * passes.  The manager, not the passes, prints the IR after a pass
 * ("*** IR Dump After NAME ***") and runs the verifier between passes when
 * asked.  A verifier failure after a pass is a compiler bug: it names the
 * pass and dies (exit 2), because the graph can no longer be trusted.
 */
#include <string.h>

#include "passes.h"
#include "fusion.h"

static const PassInfo pass_list[] = {
    {"fold", pass_fold, "evaluate ops whose operands are all constants"},
    {"algebraic", pass_algebraic, "simplify identities: x*1, x+0, transpose of transpose, reshape chains"},
    {"cse", pass_cse, "merge structurally identical nodes"},
    {"dce", pass_dce, "remove nodes no output depends on"},
    {"decompose", pass_decompose, "softmax and layer_norm as primitive ops (for compiled backends)"},
    {"freeze", pass_freeze, "bound weights become constants (for compiled backends)"},
    {"transform_once", pass_transform_once, "frequency-domain rewrites: one transform where there were several"},
    {NULL, NULL, NULL},
};

typedef struct {
    const char *name;
    const char *const *members;
} PassGroup;

static const char *const canonicalize_members[] = {"fold", "algebraic", "cse", "dce", NULL};
static const PassGroup groups[] = {
    {"canonicalize", canonicalize_members},
    {NULL, NULL},
};

static const char *const default_pipeline[] = {"canonicalize", "transform_once", NULL};
static const char *const without_transform_once[] = {"canonicalize", NULL};

const PassInfo *pass_table(void) { return pass_list; }

const PassInfo *pass_lookup(const char *name) {
    for (const PassInfo *p = pass_list; p->name; p++)
        if (strcmp(p->name, name) == 0) return p;
    return NULL;
}

const char *const *pass_default_pipeline(void) { return default_pipeline; }

const char *const *pass_pipeline_without_transform_once(void) { return without_transform_once; }

static const PassGroup *group_lookup(const char *name) {
    for (const PassGroup *g = groups; g->name; g++)
        if (strcmp(g->name, name) == 0) return g;
    return NULL;
}

/* True when name is a pass or a group; reports it otherwise. */
static bool known(const char *name, DiagCtx *dc) {
    if (pass_lookup(name) || group_lookup(name)) return true;
    diag_error(dc, src_none(), "unknown pass '%s' (passes: fold, algebraic, cse, dce, decompose, freeze, transform_once; group: canonicalize)",
               name);
    return false;
}

/* Prints the IR after the pass or group called name, if asked to. */
static void maybe_print(const IrGraph *g, const char *name, bool is_group, const PassOptions *opt) {
    const char *want = opt->print_after;
    if (!want || (is_group ? strcmp(want, name) != 0
                           : strcmp(want, "all") != 0 && strcmp(want, name) != 0))
        return;
    fprintf(opt->out, "*** IR Dump After %s ***\n", name);
    ir_print(g, opt->out);
}

static bool run_one(IrGraph *g, const PassInfo *p, const PassOptions *opt, DiagCtx *dc) {
    if (!p->run(g, dc)) return false;
    if (opt->verify_each && !ir_verify(g, dc)) pd_die("the IR is invalid after pass '%s'", p->name);
    maybe_print(g, p->name, false, opt);
    return true;
}

bool pass_run_pipeline(IrGraph *g, const char *const *names, const PassOptions *opt, DiagCtx *dc) {
    bool ok = true;
    for (const char *const *n = names; *n; n++) ok &= known(*n, dc);
    if (opt->print_after && strcmp(opt->print_after, "all") != 0 && !known(opt->print_after, dc))
        ok = false;
    if (!ok) return false;
    for (const char *const *n = names; *n; n++) {
        const PassGroup *grp = group_lookup(*n);
        const char *const single[] = {*n, NULL};
        for (const char *const *m = grp ? grp->members : single; *m; m++)
            if (!run_one(g, pass_lookup(*m), opt, dc)) return false;
        if (grp) maybe_print(g, grp->name, true, opt);
    }
    return true;
}
