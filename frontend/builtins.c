/* builtins.c — the functions every model can call: each IR op by name,
 * plus shape(x) and len(list).
 *
 *   op(tensors..., attrs...)   tensors first, then attributes positionally
 *                              in the op's schema order, or by keyword:
 *                              rfft(x, axes=[1, 2]), reshape(x, [1, 1568])
 *
 * Friendly defaults on top of the op table: conv stride 1, padding 0,
 * dilation 1 (an int stands for every spatial axis); pool stride = kernel;
 * sum/mean/... over all axes; transpose reverses the axes; softmax and
 * layer_norm over the last axis; negative axes count from the end;
 * reshape takes one -1.  A number next to a tensor in an elementwise op
 * becomes a constant of the tensor's dtype.
 */
#include <string.h>

#include "sema.h"

enum { B_SHAPE = IR_NOPS, B_LEN, B_COUNT };

const char *sema_builtin_name(int64_t index) {
    if (index == B_SHAPE) return "shape";
    if (index == B_LEN) return "len";
    return ir_op_info((IrOpKind)index)->name;
}

void sema_register_builtins(Sema *S, Scope *global) {
    for (int i = 0; i < B_COUNT; i++) {
        if (i == IR_OP_INPUT || i == IR_OP_PARAM || i == IR_OP_CONST || i == IR_OP_OUTPUT) continue;
        scope_set(S, global, sema_builtin_name(i), (Value){.kind = V_BUILTIN, .i = i}, true);
    }
}

/* ---- operands ----------------------------------------------------------- */

typedef struct {
    IrOpKind op;
    const char *name;
    IrId in[64];
    uint32_t nin;
    IrAttr attr[IR_MAX_ATTRS];
    uint32_t nattr;
    int64_t ints[IR_MAX_ATTRS][IR_MAX_RANK * 2 + 64];
    SrcLoc loc;
} OpCall;

static bool is_num(Value v) { return v.kind == V_INT || v.kind == V_FLOAT; }

/* Takes the leading tensor arguments as operands.  OUT: *used args. */
static bool take_operands(Sema *S, OpCall *c, const Args *args, uint32_t *used) {
    const IrOpInfo *info = ir_op_info(c->op);
    uint32_t max = info->max_in < 0 ? 64 : (uint32_t)info->max_in, a = 0;
    if (info->max_in < 0 && args->n && !args->items[0].name && args->items[0].v.kind == V_LIST) {
        Value l = args->items[0].v; /* concat([a, b, c], axis=1) */
        for (uint32_t i = 0; i < l.n && c->nin < max; i++) {
            if (l.items[i].kind != V_TENSOR) {
                sema_error(S, args->items[0].loc, "'%s' needs a list of tensors", c->name);
                return false;
            }
            c->in[c->nin++] = l.items[i].id;
        }
        *used = 1;
        return true;
    }
    const IrType *like = NULL;
    for (uint32_t i = 0; i < args->n && !args->items[i].name; i++)
        if (args->items[i].v.kind == V_TENSOR) like = v_type(S, args->items[i].v);
    for (; a < args->n && c->nin < max && !args->items[a].name; a++) {
        Value v = args->items[a].v;
        if (v.kind == V_TENSOR) c->in[c->nin++] = v.id;
        else if (is_num(v) && like && (info->flags & IR_F_ELEMWISE) && c->nin < (uint32_t)info->min_in)
            c->in[c->nin++] = ir_add_scalar(S->g, like->dtype, v.kind == V_FLOAT ? v.f : (double)v.i, args->items[a].loc);
        else break;
    }
    if (c->nin < (uint32_t)info->min_in) {
        SrcLoc at = a < args->n ? args->items[a].loc : c->loc;
        Value v = a < args->n ? args->items[a].v : v_none();
        if (a < args->n)
            sema_error(S, at, "argument %u of '%s' must be a tensor, not %s", a + 1, c->name, v_describe(S, v));
        else
            sema_error(S, at, "'%s' needs %d tensor argument%s, got %u", c->name, info->min_in,
                       info->min_in == 1 ? "" : "s", c->nin);
        return false;
    }
    *used = a;
    return true;
}

/* ---- attributes --------------------------------------------------------- */

static IrAttr *find_attr(OpCall *c, const char *key) {
    for (uint32_t i = 0; i < c->nattr; i++)
        if (strcmp(c->attr[i].key, key) == 0) return &c->attr[i];
    return NULL;
}

/* Converts v to an attribute of kind k named key. */
static bool to_attr(Sema *S, OpCall *c, const char *key, IrAttrKind k, Value v, SrcLoc loc) {
    const char *what = arena_printf(S->arena, "'%s' of '%s'", key, c->name);
    IrAttr *a = &c->attr[c->nattr];
    int64_t *buf = c->ints[c->nattr];
    uint32_t n;
    IrDType dt;
    switch (k) {
    case IR_ATTR_INT:
        if (!v_to_int(S, v, loc, what, &buf[0])) return false;
        *a = ir_attr_int(key, buf[0]);
        break;
    case IR_ATTR_INTS:
        if (!v_to_ints(S, v, loc, what, buf, &n, IR_MAX_RANK * 2 + 64)) return false;
        *a = ir_attr_ints(key, buf, n);
        break;
    case IR_ATTR_FLOAT:
        if (!is_num(v)) {
            sema_error(S, loc, "%s must be a number, not %s", what, v_describe(S, v));
            return false;
        }
        *a = ir_attr_float(key, v.kind == V_FLOAT ? v.f : (double)v.i);
        break;
    case IR_ATTR_STR:
        if (v.kind != V_STR) {
            sema_error(S, loc, "%s must be a string, not %s", what, v_describe(S, v));
            return false;
        }
        *a = ir_attr_str(key, v.s);
        break;
    case IR_ATTR_DTYPE:
        if (v.kind != V_STR || !ir_dtype_parse(v.s, &dt)) {
            sema_error(S, loc, "%s must be a dtype (f32, f64, c64, i64)", what);
            return false;
        }
        *a = ir_attr_dtype(key, dt);
        break;
    }
    c->nattr++;
    return true;
}

/* Remaining positional args, then keywords, become attributes. */
static bool take_attrs(Sema *S, OpCall *c, const Args *args, uint32_t from) {
    const char *names[IR_MAX_ATTRS];
    IrAttrKind kinds[IR_MAX_ATTRS];
    uint32_t ns = ir_op_attr_schema(c->op, names, kinds), pos = 0;
    for (uint32_t i = from; i < args->n; i++) {
        const Arg *arg = &args->items[i];
        uint32_t k = 0;
        if (!arg->name) {
            if (pos >= ns) {
                sema_error(S, arg->loc, "too many arguments to '%s'", c->name);
                return false;
            }
            k = pos++;
        } else {
            while (k < ns && strcmp(names[k], arg->name) != 0) k++;
            if (k == ns) {
                sema_error(S, arg->loc, "'%s' has no parameter named '%s'", c->name, arg->name);
                return false;
            }
        }
        if (find_attr(c, names[k])) {
            sema_error(S, arg->loc, "argument '%s' of '%s' is given twice", names[k], c->name);
            return false;
        }
        if (!to_attr(S, c, names[k], kinds[k], arg->v, arg->loc)) return false;
    }
    return true;
}

/* ---- friendly defaults -------------------------------------------------- */

static void set_ints(OpCall *c, const char *key, const int64_t *v, uint32_t n) {
    IrAttr *a = find_attr(c, key);
    if (!a) a = &c->attr[c->nattr++];
    int64_t *buf = c->ints[a - c->attr];
    memmove(buf, v, n * sizeof *v);
    *a = ir_attr_ints(key, buf, n);
}

/* An attribute given as one int for several spatial axes is repeated. */
static void spatial(OpCall *c, const char *key, uint32_t sd, int64_t dflt) {
    IrAttr *a = find_attr(c, key);
    if (a && a->n != 1) return; /* a full list: the shape rule checks its length */
    int64_t v[IR_MAX_RANK];
    for (uint32_t i = 0; i < sd; i++) v[i] = a ? a->ints[0] : dflt;
    set_ints(c, key, v, sd);
}

static uint32_t rank0(Sema *S, const OpCall *c) { return c->nin ? ir_node(S->g, c->in[0])->type.rank : 0; }

static void normalize_axes(Sema *S, OpCall *c) {
    int64_t r = rank0(S, c);
    IrAttr *a = find_attr(c, "axis");
    if (a && a->kind == IR_ATTR_INT && a->i < 0) a->i += r;
    a = find_attr(c, "axes");
    if (a && a->kind == IR_ATTR_INTS) {
        int64_t *buf = c->ints[a - c->attr];
        for (uint32_t i = 0; i < a->n; i++)
            if (buf[i] < 0) buf[i] += r;
    }
}

static void defaults(Sema *S, OpCall *c) {
    uint32_t r = rank0(S, c);
    int64_t all[IR_MAX_RANK];
    for (uint32_t i = 0; i < r; i++) all[i] = (c->op == IR_OP_TRANSPOSE) ? r - 1 - i : i;
    switch (c->op) {
    case IR_OP_CONV1D: case IR_OP_CONV2D: {
        uint32_t sd = c->op == IR_OP_CONV1D ? 1 : 2;
        spatial(c, "stride", sd, 1), spatial(c, "padding", sd, 0), spatial(c, "dilation", sd, 1);
        break;
    }
    case IR_OP_MAXPOOL1D: case IR_OP_MAXPOOL2D: case IR_OP_AVGPOOL1D: case IR_OP_AVGPOOL2D: {
        uint32_t sd = c->op == IR_OP_MAXPOOL1D || c->op == IR_OP_AVGPOOL1D ? 1 : 2;
        if (!find_attr(c, "kernel")) break; /* ir_add reports it missing */
        spatial(c, "kernel", sd, 1);
        if (!find_attr(c, "stride")) set_ints(c, "stride", find_attr(c, "kernel")->ints, sd);
        spatial(c, "stride", sd, 1), spatial(c, "padding", sd, 0);
        break;
    }
    case IR_OP_SUM: case IR_OP_MEAN: case IR_OP_REDUCE_MAX: case IR_OP_REDUCE_MIN:
        if (!find_attr(c, "axes")) set_ints(c, "axes", all, r);
        break;
    case IR_OP_TRANSPOSE:
        if (!find_attr(c, "perm")) set_ints(c, "perm", all, r);
        break;
    case IR_OP_SOFTMAX: case IR_OP_LAYER_NORM:
        if (!find_attr(c, "axis")) c->attr[c->nattr++] = ir_attr_int("axis", (int64_t)r - 1);
        break;
    default: break;
    }
    normalize_axes(S, c);
}

/* reshape(x, [a, -1, b]): the -1 takes what is left. */
static bool infer_minus_one(Sema *S, OpCall *c) {
    IrAttr *a = find_attr(c, "shape");
    if (c->op != IR_OP_RESHAPE || !a) return true;
    int64_t *buf = c->ints[a - c->attr], known = 1;
    int free_at = -1;
    for (uint32_t i = 0; i < a->n; i++) {
        if (buf[i] == -1 && free_at < 0) free_at = (int)i;
        else if (buf[i] > 0) known *= buf[i];
    }
    if (free_at >= 0) {
        int64_t total = ir_type_numel(&ir_node(S->g, c->in[0])->type);
        if (known == 0 || total % known) {
            sema_error(S, c->loc, "reshape: cannot infer -1 for %s", ir_type_str(S->arena, &ir_node(S->g, c->in[0])->type));
            return false;
        }
        buf[free_at] = total / known;
    }
    return true;
}

/* ---- calls -------------------------------------------------------------- */

static Value call_op(Sema *S, IrOpKind op, const Args *args, SrcLoc loc) {
    OpCall *c = arena_alloc(S->arena, sizeof *c);
    c->op = op;
    c->name = ir_op_info(op)->name;
    c->loc = loc;
    uint32_t used;
    if (!take_operands(S, c, args, &used) || !take_attrs(S, c, args, used)) return v_error();
    defaults(S, c);
    if (!infer_minus_one(S, c)) return v_error();
    return sema_op(S, op, c->in, c->nin, c->attr, c->nattr, loc);
}

static Value call_shape(Sema *S, const Args *args, SrcLoc loc) {
    if (args->n != 1 || args->items[0].v.kind != V_TENSOR) {
        sema_error(S, loc, "'shape' takes one tensor");
        return v_error();
    }
    const IrType *t = v_type(S, args->items[0].v);
    Value r = {.kind = V_LIST, .n = t->rank};
    r.items = arena_alloc(S->arena, (t->rank + 1) * sizeof(Value));
    for (uint32_t i = 0; i < t->rank; i++) r.items[i] = v_int(t->dims[i]);
    return r;
}

static Value call_len(Sema *S, const Args *args, SrcLoc loc) {
    if (args->n != 1 || args->items[0].v.kind != V_LIST) {
        sema_error(S, loc, "'len' takes one list");
        return v_error();
    }
    return v_int(args->items[0].v.n);
}

Value sema_call_builtin(Sema *S, int64_t index, const Args *args, SrcLoc loc) {
    if (index == B_SHAPE) return call_shape(S, args, loc);
    if (index == B_LEN) return call_len(S, args, loc);
    return call_op(S, (IrOpKind)index, args, loc);
}
