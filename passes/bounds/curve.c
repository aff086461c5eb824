/* curve.c — relaxations of elementwise curves that are neither ReLU-like
 * nor S-shaped: GELU (non-monotone, convex in the middle, concave on the
 * flanks) and exp (convex, unbounded).
 *
 * One method for both, sound by construction: for any slope s, the tightest
 * lines s*x + t under and over f on [l, u] have t = min and max of
 * g(x) = f(x) - s*x.  g's extremes lie at l, u or where f'(x) = s; between
 * f's inflection points f' is monotone, so each piece holds at most one
 * such root, found by bisection.  The slope only decides tightness: among
 * the chord and the tangents at l, m, u, the line closest to f at the
 * midpoint m is kept (on a convex piece that is the chord above and the
 * midpoint tangent below, as CROWN chooses).  IBP is the slope-0 case.
 * Not here: tanh and sigmoid (smooth.c, closed-form tangent search).
 */
#include <math.h>

#include "bounds_impl.h"

#define INV_SQRT2 0.70710678118654752440
#define INV_SQRT2PI 0.39894228040143267794
#define SQRT2 1.41421356237309504880

/* A bisection root's g is below the true extreme by ~g''·δ²; this margin
 * (relative, far above it and above libm's error) keeps offsets outside. */
#define ROOT_MARGIN 1e-13

static double gelu(double x) { return 0.5 * x * (1 + erf(x * INV_SQRT2)); }
static double dgelu(double x) { return 0.5 * (1 + erf(x * INV_SQRT2)) + x * INV_SQRT2PI * exp(-0.5 * x * x); }

double bounds_curve_f(IrOpKind op, double x) { return op == IR_OP_GELU ? gelu(x) : exp(x); }

static double curve_df(IrOpKind op, double x) { return op == IR_OP_GELU ? dgelu(x) : exp(x); }

/* f's inflection points, ascending (GELU'' = phi(x)(2 - x^2)). */
static int inflections(IrOpKind op, double *p) {
    if (op != IR_OP_GELU) return 0;
    p[0] = -SQRT2, p[1] = SQRT2;
    return 2;
}

/* A root of f'(x) = s in [a, b], where f' is monotone, or NAN. */
static double slope_root(IrOpKind op, double s, double a, double b) {
    double fa = curve_df(op, a) - s, fb = curve_df(op, b) - s;
    if (!(fa * fb < 0)) return NAN;
    for (int it = 0; it < 200 && b - a > 0; it++) {
        double m = 0.5 * (a + b);
        if (m <= a || m >= b) break;
        double fm = curve_df(op, m) - s;
        if ((fm < 0) == (fa < 0)) a = m, fa = fm;
        else b = m;
    }
    return 0.5 * (a + b);
}

/* min and max of f(x) - s*x over [l, u]. */
static void offsets(IrOpKind op, double s, double l, double u, double *tmin, double *tmax) {
    double p[4], lo = bounds_curve_f(op, l) - s * l, hi = lo, e = bounds_curve_f(op, u) - s * u;
    lo = fmin(lo, e), hi = fmax(hi, e);
    int k = inflections(op, p);
    double a = l;
    for (int i = 0; i <= k; i++) {
        double b = i < k ? fmin(fmax(p[i], l), u) : u;
        double r = b > a ? slope_root(op, s, a, b) : NAN;
        if (!isnan(r)) {
            double g = bounds_curve_f(op, r) - s * r, m = ROOT_MARGIN * (1 + fabs(g) + fabs(s * r));
            lo = fmin(lo, g - m), hi = fmax(hi, g + m);
        }
        a = b;
    }
    *tmin = lo, *tmax = hi;
}

void bounds_curve_range(IrOpKind op, double l, double u, double *lo, double *hi) { offsets(op, 0, l, u, lo, hi); }

void bounds_relax_curve(IrOpKind op, double l, double u, double *su, double *tu, double *sl, double *tl) {
    double fl = bounds_curve_f(op, l), fu = bounds_curve_f(op, u), m = 0.5 * (l + u);
    if (!isfinite(fl) || !isfinite(fu)) { /* exp overflow: constant lines */
        offsets(op, 0, l, u, tl, tu);
        *su = *sl = 0;
        return;
    }
    double cand[4] = {curve_df(op, m), curve_df(op, l), curve_df(op, u), u > l ? (fu - fl) / (u - l) : NAN};
    double best_u = INFINITY, best_l = -INFINITY;
    for (int c = 0; c < 4; c++) {
        double s = cand[c], t0, t1;
        if (!isfinite(s)) continue;
        offsets(op, s, l, u, &t0, &t1);
        if (s * m + t1 < best_u) best_u = s * m + t1, *su = s, *tu = t1;
        if (s * m + t0 > best_l) best_l = s * m + t0, *sl = s, *tl = t0;
    }
}
