/* lower_ops.c — the value of each fusable op at one point: elementwise
 * arithmetic (complex split into parts) and data movement as index
 * arithmetic.  Anchors and reductions are kernel-level (lower.c). */
#include <math.h>
#include <string.h>

#include "lower_impl.h"

IrDType lx_part_dtype(IrDType t) { return t == IR_C64 ? IR_F32 : t; }

static KExpr blank(KExprKind kind, IrDType dt) {
    return (KExpr){.kind = kind, .dtype = dt, .a = KIR_NONE, .b = KIR_NONE, .c = KIR_NONE,
                   .index = KIR_NONE, .buf = KIR_NONE};
}

KId lx_unary(Lower *L, IrOpKind op, KId a, IrDType dt) {
    KExpr e = blank(KX_UNARY, dt);
    e.op = op, e.a = a;
    return kir_expr(L->p, e);
}

KId lx_binary(Lower *L, IrOpKind op, KId a, KId b, IrDType dt) {
    KExpr e = blank(KX_BINARY, dt);
    e.op = op, e.a = a, e.b = b;
    return kir_expr(L->p, e);
}

KId lx_select(Lower *L, KId cond, KId a, KId b, IrDType dt) {
    KExpr e = blank(KX_SELECT, dt);
    e.a = cond, e.b = a, e.c = b;
    return kir_expr(L->p, e);
}

KId lx_inrange(Lower *L, KId index, int64_t lo, int64_t hi) {
    KExpr e = blank(KX_INRANGE, IR_F32);
    e.index = index, e.lo = lo, e.hi = hi;
    return kir_expr(L->p, e);
}

static KVal real(KId re) { return (KVal){re, KIR_NONE}; }

void lower_bcast_idx(Lower *L, const IrType *in, uint32_t out_rank, const KId *idx, KId *in_idx) {
    uint32_t off = out_rank - in->rank;
    for (uint32_t d = 0; d < in->rank; d++)
        in_idx[d] = in->dims[d] == 1 ? kir_idx_const(L->p, 0) : idx[d + off];
}

/* Operand k of n at the point idx of n, through broadcasting. */
static KVal operand(Lower *L, const IrNode *n, uint32_t k, const KId *idx) {
    KId in_idx[IR_MAX_RANK];
    lower_bcast_idx(L, &ir_node(L->g, n->in[k])->type, n->type.rank, idx, in_idx);
    return lower_value(L, n->in[k], in_idx);
}

/* ---- elementwise ---------------------------------------------------------- */

static KVal complex_binary(Lower *L, IrOpKind op, KVal a, KVal b) {
    const IrDType f = IR_F32;
    if (op == IR_OP_ADD || op == IR_OP_SUB)
        return (KVal){lx_binary(L, op, a.re, b.re, f), lx_binary(L, op, a.im, b.im, f)};
    KId rr = lx_binary(L, IR_OP_MUL, a.re, b.re, f), ii = lx_binary(L, IR_OP_MUL, a.im, b.im, f);
    KId ri = lx_binary(L, IR_OP_MUL, a.re, b.im, f), ir = lx_binary(L, IR_OP_MUL, a.im, b.re, f);
    if (op == IR_OP_MUL) return (KVal){lx_binary(L, IR_OP_SUB, rr, ii, f), lx_binary(L, IR_OP_ADD, ri, ir, f)};
    if (op != IR_OP_DIV) pd_die("lower: %s on complex values", ir_op_info(op)->name);
    KId den = lx_binary(L, IR_OP_ADD, lx_binary(L, IR_OP_MUL, b.re, b.re, f), lx_binary(L, IR_OP_MUL, b.im, b.im, f), f);
    return (KVal){lx_binary(L, IR_OP_DIV, lx_binary(L, IR_OP_ADD, rr, ii, f), den, f),
                  lx_binary(L, IR_OP_DIV, lx_binary(L, IR_OP_SUB, ir, ri, f), den, f)};
}

static KVal binary(Lower *L, const IrNode *n, const KId *idx) {
    KVal a = operand(L, n, 0, idx), b = operand(L, n, 1, idx);
    if (n->op == IR_OP_COMPLEX) return (KVal){a.re, b.re};
    if (n->type.dtype == IR_C64) return complex_binary(L, n->op, a, b);
    return real(lx_binary(L, n->op, a.re, b.re, n->type.dtype));
}

static KVal where(Lower *L, const IrNode *n, const KId *idx) {
    KVal c = operand(L, n, 0, idx), a = operand(L, n, 1, idx), b = operand(L, n, 2, idx);
    KExpr nz = {.kind = KX_NONZERO, .dtype = IR_F32, .a = c.re, .b = KIR_NONE, .c = KIR_NONE,
                .index = KIR_NONE, .buf = KIR_NONE};
    KId cond = kir_expr(L->p, nz);
    IrDType dt = lx_part_dtype(n->type.dtype);
    KVal r = real(lx_select(L, cond, a.re, b.re, dt));
    if (n->type.dtype == IR_C64) r.im = lx_select(L, cond, a.im, b.im, dt);
    return r;
}

static KVal cast(Lower *L, const IrNode *n, KVal x) {
    IrDType to = ir_get_dtype(n, "dtype");
    if (to == IR_C64) return (KVal){lx_unary(L, IR_OP_CAST, x.re, IR_F32), kir_const(L->p, IR_F32, 0)};
    return real(lx_unary(L, IR_OP_CAST, x.re, to));
}

static KVal unary(Lower *L, const IrNode *n, const KId *idx) {
    KVal x = lower_value(L, n->in[0], idx);
    IrDType dt = lx_part_dtype(n->type.dtype);
    switch (n->op) {
    case IR_OP_REAL: return real(x.re);
    case IR_OP_IMAG: return real(x.im);
    case IR_OP_CONJ: return (KVal){x.re, lx_unary(L, IR_OP_NEG, x.im, dt)};
    case IR_OP_CAST: return cast(L, n, x);
    case IR_OP_NEG:
        return (KVal){lx_unary(L, IR_OP_NEG, x.re, dt), x.im == KIR_NONE ? KIR_NONE : lx_unary(L, IR_OP_NEG, x.im, dt)};
    default: {
        KId r = lx_unary(L, n->op, x.re, dt);
        if (n->op == IR_OP_LEAKY_RELU) L->p->ex.data[r].value = ir_get_float(n, "alpha");
        return real(r);
    }
    }
}

/* ---- data movement -------------------------------------------------------- */

static KVal transpose(Lower *L, const IrNode *n, const KId *idx) {
    uint32_t np;
    const int64_t *perm = ir_get_ints(n, "perm", &np);
    KId in_idx[IR_MAX_RANK];
    for (uint32_t i = 0; i < np; i++) in_idx[perm[i]] = idx[i];
    return lower_value(L, n->in[0], in_idx);
}

static KVal slice(Lower *L, const IrNode *n, const KId *idx) {
    uint32_t r;
    const int64_t *starts = ir_get_ints(n, "starts", &r), *steps = ir_get_ints(n, "steps", &r);
    KId in_idx[IR_MAX_RANK];
    for (uint32_t d = 0; d < r; d++)
        in_idx[d] = kir_idx_add(L->p, kir_idx_mul(L->p, idx[d], steps[d]), kir_idx_const(L->p, starts[d]));
    return lower_value(L, n->in[0], in_idx);
}

static KVal select_val(Lower *L, KId cond, KVal a, KVal b, IrDType dt) {
    KVal r = real(lx_select(L, cond, a.re, b.re, dt));
    if (a.im != KIR_NONE) r.im = lx_select(L, cond, a.im, b.im, dt);
    return r;
}

static KVal pad(Lower *L, const IrNode *n, const KId *idx) {
    uint32_t np;
    const int64_t *pads = ir_get_ints(n, "pads", &np);
    const IrType *x = &ir_node(L->g, n->in[0])->type;
    bool circular = strcmp(ir_get_str(n, "mode"), "circular") == 0;
    KId in_idx[IR_MAX_RANK], cond = KIR_NONE;
    for (uint32_t d = 0; d < x->rank; d++) {
        int64_t lo = pads[2 * d], dim = x->dims[d];
        in_idx[d] = kir_idx_add(L->p, idx[d], kir_idx_const(L->p, -lo));
        if (lo == 0 && pads[2 * d + 1] == 0) continue;
        if (circular) { /* (i - lo) mod dim, kept non-negative */
            KId shifted = kir_idx_add(L->p, idx[d], kir_idx_const(L->p, ((lo + dim - 1) / dim) * dim - lo));
            in_idx[d] = kir_idx(L->p, KI_MOD, dim, shifted, KIR_NONE);
            continue;
        }
        KId c = lx_inrange(L, in_idx[d], 0, dim);
        in_idx[d] = kir_idx_clamp(L->p, in_idx[d], dim);
        if (cond == KIR_NONE) { cond = c; continue; }
        KExpr both = {.kind = KX_SELECT, .dtype = IR_F32, .a = cond, .b = c, .c = kir_const(L->p, IR_F32, 0),
                      .index = KIR_NONE, .buf = KIR_NONE};
        cond = kir_expr(L->p, both);
    }
    KVal v = lower_value(L, n->in[0], in_idx);
    if (cond == KIR_NONE) return v;
    IrDType dt = lx_part_dtype(n->type.dtype);
    KId fill = kir_const(L->p, dt, ir_get_float(n, "value"));
    KVal f = {fill, v.im == KIR_NONE ? KIR_NONE : kir_const(L->p, dt, 0)};
    return select_val(L, cond, v, f, dt);
}

static KVal concat(Lower *L, const IrNode *n, const KId *idx) {
    uint32_t axis = (uint32_t)ir_get_int(n, "axis");
    int64_t offs[64];
    if (n->nin > 64) pd_die("lower: concat of %u inputs", n->nin);
    offs[0] = 0;
    for (uint32_t k = 1; k < n->nin; k++) offs[k] = offs[k - 1] + ir_node(L->g, n->in[k - 1])->type.dims[axis];
    IrDType dt = lx_part_dtype(n->type.dtype);
    KVal acc = {KIR_NONE, KIR_NONE};
    for (uint32_t k = n->nin; k-- > 0;) { /* innermost select is the last input */
        KId in_idx[IR_MAX_RANK];
        memcpy(in_idx, idx, n->type.rank * sizeof idx[0]);
        in_idx[axis] = kir_idx_clamp(L->p, kir_idx_add(L->p, idx[axis], kir_idx_const(L->p, -offs[k])),
                                     ir_node(L->g, n->in[k])->type.dims[axis]);
        KVal v = lower_value(L, n->in[k], in_idx);
        acc = k == n->nin - 1 ? v : select_val(L, lx_inrange(L, idx[axis], 0, offs[k + 1]), v, acc, dt);
    }
    return acc;
}

static KVal gather(Lower *L, const IrNode *n, const KId *idx) {
    uint32_t ni;
    const int64_t *ind = ir_get_ints(n, "indices", &ni);
    uint32_t axis = (uint32_t)ir_get_int(n, "axis");
    vec_push(L->p->arena, &L->p->tables, ((KTable){ind, ni}));
    KId in_idx[IR_MAX_RANK];
    memcpy(in_idx, idx, n->type.rank * sizeof idx[0]);
    in_idx[axis] = kir_idx(L->p, KI_LOOKUP, L->p->tables.len - 1, idx[axis], KIR_NONE);
    return lower_value(L, n->in[0], in_idx);
}

static KVal broadcast(Lower *L, const IrNode *n, const KId *idx) { return operand(L, n, 0, idx); }

/* In the DC and Nyquist bins of the last axis, (X[k] + conj(X[-k])) / 2
 * with k mirrored over the other axes; elsewhere X. */
static KVal hermitian_project(Lower *L, const IrNode *n, const KId *idx) {
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    int64_t len = ir_get_int(n, "n");
    uint32_t last = (uint32_t)axes[na - 1];
    KId mirror[IR_MAX_RANK];
    memcpy(mirror, idx, n->type.rank * sizeof idx[0]);
    for (uint32_t i = 0; i + 1 < na; i++) {
        int64_t d = n->type.dims[axes[i]];
        KId flipped = kir_idx_add(L->p, kir_idx_mul(L->p, idx[axes[i]], -1), kir_idx_const(L->p, d));
        mirror[axes[i]] = kir_idx(L->p, KI_MOD, d, flipped, KIR_NONE);
    }
    KVal v = lower_value(L, n->in[0], idx), w = lower_value(L, n->in[0], mirror);
    const IrDType f = IR_F32;
    KId half = kir_const(L->p, f, 0.5);
    KVal h = {lx_binary(L, IR_OP_MUL, lx_binary(L, IR_OP_ADD, v.re, w.re, f), half, f),
              lx_binary(L, IR_OP_MUL, lx_binary(L, IR_OP_SUB, v.im, w.im, f), half, f)};
    KId cond = lx_inrange(L, idx[last], 0, 1);
    if (len % 2 == 0) {
        KExpr either = {.kind = KX_OR, .dtype = f, .a = cond, .b = lx_inrange(L, idx[last], len / 2, len / 2 + 1),
                        .c = KIR_NONE, .index = KIR_NONE, .buf = KIR_NONE};
        cond = kir_expr(L->p, either);
    }
    return select_val(L, cond, h, v, f);
}

/* The value of an op computed in place (not loaded). */
KVal lower_op(Lower *L, IrId id, const KId *idx) {
    const IrNode *n = ir_node(L->g, id);
    switch (n->op) {
    case IR_OP_WHERE: return where(L, n, idx);
    case IR_OP_TRANSPOSE: return transpose(L, n, idx);
    case IR_OP_SLICE: return slice(L, n, idx);
    case IR_OP_PAD: return pad(L, n, idx);
    case IR_OP_CONCAT: return concat(L, n, idx);
    case IR_OP_GATHER: return gather(L, n, idx);
    case IR_OP_BROADCAST: return broadcast(L, n, idx);
    case IR_OP_HERMITIAN_PROJECT: return hermitian_project(L, n, idx);
    default: break;
    }
    if (ir_op_info(n->op)->flags & IR_F_BINARY_BCAST) return binary(L, n, idx);
    if (ir_op_info(n->op)->flags & IR_F_ELEMWISE) return unary(L, n, idx);
    pd_die("lower: %s is not a loop op", ir_op_info(n->op)->name);
}
