/* gemm32.c — CROWN's large dense products in f32, with a known error.
 *
 * T[s] += A[s][:, cols] · W[cols, :] for the lower (s = 0) and the upper
 * (s = 1) coefficient rows at once: A is rounded to f32, the weights are
 * f32 already.  Products are summed in f32 (FMA) in runs of RUN terms,
 * the runs' sums in f32 in other registers, and every KC terms the block
 * is added to T in double.  Short f32 sums keep the rounding error small:
 *   |A W - T| <= (u/(1-u) + gamma_RUN + gamma_{KC/RUN}(1 + gamma_RUN)) |fl32(A)| |W|
 * with u = 2^-24, whatever the order within a run (bounds_gemm_gamma),
 * about 40 u where one f32 sum of 512 terms would allow 512 u; crown.c
 * turns it into a sound offset.  f32 doubles the vector width and halves
 * the memory traffic against double.
 *
 * A register-blocked kernel: 6 rows by 32 columns, twice (runs and their
 * sums: 24 AVX-512 registers), while packed panels stream past: a panel
 * of W (KC x 32) stays in L1/L2 while every row panel of A uses it.  Rows
 * are split between threads (pthreads, made per call: a call is
 * milliseconds of work, creating a thread microseconds).  An AVX-512 copy
 * is chosen at run time; elsewhere the same blocking in plain vector
 * code.  Not here: small products in double (crown.c), the error term
 * (crown.c).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bounds_impl.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX512_COPY 1
#endif

enum { MR = 6, NR = 32, RUN = 32, KC = 256, MAX_THREADS = 64 };

#define U_F32 (0x1p-24)

static double gamma_n(double n) { return n * U_F32 / (1 - n * U_F32); }

double bounds_gemm_gamma(int64_t kd) {
    double run = (double)(kd < RUN ? kd : RUN), runs = (double)(((kd < KC ? kd : KC) + RUN - 1) / RUN);
    /* rounding A to f32; a run of products; the sum of a block's runs
     * (bounded by the sum of |products|, inflated by the runs' error);
     * a hair of margin for the double arithmetic of the bound itself */
    return (U_F32 / (1 - U_F32) + gamma_n(run) + gamma_n(runs) * (1 + gamma_n(run))) * (1 + 0x1p-20);
}

typedef float F8 __attribute__((vector_size(32)));

/* One MR x NR block over kc <= KC packed steps: ap kc x MR, bp kc x NR.
 * The sums go to the rows t[i] (columns j0.., cols of them). */
static void kernel_generic(const float *ap, const float *bp, int64_t kc, double *const *t, int64_t j0, int rows,
                           int cols, bool set) {
    F8 acc[MR][NR / 8], run[MR][NR / 8];
    memset(acc, 0, sizeof acc);
    for (int64_t p0 = 0; p0 < kc; p0 += RUN) {
        memset(run, 0, sizeof run);
        for (int64_t p = p0; p < kc && p < p0 + RUN; p++) {
            F8 b[NR / 8];
            memcpy(b, bp + p * NR, sizeof b);
            for (int i = 0; i < MR; i++)
                for (int h = 0; h < NR / 8; h++) run[i][h] += ap[p * MR + i] * b[h];
        }
        for (int i = 0; i < MR; i++)
            for (int h = 0; h < NR / 8; h++) acc[i][h] += run[i][h];
    }
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) t[i][j0 + j] = (set ? 0 : t[i][j0 + j]) + (double)acc[i][j / 8][j % 8];
}

#ifdef HAVE_AVX512_COPY
/* The accumulators as named variables: compilers keep an array of them
 * in memory unless the row loop is unrolled, which -O2 does not do. */
#define ROW_FMA(i)                                                                                             \
    do {                                                                                                       \
        __m512 a = _mm512_set1_ps(ap[p * MR + (i)]);                                                           \
        r##i##0 = _mm512_fmadd_ps(a, b0, r##i##0);                                                             \
        r##i##1 = _mm512_fmadd_ps(a, b1, r##i##1);                                                             \
    } while (0)
#define ROW_ADD(i) (c##i##0 += r##i##0, c##i##1 += r##i##1, r##i##0 = r##i##1 = _mm512_setzero_ps())

/* Adds (set: stores) an f32 row of NR sums (two vectors) to t[0..cols)
 * in double. */
__attribute__((target("avx512f"))) static void flush_row(__m512 s0, __m512 s1, double *t, int cols, bool set) {
    __m512 s[2] = {s0, s1};
    double part[NR];
    for (int h = 0; h < 2; h++) {
        __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(s[h]));
        __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s[h]), 1)));
        if (cols == NR && set) {
            _mm512_storeu_pd(t + 16 * h, lo), _mm512_storeu_pd(t + 16 * h + 8, hi);
        } else if (cols == NR) {
            _mm512_storeu_pd(t + 16 * h, _mm512_add_pd(_mm512_loadu_pd(t + 16 * h), lo));
            _mm512_storeu_pd(t + 16 * h + 8, _mm512_add_pd(_mm512_loadu_pd(t + 16 * h + 8), hi));
        } else {
            _mm512_storeu_pd(part + 16 * h, lo), _mm512_storeu_pd(part + 16 * h + 8, hi);
        }
    }
    for (int j = 0; cols < NR && j < cols; j++) t[j] = (set ? 0 : t[j]) + part[j];
}

/* Runs of RUN products in r.., their sums in c.. (both f32), c added to
 * t in double at the end (kc <= KC). */
__attribute__((target("avx512f"))) static void kernel_avx512(const float *ap, const float *bp, int64_t kc,
                                                             double *const *t, int64_t j0, int rows, int cols,
                                                             bool set) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m512 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    __m512 r00 = c00, r01 = c00, r10 = c00, r11 = c00, r20 = c00, r21 = c00;
    __m512 r30 = c00, r31 = c00, r40 = c00, r41 = c00, r50 = c00, r51 = c00;
    for (int64_t p0 = 0; p0 < kc; p0 += RUN) {
        int64_t p1 = kc - p0 < RUN ? kc : p0 + RUN;
        for (int64_t p = p0; p < p1; p++) {
            __m512 b0 = _mm512_loadu_ps(bp + p * NR), b1 = _mm512_loadu_ps(bp + p * NR + 16);
            ROW_FMA(0); ROW_FMA(1); ROW_FMA(2); ROW_FMA(3); ROW_FMA(4); ROW_FMA(5);
        }
        ROW_ADD(0), ROW_ADD(1), ROW_ADD(2), ROW_ADD(3), ROW_ADD(4), ROW_ADD(5);
    }
    __m512 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    for (int i = 0; i < rows; i++) flush_row(acc[i][0], acc[i][1], t[i] + j0, cols, set);
}
#endif

typedef void (*Kernel)(const float *, const float *, int64_t, double *const *, int64_t, int, int, bool);

static Kernel pick(void) {
#ifdef HAVE_AVX512_COPY
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return kernel_avx512;
#endif
    return kernel_generic;
}

typedef struct {
    const Gemm32 *g;
    const float *bp; /* packed W: per column panel, kd x NR */
    float *ap;       /* packed A, this worker's row panels: per panel, kd x MR */
    int64_t p0, p1;  /* row panels [p0, p1) */
    Kernel kern;
} Work;

static int64_t rows_of(const Gemm32 *g) { return g->A[1] ? 2 * g->m : g->m; }

/* Packed row r (of 2m: lower rows, then upper) as a source row and its T row. */
static const double *a_row(const Gemm32 *g, int64_t r, double **t) {
    int s = r >= g->m;
    int64_t i = r - s * g->m;
    *t = g->T[s] + i * g->ldt;
    return g->A[s] + i * g->lda;
}

static void pack_a(const Work *w) {
    const Gemm32 *g = w->g;
    for (int64_t ip = w->p0; ip < w->p1; ip++) {
        float *dst = w->ap + (ip - w->p0) * g->kd * MR;
        for (int i = 0; i < MR; i++) {
            int64_t r = ip * MR + i;
            double *t;
            const double *src = r < rows_of(g) ? a_row(g, r, &t) : NULL;
            for (int64_t p = 0; p < g->kd; p++) dst[p * MR + i] = src ? (float)src[g->cols[p]] : 0.0f;
        }
    }
}

static void *work_run(void *arg) {
    const Work *w = arg;
    const Gemm32 *g = w->g;
    pack_a(w);
    int64_t npan = (g->n + NR - 1) / NR;
    for (int64_t k0 = 0; k0 < g->kd; k0 += KC) {
        int64_t kc = g->kd - k0 < KC ? g->kd - k0 : KC;
        for (int64_t jp = 0; jp < npan; jp++) {
            int cols = (int)(g->n - jp * NR < NR ? g->n - jp * NR : NR);
            const float *bp = w->bp + jp * g->kd * NR + k0 * NR;
            for (int64_t ip = w->p0; ip < w->p1; ip++) {
                double *t[MR];
                int rows = 0;
                for (int i = 0; i < MR && ip * MR + i < rows_of(g); i++, rows++) a_row(g, ip * MR + i, &t[i]);
                w->kern(w->ap + (ip - w->p0) * g->kd * MR + k0 * MR, bp, kc, t, jp * NR, rows, cols, g->set && k0 == 0);
            }
        }
    }
    return NULL;
}

/* W's selected rows (and columns: ocols) in column panels of NR, zero
 * padded. */
static float *pack_b(const Gemm32 *g) {
    int64_t npan = (g->n + NR - 1) / NR;
    float *bp = pd_xcalloc((size_t)(npan * g->kd * NR) + 16, sizeof *bp);
    for (int64_t p = 0; p < g->kd; p++) {
        const float *src = g->W + g->cols[p] * g->ldw;
        for (int64_t jp = 0; jp < npan; jp++) {
            int64_t c = g->n - jp * NR < NR ? g->n - jp * NR : NR;
            float *dst = bp + (jp * g->kd + p) * NR;
            if (!g->ocols) memcpy(dst, src + jp * NR, (size_t)c * sizeof *bp);
            else for (int64_t j = 0; j < c; j++) dst[j] = src[g->ocols[jp * NR + j]];
        }
    }
    return bp;
}

void bounds_gemm32(const Gemm32 *g, int threads) {
    static Kernel kern;
    if (!kern) kern = pick();
    if (g->m == 0 || g->kd == 0 || g->n == 0) return;
    int64_t panels = (rows_of(g) + MR - 1) / MR;
    double flops = 2.0 * (double)rows_of(g) * (double)g->kd * (double)g->n;
    /* a thread costs tens of microseconds: only for products that take more */
    int nt = flops < 8e6 ? 1 : threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
    if (nt > panels) nt = (int)panels;
    float *bp = pack_b(g);
    Work w[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    for (int i = 0; i < nt; i++) {
        w[i] = (Work){g, bp, NULL, panels * i / nt, panels * (i + 1) / nt, kern};
        w[i].ap = pd_xmalloc((size_t)((w[i].p1 - w[i].p0) * g->kd * MR) * sizeof(float) + 64);
    }
    for (int i = 1; i < nt; i++) started[i] = pthread_create(&tid[i], NULL, work_run, &w[i]) == 0;
    work_run(&w[0]);
    for (int i = 1; i < nt; i++) { /* a thread that did not start: its share here */
        if (started[i]) pthread_join(tid[i], NULL);
        else work_run(&w[i]);
    }
    for (int i = 0; i < nt; i++) free(w[i].ap);
    free(bp);
}
