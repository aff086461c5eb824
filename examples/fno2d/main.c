/* main.c — an application using FNO-2D compiled to C, with the weights in
 * a file and an arena it owns:
 *
 *   pdec compile examples/fno2d/fno2d.pde --target c -o gen
 *   cc -O3 -march=native -ffp-contract=fast -fno-trapping-math -fopenmp-simd \
 *      -DPD_OPENMP_SIMD -Igen examples/fno2d/main.c gen/fno2d.c -lfftw3f -lm -o fno2d
 *   ./fno2d gen/fno2d.weights examples/fno2d/x.npy
 *
 * Reads the input field from a float32 .npy file, runs the model once to
 * warm up and then ten times, and prints the output's range and the time.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fno2d.h"

/* The data of a float32 .npy file of exactly n values (header skipped). */
static int read_field(const char *path, float *data, long n) {
    unsigned char head[10];
    FILE *f = fopen(path, "rb");
    int ok = f && fread(head, 1, 10, f) == 10 && memcmp(head, "\223NUMPY", 6) == 0 &&
             fseek(f, 10 + (head[8] | head[9] << 8), SEEK_SET) == 0 && fread(data, sizeof *data, (size_t)n, f) == (size_t)n;
    if (f) fclose(f);
    return ok;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    static float field[fno2d_INPUT0_SIZE], solution[fno2d_OUTPUT0_SIZE];
    const float *inputs[] = {field};
    float *outputs[] = {solution};
    fno2d_options opt;
    char err[256];
    if (argc != 3 || !read_field(argv[2], field, fno2d_INPUT0_SIZE)) {
        fprintf(stderr, "usage: fno2d WEIGHTS INPUT.npy (float32, %d values)\n", fno2d_INPUT0_SIZE);
        return 1;
    }
    memset(&opt, 0, sizeof opt);
    opt.weights_path = argv[1];
    opt.arena = aligned_alloc(fno2d_ARENA_ALIGN, fno2d_ARENA_BYTES);
    fno2d_model *model = fno2d_create(&opt, err, sizeof err);
    if (!model) {
        fprintf(stderr, "fno2d: %s\n", err);
        free(opt.arena);
        return 1;
    }
    fno2d_run(model, inputs, outputs);
    double t0 = now_ms();
    for (int i = 0; i < 10; i++) fno2d_run(model, inputs, outputs);
    double per_run = (now_ms() - t0) / 10;
    float lo = solution[0], hi = solution[0];
    for (int i = 1; i < fno2d_OUTPUT0_SIZE; i++) {
        if (solution[i] < lo) lo = solution[i];
        if (solution[i] > hi) hi = solution[i];
    }
    printf("fno2d: output in [%.6f, %.6f], %.3f ms per run\n", lo, hi, per_run);
    fno2d_destroy(model);
    free(opt.arena);
    return 0;
}
