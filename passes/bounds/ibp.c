/* ibp.c — interval bound propagation, one rule per op.
 *
 * Each rule maps its operands' intervals (variable operands) or values
 * (constant operands) to the tightest interval the op allows elementwise.
 * Constants c act through their sign: c*[l, h] = [c*l, c*h] or [c*h, c*l].
 */
#include <math.h>

#include "bounds_impl.h"

/* Operand k of node n at output index i: its interval (a constant is a
 * point). */
static void operand(const BoundsGraph *b, const IrNode *n, const BNode *bn, int k, int64_t i, double *l, double *h) {
    const BNode *op = &b->nodes[n->in[k]];
    int64_t j = bn->bcast[k] ? bn->bcast[k][i] : i;
    if (op->variable) *l = op->lo[j], *h = op->hi[j];
    else *l = *h = op->value[j];
}

static void ibp_binary(BoundsGraph *b, const IrNode *n, BNode *bn) {
    for (int64_t i = 0; i < bn->n; i++) {
        double al, ah, cl, ch;
        operand(b, n, bn, 0, i, &al, &ah);
        operand(b, n, bn, 1, i, &cl, &ch);
        switch (n->op) {
        case IR_OP_ADD: bn->lo[i] = al + cl, bn->hi[i] = ah + ch; break;
        case IR_OP_SUB: bn->lo[i] = al - ch, bn->hi[i] = ah - cl; break;
        default: { /* mul: the extremes of a product of intervals are at corners */
            double p[4] = {al * cl, al * ch, ah * cl, ah * ch};
            bn->lo[i] = fmin(fmin(p[0], p[1]), fmin(p[2], p[3]));
            bn->hi[i] = fmax(fmax(p[0], p[1]), fmax(p[2], p[3]));
        }
        }
    }
}

/* x @ W: each output is a weighted sum; a weight's sign picks the end
 * (not center and radius: rounded, those would not be monotone in the
 * interval, and a tighter input could give a looser output).  Row k of W
 * is added to all outputs at once: W is read in order. */
static void ibp_matmul(BoundsGraph *b, const IrNode *n, BNode *bn) {
    int64_t K, N;
    const double *w = bounds_matmul_weight(b, n, &K, &N);
    const BNode *x = &b->nodes[n->in[0]];
    int64_t rows = x->n / K;
    for (int64_t r = 0; r < rows; r++) {
        double *lo = bn->lo + r * N, *hi = bn->hi + r * N;
        for (int64_t j = 0; j < N; j++) lo[j] = hi[j] = 0;
        for (int64_t k = 0; k < K; k++) {
            double xl = x->lo[r * K + k], xh = x->hi[r * K + k];
            const double *c = w + k * N;
            for (int64_t j = 0; j < N; j++) {
                lo[j] += c[j] >= 0 ? c[j] * xl : c[j] * xh;
                hi[j] += c[j] >= 0 ? c[j] * xh : c[j] * xl;
            }
        }
    }
}

/* Monotone unary maps: apply to both ends (neg swaps them). */
static void ibp_unary(BoundsGraph *b, const IrNode *n, BNode *bn) {
    const BNode *x = &b->nodes[n->in[0]];
    double a = n->op == IR_OP_LEAKY_RELU ? ir_get_float(n, "alpha") : 0;
    for (int64_t i = 0; i < bn->n; i++) {
        double l = x->lo[i], h = x->hi[i];
        switch (n->op) {
        case IR_OP_NEG: bn->lo[i] = -h, bn->hi[i] = -l; break;
        case IR_OP_RELU: bn->lo[i] = fmax(l, 0), bn->hi[i] = fmax(h, 0); break;
        case IR_OP_LEAKY_RELU:
            bn->lo[i] = fmin(l >= 0 ? l : a * l, h >= 0 ? h : a * h);
            bn->hi[i] = fmax(l >= 0 ? l : a * l, h >= 0 ? h : a * h);
            break;
        case IR_OP_TANH: case IR_OP_SIGMOID: /* increasing */
            bn->lo[i] = bounds_smooth_f(n->op, l), bn->hi[i] = bounds_smooth_f(n->op, h);
            break;
        case IR_OP_GELU: case IR_OP_EXP: bounds_curve_range(n->op, l, h, &bn->lo[i], &bn->hi[i]); break;
        default: bn->lo[i] = l, bn->hi[i] = h; break; /* reshape: same elements */
        }
    }
}

void bounds_ibp_node(BoundsGraph *b, IrId id) {
    const IrNode *n = ir_node(b->g, id);
    BNode *bn = &b->nodes[id];
    switch (n->op) {
    case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: ibp_binary(b, n, bn); return;
    case IR_OP_MATMUL: ibp_matmul(b, n, bn); return;
    case IR_OP_MAXPOOL1D: case IR_OP_MAXPOOL2D: bounds_maxpool_ibp(bn->map, &b->nodes[n->in[0]], bn); return;
    case IR_OP_CONV1D: case IR_OP_CONV2D: case IR_OP_AVGPOOL1D: case IR_OP_AVGPOOL2D: case IR_OP_TRANSPOSE:
    case IR_OP_SLICE: case IR_OP_PAD: case IR_OP_CONCAT: case IR_OP_BROADCAST: case IR_OP_GATHER: case IR_OP_REAL:
    case IR_OP_IMAG: case IR_OP_CONJ: case IR_OP_RFFT: case IR_OP_IRFFT: case IR_OP_FFT: case IR_OP_IFFT: case IR_OP_DCT:
    case IR_OP_IDCT: case IR_OP_RFFT_MODES: case IR_OP_IRFFT_MODES: case IR_OP_DCT_MODES: case IR_OP_IDCT_MODES:
    case IR_OP_MIX: {
        IrId v = n->in[0]; /* the one variable operand */
        for (uint32_t k = 0; k < n->nin; k++) if (b->nodes[n->in[k]].variable) v = n->in[k];
        bounds_sparse_ibp(bn->map, &b->nodes[v], bn);
        return;
    }
    case IR_OP_SOFTMAX: bounds_softmax_ibp(b, n, bn); return;
    case IR_OP_NEG: case IR_OP_RELU: case IR_OP_LEAKY_RELU: case IR_OP_RESHAPE: case IR_OP_TANH:
    case IR_OP_SIGMOID: case IR_OP_GELU: case IR_OP_EXP:
        ibp_unary(b, n, bn);
        return;
    default: pd_die("bounds: no IBP rule for %s", ir_op_info(n->op)->name);
    }
}
