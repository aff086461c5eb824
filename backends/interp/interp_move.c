/* interp_move.c — the interpreter's data movement: reshape, transpose,
 * slice, pad, concat, broadcast, gather.
 *
 * None of these computes anything, so they work on element sizes, not
 * dtypes (c64 moves as one 8-byte element).  Transpose, slice, broadcast
 * and constant pad are all one strided copy: an odometer over a shape
 * with a stride per axis on each side (negative for a reversed slice,
 * zero for a broadcast axis).  Circular pad maps each output index to its
 * source through a per-axis table, built once per op.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interp_impl.h"

typedef struct {
    uint32_t rank;
    int64_t dims[IR_MAX_RANK];
    int64_t dst[IR_MAX_RANK], src[IR_MAX_RANK]; /* element strides */
    int64_t dbase, sbase;                       /* element offsets of index 0 */
} Copy;

static void move_row(char *d, int64_t ds, const char *s, int64_t ss, int64_t n, size_t esz)
{
    /* memcpy of a constant size compiles to one move, without aliasing
     * float data as integers */
    if (esz == 4)
        for (int64_t i = 0; i < n; i++)
            memcpy(d + i * ds * 4, s + i * ss * 4, 4);
    else if (esz == 8)
        for (int64_t i = 0; i < n; i++)
            memcpy(d + i * ds * 8, s + i * ss * 8, 8);
    else
        pd_die("interp: element size %zu", esz);
}

/* dst[dbase + idx . dst] = src[sbase + idx . src] for every idx in dims. */
static void copy_strided(void *dst, const void *src, size_t esz, const Copy *c)
{
    int64_t total = interp_numel(c->dims, c->rank), idx[IR_MAX_RANK] = {0};
    int64_t inner = c->rank ? c->dims[c->rank - 1] : 1;
    int64_t ds = c->rank ? c->dst[c->rank - 1] : 0, ss = c->rank ? c->src[c->rank - 1] : 0;
    int64_t di = c->dbase, si = c->sbase;
    for (int64_t i = 0; inner && i < total; i += inner) {
        move_row((char *)dst + di * (int64_t)esz, ds, (const char *)src + si * (int64_t)esz,
                 ss, inner, esz);
        for (uint32_t d = c->rank - 1; c->rank > 1 && d-- > 0;) {
            di += c->dst[d];
            si += c->src[d];
            if (++idx[d] < c->dims[d])
                break;
            di -= c->dst[d] * c->dims[d];
            si -= c->src[d] * c->dims[d];
            idx[d] = 0;
        }
    }
}

/* A copy over out's shape, writing out contiguously. */
static Copy copy_to(const PdrtTensor *out)
{
    Copy c = {.rank = out->rank};
    memcpy(c.dims, out->dims, out->rank * sizeof out->dims[0]);
    interp_strides(out->dims, out->rank, c.dst);
    return c;
}

void interp_reshape(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    (void)n; /* the shapes in the tensors say all this op needs */
    if (out->nbytes)
        memcpy(out->data, in[0].data, out->nbytes);
}

void interp_transpose(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    uint32_t np;
    const int64_t *perm = ir_get_ints(n, "perm", &np);
    int64_t st[IR_MAX_RANK];
    interp_strides(in[0].dims, in[0].rank, st);
    Copy c = copy_to(out);
    for (uint32_t d = 0; d < out->rank; d++)
        c.src[d] = st[perm[d]];
    copy_strided(out->data, in[0].data, pdrt_dtype_size(out->dtype), &c);
}

void interp_slice(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    uint32_t ns, nst;
    const int64_t *starts = ir_get_ints(n, "starts", &ns);
    const int64_t *steps = ir_get_ints(n, "steps", &nst);
    int64_t st[IR_MAX_RANK];
    interp_strides(in[0].dims, in[0].rank, st);
    Copy c = copy_to(out);
    for (uint32_t d = 0; d < out->rank; d++) {
        int64_t start = d < ns ? starts[d] : 0, step = d < nst ? steps[d] : 1;
        if (out->dims[d] > 0)  /* an empty axis may have start == dim */
            c.sbase += start * st[d];
        c.src[d] = step * st[d];
    }
    copy_strided(out->data, in[0].data, pdrt_dtype_size(out->dtype), &c);
}

void interp_broadcast(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    (void)n; /* the shapes in the tensors say all this op needs */
    const PdrtTensor *x = &in[0];
    int64_t st[IR_MAX_RANK];
    interp_strides(x->dims, x->rank, st);
    Copy c = copy_to(out);
    uint32_t lead = out->rank - x->rank;
    for (uint32_t d = lead; d < out->rank; d++)
        c.src[d] = x->dims[d - lead] == 1 ? 0 : st[d - lead];
    copy_strided(out->data, x->data, pdrt_dtype_size(out->dtype), &c);
}

/* ---- pad ------------------------------------------------------------------- */

static void fill_value(PdrtTensor *out, double v)
{
    int64_t cnt = pdrt_numel(out);
    if (v == 0 && !signbit(v))
        return;  /* results start zeroed */
    for (int64_t i = 0; i < cnt; i++)
        interp_st_real(out->data, out->dtype, i, v);
}

static void pad_constant(const PdrtTensor *x, PdrtTensor *out, const int64_t *lo, double v)
{
    fill_value(out, v);
    Copy c = {.rank = x->rank};
    memcpy(c.dims, x->dims, x->rank * sizeof x->dims[0]);
    interp_strides(x->dims, x->rank, c.src);
    interp_strides(out->dims, out->rank, c.dst);
    for (uint32_t d = 0; d < x->rank; d++)
        c.dbase += lo[d] * c.dst[d];
    copy_strided(out->data, x->data, pdrt_dtype_size(out->dtype), &c);
}

/* Each output index i of axis d reads input index (i - lo) mod dim. */
static void pad_circular(const PdrtTensor *x, PdrtTensor *out, const int64_t *lo)
{
    int64_t st[IR_MAX_RANK], *tab[IR_MAX_RANK], total = pdrt_numel(out), idx[IR_MAX_RANK] = {0};
    size_t esz = pdrt_dtype_size(out->dtype);
    uint32_t r = out->rank;
    interp_strides(x->dims, x->rank, st);
    for (uint32_t d = 0; d < r; d++)
        if (x->dims[d] == 0)
            return;  /* nothing to wrap around; the type checker rejects this */
    for (uint32_t d = 0; d < r; d++) {
        tab[d] = pd_xmalloc((size_t)(out->dims[d] + 1) * sizeof *tab[d]);
        for (int64_t i = 0; i < out->dims[d]; i++)
            tab[d][i] = (((i - lo[d]) % x->dims[d] + x->dims[d]) % x->dims[d]) * st[d];
    }
    for (int64_t o = 0; o < total; o++) {
        int64_t s = 0;
        for (uint32_t d = 0; d < r; d++)
            s += tab[d][idx[d]];
        memcpy((char *)out->data + o * (int64_t)esz, (const char *)x->data + s * (int64_t)esz,
               esz);
        for (uint32_t d = r; d-- > 0;) {
            if (++idx[d] < out->dims[d])
                break;
            idx[d] = 0;
        }
    }
    for (uint32_t d = 0; d < r; d++)
        free(tab[d]);
}

void interp_pad(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    uint32_t np;
    const int64_t *pads = ir_get_ints(n, "pads", &np);
    int64_t lo[IR_MAX_RANK] = {0};
    for (uint32_t d = 0; d < out->rank && 2 * d < np; d++)
        lo[d] = pads[2 * d];
    if (pdrt_numel(out) == 0)
        return;
    if (strcmp(ir_get_str(n, "mode"), "circular") == 0)
        pad_circular(&in[0], out, lo);
    else
        pad_constant(&in[0], out, lo, ir_get_float(n, "value"));
}

/* ---- concat, gather ----------------------------------------------------------- */

void interp_concat(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    int64_t ax = ir_get_int(n, "axis");
    if (ax < 0)
        ax += out->rank;
    size_t esz = pdrt_dtype_size(out->dtype);
    int64_t outer = interp_numel(out->dims, (uint32_t)ax);
    int64_t inner = interp_numel(out->dims + ax + 1, out->rank - (uint32_t)ax - 1);
    char *dst = out->data;
    for (int64_t o = 0; o < outer; o++)
        for (uint32_t k = 0; k < n->nin; k++) {
            size_t chunk = (size_t)(in[k].dims[ax] * inner) * esz;
            if (chunk)
                memcpy(dst, (const char *)in[k].data + (size_t)o * chunk, chunk);
            dst += chunk;
        }
}

void interp_gather(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    const PdrtTensor *x = &in[0];
    uint32_t ni;
    const int64_t *idx = ir_get_ints(n, "indices", &ni);
    int64_t ax = ir_get_int(n, "axis");
    if (ax < 0)
        ax += x->rank;
    size_t esz = pdrt_dtype_size(out->dtype);
    int64_t outer = interp_numel(x->dims, (uint32_t)ax), len = x->dims[ax];
    size_t row = (size_t)interp_numel(x->dims + ax + 1, x->rank - (uint32_t)ax - 1) * esz;
    char *dst = out->data;
    for (int64_t o = 0; o < outer && row; o++)
        for (uint32_t i = 0; i < ni; i++) {
            memcpy(dst, (const char *)x->data + (size_t)(o * len + idx[i]) * row, row);
            dst += row;
        }
}
