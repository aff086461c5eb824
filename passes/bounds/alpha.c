/* alpha.c — alpha-CROWN: the lower-line slopes of ReLU-like units with an
 * open sign are free in [a, 1] (a the negative slope); each is sound, so
 * they are optimized per output row by projected gradient ascent on the
 * row's lower bound (descent on its upper bound), with Adam, as
 * auto_LiRPA does by default: its slopes start at CROWN's, intermediate
 * bounds stay CROWN's, the best bound seen is kept.
 *
 * The gradient is exact for the ReLU lines: with the relaxation choices
 * and the input corner x* of a row fixed, the row's bound is the row
 * evaluated on the linearized network at x*, so d bound / d slope of unit
 * j is A_j (the coefficient that reached unit j) times z_j, the unit's
 * input in that linearized network at x*.  z comes from one point
 * evaluation per row in which open ReLU units follow their chosen lines
 * (other relaxed ops are evaluated as the functions themselves: their
 * lines are fixed, so this only shades the ascent direction, never the
 * soundness of a bound, which is always a full backward pass).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bounds_impl.h"

#define ADAM_B1 0.9
#define ADAM_B2 0.999
#define ADAM_EPS 1e-8
#define LR_DECAY 0.98

typedef struct {
    BoundsGraph *b;
    int64_t k;
    AlphaSlopes s;
    double **m_lo, **v_lo, **m_hi, **v_hi; /* Adam moments */
    double **g_lo, **g_hi;                 /* gradients */
    double *saved;                         /* every node's bounds (the relaxations') */
    double **z;                            /* per ReLU-like node: its input in the point run */
} Alpha;

static bool relu_like(const IrNode *n) { return n->op == IR_OP_RELU || n->op == IR_OP_LEAKY_RELU; }

static double neg_slope(const IrNode *n) { return n->op == IR_OP_LEAKY_RELU ? ir_get_float(n, "alpha") : 0; }

static double **per_node(uint32_t count) { return pd_xcalloc(count + 1, sizeof(double *)); }

/* Slopes for every variable ReLU-like node, started at CROWN's choice. */
static void alpha_init(Alpha *al) {
    BoundsGraph *b = al->b;
    uint32_t c = b->count;
    double ***all[] = {&al->s.lo, &al->s.hi, &al->s.Alo, &al->s.Ahi, &al->m_lo, &al->v_lo, &al->m_hi, &al->v_hi,
                       &al->g_lo, &al->g_hi, &al->z};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) *all[i] = per_node(c);
    for (uint32_t id = 0; id < c; id++) {
        const IrNode *n = ir_node(b->g, id);
        if (!b->nodes[id].variable || !relu_like(n)) continue;
        int64_t sz = al->k * b->nodes[id].n;
        for (size_t i = 0; i < sizeof all / sizeof *all - 1; i++) (*all[i])[id] = pd_xcalloc((size_t)sz + 1, sizeof(double));
        al->z[id] = pd_xcalloc((size_t)b->nodes[id].n + 1, sizeof(double));
        const BNode *zn = &b->nodes[n->in[0]];
        for (int64_t i = 0; i < b->nodes[id].n; i++) {
            double su, tu, sl;
            bounds_relax(zn->lo[i], zn->hi[i], neg_slope(n), &su, &tu, &sl);
            for (int64_t r = 0; r < al->k; r++) al->s.lo[id][r * b->nodes[id].n + i] = al->s.hi[id][r * b->nodes[id].n + i] = sl;
        }
    }
    int64_t nin = b->nodes[b->input].n;
    al->s.Ain_lo = pd_xcalloc((size_t)(al->k * nin) + 1, sizeof(double));
    al->s.Ain_hi = pd_xcalloc((size_t)(al->k * nin) + 1, sizeof(double));
    al->saved = pd_xmalloc((size_t)bounds_state_size(b) * sizeof(double) + 8);
}

static void alpha_free(Alpha *al) {
    double **all[] = {al->s.lo, al->s.hi, al->s.Alo, al->s.Ahi, al->m_lo, al->v_lo, al->m_hi, al->v_hi,
                      al->g_lo, al->g_hi, al->z};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        for (uint32_t id = 0; id < al->b->count; id++) free(all[i][id]);
        free(all[i]);
    }
    free(al->s.Ain_lo), free(al->s.Ain_hi), free(al->saved);
}

/* The saved bounds of node id (see bounds_save_state's layout). */
static const double *saved_of(const Alpha *al, IrId id) {
    const double *p = al->saved;
    for (uint32_t i = 0; i < id; i++)
        if (al->b->nodes[i].variable) p += 2 * al->b->nodes[i].n;
    return p;
}

static void restore(Alpha *al) {
    const double *p = al->saved;
    for (uint32_t i = 0; i < al->b->count; i++) {
        BNode *bn = &al->b->nodes[i];
        if (!bn->variable) continue;
        memcpy(bn->lo, p, (size_t)bn->n * sizeof *p);
        memcpy(bn->hi, p + bn->n, (size_t)bn->n * sizeof *p);
        p += 2 * bn->n;
    }
}

/* Open ReLU units of row r follow the lines its pass chose: the free
 * slope where the pass took the lower line, the chord elsewhere. */
static void follow_lines(Alpha *al, IrId id, int64_t r, bool upper) {
    BoundsGraph *b = al->b;
    const IrNode *n = ir_node(b->g, id);
    BNode *y = &b->nodes[id];
    const BNode *z = &b->nodes[n->in[0]];
    const double *zb = saved_of(al, n->in[0]), *A = upper ? al->s.Ahi[id] : al->s.Alo[id];
    const double *s = upper ? al->s.hi[id] : al->s.lo[id];
    for (int64_t i = 0; i < y->n; i++) {
        double l = zb[i], u = zb[z->n + i], v = z->lo[i], su, tu, sl;
        al->z[id][i] = v;
        if (l >= 0 || u <= 0) { /* stable: the backward pass used the unit's one line */
            y->lo[i] = y->hi[i] = l >= 0 ? v : neg_slope(n) * v;
            continue;
        }
        bounds_relax(l, u, neg_slope(n), &su, &tu, &sl);
        double a = A[r * y->n + i];
        bool lower_line = upper ? a < 0 : a >= 0;
        y->lo[i] = y->hi[i] = lower_line ? s[r * y->n + i] * v : su * v + tu;
    }
}

/* The linearized network of row r at its input corner; adds the row's
 * gradient into g_lo (or g_hi for the upper pass). */
static void row_gradient(Alpha *al, int64_t r, bool upper) {
    BoundsGraph *b = al->b;
    BNode *in = &b->nodes[b->input];
    const double *Ain = (upper ? al->s.Ain_hi : al->s.Ain_lo) + r * in->n;
    for (int64_t j = 0; j < in->n; j++) {
        const double *sb = saved_of(al, b->input);
        bool low = upper ? Ain[j] < 0 : Ain[j] >= 0;
        in->lo[j] = in->hi[j] = low ? sb[j] : sb[in->n + j];
    }
    for (uint32_t id = b->input + 1; id < b->count; id++) {
        if (!b->nodes[id].variable || ir_node(b->g, id)->op == IR_OP_OUTPUT) continue;
        bounds_ibp_node(b, id);
        if (al->s.lo[id]) follow_lines(al, id, r, upper);
    }
    for (uint32_t id = 0; id < b->count; id++) {
        if (!al->s.lo[id]) continue;
        int64_t n = b->nodes[id].n;
        const double *A = upper ? al->s.Ahi[id] : al->s.Alo[id];
        double *g = upper ? al->g_hi[id] : al->g_lo[id];
        for (int64_t i = 0; i < n; i++) {
            double a = A[r * n + i];
            g[r * n + i] = (upper ? a < 0 : a >= 0) ? a * al->z[id][i] : 0;
        }
    }
}

/* One Adam step on every slope: ascent for the lower pass, descent for
 * the upper, projected onto [a, 1]. */
static void adam_step(Alpha *al, int t, double lr) {
    double c1 = 1 - pow(ADAM_B1, t), c2 = 1 - pow(ADAM_B2, t);
    for (uint32_t id = 0; id < al->b->count; id++) {
        if (!al->s.lo[id]) continue;
        double a = neg_slope(ir_node(al->b->g, id));
        for (int p = 0; p < 2; p++) {
            double *s = p ? al->s.hi[id] : al->s.lo[id], *g = p ? al->g_hi[id] : al->g_lo[id];
            double *m = p ? al->m_hi[id] : al->m_lo[id], *v = p ? al->v_hi[id] : al->v_lo[id];
            for (int64_t i = 0; i < al->k * al->b->nodes[id].n; i++) {
                double gi = p ? -g[i] : g[i];
                m[i] = ADAM_B1 * m[i] + (1 - ADAM_B1) * gi;
                v[i] = ADAM_B2 * v[i] + (1 - ADAM_B2) * gi * gi;
                s[i] += lr * (m[i] / c1) / (sqrt(v[i] / c2) + ADAM_EPS);
                s[i] = fmin(fmax(s[i], a), 1);
            }
        }
    }
}

void bounds_alpha_optimize(BoundsGraph *b, const double *C, const double *d, int64_t k, double *lo, double *hi) {
    Alpha al = {.b = b, .k = k};
    alpha_init(&al);
    bounds_save_state(b, al.saved);
    double *cl = pd_xmalloc((size_t)k * sizeof *cl + 8), *ch = pd_xmalloc((size_t)k * sizeof *ch + 8);
    double lr = b->alpha_lr;
    bool any = false; /* without open ReLU-like units there is nothing to optimize */
    for (uint32_t id = 0; id < b->count; id++) {
        const BNode *z = al.s.lo[id] ? &b->nodes[ir_node(b->g, id)->in[0]] : NULL;
        for (int64_t i = 0; z && i < z->n; i++) any |= z->lo[i] < 0 && z->hi[i] > 0;
    }
    for (int it = 0;; it++) {
        for (uint32_t id = 0; id < b->count; id++)
            if (al.s.lo[id]) {
                memset(al.s.Alo[id], 0, (size_t)(k * b->nodes[id].n) * sizeof(double));
                memset(al.s.Ahi[id], 0, (size_t)(k * b->nodes[id].n) * sizeof(double));
            }
        bounds_crown_alpha(b, b->output, C, d, k, cl, ch, NULL, &al.s);
        for (int64_t r = 0; r < k; r++) lo[r] = fmax(lo[r], cl[r]), hi[r] = fmin(hi[r], ch[r]);
        if (it >= b->alpha_iters || !any) break;
        for (int64_t r = 0; r < k; r++) row_gradient(&al, r, false), row_gradient(&al, r, true);
        restore(&al);
        adam_step(&al, it + 1, lr);
        lr *= LR_DECAY;
    }
    free(cl), free(ch);
    alpha_free(&al);
}
