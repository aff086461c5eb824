/* ir.c — the graph IR: types, the op table, attributes, the builder and
 * graph surgery (replace uses, compact, clone).
 *
 * Shape inference lives in infer.c, text in print.c/parse.c, checking in
 * verify.c.  Every node is built through ir_add (or its source-op
 * siblings), which completes attributes from the op's schema in ops.def and
 * infers the result type, so a node in a graph is always well-formed.
 */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

/* ---- types ------------------------------------------------------------ */

static const char *const dtype_names[IR_NDTYPES] = {"f32", "f64", "c64", "i64"};
static const size_t dtype_sizes[IR_NDTYPES] = {4, 8, 8, 8};

const char *ir_dtype_name(IrDType t) {
    return (unsigned)t < IR_NDTYPES ? dtype_names[t] : "?";
}

bool ir_dtype_parse(const char *s, IrDType *out) {
    for (int i = 0; i < IR_NDTYPES; i++)
        if (strcmp(s, dtype_names[i]) == 0) {
            *out = (IrDType)i;
            return true;
        }
    return false;
}

size_t ir_dtype_size(IrDType t) { return (unsigned)t < IR_NDTYPES ? dtype_sizes[t] : 0; }

int64_t ir_type_numel(const IrType *t) {
    int64_t n = 1;
    for (uint32_t i = 0; i < t->rank; i++) n *= t->dims[i];
    return n;
}

bool ir_type_eq(const IrType *a, const IrType *b) {
    if (a->dtype != b->dtype || a->rank != b->rank) return false;
    for (uint32_t i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return false;
    return true;
}

char *ir_type_fmt(char *buf, size_t len, const IrType *t) {
    size_t n = (size_t)snprintf(buf, len, "%s[", ir_dtype_name(t->dtype));
    for (uint32_t i = 0; i < t->rank && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, i ? ",%lld" : "%lld", (long long)t->dims[i]);
    if (n < len) snprintf(buf + n, len - n, "]");
    return buf;
}

char *ir_type_str(Arena *a, const IrType *t) {
    char buf[256];
    return arena_strdup(a, ir_type_fmt(buf, sizeof buf, t));
}

/* ---- ops -------------------------------------------------------------- */

static const IrOpInfo op_table[IR_NOPS] = {
#define OP(e, s, mi, ma, cls, fl, at) {s, mi, ma, cls, fl, at},
#include "ops.def"
#undef OP
};

const IrOpInfo *ir_op_info(IrOpKind op) {
    if ((unsigned)op >= IR_NOPS) pd_die("bad op kind %d", (int)op);
    return &op_table[op];
}

bool ir_op_lookup(const char *name, IrOpKind *out) {
    for (int i = 0; i < IR_NOPS; i++)
        if (strcmp(op_table[i].name, name) == 0) {
            *out = (IrOpKind)i;
            return true;
        }
    return false;
}

/* ---- attributes ------------------------------------------------------- */

IrAttr ir_attr_int(const char *key, int64_t v) {
    IrAttr a = {.key = key, .kind = IR_ATTR_INT, .i = v};
    return a;
}
IrAttr ir_attr_float(const char *key, double v) {
    IrAttr a = {.key = key, .kind = IR_ATTR_FLOAT, .f = v};
    return a;
}
IrAttr ir_attr_ints(const char *key, const int64_t *v, uint32_t n) {
    IrAttr a = {.key = key, .kind = IR_ATTR_INTS, .ints = v, .n = n};
    return a;
}
IrAttr ir_attr_dtype(const char *key, IrDType t) {
    IrAttr a = {.key = key, .kind = IR_ATTR_DTYPE, .i = t};
    return a;
}
IrAttr ir_attr_str(const char *key, const char *s) {
    IrAttr a = {.key = key, .kind = IR_ATTR_STR, .s = s};
    return a;
}

/* One entry of an op's attribute schema, e.g. "keepdims:int=0". */
typedef struct {
    char name[32];
    IrAttrKind kind;
    bool has_default;
    char dflt[32];
} SchemaItem;

enum { MAX_SCHEMA = IR_MAX_ATTRS };

static IrAttrKind kind_from_name(const char *s, size_t n) {
    static const struct { const char *name; IrAttrKind kind; } kinds[] = {
        {"ints", IR_ATTR_INTS}, {"int", IR_ATTR_INT}, {"float", IR_ATTR_FLOAT},
        {"dtype", IR_ATTR_DTYPE}, {"str", IR_ATTR_STR}};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strlen(kinds[i].name) == n && memcmp(kinds[i].name, s, n) == 0) return kinds[i].kind;
    pd_die("bad attribute kind in ops.def: %.*s", (int)n, s);
}

/* Splits a schema string into items.  The schemas are ours (ops.def), so a
 * malformed one is an internal error. */
static uint32_t parse_schema(const char *schema, SchemaItem *items) {
    uint32_t n = 0;
    const char *p = schema;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        if (n == MAX_SCHEMA) pd_die("too many attributes in schema '%s'", schema);
        SchemaItem *it = &items[n++];
        memset(it, 0, sizeof *it);
        const char *colon = strchr(p, ':');
        if (!colon || colon - p >= (long)sizeof it->name) pd_die("bad schema '%s'", schema);
        memcpy(it->name, p, (size_t)(colon - p));
        const char *k = colon + 1, *e = k;
        while (*e && *e != ' ' && *e != '=') e++;
        it->kind = kind_from_name(k, (size_t)(e - k));
        p = e;
        if (*p == '=') {
            const char *d = ++p;
            while (*p && *p != ' ') p++;
            if (p - d >= (long)sizeof it->dflt) pd_die("bad schema '%s'", schema);
            memcpy(it->dflt, d, (size_t)(p - d));
            it->has_default = true;
        }
    }
    return n;
}

/* The parsed schema of op, cached: attribute keys and string defaults
 * handed out by ir_complete_attrs point into this cache, so they outlive
 * the call. */
static const SchemaItem *op_schema(IrOpKind op, uint32_t *n) {
    static SchemaItem cache[IR_NOPS][MAX_SCHEMA];
    static uint32_t count[IR_NOPS];
    static bool parsed[IR_NOPS];
    if (!parsed[op]) {
        count[op] = parse_schema(ir_op_info(op)->attrs, cache[op]);
        parsed[op] = true;
    }
    *n = count[op];
    return cache[op];
}

uint32_t ir_op_attr_schema(IrOpKind op, const char **names, IrAttrKind *kinds) {
    uint32_t n;
    const SchemaItem *items = op_schema(op, &n);
    for (uint32_t i = 0; i < n; i++) {
        if (names) names[i] = items[i].name;
        if (kinds) kinds[i] = items[i].kind;
    }
    return n;
}

static const char *kind_name(IrAttrKind k) {
    switch (k) {
    case IR_ATTR_INT: return "int";
    case IR_ATTR_INTS: return "ints";
    case IR_ATTR_FLOAT: return "float";
    case IR_ATTR_DTYPE: return "dtype";
    case IR_ATTR_STR: return "str";
    }
    return "?";
}

static IrAttr default_attr(const SchemaItem *it) {
    IrAttr a = {.key = it->name, .kind = it->kind};
    switch (it->kind) {
    case IR_ATTR_INT: a.i = strtoll(it->dflt, NULL, 10); break;
    case IR_ATTR_FLOAT: a.f = strtod(it->dflt, NULL); break;
    case IR_ATTR_STR: a.s = it->dflt; break;
    case IR_ATTR_DTYPE:
    case IR_ATTR_INTS: pd_die("no defaults for %s attributes", kind_name(it->kind));
    }
    return a;
}

/* Copies an attribute's key and payload into the graph arena. */
static IrAttr intern_attr(Arena *a, IrAttr at) {
    at.key = arena_strdup(a, at.key);
    if (at.kind == IR_ATTR_INTS) at.ints = arena_dup(a, at.ints, at.n * sizeof(int64_t));
    if (at.kind == IR_ATTR_STR) at.s = arena_strdup(a, at.s ? at.s : "");
    if (at.kind != IR_ATTR_INTS) at.ints = NULL, at.n = 0;
    return at;
}

bool ir_complete_attrs(IrOpKind op, const IrAttr *attrs, uint32_t nattr, IrAttr *out,
                       uint32_t *nout, char *err, size_t errlen) {
    const IrOpInfo *info = ir_op_info(op);
    uint32_t n;
    const SchemaItem *items = op_schema(op, &n);
    for (uint32_t j = 0; j < nattr; j++) {
        uint32_t i = 0;
        while (i < n && strcmp(items[i].name, attrs[j].key) != 0) i++;
        if (i == n) {
            snprintf(err, errlen, "%s: unknown attribute '%s'", info->name, attrs[j].key);
            return false;
        }
        for (uint32_t k = 0; k < j; k++)
            if (strcmp(attrs[k].key, attrs[j].key) == 0) {
                snprintf(err, errlen, "%s: attribute '%s' given twice", info->name, attrs[j].key);
                return false;
            }
    }
    for (uint32_t i = 0; i < n; i++) {
        const IrAttr *given = NULL;
        for (uint32_t j = 0; j < nattr; j++)
            if (strcmp(items[i].name, attrs[j].key) == 0) given = &attrs[j];
        if (!given) {
            if (!items[i].has_default) {
                snprintf(err, errlen, "%s: missing attribute '%s'", info->name, items[i].name);
                return false;
            }
            out[i] = default_attr(&items[i]);
            continue;
        }
        out[i] = *given;
        out[i].key = items[i].name;
        if (given->kind == IR_ATTR_INT && items[i].kind == IR_ATTR_FLOAT) {
            out[i].kind = IR_ATTR_FLOAT;
            out[i].f = (double)given->i;
        } else if (given->kind != items[i].kind) {
            snprintf(err, errlen, "%s: attribute '%s' must be %s, not %s", info->name,
                     items[i].name, kind_name(items[i].kind), kind_name(given->kind));
            return false;
        }
        if (out[i].kind == IR_ATTR_DTYPE && (unsigned)out[i].i >= IR_NDTYPES) {
            snprintf(err, errlen, "%s: attribute '%s' is not a dtype", info->name, items[i].name);
            return false;
        }
    }
    *nout = n;
    return true;
}

/* ---- graphs ----------------------------------------------------------- */

IrGraph *ir_graph_new(const char *name) {
    Arena *a = arena_new();
    IrGraph *g = arena_alloc(a, sizeof *g);
    g->arena = a;
    g->name = arena_strdup(a, name ? name : "main");
    return g;
}

void ir_graph_free(IrGraph *g) {
    if (g) arena_free(g->arena); /* g itself lives in its arena */
}

static IrId push_node(IrGraph *g, IrNode n) {
    if (g->nodes.len >= IR_NONE - 1) pd_die("graph too large");
    vec_push(g->arena, &g->nodes, n);
    return g->nodes.len - 1;
}

static void die_or_report(char *err, const char *msg) {
    if (!err) pd_die("%s", msg);
}

IrId ir_add(IrGraph *g, IrOpKind op, const IrId *in, uint32_t nin, const IrAttr *attrs,
            uint32_t nattr, SrcLoc loc, char *err, size_t errlen) {
    char local[512];
    char *msg = err ? err : local;
    size_t msglen = err ? errlen : sizeof local;
    const IrOpInfo *info = ir_op_info(op);
    if ((int)nin < info->min_in || (info->max_in >= 0 && (int)nin > info->max_in)) {
        snprintf(msg, msglen, "%s: expected %d operand%s, got %u", info->name, info->min_in,
                 info->min_in == 1 ? "" : "s", nin);
        die_or_report(err, msg);
        return IR_NONE;
    }
    IrAttr full[MAX_SCHEMA];
    uint32_t nfull = 0;
    if (!ir_complete_attrs(op, attrs, nattr, full, &nfull, msg, msglen)) {
        die_or_report(err, msg);
        return IR_NONE;
    }
    IrType tin[64], *types = nin <= 64 ? tin : pd_xmalloc(nin * sizeof(IrType));
    for (uint32_t i = 0; i < nin; i++) {
        if (in[i] >= g->nodes.len) pd_die("operand %u out of range", in[i]);
        types[i] = g->nodes.data[in[i]].type;
    }
    IrType out;
    bool ok = ir_infer_type(op, types, nin, full, nfull, &out, msg, msglen);
    if (types != tin) free(types);
    if (!ok) {
        die_or_report(err, msg);
        return IR_NONE;
    }
    IrNode n = {.op = op, .type = out, .nin = nin, .nattr = nfull, .data = IR_NONE, .loc = loc};
    n.in = arena_dup(g->arena, in, nin * sizeof(IrId));
    n.attr = arena_alloc(g->arena, (nfull ? nfull : 1) * sizeof(IrAttr));
    for (uint32_t i = 0; i < nfull; i++) n.attr[i] = intern_attr(g->arena, full[i]);
    return push_node(g, n);
}

static IrId add_source(IrGraph *g, IrOpKind op, const char *name, IrType t, SrcLoc loc) {
    IrNode n = {.op = op, .type = t, .data = IR_NONE, .loc = loc};
    n.name = arena_strdup(g->arena, name);
    n.attr = arena_alloc(g->arena, sizeof(IrAttr));
    return push_node(g, n);
}

IrId ir_add_input(IrGraph *g, const char *name, IrType t, SrcLoc loc) {
    return add_source(g, IR_OP_INPUT, name, t, loc);
}

IrId ir_add_param(IrGraph *g, const char *name, IrType t, SrcLoc loc) {
    return add_source(g, IR_OP_PARAM, name, t, loc);
}

static uint32_t add_data(IrGraph *g, IrType t, const void *data) {
    IrTensorData d = {.type = t};
    d.nbytes = (size_t)ir_type_numel(&t) * ir_dtype_size(t.dtype);
    /* 64-byte alignment: over-allocate and round the pointer up. */
    unsigned char *raw = arena_alloc(g->arena, d.nbytes + 64);
    d.data = raw + ((64 - ((uintptr_t)raw & 63)) & 63);
    if (data && d.nbytes) memcpy(d.data, data, d.nbytes);
    vec_push(g->arena, &g->consts, d);
    return g->consts.len - 1;
}

IrId ir_add_const(IrGraph *g, IrType t, const void *data, SrcLoc loc) {
    IrId id = add_source(g, IR_OP_CONST, NULL, t, loc);
    g->nodes.data[id].data = add_data(g, t, data);
    return id;
}

IrId ir_add_scalar(IrGraph *g, IrDType dt, double v, SrcLoc loc) {
    IrType t = {.dtype = dt, .rank = 0};
    unsigned char buf[8] = {0};
    float f = (float)v;
    int64_t i = (int64_t)v;
    switch (dt) {
    case IR_F32: memcpy(buf, &f, 4); break;
    case IR_C64: memcpy(buf, &f, 4); break; /* imaginary part stays 0 */
    case IR_F64: memcpy(buf, &v, 8); break;
    case IR_I64: memcpy(buf, &i, 8); break;
    case IR_NDTYPES: pd_die("bad dtype");
    }
    return ir_add_const(g, t, buf, loc);
}

IrId ir_add_output(IrGraph *g, const char *name, IrId value, SrcLoc loc) {
    if (value >= g->nodes.len) pd_die("output operand out of range");
    IrNode n = {.op = IR_OP_OUTPUT, .type = g->nodes.data[value].type, .nin = 1,
                .data = IR_NONE, .loc = loc};
    n.in = arena_dup(g->arena, &value, sizeof value);
    n.name = arena_strdup(g->arena, name);
    n.attr = arena_alloc(g->arena, sizeof(IrAttr));
    return push_node(g, n);
}

/* ---- attribute access ------------------------------------------------- */

static const IrAttr *find_attr(const IrNode *n, const char *key, IrAttrKind kind) {
    for (uint32_t i = 0; i < n->nattr; i++)
        if (strcmp(n->attr[i].key, key) == 0) {
            if (n->attr[i].kind != kind) pd_die("attribute '%s' has the wrong kind", key);
            return &n->attr[i];
        }
    pd_die("%s has no attribute '%s'", ir_op_info(n->op)->name, key);
}

int64_t ir_get_int(const IrNode *n, const char *key) { return find_attr(n, key, IR_ATTR_INT)->i; }
double ir_get_float(const IrNode *n, const char *key) { return find_attr(n, key, IR_ATTR_FLOAT)->f; }
const char *ir_get_str(const IrNode *n, const char *key) { return find_attr(n, key, IR_ATTR_STR)->s; }
IrDType ir_get_dtype(const IrNode *n, const char *key) {
    return (IrDType)find_attr(n, key, IR_ATTR_DTYPE)->i;
}
const int64_t *ir_get_ints(const IrNode *n, const char *key, uint32_t *len) {
    const IrAttr *a = find_attr(n, key, IR_ATTR_INTS);
    if (len) *len = a->n;
    return a->ints;
}

const IrTensorData *ir_node_data(const IrGraph *g, IrId id) {
    const IrNode *n = ir_node(g, id);
    if ((n->op != IR_OP_CONST && n->op != IR_OP_PARAM) || n->data == IR_NONE) return NULL;
    return &g->consts.data[n->data];
}

void ir_bind_param(IrGraph *g, IrId id, const void *data) {
    IrNode *n = ir_node(g, id);
    if (n->op != IR_OP_PARAM) pd_die("binding data to a %s node", ir_op_info(n->op)->name);
    n->data = add_data(g, n->type, data);
}

/* ---- surgery ---------------------------------------------------------- */

void ir_replace_uses(IrGraph *g, IrId old_id, IrId new_id) {
    if (!ir_type_eq(&ir_node(g, old_id)->type, &ir_node(g, new_id)->type))
        pd_die("replacing a value by one of another type");
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        IrNode *n = &g->nodes.data[i];
        if (n->dead || i == new_id) continue;
        for (uint32_t k = 0; k < n->nin; k++)
            if (n->in[k] == old_id) n->in[k] = new_id;
    }
}

uint32_t ir_use_count(const IrGraph *g, IrId id) {
    uint32_t count = 0;
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        const IrNode *n = &g->nodes.data[i];
        if (n->dead) continue;
        for (uint32_t k = 0; k < n->nin; k++) count += n->in[k] == id;
    }
    return count;
}

/* Depth-first post-order from node id; iterative so deep graphs cannot
 * overflow the C stack.  OUT: order[*len++] in topological order. */
static void visit_postorder(const IrGraph *g, IrId root, uint8_t *state, IrId *order,
                            uint32_t *len, IrId *stack, uint32_t *pos) {
    uint32_t sp = 0;
    stack[sp] = root, pos[sp] = 0, sp++;
    state[root] = 1;
    while (sp) {
        IrId id = stack[sp - 1];
        const IrNode *n = &g->nodes.data[id];
        if (pos[sp - 1] < n->nin) {
            IrId dep = n->in[pos[sp - 1]++];
            if (state[dep] == 0) {
                if (g->nodes.data[dep].dead) pd_die("a live node uses a dead one");
                state[dep] = 1;
                stack[sp] = dep, pos[sp] = 0, sp++;
            } else if (state[dep] == 1) {
                pd_die("cycle in the graph");
            }
            continue;
        }
        state[id] = 2;
        order[(*len)++] = id;
        sp--;
    }
}

void ir_compact(IrGraph *g) {
    uint32_t n = g->nodes.len;
    uint8_t *state = pd_xcalloc(n + 1, 1);
    IrId *order = pd_xmalloc((n + 1) * sizeof(IrId));
    IrId *stack = pd_xmalloc((n + 1) * sizeof(IrId));
    uint32_t *pos = pd_xmalloc((n + 1) * sizeof(uint32_t));
    IrId *remap = pd_xmalloc((n + 1) * sizeof(IrId));
    uint32_t len = 0;
    /* Visiting roots in id order keeps the old order wherever it was
     * already topological (stable). */
    for (uint32_t i = 0; i < n; i++)
        if (!g->nodes.data[i].dead && state[i] == 0)
            visit_postorder(g, i, state, order, &len, stack, pos);
    IrNode *fresh = arena_alloc(g->arena, (len ? len : 1) * sizeof(IrNode));
    for (uint32_t i = 0; i < n; i++) remap[i] = IR_NONE;
    for (uint32_t i = 0; i < len; i++) remap[order[i]] = i;
    for (uint32_t i = 0; i < len; i++) {
        fresh[i] = g->nodes.data[order[i]];
        for (uint32_t k = 0; k < fresh[i].nin; k++) fresh[i].in[k] = remap[fresh[i].in[k]];
    }
    g->nodes.data = fresh;
    g->nodes.len = g->nodes.cap = len;
    free(state), free(order), free(stack), free(pos), free(remap);
}

IrGraph *ir_graph_clone(const IrGraph *src) {
    IrGraph *g = ir_graph_new(src->name);
    g->weights = arena_strdup(g->arena, src->weights);
    g->base_dir = arena_strdup(g->arena, src->base_dir);
    for (uint32_t i = 0; i < src->consts.len; i++) {
        const IrTensorData *d = &src->consts.data[i];
        add_data(g, d->type, d->data);
    }
    for (uint32_t i = 0; i < src->nodes.len; i++) {
        IrNode n = src->nodes.data[i];
        n.in = arena_dup(g->arena, n.in, n.nin * sizeof(IrId));
        n.name = arena_strdup(g->arena, n.name);
        IrAttr *attrs = arena_alloc(g->arena, (n.nattr ? n.nattr : 1) * sizeof(IrAttr));
        for (uint32_t k = 0; k < n.nattr; k++) attrs[k] = intern_attr(g->arena, n.attr[k]);
        n.attr = attrs;
        push_node(g, n);
    }
    return g;
}

static IrId *collect(const IrGraph *g, Arena *a, IrOpKind op, uint32_t *count) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->nodes.len; i++)
        n += !g->nodes.data[i].dead && g->nodes.data[i].op == op;
    IrId *ids = arena_alloc(a, (n ? n : 1) * sizeof(IrId));
    n = 0;
    for (uint32_t i = 0; i < g->nodes.len; i++)
        if (!g->nodes.data[i].dead && g->nodes.data[i].op == op) ids[n++] = i;
    *count = n;
    return ids;
}

IrId *ir_inputs(const IrGraph *g, Arena *a, uint32_t *n) { return collect(g, a, IR_OP_INPUT, n); }
IrId *ir_outputs(const IrGraph *g, Arena *a, uint32_t *n) { return collect(g, a, IR_OP_OUTPUT, n); }
