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
    assert_false(bounds_method_feasible(neu, BOUNDS_CROWN, true, err, sizeof err));
    free(lo), free(r);
    bounds_free(old), bounds_free(neu);
    ir_graph_free(g);
}

/* Samples points of the box (its two corners first) through the
 * interpreter; each output within [lo - tol, hi + tol]. */
static void sampled_inside(IrGraph *g, const double *lo, const double *hi, int64_t n, const double *bl,
                           const double *bh, int64_t m, double rel_tol, int samples) {
    PdrtTensor x, y;
    const IrType *t = &ir_node(g, 0)->type;
    pdrt_tensor_alloc(&x, PDRT_F32, t->rank, t->dims);
    unsigned seed = 7;
    char err[256];
    for (int s = 0; s < samples; s++) {
        for (int64_t i = 0; i < n; i++) {
            double u = s < 2 ? s : (double)rand_r(&seed) / RAND_MAX;
            ((float *)x.data)[i] = (float)(lo[i] + u * (hi[i] - lo[i]));
        }
        assert_true(interp_run(g, &x, 1, &y, 1, err, sizeof err));
        for (int64_t j = 0; j < m; j++) {
            double v = ((float *)y.data)[j], tol = rel_tol * (1 + fabs(v));
            if (!(v >= bl[j] - tol && v <= bh[j] + tol)) fail_msg("sample %d unit %lld: %g not in [%g, %g]", s, (long long)j, v, bl[j], bh[j]);
        }
        pdrt_tensor_free(&y);
    }
    pdrt_tensor_free(&x);
}

/* At 128 points: CROWN inside IBP and much tighter; samples inside. */
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
    sampled_inside(g, lo, hi, n, r + 2 * m, r + 3 * m, m, 1e-5, 300);
    free(lo), free(r);
    bounds_free(b);
    ir_graph_free(g);
}

/* f32 mode on the passes: CROWN rows cross them (xform.c's transpose and
 * rounding terms); f32 runs inside with no tolerance. */
static void f32_rows_through_passes_are_sound(void **state) {
    (void)state;
    IrGraph *g = block(32);
    BoundsGraph *b = prepared(g, true);
    int64_t n = bounds_input_size(b), m = bounds_output_size(b);
    double *lo = malloc((size_t)(2 * n) * sizeof *lo), *hi = lo + n, *r = malloc((size_t)(2 * m) * sizeof *r);
    region(32, 0.01, true, lo, hi);
    bounds_set_f32(b, true);
    bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, r, r + m);
    sampled_inside(g, lo, hi, n, r, r + m, m, 0, 300);
    free(lo), free(r);
    bounds_free(b);
    ir_graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(passes_and_forward_mode_match_maps_and_rows),
        cmocka_unit_test(middle_size_is_sound),
        cmocka_unit_test(f32_rows_through_passes_are_sound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
