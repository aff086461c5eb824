/* lower_anchor.c — reductions and contractions as a reduction nest
 * inside the output loop (sum, mean, max, min, pools, matmul, conv, mix),
 * and transforms as calls into the runtime's FFT. */
#include <math.h>
#include <string.h>

#include "lower_impl.h"

static KId red_var(Lower *L, KKernel *k, int64_t extent) {
    uint32_t v = k->rank + k->nred++;
    if (v >= KIR_MAX_VARS) pd_die("lower: too many loop variables");
    k->ext[v] = extent;
    return kir_idx_var(L->p, v);
}

static KVal value_of(Lower *L, IrId id, const KId *idx) { return lower_value(L, id, idx); }

static KVal complex_mul(Lower *L, KVal a, KVal b) {
    const IrDType f = IR_F32;
    KId rr = lx_binary(L, IR_OP_MUL, a.re, b.re, f), ii = lx_binary(L, IR_OP_MUL, a.im, b.im, f);
    KId ri = lx_binary(L, IR_OP_MUL, a.re, b.im, f), ir = lx_binary(L, IR_OP_MUL, a.im, b.re, f);
    return (KVal){lx_binary(L, IR_OP_SUB, rr, ii, f), lx_binary(L, IR_OP_ADD, ri, ir, f)};
}

static KVal product(Lower *L, KVal a, KVal b, IrDType dt) {
    if (dt == IR_C64) return complex_mul(L, a, b);
    return (KVal){lx_binary(L, IR_OP_MUL, a.re, b.re, dt), KIR_NONE};
}

/* sum, mean, reduce_max, reduce_min over axes (keepdims or not). */
static KVal reduce(Lower *L, KKernel *k, const IrNode *n, const KId *vars) {
    const IrType *x = &ir_node(L->g, n->in[0])->type;
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    bool keep = ir_get_int(n, "keepdims") != 0;
    KId idx[IR_MAX_RANK];
    int64_t count = 1;
    for (uint32_t d = 0, o = 0, j = 0; d < x->rank; d++) {
        if (j < na && axes[j] == (int64_t)d) {
            idx[d] = red_var(L, k, x->dims[d]), count *= x->dims[d], j++;
            o += keep;
        } else {
            idx[d] = vars[o++];
        }
    }
    k->red_op = n->op == IR_OP_REDUCE_MAX ? IR_OP_REDUCE_MAX : n->op == IR_OP_REDUCE_MIN ? IR_OP_REDUCE_MIN : IR_OP_SUM;
    k->vector_out = k->rank > 0 && (na == 0 || axes[na - 1] != (int64_t)x->rank - 1); /* the last axis stays */
    if (n->op == IR_OP_MEAN) L->acc_scale = 1.0 / (double)count;
    return value_of(L, n->in[0], idx);
}

/* [..., M, K] @ [..., K, N]: batch dimensions broadcast. */
static KVal matmul(Lower *L, KKernel *k, const IrNode *n, const KId *vars) {
    const IrType *a = &ir_node(L->g, n->in[0])->type, *b = &ir_node(L->g, n->in[1])->type;
    uint32_t r = n->type.rank;
    KId kv = red_var(L, k, a->dims[a->rank - 1]);
    KId ia[IR_MAX_RANK], ib[IR_MAX_RANK];
    IrType ab = *a, bb = *b;
    ab.rank -= 2, bb.rank -= 2;
    lower_bcast_idx(L, &ab, r - 2, vars, ia);
    lower_bcast_idx(L, &bb, r - 2, vars, ib);
    ia[a->rank - 2] = vars[r - 2], ia[a->rank - 1] = kv;
    ib[b->rank - 2] = kv, ib[b->rank - 1] = vars[r - 1];
    k->red_op = IR_OP_SUM;
    k->vector_out = true; /* B's rows are contiguous along the output's columns */
    return product(L, value_of(L, n->in[0], ia), value_of(L, n->in[1], ib), n->type.dtype);
}

/* Convolution, channels last: x [B, S..., Cin], w [Cout, Cin/g, K...].
 * Out-of-range taps read a clamped index and are replaced by zero. */
static KVal conv(Lower *L, KKernel *k, const IrNode *n, const KId *vars) {
    const IrType *x = &ir_node(L->g, n->in[0])->type, *w = &ir_node(L->g, n->in[1])->type;
    uint32_t sd = x->rank - 2, nn;
    const int64_t *stride = ir_get_ints(n, "stride", &nn), *pad = ir_get_ints(n, "padding", &nn);
    const int64_t *dil = ir_get_ints(n, "dilation", &nn);
    int64_t groups = ir_get_int(n, "groups"), cig = w->dims[1], cog = w->dims[0] / groups;
    KId ci = red_var(L, k, cig), xi[IR_MAX_RANK], wi[IR_MAX_RANK], cond = KIR_NONE;
    xi[0] = vars[0];
    wi[0] = vars[sd + 1], wi[1] = ci;
    for (uint32_t s = 0; s < sd; s++) {
        KId tap = red_var(L, k, w->dims[2 + s]);
        KId pos = kir_idx_add(L->p, kir_idx_add(L->p, kir_idx_mul(L->p, vars[1 + s], stride[s]),
                                                kir_idx_mul(L->p, tap, dil[s])),
                              kir_idx_const(L->p, -pad[s]));
        wi[2 + s] = tap;
        xi[1 + s] = pad[s] ? kir_idx_clamp(L->p, pos, x->dims[1 + s]) : pos;
        if (!pad[s]) continue;
        KId c = lx_inrange(L, pos, 0, x->dims[1 + s]);
        cond = cond == KIR_NONE ? c : lx_select(L, cond, c, kir_const(L->p, IR_F32, 0), IR_F32);
    }
    KId group_base = kir_idx_mul(L->p, kir_idx(L->p, KI_DIV, cog, vars[sd + 1], KIR_NONE), cig);
    xi[sd + 1] = groups == 1 ? ci : kir_idx_add(L->p, group_base, ci);
    KVal xv = value_of(L, n->in[0], xi), wv = value_of(L, n->in[1], wi);
    if (cond != KIR_NONE) xv.re = lx_select(L, cond, xv.re, kir_const(L->p, IR_F32, 0), IR_F32);
    k->red_op = IR_OP_SUM;
    k->vector_out = true;
    return product(L, xv, wv, n->type.dtype);
}

/* x [B, S..., Ci], w [Ci, Co, S...] -> [B, S..., Co]. */
static KVal mix(Lower *L, KKernel *k, const IrNode *n, const KId *vars) {
    uint32_t r = n->type.rank;
    const IrType *x = &ir_node(L->g, n->in[0])->type;
    KId ci = red_var(L, k, x->dims[r - 1]), xi[IR_MAX_RANK], wi[IR_MAX_RANK];
    for (uint32_t d = 0; d + 1 < r; d++) xi[d] = vars[d];
    xi[r - 1] = ci;
    wi[0] = ci, wi[1] = vars[r - 1];
    for (uint32_t s = 1; s + 1 < r; s++) wi[1 + s] = vars[s];
    k->red_op = IR_OP_SUM;
    k->vector_out = true;
    return product(L, value_of(L, n->in[0], xi), value_of(L, n->in[1], wi), n->type.dtype);
}

/* Pools, channels last: a window of taps per output point. */
static KVal pool(Lower *L, KKernel *k, const IrNode *n, const KId *vars) {
    const IrType *x = &ir_node(L->g, n->in[0])->type;
    uint32_t sd = x->rank - 2, nn;
    const int64_t *kern = ir_get_ints(n, "kernel", &nn), *stride = ir_get_ints(n, "stride", &nn);
    const int64_t *pad = ir_get_ints(n, "padding", &nn);
    bool is_max = n->op == IR_OP_MAXPOOL1D || n->op == IR_OP_MAXPOOL2D;
    KId xi[IR_MAX_RANK], cond = KIR_NONE;
    xi[0] = vars[0], xi[sd + 1] = vars[sd + 1];
    int64_t window = 1;
    for (uint32_t s = 0; s < sd; s++) {
        KId tap = red_var(L, k, kern[s]);
        KId pos = kir_idx_add(L->p, kir_idx_add(L->p, kir_idx_mul(L->p, vars[1 + s], stride[s]), tap),
                              kir_idx_const(L->p, -pad[s]));
        window *= kern[s];
        xi[1 + s] = pad[s] ? kir_idx_clamp(L->p, pos, x->dims[1 + s]) : pos;
        if (!pad[s]) continue;
        KId c = lx_inrange(L, pos, 0, x->dims[1 + s]);
        cond = cond == KIR_NONE ? c : lx_select(L, cond, c, kir_const(L->p, IR_F32, 0), IR_F32);
    }
    KVal v = value_of(L, n->in[0], xi);
    IrDType dt = lx_part_dtype(n->type.dtype);
    if (cond != KIR_NONE) v.re = lx_select(L, cond, v.re, kir_const(L->p, dt, is_max ? -INFINITY : 0), dt);
    k->red_op = is_max ? IR_OP_REDUCE_MAX : IR_OP_SUM;
    k->vector_out = true; /* channels are not pooled */
    if (!is_max) L->acc_scale = 1.0 / (double)window;
    return v;
}

KVal lower_contraction(Lower *L, KKernel *k, const IrNode *n, const KId *vars) {
    switch (n->op) {
    case IR_OP_SUM: case IR_OP_MEAN: case IR_OP_REDUCE_MAX: case IR_OP_REDUCE_MIN: return reduce(L, k, n, vars);
    case IR_OP_MATMUL: return matmul(L, k, n, vars);
    case IR_OP_CONV1D: case IR_OP_CONV2D: return conv(L, k, n, vars);
    case IR_OP_MIX: return mix(L, k, n, vars);
    case IR_OP_MAXPOOL1D: case IR_OP_MAXPOOL2D: case IR_OP_AVGPOOL1D: case IR_OP_AVGPOOL2D: return pool(L, k, n, vars);
    default: pd_die("lower: no loop form for %s", ir_op_info(n->op)->name);
    }
}

/* ---- transforms ------------------------------------------------------------- */

static KKernel *push_fft(Lower *L, KFftKind kind, uint32_t in, uint32_t out, const IrNode *n, const IrType *in_t) {
    KKernel k = {.kind = KK_FFT, .group = L->group, .fft = kind, .in = in, .out = out, .scale = 1,
                 .in_type = *in_t, .out_type = n->type, .body = {KIR_NONE, KIR_NONE}, .store = {KIR_NONE, KIR_NONE}};
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    k.naxes = na;
    memcpy(k.axes, axes, na * sizeof axes[0]);
    k.name = arena_printf(L->p->arena, "k%u_%s", L->p->kernels.len, ir_op_info(n->op)->name);
    vec_push(L->p->arena, &L->p->kernels, k);
    return &L->p->kernels.data[L->p->kernels.len - 1];
}

static double inverse_scale(const IrNode *n, const IrType *t, double per_axis_factor) {
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    double s = 1;
    for (uint32_t i = 0; i < na; i++) s /= per_axis_factor * (double)t->dims[axes[i]];
    return s;
}

/* irfft: a loop copies the spectrum into a scratch of FFTW's shape
 * (each axis cropped or zero-padded to n, the last to n/2+1 bins; with one
 * axis the DC and Nyquist imaginary parts are zeroed here), which the c2r
 * transform may then destroy, as FFTW's c2r does. */
static void lower_irfft(Lower *L, const IrNode *n, IrId id, uint32_t out) {
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    const IrType *x = &ir_node(L->g, n->in[0])->type;
    IrType st = *x;
    for (uint32_t i = 0; i < na; i++) st.dims[axes[i]] = n->type.dims[axes[i]];
    int64_t last = axes[na - 1], nl = n->type.dims[last];
    st.dims[last] = nl / 2 + 1;
    KBuf b = {.cls = KB_ARENA, .dtype = IR_F32, .scalars = 2 * ir_type_numel(&st), .value = id,
              .inplace_of = KIR_NONE};
    vec_push(L->p->arena, &L->p->bufs, b);
    uint32_t sb = L->p->bufs.len - 1;
    KKernel pk = {.kind = KK_LOOP, .group = L->group, .out = sb, .rank = st.rank, .scale = 1,
                  .body = {KIR_NONE, KIR_NONE}};
    KId vars[IR_MAX_RANK], xi[IR_MAX_RANK], cond = KIR_NONE;
    for (uint32_t d = 0; d < st.rank; d++) {
        pk.ext[d] = st.dims[d], vars[d] = kir_idx_var(L->p, d), xi[d] = vars[d];
        if (st.dims[d] <= x->dims[d]) continue;
        xi[d] = kir_idx_clamp(L->p, vars[d], x->dims[d]);
        KId c = lx_inrange(L, vars[d], 0, x->dims[d]);
        cond = cond == KIR_NONE ? c : lx_select(L, cond, c, kir_const(L->p, IR_F32, 0), IR_F32);
    }
    KVal v = lower_value(L, n->in[0], xi);
    KId zero = kir_const(L->p, IR_F32, 0);
    if (cond != KIR_NONE) v.re = lx_select(L, cond, v.re, zero, IR_F32), v.im = lx_select(L, cond, v.im, zero, IR_F32);
    if (na == 1) {
        KId dc = lx_inrange(L, vars[last], 1, nl % 2 ? st.dims[last] : nl / 2);
        v.im = lx_select(L, dc, v.im, zero, IR_F32);
    }
    pk.store[0] = v.re, pk.store[1] = v.im, pk.nstore = 2;
    pk.name = arena_printf(L->p->arena, "k%u_irfft_input", L->p->kernels.len);
    vec_push(L->p->arena, &L->p->kernels, pk);
    IrType sc = st;
    sc.dtype = IR_C64;
    KKernel *k = push_fft(L, KF_C2R, sb, out, n, &sc);
    k->scale = inverse_scale(n, &n->type, 1);
    k->zero_dc_imag = na > 1;
}

void lower_fft(Lower *L, const FuseGroup *grp, uint32_t out) {
    const IrNode *n = ir_node(L->g, grp->anchor);
    const IrType *xt = &ir_node(L->g, n->in[0])->type;
    if (n->op == IR_OP_IRFFT) {
        lower_irfft(L, n, grp->anchor, out);
        return;
    }
    if (n->op == IR_OP_RFFT_MODES || n->op == IR_OP_IRFFT_MODES || n->op == IR_OP_DCT_MODES ||
        n->op == IR_OP_IDCT_MODES) {
        lower_dft(L, n, grp->anchor, out);
        return;
    }
    uint32_t in = lower_buffer(L, n->in[0]);
    switch (n->op) {
    case IR_OP_RFFT: push_fft(L, KF_R2C, in, out, n, xt); break;
    case IR_OP_FFT: push_fft(L, KF_C2C_FWD, in, out, n, xt); break;
    case IR_OP_IFFT: push_fft(L, KF_C2C_BWD, in, out, n, xt)->scale = inverse_scale(n, xt, 1); break;
    case IR_OP_DCT: push_fft(L, KF_DCT, in, out, n, xt); break;
    case IR_OP_IDCT: push_fft(L, KF_IDCT, in, out, n, xt)->scale = inverse_scale(n, xt, 2); break;
    default: pd_die("lower: %s is not a transform", ir_op_info(n->op)->name);
    }
}
