/* test_interp.c — the reference interpreter, op by op.
 *
 * Each test builds a small graph (inputs, one op, one output) with ir_add,
 * runs it through interp_run and compares with values computed by hand,
 * by a naive formula written out here (conv, matmul, mix, DFT, DCT), or,
 * where neither is practical, with numpy's output pasted as literals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/interp/interp.h"

typedef double _Complex Cplx;

#define PI 3.14159265358979323846

/* ---- harness --------------------------------------------------------------- */

typedef struct {
    IrDType dt;
    uint32_t rank;
    int64_t dims[IR_MAX_RANK];
    const void *data;
} Arg;

static Arg arg(IrDType dt, const void *data, uint32_t rank, const int64_t *dims)
{
    Arg a = {.dt = dt, .rank = rank, .data = data};
    for (uint32_t i = 0; i < rank; i++)
        a.dims[i] = dims[i];
    return a;
}

#define DIMS(...) (sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), ((int64_t[]){__VA_ARGS__})
#define A(dt, data, ...) arg(dt, data, DIMS(__VA_ARGS__))
#define A0(dt, data) arg(dt, data, 0, NULL)
#define INTS(key, ...) ir_attr_ints(key, (int64_t[]){__VA_ARGS__}, \
                                    sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

static const SrcLoc NOLOC = {0};
static const char *const NAMES[] = {"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"};

static IrType type_of(const Arg *a)
{
    IrType t = {.dtype = a->dt, .rank = a->rank};
    memcpy(t.dims, a->dims, a->rank * sizeof a->dims[0]);
    return t;
}

static PdrtTensor tensor_of(const Arg *a)
{
    PdrtTensor t = {.dtype = (PdrtDType)a->dt, .rank = a->rank, .data = (void *)a->data};
    memcpy(t.dims, a->dims, a->rank * sizeof a->dims[0]);
    IrType ty = type_of(a);
    t.nbytes = (size_t)ir_type_numel(&ty) * ir_dtype_size(a->dt);
    return t;
}

/* Runs op on inputs args[0..n) and returns its one result. */
static PdrtTensor run_op(IrOpKind op, const Arg *args, uint32_t n, const IrAttr *attrs,
                         uint32_t na)
{
    IrGraph *g = ir_graph_new("t");
    IrId ids[8];
    PdrtTensor ins[8];
    char err[512];
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = ir_add_input(g, NAMES[i], type_of(&args[i]), NOLOC);
        ins[i] = tensor_of(&args[i]);
    }
    IrId r = ir_add(g, op, ids, n, attrs, na, NOLOC, err, sizeof err);
    if (r == IR_NONE)
        fail_msg("ir_add(%s): %s", ir_op_info(op)->name, err);
    ir_add_output(g, "y", r, NOLOC);
    PdrtTensor out;
    if (!interp_run(g, ins, n, &out, 1, err, sizeof err))
        fail_msg("interp_run(%s): %s", ir_op_info(op)->name, err);
    ir_graph_free(g);
    return out;
}

static PdrtTensor run1(IrOpKind op, Arg a, const IrAttr *attrs, uint32_t na)
{
    return run_op(op, &a, 1, attrs, na);
}

static PdrtTensor run2(IrOpKind op, Arg a, Arg b, const IrAttr *attrs, uint32_t na)
{
    Arg args[2] = {a, b};
    return run_op(op, args, 2, attrs, na);
}

static void check_shape(const PdrtTensor *t, PdrtDType dt, uint32_t rank, const int64_t *dims)
{
    (void)dims; /* NULL for rank 0 */
    assert_int_equal(t->dtype, dt);
    assert_int_equal(t->rank, rank);
    for (uint32_t i = 0; i < rank; i++)
        assert_int_equal(t->dims[i], dims[i]);
}
#define SHAPE(t, dt, ...) check_shape(t, dt, DIMS(__VA_ARGS__))

static double value_at(const PdrtTensor *t, int64_t i)
{
    switch (t->dtype) {
    case PDRT_F32: return ((const float *)t->data)[i];
    case PDRT_F64: return ((const double *)t->data)[i];
    case PDRT_I64: return (double)((const int64_t *)t->data)[i];
    case PDRT_C64: return ((const float *)t->data)[2 * i];
    }
    return 0;
}

/* |got - want| <= tol * max(1, max |want|) for every element. */
static void check_real(const PdrtTensor *t, const double *want, int64_t n, double tol)
{
    assert_int_equal(pdrt_numel(t), n);
    double scale = 1;
    for (int64_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (int64_t i = 0; i < n; i++) {
        double got = value_at(t, i);
        if (isnan(want[i]) ? !isnan(got) : !(fabs(got - want[i]) <= tol * scale))
            fail_msg("element %lld: got %.9g, want %.9g", (long long)i, got, want[i]);
    }
}

static void check_cplx(const PdrtTensor *t, const Cplx *want, int64_t n, double tol)
{
    assert_int_equal(t->dtype, PDRT_C64);
    assert_int_equal(pdrt_numel(t), n);
    double scale = 1;
    for (int64_t i = 0; i < n; i++)
        scale = fmax(scale, cabs(want[i]));
    const float *f = t->data;
    for (int64_t i = 0; i < n; i++) {
        Cplx got = f[2 * i] + f[2 * i + 1] * I;
        if (!(cabs(got - want[i]) <= tol * scale))
            fail_msg("element %lld: got %.9g%+.9gi, want %.9g%+.9gi", (long long)i, creal(got),
                     cimag(got), creal(want[i]), cimag(want[i]));
    }
}

#define CHECK(t, tol, ...) check_real(t, (double[]){__VA_ARGS__}, \
                                      sizeof((double[]){__VA_ARGS__}) / sizeof(double), tol)

static void check_i64(const PdrtTensor *t, const int64_t *want, int64_t n)
{
    assert_int_equal(t->dtype, PDRT_I64);
    assert_int_equal(pdrt_numel(t), n);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(((const int64_t *)t->data)[i], want[i]);
}

/* Deterministic data in [-1, 1). */
static void fill(float *a, int64_t n, uint32_t seed)
{
    uint32_t s = seed * 2654435761u + 12345u;
    for (int64_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        a[i] = (float)((s >> 8) / 8388608.0 - 1.0);
    }
}

static void fill_c(float *a, int64_t n, uint32_t seed) { fill(a, 2 * n, seed); }

static Cplx cget(const float *a, int64_t i) { return a[2 * i] + a[2 * i + 1] * I; }

static void free_t(PdrtTensor *t) { pdrt_tensor_free(t); }

#define TOL 1e-6

/* ---- elementwise ---------------------------------------------------------- */

static void binary_ops_broadcast_numpy_style(void **state)
{
    (void)state;
    float a[6] = {1, 2, 3, 4, 5, 6}, row[3] = {10, 20, 30}, col[2] = {100, 200}, s = 0.5f;
    PdrtTensor t = run2(IR_OP_ADD, A(IR_F32, a, 2, 3), A(IR_F32, row, 3), NULL, 0);
    SHAPE(&t, PDRT_F32, 2, 3);
    CHECK(&t, 0, 11, 22, 33, 14, 25, 36);
    free_t(&t);
    t = run2(IR_OP_SUB, A(IR_F32, col, 2, 1), A(IR_F32, row, 1, 3), NULL, 0);
    SHAPE(&t, PDRT_F32, 2, 3);
    CHECK(&t, 0, 90, 80, 70, 190, 180, 170);
    free_t(&t);
    t = run2(IR_OP_MUL, A0(IR_F32, &s), A(IR_F32, a, 2, 3), NULL, 0);
    CHECK(&t, 0, 0.5, 1, 1.5, 2, 2.5, 3);
    free_t(&t);
    t = run2(IR_OP_DIV, A(IR_F32, a, 1, 2, 3), A(IR_F32, col, 2, 1, 1), NULL, 0);
    SHAPE(&t, PDRT_F32, 2, 2, 3);
    CHECK(&t, 1e-7, .01, .02, .03, .04, .05, .06, .005, .01, .015, .02, .025, .03);
    free_t(&t);
    t = run2(IR_OP_POW, A(IR_F32, a, 6), A0(IR_F32, &s), NULL, 0);
    CHECK(&t, 1e-7, 1, sqrt(2), sqrt(3), 2, sqrt(5), sqrt(6));
    free_t(&t);
}

static void max_min_propagate_nan(void **state)
{
    (void)state;
    double a[4] = {1, NAN, -3, 4}, b[4] = {2, 0, NAN, -4};
    PdrtTensor t = run2(IR_OP_MAX, A(IR_F64, a, 4), A(IR_F64, b, 4), NULL, 0);
    CHECK(&t, 0, 2, NAN, NAN, 4);
    free_t(&t);
    t = run2(IR_OP_MIN, A(IR_F64, a, 4), A(IR_F64, b, 4), NULL, 0);
    CHECK(&t, 0, 1, NAN, NAN, -4);
    free_t(&t);
    float x = 1.0f, z = 0.0f;  /* numeric errors are values, not errors */
    t = run2(IR_OP_DIV, A0(IR_F32, &x), A0(IR_F32, &z), NULL, 0);
    assert_true(isinf(value_at(&t, 0)));
    free_t(&t);
}

static void integer_ops_are_exact(void **state)
{
    (void)state;
    int64_t a[5] = {7, -7, 9, INT64_MAX, 3}, b[5] = {2, 2, 0, 1, 4};
    PdrtTensor t = run2(IR_OP_DIV, A(IR_I64, a, 5), A(IR_I64, b, 5), NULL, 0);
    check_i64(&t, (int64_t[]){3, -3, 0, INT64_MAX, 0}, 5);
    free_t(&t);
    t = run2(IR_OP_ADD, A(IR_I64, a, 5), A(IR_I64, b, 5), NULL, 0);
    check_i64(&t, (int64_t[]){9, -5, 9, INT64_MIN, 7}, 5); /* wraps */
    free_t(&t);
    t = run2(IR_OP_POW, A(IR_I64, a, 5), A(IR_I64, b, 5), NULL, 0);
    check_i64(&t, (int64_t[]){49, 49, 1, INT64_MAX, 81}, 5);
    free_t(&t);
    t = run2(IR_OP_MAX, A(IR_I64, a, 5), A(IR_I64, b, 5), NULL, 0);
    check_i64(&t, (int64_t[]){7, 2, 9, INT64_MAX, 4}, 5);
    free_t(&t);
    t = run1(IR_OP_NEG, A(IR_I64, a, 5), NULL, 0);
    check_i64(&t, (int64_t[]){-7, 7, -9, -INT64_MAX, -3}, 5);
    free_t(&t);
    t = run1(IR_OP_RELU, A(IR_I64, a, 5), NULL, 0);
    check_i64(&t, (int64_t[]){7, 0, 9, INT64_MAX, 3}, 5);
    free_t(&t);
}

typedef double (*RealFn)(double);
static double f_neg(double x) { return -x; }
static double f_rsqrt(double x) { return 1 / sqrt(x); }
static double f_sigmoid(double x) { return 1 / (1 + exp(-x)); }
static double f_relu(double x) { return x > 0 ? x : 0; }

static void unary_ops_match_libm(void **state)
{
    (void)state;
    static const struct { IrOpKind op; RealFn f; } cases[] = {
        {IR_OP_NEG, f_neg}, {IR_OP_ABS, fabs}, {IR_OP_EXP, exp}, {IR_OP_LOG, log},
        {IR_OP_SQRT, sqrt}, {IR_OP_RSQRT, f_rsqrt}, {IR_OP_TANH, tanh},
        {IR_OP_SIGMOID, f_sigmoid}, {IR_OP_RELU, f_relu}, {IR_OP_SIN, sin}, {IR_OP_COS, cos},
        {IR_OP_ERF, erf},
    };
    float x[6] = {0.25f, 1.5f, 3.0f, 0.01f, 7.0f, 0.5f}, xn[6] = {-2, -0.5f, 0, 0.5f, 1, 3};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bool pos = cases[c].op == IR_OP_LOG || cases[c].op == IR_OP_SQRT ||
                   cases[c].op == IR_OP_RSQRT;
        const float *in = pos ? x : xn;
        double want[6];
        for (int i = 0; i < 6; i++)
            want[i] = (float)cases[c].f(in[i]);  /* double, rounded once */
        PdrtTensor t = run1(cases[c].op, A(IR_F32, in, 6), NULL, 0);
        SHAPE(&t, PDRT_F32, 6);
        for (int i = 0; i < 6; i++)
            if (value_at(&t, i) != want[i])
                fail_msg("%s(%g): got %.9g, want %.9g", ir_op_info(cases[c].op)->name, in[i],
                         value_at(&t, i), want[i]);
        free_t(&t);
    }
    /* torch.nn.functional.gelu (erf form) on float32, from numpy/scipy */
    PdrtTensor t = run1(IR_OP_GELU, A(IR_F32, xn, 6), NULL, 0);
    CHECK(&t, 0, -0.0455002635717392, -0.1542687714099884, 0.0, 0.3457312285900116,
          0.8413447737693787, 2.995950222015381);
    free_t(&t);
    IrAttr alpha = ir_attr_float("alpha", 0.2);
    t = run1(IR_OP_LEAKY_RELU, A(IR_F32, xn, 6), &alpha, 1);
    CHECK(&t, 1e-7, -0.4, -0.1, 0, 0.5, 1, 3);
    free_t(&t);
    t = run1(IR_OP_LEAKY_RELU, A(IR_F32, xn, 6), NULL, 0);  /* default alpha 0.01 */
    CHECK(&t, 1e-7, -0.02, -0.005, 0, 0.5, 1, 3);
    free_t(&t);
}

static void cast_between_dtypes(void **state)
{
    (void)state;
    float x[4] = {-2.7f, 2.7f, 0.5f, 1e20f};
    IrAttr to = ir_attr_dtype("dtype", IR_I64);
    PdrtTensor t = run1(IR_OP_CAST, A(IR_F32, x, 4), &to, 1);
    check_i64(&t, (int64_t[]){-2, 2, 0, INT64_MIN}, 4); /* truncation; out of range as x86 */
    free_t(&t);
    int64_t i[3] = {3, -4, (1LL << 53) + 1};
    to = ir_attr_dtype("dtype", IR_F64);
    t = run1(IR_OP_CAST, A(IR_I64, i, 3), &to, 1);
    CHECK(&t, 0, 3, -4, 9007199254740992.0);
    free_t(&t);
    to = ir_attr_dtype("dtype", IR_C64);
    t = run1(IR_OP_CAST, A(IR_F32, x, 3), &to, 1);
    check_cplx(&t, (Cplx[]){-2.7f, 2.7f, 0.5f}, 3, 0);
    free_t(&t);
    double d[2] = {0.1, 1e300};
    to = ir_attr_dtype("dtype", IR_F32);
    t = run1(IR_OP_CAST, A(IR_F64, d, 2), &to, 1);
    assert_true(((float *)t.data)[0] == 0.1f);
    assert_true(isinf(((float *)t.data)[1]));
    free_t(&t);
}

static void complex_arithmetic(void **state)
{
    (void)state;
    float a[4] = {1, 2, 3, -1}, b[4] = {0.5f, -1, 2, 2}; /* 1+2i, 3-i; 0.5-i, 2+2i */
    Cplx ca[2] = {1 + 2 * I, 3 - I}, cb[2] = {0.5 - I, 2 + 2 * I};
    IrOpKind ops[4] = {IR_OP_ADD, IR_OP_SUB, IR_OP_MUL, IR_OP_DIV};
    for (int k = 0; k < 4; k++) {
        Cplx want[2];
        for (int i = 0; i < 2; i++)
            want[i] = k == 0 ? ca[i] + cb[i] : k == 1 ? ca[i] - cb[i]
                    : k == 2 ? ca[i] * cb[i] : ca[i] / cb[i];
        PdrtTensor t = run2(ops[k], A(IR_C64, a, 2), A(IR_C64, b, 2), NULL, 0);
        check_cplx(&t, want, 2, 3e-7);
        free_t(&t);
    }
    float s[2] = {2, 0}; /* broadcast a c64 scalar */
    PdrtTensor t = run2(IR_OP_MUL, A(IR_C64, a, 2), A0(IR_C64, s), NULL, 0);
    check_cplx(&t, (Cplx[]){2 + 4 * I, 6 - 2 * I}, 2, 0);
    free_t(&t);
    t = run1(IR_OP_NEG, A(IR_C64, a, 2), NULL, 0);
    check_cplx(&t, (Cplx[]){-1 - 2 * I, -3 + I}, 2, 0);
    free_t(&t);
    t = run1(IR_OP_CONJ, A(IR_C64, a, 2), NULL, 0);
    check_cplx(&t, (Cplx[]){1 - 2 * I, 3 + I}, 2, 0);
    free_t(&t);
    t = run1(IR_OP_REAL, A(IR_C64, a, 2), NULL, 0);
    SHAPE(&t, PDRT_F32, 2);
    CHECK(&t, 0, 1, 3);
    free_t(&t);
    t = run1(IR_OP_IMAG, A(IR_C64, a, 2), NULL, 0);
    SHAPE(&t, PDRT_F32, 2);
    CHECK(&t, 0, 2, -1);
    free_t(&t);
    float re[2] = {1, 2}, im[1] = {-3};
    t = run2(IR_OP_COMPLEX, A(IR_F32, re, 2), A(IR_F32, im, 1), NULL, 0);
    check_cplx(&t, (Cplx[]){1 - 3 * I, 2 - 3 * I}, 2, 0);
    free_t(&t);
}

static void where_broadcasts_all_three(void **state)
{
    (void)state;
    float c[3] = {1, 0, -2}, a[2] = {10, 20}, b = -1;
    Arg args[3] = {A(IR_F32, c, 1, 3), A(IR_F32, a, 2, 1), A0(IR_F32, &b)};
    PdrtTensor t = run_op(IR_OP_WHERE, args, 3, NULL, 0);
    SHAPE(&t, PDRT_F32, 2, 3);
    CHECK(&t, 0, 10, -1, 10, 20, -1, 20);
    free_t(&t);
    int64_t ci[2] = {0, 5};
    float za[4] = {1, 1, 2, 2}, zb[4] = {-1, -1, -2, -2};
    Arg cargs[3] = {A(IR_I64, ci, 2), A(IR_C64, za, 2), A(IR_C64, zb, 2)};
    t = run_op(IR_OP_WHERE, cargs, 3, NULL, 0);
    check_cplx(&t, (Cplx[]){-1 - I, 2 + 2 * I}, 2, 0);
    free_t(&t);
}

/* ---- contractions -------------------------------------------------------------- */

static void matmul_by_hand(void **state)
{
    (void)state;
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 2, -1};
    PdrtTensor t = run2(IR_OP_MATMUL, A(IR_F32, a, 2, 3), A(IR_F32, b, 3, 2), NULL, 0);
    SHAPE(&t, PDRT_F32, 2, 2);
    CHECK(&t, 0, 7, -1, 16, -1);
    free_t(&t);
    int64_t ia[4] = {1, 2, 3, 4}, ib[4] = {5, 6, 7, 8};
    t = run2(IR_OP_MATMUL, A(IR_I64, ia, 2, 2), A(IR_I64, ib, 2, 2), NULL, 0);
    check_i64(&t, (int64_t[]){19, 22, 43, 50}, 4);
    free_t(&t);
    float ca[4] = {1, 1, 0, 2}, cb[4] = {1, -1, 3, 0}; /* [1+i, 2i] @ [[1-i], [3]] */
    t = run2(IR_OP_MATMUL, A(IR_C64, ca, 1, 2), A(IR_C64, cb, 2, 1), NULL, 0);
    check_cplx(&t, (Cplx[]){2 + 6 * I}, 1, 0);
    free_t(&t);
}

/* a [2,1,3,4] @ b [3,4,5] -> [2,3,3,5], against the naive triple loop */
static void matmul_broadcasts_batch_dims(void **state)
{
    (void)state;
    float a[2 * 3 * 4], b[3 * 4 * 5];
    fill(a, 24, 1);
    fill(b, 60, 2);
    PdrtTensor t = run2(IR_OP_MATMUL, A(IR_F32, a, 2, 1, 3, 4), A(IR_F32, b, 3, 4, 5), NULL, 0);
    SHAPE(&t, PDRT_F32, 2, 3, 3, 5);
    double want[2 * 3 * 3 * 5];
    for (int p = 0; p < 2; p++)
        for (int q = 0; q < 3; q++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 5; j++) {
                    double s = 0;
                    for (int k = 0; k < 4; k++)
                        s += (double)a[(p * 3 + i) * 4 + k] * b[(q * 4 + k) * 5 + j];
                    want[((p * 3 + q) * 3 + i) * 5 + j] = s;
                }
    check_real(&t, want, 90, 1e-7);
    free_t(&t);
    /* a lower-rank a broadcasts too: [3,4] @ [2,4,5] */
    float b2[2 * 4 * 5];
    fill(b2, 40, 3);
    t = run2(IR_OP_MATMUL, A(IR_F32, a, 3, 4), A(IR_F32, b2, 2, 4, 5), NULL, 0);
    SHAPE(&t, PDRT_F32, 2, 3, 5);
    for (int q = 0; q < 2; q++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 5; j++) {
                double s = 0;
                for (int k = 0; k < 4; k++)
                    s += (double)a[i * 4 + k] * b2[(q * 4 + k) * 5 + j];
                want[(q * 3 + i) * 5 + j] = s;
            }
    check_real(&t, want, 30, 1e-7);
    free_t(&t);
}

typedef struct {
    int b, h, w, cin, cout, kh, kw, sh, sw, ph, pw, dh, dw, groups;
} ConvCase;

static int conv_out(int n, int k, int s, int p, int d) { return (n + 2 * p - d * (k - 1) - 1) / s + 1; }

/* PyTorch's definition, written out for channels-last x and PyTorch w. */
static void naive_conv(const ConvCase *c, const float *x, const float *w, const float *bias,
                       double *out)
{
    int oh = conv_out(c->h, c->kh, c->sh, c->ph, c->dh), ow = conv_out(c->w, c->kw, c->sw, c->pw, c->dw);
    int cig = c->cin / c->groups, cog = c->cout / c->groups;
    for (int b = 0; b < c->b; b++)
        for (int y = 0; y < oh; y++)
            for (int xx = 0; xx < ow; xx++)
                for (int o = 0; o < c->cout; o++) {
                    double s = bias ? bias[o] : 0;
                    int g = o / cog;
                    for (int i = 0; i < cig; i++)
                        for (int ky = 0; ky < c->kh; ky++)
                            for (int kx = 0; kx < c->kw; kx++) {
                                int iy = y * c->sh - c->ph + ky * c->dh;
                                int ix = xx * c->sw - c->pw + kx * c->dw;
                                if (iy < 0 || iy >= c->h || ix < 0 || ix >= c->w)
                                    continue;
                                s += (double)x[((b * c->h + iy) * c->w + ix) * c->cin + g * cig + i] *
                                     w[((o * cig + i) * c->kh + ky) * c->kw + kx];
                            }
                    out[((b * oh + y) * ow + xx) * c->cout + o] = s;
                }
}

static void run_conv_case(const ConvCase *c, bool two_d)
{
    int oh = conv_out(c->h, c->kh, c->sh, c->ph, c->dh), ow = conv_out(c->w, c->kw, c->sw, c->pw, c->dw);
    int64_t nx = (int64_t)c->b * c->h * c->w * c->cin, nw = (int64_t)c->cout * (c->cin / c->groups) * c->kh * c->kw;
    int64_t no = (int64_t)c->b * oh * ow * c->cout;
    float *x = malloc((size_t)nx * sizeof *x), *w = malloc((size_t)nw * sizeof *w);
    double *want = malloc((size_t)no * sizeof *want);
    fill(x, nx, 11);
    fill(w, nw, 12);
    naive_conv(c, x, w, NULL, want);
    IrAttr at[4];
    PdrtTensor t;
    at[3] = ir_attr_int("groups", c->groups);
    if (two_d) {
        at[0] = INTS("stride", c->sh, c->sw);
        at[1] = INTS("padding", c->ph, c->pw);
        at[2] = INTS("dilation", c->dh, c->dw);
        t = run2(IR_OP_CONV2D, A(IR_F32, x, c->b, c->h, c->w, c->cin),
                 A(IR_F32, w, c->cout, c->cin / c->groups, c->kh, c->kw), at, 4);
        SHAPE(&t, PDRT_F32, c->b, oh, ow, c->cout);
    } else {
        at[0] = INTS("stride", c->sw);
        at[1] = INTS("padding", c->pw);
        at[2] = INTS("dilation", c->dw);
        t = run2(IR_OP_CONV1D, A(IR_F32, x, c->b, c->w, c->cin),
                 A(IR_F32, w, c->cout, c->cin / c->groups, c->kw), at, 4);
        SHAPE(&t, PDRT_F32, c->b, ow, c->cout);
    }
    check_real(&t, want, no, 1e-7);
    free_t(&t);
    free(x);
    free(w);
    free(want);
}

static void conv1d_matches_naive_formula(void **state)
{
    (void)state;
    static const ConvCase cases[] = {
        {.b = 2, .h = 1, .w = 9, .cin = 3, .cout = 4, .kh = 1, .kw = 3, .sh = 1, .sw = 1, .ph = 0, .pw = 0, .dh = 1, .dw = 1, .groups = 1},
        {.b = 1, .h = 1, .w = 10, .cin = 4, .cout = 6, .kh = 1, .kw = 3, .sh = 1, .sw = 2, .ph = 0, .pw = 2, .dh = 1, .dw = 2, .groups = 2},
        {.b = 2, .h = 1, .w = 7, .cin = 4, .cout = 4, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .ph = 0, .pw = 0, .dh = 1, .dw = 1, .groups = 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_conv_case(&cases[i], false);
}

static void conv2d_matches_naive_formula(void **state)
{
    (void)state;
    static const ConvCase cases[] = {
        {.b = 1, .h = 5, .w = 5, .cin = 1, .cout = 2, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .ph = 1, .pw = 1, .dh = 1, .dw = 1, .groups = 1},
        {.b = 2, .h = 7, .w = 6, .cin = 4, .cout = 6, .kh = 3, .kw = 2, .sh = 2, .sw = 1, .ph = 1, .pw = 2, .dh = 2, .dw = 1, .groups = 2},
        {.b = 1, .h = 4, .w = 4, .cin = 3, .cout = 3, .kh = 2, .kw = 2, .sh = 2, .sw = 2, .ph = 0, .pw = 0, .dh = 1, .dw = 1, .groups = 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_conv_case(&cases[i], true);
}

/* x [B, S0, S1, Ci], w [Ci, Co, S0, S1]: out[b,s,o] = sum_i x[b,s,i] w[i,o,s] */
static void mix_contracts_channels_per_point(void **state)
{
    (void)state;
    enum { B = 2, S0 = 3, S1 = 2, CI = 4, CO = 3, P = S0 * S1 };
    float x[2 * B * P * CI], w[2 * CI * CO * P];
    fill_c(x, B * P * CI, 21);
    fill_c(w, CI * CO * P, 22);
    Cplx want[B * P * CO];
    for (int b = 0; b < B; b++)
        for (int s = 0; s < P; s++)
            for (int o = 0; o < CO; o++) {
                Cplx acc = 0;
                for (int i = 0; i < CI; i++)
                    acc += cget(x, (b * P + s) * CI + i) * cget(w, (i * CO + o) * P + s);
                want[(b * P + s) * CO + o] = acc;
            }
    PdrtTensor t = run2(IR_OP_MIX, A(IR_C64, x, B, S0, S1, CI), A(IR_C64, w, CI, CO, S0, S1),
                        NULL, 0);
    check_shape(&t, PDRT_C64, DIMS(B, S0, S1, CO));
    check_cplx(&t, want, B * P * CO, 3e-7);
    free_t(&t);
    /* f32, one spatial axis, by hand: x [1,2,2], w [2,1,2] */
    float xr[4] = {1, 2, 3, 4}, wr[4] = {10, 100, 1, 1000};
    t = run2(IR_OP_MIX, A(IR_F32, xr, 1, 2, 2), A(IR_F32, wr, 2, 1, 2), NULL, 0);
    SHAPE(&t, PDRT_F32, 1, 2, 1);
    CHECK(&t, 0, 1 * 10 + 2 * 1, 3 * 100 + 4 * 1000);
    free_t(&t);
}

/* ---- reductions ---------------------------------------------------------------- */

static void sum_and_mean_over_axes(void **state)
{
    (void)state;
    float x[24];
    for (int i = 0; i < 24; i++)
        x[i] = (float)i;  /* [2,3,4] */
    IrAttr at[2] = {INTS("axes", 0, 2), ir_attr_int("keepdims", 1)};
    PdrtTensor t = run1(IR_OP_SUM, A(IR_F32, x, 2, 3, 4), at, 2);
    SHAPE(&t, PDRT_F32, 1, 3, 1);
    CHECK(&t, 0, 0 + 1 + 2 + 3 + 12 + 13 + 14 + 15, 4 + 5 + 6 + 7 + 16 + 17 + 18 + 19,
          8 + 9 + 10 + 11 + 20 + 21 + 22 + 23);
    free_t(&t);
    at[1] = ir_attr_int("keepdims", 0);
    t = run1(IR_OP_MEAN, A(IR_F32, x, 2, 3, 4), at, 2);
    SHAPE(&t, PDRT_F32, 3);
    CHECK(&t, 0, 7.5, 11.5, 15.5);
    free_t(&t);
    at[0] = INTS("axes", 1);
    t = run1(IR_OP_SUM, A(IR_F32, x, 2, 3, 4), at, 1);
    SHAPE(&t, PDRT_F32, 2, 4);
    CHECK(&t, 0, 12, 15, 18, 21, 48, 51, 54, 57);
    free_t(&t);
    at[0] = INTS("axes", 0, 1, 2);
    t = run1(IR_OP_SUM, A(IR_F32, x, 2, 3, 4), at, 1);
    check_shape(&t, PDRT_F32, 0, NULL);
    CHECK(&t, 0, 276);
    free_t(&t);
    float c[6] = {1, 2, 3, 4, 5, 6};
    at[0] = INTS("axes", 0);
    t = run1(IR_OP_SUM, A(IR_C64, c, 3), at, 1);
    check_cplx(&t, (Cplx[]){9 + 12 * I}, 1, 0);
    free_t(&t);
    t = run1(IR_OP_MEAN, A(IR_C64, c, 3), at, 1);
    check_cplx(&t, (Cplx[]){3 + 4 * I}, 1, 0);
    free_t(&t);
}

static void reduce_max_min_keepdims(void **state)
{
    (void)state;
    float x[6] = {3, -1, 7, 2, 9, -5};
    IrAttr at[2] = {INTS("axes", 1), ir_attr_int("keepdims", 1)};
    PdrtTensor t = run1(IR_OP_REDUCE_MAX, A(IR_F32, x, 2, 3), at, 2);
    SHAPE(&t, PDRT_F32, 2, 1);
    CHECK(&t, 0, 7, 9);
    free_t(&t);
    at[0] = INTS("axes", 0);
    t = run1(IR_OP_REDUCE_MIN, A(IR_F32, x, 2, 3), at, 2);
    SHAPE(&t, PDRT_F32, 1, 3);
    CHECK(&t, 0, 2, -1, -5);
    free_t(&t);
    float xn[3] = {1, NAN, 2};
    t = run1(IR_OP_REDUCE_MAX, A(IR_F32, xn, 3), at, 1);
    assert_true(isnan(value_at(&t, 0)));
    free_t(&t);
    int64_t xi[4] = {5, -9, 4, 1};
    t = run1(IR_OP_REDUCE_MIN, A(IR_I64, xi, 4), at, 1);
    check_i64(&t, (int64_t[]){-9}, 1);
    free_t(&t);
}

static void softmax_and_layer_norm(void **state)
{
    (void)state;
    float x[6] = {1, 2, 3, 1001, 1002, 1003}; /* the shift by max keeps exp finite */
    IrAttr ax = ir_attr_int("axis", 1);
    PdrtTensor t = run1(IR_OP_SOFTMAX, A(IR_F32, x, 2, 3), &ax, 1);
    CHECK(&t, 1e-7, 0.09003057317038043, 0.24472847105479767, 0.6652409557748218,
          0.09003057317038043, 0.24472847105479767, 0.6652409557748218);
    free_t(&t);
    float y[6] = {1, 4, 2, 5, 3, 6}; /* [3,2], softmax over axis 0: columns 1,2,3 and 4,5,6 */
    ax = ir_attr_int("axis", 0);
    t = run1(IR_OP_SOFTMAX, A(IR_F32, y, 3, 2), &ax, 1);
    CHECK(&t, 1e-7, 0.09003057317038043, 0.09003057317038043, 0.24472847105479767,
          0.24472847105479767, 0.6652409557748218, 0.6652409557748218);
    free_t(&t);
    /* layer_norm over the last two axes of [2,2,2]; rows 1..4 and 2,2,2,6 */
    float z[8] = {1, 2, 3, 4, 2, 2, 2, 6};
    IrAttr ln[2] = {ir_attr_int("axis", 1), ir_attr_float("eps", 0.0)};
    t = run1(IR_OP_LAYER_NORM, A(IR_F32, z, 2, 2, 2), ln, 2);
    double s1 = 1 / sqrt(1.25), s2 = 1 / sqrt(3.0);
    CHECK(&t, 1e-7, -1.5 * s1, -0.5 * s1, 0.5 * s1, 1.5 * s1, -s2, -s2, -s2, 3 * s2);
    free_t(&t);
    ln[1] = ir_attr_float("eps", 1e-5);
    t = run1(IR_OP_LAYER_NORM, A(IR_F32, z, 2, 2, 2), ln, 2);
    s1 = 1 / sqrt(1.25 + 1e-5);
    s2 = 1 / sqrt(3 + 1e-5);
    CHECK(&t, 1e-7, -1.5 * s1, -0.5 * s1, 0.5 * s1, 1.5 * s1, -s2, -s2, -s2, 3 * s2);
    free_t(&t);
}

/* ---- data movement -------------------------------------------------------------- */

static void reshape_and_transpose(void **state)
{
    (void)state;
    float x[6] = {1, 2, 3, 4, 5, 6};
    IrAttr sh = INTS("shape", 3, 2);
    PdrtTensor t = run1(IR_OP_RESHAPE, A(IR_F32, x, 2, 3), &sh, 1);
    SHAPE(&t, PDRT_F32, 3, 2);
    CHECK(&t, 0, 1, 2, 3, 4, 5, 6);
    free_t(&t);
    IrAttr perm = INTS("perm", 1, 0);
    t = run1(IR_OP_TRANSPOSE, A(IR_F32, x, 2, 3), &perm, 1);
    SHAPE(&t, PDRT_F32, 3, 2);
    CHECK(&t, 0, 1, 4, 2, 5, 3, 6);
    free_t(&t);
    float y[24];
    for (int i = 0; i < 24; i++)
        y[i] = (float)i;
    perm = INTS("perm", 2, 0, 1);
    t = run1(IR_OP_TRANSPOSE, A(IR_F32, y, 2, 3, 4), &perm, 1);
    SHAPE(&t, PDRT_F32, 4, 2, 3);
    double want[24];
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                want[(k * 2 + i) * 3 + j] = (i * 3 + j) * 4 + k;
    check_real(&t, want, 24, 0);
    free_t(&t);
    float c[8] = {1, -1, 2, -2, 3, -3, 4, -4};
    perm = INTS("perm", 1, 0);
    t = run1(IR_OP_TRANSPOSE, A(IR_C64, c, 2, 2), &perm, 1);
    check_cplx(&t, (Cplx[]){1 - I, 3 - 3 * I, 2 - 2 * I, 4 - 4 * I}, 4, 0);
    free_t(&t);
}

static void slice_with_negative_steps(void **state)
{
    (void)state;
    float x[12];
    for (int i = 0; i < 12; i++)
        x[i] = (float)i; /* [3,4] */
    IrAttr at[3] = {INTS("starts", 0, 3), INTS("ends", 3, -1), INTS("steps", 2, -1)};
    PdrtTensor t = run1(IR_OP_SLICE, A(IR_F32, x, 3, 4), at, 3);
    SHAPE(&t, PDRT_F32, 2, 4);
    CHECK(&t, 0, 3, 2, 1, 0, 11, 10, 9, 8);
    free_t(&t);
    at[0] = INTS("starts", 2, 1);
    at[1] = INTS("ends", 0, 4);
    at[2] = INTS("steps", -1, 2);
    t = run1(IR_OP_SLICE, A(IR_F32, x, 3, 4), at, 3);
    SHAPE(&t, PDRT_F32, 2, 2);
    CHECK(&t, 0, 9, 11, 5, 7);
    free_t(&t);
    at[0] = INTS("starts", 1);
    at[1] = INTS("ends", 3);
    at[2] = INTS("steps", 1);
    float c[6] = {1, 1, 2, 2, 3, 3};
    t = run1(IR_OP_SLICE, A(IR_C64, c, 3), at, 3);
    check_cplx(&t, (Cplx[]){2 + 2 * I, 3 + 3 * I}, 2, 0);
    free_t(&t);
}

static void pad_constant_and_circular(void **state)
{
    (void)state;
    float x[6] = {1, 2, 3, 4, 5, 6}; /* [2,3] */
    IrAttr at[3] = {INTS("pads", 1, 0, 2, 1), ir_attr_float("value", -1),
                    ir_attr_str("mode", "constant")};
    PdrtTensor t = run1(IR_OP_PAD, A(IR_F32, x, 2, 3), at, 3);
    SHAPE(&t, PDRT_F32, 3, 6);
    CHECK(&t, 0, -1, -1, -1, -1, -1, -1, -1, -1, 1, 2, 3, -1, -1, -1, 4, 5, 6, -1);
    free_t(&t);
    at[1] = ir_attr_float("value", 0);
    at[2] = ir_attr_str("mode", "circular");
    at[0] = INTS("pads", 0, 1, 2, 1);
    t = run1(IR_OP_PAD, A(IR_F32, x, 2, 3), at, 3);
    SHAPE(&t, PDRT_F32, 3, 6);
    CHECK(&t, 0, 2, 3, 1, 2, 3, 1, 5, 6, 4, 5, 6, 4, 2, 3, 1, 2, 3, 1);
    free_t(&t);
    float c[4] = {1, 1, 2, 2};
    at[0] = INTS("pads", 1, 2);
    t = run1(IR_OP_PAD, A(IR_C64, c, 2), at, 2);  /* default mode constant, value 0 */
    check_cplx(&t, (Cplx[]){0, 1 + I, 2 + 2 * I, 0, 0}, 5, 0);
    free_t(&t);
}

static void concat_broadcast_gather(void **state)
{
    (void)state;
    float a[4] = {1, 2, 3, 4}, b[2] = {5, 6}, c[6] = {7, 8, 9, 10, 11, 12};
    Arg args[3] = {A(IR_F32, a, 2, 2), A(IR_F32, b, 2, 1), A(IR_F32, c, 2, 3)};
    IrAttr ax = ir_attr_int("axis", 1);
    PdrtTensor t = run_op(IR_OP_CONCAT, args, 3, &ax, 1);
    SHAPE(&t, PDRT_F32, 2, 6);
    CHECK(&t, 0, 1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12);
    free_t(&t);
    Arg rows[2] = {A(IR_F32, a, 2, 2), A(IR_F32, b, 1, 2)};
    ax = ir_attr_int("axis", 0);
    t = run_op(IR_OP_CONCAT, rows, 2, &ax, 1);
    SHAPE(&t, PDRT_F32, 3, 2);
    CHECK(&t, 0, 1, 2, 3, 4, 5, 6);
    free_t(&t);
    IrAttr sh = INTS("shape", 2, 2, 3);
    t = run1(IR_OP_BROADCAST, A(IR_F32, b, 2, 1), &sh, 1);
    SHAPE(&t, PDRT_F32, 2, 2, 3);
    CHECK(&t, 0, 5, 5, 5, 6, 6, 6, 5, 5, 5, 6, 6, 6);
    free_t(&t);
    IrAttr g[2] = {INTS("indices", 2, 0, 2), ir_attr_int("axis", 1)};
    t = run1(IR_OP_GATHER, A(IR_F32, c, 2, 3), g, 2);
    SHAPE(&t, PDRT_F32, 2, 3);
    CHECK(&t, 0, 9, 7, 9, 12, 10, 12);
    free_t(&t);
    g[1] = ir_attr_int("axis", 0);
    g[0] = INTS("indices", 1);
    t = run1(IR_OP_GATHER, A(IR_F32, c, 2, 3), g, 2);
    SHAPE(&t, PDRT_F32, 1, 3);
    CHECK(&t, 0, 10, 11, 12);
    free_t(&t);
}

/* ---- transforms ---------------------------------------------------------------- */

/* Naive DFT of a C-order complex array along one axis, in place. */
static void naive_dft(Cplx *buf, const int64_t *dims, uint32_t rank, uint32_t axis, int sign)
{
    int64_t n = dims[axis], inner = 1, outer = 1;
    for (uint32_t d = axis + 1; d < rank; d++)
        inner *= dims[d];
    for (uint32_t d = 0; d < axis; d++)
        outer *= dims[d];
    Cplx *line = malloc((size_t)n * sizeof *line);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            Cplx *p = buf + o * n * inner + i;
            for (int64_t k = 0; k < n; k++) {
                line[k] = 0;
                for (int64_t j = 0; j < n; j++)
                    line[k] += p[j * inner] * cexp(sign * 2 * PI * I * (double)(j * k % n) / (double)n);
            }
            for (int64_t k = 0; k < n; k++)
                p[k * inner] = line[k];
        }
    free(line);
}

/* Copies src (dims) into dst with axis cut to len. */
static void crop_axis(const Cplx *src, const int64_t *dims, uint32_t rank, uint32_t axis,
                      int64_t len, Cplx *dst)
{
    int64_t inner = 1, outer = 1, n = dims[axis];
    for (uint32_t d = axis + 1; d < rank; d++)
        inner *= dims[d];
    for (uint32_t d = 0; d < axis; d++)
        outer *= dims[d];
    for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < len; k++)
            for (int64_t i = 0; i < inner; i++)
                dst[(o * len + k) * inner + i] = src[(o * n + k) * inner + i];
}

static void rfft_of_cos_wave_has_two_bins(void **state)
{
    (void)state;
    float x[16];
    for (int i = 0; i < 16; i++)
        x[i] = (float)cos(2 * PI * 3 * i / 16);
    IrAttr ax = INTS("axes", 0);
    PdrtTensor t = run1(IR_OP_RFFT, A(IR_F32, x, 16), &ax, 1);
    check_shape(&t, PDRT_C64, DIMS(9));
    Cplx want[9] = {0};
    want[3] = 8;
    check_cplx(&t, want, 9, 1e-6);
    free_t(&t);
}

static void check_rfft_axes(const int64_t *dims, uint32_t rank, const int64_t *axes, uint32_t na)
{
    int64_t n = 1;
    for (uint32_t d = 0; d < rank; d++)
        n *= dims[d];
    float *x = malloc((size_t)n * sizeof *x);
    Cplx *full = malloc((size_t)n * sizeof *full), *want = malloc((size_t)n * sizeof *want);
    fill(x, n, (uint32_t)(rank * 7 + na));
    for (int64_t i = 0; i < n; i++)
        full[i] = x[i];
    for (uint32_t i = 0; i < na; i++)
        naive_dft(full, dims, rank, (uint32_t)axes[i], -1);
    uint32_t last = (uint32_t)axes[na - 1];
    int64_t odims[IR_MAX_RANK];
    memcpy(odims, dims, rank * sizeof dims[0]);
    odims[last] = dims[last] / 2 + 1;
    crop_axis(full, dims, rank, last, odims[last], want);
    IrAttr at = ir_attr_ints("axes", axes, na);
    PdrtTensor t = run1(IR_OP_RFFT, arg(IR_F32, x, rank, dims), &at, 1);
    check_shape(&t, PDRT_C64, rank, odims);
    check_cplx(&t, want, pdrt_numel(&t), 1e-6);
    free_t(&t);
    free(x);
    free(full);
    free(want);
}

static void rfft_over_any_axes_matches_dft(void **state)
{
    (void)state;
    check_rfft_axes((int64_t[]){2, 4, 5, 3}, 4, (int64_t[]){1, 2}, 2);
    check_rfft_axes((int64_t[]){2, 4, 5, 3}, 4, (int64_t[]){2, 1}, 2);
    check_rfft_axes((int64_t[]){3, 4, 6}, 3, (int64_t[]){0, 1, 2}, 3);
    check_rfft_axes((int64_t[]){2, 7, 3}, 3, (int64_t[]){1}, 1);
    check_rfft_axes((int64_t[]){3, 4, 6}, 3, (int64_t[]){2, 0}, 2);
}

/* x -> rfft -> irfft -> y, as one graph. */
static void check_roundtrip(const int64_t *dims, uint32_t rank, const int64_t *axes, uint32_t na)
{
    IrGraph *g = ir_graph_new("rt");
    IrType ty = {.dtype = IR_F32, .rank = rank};
    memcpy(ty.dims, dims, rank * sizeof dims[0]);
    int64_t n[IR_MAX_RANK];
    for (uint32_t i = 0; i < na; i++)
        n[i] = dims[axes[i]];
    char err[256];
    IrId x = ir_add_input(g, "x", ty, NOLOC);
    IrAttr fa = ir_attr_ints("axes", axes, na), ia[2] = {fa, ir_attr_ints("n", n, na)};
    IrId f = ir_add(g, IR_OP_RFFT, &x, 1, &fa, 1, NOLOC, err, sizeof err);
    assert_int_not_equal(f, IR_NONE);
    IrId r = ir_add(g, IR_OP_IRFFT, &f, 1, ia, 2, NOLOC, err, sizeof err);
    if (r == IR_NONE)
        fail_msg("%s", err);
    ir_add_output(g, "y", r, NOLOC);
    int64_t cnt = ir_type_numel(&ty);
    float *data = malloc((size_t)cnt * sizeof *data);
    double *want = malloc((size_t)cnt * sizeof *want);
    fill(data, cnt, 99);
    for (int64_t i = 0; i < cnt; i++)
        want[i] = data[i];
    Arg a = arg(IR_F32, data, rank, dims);
    PdrtTensor in = tensor_of(&a), out;
    assert_true(interp_run(g, &in, 1, &out, 1, err, sizeof err));
    check_real(&out, want, cnt, 1e-6);
    free_t(&out);
    free(data);
    free(want);
    ir_graph_free(g);
}

static void irfft_inverts_rfft_for_even_and_odd_n(void **state)
{
    (void)state;
    check_roundtrip((int64_t[]){8}, 1, (int64_t[]){0}, 1);
    check_roundtrip((int64_t[]){7}, 1, (int64_t[]){0}, 1);
    check_roundtrip((int64_t[]){2, 6, 5, 3}, 4, (int64_t[]){1, 2}, 2);
    check_roundtrip((int64_t[]){2, 6, 5, 3}, 4, (int64_t[]){2, 1}, 2);
    check_roundtrip((int64_t[]){3, 5, 4}, 3, (int64_t[]){0, 1, 2}, 3);
}

/* numpy.fft.irfft([1+2j, 2-1j, 3+5j], n) and numpy.fft.irfftn(Y, s=(3, 4)):
 * the imaginary parts of the DC and Nyquist bins do not matter. */
static void irfft_ignores_dc_and_nyquist_imaginary_parts(void **state)
{
    (void)state;
    float x[6] = {1, 2, 2, -1, 3, 5};
    IrAttr at[2] = {INTS("axes", 0), INTS("n", 4)};
    PdrtTensor t = run1(IR_OP_IRFFT, A(IR_C64, x, 3), at, 2);
    SHAPE(&t, PDRT_F32, 4);
    CHECK(&t, 1e-6, 2.0, 0.0, 0.0, -1.0);
    free_t(&t);
    at[1] = INTS("n", 5);
    t = run1(IR_OP_IRFFT, A(IR_C64, x, 3), at, 2);
    SHAPE(&t, PDRT_F32, 5);
    CHECK(&t, 1e-6, 2.2, -1.3187546958168639, 2.0608339312572754, -2.213620335757317,
          0.2715411003169059);
    free_t(&t);
    float y[18] = {1, 1, 2, -1, 0.5f, 3, -1, 0.5f, 0.25f, -2, 1, 1, 2, 0, -1, -1, 3, -0.5f};
    IrAttr at2[2] = {INTS("axes", 0, 1), INTS("n", 3, 4)};
    t = run1(IR_OP_IRFFT, A(IR_C64, y, 3, 3), at2, 2);
    SHAPE(&t, PDRT_F32, 3, 4);
    CHECK(&t, 1e-6, 0.75, 0.45833333333333326, 0.3333333333333333, -0.875, 0.3124999999999999,
          -0.024919842139721454, -0.7678418012614795, 0.5025907427704612, 0.3125,
          0.1915865088063881, -0.19049153207185376, -0.002590742770461271);
    free_t(&t);
}

static void fft_and_ifft_match_dft(void **state)
{
    (void)state;
    enum { R = 3, C = 4, N = R * C };
    float x[2 * N];
    fill_c(x, N, 5);
    Cplx want[N];
    for (int i = 0; i < N; i++)
        want[i] = cget(x, i);
    naive_dft(want, (int64_t[]){R, C}, 2, 0, -1);
    naive_dft(want, (int64_t[]){R, C}, 2, 1, -1);
    IrAttr ax = INTS("axes", 0, 1);
    PdrtTensor t = run1(IR_OP_FFT, A(IR_C64, x, R, C), &ax, 1);
    check_cplx(&t, want, N, 1e-6);
    free_t(&t);
    for (int i = 0; i < N; i++)
        want[i] = cget(x, i);
    naive_dft(want, (int64_t[]){R, C}, 2, 1, 1);
    for (int i = 0; i < N; i++)
        want[i] /= C;
    ax = INTS("axes", 1);
    t = run1(IR_OP_IFFT, A(IR_C64, x, R, C), &ax, 1);
    check_cplx(&t, want, N, 1e-6);
    free_t(&t);
}

static void dct_and_idct_match_cosine_sums(void **state)
{
    (void)state;
    enum { R = 2, N = 5 };
    float x[R * N];
    fill(x, R * N, 8);
    double want[R * N], inv[R * N];
    for (int r = 0; r < R; r++)
        for (int k = 0; k < N; k++) {
            double s = 0, u = x[r * N];
            for (int n = 0; n < N; n++)
                s += 2 * x[r * N + n] * cos(PI * k * (2 * n + 1) / (2.0 * N));
            for (int n = 1; n < N; n++)
                u += 2 * x[r * N + n] * cos(PI * n * (2 * k + 1) / (2.0 * N));
            want[r * N + k] = s;
            inv[r * N + k] = u / (2.0 * N);
        }
    IrAttr ax = INTS("axes", 1);
    PdrtTensor t = run1(IR_OP_DCT, A(IR_F32, x, R, N), &ax, 1);
    check_real(&t, want, R * N, 1e-6);
    free_t(&t);
    t = run1(IR_OP_IDCT, A(IR_F32, x, R, N), &ax, 1);
    check_real(&t, inv, R * N, 1e-6);
    free_t(&t);
    /* both axes: separable, so idct(dct(x)) over [0, 1] is x */
    IrGraph *g = ir_graph_new("dct");
    IrType ty = {.dtype = IR_F32, .rank = 2, .dims = {R, N}};
    char err[256];
    IrId in = ir_add_input(g, "x", ty, NOLOC);
    IrAttr both = INTS("axes", 0, 1);
    IrId d = ir_add(g, IR_OP_DCT, &in, 1, &both, 1, NOLOC, err, sizeof err);
    IrId e = ir_add(g, IR_OP_IDCT, &d, 1, &both, 1, NOLOC, err, sizeof err);
    ir_add_output(g, "y", e, NOLOC);
    Arg a = A(IR_F32, x, R, N);
    PdrtTensor xin = tensor_of(&a), out;
    assert_true(interp_run(g, &xin, 1, &out, 1, err, sizeof err));
    for (int i = 0; i < R * N; i++)
        want[i] = x[i];
    check_real(&out, want, R * N, 1e-6);
    free_t(&out);
    ir_graph_free(g);
}

/* The f64 paths: the same kernels, data exactly representable in f32, so
 * the references above apply with a tolerance near double epsilon. */
static void f64_paths_keep_double_precision(void **state)
{
    (void)state;
    float xf[2 * 9 * 4], wf[6 * 2 * 3];
    double xd[2 * 9 * 4], wd[6 * 2 * 3], want[2 * 9 * 6];
    fill(xf, 72, 31);
    fill(wf, 36, 32);
    for (int i = 0; i < 72; i++)
        xd[i] = xf[i];
    for (int i = 0; i < 36; i++)
        wd[i] = wf[i];
    ConvCase c = {.b = 2, .h = 1, .w = 9, .cin = 4, .cout = 6, .kh = 1, .kw = 3, .sh = 1,
                  .sw = 1, .ph = 0, .pw = 1, .dh = 1, .dw = 1, .groups = 2};
    naive_conv(&c, xf, wf, NULL, want);
    IrAttr at[4] = {INTS("stride", 1), INTS("padding", 1), INTS("dilation", 1),
                    ir_attr_int("groups", 2)};
    PdrtTensor t = run2(IR_OP_CONV1D, A(IR_F64, xd, 2, 9, 4), A(IR_F64, wd, 6, 2, 3), at, 4);
    SHAPE(&t, PDRT_F64, 2, 9, 6);
    check_real(&t, want, 2 * 9 * 6, 1e-14);
    free_t(&t);
    /* matmul [9,8] @ [8,4] */
    t = run2(IR_OP_MATMUL, A(IR_F64, xd, 9, 8), A(IR_F64, wd, 8, 4), NULL, 0);
    double mm[9 * 4];
    for (int i = 0; i < 9; i++)
        for (int j = 0; j < 4; j++) {
            mm[i * 4 + j] = 0;
            for (int k = 0; k < 8; k++)
                mm[i * 4 + j] += xd[i * 8 + k] * wd[k * 4 + j];
        }
    check_real(&t, mm, 36, 1e-14);
    free_t(&t);
    /* rfft of an f64 signal; dct of an f64 row */
    Cplx full[8], bins[5];
    for (int i = 0; i < 8; i++)
        full[i] = xd[i];
    naive_dft(full, (int64_t[]){8}, 1, 0, -1);
    memcpy(bins, full, sizeof bins);
    IrAttr ax = INTS("axes", 0);
    t = run1(IR_OP_RFFT, A(IR_F64, xd, 8), &ax, 1);
    check_cplx(&t, bins, 5, 1e-6);  /* c64 result */
    free_t(&t);
    double dct[6];
    for (int k = 0; k < 6; k++) {
        dct[k] = 0;
        for (int n = 0; n < 6; n++)
            dct[k] += 2 * xd[n] * cos(PI * k * (2 * n + 1) / 12.0);
    }
    t = run1(IR_OP_DCT, A(IR_F64, xd, 6), &ax, 1);
    SHAPE(&t, PDRT_F64, 6);
    check_real(&t, dct, 6, 1e-13);
    free_t(&t);
    double pm[4] = {1, 2, 3, 4};
    IrAttr pa[3] = {INTS("kernel", 2), INTS("stride", 1), INTS("padding", 1)};
    t = run1(IR_OP_AVGPOOL1D, A(IR_F64, pm, 1, 4, 1), pa, 3);
    CHECK(&t, 1e-15, 0.5, 1.5, 2.5, 3.5, 2);
    free_t(&t);
    IrAttr sm = ir_attr_int("axis", 0);
    t = run1(IR_OP_SOFTMAX, A(IR_F64, pm, 3), &sm, 1);
    CHECK(&t, 1e-15, 0.09003057317038046, 0.24472847105479767, 0.6652409557748219);
    free_t(&t);
    double mx[4] = {1, 2, 3, 4}, mw[4] = {10, 100, 1, 1000};
    t = run2(IR_OP_MIX, A(IR_F64, mx, 1, 2, 2), A(IR_F64, mw, 2, 1, 2), NULL, 0);
    CHECK(&t, 0, 12, 4300);
    free_t(&t);
}

/* ---- pooling --------------------------------------------------------------------- */

static void pools_channels_last(void **state)
{
    (void)state;
    float x[16 * 2];
    for (int i = 0; i < 16; i++) {
        x[2 * i] = (float)i;        /* channel 0: 0..15 */
        x[2 * i + 1] = (float)-i;   /* channel 1 */
    }
    IrAttr at[3] = {INTS("kernel", 2, 2), INTS("stride", 2, 2), INTS("padding", 0, 0)};
    PdrtTensor t = run1(IR_OP_MAXPOOL2D, A(IR_F32, x, 1, 4, 4, 2), at, 3);
    SHAPE(&t, PDRT_F32, 1, 2, 2, 2);
    CHECK(&t, 0, 5, 0, 7, -2, 13, -8, 15, -10);
    free_t(&t);
    t = run1(IR_OP_AVGPOOL2D, A(IR_F32, x, 1, 4, 4, 2), at, 3);
    CHECK(&t, 0, 2.5, -2.5, 4.5, -4.5, 10.5, -10.5, 12.5, -12.5);
    free_t(&t);
    /* padding 1, kernel 3, stride 2 on 4x4: windows clipped at the border */
    at[0] = INTS("kernel", 3, 3);
    at[2] = INTS("padding", 1, 1);
    t = run1(IR_OP_MAXPOOL2D, A(IR_F32, x, 1, 4, 4, 2), at, 3);
    SHAPE(&t, PDRT_F32, 1, 2, 2, 2);
    CHECK(&t, 0, 5, 0, 7, -1, 13, -4, 15, -5);  /* max of -i is -(smallest i) */
    free_t(&t);
    t = run1(IR_OP_AVGPOOL2D, A(IR_F32, x, 1, 4, 4, 2), at, 3);
    CHECK(&t, 1e-7, (0 + 1 + 4 + 5) / 9.0, -(0 + 1 + 4 + 5) / 9.0, (1 + 2 + 3 + 5 + 6 + 7) / 9.0,
          -(1 + 2 + 3 + 5 + 6 + 7) / 9.0, (4 + 5 + 8 + 9 + 12 + 13) / 9.0,
          -(4 + 5 + 8 + 9 + 12 + 13) / 9.0,
          (5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15) / 9.0,
          -(5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15) / 9.0);
    free_t(&t);
    float y[4] = {1, 2, 3, 4};
    IrAttr a1[3] = {INTS("kernel", 3), INTS("stride", 1), INTS("padding", 1)};
    t = run1(IR_OP_AVGPOOL1D, A(IR_F32, y, 1, 4, 1), a1, 3);
    SHAPE(&t, PDRT_F32, 1, 4, 1);
    CHECK(&t, 1e-7, 1, 2, 3, 7 / 3.0);  /* count_include_pad */
    free_t(&t);
    float yn[4] = {-1, -2, -3, -4};
    t = run1(IR_OP_MAXPOOL1D, A(IR_F32, yn, 1, 4, 1), a1, 3);
    CHECK(&t, 0, -1, -1, -2, -3);  /* padding is -inf, not 0 */
    free_t(&t);
}

/* ---- the driver -------------------------------------------------------------------- */

static void input_shape_mismatch_is_an_error(void **state)
{
    (void)state;
    IrGraph *g = ir_graph_new("m");
    IrId x = ir_add_input(g, "x", (IrType){.dtype = IR_F32, .rank = 2, .dims = {1, 784}}, NOLOC);
    ir_add_output(g, "y", x, NOLOC);
    static float data[784];
    PdrtTensor in = {.dtype = PDRT_F32, .rank = 2, .dims = {1, 783}, .data = data,
                     .nbytes = 783 * 4}, out;
    char err[256];
    assert_false(interp_run(g, &in, 1, &out, 1, err, sizeof err));
    assert_string_equal(err, "input 'x': expected f32[1,784], got f32[1,783]");
    in.dtype = PDRT_F64;
    in.dims[1] = 784;
    in.nbytes = 784 * 8;
    assert_false(interp_run(g, &in, 1, &out, 1, err, sizeof err));
    assert_string_equal(err, "input 'x': expected f32[1,784], got f64[1,784]");
    assert_false(interp_run(g, &in, 0, &out, 1, err, sizeof err));
    assert_string_equal(err, "graph has 1 input, 0 given");
    in.dtype = PDRT_F32;
    in.nbytes = 784 * 4;
    assert_true(interp_run(g, &in, 1, &out, 1, err, sizeof err));
    SHAPE(&out, PDRT_F32, 1, 784);
    free_t(&out);
    ir_graph_free(g);
}

static void unbound_param_is_an_error(void **state)
{
    (void)state;
    IrGraph *g = ir_graph_new("p");
    IrType ty = {.dtype = IR_F32, .rank = 1, .dims = {3}};
    IrId x = ir_add_input(g, "x", ty, NOLOC);
    IrId w = ir_add_param(g, "fc.weight", ty, NOLOC);
    char err[256];
    IrId s = ir_add(g, IR_OP_ADD, (IrId[]){x, w}, 2, NULL, 0, NOLOC, err, sizeof err);
    ir_add_output(g, "y", s, NOLOC);
    float xd[3] = {1, 2, 3}, wd[3] = {10, 20, 30};
    PdrtTensor in = {.dtype = PDRT_F32, .rank = 1, .dims = {3}, .data = xd, .nbytes = 12}, out;
    assert_false(interp_run(g, &in, 1, &out, 1, err, sizeof err));
    assert_string_equal(err, "parameter 'fc.weight' has no weights bound");
    ir_bind_param(g, w, wd);
    assert_true(interp_run(g, &in, 1, &out, 1, err, sizeof err));
    CHECK(&out, 0, 11, 22, 33);
    free_t(&out);
    ir_graph_free(g);
}

/* Values read after other users are freed, outputs in order, consts. */
static void chains_share_values_and_order_outputs(void **state)
{
    (void)state;
    IrGraph *g = ir_graph_new("c");
    IrType ty = {.dtype = IR_F32, .rank = 1, .dims = {2}};
    char err[256];
    IrId x = ir_add_input(g, "x", ty, NOLOC);
    IrId c = ir_add_scalar(g, IR_F32, 3.0, NOLOC);
    IrId e = ir_add(g, IR_OP_MUL, (IrId[]){x, c}, 2, NULL, 0, NOLOC, err, sizeof err);
    IrId n = ir_add(g, IR_OP_NEG, &e, 1, NULL, 0, NOLOC, err, sizeof err);
    IrId unused = ir_add(g, IR_OP_EXP, &n, 1, NULL, 0, NOLOC, err, sizeof err);
    (void)unused;
    IrId s = ir_add(g, IR_OP_ADD, (IrId[]){n, e}, 2, NULL, 0, NOLOC, err, sizeof err);
    ir_add_output(g, "neg", n, NOLOC);
    ir_add_output(g, "sum", s, NOLOC);
    ir_add_output(g, "x", x, NOLOC);
    float xd[2] = {1, -2};
    PdrtTensor in = {.dtype = PDRT_F32, .rank = 1, .dims = {2}, .data = xd, .nbytes = 8}, out[3];
    assert_true(interp_run(g, &in, 1, out, 3, err, sizeof err));
    CHECK(&out[0], 0, -3, 6);
    CHECK(&out[1], 0, 0, 0);
    CHECK(&out[2], 0, 1, -2);
    assert_ptr_not_equal(out[2].data, xd);  /* outputs are the caller's to free */
    for (int i = 0; i < 3; i++)
        free_t(&out[i]);
    ir_graph_free(g);
}

static void eval_node_folds_one_node(void **state)
{
    (void)state;
    IrGraph *g = ir_graph_new("f");
    float ad[2] = {1, 2}, bd[2] = {3, 5};
    IrType ty = {.dtype = IR_F32, .rank = 1, .dims = {2}};
    IrId a = ir_add_const(g, ty, ad, NOLOC), b = ir_add_const(g, ty, bd, NOLOC);
    char err[256];
    IrId m = ir_add(g, IR_OP_MUL, (IrId[]){a, b}, 2, NULL, 0, NOLOC, err, sizeof err);
    PdrtTensor in[2] = {{.dtype = PDRT_F32, .rank = 1, .dims = {2}, .data = ad, .nbytes = 8},
                        {.dtype = PDRT_F32, .rank = 1, .dims = {2}, .data = bd, .nbytes = 8}};
    PdrtTensor out;
    assert_true(interp_eval_node(g, m, in, &out, err, sizeof err));
    CHECK(&out, 0, 3, 10);
    free_t(&out);
    assert_true(interp_eval_node(g, a, NULL, &out, err, sizeof err));
    CHECK(&out, 0, 1, 2);
    free_t(&out);
    in[1].dims[0] = 3;
    assert_false(interp_eval_node(g, m, in, &out, err, sizeof err));
    assert_string_equal(err, "mul: operand 1: expected f32[2], got f32[3]");
    ir_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binary_ops_broadcast_numpy_style),
        cmocka_unit_test(max_min_propagate_nan),
        cmocka_unit_test(integer_ops_are_exact),
        cmocka_unit_test(unary_ops_match_libm),
        cmocka_unit_test(cast_between_dtypes),
        cmocka_unit_test(complex_arithmetic),
        cmocka_unit_test(where_broadcasts_all_three),
        cmocka_unit_test(matmul_by_hand),
        cmocka_unit_test(matmul_broadcasts_batch_dims),
        cmocka_unit_test(conv1d_matches_naive_formula),
        cmocka_unit_test(conv2d_matches_naive_formula),
        cmocka_unit_test(mix_contracts_channels_per_point),
        cmocka_unit_test(sum_and_mean_over_axes),
        cmocka_unit_test(reduce_max_min_keepdims),
        cmocka_unit_test(softmax_and_layer_norm),
        cmocka_unit_test(reshape_and_transpose),
        cmocka_unit_test(slice_with_negative_steps),
        cmocka_unit_test(pad_constant_and_circular),
        cmocka_unit_test(concat_broadcast_gather),
        cmocka_unit_test(rfft_of_cos_wave_has_two_bins),
        cmocka_unit_test(rfft_over_any_axes_matches_dft),
        cmocka_unit_test(irfft_inverts_rfft_for_even_and_odd_n),
        cmocka_unit_test(irfft_ignores_dc_and_nyquist_imaginary_parts),
        cmocka_unit_test(fft_and_ifft_match_dft),
        cmocka_unit_test(dct_and_idct_match_cosine_sums),
        cmocka_unit_test(f64_paths_keep_double_precision),
        cmocka_unit_test(pools_channels_last),
        cmocka_unit_test(input_shape_mismatch_is_an_error),
        cmocka_unit_test(unbound_param_is_an_error),
        cmocka_unit_test(chains_share_values_and_order_outputs),
        cmocka_unit_test(eval_node_folds_one_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
