/* sema_expr.c — evaluating expressions: literals, names, operators,
 * conditionals, lists, indexing and tensor slicing.
 *
 *   expr  = expr ? expr : expr | expr OP expr | -expr | not expr | postfix
 *   slice = x[a:b:c, i, ...]  (Python semantics, negative indices count
 *           from the end; an int index drops the axis)
 */
#include <string.h>

#include "sema.h"

Value sema_op(Sema *S, IrOpKind op, const IrId *in, uint32_t nin, const IrAttr *attrs,
              uint32_t nattr, SrcLoc loc) {
    char err[512];
    IrId id = ir_add(S->g, op, in, nin, attrs, nattr, loc, err, sizeof err);
    if (id == IR_NONE) {
        sema_error(S, loc, "%s", err);
        return v_error();
    }
    return v_tensor(id);
}

/* ---- compile-time arithmetic ------------------------------------------ */

static Value int_arith(Sema *S, OpKind op, int64_t a, int64_t b, SrcLoc loc) {
    int64_t r = 0;
    bool overflow = false;
    switch (op) {
    case OP_ADD: overflow = __builtin_add_overflow(a, b, &r); break;
    case OP_SUB: overflow = __builtin_sub_overflow(a, b, &r); break;
    case OP_MUL: overflow = __builtin_mul_overflow(a, b, &r); break;
    case OP_DIV:
        if (b == 0) {
            sema_error(S, loc, "division by zero in a constant expression");
            return v_error();
        }
        if (a == INT64_MIN && b == -1) overflow = true;
        else r = a / b - ((a % b != 0) && ((a < 0) != (b < 0))); /* floor, like dims want */
        break;
    default: pd_die("not an arithmetic op");
    }
    if (overflow) {
        sema_error(S, loc, "integer overflow in a constant expression");
        return v_error();
    }
    return v_int(r);
}

static Value float_arith(Sema *S, OpKind op, double a, double b, SrcLoc loc) {
    switch (op) {
    case OP_ADD: return v_float(a + b);
    case OP_SUB: return v_float(a - b);
    case OP_MUL: return v_float(a * b);
    case OP_DIV:
        if (b == 0) {
            sema_error(S, loc, "division by zero in a constant expression");
            return v_error();
        }
        return v_float(a / b);
    default: pd_die("not an arithmetic op");
    }
}

static bool is_number(Value v) { return v.kind == V_INT || v.kind == V_FLOAT; }
static double as_double(Value v) { return v.kind == V_FLOAT ? v.f : (double)v.i; }

static Value compare(Sema *S, OpKind op, Value a, Value b, SrcLoc loc) {
    int c;
    if (is_number(a) && is_number(b)) {
        double x = as_double(a), y = as_double(b);
        c = x < y ? -1 : x > y;
    } else if (a.kind == V_STR && b.kind == V_STR) {
        c = strcmp(a.s, b.s);
    } else if (a.kind == V_BOOL && b.kind == V_BOOL && (op == OP_EQ || op == OP_NE)) {
        c = a.i != b.i;
    } else {
        sema_error(S, loc, "cannot compare %s with %s", v_describe(S, a), v_describe(S, b));
        return v_error();
    }
    switch (op) {
    case OP_EQ: return v_bool(c == 0);
    case OP_NE: return v_bool(c != 0);
    case OP_LT: return v_bool(c < 0);
    case OP_LE: return v_bool(c <= 0);
    case OP_GT: return v_bool(c > 0);
    default: return v_bool(c >= 0);
    }
}

static Value concat_lists(Sema *S, Value a, Value b, SrcLoc loc) {
    if (a.n + b.n > SEMA_MAX_LIST) {
        sema_error(S, loc, "list too long");
        return v_error();
    }
    Value r = {.kind = V_LIST, .n = a.n + b.n};
    r.items = arena_alloc(S->arena, (r.n + 1) * sizeof(Value));
    memcpy(r.items, a.items, a.n * sizeof(Value));
    memcpy(r.items + a.n, b.items, b.n * sizeof(Value));
    return r;
}

static Value repeat_list(Sema *S, Value a, int64_t times, SrcLoc loc) {
    if (times < 0 || (a.n && times > SEMA_MAX_LIST / a.n)) {
        sema_error(S, loc, "list repetition count %lld is out of range", (long long)times);
        return v_error();
    }
    Value r = {.kind = V_LIST, .n = a.n * (uint32_t)times};
    r.items = arena_alloc(S->arena, (r.n + 1) * sizeof(Value));
    for (int64_t t = 0; t < times; t++) memcpy(r.items + t * a.n, a.items, a.n * sizeof(Value));
    return r;
}

/* A compile-time number as a rank-0 constant of a tensor's dtype. */
static IrId scalar_like(Sema *S, Value num, const IrType *t, SrcLoc loc) {
    return ir_add_scalar(S->g, t->dtype, as_double(num), loc);
}

static const IrOpKind tensor_ops[] = {[OP_ADD] = IR_OP_ADD, [OP_SUB] = IR_OP_SUB, [OP_MUL] = IR_OP_MUL,
                                      [OP_DIV] = IR_OP_DIV, [OP_MATMUL] = IR_OP_MATMUL};

static Value tensor_binary(Sema *S, OpKind op, Value a, Value b, SrcLoc loc) {
    if (op > OP_MATMUL) {
        sema_error(S, loc, "operator needs compile-time values, not %s and %s", v_describe(S, a),
                   v_describe(S, b));
        return v_error();
    }
    if (op == OP_MATMUL && (a.kind != V_TENSOR || b.kind != V_TENSOR)) {
        sema_error(S, loc, "'@' needs two tensors, not %s and %s", v_describe(S, a), v_describe(S, b));
        return v_error();
    }
    IrId in[2];
    for (int k = 0; k < 2; k++) {
        Value v = k ? b : a, other = k ? a : b;
        if (v.kind == V_TENSOR) in[k] = v.id;
        else if (is_number(v)) in[k] = scalar_like(S, v, v_type(S, other), loc);
        else {
            sema_error(S, loc, "cannot combine %s with %s", v_describe(S, a), v_describe(S, b));
            return v_error();
        }
    }
    return sema_op(S, tensor_ops[op], in, 2, NULL, 0, loc);
}

Value sema_binary(Sema *S, OpKind op, Value a, Value b, SrcLoc loc) {
    if (a.kind == V_ERROR || b.kind == V_ERROR) return v_error();
    if (a.kind == V_TENSOR || b.kind == V_TENSOR) return tensor_binary(S, op, a, b, loc);
    if (op >= OP_EQ && op <= OP_GE) return compare(S, op, a, b, loc);
    if (op == OP_AND || op == OP_OR) {
        if (a.kind != V_BOOL || b.kind != V_BOOL) {
            sema_error(S, loc, "'%s' needs two bools, not %s and %s", op == OP_AND ? "and" : "or",
                       v_describe(S, a), v_describe(S, b));
            return v_error();
        }
        return v_bool(op == OP_AND ? a.i && b.i : a.i || b.i);
    }
    if (a.kind == V_INT && b.kind == V_INT && op != OP_MATMUL) return int_arith(S, op, a.i, b.i, loc);
    if (is_number(a) && is_number(b) && op != OP_MATMUL) return float_arith(S, op, as_double(a), as_double(b), loc);
    if (op == OP_ADD && a.kind == V_LIST && b.kind == V_LIST) return concat_lists(S, a, b, loc);
    if (op == OP_MUL && a.kind == V_LIST && b.kind == V_INT) return repeat_list(S, a, b.i, loc);
    if (op == OP_ADD && a.kind == V_STR && b.kind == V_STR) return v_str(arena_printf(S->arena, "%s%s", a.s, b.s));
    sema_error(S, loc, "invalid operands: %s and %s", v_describe(S, a), v_describe(S, b));
    return v_error();
}

static Value unary(Sema *S, Scope *sc, const Expr *e) {
    Value a = sema_eval(S, sc, e->a);
    if (a.kind == V_ERROR) return a;
    if (e->op == OP_NOT) {
        if (a.kind == V_BOOL) return v_bool(!a.i);
        sema_error(S, e->loc, "'not' needs a bool, not %s", v_describe(S, a));
        return v_error();
    }
    if (a.kind == V_INT) return int_arith(S, OP_SUB, 0, a.i, e->loc);
    if (a.kind == V_FLOAT) return v_float(-a.f);
    if (a.kind == V_TENSOR) return sema_op(S, IR_OP_NEG, &a.id, 1, NULL, 0, e->loc);
    sema_error(S, e->loc, "cannot negate %s", v_describe(S, a));
    return v_error();
}

static Value conditional(Sema *S, Scope *sc, const Expr *e) {
    Value c = sema_eval(S, sc, e->a);
    if (c.kind == V_ERROR) return c;
    if (c.kind != V_BOOL) {
        sema_error(S, e->a->loc, "condition must be a compile-time bool, not %s", v_describe(S, c));
        return v_error();
    }
    return sema_eval(S, sc, c.i ? e->b : e->c);
}

static Value list(Sema *S, Scope *sc, const Expr *e) {
    Value r = {.kind = V_LIST, .n = e->items.len};
    r.items = arena_alloc(S->arena, (r.n + 1) * sizeof(Value));
    for (uint32_t i = 0; i < r.n; i++) {
        r.items[i] = sema_eval(S, sc, e->items.data[i]);
        if (r.items[i].kind == V_ERROR) return v_error();
    }
    return r;
}

static Value name(Sema *S, Scope *sc, const Expr *e) {
    Binding *b = scope_find(sc, e->s);
    if (!b) {
        sema_error(S, e->loc, "use of undeclared name '%s'", e->s);
        return v_error();
    }
    return b->v;
}

/* ---- indexing --------------------------------------------------------- */

static Value index_list(Sema *S, Scope *sc, Value base, const Expr *e) {
    if (e->items.len != 1 || e->items.data[0]->kind == EX_SLICE) {
        sema_error(S, e->loc, "a list takes one integer index");
        return v_error();
    }
    int64_t i;
    const Expr *ie = e->items.data[0];
    if (!v_to_int(S, sema_eval(S, sc, ie), ie->loc, "a list index", &i)) return v_error();
    int64_t j = i < 0 ? i + base.n : i;
    if (j < 0 || j >= (int64_t)base.n) {
        sema_error(S, ie->loc, "index %lld is out of range for a list of %u", (long long)i, base.n);
        return v_error();
    }
    return base.items[j];
}

/* An optional slice bound; false after an error.  *given: was there one. */
static bool bound(Sema *S, Scope *sc, const Expr *e, int64_t *out, bool *given) {
    *given = e != NULL;
    if (!e) return true;
    return v_to_int(S, sema_eval(S, sc, e), e->loc, "a slice bound", out);
}

/* Python's slice of an axis of size d, with out-of-range bounds refused. */
static bool norm_slice(Sema *S, Scope *sc, const Expr *sub, int64_t d, int64_t *s, int64_t *e, int64_t *k) {
    int64_t lo = 0, hi = 0, step = 1;
    bool has_lo, has_hi, has_step;
    if (!bound(S, sc, sub->a, &lo, &has_lo) || !bound(S, sc, sub->b, &hi, &has_hi) ||
        !bound(S, sc, sub->c, &step, &has_step))
        return false;
    if (step == 0) {
        sema_error(S, sub->c->loc, "slice step cannot be zero");
        return false;
    }
    for (int w = 0; w < 2; w++) {
        int64_t v = w ? hi : lo;
        const Expr *be = w ? sub->b : sub->a;
        if ((w ? has_hi : has_lo) && (v < -d || v > d)) {
            sema_error(S, be->loc, "slice bound %lld is out of range for an axis of size %lld", (long long)v,
                       (long long)d);
            return false;
        }
    }
    if (has_lo && lo < 0) lo += d;
    if (has_hi && hi < 0) hi += d;
    if (step > 0) {
        *s = has_lo ? lo : 0;
        *e = has_hi ? hi : d;
        if (*e < *s) *e = *s;
    } else {
        *s = has_lo ? (lo >= d ? d - 1 : lo) : d - 1;
        *e = has_hi ? hi : -1;
        if (*e > *s) *e = *s;
    }
    *k = step;
    return true;
}

/* x[i] on an axis: slice i:i+1, and remember to drop the axis. */
static bool int_index(Sema *S, Scope *sc, const Expr *sub, int64_t d, int64_t *s, int64_t *e) {
    int64_t i;
    if (!v_to_int(S, sema_eval(S, sc, sub), sub->loc, "a tensor index", &i)) return false;
    if (i < -d || i >= d) {
        sema_error(S, sub->loc, "index %lld is out of range for an axis of size %lld", (long long)i, (long long)d);
        return false;
    }
    *s = i < 0 ? i + d : i;
    *e = *s + 1;
    return true;
}

static Value index_tensor(Sema *S, Scope *sc, Value base, const Expr *e) {
    const IrType t = *v_type(S, base);
    if (e->items.len > t.rank) {
        sema_error(S, e->loc, "%u indices for %s", e->items.len, ir_type_str(S->arena, &t));
        return v_error();
    }
    int64_t st[IR_MAX_RANK], en[IR_MAX_RANK], sp[IR_MAX_RANK], shape[IR_MAX_RANK];
    uint32_t kept = 0;
    bool drop = false;
    for (uint32_t i = 0; i < t.rank; i++) {
        const Expr *sub = i < e->items.len ? e->items.data[i] : NULL;
        st[i] = 0, en[i] = t.dims[i], sp[i] = 1;
        bool ok = true;
        if (sub && sub->kind == EX_SLICE) ok = norm_slice(S, sc, sub, t.dims[i], &st[i], &en[i], &sp[i]);
        else if (sub) ok = int_index(S, sc, sub, t.dims[i], &st[i], &en[i]), drop = true;
        if (!ok) return v_error();
        if (!sub || sub->kind == EX_SLICE)
            shape[kept++] = sp[i] > 0 ? (en[i] - st[i] + sp[i] - 1) / sp[i] : (st[i] - en[i] - sp[i] - 1) / -sp[i];
    }
    IrAttr a[3] = {ir_attr_ints("starts", st, t.rank), ir_attr_ints("ends", en, t.rank),
                   ir_attr_ints("steps", sp, t.rank)};
    Value r = sema_op(S, IR_OP_SLICE, &base.id, 1, a, 3, e->loc);
    if (r.kind == V_ERROR || !drop) return r;
    IrAttr rs = ir_attr_ints("shape", shape, kept);
    return sema_op(S, IR_OP_RESHAPE, &r.id, 1, &rs, 1, e->loc);
}

static Value index(Sema *S, Scope *sc, const Expr *e) {
    Value base = sema_eval(S, sc, e->a);
    if (base.kind == V_ERROR) return base;
    if (base.kind == V_LIST) return index_list(S, sc, base, e);
    if (base.kind == V_TENSOR) return index_tensor(S, sc, base, e);
    sema_error(S, e->loc, "cannot index %s", v_describe(S, base));
    return v_error();
}

Value sema_eval(Sema *S, Scope *sc, const Expr *e) {
    switch (e->kind) {
    case EX_INT: return v_int(e->i);
    case EX_FLOAT: return v_float(e->f);
    case EX_BOOL: return v_bool(e->i != 0);
    case EX_STRING: return v_str(e->s);
    case EX_DTYPE: return v_str(e->s);
    case EX_NAME: return name(S, sc, e);
    case EX_LIST: return list(S, sc, e);
    case EX_BINARY: {
        Value a = sema_eval(S, sc, e->a);
        if (a.kind == V_ERROR) return a;
        return sema_binary(S, e->op, a, sema_eval(S, sc, e->b), e->loc);
    }
    case EX_UNARY: return unary(S, sc, e);
    case EX_COND: return conditional(S, sc, e);
    case EX_CALL: return sema_call(S, sc, e);
    case EX_INDEX: return index(S, sc, e);
    case EX_SLICE: sema_error(S, e->loc, "a slice is only allowed inside [ ]"); return v_error();
    case EX_ELLIPSIS: sema_error(S, e->loc, "'...' is only allowed in a type"); return v_error();
    case EX_KWARG: sema_error(S, e->loc, "a keyword argument is only allowed in a call"); return v_error();
    }
    pd_die("bad expression kind %d", (int)e->kind);
}
