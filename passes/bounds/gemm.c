/* gemm.c — the one dense product CROWN spends its time in: T += A · B in
 * double, A the coefficient rows arriving at a matmul, B its weight
 * transposed.
 *
 * A register-blocked kernel: 4 rows of T by 8 columns stay in vector
 * registers while the inner dimension streams past, so each loaded piece
 * of B serves four rows.  Written with GNU vector extensions (GCC and
 * clang); on x86-64 a copy compiled for AVX2 is chosen at run time when
 * the CPU has it, else the same source runs on SSE2.  The sum over the
 * inner dimension is taken in order, without FMA contraction, so results
 * do not depend on which copy ran.  Not here: threads, packing for cache
 * (the matrices CROWN meets have a few hundred columns).
 */
#include <string.h>

#include "bounds_impl.h"

typedef double V4 __attribute__((vector_size(32)));

enum { MR = 4, NR = 8 };

/* One MR x NR block of T (rows, cols may be smaller at the edges). */
#define KERNEL_BODY                                                                                        \
    V4 acc[MR][2];                                                                                         \
    memset(acc, 0, sizeof acc);                                                                            \
    if (rows == MR && cols == NR) {                                                                        \
        for (int64_t p = 0; p < kd; p++) {                                                                 \
            V4 b0, b1;                                                                                     \
            memcpy(&b0, B + p * ldb, sizeof b0);                                                           \
            memcpy(&b1, B + p * ldb + 4, sizeof b1);                                                       \
            for (int i = 0; i < MR; i++) {                                                                 \
                double a = A[i * lda + p];                                                                 \
                acc[i][0] += a * b0;                                                                       \
                acc[i][1] += a * b1;                                                                       \
            }                                                                                              \
        }                                                                                                  \
        for (int i = 0; i < MR; i++)                                                                       \
            for (int j = 0; j < NR; j++) T[i * ldt + j] += acc[i][j / 4][j % 4];                           \
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
    KERNEL_BODY
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_AVX2_COPY 1
__attribute__((target("avx2"))) static void block_avx2(double *T, int64_t ldt, const double *A, int64_t lda,
                                                       const double *B, int64_t ldb, int64_t rows, int64_t cols,
                                                       int64_t kd) {
    KERNEL_BODY
}
#endif

typedef void (*BlockFn)(double *, int64_t, const double *, int64_t, const double *, int64_t, int64_t, int64_t,
                        int64_t);

static BlockFn pick(void) {
#ifdef HAVE_AVX2_COPY
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) return block_avx2;
#endif
    return block_generic;
}

void bounds_gemm_acc(double *T, int64_t ldt, const double *A, int64_t lda, const double *B, int64_t ldb, int64_t m,
                     int64_t kd, int64_t n) {
    BlockFn f = pick();
    for (int64_t i = 0; i < m; i += MR)
        for (int64_t j = 0; j < n; j += NR)
            f(T + i * ldt + j, ldt, A + i * lda, lda, B + j, ldb, m - i < MR ? m - i : MR, n - j < NR ? n - j : NR, kd);
}
