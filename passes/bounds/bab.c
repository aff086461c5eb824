/* bab.c — branch and bound on the input box of one case (verify.c has the
 * search for counterexamples and the entry points).
 *
 * A box is proven safe when CROWN's linear lower bounds of the rows have a
 * convex combination positive on all of it; otherwise it is split in two
 * along the input dimension with the largest influence on the rows not
 * yet proven.  Pending boxes are kept depth first, the sibling nearer a
 * violation first.  On an MLP two workers share the pending boxes (each
 * with its own chain and buffers: the bounds of a box depend only on the
 * box and its parent's state); the generic analysis is not reentrant and
 * runs alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_impl.h"

enum { MAX_DEPTH = 400, MAX_WORKERS = VERIFY_MAX_THREADS };

typedef struct {
    double *lo, *hi;
    double *prior; /* the parent box's bounds of every node, or NULL */
    double key;    /* the violation at the center: smaller is explored first */
    int depth;
} Box;

/* The progress line: boxes bounded by all workers, boxes pending. */
static void draw(Case *c, uint64_t boxes, size_t pending) {
    double t = bounds_now();
    if (!c->opt->progress || t - c->last_draw < 0.2) return;
    c->last_draw = t;
    fprintf(stderr, "\r[verify] %llu boxes bounded, %zu pending  ", (unsigned long long)boxes, pending);
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
 * tighter than combining the rows' own bounds, and the open units' lower
 * slopes may take each rule in turn (chain_output_best).  Proven?  Else
 * s: the combined row's coefficients. */
static bool rebound(Case *c, const Box *bx, const double *lam, double *s) {
    double Cl[64], dl = 0;
    if (c->m > 64) return false;
    for (int64_t j = 0; j < c->m; j++) Cl[j] = 0;
    for (int64_t r = 0; r < c->rows; r++) {
        dl += lam[r] * c->d[r];
        for (int64_t j = 0; j < c->m; j++) Cl[j] += lam[r] * c->C[r * c->m + j];
    }
    return chain_output_best(c->ch, bx->lo, bx->hi, c->state, Cl, dl, s) > 0;
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
    double lam[16], top = -INFINITY;
    for (int64_t r = 0; r < c->rows; r++) top = fmax(top, lo[r]);
    /* combining rows needs lo[r] to be the minimum of A_r . x + c_r: the
     * generic analysis may return IBP's bound instead, when tighter */
    if (c->ch) top = combine(c, A, lo, bx->lo, bx->hi, s, lam);
    bool proven = c->rows && top > 0;
    if (!proven && c->ch && c->rows >= 1 && c->rows <= 16) proven = rebound(c, bx, lam, s);
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
    double v = verify_violation(c, x);
    free(x);
    return v;
}

/* bx's two halves at mid along dim; they start from bx's bounds. */
static void split(Case *c, Box *bx, int64_t dim, const double *mid, Box kids[2]) {
    Box right = box_copy(c, bx->lo, bx->hi), left;
    right.lo[dim] = bx->hi[dim] = mid[dim];
    left = box_copy(c, bx->lo, bx->hi);
    size_t state = (size_t)c->state_size * sizeof(double);
    right.prior = pd_xmalloc(state + 8), left.prior = pd_xmalloc(state + 8);
    memcpy(right.prior, c->state, state);
    memcpy(left.prior, c->state, state);
    right.key = center_violation(c, &right), left.key = center_violation(c, &left);
    right.depth = left.depth = bx->depth + 1;
    kids[0] = right, kids[1] = left;
}

/* ---- workers ----------------------------------------------------------------- */

typedef struct {
    Heap heap;
    Arena *a;
    pthread_mutex_t mu, eval;
    pthread_cond_t cv;
    int busy;        /* workers holding a box */
    uint64_t bounded; /* boxes taken by all workers (the progress line) */
    bool stop;       /* a worker decided: sat, timeout */
    bool undecided;  /* a box could not be split further */
    const double *in_lo, *in_hi;
} Search;

typedef struct {
    Search *s;
    Case c;
    VerifyResult res; /* a helper's own result (worker 0 writes the case's) */
    int id;
} Worker;

static void box_free(Box *bx) { free(bx->lo), free(bx->hi), free(bx->prior); }

/* Worker 0's share of time for searching the whole box: a quarter for
 * the first seconds (counterexamples that the first search missed are
 * mostly found then), a tenth later (long runs are mostly proofs). */
static bool attack_due(const Case *c) {
    double elapsed = bounds_now() - c->start;
    return c->attack_time < (elapsed < 10 ? 0.25 : 0.1) * elapsed - 0.005;
}

/* Decides bx or splits it into kids (returns 2; -1: bx cannot be split).
 * Worker 0 also searches the whole box now and then. */
static int step(Worker *w, Box *bx, Box kids[2], double *mid, double *start) {
    Case *c = &w->c;
    int64_t dim = 0;
    if (bounds_now() > c->opt->deadline) return c->out->verdict = VERDICT_TIMEOUT, 0;
    if (w->id == 0 && !c->opt->no_attack && attack_due(c) && verify_attack_round(c, w->s->in_lo, w->s->in_hi))
        return 0;
    if (safe(c, bx, &dim)) return 0;
    for (int64_t i = 0; i < c->n; i++) mid[i] = 0.5 * (bx->lo[i] + bx->hi[i]);
    /* now and then a short descent inside the box: counterexamples too
     * small for random samples lie where the search digs */
    memcpy(start, mid, (size_t)c->n * sizeof *mid); /* the descent moves it; mid splits */
    /* the center's violation is the box's key: evaluated already.  A
     * descent digs in every box whose center comes closer to a violation
     * than any before (counterexamples on a face of the box are never a
     * center), and now and then in others. */
    bool dig = bx->key < c->best_key || bx->key < c->temp || c->out->boxes % 32 == 0;
    c->best_key = fmin(c->best_key, bx->key);
    if ((bx->key <= 0 && verify_found(c, mid)) || (dig && verify_descend(c, start, bx->lo, bx->hi, 20, 0.1)))
        return 0;
    if (bx->depth >= MAX_DEPTH || bx->hi[dim] - bx->lo[dim] < 1e-12)
        return -1; /* e.g. a point where the margin is exactly 0: go on elsewhere */
    split(c, bx, dim, mid, kids);
    return 2;
}

/* Takes the next box; false when the search is over. */
static bool take(Worker *w, Box *bx) {
    Search *s = w->s;
    pthread_mutex_lock(&s->mu);
    while (!s->stop && s->heap.len == 0 && s->busy > 0) pthread_cond_wait(&s->cv, &s->mu);
    bool go = !s->stop && s->heap.len > 0;
    if (go) *bx = heap_pop(&s->heap), s->busy++, s->bounded++;
    if (go && w->id == 0) draw(&w->c, s->bounded, s->heap.len);
    if (!go) s->stop = true, pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return go;
}

static void give(Worker *w, Box *kids, int nk) {
    Search *s = w->s;
    pthread_mutex_lock(&s->mu);
    for (int k = 0; k < nk; k++) heap_push(s->a, &s->heap, kids[k]);
    s->undecided |= nk < 0;
    s->busy--;
    if (w->c.out->verdict != VERDICT_UNSAT) s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void *work(void *arg) {
    Worker *w = arg;
    double *mid = pd_xmalloc((size_t)w->c.n * sizeof *mid), *start = pd_xmalloc((size_t)w->c.n * sizeof *start);
    Box bx, kids[2];
    while (take(w, &bx)) {
        int nk = step(w, &bx, kids, mid, start);
        box_free(&bx);
        give(w, kids, nk);
    }
    free(mid), free(start);
    return NULL;
}

/* A helper worker: the case with its own chain, buffers and result. */
static void fork_case(Worker *w, const Case *c, Search *s, int id) {
    w->s = s, w->id = id, w->c = *c;
    w->c.ch = chain_from_bounds(c->b);
    w->c.y = pd_xmalloc((size_t)c->m * sizeof(double) + 8), w->c.gy = pd_xmalloc((size_t)c->m * sizeof(double) + 8);
    w->c.scratch = pd_xmalloc((size_t)c->n * sizeof(double) + 8);
    w->c.state = pd_xmalloc((size_t)c->state_size * sizeof(double) + 8);
    w->c.seed = c->seed + 7919u * (unsigned)id;
    memset(&w->res, 0, sizeof w->res);
    w->res.verdict = VERDICT_UNSAT;
    w->c.out = &w->res;
}

/* A helper's verdict and boxes into the case's result. */
static void join_case(Worker *w, VerifyResult *out) {
    out->boxes += w->res.boxes;
    if (w->res.verdict == VERDICT_SAT && out->verdict != VERDICT_SAT) {
        free(out->x), free(out->y);
        out->verdict = VERDICT_SAT, out->x = w->res.x, out->y = w->res.y;
    } else {
        if (w->res.verdict == VERDICT_TIMEOUT && out->verdict == VERDICT_UNSAT) out->verdict = VERDICT_TIMEOUT;
        free(w->res.x), free(w->res.y);
    }
    free(w->c.y), free(w->c.gy), free(w->c.scratch), free(w->c.state);
    chain_free(w->c.ch);
}

static int workers_for(const Case *c) {
    int n = c->opt->threads;
    return !c->ch || n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : n;
}

void verify_bab(Case *c, const double *in_lo, const double *in_hi) {
    Search s = {.a = arena_new(), .in_lo = in_lo, .in_hi = in_hi};
    pthread_mutex_init(&s.mu, NULL), pthread_mutex_init(&s.eval, NULL), pthread_cond_init(&s.cv, NULL);
    heap_push(s.a, &s.heap, box_copy(c, in_lo, in_hi));
    int nw = workers_for(c);
    Worker w[MAX_WORKERS];
    pthread_t th[MAX_WORKERS];
    w[0] = (Worker){&s, *c, {0}, 0};
    if (nw > 1) w[0].c.eval_lock = &s.eval;
    for (int k = 1; k < nw; k++) fork_case(&w[k], &w[0].c, &s, k);
    for (int k = 1; k < nw; k++)
        if (pthread_create(&th[k], NULL, work, &w[k])) pd_die("cannot start a branch and bound worker");
    work(&w[0]);
    for (int k = 1; k < nw; k++) pthread_join(th[k], NULL), join_case(&w[k], c->out);
    c->rounds = w[0].c.rounds, c->attack_time = w[0].c.attack_time, c->last_draw = w[0].c.last_draw;
    while (s.heap.len) {
        Box bx = heap_pop(&s.heap);
        box_free(&bx);
    }
    if (!c->ch) bounds_use_prior(c->b, NULL);
    if (s.undecided && c->out->verdict == VERDICT_UNSAT) c->out->verdict = VERDICT_UNKNOWN;
    pthread_mutex_destroy(&s.mu), pthread_mutex_destroy(&s.eval), pthread_cond_destroy(&s.cv);
    arena_free(s.a);
    if (c->opt->progress) fprintf(stderr, "\r%60s\r", "");
}
