/* lower_dft.c — pruned transforms as GEMMs with constant DFT matrices.
 *
 * x [outer, L, inner] (the transformed axis in the middle, channels
 * contiguous after it):
 *   rfft_modes:  X[o, j, c] = sum_l x[o, l, c] e^{-2 pi i j l / L}, j < k:
 *                a real GEMM, A = [cos; -sin] rows (2k x L), B = x[o] (L x inner)
 *   irfft_modes: y[o, l, c] = Re sum_j G[l, j] X[o, j, c], G = w_j / n e^{2 pi i j l / n}
 *                (w = 1 for DC and Nyquist, else 2: the mirrored half): a complex
 *                GEMM, A = G (n x k), B = X[o] (k x inner complex)
 *   dct_modes:   X[o, j, c] = sum_l 2 cos(pi j (2l + 1) / 2L) x[o, l, c], j < k
 *   idct_modes:  y[o, i, c] = sum_j w_j cos(pi j (2i + 1) / 2n) / 2n X[o, j, c]
 *                (real GEMMs, A the cosines)
 * B is read in place, so its rows must hold whole vector panels: inner a
 * multiple of 32 floats (real) or 16 complex values.  Other shapes run as
 * a loop nest over the same constants.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower_impl.h"

static const double PI = 3.14159265358979323846;

static uint32_t const_buffer(Lower *L, IrId value, const float *data, int64_t scalars) {
    KBuf buf = {.cls = KB_WEIGHT, .dtype = IR_F32, .scalars = scalars, .value = value, .inplace_of = KIR_NONE,
                .offset = L->p->weights_bytes, .data = arena_dup(L->p->arena, data, (size_t)scalars * sizeof *data)};
    vec_push(L->p->arena, &L->p->bufs, buf);
    L->p->weights_bytes += ((size_t)scalars * 4 + KIR_ALIGN - 1) / KIR_ALIGN * KIR_ALIGN;
    return L->p->bufs.len - 1;
}

/* Rows (2j, 2j+1) = (cos, -sin)(2 pi j l / len), as doubles rounded once. */
static float *forward_matrix(int64_t modes, int64_t len) {
    float *f = malloc((size_t)(2 * modes * len + 1) * sizeof *f);
    if (!f) pd_die("out of memory");
    for (int64_t j = 0; j < modes; j++)
        for (int64_t l = 0; l < len; l++) {
            double t = 2 * PI * (double)((j * l) % len) / (double)len;
            f[(2 * j) * len + l] = (float)cos(t), f[(2 * j + 1) * len + l] = (float)-sin(t);
        }
    return f;
}

/* G[l][j] complex interleaved, n x k. */
static float *inverse_matrix(int64_t bins, int64_t n) {
    float *g = malloc((size_t)(2 * bins * n + 1) * sizeof *g);
    if (!g) pd_die("out of memory");
    for (int64_t l = 0; l < n; l++)
        for (int64_t j = 0; j < bins; j++) {
            bool edge = j == 0 || (n % 2 == 0 && j == n / 2); /* their imaginary parts are ignored */
            double w = (edge ? 1.0 : 2.0) / (double)n, t = 2 * PI * (double)((j * l) % n) / (double)n;
            g[2 * (l * bins + j)] = (float)(w * cos(t)), g[2 * (l * bins + j) + 1] = edge ? 0.0f : (float)(w * sin(t));
        }
    return g;
}

/* [rows, cols] cosines: the first k rows of the DCT-II of size len
 * (forward), or the DCT-III / 2n of coefficients past k zero (inverse). */
static float *cosine_matrix(bool forward, int64_t k, int64_t len) {
    int64_t rows = forward ? k : len, cols = forward ? len : k;
    float *c = malloc((size_t)(rows * cols + 1) * sizeof *c);
    if (!c) pd_die("out of memory");
    for (int64_t r = 0; r < rows; r++)
        for (int64_t q = 0; q < cols; q++) {
            int64_t j = forward ? r : q, i = forward ? q : r;
            double v = cos(PI * (double)(j * (2 * i + 1) % (4 * len)) / (double)(2 * len));
            c[r * cols + q] = (float)(forward ? 2 * v : (j ? 2 : 1) * v / (double)(2 * len));
        }
    return c;
}

static void split(const IrType *t, int64_t axis, int64_t *outer, int64_t *inner) {
    *outer = *inner = 1;
    for (int64_t d = 0; d < axis; d++) *outer *= t->dims[d];
    for (int64_t d = axis + 1; d < (int64_t)t->rank; d++) *inner *= t->dims[d];
}

static void push(Lower *L, KKernel *k, const char *what) {
    k->name = arena_printf(L->p->arena, "k%u_%s", L->p->kernels.len, what);
    vec_push(L->p->arena, &L->p->kernels, *k);
}

static KKernel gemm(Lower *L, uint32_t out) {
    return (KKernel){.kind = KK_GEMM, .group = L->group, .out = out, .scale = 1, .nstore = 1,
                     .body = {KIR_NONE, KIR_NONE}, .store = {KIR_NONE, KIR_NONE}};
}

/* The loop form: out = sum over the axis of a constant times the input. */
static void loop_form(Lower *L, const IrNode *n, uint32_t out, uint32_t cbuf, int64_t rows, int64_t cols) {
    int64_t axis = ir_get_int(n, "axis");
    const IrType *x = &ir_node(L->g, n->in[0])->type;
    KKernel k = {.kind = KK_LOOP, .group = L->group, .out = out, .scale = 1, .rank = n->type.rank,
                 .body = {KIR_NONE, KIR_NONE}, .store = {KIR_NONE, KIR_NONE}, .red_op = IR_OP_SUM};
    KId v[KIR_MAX_VARS], xi[IR_MAX_RANK];
    for (uint32_t d = 0; d < k.rank; d++) k.ext[d] = n->type.dims[d], v[d] = kir_idx_var(L->p, d), xi[d] = v[d];
    k.nred = 1, k.ext[k.rank] = x->dims[axis];
    k.vector_out = axis + 1 < (int64_t)k.rank; /* channels after the axis */
    KId r = kir_idx_var(L->p, k.rank);
    xi[axis] = r;
    KVal xv = lower_value(L, n->in[0], xi);
    const IrDType f = IR_F32;
    if (n->op == IR_OP_DCT_MODES || n->op == IR_OP_IDCT_MODES) {
        IrType rt = {.dtype = IR_F32, .rank = 2, .dims = {rows, cols}};
        KId at[2] = {v[axis], r};
        k.body[0] = lx_binary(L, IR_OP_MUL, xv.re, lower_load(L, cbuf, &rt, at).re, f);
        k.nacc = 1;
    } else if (n->op == IR_OP_RFFT_MODES) { /* rows 2j and 2j+1 hold cos and -sin of bin j */
        IrType rt = {.dtype = IR_F32, .rank = 2, .dims = {2 * rows, cols}};
        KId two_j = kir_idx_mul(L->p, v[axis], 2);
        KId re_at[2] = {two_j, r}, im_at[2] = {kir_idx_add(L->p, two_j, kir_idx_const(L->p, 1)), r};
        KVal cre = lower_load(L, cbuf, &rt, re_at), cim = lower_load(L, cbuf, &rt, im_at);
        k.body[0] = lx_binary(L, IR_OP_MUL, xv.re, cre.re, f), k.body[1] = lx_binary(L, IR_OP_MUL, xv.re, cim.re, f);
        k.nacc = 2;
    } else {
        IrType ct = {.dtype = IR_C64, .rank = 2, .dims = {rows, cols}};
        KId ci[2] = {v[axis], r};
        KVal c = lower_load(L, cbuf, &ct, ci);
        k.body[0] = lx_binary(L, IR_OP_SUB, lx_binary(L, IR_OP_MUL, c.re, xv.re, f),
                              lx_binary(L, IR_OP_MUL, c.im, xv.im, f), f);
        k.nacc = 1;
    }
    k.acc_dtype = f;
    KExpr acc = {.kind = KX_ACC, .dtype = f, .a = KIR_NONE, .b = KIR_NONE, .c = KIR_NONE, .index = KIR_NONE};
    k.store[0] = kir_expr(L->p, acc);
    k.nstore = 1;
    if (k.nacc == 2) acc.lo = 1, k.store[1] = kir_expr(L->p, acc), k.nstore = 2;
    push(L, &k, ir_op_info(n->op)->name);
}

/* dct_modes and idct_modes: real GEMMs with a cosine matrix. */
static void lower_cosine(Lower *L, const IrNode *n, IrId id, uint32_t out, int64_t axis, int64_t outer, int64_t inner) {
    const IrType *x = &ir_node(L->g, n->in[0])->type;
    bool forward = n->op == IR_OP_DCT_MODES;
    int64_t len = forward ? x->dims[axis] : ir_get_int(n, "n"), k = forward ? ir_get_int(n, "modes") : x->dims[axis];
    int64_t rows = forward ? k : len, cols = forward ? len : k;
    float *m = cosine_matrix(forward, k, len);
    uint32_t cbuf = const_buffer(L, id, m, rows * cols);
    free(m);
    if (inner % KIR_NR != 0) {
        loop_form(L, n, out, cbuf, rows, cols);
        return;
    }
    KKernel g = gemm(L, out);
    g.in = lower_buffer(L, n->in[0]), g.packed = cbuf, g.outer = outer, g.inner = inner, g.layout = KG_RDFT;
    g.m_dim = rows, g.k_dim = cols, g.n_dim = inner, g.lda = cols, g.ldb = inner;
    g.b_bst = cols * inner, g.o_stride = rows * inner;
    push(L, &g, ir_op_info(n->op)->name);
}

void lower_dft(Lower *L, const IrNode *n, IrId id, uint32_t out) {
    const IrType *x = &ir_node(L->g, n->in[0])->type;
    int64_t axis = ir_get_int(n, "axis"), outer, inner;
    if (axis < 0) axis += x->rank;
    split(x, axis, &outer, &inner);
    if (n->op == IR_OP_DCT_MODES || n->op == IR_OP_IDCT_MODES) {
        lower_cosine(L, n, id, out, axis, outer, inner);
        return;
    }
    bool forward = n->op == IR_OP_RFFT_MODES;
    int64_t len = x->dims[axis], bins = forward ? ir_get_int(n, "modes") : len, pts = forward ? len : ir_get_int(n, "n");
    float *m = forward ? forward_matrix(bins, len) : inverse_matrix(bins, pts);
    /* forward: [2 bins, len] reals; inverse: [pts, bins] complex */
    uint32_t cbuf = const_buffer(L, id, m, 2 * bins * pts);
    free(m);
    bool in_place = forward ? inner % KIR_NR == 0 : (2 * inner) % KIR_NR == 0;
    if (!in_place) {
        loop_form(L, n, out, cbuf, forward ? bins : pts, forward ? len : bins);
        return;
    }
    KKernel k = gemm(L, out);
    k.in = lower_buffer(L, n->in[0]), k.packed = cbuf, k.outer = outer, k.inner = inner;
    k.layout = forward ? KG_DFT : KG_IDFT, k.complex = !forward;
    k.m_dim = forward ? 2 * bins : pts, k.k_dim = forward ? len : bins, k.n_dim = forward ? inner : 2 * inner;
    k.lda = forward ? len : 2 * bins, k.ldb = forward ? inner : 2 * inner;
    k.b_bst = len * inner * (forward ? 1 : 2), k.o_stride = forward ? 2 * bins * inner : pts * inner;
    push(L, &k, ir_op_info(n->op)->name);
}
