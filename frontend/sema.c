/* sema.c — values, scopes and error reporting for semantic analysis. */
#include <string.h>

#include "sema.h"

Value v_error(void) { return (Value){.kind = V_ERROR}; }
Value v_none(void) { return (Value){.kind = V_NONE}; }
Value v_int(int64_t i) { return (Value){.kind = V_INT, .i = i}; }
Value v_float(double f) { return (Value){.kind = V_FLOAT, .f = f}; }
Value v_bool(bool b) { return (Value){.kind = V_BOOL, .i = b}; }
Value v_str(const char *s) { return (Value){.kind = V_STR, .s = s}; }
Value v_tensor(IrId id) { return (Value){.kind = V_TENSOR, .id = id}; }

const char *v_kind_name(ValueKind k) {
    switch (k) {
    case V_ERROR: return "error";
    case V_NONE: return "nothing";
    case V_INT: return "int";
    case V_FLOAT: return "float";
    case V_BOOL: return "bool";
    case V_STR: return "string";
    case V_LIST: return "list";
    case V_TENSOR: return "tensor";
    case V_INSTANCE: return "layer";
    case V_MODULE: return "module";
    case V_DEF: return "function";
    case V_BUILTIN: return "builtin op";
    }
    return "?";
}

const char *v_describe(Sema *S, Value v) {
    if (v.kind == V_TENSOR) return arena_printf(S->arena, "tensor %s", ir_type_str(S->arena, v_type(S, v)));
    return v_kind_name(v.kind);
}

const IrType *v_type(Sema *S, Value v) { return &ir_node(S->g, v.id)->type; }

void sema_error(Sema *S, SrcLoc loc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(S->dc, DIAG_ERROR, loc, fmt, ap);
    va_end(ap);
}

Binding *scope_find_local(Scope *sc, const char *name) {
    for (Binding *b = sc->head; b; b = b->next)
        if (strcmp(b->name, name) == 0) return b;
    return NULL;
}

Binding *scope_find(Scope *sc, const char *name) {
    for (; sc; sc = sc->parent) {
        Binding *b = scope_find_local(sc, name);
        if (b) return b;
    }
    return NULL;
}

void scope_set(Sema *S, Scope *sc, const char *name, Value v, bool is_const) {
    Binding *b = scope_find_local(sc, name);
    if (!b) {
        b = arena_alloc(S->arena, sizeof *b);
        b->name = name;
        b->next = sc->head;
        sc->head = b;
    }
    b->v = v;
    b->is_const = is_const;
}

bool scope_declare(Sema *S, Scope *sc, const char *name, Value v, SrcLoc loc) {
    if (scope_find_local(sc, name)) {
        sema_error(S, loc, "redefinition of '%s'", name);
        return false;
    }
    scope_set(S, sc, name, v, true);
    return true;
}

bool v_to_int(Sema *S, Value v, SrcLoc loc, const char *what, int64_t *out) {
    if (v.kind == V_ERROR) return false;
    if (v.kind == V_INT || v.kind == V_BOOL) {
        *out = v.i;
        return true;
    }
    sema_error(S, loc, "%s must be an int, not %s", what, v_describe(S, v));
    return false;
}

bool v_to_ints(Sema *S, Value v, SrcLoc loc, const char *what, int64_t *out, uint32_t *n, uint32_t max) {
    if (v.kind == V_INT) {
        out[0] = v.i;
        *n = 1;
        return true;
    }
    if (v.kind == V_ERROR) return false;
    if (v.kind != V_LIST) {
        sema_error(S, loc, "%s must be a list of ints, not %s", what, v_describe(S, v));
        return false;
    }
    if (v.n > max) {
        sema_error(S, loc, "%s has %u entries, at most %u allowed", what, v.n, max);
        return false;
    }
    for (uint32_t i = 0; i < v.n; i++) {
        if (v.items[i].kind != V_INT) {
            sema_error(S, loc, "%s must be a list of ints, but entry %u is %s", what, i,
                       v_describe(S, v.items[i]));
            return false;
        }
        out[i] = v.items[i].i;
    }
    *n = v.n;
    return true;
}
