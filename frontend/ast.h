/* ast.h — the syntax tree of a .pde file, as the parser builds it.
 *
 * Every node lives in the parse's arena and carries its source range.
 * Lists are arena vectors.  The tree is only read after parsing; semantic
 * analysis (sema*.c) walks it to trace the model into the graph IR.
 */
#ifndef PD_FE_AST_H
#define PD_FE_AST_H

#include "ir/ir.h"

typedef struct Expr Expr;
typedef struct Stmt Stmt;
typedef VEC(Expr *) ExprList;
typedef VEC(Stmt *) StmtList;

typedef enum {
    EX_INT, EX_FLOAT, EX_STRING, EX_BOOL, EX_NAME, EX_DTYPE, EX_LIST,
    EX_BINARY, EX_UNARY, EX_CALL, EX_INDEX, EX_COND, EX_SLICE, EX_ELLIPSIS,
    EX_KWARG, /* name = value in a call: s = name, a = value */
} ExprKind;

typedef enum {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MATMUL, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_AND, OP_OR, OP_NEG, OP_NOT,
} OpKind;

struct Expr {
    ExprKind kind;
    SrcLoc loc;
    int64_t i;      /* EX_INT, EX_BOOL */
    double f;       /* EX_FLOAT */
    const char *s;  /* EX_STRING, EX_NAME, EX_DTYPE; keyword name of a call argument */
    OpKind op;      /* EX_BINARY, EX_UNARY */
    Expr *a, *b, *c; /* operands; EX_CALL: a = callee; EX_INDEX: a = base;
                      * EX_COND: a ? b : c; EX_SLICE: a:b:c (each may be NULL) */
    ExprList items;  /* EX_LIST items, EX_CALL arguments, EX_INDEX subscripts */
};

/* A tensor type: dtype and dims (expressions; EX_ELLIPSIS first for
 * "any leading dims"). */
typedef struct {
    IrDType dtype;
    ExprList dims;
    SrcLoc loc;
} TypeExpr;

/* A parameter of a module, def or forward: `name [: type] [= default]`. */
typedef struct {
    const char *name;
    SrcLoc loc;
    TypeExpr *tensor;   /* tensor annotation, or NULL */
    const char *scalar; /* "int", "float", "bool", "str" annotation, or NULL */
    Expr *scalar_len;   /* int[2]: the list length, or NULL */
    Expr *dflt;         /* default, or NULL (required) */
} Param;
typedef VEC(Param) ParamList;

typedef enum {
    ST_IMPORT, ST_MODEL, ST_MODULE, ST_DEF, ST_FORWARD, ST_CONST, ST_INPUT, ST_OUTPUT,
    ST_WEIGHTS, ST_LAYER, ST_PARAM, ST_ASSIGN, ST_RETURN, ST_FOR, ST_IF,
} StmtKind;

struct Stmt {
    StmtKind kind;
    SrcLoc loc;
    const char *name; /* declared name; import: "std.fno" or a path */
    SrcLoc name_loc;
    bool std_import;  /* import std.NAME (vs a quoted path) */
    Expr *value;      /* const/output/assign/return/layer call; for: low bound; if: cond */
    Expr *value2;     /* for: high bound; layer: repeat count */
    TypeExpr *type;   /* input/param/output annotation; def/forward return type */
    ParamList params; /* module/def/forward parameters */
    StmtList body;    /* model/module/def/forward/for/if-then bodies */
    StmtList orelse;  /* if: else branch */
};

/* A parsed file. */
typedef struct {
    const char *path;
    uint32_t file; /* DiagCtx file id */
    StmtList items;
} AstFile;

/* Parses text (registered in dc as path) into an AST in arena a.
 * Returns NULL after reporting syntax errors. */
AstFile *fe_parse(Arena *a, DiagCtx *dc, const char *path, const char *text, size_t len);

#endif
