/* gemm.c — the one dense product CROWN spends its time in: T += A · B in
 * double, A the coefficient rows arriving at a matmul, B its weight
 * transposed.
 *
 * A register-blocked kernel: 4 rows of T by 8 columns stay in vector
 * registers while the inner dimension streams past, so each loaded piece
 * of B serves four rows.  Written with GNU vector extensions (GCC and
 * clang); on x86-64 copies compiled for AVX-512 and AVX2 are chosen at
 * run time when the CPU has them, else the same source runs on SSE2.  The sum over the
 * inner dimension is taken in order, without FMA contraction, so results
 * do not depend on which copy ran (the inner dimension is cut in blocks
 * of KC, each block's sum added to T in order).  Not here: threads, packing.
 */
#include <string.h>

#include "bounds_impl.h"

typedef double V4 __attribute__((vector_size(32)));
typedef double V8 __attribute__((vector_size(64)));

enum { MR = 4, KC = 256 };

/* One MR x 2L block of T with vectors VT of L doubles (rows, cols may be
 * smaller at the edges: then plain loops). */
#define KERNEL_BODY(VT, L)                                                                                 \
    VT acc[MR][2];                                                                                         \
    memset(acc, 0, sizeof acc);                                                                            \
    if (rows == MR && cols == 2 * (L)) {                                                                   \
        for (int64_t p = 0; p < kd; p++) {                                                                 \
            VT b0, b1;                                                                                     \
            memcpy(&b0, B + p * ldb, sizeof b0);                                                           \
            memcpy(&b1, B + p * ldb + (L), sizeof b1);                                                     \
            for (int i = 0; i < MR; i++) {                                                                 \
                double a = A[i * lda + p];                                                                 \
                acc[i][0] += a * b0;                                                                       \
                acc[i][1] += a * b1;                                                                       \
            }                                                                                              \
        }                                                                                                  \
        for (int i = 0; i < MR; i++)                                                                       \
            for (int j = 0; j < 2 * (L); j++) T[i * ldt + j] += acc[i][j / (L)][j % (L)];                  \
        return;                                                                                            \
    }                                                                                                      \
    for (int64_t i = 0; i < rows; i++)                                                                     \
        for (int64_t j = 0; j < cols; j++) {                                                               \
            double s = 0;                                                                                  \
            for (int64_t p = 0; p < kd; p++) s += A[i * lda + p] * B[p * ldb + j];                         \
            T[i * ldt + j] += s;                                                                           \
        }

static void block_generic(double *T, int64_t ldt, const double *A, int64_t lda, const double *B, int64_t ldb,
                          int64_t rows, int64_t cols, int64_t kd) {
    KERNEL_BODY(V4, 4)
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_AVX2_COPY 1
__attribute__((target("avx2"))) static void block_avx2(double *T, int64_t ldt, const double *A, int64_t lda,
                                                       const double *B, int64_t ldb, int64_t rows, int64_t cols,
                                                       int64_t kd) {
    KERNEL_BODY(V4, 4)
}
__attribute__((target("avx512f"))) static void block_avx512(double *T, int64_t ldt, const double *A, int64_t lda,
                                                           const double *B, int64_t ldb, int64_t rows, int64_t cols,
                                                           int64_t kd) {
    KERNEL_BODY(V8, 8)
}
#endif

typedef void (*BlockFn)(double *, int64_t, const double *, int64_t, const double *, int64_t, int64_t, int64_t,
                        int64_t);

/* The widest copy the CPU runs. OUT: *nr, its block's columns. */
static BlockFn pick(int64_t *nr) {
#ifdef HAVE_AVX2_COPY
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return *nr = 16, block_avx512;
    if (__builtin_cpu_supports("avx2")) return *nr = 8, block_avx2;
#endif
    return *nr = 8, block_generic;
}

void bounds_gemm_acc(double *T, int64_t ldt, const double *A, int64_t lda, const double *B, int64_t ldb, int64_t m,
                     int64_t kd, int64_t n) {
    /* chosen once: branch and bound calls this for tiny products many
     * times (the analysis runs on one thread) */
    static BlockFn f;
    static int64_t nr;
    if (!f) f = pick(&nr);
    /* a panel of B (KC x nr) stays in cache while every row block uses it */
    for (int64_t p = 0; p < kd; p += KC) {
        int64_t kc = kd - p < KC ? kd - p : KC;
        for (int64_t j = 0; j < n; j += nr)
            for (int64_t i = 0; i < m; i += MR)
                f(T + i * ldt + j, ldt, A + i * lda + p, lda, B + p * ldb + j, ldb, m - i < MR ? m - i : MR,
                  n - j < nr ? n - j : nr, kc);
    }
}
