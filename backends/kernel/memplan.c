/* memplan.c — places every intermediate buffer in one arena.
 *
 * Liveness is counted in kernels: a buffer lives from the kernel that
 * stores it to the last kernel that reads it.  Buffers are placed in the
 * order they are defined, each at the lowest 64-byte-aligned offset that
 * overlaps no live buffer (first fit).  An elementwise loop may store into
 * the buffer of an operand that dies in it when it reads that operand only
 * at the point it stores (in place).  A checker proves the result.
 */
#include <stdlib.h>
#include <string.h>

#include "kir.h"
#include "../../runtime/pdrt.h"

static size_t buf_bytes(const KBuf *b) {
    size_t n = (size_t)b->scalars * ir_dtype_size(b->dtype);
    return (n + KIR_ALIGN - 1) / KIR_ALIGN * KIR_ALIGN;
}

/* Calls fn for every load reachable from expression e. */
static void each_load(const KProgram *p, KId e, void (*fn)(void *, const KExpr *), void *ud, uint8_t *seen) {
    if (e == KIR_NONE || seen[e]) return;
    seen[e] = 1;
    const KExpr *x = &p->ex.data[e];
    if (x->kind == KX_LOAD) fn(ud, x);
    each_load(p, x->a, fn, ud, seen);
    each_load(p, x->b, fn, ud, seen);
    each_load(p, x->c, fn, ud, seen);
}

static void kernel_loads(const KProgram *p, const KKernel *k, void (*fn)(void *, const KExpr *), void *ud) {
    uint8_t *seen = calloc(p->ex.len + 1, 1);
    if (!seen) pd_die("out of memory");
    for (int i = 0; i < 2; i++) {
        each_load(p, k->store[i], fn, ud, seen);
        each_load(p, k->body[i], fn, ud, seen);
    }
    free(seen);
}

typedef struct {
    KProgram *p;
    uint32_t kernel;
} Use;

static void mark_use(void *ud, const KExpr *x) {
    Use *u = ud;
    KBuf *b = &u->p->bufs.data[x->buf];
    if (u->kernel > b->last) b->last = u->kernel;
}

static void liveness(KProgram *p) {
    for (uint32_t i = 0; i < p->bufs.len; i++) p->bufs.data[i].def = UINT32_MAX, p->bufs.data[i].last = 0;
    for (uint32_t ki = 0; ki < p->kernels.len; ki++) {
        const KKernel *k = &p->kernels.data[ki];
        KBuf *o = &p->bufs.data[k->out];
        if (o->def == UINT32_MAX) o->def = ki;
        if (ki > o->last) o->last = ki;
        if (k->kind == KK_FFT || k->kind == KK_GEMM) {
            KBuf *in = &p->bufs.data[k->in];
            if (ki > in->last) in->last = ki;
        }
        Use u = {p, ki};
        kernel_loads(p, k, mark_use, &u);
    }
}

static bool idx_equal(const KProgram *p, KId a, KId b) {
    if (a == b) return true;
    if (a == KIR_NONE || b == KIR_NONE) return false;
    const KIdx *x = &p->idx.data[a], *y = &p->idx.data[b];
    return x->kind == y->kind && x->c == y->c && idx_equal(p, x->a, y->a) && idx_equal(p, x->b, y->b);
}

/* The index a kernel stores part `part` at, built as lowering builds loads. */
typedef struct {
    const KProgram *p;
    uint32_t buf;
    KId lin;        /* linear index of the loop point */
    bool complex;
    bool identity;  /* every load of buf so far was at the stored point */
} InPlace;

static bool at_point(const InPlace *ip, KId index) {
    const KIdx *x = &ip->p->idx.data[index];
    if (!ip->complex) return idx_equal(ip->p, index, ip->lin);
    if (x->kind == KI_MUL) return x->c == 2 && idx_equal(ip->p, x->a, ip->lin);
    if (x->kind != KI_ADD) return false;
    const KIdx *m = &ip->p->idx.data[x->a], *one = &ip->p->idx.data[x->b];
    return m->kind == KI_MUL && m->c == 2 && idx_equal(ip->p, m->a, ip->lin) && one->kind == KI_CONST && one->c == 1;
}

static void check_point(void *ud, const KExpr *x) {
    InPlace *ip = ud;
    if (x->buf == ip->buf && !at_point(ip, x->index)) ip->identity = false;
}

static KId loop_linear(KProgram *p, const KKernel *k) {
    KId lin = kir_idx_const(p, 0);
    int64_t stride = 1;
    for (uint32_t d = k->rank; d-- > 0;) {
        lin = kir_idx_add(p, kir_idx_mul(p, kir_idx_var(p, d), stride), lin);
        stride *= k->ext[d];
    }
    return lin;
}

/* An operand buffer of kernel ki that the kernel may overwrite. */
static uint32_t inplace_candidate(KProgram *p, uint32_t ki) {
    const KKernel *k = &p->kernels.data[ki];
    const KBuf *o = &p->bufs.data[k->out];
    if (k->kind != KK_LOOP || k->nred || o->cls != KB_ARENA) return KIR_NONE;
    KId lin = loop_linear(p, k);
    for (uint32_t b = 0; b < p->bufs.len; b++) {
        const KBuf *c = &p->bufs.data[b];
        if (b == k->out || c->cls != KB_ARENA || c->last != ki || c->def >= ki || buf_bytes(c) != buf_bytes(o) ||
            c->dtype != o->dtype || c->scalars != o->scalars)
            continue;
        InPlace ip = {p, b, lin, k->nstore == 2, true};
        kernel_loads(p, k, check_point, &ip);
        if (ip.identity) return b;
    }
    return KIR_NONE;
}

static bool overlaps_live(const KBuf *a, const KBuf *b) { return a->def <= b->last && b->def <= a->last; }

/* Lowest offset where b fits beside every placed buffer it is live with. */
static size_t first_fit(const KProgram *p, const KBuf *b, const uint32_t *placed, uint32_t nplaced) {
    size_t off = 0, size = buf_bytes(b);
    for (bool moved = true; moved;) {
        moved = false;
        for (uint32_t i = 0; i < nplaced; i++) {
            const KBuf *q = &p->bufs.data[placed[i]];
            if (!overlaps_live(b, q)) continue;
            if (off < q->offset + buf_bytes(q) && q->offset < off + size) off = q->offset + buf_bytes(q), moved = true;
        }
    }
    return off;
}

void kir_memplan(KProgram *p) {
    liveness(p);
    uint32_t *placed = calloc(p->bufs.len + 1, sizeof *placed), nplaced = 0;
    if (!placed) pd_die("out of memory");
    p->arena_bytes = 0;
    for (uint32_t ki = 0; ki < p->kernels.len; ki++) {
        uint32_t b = p->kernels.data[ki].out;
        KBuf *buf = &p->bufs.data[b];
        if (buf->cls != KB_ARENA || buf->def != ki) continue;
        uint32_t src = inplace_candidate(p, ki);
        buf->inplace_of = src;
        buf->offset = src != KIR_NONE ? p->bufs.data[src].offset : first_fit(p, buf, placed, nplaced);
        placed[nplaced++] = b;
        if (buf->offset + buf_bytes(buf) > p->arena_bytes) p->arena_bytes = buf->offset + buf_bytes(buf);
    }
    free(placed);
}

/* May a and b share bytes?  Only along a recorded in-place pair. */
static bool may_share(const KProgram *p, uint32_t a, uint32_t b) {
    const KBuf *x = &p->bufs.data[a], *y = &p->bufs.data[b];
    return (y->inplace_of == a && x->last == y->def) || (x->inplace_of == b && y->last == x->def);
}

bool kir_memplan_check(const KProgram *p, char *err, size_t errlen) {
    for (uint32_t a = 0; a < p->bufs.len; a++) {
        const KBuf *x = &p->bufs.data[a];
        if (x->cls != KB_ARENA) continue;
        if (x->offset % KIR_ALIGN || x->offset + buf_bytes(x) > p->arena_bytes)
            return pdrt_fail(err, errlen, "buffer b%u at %zu is misaligned or outside the arena", a, x->offset);
        for (uint32_t b = a + 1; b < p->bufs.len; b++) {
            const KBuf *y = &p->bufs.data[b];
            if (y->cls != KB_ARENA || !overlaps_live(x, y) || may_share(p, a, b)) continue;
            if (x->offset < y->offset + buf_bytes(y) && y->offset < x->offset + buf_bytes(x))
                return pdrt_fail(err, errlen, "buffers b%u [%zu, +%zu) and b%u [%zu, +%zu) overlap while both live", a,
                                 x->offset, buf_bytes(x), b, y->offset, buf_bytes(y));
        }
    }
    return true;
}

static const char *const class_names[] = {"input", "output", "weight", "arena"};

void kir_memplan_print(const KProgram *p, FILE *out) {
    fprintf(out, "memplan @%s: arena %zu bytes (align %d), weights %zu bytes, %u kernels\n", p->name,
            p->arena_bytes, KIR_ALIGN, p->weights_bytes, p->kernels.len);
    for (uint32_t i = 0; i < p->bufs.len; i++) {
        const KBuf *b = &p->bufs.data[i];
        fprintf(out, "  b%-3u %-6s %-4s %10lld scalars", i, class_names[b->cls], ir_dtype_name(b->dtype),
                (long long)b->scalars);
        if (b->cls == KB_ARENA || b->cls == KB_WEIGHT) fprintf(out, "  offset %zu", b->offset);
        if (b->cls == KB_INPUT || b->cls == KB_OUTPUT) fprintf(out, "  slot %u", b->slot);
        if (b->cls == KB_ARENA) fprintf(out, "  live k%u..k%u", b->def, b->last);
        if (b->inplace_of != KIR_NONE) fprintf(out, "  in place of b%u", b->inplace_of);
        fputc('\n', out);
    }
    fprintf(out, "peak %zu bytes\n", p->arena_bytes);
}
