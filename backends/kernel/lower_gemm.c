/* lower_gemm.c — contractions with a constant right operand as GEMM
 * kernels: matmul by a weight matrix, and convolutions (channels last, so
 * a 1x1 convolution is a matmul over the flattened pixels, and a larger
 * one a matmul over im2col rows).
 * The weight is packed into panels at compile time (kir.h, KIR_NR); the
 * left operand must be a stored buffer whose rows are contiguous.  What
 * does not fit runs as a loop nest (lower_anchor.c).
 *
 * mix (per-mode channel mixing) is one GEMM per mode (complex, or real),
 * W_s [Ci, Co] packed in panels of interleaved complex values (half the
 * bytes of the equivalent real [2Ci, 2Co] matrix: at batch 1 mixing is
 * bound by reading its weights).  Its input may be a unit-step slice of a
 * stored spectrum (the kept modes), read in place through strides. */
#include <stdlib.h>
#include <string.h>

#include "lower_impl.h"

/* B as [K, N] row-major floats, from a matmul weight or a conv weight
 * [N, Ci, taps...] (row k = (tap, ci), tap-major, as im2col lays out A).
 * OUT: *k, *n; malloc'd. */
static float *b_matrix(Lower *L, const IrNode *a, int64_t *k, int64_t *n) {
    const IrTensorData *d = ir_node_data(L->g, a->in[1]);
    const float *w = d->data;
    if (a->op == IR_OP_MATMUL) {
        *k = d->type.dims[0], *n = d->type.dims[1];
        float *b = malloc((size_t)(*k * *n + 1) * sizeof *b);
        if (!b) pd_die("out of memory");
        memcpy(b, w, (size_t)(*k * *n) * sizeof *b);
        return b;
    }
    int64_t ci = d->type.dims[1], taps = ir_type_numel(&d->type) / (d->type.dims[0] * ci);
    *n = d->type.dims[0], *k = ci * taps;
    float *b = malloc((size_t)(*k * *n + 1) * sizeof *b);
    if (!b) pd_die("out of memory");
    for (int64_t o = 0; o < *n; o++)
        for (int64_t i = 0; i < ci; i++)
            for (int64_t t = 0; t < taps; t++) b[(t * ci + i) * *n + o] = w[(o * ci + i) * taps + t];
    return b;
}

static bool unit_conv(const IrNode *a, const IrType *w) {
    uint32_t n;
    const int64_t *stride = ir_get_ints(a, "stride", &n), *pad = ir_get_ints(a, "padding", &n);
    const int64_t *dil = ir_get_ints(a, "dilation", &n);
    if (ir_get_int(a, "groups") != 1) return false;
    for (uint32_t i = 0; i < n; i++)
        if (stride[i] != 1 || pad[i] != 0 || dil[i] != 1 || w->dims[2 + i] != 1) return false;
    (void)dil;
    return true;
}

static bool fits(const Lower *L, const IrNode *a) {
    const IrNode *x = ir_node(L->g, a->in[0]), *w = ir_node(L->g, a->in[1]);
    if (a->type.dtype != IR_F32 || x->type.dtype != IR_F32 || w->op != IR_OP_CONST) return false;
    bool x_stored = L->plan->group_of[a->in[0]] != L->group || L->plan->role[a->in[0]] == FUSE_ROOT;
    bool through_im2col = a->op != IR_OP_MATMUL && !unit_conv(a, &w->type);
    if (!x_stored && !through_im2col) return false;
    /* A few output columns waste most of a 32-wide panel: the loop form's
     * vectorized dot products do better (fno's last layer has one). */
    if (a->type.dims[a->type.rank - 1] < 8) return false;
    if (a->op == IR_OP_MATMUL) return w->type.rank == 2;
    if (a->op == IR_OP_CONV1D || a->op == IR_OP_CONV2D) return ir_get_int(a, "groups") == 1;
    return false;
}

/* Packs B [K, N] into panels of KIR_NR columns. */
static float *pack(const float *b, int64_t k, int64_t n, int64_t *scalars) {
    int64_t panels = (n + KIR_NR - 1) / KIR_NR;
    *scalars = panels * k * KIR_NR;
    float *p = calloc((size_t)*scalars + 1, sizeof *p);
    if (!p) pd_die("out of memory");
    for (int64_t q = 0; q < panels; q++)
        for (int64_t i = 0; i < k; i++)
            for (int64_t j = 0; j < KIR_NR && q * KIR_NR + j < n; j++)
                p[(q * k + i) * KIR_NR + j] = b[i * n + q * KIR_NR + j];
    return p;
}

static uint32_t packed_weight(Lower *L, const IrNode *a, int64_t *k, int64_t *n) {
    float *b = b_matrix(L, a, k, n);
    int64_t scalars;
    float *p = pack(b, *k, *n, &scalars);
    free(b);
    KBuf buf = {.cls = KB_WEIGHT, .dtype = IR_F32, .scalars = scalars, .value = a->in[1], .inplace_of = KIR_NONE,
                .offset = L->p->weights_bytes, .data = arena_dup(L->p->arena, p, (size_t)scalars * sizeof *p)};
    free(p);
    vec_push(L->p->arena, &L->p->bufs, buf);
    L->p->weights_bytes += ((size_t)scalars * 4 + KIR_ALIGN - 1) / KIR_ALIGN * KIR_ALIGN;
    return L->p->bufs.len - 1;
}

static bool lower_mix_gemm(Lower *L, const FuseGroup *grp, uint32_t out);

/* A convolution that is not 1x1 reads its input through im2col: a loop
 * kernel stores, for every output pixel, its receptive field as one row
 * [taps..., Ci] (zeros where the padding is), and the GEMM reads those
 * rows.  Returns the buffer of rows. */
static uint32_t im2col(Lower *L, const IrNode *a) {
    const IrType *x = &ir_node(L->g, a->in[0])->type, *w = &ir_node(L->g, a->in[1])->type;
    uint32_t sd = x->rank - 2, nn;
    const int64_t *stride = ir_get_ints(a, "stride", &nn), *pad = ir_get_ints(a, "padding", &nn);
    const int64_t *dil = ir_get_ints(a, "dilation", &nn);
    IrType rows = {.dtype = IR_F32, .rank = 2 + 2 * sd};
    rows.dims[0] = x->dims[0], rows.dims[rows.rank - 1] = x->dims[sd + 1];
    for (uint32_t s = 0; s < sd; s++) rows.dims[1 + s] = a->type.dims[1 + s], rows.dims[1 + sd + s] = w->dims[2 + s];
    KBuf b = {.cls = KB_ARENA, .dtype = IR_F32, .scalars = ir_type_numel(&rows), .value = a->in[0], .inplace_of = KIR_NONE};
    vec_push(L->p->arena, &L->p->bufs, b);
    KKernel k = {.kind = KK_LOOP, .group = L->group, .out = L->p->bufs.len - 1, .rank = rows.rank, .scale = 1,
                 .nstore = 1, .body = {KIR_NONE, KIR_NONE}, .store = {KIR_NONE, KIR_NONE}};
    KId v[KIR_MAX_VARS], xi[IR_MAX_RANK], cond = KIR_NONE;
    for (uint32_t d = 0; d < rows.rank; d++) k.ext[d] = rows.dims[d], v[d] = kir_idx_var(L->p, d);
    xi[0] = v[0], xi[sd + 1] = v[rows.rank - 1];
    for (uint32_t s = 0; s < sd; s++) {
        KId pos = kir_idx_add(L->p, kir_idx_add(L->p, kir_idx_mul(L->p, v[1 + s], stride[s]),
                                                kir_idx_mul(L->p, v[1 + sd + s], dil[s])),
                              kir_idx_const(L->p, -pad[s]));
        xi[1 + s] = pad[s] ? kir_idx_clamp(L->p, pos, x->dims[1 + s]) : pos;
        if (!pad[s]) continue;
        KId c = lx_inrange(L, pos, 0, x->dims[1 + s]);
        cond = cond == KIR_NONE ? c : lx_select(L, cond, c, kir_const(L->p, IR_F32, 0), IR_F32);
    }
    KVal val = lower_value(L, a->in[0], xi);
    k.store[0] = cond == KIR_NONE ? val.re : lx_select(L, cond, val.re, kir_const(L->p, IR_F32, 0), IR_F32);
    k.name = arena_printf(L->p->arena, "k%u_im2col", L->p->kernels.len);
    vec_push(L->p->arena, &L->p->kernels, k);
    return k.out;
}

bool lower_gemm(Lower *L, const FuseGroup *grp, uint32_t out) {
    const IrNode *a = ir_node(L->g, grp->anchor);
    if (a->op == IR_OP_MIX) return lower_mix_gemm(L, grp, out);
    if (!fits(L, a)) return false;
    int64_t k, n;
    uint32_t packed = packed_weight(L, a, &k, &n);
    const IrType *t = &ir_node(L->g, grp->root)->type;
    bool direct = a->op == IR_OP_MATMUL || unit_conv(a, &ir_node(L->g, a->in[1])->type);
    uint32_t in = direct ? lower_buffer(L, a->in[0]) : im2col(L, a);
    KKernel kk = {.kind = KK_GEMM, .group = L->group, .out = out, .in = in,
                  .packed = packed, .k_dim = k, .n_dim = n, .m_dim = ir_type_numel(t) / (n ? n : 1), .scale = 1,
                  .nstore = 1, .body = {KIR_NONE, KIR_NONE}, .store = {KIR_NONE, KIR_NONE}, .rank = t->rank};
    KId vars[IR_MAX_RANK];
    for (uint32_t d = 0; d < t->rank; d++) kk.ext[d] = t->dims[d], vars[d] = kir_idx_var(L->p, d);
    kk.name = arena_printf(L->p->arena, "k%u_gemm_%s", L->p->kernels.len, ir_op_info(a->op)->name);
    L->acc_node = grp->anchor;
    L->acc_scale = 1;
    KVal v = lower_value(L, grp->root, vars);
    L->acc_node = IR_NONE;
    kk.store[0] = v.re;
    kk.lda = k, kk.ldo = n;
    vec_push(L->p->arena, &L->p->kernels, kk);
    return true;
}

/* ---- mix -------------------------------------------------------------------- */

/* Where x [B, S..., Ci] lives: a buffer, an offset and per-dimension
 * strides in scalars.  False when x is computed in the kernel other than
 * by a unit-step slice of a stored value. */
static bool mix_view(Lower *L, IrId x, int64_t parts, uint32_t *buf, int64_t *off, int64_t *st) {
    const IrNode *n = ir_node(L->g, x);
    bool stored = L->plan->group_of[x] != L->group || L->plan->role[x] == FUSE_ROOT;
    IrId base = x;
    const int64_t *starts = NULL;
    if (!stored) {
        if (n->op != IR_OP_SLICE) return false;
        uint32_t r;
        const int64_t *steps = ir_get_ints(n, "steps", &r);
        for (uint32_t d = 0; d < r; d++)
            if (steps[d] != 1) return false;
        starts = ir_get_ints(n, "starts", &r);
        base = n->in[0];
        if (L->plan->group_of[base] == L->group && L->plan->role[base] != FUSE_ROOT) return false;
    }
    const IrType *bt = &ir_node(L->g, base)->type;
    int64_t s = parts; /* scalars per element */
    *off = 0;
    for (uint32_t d = bt->rank; d-- > 0;) {
        st[d] = s;
        if (starts) *off += starts[d] * s;
        s *= bt->dims[d];
    }
    *buf = lower_buffer(L, base);
    return true;
}

/* W_s for every mode s as [Ci, parts * Co] floats (complex interleaved
 * when parts is 2), packed: [S][panels][Ci][KIR_NR]. */
static uint32_t packed_mix(Lower *L, IrId wid, int64_t parts, int64_t ci, int64_t co, int64_t modes) {
    const float *w = ir_node_data(L->g, wid)->data; /* [Ci, Co, S...] */
    int64_t n = parts * co, panels = (n + KIR_NR - 1) / KIR_NR, per_mode = panels * ci * KIR_NR;
    float *b = malloc((size_t)(ci * n + 1) * sizeof *b), *all = calloc((size_t)(per_mode * modes + 1), sizeof *all);
    if (!b || !all) pd_die("out of memory");
    for (int64_t s = 0; s < modes; s++) {
        for (int64_t i = 0; i < ci; i++)
            for (int64_t o = 0; o < co; o++) {
                const float *c = w + parts * ((i * co + o) * modes + s);
                for (int64_t q = 0; q < parts; q++) b[i * n + parts * o + q] = c[q];
            }
        int64_t scalars;
        float *p = pack(b, ci, n, &scalars);
        memcpy(all + s * per_mode, p, (size_t)per_mode * sizeof *p);
        free(p);
    }
    free(b);
    KBuf buf = {.cls = KB_WEIGHT, .dtype = IR_F32, .scalars = per_mode * modes, .value = wid, .inplace_of = KIR_NONE,
                .offset = L->p->weights_bytes, .data = arena_dup(L->p->arena, all, (size_t)(per_mode * modes) * sizeof *all)};
    free(all);
    vec_push(L->p->arena, &L->p->bufs, buf);
    L->p->weights_bytes += ((size_t)buf.scalars * 4 + KIR_ALIGN - 1) / KIR_ALIGN * KIR_ALIGN;
    return L->p->bufs.len - 1;
}

static bool lower_mix_gemm(Lower *L, const FuseGroup *grp, uint32_t out) {
    const IrNode *a = ir_node(L->g, grp->anchor);
    if (a->op != IR_OP_MIX || grp->root != grp->anchor || (a->type.dtype != IR_C64 && a->type.dtype != IR_F32) ||
        ir_node(L->g, a->in[1])->op != IR_OP_CONST)
        return false;
    int64_t parts = a->type.dtype == IR_C64 ? 2 : 1;
    KKernel kk = {.kind = KK_GEMM, .group = L->group, .out = out, .scale = 1, .nstore = 1,
                  .body = {KIR_NONE, KIR_NONE}, .store = {KIR_NONE, KIR_NONE}};
    int64_t st[IR_MAX_RANK];
    if (!mix_view(L, a->in[0], parts, &kk.in, &kk.a_off, st)) return false;
    const IrType *t = &a->type, *x = &ir_node(L->g, a->in[0])->type;
    int64_t ci = x->dims[x->rank - 1], co = t->dims[t->rank - 1], modes = 1, ost = parts * co;
    kk.nbatch = t->rank - 2;
    for (uint32_t j = kk.nbatch; j-- > 0;) {
        kk.bext[j] = t->dims[1 + j], kk.a_bst[j] = st[1 + j], kk.o_bst[j] = ost;
        modes *= t->dims[1 + j], ost *= t->dims[1 + j];
    }
    kk.m_dim = t->dims[0], kk.k_dim = ci, kk.n_dim = parts * co, kk.lda = st[0], kk.ldo = ost;
    kk.complex = parts == 2;
    kk.packed = packed_mix(L, a->in[1], parts, ci, co, modes);
    kk.name = arena_printf(L->p->arena, "k%u_gemm_mix", L->p->kernels.len);
    vec_push(L->p->arena, &L->p->kernels, kk);
    return true;
}
