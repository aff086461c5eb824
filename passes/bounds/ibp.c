/* ibp.c — interval bound propagation, one rule per op.
 *
 * Each rule maps its operands' intervals (variable operands) or values
 * (constant operands) to the tightest interval the op allows elementwise.
 * Constants c act through their sign: c*[l, h] = [c*l, c*h] or [c*h, c*l].
 */
#include <math.h>
#include <string.h>

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

/* One output's ends: sum_k w_k * (w_k >= 0 ? xl_k : xh_k) and the
 * other end (not center and radius: rounded, those would not be monotone
 * in the interval, and a tighter input could give a looser output; with
 * the order of the sum fixed, each end is monotone).  Eight partial sums
 * in vectors; a copy for AVX-512 is chosen at run time. */
typedef double V8 __attribute__((vector_size(64)));
typedef float F8 __attribute__((vector_size(32)));
typedef long long L8 __attribute__((vector_size(64)));

#define DOT_ENDS_BODY                                                                                          \
    V8 lo8 = {0}, hi8 = {0};                                                                                   \
    int64_t k = 0;                                                                                             \
    for (; k + 8 <= K; k += 8) {                                                                               \
        F8 wf;                                                                                                 \
        V8 xl, xh;                                                                                             \
        memcpy(&wf, w + k, sizeof wf), memcpy(&xl, lo + k, sizeof xl), memcpy(&xh, hi + k, sizeof xh);         \
        V8 wd = __builtin_convertvector(wf, V8);                                                               \
        L8 pos = wd >= 0, il, ih;                                                                              \
        memcpy(&il, &xl, sizeof il), memcpy(&ih, &xh, sizeof ih);                                              \
        L8 sl = (il & pos) | (ih & ~pos), sh = (ih & pos) | (il & ~pos);                                       \
        V8 vl, vh;                                                                                             \
        memcpy(&vl, &sl, sizeof vl), memcpy(&vh, &sh, sizeof vh);                                              \
        lo8 += wd * vl, hi8 += wd * vh;                                                                        \
    }                                                                                                          \
    double l = 0, h = 0;                                                                                       \
    for (int i = 0; i < 8; i++) l += lo8[i], h += hi8[i];                                                      \
    for (; k < K; k++) {                                                                                       \
        double c = w[k];                                                                                       \
        l += c >= 0 ? c * lo[k] : c * hi[k];                                                                   \
        h += c >= 0 ? c * hi[k] : c * lo[k];                                                                   \
    }                                                                                                          \
    *ol = l, *oh = h;

static void dot_ends_generic(const float *w, const double *lo, const double *hi, int64_t K, double *ol, double *oh) {
    DOT_ENDS_BODY
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx512f"))) static void dot_ends_avx512(const float *w, const double *lo, const double *hi,
                                                               int64_t K, double *ol, double *oh) {
    DOT_ENDS_BODY
}
#endif

typedef void (*DotEnds)(const float *, const double *, const double *, int64_t, double *, double *);

static DotEnds pick_dot_ends(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return dot_ends_avx512;
#endif
    return dot_ends_generic;
}

void bounds_dot_ends(const float *w, const double *lo, const double *hi, int64_t K, double *l, double *h) {
    static DotEnds dot;
    if (!dot) dot = pick_dot_ends();
    dot(w, lo, hi, K, l, h);
}

/* x @ W: each output a dot product with its row of W^T (DenseW). */
static void ibp_matmul(BoundsGraph *b, const IrNode *n, BNode *bn) {
    const DenseW *d = bn->dense;
    const BNode *x = &b->nodes[n->in[0]];
    int64_t K = d->K, N = d->N, rows = x->n / K;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < N; j++) bounds_dot_ends(d->wt + j * K, x->lo + r * K, x->hi + r * K, K, bn->lo + r * N + j, bn->hi + r * N + j);
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
        if (bn->xf) bounds_xform_ibp(bn->xf, &b->nodes[v], bn);
        else bounds_sparse_ibp(bn->map, &b->nodes[v], bn);
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
