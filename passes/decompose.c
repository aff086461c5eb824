/* decompose.c — preparing a graph for the compiled backends: softmax and
 * layer_norm as primitive ops, and bound weights frozen into constants.
 *
 *   softmax(x, a)       -> e / sum(e, [a], keepdims)  with e = exp(x - reduce_max(x, [a], keepdims))
 *   layer_norm(x, a, eps) -> d * rsqrt(mean(d * d, [a..r), keepdims) + eps)
 *                          with d = x - mean(x, [a..r), keepdims)
 * Both are the formulas the interpreter evaluates, in the same order.
 */
#include "fusion.h"

typedef struct {
    IrGraph *g;
    SrcLoc loc;
} Builder;

static IrId add_op(Builder *b, IrOpKind op, IrId x, IrId y, const IrAttr *attrs, uint32_t nattr) {
    IrId in[2] = {x, y};
    return ir_add(b->g, op, in, y == IR_NONE ? 1 : 2, attrs, nattr, b->loc, NULL, 0);
}

static IrId reduce_keep(Builder *b, IrOpKind op, IrId x, uint32_t from_axis, uint32_t to_axis) {
    int64_t axes[IR_MAX_RANK];
    for (uint32_t i = from_axis; i < to_axis; i++) axes[i - from_axis] = i;
    IrAttr at[2] = {ir_attr_ints("axes", axes, to_axis - from_axis), ir_attr_int("keepdims", 1)};
    return add_op(b, op, x, IR_NONE, at, 2);
}

static IrId softmax(Builder *b, const IrNode *n) {
    IrId x = n->in[0];
    uint32_t axis = (uint32_t)ir_get_int(n, "axis");
    IrId m = reduce_keep(b, IR_OP_REDUCE_MAX, x, axis, axis + 1);
    IrId e = add_op(b, IR_OP_EXP, add_op(b, IR_OP_SUB, x, m, NULL, 0), IR_NONE, NULL, 0);
    return add_op(b, IR_OP_DIV, e, reduce_keep(b, IR_OP_SUM, e, axis, axis + 1), NULL, 0);
}

static IrId layer_norm(Builder *b, const IrNode *n) {
    IrId x = n->in[0];
    uint32_t axis = (uint32_t)ir_get_int(n, "axis"), rank = n->type.rank;
    IrId d = add_op(b, IR_OP_SUB, x, reduce_keep(b, IR_OP_MEAN, x, axis, rank), NULL, 0);
    IrId var = reduce_keep(b, IR_OP_MEAN, add_op(b, IR_OP_MUL, d, d, NULL, 0), axis, rank);
    IrId eps = ir_add_scalar(b->g, n->type.dtype, ir_get_float(n, "eps"), b->loc);
    IrId r = add_op(b, IR_OP_RSQRT, add_op(b, IR_OP_ADD, var, eps, NULL, 0), IR_NONE, NULL, 0);
    return add_op(b, IR_OP_MUL, d, r, NULL, 0);
}

bool pass_decompose(IrGraph *g, DiagCtx *dc) {
    (void)dc;
    bool changed = false;
    uint32_t n = g->nodes.len;
    for (IrId id = 0; id < n; id++) {
        IrNode node = *ir_node(g, id); /* ir_add may move the node vector */
        if (node.dead || (node.op != IR_OP_SOFTMAX && node.op != IR_OP_LAYER_NORM)) continue;
        Builder b = {g, node.loc};
        IrId repl = node.op == IR_OP_SOFTMAX ? softmax(&b, &node) : layer_norm(&b, &node);
        ir_replace_uses(g, id, repl);
        ir_node(g, id)->dead = changed = true;
    }
    if (changed) ir_compact(g);
    return true;
}

/* A compiled model carries its weights in one blob, so a bound param is a
 * constant there: freezing lets fold precompute what depends on weights
 * alone (transposed, reshaped, transformed weights). */
bool pass_freeze(IrGraph *g, DiagCtx *dc) {
    (void)dc;
    for (IrId id = 0; id < g->nodes.len; id++) {
        IrNode *n = ir_node(g, id);
        if (n->op == IR_OP_PARAM && n->data != IR_NONE) n->op = IR_OP_CONST, n->name = NULL;
    }
    return true;
}
