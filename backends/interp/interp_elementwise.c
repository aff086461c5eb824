/* interp_elementwise.c — the interpreter's elementwise ops.
 *
 * Binary ops, where and complex broadcast numpy-style: every operand is
 * walked with per-axis strides into the output's index space (stride 0 on
 * a broadcast axis), one innermost row at a time, so no index arithmetic
 * happens per element beyond one multiply.  Unary ops, cast, real, imag
 * and conj map a contiguous input onto a contiguous output.
 *
 * Real values are computed in double (f32 rounded once on the store),
 * c64 in double complex; i64 in wrapping 64-bit integer arithmetic, with
 * division truncating toward zero and x / 0 = 0 (a defined result where C
 * and the hardware trap).  max and min propagate nan, as PyTorch does.
 */
#include <math.h>
#include <string.h>

#include "interp_impl.h"

/* ---- broadcast walk ------------------------------------------------------ */

typedef struct {
    uint32_t rank, nops;
    int64_t dims[IR_MAX_RANK];
    int64_t st[3][IR_MAX_RANK];  /* element strides per operand, 0 = broadcast */
    int64_t idx[IR_MAX_RANK];
    int64_t off[3];              /* offsets of the current row's first element */
} Walk;

static void walk_init(Walk *w, const PdrtTensor *out, const PdrtTensor *ops, uint32_t nops)
{
    memset(w, 0, sizeof *w);
    w->rank = out->rank;
    w->nops = nops;
    memcpy(w->dims, out->dims, out->rank * sizeof out->dims[0]);
    for (uint32_t k = 0; k < nops; k++) {
        int64_t cst[IR_MAX_RANK];
        interp_strides(ops[k].dims, ops[k].rank, cst);
        uint32_t lead = out->rank - ops[k].rank;
        for (uint32_t d = lead; d < out->rank; d++)
            w->st[k][d] = ops[k].dims[d - lead] == 1 ? 0 : cst[d - lead];
    }
}

static int64_t walk_inner(const Walk *w) { return w->rank ? w->dims[w->rank - 1] : 1; }
static int64_t walk_step(const Walk *w, uint32_t k) { return w->rank ? w->st[k][w->rank - 1] : 0; }

/* Moves to the next row (odometer over all axes but the last). */
static void walk_next(Walk *w)
{
    if (w->rank < 2)
        return;
    for (uint32_t d = w->rank - 1; d-- > 0;) {
        for (uint32_t k = 0; k < w->nops; k++)
            w->off[k] += w->st[k][d];
        if (++w->idx[d] < w->dims[d])
            return;
        for (uint32_t k = 0; k < w->nops; k++)
            w->off[k] -= w->st[k][d] * w->dims[d];
        w->idx[d] = 0;
    }
}

/* ---- scalar semantics ---------------------------------------------------- */

static double bin_real(IrOpKind op, double a, double b)
{
    switch (op) {
    case IR_OP_ADD: return a + b;
    case IR_OP_SUB: return a - b;
    case IR_OP_MUL: return a * b;
    case IR_OP_DIV: return a / b;
    case IR_OP_MAX: return isnan(a) || isnan(b) ? a + b : (a > b ? a : b);
    case IR_OP_MIN: return isnan(a) || isnan(b) ? a + b : (a < b ? a : b);
    case IR_OP_POW: return pow(a, b);
    default: pd_die("interp: %s is not a real binary op", ir_op_info(op)->name);
    }
}

static int64_t ipow(int64_t a, int64_t b)
{
    if (b < 0)
        return a == 1 ? 1 : a == -1 ? (b % 2 ? -1 : 1) : 0;
    uint64_t r = 1, x = (uint64_t)a;
    for (uint64_t e = (uint64_t)b; e; e >>= 1) {
        if (e & 1)
            r *= x;
        x *= x;
    }
    return (int64_t)r;
}

static int64_t bin_int(IrOpKind op, int64_t a, int64_t b)
{
    switch (op) {
    case IR_OP_ADD: return (int64_t)((uint64_t)a + (uint64_t)b);
    case IR_OP_SUB: return (int64_t)((uint64_t)a - (uint64_t)b);
    case IR_OP_MUL: return (int64_t)((uint64_t)a * (uint64_t)b);
    case IR_OP_DIV:
        if (b == 0)
            return 0;
        return b == -1 ? (int64_t)(0 - (uint64_t)a) : a / b;
    case IR_OP_MAX: return a > b ? a : b;
    case IR_OP_MIN: return a < b ? a : b;
    case IR_OP_POW: return ipow(a, b);
    default: pd_die("interp: %s is not an integer binary op", ir_op_info(op)->name);
    }
}

static Cplx bin_cplx(IrOpKind op, Cplx a, Cplx b)
{
    switch (op) {
    case IR_OP_ADD: return a + b;
    case IR_OP_SUB: return a - b;
    case IR_OP_MUL: return a * b;
    case IR_OP_DIV: return a / b;
    default: pd_die("interp: %s is not a complex binary op", ir_op_info(op)->name);
    }
}

/* ---- binary -------------------------------------------------------------- */

static void binary_row(IrOpKind op, PdrtTensor *out, int64_t o, const PdrtTensor *in,
                       const int64_t *off, int64_t sa, int64_t sb, int64_t n)
{
    const void *a = in[0].data, *b = in[1].data;
    switch (out->dtype) {
    case PDRT_F32:
        for (int64_t i = 0; i < n; i++)
            ((float *)out->data)[o + i] = (float)bin_real(
                op, ((const float *)a)[off[0] + i * sa], ((const float *)b)[off[1] + i * sb]);
        return;
    case PDRT_F64:
        for (int64_t i = 0; i < n; i++)
            ((double *)out->data)[o + i] = bin_real(
                op, ((const double *)a)[off[0] + i * sa], ((const double *)b)[off[1] + i * sb]);
        return;
    case PDRT_I64:
        for (int64_t i = 0; i < n; i++)
            ((int64_t *)out->data)[o + i] = bin_int(
                op, ((const int64_t *)a)[off[0] + i * sa], ((const int64_t *)b)[off[1] + i * sb]);
        return;
    case PDRT_C64:
        for (int64_t i = 0; i < n; i++)
            interp_st_cplx(out->data, o + i,
                           bin_cplx(op, interp_ld_cplx(a, in[0].dtype, off[0] + i * sa),
                                    interp_ld_cplx(b, in[1].dtype, off[1] + i * sb)));
        return;
    }
}

/* where(cond, a, b) and complex(re, im): the other broadcasting rows. */
static void where_row(PdrtTensor *out, int64_t o, const PdrtTensor *in, const int64_t *off,
                      const int64_t *step, int64_t n)
{
    size_t esz = pdrt_dtype_size(out->dtype);
    char *dst = (char *)out->data + (size_t)o * esz;
    for (int64_t i = 0; i < n; i++) {
        bool c = interp_ld_real(in[0].data, in[0].dtype, off[0] + i * step[0]) != 0;
        const PdrtTensor *src = c ? &in[1] : &in[2];
        int64_t j = c ? off[1] + i * step[1] : off[2] + i * step[2];
        memcpy(dst + (size_t)i * esz, (const char *)src->data + (size_t)j * esz, esz);
    }
}

static void complex_row(PdrtTensor *out, int64_t o, const PdrtTensor *in, const int64_t *off,
                        const int64_t *step, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        interp_st_cplx(out->data, o + i,
                       interp_cplx(interp_ld_real(in[0].data, in[0].dtype, off[0] + i * step[0]),
                             interp_ld_real(in[1].data, in[1].dtype, off[1] + i * step[1])));
}

static void broadcasting(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    Walk w;
    walk_init(&w, out, in, n->nin);
    int64_t inner = walk_inner(&w), total = pdrt_numel(out);
    int64_t step[3] = {walk_step(&w, 0), walk_step(&w, 1), walk_step(&w, 2)};
    if (inner == 0)
        return;
    for (int64_t o = 0; o < total; o += inner) {
        if (n->op == IR_OP_WHERE)
            where_row(out, o, in, w.off, step, inner);
        else if (n->op == IR_OP_COMPLEX)
            complex_row(out, o, in, w.off, step, inner);
        else
            binary_row(n->op, out, o, in, w.off, step[0], step[1], inner);
        walk_next(&w);
    }
}

/* ---- unary --------------------------------------------------------------- */

#define SQRT1_2 0.70710678118654752440

static double un_real(IrOpKind op, double x, double alpha)
{
    switch (op) {
    case IR_OP_NEG: return -x;
    case IR_OP_ABS: return fabs(x);
    case IR_OP_EXP: return exp(x);
    case IR_OP_LOG: return log(x);
    case IR_OP_SQRT: return sqrt(x);
    case IR_OP_RSQRT: return 1.0 / sqrt(x);
    case IR_OP_TANH: return tanh(x);
    case IR_OP_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case IR_OP_RELU: return x < 0 ? 0.0 : x;  /* nan stays nan */
    case IR_OP_LEAKY_RELU: return x >= 0 ? x : alpha * x;
    case IR_OP_GELU: return 0.5 * x * (1.0 + erf(x * SQRT1_2));
    case IR_OP_SIN: return sin(x);
    case IR_OP_COS: return cos(x);
    case IR_OP_ERF: return erf(x);
    case IR_OP_REAL: case IR_OP_CONJ: return x;
    case IR_OP_IMAG: return 0.0;
    default: pd_die("interp: %s is not a real unary op", ir_op_info(op)->name);
    }
}

/* i64 ops that stay exact in integers; the rest go through double. */
static int64_t un_int(IrOpKind op, int64_t x, double alpha)
{
    switch (op) {
    case IR_OP_NEG: return (int64_t)(0 - (uint64_t)x);
    case IR_OP_ABS: return x < 0 ? (int64_t)(0 - (uint64_t)x) : x;
    case IR_OP_RELU: return x < 0 ? 0 : x;
    case IR_OP_REAL: case IR_OP_CONJ: return x;
    case IR_OP_IMAG: return 0;
    default: return interp_to_i64(un_real(op, (double)x, alpha));
    }
}

static Cplx un_cplx(IrOpKind op, Cplx x)
{
    switch (op) {
    case IR_OP_NEG: return -x;
    case IR_OP_CONJ: return conj(x);
    case IR_OP_REAL: return creal(x);
    case IR_OP_IMAG: return cimag(x);
    default: pd_die("interp: %s is not a complex unary op", ir_op_info(op)->name);
    }
}

static void unary(const IrNode *n, const PdrtTensor *x, PdrtTensor *out)
{
    int64_t cnt = pdrt_numel(out);
    double alpha = n->op == IR_OP_LEAKY_RELU ? ir_get_float(n, "alpha") : 0.0;
    if (x->dtype == PDRT_C64) {
        for (int64_t i = 0; i < cnt; i++) {
            Cplx v = un_cplx(n->op, interp_ld_cplx(x->data, x->dtype, i));
            if (out->dtype == PDRT_C64)
                interp_st_cplx(out->data, i, v);
            else
                interp_st_real(out->data, out->dtype, i, creal(v));
        }
    } else if (x->dtype == PDRT_I64 && out->dtype == PDRT_I64) {
        const int64_t *s = x->data;
        for (int64_t i = 0; i < cnt; i++)
            ((int64_t *)out->data)[i] = un_int(n->op, s[i], alpha);
    } else if (x->dtype == PDRT_F32 && out->dtype == PDRT_F32) {
        const float *s = x->data;
        for (int64_t i = 0; i < cnt; i++)
            ((float *)out->data)[i] = (float)un_real(n->op, s[i], alpha);
    } else {
        for (int64_t i = 0; i < cnt; i++)
            interp_st_real(out->data, out->dtype, i,
                           un_real(n->op, interp_ld_real(x->data, x->dtype, i), alpha));
    }
}

/* ---- cast ---------------------------------------------------------------- */

static void cast(const PdrtTensor *x, PdrtTensor *out)
{
    int64_t cnt = pdrt_numel(out);
    if (x->dtype == out->dtype) {
        memcpy(out->data, x->data, out->nbytes);
        return;
    }
    for (int64_t i = 0; i < cnt; i++) {
        if (x->dtype == PDRT_I64 && out->dtype == PDRT_F32) /* one rounding, not two */
            ((float *)out->data)[i] = (float)((const int64_t *)x->data)[i];
        else if (x->dtype == PDRT_I64 && out->dtype == PDRT_C64)
            interp_st_cplx(out->data, i, interp_cplx((float)((const int64_t *)x->data)[i], 0.0));
        else if (out->dtype == PDRT_C64)
            interp_st_cplx(out->data, i, interp_ld_cplx(x->data, x->dtype, i));
        else
            interp_st_real(out->data, out->dtype, i, interp_ld_real(x->data, x->dtype, i));
    }
}

/* Evaluates every IR_CLASS_ELEMWISE / BROADCAST op with elementwise
 * semantics (everything but broadcast itself). */
void interp_elementwise(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    switch (n->op) {
    case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_DIV:
    case IR_OP_MAX: case IR_OP_MIN: case IR_OP_POW: case IR_OP_WHERE: case IR_OP_COMPLEX:
        broadcasting(n, in, out);
        return;
    case IR_OP_CAST:
        cast(&in[0], out);
        return;
    default:
        unary(n, &in[0], out);
        return;
    }
}
