/* parse.y — the .pde grammar (reentrant bison, locations, LAC).
 *
 * Builds the AST of ast.h in the parse arena; semantic checks are sema's.
 * Statements end at a newline (the lexer drops newlines inside ( and [),
 * or at the '}' that closes their block.  Syntax errors are reported in
 * bison's detailed form with the token names below, then the parser skips
 * to the end of the statement and goes on, so one run shows several.
 */
%define api.pure full
%define parse.error detailed
%define parse.lac full
%define api.location.type {FeLoc}
%locations
%expect 0
%param {void *scanner}
%parse-param {FeParse *ctx}

%code requires {
#include "parse_ctx.h"
#define YYLLOC_DEFAULT(cur, rhs, n)                                  \
    do {                                                              \
        if (n) {                                                      \
            (cur).start = YYRHSLOC(rhs, 1).start;                     \
            (cur).end = YYRHSLOC(rhs, n).end;                         \
        } else {                                                      \
            (cur).start = (cur).end = YYRHSLOC(rhs, 0).end;           \
        }                                                             \
    } while (0)
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);
}

%code {
#include <string.h>

static void yyerror(YYLTYPE *loc, void *scanner, FeParse *ctx, const char *msg) {
    (void)scanner;
    ctx->errors++;
    diag_error(ctx->dc, src_loc(ctx->file, loc->start, loc->end), "%s", msg);
}

static SrcLoc L(FeParse *ctx, FeLoc l) { return src_loc(ctx->file, l.start, l.end); }

static Expr *ex(FeParse *ctx, ExprKind k, FeLoc l) {
    Expr *e = arena_alloc(ctx->arena, sizeof *e);
    e->kind = k;
    e->loc = L(ctx, l);
    return e;
}

static Expr *binary(FeParse *ctx, OpKind op, Expr *a, Expr *b, FeLoc l) {
    Expr *e = ex(ctx, EX_BINARY, l);
    e->op = op, e->a = a, e->b = b;
    return e;
}

static Expr *unary(FeParse *ctx, OpKind op, Expr *a, FeLoc l) {
    Expr *e = ex(ctx, EX_UNARY, l);
    e->op = op, e->a = a;
    return e;
}

static Stmt *st(FeParse *ctx, StmtKind k, FeLoc l) {
    Stmt *s = arena_alloc(ctx->arena, sizeof *s);
    s->kind = k;
    s->loc = L(ctx, l);
    return s;
}

static Stmt *named(FeParse *ctx, StmtKind k, FeLoc l, const char *name, FeLoc nl) {
    Stmt *s = st(ctx, k, l);
    s->name = name;
    s->name_loc = L(ctx, nl);
    return s;
}

static StmtList one_stmt(FeParse *ctx, Stmt *s) {
    StmtList l = {0};
    if (s) vec_push(ctx->arena, &l, s);
    return l;
}
}

%union {
    int64_t num;
    double real;
    const char *str;
    Expr *expr;
    Stmt *stmt;
    TypeExpr *type;
    ExprList exprs;
    StmtList stmts;
    Param param;
    ParamList params;
}

%token IMPORT "'import'" MODEL "'model'" MODULE "'module'" DEF "'def'" FORWARD "'forward'"
%token CONST "'const'" INPUT "'input'" OUTPUT "'output'" WEIGHTS "'weights'" LAYER "'layer'"
%token PARAM "'param'" RETURN "'return'" FOR "'for'" IN "'in'" IF "'if'" ELSE "'else'"
%token AND "'and'" OR "'or'" NOT "'not'"
%token ELLIPSIS "'...'" DOTDOT "'..'" ARROW "'->'" EQ "'=='" NE "'!='" LE "'<='" GE "'>='"
%token NL "end of line"
%token <str> IDENT "identifier" STRING "string" DTYPE "dtype"
%token <num> INT "integer" BOOL "boolean"
%token <real> FLOAT "number"

%type <expr> expr primary postfix opt_expr subscript arg dim
%type <exprs> args arg_list expr_list opt_expr_list subscripts dims
%type <stmt> item stmt model_stmt module_stmt if_stmt
%type <stmts> items block block_items
%type <type> tensor_type opt_ret
%type <param> param
%type <params> params param_list
%type <str> dotted

%right '?' ':'
%left OR
%left AND
%precedence NOT
%nonassoc EQ NE '<' LE '>' GE
%left '+' '-'
%left '*' '/' '@'
%precedence UMINUS

%%

/* file = items */
file: items { ctx->ast->items = $1; }
    ;

/* items = { item NL | NL } */
items: %empty             { $$ = (StmtList){0}; }
     | items NL           { $$ = $1; }
     | items item NL      { $$ = $1; if ($2) vec_push(ctx->arena, &$$, $2); }
     | items item YYEOF   { $$ = $1; if ($2) vec_push(ctx->arena, &$$, $2); YYACCEPT; }
     | items error NL     { $$ = $1; yyerrok; }
     ;

/* item = import | model NAME block | module NAME (params) block | def NAME (params) [-> type] block */
item: IMPORT dotted                { $$ = named(ctx, ST_IMPORT, @$, $2, @2); $$->std_import = true; }
    | IMPORT STRING                { $$ = named(ctx, ST_IMPORT, @$, $2, @2); }
    | MODEL IDENT block            { $$ = named(ctx, ST_MODEL, @$, $2, @2); $$->body = $3; }
    | MODULE IDENT '(' params ')' block
                                   { $$ = named(ctx, ST_MODULE, @$, $2, @2); $$->params = $4; $$->body = $6; }
    | DEF IDENT '(' params ')' opt_ret block
                                   { $$ = named(ctx, ST_DEF, @$, $2, @2); $$->params = $4; $$->type = $6; $$->body = $7; }
    ;

dotted: IDENT             { $$ = $1; }
      | dotted '.' IDENT  { $$ = arena_printf(ctx->arena, "%s.%s", $1, $3); }
      ;

opt_ret: %empty              { $$ = NULL; }
       | ARROW tensor_type   { $$ = $2; }
       ;

/* block = '{' { stmt NL } [stmt] '}' */
block: '{' block_items '}'        { $$ = $2; }
     | '{' block_items stmt '}'   { $$ = $2; if ($3) vec_push(ctx->arena, &$$, $3); }
     ;

block_items: %empty                  { $$ = (StmtList){0}; }
           | block_items NL          { $$ = $1; }
           | block_items stmt NL     { $$ = $1; if ($2) vec_push(ctx->arena, &$$, $2); }
           | block_items error NL    { $$ = $1; yyerrok; }
           ;

stmt: model_stmt | module_stmt | if_stmt
    | IDENT '=' expr                  { $$ = named(ctx, ST_ASSIGN, @$, $1, @1); $$->value = $3; }
    | RETURN expr                     { $$ = st(ctx, ST_RETURN, @$); $$->value = $2; }
    | CONST IDENT '=' expr            { $$ = named(ctx, ST_CONST, @$, $2, @2); $$->value = $4; }
    | FOR IDENT IN expr DOTDOT expr block
                                      { $$ = named(ctx, ST_FOR, @$, $2, @2); $$->value = $4; $$->value2 = $6; $$->body = $7; }
    ;

/* model_stmt = input NAME : type | output NAME [: type] = expr | weights STRING */
model_stmt: INPUT IDENT ':' tensor_type   { $$ = named(ctx, ST_INPUT, @$, $2, @2); $$->type = $4; }
          | OUTPUT IDENT '=' expr         { $$ = named(ctx, ST_OUTPUT, @$, $2, @2); $$->value = $4; }
          | OUTPUT IDENT ':' tensor_type '=' expr
                                          { $$ = named(ctx, ST_OUTPUT, @$, $2, @2); $$->type = $4; $$->value = $6; }
          | WEIGHTS STRING                { $$ = named(ctx, ST_WEIGHTS, @$, $2, @2); }
          ;

/* module_stmt = param NAME : type | layer NAME = call [x N] | forward (params) [-> type] block */
module_stmt: PARAM IDENT ':' tensor_type   { $$ = named(ctx, ST_PARAM, @$, $2, @2); $$->type = $4; }
           | LAYER IDENT '=' expr          { $$ = named(ctx, ST_LAYER, @$, $2, @2); $$->value = $4; }
           | LAYER IDENT '=' expr IDENT expr
                                           {
                                             $$ = named(ctx, ST_LAYER, @$, $2, @2); $$->value = $4; $$->value2 = $6;
                                             if (strcmp($5, "x") != 0) {
                                                 yyerror(&@5, scanner, ctx, "expected 'x N' to repeat a layer");
                                             }
                                           }
           | FORWARD '(' params ')' opt_ret block
                                           { $$ = named(ctx, ST_FORWARD, @$, "forward", @1); $$->params = $3; $$->type = $5; $$->body = $6; }
           ;

/* if_stmt = if expr block [else (block | if_stmt)] */
if_stmt: IF expr block                    { $$ = st(ctx, ST_IF, @$); $$->value = $2; $$->body = $3; }
       | IF expr block ELSE block         { $$ = st(ctx, ST_IF, @$); $$->value = $2; $$->body = $3; $$->orelse = $5; }
       | IF expr block ELSE if_stmt       { $$ = st(ctx, ST_IF, @$); $$->value = $2; $$->body = $3; $$->orelse = one_stmt(ctx, $5); }
       ;

params: %empty           { $$ = (ParamList){0}; }
      | param_list       { $$ = $1; }
      | param_list ','   { $$ = $1; }
      ;
param_list: param                  { $$ = (ParamList){0}; vec_push(ctx->arena, &$$, $1); }
          | param_list ',' param   { $$ = $1; vec_push(ctx->arena, &$$, $3); }
          ;

/* param = NAME [: (tensor_type | NAME [ '[' expr ']' ])] [= expr] */
param: IDENT                            { $$ = (Param){.name = $1, .loc = L(ctx, @1)}; }
     | IDENT '=' expr                   { $$ = (Param){.name = $1, .loc = L(ctx, @1), .dflt = $3}; }
     | IDENT ':' tensor_type            { $$ = (Param){.name = $1, .loc = L(ctx, @1), .tensor = $3}; }
     | IDENT ':' IDENT                  { $$ = (Param){.name = $1, .loc = L(ctx, @1), .scalar = $3}; }
     | IDENT ':' IDENT '=' expr         { $$ = (Param){.name = $1, .loc = L(ctx, @1), .scalar = $3, .dflt = $5}; }
     | IDENT ':' IDENT '[' expr ']'     { $$ = (Param){.name = $1, .loc = L(ctx, @1), .scalar = $3, .scalar_len = $5}; }
     | IDENT ':' IDENT '[' expr ']' '=' expr
                                        { $$ = (Param){.name = $1, .loc = L(ctx, @1), .scalar = $3, .scalar_len = $5, .dflt = $8}; }
     ;

/* tensor_type = DTYPE '[' [dims] ']' */
tensor_type: DTYPE '[' dims ']'
               {
                 $$ = arena_alloc(ctx->arena, sizeof *$$);
                 ir_dtype_parse($1, &$$->dtype);
                 $$->dims = $3;
                 $$->loc = L(ctx, @$);
               }
           ;

dims: %empty             { $$ = (ExprList){0}; }
    | dim                { $$ = (ExprList){0}; vec_push(ctx->arena, &$$, $1); }
    | dims ',' dim       { $$ = $1; vec_push(ctx->arena, &$$, $3); }
    ;
dim: expr                { $$ = $1; }
   | ELLIPSIS            { $$ = ex(ctx, EX_ELLIPSIS, @$); }
   ;

/* expr = expr ? expr : expr | expr OP expr | -expr | not expr | postfix */
expr: expr '?' expr ':' expr   { $$ = ex(ctx, EX_COND, @$); $$->a = $1; $$->b = $3; $$->c = $5; }
    | expr OR expr             { $$ = binary(ctx, OP_OR, $1, $3, @$); }
    | expr AND expr            { $$ = binary(ctx, OP_AND, $1, $3, @$); }
    | NOT expr                 { $$ = unary(ctx, OP_NOT, $2, @$); }
    | expr EQ expr             { $$ = binary(ctx, OP_EQ, $1, $3, @$); }
    | expr NE expr             { $$ = binary(ctx, OP_NE, $1, $3, @$); }
    | expr '<' expr            { $$ = binary(ctx, OP_LT, $1, $3, @$); }
    | expr LE expr             { $$ = binary(ctx, OP_LE, $1, $3, @$); }
    | expr '>' expr            { $$ = binary(ctx, OP_GT, $1, $3, @$); }
    | expr GE expr             { $$ = binary(ctx, OP_GE, $1, $3, @$); }
    | expr '+' expr            { $$ = binary(ctx, OP_ADD, $1, $3, @$); }
    | expr '-' expr            { $$ = binary(ctx, OP_SUB, $1, $3, @$); }
    | expr '*' expr            { $$ = binary(ctx, OP_MUL, $1, $3, @$); }
    | expr '/' expr            { $$ = binary(ctx, OP_DIV, $1, $3, @$); }
    | expr '@' expr            { $$ = binary(ctx, OP_MATMUL, $1, $3, @$); }
    | '-' expr %prec UMINUS    { $$ = unary(ctx, OP_NEG, $2, @$); }
    | postfix                  { $$ = $1; }
    ;

/* postfix = primary { '(' args ')' | '[' subscripts ']' } */
postfix: primary                       { $$ = $1; }
       | postfix '(' args ')'          { $$ = ex(ctx, EX_CALL, @$); $$->a = $1; $$->items = $3; }
       | postfix '[' subscripts ']'    { $$ = ex(ctx, EX_INDEX, @$); $$->a = $1; $$->items = $3; }
       ;

primary: INT                       { $$ = ex(ctx, EX_INT, @$); $$->i = $1; }
       | FLOAT                     { $$ = ex(ctx, EX_FLOAT, @$); $$->f = $1; }
       | BOOL                      { $$ = ex(ctx, EX_BOOL, @$); $$->i = $1; }
       | STRING                    { $$ = ex(ctx, EX_STRING, @$); $$->s = $1; }
       | IDENT                     { $$ = ex(ctx, EX_NAME, @$); $$->s = $1; }
       | DTYPE                     { $$ = ex(ctx, EX_DTYPE, @$); $$->s = $1; }
       | '(' expr ')'              { $$ = $2; }
       | '[' opt_expr_list ']'     { $$ = ex(ctx, EX_LIST, @$); $$->items = $2; }
       ;

opt_expr_list: %empty              { $$ = (ExprList){0}; }
             | expr_list           { $$ = $1; }
             | expr_list ','       { $$ = $1; }
             ;
expr_list: expr                    { $$ = (ExprList){0}; vec_push(ctx->arena, &$$, $1); }
         | expr_list ',' expr      { $$ = $1; vec_push(ctx->arena, &$$, $3); }
         ;

/* args = [arg {',' arg} [',']]; arg = expr | NAME '=' expr */
args: %empty          { $$ = (ExprList){0}; }
    | arg_list        { $$ = $1; }
    | arg_list ','    { $$ = $1; }
    ;
arg_list: arg                  { $$ = (ExprList){0}; vec_push(ctx->arena, &$$, $1); }
        | arg_list ',' arg     { $$ = $1; vec_push(ctx->arena, &$$, $3); }
        ;
arg: expr              { $$ = $1; }
   | IDENT '=' expr    { $$ = ex(ctx, EX_KWARG, @$); $$->s = $1; $$->a = $3; }
   ;

/* subscripts = subscript {',' subscript}; subscript = expr | [expr] ':' [expr] [':' [expr]] */
subscripts: subscript                  { $$ = (ExprList){0}; vec_push(ctx->arena, &$$, $1); }
          | subscripts ',' subscript   { $$ = $1; vec_push(ctx->arena, &$$, $3); }
          ;
subscript: expr                                  { $$ = $1; }
         | opt_expr ':' opt_expr                 { $$ = ex(ctx, EX_SLICE, @$); $$->a = $1; $$->b = $3; }
         | opt_expr ':' opt_expr ':' opt_expr    { $$ = ex(ctx, EX_SLICE, @$); $$->a = $1; $$->b = $3; $$->c = $5; }
         ;
opt_expr: %empty    { $$ = NULL; }
        | expr      { $$ = $1; }
        ;

%%
