/* rounding.c — bounds that hold for the network as evaluated in f32.
 *
 * Each op's f32 result is its exact result on the f32 operands plus a
 * rounding error delta with |delta| <= rho, an explicit error term in the
 * style of ELINA/DeepPoly (not the FPU rounding mode).  With u = 2^-24
 * (f32 unit roundoff) and eta a margin for subnormals:
 *   add, sub, mul, leaky_relu     rho = u |y| + eta
 *   matmul, conv, avgpool (K terms, any summation order)
 *                                 rho = gamma_K sum |w||x| + eta K,
 *                                 gamma_K = K u / (1 - K u)
 *   tanh, sigmoid, exp            rho = 4 u |y| + eta  (libm: a few ulps)
 *   gelu                          rho = 4 u |y| + u |x| + eta  (x/2 (1 + erf):
 *                                 1 + erf cancels for x << 0, its error is
 *                                 absolute)
 *   softmax over K elements       rho = gamma_{K+4} |y| + eta  (K exps, a sum
 *                                 of K terms, a division)
 *   transforms, mix (as their maps' terms: direct summation; the
 *   interpreter's double FFT rounds once, far inside this)  the same
 *   neg, relu, reshape, data movement, real, imag, conj  exact
 * |y|, |x| are the magnitudes the bounds allow.  IBP widens each node by
 * its rho; CROWN adds |A| rho to the offsets at every node it passes.
 */
#include <math.h>
#include <stdlib.h>

#include "bounds_impl.h"

#define U_F32 (0x1p-24)
#define ETA (0x1p-120) /* far above the subnormal spacing: a safe margin */

static double mag(const BNode *x, int64_t i) { return fmax(fabs(x->lo[i]), fabs(x->hi[i])); }

static double gamma_k(double k) { return k * U_F32 / (1 - k * U_F32); }

/* sum_k |w| |x| for each output of a matmul. */
static void matmul_rho(const BoundsGraph *b, const IrNode *n, BNode *bn) {
    const DenseW *d = bn->dense;
    const BNode *x = &b->nodes[n->in[0]];
    int64_t K = d->K, N = d->N, rows = x->n / K;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < N; j++) {
            double s = 0;
            for (int64_t k = 0; k < K; k++) s += fabs((double)d->wt[j * K + k]) * mag(x, r * K + k);
            bn->rho[r * N + j] = gamma_k((double)K) * s * (1 + 2 * U_F32) + ETA * (double)K;
        }
}

/* A transform kept as passes: |T2| |T1| |x| bounds the magnitude of its
 * terms, and passes in sequence err like one sum of the passes' summed
 * lengths (xform.c). */
static void xform_rho(const XForm *f, const BNode *x, BNode *bn) {
    double *m = pd_xmalloc((size_t)x->n * sizeof *m + 8), k = bounds_xform_terms(f) + 1;
    for (int64_t i = 0; i < x->n; i++) m[i] = mag(x, i);
    bounds_xform_apply(f, XF_MAGNITUDE, false, m, bn->rho);
    for (int64_t o = 0; o < bn->n; o++) bn->rho[o] = gamma_k(k) * bn->rho[o] * (1 + 2 * U_F32) + ETA * k;
    free(m);
}

static void sparse_rho(const BoundsGraph *b, const IrNode *n, BNode *bn) {
    const SparseMap *m = bn->map;
    const BNode *x = &b->nodes[n->in[0]];
    if (bn->xf) {
        xform_rho(bn->xf, x, bn);
        return;
    }
    double *count = pd_xcalloc((size_t)bn->n + 1, sizeof *count);
    for (int64_t o = 0; o < bn->n; o++) bn->rho[o] = 0;
    for (int64_t t = 0; t < m->nnz; t++) {
        bn->rho[m->out[t]] += fabs(m->w[t]) * mag(x, m->in[t]);
        count[m->out[t]] += 1;
    }
    for (int64_t o = 0; o < bn->n; o++) /* +1 term: avgpool's division */
        bn->rho[o] = gamma_k(count[o] + 1) * bn->rho[o] * (1 + 2 * U_F32) + ETA * (count[o] + 1);
    free(count);
}

void bounds_rounding(BoundsGraph *b, IrId id) {
    const IrNode *n = ir_node(b->g, id);
    BNode *bn = &b->nodes[id];
    switch (n->op) {
    case IR_OP_MATMUL: matmul_rho(b, n, bn); break;
    case IR_OP_CONV1D: case IR_OP_CONV2D: case IR_OP_AVGPOOL1D: case IR_OP_AVGPOOL2D: case IR_OP_RFFT: case IR_OP_IRFFT:
    case IR_OP_FFT: case IR_OP_IFFT: case IR_OP_DCT: case IR_OP_IDCT: case IR_OP_RFFT_MODES: case IR_OP_IRFFT_MODES:
    case IR_OP_DCT_MODES: case IR_OP_IDCT_MODES: case IR_OP_MIX:
        sparse_rho(b, n, bn);
        break;
    case IR_OP_NEG: case IR_OP_RELU: case IR_OP_RESHAPE: case IR_OP_TRANSPOSE: case IR_OP_SLICE: case IR_OP_PAD:
    case IR_OP_CONCAT: case IR_OP_BROADCAST: case IR_OP_GATHER: case IR_OP_MAXPOOL1D: case IR_OP_REAL: case IR_OP_IMAG:
    case IR_OP_CONJ:
    case IR_OP_MAXPOOL2D: /* copies: exact */
        for (int64_t i = 0; i < bn->n; i++) bn->rho[i] = 0;
        break;
    case IR_OP_GELU: {
        const BNode *x = &b->nodes[n->in[0]];
        for (int64_t i = 0; i < bn->n; i++) bn->rho[i] = (4 * mag(bn, i) + mag(x, i)) * U_F32 * (1 + 2 * U_F32) + ETA;
        break;
    }
    case IR_OP_SOFTMAX: {
        int64_t axis = ir_get_int(n, "axis");
        double K = (double)n->type.dims[axis < 0 ? axis + n->type.rank : axis];
        for (int64_t i = 0; i < bn->n; i++) bn->rho[i] = gamma_k(K + 4) * mag(bn, i) * (1 + 2 * U_F32) + ETA;
        break;
    }
    default: {
        double ulps = n->op == IR_OP_TANH || n->op == IR_OP_SIGMOID || n->op == IR_OP_EXP ? 4 : 1;
        for (int64_t i = 0; i < bn->n; i++) bn->rho[i] = ulps * U_F32 * mag(bn, i) * (1 + 2 * U_F32) + ETA;
    }
    }
    for (int64_t i = 0; i < bn->n; i++) bn->lo[i] -= bn->rho[i], bn->hi[i] += bn->rho[i];
}
