/* sema.h — semantic analysis of .pde files, internal to the frontend.
 *
 * Sema is a tracing interpreter over the AST.  Compile-time values (ints,
 * floats, bools, strings, lists, modules, layer instances) are computed;
 * tensor values are graph nodes, and every tensor operation appends a node
 * through ir_add, whose shape rules report errors at the call site.
 * Modules are instantiated by `layer` statements (creating params with
 * state_dict names) and their forward is inlined at each call.
 *
 * Errors are reported to the DiagCtx; a failed expression yields V_ERROR,
 * which every operation passes on silently, so one mistake gives one
 * message and analysis goes on with the next statement.
 */
#ifndef PD_FE_SEMA_H
#define PD_FE_SEMA_H

#include "ast.h"
#include "frontend.h"

typedef enum {
    V_ERROR, V_NONE, V_INT, V_FLOAT, V_BOOL, V_STR, V_LIST, V_TENSOR,
    V_INSTANCE, V_MODULE, V_DEF, V_BUILTIN,
} ValueKind;

typedef struct Instance Instance;
typedef struct Value Value;

struct Value {
    ValueKind kind;
    int64_t i;          /* V_INT, V_BOOL; V_BUILTIN: the builtin's index */
    double f;           /* V_FLOAT */
    const char *s;      /* V_STR */
    Value *items;       /* V_LIST */
    uint32_t n;
    IrId id;            /* V_TENSOR */
    Instance *inst;     /* V_INSTANCE */
    const Stmt *decl;   /* V_MODULE, V_DEF */
};

typedef struct Binding {
    const char *name;
    Value v;
    bool is_const;      /* declared by const/layer/param/input: not rebindable */
    bool is_symbol;     /* a dim bound from an argument's shape */
    struct Binding *next;
} Binding;

typedef struct Scope {
    Binding *head;
    struct Scope *parent;
} Scope;

struct Instance {
    const Stmt *decl;     /* the module */
    const char *prefix;   /* "blocks.2.spectral" */
    Scope scope;          /* args, consts, params, layers */
    const Stmt *forward;
};

/* Where statements run: each allows different statements. */
typedef enum { CTX_MODEL, CTX_MODULE, CTX_FUNCTION } StmtContext;

typedef struct {
    Arena *arena;
    DiagCtx *dc;
    IrGraph *g;
    Scope *global;      /* modules and defs of every loaded file */
    Scope *builtins;    /* ops by name: the global scope's parent */
    int depth;          /* nested forward/def calls */
    int64_t steps;      /* statements executed, to stop runaway unrolling */
    SrcLoc param_loc;   /* the user's layer statement, for params' locations */
    bool have_param_loc;
} Sema;

enum { SEMA_MAX_DEPTH = 64, SEMA_MAX_STEPS = 1000000, SEMA_MAX_LIST = 100000 };

/* ---- values and scopes (sema.c) ---- */
Value v_error(void);
Value v_none(void);
Value v_int(int64_t i);
Value v_float(double f);
Value v_bool(bool b);
Value v_str(const char *s);
Value v_tensor(IrId id);
const char *v_kind_name(ValueKind k);
/* "int", "tensor f32[2,3]", ... for messages, into the arena. */
const char *v_describe(Sema *S, Value v);
Binding *scope_find(Scope *sc, const char *name);
Binding *scope_find_local(Scope *sc, const char *name);
void scope_set(Sema *S, Scope *sc, const char *name, Value v, bool is_const);
/* Declares name in sc; reports a redefinition at loc if it is there. */
bool scope_declare(Sema *S, Scope *sc, const char *name, Value v, SrcLoc loc);
void sema_error(Sema *S, SrcLoc loc, const char *fmt, ...) PD_PRINTF(3, 4);
/* The value as an int / list of ints; reports what it wanted otherwise. */
bool v_to_int(Sema *S, Value v, SrcLoc loc, const char *what, int64_t *out);
bool v_to_ints(Sema *S, Value v, SrcLoc loc, const char *what, int64_t *out, uint32_t *n, uint32_t max);
const IrType *v_type(Sema *S, Value v);

/* ---- expressions (sema_expr.c) ---- */
Value sema_eval(Sema *S, Scope *sc, const Expr *e);
/* Binary op on two values (tensor or compile-time). */
Value sema_binary(Sema *S, OpKind op, Value a, Value b, SrcLoc loc);
/* Adds an IR node; reports ir_add's message at loc on failure. */
Value sema_op(Sema *S, IrOpKind op, const IrId *in, uint32_t nin, const IrAttr *attrs,
              uint32_t nattr, SrcLoc loc);

/* ---- calls (sema_call.c) ---- */
typedef struct {
    const char *name; /* keyword, or NULL for positional */
    Value v;
    SrcLoc loc;
} Arg;
typedef struct {
    Arg *items;
    uint32_t n;
} Args;

Value sema_call(Sema *S, Scope *sc, const Expr *call);
bool sema_eval_args(Sema *S, Scope *sc, const ExprList *list, Args *out);
Instance *sema_instantiate(Sema *S, const Stmt *module, const Args *args, const char *prefix, SrcLoc loc);
/* Evaluates a tensor type in sc (symbols must be bound). */
bool sema_eval_type(Sema *S, Scope *sc, const TypeExpr *t, IrType *out);

/* ---- builtins (builtins.c) ---- */
/* Registers every builtin function in the global scope. */
void sema_register_builtins(Sema *S, Scope *global);
Value sema_call_builtin(Sema *S, int64_t index, const Args *args, SrcLoc loc);
const char *sema_builtin_name(int64_t index);

/* ---- statements (sema_stmt.c) ---- */
/* Runs stmts in sc.  OUT: *ret gets the value of a `return` (then the
 * result is true and execution stopped). */
bool sema_exec(Sema *S, Scope *sc, const StmtList *stmts, StmtContext ctx, Value *ret);
/* Lowers a model statement into S->g. */
void sema_model(Sema *S, const Stmt *model);

#endif
