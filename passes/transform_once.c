/* transform_once.c — exact frequency-domain rewrites, so that Fourier
 * layers compute each transform once (after Poli et al., "Transform Once",
 * NeurIPS 2022).  Each rewrite is one function that looks at one node and
 * returns its replacement (IR_NONE: no change); every rewrite keeps the
 * value up to round-off:
 *
 *   irfft(rfft(x)) -> x, ifft(fft(x)) -> x, fft(ifft(x)) -> x,
 *   idct(dct(x)) -> x, dct(idct(x)) -> x          (same axes and sizes)
 *   rfft(irfft(X)) -> hermitian_project(X)         (c2r then r2c)
 *   hermitian_project(X) -> X when X is already Hermitian (X = rfft(x),
 *                                                  or a projection itself)
 *   rfft(a + b) -> rfft(a) + rfft(b)               when that cancels a
 *                                                  transform (a or b is an irfft)
 *   rfft(x @ W) -> rfft(x) @ W                      W made of weights, acting on
 *                                                  the untransformed channel axis
 *   rfft(x * c) -> rfft(x) * c                     c a scalar
 *   rfft(y + b) -> rfft(y) + N b on the DC bin     b constant over the transformed
 *                                                  axes (a bias)
 *   conv1d(pad_circular(x), w) -> irfft(mix(rfft(x), conj(rfft(w wrapped))))
 *                                                  a long circular convolution as a
 *                                                  product of spectra (cost model)
 *   irfft(A) + irfft(B) -> irfft(A + B)            (likewise sub): one inverse
 *   slice(rfft(x)) of the first k bins -> rfft_modes(x, k)     pruned, when
 *   irfft(pad(X)) of zeros above k bins -> irfft_modes(X, n)   the cost model
 *                                                  says a DFT restricted to
 *                                                  the kept modes is cheaper
 * and, so that transforms over several axes prune too (fno2d):
 *   rfft(x, [a.., z]) -> fft(rfft(x, [z]), [a..])  when every user slices z
 *   slice(fft(y, A)) -> slice_A(fft(slice_other(y), A))   (the part of the
 *                                                  slice off the axes A first)
 *   irfft(Y, [a.., z]) -> irfft(ifft(Y, [a..]), [z])  when Y is zero-padded on z
 *   pad(A) + pad(B) -> pad_z(pad'(A) + pad'(B))    (a padding both share on z)
 *   ifft(pad_z(Z), A) -> pad_z(ifft(Z, A))         (z not in A)
 *
 * Then the canonicalize group runs: CSE shares one transform per distinct
 * input, fold computes transforms of constants, DCE drops what no longer
 * has users.  A GELU (any nonlinearity) blocks every rewrite across it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "passes.h"
#include "../ir/cost.h"

/* ---- the cost model of pruned transforms ---------------------------------
 * Seconds per flop of a full transform along a strided axis (FFTW, real
 * data, counted as 2.5 N log2 N / 2 flops per transform) and of a DFT
 * restricted to k modes done as a GEMM (4 N k flops per transform).
 * Measured by bench/crossover.sh on this machine kind (rfft of
 * [8, 1024, 64] along 1024, one thread): FFTW at 3.7-3.8 GFLOP/s for
 * every k, the restricted DFT at 88-155 GFLOP/s (130 from k = 16 on); the
 * measured crossover is k = 128 of 1024, the model's
 * (C_FFT * 2.5 log2 N / 2) / (C_GEMM * 4) = 108.  Re-measure with that
 * script and change these two numbers. */
static const double C_FFT = 1 / 3.75e9, C_GEMM = 1 / 130e9;

/* Elementwise and data-movement work, for comparing whole graphs. */
static const double C_ELEM = 1 / 10e9;

/* Moving linear ops across transforms pays when it removes a transform
 * chain, and costs when the physical values are needed anyway (an FNO
 * without activations keeps its skip path): the pass rewrites a copy with
 * and one without those moves and keeps the cheaper by this estimate. */
static bool linear_moves;

static char choices[4096];
static size_t nchoices;

const char *transform_once_choices(void) { return choices; }

static void note_choice(const char *what, int64_t n, double k, double t_fft, double t_dft, bool pruned) {
    int w = snprintf(choices + nchoices, sizeof choices - nchoices,
                     "  %s n=%lld keeps %g: full %.3g s, pruned %.3g s -> %s\n", what, (long long)n, k,
                     t_fft, t_dft, pruned ? "pruned" : "full");
    if (w > 0 && nchoices + (size_t)w < sizeof choices) nchoices += (size_t)w;
}

/* Is a DFT restricted to k of the bins of `count` transforms of n points
 * cheaper than the full transforms?  (A real DCT coefficient costs half a
 * complex bin: callers pass k / 2.) */
static bool prune_pays(const char *what, int64_t n, double k, int64_t count) {
    double t_fft = C_FFT * 2.5 * (double)n * log2((double)n) / 2 * (double)count;
    double t_dft = C_GEMM * 4 * (double)n * k * (double)count;
    note_choice(what, n, k, t_fft, t_dft, t_dft < t_fft);
    return t_dft < t_fft;
}

static const IrNode *node(const IrGraph *g, IrId id) { return ir_node(g, id); }

static bool same_ints(const IrNode *a, const char *ka, const IrNode *b, const char *kb) {
    uint32_t na, nb;
    const int64_t *x = ir_get_ints(a, ka, &na), *y = ir_get_ints(b, kb, &nb);
    return na == nb && memcmp(x, y, na * sizeof x[0]) == 0;
}

/* The same set of axes, in any order (c2c and r2r transforms commute). */
static bool same_axis_set(const IrNode *a, const IrNode *b) {
    uint32_t na, nb;
    const int64_t *x = ir_get_ints(a, "axes", &na), *y = ir_get_ints(b, "axes", &nb);
    if (na != nb) return false;
    for (uint32_t i = 0; i < na; i++) {
        bool found = false;
        for (uint32_t j = 0; j < nb; j++) found |= x[i] == y[j];
        if (!found) return false;
    }
    return true;
}

/* The logical size of the last (halved) axis of an r2c transform. */
static int64_t halved_size(const IrGraph *g, IrId rfft) {
    const IrNode *n = node(g, rfft);
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    return node(g, n->in[0])->type.dims[axes[na - 1]];
}

/* irfft(rfft(x)) -> x and the c2c / r2r inverse pairs. */
static IrId cancel_inverse_pair(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id), *p = node(g, n->in[0]);
    IrId x = p->nin ? p->in[0] : IR_NONE;
    switch (n->op) {
    case IR_OP_IRFFT:
        if (p->op != IR_OP_RFFT || !same_ints(n, "axes", p, "axes")) return IR_NONE;
        return ir_type_eq(&node(g, x)->type, &n->type) ? x : IR_NONE;
    case IR_OP_IFFT: case IR_OP_FFT:
        return p->op == (n->op == IR_OP_FFT ? IR_OP_IFFT : IR_OP_FFT) && same_axis_set(n, p) ? x : IR_NONE;
    case IR_OP_IDCT: case IR_OP_DCT:
        return p->op == (n->op == IR_OP_DCT ? IR_OP_IDCT : IR_OP_DCT) && same_axis_set(n, p) ? x : IR_NONE;
    default:
        return IR_NONE;
    }
}

static IrId add_op(IrGraph *g, IrOpKind op, const IrId *in, uint32_t nin, const IrAttr *attrs, uint32_t nattr,
                   SrcLoc loc) {
    return ir_add(g, op, in, nin, attrs, nattr, loc, NULL, 0);
}

/* rfft(irfft(X)) -> hermitian_project(X). */
static IrId project_instead_of_round_trip(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id), *p = node(g, n->in[0]);
    if (n->op != IR_OP_RFFT || p->op != IR_OP_IRFFT || !same_ints(n, "axes", p, "axes")) return IR_NONE;
    uint32_t na, nn;
    const int64_t *axes = ir_get_ints(p, "axes", &na), *sizes = ir_get_ints(p, "n", &nn);
    IrAttr at[2] = {ir_attr_ints("axes", axes, na), ir_attr_int("n", sizes[nn - 1])};
    IrId X = p->in[0];
    return add_op(g, IR_OP_HERMITIAN_PROJECT, &X, 1, at, 2, n->loc);
}

/* hermitian_project(X) -> X when X needs no projection. */
static IrId drop_needless_projection(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id);
    if (n->op != IR_OP_HERMITIAN_PROJECT) return IR_NONE;
    IrId x = n->in[0];
    const IrNode *p = node(g, x);
    if (p->op == IR_OP_HERMITIAN_PROJECT && same_ints(n, "axes", p, "axes") && ir_get_int(n, "n") == ir_get_int(p, "n"))
        return x;
    if (p->op == IR_OP_RFFT && same_ints(n, "axes", p, "axes") && ir_get_int(n, "n") == halved_size(g, x)) return x;
    return IR_NONE;
}

static IrId rfft_like(IrGraph *g, const IrNode *like, IrId x) {
    uint32_t na;
    const int64_t *axes = ir_get_ints(like, "axes", &na);
    IrAttr at = ir_attr_ints("axes", axes, na);
    return add_op(g, IR_OP_RFFT, &x, 1, &at, 1, like->loc);
}

/* rfft(a +- b) -> rfft(a) +- rfft(b) when a or b is an irfft over the same
 * axes, so that the next round of rewrites turns it into a projection. */
static IrId distribute_over_sum(IrGraph *g, IrId id) {
    if (!linear_moves) return IR_NONE;
    const IrNode *n = node(g, id), *s = node(g, n->in[0]);
    if (n->op != IR_OP_RFFT || (s->op != IR_OP_ADD && s->op != IR_OP_SUB)) return IR_NONE;
    IrId a = s->in[0], b = s->in[1];
    if (!ir_type_eq(&node(g, a)->type, &node(g, b)->type)) return IR_NONE;
    bool cancels = false;
    for (int k = 0; k < 2; k++) {
        const IrNode *o = node(g, s->in[k]);
        cancels |= o->op == IR_OP_IRFFT && same_ints(o, "axes", n, "axes");
    }
    if (!cancels) return IR_NONE;
    IrOpKind op = s->op;
    IrId in[2] = {rfft_like(g, node(g, id), a), rfft_like(g, node(g, id), b)};
    return add_op(g, op, in, 2, NULL, 0, node(g, id)->loc);
}

/* Does id depend on weights and constants only (not on an input)? */
static bool weights_only(const IrGraph *g, IrId id) {
    const IrNode *n = node(g, id);
    if (n->op == IR_OP_INPUT) return false;
    for (uint32_t k = 0; k < n->nin; k++)
        if (!weights_only(g, n->in[k])) return false;
    return true;
}

/* rfft(x @ W) -> rfft(x) @ complex(W): W made of weights, [C, C'], mixing
 * the last axis, which the transform leaves alone (a 1x1 convolution is
 * such a matmul). */
static IrId commute_channel_mixing(IrGraph *g, IrId id) {
    if (!linear_moves) return IR_NONE;
    const IrNode *n = node(g, id), *m = node(g, n->in[0]);
    if (n->op != IR_OP_RFFT || m->op != IR_OP_MATMUL) return IR_NONE;
    const IrNode *w = node(g, m->in[1]);
    uint32_t na, r = n->type.rank;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    if (!weights_only(g, m->in[1]) || w->type.rank != 2) return IR_NONE;
    for (uint32_t i = 0; i < na; i++)
        if (axes[i] == (int64_t)r - 1 || axes[i] == -1) return IR_NONE; /* the contracted axis */
    IrAttr c64 = ir_attr_dtype("dtype", IR_C64);
    IrId x = m->in[0], wc = add_op(g, IR_OP_CAST, &m->in[1], 1, &c64, 1, n->loc);
    IrId in[2] = {rfft_like(g, n, x), wc};
    return add_op(g, IR_OP_MATMUL, in, 2, NULL, 0, n->loc);
}

/* irfft(A) +- irfft(B) -> irfft(A +- B): one inverse instead of two. */
static IrId merge_inverses(IrGraph *g, IrId id) {
    if (!linear_moves) return IR_NONE;
    const IrNode *n = node(g, id);
    if (n->op != IR_OP_ADD && n->op != IR_OP_SUB) return IR_NONE;
    const IrNode *a = node(g, n->in[0]), *b = node(g, n->in[1]);
    if (a->op != IR_OP_IRFFT || b->op != IR_OP_IRFFT || !same_ints(a, "axes", b, "axes") ||
        !same_ints(a, "n", b, "n") || !ir_type_eq(&node(g, a->in[0])->type, &node(g, b->in[0])->type) ||
        !ir_type_eq(&a->type, &n->type))
        return IR_NONE;
    IrId in[2] = {a->in[0], b->in[0]};
    IrId sum = add_op(g, n->op, in, 2, NULL, 0, n->loc);
    uint32_t na, nn;
    const int64_t *axes = ir_get_ints(a, "axes", &na), *sizes = ir_get_ints(a, "n", &nn);
    IrAttr at[2] = {ir_attr_ints("axes", axes, na), ir_attr_ints("n", sizes, nn)};
    return add_op(g, IR_OP_IRFFT, &sum, 1, at, 2, n->loc);
}

/* One transformed axis of a rank-r tensor: its index.  False when axes
 * lists more than one. */
static bool single_axis(const IrNode *n, uint32_t rank, int64_t *axis) {
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    if (na != 1) return false;
    *axis = axes[0] < 0 ? axes[0] + rank : axes[0];
    return true;
}

/* slice(rfft(x)) keeping bins [0, k) of the one transformed axis and all
 * of the others -> rfft_modes(x, k). */
static IrId prune_forward(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id), *f = node(g, n->in[0]);
    int64_t a;
    if (n->op != IR_OP_SLICE || (f->op != IR_OP_RFFT && f->op != IR_OP_DCT) || ir_use_count(g, n->in[0]) != 1 ||
        !single_axis(f, f->type.rank, &a))
        return IR_NONE;
    uint32_t r;
    const int64_t *st = ir_get_ints(n, "starts", &r), *steps = ir_get_ints(n, "steps", &r);
    for (uint32_t d = 0; d < r; d++)
        if (st[d] != 0 || steps[d] != 1 || (d != a && n->type.dims[d] != f->type.dims[d])) return IR_NONE;
    bool dct = f->op == IR_OP_DCT;
    int64_t len = node(g, f->in[0])->type.dims[a], k = n->type.dims[a];
    if (!prune_pays(dct ? "dct" : "rfft", len, dct ? k / 2.0 : k, ir_type_numel(&f->type) / f->type.dims[a]))
        return IR_NONE;
    IrAttr at[2] = {ir_attr_int("axis", a), ir_attr_int("modes", k)};
    return add_op(g, dct ? IR_OP_DCT_MODES : IR_OP_RFFT_MODES, &f->in[0], 1, at, 2, n->loc);
}

/* irfft(pad(X)) whose pad adds zeros above the first k bins of the one
 * transformed axis only -> irfft_modes(X, n). */
static IrId prune_inverse(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id), *p = node(g, n->in[0]);
    int64_t a;
    if ((n->op != IR_OP_IRFFT && n->op != IR_OP_IDCT) || p->op != IR_OP_PAD || ir_use_count(g, n->in[0]) != 1 ||
        !single_axis(n, n->type.rank, &a) || strcmp(ir_get_str(p, "mode"), "constant") != 0 ||
        ir_get_float(p, "value") != 0)
        return IR_NONE;
    uint32_t np;
    const int64_t *pads = ir_get_ints(p, "pads", &np);
    for (uint32_t d = 0; d < np / 2; d++)
        if (pads[2 * d] != 0 || (d != a && pads[2 * d + 1] != 0)) return IR_NONE;
    uint32_t nn;
    bool dct = n->op == IR_OP_IDCT;
    int64_t len = dct ? n->type.dims[a] : ir_get_ints(n, "n", &nn)[0], k = node(g, p->in[0])->type.dims[a];
    if (!prune_pays(dct ? "idct" : "irfft", len, dct ? k / 2.0 : k, ir_type_numel(&n->type) / len)) return IR_NONE;
    IrAttr at[2] = {ir_attr_int("axis", a), ir_attr_int("n", len)};
    return add_op(g, dct ? IR_OP_IDCT_MODES : IR_OP_IRFFT_MODES, &p->in[0], 1, at, 2, n->loc);
}

/* ---- transforms over several axes ----------------------------------------- */

static IrId slice_op(IrGraph *g, IrId x, const int64_t *st, const int64_t *en, const int64_t *sp, uint32_t r,
                     SrcLoc loc) {
    IrAttr at[3] = {ir_attr_ints("starts", st, r), ir_attr_ints("ends", en, r), ir_attr_ints("steps", sp, r)};
    return add_op(g, IR_OP_SLICE, &x, 1, at, 3, loc);
}

static bool in_axes(const IrNode *n, int64_t d) {
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    for (uint32_t i = 0; i < na; i++)
        if (axes[i] == d || axes[i] + (int64_t)n->type.rank == d) return true;
    return false;
}

/* Does every user of id slice axis z to a prefix? */
static bool users_slice_prefix(const IrGraph *g, IrId id, int64_t z) {
    for (IrId u = id + 1; u < g->nodes.len; u++) {
        const IrNode *n = node(g, u);
        if (n->dead) continue;
        for (uint32_t k = 0; k < n->nin; k++) {
            if (n->in[k] != id) continue;
            uint32_t r;
            if (n->op != IR_OP_SLICE || ir_get_ints(n, "starts", &r)[z] != 0 || ir_get_ints(n, "steps", &r)[z] != 1 ||
                n->type.dims[z] == node(g, id)->type.dims[z])
                return false;
        }
    }
    return true;
}

/* Is id an irfft that an rfft over the same axes reads (a round trip the
 * projection rule removes; splitting either side would hide it)? */
static bool in_round_trip(const IrGraph *g, IrId id) {
    for (IrId u = id + 1; u < g->nodes.len; u++) {
        const IrNode *n = node(g, u);
        if (!n->dead && n->op == IR_OP_RFFT && n->in[0] == id && same_ints(n, "axes", node(g, id), "axes")) return true;
    }
    return false;
}

/* rfft over several axes, the halved one z sliced by every user: the other
 * axes' transform afterwards, so slices of z reach a one-axis rfft. */
static IrId split_forward(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id);
    uint32_t na;
    const int64_t *axes = n->op == IR_OP_RFFT ? ir_get_ints(n, "axes", &na) : NULL;
    if (!axes || na < 2) return IR_NONE;
    if (node(g, n->in[0])->op == IR_OP_IRFFT && in_round_trip(g, n->in[0])) return IR_NONE;
    int64_t z = axes[na - 1] < 0 ? axes[na - 1] + n->type.rank : axes[na - 1];
    if (!users_slice_prefix(g, id, z)) return IR_NONE;
    IrAttr last = ir_attr_ints("axes", &axes[na - 1], 1), rest = ir_attr_ints("axes", axes, na - 1);
    IrId r = add_op(g, IR_OP_RFFT, &n->in[0], 1, &last, 1, n->loc);
    return add_op(g, IR_OP_FFT, &r, 1, &rest, 1, n->loc);
}

/* slice(fft(y, A)) with some slicing off A: that part first. */
static IrId slice_before_transform(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id), *f = node(g, n->in[0]);
    if (n->op != IR_OP_SLICE ||
        (f->op != IR_OP_FFT && f->op != IR_OP_IFFT && f->op != IR_OP_DCT && f->op != IR_OP_IDCT))
        return IR_NONE;
    uint32_t r;
    const int64_t *st = ir_get_ints(n, "starts", &r), *en = ir_get_ints(n, "ends", &r), *sp = ir_get_ints(n, "steps", &r);
    int64_t s1[IR_MAX_RANK], e1[IR_MAX_RANK], p1[IR_MAX_RANK], s2[IR_MAX_RANK], e2[IR_MAX_RANK], p2[IR_MAX_RANK];
    bool off_axes = false, on_axes = false;
    for (uint32_t d = 0; d < r; d++) {
        bool full = st[d] == 0 && sp[d] == 1 && n->type.dims[d] == f->type.dims[d];
        bool transformed = in_axes(f, d);
        s1[d] = transformed ? 0 : st[d], e1[d] = transformed ? f->type.dims[d] : en[d], p1[d] = transformed ? 1 : sp[d];
        s2[d] = transformed ? st[d] : 0, e2[d] = transformed ? en[d] : n->type.dims[d], p2[d] = transformed ? sp[d] : 1;
        off_axes |= !full && !transformed, on_axes |= !full && transformed;
    }
    if (!off_axes) return IR_NONE;
    IrId y = slice_op(g, f->in[0], s1, e1, p1, r, n->loc);
    uint32_t na;
    const int64_t *axes = ir_get_ints(f, "axes", &na);
    IrAttr at = ir_attr_ints("axes", axes, na);
    IrId t = add_op(g, f->op, &y, 1, &at, 1, n->loc);
    return on_axes ? slice_op(g, t, s2, e2, p2, r, n->loc) : t;
}

/* Is x zero-padded above its first bins on axis z, and on no other axis?
 * OUT: *inner (the unpadded value). */
static bool zero_padded_on(const IrGraph *g, IrId x, int64_t z, IrId *inner) {
    const IrNode *p = node(g, x);
    if (p->op != IR_OP_PAD || strcmp(ir_get_str(p, "mode"), "constant") != 0 || ir_get_float(p, "value") != 0)
        return false;
    uint32_t np;
    const int64_t *pads = ir_get_ints(p, "pads", &np);
    for (uint32_t d = 0; d < np / 2; d++)
        if (pads[2 * d] != 0 || (d != z && pads[2 * d + 1] != 0)) return false;
    *inner = p->in[0];
    return true;
}

/* irfft over several axes of a spectrum zero-padded on the halved axis z:
 * the other axes' inverse first, so the padding reaches a one-axis irfft. */
static IrId split_inverse(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id);
    uint32_t na, nn;
    const int64_t *axes = n->op == IR_OP_IRFFT ? ir_get_ints(n, "axes", &na) : NULL;
    if (!axes || na < 2 || in_round_trip(g, id)) return IR_NONE;
    const int64_t *sizes = ir_get_ints(n, "n", &nn);
    int64_t z = axes[na - 1] < 0 ? axes[na - 1] + n->type.rank : axes[na - 1];
    IrId inner;
    if (!zero_padded_on(g, n->in[0], z, &inner)) return IR_NONE;
    IrAttr rest = ir_attr_ints("axes", axes, na - 1);
    IrId c = add_op(g, IR_OP_IFFT, &n->in[0], 1, &rest, 1, n->loc);
    IrAttr at[2] = {ir_attr_ints("axes", &axes[na - 1], 1), ir_attr_ints("n", &sizes[nn - 1], 1)};
    return add_op(g, IR_OP_IRFFT, &c, 1, at, 2, n->loc);
}

/* pad(A, P) +- pad(B, Q), both zero pads that agree on axis z and pad it
 * above only: pad_z(pad(A, P without z) +- pad(B, Q without z)), z the
 * last axis with padding, so the transforms before an irfft see it. */
static IrId factor_padding(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id);
    if (n->op != IR_OP_ADD && n->op != IR_OP_SUB) return IR_NONE;
    const IrNode *a = node(g, n->in[0]), *b = node(g, n->in[1]);
    if (a->op != IR_OP_PAD || b->op != IR_OP_PAD || !ir_type_eq(&a->type, &b->type)) return IR_NONE;
    uint32_t np, nq;
    const int64_t *P = ir_get_ints(a, "pads", &np), *Q = ir_get_ints(b, "pads", &nq);
    int64_t z = -1;
    for (int64_t d = np / 2; d-- > 0;)
        if (P[2 * d + 1] || Q[2 * d + 1]) { z = d; break; }
    if (z < 0 || P[2 * z] || Q[2 * z] || P[2 * z + 1] != Q[2 * z + 1] || ir_get_float(a, "value") != 0 ||
        ir_get_float(b, "value") != 0 || strcmp(ir_get_str(a, "mode"), "constant") || strcmp(ir_get_str(b, "mode"), "constant"))
        return IR_NONE;
    bool other = false;
    for (uint32_t i = 0; i < np; i++) other |= i / 2 != (uint32_t)z && (P[i] || Q[i]);
    if (!other) return IR_NONE; /* nothing to factor */
    int64_t pa[2 * IR_MAX_RANK], pb[2 * IR_MAX_RANK], pz[2 * IR_MAX_RANK] = {0};
    memcpy(pa, P, np * sizeof P[0]), memcpy(pb, Q, nq * sizeof Q[0]);
    pa[2 * z + 1] = pb[2 * z + 1] = 0, pz[2 * z + 1] = P[2 * z + 1];
    IrAttr at = ir_attr_ints("pads", pa, np), bt = ir_attr_ints("pads", pb, nq), zt = ir_attr_ints("pads", pz, np);
    IrId in[2] = {add_op(g, IR_OP_PAD, &a->in[0], 1, &at, 1, n->loc), add_op(g, IR_OP_PAD, &b->in[0], 1, &bt, 1, n->loc)};
    IrId sum = add_op(g, n->op, in, 2, NULL, 0, n->loc);
    return add_op(g, IR_OP_PAD, &sum, 1, &zt, 1, n->loc);
}

/* ifft(pad(Z), A): zero padding on axes off A commutes with the transform. */
static IrId pad_after_transform(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id), *p = node(g, n->in[0]);
    if ((n->op != IR_OP_IFFT && n->op != IR_OP_FFT && n->op != IR_OP_DCT && n->op != IR_OP_IDCT) || p->op != IR_OP_PAD ||
        strcmp(ir_get_str(p, "mode"), "constant") != 0 || ir_get_float(p, "value") != 0)
        return IR_NONE;
    uint32_t np;
    const int64_t *pads = ir_get_ints(p, "pads", &np);
    for (uint32_t d = 0; d < np / 2; d++)
        if ((pads[2 * d] || pads[2 * d + 1]) && in_axes(n, d)) return IR_NONE;
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    IrAttr at = ir_attr_ints("axes", axes, na), pt = ir_attr_ints("pads", pads, np);
    IrId t = add_op(g, n->op, &p->in[0], 1, &at, 1, n->loc);
    return add_op(g, IR_OP_PAD, &t, 1, &pt, 1, n->loc);
}

/* dct / idct over several axes, one axis at a time (they are separable):
 * dct when a user slices, idct when its input is zero-padded, so the
 * one-axis rules apply. */
static IrId split_cosine(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id);
    uint32_t na;
    const int64_t *axes = n->op == IR_OP_DCT || n->op == IR_OP_IDCT ? ir_get_ints(n, "axes", &na) : NULL;
    if (!axes || na < 2) return IR_NONE;
    int64_t last = axes[na - 1] < 0 ? axes[na - 1] + n->type.rank : axes[na - 1];
    bool worth = n->op == IR_OP_DCT ? users_slice_prefix(g, id, last) : node(g, n->in[0])->op == IR_OP_PAD;
    if (!worth) return IR_NONE;
    IrAttr first = ir_attr_ints("axes", &axes[na - 1], 1), rest = ir_attr_ints("axes", axes, na - 1);
    IrId inner = add_op(g, n->op, &n->in[0], 1, n->op == IR_OP_DCT ? &first : &rest, 1, n->loc);
    return add_op(g, n->op, &inner, 1, n->op == IR_OP_DCT ? &rest : &first, 1, n->loc);
}

/* A zero pad on several axes feeding a one-axis transform: pad that axis
 * innermost, the others outside, so they move across the transform. */
static IrId split_padding(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id), *p = node(g, n->in[0]);
    int64_t t;
    bool transform = n->op == IR_OP_FFT || n->op == IR_OP_IFFT || n->op == IR_OP_DCT || n->op == IR_OP_IDCT;
    if (!transform || p->op != IR_OP_PAD || !single_axis(n, n->type.rank, &t) ||
        strcmp(ir_get_str(p, "mode"), "constant") != 0 || ir_get_float(p, "value") != 0)
        return IR_NONE;
    uint32_t np;
    const int64_t *pads = ir_get_ints(p, "pads", &np);
    bool on_t = pads[2 * t] || pads[2 * t + 1], elsewhere = false;
    for (uint32_t d = 0; d < np / 2; d++) elsewhere |= d != t && (pads[2 * d] || pads[2 * d + 1]);
    if (!on_t || !elsewhere) return IR_NONE;
    int64_t own[2 * IR_MAX_RANK] = {0}, rest[2 * IR_MAX_RANK];
    memcpy(rest, pads, np * sizeof pads[0]);
    own[2 * t] = pads[2 * t], own[2 * t + 1] = pads[2 * t + 1], rest[2 * t] = rest[2 * t + 1] = 0;
    IrAttr ot = ir_attr_ints("pads", own, np), rt = ir_attr_ints("pads", rest, np);
    IrId inner = add_op(g, IR_OP_PAD, &p->in[0], 1, &ot, 1, n->loc);
    IrId outer = add_op(g, IR_OP_PAD, &inner, 1, &rt, 1, n->loc);
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    IrAttr at = ir_attr_ints("axes", axes, na);
    return add_op(g, n->op, &outer, 1, &at, 1, n->loc);
}

/* rfft(x * c) -> rfft(x) * c for a scalar c (and x / c likewise). */
static IrId commute_scaling(IrGraph *g, IrId id) {
    if (!linear_moves) return IR_NONE;
    const IrNode *n = node(g, id), *m = node(g, n->in[0]);
    if (n->op != IR_OP_RFFT || (m->op != IR_OP_MUL && m->op != IR_OP_DIV)) return IR_NONE;
    IrId x = m->in[0], c = m->in[1];
    if (ir_type_numel(&node(g, c)->type) != 1 || node(g, c)->type.rank != 0 || !weights_only(g, c) ||
        !ir_type_eq(&node(g, x)->type, &m->type))
        return IR_NONE;
    IrAttr c64 = ir_attr_dtype("dtype", IR_C64);
    IrId in[2] = {rfft_like(g, n, x), add_op(g, IR_OP_CAST, &c, 1, &c64, 1, n->loc)};
    return add_op(g, m->op, in, 2, NULL, 0, n->loc);
}

/* rfft(y + b), b the same at every point of the transformed axes (a bias):
 * rfft(y) + b * N on the DC bin, N the points transformed (backward
 * normalization), zeros elsewhere. */
static IrId bias_on_dc(IrGraph *g, IrId id) {
    if (!linear_moves) return IR_NONE;
    const IrNode *n = node(g, id), *s = node(g, n->in[0]);
    if (n->op != IR_OP_RFFT || (s->op != IR_OP_ADD && s->op != IR_OP_SUB)) return IR_NONE;
    IrId y = s->in[0], b = s->in[1];
    const IrType *yt = &node(g, y)->type, *bt = &node(g, b)->type;
    uint32_t r = n->type.rank;
    if (!ir_type_eq(yt, &s->type) || bt->rank > r || !weights_only(g, b)) return IR_NONE;
    int64_t dims[IR_MAX_RANK], pads[2 * IR_MAX_RANK] = {0}, points = 1;
    for (uint32_t d = 0; d < r; d++) dims[d] = d < r - bt->rank ? 1 : bt->dims[d - (r - bt->rank)];
    for (uint32_t d = 0; d < r; d++) {
        if (!in_axes(n, d)) continue;
        if (dims[d] != 1) return IR_NONE; /* b varies along a transformed axis */
        points *= yt->dims[d], pads[2 * d + 1] = n->type.dims[d] - 1;
    }
    IrAttr shape = ir_attr_ints("shape", dims, r), c64 = ir_attr_dtype("dtype", IR_C64);
    IrId bc = add_op(g, IR_OP_CAST, &b, 1, &c64, 1, n->loc);
    bc = add_op(g, IR_OP_RESHAPE, &bc, 1, &shape, 1, n->loc);
    IrId scaled[2] = {bc, ir_add_scalar(g, IR_C64, (double)points, n->loc)};
    IrId dc = add_op(g, IR_OP_MUL, scaled, 2, NULL, 0, n->loc);
    IrAttr pt = ir_attr_ints("pads", pads, 2 * r);
    dc = add_op(g, IR_OP_PAD, &dc, 1, &pt, 1, n->loc);
    IrId in[2] = {rfft_like(g, n, y), dc};
    return add_op(g, s->op, in, 2, NULL, 0, n->loc);
}

/* ---- circular convolution as a product of spectra ------------------------ */

/* conv1d(pad_circular(x), w) with the pad making it circular (lo + hi =
 * K - 1, stride and dilation 1, one group): y[l] = sum_m h[m] x[l + m mod L]
 * with h the kernel wrapped onto L points, so Y[k] = X[k] conj(H[k]) per
 * channel pair: irfft(mix(rfft(x), conj(rfft(h)))).  Worth it for kernels
 * long against log L. */
static IrId circular_conv(IrGraph *g, IrId id) {
    const IrNode *n = node(g, id), *p = node(g, n->in[0]);
    if (n->op != IR_OP_CONV1D || p->op != IR_OP_PAD || strcmp(ir_get_str(p, "mode"), "circular") != 0 ||
        ir_get_int(n, "groups") != 1)
        return IR_NONE;
    uint32_t k1, np;
    if (ir_get_ints(n, "stride", &k1)[0] != 1 || ir_get_ints(n, "dilation", &k1)[0] != 1 ||
        ir_get_ints(n, "padding", &k1)[0] != 0)
        return IR_NONE;
    const int64_t *pads = ir_get_ints(p, "pads", &np);
    const IrTensorData *w = ir_node_data(g, n->in[1]);
    const IrType *x = &node(g, p->in[0])->type;
    if (!w || w->type.dtype != IR_F32 || pads[0] || pads[1] || pads[4] || pads[5]) return IR_NONE;
    int64_t co = w->type.dims[0], ci = w->type.dims[1], taps = w->type.dims[2], len = x->dims[1], lo = pads[2];
    if (lo + pads[3] != taps - 1 || len < taps || n->type.dims[1] != len) return IR_NONE;
    int64_t count = x->dims[0];
    double direct = C_GEMM * 2.0 * (double)(len * taps * ci * co * count);
    double spectral = C_FFT * 2.5 * (double)len * log2((double)len) / 2 * (double)(count * (ci + co)) +
                      C_GEMM * 8.0 * (double)((len / 2 + 1) * ci * co * count);
    note_choice("circular conv1d (k = taps)", len, (double)taps, direct, spectral, spectral < direct);
    if (spectral >= direct) return IR_NONE;
    /* h[ci, co, m]: the taps wrapped onto L points, at m = (t - lo) mod L */
    IrType ht = {.dtype = IR_F32, .rank = 3, .dims = {ci, co, len}};
    float *h = arena_alloc(g->arena, (size_t)(ci * co * len) * sizeof *h);
    const float *wd = w->data;
    for (int64_t o = 0; o < co; o++)
        for (int64_t i = 0; i < ci; i++)
            for (int64_t t = 0; t < taps; t++) h[(i * co + o) * len + ((t - lo) % len + len) % len] += wd[(o * ci + i) * taps + t];
    IrId hc = ir_add_const(g, ht, h, n->loc);
    int64_t two = 2, one = 1;
    IrAttr ax2 = ir_attr_ints("axes", &two, 1), ax1 = ir_attr_ints("axes", &one, 1), nl = ir_attr_ints("n", &len, 1);
    IrId hf = add_op(g, IR_OP_RFFT, &hc, 1, &ax2, 1, n->loc);
    IrId wm = add_op(g, IR_OP_CONJ, &hf, 1, NULL, 0, n->loc);
    IrId xf = add_op(g, IR_OP_RFFT, &p->in[0], 1, &ax1, 1, n->loc);
    IrId in[2] = {xf, wm};
    IrId yf = add_op(g, IR_OP_MIX, in, 2, NULL, 0, n->loc);
    IrAttr at[2] = {ax1, nl};
    return add_op(g, IR_OP_IRFFT, &yf, 1, at, 2, n->loc);
}

typedef IrId (*Rewrite)(IrGraph *g, IrId id);

static const Rewrite rewrites[] = {
    cancel_inverse_pair,   project_instead_of_round_trip, drop_needless_projection,
    distribute_over_sum,   commute_channel_mixing,        merge_inverses,
    prune_forward,         prune_inverse,                 split_forward,
    slice_before_transform, split_inverse,                factor_padding,
    pad_after_transform,   split_cosine,                  split_padding,
    commute_scaling,       bias_on_dc,                    circular_conv,
};

/* One sweep over the nodes there were at its start.  True if any changed. */
static bool sweep(IrGraph *g) {
    bool changed = false;
    uint32_t n = g->nodes.len;
    for (IrId id = 0; id < n; id++) {
        const IrNode *n = ir_node(g, id);
        if (n->dead || n->op == IR_OP_OUTPUT || n->nin == 0) continue; /* rewrites read operand 0 */
        for (size_t r = 0; r < sizeof rewrites / sizeof rewrites[0]; r++) {
            IrId repl = rewrites[r](g, id);
            if (repl == IR_NONE) continue;
            ir_replace_uses(g, id, repl);
            ir_node(g, id)->dead = changed = true;
            break;
        }
    }
    return changed;
}

/* The estimated run time of g under the cost model. */
static double estimate(const IrGraph *g) {
    double t = 0;
    for (IrId id = 0; id < g->nodes.len; id++) {
        const IrNode *n = node(g, id);
        IrOpClass cls = ir_op_info(n->op)->cls;
        bool pruned = n->op == IR_OP_RFFT_MODES || n->op == IR_OP_IRFFT_MODES || n->op == IR_OP_DCT_MODES ||
                      n->op == IR_OP_IDCT_MODES;
        /* what the C backend runs as GEMMs: real matmuls and convs, and mixes, by weights */
        bool gemm = cls == IR_CLASS_ANCHOR && (n->type.dtype == IR_F32 || n->op == IR_OP_MIX) &&
                    weights_only(g, n->in[1]);
        double rate = gemm || pruned ? C_GEMM : cls == IR_CLASS_SPECTRAL ? C_FFT : C_ELEM;
        t += rate * (double)cost_node_flops(g, id);
    }
    return t;
}

static bool rewrite(IrGraph *g, bool moves, DiagCtx *dc) {
    static const char *const cleanup[] = {"canonicalize", NULL};
    PassOptions quiet = {.out = stderr};
    linear_moves = moves;
    for (int round = 0; round < 16 && sweep(g); round++) {
        ir_compact(g);
        if (!pass_run_pipeline(g, cleanup, &quiet, dc)) return false;
    }
    return true;
}

/* The estimate after rewriting a copy of g. */
static double try_rewrite(const IrGraph *g, bool moves, DiagCtx *dc, bool *ok) {
    IrGraph *copy = ir_graph_clone(g);
    *ok = *ok && rewrite(copy, moves, dc);
    double t = estimate(copy);
    ir_graph_free(copy);
    return t;
}

bool pass_transform_once(IrGraph *g, DiagCtx *dc) {
    bool ok = true;
    bool moves = try_rewrite(g, true, dc, &ok) < try_rewrite(g, false, dc, &ok);
    nchoices = 0, choices[0] = 0; /* the log of the run that counts */
    return ok && rewrite(g, moves, dc);
}
