/* algebraic.c — simple algebraic identities.
 *
 *   x + 0, 0 + x, x - 0, x * 1, 1 * x, x / 1    -> x
 *   neg(neg(x))                                  -> x
 *   transpose(transpose(x, p), q)                -> transpose(x, p∘q), or x
 *   transpose(x, identity), reshape/broadcast/cast/pad/slice that change
 *   nothing                                      -> x
 *   reshape(reshape(x))                          -> reshape(x)
 *
 * Only when the result type equals x's type: x * ones([4]) with x of shape
 * [1] broadcasts, so it is not x.  x * 0 is not folded to 0 (NaN * 0).
 */
#include <string.h>

#include "passes.h"

/* True when id is a const whose every element equals v (imaginary 0). */
static bool const_all(const IrGraph *g, IrId id, double v) {
    const IrTensorData *d = ir_node(g, id)->op == IR_OP_CONST ? ir_node_data(g, id) : NULL;
    if (!d) return false;
    int64_t n = ir_type_numel(&d->type);
    for (int64_t i = 0; i < n; i++) {
        double x;
        switch (d->type.dtype) {
        case IR_F32: x = ((const float *)d->data)[i]; break;
        case IR_F64: x = ((const double *)d->data)[i]; break;
        case IR_I64: x = (double)((const int64_t *)d->data)[i]; break;
        case IR_C64:
            if (((const float *)d->data)[2 * i + 1] != 0) return false;
            x = ((const float *)d->data)[2 * i];
            break;
        default: return false;
        }
        if (x != v) return false;
    }
    return true;
}

static bool same_type(const IrGraph *g, IrId a, IrId b) {
    return ir_type_eq(&ir_node(g, a)->type, &ir_node(g, b)->type);
}

/* For a binary op with identity element e on side(s): the other operand. */
static IrId binary_identity(const IrGraph *g, IrId id, const IrNode *n) {
    IrId a = n->in[0], b = n->in[1];
    switch (n->op) {
    case IR_OP_ADD:
        if (const_all(g, b, 0) && same_type(g, id, a)) return a;
        if (const_all(g, a, 0) && same_type(g, id, b)) return b;
        return IR_NONE;
    case IR_OP_MUL:
        if (const_all(g, b, 1) && same_type(g, id, a)) return a;
        if (const_all(g, a, 1) && same_type(g, id, b)) return b;
        return IR_NONE;
    case IR_OP_SUB: return const_all(g, b, 0) && same_type(g, id, a) ? a : IR_NONE;
    case IR_OP_DIV: return const_all(g, b, 1) && same_type(g, id, a) ? a : IR_NONE;
    default: return IR_NONE;
    }
}

static bool is_identity_perm(const int64_t *p, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (p[i] != (int64_t)i) return false;
    return true;
}

/* transpose(transpose(x, p), q)[i] = x[p[q[i]]]: one transpose, or none. */
static IrId transpose_chain(IrGraph *g, IrId id) {
    const IrNode *n = ir_node(g, id), *inner = ir_node(g, n->in[0]);
    uint32_t r;
    const int64_t *q = ir_get_ints(n, "perm", &r);
    if (is_identity_perm(q, r)) return n->in[0];
    if (inner->op != IR_OP_TRANSPOSE) return IR_NONE;
    const int64_t *p = ir_get_ints(inner, "perm", NULL);
    int64_t perm[IR_MAX_RANK];
    for (uint32_t i = 0; i < r; i++) perm[i] = p[q[i]];
    IrId x = inner->in[0];
    if (is_identity_perm(perm, r)) return x;
    IrAttr a = ir_attr_ints("perm", perm, r);
    return ir_add(g, IR_OP_TRANSPOSE, &x, 1, &a, 1, n->loc, NULL, 0);
}

static IrId reshape_chain(IrGraph *g, IrId id) {
    const IrNode *n = ir_node(g, id);
    IrId x = n->in[0];
    if (same_type(g, id, x)) return x;
    if (ir_node(g, x)->op != IR_OP_RESHAPE) return IR_NONE;
    IrId src = ir_node(g, x)->in[0];
    if (same_type(g, id, src)) return src;
    IrAttr a = ir_attr_ints("shape", n->type.dims, n->type.rank);
    return ir_add(g, IR_OP_RESHAPE, &src, 1, &a, 1, n->loc, NULL, 0);
}

static bool pads_zero(const IrNode *n) {
    uint32_t k;
    const int64_t *p = ir_get_ints(n, "pads", &k);
    for (uint32_t i = 0; i < k; i++)
        if (p[i]) return false;
    return true;
}

static bool slice_is_whole(const IrGraph *g, const IrNode *n) {
    const IrType *t = &ir_node(g, n->in[0])->type;
    const int64_t *s = ir_get_ints(n, "starts", NULL), *e = ir_get_ints(n, "ends", NULL);
    const int64_t *k = ir_get_ints(n, "steps", NULL);
    for (uint32_t i = 0; i < t->rank; i++)
        if (s[i] != 0 || e[i] != t->dims[i] || k[i] != 1) return false;
    return true;
}

/* The value node id can be replaced by, or IR_NONE. */
static IrId simplify(IrGraph *g, IrId id) {
    const IrNode *n = ir_node(g, id);
    switch (n->op) {
    case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_DIV:
        return binary_identity(g, id, n);
    case IR_OP_NEG: {
        const IrNode *x = ir_node(g, n->in[0]);
        return x->op == IR_OP_NEG ? x->in[0] : IR_NONE;
    }
    case IR_OP_TRANSPOSE: return transpose_chain(g, id);
    case IR_OP_RESHAPE: return reshape_chain(g, id);
    case IR_OP_BROADCAST: case IR_OP_CAST:
        return same_type(g, id, n->in[0]) ? n->in[0] : IR_NONE;
    case IR_OP_PAD: return pads_zero(n) ? n->in[0] : IR_NONE;
    case IR_OP_SLICE: return slice_is_whole(g, n) ? n->in[0] : IR_NONE;
    default: return IR_NONE;
    }
}

bool pass_algebraic(IrGraph *g, DiagCtx *dc) {
    (void)dc;
    bool changed = false;
    /* New nodes (merged transposes) are appended and visited too, so
     * chains of any length collapse in one run. */
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        if (ir_node(g, i)->dead) continue;
        IrId r = simplify(g, i);
        if (r == IR_NONE || r == i) continue;
        ir_replace_uses(g, i, r);
        ir_node(g, i)->dead = changed = true;
    }
    if (changed) ir_compact(g);
    return true;
}
