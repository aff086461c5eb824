/* sparse.c — linear ops with constant coefficients as explicit sparse
 * maps: out[o] += w * in[i] for a list of (o, i, w) terms.
 *
 * Convolutions with constant weights, average pooling and data movement
 * (graph.c builds those, with constants for padding) are such maps;
 * once listed, IBP (the sign of w picks the interval end) and CROWN (each
 * term sends A[o] * w back to in[i]) need no op-specific loops.  The lists
 * are built once when the graph is prepared.
 */
#include <math.h>
#include <stdlib.h>

#include "bounds_impl.h"

typedef struct {
    int64_t b, h, w, c;      /* input [B, H, W, C] (1-D: H = 1) */
    int64_t oh, ow, oc;      /* output */
    int64_t kh, kw, sh, sw, ph, pw, dh, dw;
} Geometry;

void bounds_sparse_push(SparseMap *m, int64_t o, int64_t i, double w) {
    if (m->nnz == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 1024;
        m->out = pd_xrealloc(m->out, (size_t)m->cap * sizeof *m->out);
        m->in = pd_xrealloc(m->in, (size_t)m->cap * sizeof *m->in);
        m->w = pd_xrealloc(m->w, (size_t)m->cap * sizeof *m->w);
    }
    m->out[m->nnz] = o, m->in[m->nnz] = i, m->w[m->nnz] = w;
    m->nnz++;
}

/* Spatial attributes of a conv or pool node, 1-D as 2-D with height 1. */
static Geometry geometry(const IrGraph *g, const IrNode *n, bool conv) {
    const IrType *x = &ir_node(g, n->in[0])->type, *y = &n->type;
    bool one = x->rank == 3;
    const int64_t *st = ir_get_ints(n, "stride", NULL), *pd = ir_get_ints(n, "padding", NULL);
    const int64_t *dl = conv ? ir_get_ints(n, "dilation", NULL) : NULL;
    const int64_t *k = conv ? ir_node(g, n->in[1])->type.dims + 2 : ir_get_ints(n, "kernel", NULL);
    Geometry G = {x->dims[0], one ? 1 : x->dims[1], x->dims[one ? 1 : 2], x->dims[one ? 2 : 3],
                  one ? 1 : y->dims[1], y->dims[one ? 1 : 2], y->dims[one ? 2 : 3],
                  one ? 1 : k[0], k[one ? 0 : 1], one ? 1 : st[0], st[one ? 0 : 1],
                  one ? 0 : pd[0], pd[one ? 0 : 1], one ? 1 : (dl ? dl[0] : 1), dl ? dl[one ? 0 : 1] : 1};
    return G;
}

/* One kernel tap that lands inside the input (zero padding adds none). */
typedef struct {
    int64_t obase, ibase; /* element offsets of the output and input pixel */
    int64_t ky, kx;
} Tap;

/* Every tap of the geometry. OUT: *count. */
static Tap *taps(const Geometry *G, int64_t *count) {
    int64_t cap = G->b * G->oh * G->ow * G->kh * G->kw, n = 0;
    Tap *t = pd_xmalloc((size_t)(cap ? cap : 1) * sizeof *t);
    for (int64_t b = 0; b < G->b; b++)
        for (int64_t y = 0; y < G->oh; y++)
            for (int64_t x = 0; x < G->ow; x++)
                for (int64_t ky = 0; ky < G->kh; ky++)
                    for (int64_t kx = 0; kx < G->kw; kx++) {
                        int64_t iy = y * G->sh - G->ph + ky * G->dh, ix = x * G->sw - G->pw + kx * G->dw;
                        if (iy < 0 || iy >= G->h || ix < 0 || ix >= G->w) continue;
                        t[n++] = (Tap){((b * G->oh + y) * G->ow + x) * G->oc, ((b * G->h + iy) * G->w + ix) * G->c, ky, kx};
                    }
    *count = n;
    return t;
}

static void conv_map(const IrGraph *g, const IrNode *n, const double *wt, SparseMap *m) {
    Geometry G = geometry(g, n, true);
    int64_t groups = ir_get_int(n, "groups"), cig = G.c / groups, cog = G.oc / groups, nt;
    Tap *t = taps(&G, &nt);
    for (int64_t k = 0; k < nt; k++)
        for (int64_t co = 0; co < G.oc; co++)
            for (int64_t ci = 0; ci < cig; ci++) {
                double w = wt[((co * cig + ci) * G.kh + t[k].ky) * G.kw + t[k].kx];
                if (w != 0) bounds_sparse_push(m, t[k].obase + co, t[k].ibase + co / cog * cig + ci, w);
            }
    free(t);
}

/* avgpool counts padding as zeros (PyTorch's count_include_pad). */
static void avgpool_map(const IrGraph *g, const IrNode *n, SparseMap *m) {
    Geometry G = geometry(g, n, false);
    double w = 1.0 / (double)(G.kh * G.kw);
    int64_t nt;
    Tap *t = taps(&G, &nt);
    for (int64_t k = 0; k < nt; k++)
        for (int64_t c = 0; c < G.c; c++) bounds_sparse_push(m, t[k].obase + c, t[k].ibase + c, w);
    free(t);
}

/* maxpool: the terms list each output's window (weights unused). */
static void maxpool_map(const IrGraph *g, const IrNode *n, SparseMap *m) {
    Geometry G = geometry(g, n, false);
    int64_t nt;
    Tap *t = taps(&G, &nt);
    for (int64_t k = 0; k < nt; k++)
        for (int64_t c = 0; c < G.c; c++) bounds_sparse_push(m, t[k].obase + c, t[k].ibase + c, 1);
    free(t);
}

SparseMap *bounds_sparse_map(const BoundsGraph *b, const IrNode *n) {
    SparseMap *m = pd_xcalloc(1, sizeof *m);
    if (n->op == IR_OP_AVGPOOL1D || n->op == IR_OP_AVGPOOL2D) avgpool_map(b->g, n, m);
    else if (n->op == IR_OP_MAXPOOL1D || n->op == IR_OP_MAXPOOL2D) maxpool_map(b->g, n, m);
    else conv_map(b->g, n, b->nodes[n->in[1]].value, m);
    return m;
}

/* ---- max pooling -----------------------------------------------------------
 * IBP: the max of the window's ends.  CROWN: for each output the window
 * element j with the largest lower bound gives the lower line y >= x_j; the
 * upper line is the constant max of the upper bounds, unless x_j dominates
 * (its lower bound is above every other upper bound): then y = x_j. */

void bounds_maxpool_ibp(const SparseMap *m, const BNode *x, BNode *y) {
    for (int64_t o = 0; o < y->n; o++) y->lo[o] = y->hi[o] = -INFINITY;
    for (int64_t t = 0; t < m->nnz; t++) {
        y->lo[m->out[t]] = fmax(y->lo[m->out[t]], x->lo[m->in[t]]);
        y->hi[m->out[t]] = fmax(y->hi[m->out[t]], x->hi[m->in[t]]);
    }
}

typedef struct {
    int64_t arg;       /* the window element with the largest lower bound */
    double upper;      /* the largest upper bound in the window */
    double other;      /* the largest upper bound of the other elements */
} Window;

static Window *windows(const SparseMap *m, const BNode *x, int64_t n_out) {
    Window *w = pd_xmalloc((size_t)(n_out + 1) * sizeof *w);
    for (int64_t o = 0; o < n_out; o++) w[o] = (Window){-1, -INFINITY, -INFINITY};
    for (int64_t t = 0; t < m->nnz; t++) {
        Window *v = &w[m->out[t]];
        int64_t i = m->in[t];
        if (v->arg < 0 || x->lo[i] > x->lo[v->arg]) v->arg = i;
        v->upper = fmax(v->upper, x->hi[i]);
    }
    for (int64_t t = 0; t < m->nnz; t++)
        if (m->in[t] != w[m->out[t]].arg) w[m->out[t]].other = fmax(w[m->out[t]].other, x->hi[m->in[t]]);
    return w;
}

void bounds_maxpool_back(const SparseMap *m, const BNode *x, int64_t k, int64_t n_out, const double *Alo,
                         const double *Ahi, double *Tlo, double *Thi, double *blo, double *bhi) {
    Window *w = windows(m, x, n_out);
    for (int64_t o = 0; o < n_out; o++) {
        int64_t j = w[o].arg;
        bool dominant = x->lo[j] >= w[o].other;
        for (int64_t r = 0; r < k; r++) {
            double al = Alo[r * n_out + o], ah = Ahi[r * n_out + o];
            if (al >= 0 || dominant) Tlo[r * x->n + j] += al; /* lower line x_j */
            else blo[r] += al * w[o].upper;                  /* upper constant */
            if (ah < 0 || dominant) Thi[r * x->n + j] += ah;
            else bhi[r] += ah * w[o].upper;
        }
    }
    free(w);
}

void bounds_sparse_free(SparseMap *m) {
    if (!m) return;
    free(m->out), free(m->in), free(m->w), free(m->bias), free(m->first), free(m->sin), free(m->sw);
    free(m);
}

void bounds_sparse_ibp(const SparseMap *m, const BNode *x, BNode *y) {
    for (int64_t o = 0; o < y->n; o++) y->lo[o] = y->hi[o] = m->bias ? m->bias[o] : 0;
    for (int64_t t = 0; t < m->nnz; t++) {
        double w = m->w[t], l = x->lo[m->in[t]], h = x->hi[m->in[t]];
        y->lo[m->out[t]] += w >= 0 ? w * l : w * h;
        y->hi[m->out[t]] += w >= 0 ? w * h : w * l;
    }
}

/* Groups the terms by output once (a counting sort). */
static void by_output(SparseMap *m, int64_t n_out) {
    if (m->first) return;
    m->first = pd_xcalloc((size_t)n_out + 2, sizeof *m->first);
    m->sin = pd_xmalloc((size_t)m->nnz * sizeof *m->sin + 8);
    m->sw = pd_xmalloc((size_t)m->nnz * sizeof *m->sw + 8);
    for (int64_t t = 0; t < m->nnz; t++) m->first[m->out[t] + 1]++;
    for (int64_t o = 0; o < n_out; o++) m->first[o + 1] += m->first[o];
    int64_t *fill = pd_xmalloc((size_t)(n_out + 1) * sizeof *fill);
    for (int64_t o = 0; o <= n_out; o++) fill[o] = m->first[o];
    for (int64_t t = 0; t < m->nnz; t++) { /* copies in output order: read in sequence */
        int64_t s = fill[m->out[t]]++;
        m->sin[s] = m->in[t], m->sw[s] = m->w[t];
    }
    free(fill);
}

/* y[o] += the terms of output o (absolute: |w|), by output, four running
 * sums per output: a row's terms then add at the adder's throughput, not
 * its latency (affine.c's forward mode sends every column through). */
void bounds_sparse_apply(SparseMap *m, int64_t n_out, const double *x, bool absolute, double *y) {
    by_output(m, n_out);
    for (int64_t o = 0; o < n_out; o++) {
        double acc[4] = {0, 0, 0, 0};
        int64_t s = m->first[o], e = m->first[o + 1];
        for (; s + 4 <= e; s += 4)
            for (int k = 0; k < 4; k++) acc[k] += (absolute ? fabs(m->sw[s + k]) : m->sw[s + k]) * x[m->sin[s + k]];
        for (; s < e; s++) acc[0] += (absolute ? fabs(m->sw[s]) : m->sw[s]) * x[m->sin[s]];
        y[o] += (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
}

typedef struct {
    const SparseMap *m;
    int64_t n_out, n_in;
    const double *Alo, *Ahi;
    double *Tlo, *Thi, *blo, *bhi;
} SparseRows;

/* Rows [lo, hi): only the outputs a row reaches (tightening starts from
 * one-hot rows, so the first maps on the way back see few of them). */
static void sparse_rows(void *ctx, int64_t lo, int64_t hi) {
    const SparseRows *q = ctx;
    const SparseMap *m = q->m;
    for (int64_t r = lo; r < hi; r++) {
        const double *al = q->Alo + r * q->n_out, *ah = q->Ahi + r * q->n_out;
        double *tl = q->Tlo + r * q->n_in, *th = q->Thi + r * q->n_in;
        if (m->bias) q->blo[r] += bounds_vec_dot(al, m->bias, q->n_out), q->bhi[r] += bounds_vec_dot(ah, m->bias, q->n_out);
        for (int64_t o = 0; o < q->n_out; o++) {
            if (al[o] == 0 && ah[o] == 0) continue;
            for (int64_t s = m->first[o]; s < m->first[o + 1]; s++) {
                tl[m->sin[s]] += al[o] * m->sw[s];
                th[m->sin[s]] += ah[o] * m->sw[s];
            }
        }
    }
}

/* Rows are independent: split between threads. */
void bounds_sparse_back(SparseMap *m, int64_t k, int64_t n_out, int64_t n_in, const double *Alo, const double *Ahi,
                        double *Tlo, double *Thi, double *blo, double *bhi, int threads) {
    by_output(m, n_out);
    SparseRows q = {m, n_out, n_in, Alo, Ahi, Tlo, Thi, blo, bhi};
    bounds_parallel_rows(k, (double)k * (double)(n_out + m->nnz / 4), threads, sparse_rows, &q);
}
