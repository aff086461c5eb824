/* interp_reduce.c — the interpreter's reductions: sum, mean, reduce_max,
 * reduce_min (over any set of axes, keepdims or not), softmax over one
 * axis and layer_norm over the trailing axes.
 *
 * The input is read once in C order; each element lands in its output
 * slot through strides that are zero on the reduced axes, so one walk
 * serves every combination of axes.  Accumulators are double (double
 * complex for c64; int64 for i64 sums and extrema).  reduce_max and
 * reduce_min propagate nan as torch.amax does; max over nothing is -inf.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interp_impl.h"

typedef struct {
    uint32_t rank;
    int64_t dims[IR_MAX_RANK];  /* input dims */
    int64_t ost[IR_MAX_RANK];   /* output strides per input axis, 0 = reduced */
    int64_t count;              /* elements per output slot */
} RedShape;

static RedShape red_shape(const IrNode *n, const PdrtTensor *x)
{
    RedShape r = {.rank = x->rank, .count = 1};
    int64_t kept[IR_MAX_RANK];
    bool red[IR_MAX_RANK] = {false};
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    for (uint32_t i = 0; i < na; i++) {
        int64_t a = axes[i] < 0 ? axes[i] + x->rank : axes[i];
        red[a] = true;
    }
    for (uint32_t d = 0; d < x->rank; d++) {
        r.dims[d] = x->dims[d];
        kept[d] = red[d] ? 1 : x->dims[d];
        if (red[d])
            r.count *= x->dims[d];
    }
    interp_strides(kept, x->rank, r.ost);
    for (uint32_t d = 0; d < x->rank; d++)
        if (red[d])
            r.ost[d] = 0;
    return r;
}

typedef enum { ACC_REAL, ACC_CPLX, ACC_INT } AccKind;

/* Folds element i of x into slot o of acc. */
static inline void fold(IrOpKind op, AccKind k, void *acc, int64_t o, const PdrtTensor *x,
                        int64_t i)
{
    if (k == ACC_CPLX) {
        ((Cplx *)acc)[o] += interp_ld_cplx(x->data, x->dtype, i);
    } else if (k == ACC_INT) {
        int64_t v = ((const int64_t *)x->data)[i], *a = (int64_t *)acc + o;
        if (op == IR_OP_REDUCE_MAX)
            *a = v > *a ? v : *a;
        else if (op == IR_OP_REDUCE_MIN)
            *a = v < *a ? v : *a;
        else
            *a = (int64_t)((uint64_t)*a + (uint64_t)v);
    } else {
        double v = interp_ld_real(x->data, x->dtype, i), *a = (double *)acc + o;
        if (op == IR_OP_REDUCE_MAX)
            *a = isnan(v) || v > *a ? v : *a;   /* once nan, stays nan */
        else if (op == IR_OP_REDUCE_MIN)
            *a = isnan(v) || v < *a ? v : *a;
        else
            *a += v;
    }
}

static void acc_init(IrOpKind op, AccKind k, void *acc, int64_t cnt)
{
    for (int64_t o = 0; o < cnt; o++) {
        if (k == ACC_CPLX)
            ((Cplx *)acc)[o] = 0;
        else if (k == ACC_INT)
            ((int64_t *)acc)[o] = op == IR_OP_REDUCE_MAX ? INT64_MIN
                                  : op == IR_OP_REDUCE_MIN ? INT64_MAX : 0;
        else
            ((double *)acc)[o] = op == IR_OP_REDUCE_MAX ? -INFINITY
                                 : op == IR_OP_REDUCE_MIN ? INFINITY : 0.0;
    }
}

static void acc_store(IrOpKind op, AccKind k, const void *acc, int64_t count, PdrtTensor *out)
{
    int64_t cnt = pdrt_numel(out);
    bool mean = op == IR_OP_MEAN;
    for (int64_t o = 0; o < cnt; o++) {
        if (k == ACC_CPLX) {
            Cplx v = ((const Cplx *)acc)[o];
            interp_st_cplx(out->data, o, mean ? v / (double)count : v);
        } else if (k == ACC_INT) {
            int64_t v = ((const int64_t *)acc)[o];
            ((int64_t *)out->data)[o] = mean ? (count ? v / count : 0) : v;
        } else {
            double v = ((const double *)acc)[o];
            interp_st_real(out->data, out->dtype, o, mean ? v / (double)count : v);
        }
    }
}

void interp_reduce(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    const PdrtTensor *x = &in[0];
    RedShape r = red_shape(n, x);
    AccKind k = x->dtype == PDRT_C64 ? ACC_CPLX : x->dtype == PDRT_I64 ? ACC_INT : ACC_REAL;
    int64_t nout = pdrt_numel(out), total = pdrt_numel(x), idx[IR_MAX_RANK] = {0}, o = 0;
    void *acc = pd_xmalloc((size_t)(nout + 1) * sizeof(Cplx));
    acc_init(n->op, k, acc, nout);
    int64_t inner = r.rank ? r.dims[r.rank - 1] : 1, step = r.rank ? r.ost[r.rank - 1] : 0;
    for (int64_t i = 0; inner && i < total; i += inner) {
        for (int64_t j = 0; j < inner; j++)
            fold(n->op, k, acc, o + j * step, x, i + j);
        for (uint32_t d = r.rank - 1; r.rank > 1 && d-- > 0;) {
            o += r.ost[d];
            if (++idx[d] < r.dims[d])
                break;
            o -= r.ost[d] * r.dims[d];
            idx[d] = 0;
        }
    }
    acc_store(n->op, k, acc, r.count, out);
    free(acc);
}

/* ---- softmax, layer_norm ----------------------------------------------------- */

static int64_t norm_axis(int64_t a, uint32_t rank) { return a < 0 ? a + rank : a; }

void interp_softmax(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    const PdrtTensor *x = &in[0];
    int64_t ax = norm_axis(ir_get_int(n, "axis"), x->rank);
    int64_t outer = interp_numel(x->dims, (uint32_t)ax), len = x->dims[ax];
    int64_t inner = interp_numel(x->dims + ax + 1, x->rank - (uint32_t)ax - 1);
    double *e = pd_xmalloc((size_t)(len + 1) * sizeof *e);
    for (int64_t a = 0; a < outer; a++)
        for (int64_t c = 0; c < inner; c++) {
            int64_t base = a * len * inner + c;
            double mx = -INFINITY, sum = 0;
            for (int64_t i = 0; i < len; i++) {
                e[i] = interp_ld_real(x->data, x->dtype, base + i * inner);
                mx = isnan(e[i]) || e[i] > mx ? e[i] : mx;
            }
            for (int64_t i = 0; i < len; i++) {
                e[i] = exp(e[i] - mx);
                sum += e[i];
            }
            for (int64_t i = 0; i < len; i++)
                interp_st_real(out->data, out->dtype, base + i * inner, e[i] / sum);
        }
    free(e);
}

void interp_layer_norm(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    const PdrtTensor *x = &in[0];
    int64_t ax = norm_axis(ir_get_int(n, "axis"), x->rank);
    int64_t rows = interp_numel(x->dims, (uint32_t)ax);
    int64_t len = interp_numel(x->dims + ax, x->rank - (uint32_t)ax);
    double eps = ir_get_float(n, "eps");
    for (int64_t r = 0; r < rows; r++) {
        int64_t base = r * len;
        double mean = 0, var = 0;
        for (int64_t i = 0; i < len; i++)
            mean += interp_ld_real(x->data, x->dtype, base + i);
        mean /= (double)len;
        for (int64_t i = 0; i < len; i++) {
            double d = interp_ld_real(x->data, x->dtype, base + i) - mean;
            var += d * d;
        }
        var /= (double)len;
        double inv = 1.0 / sqrt(var + eps);
        for (int64_t i = 0; i < len; i++)
            interp_st_real(out->data, out->dtype, base + i,
                           (interp_ld_real(x->data, x->dtype, base + i) - mean) * inv);
    }
}
