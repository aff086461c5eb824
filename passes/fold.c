/* fold.c — constant folding.
 *
 * An op marked FOLDABLE whose operands are all consts is evaluated by the
 * reference interpreter (so folding means exactly what running means) and
 * replaced by a const.  Params are not folded here: weights are bound after
 * the graph is built, and a graph dumped before binding must not change
 * meaning when weights change.  Results above FOLD_MAX_ELEMS elements are
 * left alone: a const is printed in the textual IR, and a huge literal
 * would make dumps unreadable and the graph larger than the computation.
 */
#include "passes.h"

#include "backends/interp/interp.h"

enum { FOLD_MAX_ELEMS = 1 << 20, FOLD_MAX_IN = 16 };

static bool all_const_operands(const IrGraph *g, const IrNode *n) {
    if (n->nin == 0 || n->nin > FOLD_MAX_IN) return false;
    for (uint32_t k = 0; k < n->nin; k++)
        if (ir_node(g, n->in[k])->op != IR_OP_CONST) return false;
    return true;
}

/* A runtime view of a const's data (borrowed, never freed). */
static PdrtTensor view(const IrTensorData *d) {
    PdrtTensor t = {.dtype = (PdrtDType)d->type.dtype, .rank = d->type.rank, .data = d->data,
                    .nbytes = d->nbytes};
    for (uint32_t i = 0; i < d->type.rank; i++) t.dims[i] = d->type.dims[i];
    return t;
}

/* Folds node id; returns false when it cannot be folded. */
static bool fold_node(IrGraph *g, IrId id) {
    const IrNode *n = ir_node(g, id);
    PdrtTensor in[FOLD_MAX_IN], out;
    for (uint32_t k = 0; k < n->nin; k++) in[k] = view(ir_node_data(g, n->in[k]));
    char err[256];
    if (!interp_eval_node(g, id, in, &out, err, sizeof err)) return false;
    IrType t = n->type;
    SrcLoc loc = n->loc;
    IrId c = ir_add_const(g, t, out.data, loc); /* may move g->nodes: n is stale now */
    pdrt_tensor_free(&out);
    ir_replace_uses(g, id, c);
    ir_node(g, id)->dead = true;
    return true;
}

bool pass_fold(IrGraph *g, DiagCtx *dc) {
    (void)dc;
    bool changed = false;
    uint32_t n = g->nodes.len;
    /* In id order a folded node's users come later and see a const. New
     * consts are appended; compaction puts them before their users. */
    for (uint32_t i = 0; i < n; i++) {
        const IrNode *node = ir_node(g, i);
        if (node->dead || !(ir_op_info(node->op)->flags & IR_F_FOLDABLE)) continue;
        if (ir_type_numel(&node->type) > FOLD_MAX_ELEMS || !all_const_operands(g, node)) continue;
        changed |= fold_node(g, i);
    }
    if (changed) ir_compact(g);
    return true;
}
