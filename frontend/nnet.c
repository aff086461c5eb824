/* nnet.c — reads .nnet files (the ACAS Xu format by Kyle Julian) as models.
 *
 * The graph is the network as stored: input "x" f32[1, n] (normalized
 * inputs), one matmul + bias per layer with ReLU between layers, output
 * "y" f32[1, m] (raw outputs).  Weights become constants of the graph, so
 * a .nnet model needs no weights file.  The normalization constants in the
 * header are read and checked but not applied (the VNN-LIB properties of
 * the benchmark are already in normalized-input, raw-output space).
 *
 * Format (after `//` comment lines): numLayers,inputSize,outputSize,
 * maxLayerSize / the layer sizes / a flag / input mins / input maxes /
 * means / ranges / per layer: rows of weights (out x in), then biases.
 * Every value ends with a comma.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"

enum { NNET_MAX_LAYERS = 1024, NNET_MAX_SIZE = 1 << 16 };

typedef struct {
    const char *text;
    size_t len, pos;
    uint32_t file;
    DiagCtx *dc;
    bool failed;
} NnetReader;

static bool nn_error(NnetReader *r, const char *fmt, ...) PD_PRINTF(2, 3);
static bool nn_error(NnetReader *r, const char *fmt, ...) {
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        size_t end = r->pos < r->len ? r->pos + 1 : r->pos;
        diag_vreport(r->dc, DIAG_ERROR, src_loc(r->file, (uint32_t)r->pos, (uint32_t)end), fmt, ap);
        va_end(ap);
    }
    r->failed = true;
    return false;
}

/* Skips whitespace, newlines and `//` comment lines. */
static void skip(NnetReader *r) {
    while (r->pos < r->len) {
        char c = r->text[r->pos];
        if (c == '/' && r->pos + 1 < r->len && r->text[r->pos + 1] == '/') {
            while (r->pos < r->len && r->text[r->pos] != '\n') r->pos++;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            r->pos++;
        } else {
            break;
        }
    }
}

/* One comma-terminated number (the comma after the last one on a line
 * is optional at the end of the file). */
static bool read_number(NnetReader *r, double *out, const char *what) {
    skip(r);
    if (r->pos >= r->len) return nn_error(r, "file ends early: expected %s", what);
    char buf[64];
    size_t n = 0;
    while (r->pos + n < r->len && n < sizeof buf - 1 && r->text[r->pos + n] && strchr("0123456789+-.eE", r->text[r->pos + n])) {
        buf[n] = r->text[r->pos + n];
        n++;
    }
    buf[n] = 0;
    char *end;
    errno = 0;
    *out = strtod(buf, &end);
    if (n == 0 || *end || errno || !isfinite(*out)) return nn_error(r, "expected %s, a number", what);
    r->pos += n;
    skip(r);
    if (r->pos < r->len && r->text[r->pos] == ',') r->pos++;
    else if (r->pos < r->len) return nn_error(r, "expected ',' after %s", what);
    return true;
}

static bool read_int(NnetReader *r, int64_t *out, int64_t lo, int64_t hi, const char *what) {
    double v;
    size_t at = r->pos;
    if (!read_number(r, &v, what)) return false;
    if (v != floor(v) || v < (double)lo || v > (double)hi) {
        r->pos = at;
        skip(r);
        return nn_error(r, "%s must be an integer from %lld to %lld", what, (long long)lo, (long long)hi);
    }
    *out = (int64_t)v;
    return true;
}

/* Reads n numbers into out (may be NULL to check and drop them). */
static bool read_numbers(NnetReader *r, float *out, int64_t n, const char *what) {
    for (int64_t i = 0; i < n; i++) {
        double v;
        if (!read_number(r, &v, what)) return false;
        if (out) out[i] = (float)v;
    }
    return true;
}

/* Header: sizes, then the (unused) normalization block. OUT: sizes[0..layers]. */
static bool read_header(NnetReader *r, int64_t *layers, int64_t *sizes) {
    int64_t in = 0, out = 0, maxsz = 0, flag = 0; /* set before use; gcc -O3 cannot see it */
    if (!read_int(r, layers, 1, NNET_MAX_LAYERS, "the number of layers") ||
        !read_int(r, &in, 1, NNET_MAX_SIZE, "the input size") ||
        !read_int(r, &out, 1, NNET_MAX_SIZE, "the output size") ||
        !read_int(r, &maxsz, 1, NNET_MAX_SIZE, "the largest layer size"))
        return false;
    for (int64_t i = 0; i <= *layers; i++)
        if (!read_int(r, &sizes[i], 1, maxsz, "a layer size")) return false;
    if (sizes[0] != in || sizes[*layers] != out)
        return nn_error(r, "layer sizes start with %lld and end with %lld, but the header says %lld inputs and %lld outputs",
                        (long long)sizes[0], (long long)sizes[*layers], (long long)in, (long long)out);
    if (!read_int(r, &flag, 0, 1, "the symmetric flag")) return false;
    return read_numbers(r, NULL, 2 * in, "an input bound") && read_numbers(r, NULL, 2 * (in + 1), "a normalization value");
}

/* h = h @ W^T + b (W stored out x in) and ReLU unless last. */
static IrId add_layer(IrGraph *g, IrId h, const float *w, const float *b, int64_t nin, int64_t nout, bool last) {
    float *wt = pd_xmalloc((size_t)(nin * nout) * sizeof *wt);
    for (int64_t o = 0; o < nout; o++)
        for (int64_t i = 0; i < nin; i++) wt[i * nout + o] = w[o * nin + i];
    IrType tw = {.dtype = IR_F32, .rank = 2, .dims = {nin, nout}};
    IrType tb = {.dtype = IR_F32, .rank = 1, .dims = {nout}};
    IrId ins[2] = {h, ir_add_const(g, tw, wt, src_none())};
    free(wt);
    h = ir_add(g, IR_OP_MATMUL, ins, 2, NULL, 0, src_none(), NULL, 0);
    IrId add[2] = {h, ir_add_const(g, tb, b, src_none())};
    h = ir_add(g, IR_OP_ADD, add, 2, NULL, 0, src_none(), NULL, 0);
    return last ? h : ir_add(g, IR_OP_RELU, &h, 1, NULL, 0, src_none(), NULL, 0);
}

static IrGraph *build(NnetReader *r, const char *name) {
    int64_t layers, sizes[NNET_MAX_LAYERS + 1];
    if (!read_header(r, &layers, sizes)) return NULL;
    IrGraph *g = ir_graph_new(name);
    IrType tx = {.dtype = IR_F32, .rank = 2, .dims = {1, sizes[0]}};
    IrId h = ir_add_input(g, "x", tx, src_none());
    for (int64_t l = 0; l < layers && !r->failed; l++) {
        int64_t nin = sizes[l], nout = sizes[l + 1];
        if ((size_t)(nin * nout) > r->len) { /* every value takes 2 bytes or more */
            nn_error(r, "file too short for a %lld x %lld layer", (long long)nout, (long long)nin);
            break;
        }
        float *w = pd_xmalloc((size_t)(nin * nout) * sizeof *w), *b = pd_xmalloc((size_t)nout * sizeof *b);
        if (read_numbers(r, w, nin * nout, "a weight") && read_numbers(r, b, nout, "a bias"))
            h = add_layer(g, h, w, b, nin, nout, l == layers - 1);
        free(w);
        free(b);
    }
    skip(r);
    if (!r->failed && r->pos < r->len) nn_error(r, "unexpected text after the last layer");
    if (r->failed) {
        ir_graph_free(g);
        return NULL;
    }
    ir_add_output(g, "y", h, src_none());
    return g;
}

IrGraph *fe_load_nnet(const char *path, const char *text, size_t len, DiagCtx *dc) {
    NnetReader r = {.text = text, .len = len, .dc = dc};
    r.file = diag_add_file(dc, path, text, len);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(strcspn(base, ".")), base);
    return build(&r, name);
}
