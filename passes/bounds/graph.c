/* graph.c — preparing a graph for bound analysis and the driver that
 * computes bounds node by node.
 *
 * The constant part of the graph (everything that does not depend on the
 * input) is evaluated once with the interpreter.  Variable nodes get IBP
 * bounds in topological order; with CROWN, the input of every ReLU-like
 * unit is tightened by a backward pass first, so the relaxations use the
 * best bounds available.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backends/interp/interp.h"
#include "bounds_impl.h"

/* Rows per backward pass when tightening a node: bounds the memory. */
enum { TIGHTEN_ROWS = 512 };

bool bounds_supported(IrOpKind op) {
    if (bounds_is_spectral(op)) return true;
    switch (op) {
    case IR_OP_INPUT: case IR_OP_OUTPUT: case IR_OP_MATMUL: case IR_OP_ADD: case IR_OP_SUB:
    case IR_OP_MUL: case IR_OP_NEG: case IR_OP_RELU: case IR_OP_LEAKY_RELU: case IR_OP_RESHAPE:
    case IR_OP_TANH: case IR_OP_SIGMOID: case IR_OP_CONV1D: case IR_OP_CONV2D: case IR_OP_AVGPOOL1D:
    case IR_OP_AVGPOOL2D: case IR_OP_TRANSPOSE: case IR_OP_SLICE: case IR_OP_PAD: case IR_OP_CONCAT:
    case IR_OP_BROADCAST: case IR_OP_GATHER: case IR_OP_MAXPOOL1D: case IR_OP_MAXPOOL2D: case IR_OP_GELU:
    case IR_OP_EXP: case IR_OP_SOFTMAX: case IR_OP_REAL: case IR_OP_IMAG: case IR_OP_CONJ:
        return true;
    default:
        return false;
    }
}

/* c64 data becomes its interleaved (re, im) pairs: 2 doubles each. */
static double *to_double(const PdrtTensor *t) {
    int64_t n = pdrt_numel(t) * (t->dtype == PDRT_C64 ? 2 : 1);
    double *v = pd_xmalloc((size_t)(n ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++)
        v[i] = t->dtype == PDRT_F64 ? ((const double *)t->data)[i]
             : t->dtype == PDRT_I64 ? (double)((const int64_t *)t->data)[i]
                                    : ((const float *)t->data)[i];
    return v;
}

/* A runtime view of double data as the node's dtype (f32 or f64). */
static PdrtTensor as_tensor(const IrType *t, const double *v) {
    PdrtTensor r;
    pdrt_tensor_alloc(&r, (PdrtDType)t->dtype, t->rank, t->dims);
    int64_t n = pdrt_numel(&r) * (t->dtype == IR_C64 ? 2 : 1);
    for (int64_t i = 0; i < n; i++) {
        if (t->dtype == IR_F64) ((double *)r.data)[i] = v[i];
        else if (t->dtype == IR_I64) ((int64_t *)r.data)[i] = (int64_t)v[i];
        else ((float *)r.data)[i] = (float)v[i];
    }
    return r;
}

/* A transpose of a constant, done here: the interpreter would copy the
 * operand to f32 and the result back to double. */
static double *transpose_value(const BoundsGraph *b, const IrNode *n) {
    const IrType *in = &ir_node(b->g, n->in[0])->type, *out = &n->type;
    const int64_t *perm = ir_get_ints(n, "perm", NULL);
    int64_t unit = out->dtype == IR_C64 ? 2 : 1, count = ir_type_numel(out), stride[IR_MAX_RANK], s = unit;
    for (uint32_t i = in->rank; i-- > 0;) stride[i] = s, s *= in->dims[i];
    const double *v = b->nodes[n->in[0]].value;
    double *r = pd_xmalloc((size_t)(count * unit + 1) * sizeof *r);
    for (int64_t f = 0; f < count; f++) {
        int64_t rem = f, idx = 0;
        for (uint32_t i = out->rank; i-- > 0;) idx += (rem % out->dims[i]) * stride[perm[i]], rem /= out->dims[i];
        for (int64_t u = 0; u < unit; u++) r[f * unit + u] = v[idx + u];
    }
    return r;
}

/* Evaluates a constant node from its constant operands. */
static bool eval_constant(BoundsGraph *b, IrId id, char *err, size_t errlen) {
    const IrNode *n = ir_node(b->g, id);
    const IrTensorData *d = ir_node_data(b->g, id);
    if (d) {
        PdrtTensor t = {.dtype = (PdrtDType)d->type.dtype, .rank = d->type.rank, .data = d->data};
        memcpy(t.dims, d->type.dims, d->type.rank * sizeof(int64_t));
        b->nodes[id].value = to_double(&t);
        return true;
    }
    if (n->op == IR_OP_PARAM) {
        snprintf(err, errlen, "parameter '%s' has no weights bound", n->name);
        return false;
    }
    if (n->op == IR_OP_TRANSPOSE) return b->nodes[id].value = transpose_value(b, n), true;
    PdrtTensor in[16], out;
    if (n->nin > 16) return snprintf(err, errlen, "too many operands"), false;
    for (uint32_t k = 0; k < n->nin; k++)
        in[k] = as_tensor(&ir_node(b->g, n->in[k])->type, b->nodes[n->in[k]].value);
    bool ok = interp_eval_node(b->g, id, in, &out, err, errlen);
    for (uint32_t k = 0; k < n->nin; k++) pdrt_tensor_free(&in[k]);
    if (!ok) return false;
    b->nodes[id].value = to_double(&out);
    pdrt_tensor_free(&out);
    return true;
}

/* Data movement (transpose, slice, pad, concat, broadcast, gather) with
 * one variable operand is a selection: every output element is one input
 * element or a constant.  Which, the interpreter tells: run the op once
 * with the variable operand numbered 1..n and once with it zero; where
 * the runs differ the output copies element (number - 1), elsewhere it is
 * the constant both runs agree on.  Numbers are exact in f32 up to 2^24.
 * A c64 operand is numbered per real unit (re and im apart), so real,
 * imag and complex slices are selections too; conj copies the imaginary
 * part negated, which shows as a negative number: a term of weight -1. */
static bool is_selection(IrOpKind op) {
    switch (op) {
    case IR_OP_TRANSPOSE: case IR_OP_SLICE: case IR_OP_PAD: case IR_OP_CONCAT: case IR_OP_BROADCAST:
    case IR_OP_GATHER: case IR_OP_REAL: case IR_OP_IMAG: case IR_OP_CONJ:
        return true;
    default:
        return false;
    }
}

static bool selection_run(BoundsGraph *b, IrId id, bool numbered, PdrtTensor *out, char *err, size_t errlen) {
    const IrNode *n = ir_node(b->g, id);
    PdrtTensor in[16];
    for (uint32_t k = 0; k < n->nin; k++) {
        const BNode *op = &b->nodes[n->in[k]];
        const IrType *t = &ir_node(b->g, n->in[k])->type;
        double *v = op->variable ? pd_xcalloc((size_t)op->n + 1, sizeof *v) : NULL;
        for (int64_t i = 0; v && numbered && i < op->n; i++) v[i] = (double)(i + 1);
        in[k] = as_tensor(t, v ? v : op->value);
        free(v);
    }
    bool ok = interp_eval_node(b->g, id, in, out, err, errlen);
    for (uint32_t k = 0; k < n->nin; k++) pdrt_tensor_free(&in[k]);
    return ok;
}

static bool selection_map(BoundsGraph *b, IrId id, char *err, size_t errlen) {
    const IrNode *n = ir_node(b->g, id);
    uint32_t vars = 0;
    for (uint32_t k = 0; k < n->nin; k++) vars += b->nodes[n->in[k]].variable;
    if (vars != 1 || n->nin > 16 || b->nodes[n->in[0]].n >= (1 << 24))
        return snprintf(err, errlen, "bounds: %s needs exactly one input-dependent operand of fewer than 2^24 elements",
                        ir_op_info(n->op)->name), false;
    PdrtTensor a, z;
    if (!selection_run(b, id, true, &a, err, errlen)) return false;
    if (!selection_run(b, id, false, &z, err, errlen)) return pdrt_tensor_free(&a), false;
    double *va = to_double(&a), *vz = to_double(&z);
    BNode *bn = &b->nodes[id];
    bn->map = pd_xcalloc(1, sizeof *bn->map);
    bn->map->bias = pd_xcalloc((size_t)bn->n + 1, sizeof(double));
    for (int64_t o = 0; o < bn->n; o++) {
        if (va[o] > vz[o]) bounds_sparse_push(bn->map, o, (int64_t)(va[o] - vz[o]) - 1, 1.0);
        else if (va[o] < vz[o]) bounds_sparse_push(bn->map, o, (int64_t)(vz[o] - va[o]) - 1, -1.0);
        else bn->map->bias[o] = vz[o];
    }
    free(va), free(vz), pdrt_tensor_free(&a), pdrt_tensor_free(&z);
    return true;
}

/* Output index -> operand index under numpy broadcasting. */
static int64_t *broadcast_map(const IrType *out, const IrType *in) {
    int64_t n = ir_type_numel(out), *map = pd_xmalloc((size_t)(n ? n : 1) * sizeof *map);
    int64_t stride[IR_MAX_RANK] = {0}, s = 1;
    uint32_t off = out->rank - in->rank;
    for (uint32_t i = in->rank; i-- > 0;) {
        stride[off + i] = in->dims[i] == 1 ? 0 : s;
        s *= in->dims[i];
    }
    for (int64_t f = 0; f < n; f++) {
        int64_t rem = f, idx = 0;
        for (uint32_t i = out->rank; i-- > 0;) {
            idx += (rem % out->dims[i]) * stride[i];
            rem /= out->dims[i];
        }
        map[f] = idx;
    }
    bool identity = ir_type_numel(in) == n;
    for (int64_t f = 0; f < n && identity; f++) identity = map[f] == f;
    if (identity) return free(map), NULL; /* same elements: the rules need no map */
    if (out->dtype != IR_C64) return map;
    int64_t *pairs = pd_xmalloc((size_t)(2 * n + 1) * sizeof *pairs); /* per real unit */
    for (int64_t f = 0; f < 2 * n; f++) pairs[f] = 2 * map[f / 2] + f % 2;
    free(map);
    return pairs;
}

/* Ops whose rule is linear over real units also take c64 tensors (as
 * (re, im) pairs); the others only f32.  Weights must be constants. */
static bool complex_ok(IrOpKind op) {
    return op == IR_OP_ADD || op == IR_OP_SUB || op == IR_OP_NEG || op == IR_OP_RESHAPE || is_selection(op) ||
           bounds_is_spectral(op);
}

static bool rule_applies(const BoundsGraph *b, const IrNode *n) {
    if (!bounds_supported(n->op)) return false;
    if (n->type.dtype != IR_F32 && !(n->type.dtype == IR_C64 && complex_ok(n->op))) return false;
    if (n->nin == 0) return true;
    const IrType *in0 = &ir_node(b->g, n->in[0])->type;
    if (in0->dtype != IR_F32 && !(in0->dtype == IR_C64 && complex_ok(n->op))) return false;
    if (n->op == IR_OP_MATMUL)
        return !b->nodes[n->in[1]].variable && ir_node(b->g, n->in[1])->type.rank == 2 &&
               ir_node(b->g, n->in[1])->type.dtype == IR_F32;
    if (n->op == IR_OP_CONV1D || n->op == IR_OP_CONV2D || n->op == IR_OP_MIX) return !b->nodes[n->in[1]].variable;
    return true;
}

/* When a node's IBP bounds are already exact, CROWN cannot tighten them
 * and is skipped: BOX, each unit a scaled and shifted distinct input unit;
 * EXACT, each unit one linear map of a BOX (a first layer: its IBP is the
 * exact range), or a copy, shift or scaling of such units. */
enum { EX_NONE, EX_BOX, EX_EXACT };

static uint8_t exactness(const BoundsGraph *b, const IrNode *n) {
    if (n->op == IR_OP_INPUT) return EX_BOX;
    uint8_t v = EX_NONE;
    uint32_t vars = 0;
    for (uint32_t k = 0; k < n->nin; k++)
        if (b->nodes[n->in[k]].variable) v = b->nodes[n->in[k]].exact, vars++;
    if (vars != 1 || (n->op == IR_OP_MUL && n->type.dtype != IR_F32)) return EX_NONE;
    switch (n->op) {
    case IR_OP_ADD: case IR_OP_SUB: case IR_OP_MUL: case IR_OP_NEG: case IR_OP_RESHAPE: case IR_OP_TRANSPOSE:
    case IR_OP_SLICE:
        return v;
    case IR_OP_BROADCAST: case IR_OP_GATHER: /* copies: no longer distinct */
        return v == EX_EXACT ? EX_EXACT : EX_NONE;
    case IR_OP_MATMUL: case IR_OP_CONV1D: case IR_OP_CONV2D: case IR_OP_AVGPOOL1D: case IR_OP_AVGPOOL2D:
        return v == EX_BOX ? EX_EXACT : EX_NONE;
    default:
        return EX_NONE;
    }
}

/* A matmul weight w = transpose(P), P a 2-D f32 tensor with data (a
 * parameter, `x @ transpose(weight)`): P's rows are the rows of W^T that
 * DenseW keeps, so neither w nor P need a value.  NULL otherwise. */
static const IrTensorData *transposed_data(const BoundsGraph *b, IrId w) {
    const IrNode *n = ir_node(b->g, w);
    if (n->op != IR_OP_TRANSPOSE || n->type.rank != 2) return NULL;
    const int64_t *perm = ir_get_ints(n, "perm", NULL);
    const IrTensorData *d = ir_node_data(b->g, n->in[0]);
    return perm[0] == 1 && d && d->type.dtype == IR_F32 && d->type.rank == 2 ? d : NULL;
}

static DenseW *dense_weight(const BoundsGraph *b, const IrNode *n) {
    DenseW *d = pd_xcalloc(1, sizeof *d);
    IrId w = n->in[1];
    const IrType *t = &ir_node(b->g, w)->type;
    int64_t K = d->K = t->dims[0], N = d->N = t->dims[1];
    const IrTensorData *p = transposed_data(b, w);
    if (p) {
        d->wt = p->data;
    } else {
        const double *v = b->nodes[w].value; /* f32 values: the node is f32 */
        d->own = pd_xmalloc((size_t)(K * N) * sizeof *d->own + 8);
        for (int64_t kk = 0; kk < K; kk++)
            for (int64_t j = 0; j < N; j++) d->own[j * K + kk] = (float)v[kk * N + j];
        d->wt = d->own;
    }
    d->wmax = bounds_vec_absmax32(d->wt, K * N); /* NaN: no f32 products then */
    return d;
}

/* Which constants need a value: the operands of variable nodes (but not
 * a weight DenseW reads in place) and, in turn, theirs.  Others (a
 * parameter's double copy, its transpose) would cost time and memory. */
static bool *needed_constants(const BoundsGraph *b) {
    bool *need = pd_xcalloc(b->count + 1, sizeof *need);
    for (uint32_t i = b->count; i-- > 0;) {
        const IrNode *n = ir_node(b->g, i);
        if (!b->nodes[i].variable && !need[i]) continue;
        for (uint32_t k = 0; k < n->nin; k++) {
            IrId o = n->in[k];
            bool in_place = b->nodes[i].variable && n->op == IR_OP_MATMUL && k == 1 && transposed_data(b, o);
            if (!b->nodes[o].variable && !in_place) need[o] = true;
        }
    }
    return need;
}

/* A variable node's rule: its bounds, and what the rule precomputes. */
static bool setup_variable(BoundsGraph *b, uint32_t i, char *err, size_t errlen) {
    const IrNode *n = ir_node(b->g, i);
    BNode *bn = &b->nodes[i];
    if (!rule_applies(b, n)) {
        snprintf(err, errlen, "bounds: no rule for %s of %s on the input's path yet", ir_op_info(n->op)->name,
                 ir_type_str(b->g->arena, &n->type));
        return false;
    }
    bn->exact = exactness(b, n);
    bn->affine = bounds_affine_op(b, n);
    bn->lo = pd_xcalloc((size_t)bn->n + 1, sizeof(double));
    bn->hi = pd_xcalloc((size_t)bn->n + 1, sizeof(double));
    bn->rho = pd_xcalloc((size_t)bn->n + 1, sizeof(double));
    if (is_selection(n->op)) return selection_map(b, i, err, errlen);
    if (bounds_is_spectral(n->op)) return bounds_spectral_setup(b, n, bn, err, errlen);
    if (n->op == IR_OP_CONV1D || n->op == IR_OP_CONV2D || n->op == IR_OP_AVGPOOL1D || n->op == IR_OP_AVGPOOL2D ||
        n->op == IR_OP_MAXPOOL1D || n->op == IR_OP_MAXPOOL2D)
        bn->map = bounds_sparse_map(b, n);
    else if (n->op == IR_OP_MATMUL)
        bn->dense = dense_weight(b, n);
    else if (n->nin == 2)
        for (int k = 0; k < 2; k++) bn->bcast[k] = broadcast_map(&n->type, &ir_node(b->g, n->in[k])->type);
    return true;
}

/* Marks what depends on the input; evaluates the constants its rules
 * need; checks the variable ops have rules. */
static bool classify(BoundsGraph *b, char *err, size_t errlen) {
    for (uint32_t i = 0; i < b->count; i++) {
        const IrNode *n = ir_node(b->g, i);
        BNode *bn = &b->nodes[i];
        bn->n = ir_type_numel(&n->type) * (n->type.dtype == IR_C64 ? 2 : 1);
        bn->variable = n->op == IR_OP_INPUT;
        for (uint32_t k = 0; k < n->nin; k++) bn->variable |= b->nodes[n->in[k]].variable;
    }
    bool *need = needed_constants(b), ok = true;
    for (uint32_t i = 0; i < b->count && ok; i++) {
        if (b->nodes[i].variable) ok = setup_variable(b, i, err, errlen);
        else if (need[i]) ok = eval_constant(b, i, err, errlen);
    }
    free(need);
    return ok;
}

BoundsGraph *bounds_prepare(const IrGraph *g, char *err, size_t errlen) {
    BoundsGraph *b = pd_xcalloc(1, sizeof *b);
    b->g = g;
    b->count = g->nodes.len;
    b->nodes = pd_xcalloc(b->count + 1, sizeof(BNode));
    b->input = b->output = IR_NONE;
    b->alpha_iters = 20, b->alpha_lr = 0.5;
    b->threads = 1, b->f32_rows = 64;
    for (uint32_t i = 0; i < b->count; i++) {
        const IrNode *n = ir_node(g, i);
        if (n->op == IR_OP_INPUT && b->input == IR_NONE) b->input = i;
        else if (n->op == IR_OP_INPUT) return snprintf(err, errlen, "bounds: the model has more than one input"), bounds_free(b), NULL;
        if (n->op == IR_OP_OUTPUT && b->output == IR_NONE) b->output = n->in[0];
    }
    if (b->input == IR_NONE || b->output == IR_NONE) {
        snprintf(err, errlen, "bounds: the model needs an input and an output");
        bounds_free(b);
        return NULL;
    }
    if (!classify(b, err, errlen)) return bounds_free(b), NULL;
    if (!b->nodes[b->output].variable) {
        snprintf(err, errlen, "bounds: the output does not depend on the input");
        return bounds_free(b), NULL;
    }
    return b;
}

void bounds_free(BoundsGraph *b) {
    if (!b) return;
    for (uint32_t i = 0; i < b->count; i++) {
        BNode *n = &b->nodes[i];
        free(n->value), free(n->lo), free(n->hi), free(n->bcast[0]), free(n->bcast[1]);
        bounds_sparse_free(n->map);
        bounds_xform_free(n->xf);
        free(n->rho);
        if (n->dense) free(n->dense->own), free(n->dense);
    }
    free(b->nodes);
    free(b);
}

void bounds_set_f32(BoundsGraph *b, bool on) { b->f32 = on; }

void bounds_set_alpha(BoundsGraph *b, int iters, double lr) { b->alpha_iters = iters, b->alpha_lr = lr; }

void bounds_set_threads(BoundsGraph *b, int threads) { b->threads = threads < 1 ? 1 : threads; }

void bounds_product_stats(const BoundsGraph *b, double *flops, double *seconds) {
    *flops = b->gemm_flops, *seconds = b->gemm_seconds;
}

int64_t bounds_input_size(const BoundsGraph *b) { return b->nodes[b->input].n; }
int64_t bounds_output_size(const BoundsGraph *b) { return b->nodes[b->output].n; }

/* Which relaxation uses node id's bounds: none, a ReLU-like unit (only
 * units of open sign matter), or an S-shaped one (every unit matters). */
typedef enum { RELAX_NONE, RELAX_PIECEWISE, RELAX_SMOOTH } RelaxUse;

static bool is_smooth(IrOpKind op) {
    return op == IR_OP_TANH || op == IR_OP_SIGMOID || op == IR_OP_GELU || op == IR_OP_EXP || op == IR_OP_SOFTMAX;
}

/* A product of two input-dependent operands relaxes by both operands'
 * bounds, every unit. */
static bool in_product(const BoundsGraph *b, const IrNode *n, IrId id) {
    return n->op == IR_OP_MUL && b->nodes[n->in[0]].variable && b->nodes[n->in[1]].variable &&
           (n->in[0] == id || n->in[1] == id);
}

static RelaxUse relax_use(const BoundsGraph *b, IrId id) {
    RelaxUse use = RELAX_NONE;
    for (uint32_t i = id + 1; i < b->count; i++) {
        const IrNode *n = ir_node(b->g, i);
        if (in_product(b, n, id)) return RELAX_SMOOTH;
        if (n->nin != 1 || n->in[0] != id) continue;
        if (is_smooth(n->op)) return RELAX_SMOOTH;
        if (n->op == IR_OP_RELU || n->op == IR_OP_LEAKY_RELU) use = RELAX_PIECEWISE;
    }
    return use;
}

/* Tightens node id's bounds with a backward CROWN pass: for a ReLU-like
 * consumer only the units whose sign is still open (the others need no
 * relaxation), for an S-shaped one every unit. */
static void tighten(BoundsGraph *b, IrId id, RelaxUse use) {
    BNode *bn = &b->nodes[id];
    int64_t n = bn->n, k = 0;
    int64_t *open = pd_xmalloc((size_t)n * sizeof *open + 8);
    for (int64_t i = 0; i < n; i++)
        if (use == RELAX_SMOOTH || (bn->lo[i] < 0 && bn->hi[i] > 0)) open[k++] = i;
    if (k > 0 && bounds_affine_exact(b, id, k)) { /* affine: forward mode (affine.c) */
        free(open);
        return;
    }
    /* rows in chunks: the backward pass holds k x n matrices per node */
    int64_t chunk = k < TIGHTEN_ROWS ? k : TIGHTEN_ROWS;
    double *C = pd_xmalloc((size_t)(chunk * n) * sizeof *C + 8), *lo = pd_xmalloc((size_t)chunk * sizeof *lo + 8),
           *hi = pd_xmalloc((size_t)chunk * sizeof *hi + 8);
    for (int64_t r0 = 0; r0 < k; r0 += chunk) {
        int64_t rows = k - r0 < chunk ? k - r0 : chunk;
        memset(C, 0, (size_t)(rows * n) * sizeof *C);
        for (int64_t r = 0; r < rows; r++) C[r * n + open[r0 + r]] = 1;
        if (use == RELAX_PIECEWISE) bounds_crown_sign(b, id, C, rows, lo, hi);
        else bounds_crown(b, id, C, NULL, rows, lo, hi, NULL);
        for (int64_t r = 0; r < rows; r++) {
            bn->lo[open[r0 + r]] = fmax(bn->lo[open[r0 + r]], lo[r]);
            bn->hi[open[r0 + r]] = fmin(bn->hi[open[r0 + r]], hi[r]);
        }
    }
    free(C), free(lo), free(hi), free(open);
}

/* Intersects node id's bounds with the prior state's. */
static void apply_prior(BoundsGraph *b, IrId id) {
    const double *p = b->prior;
    for (uint32_t i = 0; i < id; i++)
        if (b->nodes[i].variable) p += 2 * b->nodes[i].n;
    BNode *bn = &b->nodes[id];
    for (int64_t i = 0; i < bn->n; i++) bn->lo[i] = fmax(bn->lo[i], p[i]), bn->hi[i] = fmin(bn->hi[i], p[bn->n + i]);
}

int64_t bounds_state_size(const BoundsGraph *b) {
    int64_t n = 0;
    for (uint32_t i = 0; i < b->count; i++)
        if (b->nodes[i].variable) n += 2 * b->nodes[i].n;
    return n;
}

void bounds_save_state(const BoundsGraph *b, double *state) {
    for (uint32_t i = 0; i < b->count; i++) {
        const BNode *bn = &b->nodes[i];
        if (!bn->variable) continue;
        memcpy(state, bn->lo, (size_t)bn->n * sizeof *state);
        memcpy(state + bn->n, bn->hi, (size_t)bn->n * sizeof *state);
        state += 2 * bn->n;
    }
}

void bounds_use_prior(BoundsGraph *b, const double *state) { b->prior = state; }

/* Sets the input box and computes every variable node's bounds. */
static void propagate(BoundsGraph *b, const double *in_lo, const double *in_hi, BoundsMethod method) {
    BNode *in = &b->nodes[b->input];
    memcpy(in->lo, in_lo, (size_t)in->n * sizeof(double));
    memcpy(in->hi, in_hi, (size_t)in->n * sizeof(double));
    for (uint32_t i = b->input + 1; i < b->count; i++) {
        if (!b->nodes[i].variable || ir_node(b->g, i)->op == IR_OP_OUTPUT) continue;
        b->nodes[i].exact_now = false;
        bounds_ibp_node(b, i);
        if (b->f32) bounds_rounding(b, i);
        if (b->prior) apply_prior(b, i);
        RelaxUse use = method != BOUNDS_IBP && b->nodes[i].exact == EX_NONE ? relax_use(b, i) : RELAX_NONE;
        if (use != RELAX_NONE) tighten(b, i, use);
    }
}

/* CROWN with C = identity read off an exactly bounded node under an
 * elementwise output (affine.c): no k x m rows; intersected with IBP. */
static bool diag(BoundsGraph *b, double *lo, double *hi) {
    int64_t m = b->nodes[b->output].n;
    double *cl = pd_xmalloc((size_t)(2 * m) * sizeof *cl + 8), *ch = cl + m;
    bool ok = bounds_affine_diag(b, cl, ch);
    for (int64_t r = 0; ok && r < m; r++) lo[r] = fmax(lo[r], cl[r]), hi[r] = fmin(hi[r], ch[r]);
    free(cl);
    return ok;
}

static void linear(BoundsGraph *b, const double *in_lo, const double *in_hi, BoundsMethod method,
                   const double *C, const double *d, int64_t k, double *lo, double *hi, double *A_in) {
    propagate(b, in_lo, in_hi, method);
    const BNode *out = &b->nodes[b->output];
    int64_t m = out->n;
    /* IBP of C·y + d from the output's intervals; CROWN may only tighten it. */
    for (int64_t r = 0; r < k; r++) {
        double l = d ? d[r] : 0, h = l;
        if (!C) { /* the identity: no k x m loop (m may be 65536) */
            lo[r] = l + (r < m ? out->lo[r] : 0), hi[r] = h + (r < m ? out->hi[r] : 0);
            continue;
        }
        for (int64_t j = 0; j < m; j++) {
            double c = C[r * m + j];
            l += c >= 0 ? c * out->lo[j] : c * out->hi[j];
            h += c >= 0 ? c * out->hi[j] : c * out->lo[j];
        }
        lo[r] = l, hi[r] = h;
    }
    if (method == BOUNDS_IBP || (method == BOUNDS_CROWN && !C && !d && !A_in && k == m && diag(b, lo, hi))) return;
    double *eye = NULL, *cl = pd_xmalloc((size_t)k * sizeof *cl + 8), *ch = pd_xmalloc((size_t)k * sizeof *ch + 8);
    if (!C) {
        eye = pd_xcalloc((size_t)(k * m) + 1, sizeof *eye);
        for (int64_t i = 0; i < k; i++) eye[i * m + i] = 1;
    }
    if (method == BOUNDS_ALPHA_CROWN) {
        bounds_alpha_optimize(b, C ? C : eye, d, k, lo, hi);
    } else {
        bounds_crown(b, b->output, C ? C : eye, d, k, cl, ch, A_in);
        for (int64_t r = 0; r < k; r++) lo[r] = fmax(lo[r], cl[r]), hi[r] = fmin(hi[r], ch[r]);
    }
    free(eye), free(cl), free(ch);
}

void bounds_linear(BoundsGraph *b, const double *in_lo, const double *in_hi, BoundsMethod method,
                   const double *C, const double *d, int64_t k, double *lo, double *hi) {
    linear(b, in_lo, in_hi, method, C, d, k, lo, hi, NULL);
}

void bounds_linear_coef(BoundsGraph *b, const double *in_lo, const double *in_hi, const double *C,
                        const double *d, int64_t k, double *lo, double *hi, double *A) {
    linear(b, in_lo, in_hi, BOUNDS_CROWN, C, d, k, lo, hi, A);
}

bool bounds_eval(BoundsGraph *b, const double *x, double *y, char *err, size_t errlen) {
    const IrType *t = &ir_node(b->g, b->input)->type;
    PdrtTensor in = as_tensor(t, x), out;
    bool ok = interp_run(b->g, &in, 1, &out, 1, err, errlen);
    pdrt_tensor_free(&in);
    if (!ok) return false;
    double *v = to_double(&out);
    memcpy(y, v, (size_t)bounds_output_size(b) * sizeof *y);
    free(v);
    pdrt_tensor_free(&out);
    return true;
}

void bounds_eval_real(BoundsGraph *b, const double *x, double *y) {
    const double *prior = b->prior; /* a point needs no prior bounds */
    bool f32 = b->f32;                /* and real means real */
    b->prior = NULL, b->f32 = false;
    propagate(b, x, x, BOUNDS_IBP);
    b->prior = prior, b->f32 = f32;
    const BNode *out = &b->nodes[b->output];
    memcpy(y, out->lo, (size_t)out->n * sizeof *y);
}
