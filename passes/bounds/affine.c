/* affine.c — exact bounds of nodes that are affine in the input, found
 * by forward mode, and the output's CROWN bounds read off such a node
 * when only elementwise ops lie between them.
 *
 * Why: CROWN tightens a pre-activation node z one backward row per unit.
 * When z = L x + c is affine in the input x (an FNO block's pre-GELU sum:
 * lifting, rfft, mode slice, complex mix, irfft, skip, biases), those rows
 * meet no relaxation and give z's exact range, c + L x0 -+ |L| r for the
 * box's center x0 and radius r.  |L| r = sum_j r_j |L e_j| is as well
 * computed forward, one pass per input unit j with r_j > 0: for the block
 * at 1024 points, 2048 sparse passes (a unit input touches one grid point
 * until the transforms) instead of 65536 backward rows through the maps.
 * Forward mode is taken when the input has fewer such units than z has
 * rows to tighten, or when a transform on the way is kept as passes.
 *
 * Then a CROWN row that starts one-hot at the output and reaches z through
 * elementwise ops only (the block's GELU) stays one-hot: its bound is the
 * relaxation lines' offsets plus the slope times z's exact interval end,
 * which is what the full backward pass computes, without k x n matrices.
 *
 * Rounding (double): every value computed is a sum over the cone's paths
 * of products of coefficients with input or constant values, summed
 * through at most D terms on any path (D: the term counts of the ops on
 * the way, plus the radius sum over units).  So the center's error is at
 * most gamma_D (|L| |x0| + |c|) and a column's gamma_D |L| e_j r_j, with
 * |L| the product of the ops' absolute matrices; one more forward pass on
 * |x0| + r in absolute values gives M >= both, and the bounds widen by
 * 2 gamma_D M (M's own error included).  This covers double rounding,
 * which the map path leaves out.  With bounds_set_f32, each node v's f32
 * error (|e_v| <= rho_v, rounding.c) reaches z as L_{z<-v} e_v: one more
 * forward pass in absolute values that adds rho after each node bounds
 * their sum, as CROWN's rows add |A_v| rho_v at every node they pass.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bounds_impl.h"

#define U64 (0x1p-53)

bool bounds_affine_op(const BoundsGraph *b, const IrNode *n) {
    if (n->op == IR_OP_INPUT) return true;
    uint32_t vars = 0;
    for (uint32_t k = 0; k < n->nin; k++) {
        const BNode *o = &b->nodes[n->in[k]];
        if (o->variable && !o->affine) return false;
        vars += o->variable;
    }
    if (bounds_is_spectral(n->op)) return true;
    switch (n->op) {
    case IR_OP_MATMUL: case IR_OP_CONV1D: case IR_OP_CONV2D: case IR_OP_AVGPOOL1D: case IR_OP_AVGPOOL2D:
    case IR_OP_RESHAPE: case IR_OP_NEG: case IR_OP_ADD: case IR_OP_SUB: case IR_OP_TRANSPOSE: case IR_OP_SLICE:
    case IR_OP_PAD: case IR_OP_CONCAT: case IR_OP_BROADCAST: case IR_OP_GATHER: case IR_OP_REAL: case IR_OP_IMAG:
    case IR_OP_CONJ:
        return true;
    case IR_OP_MUL: return vars == 1;
    default: return false;
    }
}

/* LINEAR: the ops without their constants (a column of L).  AFFINE: with
 * them.  MAGNITUDE: every coefficient and constant by its absolute value.
 * ERROR: absolute coefficients, no constants, each node's f32 rounding
 * bound rho added after it (the sum over nodes v of |L_{z<-v}| rho_v). */
typedef enum { FW_LINEAR, FW_AFFINE, FW_MAGNITUDE, FW_ERROR } FwMode;

typedef struct {
    const BoundsGraph *b;
    IrId *order;       /* z's cone, topological, the input first */
    uint32_t count;
    double **v;        /* per node id: its vector in the current run */
    double **mixw;     /* per mix node: its weights as [S][cin][cout] */
    FwMode mode;
} Fwd;

static IrId variable_operand(const BoundsGraph *b, const IrNode *n) {
    for (uint32_t k = 0; k < n->nin; k++)
        if (b->nodes[n->in[k]].variable) return n->in[k];
    return n->in[0];
}

static bool absolute(const Fwd *f) { return f->mode == FW_MAGNITUDE || f->mode == FW_ERROR; }

static double konst(const Fwd *f, double c) {
    return f->mode == FW_AFFINE ? c : f->mode == FW_MAGNITUDE ? fabs(c) : 0;
}

/* Operand k of an add or sub at output index i. */
static double operand_at(const Fwd *f, const IrNode *n, const BNode *bn, int k, int64_t i) {
    const BNode *o = &f->b->nodes[n->in[k]];
    int64_t j = bn->bcast[k] ? bn->bcast[k][i] : i;
    return o->variable ? f->v[n->in[k]][j] : konst(f, o->value[j]);
}

static void fwd_binary(const Fwd *f, const IrNode *n, const BNode *bn, double *y) {
    bool mag = absolute(f);
    if (n->op == IR_OP_MUL) {
        int v = f->b->nodes[n->in[0]].variable ? 0 : 1;
        const BNode *c = &f->b->nodes[n->in[1 - v]];
        for (int64_t i = 0; i < bn->n; i++) {
            double w = c->value[bn->bcast[1 - v] ? bn->bcast[1 - v][i] : i];
            y[i] = f->v[n->in[v]][bn->bcast[v] ? bn->bcast[v][i] : i] * (mag ? fabs(w) : w);
        }
        return;
    }
    double s = n->op == IR_OP_SUB && !mag ? -1 : 1;
    const BNode *a = &f->b->nodes[n->in[0]], *c = &f->b->nodes[n->in[1]];
    int v = a->variable ? 0 : 1;
    if (f->mode == FW_LINEAR && !bn->bcast[v] && a->variable != c->variable) {
        const double *x = f->v[n->in[v]]; /* a column: the constant drops */
        for (int64_t i = 0; i < bn->n; i++) y[i] = v == 0 ? x[i] : s * x[i];
        return;
    }
    if (!bn->bcast[0] && !bn->bcast[1] && a->variable && c->variable) {
        const double *x0 = f->v[n->in[0]], *x1 = f->v[n->in[1]];
        for (int64_t i = 0; i < bn->n; i++) y[i] = x0[i] + s * x1[i];
        return;
    }
    for (int64_t i = 0; i < bn->n; i++) y[i] = operand_at(f, n, bn, 0, i) + s * operand_at(f, n, bn, 1, i);
}

/* x @ W by DenseW's rows of W^T; rows of x that are all zero give zero. */
static void fwd_matmul(const Fwd *f, const IrNode *n, const BNode *bn, double *y) {
    const DenseW *d = bn->dense;
    const double *x = f->v[n->in[0]];
    int64_t K = d->K, N = d->N;
    bool mag = absolute(f);
    for (int64_t r = 0; r < bn->n / N; r++) {
        const double *xr = x + r * K;
        double *yr = y + r * N;
        bool any = false;
        for (int64_t k = 0; k < K && !any; k++) any = xr[k] != 0;
        if (!any) {
            memset(yr, 0, (size_t)N * sizeof *yr);
            continue;
        }
        for (int64_t j = 0; j < N; j++) {
            const float *w = d->wt + j * K;
            double s = 0;
            for (int64_t k = 0; k < K; k++) s += (mag ? fabs((double)w[k]) : (double)w[k]) * xr[k];
            yr[j] = s;
        }
    }
}

static void fwd_map(const Fwd *f, SparseMap *m, const double *x, int64_t n_out, double *y) {
    bool mag = absolute(f);
    for (int64_t o = 0; o < n_out; o++) y[o] = m->bias ? konst(f, m->bias[o]) : 0;
    bounds_sparse_apply(m, n_out, x, mag, y);
}

/* mix's weights w[i, o, s] reordered so that a mode's outputs for one
 * input channel are contiguous (units of 2 doubles when complex). */
static double *mix_weights(const BoundsGraph *b, const IrNode *n) {
    const IrType *wt = &ir_node(b->g, n->in[1])->type;
    int64_t ci = wt->dims[0], co = wt->dims[1], S = ir_type_numel(wt) / (ci * co), u = wt->dtype == IR_C64 ? 2 : 1;
    const double *w = b->nodes[n->in[1]].value;
    double *t = pd_xmalloc((size_t)(S * ci * co * u) * sizeof *t + 8);
    for (int64_t i = 0; i < ci; i++)
        for (int64_t o = 0; o < co; o++)
            for (int64_t s = 0; s < S; s++)
                for (int64_t p = 0; p < u; p++) t[((s * ci + i) * co + o) * u + p] = w[((i * co + o) * S + s) * u + p];
    return t;
}

/* y[b, s, o] = sum_i x[b, s, i] w[i, o, s] directly (the map's terms, in
 * an order that streams the weights). */
static void fwd_mix(const Fwd *f, IrId id, const IrNode *n, const BNode *bn, double *y) {
    const IrType *wt = &ir_node(f->b->g, n->in[1])->type;
    int64_t ci = wt->dims[0], co = wt->dims[1], S = ir_type_numel(wt) / (ci * co), u = wt->dtype == IR_C64 ? 2 : 1;
    const double *x = f->v[n->in[0]];
    double sg = absolute(f) ? 1 : -1;
    memset(y, 0, (size_t)bn->n * sizeof *y);
    for (int64_t bs = 0; bs < bn->n / (co * u); bs++)
        for (int64_t i = 0; i < ci; i++) {
            double xr = x[(bs * ci + i) * u], xi = u == 2 ? x[(bs * ci + i) * u + 1] : 0, *yo = y + bs * co * u;
            const double *w = f->mixw[id] + (bs % S * ci + i) * co * u;
            if (xr == 0 && xi == 0) continue;
            if (u == 1) for (int64_t o = 0; o < co; o++) yo[o] += (absolute(f) ? fabs(w[o]) : w[o]) * xr;
            else if (absolute(f))
                for (int64_t o = 0; o < co; o++)
                    yo[2 * o] += fabs(w[2 * o]) * xr + fabs(w[2 * o + 1]) * xi, yo[2 * o + 1] += fabs(w[2 * o + 1]) * xr + fabs(w[2 * o]) * xi;
            else
                for (int64_t o = 0; o < co; o++)
                    yo[2 * o] += w[2 * o] * xr + sg * w[2 * o + 1] * xi, yo[2 * o + 1] += w[2 * o + 1] * xr + w[2 * o] * xi;
        }
}

static void fwd_node(const Fwd *f, IrId id) {
    const IrNode *n = ir_node(f->b->g, id);
    const BNode *bn = &f->b->nodes[id];
    double *y = f->v[id];
    const double *x = f->v[variable_operand(f->b, n)];
    switch (n->op) {
    case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: fwd_binary(f, n, bn, y); return;
    case IR_OP_MATMUL: fwd_matmul(f, n, bn, y); return;
    case IR_OP_MIX: fwd_mix(f, id, n, bn, y); return;
    case IR_OP_RESHAPE: memcpy(y, x, (size_t)bn->n * sizeof *y); return;
    case IR_OP_NEG:
        for (int64_t i = 0; i < bn->n; i++) y[i] = absolute(f) ? x[i] : -x[i];
        return;
    default:
        if (bn->xf) bounds_xform_apply(bn->xf, absolute(f) ? XF_MAGNITUDE : XF_LINEAR, false, x, y);
        else if (bn->map) fwd_map(f, bn->map, x, bn->n, y);
        else pd_die("bounds: no forward rule for %s", ir_op_info(n->op)->name);
    }
}

static void run(Fwd *f, FwMode mode) {
    f->mode = mode;
    for (uint32_t k = 1; k < f->count; k++) {
        fwd_node(f, f->order[k]);
        const BNode *bn = &f->b->nodes[f->order[k]];
        for (int64_t i = 0; mode == FW_ERROR && i < bn->n; i++) f->v[f->order[k]][i] += bn->rho[i];
    }
}

/* The most terms one output of node id sums (its depth in D). */
static double node_terms(const BoundsGraph *b, IrId id) {
    const BNode *bn = &b->nodes[id];
    if (bn->dense) return (double)bn->dense->K;
    if (bn->xf) return bounds_xform_terms(bn->xf);
    if (!bn->map) return 2;
    int64_t *count = pd_xcalloc((size_t)bn->n + 1, sizeof *count), most = 0;
    for (int64_t t = 0; t < bn->map->nnz; t++) most = ++count[bn->map->out[t]] > most ? count[bn->map->out[t]] : most;
    free(count);
    return (double)most + 1;
}

/* z's cone (every node z depends on, all affine), its vectors, and the
 * summation depth D of its longest path. OUT: *structured, a transform
 * kept as passes is on the way. */
static double cone(Fwd *f, IrId z, bool *structured) {
    const BoundsGraph *b = f->b;
    bool *in = pd_xcalloc(z + 2, sizeof *in);
    double *depth = pd_xcalloc(z + 2, sizeof *depth), D = 0;
    in[z] = true, *structured = false;
    for (IrId id = z + 1; id-- > b->input;) {
        if (!in[id]) continue;
        const IrNode *n = ir_node(b->g, id);
        for (uint32_t k = 0; k < n->nin; k++) in[n->in[k]] |= b->nodes[n->in[k]].variable;
    }
    f->order = pd_xmalloc((size_t)(z + 2) * sizeof *f->order), f->count = 0;
    f->v = pd_xcalloc(b->count + 1, sizeof *f->v);
    f->mixw = pd_xcalloc(b->count + 1, sizeof *f->mixw);
    for (IrId id = b->input; id <= z; id++) {
        if (!in[id]) continue;
        f->order[f->count++] = id;
        f->v[id] = pd_xcalloc((size_t)b->nodes[id].n + 1, sizeof(double));
        if (ir_node(b->g, id)->op == IR_OP_MIX) f->mixw[id] = mix_weights(b, ir_node(b->g, id));
        *structured |= b->nodes[id].xf != NULL;
        const IrNode *n = ir_node(b->g, id);
        for (uint32_t k = 0; id != b->input && k < n->nin; k++) depth[id] = fmax(depth[id], depth[n->in[k]]);
        if (id != b->input) depth[id] += node_terms(b, id);
    }
    D = depth[z];
    free(in), free(depth);
    return D;
}

static void cone_free(Fwd *f) {
    for (uint32_t k = 0; k < f->count; k++) free(f->v[f->order[k]]), free(f->mixw[f->order[k]]);
    free(f->v), free(f->mixw), free(f->order);
}

/* Input units [lo, hi) of the radius sum, on a thread: its own vectors
 * for the cone, its partial sum added under the lock (two partials add in
 * either order to the same double; more may differ in the last bits,
 * which the margin's D covers). */
typedef struct {
    const Fwd *f;
    const double *r;
    IrId z;
    double *rad;
    pthread_mutex_t lock;
} Columns;

static void columns(void *ctx, int64_t lo, int64_t hi) {
    Columns *c = ctx;
    const BoundsGraph *b = c->f->b;
    Fwd f = {.b = b, .order = c->f->order, .count = c->f->count, .v = pd_xcalloc(b->count + 1, sizeof *f.v),
             .mixw = c->f->mixw};
    for (uint32_t k = 0; k < f.count; k++) f.v[f.order[k]] = pd_xcalloc((size_t)b->nodes[f.order[k]].n + 1, sizeof(double));
    int64_t nz = b->nodes[c->z].n;
    double *x = f.v[b->input], *rad = pd_xcalloc((size_t)nz + 1, sizeof *rad);
    for (int64_t j = lo; j < hi; j++) {
        if (c->r[j] == 0) continue;
        x[j] = c->r[j];
        run(&f, FW_LINEAR);
        x[j] = 0;
        for (int64_t i = 0; i < nz; i++) rad[i] += fabs(f.v[c->z][i]);
    }
    pthread_mutex_lock(&c->lock);
    for (int64_t i = 0; i < nz; i++) c->rad[i] += rad[i];
    pthread_mutex_unlock(&c->lock);
    for (uint32_t k = 0; k < f.count; k++) free(f.v[f.order[k]]);
    free(f.v), free(rad);
}

/* rad = sum over input units j of r_j |L e_j|, one linear run each,
 * the units split between the graph's threads (after a first run: the
 * maps' by-output lists are built then, not by racing threads). */
static void radius(Fwd *f, const double *r, IrId z, double *rad) {
    const BoundsGraph *b = f->b;
    int64_t n = b->nodes[b->input].n, nz = b->nodes[z].n, units = 0;
    for (uint32_t k = 0; k < f->count; k++) units += b->nodes[f->order[k]].n;
    memset(rad, 0, (size_t)nz * sizeof *rad);
    Columns c = {f, r, z, rad, PTHREAD_MUTEX_INITIALIZER};
    bounds_parallel_rows(n, (double)n * (double)units, b->threads, columns, &c);
    pthread_mutex_destroy(&c.lock);
}

/* The box's center and radius (the radius rounded up: it must cover the
 * box); false when the box is not finite.  OUT: c, r, *cols. */
static bool center_radius(const BNode *x, double *c, double *r, int64_t *cols) {
    *cols = 0;
    for (int64_t j = 0; j < x->n; j++) {
        if (!isfinite(x->lo[j]) || !isfinite(x->hi[j])) return false;
        c[j] = 0.5 * x->lo[j] + 0.5 * x->hi[j];
        r[j] = fmax(x->hi[j] - c[j], c[j] - x->lo[j]);
        r[j] += r[j] * 0x1p-51;
        *cols += r[j] > 0;
    }
    return true;
}

/* Center, radius and magnitude runs; z's bounds intersected with them. */
static void exact_bounds(Fwd *f, IrId z, const double *c, const double *r, double D) {
    const BoundsGraph *b = f->b;
    BNode *bz = &b->nodes[z];
    int64_t n = b->nodes[b->input].n, nz = bz->n;
    double *zc = pd_xcalloc((size_t)(4 * nz) + 1, sizeof *zc), *rad = zc + nz, *mag = rad + nz, *e32 = mag + nz;
    memcpy(f->v[b->input], c, (size_t)n * sizeof *c);
    run(f, FW_AFFINE);
    memcpy(zc, f->v[z], (size_t)nz * sizeof *zc);
    for (int64_t j = 0; j < n; j++) f->v[b->input][j] = fabs(c[j]) + r[j];
    run(f, FW_MAGNITUDE);
    memcpy(mag, f->v[z], (size_t)nz * sizeof *mag);
    radius(f, r, z, rad);
    double gam = 2 * D * U64 / (1 - D * U64);
    if (b->f32) { /* the f32 errors of z and of every node before it */
        memset(f->v[b->input], 0, (size_t)n * sizeof(double));
        run(f, FW_ERROR);
        for (int64_t i = 0; i < nz; i++) e32[i] = f->v[z][i] * (1 + gam);
    }
    for (int64_t i = 0; i < nz; i++) {
        double margin = gam * mag[i] + e32[i];
        bz->lo[i] = fmax(bz->lo[i], zc[i] - rad[i] - margin);
        bz->hi[i] = fmin(bz->hi[i], zc[i] + rad[i] + margin);
    }
    free(zc);
}

bool bounds_affine_exact(BoundsGraph *b, IrId z, int64_t rows) {
    BNode *bz = &b->nodes[z];
    if (!bz->affine || b->affine_mode == AFFINE_OFF) return false;
    const BNode *x = &b->nodes[b->input];
    double *c = pd_xmalloc((size_t)(2 * x->n) * sizeof *c + 8), *r = c + x->n;
    int64_t cols;
    Fwd f = {.b = b};
    bool structured = false, ok = center_radius(x, c, r, &cols);
    double D = ok ? cone(&f, z, &structured) + (double)cols + 4 : 0;
    ok = ok && D * U64 < 1e-3 && (b->affine_mode == AFFINE_ON || structured || cols < rows);
    if (ok) exact_bounds(&f, z, c, r, D);
    if (f.v) cone_free(&f);
    free(c);
    return bz->exact_now = ok;
}

/* ---- the output through elementwise ops -------------------------------- */

static bool activation(IrOpKind op) {
    return op == IR_OP_RELU || op == IR_OP_LEAKY_RELU || op == IR_OP_TANH || op == IR_OP_SIGMOID ||
           op == IR_OP_GELU || op == IR_OP_EXP;
}

/* An op under which a one-hot CROWN row stays one-hot at the same index:
 * its one variable operand has its elements, unbroadcast. */
static bool elementwise(const BoundsGraph *b, const IrNode *n, const BNode *bn) {
    IrId v = variable_operand(b, n);
    int k = n->nin > 1 && n->in[1] == v;
    uint32_t vars = 0;
    for (uint32_t i = 0; i < n->nin; i++) vars += b->nodes[n->in[i]].variable;
    bool same = vars == 1 && b->nodes[v].n == bn->n && !bn->bcast[k];
    switch (n->op) {
    case IR_OP_NEG: case IR_OP_RESHAPE: case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: return same;
    default: return same && activation(n->op) && n->type.dtype == IR_F32;
    }
}

/* One row's step back through chain node n at unit i: coefficient *a,
 * offset *off; upper: the row bounds from above. */
static void step(const BoundsGraph *b, const IrNode *n, const BNode *bn, int64_t i, bool upper, double *a,
                 double *off) {
    IrId v = variable_operand(b, n);
    int k = n->nin > 1 && n->in[1] == v;
    double c = 0;
    if (n->nin > 1) c = b->nodes[n->in[1 - k]].value[bn->bcast[1 - k] ? bn->bcast[1 - k][i] : i];
    switch (n->op) {
    case IR_OP_NEG: *a = -*a; return;
    case IR_OP_RESHAPE: return;
    case IR_OP_ADD: *off += *a * c; return;
    case IR_OP_SUB: *off += k ? *a * c : -*a * c, *a = k ? -*a : *a; return;
    case IR_OP_MUL: *a *= c; return;
    default: break;
    }
    double su, tu, sl, tl;
    const BNode *z = &b->nodes[v];
    bounds_unit_lines(n, z->lo[i], z->hi[i], &su, &tu, &sl, &tl);
    bool over = upper ? *a >= 0 : *a < 0;
    *off += *a * (over ? tu : tl);
    *a *= over ? su : sl;
}

/* Unit i's bound: the chain's steps, then z's interval end. */
static double unit_bound(const BoundsGraph *b, const IrId *chain, int len, IrId z, int64_t i, bool upper) {
    double a = 1, off = 0;
    for (int c = 0; c < len && a != 0; c++) {
        if (b->f32) off += (upper ? 1 : -1) * fabs(a) * b->nodes[chain[c]].rho[i]; /* crown.c's add_rounding */
        step(b, ir_node(b->g, chain[c]), &b->nodes[chain[c]], i, upper, &a, &off);
    }
    if (a == 0) return off;
    const BNode *e = &b->nodes[z];
    return off + ((a >= 0) != upper ? a * e->lo[i] : a * e->hi[i]);
}

bool bounds_affine_diag(BoundsGraph *b, double *lo, double *hi) {
    enum { MAX_CHAIN = 64 };
    IrId chain[MAX_CHAIN], id = b->output;
    int len = 0;
    while (!b->nodes[id].exact_now) {
        const IrNode *n = ir_node(b->g, id);
        if (b->nodes[id].affine && id != b->input && bounds_affine_exact(b, id, b->nodes[b->output].n)) break;
        if (len == MAX_CHAIN || id == b->input || !elementwise(b, n, &b->nodes[id])) return false;
        chain[len++] = id;
        id = variable_operand(b, n);
    }
    for (int64_t i = 0; i < b->nodes[b->output].n; i++) {
        lo[i] = unit_bound(b, chain, len, id, i, false);
        hi[i] = unit_bound(b, chain, len, id, i, true);
    }
    return true;
}

/* ---- what CROWN can afford ------------------------------------------------ */

/* Does node id depend on a transform kept as passes? */
static bool behind_passes(const BoundsGraph *b, IrId id, bool *seen) {
    if (seen[id] || !b->nodes[id].variable) return false;
    seen[id] = true;
    if (b->nodes[id].xf) return true;
    const IrNode *n = ir_node(b->g, id);
    for (uint32_t k = 0; k < n->nin; k++)
        if (behind_passes(b, n->in[k], seen)) return true;
    return false;
}

/* Node id needs CROWN rows (its bounds feed a relaxation, or it is the
 * output) that would cross a transform kept as passes: one row per unit,
 * each a pass over the transform's lines, quadratic in the grid. */
static bool rows_cross_passes(const BoundsGraph *b, IrId id) {
    if (b->nodes[id].affine) return false; /* forward mode instead */
    bool *seen = pd_xcalloc(b->count + 1, sizeof *seen), r = behind_passes(b, id, seen);
    free(seen);
    return r;
}

static bool needs_rows(const BoundsGraph *b, const IrNode *n, uint32_t k) {
    bool two = n->op == IR_OP_MUL && b->nodes[n->in[0]].variable && b->nodes[n->in[1]].variable;
    return two || (k == 0 && n->nin == 1 && (activation(n->op) || n->op == IR_OP_SOFTMAX));
}

bool bounds_method_feasible(const BoundsGraph *b, BoundsMethod m, bool f32, char *err, size_t errlen) {
    (void)f32; /* f32 errors are carried forward too (affine.c) */
    bool passes = false;
    for (uint32_t i = 0; i < b->count; i++) passes |= b->nodes[i].xf != NULL;
    if (m == BOUNDS_IBP || !passes) return true;
    IrId bad = IR_NONE;
    for (uint32_t i = 0; i < b->count && bad == IR_NONE; i++) {
        const IrNode *n = ir_node(b->g, i);
        for (uint32_t k = 0; b->nodes[i].variable && k < n->nin && bad == IR_NONE; k++)
            if (needs_rows(b, n, k) && rows_cross_passes(b, n->in[k])) bad = n->in[k];
    }
    IrId id = b->output; /* the output's rows: none when read off an affine node */
    while (id != b->input && !b->nodes[id].affine && elementwise(b, ir_node(b->g, id), &b->nodes[id]))
        id = variable_operand(b, ir_node(b->g, id));
    bool *seen = pd_xcalloc(b->count + 1, sizeof *seen);
    if (bad == IR_NONE && (m == BOUNDS_ALPHA_CROWN || !b->nodes[id].affine) && behind_passes(b, b->output, seen))
        bad = b->output;
    free(seen);
    if (bad == IR_NONE) return true;
    snprintf(err, errlen, "bounds: %s would push a row per unit of %s back through a transform too large for a map; "
             "use --method ibp, or bound the first block alone", m == BOUNDS_ALPHA_CROWN ? "alpha-crown" : "crown",
             ir_type_str(b->g->arena, &ir_node(b->g, bad)->type));
    return false;
}
