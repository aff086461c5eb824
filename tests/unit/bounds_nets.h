/* bounds_nets.h — graph builders shared by the bounds unit tests
 * (test_bounds.c, test_bounds_affine.c): constants, one- and two-operand
 * ops, a seeded random number, a network with every transform kind, and
 * the sampled soundness check.
 * Static inline, so that a test that uses only some of them builds
 * without unused-function warnings. */
#ifndef PD_TESTS_BOUNDS_NETS_H
#define PD_TESTS_BOUNDS_NETS_H
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backends/interp/interp.h"
#include "ir/ir.h"
#include "runtime/pdrt.h"

static inline IrId cst(IrGraph *g, uint32_t rank, const int64_t *dims, const float *v) {
    IrType t = {.dtype = IR_F32, .rank = rank};
    memcpy(t.dims, dims, rank * sizeof *dims);
    return ir_add_const(g, t, v, src_none());
}

static inline IrId cst_c64(IrGraph *g, uint32_t rank, const int64_t *dims, const float *v) {
    IrType t = {.dtype = IR_C64, .rank = rank};
    memcpy(t.dims, dims, rank * sizeof *dims);
    return ir_add_const(g, t, v, src_none());
}

static inline IrId op2(IrGraph *g, IrOpKind op, IrId a, IrId b) {
    IrId in[2] = {a, b};
    return ir_add(g, op, in, 2, NULL, 0, src_none(), NULL, 0);
}

static inline IrId op1(IrGraph *g, IrOpKind op, IrId a) { return ir_add(g, op, &a, 1, NULL, 0, src_none(), NULL, 0); }

static inline IrId op_attrs(IrGraph *g, IrOpKind op, IrId a, const IrAttr *at, uint32_t na) {
    IrId r = ir_add(g, op, &a, 1, at, na, src_none(), NULL, 0);
    assert_true(r != IR_NONE);
    return r;
}

static inline float frand(unsigned *seed) { return (float)rand_r(seed) / (float)RAND_MAX * 2 - 1; }

/* Every other transform and complex op: rfft and irfft over two axes,
 * fft, conj, ifft, complex slice and pad, real, imag, dct, idct, the
 * pruned forms, real mix. */
static inline IrGraph *spectral_net(unsigned seed) {
    IrGraph *g = ir_graph_new("spec");
    IrType tx = {.dtype = IR_F32, .rank = 4, .dims = {1, 6, 4, 2}};
    IrId x = ir_add_input(g, "x", tx, src_none());
    float w[256];
    for (int i = 0; i < 256; i++) w[i] = frand(&seed) * 0.3f;
    IrAttr a12 = ir_attr_ints("axes", (int64_t[]){1, 2}, 2), a1 = ir_attr_ints("axes", (int64_t[]){1}, 1);
    IrAttr a2 = ir_attr_ints("axes", (int64_t[]){2}, 1);
    IrId c = op_attrs(g, IR_OP_RFFT, x, &a12, 1);                                                /* c64[1,6,3,2] */
    IrId e = op_attrs(g, IR_OP_IFFT, op1(g, IR_OP_CONJ, op_attrs(g, IR_OP_FFT, c, &a1, 1)), &a1, 1);
    IrAttr sl[] = {ir_attr_ints("starts", (int64_t[]){0, 1, 0, 0}, 4), ir_attr_ints("ends", (int64_t[]){1, 5, 2, 2}, 4),
                   ir_attr_ints("steps", (int64_t[]){1, 1, 1, 1}, 4)};
    IrAttr pd = ir_attr_ints("pads", (int64_t[]){0, 0, 1, 1, 0, 1, 0, 0}, 8);
    IrId p = op_attrs(g, IR_OP_PAD, op_attrs(g, IR_OP_SLICE, e, sl, 3), &pd, 1);              /* c64[1,6,3,2] */
    IrAttr ia[] = {ir_attr_ints("axes", (int64_t[]){1, 2}, 2), ir_attr_ints("n", (int64_t[]){6, 4}, 2)};
    IrId r = op_attrs(g, IR_OP_IRFFT, p, ia, 2);                                                /* f32[1,6,4,2] */
    IrId u = op_attrs(g, IR_OP_IDCT, op1(g, IR_OP_TANH, op_attrs(g, IR_OP_DCT, r, &a2, 1)), &a1, 1);
    IrId q = op2(g, IR_OP_SUB, op1(g, IR_OP_RELU, op1(g, IR_OP_REAL, e)), op1(g, IR_OP_IMAG, e)); /* f32[1,6,3,2] */
    IrAttr rm[] = {ir_attr_int("axis", 1), ir_attr_int("modes", 3)};
    IrId cm = op_attrs(g, IR_OP_RFFT_MODES, q, rm, 2);                                          /* c64[1,3,3,2] */
    IrAttr im[] = {ir_attr_int("axis", 1), ir_attr_int("n", 5)};
    IrId v = op_attrs(g, IR_OP_IRFFT_MODES, cm, im, 2);                                         /* f32[1,5,3,2] */
    IrAttr dm[] = {ir_attr_int("axis", 2), ir_attr_int("modes", 2)};
    IrAttr dn[] = {ir_attr_int("axis", 2), ir_attr_int("n", 3)};
    v = op_attrs(g, IR_OP_IDCT_MODES, op_attrs(g, IR_OP_DCT_MODES, v, dm, 2), dn, 2);
    v = op2(g, IR_OP_MIX, v, cst(g, 4, (int64_t[]){2, 2, 5, 3}, w + 100));
    IrAttr f1 = ir_attr_ints("shape", (int64_t[]){1, 48}, 2), f2 = ir_attr_ints("shape", (int64_t[]){1, 30}, 2);
    IrId y = op2(g, IR_OP_ADD, op2(g, IR_OP_MATMUL, op_attrs(g, IR_OP_RESHAPE, u, &f1, 1), cst(g, 2, (int64_t[]){48, 2}, w)),
                 op2(g, IR_OP_MATMUL, op_attrs(g, IR_OP_RESHAPE, v, &f2, 1), cst(g, 2, (int64_t[]){30, 2}, w + 160)));
    ir_add_output(g, "y", y, src_none());
    return g;
}

/* Samples points of the box [lo, hi] of input node 0 (its two corners
 * first) through the interpreter: each of the m outputs must lie within
 * [blo - tol, bhi + tol], tol = rel_tol (1 + |value|). */
static inline void check_sound_n(IrGraph *g, const double *lo, const double *hi, int64_t n, const double *blo,
                                 const double *bhi, int64_t m, unsigned seed, double rel_tol, int samples) {
    PdrtTensor x, y;
    const IrType *t = &ir_node(g, 0)->type;
    pdrt_tensor_alloc(&x, PDRT_F32, t->rank, t->dims);
    assert_int_equal(pdrt_numel(&x), n);
    char err[256];
    for (int s = 0; s < samples; s++) {
        for (int64_t i = 0; i < n; i++) {
            double u = s < 2 ? s : (double)rand_r(&seed) / RAND_MAX;
            ((float *)x.data)[i] = (float)(lo[i] + u * (hi[i] - lo[i]));
        }
        assert_true(interp_run(g, &x, 1, &y, 1, err, sizeof err));
        for (int64_t j = 0; j < m; j++) {
            double v = ((float *)y.data)[j], tol = rel_tol * (1 + fabs(v));
            if (!(v >= blo[j] - tol && v <= bhi[j] + tol))
                fail_msg("sample %d output %lld: %g not in [%g, %g]", s, (long long)j, v, blo[j], bhi[j]);
        }
        pdrt_tensor_free(&y);
    }
    pdrt_tensor_free(&x);
}

#endif
