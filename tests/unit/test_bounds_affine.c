/* test_bounds_affine.c — the fno1d example's first block (its weights)
 * bounded two ways: transforms as explicit maps with CROWN rows (the old
 * path, all in double), and transforms as one-axis passes with the
 * pre-GELU sum bounded by forward mode (affine.c, xform.c).  The two must
 * agree; sampled points (the interpreter) must stay inside the bounds at
 * a middle grid size, also in f32 mode (rows through the passes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/interp/interp.h"
#include "frontend/frontend.h"
#include "passes/bounds/bounds.h"
#include "passes/bounds/bounds_impl.h"

#include "bounds_nets.h"

#define MODEL PDEC_SOURCE_DIR "/tests/lit/bounds/Inputs/fno1d_block0.pde"

/* The block on a grid of X points: the test model with its sizes changed. */
static IrGraph *block(int64_t X) {
    size_t len;
    char *text = pd_read_file(MODEL, &len);
    assert_non_null(text);
    char *src = malloc(len + 64), *o = src;
    for (const char *p = text; *p;) { /* "32," and "32]" are the grid's size */
        if (!strncmp(p, "32,", 3) || !strncmp(p, "32]", 3)) o += sprintf(o, "%lld", (long long)X), p += 2;
        else *o++ = *p++;
    }
    *o = 0;
    FILE *null = fopen("/dev/null", "w");
    DiagCtx *dc = diag_new(null);
    IrGraph *g = fe_load_pde_text(MODEL, src, strlen(src), NULL, dc);
    assert_non_null(g);
    assert_true(fe_bind_weights(g, NULL, dc));
    diag_free(dc), fclose(null), free(src), free(text);
    return g;
}

/* An initial condition and the grid, perturbed by eps (channel 0 only
 * when grid_fixed). */
static void region(int64_t X, double eps, bool grid_fixed, double *lo, double *hi) {
    for (int64_t s = 0; s < X; s++) {
        double u = sin(6.283185307179586 * (double)s / (double)X) + 0.3 * cos(18.84955592153876 * (double)s / (double)X);
        double g = (double)s / (double)X;
        lo[2 * s] = u - eps, hi[2 * s] = u + eps;
        lo[2 * s + 1] = g - (grid_fixed ? 0 : eps), hi[2 * s + 1] = g + (grid_fixed ? 0 : eps);
    }
}

static BoundsGraph *prepared(IrGraph *g, bool passes) {
    char err[256];
    BoundsGraph *b = bounds_prepare(g, err, sizeof err);
    if (!b) fail_msg("%s", err);
    if (passes) {
        bounds_spectral_use_passes(b);
        b->affine_mode = AFFINE_ON;
    } else {
        b->affine_mode = AFFINE_OFF;
        b->f32_rows = INT64_MAX; /* products in double: no f32 error terms */
    }
    return b;
}

static void assert_close(const double *a, const double *b, int64_t m, double rel) {
    for (int64_t i = 0; i < m; i++)
        if (!(fabs(a[i] - b[i]) <= rel * fmax(1, fabs(a[i])))) fail_msg("unit %lld: %.17g vs %.17g", (long long)i, a[i], b[i]);
}

/* At 32 points (2048 outputs) the old path is cheap enough to compare. */
static void passes_and_forward_mode_match_maps_and_rows(void **state) {
    (void)state;
    IrGraph *g = block(32);
    BoundsGraph *old = prepared(g, false), *neu = prepared(g, true);
    int64_t n = bounds_input_size(old), m = bounds_output_size(old);
    double *lo = malloc((size_t)(2 * n) * sizeof *lo), *hi = lo + n, *r = malloc((size_t)(4 * m) * sizeof *r);
    for (int fixed = 0; fixed < 2; fixed++) {
        region(32, 0.01, fixed, lo, hi);
        for (int method = BOUNDS_IBP; method <= BOUNDS_CROWN; method++) {
            bounds_linear(old, lo, hi, (BoundsMethod)method, NULL, NULL, m, r, r + m);
            bounds_linear(neu, lo, hi, (BoundsMethod)method, NULL, NULL, m, r + 2 * m, r + 3 * m);
            assert_close(r, r + 2 * m, 2 * m, 1e-9);
        }
    }
    char err[256];
    assert_true(bounds_method_feasible(neu, BOUNDS_CROWN, false, err, sizeof err));
    assert_true(bounds_method_feasible(neu, BOUNDS_CROWN, true, err, sizeof err));
    assert_false(bounds_method_feasible(neu, BOUNDS_ALPHA_CROWN, false, err, sizeof err));
    free(lo), free(r);
    bounds_free(old), bounds_free(neu);
    ir_graph_free(g);
}

/* At 128 points: CROWN inside IBP and much tighter; samples inside; the
 * same on two threads. */
static void middle_size_is_sound(void **state) {
    (void)state;
    IrGraph *g = block(128);
    BoundsGraph *b = prepared(g, true);
    int64_t n = bounds_input_size(b), m = bounds_output_size(b);
    double *lo = malloc((size_t)(2 * n) * sizeof *lo), *hi = lo + n, *r = malloc((size_t)(4 * m) * sizeof *r);
    region(128, 0.02, false, lo, hi);
    bounds_linear(b, lo, hi, BOUNDS_IBP, NULL, NULL, m, r, r + m);
    bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, r + 2 * m, r + 3 * m);
    double wi = 0, wc = 0;
    for (int64_t j = 0; j < m; j++) {
        assert_true(r[2 * m + j] >= r[j] && r[3 * m + j] <= r[m + j]);
        wi += r[m + j] - r[j], wc += r[3 * m + j] - r[2 * m + j];
    }
    assert_true(wc < 0.2 * wi);
    check_sound_n(g, lo, hi, n, r + 2 * m, r + 3 * m, m, 7, 1e-5, 300);
    bounds_set_threads(b, 2); /* forward columns split between threads */
    bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, r, r + m);
    assert_close(r, r + 2 * m, 2 * m, 1e-12);
    free(lo), free(r);
    bounds_free(b);
    ir_graph_free(g);
}

/* f32 mode on the passes, by CROWN rows across them (xform.c's transpose
 * and rounding terms) and by forward mode (the errors carried forward):
 * f32 runs inside with no tolerance; forward within 1e-5 of the rows (its |T2| |T1| is above |T2 T1|). */
static void f32_bounds_on_passes_are_sound(void **state) {
    (void)state;
    IrGraph *g = block(32);
    BoundsGraph *b = prepared(g, true);
    int64_t n = bounds_input_size(b), m = bounds_output_size(b);
    double *lo = malloc((size_t)(2 * n) * sizeof *lo), *hi = lo + n, *r = malloc((size_t)(4 * m) * sizeof *r);
    region(32, 0.01, true, lo, hi);
    bounds_set_f32(b, true);
    for (int mode = 0; mode < 2; mode++) {
        b->affine_mode = mode ? AFFINE_ON : AFFINE_OFF;
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, r + 2 * mode * m, r + (2 * mode + 1) * m);
        check_sound_n(g, lo, hi, n, r + 2 * mode * m, r + (2 * mode + 1) * m, m, 7, 0, 300);
    }
    assert_close(r, r + 2 * m, 2 * m, 1e-5);
    free(lo), free(r);
    bounds_free(b);
    ir_graph_free(g);
}

/* ---- every transform kind as passes ------------------------------------ */

/* Passes (transposed in CROWN's rows, forward in affine.c) against the
 * composed maps: equal CROWN bounds, exact at a point, sound on a box,
 * also in f32 mode. */
static void every_transform_as_passes_matches_its_map(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 6; seed++) {
        IrGraph *g = spectral_net(seed);
        BoundsGraph *map = prepared(g, false), *rows = prepared(g, true), *fwd = prepared(g, true);
        rows->affine_mode = AFFINE_OFF, rows->f32_rows = fwd->f32_rows = INT64_MAX;
        double lo[48], hi[48], r[6][2];
        unsigned s2 = seed;
        for (int i = 0; i < 48; i++) lo[i] = hi[i] = frand(&s2);
        bounds_linear(rows, lo, hi, BOUNDS_CROWN, NULL, NULL, 2, r[0], r[1]);
        bounds_linear(fwd, lo, hi, BOUNDS_IBP, NULL, NULL, 2, r[2], r[3]);
        assert_close(r[0], r[1], 2, 1e-9), assert_close(r[2], r[3], 2, 1e-9), assert_close(r[0], r[2], 2, 1e-9);
        for (int i = 0; i < 48; i++) lo[i] -= 0.1, hi[i] += 0.1;
        BoundsGraph *all[3] = {map, rows, fwd};
        for (int k = 0; k < 3; k++) bounds_linear(all[k], lo, hi, BOUNDS_CROWN, NULL, NULL, 2, r[2 * k], r[2 * k + 1]);
        for (int k = 1; k < 3; k++) assert_close(r[0], r[2 * k], 2, 1e-9), assert_close(r[1], r[2 * k + 1], 2, 1e-9);
        check_sound_n(g, lo, hi, 48, r[2], r[3], 2, 7, 1e-5, 2000);
        bounds_set_f32(rows, true);
        bounds_linear(rows, lo, hi, BOUNDS_CROWN, NULL, NULL, 2, r[0], r[1]);
        check_sound_n(g, lo, hi, 48, r[0], r[1], 2, 7, 0, 2000);
        bounds_free(map), bounds_free(rows), bounds_free(fwd);
        ir_graph_free(g);
    }
}

/* A real mix after a dct, then tanh: its pre-activation by forward mode
 * (affine.c's mix kernel on real weights) against CROWN rows. */
static void real_mix_forward_matches_rows(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 3; seed++) {
        IrGraph *g = ir_graph_new("rmix");
        IrType tx = {.dtype = IR_F32, .rank = 3, .dims = {2, 6, 3}};
        IrId x = ir_add_input(g, "x", tx, src_none());
        float w[3 * 4 * 6];
        for (int i = 0; i < 72; i++) w[i] = frand(&seed);
        IrAttr a1 = ir_attr_ints("axes", (int64_t[]){1}, 1);
        IrId m = op2(g, IR_OP_MIX, op_attrs(g, IR_OP_DCT, x, &a1, 1), cst(g, 3, (int64_t[]){3, 4, 6}, w));
        ir_add_output(g, "y", op1(g, IR_OP_TANH, m), src_none());
        BoundsGraph *rows = prepared(g, false), *fwd = prepared(g, true);
        double lo[36], hi[36], r[4][48];
        for (int i = 0; i < 36; i++) lo[i] = frand(&seed), hi[i] = lo[i] + 0.2;
        bounds_linear(rows, lo, hi, BOUNDS_CROWN, NULL, NULL, 48, r[0], r[1]);
        bounds_linear(fwd, lo, hi, BOUNDS_CROWN, NULL, NULL, 48, r[2], r[3]);
        assert_close(r[0], r[2], 48, 1e-9), assert_close(r[1], r[3], 48, 1e-9);
        check_sound_n(g, lo, hi, 36, r[2], r[3], 48, 7, 1e-5, 1000);
        bounds_free(rows), bounds_free(fwd);
        ir_graph_free(g);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(passes_and_forward_mode_match_maps_and_rows),
        cmocka_unit_test(middle_size_is_sound),
        cmocka_unit_test(f32_bounds_on_passes_are_sound),
        cmocka_unit_test(every_transform_as_passes_matches_its_map),
        cmocka_unit_test(real_mix_forward_matches_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
