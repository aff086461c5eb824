/* interp_fft.c — the interpreter's transforms: rfft, irfft, fft, ifft,
 * dct, idct, through double-precision FFTW3.
 *
 * A multi-axis transform is a sequence of one-axis passes over a
 * contiguous double (or double complex) work buffer; each pass is one
 * guru plan whose transform dimension is the axis and whose "howmany"
 * dimensions are all the other axes with their strides, so the axes may
 * be any subset in any order, contiguous or not.  Normalization is
 * numpy's "backward": forward passes unscaled, inverse ones scaled by
 * 1/n.  irfft follows numpy: it crops or zero-pads each axis to its n,
 * runs the complex inverse passes first, ignores the imaginary parts of
 * the DC and (n even) Nyquist bins of the last axis, then runs c2r.
 *
 * Plans are made with FFTW_ESTIMATE (which leaves the arrays alone) and
 * destroyed after one use.  The FFTW planner is not thread-safe; neither
 * is this file.
 */
#include <stdlib.h>
#include <string.h>

#include "interp_impl.h"
#include <fftw3.h>  /* after complex.h, so fftw_complex is double _Complex */

typedef struct {
    uint32_t rank;
    int64_t dims[IR_MAX_RANK];
    int64_t st[IR_MAX_RANK];
} Shape;

static Shape shape_of(const int64_t *dims, uint32_t rank)
{
    Shape s = {.rank = rank};
    memcpy(s.dims, dims, rank * sizeof dims[0]);
    interp_strides(s.dims, rank, s.st);
    return s;
}

/* The transform dimension (axis a) and the loop dimensions (all others)
 * of a pass from layout in to layout out. OUT: *t, how[]; returns the
 * number of loop dimensions. */
static int pass_dims(const Shape *in, const Shape *out, uint32_t a, fftw_iodim64 *t,
                     fftw_iodim64 *how)
{
    int h = 0;
    t->n = in->dims[a];
    t->is = in->st[a];
    t->os = out->st[a];
    for (uint32_t d = 0; d < in->rank; d++)
        if (d != a)
            how[h++] = (fftw_iodim64){.n = in->dims[d], .is = in->st[d], .os = out->st[d]};
    return h;
}

static void run_plan(fftw_plan p, const char *what)
{
    if (!p)
        pd_die("interp: FFTW could not plan a %s pass", what);
    fftw_execute(p);
    fftw_destroy_plan(p);
}

static void c2c_pass(Cplx *buf, const Shape *s, uint32_t a, int sign)
{
    fftw_iodim64 t, how[IR_MAX_RANK];
    int h = pass_dims(s, s, a, &t, how);
    run_plan(fftw_plan_guru64_dft(1, &t, h, how, buf, buf, sign, FFTW_ESTIMATE), "c2c");
}

static void r2c_pass(double *in, const Shape *rs, Cplx *out, const Shape *cs, uint32_t a)
{
    fftw_iodim64 t, how[IR_MAX_RANK];
    int h = pass_dims(rs, cs, a, &t, how);
    t.n = rs->dims[a];
    run_plan(fftw_plan_guru64_dft_r2c(1, &t, h, how, in, out, FFTW_ESTIMATE), "r2c");
}

/* Destroys in (FFTW's c2r always may). */
static void c2r_pass(Cplx *in, const Shape *cs, double *out, const Shape *rs, uint32_t a)
{
    fftw_iodim64 t, how[IR_MAX_RANK];
    int h = pass_dims(cs, rs, a, &t, how);
    t.n = rs->dims[a];
    run_plan(fftw_plan_guru64_dft_c2r(1, &t, h, how, in, out, FFTW_ESTIMATE), "c2r");
}

static void r2r_pass(double *buf, const Shape *s, uint32_t a, fftw_r2r_kind kind)
{
    fftw_iodim64 t, how[IR_MAX_RANK];
    int h = pass_dims(s, s, a, &t, how);
    run_plan(fftw_plan_guru64_r2r(1, &t, h, how, buf, buf, &kind, FFTW_ESTIMATE), "r2r");
}

/* ---- buffers ---------------------------------------------------------------- */

static double *load_real(const PdrtTensor *x)
{
    int64_t cnt = pdrt_numel(x);
    double *b = pd_xmalloc((size_t)(cnt + 1) * sizeof *b);
    for (int64_t i = 0; i < cnt; i++)
        b[i] = interp_ld_real(x->data, x->dtype, i);
    return b;
}

/* x as double complex in layout s: each axis cropped or zero-padded. */
static Cplx *load_cplx(const PdrtTensor *x, const Shape *s)
{
    int64_t cnt = interp_numel(s->dims, s->rank), xst[IR_MAX_RANK], dims[IR_MAX_RANK];
    Cplx *b = pd_xcalloc((size_t)(cnt + 1), sizeof *b);
    interp_strides(x->dims, x->rank, xst);
    for (uint32_t d = 0; d < s->rank; d++)
        dims[d] = x->dims[d] < s->dims[d] ? x->dims[d] : s->dims[d];
    int64_t common = interp_numel(dims, s->rank), idx[IR_MAX_RANK] = {0};
    for (int64_t i = 0; i < common; i++) {
        int64_t xo = 0, bo = 0;
        for (uint32_t d = 0; d < s->rank; d++) {
            xo += idx[d] * xst[d];
            bo += idx[d] * s->st[d];
        }
        b[bo] = interp_ld_cplx(x->data, x->dtype, xo);
        for (uint32_t d = s->rank; d-- > 0;) {
            if (++idx[d] < dims[d])
                break;
            idx[d] = 0;
        }
    }
    return b;
}

static void store_real(PdrtTensor *out, const double *b, double scale)
{
    int64_t cnt = pdrt_numel(out);
    for (int64_t i = 0; i < cnt; i++)
        interp_st_real(out->data, out->dtype, i, b[i] * scale);
}

static void store_cplx(PdrtTensor *out, const Cplx *b, double scale)
{
    int64_t cnt = pdrt_numel(out);
    for (int64_t i = 0; i < cnt; i++)
        interp_st_cplx(out->data, i, b[i] * scale);
}

/* ---- ops --------------------------------------------------------------------- */

typedef struct {
    uint32_t n;
    uint32_t ax[IR_MAX_RANK];
} Axes;

static Axes get_axes(const IrNode *n, uint32_t rank)
{
    uint32_t len;
    const int64_t *v = ir_get_ints(n, "axes", &len);
    Axes a = {.n = len};
    if (len > IR_MAX_RANK)
        pd_die("interp: %s has %u axes", ir_op_info(n->op)->name, len);
    for (uint32_t i = 0; i < len; i++)
        a.ax[i] = (uint32_t)(v[i] < 0 ? v[i] + rank : v[i]);
    return a;
}

static void rfft(const Axes *ax, const PdrtTensor *x, PdrtTensor *out)
{
    Shape rs = shape_of(x->dims, x->rank), cs = shape_of(out->dims, out->rank);
    double *rb = load_real(x);
    Cplx *cb = pd_xcalloc((size_t)pdrt_numel(out) + 1, sizeof *cb);
    r2c_pass(rb, &rs, cb, &cs, ax->ax[ax->n - 1]);
    for (uint32_t i = 0; i + 1 < ax->n; i++)
        c2c_pass(cb, &cs, ax->ax[i], FFTW_FORWARD);
    store_cplx(out, cb, 1.0);
    free(rb);
    free(cb);
}

static void irfft(const Axes *ax, const PdrtTensor *x, PdrtTensor *out)
{
    uint32_t last = ax->ax[ax->n - 1];
    int64_t n = out->dims[last];
    Shape rs = shape_of(out->dims, out->rank), cs = rs;
    cs.dims[last] = n / 2 + 1;
    interp_strides(cs.dims, cs.rank, cs.st);
    Cplx *cb = load_cplx(x, &cs);
    double scale = 1.0;
    for (uint32_t i = 0; i + 1 < ax->n; i++) {
        c2c_pass(cb, &cs, ax->ax[i], FFTW_BACKWARD);
        scale /= (double)out->dims[ax->ax[i]];
    }
    scale /= (double)n;
    int64_t cnt = interp_numel(cs.dims, cs.rank), len = cs.dims[last], step = cs.st[last];
    for (int64_t i = 0; i < cnt; i++) {  /* numpy ignores these imaginary parts */
        int64_t k = i / step % len;
        if (k == 0 || (n % 2 == 0 && k == n / 2))
            cb[i] = creal(cb[i]);
    }
    double *rb = pd_xmalloc(((size_t)pdrt_numel(out) + 1) * sizeof *rb);
    c2r_pass(cb, &cs, rb, &rs, last);
    store_real(out, rb, scale);
    free(rb);
    free(cb);
}

static void fft(const Axes *ax, const PdrtTensor *x, PdrtTensor *out, int sign)
{
    Shape s = shape_of(out->dims, out->rank);
    Cplx *b = load_cplx(x, &s);
    double scale = 1.0;
    for (uint32_t i = 0; i < ax->n; i++) {
        c2c_pass(b, &s, ax->ax[i], sign);
        scale /= (double)s.dims[ax->ax[i]];
    }
    store_cplx(out, b, sign == FFTW_BACKWARD ? scale : 1.0);
    free(b);
}

static void dct(const Axes *ax, const PdrtTensor *x, PdrtTensor *out, bool inverse)
{
    Shape s = shape_of(out->dims, out->rank);
    double *b = load_real(x), scale = 1.0;
    for (uint32_t i = 0; i < ax->n; i++) {
        r2r_pass(b, &s, ax->ax[i], inverse ? FFTW_REDFT01 : FFTW_REDFT10);
        scale /= 2.0 * (double)s.dims[ax->ax[i]];
    }
    store_real(out, b, inverse ? scale : 1.0);
    free(b);
}

/* The flat index of the point mirrored over the listed axes but the last
 * (k -> (n - k) mod n on each). */
static int64_t mirrored(const Shape *s, const Axes *ax, int64_t flat)
{
    int64_t m = flat;
    for (uint32_t i = 0; i + 1 < ax->n; i++) {
        uint32_t a = ax->ax[i];
        int64_t k = flat / s->st[a] % s->dims[a];
        m += ((s->dims[a] - k) % s->dims[a] - k) * s->st[a];
    }
    return m;
}

static void hermitian_project(const IrNode *n, const Axes *ax, const PdrtTensor *x, PdrtTensor *out)
{
    Shape s = shape_of(x->dims, x->rank);
    uint32_t last = ax->ax[ax->n - 1];
    int64_t len = ir_get_int(n, "n"), total = pdrt_numel(x);
    for (int64_t i = 0; i < total; i++) {
        int64_t j = i / s.st[last] % s.dims[last];
        Cplx v = interp_ld_cplx(x->data, x->dtype, i);
        if (j == 0 || (len % 2 == 0 && j == len / 2))
            v = (v + conj(interp_ld_cplx(x->data, x->dtype, mirrored(&s, ax, i)))) / 2;
        interp_st_cplx(out->data, i, v);
    }
}

/* Copies the elements whose index lies inside both shapes (the rest of
 * dst keeps its zeros): cropping, or zero-padding, along any axes. */
static void copy_common(const PdrtTensor *src, PdrtTensor *dst)
{
    Shape ss = shape_of(src->dims, src->rank), ds = shape_of(dst->dims, dst->rank);
    size_t esz = pdrt_dtype_size(dst->dtype);
    for (int64_t i = 0; i < pdrt_numel(dst); i++) {
        int64_t f = 0;
        bool inside = true;
        for (uint32_t d = 0; d < ds.rank; d++) {
            int64_t k = i / ds.st[d] % ds.dims[d];
            inside = inside && k < ss.dims[d];
            f += k * ss.st[d];
        }
        if (inside) memcpy((char *)dst->data + i * (int64_t)esz, (const char *)src->data + f * (int64_t)esz, esz);
    }
}

static uint32_t axis_of(const IrNode *n, uint32_t rank)
{
    int64_t a = ir_get_int(n, "axis");
    return (uint32_t)(a < 0 ? a + rank : a);
}

/* rfft_modes and dct_modes: the full transform along the axis, then its
 * first bins. */
static void pruned_forward(const IrNode *n, const PdrtTensor *x, PdrtTensor *out)
{
    uint32_t a = axis_of(n, x->rank);
    Axes ax = {.n = 1, .ax = {a}};
    PdrtTensor full;
    int64_t dims[IR_MAX_RANK];
    memcpy(dims, x->dims, x->rank * sizeof dims[0]);
    if (n->op == IR_OP_RFFT_MODES) dims[a] = x->dims[a] / 2 + 1;
    if (!pdrt_tensor_alloc(&full, out->dtype, x->rank, dims)) pd_die("out of memory");
    if (n->op == IR_OP_RFFT_MODES) rfft(&ax, x, &full);
    else dct(&ax, x, &full, false);
    copy_common(&full, out);
    pdrt_tensor_free(&full);
}

/* irfft_modes and idct_modes: the inverse of the zero-padded input. */
static void pruned_inverse(const IrNode *n, const PdrtTensor *x, PdrtTensor *out)
{
    Axes ax = {.n = 1, .ax = {axis_of(n, x->rank)}};
    if (n->op == IR_OP_IRFFT_MODES) { /* irfft zero-pads the missing bins itself */
        irfft(&ax, x, out);
        return;
    }
    PdrtTensor padded;
    if (!pdrt_tensor_alloc(&padded, x->dtype, out->rank, out->dims)) pd_die("out of memory");
    copy_common(x, &padded);
    dct(&ax, &padded, out, true);
    pdrt_tensor_free(&padded);
}

void interp_spectral(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    if (n->op == IR_OP_RFFT_MODES || n->op == IR_OP_DCT_MODES) {
        pruned_forward(n, &in[0], out);
        return;
    }
    if (n->op == IR_OP_IRFFT_MODES || n->op == IR_OP_IDCT_MODES) {
        pruned_inverse(n, &in[0], out);
        return;
    }
    Axes ax = get_axes(n, in[0].rank);
    if (pdrt_numel(out) == 0 || pdrt_numel(&in[0]) == 0 || ax.n == 0) {
        if (ax.n == 0 && out->nbytes == in[0].nbytes && out->dtype == in[0].dtype)
            memcpy(out->data, in[0].data, out->nbytes);  /* no axes: identity */
        return;
    }
    switch (n->op) {
    case IR_OP_RFFT: rfft(&ax, &in[0], out); return;
    case IR_OP_IRFFT: irfft(&ax, &in[0], out); return;
    case IR_OP_FFT: fft(&ax, &in[0], out, FFTW_FORWARD); return;
    case IR_OP_IFFT: fft(&ax, &in[0], out, FFTW_BACKWARD); return;
    case IR_OP_DCT: dct(&ax, &in[0], out, false); return;
    case IR_OP_IDCT: dct(&ax, &in[0], out, true); return;
    case IR_OP_HERMITIAN_PROJECT: hermitian_project(n, &ax, &in[0], out); return;
    default: pd_die("interp: %s is not a transform", ir_op_info(n->op)->name);
    }
}
