/* sema_stmt.c — executing statements: declarations, assignments,
 * compile-time loops and conditionals, and the model itself.
 *
 *   model  = input | output | weights | layer | const | assign | for | if
 *   module = param | layer | forward | const | for | if
 *   body   = assign | const | return | for | if        (forward, def)
 */
#include <string.h>

#include "sema.h"

static const char *ctx_name(StmtContext c) {
    return c == CTX_MODEL ? "a model" : c == CTX_MODULE ? "a module" : "a forward or def body";
}

/* Is kind allowed in ctx?  Reports it at s otherwise. */
static bool allowed(Sema *S, const Stmt *s, StmtContext ctx) {
    static const char *const names[] = {
        [ST_IMPORT] = "import", [ST_MODEL] = "model", [ST_MODULE] = "module", [ST_DEF] = "def",
        [ST_FORWARD] = "forward", [ST_CONST] = "const", [ST_INPUT] = "input", [ST_OUTPUT] = "output",
        [ST_WEIGHTS] = "weights", [ST_LAYER] = "layer", [ST_PARAM] = "param", [ST_ASSIGN] = "assignment",
        [ST_RETURN] = "return", [ST_FOR] = "for", [ST_IF] = "if"};
    bool ok;
    switch (s->kind) {
    case ST_INPUT: case ST_OUTPUT: case ST_WEIGHTS: ok = ctx == CTX_MODEL; break;
    case ST_PARAM: case ST_FORWARD: ok = ctx == CTX_MODULE; break;
    case ST_LAYER: ok = ctx != CTX_FUNCTION; break;
    case ST_RETURN: ok = ctx == CTX_FUNCTION; break;
    case ST_ASSIGN: ok = ctx != CTX_MODULE; break;
    case ST_CONST: case ST_FOR: case ST_IF: ok = true; break;
    default: ok = false;
    }
    if (!ok) sema_error(S, s->loc, "'%s' is not allowed in %s", names[s->kind], ctx_name(ctx));
    return ok;
}

/* The name prefix of params and layers declared in sc ("" at top level). */
static const char *prefix_of(Scope *sc) {
    Binding *b = scope_find(sc, " prefix");
    return b ? b->v.s : "";
}

static const char *qualify(Sema *S, Scope *sc, const char *name) {
    const char *p = prefix_of(sc);
    return *p ? arena_printf(S->arena, "%s.%s", p, name) : name;
}

static SrcLoc param_loc(Sema *S, const Stmt *s) { return S->have_param_loc ? S->param_loc : s->loc; }

static void exec_param(Sema *S, Scope *sc, const Stmt *s) {
    IrType t;
    if (!sema_eval_type(S, sc, s->type, &t)) return;
    IrId id = ir_add_param(S->g, qualify(S, sc, s->name), t, param_loc(S, s));
    scope_declare(S, sc, s->name, v_tensor(id), s->name_loc);
}

/* layer NAME = MODULE(args) [x N] */
static void exec_layer(Sema *S, Scope *sc, const Stmt *s) {
    const Expr *call = s->value;
    Value m = call->kind == EX_CALL ? sema_eval(S, sc, call->a) : v_error();
    if (call->kind != EX_CALL || (m.kind != V_MODULE && m.kind != V_ERROR)) {
        sema_error(S, call->loc, "a layer must be a module call such as 'linear(3, 32)'");
        return;
    }
    Args args;
    int64_t reps = 1;
    if (m.kind == V_ERROR || !sema_eval_args(S, sc, &call->items, &args)) return;
    if (s->value2 && !v_to_int(S, sema_eval(S, sc, s->value2), s->value2->loc, "a repeat count", &reps)) return;
    if (reps < 1 || reps > 10000) {
        sema_error(S, s->value2->loc, "a layer is repeated 1 to 10000 times, not %lld", (long long)reps);
        return;
    }
    bool top = !S->have_param_loc;
    if (top) S->param_loc = s->loc, S->have_param_loc = true;
    const char *name = qualify(S, sc, s->name);
    Value list = {.kind = V_LIST, .n = (uint32_t)reps};
    list.items = arena_alloc(S->arena, (size_t)reps * sizeof(Value));
    bool ok = true;
    for (int64_t i = 0; ok && i < reps; i++) {
        const char *p = s->value2 ? arena_printf(S->arena, "%s.%lld", name, (long long)i) : name;
        Instance *inst = sema_instantiate(S, m.decl, &args, p, call->loc);
        ok = inst != NULL;
        list.items[i] = (Value){.kind = V_INSTANCE, .inst = inst};
    }
    if (top) S->have_param_loc = false;
    if (ok) scope_declare(S, sc, s->name, s->value2 ? list : list.items[0], s->name_loc);
}

static void exec_input(Sema *S, Scope *sc, const Stmt *s) {
    IrType t;
    if (!sema_eval_type(S, sc, s->type, &t)) return;
    IrId id = ir_add_input(S->g, s->name, t, s->loc);
    scope_declare(S, sc, s->name, v_tensor(id), s->name_loc);
}

static void exec_output(Sema *S, Scope *sc, const Stmt *s) {
    Value v = sema_eval(S, sc, s->value);
    if (v.kind == V_ERROR) return;
    if (v.kind != V_TENSOR) {
        sema_error(S, s->value->loc, "output '%s' must be a tensor, not %s", s->name, v_describe(S, v));
        return;
    }
    for (uint32_t i = 0; i < S->g->nodes.len; i++) {
        const IrNode *n = ir_node(S->g, i);
        if (n->op == IR_OP_OUTPUT && strcmp(n->name, s->name) == 0) {
            sema_error(S, s->name_loc, "redefinition of output '%s'", s->name);
            return;
        }
    }
    IrType want;
    if (s->type && sema_eval_type(S, sc, s->type, &want) && !ir_type_eq(&want, v_type(S, v))) {
        sema_error(S, s->value->loc, "output '%s' has type %s, declared %s", s->name,
                   ir_type_str(S->arena, v_type(S, v)), ir_type_str(S->arena, &want));
        return;
    }
    ir_add_output(S->g, s->name, v.id, s->loc);
}

static void exec_weights(Sema *S, const Stmt *s) {
    if (S->g->weights) {
        sema_error(S, s->loc, "the weights file is named twice");
        return;
    }
    S->g->weights = arena_strdup(S->g->arena, s->name);
}

/* for NAME in LO..HI { body }: unrolled at compile time. */
static bool exec_for(Sema *S, Scope *sc, const Stmt *s, StmtContext ctx, Value *ret) {
    int64_t lo, hi;
    if (!v_to_int(S, sema_eval(S, sc, s->value), s->value->loc, "a loop bound", &lo) ||
        !v_to_int(S, sema_eval(S, sc, s->value2), s->value2->loc, "a loop bound", &hi))
        return false;
    if (hi - lo > SEMA_MAX_LIST) {
        sema_error(S, s->loc, "loop runs %lld times, more than %d", (long long)(hi - lo), SEMA_MAX_LIST);
        return false;
    }
    for (int64_t i = lo; i < hi; i++) {
        scope_set(S, sc, s->name, v_int(i), false);
        if (sema_exec(S, sc, &s->body, ctx, ret)) return true;
        if (ret->kind == V_ERROR) return false;
    }
    return false;
}

static bool exec_if(Sema *S, Scope *sc, const Stmt *s, StmtContext ctx, Value *ret) {
    Value c = sema_eval(S, sc, s->value);
    if (c.kind == V_ERROR) return false;
    if (c.kind != V_BOOL) {
        sema_error(S, s->value->loc, "condition must be a compile-time bool, not %s", v_describe(S, c));
        return false;
    }
    return sema_exec(S, sc, c.i ? &s->body : &s->orelse, ctx, ret);
}

static void exec_assign(Sema *S, Scope *sc, const Stmt *s) {
    Binding *b = scope_find_local(sc, s->name);
    if (b && b->is_const) {
        sema_error(S, s->name_loc, "cannot assign to '%s', declared as a constant, input or layer", s->name);
        return;
    }
    Value v = sema_eval(S, sc, s->value);
    scope_set(S, sc, s->name, v, false);
}

/* After a failed declaration the name still exists, as an error value, so
 * later uses of it stay silent instead of repeating the first message. */
static void poison(Sema *S, Scope *sc, const Stmt *s) {
    bool declares = s->kind == ST_CONST || s->kind == ST_INPUT || s->kind == ST_LAYER ||
                    s->kind == ST_PARAM || s->kind == ST_ASSIGN;
    if (declares && s->name && !scope_find_local(sc, s->name)) scope_set(S, sc, s->name, v_error(), false);
}

/* Runs one allowed statement; true when it returned. */
static bool exec_checked(Sema *S, Scope *sc, const Stmt *s, StmtContext ctx, Value *ret) {
    if (!allowed(S, s, ctx)) return false;
    switch (s->kind) {
    case ST_CONST: {
        Value v = sema_eval(S, sc, s->value);
        if (v.kind != V_ERROR && v.kind == V_TENSOR)
            sema_error(S, s->value->loc, "const '%s' must be a compile-time value, not %s", s->name, v_describe(S, v));
        else if (v.kind != V_ERROR)
            scope_declare(S, sc, s->name, v, s->name_loc);
        return false;
    }
    case ST_ASSIGN: exec_assign(S, sc, s); return false;
    case ST_RETURN: *ret = sema_eval(S, sc, s->value); return true;
    case ST_FOR: return exec_for(S, sc, s, ctx, ret);
    case ST_IF: return exec_if(S, sc, s, ctx, ret);
    case ST_PARAM: exec_param(S, sc, s); return false;
    case ST_LAYER: exec_layer(S, sc, s); return false;
    case ST_FORWARD: return false; /* recorded by sema_instantiate */
    case ST_INPUT: exec_input(S, sc, s); return false;
    case ST_OUTPUT: exec_output(S, sc, s); return false;
    case ST_WEIGHTS: exec_weights(S, s); return false;
    default: return false;
    }
}

/* Runs one statement; true when it returned. */
static bool exec_one(Sema *S, Scope *sc, const Stmt *s, StmtContext ctx, Value *ret) {
    bool returned = exec_checked(S, sc, s, ctx, ret);
    poison(S, sc, s);
    return returned;
}

bool sema_exec(Sema *S, Scope *sc, const StmtList *stmts, StmtContext ctx, Value *ret) {
    for (uint32_t i = 0; i < stmts->len; i++) {
        if (++S->steps > SEMA_MAX_STEPS) {
            if (S->steps == SEMA_MAX_STEPS + 1)
                sema_error(S, stmts->data[i]->loc, "model too large to unroll (more than %d statements)", SEMA_MAX_STEPS);
            *ret = v_error();
            return false;
        }
        if (exec_one(S, sc, stmts->data[i], ctx, ret)) return true;
    }
    return false;
}

void sema_model(Sema *S, const Stmt *model) {
    Scope *sc = arena_alloc(S->arena, sizeof *sc);
    sc->parent = S->global;
    Value ret = v_none();
    sema_exec(S, sc, &model->body, CTX_MODEL, &ret);
    bool has_output = false;
    for (uint32_t i = 0; i < S->g->nodes.len; i++) has_output |= ir_node(S->g, i)->op == IR_OP_OUTPUT;
    if (!has_output && diag_error_count(S->dc) == 0)
        sema_error(S, model->name_loc, "model '%s' has no output", model->name);
}
