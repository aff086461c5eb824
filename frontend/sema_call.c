/* sema_call.c — calls: argument binding, tensor type patterns, module
 * instantiation, and inlining of forward and def bodies.
 *
 *   call  = callee '(' [arg {',' arg}] ')';  arg = expr | NAME '=' expr
 *
 * A tensor parameter's type is a pattern: a bare name not yet bound
 * (B, X, Y) binds to the argument's dim; anything else is evaluated and
 * must equal it; a leading '...' matches any number of dims.
 */
#include <string.h>

#include "sema.h"

bool sema_eval_args(Sema *S, Scope *sc, const ExprList *list, Args *out) {
    out->n = list->len;
    out->items = arena_alloc(S->arena, (list->len + 1) * sizeof(Arg));
    bool ok = true;
    for (uint32_t i = 0; i < list->len; i++) {
        const Expr *e = list->data[i];
        Arg *a = &out->items[i];
        a->loc = e->loc;
        if (e->kind == EX_KWARG) {
            a->name = e->s;
            e = e->a;
        }
        a->v = sema_eval(S, sc, e);
        ok &= a->v.kind != V_ERROR;
    }
    return ok;
}

/* ---- types ------------------------------------------------------------ */

/* Renders a type pattern with the dims known in sc: "f32[B,64,33]". */
static const char *pattern_str(Sema *S, Scope *sc, const TypeExpr *t) {
    char buf[512];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s[", ir_dtype_name(t->dtype));
    for (uint32_t i = 0; i < t->dims.len && n < sizeof buf; i++) {
        const Expr *d = t->dims.data[i];
        Binding *b = d->kind == EX_NAME ? scope_find(sc, d->s) : NULL;
        const char *sep = i ? "," : "";
        if (d->kind == EX_ELLIPSIS) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s...", sep);
        else if (d->kind == EX_INT) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%lld", sep, (long long)d->i);
        else if (b && b->v.kind == V_INT) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%lld", sep, (long long)b->v.i);
        else if (d->kind == EX_NAME) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", sep, d->s);
        else n += (size_t)snprintf(buf + n, sizeof buf - n, "%s?", sep);
    }
    if (n < sizeof buf) snprintf(buf + n, sizeof buf - n, "]");
    return arena_strdup(S->arena, buf);
}

/* Matches one dim pattern against size d, binding a new symbol. */
static bool match_dim(Sema *S, Scope *sc, const Expr *pat, int64_t d, bool *mismatch) {
    if (pat->kind == EX_NAME && !scope_find(sc, pat->s)) {
        scope_set(S, sc, pat->s, v_int(d), true);
        scope_find_local(sc, pat->s)->is_symbol = true;
        return true;
    }
    int64_t want;
    if (!v_to_int(S, sema_eval(S, sc, pat), pat->loc, "a dimension", &want)) return false;
    if (want != d) *mismatch = true;
    return true;
}

/* Matches type pattern t against the actual type; binds symbols in sc. */
static bool match_type(Sema *S, Scope *sc, const TypeExpr *t, const IrType *have, SrcLoc loc, const char *what) {
    uint32_t np = t->dims.len, skip = 0;
    bool ellipsis = np && t->dims.data[0]->kind == EX_ELLIPSIS;
    bool mismatch = have->dtype != t->dtype;
    if (ellipsis) {
        np--;
        if (have->rank < np) mismatch = true;
        else skip = have->rank - np;
    } else if (have->rank != np) {
        mismatch = true;
    }
    for (uint32_t i = 0; !mismatch && i < np; i++)
        if (!match_dim(S, sc, t->dims.data[i + ellipsis], have->dims[skip + i], &mismatch)) return false;
    if (mismatch)
        sema_error(S, loc, "%s has type %s, expected %s", what, ir_type_str(S->arena, have), pattern_str(S, sc, t));
    return !mismatch;
}

bool sema_eval_type(Sema *S, Scope *sc, const TypeExpr *t, IrType *out) {
    memset(out, 0, sizeof *out);
    out->dtype = t->dtype;
    if (t->dims.len > IR_MAX_RANK) {
        sema_error(S, t->loc, "rank %u is more than %d", t->dims.len, IR_MAX_RANK);
        return false;
    }
    for (uint32_t i = 0; i < t->dims.len; i++) {
        const Expr *d = t->dims.data[i];
        if (d->kind == EX_ELLIPSIS) {
            sema_error(S, d->loc, "'...' is only allowed in a parameter type");
            return false;
        }
        int64_t v;
        if (!v_to_int(S, sema_eval(S, sc, d), d->loc, "a dimension", &v)) return false;
        if (v < 0 || v > ((int64_t)1 << 40)) {
            sema_error(S, d->loc, "dimension %lld is out of range", (long long)v);
            return false;
        }
        out->dims[out->rank++] = v;
    }
    return true;
}

/* ---- binding arguments to parameters ---------------------------------- */

/* Checks a scalar annotation (int, float, bool, str, int[N]). */
static bool check_scalar(Sema *S, Scope *sc, const Param *p, Value v, SrcLoc loc, const char *fn) {
    const char *want = p->scalar;
    bool ok = strcmp(want, "int") == 0 ? v.kind == V_INT
            : strcmp(want, "float") == 0 ? v.kind == V_FLOAT || v.kind == V_INT
            : strcmp(want, "bool") == 0 ? v.kind == V_BOOL
            : strcmp(want, "str") == 0 ? v.kind == V_STR
            : false;
    if (!strcmp(want, "int") || !strcmp(want, "float") || !strcmp(want, "bool") || !strcmp(want, "str")) {
        if (p->scalar_len) {
            int64_t n;
            if (!v_to_int(S, sema_eval(S, sc, p->scalar_len), p->scalar_len->loc, "a list length", &n)) return false;
            ok = v.kind == V_LIST && v.n == n;
            for (uint32_t i = 0; ok && i < v.n; i++) ok = v.items[i].kind == V_INT || strcmp(want, "int") != 0;
            if (!ok) sema_error(S, loc, "argument '%s' of '%s' must be %s[%lld], not %s", p->name, fn, want, (long long)n, v_describe(S, v));
            return ok;
        }
        if (!ok) sema_error(S, loc, "argument '%s' of '%s' must be %s, not %s", p->name, fn, want, v_describe(S, v));
        return ok;
    }
    sema_error(S, p->loc, "unknown type '%s' (int, float, bool, str or a tensor type)", want);
    return false;
}

static bool check_param_value(Sema *S, Scope *sc, const Param *p, Value v, SrcLoc loc, const char *fn) {
    if (v.kind == V_ERROR) return false;
    if (p->tensor) {
        if (v.kind != V_TENSOR) {
            sema_error(S, loc, "argument '%s' of '%s' must be a tensor, not %s", p->name, fn, v_describe(S, v));
            return false;
        }
        const char *what = arena_printf(S->arena, "argument '%s' of '%s'", p->name, fn);
        return match_type(S, sc, p->tensor, v_type(S, v), loc, what);
    }
    return p->scalar ? check_scalar(S, sc, p, v, loc, fn) : true;
}

/* Finds which parameter each argument goes to. OUT: slot[param] = arg. */
static bool assign_args(Sema *S, const ParamList *ps, const Args *args, SrcLoc loc, const char *fn, int *slot) {
    uint32_t positional = 0;
    for (uint32_t i = 0; i < ps->len; i++) slot[i] = -1;
    for (uint32_t a = 0; a < args->n; a++) {
        const Arg *arg = &args->items[a];
        uint32_t p = 0;
        if (!arg->name) {
            if (positional >= ps->len) {
                sema_error(S, arg->loc, "too many arguments to '%s' (expected at most %u, got %u)", fn, ps->len, args->n);
                return false;
            }
            p = positional++;
        } else {
            while (p < ps->len && strcmp(ps->data[p].name, arg->name) != 0) p++;
            if (p == ps->len) {
                sema_error(S, arg->loc, "'%s' has no parameter named '%s'", fn, arg->name);
                return false;
            }
        }
        if (slot[p] >= 0) {
            sema_error(S, arg->loc, "argument '%s' of '%s' is given twice", ps->data[p].name, fn);
            return false;
        }
        slot[p] = (int)a;
    }
    (void)loc;
    return true;
}

/* Binds args to params in sc (positional, then keywords, then defaults). */
static bool bind_params(Sema *S, Scope *sc, const ParamList *ps, const Args *args, SrcLoc loc, const char *fn) {
    int slot_buf[64], *slot = ps->len <= 64 ? slot_buf : arena_alloc(S->arena, ps->len * sizeof(int));
    if (!assign_args(S, ps, args, loc, fn, slot)) return false;
    for (uint32_t i = 0; i < ps->len; i++) {
        const Param *p = &ps->data[i];
        Value v;
        SrcLoc at = loc;
        if (slot[i] >= 0) {
            v = args->items[slot[i]].v;
            at = args->items[slot[i]].loc;
        } else if (p->dflt) {
            v = sema_eval(S, sc, p->dflt);
        } else {
            sema_error(S, loc, "missing argument '%s' in call to '%s'", p->name, fn);
            return false;
        }
        if (!check_param_value(S, sc, p, v, at, fn)) return false;
        if (scope_find_local(sc, p->name) && !scope_find_local(sc, p->name)->is_symbol) {
            sema_error(S, p->loc, "parameter '%s' is declared twice", p->name);
            return false;
        }
        scope_set(S, sc, p->name, v, false);
    }
    return true;
}

/* ---- modules, forward, def ---------------------------------------------- */

Instance *sema_instantiate(Sema *S, const Stmt *module, const Args *args, const char *prefix, SrcLoc loc) {
    Instance *inst = arena_alloc(S->arena, sizeof *inst);
    inst->decl = module;
    inst->prefix = prefix;
    inst->scope.parent = S->global;
    if (!bind_params(S, &inst->scope, &module->params, args, loc, module->name)) return NULL;
    if (++S->depth > SEMA_MAX_DEPTH) {
        sema_error(S, loc, "modules nested too deeply (more than %d levels)", SEMA_MAX_DEPTH);
        S->depth--;
        return NULL;
    }
    /* Statements in the body name their params after the instance; a
     * binding whose name is no identifier carries the prefix to them. */
    scope_set(S, &inst->scope, " prefix", v_str(prefix), true);
    int errors = diag_error_count(S->dc);
    Value ret = v_none();
    bool ok = !sema_exec(S, &inst->scope, &module->body, CTX_MODULE, &ret) && diag_error_count(S->dc) == errors;
    S->depth--;
    for (uint32_t i = 0; ok && i < module->body.len; i++)
        if (module->body.data[i]->kind == ST_FORWARD) inst->forward = module->body.data[i];
    return ok ? inst : NULL;
}

/* Runs a forward or def body with args bound; checks the return type. */
static Value inline_body(Sema *S, Scope *parent, const Stmt *fn, const Args *args, SrcLoc loc, const char *name) {
    if (S->depth >= SEMA_MAX_DEPTH) {
        sema_error(S, loc, "recursion too deep (more than %d nested calls)", SEMA_MAX_DEPTH);
        return v_error();
    }
    Scope *sc = arena_alloc(S->arena, sizeof *sc);
    sc->parent = parent;
    if (!bind_params(S, sc, &fn->params, args, loc, name)) return v_error();
    S->depth++;
    Value ret = v_none();
    bool returned = sema_exec(S, sc, &fn->body, CTX_FUNCTION, &ret);
    S->depth--;
    if (ret.kind == V_ERROR) return ret;
    if (!returned) {
        sema_error(S, fn->name_loc, "'%s' ends without 'return'", name);
        return v_error();
    }
    if (fn->type) {
        if (ret.kind != V_TENSOR) {
            sema_error(S, loc, "'%s' returns %s, declared a tensor", name, v_describe(S, ret));
            return v_error();
        }
        const char *what = arena_printf(S->arena, "the result of '%s'", name);
        if (!match_type(S, sc, fn->type, v_type(S, ret), loc, what)) return v_error();
    }
    return ret;
}

static Value call_instance(Sema *S, Instance *inst, const Args *args, SrcLoc loc) {
    if (!inst->forward) {
        sema_error(S, loc, "module '%s' has no forward", inst->decl->name);
        return v_error();
    }
    const char *name = arena_printf(S->arena, "%s.forward", inst->decl->name);
    return inline_body(S, &inst->scope, inst->forward, args, loc, name);
}

Value sema_call(Sema *S, Scope *sc, const Expr *call) {
    const Expr *callee = call->a;
    Value f;
    if (callee->kind == EX_NAME && !scope_find(sc, callee->s)) {
        sema_error(S, callee->loc, "unknown function '%s'", callee->s);
        return v_error();
    }
    f = sema_eval(S, sc, callee);
    if (f.kind == V_ERROR) return f;
    /* A module named like an op (conv2d) is instantiated by `layer`; a
     * call of that name means the op. */
    if (f.kind == V_MODULE && callee->kind == EX_NAME && scope_find_local(S->builtins, callee->s))
        f = scope_find_local(S->builtins, callee->s)->v;
    Args args;
    if (!sema_eval_args(S, sc, &call->items, &args)) return v_error();
    switch (f.kind) {
    case V_BUILTIN: return sema_call_builtin(S, f.i, &args, call->loc);
    case V_DEF: return inline_body(S, S->global, f.decl, &args, call->loc, f.decl->name);
    case V_INSTANCE: return call_instance(S, f.inst, &args, call->loc);
    case V_MODULE:
        sema_error(S, call->loc, "module '%s' must be instantiated first: 'layer NAME = %s(...)'", f.decl->name,
                   f.decl->name);
        return v_error();
    default:
        sema_error(S, callee->loc, "%s is not callable", v_describe(S, f));
        return v_error();
    }
}
