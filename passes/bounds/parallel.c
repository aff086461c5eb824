/* parallel.c — a loop over rows split between threads.
 *
 * The backward pass works row by row (each row of the coefficient
 * matrices is one bound); rows are independent, so the loops over them
 * (the ReLU-like step, the f32 product's offsets) split into contiguous
 * ranges, one per thread.  Threads are made per call (pthreads): a call
 * that would take less than the cost of making them runs on the caller
 * alone.  Not here: the dense product's own split (gemm32.c).
 */
#include <pthread.h>

#include "bounds_impl.h"

enum { MAX_THREADS = 64 };

/* Work (in elements touched) below which one thread does it all:
 * starting a thread costs tens of microseconds. */
#define MIN_WORK 2e5

typedef struct {
    void (*fn)(void *, int64_t, int64_t);
    void *ctx;
    int64_t lo, hi;
} Range;

static void *range_run(void *arg) {
    const Range *r = arg;
    r->fn(r->ctx, r->lo, r->hi);
    return NULL;
}

void bounds_parallel_rows(int64_t rows, double work, int threads, void (*fn)(void *ctx, int64_t lo, int64_t hi),
                          void *ctx) {
    int nt = work < MIN_WORK || threads < 2 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
    if (nt > rows) nt = (int)(rows > 0 ? rows : 1);
    if (nt == 1) {
        fn(ctx, 0, rows);
        return;
    }
    Range r[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    for (int i = 0; i < nt; i++) r[i] = (Range){fn, ctx, rows * i / nt, rows * (i + 1) / nt};
    for (int i = 1; i < nt; i++) started[i] = pthread_create(&tid[i], NULL, range_run, &r[i]) == 0;
    range_run(&r[0]);
    for (int i = 1; i < nt; i++) { /* a thread that did not start: its range here */
        if (started[i]) pthread_join(tid[i], NULL);
        else range_run(&r[i]);
    }
}
