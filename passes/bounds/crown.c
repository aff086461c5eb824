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

/* Multiply-adds from which a sign pass's few rows go to f32. */
#define SIGN_F32_WORK 1e6

/* Rows settled early (bounds_crown_sign): the caller's row of each row
 * still in the pass, and where settled rows' bounds go. */
typedef struct {
    int64_t *orig;
    double *lo, *hi;
    int relus; /* ReLU layers crossed so far (try_settle) */
} Settle;

typedef struct {
    BoundsGraph *b;
    int64_t k;
    Coef *A;
    double *bias_lo, *bias_hi;
    AlphaSlopes *alpha; /* alpha-CROWN's slopes, or NULL */
    Settle *settle;     /* bounds_crown_sign's, or NULL */
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

/* The same, not zeroed (the caller writes every entry): a matmul's f32
 * product stores into it directly, and untouched fresh pages cost a
 * fault each. */
static Coef *coef_unset(Backward *w, IrId id) {
    Coef *c = &w->A[id];
    size_t n = (size_t)(w->k * w->b->nodes[id].n) + 1;
    c->lo = pd_xmalloc(n * sizeof(double));
    c->hi = pd_xmalloc(n * sizeof(double));
    return c;
}

/* Moves node id's coefficients to node to unchanged when to has none yet
 * and the same size (a bias add, a reshape): no copy. */
static bool steal(Backward *w, IrId id, IrId to) {
    if (w->A[to].lo || w->b->nodes[to].n != w->b->nodes[id].n) return false;
    w->A[to] = w->A[id];
    w->A[id].lo = w->A[id].hi = NULL;
    return true;
}

/* Adds s * A(out) into operand k of n (through broadcasting), or into the
 * offsets when the operand is a constant.  With last, node id's
 * coefficients are not needed afterwards and may move to the operand. */
static void to_operand(Backward *w, IrId id, const IrNode *n, const BNode *bn, int k, double s, bool last) {
    IrId op = n->in[k];
    const BNode *on = &w->b->nodes[op];
    const int64_t *map = bn->bcast[k];
    const Coef *A = &w->A[id];
    if (on->variable && last && s == 1 && !map && steal(w, id, op)) return;
    if (!on->variable && !map) { /* a constant of the same shape (a bias): into the offsets */
        for (int64_t r = 0; r < w->k; r++) {
            w->bias_lo[r] += s * bounds_vec_dot(A->lo + r * bn->n, on->value, bn->n);
            w->bias_hi[r] += s * bounds_vec_dot(A->hi + r * bn->n, on->value, bn->n);
        }
        return;
    }
    Coef *T = on->variable ? coef(w, op) : NULL;
    for (int64_t r = 0; r < w->k; r++) {
        const double *al = A->lo + r * bn->n, *ah = A->hi + r * bn->n;
        double bl = 0, bh = 0;
        for (int64_t i = 0; i < bn->n; i++) {
            int64_t j = map ? map[i] : i;
            if (T) {
                T->lo[r * on->n + j] += s * al[i];
                T->hi[r * on->n + j] += s * ah[i];
            } else {
                bl += al[i] * on->value[j], bh += ah[i] * on->value[j];
            }
        }
        w->bias_lo[r] += s * bl, w->bias_hi[r] += s * bh;
    }
}

/* add, sub: the constant operands first, so the last variable one may
 * take the coefficients over. */
static void back_add(Backward *w, IrId id, const IrNode *n, const BNode *bn) {
    double s1 = n->op == IR_OP_SUB ? -1 : 1;
    bool v0 = w->b->nodes[n->in[0]].variable, v1 = w->b->nodes[n->in[1]].variable;
    if (!v0) to_operand(w, id, n, bn, 0, 1, false);
    if (!v1) to_operand(w, id, n, bn, 1, s1, false);
    if (v0) to_operand(w, id, n, bn, 0, 1, !v1);
    if (v1) to_operand(w, id, n, bn, 1, s1, true);
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

/* The coefficients of one row group q of a matmul: A (k rows of stride
 * lda, N columns) arriving at its output, T (K columns, stride ldt) of
 * its input, the columns of A not zero in every row, and x's bounds. */
typedef struct {
    const double *Alo, *Ahi;
    double *Tlo, *Thi;
    int64_t lda, ldt, nc, nnz;
    int64_t *cols;
    const double *xlo, *xhi;
    double amax;       /* the largest |A| */
    int64_t ns, *same; /* of cols, those equal in A_lo and A_hi (N + 1 room) */
} MatRows;

/* Units a ReLU shut give zero columns in every row: dropped.  Row by
 * row, so that A is read in order; also the largest |A| (f32's range). */
static void used_columns(const Backward *w, MatRows *m, int64_t N) {
    int64_t *count = pd_xcalloc((size_t)(2 * N) + 1, sizeof *count), *differ = count + N;
    m->amax = 0;
    for (int64_t r = 0; r < w->k; r++)
        bounds_vec_scan(m->Alo + r * m->lda, m->Ahi + r * m->lda, N, count, differ, &m->amax);
    m->nc = m->nnz = m->ns = 0;
    for (int64_t j = 0; j < N; j++) {
        if (count[j]) m->cols[m->nc++] = j;
        if (count[j] && !differ[j]) m->same[m->ns++] = j;
        m->nnz += count[j];
    }
    free(count);
}
/* Few rows, or few nonzeros (a tightening pass's one-hot rows), or when
 * f32 will not do: in double, row updates from the f32 weights.  Sparse
 * rows go row by row (A read in order, only its nonzeros); a few dense
 * rows column by column (a row of W^T read once, kept in L1 while every
 * row of A uses it). */
typedef struct {
    const MatRows *m;
    const DenseW *d;
    bool sparse;
} RowsWork;

static void rows_range(void *ctx, int64_t lo, int64_t hi) {
    const RowsWork *q = ctx;
    const MatRows *m = q->m;
    const DenseW *d = q->d;
    for (int64_t c = 0; !q->sparse && c < m->nc; c++) {
        const float *wr = d->wt + m->cols[c] * d->K;
        for (int64_t r = lo; r < hi; r++) {
            double al = m->Alo[r * m->lda + m->cols[c]], ah = m->Ahi[r * m->lda + m->cols[c]];
            if (al != 0) bounds_vec_axpy32(m->Tlo + r * m->ldt, al, wr, d->K);
            if (ah != 0) bounds_vec_axpy32(m->Thi + r * m->ldt, ah, wr, d->K);
        }
    }
    for (int64_t r = lo; q->sparse && r < hi; r++)
        for (int64_t c = 0; c < m->nc; c++) {
            double al = m->Alo[r * m->lda + m->cols[c]], ah = m->Ahi[r * m->lda + m->cols[c]];
            const float *wr = d->wt + m->cols[c] * d->K;
            if (al != 0) bounds_vec_axpy32(m->Tlo + r * m->ldt, al, wr, d->K);
            if (ah != 0) bounds_vec_axpy32(m->Thi + r * m->ldt, ah, wr, d->K);
        }
}

/* Row ranges on the threads. */
static void matmul_rows(const Backward *w, const MatRows *m, const DenseW *d, bool sparse) {
    RowsWork q = {m, d, sparse};
    bounds_parallel_rows(w->k, (double)m->nnz * (double)d->K, w->b->threads, rows_range, &q);
}

/* Large products in f32 (gemm32.c), sound in real arithmetic: with x's
 * center c and radius rad, T x = T~ x + (T - T~) c + (T - T~)(x - c).
 * The second term is A (W c) - T~ c, computed in double; the third is at
 * most gamma |fl32(A)| |W| rad = gamma sum_j |fl32(A_j)| v_j with v = |W| rad
 * (bounds_gemm_gamma), so the offsets move by the one and widen by the
 * other: the error scales with the radius, not with |x|.
 *
 * Units of x that are exactly 0 (a ReLU shut them: [0, 0]) contribute
 * T[:, j] * 0 whatever T is: their columns are not computed.  The product
 * goes to a compact buffer (its T~ c is a plain dot), then into T.  False
 * (nothing done) when f32 could overflow or x is unbounded.  z and v are
 * kept for all N columns (zero where A is): row sums are plain dots. */
typedef struct {
    int64_t na;              /* x's units that are not a point zero */
    int64_t *alive;
    double *cen;             /* their centers, na */
    double *rad;             /* radii of every unit, K */
    double *z, *v;           /* W c and |W| rad, N each */
    double srad, sv;
} Center;

static bool center(const MatRows *m, const DenseW *d, Center *c) {
    int64_t K = d->K, N = d->N;
    c->alive = pd_xmalloc((size_t)K * sizeof *c->alive + 8);
    c->cen = pd_xmalloc((size_t)(3 * K + 2 * N) * sizeof *c->cen + 8);
    c->rad = c->cen + K, c->z = c->rad + K, c->v = c->z + N;
    double *cfull = c->v + N; /* cen at every unit (0 where dead): W's rows read whole */
    c->na = 0, c->srad = c->sv = 0;
    for (int64_t j = 0; j < K; j++) {
        double cj = 0.5 * m->xlo[j] + 0.5 * m->xhi[j], rj = fmax(m->xhi[j] - cj, cj - m->xlo[j]);
        c->rad[j] = rj, cfull[j] = cj; /* dead units: both 0 */
        c->srad += rj;
        if (m->xlo[j] != 0 || m->xhi[j] != 0) c->alive[c->na] = j, c->cen[c->na++] = cj;
    }
    memset(c->z, 0, (size_t)(2 * N) * sizeof *c->z);
    for (int64_t q = 0; q < m->nc; q++) {
        const float *wr = d->wt + m->cols[q] * K;
        double zc, vc;
        bounds_vec_dot_zv(wr, cfull, c->rad, K, &zc, &vc);
        c->z[m->cols[q]] = zc, c->v[m->cols[q]] = vc, c->sv += vc;
    }
    return isfinite(c->srad) && isfinite(c->sv);
}

/* What the rows of an f32 product need afterwards. */
typedef struct {
    Backward *w;
    const MatRows *m;
    const Center *c;
    const double *P;
    int64_t N;
    double gam, eta;
} F32Rows;

/* Rows [lo, hi) of both passes (lower rows, then upper): the offsets'
 * shift and widening, the product into T. */
static void f32_rows(void *ctx, int64_t lo, int64_t hi) {
    const F32Rows *f = ctx;
    const MatRows *m = f->m;
    int64_t k = f->w->k, na = f->c->na;
    for (int64_t r = lo; r < hi; r++) {
        const double *a = (r < k ? m->Alo : m->Ahi) + (r % k) * m->lda;
        double *t = (r < k ? m->Tlo : m->Thi) + (r % k) * m->ldt, az, av;
        const double *p = f->P ? f->P + r * na : t; /* no P: the product is in T */
        bounds_vec_dot2(a, f->c->z, f->c->v, f->N, &az, &av);
        double shift = az - bounds_vec_dot(p, f->c->cen, na), widen = f->gam * av + f->eta;
        if (r < k) f->w->bias_lo[r] += shift - widen;
        else f->w->bias_hi[r - k] += shift + widen;
        for (int64_t j = 0; f->P && j < na; j++) t[f->c->alive[j]] += p[j];
    }
}

/* The product into P (2k x na, lower rows then upper).  Columns where
 * A_lo and A_hi agree (units no relaxation split: right after a one-hot
 * row passed a ReLU layer, all but the open ones) are multiplied once
 * for both; the others for each.  Either way each entry is a sum of runs
 * of at most nc products, within bounds_gemm_gamma(nc). */
/* bounds_gemm32, counted in the graph's product statistics. */
static void gemm_counted(BoundsGraph *b, const Gemm32 *g) {
    double t0 = bounds_now();
    bounds_gemm32(g, b->threads);
    b->gemm_seconds += bounds_now() - t0;
    b->gemm_flops += 2.0 * (double)(g->A[1] ? 2 * g->m : g->m) * (double)g->kd * (double)g->n;
}

static void product_f32(const Backward *w, const MatRows *m, const DenseW *d, const Center *c, double *P0,
                        double *P1, int64_t ldp, const int64_t *ocols) {
    int64_t k = w->k, na = c->na, nd = 0;
    Gemm32 g = {{m->Alo, m->Ahi}, {P0, P1}, m->lda, ldp, k, m->nc, na, m->cols, ocols, d->wt, d->K, true};
    if (m->ns * 4 < m->nc) { /* too few shared: not worth a second pass */
        gemm_counted(w->b, &g);
        return;
    }
    int64_t *diff = pd_xmalloc((size_t)(m->nc - m->ns) * sizeof *diff + 8);
    for (int64_t q = 0, s = 0; q < m->nc; q++) {
        if (s < m->ns && m->same[s] == m->cols[q]) s++;
        else diff[nd++] = m->cols[q];
    }
    Gemm32 shared = g;
    shared.A[1] = NULL, shared.kd = m->ns, shared.cols = m->same;
    gemm_counted(w->b, &shared);
    for (int64_t r = 0; r < k; r++) memcpy(P1 + r * ldp, P0 + r * ldp, (size_t)na * sizeof *P0);
    g.kd = nd, g.cols = diff, g.set = false;
    if (nd) gemm_counted(w->b, &g);
    free(diff);
}

/* Zeroes a fresh T's columns of this row group. */
static void zero_slice(const Backward *w, const MatRows *m, int64_t K) {
    for (int64_t r = 0; r < w->k; r++) {
        memset(m->Tlo + r * m->ldt, 0, (size_t)K * sizeof(double));
        memset(m->Thi + r * m->ldt, 0, (size_t)K * sizeof(double));
    }
}

/* fresh: T is not set yet (coef_unset); when every unit of x is alive
 * the product is stored straight into it, else into P, then added. */
static bool matmul_f32(Backward *w, const MatRows *m, const DenseW *d, bool fresh) {
    int64_t k = w->k, nc = m->nc, N = d->N;
    /* products and sums below 2^100: far from f32's 2^128 */
    if (!(m->amax * (d->wmax + 1) * (double)(nc + 1) < 0x1p100)) return false;
    Center c;
    bool ok = center(m, d, &c), direct = fresh && c.na == d->K;
    int64_t na = c.na;
    double *P = ok && !direct ? pd_xmalloc((size_t)(2 * k * na) * sizeof *P + 8) : NULL;
    if (ok) {
        if (fresh && !direct) zero_slice(w, m, d->K);
        if (direct) product_f32(w, m, d, &c, m->Tlo, m->Thi, m->ldt, NULL);
        else product_f32(w, m, d, &c, P, P + k * na, na, c.alive);
        F32Rows f = {w, m, &c, P, N, bounds_gemm_gamma(nc), 0x1p-149 * ((double)(2 * nc + 2) * c.srad + c.sv)};
        bounds_parallel_rows(2 * k, (double)(2 * k) * (double)(2 * N + 2 * na), w->b->threads, f32_rows, &f);
    }
    free(P), free(c.alive), free(c.cen);
    return ok;
}

/* f32 products for many rows; and for large products of few rows when
 * only the rows' signs matter (bounds_crown_sign): early settling leaves
 * few rows, whose bounds feed no output directly. */
static bool use_f32(const Backward *w, int64_t nc, int64_t K) {
    return w->k >= w->b->f32_rows || (w->settle && (double)w->k * (double)nc * (double)K >= SIGN_F32_WORK);
}

/* x @ W: A_x = A W^T, per row group of x, on DenseW's rows of W^T. */
static void back_matmul(Backward *w, const IrNode *n, const BNode *bn, const Coef *A) {
    const DenseW *d = bn->dense;
    const BNode *x = &w->b->nodes[n->in[0]];
    bool fresh = !w->A[n->in[0]].lo;
    Coef *T = fresh ? coef_unset(w, n->in[0]) : coef(w, n->in[0]);
    int64_t K = d->K, N = d->N, k = w->k;
    MatRows m = {.lda = bn->n, .ldt = x->n, .cols = pd_xmalloc((size_t)(2 * N) * sizeof *m.cols + 8)};
    m.same = m.cols + N;
    for (int64_t q = 0; q < x->n / K; q++) {
        m.Alo = A->lo + q * N, m.Ahi = A->hi + q * N, m.Tlo = T->lo + q * K, m.Thi = T->hi + q * K;
        m.xlo = x->lo + q * K, m.xhi = x->hi + q * K;
        used_columns(w, &m, N);
        bool sparse = m.nnz * 8 <= 2 * k * m.nc;
        if (!sparse && use_f32(w, m.nc, K) && matmul_f32(w, &m, d, fresh)) continue;
        if (fresh) zero_slice(w, &m, K);
        matmul_rows(w, &m, d, sparse);
    }
    free(m.cols);
}

/* The upper and lower lines of unit i of an elementwise activation. */
void bounds_unit_lines(const IrNode *n, double l, double u, double *su, double *tu, double *sl, double *tl) {
    *tl = 0;
    switch (n->op) {
    case IR_OP_TANH: case IR_OP_SIGMOID: bounds_relax_smooth(n->op, l, u, su, tu, sl, tl); break;
    case IR_OP_GELU: case IR_OP_EXP: bounds_relax_curve(n->op, l, u, su, tu, sl, tl); break;
    default: bounds_relax(l, u, n->op == IR_OP_LEAKY_RELU ? ir_get_float(n, "alpha") : 0, su, tu, sl); break;
    }
}

typedef struct {
    Backward *w;
    const double *Alo, *Ahi;
    Coef *T;
    int64_t n;
    const double *sl, *su, *tl, *tu;
    bool set;
} ReluRows;

static void relu_rows(void *ctx, int64_t lo, int64_t hi) {
    const ReluRows *q = ctx;
    for (int64_t r = lo; r < hi; r++) {
        double blo, bhi;
        bounds_vec_relu_row(q->Alo + r * q->n, q->Ahi + r * q->n, q->T->lo + r * q->n, q->T->hi + r * q->n, q->n,
                            q->sl, q->su, q->tl, q->tu, q->set, &blo, &bhi);
        q->w->bias_lo[r] += blo, q->w->bias_hi[r] += bhi;
    }
}

/* Elementwise activations: per row, the lower pass takes the lower line
 * where A >= 0 and the upper line where A < 0; the upper pass the
 * opposite.  Zero coefficients add nothing (an infinite offset of an
 * overflowing exp must not become 0 * inf).  The lines are found once per
 * unit; with finite lines and no alpha slopes the rows go through
 * bounds_vec_relu_row, in place when the coefficients can move. */
static void back_relu(Backward *w, IrId id, const IrNode *n, const BNode *bn) {
    const BNode *z = &w->b->nodes[n->in[0]];
    const double *alo = w->alpha ? w->alpha->lo[id] : NULL, *ahi = w->alpha ? w->alpha->hi[id] : NULL;
    int64_t nn = bn->n;
    double *su = pd_xmalloc((size_t)(4 * nn) * sizeof *su + 8), *tu = su + nn, *sl = tu + nn, *tl = sl + nn;
    uint8_t *open = pd_xmalloc((size_t)nn + 1); /* alpha-CROWN's slopes apply here */
    bool finite = true;
    for (int64_t i = 0; i < nn; i++) {
        bounds_unit_lines(n, z->lo[i], z->hi[i], &su[i], &tu[i], &sl[i], &tl[i]);
        open[i] = z->lo[i] < 0 && z->hi[i] > 0;
        finite &= isfinite(su[i]) && isfinite(tu[i]) && isfinite(sl[i]) && isfinite(tl[i]);
    }
    const double *Alo = w->A[id].lo, *Ahi = w->A[id].hi;
    bool fast = finite && !alo, set = fast && steal(w, id, n->in[0]);
    Coef *T = coef(w, n->in[0]);
    if (fast) {
        ReluRows rr = {w, Alo, Ahi, T, nn, sl, su, tl, tu, set};
        bounds_parallel_rows(w->k, 4.0 * (double)(w->k * nn), w->b->threads, relu_rows, &rr);
        free(su), free(open);
        return;
    }
    for (int64_t r = 0; r < w->k; r++) {
        const double *al = Alo + r * nn, *ah = Ahi + r * nn;
        double *tlo = T->lo + r * z->n, *thi = T->hi + r * z->n, blo = 0, bhi = 0;
        for (int64_t i = 0; i < nn; i++) {
            double s_lo = alo && open[i] ? alo[r * nn + i] : sl[i], s_hi = ahi && open[i] ? ahi[r * nn + i] : sl[i];
            if (al[i] != 0) {
                tlo[i] += al[i] >= 0 ? al[i] * s_lo : al[i] * su[i];
                blo += al[i] >= 0 ? al[i] * tl[i] : al[i] * tu[i];
            }
            if (ah[i] != 0) {
                thi[i] += ah[i] >= 0 ? ah[i] * su[i] : ah[i] * s_hi;
                bhi += ah[i] >= 0 ? ah[i] * tu[i] : ah[i] * tl[i];
            }
        }
        w->bias_lo[r] += blo, w->bias_hi[r] += bhi;
    }
    free(su), free(open);
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
    case IR_OP_ADD: case IR_OP_SUB: back_add(w, id, n, bn); break;
    case IR_OP_NEG: to_operand(w, id, n, bn, 0, -1, true); break;
    case IR_OP_RESHAPE: to_operand(w, id, n, bn, 0, 1, true); break;
    case IR_OP_MUL:
        if (w->b->nodes[n->in[0]].variable && w->b->nodes[n->in[1]].variable) back_product(w, n, bn, A);
        else back_mul(w, n, bn, A);
        break;
    case IR_OP_SOFTMAX: {
        Coef *T = coef(w, n->in[0]);
        bounds_softmax_back(w->b, n, bn, w->k, A->lo, A->hi, T->lo, T->hi, w->bias_lo, w->bias_hi);
        break;
    }
    case IR_OP_MATMUL: back_matmul(w, n, bn, A); break;
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
        if (bn->xf) { /* a transform kept as passes (xform.c) */
            bounds_xform_back(bn->xf, w->k, A->lo, A->hi, T->lo, T->hi);
            break;
        }
        bounds_sparse_back(bn->map, w->k, bn->n, w->b->nodes[v].n, A->lo, A->hi, T->lo, T->hi, w->bias_lo, w->bias_hi,
                           w->b->threads);
        break;
    }
    case IR_OP_RELU: case IR_OP_LEAKY_RELU: case IR_OP_TANH: case IR_OP_SIGMOID: case IR_OP_GELU: case IR_OP_EXP:
        back_relu(w, id, n, bn);
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
        if (A->lo) {
            l += bounds_vec_corner(A->lo + r * x->n, x->lo, x->hi, x->n);
            h += bounds_vec_corner(A->hi + r * x->n, x->hi, x->lo, x->n);
        }
        lo[r] = l, hi[r] = h;
    }
}

/* Early settling.  Mid-pass, each row is a linear function of the nodes
 * its coefficients sit on, plus an offset; every such node has bounds, so
 * the row has sound bounds right there (each coefficient times the end of
 * its unit's interval that bounds it).  When those already fix the row's
 * sign, the ReLU it feeds is decided and its bounds need no more
 * precision: the row leaves the pass and the rest of the pass has fewer
 * rows to carry through every product.  The bound kept is the partial
 * one; it may be tighter than the full pass (then a unit comes out
 * stable where the full pass would relax it) but is never unsound. */
typedef struct {
    const Backward *w;
    IrId below;
    double *lo, *hi;
} PartialRows;

static void partial_rows(void *ctx, int64_t r0, int64_t r1) {
    const PartialRows *q = ctx;
    const Backward *w = q->w;
    for (int64_t r = r0; r < r1; r++) {
        double l = w->bias_lo[r], h = w->bias_hi[r];
        for (IrId j = w->b->input; j < q->below; j++) {
            const BNode *x = &w->b->nodes[j];
            if (!w->A[j].lo) continue;
            l += bounds_vec_corner(w->A[j].lo + r * x->n, x->lo, x->hi, x->n);
            h += bounds_vec_corner(w->A[j].hi + r * x->n, x->hi, x->lo, x->n);
        }
        q->lo[r] = l, q->hi[r] = h;
    }
}

/* Moves the rows keep[] marks to the front of every pending matrix. */
static void compact_rows(Backward *w, IrId below, const uint8_t *keep) {
    Settle *s = w->settle;
    int64_t kept = 0;
    for (int64_t r = 0; r < w->k; r++) {
        if (!keep[r]) continue;
        for (IrId j = w->b->input; j < below; j++) {
            int64_t n = w->b->nodes[j].n;
            if (!w->A[j].lo || kept == r) continue;
            memcpy(w->A[j].lo + kept * n, w->A[j].lo + r * n, (size_t)n * sizeof(double));
            memcpy(w->A[j].hi + kept * n, w->A[j].hi + r * n, (size_t)n * sizeof(double));
        }
        w->bias_lo[kept] = w->bias_lo[r], w->bias_hi[kept] = w->bias_hi[r];
        s->orig[kept++] = s->orig[r];
    }
    w->k = kept;
}

static void settle_rows(Backward *w, IrId below) {
    int64_t k = w->k, pending = 0;
    for (IrId j = w->b->input; j < below; j++)
        if (w->A[j].lo) pending += w->b->nodes[j].n;
    double *l = pd_xmalloc((size_t)(2 * k) * sizeof *l + 8), *h = l + k;
    uint8_t *keep = pd_xmalloc((size_t)k + 1);
    PartialRows q = {w, below, l, h};
    bounds_parallel_rows(k, 2.0 * (double)k * (double)pending, w->b->threads, partial_rows, &q);
    int64_t settled = 0;
    for (int64_t r = 0; r < k; r++) {
        keep[r] = !(l[r] >= 0 || h[r] <= 0);
        if (keep[r]) continue;
        w->settle->lo[w->settle->orig[r]] = l[r], w->settle->hi[w->settle->orig[r]] = h[r];
        settled++;
    }
    if (settled) compact_rows(w, below, keep);
    w->b->settled += settled;
    free(l), free(keep);
}

static bool is_relu_like(IrOpKind op) { return op == IR_OP_RELU || op == IR_OP_LEAKY_RELU; }

static bool is_product(IrOpKind op) { return op == IR_OP_MATMUL || op == IR_OP_CONV1D || op == IR_OP_CONV2D; }

/* Checks right after a product once a ReLU layer is behind: the rows
 * then sit on the product's input, a layer's ReLU outputs, whose box
 * bounds them at least as tightly as that ReLU's lines would, and before
 * the next ReLU step and product have to carry them. */
static void try_settle(Backward *w, IrId id) {
    IrOpKind op = ir_node(w->b->g, id)->op;
    if (is_relu_like(op)) w->settle->relus++;
    else if (is_product(op) && w->settle->relus >= 1) settle_rows(w, id);
}

/* The pass itself: coefficients C (k rows) at target back to the input. */
static void backward(Backward *w, IrId target, const double *C, const double *d, double *lo, double *hi,
                     double *A_in) {
    BoundsGraph *b = w->b;
    AlphaSlopes *alpha = w->alpha;
    int64_t k = w->k;
    Coef *t = coef_unset(w, target); /* C fills it */
    size_t n = (size_t)(k * b->nodes[target].n);
    memcpy(t->lo, C, n * sizeof(double));
    memcpy(t->hi, C, n * sizeof(double));
    for (int64_t r = 0; d && r < k; r++) w->bias_lo[r] = w->bias_hi[r] = d[r];
    for (IrId id = target; id > b->input && w->k > 0; id--) {
        if (!w->A[id].lo) continue;
        if (alpha && alpha->lo[id]) { /* the gradient needs what reached each unit */
            memcpy(alpha->Alo[id], w->A[id].lo, (size_t)(w->k * b->nodes[id].n) * sizeof(double));
            memcpy(alpha->Ahi[id], w->A[id].hi, (size_t)(w->k * b->nodes[id].n) * sizeof(double));
        }
        back_node(w, id);
        free(w->A[id].lo), free(w->A[id].hi);
        w->A[id].lo = w->A[id].hi = NULL;
        if (w->settle && !b->no_settle) try_settle(w, id);
    }
    at_input(w, lo, hi, A_in);
}

static Backward backward_new(BoundsGraph *b, int64_t k, AlphaSlopes *alpha, Settle *settle) {
    return (Backward){b, k, pd_xcalloc(b->count + 1, sizeof(Coef)), pd_xcalloc((size_t)k + 1, sizeof(double)),
                      pd_xcalloc((size_t)k + 1, sizeof(double)), alpha, settle};
}

static void backward_free(Backward *w) {
    for (uint32_t i = 0; i <= w->b->count; i++) free(w->A[i].lo), free(w->A[i].hi);
    free(w->A), free(w->bias_lo), free(w->bias_hi);
}

void bounds_crown(BoundsGraph *b, IrId target, const double *C, const double *d, int64_t k, double *lo, double *hi,
                  double *A_in) {
    bounds_crown_alpha(b, target, C, d, k, lo, hi, A_in, NULL);
}

void bounds_crown_alpha(BoundsGraph *b, IrId target, const double *C, const double *d, int64_t k, double *lo,
                        double *hi, double *A_in, AlphaSlopes *alpha) {
    Backward w = backward_new(b, k, alpha, NULL);
    backward(&w, target, C, d, lo, hi, A_in);
    backward_free(&w);
}

void bounds_crown_sign(BoundsGraph *b, IrId target, const double *C, int64_t k, double *lo, double *hi) {
    Settle s = {pd_xmalloc((size_t)k * sizeof(int64_t) + 8), lo, hi, 0};
    for (int64_t r = 0; r < k; r++) s.orig[r] = r;
    Backward w = backward_new(b, k, NULL, &s);
    double *l = pd_xmalloc((size_t)(2 * k) * sizeof *l + 8), *h = l + k;
    backward(&w, target, C, NULL, l, h, NULL);
    for (int64_t r = 0; r < w.k; r++) lo[s.orig[r]] = l[r], hi[s.orig[r]] = h[r];
    backward_free(&w);
    free(l), free(s.orig);
}
