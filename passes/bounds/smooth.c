/* smooth.c — linear relaxations of S-shaped activations (tanh, sigmoid).
 *
 * Both are convex below 0 and concave above.  On an input interval [l, u]:
 *   u <= 0: the chord is above the curve, the tangent at the midpoint below;
 *   l >= 0: the other way round;
 *   l < 0 < u: above, the tangent at d >= 0 that passes through (l, f(l))
 *   (found by bisection), or the chord when that d lies beyond u; below,
 *   the mirror image.  These are the lines CROWN (Zhang et al. 2018) uses.
 */
#include <math.h>

#include "bounds_impl.h"

static double sigmoid(double x) { return 1 / (1 + exp(-x)); }

double bounds_smooth_f(IrOpKind op, double x) { return op == IR_OP_TANH ? tanh(x) : sigmoid(x); }

static double deriv(IrOpKind op, double x) {
    if (op == IR_OP_TANH) {
        double t = tanh(x);
        return 1 - t * t;
    }
    double s = sigmoid(x);
    return s * (1 - s);
}

/* The tangent point d in [0, far] (far > 0) or [far, 0] (far < 0), as
 * close to 0 as possible, whose tangent passes on the safe side of
 * (p, f(p)): above it for an upper line (far > 0), below for a lower one.
 * NAN when not even the tangent at far does (then the chord is used). */
static double tangent_through(IrOpKind op, double p, double far) {
    double fp = bounds_smooth_f(op, p), near = 0;
#define SAFE(d) (far > 0 ? bounds_smooth_f(op, d) + deriv(op, d) * (p - (d)) - fp >= 0 \
                         : bounds_smooth_f(op, d) + deriv(op, d) * (p - (d)) - fp <= 0)
    if (!SAFE(far)) return NAN;
    for (int it = 0; it < 60; it++) {
        double d = 0.5 * (near + far);
        if (SAFE(d)) far = d;
        else near = d;
    }
#undef SAFE
    return far;
}

static void line_through(IrOpKind op, double x0, double x1, double *s, double *t) {
    double f0 = bounds_smooth_f(op, x0), f1 = bounds_smooth_f(op, x1);
    *s = x1 > x0 ? (f1 - f0) / (x1 - x0) : deriv(op, x0);
    *t = f0 - *s * x0;
}

static void tangent(IrOpKind op, double d, double *s, double *t) {
    *s = deriv(op, d);
    *t = bounds_smooth_f(op, d) - *s * d;
}

void bounds_relax_smooth(IrOpKind op, double l, double u, double *su, double *tu, double *sl, double *tl) {
    if (u - l < 1e-12) { /* a point: both lines through it, slightly opened */
        tangent(op, l, su, tu);
        *sl = *su, *tl = *tu;
        *tu += 1e-12, *tl -= 1e-12;
        return;
    }
    double m = 0.5 * (l + u);
    if (u <= 0) {
        line_through(op, l, u, su, tu);
        tangent(op, m, sl, tl);
    } else if (l >= 0) {
        line_through(op, l, u, sl, tl);
        tangent(op, m, su, tu);
    } else {
        double du = tangent_through(op, l, u), dl = tangent_through(op, u, l);
        if (isnan(du)) line_through(op, l, u, su, tu);
        else tangent(op, du, su, tu);
        if (isnan(dl)) line_through(op, l, u, sl, tl);
        else tangent(op, dl, sl, tl);
    }
}
