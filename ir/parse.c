/* parse.c — reads the textual IR of docs/ir.md back into a graph.
 *
 * A hand-written scanner and recursive-descent parser.  Every node goes
 * through the builder (ir_add), so shape rules and attribute schemas are
 * checked exactly as for models, and the written type annotation must
 * equal the inferred one.  Errors are reported in the clang format with
 * the line and column; the parser stops at the first one (the text is
 * machine-made, and one error usually explains the rest).  It must
 * survive any input: it is fuzzed.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

typedef enum { T_EOF, T_IDENT, T_VALUE, T_GLOBAL, T_STRING, T_NUMBER, T_PUNCT, T_BAD } TokKind;

typedef struct {
    TokKind kind;
    uint32_t start, end; /* byte range in the text */
    char *text;          /* identifier / value name / decoded string / number */
    char punct;
} Tok;

typedef struct {
    const char *src;
    uint32_t len, pos, file;
    DiagCtx *dc;
    Arena *scratch;
    Tok tok;
    IrGraph *g;
    bool failed;
    /* %name -> node id, in a simple open table */
    const char **val_names;
    IrId *val_ids;
    uint32_t val_cap, val_count;
} Parser;

#define MAX_NUMEL ((int64_t)1 << 40)

static bool error_at(Parser *p, uint32_t start, uint32_t end, const char *fmt, ...) PD_PRINTF(4, 5);
static bool error_at(Parser *p, uint32_t start, uint32_t end, const char *fmt, ...) {
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        diag_vreport(p->dc, DIAG_ERROR, src_loc(p->file, start, end), fmt, ap);
        va_end(ap);
    }
    p->failed = true;
    return false;
}
/* An error at the current token; a malformed token explains itself. */
#define error_tok(p, ...)                                                         \
    ((p)->tok.kind == T_BAD ? error_at((p), (p)->tok.start, (p)->tok.end, "%s", (p)->tok.text) \
                            : error_at((p), (p)->tok.start, (p)->tok.end, __VA_ARGS__))

/* ---- scanner ---------------------------------------------------------- */

static bool is_ident_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_ident_char(int c) { return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.'; }

static void skip_space(Parser *p) {
    while (p->pos < p->len) {
        char c = p->src[p->pos];
        if (c == '#') {
            while (p->pos < p->len && p->src[p->pos] != '\n') p->pos++;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            p->pos++;
        } else {
            break;
        }
    }
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes a string literal starting at the opening quote. */
static void scan_string(Parser *p) {
    uint32_t i = p->pos + 1;
    char *out = arena_alloc(p->scratch, p->len - p->pos + 1);
    size_t n = 0;
    while (i < p->len && p->src[i] != '"' && p->src[i] != '\n') {
        char c = p->src[i++];
        if (c != '\\') {
            out[n++] = c;
            continue;
        }
        char e = i < p->len ? p->src[i++] : 0;
        if (e == 'n') out[n++] = '\n';
        else if (e == 't') out[n++] = '\t';
        else if (e == '"' || e == '\\') out[n++] = e;
        else if (e == 'x' && i + 1 < p->len && hexval(p->src[i]) >= 0 && hexval(p->src[i + 1]) >= 0) {
            out[n++] = (char)(hexval(p->src[i]) * 16 + hexval(p->src[i + 1]));
            i += 2;
        } else {
            p->tok.kind = T_BAD;
            p->tok.end = i;
            p->tok.text = "invalid escape in string";
            return;
        }
    }
    if (i >= p->len || p->src[i] != '"') {
        p->tok.kind = T_BAD;
        p->tok.end = i;
        p->tok.text = "unterminated string";
        return;
    }
    out[n] = 0;
    if (memchr(out, 0, n)) { /* \x00 would cut the name short */
        p->tok.kind = T_BAD;
        p->tok.end = i + 1;
        p->tok.text = "NUL byte in string";
        return;
    }
    p->tok.kind = T_STRING;
    p->tok.text = out;
    p->tok.end = i + 1;
}

static void next(Parser *p) {
    skip_space(p);
    Tok *t = &p->tok;
    memset(t, 0, sizeof *t);
    t->start = t->end = p->pos;
    if (p->pos >= p->len) {
        t->kind = T_EOF;
        return;
    }
    char c = p->src[p->pos];
    uint32_t i = p->pos + 1;
    if (c == '"') {
        scan_string(p);
    } else if (c == '%' || c == '@' || is_ident_start(c)) {
        if (c != '%' && c != '@') i = p->pos;
        else if (c == '@' && i < p->len && p->src[i] == '"') {
            p->pos = i;
            scan_string(p);
            t->start = i - 1;
            if (t->kind == T_STRING) t->kind = T_GLOBAL;
            p->pos = t->end;
            return;
        }
        uint32_t b = i;
        while (i < p->len && is_ident_char((unsigned char)p->src[i])) i++;
        t->kind = c == '%' ? T_VALUE : c == '@' ? T_GLOBAL : T_IDENT;
        t->text = arena_strndup(p->scratch, p->src + b, i - b);
        t->end = i;
        if (i == b) t->kind = T_BAD, t->text = "expected a name after the sigil";
    } else if ((c >= '0' && c <= '9') || c == '-' || c == '+') {
        while (i < p->len && (is_ident_char((unsigned char)p->src[i]) ||
                              ((p->src[i] == '-' || p->src[i] == '+') &&
                               (p->src[i - 1] == 'e' || p->src[i - 1] == 'E'))))
            i++;
        t->kind = T_NUMBER;
        t->text = arena_strndup(p->scratch, p->src + p->pos, i - p->pos);
        t->end = i;
    } else if (c && strchr("=(){}[]<>:,", c)) {
        t->kind = T_PUNCT;
        t->punct = c;
        t->end = i;
    } else {
        t->kind = T_BAD;
        t->end = i;
        t->text = "unexpected character";
    }
    p->pos = t->end;
}

static bool is_punct(Parser *p, char c) { return p->tok.kind == T_PUNCT && p->tok.punct == c; }

static bool expect_punct(Parser *p, char c) {
    if (p->tok.kind == T_BAD) return error_tok(p, "%s", p->tok.text);
    if (!is_punct(p, c)) return error_tok(p, "expected '%c'", c);
    next(p);
    return true;
}

static bool is_word(Parser *p, const char *w) {
    return p->tok.kind == T_IDENT && strcmp(p->tok.text, w) == 0;
}

/* ---- numbers ---------------------------------------------------------- */

static bool number_is_float(const char *s) {
    return strpbrk(s, ".eEin") != NULL; /* 1.5, 1e-05, inf, nan */
}

static bool parse_int(Parser *p, int64_t *out) {
    if (p->tok.kind != T_NUMBER || number_is_float(p->tok.text)) return error_tok(p, "expected an integer");
    char *end;
    errno = 0;
    long long v = strtoll(p->tok.text, &end, 10);
    if (*end || errno) return error_tok(p, "invalid integer '%s'", p->tok.text);
    *out = v;
    next(p);
    return true;
}

static bool parse_double(Parser *p, double *out) {
    const char *s = p->tok.text;
    if (p->tok.kind == T_IDENT && (strcmp(s, "inf") == 0 || strcmp(s, "nan") == 0)) {
        *out = s[0] == 'i' ? INFINITY : NAN;
        next(p);
        return true;
    }
    if (p->tok.kind != T_NUMBER) return error_tok(p, "expected a number");
    char *end;
    *out = strtod(s, &end);
    if (*end) return error_tok(p, "invalid number '%s'", s);
    next(p);
    return true;
}

/* ---- types ------------------------------------------------------------ */

static bool parse_type(Parser *p, IrType *t) {
    memset(t, 0, sizeof *t);
    if (p->tok.kind != T_IDENT || !ir_dtype_parse(p->tok.text, &t->dtype))
        return error_tok(p, "expected a tensor type such as f32[2,3]");
    next(p);
    if (!expect_punct(p, '[')) return false;
    int64_t numel = 1;
    while (!is_punct(p, ']')) {
        if (t->rank && !expect_punct(p, ',')) return false;
        uint32_t at = p->tok.start;
        int64_t d;
        if (!parse_int(p, &d)) return false;
        if (t->rank == IR_MAX_RANK) return error_at(p, at, p->tok.start, "rank is more than %d", IR_MAX_RANK);
        if (d < 0 || (d > 0 && numel > MAX_NUMEL / d))
            return error_at(p, at, p->tok.start, "dimension %lld is negative or too large", (long long)d);
        numel *= d;
        t->dims[t->rank++] = d;
    }
    next(p);
    return true;
}

/* ---- values ----------------------------------------------------------- */

static IrId lookup_value(Parser *p, const char *name) {
    for (uint32_t i = 0; i < p->val_count; i++)
        if (strcmp(p->val_names[i], name) == 0) return p->val_ids[i];
    return IR_NONE;
}

static bool define_value(Parser *p, const char *name, uint32_t start, uint32_t end, IrId id) {
    if (lookup_value(p, name) != IR_NONE) return error_at(p, start, end, "value '%%%s' is defined twice", name);
    if (p->val_count == p->val_cap) {
        p->val_cap = p->val_cap ? 2 * p->val_cap : 64;
        const char **names = arena_alloc(p->scratch, p->val_cap * sizeof *names);
        IrId *ids = arena_alloc(p->scratch, p->val_cap * sizeof *ids);
        if (p->val_count) {
            memcpy(names, p->val_names, p->val_count * sizeof *names);
            memcpy(ids, p->val_ids, p->val_count * sizeof *ids);
        }
        p->val_names = names, p->val_ids = ids;
    }
    p->val_names[p->val_count] = name;
    p->val_ids[p->val_count++] = id;
    return true;
}

static bool parse_use(Parser *p, IrId *out) {
    if (p->tok.kind != T_VALUE) return error_tok(p, "expected a value such as %%0");
    *out = lookup_value(p, p->tok.text);
    if (*out == IR_NONE) return error_tok(p, "use of undefined value '%%%s'", p->tok.text);
    next(p);
    return true;
}

/* ---- dense data ------------------------------------------------------- */

static bool parse_element(Parser *p, IrDType dt, unsigned char *dst) {
    double re, im;
    int64_t iv;
    switch (dt) {
    case IR_I64:
        if (!parse_int(p, &iv)) return false;
        memcpy(dst, &iv, 8);
        return true;
    case IR_F64:
        if (!parse_double(p, &re)) return false;
        memcpy(dst, &re, 8);
        return true;
    case IR_F32: {
        if (!parse_double(p, &re)) return false;
        float f = (float)re;
        memcpy(dst, &f, 4);
        return true;
    }
    case IR_C64: {
        if (!expect_punct(p, '(') || !parse_double(p, &re) || !expect_punct(p, ',') ||
            !parse_double(p, &im) || !expect_punct(p, ')'))
            return false;
        float f[2] = {(float)re, (float)im};
        memcpy(dst, f, 8);
        return true;
    }
    case IR_NDTYPES: break;
    }
    return false;
}

/* const := 'const' 'dense' '<' '[' elements ']' '>' ':' type.  The type
 * comes last, so elements are scanned twice: once to find the type. */
static bool parse_const(Parser *p, IrId *out, uint32_t start) {
    if (!is_word(p, "dense")) return error_tok(p, "expected 'dense'");
    next(p);
    if (!expect_punct(p, '<') || !is_punct(p, '[')) return error_tok(p, "expected '['");
    uint32_t data_pos = p->pos; /* just after '[' */
    int depth = 0, parens = 0;   /* skip to the matching ']', counting elements */
    int64_t listed = 0;
    while (p->tok.kind != T_EOF && p->tok.kind != T_BAD && !(depth == 1 && is_punct(p, ']'))) {
        if (is_punct(p, '[')) depth++;
        if (is_punct(p, '(')) parens++;
        if (is_punct(p, ')')) parens--;
        if (depth == 1 && parens == 0 && (is_punct(p, ',') || listed == 0) && !is_punct(p, '[')) listed++;
        next(p);
    }
    if (!expect_punct(p, ']') || !expect_punct(p, '>') || !expect_punct(p, ':')) return false;
    IrType t;
    if (!parse_type(p, &t)) return false;
    uint32_t after = p->pos;
    Tok after_tok = p->tok;
    size_t esize = ir_dtype_size(t.dtype);
    int64_t n = ir_type_numel(&t);
    /* Checked before allocating: the type alone may promise terabytes. */
    if (listed != n)
        return error_at(p, start, after, "const has %lld elements but %s needs %lld", (long long)listed,
                        ir_type_str(p->scratch, &t), (long long)n);
    unsigned char *data = pd_xmalloc((size_t)n * esize + 1);
    p->pos = data_pos;
    next(p);
    int64_t i = 0;
    bool ok = true;
    for (; ok && !is_punct(p, ']'); i++) {
        if (i && !(ok = expect_punct(p, ','))) break;
        if (i >= n) {
            ok = error_tok(p, "more elements than %s holds", ir_type_str(p->scratch, &t));
            break;
        }
        ok = parse_element(p, t.dtype, data + (size_t)i * esize);
    }
    if (ok && i != n)
        ok = error_at(p, start, after, "const has %lld elements but %s needs %lld", (long long)i,
                      ir_type_str(p->scratch, &t), (long long)n);
    if (ok) *out = ir_add_const(p->g, t, data, src_loc(p->file, start, after));
    free(data);
    p->pos = after;
    p->tok = after_tok;
    return ok;
}

/* ---- attributes ------------------------------------------------------- */

static bool parse_attr_value(Parser *p, IrAttr *a) {
    if (is_punct(p, '[')) {
        VEC(int64_t) v = {0};
        next(p);
        while (!is_punct(p, ']')) {
            int64_t x;
            if (v.len && !expect_punct(p, ',')) return false;
            if (!parse_int(p, &x)) return false;
            if (v.len >= 64) return error_tok(p, "list is too long");
            vec_push(p->scratch, &v, x);
        }
        next(p);
        *a = ir_attr_ints(a->key, v.data, v.len);
        return true;
    }
    if (p->tok.kind == T_STRING) {
        *a = ir_attr_str(a->key, p->tok.text);
        next(p);
        return true;
    }
    IrDType dt;
    if (p->tok.kind == T_IDENT && ir_dtype_parse(p->tok.text, &dt)) {
        *a = ir_attr_dtype(a->key, dt);
        next(p);
        return true;
    }
    if ((p->tok.kind == T_NUMBER && number_is_float(p->tok.text)) || p->tok.kind == T_IDENT) {
        double f;
        if (!parse_double(p, &f)) return false;
        *a = ir_attr_float(a->key, f);
        return true;
    }
    int64_t i;
    if (!parse_int(p, &i)) return false;
    *a = ir_attr_int(a->key, i);
    return true;
}

static bool parse_attrs(Parser *p, IrAttr *attrs, uint32_t *n) {
    *n = 0;
    if (!is_punct(p, '{')) return true;
    next(p);
    while (!is_punct(p, '}')) {
        if (*n && !expect_punct(p, ',')) return false;
        if (p->tok.kind != T_IDENT) return error_tok(p, "expected an attribute name");
        if (*n == IR_MAX_ATTRS) return error_tok(p, "too many attributes");
        attrs[*n].key = p->tok.text;
        next(p);
        if (!expect_punct(p, '=') || !parse_attr_value(p, &attrs[*n])) return false;
        (*n)++;
    }
    next(p);
    return true;
}

/* ---- statements ------------------------------------------------------- */

/* Checks the written type against the node's inferred one. */
static bool check_annotation(Parser *p, IrId id) {
    IrType t;
    if (!expect_punct(p, ':')) return false;
    uint32_t at = p->tok.start;
    if (!parse_type(p, &t)) return false;
    const IrType *have = &ir_node(p->g, id)->type;
    if (!ir_type_eq(&t, have))
        return error_at(p, at, p->tok.start, "type annotation %s does not match inferred %s",
                        ir_type_str(p->scratch, &t), ir_type_str(p->scratch, have));
    return true;
}

static bool parse_op(Parser *p, IrId *out, uint32_t start) {
    IrOpKind op;
    uint32_t op_start = p->tok.start, op_end = p->tok.end;
    if (p->tok.kind != T_IDENT || !ir_op_lookup(p->tok.text, &op) || op == IR_OP_OUTPUT)
        return error_tok(p, "unknown op '%s'", p->tok.text ? p->tok.text : "");
    next(p);
    VEC(IrId) ins = {0};
    if (!expect_punct(p, '(')) return false;
    while (!is_punct(p, ')')) {
        IrId v;
        if (ins.len && !expect_punct(p, ',')) return false;
        if (!parse_use(p, &v)) return false;
        if (ins.len >= 1024) return error_tok(p, "too many operands");
        vec_push(p->scratch, &ins, v);
    }
    next(p);
    IrAttr attrs[IR_MAX_ATTRS];
    uint32_t nattr;
    if (!parse_attrs(p, attrs, &nattr)) return false;
    char err[512];
    *out = ir_add(p->g, op, ins.data, ins.len, attrs, nattr, src_loc(p->file, start, p->tok.start), err,
                  sizeof err);
    if (*out == IR_NONE) return error_at(p, op_start, op_end, "%s", err);
    return check_annotation(p, *out);
}

/* def := VALUE '=' (input|param) STRING ':' type | VALUE '=' const ... | VALUE '=' op ... */
static bool parse_def(Parser *p) {
    uint32_t start = p->tok.start, name_end = p->tok.end;
    const char *name = p->tok.text;
    next(p);
    if (!expect_punct(p, '=')) return false;
    IrId id = IR_NONE;
    if (is_word(p, "input") || is_word(p, "param")) {
        bool input = is_word(p, "input");
        next(p);
        if (p->tok.kind != T_STRING) return error_tok(p, "expected a quoted name");
        const char *ext = p->tok.text;
        IrType t;
        next(p);
        if (!expect_punct(p, ':') || !parse_type(p, &t)) return false;
        SrcLoc loc = src_loc(p->file, start, p->tok.start);
        id = input ? ir_add_input(p->g, ext, t, loc) : ir_add_param(p->g, ext, t, loc);
    } else if (is_word(p, "const")) {
        next(p);
        if (!parse_const(p, &id, start)) return false;
    } else if (!parse_op(p, &id, start)) {
        return false;
    }
    return define_value(p, name, start, name_end, id);
}

/* output := 'output' STRING '(' VALUE ')' ':' type */
static bool parse_output(Parser *p) {
    uint32_t start = p->tok.start;
    next(p);
    if (p->tok.kind != T_STRING) return error_tok(p, "expected a quoted output name");
    const char *name = p->tok.text;
    next(p);
    IrId v;
    if (!expect_punct(p, '(') || !parse_use(p, &v) || !expect_punct(p, ')')) return false;
    IrId id = ir_add_output(p->g, name, v, src_loc(p->file, start, p->tok.start));
    return check_annotation(p, id);
}

static bool parse_item(Parser *p) {
    if (p->tok.kind == T_VALUE) return parse_def(p);
    if (is_word(p, "output")) return parse_output(p);
    if (is_word(p, "weights")) {
        next(p);
        if (p->tok.kind != T_STRING) return error_tok(p, "expected a quoted weights path");
        if (p->g->weights) return error_tok(p, "weights given twice");
        p->g->weights = arena_strdup(p->g->arena, p->tok.text);
        next(p);
        return true;
    }
    if (p->tok.kind == T_BAD) return error_tok(p, "%s", p->tok.text);
    return error_tok(p, "expected a value definition, 'output' or 'weights'");
}

/* graph := 'graph' GLOBAL '{' item* '}' EOF */
static bool parse_graph(Parser *p) {
    next(p);
    if (!is_word(p, "graph")) return error_tok(p, "expected 'graph'");
    next(p);
    if (p->tok.kind != T_GLOBAL) return error_tok(p, "expected a graph name such as @model");
    p->g = ir_graph_new(p->tok.text);
    next(p);
    if (!expect_punct(p, '{')) return false;
    while (!is_punct(p, '}')) {
        if (p->tok.kind == T_EOF) return error_tok(p, "expected '}' at end of graph");
        if (!parse_item(p)) return false;
    }
    next(p);
    if (p->tok.kind != T_EOF) return error_tok(p, "text after the end of the graph");
    return true;
}

IrGraph *ir_parse(const char *name, const char *text, size_t len, DiagCtx *dc) {
    Parser p = {0};
    if (len > UINT32_MAX - 2) len = UINT32_MAX - 2;
    p.file = diag_add_file(dc, name, text, len);
    p.src = diag_file_text(dc, p.file, NULL); /* NUL-terminated copy */
    p.len = (uint32_t)len;
    p.dc = dc;
    p.scratch = arena_new();
    bool ok = parse_graph(&p);
    arena_free(p.scratch);
    if (!ok) {
        ir_graph_free(p.g);
        return NULL;
    }
    return p.g;
}
