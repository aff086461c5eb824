/* cmd_compile.c — `pdec compile MODEL --target c|opencl|opencl-fpga -o DIR`:
 * generated code for an application to build.
 *
 * Writes DIR/NAME.h, DIR/NAME.c and DIR/NAME.weights (or the weights as
 * an array in NAME.c with --embed-weights), each atomically; the OpenCL
 * targets also write DIR/NAME.cl (checked through libclang first) and,
 * with --emit spirv, DIR/NAME.spv.  NAME is the model's name made into a
 * C identifier.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backends/c/cgen.h"
#include "backends/opencl/clgen.h"
#include "runtime/pdrt.h"
#include "driver.h"

static const char *const help =
    "usage: pdec compile MODEL --target c|opencl|opencl-fpga -o DIR [--embed-weights]\n"
    "                    [--weights PATH] [--emit spirv] [--passes LIST] [--no-transform-once]\n\n"
    "Generates code for MODEL: DIR/NAME.h (API and size macros), DIR/NAME.c and\n"
    "DIR/NAME.weights.  c: build NAME.c with any C99 compiler and link -lfftw3f -lm\n"
    "(see examples/*/main.c).  opencl, opencl-fpga: DIR/NAME.cl holds the kernels\n"
    "(OpenCL C 1.2; GPU or FPGA profile) and NAME.c the host side: build it with\n"
    "-I<pdec>/runtime and link libpdecrt and -lOpenCL.\n\n"
    "  --target T        c, opencl (GPU profile) or opencl-fpga (FPGA profile)\n"
    "  --emit spirv      opencl: also DIR/NAME.spv (needs clang-15 and llvm-spirv-15)\n"
    "  -o DIR            output folder (created with its parents if missing)\n"
    "  --embed-weights   put the weights into NAME.c instead of NAME.weights\n"
    "  --weights PATH    weights to bind instead of the model's own\n"
    "  --passes LIST     passes to run first (default: canonicalize,transform_once)\n"
    "  --no-transform-once  leave transforms as written\n";

typedef struct {
    const char *target, *dir, *weights, *passes, *emit;
    bool embed, no_transform_once;
} CompileArgs;

static int parse_args(int argc, char **argv, CompileArgs *a) {
    static const struct option opts[] = {{"target", required_argument, 0, 't'}, {"output", required_argument, 0, 'o'},
                                         {"embed-weights", no_argument, 0, 'e'}, {"weights", required_argument, 0, 'w'},
                                         {"passes", required_argument, 0, 'p'}, {"help", no_argument, 0, 'h'},
                                         {"no-transform-once", no_argument, 0, 'O'},
                                         {"emit", required_argument, 0, 'E'},
                                         {0, 0, 0, 0}};
    int c;
    optind = 0;
    a->target = "c";
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': a->target = optarg; break;
        case 'o': a->dir = optarg; break;
        case 'e': a->embed = true; break;
        case 'w': a->weights = optarg; break;
        case 'p': a->passes = optarg; break;
        case 'O': a->no_transform_once = true; break;
        case 'E': a->emit = optarg; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USER;
        }
    }
    if (optind != argc - 1 || !a->dir) {
        fputs(help, stderr);
        return EXIT_USER;
    }
    if (strcmp(a->target, "c") && strcmp(a->target, "opencl") && strcmp(a->target, "opencl-fpga")) {
        fprintf(stderr, "pdec: error: unknown target '%s' (c, opencl, opencl-fpga)\n", a->target);
        return EXIT_USER;
    }
    if (a->embed && strcmp(a->target, "c")) {
        fprintf(stderr, "pdec: error: --embed-weights is for --target c; OpenCL hosts read NAME.weights\n");
        return EXIT_USER;
    }
    if (a->emit && (strcmp(a->emit, "spirv") || !strcmp(a->target, "c"))) {
        fprintf(stderr, "pdec: error: --emit takes spirv, with an opencl target\n");
        return EXIT_USER;
    }
    return -1;
}

static bool write_file(const char *dir, const char *name, const char *ext, const void *data, size_t len, DiagCtx *dc) {
    char path[4096], err[512];
    int n = snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
    if (n < 0 || (size_t)n >= sizeof path) {
        diag_file_error(dc, dir, "path too long");
        return false;
    }
    bool ok = pdrt_write_atomic(path, data, len, err, sizeof err);
    if (!ok) diag_file_error(dc, path, "%s", err);
    return ok;
}

/* mkdir -p. */
static bool make_dirs(const char *dir, DiagCtx *dc) {
    char path[4096];
    int n = snprintf(path, sizeof path, "%s", dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        diag_file_error(dc, dir, "path too long");
        return false;
    }
    for (char *s = path + 1;; s++) {
        bool end = *s == 0;
        if (*s != '/' && !end) continue;
        *s = 0;
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            diag_file_error(dc, dir, "cannot create the folder: %s", strerror(errno));
            return false;
        }
        if (end) return true;
        *s = '/';
    }
}

/* The OpenCL targets: NAME.cl (checked by libclang: a diagnostic is
 * pdec's fault, *internal), the host files, optionally NAME.spv. */
static bool render_opencl(const KProgram *p, const CompileArgs *a, FILE *hf, FILE *cf, bool *internal, DiagCtx *dc) {
    char err[2048];
    ClgenOptions o = {.fpga = strcmp(a->target, "opencl-fpga") == 0};
    ClgenProgram *cp = clgen_build(p, &o, err, sizeof err);
    bool ok = cp != NULL;
    if (!ok) diag_error(dc, src_none(), "%s", err);
    if (ok && !(ok = clgen_check(cp->source, p->name, err, sizeof err))) {
        fprintf(stderr, "pdec: internal error: the generated OpenCL does not check:\n%s\n", err);
        *internal = true;
    }
    if (ok) ok = write_file(a->dir, p->name, ".cl", cp->source, cp->source_len, dc);
    if (ok && a->emit) {
        char path[4200];
        bool missing;
        snprintf(path, sizeof path, "%s/%s.spv", a->dir, p->name);
        if (!(ok = clgen_spirv(cp->source, path, &missing, err, sizeof err))) diag_error(dc, src_none(), "%s", err);
    }
    if (ok) clgen_emit_host(p, cp, hf, cf);
    clgen_free(cp);
    return ok;
}

/* Renders p and writes the files. */
static bool emit(const KProgram *p, const CompileArgs *a, bool *internal, DiagCtx *dc) {
    if (!make_dirs(a->dir, dc)) return false;
    char *h = NULL, *c = NULL;
    size_t hlen = 0, clen = 0;
    FILE *hf = open_memstream(&h, &hlen), *cf = open_memstream(&c, &clen);
    if (!hf || !cf) pd_die("out of memory");
    CgenOptions co = {.embed_weights = a->embed};
    bool ok = true;
    if (strcmp(a->target, "c") == 0) cgen_emit(p, &co, hf, cf);
    else ok = render_opencl(p, a, hf, cf, internal, dc);
    fclose(hf);
    fclose(cf);
    ok = ok && write_file(a->dir, p->name, ".h", h, hlen, dc) && write_file(a->dir, p->name, ".c", c, clen, dc);
    if (ok && !a->embed) {
        size_t wlen;
        void *w = cgen_weights_file(p, &wlen);
        ok = write_file(a->dir, p->name, ".weights", w, wlen, dc);
        free(w);
    }
    free(h);
    free(c);
    return ok;
}

int cmd_compile(int argc, char **argv) {
    CompileArgs a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc;
    DiagCtx *dc = diag_new(stderr);
    IrGraph *g = drv_prepare(argv[optind], a.weights, a.passes, a.no_transform_once, dc);
    bool ok = g != NULL;
    Arena *arena = arena_new();
    char err[512];
    KProgram *p = ok ? kir_build(g, NULL, arena, err, sizeof err) : NULL;
    if (ok && !p) diag_error(dc, src_none(), "%s", err), ok = false;
    bool internal = false;
    if (ok) ok = emit(p, &a, &internal, dc);
    kir_free(p);
    arena_free(arena);
    ir_graph_free(g);
    diag_free(dc);
    return ok ? 0 : internal ? PD_INTERNAL_ERROR : EXIT_USER;
}
