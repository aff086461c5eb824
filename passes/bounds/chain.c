/* chain.c — a chain of dense layers with ReLU between them, kept as plain
 * matrices for branch and bound (see chain.h).  Not a general analysis:
 * anything but matmul [+ constant add] [-> relu] -> ... is refused, and
 * the generic graph analysis handles it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"

/* The products below are short axpy loops over a layer's width; GCC's -O2
 * leaves them scalar (its cheap vectorizer model refuses loop tails), and
 * they are nearly all of branch and bound's time. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
/* and one copy per vector width, chosen when the program loads */
/* Layers at most PAD wide sum weighted rows in registers (combo). */
enum { PAD = 64 };
typedef double V8 __attribute__((vector_size(64)));

#if defined(__x86_64__) && defined(__GNUC__)
#define WIDE __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WIDE
#endif

typedef struct {
    int64_t in, out;
    double *W;  /* out x in, row-major (bounds: rows of coefficients times W) */
    double *WT; /* in x out (evaluation: one vector loop per input) */
    double *Wp, *WTp; /* W and WT with rows padded to PAD (the register kernel), or NULL */
    double *b; /* out */
} Layer;

struct Chain {
    int nl; /* layers; a ReLU follows every one but the last */
    Layer *L;
    int64_t width, rows; /* widest layer; rows the scratch matrices hold */
    int64_t *off;        /* hidden layer l's bounds in a state: lo at off[l], hi after */
    double *h, *z;       /* evaluation: every layer's pre-activation values */
    double *Alo, *Ahi, *Tlo, *Thi, *clo, *chi, *lo2, *hi2, *sl, *su, *tu;
    int64_t *idx;
    LowerSlope lower; /* the open units' lower slopes (relax_layer) */
};

/* ---- recognizing the chain --------------------------------------------- */

typedef struct {
    const BoundsGraph *b;
    uint32_t *uses; /* per node: how many nodes read it */
    IrId *user;     /* per node: one node that reads it */
} Walk;

static IrId sole_user(const Walk *w, IrId id) { return w->uses[id] == 1 ? w->user[id] : IR_NONE; }

static bool is_const(const Walk *w, IrId id) { return !w->b->nodes[id].variable && w->b->nodes[id].value; }

/* Appends the layer that starts at cur (a matmul by a constant, then maybe
 * a constant add); returns the node its values end in, or IR_NONE. */
static IrId take_layer(Walk *w, Chain *c, IrId cur, int64_t width) {
    const IrGraph *g = w->b->g;
    IrId mm = sole_user(w, cur);
    if (mm == IR_NONE || ir_node(g, mm)->op != IR_OP_MATMUL || ir_node(g, mm)->in[0] != cur) return IR_NONE;
    const IrNode *n = ir_node(g, mm);
    if (!is_const(w, n->in[1]) || ir_node(g, n->in[1])->type.rank != 2 || w->b->nodes[mm].n != ir_node(g, n->in[1])->type.dims[1])
        return IR_NONE;
    /* the weight's own values (K x N), not crown.c's forms of it */
    int64_t K = ir_node(g, n->in[1])->type.dims[0], N = ir_node(g, n->in[1])->type.dims[1];
    const double *wt = w->b->nodes[n->in[1]].value;
    if (K != width) return IR_NONE;
    Layer *l = &c->L[c->nl++];
    l->in = K, l->out = N;
    l->W = pd_xmalloc((size_t)(K * N) * sizeof(double) + 8);
    l->b = pd_xcalloc((size_t)N + 1, sizeof(double));
    l->WT = pd_xmalloc((size_t)(K * N) * sizeof(double) + 8);
    memcpy(l->WT, wt, (size_t)(K * N) * sizeof(double));
    for (int64_t i = 0; i < K; i++)
        for (int64_t j = 0; j < N; j++) l->W[j * K + i] = wt[i * N + j];
    IrId add = sole_user(w, mm);
    if (add == IR_NONE || ir_node(g, add)->op != IR_OP_ADD) return mm;
    const IrNode *a = ir_node(g, add);
    IrId bias = a->in[0] == mm ? a->in[1] : a->in[0];
    if (!is_const(w, bias) || w->b->nodes[bias].n != N || w->b->nodes[add].n != N) return mm;
    memcpy(l->b, w->b->nodes[bias].value, (size_t)N * sizeof(double));
    return add;
}

static bool walk(Walk *w, Chain *c) {
    const BoundsGraph *b = w->b;
    IrId cur = b->input;
    int64_t width = b->nodes[b->input].n;
    for (;;) {
        if (c->nl == (int)b->count) return false;
        IrId end = take_layer(w, c, cur, width);
        if (end == IR_NONE) return false;
        width = c->L[c->nl - 1].out;
        if (end == b->output) return true;
        IrId relu = sole_user(w, end);
        if (relu == IR_NONE || ir_node(b->g, relu)->op != IR_OP_RELU) return false;
        cur = relu;
    }
}

static double *padded(const double *M, int64_t rows, int64_t cols) {
    double *p = pd_xcalloc((size_t)(rows * PAD), sizeof *p);
    for (int64_t r = 0; r < rows; r++) memcpy(p + r * PAD, M + r * cols, (size_t)cols * sizeof *p);
    return p;
}

/* Small layers: padded rows for combo, and scratch rows PAD wide. */
static void pad_layers(Chain *c) {
    for (int l = 0; l < c->nl; l++) {
        Layer *L = &c->L[l];
        L->Wp = padded(L->W, L->out, L->in), L->WTp = padded(L->WT, L->in, L->out);
    }
    c->width = PAD;
}

/* out[0..8 NV) = sum_q w[q] * M[idx[q] * PAD ..], the sum kept in vector
 * registers (a loop over a row in memory stores and reloads it for every
 * term, and that was most of the time); one copy per row length in
 * vectors of 8, so a 5-wide input layer costs one vector, not eight. */
#define COMBO(NV)                                                                                          \
    WIDE static void combo##NV(const double *w, const int64_t *idx, int64_t cnt, const double *M, double *out) { \
        V8 acc[NV];                                                                                        \
        memset(acc, 0, sizeof acc);                                                                        \
        for (int64_t q = 0; q < cnt; q++) {                                                                \
            const double *row = M + idx[q] * PAD;                                                          \
            for (int v = 0; v < NV; v++) {                                                                 \
                V8 x;                                                                                      \
                memcpy(&x, row + 8 * v, sizeof x);                                                         \
                acc[v] += w[q] * x;                                                                        \
            }                                                                                              \
        }                                                                                                  \
        memcpy(out, acc, sizeof acc);                                                                      \
    }
COMBO(1)
COMBO(2)
COMBO(4)
COMBO(7)
COMBO(8)

/* Rows of n values: the smallest copy that covers them. */
static void combo(const double *w, const int64_t *idx, int64_t cnt, const double *M, int64_t n, double *out) {
    if (n <= 8) combo1(w, idx, cnt, M, out);
    else if (n <= 16) combo2(w, idx, cnt, M, out);
    else if (n <= 32) combo4(w, idx, cnt, M, out);
    else if (n <= 56) combo7(w, idx, cnt, M, out);
    else combo8(w, idx, cnt, M, out);
}

static void alloc_scratch(Chain *c, int64_t rows) {
    size_t m = (size_t)(rows * c->width) * sizeof(double) + 8, v = (size_t)rows * sizeof(double) + 8;
    free(c->Alo), free(c->Ahi), free(c->Tlo), free(c->Thi), free(c->clo), free(c->chi), free(c->lo2), free(c->hi2);
    c->rows = rows;
    c->Alo = pd_xmalloc(m), c->Ahi = pd_xmalloc(m), c->Tlo = pd_xmalloc(m), c->Thi = pd_xmalloc(m);
    c->clo = pd_xmalloc(v), c->chi = pd_xmalloc(v), c->lo2 = pd_xmalloc(v), c->hi2 = pd_xmalloc(v);
}

Chain *chain_from_bounds(const BoundsGraph *b) {
    if (b->f32 || b->input == IR_NONE) return NULL;
    Walk w = {b, pd_xcalloc(b->count + 1, sizeof(uint32_t)), pd_xcalloc(b->count + 1, sizeof(IrId))};
    for (uint32_t i = 0; i < b->count; i++) {
        const IrNode *n = ir_node(b->g, i);
        for (uint32_t k = 0; k < n->nin && !n->dead; k++) w.uses[n->in[k]]++, w.user[n->in[k]] = i;
    }
    Chain *c = pd_xcalloc(1, sizeof *c);
    c->L = pd_xcalloc(b->count + 1, sizeof(Layer));
    bool ok = walk(&w, c);
    free(w.uses), free(w.user);
    if (!ok) return chain_free(c), NULL;
    c->width = b->nodes[b->input].n;
    int64_t total = 0;
    c->off = pd_xmalloc((size_t)c->nl * sizeof(int64_t));
    for (int l = 0; l < c->nl; l++) {
        c->width = c->L[l].out > c->width ? c->L[l].out : c->width;
        c->off[l] = total;
        total += 2 * c->L[l].out;
    }
    if (c->width <= PAD) pad_layers(c);
    c->h = pd_xmalloc((size_t)(total + c->width) * sizeof(double));
    c->z = pd_xmalloc((size_t)(total + c->width) * sizeof(double));
    c->sl = pd_xmalloc((size_t)c->width * sizeof(double)), c->su = pd_xmalloc((size_t)c->width * sizeof(double));
    c->tu = pd_xmalloc((size_t)c->width * sizeof(double)), c->idx = pd_xmalloc((size_t)c->width * sizeof(int64_t));
    alloc_scratch(c, c->width);
    return c;
}

void chain_free(Chain *c) {
    if (!c) return;
    for (int l = 0; l < c->nl; l++) free(c->L[l].W), free(c->L[l].WT), free(c->L[l].Wp), free(c->L[l].WTp), free(c->L[l].b);
    free(c->L), free(c->off), free(c->h), free(c->z), free(c->sl), free(c->su), free(c->tu), free(c->idx);
    free(c->Alo), free(c->Ahi), free(c->Tlo), free(c->Thi), free(c->clo), free(c->chi), free(c->lo2), free(c->hi2);
    free(c);
}

int64_t chain_state_size(const Chain *c) {
    return c->nl > 1 ? c->off[c->nl - 1] : 0;
}

/* ---- evaluation ----------------------------------------------------------- */

/* Every layer's pre-activation values into c->z (layer l at c->off[l]). */
WIDE static void forward(Chain *c, const double *x) {
    const double *h = x;
    for (int l = 0; l < c->nl; l++) {
        const Layer *L = &c->L[l];
        double *z = c->z + c->off[l], *out = c->h + c->off[l];
        if (L->WTp) {
            double w[PAD], acc[PAD];
            int64_t cnt = 0;
            for (int64_t i = 0; i < L->in; i++) if (h[i] != 0) w[cnt] = h[i], c->idx[cnt++] = i;
            combo(w, c->idx, cnt, L->WTp, L->out, acc);
            for (int64_t o = 0; o < L->out; o++) z[o] = L->b[o] + acc[o], out[o] = z[o] > 0 ? z[o] : 0;
            h = out;
            continue;
        }
        memcpy(z, L->b, (size_t)L->out * sizeof *z);
        for (int64_t i = 0; i < L->in; i++) {
            const double *row = L->WT + i * L->out, v = h[i];
            if (v == 0) continue; /* a unit the ReLU turned off */
            for (int64_t o = 0; o < L->out; o++) z[o] += v * row[o];
        }
        for (int64_t o = 0; o < L->out; o++) out[o] = z[o] > 0 ? z[o] : 0;
        h = out;
    }
}

void chain_eval(Chain *c, const double *x, double *y) {
    forward(c, x);
    memcpy(y, c->z + c->off[c->nl - 1], (size_t)c->L[c->nl - 1].out * sizeof *y);
}

void chain_backprop(Chain *c, const double *gy, double *gx) {
    double *g = c->Tlo, *t = c->Thi;
    memcpy(g, gy, (size_t)c->L[c->nl - 1].out * sizeof *g);
    for (int l = c->nl - 1; l >= 0; l--) {
        const Layer *L = &c->L[l];
        const double *z = c->z + c->off[l];
        memset(t, 0, (size_t)L->in * sizeof *t);
        for (int64_t o = 0; o < L->out; o++)
            if (g[o] != 0 && (l == c->nl - 1 || z[o] > 0))
                for (int64_t i = 0; i < L->in; i++) t[i] += g[o] * L->W[o * L->in + i];
        double *s = g;
        g = t, t = s;
    }
    memcpy(gx, g, (size_t)c->L[0].in * sizeof *gx);
}

/* ---- bounds ---------------------------------------------------------------- */

/* ReLU relaxation of hidden layer l's units from their bounds: lower
 * line sl*z, upper line su*z + tu (by default auto_LiRPA's adaptive lower
 * slope, as bounds_relax; any slope in [0, 1] is a line under the ReLU).
 * Returns how many units are not always off, listed in c->idx: the others
 * contribute nothing. */
static int64_t relax_layer(Chain *c, int l, const double *state) {
    const double *lo = state + c->off[l], *hi = lo + c->L[l].out;
    int64_t live = 0;
    for (int64_t i = 0; i < c->L[l].out; i++) {
        if (hi[i] <= 0) {
            c->sl[i] = c->su[i] = c->tu[i] = 0;
            continue;
        }
        if (lo[i] >= 0) c->sl[i] = c->su[i] = 1, c->tu[i] = 0;
        else bounds_relax(lo[i], hi[i], 0, &c->su[i], &c->tu[i], &c->sl[i]);
        if (lo[i] < 0 && c->lower != SLOPE_ADAPTIVE) c->sl[i] = c->lower == SLOPE_ONE;
        c->idx[live++] = i;
    }
    return live;
}

/* T = A . relax(layer l) . W_l: the k rows of A (over layer l's ReLU
 * outputs, row stride c->width) through the ReLU's lines (with upper, the
 * rows bound from above, else from below) and the layer's weights, onto
 * layer l's inputs; the lines' and biases' constants go to cst.  Only the
 * live units (c->idx) contribute; each unit's line is chosen by the sign of
 * its coefficient, then its weight row is added in one vector loop. */
WIDE static void through_layer(const Chain *c, int l, int64_t k, const double *A, double *T, double *cst,
                               int64_t live, bool upper) {
    const Layer *L = &c->L[l];
    for (int64_t r = 0; r < k; r++) {
        const double *a = A + r * c->width;
        double *t = T + r * c->width, s = 0, w[PAD];
        if (!L->Wp) memset(t, 0, (size_t)L->in * sizeof *t);
        for (int64_t q = 0; q < live; q++) {
            int64_t o = c->idx[q];
            bool hi_line = (a[o] >= 0) == upper;
            w[q] = a[o] * (hi_line ? c->su[o] : c->sl[o]);
            s += (hi_line ? a[o] * c->tu[o] : 0) + w[q] * L->b[o];
            const double *row = L->W + o * L->in;
            for (int64_t i = 0; !L->Wp && i < L->in; i++) t[i] += w[q] * row[i];
        }
        if (L->Wp) combo(w, c->idx, live, L->Wp, L->in, t);
        cst[r] += s;
    }
}

/* min (or max) of a . x + cst over the box. */
static double concretize(const double *a, int64_t n, double cst, const double *xl, const double *xu, bool upper) {
    for (int64_t i = 0; i < n; i++) cst += ((a[i] >= 0) != upper ? xl[i] : xu[i]) * a[i];
    return cst;
}

/* Rows already in c->Alo (and c->Ahi when both) over layer top's ReLU
 * outputs, offsets in c->clo, c->chi: back to the input through layers
 * top..0, then concretized into c->lo2, c->hi2. */
static void backward(Chain *c, int top, const double *state, int64_t k, const double *xl, const double *xu, bool both) {
    for (int l = top; l >= 0; l--) {
        int64_t live = relax_layer(c, l, state);
        through_layer(c, l, k, c->Alo, c->Tlo, c->clo, live, false);
        if (both) through_layer(c, l, k, c->Ahi, c->Thi, c->chi, live, true);
        double *s = c->Alo;
        c->Alo = c->Tlo, c->Tlo = s;
        s = c->Ahi, c->Ahi = c->Thi, c->Thi = s;
    }
    int64_t n = c->L[0].in;
    for (int64_t r = 0; r < k; r++) {
        c->lo2[r] = concretize(c->Alo + r * c->width, n, c->clo[r], xl, xu, false);
        if (both) c->hi2[r] = concretize(c->Ahi + r * c->width, n, c->chi[r], xl, xu, true);
    }
}

/* The first layer's bounds are exact: an affine map of a box. */
static void first_layer(Chain *c, const double *xl, const double *xu, double *lo, double *hi) {
    const Layer *L = &c->L[0];
    for (int64_t o = 0; o < L->out; o++) {
        lo[o] = hi[o] = L->b[o];
        for (int64_t i = 0; i < L->in; i++) {
            double w = L->W[o * L->in + i];
            lo[o] += w * (w >= 0 ? xl[i] : xu[i]), hi[o] += w * (w >= 0 ? xu[i] : xl[i]);
        }
    }
}

/* IBP for unit o of layer l from layer l-1's bounds: sometimes tighter
 * than CROWN (the generic analysis intersects the two as well). */
static void interval(const Chain *c, int l, const double *state, int64_t o, double *lo, double *hi) {
    const Layer *L = &c->L[l];
    const double *pl = state + c->off[l - 1], *ph = pl + L->in, *w = L->W + o * L->in;
    double a = L->b[o], b = L->b[o];
    for (int64_t i = 0; i < L->in; i++) {
        double hl = fmax(pl[i], 0), hh = fmax(ph[i], 0);
        a += w[i] * (w[i] >= 0 ? hl : hh), b += w[i] * (w[i] >= 0 ? hh : hl);
    }
    *lo = fmax(*lo, a), *hi = fmin(*hi, b);
}

/* Bounds of hidden layer l's units whose sign the parent left open. */
static void hidden_layer(Chain *c, int l, const double *xl, const double *xu, const double *parent, double *state) {
    const Layer *L = &c->L[l];
    double *lo = state + c->off[l], *hi = lo + L->out;
    int64_t k = 0, *open = pd_xmalloc((size_t)L->out * sizeof *open);
    for (int64_t o = 0; o < L->out; o++) {
        if (parent) lo[o] = parent[c->off[l] + o], hi[o] = parent[c->off[l] + L->out + o];
        if (!parent || (lo[o] < 0 && hi[o] > 0)) open[k++] = o;
    }
    for (int64_t r = 0; r < k; r++) {
        memcpy(c->Alo + r * c->width, L->W + open[r] * L->in, (size_t)L->in * sizeof(double));
        memcpy(c->Ahi + r * c->width, L->W + open[r] * L->in, (size_t)L->in * sizeof(double));
        c->clo[r] = c->chi[r] = L->b[open[r]];
    }
    if (k) backward(c, l - 1, state, k, xl, xu, true);
    for (int64_t r = 0; r < k; r++) {
        int64_t o = open[r];
        lo[o] = parent ? fmax(lo[o], c->lo2[r]) : c->lo2[r];
        hi[o] = parent ? fmin(hi[o], c->hi2[r]) : c->hi2[r];
        interval(c, l, state, o, &lo[o], &hi[o]);
    }
    free(open);
}

/* c->Alo = C . W_last over the last hidden layer, c->clo += C . b_last. */
static void last_layer(Chain *c, const double *C, int64_t k) {
    const Layer *L = &c->L[c->nl - 1];
    for (int64_t r = 0; r < k; r++) {
        double *a = c->Alo + r * c->width, s = 0;
        memset(a, 0, (size_t)L->in * sizeof *a);
        for (int64_t o = 0; o < L->out; o++) {
            double w = C[r * L->out + o];
            for (int64_t i = 0; w != 0 && i < L->in; i++) a[i] += w * L->W[o * L->in + i];
            s += w * L->b[o];
        }
        c->clo[r] += s;
    }
}

void chain_output(Chain *c, const double *xl, const double *xu, const double *state, const double *C,
                  const double *d, int64_t k, double *lo, double *A) {
    if (k > c->rows) alloc_scratch(c, k);
    const Layer *L = &c->L[c->nl - 1];
    for (int64_t r = 0; r < k; r++) c->clo[r] = -d[r];
    last_layer(c, C, k);
    if (c->nl > 1) backward(c, c->nl - 2, state, k, xl, xu, false);
    else
        for (int64_t r = 0; r < k; r++) c->lo2[r] = concretize(c->Alo + r * c->width, L->in, c->clo[r], xl, xu, false);
    for (int64_t r = 0; r < k; r++) {
        lo[r] = c->lo2[r];
        if (A) memcpy(A + r * c->L[0].in, c->Alo + r * c->width, (size_t)c->L[0].in * sizeof *A);
    }
}

void chain_crown(Chain *c, const double *xl, const double *xu, const double *parent, double *state,
                 const double *C, const double *d, int64_t k, double *lo, double *A) {
    if (k > c->rows) alloc_scratch(c, k);
    for (int l = 0; l + 1 < c->nl; l++) {
        if (l > 0) {
            hidden_layer(c, l, xl, xu, parent, state);
            continue;
        }
        double *l0 = state, *h0 = state + c->L[0].out;
        first_layer(c, xl, xu, l0, h0);
        for (int64_t o = 0; parent && o < c->L[0].out; o++) l0[o] = fmax(l0[o], parent[o]), h0[o] = fmin(h0[o], parent[c->L[0].out + o]);
    }
    chain_output(c, xl, xu, state, C, d, k, lo, A);
}

double chain_output_best(Chain *c, const double *xl, const double *xu, const double *state, const double *C, double d,
                         double *A) {
    double best, v, *a = pd_xmalloc((size_t)c->L[0].in * sizeof *a + 8);
    chain_output(c, xl, xu, state, C, &d, 1, &best, A);
    for (LowerSlope s = SLOPE_ZERO; s <= SLOPE_ONE && best <= 0; s++) {
        c->lower = s;
        chain_output(c, xl, xu, state, C, &d, 1, &v, a);
        c->lower = SLOPE_ADAPTIVE;
        if (v > best) best = v, memcpy(A, a, (size_t)c->L[0].in * sizeof *a);
    }
    free(a);
    return best;
}
