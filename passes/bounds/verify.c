/* verify.c — deciding one case of a property: falsification first, then
 * branch and bound on the input box.
 *
 * The case is unsafe when some x in the box has C·y(x) <= d in every row.
 * A box is proven safe when CROWN's linear lower bounds of the rows have a
 * convex combination positive on all of it (one row alone, or rows that
 * take turns; the best combination is bounded by CROWN once more).  An MLP
 * is bounded by chain.c, which reuses the parent box's bounds; any other
 * graph by the generic analysis.  Otherwise the box's center is tried as a
 * counterexample and the box is split in two along the input dimension
 * with the largest influence on the rows not yet proven (|coefficient| x
 * width).  Depth first, the sibling nearer a violation first.
 *
 * Counterexamples are searched before (random and face samples, then
 * descents on a soft maximum of the rows: exact gradients for an MLP,
 * finite differences otherwise) and during branch and bound (a quarter of
 * the time, in growing rounds, and short descents inside boxes).  Every
 * counterexample is an evaluation of the network in real arithmetic and
 * in f32, so it is confirmed by construction; the caller checks it again.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain.h"

enum { PGD_STEPS = 60, MAX_DEPTH = 400 };

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
    Chain *ch;     /* the network as a plain MLP, or NULL: the generic analysis */
    int64_t state_size;
    unsigned seed;
    double last_draw;
    double temp;        /* the soft maximum's temperature (slope) */
    double attack_time; /* seconds spent looking for counterexamples */
    double *gy, *scratch;
    double start;       /* when the case began */
    int rounds;         /* attacks during branch and bound */
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
    if (c->ch) chain_eval(c->ch, x, c->y);
    else bounds_eval_real(c->b, x, c->y);
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

/* The rows' values C_r·y - d_r at c->y into v; returns their max. */
static double rows_at(const Case *c, double *v) {
    double worst = -INFINITY;
    for (int64_t r = 0; r < c->rows; r++) {
        v[r] = -c->d[r];
        for (int64_t j = 0; j < c->m; j++) v[r] += c->C[r * c->m + j] * c->y[j];
        worst = fmax(worst, v[r]);
    }
    return worst;
}

/* The violation at x and in g its descent direction: the gradient of a
 * soft maximum of the rows (a hard max makes the descent zigzag between
 * rows that tie near a counterexample).  The MLP path differentiates
 * exactly; the generic one by finite differences (inputs are few). */
static double slope(Case *c, const double *x, double *g, const double *lo, const double *hi) {
    double f = violation(c, x);
    if (!c->ch || c->rows == 0 || c->rows > 64) {
        double *t = c->scratch;
        memcpy(t, x, (size_t)c->n * sizeof *t);
        for (int64_t i = 0; i < c->n; i++) {
            double h = 1e-4 * (hi[i] - lo[i]) + 1e-12;
            t[i] = fmin(x[i] + h, hi[i]);
            g[i] = (violation(c, t) - f) / (t[i] - x[i] + 1e-300);
            t[i] = x[i];
        }
        return f;
    }
    double v[64], z = 0;
    rows_at(c, v);
    for (int64_t r = 0; r < c->rows; r++) z += v[r] = exp((v[r] - f) / c->temp);
    for (int64_t j = 0; j < c->m; j++) {
        c->gy[j] = 0;
        for (int64_t r = 0; r < c->rows; r++) c->gy[j] += v[r] / z * c->C[r * c->m + j];
    }
    chain_backprop(c->ch, c->gy, g);
    return f;
}

/* Projected sign descent on the violation from x, steps of step0 x the
 * box's width, shrinking. */
static bool descend(Case *c, double *x, const double *lo, const double *hi, int steps, double step0) {
    double *g = pd_xmalloc((size_t)c->n * sizeof *g);
    bool hit = false;
    for (int s = 0; s < steps && !hit; s++) {
        if (slope(c, x, g, lo, hi) <= 0 && (hit = found(c, x))) break;
        double step = step0 * pow(0.93, s);
        for (int64_t i = 0; i < c->n; i++)
            x[i] = fmin(hi[i], fmax(lo[i], x[i] - step * (hi[i] - lo[i]) * (g[i] > 0 ? 1 : g[i] < 0 ? -1 : 0)));
    }
    free(g);
    return hit || found(c, x);
}

/* A random point of the box; half of them with coordinates pinned to a
 * face: counterexamples often lie on the box's boundary, in slabs too thin
 * for uniform samples (ACAS Xu network 1_9, property 7). */
static void sample(Case *c, const double *lo, const double *hi, double *x) {
    bool faces = rand_r(&c->seed) & 1;
    for (int64_t i = 0; i < c->n; i++) {
        double u = urand(&c->seed), f = faces ? urand(&c->seed) : 1;
        x[i] = f < 0.2 ? lo[i] : f < 0.4 ? hi[i] : lo[i] + u * (hi[i] - lo[i]);
    }
}

/* Random samples (the center first), then descents from the starts best
 * ones. */
static bool attack(Case *c, const double *lo, const double *hi, int samples, int starts) {
    double t0 = bounds_now();
    double *x = pd_xmalloc((size_t)c->n * sizeof *x), *pts = pd_xmalloc((size_t)(starts * c->n) * sizeof *x);
    double *score = pd_xmalloc((size_t)starts * sizeof *score);
    for (int k = 0; k < starts; k++) score[k] = INFINITY;
    bool hit = false;
    for (int s = 0; s < samples && !hit && (s % 256 || bounds_now() < c->opt->deadline); s++) {
        if (s == 0) for (int64_t i = 0; i < c->n; i++) x[i] = 0.5 * (lo[i] + hi[i]);
        else sample(c, lo, hi, x);
        double v = violation(c, x);
        if (v <= 0 && (hit = found(c, x))) break;
        int worst = 0; /* keep the best points */
        for (int k = 1; k < starts; k++) if (score[k] > score[worst]) worst = k;
        if (v < score[worst]) score[worst] = v, memcpy(pts + worst * c->n, x, (size_t)c->n * sizeof *x);
    }
    for (int k = 0; k < starts && !hit && isfinite(score[k]) && bounds_now() < c->opt->deadline; k++)
        hit = descend(c, pts + k * c->n, lo, hi, PGD_STEPS, 0.05);
    free(x), free(pts), free(score);
    c->attack_time += bounds_now() - t0;
    return hit;
}

/* A search of the whole box during branch and bound, larger each time. */
static bool attack_round(Case *c, const double *lo, const double *hi) {
    int r = c->rounds < 4 ? c->rounds++ : 4;
    return attack(c, lo, hi, 1024 << r, 32 << r);
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

/* The rows' lower bounds are linear functions A_r . x + c_r on the box;
 * the box is safe when at every x some row is positive, which holds when
 * a convex combination of the rows is positive on the whole box (weak LP
 * duality: min_x max_r >= max_lambda min_x sum lambda_r).  The best
 * combination is found by exponentiated ascent over the simplex; any
 * lambda gives a valid bound.  Returns it; s: its coefficients over x. */
static double combine(const Case *c, const double *A, const double *lo, const double *xl, const double *xu, double *s,
                      double *best_lam) {
    int64_t k = c->rows, n = c->n, best = 0;
    double cst[16], lam[16], grad[16], top;
    for (int64_t r = 0; r < k; r++) {
        cst[r] = lo[r];
        for (int64_t i = 0; i < n; i++) cst[r] -= fmin(A[r * n + i] * xl[i], A[r * n + i] * xu[i]);
        if (lo[r] > lo[best]) best = r;
    }
    memcpy(s, A + best * n, (size_t)n * sizeof *s);
    top = lo[best];
    for (int64_t r = 0; r < k && k <= 16; r++) best_lam[r] = r == best;
    if (k < 2 || k > 16 || n > 64) return top; /* a single row, or too large for this */
    for (int64_t r = 0; r < k; r++) lam[r] = 1.0 / (double)k;
    for (int t = 0; t < 60 && top <= 0; t++) {
        double g = 0, gmin = INFINITY, gmax = -INFINITY, sv[64];
        for (int64_t i = 0; i < n; i++) {
            sv[i] = 0;
            for (int64_t r = 0; r < k; r++) sv[i] += lam[r] * A[r * n + i];
        }
        for (int64_t r = 0; r < k; r++) {
            grad[r] = cst[r];
            for (int64_t i = 0; i < n; i++) grad[r] += A[r * n + i] * (sv[i] >= 0 ? xl[i] : xu[i]);
            g += lam[r] * grad[r];
            gmin = fmin(gmin, grad[r]), gmax = fmax(gmax, grad[r]);
        }
        if (g > top) top = g, memcpy(s, sv, (size_t)n * sizeof *s), memcpy(best_lam, lam, (size_t)k * sizeof *lam);
        double eta = 4.0 / ((gmax - gmin + 1e-300) * sqrt(t + 1.0)), z = 0;
        for (int64_t r = 0; r < k; r++) z += lam[r] *= exp(eta * (grad[r] - gmax));
        for (int64_t r = 0; r < k; r++) lam[r] = fmax(lam[r] / z, 1e-12);
    }
    return top;
}

/* CROWN once more for the best combination of the rows alone: each
 * unit's relaxation then follows the combined row's signs, which is
 * tighter than combining the rows' own bounds.  Proven?  Else s: the
 * combined row's coefficients. */
static bool rebound(Case *c, const Box *bx, const double *lam, double *s) {
    double Cl[64], dl = 0, v;
    if (c->m > 64) return false;
    for (int64_t j = 0; j < c->m; j++) Cl[j] = 0;
    for (int64_t r = 0; r < c->rows; r++) {
        dl += lam[r] * c->d[r];
        for (int64_t j = 0; j < c->m; j++) Cl[j] += lam[r] * c->C[r * c->m + j];
    }
    chain_output(c->ch, bx->lo, bx->hi, c->state, Cl, &dl, 1, &v, s);
    return v > 0;
}

/* Proven safe? Otherwise the dimension to split. */
static bool safe(Case *c, const Box *bx, int64_t *split) {
    double *lo = pd_xmalloc((size_t)c->rows * sizeof *lo + 8), *hi = pd_xmalloc((size_t)c->rows * sizeof *hi + 8);
    double *A = pd_xmalloc((size_t)(c->rows * c->n) * sizeof *A + 8), *negd = pd_xmalloc((size_t)c->rows * sizeof *negd + 8);
    if (c->ch) {
        chain_crown(c->ch, bx->lo, bx->hi, bx->prior, c->state, c->C, c->d, c->rows, lo, A);
    } else {
        bounds_use_prior(c->b, bx->prior);
        for (int64_t r = 0; r < c->rows; r++) negd[r] = -c->d[r];
        bounds_linear_coef(c->b, bx->lo, bx->hi, c->C, negd, c->rows, lo, hi, A);
        bounds_save_state(c->b, c->state); /* before evaluations overwrite it */
    }
    c->out->boxes++;
    double *s = pd_xmalloc((size_t)c->n * sizeof *s + 8);
    double lam[16];
    bool proven = c->rows && combine(c, A, lo, bx->lo, bx->hi, s, lam) > 0;
    if (!proven && c->ch && c->rows >= 2 && c->rows <= 16) proven = rebound(c, bx, lam, s);
    /* the split follows every row not yet proven (a combination of the
     * rows that failed points in poor directions), the proven ones barely */
    for (int64_t i = 0; i < c->n && !proven; i++) {
        s[i] = 0;
        for (int64_t r = 0; r < c->rows; r++) s[i] += fabs(A[r * c->n + i]) * (lo[r] <= 0 ? 1 : 1e-3);
    }
    /* |coefficient| x width, with a floor on the coefficient: a dimension
     * the final row ignores may still make hidden neurons unstable, and
     * must not stay wide forever. */
    double amax = 0, score = -1;
    for (int64_t i = 0; i < c->n; i++) amax = fmax(amax, fabs(s[i]));
    for (int64_t i = 0; i < c->n && !proven; i++) {
        double v = (fabs(s[i]) + 0.01 * amax + 1e-30) * (bx->hi[i] - bx->lo[i]);
        if (v > score) score = v, *split = i;
    }
    free(lo), free(hi), free(A), free(negd), free(s);
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
    size_t state = (size_t)c->state_size * sizeof(double);
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
    double *mid = pd_xmalloc((size_t)c->n * sizeof *mid), *start = pd_xmalloc((size_t)c->n * sizeof *start);
    bool undecided = false;
    while (heap.len && c->out->verdict == VERDICT_UNSAT) {
        if (bounds_now() > c->opt->deadline) c->out->verdict = VERDICT_TIMEOUT;
        Box bx = heap_pop(&heap);
        int64_t dim = 0;
        draw(c, heap.len);
        /* while the proof goes on, a quarter of the time looks for
         * counterexamples in the whole box, in growing rounds */
        if (!c->opt->no_attack && bounds_now() - c->start > 4 * c->attack_time + 0.02 && attack_round(c, in_lo, in_hi)) {
            free(bx.lo), free(bx.hi), free(bx.prior);
            break;
        }
        if (c->out->verdict == VERDICT_UNSAT && !safe(c, &bx, &dim)) {
            for (int64_t i = 0; i < c->n; i++) mid[i] = 0.5 * (bx.lo[i] + bx.hi[i]);
            /* now and then a short descent inside the box: counterexamples
             * too small for random samples lie where the search digs */
            memcpy(start, mid, (size_t)c->n * sizeof *mid); /* the descent moves it; mid splits */
            if (found(c, mid) || (c->out->boxes % 32 == 0 && descend(c, start, bx.lo, bx.hi, 20, 0.1))) {
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
    free(mid), free(start);
    arena_free(a);
    if (c->opt->progress) fprintf(stderr, "\r%60s\r", "");
}

/* The soft maximum's temperature: a fiftieth of the rows' size at the
 * center (the rows' scale differs from network to network). */
static double temperature(Case *c, const double *lo, const double *hi) {
    double v[64], t = 0;
    for (int64_t i = 0; i < c->n; i++) c->scratch[i] = 0.5 * (lo[i] + hi[i]);
    violation(c, c->scratch);
    if (c->rows > 64) return 1;
    rows_at(c, v);
    for (int64_t r = 0; r < c->rows; r++) t = fmax(t, fabs(v[r]));
    return 0.02 * t + 1e-9;
}

/* A case's search state; out starts undecided (UNSAT until shown). */
static Case case_open(BoundsGraph *b, const double *in_lo, const double *in_hi, const double *C, const double *d,
                      int64_t rows, const VerifyOptions *opt, VerifyResult *out, bool *empty) {
    Case c = {.b = b, .C = C, .d = d, .rows = rows, .n = bounds_input_size(b), .m = bounds_output_size(b), .opt = opt,
              .out = out, .seed = opt->seed, .start = bounds_now()};
    c.ch = chain_from_bounds(b);
    c.state_size = c.ch ? chain_state_size(c.ch) : bounds_state_size(b);
    c.y = pd_xmalloc((size_t)c.m * sizeof(double) + 8), c.gy = pd_xmalloc((size_t)c.m * sizeof(double) + 8);
    c.scratch = pd_xmalloc((size_t)c.n * sizeof(double) + 8);
    c.state = pd_xmalloc((size_t)c.state_size * sizeof(double) + 8);
    memset(out, 0, sizeof *out);
    out->verdict = VERDICT_UNSAT;
    *empty = false;
    for (int64_t i = 0; i < c.n; i++) *empty |= in_lo[i] > in_hi[i];
    if (!*empty) c.temp = temperature(&c, in_lo, in_hi);
    return c;
}

static void case_close(Case *c) {
    free(c->y), free(c->gy), free(c->scratch), free(c->state);
    chain_free(c->ch);
}

bool verify_attack(BoundsGraph *b, const double *in_lo, const double *in_hi, const double *C, const double *d,
                   int64_t rows, const VerifyOptions *opt, VerifyResult *out) {
    bool empty;
    Case c = case_open(b, in_lo, in_hi, C, d, rows, opt, out, &empty);
    bool hit = !empty && attack(&c, in_lo, in_hi, 2048, 32);
    case_close(&c);
    return hit;
}

void verify_case(BoundsGraph *b, const double *in_lo, const double *in_hi, const double *C, const double *d,
                 int64_t rows, const VerifyOptions *opt, VerifyResult *out) {
    bool empty;
    Case c = case_open(b, in_lo, in_hi, C, d, rows, opt, out, &empty);
    if (!empty && (opt->no_attack || !attack(&c, in_lo, in_hi, 512, 8))) {
        if (bounds_now() > opt->deadline) out->verdict = VERDICT_TIMEOUT;
        else bab(&c, in_lo, in_hi);
    }
    case_close(&c);
}
