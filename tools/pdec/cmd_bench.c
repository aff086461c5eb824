/* cmd_bench.c — `pdec bench MODEL`: latency of an engine on a model.
 *
 * Prepares the model as `run` does, binds inputs from files or from a
 * seeded uniform [-1, 1) generator, runs warm-up iterations, then times
 * each of N runs and reports the median and the minimum, GFLOP/s from the
 * graph's flop count (ir/cost.h, counted on the graph the engine runs),
 * the arena size, and the least memory traffic a run needs (weights,
 * inputs and outputs once).  --json writes the same numbers for scripts.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "driver.h"
#include "engine.h"
#include "ir/cost.h"

static const char *const help =
    "usage: pdec bench MODEL [--engine c|opencl|opencl-fpga|interp] [--device D] [--iters N] [--warmup N] [--threads N]\n"
    "                  [--input NAME=FILE ...] [--json FILE] [--fftw-estimate]\n"
    "                  [--no-transform-once] [--kernels] [-v]\n\n"
    "Times MODEL: median and minimum latency over N runs after warm-up, GFLOP/s\n"
    "and the arena's size.  Inputs without --input are uniform in [-1, 1).\n\n"
    "  --engine E     c (the default), opencl, opencl-fpga or interp\n"
    "  --device D     opencl: the device (as in `pdec run --help`)\n"
    "  --iters N      timed runs (default 50)\n"
    "  --warmup N     untimed runs first (default 5)\n"
    "  --threads N    c: OpenMP threads\n"
    "  --json FILE    also write the numbers as JSON (atomically)\n"
    "  --kernels      c, opencl: time every kernel too (opencl: profiling events),\n"
    "                 and the transforms together\n"
    "  --no-transform-once  leave transforms as written\n";

typedef struct {
    DrvBinding inputs[DRV_MAX_BINDINGS];
    int ninputs, iters, warmup;
    const char *engine, *json;
    bool no_transform_once;
    EngineOptions eopt;
} BenchArgs;

static bool count_arg(const char *s, int lo, int *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end != 0 || v < lo || v > 1000000) {
        fprintf(stderr, "pdec: error: expected a count of at least %d, got '%s'\n", lo, s);
        return false;
    }
    *out = (int)v;
    return true;
}

static int parse_args(int argc, char **argv, BenchArgs *a) {
    static const struct option opts[] = {
        {"engine", required_argument, 0, 'e'}, {"iters", required_argument, 0, 'n'},
        {"warmup", required_argument, 0, 'w'}, {"threads", required_argument, 0, 't'},
        {"input", required_argument, 0, 'i'},  {"json", required_argument, 0, 'j'},
        {"fftw-estimate", no_argument, 0, 'E'}, {"no-transform-once", no_argument, 0, 'O'},
        {"kernels", no_argument, 0, 'k'}, {"device", required_argument, 0, 'D'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 0;
    a->engine = "c", a->iters = 50, a->warmup = 5;
    while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'e': a->engine = optarg; break;
        case 'n': ok = count_arg(optarg, 1, &a->iters); break;
        case 'w': ok = count_arg(optarg, 0, &a->warmup); break;
        case 't': ok = count_arg(optarg, 1, &a->eopt.threads); break;
        case 'i': ok = drv_add_binding(a->inputs, &a->ninputs, optarg, "--input"); break;
        case 'j': a->json = optarg; break;
        case 'E': a->eopt.fftw_estimate = true; break;
        case 'O': a->no_transform_once = true; break;
        case 'k': a->eopt.profile = true; break;
        case 'D': a->eopt.device = optarg; break;
        case 'v': a->eopt.verbose = true; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USER;
        }
        if (!ok) return EXIT_USER;
    }
    if (optind != argc - 1) {
        fputs(help, stderr);
        return EXIT_USER;
    }
    return -1;
}

/* Uniform [-1, 1) from a fixed xorshift seed, so runs are comparable. */
static void random_input(const IrType *t, PdrtTensor *out) {
    if (!pdrt_tensor_alloc(out, (PdrtDType)t->dtype, t->rank, t->dims)) pd_die("out of memory");
    uint64_t s = 0x9E3779B97F4A7C15ull;
    int64_t n = pdrt_numel(out) * (t->dtype == IR_C64 ? 2 : 1);
    for (int64_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        double u = (double)(s >> 11) / 9007199254740992.0 * 2 - 1;
        if (t->dtype == IR_F64) ((double *)out->data)[i] = u;
        else if (t->dtype == IR_I64) ((int64_t *)out->data)[i] = (int64_t)(u * 8);
        else ((float *)out->data)[i] = (float)u;
    }
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_value(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

typedef struct {
    const char *model, *engine;
    int threads, iters;
    double median_ms, min_ms, flops;
    size_t arena_bytes, traffic_bytes; /* traffic: weights, inputs and outputs, read or written once */
    uint32_t launches;                  /* kernels per run */
    uint64_t moved_bytes;               /* what the kernels read and write per run */
} Result;

static bool print_json(void *ud, FILE *f) {
    const Result *r = ud;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", r->model);
    cJSON_AddStringToObject(o, "engine", r->engine);
    cJSON_AddNumberToObject(o, "threads", r->threads);
    cJSON_AddNumberToObject(o, "iters", r->iters);
    cJSON_AddNumberToObject(o, "median_ms", r->median_ms);
    cJSON_AddNumberToObject(o, "min_ms", r->min_ms);
    cJSON_AddNumberToObject(o, "flops", r->flops);
    cJSON_AddNumberToObject(o, "gflops", r->flops / (r->median_ms * 1e6));
    cJSON_AddNumberToObject(o, "arena_bytes", (double)r->arena_bytes);
    cJSON_AddNumberToObject(o, "traffic_bytes", (double)r->traffic_bytes);
    cJSON_AddNumberToObject(o, "gbytes_per_s", (double)r->traffic_bytes / (r->median_ms * 1e6));
    cJSON_AddNumberToObject(o, "kernels", r->launches);
    cJSON_AddNumberToObject(o, "moved_bytes", (double)r->moved_bytes);
    char *text = cJSON_Print(o);
    fprintf(f, "%s\n", text);
    cJSON_free(text);
    cJSON_Delete(o);
    return true;
}

/* A transform kernel, by the op it was named after. */
static bool is_transform(const char *name) {
    return strstr(name, "fft") || strstr(name, "dct") || strstr(name, "_modes");
}

static int by_time(const void *x, const void *y) {
    const double *a = *(const double *const *)x, *b = *(const double *const *)y;
    return (*a < *b) - (*a > *b);
}

/* The kernels' share of a run, slowest first, and the transforms' sum. */
static void print_kernels(Engine *e, int iters) {
    const char *const *names;
    double *ns;
    int n;
    if (!engine_kernel_times(e, &names, &ns, &n)) return;
    double total = 0, transforms = 0, **order = calloc((size_t)n + 1, sizeof *order);
    if (!order) pd_die("out of memory");
    for (int i = 0; i < n; i++) {
        total += ns[i], order[i] = &ns[i];
        if (is_transform(names[i])) transforms += ns[i];
    }
    qsort(order, (size_t)n, sizeof *order, by_time);
    printf("kernels (time per run, share):\n");
    for (int i = 0; i < n; i++)
        printf("  %-28s %9.4f ms %5.1f%%\n", names[order[i] - ns], *order[i] / iters / 1e6,
               total > 0 ? 100 * *order[i] / total : 0.0);
    printf("transforms: %.4f ms per run, %.1f%% of the kernels' time\n", transforms / iters / 1e6,
           total > 0 ? 100 * transforms / total : 0.0);
    free(order);
}

/* Warm-up, then iters timed runs.  OUT: r's timings. */
static bool measure(Engine *e, const PdrtTensor *ins, uint32_t nin, PdrtTensor *outs, uint32_t nout,
                    const BenchArgs *a, Result *r, DiagCtx *dc) {
    char err[512];
    double *t = calloc((size_t)a->iters, sizeof *t);
    if (!t) pd_die("out of memory");
    bool ok = true;
    for (int i = 0; ok && i < a->warmup + a->iters; i++) {
        double t0 = now_ms();
        ok = engine_run(e, ins, nin, outs, nout, err, sizeof err);
        if (i >= a->warmup) t[i - a->warmup] = now_ms() - t0;
        const char *const *names;
        double *ns;
        int n;
        if (i + 1 == a->warmup && engine_kernel_times(e, &names, &ns, &n)) memset(ns, 0, (size_t)n * sizeof *ns);
    }
    if (!ok) diag_error(dc, src_none(), "%s", err);
    qsort(t, (size_t)a->iters, sizeof *t, by_value);
    r->median_ms = t[a->iters / 2], r->min_ms = t[0];
    free(t);
    return ok;
}

static bool bench(IrGraph *g, const BenchArgs *a, Result *r, int *status, DiagCtx *dc) {
    uint32_t nin, nout;
    IrId *in_ids = ir_inputs(g, g->arena, &nin);
    ir_outputs(g, g->arena, &nout);
    PdrtTensor *ins = calloc(nin + 1, sizeof *ins), *outs = calloc(nout + 1, sizeof *outs);
    bool ok = drv_names_exist(g, a->inputs, a->ninputs, IR_OP_INPUT, dc);
    for (uint32_t i = 0; ok && i < nin; i++) {
        if (a->ninputs) ok = drv_load_input(g, in_ids[i], a->inputs, a->ninputs, &ins[i], dc);
        else random_input(&ir_node(g, in_ids[i])->type, &ins[i]);
    }
    Engine *e = ok ? drv_open_engine(a->engine, g, &a->eopt, status, dc) : NULL;
    ok = ok && e;
    if (ok) ok = measure(e, ins, nin, outs, nout, a, r, dc);
    if (ok && a->eopt.profile) print_kernels(e, a->iters);
    if (e) {
        r->arena_bytes = engine_arena_bytes(e), r->traffic_bytes = engine_weights_bytes(e);
        r->launches = engine_launches(e), r->moved_bytes = engine_moved_bytes(e);
        for (uint32_t i = 0; i < nin; i++) r->traffic_bytes += ins[i].nbytes;
        for (uint32_t i = 0; i < nout; i++) r->traffic_bytes += outs[i].nbytes;
        engine_close(e);
    }
    for (uint32_t i = 0; i < nin; i++) pdrt_tensor_free(&ins[i]);
    for (uint32_t i = 0; i < nout; i++) pdrt_tensor_free(&outs[i]);
    free(ins);
    free(outs);
    return ok;
}

int cmd_bench(int argc, char **argv) {
    BenchArgs a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc < 0) {
        DiagCtx *dc = diag_new(stderr);
        IrGraph *g = drv_prepare(argv[optind], NULL, NULL, a.no_transform_once, dc);
        bool ok = g != NULL;
        Result r = {.model = g ? g->name : "", .engine = a.engine, .threads = a.eopt.threads ? a.eopt.threads : 1,
                    .iters = a.iters};
        if (ok) r.flops = (double)cost_graph_flops(g);
        int status = EXIT_USER;
        if (ok) ok = bench(g, &a, &r, &status, dc);
        if (ok)
            printf("%s engine %s: median %.3f ms, min %.3f ms, %.2f GFLOP/s, arena %zu bytes, %d iters\n", r.model,
                   r.engine, r.median_ms, r.min_ms, r.flops / (r.median_ms * 1e6), r.arena_bytes, r.iters);
        if (ok && a.json) ok = drv_write_output(a.json, print_json, &r, dc);
        ir_graph_free(g);
        diag_free(dc);
        rc = ok ? 0 : status;
    }
    for (int i = 0; i < a.ninputs; i++) free((char *)a.inputs[i].name);
    return rc;
}
