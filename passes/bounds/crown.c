/* crown.c — backward linear relaxation (CROWN) on a DAG.
 *
 * Bounds of C·v + d for a node v are found by pushing two coefficient
 * matrices backward from v to the input: A_lo for the lower bound and
 * A_hi for the upper bound (k rows each, one column per element).  Linear
 * ops map them exactly; a ReLU-like unit is replaced by the line under it
 * or over it, whichever bounds the row in the right direction, adding an
 * offset.  A node used twice receives the sum of both users' matrices, so
 * fan-out and residual connections are handled as auto_LiRPA does.  At the
 * input, each row is minimized (maximized) over the box in closed form.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bounds_impl.h"

typedef struct {
    double *lo, *hi; /* k x n coefficient matrices, or NULL when unreached */
} Coef;

typedef struct {
    BoundsGraph *b;
    int64_t k;
    Coef *A;
    double *bias_lo, *bias_hi;
    AlphaSlopes *alpha; /* alpha-CROWN's slopes, or NULL */
} Backward;

void bounds_relax(double l, double u, double a, double *su, double *tu, double *sl) {
    if (l >= 0) { *su = 1, *tu = 0, *sl = 1; return; }
    if (u <= 0) { *su = a, *tu = 0, *sl = a; return; }
    *su = (u - a * l) / (u - l);     /* the chord from (l, a*l) to (u, u) */
    *tu = u - *su * u;
    *sl = u >= -l ? 1 : a;           /* adaptive lower slope */
}

/* The coefficient matrices of node id, allocated (zero) on first use. */
static Coef *coef(Backward *w, IrId id) {
    Coef *c = &w->A[id];
    if (!c->lo) {
        size_t n = (size_t)(w->k * w->b->nodes[id].n) + 1;
        c->lo = pd_xcalloc(n, sizeof(double));
        c->hi = pd_xcalloc(n, sizeof(double));
    }
    return c;
}

/* Adds s * A(out) into operand k of n (through broadcasting), or into the
 * offsets when the operand is a constant. */
static void to_operand(Backward *w, const IrNode *n, const BNode *bn, const Coef *A, int k, double s) {
    IrId op = n->in[k];
    const BNode *on = &w->b->nodes[op];
    const int64_t *map = bn->bcast[k];
    Coef *T = on->variable ? coef(w, op) : NULL;
    for (int64_t r = 0; r < w->k; r++)
        for (int64_t i = 0; i < bn->n; i++) {
            int64_t j = map ? map[i] : i;
            double al = s * A->lo[r * bn->n + i], ah = s * A->hi[r * bn->n + i];
            if (T) {
                T->lo[r * on->n + j] += al;
                T->hi[r * on->n + j] += ah;
            } else {
                w->bias_lo[r] += al * on->value[j];
                w->bias_hi[r] += ah * on->value[j];
            }
        }
}

/* mul by a constant c: the variable operand gets A * c. */
static void back_mul(Backward *w, const IrNode *n, const BNode *bn, const Coef *A) {
    int v = w->b->nodes[n->in[0]].variable ? 0 : 1;
    const BNode *cn = &w->b->nodes[n->in[1 - v]], *vn = &w->b->nodes[n->in[v]];
    Coef *T = coef(w, n->in[v]);
    for (int64_t r = 0; r < w->k; r++)
        for (int64_t i = 0; i < bn->n; i++) {
            double c = cn->value[bn->bcast[1 - v] ? bn->bcast[1 - v][i] : i];
            int64_t j = bn->bcast[v] ? bn->bcast[v][i] : i;
            T->lo[r * vn->n + j] += A->lo[r * bn->n + i] * c;
            T->hi[r * vn->n + j] += A->hi[r * bn->n + i] * c;
        }
}

/* x @ W: A_x = A @ W^T, one dense product per row group of x (gemm.c)
 * on W^T (N x K), made once per node.  Columns of A that are zero in
 * every row (units a ReLU shut) are dropped first. */
static void back_matmul(Backward *w, IrId id, const IrNode *n, const BNode *bn, const Coef *A) {
    int64_t K, N;
    const double *wt = bounds_matmul_weight(w->b, n, &K, &N);
    BNode *node = &w->b->nodes[id];
    if (!node->wT) {
        node->wT = pd_xmalloc((size_t)(K * N) * sizeof(double) + 8);
        for (int64_t kk = 0; kk < K; kk++)
            for (int64_t j = 0; j < N; j++) node->wT[j * K + kk] = wt[kk * N + j];
    }
    const BNode *x = &w->b->nodes[n->in[0]];
    Coef *T = coef(w, n->in[0]);
    int64_t rows = x->n / K, k = w->k;
    int64_t *cols = pd_xmalloc((size_t)N * sizeof *cols + 8);
    double *pa = pd_xmalloc((size_t)(2 * k * N) * sizeof *pa + 8), *pb = pd_xmalloc((size_t)(N * K) * sizeof *pb + 8);
    for (int64_t q = 0; q < rows; q++) {
        int64_t nc = 0;
        for (int64_t j = 0; j < N; j++) {
            bool used = false;
            for (int64_t r = 0; r < k && !used; r++)
                used = A->lo[r * bn->n + q * N + j] != 0 || A->hi[r * bn->n + q * N + j] != 0;
            if (used) cols[nc++] = j;
        }
        for (int64_t r = 0; r < k; r++)
            for (int64_t c = 0; c < nc; c++) {
                pa[r * nc + c] = A->lo[r * bn->n + q * N + cols[c]];
                pa[(k + r) * nc + c] = A->hi[r * bn->n + q * N + cols[c]];
            }
        for (int64_t c = 0; c < nc; c++) memcpy(pb + c * K, node->wT + cols[c] * K, (size_t)K * sizeof *pb);
        bounds_gemm_acc(T->lo + q * K, x->n, pa, nc, pb, K, k, nc, K);
        bounds_gemm_acc(T->hi + q * K, x->n, pa + k * nc, nc, pb, K, k, nc, K);
    }
    free(cols), free(pa), free(pb);
}

/* The upper and lower lines of unit i of an elementwise activation. */
static void unit_lines(const IrNode *n, double l, double u, double *su, double *tu, double *sl, double *tl) {
    *tl = 0;
    switch (n->op) {
    case IR_OP_TANH: case IR_OP_SIGMOID: bounds_relax_smooth(n->op, l, u, su, tu, sl, tl); break;
    case IR_OP_GELU: case IR_OP_EXP: bounds_relax_curve(n->op, l, u, su, tu, sl, tl); break;
    default: bounds_relax(l, u, n->op == IR_OP_LEAKY_RELU ? ir_get_float(n, "alpha") : 0, su, tu, sl); break;
    }
}

/* Elementwise activations: per row, the lower pass takes the lower line
 * where A >= 0 and the upper line where A < 0; the upper pass the
 * opposite.  Zero coefficients add nothing (an infinite offset of an
 * overflowing exp must not become 0 * inf). */
static void back_relu(Backward *w, IrId id, const IrNode *n, const BNode *bn, const Coef *A) {
    const BNode *z = &w->b->nodes[n->in[0]];
    Coef *T = coef(w, n->in[0]);
    const double *alo = w->alpha ? w->alpha->lo[id] : NULL, *ahi = w->alpha ? w->alpha->hi[id] : NULL;
    for (int64_t i = 0; i < bn->n; i++) {
        double su, tu, sl, tl;
        unit_lines(n, z->lo[i], z->hi[i], &su, &tu, &sl, &tl);
        bool open = z->lo[i] < 0 && z->hi[i] > 0; /* alpha-CROWN's slopes apply here */
        for (int64_t r = 0; r < w->k; r++) {
            double al = A->lo[r * bn->n + i], ah = A->hi[r * bn->n + i];
            double s_lo = alo && open ? alo[r * bn->n + i] : sl, s_hi = ahi && open ? ahi[r * bn->n + i] : sl;
            if (al != 0) {
                T->lo[r * z->n + i] += al >= 0 ? al * s_lo : al * su;
                w->bias_lo[r] += al >= 0 ? al * tl : al * tu;
            }
            if (ah != 0) {
                T->hi[r * z->n + i] += ah >= 0 ? ah * su : ah * s_hi;
                w->bias_hi[r] += ah >= 0 ? ah * tu : ah * tl;
            }
        }
    }
}

/* The product of two bounded operands, z = x*y with x in [lx, ux], y in
 * [ly, uy], by McCormick's planes (auto_LiRPA's choice of two of four):
 *   z >= ly x + lx y - lx ly,   z <= uy x + lx y - lx uy. */
static void back_product(Backward *w, const IrNode *n, const BNode *bn, const Coef *A) {
    const BNode *x = &w->b->nodes[n->in[0]], *y = &w->b->nodes[n->in[1]];
    Coef *Tx = coef(w, n->in[0]), *Ty = coef(w, n->in[1]);
    for (int64_t i = 0; i < bn->n; i++) {
        int64_t xi = bn->bcast[0] ? bn->bcast[0][i] : i, yi = bn->bcast[1] ? bn->bcast[1][i] : i;
        double lx = x->lo[xi], ly = y->lo[yi], uy = y->hi[yi];
        /* plane coefficients (of x, of y, constant): lower, upper */
        double P[2][3] = {{ly, lx, -lx * ly}, {uy, lx, -lx * uy}};
        for (int64_t r = 0; r < w->k; r++) {
            double al = A->lo[r * bn->n + i], ah = A->hi[r * bn->n + i];
            const double *pl = P[al >= 0 ? 0 : 1], *ph = P[ah >= 0 ? 1 : 0];
            Tx->lo[r * x->n + xi] += al * pl[0], Ty->lo[r * y->n + yi] += al * pl[1], w->bias_lo[r] += al * pl[2];
            Tx->hi[r * x->n + xi] += ah * ph[0], Ty->hi[r * y->n + yi] += ah * ph[1], w->bias_hi[r] += ah * ph[2];
        }
    }
}

/* f32 mode: the node's rounding error enters the offsets as +-|A| rho. */
static void add_rounding(Backward *w, const BNode *bn, const Coef *A) {
    for (int64_t r = 0; r < w->k; r++)
        for (int64_t i = 0; i < bn->n; i++) {
            w->bias_lo[r] -= fabs(A->lo[r * bn->n + i]) * bn->rho[i];
            w->bias_hi[r] += fabs(A->hi[r * bn->n + i]) * bn->rho[i];
        }
}

static void back_node(Backward *w, IrId id) {
    const IrNode *n = ir_node(w->b->g, id);
    const BNode *bn = &w->b->nodes[id];
    const Coef *A = &w->A[id];
    if (w->b->f32) add_rounding(w, bn, A);
    switch (n->op) {
    case IR_OP_ADD: to_operand(w, n, bn, A, 0, 1), to_operand(w, n, bn, A, 1, 1); break;
    case IR_OP_SUB: to_operand(w, n, bn, A, 0, 1), to_operand(w, n, bn, A, 1, -1); break;
    case IR_OP_NEG: to_operand(w, n, bn, A, 0, -1); break;
    case IR_OP_RESHAPE: to_operand(w, n, bn, A, 0, 1); break;
    case IR_OP_MUL:
        if (w->b->nodes[n->in[0]].variable && w->b->nodes[n->in[1]].variable) back_product(w, n, bn, A);
        else back_mul(w, n, bn, A);
        break;
    case IR_OP_SOFTMAX: {
        Coef *T = coef(w, n->in[0]);
        bounds_softmax_back(w->b, n, bn, w->k, A->lo, A->hi, T->lo, T->hi, w->bias_lo, w->bias_hi);
        break;
    }
    case IR_OP_MATMUL: back_matmul(w, id, n, bn, A); break;
    case IR_OP_MAXPOOL1D: case IR_OP_MAXPOOL2D: {
        Coef *T = coef(w, n->in[0]);
        bounds_maxpool_back(bn->map, &w->b->nodes[n->in[0]], w->k, bn->n, A->lo, A->hi, T->lo, T->hi, w->bias_lo,
                            w->bias_hi);
        break;
    }
    case IR_OP_CONV1D: case IR_OP_CONV2D: case IR_OP_AVGPOOL1D: case IR_OP_AVGPOOL2D: case IR_OP_TRANSPOSE:
    case IR_OP_SLICE: case IR_OP_PAD: case IR_OP_CONCAT: case IR_OP_BROADCAST: case IR_OP_GATHER: case IR_OP_REAL:
    case IR_OP_IMAG: case IR_OP_CONJ: case IR_OP_RFFT: case IR_OP_IRFFT: case IR_OP_FFT: case IR_OP_IFFT: case IR_OP_DCT:
    case IR_OP_IDCT: case IR_OP_RFFT_MODES: case IR_OP_IRFFT_MODES: case IR_OP_DCT_MODES: case IR_OP_IDCT_MODES:
    case IR_OP_MIX: {
        IrId v = n->in[0];
        for (uint32_t k = 0; k < n->nin; k++) if (w->b->nodes[n->in[k]].variable) v = n->in[k];
        Coef *T = coef(w, v);
        bounds_sparse_back(bn->map, w->k, bn->n, w->b->nodes[v].n, A->lo, A->hi, T->lo, T->hi, w->bias_lo, w->bias_hi);
        break;
    }
    case IR_OP_RELU: case IR_OP_LEAKY_RELU: case IR_OP_TANH: case IR_OP_SIGMOID: case IR_OP_GELU: case IR_OP_EXP:
        back_relu(w, id, n, bn, A);
        break;
    default: pd_die("bounds: no CROWN rule for %s", ir_op_info(n->op)->name);
    }
}

/* Minimizes (maximizes) each row over the input box. */
static void at_input(Backward *w, double *lo, double *hi, double *A_in) {
    const BNode *x = &w->b->nodes[w->b->input];
    const Coef *A = &w->A[w->b->input];
    if (A_in && A->lo) memcpy(A_in, A->lo, (size_t)(w->k * x->n) * sizeof(double));
    else if (A_in) memset(A_in, 0, (size_t)(w->k * x->n) * sizeof(double));
    if (w->alpha && A->lo) {
        memcpy(w->alpha->Ain_lo, A->lo, (size_t)(w->k * x->n) * sizeof(double));
        memcpy(w->alpha->Ain_hi, A->hi, (size_t)(w->k * x->n) * sizeof(double));
    }
    for (int64_t r = 0; r < w->k; r++) {
        double l = w->bias_lo[r], h = w->bias_hi[r];
        for (int64_t j = 0; A->lo && j < x->n; j++) {
            double al = A->lo[r * x->n + j], ah = A->hi[r * x->n + j];
            l += al >= 0 ? al * x->lo[j] : al * x->hi[j];
            h += ah >= 0 ? ah * x->hi[j] : ah * x->lo[j];
        }
        lo[r] = l, hi[r] = h;
    }
}

void bounds_crown(BoundsGraph *b, IrId target, const double *C, const double *d, int64_t k, double *lo, double *hi,
                  double *A_in) {
    bounds_crown_alpha(b, target, C, d, k, lo, hi, A_in, NULL);
}

void bounds_crown_alpha(BoundsGraph *b, IrId target, const double *C, const double *d, int64_t k, double *lo,
                        double *hi, double *A_in, AlphaSlopes *alpha) {
    Backward w = {b, k, pd_xcalloc(b->count + 1, sizeof(Coef)), pd_xcalloc((size_t)k + 1, sizeof(double)),
                  pd_xcalloc((size_t)k + 1, sizeof(double)), alpha};
    Coef *t = coef(&w, target);
    size_t n = (size_t)(k * b->nodes[target].n);
    memcpy(t->lo, C, n * sizeof(double));
    memcpy(t->hi, C, n * sizeof(double));
    for (int64_t r = 0; d && r < k; r++) w.bias_lo[r] = w.bias_hi[r] = d[r];
    for (IrId id = target; id > b->input; id--) {
        if (!w.A[id].lo) continue;
        if (alpha && alpha->lo[id]) { /* the gradient needs what reached each unit */
            memcpy(alpha->Alo[id], w.A[id].lo, (size_t)(k * b->nodes[id].n) * sizeof(double));
            memcpy(alpha->Ahi[id], w.A[id].hi, (size_t)(k * b->nodes[id].n) * sizeof(double));
        }
        back_node(&w, id);
        free(w.A[id].lo), free(w.A[id].hi);
        w.A[id].lo = w.A[id].hi = NULL;
    }
    at_input(&w, lo, hi, A_in);
    for (uint32_t i = 0; i <= b->count; i++) free(w.A[i].lo), free(w.A[i].hi);
    free(w.A), free(w.bias_lo), free(w.bias_hi);
}
