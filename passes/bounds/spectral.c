/* spectral.c — Fourier and cosine transforms and spectral channel mixing
 * as exact linear maps on real units, for bound analysis.
 *
 * A c64 tensor is analysed as its interleaved (re, im) pairs: 2n real
 * units, the layout of its data.  Every transform here is linear over the
 * reals, so IBP and CROWN go through it as through a convolution: the op
 * becomes a SparseMap (sparse.c) of terms out += w * in, built once.  The
 * coefficients are the transforms' own (cos and sin in double), not
 * measured from an FFT in f32, so the map is exact up to double rounding.
 *
 * A transform over several axes is a sequence of one-axis passes in the
 * interpreter's order (rfft: r2c on the last listed axis, then c2c on the
 * others; irfft: c2c inverses, then c2r on the last), each a map; the maps
 * are composed into one, so IBP sees the whole transform at once.  A
 * transform whose map would be too large to hold (an FNO block on a grid
 * of a thousand points) keeps its passes apart instead, each one dense
 * matrix shared by every line (xform.c); so does a one-pass transform
 * whose map would be merely large, as that costs nothing in tightness.
 * Not here: complex products of two input-dependent tensors (no rule).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bounds_impl.h"

#define TWO_PI 6.28318530717958647692

/* Terms beyond this make a map too large to hold (24 bytes each). */
#define MAX_TERMS ((int64_t)1 << 26)
/* A one-pass transform with more terms than this keeps its pass: the
 * same bounds, in less memory and time. */
#define ONE_PASS_TERMS ((int64_t)1 << 22)
/* Entries of one pass's matrix (16 bytes each) beyond this are refused. */
#define MAX_PASS_ENTRIES ((int64_t)1 << 23)

typedef enum { R2C, C2C_FWD, C2C_INV, C2R, DCT2, DCT3 } PassKind;

typedef struct {
    uint32_t rank;
    int64_t dims[IR_MAX_RANK];
    bool cplx;
} Layout;

typedef struct {
    double re, im;
} Coef2;

static int64_t layout_numel(const Layout *l) {
    int64_t n = 1;
    for (uint32_t d = 0; d < l->rank; d++) n *= l->dims[d];
    return n;
}

/* e^{sign 2 pi i k j / N} * scale, the angle reduced mod N first. */
static Coef2 twiddle(int64_t k, int64_t j, int64_t N, double sign, double scale) {
    double th = TWO_PI * (double)((k * j) % N) / (double)N;
    return (Coef2){scale * cos(th), sign * scale * sin(th)};
}

/* pi a / (2N), a reduced mod 4N (cos's period) first. */
static double half_angle(int64_t a, int64_t N) { return 0.5 * TWO_PI * (double)(a % (4 * N)) / (double)(2 * N); }

/* The coefficient of input entry i in output entry o along one axis. */
static Coef2 pass_coef(PassKind kind, int64_t o, int64_t i, int64_t in_len, int64_t out_len) {
    switch (kind) {
    case R2C: return twiddle(o, i, in_len, -1, 1);
    case C2C_FWD: return i < out_len ? twiddle(o, i, out_len, -1, 1) : (Coef2){0, 0};
    case C2C_INV: return i < out_len ? twiddle(o, i, out_len, 1, 1.0 / (double)out_len) : (Coef2){0, 0};
    case C2R: { /* half spectrum, bin i: real coefficient on DC and Nyquist drops their imaginary parts */
        int64_t N = out_len;
        if (i > N / 2) return (Coef2){0, 0};
        if (i == 0) return (Coef2){1.0 / (double)N, 0};
        if (N % 2 == 0 && i == N / 2) return (Coef2){(o % 2 ? -1.0 : 1.0) / (double)N, 0};
        return twiddle(o, i, N, 1, 2.0 / (double)N);
    }
    case DCT2: /* FFTW REDFT10 over N = in_len */
        return (Coef2){2 * cos(half_angle(o * (2 * i + 1), in_len)), 0};
    case DCT3: { /* REDFT01 over N = out_len, scaled 1/(2N) */
        if (i >= out_len) return (Coef2){0, 0};
        double s = 1.0 / (2.0 * (double)out_len);
        return (Coef2){i == 0 ? s : 2 * s * cos(half_angle(i * (2 * o + 1), out_len)), 0};
    }
    }
    return (Coef2){0, 0};
}

/* Real unit of element flat, part p (0 re, 1 im) in a layout. */
static int64_t unit(const Layout *l, int64_t flat, int p) { return l->cplx ? 2 * flat + p : flat; }

/* One term of a complex coefficient c from input element fi to output
 * element fo, for every real/complex combination of the layouts. */
static void push_coef(SparseMap *m, const Layout *in, const Layout *out, int64_t fi, int64_t fo, Coef2 c) {
    if (!in->cplx && !out->cplx) {
        if (c.re != 0) bounds_sparse_push(m, fo, fi, c.re);
        return;
    }
    if (!in->cplx) { /* x real: (c.re x, c.im x) */
        if (c.re != 0) bounds_sparse_push(m, unit(out, fo, 0), fi, c.re);
        if (c.im != 0) bounds_sparse_push(m, unit(out, fo, 1), fi, c.im);
        return;
    }
    /* z complex: Re(c z) = c.re re - c.im im; Im(c z) = c.im re + c.re im */
    if (c.re != 0) bounds_sparse_push(m, unit(out, fo, 0), unit(in, fi, 0), c.re);
    if (c.im != 0) bounds_sparse_push(m, unit(out, fo, 0), unit(in, fi, 1), -c.im);
    if (!out->cplx) return;
    if (c.im != 0) bounds_sparse_push(m, unit(out, fo, 1), unit(in, fi, 0), c.im);
    if (c.re != 0) bounds_sparse_push(m, unit(out, fo, 1), unit(in, fi, 1), c.re);
}

/* One pass along axis a, from layout *l to the layout with out_len
 * entries on a (complex or not as the kind says); *l becomes that. */
static SparseMap *pass_map(Layout *l, uint32_t a, PassKind kind, int64_t out_len) {
    Layout out = *l;
    out.dims[a] = out_len;
    out.cplx = kind == R2C || kind == C2C_FWD || kind == C2C_INV;
    int64_t outer = 1, inner = 1, in_len = l->dims[a];
    for (uint32_t d = 0; d < a; d++) outer *= l->dims[d];
    for (uint32_t d = a + 1; d < l->rank; d++) inner *= l->dims[d];
    SparseMap *m = pd_xcalloc(1, sizeof *m);
    for (int64_t p = 0; p < outer; p++)
        for (int64_t o = 0; o < out_len; o++)
            for (int64_t i = 0; i < in_len; i++) {
                Coef2 c = pass_coef(kind, o, i, in_len, out_len);
                for (int64_t q = 0; q < inner; q++)
                    push_coef(m, l, &out, (p * in_len + i) * inner + q, (p * out_len + o) * inner + q, c);
            }
    *l = out;
    return m;
}

/* Terms of m grouped by their output: first[o] .. first[o+1]. */
static int64_t *group_by_out(const SparseMap *m, int64_t n_out, int64_t **order) {
    int64_t *first = pd_xcalloc((size_t)n_out + 2, sizeof *first);
    *order = pd_xmalloc((size_t)m->nnz * sizeof **order + 8);
    for (int64_t t = 0; t < m->nnz; t++) first[m->out[t] + 1]++;
    for (int64_t o = 0; o < n_out; o++) first[o + 1] += first[o];
    int64_t *fill = pd_xmalloc((size_t)(n_out + 1) * sizeof *fill);
    memcpy(fill, first, (size_t)(n_out + 1) * sizeof *fill);
    for (int64_t t = 0; t < m->nnz; t++) (*order)[fill[m->out[t]]++] = t;
    free(fill);
    return first;
}

/* second after first: in -> mid -> out, equal (out, in) terms summed.
 * False when the result would exceed MAX_TERMS. */
static bool compose(const SparseMap *first, int64_t n_in, int64_t n_mid, const SparseMap *second, int64_t n_out,
                    SparseMap *res) {
    int64_t *ord1, *ord2, *g1 = group_by_out(first, n_mid, &ord1), *g2 = group_by_out(second, n_out, &ord2);
    double *acc = pd_xcalloc((size_t)n_in + 1, sizeof *acc);
    int64_t *touched = pd_xmalloc((size_t)(n_in + 1) * sizeof *touched), *mark = pd_xmalloc((size_t)(n_in + 1) * sizeof *mark);
    for (int64_t i = 0; i < n_in; i++) mark[i] = -1;
    bool ok = true;
    for (int64_t o = 0; o < n_out && ok; o++) {
        int64_t nt = 0;
        for (int64_t s = g2[o]; s < g2[o + 1]; s++) {
            int64_t t2 = ord2[s], mid = second->in[t2];
            for (int64_t r = g1[mid]; r < g1[mid + 1]; r++) {
                int64_t t1 = ord1[r], i = first->in[t1];
                if (mark[i] != o) mark[i] = o, acc[i] = 0, touched[nt++] = i;
                acc[i] += second->w[t2] * first->w[t1];
            }
        }
        for (int64_t k = 0; k < nt; k++)
            if (acc[touched[k]] != 0) bounds_sparse_push(res, o, touched[k], acc[touched[k]]);
        ok = res->nnz <= MAX_TERMS;
    }
    free(mark);
    free(g1), free(g2), free(ord1), free(ord2), free(acc), free(touched);
    return ok;
}

/* ---- ops as passes ---------------------------------------------------- */

typedef struct {
    uint32_t axis;
    PassKind kind;
    int64_t out_len;
} Pass;

static uint32_t norm_axis(int64_t a, uint32_t rank) { return (uint32_t)(a < 0 ? a + rank : a); }

/* The passes of a transform node in execution order. OUT: p; returns how many. */
static int passes_of(const IrNode *n, const IrType *in, Pass *p) {
    const IrType *out = &n->type;
    switch (n->op) {
    case IR_OP_RFFT_MODES: case IR_OP_IRFFT_MODES: case IR_OP_DCT_MODES: case IR_OP_IDCT_MODES: {
        uint32_t a = norm_axis(ir_get_int(n, "axis"), in->rank);
        PassKind k = n->op == IR_OP_RFFT_MODES ? R2C : n->op == IR_OP_IRFFT_MODES ? C2R
                   : n->op == IR_OP_DCT_MODES  ? DCT2 : DCT3;
        p[0] = (Pass){a, k, out->dims[a]};
        return 1;
    }
    default: break;
    }
    uint32_t len, k = 0;
    const int64_t *ax = ir_get_ints(n, "axes", &len);
    if (len == 0) return 0;
    uint32_t last = norm_axis(ax[len - 1], in->rank);
    if (n->op == IR_OP_RFFT) p[k++] = (Pass){last, R2C, out->dims[last]};
    for (uint32_t i = 0; i < len; i++) {
        uint32_t a = norm_axis(ax[i], in->rank);
        if ((n->op == IR_OP_RFFT || n->op == IR_OP_IRFFT) && i == len - 1) continue;
        PassKind kind = n->op == IR_OP_RFFT || n->op == IR_OP_FFT ? C2C_FWD
                      : n->op == IR_OP_IRFFT || n->op == IR_OP_IFFT ? C2C_INV
                      : n->op == IR_OP_DCT ? DCT2 : DCT3;
        p[k++] = (Pass){a, kind, out->dims[a]};
    }
    if (n->op == IR_OP_IRFFT) p[k++] = (Pass){last, C2R, out->dims[last]};
    return (int)k;
}

static SparseMap *identity_map(int64_t n) {
    SparseMap *m = pd_xcalloc(1, sizeof *m);
    for (int64_t i = 0; i < n; i++) bounds_sparse_push(m, i, i, 1);
    return m;
}

static bool too_large(const IrNode *n, const IrGraph *g, double terms, char *err, size_t errlen) {
    if (terms <= (double)MAX_TERMS) return false;
    snprintf(err, errlen, "bounds: %s of %s is a linear map of %.3g terms, more than 2^26; bound a smaller input",
             ir_op_info(n->op)->name, ir_type_str(g->arena, &ir_node(g, n->in[0])->type), terms);
    return true;
}

static SparseMap *transform_map(const BoundsGraph *b, const IrNode *n, char *err, size_t errlen) {
    const IrType *in = &ir_node(b->g, n->in[0])->type;
    Pass p[IR_MAX_RANK + 1];
    int np = passes_of(n, in, p);
    Layout l = {in->rank, {0}, in->dtype == IR_C64};
    memcpy(l.dims, in->dims, in->rank * sizeof *in->dims);
    int64_t n_in = layout_numel(&l) * (l.cplx ? 2 : 1);
    if (np == 0) return identity_map(n_in);
    SparseMap *acc = NULL;
    for (int k = 0; k < np; k++) {
        int64_t n_mid = layout_numel(&l) * (l.cplx ? 2 : 1);
        if (too_large(n, b->g, (double)n_mid * (double)p[k].out_len * 4, err, errlen)) return bounds_sparse_free(acc), NULL;
        SparseMap *m = pass_map(&l, p[k].axis, p[k].kind, p[k].out_len);
        if (!acc) {
            acc = m;
            continue;
        }
        SparseMap *c = pd_xcalloc(1, sizeof *c);
        bool ok = compose(acc, n_in, n_mid, m, layout_numel(&l) * (l.cplx ? 2 : 1), c);
        bounds_sparse_free(acc), bounds_sparse_free(m);
        acc = c;
        if (!ok && too_large(n, b->g, INFINITY, err, errlen)) return bounds_sparse_free(acc), NULL;
    }
    return acc;
}

/* mix: y[b, s, o] = sum_i x[b, s, i] w[i, o, s], w constant. */
static SparseMap *mix_map(const BoundsGraph *b, const IrNode *n, char *err, size_t errlen) {
    const IrType *xt = &ir_node(b->g, n->in[0])->type, *wt = &ir_node(b->g, n->in[1])->type;
    int64_t ci = wt->dims[0], co = wt->dims[1], S = 1, B = xt->dims[0];
    for (uint32_t d = 2; d < wt->rank; d++) S *= wt->dims[d];
    bool cplx = xt->dtype == IR_C64;
    if (too_large(n, b->g, (double)(B * S * ci * co) * (cplx ? 4 : 1), err, errlen)) return NULL;
    Layout lx = {1, {B * S * ci}, cplx}, ly = {1, {B * S * co}, cplx};
    const double *w = b->nodes[n->in[1]].value;
    SparseMap *m = pd_xcalloc(1, sizeof *m);
    for (int64_t bs = 0; bs < B * S; bs++)
        for (int64_t o = 0; o < co; o++)
            for (int64_t i = 0; i < ci; i++) {
                int64_t wi = (i * co + o) * S + bs % S;
                Coef2 c = cplx ? (Coef2){w[2 * wi], w[2 * wi + 1]} : (Coef2){w[wi], 0};
                push_coef(m, &lx, &ly, bs * ci + i, bs * co + o, c);
            }
    return m;
}

SparseMap *bounds_spectral_map(const BoundsGraph *b, const IrNode *n, char *err, size_t errlen) {
    return n->op == IR_OP_MIX ? mix_map(b, n, err, errlen) : transform_map(b, n, err, errlen);
}

/* ---- transforms as passes (xform.c) ------------------------------------- */

static bool is_complex_kind(PassKind k) { return k == R2C || k == C2C_FWD || k == C2C_INV; }

/* Pass k's matrix along axis a of layout l, which becomes its output's. */
static void fill_pass(XPass *x, Layout *l, const Pass *p) {
    uint32_t a = p->axis;
    x->outer = x->inner = 1;
    for (uint32_t d = 0; d < a; d++) x->outer *= l->dims[d];
    for (uint32_t d = a + 1; d < l->rank; d++) x->inner *= l->dims[d];
    x->in_len = l->dims[a], x->out_len = p->out_len;
    x->in_cplx = l->cplx, x->out_cplx = is_complex_kind(p->kind);
    x->c = pd_xmalloc((size_t)(2 * x->in_len * x->out_len) * sizeof *x->c + 8);
    for (int64_t i = 0; i < x->in_len; i++)
        for (int64_t o = 0; o < x->out_len; o++) {
            Coef2 c = pass_coef(p->kind, o, i, x->in_len, x->out_len);
            x->c[2 * (i * x->out_len + o)] = c.re, x->c[2 * (i * x->out_len + o) + 1] = c.im;
        }
    l->dims[a] = p->out_len, l->cplx = x->out_cplx;
}

static XForm *transform_passes(const BoundsGraph *b, const IrNode *n, char *err, size_t errlen) {
    const IrType *in = &ir_node(b->g, n->in[0])->type;
    Pass p[IR_MAX_RANK + 1];
    int np = passes_of(n, in, p);
    Layout l = {in->rank, {0}, in->dtype == IR_C64};
    memcpy(l.dims, in->dims, in->rank * sizeof *in->dims);
    for (int k = 0; k < np; k++)
        if ((double)l.dims[p[k].axis] * (double)p[k].out_len > (double)MAX_PASS_ENTRIES) {
            snprintf(err, errlen, "bounds: %s of %s has a pass of %lld x %lld coefficients, more than 2^23",
                     ir_op_info(n->op)->name, ir_type_str(b->g->arena, in), (long long)p[k].out_len,
                     (long long)l.dims[p[k].axis]);
            return NULL;
        }
    XForm *f = pd_xcalloc(1, sizeof *f);
    f->np = np;
    for (int k = 0; k < np; k++) fill_pass(&f->pass[k], &l, &p[k]);
    return f;
}

/* The composed map's terms, at most: every real unit of the output meets
 * every real unit of each pass's line (the DFT's coefficients are not
 * zero), so composing is not even tried when that is too many (it would
 * build up to 2^26 terms before failing).  OUT: *np, the passes. */
static double map_terms(const BoundsGraph *b, const IrNode *n, int *np) {
    const IrType *in = &ir_node(b->g, n->in[0])->type;
    Pass p[IR_MAX_RANK + 1];
    *np = passes_of(n, in, p);
    double t = (double)ir_type_numel(&n->type) * (n->type.dtype == IR_C64 ? 2 : 1);
    for (int k = 0; k < *np; k++) t *= (double)in->dims[p[k].axis] * 2;
    return t;
}

bool bounds_spectral_setup(const BoundsGraph *b, const IrNode *n, BNode *bn, char *err, size_t errlen) {
    if (n->op == IR_OP_MIX) return (bn->map = mix_map(b, n, err, errlen)) != NULL;
    int np;
    double terms = map_terms(b, n, &np);
    if (np > 0 && terms > (double)(np == 1 ? ONE_PASS_TERMS : MAX_TERMS))
        return (bn->xf = transform_passes(b, n, err, errlen)) != NULL;
    if ((bn->map = transform_map(b, n, err, errlen)) != NULL || np == 0) return bn->map != NULL;
    return (bn->xf = transform_passes(b, n, err, errlen)) != NULL;
}

void bounds_spectral_use_passes(BoundsGraph *b) {
    char err[256];
    for (uint32_t i = 0; i < b->count; i++) {
        const IrNode *n = ir_node(b->g, i);
        BNode *bn = &b->nodes[i];
        if (!bn->variable || !bounds_is_spectral(n->op) || n->op == IR_OP_MIX || bn->xf) continue;
        XForm *f = transform_passes(b, n, err, sizeof err);
        if (!f || f->np == 0) {
            bounds_xform_free(f);
            continue;
        }
        bounds_sparse_free(bn->map);
        bn->map = NULL, bn->xf = f;
    }
}

bool bounds_is_spectral(IrOpKind op) {
    switch (op) {
    case IR_OP_RFFT: case IR_OP_IRFFT: case IR_OP_FFT: case IR_OP_IFFT: case IR_OP_DCT: case IR_OP_IDCT:
    case IR_OP_RFFT_MODES: case IR_OP_IRFFT_MODES: case IR_OP_DCT_MODES: case IR_OP_IDCT_MODES: case IR_OP_MIX:
        return true;
    default:
        return false;
    }
}
