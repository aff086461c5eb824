/* interp.c — the reference interpreter's driver.
 *
 * interp_run evaluates a graph's nodes in id order (ids are topological),
 * holding one tensor per value and freeing each intermediate right after
 * its last user, so peak memory stays near the largest live set.  Inputs,
 * params and consts are borrowed, never copied (their data outlives the
 * run).  interp_eval_node evaluates one node for constant folding.
 *
 * This file checks what the user can get wrong (input shapes, unbound
 * params), allocates results and dispatches each op to its kernel; it
 * does no arithmetic itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp_impl.h"

void interp_strides(const int64_t *dims, uint32_t rank, int64_t *st)
{
    int64_t s = 1;
    for (uint32_t i = rank; i-- > 0;) {
        st[i] = s;
        s *= dims[i];
    }
}

int64_t interp_spatial_attr(const IrNode *n, const char *key, uint32_t d, uint32_t nsp)
{
    uint32_t len;
    const int64_t *v = ir_get_ints(n, key, &len);
    if (len != nsp) /* the shape rules checked this */
        pd_die("interp: %s: attribute %s has %u values", ir_op_info(n->op)->name, key, len);
    return v[d];
}

int64_t interp_numel(const int64_t *dims, uint32_t rank)
{
    int64_t n = 1;
    for (uint32_t i = 0; i < rank; i++)
        n *= dims[i];
    return n;
}

/* Allocates out for type t; false with a message on exhaustion. */
static bool alloc_result(const IrType *t, PdrtTensor *out, char *err, size_t errlen)
{
    if (pdrt_tensor_alloc(out, (PdrtDType)t->dtype, t->rank, t->dims))
        return true;
    char buf[128];
    snprintf(err, errlen, "out of memory allocating %s", ir_type_fmt(buf, sizeof buf, t));
    return false;
}

static void kernel(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    switch (n->op) {
    case IR_OP_INPUT: case IR_OP_PARAM: case IR_OP_CONST: case IR_OP_OUTPUT:
        pd_die("interp: source op %s reached the kernel switch", ir_op_info(n->op)->name);
    case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_DIV:
    case IR_OP_MAX: case IR_OP_MIN: case IR_OP_POW: case IR_OP_WHERE:
    case IR_OP_NEG: case IR_OP_ABS: case IR_OP_EXP: case IR_OP_LOG:
    case IR_OP_SQRT: case IR_OP_RSQRT: case IR_OP_TANH: case IR_OP_SIGMOID:
    case IR_OP_RELU: case IR_OP_LEAKY_RELU: case IR_OP_GELU: case IR_OP_SIN:
    case IR_OP_COS: case IR_OP_ERF: case IR_OP_CAST: case IR_OP_REAL:
    case IR_OP_IMAG: case IR_OP_COMPLEX: case IR_OP_CONJ:
        interp_elementwise(n, in, out); return;
    case IR_OP_MATMUL: interp_matmul(n, in, out); return;
    case IR_OP_CONV1D: case IR_OP_CONV2D: interp_conv(n, in, out); return;
    case IR_OP_MIX: interp_mix(n, in, out); return;
    case IR_OP_SUM: case IR_OP_MEAN: case IR_OP_REDUCE_MAX: case IR_OP_REDUCE_MIN:
        interp_reduce(n, in, out); return;
    case IR_OP_SOFTMAX: interp_softmax(n, in, out); return;
    case IR_OP_LAYER_NORM: interp_layer_norm(n, in, out); return;
    case IR_OP_RESHAPE: interp_reshape(n, in, out); return;
    case IR_OP_TRANSPOSE: interp_transpose(n, in, out); return;
    case IR_OP_SLICE: interp_slice(n, in, out); return;
    case IR_OP_PAD: interp_pad(n, in, out); return;
    case IR_OP_CONCAT: interp_concat(n, in, out); return;
    case IR_OP_BROADCAST: interp_broadcast(n, in, out); return;
    case IR_OP_GATHER: interp_gather(n, in, out); return;
    case IR_OP_RFFT: case IR_OP_IRFFT: case IR_OP_FFT: case IR_OP_IFFT:
    case IR_OP_DCT: case IR_OP_IDCT: case IR_OP_HERMITIAN_PROJECT: case IR_OP_RFFT_MODES: case IR_OP_IRFFT_MODES:
    case IR_OP_DCT_MODES: case IR_OP_IDCT_MODES:
        interp_spectral(n, in, out); return;
    case IR_OP_MAXPOOL1D: case IR_OP_MAXPOOL2D: case IR_OP_AVGPOOL1D: case IR_OP_AVGPOOL2D:
        interp_pool(n, in, out); return;
    case IR_NOPS: break;
    }
    pd_die("interp: unknown op %d", (int)n->op);
}

static bool same_shape(const PdrtTensor *t, const IrType *ty)
{
    if ((int)t->dtype != (int)ty->dtype || t->rank != ty->rank)
        return false;
    for (uint32_t i = 0; i < ty->rank; i++)
        if (t->dims[i] != ty->dims[i])
            return false;
    return true;
}

/* "f32[1,784]" for a runtime tensor. */
static char *tensor_fmt(char *buf, size_t len, const PdrtTensor *t)
{
    IrType ty = {.dtype = (IrDType)t->dtype, .rank = t->rank};
    if (ty.rank > IR_MAX_RANK || (unsigned)t->dtype >= IR_NDTYPES) {
        snprintf(buf, len, "<invalid tensor>");
        return buf;
    }
    memcpy(ty.dims, t->dims, ty.rank * sizeof ty.dims[0]);
    return ir_type_fmt(buf, len, &ty);
}

/* Makes a tensor that points at data it does not own. */
static PdrtTensor borrow(const IrType *t, const void *data)
{
    PdrtTensor v = {.dtype = (PdrtDType)t->dtype, .rank = t->rank, .data = (void *)data};
    memcpy(v.dims, t->dims, t->rank * sizeof t->dims[0]);
    v.nbytes = (size_t)ir_type_numel(t) * ir_dtype_size(t->dtype);
    return v;
}

bool interp_eval_node(const IrGraph *g, IrId id, const PdrtTensor *in,
                      PdrtTensor *out, char *err, size_t errlen)
{
    const IrNode *n = ir_node(g, id);
    memset(out, 0, sizeof *out);
    if (n->op == IR_OP_INPUT || n->op == IR_OP_PARAM || n->op == IR_OP_OUTPUT) {
        snprintf(err, errlen, "interp: %s node %%%u cannot be evaluated on its own",
                 ir_op_info(n->op)->name, id);
        return false;
    }
    if (n->op == IR_OP_CONST) {
        const IrTensorData *d = ir_node_data(g, id);
        if (!alloc_result(&n->type, out, err, errlen))
            return false;
        if (d && out->nbytes)
            memcpy(out->data, d->data, out->nbytes);
        return true;
    }
    for (uint32_t i = 0; i < n->nin; i++) {
        const IrType *want = &ir_node(g, n->in[i])->type;
        if (!same_shape(&in[i], want)) {
            char a[128], b[128];
            snprintf(err, errlen, "%s: operand %u: expected %s, got %s", ir_op_info(n->op)->name,
                     i, ir_type_fmt(a, sizeof a, want), tensor_fmt(b, sizeof b, &in[i]));
            return false;
        }
    }
    if (!alloc_result(&n->type, out, err, errlen))
        return false;
    kernel(n, in, out);
    return true;
}

/* ---- interp_run ----------------------------------------------------------- */

typedef struct {
    const IrGraph *g;
    PdrtTensor *val;   /* one per node */
    bool *owned;       /* val[i].data is ours to free */
    uint32_t *last;    /* id of the last node that reads value i */
    PdrtTensor *ops;   /* scratch operand array, max arity */
    char *err;
    size_t errlen;
} Run;

static void compute_last_uses(Run *r)
{
    const IrGraph *g = r->g;
    for (uint32_t i = 0; i < g->nodes.len; i++)
        r->last[i] = i;
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        const IrNode *n = ir_node(g, i);
        if (n->dead)
            continue;
        for (uint32_t k = 0; k < n->nin; k++)
            if (r->last[n->in[k]] < i)
                r->last[n->in[k]] = i;
    }
}

static bool bind_input(Run *r, IrId id, const PdrtTensor *t)
{
    const IrNode *n = ir_node(r->g, id);
    if (!same_shape(t, &n->type)) {
        char a[128], b[128];
        snprintf(r->err, r->errlen, "input '%s': expected %s, got %s", n->name,
                 ir_type_fmt(a, sizeof a, &n->type), tensor_fmt(b, sizeof b, t));
        return false;
    }
    if (t->nbytes != (size_t)ir_type_numel(&n->type) * ir_dtype_size(n->type.dtype) ||
        (t->nbytes && !t->data)) {
        snprintf(r->err, r->errlen, "input '%s': data size %zu does not match its shape",
                 n->name, t->nbytes);
        return false;
    }
    r->val[id] = *t;
    return true;
}

static bool eval_source(Run *r, IrId id)
{
    const IrNode *n = ir_node(r->g, id);
    const IrTensorData *d = ir_node_data(r->g, id);
    if (!d) {
        if (n->op == IR_OP_PARAM)
            snprintf(r->err, r->errlen, "parameter '%s' has no weights bound", n->name);
        else
            snprintf(r->err, r->errlen, "const %%%u has no data", id);
        return false;
    }
    r->val[id] = borrow(&n->type, d->data);
    return true;
}

static bool eval_op(Run *r, IrId id)
{
    const IrNode *n = ir_node(r->g, id);
    for (uint32_t k = 0; k < n->nin; k++)
        r->ops[k] = r->val[n->in[k]];
    if (!alloc_result(&n->type, &r->val[id], r->err, r->errlen))
        return false;
    r->owned[id] = true;
    kernel(n, r->ops, &r->val[id]);
    return true;
}

/* Frees every owned value whose last reader is node i. */
static void release_dead(Run *r, IrId i)
{
    const IrNode *n = ir_node(r->g, i);
    for (uint32_t k = 0; k < n->nin; k++) {
        IrId v = n->in[k];
        if (r->last[v] == i && r->owned[v]) {
            pdrt_tensor_free(&r->val[v]);
            r->owned[v] = false;
        }
    }
    if (r->last[i] == i && r->owned[i]) {
        pdrt_tensor_free(&r->val[i]);
        r->owned[i] = false;
    }
}

/* Output k gets a copy: values may be borrowed or read again later. */
static bool emit_output(Run *r, IrId id, PdrtTensor *out)
{
    const IrNode *n = ir_node(r->g, id);
    const PdrtTensor *v = &r->val[n->in[0]];
    if (!alloc_result(&n->type, out, r->err, r->errlen))
        return false;
    if (out->nbytes)
        memcpy(out->data, v->data, out->nbytes);
    return true;
}

static bool run_nodes(Run *r, const PdrtTensor *inputs, PdrtTensor *outputs)
{
    uint32_t nin = 0, nout = 0;
    for (IrId i = 0; i < r->g->nodes.len; i++) {
        const IrNode *n = ir_node(r->g, i);
        bool ok = true;
        if (n->dead)
            continue;
        if (n->op == IR_OP_INPUT)
            ok = bind_input(r, i, &inputs[nin++]);
        else if (n->op == IR_OP_PARAM || n->op == IR_OP_CONST)
            ok = eval_source(r, i);
        else if (n->op == IR_OP_OUTPUT)
            ok = emit_output(r, i, &outputs[nout++]);
        else
            ok = eval_op(r, i);
        if (!ok)
            return false;
        release_dead(r, i);
    }
    return true;
}

static bool count_io(const IrGraph *g, uint32_t ninputs, uint32_t noutputs, char *err,
                     size_t errlen)
{
    uint32_t ni = 0, no = 0;
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        const IrNode *n = ir_node(g, i);
        ni += !n->dead && n->op == IR_OP_INPUT;
        no += !n->dead && n->op == IR_OP_OUTPUT;
    }
    if (ni != ninputs) {
        snprintf(err, errlen, "graph has %u input%s, %u given", ni, ni == 1 ? "" : "s", ninputs);
        return false;
    }
    if (no != noutputs) {
        snprintf(err, errlen, "graph has %u output%s, room for %u given", no,
                 no == 1 ? "" : "s", noutputs);
        return false;
    }
    return true;
}

static uint32_t max_arity(const IrGraph *g)
{
    uint32_t m = 1;
    for (uint32_t i = 0; i < g->nodes.len; i++)
        if (ir_node(g, i)->nin > m)
            m = ir_node(g, i)->nin;
    return m;
}

bool interp_run(const IrGraph *g, const PdrtTensor *inputs, uint32_t ninputs,
                PdrtTensor *outputs, uint32_t noutputs, char *err, size_t errlen)
{
    for (uint32_t k = 0; k < noutputs; k++)
        memset(&outputs[k], 0, sizeof outputs[k]);
    if (!count_io(g, ninputs, noutputs, err, errlen))
        return false;
    uint32_t nn = g->nodes.len;
    Run r = {.g = g, .err = err, .errlen = errlen};
    r.val = pd_xcalloc(nn ? nn : 1, sizeof *r.val);
    r.owned = pd_xcalloc(nn ? nn : 1, sizeof *r.owned);
    r.last = pd_xcalloc(nn ? nn : 1, sizeof *r.last);
    r.ops = pd_xcalloc(max_arity(g), sizeof *r.ops);
    compute_last_uses(&r);
    bool ok = run_nodes(&r, inputs, outputs);
    for (uint32_t i = 0; i < nn; i++)
        if (r.owned[i])
            pdrt_tensor_free(&r.val[i]);
    if (!ok)
        for (uint32_t k = 0; k < noutputs; k++)
            pdrt_tensor_free(&outputs[k]);
    free(r.val);
    free(r.owned);
    free(r.last);
    free(r.ops);
    return ok;
}
