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
 * the time for the first seconds, a tenth later, in growing rounds, and
 * short descents inside boxes near a violation).  Every
 * counterexample is an evaluation of the network in real arithmetic and
 * in f32, so it is confirmed by construction; the caller checks it again.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "verify_impl.h"

enum { PGD_STEPS = 60 };

double bounds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}


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
double verify_violation(Case *c, const double *x) {
    if (c->ch) chain_eval(c->ch, x, c->y);
    else bounds_eval_real(c->b, x, c->y);
    return worst_row(c);
}

/* Is x a counterexample in real arithmetic and in f32 evaluation? */
bool verify_found(Case *c, const double *x) {
    if (verify_violation(c, x) > 0) return false;
    char err[256];
    if (c->eval_lock) pthread_mutex_lock(c->eval_lock); /* the interpreter runs on the shared graph */
    bool ok = bounds_eval(c->b, x, c->y, err, sizeof err);
    if (c->eval_lock) pthread_mutex_unlock(c->eval_lock);
    if (!ok) pd_die("evaluation failed: %s", err);
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
    double f = verify_violation(c, x);
    if (!c->ch || c->rows == 0 || c->rows > 64) {
        double *t = c->scratch;
        memcpy(t, x, (size_t)c->n * sizeof *t);
        for (int64_t i = 0; i < c->n; i++) {
            double h = 1e-4 * (hi[i] - lo[i]) + 1e-12;
            t[i] = fmin(x[i] + h, hi[i]);
            g[i] = (verify_violation(c, t) - f) / (t[i] - x[i] + 1e-300);
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
bool verify_descend(Case *c, double *x, const double *lo, const double *hi, int steps, double step0) {
    double *g = pd_xmalloc((size_t)c->n * sizeof *g);
    bool hit = false;
    for (int s = 0; s < steps && !hit; s++) {
        if (slope(c, x, g, lo, hi) <= 0 && (hit = verify_found(c, x))) break;
        double step = step0 * pow(0.93, s);
        for (int64_t i = 0; i < c->n; i++)
            x[i] = fmin(hi[i], fmax(lo[i], x[i] - step * (hi[i] - lo[i]) * (g[i] > 0 ? 1 : g[i] < 0 ? -1 : 0)));
    }
    free(g);
    return hit || verify_found(c, x);
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
        double v = verify_violation(c, x);
        if (v <= 0 && (hit = verify_found(c, x))) break;
        int worst = 0; /* keep the best points */
        for (int k = 1; k < starts; k++) if (score[k] > score[worst]) worst = k;
        if (v < score[worst]) score[worst] = v, memcpy(pts + worst * c->n, x, (size_t)c->n * sizeof *x);
    }
    for (int k = 0; k < starts && !hit && isfinite(score[k]) && bounds_now() < c->opt->deadline; k++)
        hit = verify_descend(c, pts + k * c->n, lo, hi, PGD_STEPS, 0.05);
    free(x), free(pts), free(score);
    c->attack_time += bounds_now() - t0;
    return hit;
}

/* A search of the whole box during branch and bound, larger each time. */
bool verify_attack_round(Case *c, const double *lo, const double *hi) {
    int r = c->rounds < 4 ? c->rounds++ : 4;
    return attack(c, lo, hi, 1024 << r, 32 << r);
}

/* The soft maximum's temperature: a fiftieth of the rows' size at the
 * center (the rows' scale differs from network to network). */
static double temperature(Case *c, const double *lo, const double *hi) {
    double v[64], t = 0;
    for (int64_t i = 0; i < c->n; i++) c->scratch[i] = 0.5 * (lo[i] + hi[i]);
    verify_violation(c, c->scratch);
    if (c->rows > 64) return 1;
    rows_at(c, v);
    for (int64_t r = 0; r < c->rows; r++) t = fmax(t, fabs(v[r]));
    return 0.02 * t + 1e-9;
}

/* A case's search state; out starts undecided (UNSAT until shown). */
static Case case_open(BoundsGraph *b, const double *in_lo, const double *in_hi, const double *C, const double *d,
                      int64_t rows, const VerifyOptions *opt, VerifyResult *out, bool *empty) {
    Case c = {.b = b, .C = C, .d = d, .rows = rows, .n = bounds_input_size(b), .m = bounds_output_size(b), .opt = opt,
              .out = out, .seed = opt->seed, .start = bounds_now(), .best_key = INFINITY};
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
        else verify_bab(&c, in_lo, in_hi);
    }
    case_close(&c);
}
