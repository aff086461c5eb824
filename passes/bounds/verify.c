/* verify.c — deciding one case of a property: falsification first, then
 * branch and bound on the input box.
 *
 * The case is unsafe when some x in the box has C·y(x) <= d in every row.
 * A box is proven safe when CROWN shows some row's C·y - d is positive on
 * all of it.  Otherwise its center is tried as a counterexample and it is
 * split in two along the input dimension with the largest influence on the
 * most promising row (|coefficient| x width, from CROWN's input
 * coefficients).  Boxes closest to a violation are bounded first, so a
 * counterexample that the search missed is found early.  Before that, random samples and projected
 * gradient steps (finite differences: the inputs are few) look for a
 * counterexample.  Every counterexample is an evaluation of the network,
 * so it is confirmed by construction; the caller checks it once more.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounds_impl.h"

enum { SAMPLES = 4096, PGD_STARTS = 16, PGD_STEPS = 40, MAX_DEPTH = 400 };

double bounds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct {
    BoundsGraph *b;
    const double *C, *d;
    int64_t rows, n, m;
    const VerifyOptions *opt;
    VerifyResult *out;
    double *y;
    double *state; /* the bounds of the box last bounded, for its children */
    unsigned seed;
    double last_draw;
} Case;

/* max_r (C_r·y - d_r) for the outputs y: <= 0 means a counterexample. */
static double worst_row(Case *c) {
    double worst = -INFINITY;
    for (int64_t r = 0; r < c->rows; r++) {
        double v = -c->d[r];
        for (int64_t j = 0; j < c->m; j++) v += c->C[r * c->m + j] * c->y[j];
        worst = fmax(worst, v);
    }
    return c->rows ? worst : -1; /* no output rows: any point of the box */
}

/* The violation at x in real arithmetic (what the search minimizes). */
static double violation(Case *c, const double *x) {
    bounds_eval_real(c->b, x, c->y);
    return worst_row(c);
}

/* Is x a counterexample in real arithmetic and in f32 evaluation? */
static bool found(Case *c, const double *x) {
    if (violation(c, x) > 0) return false;
    char err[256];
    if (!bounds_eval(c->b, x, c->y, err, sizeof err)) pd_die("evaluation failed: %s", err);
    if (worst_row(c) > 0) return false;
    c->out->verdict = VERDICT_SAT;
    c->out->x = pd_xmalloc((size_t)c->n * sizeof(double));
    c->out->y = pd_xmalloc((size_t)c->m * sizeof(double));
    memcpy(c->out->x, x, (size_t)c->n * sizeof(double));
    memcpy(c->out->y, c->y, (size_t)c->m * sizeof(double));
    return true;
}

static double urand(unsigned *s) { return (double)rand_r(s) / RAND_MAX; }

/* Projected descent on the violation from x, by finite differences. */
static bool descend(Case *c, double *x, const double *lo, const double *hi) {
    double *g = pd_xmalloc((size_t)c->n * sizeof *g);
    bool hit = false;
    for (int s = 0; s < PGD_STEPS && !hit; s++) {
        double f = violation(c, x);
        for (int64_t i = 0; i < c->n; i++) {
            double h = 1e-4 * (hi[i] - lo[i]) + 1e-12, keep = x[i];
            x[i] = fmin(keep + h, hi[i]);
            g[i] = (violation(c, x) - f) / (x[i] - keep + 1e-300);
            x[i] = keep;
        }
        double step = 0.25 * pow(0.85, s);
        for (int64_t i = 0; i < c->n; i++)
            x[i] = fmin(hi[i], fmax(lo[i], x[i] - step * (hi[i] - lo[i]) * (g[i] > 0 ? 1 : g[i] < 0 ? -1 : 0)));
        hit = found(c, x);
    }
    free(g);
    return hit;
}

/* Random samples, then projected descent from the most violating ones. */
static bool falsify(Case *c, const double *lo, const double *hi) {
    double *x = pd_xmalloc((size_t)c->n * sizeof *x), *starts = pd_xmalloc((size_t)(PGD_STARTS * c->n) * sizeof *x);
    double score[PGD_STARTS];
    for (int k = 0; k < PGD_STARTS; k++) score[k] = INFINITY;
    bool hit = false;
    for (int s = 0; s < SAMPLES && !hit && bounds_now() < c->opt->deadline; s++) {
        for (int64_t i = 0; i < c->n; i++) x[i] = s == 0 ? 0.5 * (lo[i] + hi[i]) : lo[i] + urand(&c->seed) * (hi[i] - lo[i]);
        double v = violation(c, x);
        if (v <= 0 && (hit = found(c, x))) break;
        int worst = 0; /* keep the PGD_STARTS best points */
        for (int k = 1; k < PGD_STARTS; k++) if (score[k] > score[worst]) worst = k;
        if (v < score[worst]) score[worst] = v, memcpy(starts + worst * c->n, x, (size_t)c->n * sizeof *x);
    }
    for (int k = 0; k < PGD_STARTS && !hit && isfinite(score[k]) && bounds_now() < c->opt->deadline; k++)
        hit = descend(c, starts + k * c->n, lo, hi);
    free(x), free(starts);
    return hit;
}

/* ---- branch and bound ------------------------------------------------------ */

typedef struct {
    double *lo, *hi;
    double *prior; /* the parent box's bounds of every node, or NULL */
    double key;    /* the violation at the center: smaller is explored first */
    int depth;
} Box;

static void draw(Case *c, size_t pending) {
    double t = bounds_now();
    if (!c->opt->progress || t - c->last_draw < 0.2) return;
    c->last_draw = t;
    fprintf(stderr, "\r[verify] %llu boxes bounded, %zu pending  ", (unsigned long long)c->out->boxes, pending);
    fflush(stderr);
}

/* Proven safe? Otherwise the dimension to split. */
static bool safe(Case *c, const Box *bx, int64_t *split) {
    double *lo = pd_xmalloc((size_t)c->rows * sizeof *lo + 8), *hi = pd_xmalloc((size_t)c->rows * sizeof *hi + 8);
    bounds_use_prior(c->b, bx->prior);
    double *A = pd_xmalloc((size_t)(c->rows * c->n) * sizeof *A + 8), *negd = pd_xmalloc((size_t)c->rows * sizeof *negd + 8);
    for (int64_t r = 0; r < c->rows; r++) negd[r] = -c->d[r];
    bounds_linear_coef(c->b, bx->lo, bx->hi, c->C, negd, c->rows, lo, hi, A);
    bounds_save_state(c->b, c->state); /* before evaluations overwrite it */
    c->out->boxes++;
    int64_t best = 0;
    for (int64_t r = 1; r < c->rows; r++) if (lo[r] > lo[best]) best = r;
    bool proven = c->rows && lo[best] > 0;
    /* |coefficient| x width, with a floor on the coefficient: a dimension
     * the final row ignores may still make hidden neurons unstable, and
     * must not stay wide forever. */
    double amax = 0, score = -1;
    for (int64_t i = 0; i < c->n; i++) amax = fmax(amax, fabs(A[best * c->n + i]));
    for (int64_t i = 0; i < c->n && !proven; i++) {
        double s = (fabs(A[best * c->n + i]) + 0.01 * amax + 1e-30) * (bx->hi[i] - bx->lo[i]);
        if (s > score) score = s, *split = i;
    }
    free(lo), free(hi), free(A), free(negd);
    return proven;
}

static Box box_copy(const Case *c, const double *lo, const double *hi) {
    Box b = {pd_xmalloc((size_t)c->n * sizeof(double)), pd_xmalloc((size_t)c->n * sizeof(double)), NULL, 0, 0};
    memcpy(b.lo, lo, (size_t)c->n * sizeof(double));
    memcpy(b.hi, hi, (size_t)c->n * sizeof(double));
    return b;
}

/* Pending boxes, in a heap ordered by before(). */
typedef VEC(Box) Heap;

/* Depth first (memory stays small, and the search reaches small boxes
 * where counterexamples hide); between siblings, the lower center
 * violation first. */
static bool before(const Box *x, const Box *y) {
    return x->depth != y->depth ? x->depth > y->depth : x->key < y->key;
}

static void heap_push(Arena *a, Heap *h, Box bx) {
    vec_push(a, h, bx);
    for (uint32_t i = h->len - 1; i && before(&h->data[i], &h->data[(i - 1) / 2]); i = (i - 1) / 2) {
        Box t = h->data[i];
        h->data[i] = h->data[(i - 1) / 2], h->data[(i - 1) / 2] = t;
    }
}

static Box heap_pop(Heap *h) {
    Box top = h->data[0];
    h->data[0] = h->data[--h->len];
    for (uint32_t i = 0;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && before(&h->data[l], &h->data[m])) m = l;
        if (r < h->len && before(&h->data[r], &h->data[m])) m = r;
        if (m == i) break;
        Box t = h->data[i];
        h->data[i] = h->data[m], h->data[m] = t;
        i = m;
    }
    return top;
}

/* The violation at a box's center: where the network comes closest to
 * the unsafe set is searched first. */
static double center_violation(Case *c, const Box *bx) {
    double *x = pd_xmalloc((size_t)c->n * sizeof *x);
    for (int64_t i = 0; i < c->n; i++) x[i] = 0.5 * (bx->lo[i] + bx->hi[i]);
    double v = violation(c, x);
    free(x);
    return v;
}

/* Splits bx at mid along dim; the children start from bx's bounds. */
static void split(Case *c, Arena *a, Heap *h, Box *bx, int64_t dim, const double *mid) {
    Box right = box_copy(c, bx->lo, bx->hi), left;
    right.lo[dim] = bx->hi[dim] = mid[dim];
    left = box_copy(c, bx->lo, bx->hi);
    size_t state = (size_t)bounds_state_size(c->b) * sizeof(double);
    right.prior = pd_xmalloc(state + 8), left.prior = pd_xmalloc(state + 8);
    memcpy(right.prior, c->state, state);
    memcpy(left.prior, c->state, state);
    right.key = center_violation(c, &right), left.key = center_violation(c, &left);
    right.depth = left.depth = bx->depth + 1;
    heap_push(a, h, right);
    heap_push(a, h, left);
}

static void bab(Case *c, const double *in_lo, const double *in_hi) {
    Heap heap = {0};
    Arena *a = arena_new();
    heap_push(a, &heap, box_copy(c, in_lo, in_hi));
    double *mid = pd_xmalloc((size_t)c->n * sizeof *mid);
    bool undecided = false;
    while (heap.len && c->out->verdict == VERDICT_UNSAT) {
        if (bounds_now() > c->opt->deadline) c->out->verdict = VERDICT_TIMEOUT;
        Box bx = heap_pop(&heap);
        int64_t dim = 0;
        draw(c, heap.len);
        /* the proof stalls: attack the whole box again with fresh samples */
        if (!c->opt->no_attack && c->out->boxes && c->out->boxes % 2048 == 0 && falsify(c, in_lo, in_hi)) {
            free(bx.lo), free(bx.hi), free(bx.prior);
            break;
        }
        if (c->out->verdict == VERDICT_UNSAT && !safe(c, &bx, &dim)) {
            for (int64_t i = 0; i < c->n; i++) mid[i] = 0.5 * (bx.lo[i] + bx.hi[i]);
            /* now and then a short descent inside the box: counterexamples
             * too small for random samples lie where the search digs */
            if (found(c, mid) || (c->out->boxes % 32 == 0 && descend(c, mid, bx.lo, bx.hi))) {
                /* sat: done */
            } else if (bx.depth >= MAX_DEPTH || bx.hi[dim] - bx.lo[dim] < 1e-12) {
                undecided = true; /* e.g. a point where the margin is exactly 0: go on elsewhere */
            } else {
                split(c, a, &heap, &bx, dim, mid);
            }
        }
        free(bx.lo), free(bx.hi), free(bx.prior);
    }
    while (heap.len) {
        Box bx = heap_pop(&heap);
        free(bx.lo), free(bx.hi), free(bx.prior);
    }
    bounds_use_prior(c->b, NULL);
    if (undecided && c->out->verdict == VERDICT_UNSAT) c->out->verdict = VERDICT_UNKNOWN;
    free(mid);
    arena_free(a);
    if (c->opt->progress) fprintf(stderr, "\r%60s\r", "");
}

void verify_case(BoundsGraph *b, const double *in_lo, const double *in_hi, const double *C, const double *d,
                 int64_t rows, const VerifyOptions *opt, VerifyResult *out) {
    Case c = {b, C, d, rows, bounds_input_size(b), bounds_output_size(b), opt, out, NULL, NULL, opt->seed, 0};
    c.y = pd_xmalloc((size_t)c.m * sizeof(double) + 8);
    c.state = pd_xmalloc((size_t)bounds_state_size(b) * sizeof(double) + 8);
    memset(out, 0, sizeof *out);
    out->verdict = VERDICT_UNSAT;
    bool empty = false;
    for (int64_t i = 0; i < c.n; i++) empty |= in_lo[i] > in_hi[i];
    if (!empty && (opt->no_attack || !falsify(&c, in_lo, in_hi))) {
        if (bounds_now() > opt->deadline) out->verdict = VERDICT_TIMEOUT;
        else bab(&c, in_lo, in_hi);
    }
    free(c.y), free(c.state);
}
