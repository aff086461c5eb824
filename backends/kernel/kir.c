/* kir.c — building kernel-IR programs: index and expression pools with
 * constant folding, and the weights blob. */
#include "kir.h"

#include <stdlib.h>
#include <string.h>

KId kir_idx(KProgram *p, KIdxKind kind, int64_t c, KId a, KId b) {
    vec_push(p->arena, &p->idx, ((KIdx){.kind = kind, .c = c, .a = a, .b = b}));
    return p->idx.len - 1;
}

KId kir_idx_var(KProgram *p, uint32_t var) { return kir_idx(p, KI_VAR, var, KIR_NONE, KIR_NONE); }
KId kir_idx_const(KProgram *p, int64_t v) { return kir_idx(p, KI_CONST, v, KIR_NONE, KIR_NONE); }

bool kir_idx_is_const(const KProgram *p, KId i, int64_t *v) {
    if (p->idx.data[i].kind != KI_CONST) return false;
    *v = p->idx.data[i].c;
    return true;
}

KId kir_idx_add(KProgram *p, KId a, KId b) {
    int64_t x, y;
    bool ca = kir_idx_is_const(p, a, &x), cb = kir_idx_is_const(p, b, &y);
    if (ca && cb) return kir_idx_const(p, x + y);
    if (ca && x == 0) return b;
    if (cb && y == 0) return a;
    return kir_idx(p, KI_ADD, 0, a, b);
}

KId kir_idx_mul(KProgram *p, KId a, int64_t c) {
    int64_t x;
    if (kir_idx_is_const(p, a, &x)) return kir_idx_const(p, x * c);
    if (c == 1) return a;
    if (c == 0) return kir_idx_const(p, 0);
    return kir_idx(p, KI_MUL, c, a, KIR_NONE);
}

KId kir_idx_clamp(KProgram *p, KId a, int64_t n) {
    int64_t x;
    if (kir_idx_is_const(p, a, &x)) return kir_idx_const(p, x < 0 ? 0 : x >= n ? n - 1 : x);
    return kir_idx(p, KI_CLAMP, n, a, KIR_NONE);
}

KId kir_expr(KProgram *p, KExpr e) {
    vec_push(p->arena, &p->ex, e);
    return p->ex.len - 1;
}

KId kir_const(KProgram *p, IrDType dt, double v) {
    return kir_expr(p, (KExpr){.kind = KX_CONST, .dtype = dt, .value = v, .a = KIR_NONE,
                               .b = KIR_NONE, .c = KIR_NONE, .index = KIR_NONE});
}

void *kir_weights_blob(const KProgram *p, size_t *len) {
    *len = p->weights_bytes;
    char *blob = calloc(1, p->weights_bytes + 1);
    if (!blob) pd_die("out of memory");
    for (uint32_t i = 0; i < p->bufs.len; i++) {
        const KBuf *b = &p->bufs.data[i];
        if (b->cls != KB_WEIGHT) continue;
        if (b->data) {
            memcpy(blob + b->offset, b->data, (size_t)b->scalars * ir_dtype_size(b->dtype));
            continue;
        }
        const IrTensorData *d = ir_node_data(p->g, b->value);
        if (!d) pd_die("kir: weight %u has no data", i);
        memcpy(blob + b->offset, d->data, d->nbytes);
    }
    return blob;
}

void kir_free(KProgram *prog) {
    if (prog) arena_free(prog->arena);
}

static void mark(const KProgram *p, KId e, uint8_t *flags, uint8_t *seen) {
    if (e == KIR_NONE || seen[e]) return;
    seen[e] = 1;
    const KExpr *x = &p->ex.data[e];
    if (x->kind == KX_LOAD) flags[x->buf] |= 1;
    mark(p, x->a, flags, seen);
    mark(p, x->b, flags, seen);
    mark(p, x->c, flags, seen);
}

void kir_kernel_buffers(const KProgram *p, const KKernel *k, uint8_t *flags) {
    memset(flags, 0, p->bufs.len);
    if (k->kind == KK_FFT || k->kind == KK_GEMM) flags[k->in] |= 1;
    if (k->kind == KK_GEMM) flags[k->packed] |= 1;
    uint8_t *seen = calloc(p->ex.len + 1, 1);
    if (!seen) pd_die("out of memory");
    for (int i = 0; i < 2; i++) mark(p, k->store[i], flags, seen), mark(p, k->body[i], flags, seen);
    free(seen);
    flags[k->out] |= 2;
}

uint64_t kir_moved_bytes(const KProgram *p) {
    uint8_t *flags = calloc(p->bufs.len + 1, 1);
    if (!flags) pd_die("out of memory");
    uint64_t bytes = 0;
    for (uint32_t k = 0; k < p->kernels.len; k++) {
        kir_kernel_buffers(p, &p->kernels.data[k], flags);
        for (uint32_t b = 0; b < p->bufs.len; b++) {
            IrDType t = p->bufs.data[b].dtype;
            if (flags[b]) bytes += (uint64_t)p->bufs.data[b].scalars * (t == IR_F64 || t == IR_I64 ? 8 : 4);
        }
    }
    free(flags);
    return bytes;
}
