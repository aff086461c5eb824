/* test_bounds_gemm.c — CROWN's f32 dense products stay sound in real
 * arithmetic: the product's error is within its stated bound, linear
 * networks get their exact range (widened by no more than that bound),
 * and random ReLU networks bounded with every product in f32 contain
 * their real-arithmetic values at sampled points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes/bounds/bounds.h"
#include "passes/bounds/bounds_impl.h"

static double urand(unsigned *seed) { return (double)rand_r(seed) / RAND_MAX * 2 - 1; }

/* |A W - T| <= gamma |fl32(A)| |W| elementwise, against a long double
 * product; shapes cut every panel and block edge; one and two threads. */
static void product_error_is_within_gamma(void **state) {
    (void)state;
    static const int64_t shapes[][3] = {{1, 1, 1}, {7, 33, 31}, {13, 300, 70}, {40, 600, 65}, {6, 256, 32}};
    unsigned seed = 7;
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int64_t m = shapes[s][0], kd = shapes[s][1], n = shapes[s][2], lda = kd + 3;
        double *A = malloc((size_t)(2 * m * lda) * sizeof *A), *T = calloc((size_t)(2 * m * n), sizeof *T);
        int64_t ldw = n + 7;
        float *W = malloc((size_t)((kd + 5) * ldw) * sizeof *W);
        int64_t *cols = malloc((size_t)kd * sizeof *cols), *ocols = malloc((size_t)n * sizeof *ocols);
        assert_true(A && T && W && cols && ocols);
        for (int64_t i = 0; i < 2 * m * lda; i++) A[i] = urand(&seed) * pow(2, 20 * urand(&seed));
        for (int64_t i = 0; i < (kd + 5) * ldw; i++) W[i] = (float)(urand(&seed) * 3);
        for (int64_t p = 0; p < kd; p++) cols[p] = p + (p % 3 == 0); /* a selection, not 0..kd-1 */
        for (int64_t j = 0; j < n; j++) ocols[j] = j + (j % 2);
        for (int threads = 1; threads <= 2; threads++) {
            /* one thread: the first n columns, added to zeros; two: a
             * selection of them, stored over garbage */
            for (int64_t i = 0; i < 2 * m * n; i++) T[i] = threads == 2 ? NAN : 0;
            Gemm32 g = {{A, A + m * lda}, {T, T + m * n}, lda, n, m, kd, n, cols, threads == 2 ? ocols : NULL, W, ldw,
                        threads == 2};
            bounds_gemm32(&g, threads);
            double gam = bounds_gemm_gamma(kd);
            for (int64_t r = 0; r < 2 * m; r++)
                for (int64_t j = 0; j < n; j++) {
                    long double exact = 0, bound = 0;
                    for (int64_t p = 0; p < kd; p++) {
                        double a = A[r * lda + cols[p]], w = W[cols[p] * ldw + (threads == 2 ? ocols[j] : j)];
                        exact += (long double)a * w;
                        bound += fabsl((long double)(float)a * w);
                    }
                    assert_true(fabsl(exact - T[r * n + j]) <= gam * bound + 1e-300);
                }
        }
        free(A), free(T), free(W), free(cols), free(ocols);
    }
}

static IrId cst(IrGraph *g, int64_t r, int64_t c, const float *v) {
    IrType t = {.dtype = IR_F32, .rank = 2, .dims = {r, c}};
    return ir_add_const(g, t, v, src_none());
}

static IrId matmul(IrGraph *g, IrId a, IrId b) {
    IrId in[2] = {a, b};
    return ir_add(g, IR_OP_MATMUL, in, 2, NULL, 0, src_none(), NULL, 0);
}

/* y = x W1 W2 W3 with large weights, a large center and a tiny radius:
 * the f32 error must scale with the radius, not with |x|.  CROWN on a
 * linear network is its exact range. */
static void linear_networks_get_their_exact_range(void **state) {
    (void)state;
    enum { N = 70 };
    unsigned seed = 11;
    IrGraph *g = ir_graph_new("lin");
    IrType tx = {.dtype = IR_F32, .rank = 2, .dims = {1, N}};
    IrId h = ir_add_input(g, "x", tx, src_none());
    static float W[3][N * N];
    for (int l = 0; l < 3; l++) {
        for (int i = 0; i < N * N; i++) W[l][i] = (float)(urand(&seed) * 100);
        h = matmul(g, h, cst(g, N, N, W[l]));
    }
    ir_add_output(g, "y", h, src_none());
    char err[256];
    BoundsGraph *b = bounds_prepare(g, err, sizeof err);
    assert_non_null(b);
    b->f32_rows = 1; /* every dense product in f32 */
    double lo[N], hi[N], ylo[N], yhi[N];
    for (int i = 0; i < N; i++) lo[i] = 1000 + urand(&seed) * 500, hi[i] = lo[i] + 1e-3;
    bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, N, ylo, yhi);
    /* the exact range: M = W1 W2 W3 in long double */
    static long double P[N * N], M[N * N];
    for (int i = 0; i < N * N; i++) M[i] = W[0][i];
    for (int l = 1; l < 3; l++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                long double s = 0;
                for (int k = 0; k < N; k++) s += M[i * N + k] * W[l][k * N + j];
                P[i * N + j] = s;
            }
        memcpy(M, P, sizeof M);
    }
    for (int j = 0; j < N; j++) {
        long double el = 0, eh = 0, scale = 0;
        for (int i = 0; i < N; i++) {
            long double c = M[i * N + j];
            el += c >= 0 ? c * lo[i] : c * hi[i];
            eh += c >= 0 ? c * hi[i] : c * lo[i];
            scale += fabsl(c) * hi[i];
        }
        long double slack = 1e-13L * scale; /* double rounding of the analysis itself */
        assert_true(ylo[j] <= el + slack && yhi[j] >= eh - slack);
        assert_true(yhi[j] - ylo[j] <= (eh - el) * 1.001L + 2 * slack); /* widened by little */
    }
    bounds_free(b);
    ir_graph_free(g);
}

/* x -> relu(x W1 + b1) -> relu(. W2) -> . W3 with widths past the f32
 * threshold; real-arithmetic values at sampled points (the analysis' own
 * double evaluation) stay inside bounds computed with f32 products. */
static void relu_networks_with_f32_products_are_sound(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 10; seed++) {
        int64_t n = 20 + seed * 3, w = 30 + seed * 5, m = 10;
        IrGraph *g = ir_graph_new("r");
        IrType tx = {.dtype = IR_F32, .rank = 2, .dims = {1, n}};
        IrId h = ir_add_input(g, "x", tx, src_none());
        int64_t dims[][2] = {{n, w}, {w, w}, {w, m}};
        float *wt = malloc((size_t)(w * w + n * w) * sizeof *wt);
        assert_non_null(wt);
        unsigned s = seed;
        for (int l = 0; l < 3; l++) {
            for (int64_t i = 0; i < dims[l][0] * dims[l][1]; i++) wt[i] = (float)(urand(&s) / sqrt((double)dims[l][0]));
            h = matmul(g, h, cst(g, dims[l][0], dims[l][1], wt));
            if (l < 2) h = ir_add(g, IR_OP_RELU, &h, 1, NULL, 0, src_none(), NULL, 0);
        }
        ir_add_output(g, "y", h, src_none());
        free(wt);
        char err[256];
        BoundsGraph *b = bounds_prepare(g, err, sizeof err);
        assert_non_null(b);
        b->f32_rows = 1;
        bounds_set_threads(b, 2);
        double *lo = malloc((size_t)n * sizeof *lo), *hi = malloc((size_t)n * sizeof *hi), *x = malloc((size_t)n * sizeof *x);
        double ylo[10], yhi[10], y[10];
        assert_true(lo && hi && x);
        for (int64_t i = 0; i < n; i++) lo[i] = urand(&s), hi[i] = lo[i] + 0.2 * fabs(urand(&s));
        bounds_linear(b, lo, hi, BOUNDS_CROWN, NULL, NULL, m, ylo, yhi);
        for (int t = 0; t < 500; t++) {
            for (int64_t i = 0; i < n; i++) {
                double u = t < 2 ? t : (urand(&s) + 1) / 2;
                x[i] = lo[i] + u * (hi[i] - lo[i]);
            }
            bounds_eval_real(b, x, y);
            for (int j = 0; j < m; j++) assert_true(y[j] >= ylo[j] - 1e-12 && y[j] <= yhi[j] + 1e-12);
        }
        free(lo), free(hi), free(x);
        bounds_free(b);
        ir_graph_free(g);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(product_error_is_within_gamma),
        cmocka_unit_test(linear_networks_get_their_exact_range),
        cmocka_unit_test(relu_networks_with_f32_products_are_sound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
