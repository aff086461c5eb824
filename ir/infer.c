/* infer.c — shape and dtype inference for every op of ops.def.
 *
 * ir_infer_type is the single place where the shape rules live: the
 * builder, the textual-IR parser and the verifier all call it.  Its error
 * messages are user-facing (the frontend prints them at the call site), so
 * each names the op and spells out every shape involved, e.g.
 *   "matmul: inner dimensions differ: f32[1,784] @ f32[256,10]".
 * Attributes arrive complete (ir_complete_attrs) but unchecked.
 */
#include "ir.h"

#include <stdio.h>
#include <string.h>

/* Largest element count a tensor may have: keeps size arithmetic in
 * int64 and size_t far from overflow. */
#define MAX_NUMEL ((int64_t)1 << 40)

typedef struct {
    const char *op;
    const IrType *in;
    uint32_t nin;
    const IrAttr *attr;
    uint32_t nattr;
    IrType *out;
    char *err;
    size_t errlen;
} Infer;

#define TS(t) ir_type_fmt((char[128]){0}, 128, (t))

static bool fail(Infer *c, const char *fmt, ...) PD_PRINTF(2, 3);
static bool fail(Infer *c, const char *fmt, ...) {
    int n = snprintf(c->err, c->errlen, "%s: ", c->op);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < c->errlen) vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static const IrAttr *attr(const Infer *c, const char *key) {
    for (uint32_t i = 0; i < c->nattr; i++)
        if (strcmp(c->attr[i].key, key) == 0) return &c->attr[i];
    pd_die("%s: attribute '%s' missing after completion", c->op, key);
}

/* Checks the final type's size and stores it. */
static bool result(Infer *c, IrType t) {
    int64_t n = 1;
    for (uint32_t i = 0; i < t.rank; i++) {
        if (t.dims[i] < 0) return fail(c, "negative dimension in result %s", TS(&t));
        if (t.dims[i] > 0 && n > MAX_NUMEL / t.dims[i])
            return fail(c, "result %s is too large", TS(&t));
        n *= t.dims[i];
    }
    *c->out = t;
    return true;
}

/* Normalizes axis (negative counts from the end) against rank. */
static bool norm_axis(Infer *c, int64_t axis, uint32_t rank, int64_t *out) {
    int64_t a = axis < 0 ? axis + (int64_t)rank : axis;
    if (a < 0 || a >= (int64_t)rank)
        return fail(c, "axis %lld is out of range for rank %u", (long long)axis, rank);
    *out = a;
    return true;
}

/* Axes list: each in range, no repeats.  OUT: mask of the axes. */
static bool axes_mask(Infer *c, const IrAttr *a, uint32_t rank, bool *mask) {
    memset(mask, 0, IR_MAX_RANK * sizeof *mask);
    if (a->n == 0) return fail(c, "'%s' must not be empty", a->key);
    for (uint32_t i = 0; i < a->n; i++) {
        int64_t ax = 0;
        if (!norm_axis(c, a->ints[i], rank, &ax)) return false;
        if (mask[ax]) return fail(c, "axis %lld is listed twice", (long long)a->ints[i]);
        mask[ax] = true;
    }
    return true;
}

static bool need_real(Infer *c, const IrType *t) {
    if (t->dtype == IR_C64) return fail(c, "complex input %s is not supported", TS(t));
    return true;
}

/* numpy broadcasting of a and b into out. */
static bool broadcast2(Infer *c, const IrType *a, const IrType *b, IrType *out) {
    uint32_t r = a->rank > b->rank ? a->rank : b->rank;
    out->rank = r;
    for (uint32_t i = 0; i < r; i++) {
        int64_t da = i < r - a->rank ? 1 : a->dims[i - (r - a->rank)];
        int64_t db = i < r - b->rank ? 1 : b->dims[i - (r - b->rank)];
        if (da != db && da != 1 && db != 1)
            return fail(c, "shapes %s and %s do not broadcast", TS(a), TS(b));
        out->dims[i] = da == 1 ? db : da;
    }
    return true;
}

static bool infer_binary(Infer *c, IrOpKind op) {
    const IrType *a = &c->in[0], *b = &c->in[1];
    IrType t = {.dtype = a->dtype};
    if (op == IR_OP_COMPLEX) {
        if (a->dtype != IR_F32 || b->dtype != IR_F32)
            return fail(c, "needs two f32 tensors, got %s and %s", TS(a), TS(b));
        t.dtype = IR_C64;
    } else if (a->dtype != b->dtype) {
        return fail(c, "dtypes differ: %s and %s", TS(a), TS(b));
    }
    if (!(ir_op_info(op)->flags & IR_F_COMPLEX_OK) && a->dtype == IR_C64 && op != IR_OP_COMPLEX)
        return fail(c, "complex inputs %s and %s are not supported", TS(a), TS(b));
    if (!broadcast2(c, a, b, &t)) return false;
    return result(c, t);
}

static bool infer_where(Infer *c) {
    const IrType *cond = &c->in[0], *a = &c->in[1], *b = &c->in[2];
    if (cond->dtype == IR_C64) return fail(c, "condition %s must be real", TS(cond));
    if (a->dtype != b->dtype) return fail(c, "dtypes differ: %s and %s", TS(a), TS(b));
    IrType ab = {.dtype = a->dtype}, t = {.dtype = a->dtype};
    if (!broadcast2(c, a, b, &ab) || !broadcast2(c, cond, &ab, &t)) return false;
    return result(c, t);
}

static bool infer_unary(Infer *c, IrOpKind op) {
    IrType t = c->in[0];
    switch (op) {
    case IR_OP_CAST:
        t.dtype = (IrDType)attr(c, "dtype")->i;
        if (c->in[0].dtype == IR_C64 && t.dtype != IR_C64)
            return fail(c, "cannot cast complex %s to %s (use real or imag)", TS(&c->in[0]),
                        ir_dtype_name(t.dtype));
        return result(c, t);
    case IR_OP_REAL:
    case IR_OP_IMAG:
        if (t.dtype != IR_C64) return fail(c, "needs a c64 tensor, got %s", TS(&t));
        t.dtype = IR_F32;
        return result(c, t);
    case IR_OP_CONJ:
        if (t.dtype != IR_C64) return fail(c, "needs a c64 tensor, got %s", TS(&t));
        return result(c, t);
    default:
        if (!(ir_op_info(op)->flags & IR_F_COMPLEX_OK) && !need_real(c, &t)) return false;
        return result(c, t);
    }
}

static bool infer_matmul(Infer *c) {
    const IrType *a = &c->in[0], *b = &c->in[1];
    if (a->dtype != b->dtype) return fail(c, "dtypes differ: %s and %s", TS(a), TS(b));
    if (a->rank < 2 || b->rank < 2)
        return fail(c, "operands must have rank 2 or more, got %s @ %s", TS(a), TS(b));
    if (a->dims[a->rank - 1] != b->dims[b->rank - 2])
        return fail(c, "inner dimensions differ: %s @ %s", TS(a), TS(b));
    IrType ba = *a, bb = *b, t = {.dtype = a->dtype};
    ba.rank -= 2, bb.rank -= 2;
    if (!broadcast2(c, &ba, &bb, &t)) {
        return fail(c, "batch dimensions do not broadcast: %s @ %s", TS(a), TS(b));
    }
    t.dims[t.rank++] = a->dims[a->rank - 2];
    t.dims[t.rank++] = b->dims[b->rank - 1];
    return result(c, t);
}

/* Checks a per-spatial-axis ints attribute of length n with values >= lo. */
static bool spatial_ints(Infer *c, const char *key, uint32_t n, int64_t lo) {
    const IrAttr *a = attr(c, key);
    if (a->n != n) return fail(c, "'%s' needs %u value%s, got %u", key, n, n == 1 ? "" : "s", a->n);
    for (uint32_t i = 0; i < n; i++)
        if (a->ints[i] < lo)
            return fail(c, "'%s' values must be at least %lld", key, (long long)lo);
    return true;
}

static bool infer_conv(Infer *c, uint32_t sd) {
    const IrType *x = &c->in[0], *w = &c->in[1];
    if (!need_real(c, x)) return false;
    if (x->dtype != w->dtype) return fail(c, "dtypes differ: %s and %s", TS(x), TS(w));
    if (x->rank != sd + 2 || w->rank != sd + 2)
        return fail(c, "needs input of rank %u and weight of rank %u, got %s and %s", sd + 2,
                    sd + 2, TS(x), TS(w));
    if (!spatial_ints(c, "stride", sd, 1) || !spatial_ints(c, "padding", sd, 0) ||
        !spatial_ints(c, "dilation", sd, 1))
        return false;
    int64_t groups = attr(c, "groups")->i, cin = x->dims[sd + 1], cout = w->dims[0];
    if (groups < 1 || cin % groups || cout % groups)
        return fail(c, "groups %lld must divide input channels %lld and output channels %lld",
                    (long long)groups, (long long)cin, (long long)cout);
    if (w->dims[1] * groups != cin)
        return fail(c, "input has %lld channels but weight %s expects %lld (groups %lld)",
                    (long long)cin, TS(w), (long long)(w->dims[1] * groups), (long long)groups);
    IrType t = {.dtype = x->dtype, .rank = sd + 2};
    t.dims[0] = x->dims[0];
    t.dims[sd + 1] = cout;
    for (uint32_t i = 0; i < sd; i++) {
        int64_t s = attr(c, "stride")->ints[i], p = attr(c, "padding")->ints[i];
        int64_t d = attr(c, "dilation")->ints[i], k = w->dims[2 + i];
        int64_t span = d * (k - 1) + 1, len = x->dims[1 + i] + 2 * p;
        if (span > len)
            return fail(c, "kernel %s (dilation %lld) is larger than the padded input %s",
                        TS(w), (long long)d, TS(x));
        t.dims[1 + i] = (len - span) / s + 1;
    }
    return result(c, t);
}

static bool infer_mix(Infer *c) {
    const IrType *x = &c->in[0], *w = &c->in[1];
    if (x->dtype != w->dtype) return fail(c, "dtypes differ: %s and %s", TS(x), TS(w));
    uint32_t ns = x->rank >= 2 ? x->rank - 2 : 0;
    bool ok = x->rank >= 2 && w->rank == ns + 2 && w->dims[0] == x->dims[x->rank - 1];
    for (uint32_t i = 0; ok && i < ns; i++) ok = w->dims[2 + i] == x->dims[1 + i];
    if (!ok)
        return fail(c, "input %s and weight %s do not match [B, S..., Ci] and [Ci, Co, S...]",
                    TS(x), TS(w));
    IrType t = *x;
    t.dims[x->rank - 1] = w->dims[1];
    return result(c, t);
}

static bool infer_reduce(Infer *c, IrOpKind op) {
    const IrType *x = &c->in[0];
    if (!(ir_op_info(op)->flags & IR_F_COMPLEX_OK) && !need_real(c, x)) return false;
    bool mask[IR_MAX_RANK];
    if (!axes_mask(c, attr(c, "axes"), x->rank, mask)) return false;
    bool keep = attr(c, "keepdims")->i != 0;
    IrType t = {.dtype = x->dtype};
    for (uint32_t i = 0; i < x->rank; i++) {
        if (!mask[i]) t.dims[t.rank++] = x->dims[i];
        else if (keep) t.dims[t.rank++] = 1;
    }
    return result(c, t);
}

static bool infer_norm(Infer *c) {
    int64_t ax = 0;
    if (!need_real(c, &c->in[0])) return false;
    if (!norm_axis(c, attr(c, "axis")->i, c->in[0].rank, &ax)) return false;
    return result(c, c->in[0]);
}

static bool infer_reshape(Infer *c) {
    const IrAttr *s = attr(c, "shape");
    if (s->n > IR_MAX_RANK) return fail(c, "rank %u is more than %d", s->n, IR_MAX_RANK);
    IrType t = {.dtype = c->in[0].dtype, .rank = s->n};
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->ints[i] < 0) return fail(c, "negative dimension %lld", (long long)s->ints[i]);
        t.dims[i] = s->ints[i];
    }
    if (!result(c, t)) return false;
    if (ir_type_numel(&t) != ir_type_numel(&c->in[0]))
        return fail(c, "cannot reshape %s (%lld elements) to %s (%lld elements)", TS(&c->in[0]),
                    (long long)ir_type_numel(&c->in[0]), TS(&t), (long long)ir_type_numel(&t));
    return true;
}

static bool infer_transpose(Infer *c) {
    const IrAttr *p = attr(c, "perm");
    const IrType *x = &c->in[0];
    bool seen[IR_MAX_RANK] = {0};
    if (p->n != x->rank) return fail(c, "perm has %u entries for %s", p->n, TS(x));
    IrType t = {.dtype = x->dtype, .rank = x->rank};
    for (uint32_t i = 0; i < p->n; i++) {
        int64_t v = p->ints[i];
        if (v < 0 || v >= (int64_t)x->rank || seen[v])
            return fail(c, "perm is not a permutation of 0..%u", x->rank - 1);
        seen[v] = true;
        t.dims[i] = x->dims[v];
    }
    return result(c, t);
}

static bool infer_slice(Infer *c) {
    const IrAttr *st = attr(c, "starts"), *en = attr(c, "ends"), *sp = attr(c, "steps");
    const IrType *x = &c->in[0];
    if (st->n != x->rank || en->n != x->rank || sp->n != x->rank)
        return fail(c, "starts, ends and steps need %u values each for %s", x->rank, TS(x));
    IrType t = {.dtype = x->dtype, .rank = x->rank};
    for (uint32_t i = 0; i < x->rank; i++) {
        int64_t s = st->ints[i], e = en->ints[i], k = sp->ints[i], d = x->dims[i];
        if (k == 0) return fail(c, "step of axis %u is zero", i);
        bool ok = k > 0 ? (s >= 0 && s <= d && e >= s && e <= d)
                        : (s >= -1 && s < d && e >= -1 && e <= s);
        if (!ok)
            return fail(c, "slice %lld:%lld:%lld is out of range for axis %u of %s",
                        (long long)s, (long long)e, (long long)k, i, TS(x));
        t.dims[i] = k > 0 ? (e - s + k - 1) / k : (s - e + (-k) - 1) / (-k);
    }
    return result(c, t);
}

static bool infer_pad(Infer *c) {
    const IrAttr *p = attr(c, "pads");
    const IrType *x = &c->in[0];
    const char *mode = attr(c, "mode")->s;
    bool circular = strcmp(mode, "circular") == 0;
    if (!circular && strcmp(mode, "constant") != 0)
        return fail(c, "unknown mode '%s' (constant or circular)", mode);
    if (p->n != 2 * x->rank) return fail(c, "pads needs %u values for %s", 2 * x->rank, TS(x));
    IrType t = *x;
    for (uint32_t i = 0; i < x->rank; i++) {
        int64_t lo = p->ints[2 * i], hi = p->ints[2 * i + 1];
        if (lo < 0 || hi < 0 || lo > MAX_NUMEL || hi > MAX_NUMEL)
            return fail(c, "pads must be non-negative");
        if (circular && (lo > x->dims[i] || hi > x->dims[i]))
            return fail(c, "circular pads larger than axis %u of %s", i, TS(x));
        t.dims[i] += lo + hi;
    }
    return result(c, t);
}

static bool infer_concat(Infer *c) {
    int64_t ax = 0;
    const IrType *x = &c->in[0];
    if (!norm_axis(c, attr(c, "axis")->i, x->rank, &ax)) return false;
    IrType t = *x;
    for (uint32_t k = 1; k < c->nin; k++) {
        const IrType *y = &c->in[k];
        bool ok = y->dtype == x->dtype && y->rank == x->rank;
        for (uint32_t i = 0; ok && i < x->rank; i++) ok = i == ax || y->dims[i] == x->dims[i];
        if (!ok) return fail(c, "%s and %s differ outside axis %lld", TS(x), TS(y), (long long)ax);
        t.dims[ax] += y->dims[ax];
        if (t.dims[ax] > MAX_NUMEL) return fail(c, "result is too large");
    }
    return result(c, t);
}

static bool infer_broadcast(Infer *c) {
    const IrAttr *s = attr(c, "shape");
    const IrType *x = &c->in[0];
    if (s->n > IR_MAX_RANK || s->n < x->rank)
        return fail(c, "cannot broadcast %s to rank %u", TS(x), s->n);
    IrType t = {.dtype = x->dtype, .rank = s->n};
    for (uint32_t i = 0; i < s->n; i++) t.dims[i] = s->ints[i];
    for (uint32_t i = 0; i < x->rank; i++) {
        int64_t d = x->dims[i], want = t.dims[s->n - x->rank + i];
        if (d != want && d != 1) return fail(c, "cannot broadcast %s to %s", TS(x), TS(&t));
    }
    return result(c, t);
}

static bool infer_gather(Infer *c) {
    const IrAttr *idx = attr(c, "indices");
    const IrType *x = &c->in[0];
    int64_t ax = 0;
    if (!norm_axis(c, attr(c, "axis")->i, x->rank, &ax)) return false;
    for (uint32_t i = 0; i < idx->n; i++)
        if (idx->ints[i] < 0 || idx->ints[i] >= x->dims[ax])
            return fail(c, "index %lld is out of range for axis %lld of %s",
                        (long long)idx->ints[i], (long long)ax, TS(x));
    IrType t = *x;
    t.dims[ax] = idx->n;
    return result(c, t);
}

static bool infer_modes(Infer *c, IrOpKind op) {
    const IrType *x = &c->in[0];
    int64_t ax = 0;
    if (!norm_axis(c, attr(c, "axis")->i, x->rank, &ax)) return false;
    IrType t = *x;
    if (op == IR_OP_DCT_MODES || op == IR_OP_IDCT_MODES) {
        bool fwd = op == IR_OP_DCT_MODES;
        int64_t k = fwd ? attr(c, "modes")->i : attr(c, "n")->i;
        if (x->dtype != IR_F32 && x->dtype != IR_F64) return fail(c, "needs a real float tensor, got %s", TS(x));
        if (fwd ? (k < 1 || k > x->dims[ax]) : (k < x->dims[ax] || x->dims[ax] < 1))
            return fail(c, "%s %lld does not fit axis %lld of %s", fwd ? "keeping" : "n =", (long long)k,
                        (long long)ax, TS(x));
        t.dims[ax] = k;
        return result(c, t);
    }
    if (op == IR_OP_RFFT_MODES) {
        int64_t modes = attr(c, "modes")->i, bins = x->dims[ax] / 2 + 1;
        if (!need_real(c, x)) return false;
        if (modes < 1 || modes > bins)
            return fail(c, "keeps %lld modes; axis %lld of %s has %lld bins", (long long)modes, (long long)ax, TS(x),
                        (long long)bins);
        t.dtype = IR_C64, t.dims[ax] = modes;
        return result(c, t);
    }
    int64_t n = attr(c, "n")->i;
    if (x->dtype != IR_C64) return fail(c, "needs a c64 tensor, got %s", TS(x));
    if (n < 1 || x->dims[ax] < 1 || x->dims[ax] > n / 2 + 1)
        return fail(c, "%lld output points have %lld bins; axis %lld of %s has %lld", (long long)n,
                    (long long)(n / 2 + 1), (long long)ax, TS(x), (long long)x->dims[ax]);
    t.dtype = IR_F32, t.dims[ax] = n;
    return result(c, t);
}

static bool infer_hermitian(Infer *c) {
    const IrType *x = &c->in[0];
    const IrAttr *axes = attr(c, "axes");
    bool mask[IR_MAX_RANK];
    if (x->dtype != IR_C64) return fail(c, "needs a c64 tensor, got %s", TS(x));
    if (!axes_mask(c, axes, x->rank, mask)) return false;
    if (axes->n == 0) return fail(c, "needs at least one axis");
    int64_t last = 0, n = attr(c, "n")->i;
    norm_axis(c, axes->ints[axes->n - 1], x->rank, &last);
    if (n < 1 || x->dims[last] != n / 2 + 1)
        return fail(c, "a last axis of logical size %lld has %lld bins, %s has %lld", (long long)n,
                    (long long)(n / 2 + 1), TS(x), (long long)x->dims[last]);
    return result(c, *x);
}

/* The last listed axis of an r2c/c2r transform is the halved one. */
static bool infer_fft(Infer *c, IrOpKind op) {
    const IrType *x = &c->in[0];
    const IrAttr *axes = attr(c, "axes");
    bool mask[IR_MAX_RANK];
    if (!axes_mask(c, axes, x->rank, mask)) return false;
    int64_t last = 0;
    norm_axis(c, axes->ints[axes->n - 1], x->rank, &last);
    IrType t = *x;
    switch (op) {
    case IR_OP_RFFT:
        if (!need_real(c, x)) return false;
        t.dtype = IR_C64;
        t.dims[last] = x->dims[last] / 2 + 1;
        break;
    case IR_OP_IRFFT: {
        const IrAttr *n = attr(c, "n");
        if (x->dtype != IR_C64) return fail(c, "needs a c64 tensor, got %s", TS(x));
        if (n->n != axes->n) return fail(c, "'n' needs one size per axis (%u)", axes->n);
        for (uint32_t i = 0; i < axes->n; i++) {
            int64_t a = 0;
            norm_axis(c, axes->ints[i], x->rank, &a);
            int64_t want = a == last ? n->ints[i] / 2 + 1 : n->ints[i];
            if (n->ints[i] < 1 || x->dims[a] != want)
                return fail(c, "output size %lld on axis %lld needs %lld input bins, %s has %lld",
                            (long long)n->ints[i], (long long)a, (long long)want, TS(x),
                            (long long)x->dims[a]);
            t.dims[a] = n->ints[i];
        }
        t.dtype = IR_F32;
        break;
    }
    case IR_OP_FFT:
    case IR_OP_IFFT:
        if (x->dtype != IR_C64) return fail(c, "needs a c64 tensor, got %s", TS(x));
        break;
    default: /* dct, idct */
        if (x->dtype != IR_F32 && x->dtype != IR_F64)
            return fail(c, "needs a real float tensor, got %s", TS(x));
        break;
    }
    for (uint32_t i = 0; i < x->rank; i++)
        if (mask[i] && x->dims[i] < 1) return fail(c, "cannot transform an empty axis of %s", TS(x));
    return result(c, t);
}

static bool infer_pool(Infer *c, uint32_t sd) {
    const IrType *x = &c->in[0];
    if (!need_real(c, x)) return false;
    if (x->rank != sd + 2) return fail(c, "needs an input of rank %u, got %s", sd + 2, TS(x));
    if (!spatial_ints(c, "kernel", sd, 1) || !spatial_ints(c, "stride", sd, 1) ||
        !spatial_ints(c, "padding", sd, 0))
        return false;
    IrType t = *x;
    for (uint32_t i = 0; i < sd; i++) {
        int64_t k = attr(c, "kernel")->ints[i], s = attr(c, "stride")->ints[i];
        int64_t p = attr(c, "padding")->ints[i];
        if (2 * p > k) return fail(c, "padding %lld is more than half the kernel %lld", (long long)p, (long long)k);
        if (k > x->dims[1 + i] + 2 * p)
            return fail(c, "kernel %lld is larger than the padded input %s", (long long)k, TS(x));
        t.dims[1 + i] = (x->dims[1 + i] + 2 * p - k) / s + 1;
    }
    return result(c, t);
}

static bool infer_op(Infer *c, IrOpKind op) {
    switch (op) {
    case IR_OP_INPUT: case IR_OP_PARAM: case IR_OP_CONST:
        return fail(c, "source ops are not built by inference");
    case IR_OP_OUTPUT: return result(c, c->in[0]);
    case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_DIV: case IR_OP_MAX:
    case IR_OP_MIN: case IR_OP_POW: case IR_OP_COMPLEX:
        return infer_binary(c, op);
    case IR_OP_WHERE: return infer_where(c);
    case IR_OP_NEG: case IR_OP_ABS: case IR_OP_EXP: case IR_OP_LOG: case IR_OP_SQRT:
    case IR_OP_RSQRT: case IR_OP_TANH: case IR_OP_SIGMOID: case IR_OP_RELU:
    case IR_OP_LEAKY_RELU: case IR_OP_GELU: case IR_OP_SIN: case IR_OP_COS: case IR_OP_ERF:
    case IR_OP_CAST: case IR_OP_REAL: case IR_OP_IMAG: case IR_OP_CONJ:
        return infer_unary(c, op);
    case IR_OP_MATMUL: return infer_matmul(c);
    case IR_OP_CONV1D: return infer_conv(c, 1);
    case IR_OP_CONV2D: return infer_conv(c, 2);
    case IR_OP_MIX: return infer_mix(c);
    case IR_OP_SUM: case IR_OP_MEAN: case IR_OP_REDUCE_MAX: case IR_OP_REDUCE_MIN:
        return infer_reduce(c, op);
    case IR_OP_SOFTMAX: case IR_OP_LAYER_NORM: return infer_norm(c);
    case IR_OP_RESHAPE: return infer_reshape(c);
    case IR_OP_TRANSPOSE: return infer_transpose(c);
    case IR_OP_SLICE: return infer_slice(c);
    case IR_OP_PAD: return infer_pad(c);
    case IR_OP_CONCAT: return infer_concat(c);
    case IR_OP_BROADCAST: return infer_broadcast(c);
    case IR_OP_GATHER: return infer_gather(c);
    case IR_OP_RFFT: case IR_OP_IRFFT: case IR_OP_FFT: case IR_OP_IFFT: case IR_OP_DCT:
    case IR_OP_IDCT:
        return infer_fft(c, op);
    case IR_OP_HERMITIAN_PROJECT: return infer_hermitian(c);
    case IR_OP_RFFT_MODES: case IR_OP_IRFFT_MODES: case IR_OP_DCT_MODES: case IR_OP_IDCT_MODES:
        return infer_modes(c, op);
    case IR_OP_MAXPOOL1D: case IR_OP_AVGPOOL1D: return infer_pool(c, 1);
    case IR_OP_MAXPOOL2D: case IR_OP_AVGPOOL2D: return infer_pool(c, 2);
    case IR_NOPS: break;
    }
    pd_die("no shape rule for op %d", (int)op);
}

bool ir_infer_type(IrOpKind op, const IrType *in, uint32_t nin, const IrAttr *attrs,
                   uint32_t nattr, IrType *out, char *err, size_t errlen) {
    Infer c = {ir_op_info(op)->name, in, nin, attrs, nattr, out, err, errlen};
    const IrOpInfo *info = ir_op_info(op);
    if ((int)nin < info->min_in || (info->max_in >= 0 && (int)nin > info->max_in))
        return fail(&c, "expected %d operand%s, got %u", info->min_in,
                    info->min_in == 1 ? "" : "s", nin);
    for (uint32_t i = 0; i < nin; i++)
        if (in[i].rank > IR_MAX_RANK) pd_die("rank out of range");
    return infer_op(&c, op);
}
