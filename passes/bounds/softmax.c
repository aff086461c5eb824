/* softmax.c — bounds of softmax over one axis, a direct rule (no
 * decomposition into exp, sum and division).
 *
 * IBP: y_i = 1 / (1 + sum_{j!=i} exp(x_j - x_i)) falls as any other x_j
 * rises and rises with x_i, so its ends are exact:
 *   lo_i = 1 / (1 + sum_{j!=i} exp(h_j - l_i)),  hi_i = 1 / (1 + sum exp(l_j - h_i)).
 * CROWN: the linearization at the box center x0 with a mean-value
 * remainder.  For any x in the box, y_i(x) = y_i(x0) + grad y_i(xi)·(x - x0)
 * for some xi in the box, and grad y_i(xi) lies in the interval G that the
 * IBP bounds of y give (dy_i/dx_j = y_i (delta_ij - y_j)).  With a = grad
 * y_i(x0) and D_j = max |G_j - a_j|:
 *   y_i(x0) + a·(x - x0) -+ sum_j D_j r_j   (r the box's half-widths)
 * are lines under and over y_i.  When that band is thicker (2 sum D_j r_j)
 * than the IBP interval is wide, the constant lines lo_i, hi_i are used
 * instead: the box is too large for a linearization to help.
 */
#include <math.h>
#include <stdlib.h>

#include "bounds_impl.h"

typedef struct {
    int64_t outer, len, inner; /* element (o, k, i) is at (o*len + k)*inner + i */
} Groups;

static Groups groups(const IrNode *n) {
    const IrType *t = &n->type;
    int64_t axis = ir_get_int(n, "axis");
    if (axis < 0) axis += t->rank;
    Groups G = {1, t->dims[axis], 1};
    for (int64_t d = 0; d < axis; d++) G.outer *= t->dims[d];
    for (uint32_t d = (uint32_t)axis + 1; d < t->rank; d++) G.inner *= t->dims[d];
    return G;
}

static int64_t at(const Groups *G, int64_t grp, int64_t k) {
    return (grp / G->inner * G->len + k) * G->inner + grp % G->inner;
}

void bounds_softmax_ibp(const BoundsGraph *b, const IrNode *n, BNode *y) {
    const BNode *x = &b->nodes[n->in[0]];
    Groups G = groups(n);
    for (int64_t grp = 0; grp < G.outer * G.inner; grp++)
        for (int64_t k = 0; k < G.len; k++) {
            int64_t i = at(&G, grp, k);
            double sl = 1, sh = 1;
            for (int64_t q = 0; q < G.len; q++) {
                if (q == k) continue;
                int64_t j = at(&G, grp, q);
                sl += exp(x->hi[j] - x->lo[i]), sh += exp(x->lo[j] - x->hi[i]);
            }
            y->lo[i] = 1 / sl, y->hi[i] = 1 / sh;
        }
}

/* Softmax of the group at the center, in double. OUT: p[len]. */
static void center_softmax(const BNode *x, const Groups *G, int64_t grp, double *p) {
    double mx = -INFINITY, s = 0;
    for (int64_t k = 0; k < G->len; k++) {
        int64_t j = at(G, grp, k);
        p[k] = 0.5 * (x->lo[j] + x->hi[j]);
        mx = fmax(mx, p[k]);
    }
    for (int64_t k = 0; k < G->len; k++) p[k] = exp(p[k] - mx), s += p[k];
    for (int64_t k = 0; k < G->len; k++) p[k] /= s;
}

/* The bound on |grad y_i(xi)_j - a_j| over the box (see the header). */
static double remainder_slope(const BNode *y, int64_t i, int64_t j, bool same, double a) {
    double glo, ghi;
    if (same) {
        double l = y->lo[i], h = y->hi[i];
        glo = fmin(l - l * l, h - h * h);
        ghi = l <= 0.5 && 0.5 <= h ? 0.25 : fmax(l - l * l, h - h * h);
    } else {
        glo = -y->hi[i] * y->hi[j], ghi = -y->lo[i] * y->lo[j];
    }
    return fmax(fabs(glo - a), fabs(ghi - a));
}

/* The lines of unit k of group grp: slopes a[len] over the group's inputs
 * and offsets (relative to x = 0) tl <= y - a·x <= tu. */
static void unit_lines(const BNode *x, const BNode *y, const Groups *G, int64_t grp, int64_t k, const double *p,
                       double *a, double *tl, double *tu) {
    int64_t i = at(G, grp, k);
    double rem = 0, spread = 0, base = p[k];
    for (int64_t q = 0; q < G->len; q++) {
        int64_t j = at(G, grp, q);
        double c = 0.5 * (x->lo[j] + x->hi[j]), r = 0.5 * (x->hi[j] - x->lo[j]);
        a[q] = p[k] * ((q == k) - p[q]);
        rem += remainder_slope(y, i, j, q == k, a[q]) * r;
        spread += fabs(a[q]) * r;
        base -= a[q] * c;
    }
    /* a few ulps of the double arithmetic above, kept outside the band */
    double slack = 1e-14 * (1 + spread + fabs(base));
    if (2 * rem >= y->hi[i] - y->lo[i]) { /* the band is thicker than the interval */
        for (int64_t q = 0; q < G->len; q++) a[q] = 0;
        *tl = y->lo[i], *tu = y->hi[i];
        return;
    }
    *tl = base - rem - slack, *tu = base + rem + slack;
}

void bounds_softmax_back(const BoundsGraph *b, const IrNode *n, const BNode *y, int64_t k, const double *Alo,
                         const double *Ahi, double *Tlo, double *Thi, double *blo, double *bhi) {
    const BNode *x = &b->nodes[n->in[0]];
    Groups G = groups(n);
    double *p = pd_xmalloc((size_t)(2 * G.len + 1) * sizeof *p), *a = p + G.len;
    for (int64_t grp = 0; grp < G.outer * G.inner; grp++) {
        center_softmax(x, &G, grp, p);
        for (int64_t u = 0; u < G.len; u++) {
            int64_t i = at(&G, grp, u);
            double tl, tu;
            unit_lines(x, y, &G, grp, u, p, a, &tl, &tu);
            for (int64_t r = 0; r < k; r++) {
                double al = Alo[r * y->n + i], ah = Ahi[r * y->n + i];
                if (al != 0) blo[r] += al * (al >= 0 ? tl : tu);
                if (ah != 0) bhi[r] += ah * (ah >= 0 ? tu : tl);
                for (int64_t q = 0; q < G.len; q++) {
                    int64_t j = at(&G, grp, q);
                    Tlo[r * x->n + j] += al * a[q];
                    Thi[r * x->n + j] += ah * a[q];
                }
            }
        }
    }
    free(p);
}
