/* cmd_bounds.c — `pdec bounds MODEL`: certified output bounds over an
 * input region (an L-infinity ball or a box), by IBP or CROWN. */
#include <cjson/cJSON.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "passes/bounds/bounds.h"
#include "runtime/pdrt.h"

static const char *const help =
    "usage: pdec bounds MODEL --input NAME=x0.npy --eps E [--method ibp|crown|alpha-crown] [--json FILE]\n"
    "       pdec bounds MODEL --lower lo.npy --upper hi.npy [--method ibp|crown|alpha-crown] [--json FILE]\n\n"
    "Proves bounds on every output element of MODEL over an input region: the\n"
    "L-infinity ball of radius E around x0, or the box [lo, hi]. Bounds hold in\n"
    "real arithmetic for the model's weights, or with --f32 for the model as\n"
    "evaluated in f32.\n\n"
    "  --method M    ibp (interval propagation), crown (backward linear\n"
    "                relaxation, the default) or alpha-crown (crown with the\n"
    "                ReLU lower slopes optimized for each output)\n"
    "  --alpha-iters N  alpha-crown's Adam steps (default 20)\n"
    "  --alpha-lr X  alpha-crown's learning rate (default 0.5, times 0.98 a step)\n"
    "  --threads N   threads for the large dense products (default 1)\n"
    "  --f32         bounds that also hold for f32 evaluation (explicit\n"
    "                rounding-error terms for every op)\n"
    "  --robust D    also decide whether every output stays within D of its\n"
    "                value at the region's center (x0, or the box's middle):\n"
    "                prints 'robust within D: proven' or 'not proven'\n"
    "  --json FILE   also write the bounds as JSON (atomically)\n";

typedef struct {
    const char *center, *input_name, *lower, *upper, *json;
    double eps, alpha_lr, robust; /* robust: NAN when not asked */
    int alpha_iters, threads;
    BoundsMethod method;
    bool f32;
} BoundsArgs;

static int parse(int argc, char **argv, BoundsArgs *a) {
    static const struct option opts[] = {
        {"input", required_argument, 0, 'i'}, {"eps", required_argument, 0, 'e'},
        {"lower", required_argument, 0, 'l'}, {"upper", required_argument, 0, 'u'},
        {"method", required_argument, 0, 'm'}, {"json", required_argument, 0, 'j'},
        {"f32", no_argument, 0, 'f'}, {"alpha-iters", required_argument, 0, 'A'},
        {"alpha-lr", required_argument, 0, 'L'}, {"threads", required_argument, 0, 'T'},
        {"robust", required_argument, 0, 'R'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    char *end;
    optind = 0;
    a->method = BOUNDS_CROWN;
    a->eps = a->robust = NAN;
    a->alpha_iters = 20, a->alpha_lr = 0.5, a->threads = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'i': {
            char *eq = strchr(optarg, '=');
            if (!eq) return fprintf(stderr, "pdec: error: --input expects NAME=FILE, got '%s'\n", optarg), EXIT_USER;
            *eq = 0, a->input_name = optarg, a->center = eq + 1;
            break;
        }
        case 'e':
            a->eps = strtod(optarg, &end);
            if (*end || !(a->eps >= 0) || !isfinite(a->eps))
                return fprintf(stderr, "pdec: error: --eps needs a finite number >= 0, got '%s'\n", optarg), EXIT_USER;
            break;
        case 'R':
            a->robust = strtod(optarg, &end);
            if (*end || !(a->robust > 0) || !isfinite(a->robust))
                return fprintf(stderr, "pdec: error: --robust needs a finite number > 0, got '%s'\n", optarg), EXIT_USER;
            break;
        case 'l': a->lower = optarg; break;
        case 'u': a->upper = optarg; break;
        case 'j': a->json = optarg; break;
        case 'f': a->f32 = true; break;
        case 'm':
            if (strcmp(optarg, "ibp") == 0) a->method = BOUNDS_IBP;
            else if (strcmp(optarg, "crown") == 0) a->method = BOUNDS_CROWN;
            else if (strcmp(optarg, "alpha-crown") == 0) a->method = BOUNDS_ALPHA_CROWN;
            else return fprintf(stderr, "pdec: error: unknown method '%s' (ibp, crown, alpha-crown)\n", optarg), EXIT_USER;
            break;
        case 'A': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 100000)
                return fprintf(stderr, "pdec: error: --alpha-iters needs an integer from 0 to 100000, got '%s'\n", optarg), EXIT_USER;
            a->alpha_iters = (int)v;
            break;
        }
        case 'T': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 64)
                return fprintf(stderr, "pdec: error: --threads needs an integer from 1 to 64, got '%s'\n", optarg), EXIT_USER;
            a->threads = (int)v;
            break;
        }
        case 'L':
            a->alpha_lr = strtod(optarg, &end);
            if (*end || !(a->alpha_lr > 0) || !isfinite(a->alpha_lr))
                return fprintf(stderr, "pdec: error: --alpha-lr needs a number > 0, got '%s'\n", optarg), EXIT_USER;
            break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USER;
        }
    }
    bool ball = a->center && !isnan(a->eps), box = a->lower && a->upper;
    if (optind != argc - 1 || ball == box) {
        fputs(help, stderr);
        return EXIT_USER;
    }
    return -1;
}

/* Reads the .npy bound to the model's input (its exact type, checked by
 * the driver) into n finite doubles. */
static bool read_vec(const IrGraph *g, IrId input, const char *path, int64_t n, double *out, DiagCtx *dc) {
    DrvBinding bind = {ir_node(g, input)->name, path};
    PdrtTensor t;
    if (!drv_load_input(g, input, &bind, 1, &t, dc)) return false;
    if (pdrt_numel(&t) != n) pd_die("bounds: the input's type and its bounds disagree on its size");
    bool ok = true;
    for (int64_t i = 0; ok && i < n; i++) {
        out[i] = t.dtype == PDRT_F64 ? ((const double *)t.data)[i] : ((const float *)t.data)[i];
        if (!isfinite(out[i])) ok = false, diag_file_error(dc, path, "element %lld is not finite", (long long)i);
    }
    pdrt_tensor_free(&t);
    return ok;
}

/* The region [lo, hi] and its center x0 (the ball's own, or the box's
 * middle). */
static bool input_box(const IrGraph *g, const BoundsArgs *a, int64_t n, double *lo, double *hi, double *x0,
                      DiagCtx *dc) {
    uint32_t k;
    Arena *tmp = arena_new();
    IrId *ins = ir_inputs(g, tmp, &k), input = k == 1 ? ins[0] : IR_NONE;
    arena_free(tmp);
    if (input == IR_NONE) return diag_error(dc, src_none(), "bounds need a model with one input, this one has %u", k), false;
    if (a->input_name) {
        if (strcmp(ir_node(g, input)->name, a->input_name) != 0)
            return diag_error(dc, src_none(), "model has no input named '%s'", a->input_name), false;
        if (!read_vec(g, input, a->center, n, x0, dc)) return false;
        for (int64_t i = 0; i < n; i++) lo[i] = x0[i] - a->eps, hi[i] = x0[i] + a->eps;
        return true;
    }
    if (!read_vec(g, input, a->lower, n, lo, dc) || !read_vec(g, input, a->upper, n, hi, dc)) return false;
    for (int64_t i = 0; i < n; i++)
        if (!(lo[i] <= hi[i])) return diag_error(dc, src_none(), "the box is empty at element %lld", (long long)i), false;
    for (int64_t i = 0; i < n; i++) x0[i] = 0.5 * lo[i] + 0.5 * hi[i];
    return true;
}

typedef struct {
    const double *lo, *hi;
    int64_t m;
    const char *method;
    bool f32;
    double seconds; /* the analysis alone: preparing the graph and bounding */
    double product_flops, product_seconds; /* of that, the dense products in f32 */
    double robust, deviation; /* --robust's D (NAN: not asked), the largest move bounded */
} Report;

/* The largest distance from an output's value at the center to either
 * end of its bounds: how far any output can move over the region. */
static double largest_move(BoundsGraph *b, const double *x0, const double *lo, const double *hi, int64_t m) {
    double *y0 = pd_xmalloc((size_t)m * sizeof *y0 + 8), dev = 0;
    bounds_eval_real(b, x0, y0);
    for (int64_t j = 0; j < m; j++) dev = fmax(dev, fmax(hi[j] - y0[j], y0[j] - lo[j]));
    free(y0);
    return dev;
}

static bool print_json(void *ud, FILE *f) {
    const Report *r = ud;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "method", r->method);
    cJSON_AddStringToObject(root, "soundness", r->f32 ? "f32" : "real");
    cJSON_AddNumberToObject(root, "seconds", r->seconds);
    cJSON_AddNumberToObject(root, "product_flops", r->product_flops);
    cJSON_AddNumberToObject(root, "product_seconds", r->product_seconds);
    if (!isnan(r->robust)) {
        cJSON *rb = cJSON_AddObjectToObject(root, "robust");
        cJSON_AddNumberToObject(rb, "delta", r->robust);
        cJSON_AddNumberToObject(rb, "largest_move", r->deviation);
        cJSON_AddBoolToObject(rb, "proven", r->deviation <= r->robust);
    }
    cJSON *lo = cJSON_AddArrayToObject(root, "lower"), *hi = cJSON_AddArrayToObject(root, "upper");
    for (int64_t i = 0; i < r->m; i++) {
        cJSON_AddItemToArray(lo, cJSON_CreateNumber(r->lo[i]));
        cJSON_AddItemToArray(hi, cJSON_CreateNumber(r->hi[i]));
    }
    char *text = cJSON_Print(root);
    fprintf(f, "%s\n", text);
    free(text);
    cJSON_Delete(root);
    return true;
}

static bool run_bounds(const IrGraph *g, const BoundsArgs *a, DiagCtx *dc) {
    char err[512];
    double t0 = bounds_now();
    BoundsGraph *b = bounds_prepare(g, err, sizeof err);
    if (!b) return diag_error(dc, src_none(), "%s", err), false;
    int64_t n = bounds_input_size(b), m = bounds_output_size(b);
    double *in_lo = pd_xmalloc((size_t)n * sizeof(double) + 8), *in_hi = pd_xmalloc((size_t)n * sizeof(double) + 8);
    double *lo = pd_xmalloc((size_t)m * sizeof(double) + 8), *hi = pd_xmalloc((size_t)m * sizeof(double) + 8);
    double *x0 = pd_xmalloc((size_t)n * sizeof(double) + 8);
    bool ok = input_box(g, a, n, in_lo, in_hi, x0, dc);
    if (ok && !bounds_method_feasible(b, a->method, a->f32, err, sizeof err)) {
        diag_error(dc, src_none(), "%s", err);
        ok = false;
    }
    static const char *const names[] = {"ibp", "crown", "alpha-crown"};
    Report r = {lo, hi, m, names[a->method], a->f32, 0, 0, 0, a->robust, 0};
    if (ok) {
        bounds_set_f32(b, a->f32);
        bounds_set_alpha(b, a->alpha_iters, a->alpha_lr);
        bounds_set_threads(b, a->threads);
        bounds_linear(b, in_lo, in_hi, a->method, NULL, NULL, m, lo, hi);
        r.seconds = bounds_now() - t0;
        bounds_product_stats(b, &r.product_flops, &r.product_seconds);
        printf("bounds by %s, %s\n", r.method,
               a->f32 ? "sound for f32 evaluation (rounding errors of every op included)"
                      : "sound in real arithmetic (f32 rounding not included)");
        printf("%8s %16s %16s\n", "output", "lower", "upper");
        for (int64_t i = 0; i < m; i++) printf("%8lld %16.8g %16.8g\n", (long long)i, lo[i], hi[i]);
        printf("analysis took %.1f ms\n", r.seconds * 1e3);
        if (!isnan(a->robust)) {
            r.deviation = largest_move(b, x0, lo, hi, m);
            printf("robust within %g: %s (no output moves by more than %.6g from its value at the center)\n",
                   a->robust, r.deviation <= a->robust ? "proven" : "not proven", r.deviation);
        }
        if (a->json) ok = drv_write_output(a->json, print_json, &r, dc);
    }
    free(in_lo), free(in_hi), free(lo), free(hi), free(x0);
    bounds_free(b);
    return ok;
}

int cmd_bounds(int argc, char **argv) {
#ifdef __GLIBC__
    /* The analysis allocates and frees coefficient matrices of megabytes
     * per layer: kept in the heap, not mapped and unmapped each time (page
     * faults cost as much as the layer's arithmetic).  32 MiB: glibc's
     * largest threshold on 64-bit. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20), mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
    BoundsArgs a = {0};
    int rc = parse(argc, argv, &a);
    if (rc >= 0) return rc;
    DiagCtx *dc = diag_new(stderr);
    IrGraph *g = drv_load(argv[optind], dc);
    bool ok = g && drv_bind(g, NULL, false, dc) && run_bounds(g, &a, dc);
    ir_graph_free(g);
    diag_free(dc);
    return ok ? 0 : EXIT_USER;
}
