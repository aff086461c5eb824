/* cmd_run.c — `pdec run MODEL --input NAME=x.npy ...`: run a model.
 *
 * Loads, binds weights, runs the default pipeline (unless --no-passes),
 * matches --input files to the model's inputs by name (checking dtype and
 * shape), runs the engine, and writes --output files atomically; outputs
 * not written to a file are summarized on stdout (shape, range, mean and a
 * checksum = the sum of all elements).
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"
#include "engine.h"

static const char *const help =
    "usage: pdec run MODEL --input NAME=FILE.npy ... [--output NAME=FILE.npy ...]\n"
    "                [--engine c|opencl|opencl-fpga|interp] [--device D] [--weights PATH] [--no-passes|--passes LIST] [--time] [--threads N] [-v]\n\n"
    "Runs MODEL on .npy inputs (float32, C order).\n\n"
    "  --input NAME=FILE   bind model input NAME (every input needs one)\n"
    "  --output NAME=FILE  write model output NAME to FILE (atomically); outputs\n"
    "                      without a file are summarized on stdout\n"
    "  --engine E          c (generated C compiled with the system compiler and\n"
    "                      cached under $XDG_CACHE_HOME/pdec; the default) or\n"
    "                      interp (the reference interpreter), or opencl /\n"
    "                      opencl-fpga (generated OpenCL kernels, GPU or FPGA\n"
    "                      profile, on an OpenCL device)\n"
    "  --device D          opencl: the device, as \"P:D\", gpu, cpu, accelerator or a\n"
    "                      name (default: $PDEC_OPENCL_DEVICE, else the first GPU,\n"
    "                      else the first device; `pdec devices` lists them)\n"
    "  --fftw-estimate     plan transforms with FFTW_ESTIMATE (default: FFTW_MEASURE\n"
    "                      with a wisdom file in the cache)\n"
    "  --threads N         c: run on N OpenMP threads (rows, batches, transforms)\n"
    "  -v                  show how the code is compiled and where it is cached\n"
    "  --weights PATH      weights to bind instead of the model's own\n"
    "  --passes LIST       passes to run first (default: canonicalize,transform_once)\n"
    "  --no-passes         run the graph as lowered\n"
    "  --no-transform-once leave transforms as written (no frequency-domain rewrites)\n"
    "  --time              print how long the engine took\n";

typedef struct {
    DrvBinding inputs[DRV_MAX_BINDINGS], outputs[DRV_MAX_BINDINGS];
    int ninputs, noutputs;
    const char *engine, *weights, *passes, *device;
    bool no_passes, time, verbose, fftw_estimate, no_transform_once;
    int threads;
} RunArgs;

/* OUT: *a.  Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, RunArgs *a) {
    static const struct option opts[] = {
        {"input", required_argument, 0, 'i'}, {"output", required_argument, 0, 'o'},
        {"engine", required_argument, 0, 'e'}, {"weights", required_argument, 0, 'w'},
        {"passes", required_argument, 0, 'p'}, {"no-passes", no_argument, 0, 'n'},
        {"time", no_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
        {"fftw-estimate", no_argument, 0, 'E'}, {"threads", required_argument, 0, 'T'},
        {"no-transform-once", no_argument, 0, 'O'}, {"device", required_argument, 0, 'D'}, {0, 0, 0, 0}};
    int c;
    optind = 0;
    a->engine = "c";
    while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
        switch (c) {
        case 'i': if (!drv_add_binding(a->inputs, &a->ninputs, optarg, "--input")) return EXIT_USER; break;
        case 'o': if (!drv_add_binding(a->outputs, &a->noutputs, optarg, "--output")) return EXIT_USER; break;
        case 'e': a->engine = optarg; break;
        case 'w': a->weights = optarg; break;
        case 'D': a->device = optarg; break;
        case 'p': a->passes = optarg; break;
        case 'n': a->no_passes = true; break;
        case 't': a->time = true; break;
        case 'v': a->verbose = true; break;
        case 'O': a->no_transform_once = true; break;
        case 'E': a->fftw_estimate = true; break;
        case 'T':
            a->threads = atoi(optarg);
            if (a->threads < 1 || a->threads > 1024) {
                fprintf(stderr, "pdec: error: --threads expects a count from 1 to 1024, got '%s'\n", optarg);
                return EXIT_USER;
            }
            break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USER;
        }
    }
    if (optind != argc - 1) {
        fputs(help, stderr);
        return EXIT_USER;
    }
    return -1;
}

static void summarize(const char *name, const PdrtTensor *t) {
    int64_t n = pdrt_numel(t) * (t->dtype == PDRT_C64 ? 2 : 1);
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (int64_t i = 0; i < n; i++) {
        double v = t->dtype == PDRT_F64 ? ((double *)t->data)[i]
                 : t->dtype == PDRT_I64 ? (double)((int64_t *)t->data)[i]
                                        : ((float *)t->data)[i];
        lo = v < lo ? v : lo, hi = v > hi ? v : hi, sum += v;
    }
    printf("%s: %s[", name, pdrt_dtype_name(t->dtype));
    for (uint32_t i = 0; i < t->rank; i++) printf(i ? ",%lld" : "%lld", (long long)t->dims[i]);
    printf("] min %.6g max %.6g mean %.6g checksum %.6e\n", lo, hi, n ? sum / (double)n : 0.0, sum);
}

static bool write_outputs(const IrGraph *g, const RunArgs *a, PdrtTensor *outs, uint32_t nout, DiagCtx *dc) {
    Arena *tmp = arena_new();
    uint32_t n;
    IrId *ids = ir_outputs(g, tmp, &n);
    bool ok = true;
    for (uint32_t k = 0; k < nout; k++) {
        const char *name = ir_node(g, ids[k])->name, *file = NULL;
        for (int i = 0; i < a->noutputs; i++)
            if (strcmp(a->outputs[i].name, name) == 0) file = a->outputs[i].file;
        char err[256];
        if (!file) summarize(name, &outs[k]);
        else if (!pdrt_npy_save(file, &outs[k], err, sizeof err)) ok = false, diag_file_error(dc, file, "%s", err);
    }
    arena_free(tmp);
    return ok;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Binds inputs, runs the interpreter, writes or prints outputs. */
static bool execute(IrGraph *g, const RunArgs *a, int *status, DiagCtx *dc) {
    uint32_t nin, nout;
    IrId *in_ids = ir_inputs(g, g->arena, &nin);
    ir_outputs(g, g->arena, &nout);
    PdrtTensor *ins = calloc(nin + 1, sizeof *ins), *outs = calloc(nout + 1, sizeof *outs);
    bool ok = drv_names_exist(g, a->inputs, a->ninputs, IR_OP_INPUT, dc);
    ok = drv_names_exist(g, a->outputs, a->noutputs, IR_OP_OUTPUT, dc) && ok; /* report both */
    for (uint32_t i = 0; ok && i < nin; i++) ok = drv_load_input(g, in_ids[i], a->inputs, a->ninputs, &ins[i], dc);
    char err[512];
    EngineOptions eopt = {.verbose = a->verbose, .fftw_estimate = a->fftw_estimate, .threads = a->threads,
                          .device = a->device};
    Engine *e = ok ? drv_open_engine(a->engine, g, &eopt, status, dc) : NULL;
    ok = ok && e;
    double t0 = now_ms();
    if (ok && !(ok = engine_run(e, ins, nin, outs, nout, err, sizeof err))) diag_error(dc, src_none(), "%s", err);
    double t1 = now_ms();
    if (e) engine_close(e);
    if (ok) ok = write_outputs(g, a, outs, nout, dc);
    if (ok && a->time) printf("time: %.2f ms (engine %s)\n", t1 - t0, a->engine);
    for (uint32_t i = 0; i < nin; i++) pdrt_tensor_free(&ins[i]);
    for (uint32_t i = 0; i < nout; i++) pdrt_tensor_free(&outs[i]);
    free(ins);
    free(outs);
    return ok;
}

int cmd_run(int argc, char **argv) {
    RunArgs a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc < 0) {
        DiagCtx *dc = diag_new(stderr);
        IrGraph *g = a.no_passes ? drv_load(argv[optind], dc)
                                 : drv_prepare(argv[optind], a.weights, a.passes, a.no_transform_once, dc);
        bool ok = g && (!a.no_passes || drv_bind(g, a.weights, false, dc));
        int status = EXIT_USER;
        if (ok) ok = execute(g, &a, &status, dc);
        ir_graph_free(g);
        diag_free(dc);
        rc = ok ? 0 : status;
    }
    for (int i = 0; i < a.ninputs; i++) free((char *)a.inputs[i].name);
    for (int i = 0; i < a.noutputs; i++) free((char *)a.outputs[i].name);
    return rc;
}
