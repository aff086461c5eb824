/* peak.c — what this machine can do at best, for `make bench`: f32 FMA
 * throughput (one thread, then every thread) and memory bandwidth (a
 * STREAM-style triad over arrays far larger than the caches).
 *
 *   cc -O3 -march=native -fopenmp bench/peak.c -o peak && ./peak
 *
 * The FMA kernel keeps 12 independent vector accumulators busy so the
 * latency of one FMA never stalls the next; GCC/Clang vector extensions
 * at the widest width the compiler targets.  Prints one line per figure
 * and a JSON object with --json.
 */
#define _POSIX_C_SOURCE 200809L
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__AVX512F__)
#define VW 16
#elif defined(__AVX__)
#define VW 8
#else
#define VW 4
#endif
typedef float vec __attribute__((vector_size(VW * sizeof(float))));
enum { ACC = 12 };

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 2 * VW * ACC flops per iteration; returns a value so nothing is dead. */
static float fma_loop(long iters, float seed) {
    vec acc[ACC], a, b;
    for (int i = 0; i < VW; i++) a[i] = 0.999999f, b[i] = 1e-7f * seed;
    for (int k = 0; k < ACC; k++) acc[k] = b * (float)(k + 1);
    for (long it = 0; it < iters; it++)
        for (int k = 0; k < ACC; k++) acc[k] = acc[k] * a + b;
    float s = 0;
    for (int k = 0; k < ACC; k++)
        for (int i = 0; i < VW; i++) s += acc[k][i];
    return s;
}

static double gflops(int threads) {
    const long iters = 100000000L / VW;
    volatile float sink = 0;
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now_s();
#pragma omp parallel num_threads(threads)
        {
            float s = fma_loop(iters, (float)omp_get_thread_num() + 1);
#pragma omp atomic
            sink += s;
        }
        double rate = 2.0 * VW * ACC * (double)iters * threads / (now_s() - t0) / 1e9;
        if (rate > best) best = rate;
    }
    (void)sink;
    return best;
}

/* a = b + s * c over 3 x 128 MiB; 3 arrays of traffic per element (the
 * write-allocate read of a not counted, as STREAM does). */
static double triad_gbs(int threads) {
    const long n = 32L << 20;
    float *a = aligned_alloc(64, n * sizeof(float)), *b = aligned_alloc(64, n * sizeof(float));
    float *c = aligned_alloc(64, n * sizeof(float));
    if (!a || !b || !c) return 0;
#pragma omp parallel for num_threads(threads)
    for (long i = 0; i < n; i++) a[i] = 0, b[i] = 1, c[i] = 2;
    double best = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now_s();
#pragma omp parallel for num_threads(threads)
        for (long i = 0; i < n; i++) a[i] = b[i] + 3.0f * c[i];
        double rate = 3.0 * n * sizeof(float) / (now_s() - t0) / 1e9;
        if (rate > best) best = rate;
    }
    free(a), free(b), free(c);
    return best;
}

int main(int argc, char **argv) {
    int all = omp_get_num_procs();
    double f1 = gflops(1), fa = gflops(all), b1 = triad_gbs(1), ba = triad_gbs(all);
    if (argc > 1 && strcmp(argv[1], "--json") == 0) {
        printf("{\"threads\": %d, \"vector_floats\": %d, \"gflops_1\": %.1f, \"gflops_all\": %.1f, "
               "\"gbs_1\": %.1f, \"gbs_all\": %.1f}\n", all, VW, f1, fa, b1, ba);
        return 0;
    }
    printf("peak f32 FMA: %.1f GFLOP/s on 1 thread, %.1f on %d (vectors of %d floats)\n", f1, fa, all, VW);
    printf("memory bandwidth (triad): %.1f GB/s on 1 thread, %.1f on %d\n", b1, ba, all);
    return 0;
}
