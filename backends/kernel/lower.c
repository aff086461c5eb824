/* lower.c — fusion groups to kernel IR: buffers, one kernel per group
 * (two for irfft: an input-preparing loop and the transform), reductions
 * and contractions as loop nests with accumulators, and copies for
 * outputs that no kernel stores. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lower_impl.h"
#include "../../passes/passes.h"


static uint32_t add_buffer(KProgram *p, KBufClass cls, const IrType *t, IrId value) {
    KBuf b = {.cls = cls, .dtype = lx_part_dtype(t->dtype), .value = value, .inplace_of = KIR_NONE,
              .scalars = ir_type_numel(t) * (t->dtype == IR_C64 ? 2 : 1)};
    vec_push(p->arena, &p->bufs, b);
    return p->bufs.len - 1;
}

static size_t align_up(size_t n) { return (n + KIR_ALIGN - 1) / KIR_ALIGN * KIR_ALIGN; }

uint32_t lower_buffer(Lower *L, IrId id) {
    if (L->buf_of[id] != KIR_NONE) return L->buf_of[id];
    const IrNode *n = ir_node(L->g, id);
    uint32_t b;
    if (n->op == IR_OP_RESHAPE) {
        b = lower_buffer(L, n->in[0]);
    } else if (n->op == IR_OP_INPUT) {
        b = add_buffer(L->p, KB_INPUT, &n->type, id);
        L->p->bufs.data[b].slot = L->p->ninputs++;
    } else if (n->op == IR_OP_PARAM || n->op == IR_OP_CONST) {
        const IrTensorData *d = ir_node_data(L->g, id);
        if (!d) pd_die("lower: param '%s' has no weights", n->name ? n->name : "?");
        b = add_buffer(L->p, KB_WEIGHT, &n->type, id);
        L->p->bufs.data[b].offset = L->p->weights_bytes;
        L->p->weights_bytes += align_up(d->nbytes);
    } else {
        b = add_buffer(L->p, KB_ARENA, &n->type, id);
    }
    return L->buf_of[id] = b;
}

static KId linear_index(Lower *L, const IrType *t, const KId *idx) {
    KId lin = kir_idx_const(L->p, 0);
    int64_t stride = 1;
    for (uint32_t d = t->rank; d-- > 0;) {
        lin = kir_idx_add(L->p, kir_idx_mul(L->p, idx[d], stride), lin);
        stride *= t->dims[d];
    }
    return lin;
}

static KId load_scalar(Lower *L, uint32_t b, KId index) {
    KExpr e = {.kind = KX_LOAD, .dtype = L->p->bufs.data[b].dtype, .buf = b, .index = index,
               .a = KIR_NONE, .b = KIR_NONE, .c = KIR_NONE};
    return kir_expr(L->p, e);
}

KVal lower_load(Lower *L, uint32_t b, const IrType *t, const KId *idx) {
    KId lin = linear_index(L, t, idx);
    if (t->dtype != IR_C64) return (KVal){load_scalar(L, b, lin), KIR_NONE};
    KId two = kir_idx_mul(L->p, lin, 2);
    return (KVal){load_scalar(L, b, two), load_scalar(L, b, kir_idx_add(L->p, two, kir_idx_const(L->p, 1)))};
}

/* A const of one element is a literal in the code. */
static bool literal(Lower *L, const IrNode *n, IrId id, KVal *out) {
    if (n->op != IR_OP_CONST || ir_type_numel(&n->type) != 1) return false;
    const IrTensorData *d = ir_node_data(L->g, id);
    IrDType dt = lx_part_dtype(n->type.dtype);
    switch (n->type.dtype) {
    case IR_F32: *out = (KVal){kir_const(L->p, dt, ((const float *)d->data)[0]), KIR_NONE}; return true;
    case IR_F64: *out = (KVal){kir_const(L->p, dt, ((const double *)d->data)[0]), KIR_NONE}; return true;
    case IR_I64: *out = (KVal){kir_const(L->p, dt, (double)((const int64_t *)d->data)[0]), KIR_NONE}; return true;
    case IR_C64: {
        const float *f = d->data;
        *out = (KVal){kir_const(L->p, dt, f[0]), kir_const(L->p, dt, f[1])};
        return true;
    }
    default: return false;
    }
}

static KVal accumulators(Lower *L, const IrNode *n) {
    KExpr e = {.kind = KX_ACC, .dtype = lx_part_dtype(n->type.dtype), .a = KIR_NONE, .b = KIR_NONE,
               .c = KIR_NONE, .index = KIR_NONE, .buf = KIR_NONE};
    KVal v = {kir_expr(L->p, e), KIR_NONE};
    if (n->type.dtype == IR_C64) e.lo = 1, v.im = kir_expr(L->p, e);
    if (L->acc_scale != 1) {
        KId s = kir_const(L->p, e.dtype, L->acc_scale);
        v.re = lx_binary(L, IR_OP_MUL, v.re, s, e.dtype);
        if (v.im != KIR_NONE) v.im = lx_binary(L, IR_OP_MUL, v.im, s, e.dtype);
    }
    return v;
}

KVal lower_value(Lower *L, IrId id, const KId *idx) {
    const IrNode *n = ir_node(L->g, id);
    KVal v;
    if (literal(L, n, id, &v)) return v;
    if (id == L->acc_node) return accumulators(L, n);
    uint8_t role = L->plan->role[id];
    bool computed_here = L->plan->group_of[id] == L->group && (role == FUSE_INLINE || role == FUSE_ROOT);
    if (!computed_here) return lower_load(L, lower_buffer(L, id), &n->type, idx);
    return lower_op(L, id, idx);
}

/* ---- kernels ----------------------------------------------------------------- */

static KKernel *new_kernel(Lower *L, KKernelKind kind, uint32_t out, const char *what) {
    KKernel k = {.kind = kind, .group = L->group, .out = out, .scale = 1, .nstore = 1,
                 .store = {KIR_NONE, KIR_NONE}, .body = {KIR_NONE, KIR_NONE}};
    k.name = arena_printf(L->p->arena, "k%u_%s", L->p->kernels.len, what);
    vec_push(L->p->arena, &L->p->kernels, k);
    return &L->p->kernels.data[L->p->kernels.len - 1];
}

static void set_loop_space(Lower *L, KKernel *k, const IrType *t, KId *vars) {
    k->rank = t->rank;
    for (uint32_t d = 0; d < t->rank; d++) k->ext[d] = t->dims[d], vars[d] = kir_idx_var(L->p, d);
}

static void set_stores(KKernel *k, KVal v) {
    k->store[0] = v.re;
    k->store[1] = v.im;
    k->nstore = v.im == KIR_NONE ? 1 : 2;
}

/* A plain loop: store the root's value at every point. */
static void lower_loop(Lower *L, IrId root, uint32_t out, const char *what) {
    KId vars[IR_MAX_RANK];
    KKernel *k = new_kernel(L, KK_LOOP, out, what);
    set_loop_space(L, k, &ir_node(L->g, root)->type, vars);
    KVal v = lower_value(L, root, vars);
    k = &L->p->kernels.data[L->p->kernels.len - 1]; /* lowering may have grown the vector */
    set_stores(k, v);
}


/* An anchor or a reduction with its epilogue: accumulate, then store the
 * group's root with the accumulators standing for the anchor's value. */
static void lower_reduction(Lower *L, const FuseGroup *grp, uint32_t out) {
    const IrNode *a = ir_node(L->g, grp->anchor);
    KId vars[IR_MAX_RANK];
    KKernel *k = new_kernel(L, KK_LOOP, out, ir_op_info(a->op)->name);
    uint32_t ki = L->p->kernels.len - 1;
    set_loop_space(L, k, &ir_node(L->g, grp->root)->type, vars);
    KKernel tmp = *k;
    L->acc_scale = 1;
    KVal body = lower_contraction(L, &tmp, a, vars);
    tmp.body[0] = body.re, tmp.body[1] = body.im;
    tmp.nacc = body.im == KIR_NONE ? 1 : 2;
    tmp.acc_dtype = lx_part_dtype(a->type.dtype);
    L->acc_node = grp->anchor;
    set_stores(&tmp, lower_value(L, grp->root, vars));
    L->acc_node = IR_NONE;
    L->p->kernels.data[ki] = tmp;
}


static void lower_group(Lower *L, uint32_t gi) {
    const FuseGroup *grp = &L->plan->groups[gi];
    L->group = gi;
    uint32_t out = lower_buffer(L, grp->root);
    if (grp->anchor == IR_NONE)
        lower_loop(L, grp->root, out, ir_op_info(ir_node(L->g, grp->root)->op)->name);
    else if (ir_op_info(ir_node(L->g, grp->anchor)->op)->cls == IR_CLASS_SPECTRAL)
        lower_fft(L, grp, out);
    else if (!lower_gemm(L, grp, out))
        lower_reduction(L, grp, out);
}

/* Outputs: the kernel storing the value writes the caller's buffer;
 * a copy is made when no kernel stores it (an input, a weight, or a
 * value already bound to another output). */
static void lower_outputs(Lower *L) {
    uint32_t nout = 0;
    for (IrId id = 0; id < L->g->nodes.len; id++) {
        const IrNode *n = ir_node(L->g, id);
        if (n->op != IR_OP_OUTPUT) continue;
        uint32_t b = lower_buffer(L, n->in[0]);
        KBuf *buf = &L->p->bufs.data[b];
        if (buf->cls == KB_ARENA) {
            buf->cls = KB_OUTPUT, buf->slot = nout++, buf->value = id;
            continue;
        }
        L->group = FUSE_NO_GROUP;
        uint32_t copy = add_buffer(L->p, KB_OUTPUT, &n->type, id);
        L->p->bufs.data[copy].slot = nout++;
        lower_loop(L, n->in[0], copy, "copy");
    }
    L->p->noutputs = nout;
}

static bool io_types_supported(const IrGraph *g, char *err, size_t errlen) {
    for (IrId id = 0; id < g->nodes.len; id++) {
        const IrNode *n = ir_node(g, id);
        if ((n->op == IR_OP_INPUT || n->op == IR_OP_OUTPUT) && n->type.dtype != IR_F32 && n->type.dtype != IR_C64) {
            snprintf(err, errlen, "compiled engines take f32 and c64 inputs and outputs; %s '%s' is %s",
                     n->op == IR_OP_INPUT ? "input" : "output", n->name, ir_dtype_name(n->type.dtype));
            return false;
        }
        if (n->op == IR_OP_SOFTMAX || n->op == IR_OP_LAYER_NORM)
            pd_die("lower: %s must be decomposed first", ir_op_info(n->op)->name);
    }
    return true;
}

/* [A-Za-z_][A-Za-z0-9_]*: a model name becomes an identifier prefix, so
 * nothing from a model file reaches the generated code unescaped. */
static const char *sanitize(Arena *a, const char *name) {
    size_t n = name ? strlen(name) : 0;
    char *s = arena_alloc(a, n + 4);
    size_t j = 0;
    if (!n || isdigit((unsigned char)name[0])) s[j++] = 'm', s[j++] = '_';
    for (size_t i = 0; i < n; i++) s[j++] = isalnum((unsigned char)name[i]) ? name[i] : '_';
    s[j] = 0;
    return s;
}

KProgram *kir_lower(const IrGraph *g, const FusionPlan *plan, char *err, size_t errlen) {
    if (!io_types_supported(g, err, errlen)) return NULL;
    Arena *a = arena_new();
    KProgram *p = arena_alloc(a, sizeof *p);
    p->arena = a, p->g = g, p->name = sanitize(a, g->name);
    Lower L = {.p = p, .g = g, .plan = plan, .acc_node = IR_NONE, .acc_scale = 1, .err = err, .errlen = errlen,
               .buf_of = arena_alloc(a, (g->nodes.len + 1) * sizeof(uint32_t))};
    for (IrId i = 0; i < g->nodes.len; i++) L.buf_of[i] = KIR_NONE;
    for (IrId i = 0; i < g->nodes.len; i++) /* inputs keep their API order */
        if (ir_node(g, i)->op == IR_OP_INPUT) lower_buffer(&L, i);
    for (uint32_t gi = 0; gi < plan->ngroups; gi++) lower_group(&L, gi);
    lower_outputs(&L);
    return p;
}

KProgram *kir_build(IrGraph *g, FusionPlan **plan_out, Arena *a, char *err, size_t errlen) {
    DiagCtx *dc = diag_new(stderr);
    static const char *const prepare[] = {"freeze", "decompose", "canonicalize", NULL};
    PassOptions opt = {.out = stderr};
    if (!pass_run_pipeline(g, prepare, &opt, dc)) pd_die("preparing the graph for a compiled backend failed");
    diag_free(dc);
    FusionPlan *plan = fusion_plan(g, a);
    if (plan_out) *plan_out = plan;
    KProgram *p = kir_lower(g, plan, err, errlen);
    if (!p) return NULL;
    kir_memplan(p);
    char why[512];
    if (!kir_memplan_check(p, why, sizeof why)) pd_die("memory plan: %s", why);
    return p;
}
