/* cmd_verify.c — `pdec verify MODEL --spec prop.vnnlib`: decides a VNN-LIB
 * property and prints exactly one of unsat | sat | unknown | timeout. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "passes/bounds/bounds.h"

static const char *const help =
    "usage: pdec verify MODEL --spec PROP.vnnlib [--timeout S] [--result FILE] [--threads N]\n\n"
    "Decides a VNN-LIB property of MODEL (.nnet, .pde or .pdir). The assertions\n"
    "describe the unsafe set; pdec prints one word:\n"
    "  unsat    the property holds (no input in the region is unsafe)\n"
    "  sat      an unsafe input exists (a counterexample is written with --result)\n"
    "  unknown  neither could be shown\n"
    "  timeout  the time ran out\n\n"
    "  --timeout S    give up after S seconds (default: no limit)\n"
    "  --result FILE  write the verdict and any counterexample in the VNN-COMP format\n"
    "  --seed N       seed of the random search for counterexamples (default 1)\n"
    "  --threads N    threads for branch and bound on an MLP, and for the large\n"
    "                 dense products otherwise (default 2 when the machine has\n"
    "                 more than one CPU online, else 1)\n"
    "  --stats        print the number of boxes bounded and the time on stderr\n"
    "  --f32          prove unsat for the network as evaluated in f32 (rounding\n"
    "                 errors included); by default proofs hold in real arithmetic\n\n"
    "An MLP (e.g. a .nnet file) is bounded by a fast path (passes/bounds/chain.c).\n";

static const char *const words[] = {"unsat", "sat", "unknown", "timeout"};

typedef struct {
    const char *spec, *result;
    double timeout;
    unsigned seed;
    int threads; /* 0: the default */
    bool stats, f32;
} VerifyArgs;

static int parse(int argc, char **argv, VerifyArgs *a) {
    static const struct option opts[] = {{"spec", required_argument, 0, 's'}, {"timeout", required_argument, 0, 't'},
                                         {"result", required_argument, 0, 'r'}, {"seed", required_argument, 0, 'e'}, {"stats", no_argument, 0, 'S'}, {"f32", no_argument, 0, 'F'}, {"threads", required_argument, 0, 'T'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    char *end;
    optind = 0;
    a->timeout = INFINITY;
    a->seed = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': a->spec = optarg; break;
        case 'r': a->result = optarg; break;
        case 't':
            a->timeout = strtod(optarg, &end);
            if (*end || !(a->timeout > 0)) return fprintf(stderr, "pdec: error: --timeout needs seconds > 0, got '%s'\n", optarg), EXIT_USER;
            break;
        case 'e': {
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || *optarg == 0 || *optarg == '-' || v > 0xffffffffUL)
                return fprintf(stderr, "pdec: error: --seed needs an integer from 0 to 4294967295, got '%s'\n", optarg),
                       EXIT_USER;
            a->seed = (unsigned)v;
            break;
        }
        case 'S': a->stats = true; break;
        case 'T': {
            long v = strtol(optarg, &end, 10);
            if (*end || *optarg == 0 || v < 1 || v > VERIFY_MAX_THREADS)
                return fprintf(stderr, "pdec: error: --threads needs an integer from 1 to %d, got '%s'\n",
                               VERIFY_MAX_THREADS, optarg), EXIT_USER;
            a->threads = (int)v;
            break;
        }
        case 'F': a->f32 = true; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USER;
        }
    }
    if (optind != argc - 1 || !a->spec) {
        fputs(help, stderr);
        return EXIT_USER;
    }
    return -1;
}

typedef struct {
    Verdict verdict;
    const double *x, *y;
    int64_t n, m;
} Outcome;

static bool print_result(void *ud, FILE *f) {
    const Outcome *o = ud;
    fprintf(f, "%s\n", words[o->verdict]);
    if (o->verdict != VERDICT_SAT) return true;
    for (int64_t i = 0; i < o->n; i++) fprintf(f, "%s(X_%lld %.9g)\n", i ? " " : "(", (long long)i, o->x[i]);
    for (int64_t j = 0; j < o->m; j++) fprintf(f, " (Y_%lld %.9g)%s\n", (long long)j, o->y[j], j + 1 == o->m ? ")" : "");
    return true;
}

/* The counterexample, evaluated once more, must satisfy every row. */
static bool confirmed(BoundsGraph *b, const VnnCase *vc, const double *x, int64_t m) {
    double *y = pd_xmalloc((size_t)m * sizeof *y);
    char err[256];
    bool ok = bounds_eval(b, x, y, err, sizeof err);
    for (uint32_t r = 0; ok && r < vc->nrows; r++) {
        double v = 0;
        for (int64_t j = 0; j < m; j++) v += vc->C[r * m + j] * y[j];
        ok = v <= vc->d[r];
    }
    free(y);
    return ok;
}

/* A quick search for a counterexample in every case before any proof:
 * a proof of one case can take long while another is easily violated. */
static void attack_all(BoundsGraph *b, const VnnSpec *spec, const VerifyOptions *opt, Outcome *o) {
    for (uint32_t k = 0; k < spec->ncases && o->verdict != VERDICT_SAT; k++) {
        const VnnCase *vc = &spec->cases[k];
        VerifyResult res = {0};
        if (verify_attack(b, vc->in_lo, vc->in_hi, vc->C, vc->d, vc->nrows, opt, &res) &&
            confirmed(b, vc, res.x, spec->ny)) {
            o->verdict = VERDICT_SAT, o->x = res.x, o->y = res.y;
            continue;
        }
        free(res.x), free(res.y);
    }
}

/* Runs every case; the first sat decides, else the weakest verdict. */
static bool decide(BoundsGraph *b, const VnnSpec *spec, const VerifyArgs *a, DiagCtx *dc) {
    double start = bounds_now();
    uint64_t boxes = 0;
    VerifyOptions opt = {.deadline = start + a->timeout, .progress = isatty(2) != 0, .seed = a->seed,
                         .threads = a->threads};
    Outcome o = {VERDICT_UNSAT, NULL, NULL, spec->nx, spec->ny};
    VerifyResult res = {0};
    if (spec->ncases > 1) attack_all(b, spec, &opt, &o);
    for (uint32_t k = 0; k < spec->ncases && o.verdict != VERDICT_SAT; k++) {
        const VnnCase *vc = &spec->cases[k];
        verify_case(b, vc->in_lo, vc->in_hi, vc->C, vc->d, vc->nrows, &opt, &res);
        boxes += res.boxes;
        if (res.verdict == VERDICT_SAT && !confirmed(b, vc, res.x, spec->ny)) res.verdict = VERDICT_UNKNOWN;
        if (res.verdict == VERDICT_SAT) o.verdict = VERDICT_SAT, o.x = res.x, o.y = res.y;
        else if (res.verdict == VERDICT_TIMEOUT) o.verdict = VERDICT_TIMEOUT;
        else if (res.verdict == VERDICT_UNKNOWN && o.verdict != VERDICT_TIMEOUT) o.verdict = VERDICT_UNKNOWN;
        if (res.verdict != VERDICT_SAT) free(res.x), free(res.y);
        if (o.verdict == VERDICT_TIMEOUT) break;
    }
    printf("%s\n", words[o.verdict]);
    fflush(stdout);
    if (a->stats)
        fprintf(stderr, "%s: %u cases, %llu boxes bounded, %.3f s, sound %s\n", words[o.verdict], spec->ncases,
                (unsigned long long)boxes, bounds_now() - start, a->f32 ? "for f32 evaluation" : "in real arithmetic");
    bool ok = !a->result || drv_write_output(a->result, print_result, &o, dc);
    free((double *)o.x), free((double *)o.y);
    return ok;
}

int cmd_verify(int argc, char **argv) {
    VerifyArgs a = {0};
    int rc = parse(argc, argv, &a);
    if (rc >= 0) return rc;
    DiagCtx *dc = diag_new(stderr);
    Arena *arena = arena_new();
    IrGraph *g = drv_load(argv[optind], dc);
    VnnSpec *spec = g && drv_bind(g, NULL, false, dc) ? fe_load_vnnlib(a.spec, arena, dc) : NULL;
    char err[512];
    BoundsGraph *b = spec ? bounds_prepare(g, err, sizeof err) : NULL;
    if (spec && !b) diag_error(dc, src_none(), "%s", err);
    if (b && (spec->nx != bounds_input_size(b) || spec->ny != bounds_output_size(b))) {
        diag_error(dc, src_none(), "the property has %u inputs and %u outputs, the model %lld and %lld", spec->nx,
                   spec->ny, (long long)bounds_input_size(b), (long long)bounds_output_size(b));
        bounds_free(b);
        b = NULL;
    }
    if (!a.threads) a.threads = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
    if (b) bounds_set_f32(b, a.f32), bounds_set_threads(b, a.threads);
    bool ok = b && decide(b, spec, &a, dc);
    bounds_free(b);
    arena_free(arena);
    ir_graph_free(g);
    diag_free(dc);
    return ok ? 0 : EXIT_USER;
}
