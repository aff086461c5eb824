/* test_bounds.c — IBP and CROWN: exact values on hand-computable networks,
 * and soundness on seeded random networks (sampled points evaluated by the
 * interpreter never leave the bounds; CROWN never looser than IBP). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backends/interp/interp.h"
#include "passes/bounds/bounds.h"
#include "passes/bounds/bounds_impl.h"

#include "bounds_nets.h"

/* y = relu(x1 + x2) + relu(x1 - x2) over x in [-1, 1]^2. */
static IrGraph *two_relus(void) {
    IrGraph *g = ir_graph_new("t");
    IrType tx = {.dtype = IR_F32, .rank = 2, .dims = {1, 2}};
    IrId x = ir_add_input(g, "x", tx, src_none());
    float w[] = {1, 1, 1, -1}, s[] = {1, 1};
    IrId h = op1(g, IR_OP_RELU, op2(g, IR_OP_MATMUL, x, cst(g, 2, (int64_t[]){2, 2}, w)));
    IrId y = op2(g, IR_OP_MATMUL, h, cst(g, 2, (int64_t[]){2, 1}, s));
    ir_add_output(g, "y", y, src_none());
    return g;
}

static void hand_computed_bounds_are_exact(void **state) {
    (void)state;
    IrGraph *g = two_relus();
    char err[256];
    BoundsGraph *b = bounds_prepare(g, err, sizeof err);
    assert_non_null(b);
    double lo[1], hi[1], in_lo[2] = {-1, -1}, in_hi[2] = {1, 1};
    bounds_linear(b, in_lo, in_hi, BOUNDS_IBP, NULL, NULL, 1, lo, hi);
    assert_true(lo[0] == 0 && hi[0] == 4); /* each ReLU in [0, 2] */
    /* CROWN: z in [-2, 2], upper line z/2 + 1 (twice): y <= x1 + 2 <= 3;
     * lower line z (adaptive slope 1): y >= 2 x1 >= -2, IBP's 0 is better. */
    bounds_linear(b, in_lo, in_hi, BOUNDS_CROWN, NULL, NULL, 1, lo, hi);
    assert_true(lo[0] == 0 && hi[0] == 3);
    /* A spec row: bounds of -y + 1. */
    double C[1] = {-1}, d[1] = {1};
    bounds_linear(b, in_lo, in_hi, BOUNDS_CROWN, C, d, 1, lo, hi);
    assert_true(lo[0] == -2 && hi[0] == 1);
    bounds_free(b);
    ir_graph_free(g);
}

/* y = (x + 1e8) - 1e8: real arithmetic gives x, f32 gives 0 (1e8's ulp is
 * 8).  Real bounds exclude what f32 computes; f32-mode bounds include it. */
static void f32_mode_covers_rounding(void **state) {
    (void)state;
    IrGraph *g = ir_graph_new("t");
    IrType tx = {.dtype = IR_F32, .rank = 1, .dims = {1}};
    IrId x = ir_add_input(g, "x", tx, src_none());
    float big = 1e8f;
    IrId c = cst(g, 1, (int64_t[]){1}, &big);
    ir_add_output(g, "y", op2(g, IR_OP_SUB, op2(g, IR_OP_ADD, x, c), c), src_none());
    char err[256];
    BoundsGraph *b = bounds_prepare(g, err, sizeof err);
    double lo = 0.1, hi = 0.2, ylo, yhi, y;
    assert_true(bounds_eval(b, (double[]){0.15}, &y, err, sizeof err));
    assert_true(y == 0); /* what f32 evaluation gives */
    bounds_linear(b, &lo, &hi, BOUNDS_CROWN, NULL, NULL, 1, &ylo, &yhi);
    assert_true(ylo >= 0.0999 && yhi <= 0.2001 && !(ylo <= y)); /* sound for reals only */
    bounds_set_f32(b, true);
    bounds_linear(b, &lo, &hi, BOUNDS_CROWN, NULL, NULL, 1, &ylo, &yhi);
    assert_true(ylo <= y && y <= yhi && yhi - ylo < 30); /* covers f32, and not wildly */
    bounds_free(b);
    ir_graph_free(g);
}

/* y = -maxpool(x) over one window of two: x0 in [0, 1], x1 in [-0.5, 2].
 * The max is at most 2 (x1's upper end), so y >= -2 exactly; x0 has the
 * best lower bound, so y <= -x0 <= 0. */
static void maxpool_bounds_are_exact(void **state) {
    (void)state;
    IrGraph *g = ir_graph_new("t");
    IrType tx = {.dtype = IR_F32, .rank = 3, .dims = {1, 2, 1}};
    IrId x = ir_add_input(g, "x", tx, src_none());
    IrAttr pa[] = {ir_attr_ints("kernel", (int64_t[]){2}, 1), ir_attr_ints("stride", (int64_t[]){2}, 1),
                   ir_attr_ints("padding", (int64_t[]){0}, 1)};
    IrId p = ir_add(g, IR_OP_MAXPOOL1D, &x, 1, pa, 3, src_none(), NULL, 0);
    ir_add_output(g, "y", op1(g, IR_OP_NEG, p), src_none());
    char err[256];
    BoundsGraph *b = bounds_prepare(g, err, sizeof err);
    double lo[2] = {0, -0.5}, hi[2] = {1, 2}, yl, yh;
    bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, 1, &yl, &yh);
    assert_true(yl == -2 && yh == 0);
    bounds_free(b);
    ir_graph_free(g);
}

static void unsupported_ops_are_named(void **state) {
    (void)state;
    IrGraph *g = ir_graph_new("t");
    IrType tx = {.dtype = IR_F32, .rank = 1, .dims = {3}};
    IrId x = ir_add_input(g, "x", tx, src_none());
    ir_add_output(g, "y", op1(g, IR_OP_SIN, x), src_none());
    char err[256];
    assert_null(bounds_prepare(g, err, sizeof err));
    assert_string_equal(err, "bounds: no rule for sin of f32[3] on the input's path yet");
    ir_graph_free(g);
    /* a complex product of two input-dependent spectra has no rule either */
    g = ir_graph_new("t");
    IrType t8 = {.dtype = IR_F32, .rank = 2, .dims = {1, 8}};
    x = ir_add_input(g, "x", t8, src_none());
    IrAttr ax = ir_attr_ints("axes", (int64_t[]){1}, 1);
    IrId xf = ir_add(g, IR_OP_RFFT, &x, 1, &ax, 1, src_none(), NULL, 0);
    ir_add_output(g, "y", op1(g, IR_OP_REAL, op2(g, IR_OP_MUL, xf, xf)), src_none());
    assert_null(bounds_prepare(g, err, sizeof err));
    assert_string_equal(err, "bounds: no rule for mul of c64[1,5] on the input's path yet");
    ir_graph_free(g);
}

/* One-input graphs for the curve and product rules: x f32[1]. */
static IrGraph *scalar_graph(IrId *x) {
    IrGraph *g = ir_graph_new("s");
    IrType tx = {.dtype = IR_F32, .rank = 1, .dims = {1}};
    *x = ir_add_input(g, "x", tx, src_none());
    return g;
}

static void bounds_of(IrGraph *g, double l, double h, BoundsMethod m, double *yl, double *yh) {
    char err[256];
    BoundsGraph *b = bounds_prepare(g, err, sizeof err);
    if (!b) fail_msg("%s", err);
    bounds_linear(b, &l, &h, m, NULL, NULL, 1, yl, yh);
    bounds_free(b);
}

/* y = exp(x) - x over [0, 1]: truly [1, e - 1].  IBP: [1 - 1, e - 0].
 * CROWN: the chord 1 + (e-1)x over exp gives y <= 1 + (e-2)x <= e - 1;
 * the midpoint tangent e^.5 (x + .5) under it gives y >= e^.5/2 at x = 0. */
static void exp_bounds_are_exact(void **state) {
    (void)state;
    IrId x;
    IrGraph *g = scalar_graph(&x);
    ir_add_output(g, "y", op2(g, IR_OP_SUB, op1(g, IR_OP_EXP, x), x), src_none());
    double yl, yh;
    bounds_of(g, 0, 1, BOUNDS_IBP, &yl, &yh);
    assert_true(fabs(yl) < 1e-12 && fabs(yh - exp(1)) < 1e-12);
    bounds_of(g, 0, 1, BOUNDS_CROWN, &yl, &yh);
    assert_true(fabs(yl - 0.5 * exp(0.5)) < 1e-12 && fabs(yh - (exp(1) - 1)) < 1e-12);
    ir_graph_free(g);
}

/* gelu over [-2, 1]: its minimum, at the root of gelu' near -0.75, and
 * gelu(1) = Phi(1) = 0.841344746...; checked against a fine grid. */
static void gelu_bounds_are_exact(void **state) {
    (void)state;
    IrId x;
    IrGraph *g = scalar_graph(&x);
    ir_add_output(g, "y", op1(g, IR_OP_GELU, x), src_none());
    double yl, yh, grid = INFINITY;
    for (int k = 0; k <= 300000; k++) grid = fmin(grid, bounds_curve_f(IR_OP_GELU, -2 + 3.0 * k / 300000));
    bounds_of(g, -2, 1, BOUNDS_IBP, &yl, &yh);
    assert_true(yl <= grid && grid - yl < 1e-10 && fabs(yh - 0.8413447460685429) < 1e-12);
    assert_true(fabs(yl - -0.16997120) < 1e-8);
    ir_graph_free(g);
}

/* softmax of two elements is sigmoid(x0 - x1): over [0, 1]^2 each output
 * lies in [sigmoid(-1), sigmoid(1)], reached at corners. */
static void softmax_bounds_are_exact(void **state) {
    (void)state;
    IrGraph *g = ir_graph_new("t");
    IrType tx = {.dtype = IR_F32, .rank = 2, .dims = {1, 2}};
    IrId x = ir_add_input(g, "x", tx, src_none());
    IrAttr ax = ir_attr_int("axis", 1);
    ir_add_output(g, "y", ir_add(g, IR_OP_SOFTMAX, &x, 1, &ax, 1, src_none(), NULL, 0), src_none());
    char err[256];
    BoundsGraph *b = bounds_prepare(g, err, sizeof err);
    if (!b) fail_msg("%s", err);
    double lo[2] = {0, 0}, hi[2] = {1, 1}, yl[2], yh[2], s = 1 / (1 + exp(1));
    for (int m = 0; m < 2; m++) {
        bounds_linear(b, lo, hi, m ? BOUNDS_CROWN : BOUNDS_IBP, NULL, NULL, 2, yl, yh);
        for (int j = 0; j < 2; j++) assert_true(fabs(yl[j] - s) < 1e-12 && fabs(yh[j] - (1 - s)) < 1e-12);
    }
    /* y0 + y1 = 1 exactly; on a small box the linearized rows nearly know
     * it, IBP cannot (each output's interval is 0.05 wide) */
    double C[2] = {1, 1}, l1, h1;
    hi[0] = hi[1] = 0.1;
    bounds_linear(b, lo, hi, BOUNDS_IBP, C, NULL, 1, &l1, &h1);
    assert_true(h1 - l1 > 0.09);
    bounds_linear(b, lo, hi, BOUNDS_CROWN, C, NULL, 1, &l1, &h1);
    if (!(l1 <= 1 && h1 >= 1 && h1 - l1 < 0.006)) fail_msg("sum in [%.17g, %.17g]", l1, h1);
    bounds_free(b);
    ir_graph_free(g);
}

/* y = x (x + 2) - 2.5 x over [0, 1] (truly x^2 - x/2, in [-1/16, 1/2]).
 * IBP: [0, 3] - [0, 2.5].  McCormick with x in [0, 1], x + 2 in [2, 3]:
 * 2x <= x (x + 2) <= 3x, so -x/2 <= y <= x/2: [-0.5, 0.5]. */
static void product_bounds_are_exact(void **state) {
    (void)state;
    IrId x;
    IrGraph *g = scalar_graph(&x);
    float two = 2, c = 2.5f;
    IrId p = op2(g, IR_OP_MUL, x, op2(g, IR_OP_ADD, x, cst(g, 1, (int64_t[]){1}, &two)));
    ir_add_output(g, "y", op2(g, IR_OP_SUB, p, op2(g, IR_OP_MUL, x, cst(g, 1, (int64_t[]){1}, &c))), src_none());
    double yl, yh;
    bounds_of(g, 0, 1, BOUNDS_IBP, &yl, &yh);
    assert_true(yl == -2.5 && yh == 3);
    bounds_of(g, 0, 1, BOUNDS_CROWN, &yl, &yh);
    assert_true(yl == -0.5 && yh == 0.5);
    ir_graph_free(g);
}

/* ---- random networks ---------------------------------------------------- */


/* The lines of every relaxation enclose the function on its interval. */
static void relaxations_enclose_their_functions(void **state) {
    (void)state;
    unsigned seed = 5;
    const IrOpKind ops[] = {IR_OP_TANH, IR_OP_SIGMOID, IR_OP_RELU, IR_OP_LEAKY_RELU, IR_OP_GELU, IR_OP_EXP};
    for (int t = 0; t < 6000; t++) {
        double l = 6 * frand(&seed), u = l + 6 * fabs(frand(&seed)) + (t % 7 == 0 ? 0 : 1e-3);
        IrOpKind op = ops[t % 6];
        bool curve = op == IR_OP_GELU || op == IR_OP_EXP, smooth = op == IR_OP_TANH || op == IR_OP_SIGMOID;
        double su, tu, sl, tl = 0, a = op == IR_OP_LEAKY_RELU ? 0.1 : 0;
        if (smooth) bounds_relax_smooth(op, l, u, &su, &tu, &sl, &tl);
        else if (curve) bounds_relax_curve(op, l, u, &su, &tu, &sl, &tl);
        else bounds_relax(l, u, a, &su, &tu, &sl);
        double rl, rh;
        if (curve) bounds_curve_range(op, l, u, &rl, &rh);
        for (int k = 0; k <= 200; k++) {
            double x = l + (u - l) * k / 200;
            double f = smooth ? bounds_smooth_f(op, x) : curve ? bounds_curve_f(op, x) : (x >= 0 ? x : a * x);
            if (curve && !(rl <= f + 1e-12 * (1 + fabs(f)) && f <= rh + 1e-12 * (1 + fabs(f))))
                fail_msg("range of op %d over [%.17g, %.17g] = [%.17g, %.17g] misses f(%.17g) = %.17g", op, l, u, rl, rh, x, f);
            assert_true(su * x + tu >= f - 1e-9);
            assert_true(sl * x + tl <= f + 1e-9);
        }
    }
}

static void check_sound_tol(IrGraph *g, const double *lo, const double *hi, int64_t n, const double *blo,
                            const double *bhi, int64_t m, unsigned seed, double rel_tol);
static void check_sound(IrGraph *g, const double *lo, const double *hi, int64_t n, const double *blo,
                        const double *bhi, int64_t m, unsigned seed) {
    check_sound_tol(g, lo, hi, n, blo, bhi, m, seed, 1e-5); /* real-arithmetic bounds vs f32 runs */
}

/* A random MLP with a residual add, leaky ReLU, tanh or sigmoid, a
 * negation, a scaling and a reshape, so every rule and fan-out are
 * exercised. */
static IrGraph *random_net(unsigned seed, int64_t n_in, int64_t width, int layers) {
    IrGraph *g = ir_graph_new("r");
    IrType tx = {.dtype = IR_F32, .rank = 2, .dims = {1, n_in}};
    IrId h = ir_add_input(g, "x", tx, src_none()), skip = IR_NONE;
    int64_t cur = n_in;
    float *w = malloc((size_t)(width * (n_in > width ? n_in : width)) * sizeof *w), b[64], sc[64];
    for (int l = 0; l < layers; l++) {
        for (int64_t i = 0; i < cur * width; i++) w[i] = frand(&seed) / sqrtf((float)cur);
        for (int64_t i = 0; i < width; i++) b[i] = frand(&seed) * 0.3f, sc[i] = frand(&seed) * 2;
        h = op2(g, IR_OP_MATMUL, h, cst(g, 2, (int64_t[]){cur, width}, w));
        h = op2(g, (l & 1) ? IR_OP_SUB : IR_OP_ADD, h, cst(g, 1, (int64_t[]){width}, b));
        if (skip != IR_NONE && l == 2) h = op2(g, IR_OP_ADD, h, skip); /* residual */
        if (l == 1) h = op2(g, IR_OP_MUL, cst(g, 1, (int64_t[]){width}, sc), h);
        if (l == 1) h = op1(g, IR_OP_NEG, h);
        IrAttr alpha = ir_attr_float("alpha", 0.1);
        if (seed % 3 == 0 && l == 1) h = op1(g, IR_OP_TANH, h);
        else if (seed % 3 == 1 && l == 2) h = op1(g, IR_OP_SIGMOID, h);
        else h = (l & 1) ? ir_add(g, IR_OP_LEAKY_RELU, &h, 1, &alpha, 1, src_none(), NULL, 0) : op1(g, IR_OP_RELU, h);
        if (l == 0) skip = h;
        cur = width;
    }
    IrAttr shape = ir_attr_ints("shape", (int64_t[]){cur}, 1);
    h = ir_add(g, IR_OP_RESHAPE, &h, 1, &shape, 1, src_none(), NULL, 0);
    ir_add_output(g, "y", h, src_none());
    free(w);
    return g;
}

/* Samples points in the box (corners included) and checks each output;
 * exact (no tolerance) when the bounds claim to cover f32 evaluation. */
static void check_sound_tol(IrGraph *g, const double *lo, const double *hi, int64_t n, const double *blo,
                            const double *bhi, int64_t m, unsigned seed, double rel_tol) {
    check_sound_n(g, lo, hi, n, blo, bhi, m, seed, rel_tol, 2000);
}

/* CROWN's bounds of the m outputs over [lo, hi] into cl, ch, asserting
 * that they lie within IBP's. */
static void crown_within_ibp(BoundsGraph *b, const double *lo, const double *hi, int64_t m, double *cl, double *ch) {
    double *il = malloc((size_t)m * sizeof *il), *ih = malloc((size_t)m * sizeof *ih);
    assert_non_null(il), assert_non_null(ih);
    bounds_linear(b, lo, hi, BOUNDS_IBP, NULL, NULL, m, il, ih);
    bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, cl, ch);
    for (int64_t j = 0; j < m; j++) assert_true(cl[j] >= il[j] && ch[j] <= ih[j]);
    free(il), free(ih);
}

/* The seeded input box of the random-network tests. */
static void random_box(unsigned seed, int64_t n, double *lo, double *hi) {
    unsigned s2 = seed * 7919;
    for (int64_t i = 0; i < n; i++) {
        double c = frand(&s2), r = 0.05 + 0.5 * fabs(frand(&s2));
        lo[i] = c - r, hi[i] = c + r;
    }
}

static void random_networks_are_bounded_soundly(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 50; seed++) {
        int64_t n = 2 + seed % 5, width = 4 + seed % 9, m = width;
        IrGraph *g = random_net(seed, n, width, 3 + seed % 3);
        char err[256];
        BoundsGraph *b = bounds_prepare(g, err, sizeof err);
        assert_non_null(b);
        double lo[8], hi[8], clo[64], chi[64];
        random_box(seed, n, lo, hi);
        crown_within_ibp(b, lo, hi, m, clo, chi);
        check_sound(g, lo, hi, n, clo, chi, m, seed);
        /* f32 mode: the interpreter's f32 outputs, with no tolerance at all */
        bounds_set_f32(b, true);
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, clo, chi);
        check_sound_tol(g, lo, hi, n, clo, chi, m, seed, 0);
        bounds_set_f32(b, false);
        bounds_free(b);
        ir_graph_free(g);
    }
}

/* alpha-CROWN on the random networks (ReLU, leaky ReLU, residual adds):
 * never looser than CROWN, still sound, and tighter somewhere. */
static void alpha_crown_is_sound_and_never_looser(void **state) {
    (void)state;
    int tighter = 0;
    for (unsigned seed = 1; seed <= 50; seed++) {
        int64_t n = 2 + seed % 5, width = 4 + seed % 9, m = width;
        IrGraph *g = random_net(seed, n, width, 3 + seed % 3);
        char err[256];
        BoundsGraph *b = bounds_prepare(g, err, sizeof err);
        assert_non_null(b);
        double lo[8], hi[8], clo[64], chi[64], alo[64], ahi[64];
        random_box(seed, n, lo, hi);
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, clo, chi);
        bounds_linear(b, lo, hi, BOUNDS_ALPHA_CROWN, NULL, NULL, m, alo, ahi);
        for (int64_t j = 0; j < m; j++) {
            assert_true(alo[j] >= clo[j] && ahi[j] <= chi[j]);
            tighter += alo[j] > clo[j] + 1e-9 || ahi[j] < chi[j] - 1e-9;
        }
        check_sound(g, lo, hi, n, alo, ahi, m, seed);
        bounds_set_alpha(b, 0, 0.5); /* no steps: CROWN itself */
        bounds_linear(b, lo, hi, BOUNDS_ALPHA_CROWN, NULL, NULL, m, alo, ahi);
        for (int64_t j = 0; j < m; j++) assert_true(alo[j] == clo[j] && ahi[j] == chi[j]);
        bounds_free(b);
        ir_graph_free(g);
    }
    assert_true(tighter > 20);
}

/* A random network with every curve rule: dense -> gelu -> two dense
 * branches multiplied (McCormick) -> scaled exp -> dense -> softmax, plus
 * a residual add of the gelu layer. */
static IrGraph *random_curve_net(unsigned seed, int64_t n_in, int64_t width) {
    IrGraph *g = ir_graph_new("c");
    IrType tx = {.dtype = IR_F32, .rank = 2, .dims = {1, n_in}};
    IrId x = ir_add_input(g, "x", tx, src_none());
    float w[5][64], sc[16];
    for (int l = 0; l < 5; l++)
        for (int i = 0; i < 64; i++) w[l][i] = frand(&seed) * (l == 0 ? 1.5f : 0.8f);
    for (int i = 0; i < 16; i++) sc[i] = 0.3f + 0.2f * frand(&seed);
    IrId h = op1(g, IR_OP_GELU, op2(g, IR_OP_MATMUL, x, cst(g, 2, (int64_t[]){n_in, width}, w[0])));
    IrId a = op2(g, IR_OP_MATMUL, h, cst(g, 2, (int64_t[]){width, width}, w[1]));
    IrId c = op2(g, IR_OP_MATMUL, h, cst(g, 2, (int64_t[]){width, width}, w[2]));
    IrId p = op2(g, IR_OP_ADD, op2(g, IR_OP_MUL, a, c), h);
    IrId e = op1(g, IR_OP_EXP, op2(g, IR_OP_MUL, p, cst(g, 1, (int64_t[]){width}, sc)));
    IrId z = op2(g, IR_OP_MATMUL, e, cst(g, 2, (int64_t[]){width, width}, w[3]));
    IrAttr ax = ir_attr_int("axis", 1);
    ir_add_output(g, "y", ir_add(g, IR_OP_SOFTMAX, &z, 1, &ax, 1, src_none(), NULL, 0), src_none());
    return g;
}

static void curve_networks_are_bounded_soundly(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 50; seed++) {
        int64_t n = 2 + seed % 3, m = 3 + seed % 5;
        IrGraph *g = random_curve_net(seed, n, m);
        char err[256];
        BoundsGraph *b = bounds_prepare(g, err, sizeof err);
        if (!b) fail_msg("%s", err);
        double lo[8], hi[8], clo[8], chi[8];
        unsigned s2 = seed * 31;
        for (int64_t i = 0; i < n; i++) {
            double c = frand(&s2), r = 0.02 + 0.3 * fabs(frand(&s2));
            lo[i] = c - r, hi[i] = c + r;
        }
        crown_within_ibp(b, lo, hi, m, clo, chi);
        check_sound(g, lo, hi, n, clo, chi, m, seed);
        bounds_set_f32(b, true);
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, clo, chi);
        check_sound_tol(g, lo, hi, n, clo, chi, m, seed, 0);
        bounds_free(b);
        ir_graph_free(g);
    }
}

/* ---- spectral ------------------------------------------------------------ */

/* fno_block1d(width, modes) of stdlib/fno.pde on x f32[1, X, width]:
 * gelu(irfft(pad(mix(rfft(x)[:, :modes, :], w1))) + conv1x1(x) + bias). */
static IrGraph *fno_block(unsigned seed, int64_t X, int64_t C, int64_t modes) {
    IrGraph *g = ir_graph_new("fno");
    IrType tx = {.dtype = IR_F32, .rank = 3, .dims = {1, X, C}};
    IrId x = ir_add_input(g, "x", tx, src_none());
    float *w1 = malloc((size_t)(2 * C * C * modes) * sizeof *w1), *wc = malloc((size_t)(C * C) * sizeof *wc), bias[64];
    float scale = 1.0f / (float)(C * C);
    for (int64_t i = 0; i < 2 * C * C * modes; i++) w1[i] = frand(&seed) * scale * 4;
    for (int64_t i = 0; i < C * C; i++) wc[i] = frand(&seed) / sqrtf((float)C);
    for (int64_t i = 0; i < C; i++) bias[i] = frand(&seed) * 0.1f;
    IrAttr ax = ir_attr_ints("axes", (int64_t[]){1}, 1);
    IrId xf = op_attrs(g, IR_OP_RFFT, x, &ax, 1);
    IrAttr sl[] = {ir_attr_ints("starts", (int64_t[]){0, 0, 0}, 3), ir_attr_ints("ends", (int64_t[]){1, modes, C}, 3),
                   ir_attr_ints("steps", (int64_t[]){1, 1, 1}, 3)};
    IrId lo = op2(g, IR_OP_MIX, op_attrs(g, IR_OP_SLICE, xf, sl, 3), cst_c64(g, 3, (int64_t[]){C, C, modes}, w1));
    IrAttr pd = ir_attr_ints("pads", (int64_t[]){0, 0, 0, X / 2 + 1 - modes, 0, 0}, 6);
    IrAttr ia[] = {ir_attr_ints("axes", (int64_t[]){1}, 1), ir_attr_ints("n", (int64_t[]){X}, 1)};
    IrId sp = op_attrs(g, IR_OP_IRFFT, op_attrs(g, IR_OP_PAD, lo, &pd, 1), ia, 2);
    IrAttr ca[] = {ir_attr_ints("stride", (int64_t[]){1}, 1), ir_attr_ints("padding", (int64_t[]){0}, 1),
                   ir_attr_ints("dilation", (int64_t[]){1}, 1)};
    IrId cin[2] = {x, cst(g, 3, (int64_t[]){C, C, 1}, wc)};
    IrId skip = op2(g, IR_OP_ADD, ir_add(g, IR_OP_CONV1D, cin, 2, ca, 3, src_none(), NULL, 0),
                    cst(g, 1, (int64_t[]){C}, bias));
    ir_add_output(g, "y", op1(g, IR_OP_GELU, op2(g, IR_OP_ADD, sp, skip)), src_none());
    free(w1), free(wc);
    return g;
}

/* Runs the graph at one point in f32 (the interpreter). OUT: y. */
static void run_at(IrGraph *g, const double *x, int64_t n, double *y, int64_t m) {
    PdrtTensor tx, ty;
    const IrType *t = &ir_node(g, 0)->type;
    pdrt_tensor_alloc(&tx, PDRT_F32, t->rank, t->dims);
    for (int64_t i = 0; i < n; i++) ((float *)tx.data)[i] = (float)x[i];
    char err[256];
    assert_true(interp_run(g, &tx, 1, &ty, 1, err, sizeof err));
    for (int64_t j = 0; j < m; j++) y[j] = ((float *)ty.data)[j];
    pdrt_tensor_free(&tx), pdrt_tensor_free(&ty);
}

/* Whole FNO blocks: a one-point box gives the interpreter's output (the
 * transforms are exact maps), and 10,000 sampled points of a box stay in
 * its bounds; CROWN never looser than IBP. */
static void fno_blocks_are_bounded_soundly(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 4; seed++) {
        int64_t X = 8 + 4 * seed, C = 2 + seed, modes = 2 + seed % 3;
        IrGraph *g = fno_block(seed, X, C, modes);
        char err[256];
        BoundsGraph *b = bounds_prepare(g, err, sizeof err);
        if (!b) fail_msg("%s", err);
        int64_t n = bounds_input_size(b), m = bounds_output_size(b);
        double *lo = malloc((size_t)n * sizeof *lo), *hi = malloc((size_t)n * sizeof *hi), *y = malloc((size_t)m * sizeof *y);
        double *cl = malloc((size_t)m * sizeof *cl), *ch = malloc((size_t)m * sizeof *ch);
        unsigned s2 = seed;
        for (int64_t i = 0; i < n; i++) lo[i] = hi[i] = frand(&s2);
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, cl, ch);
        run_at(g, lo, n, y, m);
        for (int64_t j = 0; j < m; j++) assert_true(fabs(cl[j] - y[j]) < 1e-5 && fabs(ch[j] - y[j]) < 1e-5);
        for (int64_t i = 0; i < n; i++) lo[i] -= 0.05 * seed, hi[i] += 0.05 * seed;
        crown_within_ibp(b, lo, hi, m, cl, ch);
        check_sound_n(g, lo, hi, n, cl, ch, m, seed, 1e-5, 10000);
        bounds_set_f32(b, true);
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, cl, ch);
        check_sound_n(g, lo, hi, n, cl, ch, m, seed, 0, 2000);
        free(lo), free(hi), free(y), free(cl), free(ch);
        bounds_free(b);
        ir_graph_free(g);
    }
}

static void spectral_ops_are_exact_and_sound(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 8; seed++) {
        IrGraph *g = spectral_net(seed);
        char err[256];
        BoundsGraph *b = bounds_prepare(g, err, sizeof err);
        if (!b) fail_msg("%s", err);
        double lo[48], hi[48], y[2], yl[2], yh[2];
        unsigned s2 = seed;
        for (int i = 0; i < 48; i++) lo[i] = hi[i] = frand(&s2);
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, 2, yl, yh);
        run_at(g, lo, 48, y, 2);
        for (int j = 0; j < 2; j++) assert_true(fabs(yl[j] - y[j]) < 1e-5 && fabs(yh[j] - y[j]) < 1e-5);
        for (int i = 0; i < 48; i++) lo[i] -= 0.1, hi[i] += 0.1;
        crown_within_ibp(b, lo, hi, 2, yl, yh);
        check_sound_n(g, lo, hi, 48, yl, yh, 2, seed, 1e-5, 10000);
        bounds_free(b);
        ir_graph_free(g);
    }
}

/* A random CNN: conv2d (stride, padding, dilation, groups), bias, ReLU,
 * avgpool, maxpool, a 1-D conv over the flattened rows, a dense layer. */
static IrGraph *random_cnn(unsigned seed) {
    IrGraph *g = ir_graph_new("cnn");
    IrType tx = {.dtype = IR_F32, .rank = 4, .dims = {1, 7, 6, 2}};
    IrId h = ir_add_input(g, "x", tx, src_none());
    float w[512], bias[8];
    int64_t groups = 1 + seed % 2, stride = 1 + seed % 2, pad = seed % 2, dil = 1 + (seed / 2) % 2;
    for (int i = 0; i < 512; i++) w[i] = frand(&seed) * 0.5f;
    for (int i = 0; i < 8; i++) bias[i] = frand(&seed) * 0.2f;
    IrAttr ca[] = {ir_attr_ints("stride", (int64_t[]){stride, stride}, 2), ir_attr_ints("padding", (int64_t[]){pad, pad}, 2),
                   ir_attr_ints("dilation", (int64_t[]){dil, dil}, 2), ir_attr_int("groups", groups)};
    IrId in[2] = {h, cst(g, 4, (int64_t[]){4, 2 / groups, 2, 2}, w)};
    h = ir_add(g, IR_OP_CONV2D, in, 2, ca, 4, src_none(), NULL, 0);
    h = op1(g, IR_OP_RELU, op2(g, IR_OP_ADD, h, cst(g, 1, (int64_t[]){4}, bias)));
    IrAttr pa[] = {ir_attr_ints("kernel", (int64_t[]){2, 2}, 2), ir_attr_ints("stride", (int64_t[]){1, 1}, 2),
                   ir_attr_ints("padding", (int64_t[]){1, 1}, 2)};
    h = ir_add(g, IR_OP_AVGPOOL2D, &h, 1, pa, 3, src_none(), NULL, 0);
    IrAttr ma[] = {ir_attr_ints("kernel", (int64_t[]){2, 2}, 2), ir_attr_ints("stride", (int64_t[]){1, 2}, 2),
                   ir_attr_ints("padding", (int64_t[]){1, 0}, 2)};
    h = ir_add(g, IR_OP_MAXPOOL2D, &h, 1, ma, 3, src_none(), NULL, 0);
    const IrType *t = &ir_node(g, h)->type;
    IrAttr rs = ir_attr_ints("shape", (int64_t[]){1, t->dims[1] * t->dims[2], 4}, 3);
    h = ir_add(g, IR_OP_RESHAPE, &h, 1, &rs, 1, src_none(), NULL, 0);
    IrAttr c1[] = {ir_attr_ints("stride", (int64_t[]){2}, 1), ir_attr_ints("padding", (int64_t[]){1}, 1),
                   ir_attr_ints("dilation", (int64_t[]){1}, 1)};
    IrId in1[2] = {h, cst(g, 3, (int64_t[]){3, 4, 3}, w + 100)};
    h = op1(g, IR_OP_TANH, ir_add(g, IR_OP_CONV1D, in1, 2, c1, 3, src_none(), NULL, 0));
    t = &ir_node(g, h)->type;
    IrAttr fl = ir_attr_ints("shape", (int64_t[]){1, t->dims[1] * 3}, 2);
    h = ir_add(g, IR_OP_RESHAPE, &h, 1, &fl, 1, src_none(), NULL, 0);
    h = op2(g, IR_OP_MATMUL, h, cst(g, 2, (int64_t[]){ir_node(g, h)->type.dims[1], 2}, w + 200));
    ir_add_output(g, "y", h, src_none());
    return g;
}

/* Convolutions and pooling: a one-point box gives the interpreter's
 * output, and sampled points of a box stay inside its bounds. */
static void convolutions_are_bounded_soundly(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 12; seed++) {
        IrGraph *g = random_cnn(seed);
        char err[256];
        BoundsGraph *b = bounds_prepare(g, err, sizeof err);
        if (!b) fail_msg("%s", err);
        int64_t n = bounds_input_size(b), m = bounds_output_size(b);
        double lo[84], hi[84], yl[2], yh[2], y[2];
        unsigned s2 = seed;
        for (int64_t i = 0; i < n; i++) lo[i] = hi[i] = frand(&s2);
        bounds_eval_real(b, lo, y);
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, yl, yh);
        PdrtTensor x, out;
        pdrt_tensor_alloc(&x, PDRT_F32, 4, (int64_t[]){1, 7, 6, 2});
        for (int64_t i = 0; i < n; i++) ((float *)x.data)[i] = (float)lo[i];
        assert_true(interp_run(g, &x, 1, &out, 1, err, sizeof err));
        for (int64_t j = 0; j < m; j++) {
            double v = ((float *)out.data)[j];
            assert_true(fabs(y[j] - v) < 1e-5 && fabs(yl[j] - v) < 1e-5 && fabs(yh[j] - v) < 1e-5);
        }
        pdrt_tensor_free(&x), pdrt_tensor_free(&out);
        for (int64_t i = 0; i < n; i++) lo[i] -= 0.05, hi[i] += 0.05;
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, yl, yh);
        check_sound(g, lo, hi, n, yl, yh, m, seed);
        bounds_free(b);
        ir_graph_free(g);
    }
}

/* Data movement between layers: transpose, slice (negative step), pad
 * with a constant, concat with a constant, gather, broadcast. */
static IrGraph *shuffle_net(unsigned seed) {
    IrGraph *g = ir_graph_new("shuffle");
    IrType tx = {.dtype = IR_F32, .rank = 3, .dims = {1, 4, 3}};
    IrId h = ir_add_input(g, "x", tx, src_none());
    float w[64], k[16];
    for (int i = 0; i < 64; i++) w[i] = frand(&seed);
    for (int i = 0; i < 16; i++) k[i] = frand(&seed);
    IrAttr tp = ir_attr_ints("perm", (int64_t[]){0, 2, 1}, 3);
    h = op1(g, IR_OP_RELU, ir_add(g, IR_OP_TRANSPOSE, &h, 1, &tp, 1, src_none(), NULL, 0)); /* [1,3,4] */
    IrAttr sl[] = {ir_attr_ints("starts", (int64_t[]){0, 2, 3}, 3), ir_attr_ints("ends", (int64_t[]){1, -1, 0}, 3),
                   ir_attr_ints("steps", (int64_t[]){1, -1, -2}, 3)};
    h = ir_add(g, IR_OP_SLICE, &h, 1, sl, 3, src_none(), NULL, 0); /* [1,3,2] */
    IrAttr pd[] = {ir_attr_ints("pads", (int64_t[]){0, 0, 1, 0, 0, 1}, 6), ir_attr_float("value", 0.5)};
    h = ir_add(g, IR_OP_PAD, &h, 1, pd, 2, src_none(), NULL, 0); /* [1,4,3] */
    IrId cat[2] = {cst(g, 3, (int64_t[]){1, 4, 2}, k), h};
    IrAttr ax = ir_attr_int("axis", 2);
    h = ir_add(g, IR_OP_CONCAT, cat, 2, &ax, 1, src_none(), NULL, 0); /* [1,4,5] */
    IrAttr ga[] = {ir_attr_ints("indices", (int64_t[]){4, 0, 4, 2}, 4), ir_attr_int("axis", 2)};
    h = ir_add(g, IR_OP_GATHER, &h, 1, ga, 2, src_none(), NULL, 0); /* [1,4,4] */
    IrAttr bc = ir_attr_ints("shape", (int64_t[]){2, 4, 4}, 3);
    h = ir_add(g, IR_OP_BROADCAST, &h, 1, &bc, 1, src_none(), NULL, 0);
    IrAttr fl = ir_attr_ints("shape", (int64_t[]){1, 32}, 2);
    h = ir_add(g, IR_OP_RESHAPE, &h, 1, &fl, 1, src_none(), NULL, 0);
    h = op2(g, IR_OP_MATMUL, h, cst(g, 2, (int64_t[]){32, 2}, w));
    ir_add_output(g, "y", h, src_none());
    return g;
}

static void data_movement_is_bounded_exactly(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 10; seed++) {
        IrGraph *g = shuffle_net(seed);
        char err[256];
        BoundsGraph *b = bounds_prepare(g, err, sizeof err);
        if (!b) fail_msg("%s", err);
        double lo[12], hi[12], yl[2], yh[2];
        unsigned s2 = seed;
        for (int i = 0; i < 12; i++) lo[i] = hi[i] = frand(&s2);
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, 2, yl, yh);
        PdrtTensor x, out;
        pdrt_tensor_alloc(&x, PDRT_F32, 3, (int64_t[]){1, 4, 3});
        for (int i = 0; i < 12; i++) ((float *)x.data)[i] = (float)lo[i];
        assert_true(interp_run(g, &x, 1, &out, 1, err, sizeof err));
        for (int j = 0; j < 2; j++) {
            double v = ((float *)out.data)[j];
            assert_true(fabs(yl[j] - v) < 1e-5 && fabs(yh[j] - v) < 1e-5);
        }
        pdrt_tensor_free(&x), pdrt_tensor_free(&out);
        for (int i = 0; i < 12; i++) lo[i] -= 0.3, hi[i] += 0.3;
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, 2, yl, yh);
        check_sound(g, lo, hi, 12, yl, yh, 2, seed);
        bounds_free(b);
        ir_graph_free(g);
    }
}

/* Branch and bound against brute force: on random 2-input networks, the
 * property "y0 >= t" (t between sampled extremes) is unsat exactly when no
 * point of a fine grid reaches t (up to a margin for the grid's spacing). */
static void verify_agrees_with_a_grid(void **state) {
    (void)state;
    int sat = 0, unsat = 0;
    for (unsigned seed = 1; seed <= 40; seed++) {
        IrGraph *g = random_net(seed, 2, 6 + seed % 5, 3);
        char err[256];
        BoundsGraph *b = bounds_prepare(g, err, sizeof err);
        assert_non_null(b);
        int64_t m = bounds_output_size(b);
        double lo[2] = {-1, -0.5}, hi[2] = {0.5, 1}, x[2], y[64], best = -INFINITY, worst = INFINITY;
        for (int i = 0; i <= 200; i++)
            for (int j = 0; j <= 200; j++) {
                x[0] = lo[0] + (hi[0] - lo[0]) * i / 200, x[1] = lo[1] + (hi[1] - lo[1]) * j / 200;
                bounds_eval_real(b, x, y);
                best = fmax(best, y[0]), worst = fmin(worst, y[0]);
            }
        /* unsafe: y0 >= t, i.e. -y0 <= -t; t near the top of the range */
        double t = best - (seed % 2 ? 0.02 : -0.02) * (best - worst + 1e-9);
        double *C = calloc((size_t)m, sizeof *C), d = -t;
        C[0] = -1;
        /* branch and bound alone (no attack first), so its proofs are tested */
        VerifyOptions opt = {.deadline = bounds_now() + 2, .seed = seed, .no_attack = true};
        VerifyResult res;
        verify_case(b, lo, hi, C, &d, 1, &opt, &res);
        if (seed % 2) { /* the grid reached t: never unsat; a sat must be real */
            assert_int_not_equal(res.verdict, VERDICT_UNSAT);
            if (res.verdict == VERDICT_SAT) {
                bounds_eval_real(b, res.x, y);
                assert_true(y[0] >= t);
                sat++;
            }
        } else if (res.verdict == VERDICT_UNSAT) {
            unsat++;
        } else {
            assert_int_equal(res.verdict, VERDICT_SAT); /* the grid missed a peak: check it */
            bounds_eval_real(b, res.x, y);
            assert_true(y[0] >= t);
        }
        free(res.x), free(res.y), free(C);
        bounds_free(b);
        ir_graph_free(g);
    }
    assert_true(sat >= 10 && unsat > 10);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_computed_bounds_are_exact),
        cmocka_unit_test(unsupported_ops_are_named),
        cmocka_unit_test(maxpool_bounds_are_exact),
        cmocka_unit_test(f32_mode_covers_rounding),
        cmocka_unit_test(relaxations_enclose_their_functions),
        cmocka_unit_test(random_networks_are_bounded_soundly),
        cmocka_unit_test(verify_agrees_with_a_grid),
        cmocka_unit_test(convolutions_are_bounded_soundly),
        cmocka_unit_test(data_movement_is_bounded_exactly),
        cmocka_unit_test(exp_bounds_are_exact),
        cmocka_unit_test(gelu_bounds_are_exact),
        cmocka_unit_test(softmax_bounds_are_exact),
        cmocka_unit_test(product_bounds_are_exact),
        cmocka_unit_test(curve_networks_are_bounded_soundly),
        cmocka_unit_test(fno_blocks_are_bounded_soundly),
        cmocka_unit_test(alpha_crown_is_sound_and_never_looser),
        cmocka_unit_test(spectral_ops_are_exact_and_sound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
