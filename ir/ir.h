/* ir.h — the graph IR: an arena-allocated SSA dataflow graph of tensors.
 *
 * A graph owns an arena.  Nodes live in one vector and refer to their
 * operands by 32-bit ids (indices into that vector), never by pointers.
 * Every node produces one value (a tensor of static shape), except
 * `output`, whose type is its operand's.  Nodes are kept in a topological
 * order: operands have smaller ids than their users.  Passes that append
 * new nodes and redirect uses call ir_compact(), which drops dead nodes and
 * restores that order (ids change; the printer numbers values afresh, so
 * ids never appear in text).
 *
 * What this module does not do: parse model files (frontend/), run the
 * graph (backends/interp), load weights (runtime/, bound by frontend/).
 */
#ifndef PD_IR_H
#define PD_IR_H

#include <stdio.h>

#include "base.h"
#include "diag.h"

/* ---- types ------------------------------------------------------------ */

typedef enum { IR_F32, IR_F64, IR_C64, IR_I64, IR_NDTYPES } IrDType;

#define IR_MAX_RANK 8

typedef struct {
    IrDType dtype;
    uint32_t rank;
    int64_t dims[IR_MAX_RANK];
} IrType;

const char *ir_dtype_name(IrDType t);             /* "f32" ... */
bool ir_dtype_parse(const char *s, IrDType *out);  /* inverse; false if unknown */
size_t ir_dtype_size(IrDType t);                   /* bytes per element: 4 8 8 8 */
int64_t ir_type_numel(const IrType *t);            /* 1 for rank 0 */
bool ir_type_eq(const IrType *a, const IrType *b);
/* "f32[1,64,64,3]" ("f32[]" for rank 0), into an arena. */
char *ir_type_str(Arena *a, const IrType *t);
/* Same into a caller buffer; returns buf. */
char *ir_type_fmt(char *buf, size_t len, const IrType *t);

/* ---- ops -------------------------------------------------------------- */

typedef enum {
#define OP(e, s, mi, ma, cls, fl, at) IR_OP_##e,
#include "ops.def"
#undef OP
    IR_NOPS
} IrOpKind;

typedef enum {
    IR_CLASS_SOURCE,
    IR_CLASS_ELEMWISE,
    IR_CLASS_BROADCAST,
    IR_CLASS_INJECTIVE,
    IR_CLASS_REDUCE,
    IR_CLASS_ANCHOR,   /* out-elementwise-fusable: matmul, conv, mix */
    IR_CLASS_SPECTRAL,
    IR_CLASS_OPAQUE,
} IrOpClass;

enum {
    IR_F_ELEMWISE = 1 << 0,     /* out[i] depends on in[i] only (after broadcast) */
    IR_F_BINARY_BCAST = 1 << 1, /* inputs broadcast numpy-style */
    IR_F_LINEAR = 1 << 2,       /* linear in its (non-constant) inputs */
    IR_F_COMMUTATIVE = 1 << 3,
    IR_F_FOLDABLE = 1 << 4,     /* constant inputs -> may be folded */
    IR_F_COMPLEX_OK = 1 << 5,   /* accepts c64 inputs */
};

typedef struct {
    const char *name;     /* spelling in text and in the language */
    int min_in, max_in;   /* max_in = -1: variadic */
    IrOpClass cls;
    unsigned flags;
    const char *attrs;    /* attribute schema, see ops.def */
} IrOpInfo;

const IrOpInfo *ir_op_info(IrOpKind op);
bool ir_op_lookup(const char *name, IrOpKind *out); /* by spelling */

/* ---- attributes ------------------------------------------------------- */

typedef enum { IR_ATTR_INT, IR_ATTR_INTS, IR_ATTR_FLOAT, IR_ATTR_DTYPE, IR_ATTR_STR } IrAttrKind;

typedef struct {
    const char *key;     /* interned in the graph arena */
    IrAttrKind kind;
    int64_t i;           /* INT; DTYPE holds an IrDType */
    double f;            /* FLOAT */
    const int64_t *ints; /* INTS */
    uint32_t n;          /* INTS length */
    const char *s;       /* STR */
} IrAttr;

#define IR_MAX_ATTRS 8  /* most attributes any op has */

/* Checks attrs against op's schema and writes the completed list (schema
 * order, defaults filled; an int given for a float is converted) to
 * out[IR_MAX_ATTRS].  Pointers in out[] alias attrs[] and the schema.
 * False with a message (naming the op) in err.  OUT: *nout. */
bool ir_complete_attrs(IrOpKind op, const IrAttr *attrs, uint32_t nattr, IrAttr *out,
                       uint32_t *nout, char *err, size_t errlen);

/* The attribute names and kinds of op in schema order (arrays of
 * IR_MAX_ATTRS; either may be NULL).  Returns how many. */
uint32_t ir_op_attr_schema(IrOpKind op, const char **names, IrAttrKind *kinds);

/* Attribute constructors for ir_add() argument lists. */
IrAttr ir_attr_int(const char *key, int64_t v);
IrAttr ir_attr_float(const char *key, double v);
IrAttr ir_attr_ints(const char *key, const int64_t *v, uint32_t n);
IrAttr ir_attr_dtype(const char *key, IrDType t);
IrAttr ir_attr_str(const char *key, const char *s);

/* ---- nodes and graphs ------------------------------------------------- */

typedef uint32_t IrId;
#define IR_NONE UINT32_MAX

/* Dense tensor data in the graph (consts, and params once weights are
 * bound).  Element layout: C order; c64 is interleaved (re, im) floats. */
typedef struct {
    IrType type;
    void *data; /* arena-owned, 64-byte aligned */
    size_t nbytes;
} IrTensorData;

typedef struct {
    IrOpKind op;
    IrType type;
    uint32_t nin;
    IrId *in;
    uint32_t nattr;
    IrAttr *attr;      /* complete: every schema attribute present, schema order */
    const char *name;  /* input/param/output name; NULL for other ops */
    uint32_t data;     /* const: index into g->consts; param: IR_NONE until bound */
    SrcLoc loc;        /* where the frontend made it; file 0 = unknown */
    bool dead;         /* set by passes; ir_compact() removes */
} IrNode;

typedef VEC(IrNode) IrNodeVec;
typedef VEC(IrTensorData) IrTensorDataVec;

typedef struct {
    Arena *arena;
    const char *name;         /* model name; printed as @name */
    const char *weights;      /* weights path as written in the model, or NULL */
    const char *base_dir;     /* directory the weights path is relative to */
    IrNodeVec nodes;
    IrTensorDataVec consts;
} IrGraph;

IrGraph *ir_graph_new(const char *name);
void ir_graph_free(IrGraph *g);
IrGraph *ir_graph_clone(const IrGraph *g);   /* deep copy into a fresh arena */

static inline IrNode *ir_node(const IrGraph *g, IrId id) { return &g->nodes.data[id]; }

/* Builds a node: checks arity, completes attributes from the schema
 * (defaults filled, unknown or ill-typed keys rejected), infers the result
 * type.  On a user-level error (bad shapes, bad attribute) returns IR_NONE
 * and writes a message such as
 *   "matmul: inner dimensions differ: f32[1,784] @ f32[256,10]"
 * into err (never NULL when IR_NONE is returned; err may be NULL to die
 * instead).  The message names the op and spells out every shape involved. */
IrId ir_add(IrGraph *g, IrOpKind op, const IrId *in, uint32_t nin,
            const IrAttr *attrs, uint32_t nattr, SrcLoc loc, char *err, size_t errlen);

IrId ir_add_input(IrGraph *g, const char *name, IrType t, SrcLoc loc);
IrId ir_add_param(IrGraph *g, const char *name, IrType t, SrcLoc loc);
/* Copies data (numel * dtype size bytes). */
IrId ir_add_const(IrGraph *g, IrType t, const void *data, SrcLoc loc);
IrId ir_add_scalar(IrGraph *g, IrDType dt, double v, SrcLoc loc);  /* rank-0 const */
IrId ir_add_output(IrGraph *g, const char *name, IrId value, SrcLoc loc);

/* Infers the type op would have for inputs of types in[] and complete
 * attributes; false with a message in err when the inputs are invalid. */
bool ir_infer_type(IrOpKind op, const IrType *in, uint32_t nin,
                   const IrAttr *attr, uint32_t nattr, IrType *out, char *err, size_t errlen);

/* Attribute lookup on a (complete) node; pd_die if absent or ill-typed. */
int64_t ir_get_int(const IrNode *n, const char *key);
double ir_get_float(const IrNode *n, const char *key);
const int64_t *ir_get_ints(const IrNode *n, const char *key, uint32_t *len);
const char *ir_get_str(const IrNode *n, const char *key);
IrDType ir_get_dtype(const IrNode *n, const char *key);

/* Constant data of a const node, or of a param whose weights are bound;
 * NULL otherwise. */
const IrTensorData *ir_node_data(const IrGraph *g, IrId id);

/* Binds data to a param node (copies into the arena). */
void ir_bind_param(IrGraph *g, IrId id, const void *data);

/* Redirects every use of old to new (types must be equal). */
void ir_replace_uses(IrGraph *g, IrId old_id, IrId new_id);
/* Number of live users of id. */
uint32_t ir_use_count(const IrGraph *g, IrId id);
/* Drops the nodes marked dead, re-sorts topologically (stable: ties keep
 * the old order) and renumbers.  Does not decide what is dead (DCE does). */
void ir_compact(IrGraph *g);

/* Ids of the graph's inputs / outputs in order of appearance.  OUT: *n. */
IrId *ir_inputs(const IrGraph *g, Arena *a, uint32_t *n);
IrId *ir_outputs(const IrGraph *g, Arena *a, uint32_t *n);

/* ---- text ------------------------------------------------------------- */

/* Prints the graph in the textual form of docs/ir.md.  Deterministic:
 * the same graph prints byte-identical text. */
void ir_print(const IrGraph *g, FILE *out);

/* A string literal with C escapes (\" \\ \n \t \xHH), as the text uses. */
void ir_print_string(FILE *out, const char *s);
void ir_print_type(FILE *out, const IrType *t);

/* Parses textual IR.  Errors go to dc with file:line:col; returns NULL if
 * any.  name: the file name shown in diagnostics. */
IrGraph *ir_parse(const char *name, const char *text, size_t len, DiagCtx *dc);

/* Checks every invariant: operand ids in range and earlier than users,
 * arity, attributes complete and well-typed, stored types equal the
 * inferred ones, names unique per kind, at least one output.  Reports the
 * first violations as errors (no location) to dc; returns true if sound. */
bool ir_verify(const IrGraph *g, DiagCtx *dc);

/* Graphviz dot text of the dataflow graph. */
void ir_print_dot(const IrGraph *g, FILE *out);

#endif
