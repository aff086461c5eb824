/* interp_impl.h — private interface between the interpreter's files.
 *
 * interp.c is the driver: it allocates every result tensor from the
 * node's inferred type (zero-filled) and calls one kernel below.  Kernels
 * never fail: the IR was type-checked when it was built, so a kernel may
 * assume its operands have the shapes ir_infer_type accepted.  Scratch
 * memory comes from pd_xmalloc (which dies cleanly on exhaustion) and is
 * allocated once per op, never per element.
 *
 * Numerics: f32 data is computed in double and rounded once on the store;
 * every sum (matmul, conv, mix, reductions) accumulates in double, c64 in
 * double complex.  Nothing here is an error at run time: inf and nan
 * propagate as in IEEE arithmetic.
 */
#ifndef PD_INTERP_IMPL_H
#define PD_INTERP_IMPL_H

#include <complex.h>
#include <string.h>

#include "interp.h"

typedef double _Complex Cplx;

/* re + i im, exact for inf and nan too (re + im * I is not: inf * I gives
 * nan + inf i).  A complex is laid out as double[2] (C11 6.2.5p13); glibc
 * defines CMPLX for gcc only. */
static inline Cplx interp_cplx(double re, double im)
{
    double p[2] = {re, im};
    Cplx z;
    memcpy(&z, p, sizeof z);
    return z;
}

/* ---- shapes (interp.c) ------------------------------------------------ */
/* C-order strides in elements.  OUT: st[0..rank). */
void interp_strides(const int64_t *dims, uint32_t rank, int64_t *st);
/* Per-spatial-axis attribute (stride, padding, ...) for axis d of nsp. */
int64_t interp_spatial_attr(const IrNode *n, const char *key, uint32_t d, uint32_t nsp);
int64_t interp_numel(const int64_t *dims, uint32_t rank);

/* Element access by dtype, for kernels that are not speed critical
 * enough to specialize per dtype. */
static inline double interp_ld_real(const void *p, PdrtDType dt, int64_t i)
{
    switch (dt) {
    case PDRT_F32: return ((const float *)p)[i];
    case PDRT_F64: return ((const double *)p)[i];
    case PDRT_I64: return (double)((const int64_t *)p)[i];
    case PDRT_C64: return ((const float *)p)[2 * i];
    }
    return 0;
}

static inline Cplx interp_ld_cplx(const void *p, PdrtDType dt, int64_t i)
{
    if (dt == PDRT_C64) {
        const float *f = (const float *)p + 2 * i;
        return interp_cplx(f[0], f[1]);
    }
    return interp_cplx(interp_ld_real(p, dt, i), 0.0);
}

/* Converts as x86 does (cvttsd2si): truncation toward zero; nan and out of
 * range give INT64_MIN.  A plain C cast would be undefined there. */
static inline int64_t interp_to_i64(double v)
{
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
        return INT64_MIN;
    return (int64_t)v;
}

static inline void interp_st_real(void *p, PdrtDType dt, int64_t i, double v)
{
    switch (dt) {
    case PDRT_F32: ((float *)p)[i] = (float)v; break;
    case PDRT_F64: ((double *)p)[i] = v; break;
    case PDRT_I64: ((int64_t *)p)[i] = interp_to_i64(v); break;
    case PDRT_C64:
        ((float *)p)[2 * i] = (float)v;
        ((float *)p)[2 * i + 1] = 0.0f;
        break;
    }
}

static inline void interp_st_cplx(void *p, int64_t i, Cplx v)
{
    ((float *)p)[2 * i] = (float)creal(v);
    ((float *)p)[2 * i + 1] = (float)cimag(v);
}

/* ---- kernels ------------------------------------------------------------
 * Each takes the node (for its op and attributes), its operand tensors
 * in[0..n->nin) and the allocated, zeroed result out. */

/* interp_elementwise.c: unary, binary (numpy broadcasting), where,
 * complex, real, imag, conj, cast. */
void interp_elementwise(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);

/* interp_linalg.c */
void interp_matmul(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);
void interp_conv(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);
void interp_mix(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);

/* interp_reduce.c: sum, mean, reduce_max, reduce_min, softmax, layer_norm */
void interp_reduce(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);
void interp_softmax(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);
void interp_layer_norm(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);

/* interp_move.c */
void interp_reshape(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);
void interp_transpose(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);
void interp_slice(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);
void interp_pad(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);
void interp_concat(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);
void interp_broadcast(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);
void interp_gather(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);

/* interp_fft.c: rfft, irfft, fft, ifft, dct, idct */
void interp_spectral(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);

/* interp_pool.c: maxpool1d/2d, avgpool1d/2d */
void interp_pool(const IrNode *n, const PdrtTensor *in, PdrtTensor *out);

#endif
