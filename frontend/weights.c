/* weights.c — binds a weights file to a graph's params by name.
 *
 * Names are state_dict names ("blocks.2.spectral.weight1").  Every param
 * must find a tensor of its exact dtype and shape; a tensor no param uses
 * is a warning (a typo in a name shows up as one error and one warning).
 */
#include <string.h>

#include "frontend.h"
#include "runtime/pdrt.h"

static char *join(Arena *a, const char *dir, const char *path) {
    if (path[0] == '/' || !dir) return arena_strdup(a, path);
    return arena_printf(a, "%s/%s", dir, path);
}

static void type_of(const PdrtTensor *t, IrType *out) {
    memset(out, 0, sizeof *out);
    out->dtype = (IrDType)t->dtype;
    out->rank = t->rank;
    memcpy(out->dims, t->dims, t->rank * sizeof(int64_t));
}

/* Binds every param; reports each missing or mismatched one. */
static bool bind_all(IrGraph *g, const PdrtTensorSet *set, const char *file, bool *used, DiagCtx *dc) {
    bool ok = true;
    char want[128], have[128];
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        IrNode *n = ir_node(g, i);
        if (n->op != IR_OP_PARAM) continue;
        ir_type_fmt(want, sizeof want, &n->type);
        long k = pdrt_tensorset_find(set, n->name);
        if (k < 0) {
            diag_error(dc, n->loc, "weights file '%s' has no tensor '%s' (expected %s)", file, n->name, want);
            ok = false;
            continue;
        }
        used[k] = true;
        IrType t;
        type_of(&set->items[k].t, &t);
        if (!ir_type_eq(&t, &n->type)) {
            diag_error(dc, n->loc, "parameter '%s': model expects %s, weights file has %s", n->name, want,
                       ir_type_fmt(have, sizeof have, &t));
            ok = false;
            continue;
        }
        ir_bind_param(g, i, set->items[k].t.data);
    }
    return ok;
}

static uint32_t count_params(const IrGraph *g) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->nodes.len; i++) n += ir_node(g, i)->op == IR_OP_PARAM;
    return n;
}

bool fe_bind_weights(IrGraph *g, const char *path, DiagCtx *dc) {
    Arena *a = arena_new();
    const char *file = path ? path : g->weights ? join(a, g->base_dir, g->weights) : NULL;
    bool ok = true;
    if (!file) {
        uint32_t n = count_params(g);
        if (n) diag_error(dc, src_none(), "model '%s' has %u parameters but names no weights file; "
                          "add 'weights \"FILE\"' to the model or pass --weights FILE", g->name, n);
        arena_free(a);
        return n == 0;
    }
    PdrtTensorSet set = {0};
    char err[512];
    if (!pdrt_weights_load(file, &set, err, sizeof err)) {
        diag_file_error(dc, file, "%s", err);
        arena_free(a);
        return false;
    }
    bool *used = arena_alloc(a, (set.n + 1) * sizeof *used);
    ok = bind_all(g, &set, file, used, dc);
    for (size_t k = 0; ok && k < set.n; k++)
        if (!used[k]) diag_warning(dc, src_none(), "weights file '%s' has a tensor '%s' that no parameter uses", file, set.items[k].name);
    pdrt_tensorset_free(&set);
    arena_free(a);
    return ok;
}
