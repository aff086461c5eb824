/* vnnlib.c — reads VNN-LIB property files (the VNN-COMP format).
 *
 *   (declare-const X_0 Real) ... (declare-const Y_0 Real) ...
 *   (assert (<= X_0 0.68))  (assert (>= Y_0 3.99))
 *   (assert (or (and (<= Y_0 Y_1) (<= Y_0 Y_2)) (and ...)))
 *
 * The assertions describe the unsafe set.  They are brought to disjunctive
 * normal form: a list of cases, each an input box and linear output
 * constraints C·y <= d; the property holds when every case is infeasible.
 * Terms are numbers, X_i, Y_j, (+ t ...), (- t [t]) and (* number t).  An
 * input atom must bound one X variable; an output atom may combine Ys.
 * Strict comparisons are read as non-strict (proving the closed set
 * infeasible proves the open one).  Every error names line and column.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"

enum { VNN_MAX_VARS = 1 << 16, VNN_MAX_CASES = 4096, VNN_MAX_DEPTH = 64 };

typedef struct Sx {
    bool atom;
    const char *text;   /* atom */
    struct Sx **items;  /* list */
    uint32_t n;
    uint32_t start, end;
} Sx;

typedef struct {
    const char *src;
    size_t len, pos;
    uint32_t file;
    DiagCtx *dc;
    Arena *a;
    bool failed;
    uint32_t nx, ny;
} Vnn;

static bool vnn_error(Vnn *v, uint32_t start, uint32_t end, const char *fmt, ...) PD_PRINTF(4, 5);
static bool vnn_error(Vnn *v, uint32_t start, uint32_t end, const char *fmt, ...) {
    if (!v->failed) {
        va_list ap;
        va_start(ap, fmt);
        diag_vreport(v->dc, DIAG_ERROR, src_loc(v->file, start, end), fmt, ap);
        va_end(ap);
    }
    v->failed = true;
    return false;
}

/* ---- s-expressions ------------------------------------------------------ */

static void skip_space(Vnn *v) {
    while (v->pos < v->len) {
        char c = v->src[v->pos];
        if (c == ';') while (v->pos < v->len && v->src[v->pos] != '\n') v->pos++;
        else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') v->pos++;
        else break;
    }
}

static Sx *read_sx(Vnn *v, int depth) {
    skip_space(v);
    Sx *s = arena_alloc(v->a, sizeof *s);
    s->start = (uint32_t)v->pos;
    if (v->pos >= v->len) return vnn_error(v, s->start, s->start, "unexpected end of file"), NULL;
    if (depth > VNN_MAX_DEPTH) return vnn_error(v, s->start, s->start + 1, "expressions nested too deeply"), NULL;
    if (v->src[v->pos] == ')') return vnn_error(v, s->start, s->start + 1, "unexpected ')'"), NULL;
    if (v->src[v->pos] != '(') {
        size_t b = v->pos;
        /* a NUL byte would match strchr's terminator: it is part of an atom */
        while (v->pos < v->len && (v->src[v->pos] == 0 || !strchr(" \t\r\n();", v->src[v->pos]))) v->pos++;
        s->atom = true;
        s->text = arena_strndup(v->a, v->src + b, v->pos - b);
        s->end = (uint32_t)v->pos;
        return s;
    }
    v->pos++;
    VEC(Sx *) items = {0};
    for (;;) {
        skip_space(v);
        if (v->pos >= v->len) return vnn_error(v, s->start, s->start + 1, "unclosed '('"), NULL;
        if (v->src[v->pos] == ')') break;
        Sx *c = read_sx(v, depth + 1);
        if (!c) return NULL;
        vec_push(v->a, &items, c);
    }
    v->pos++;
    s->items = items.data, s->n = items.len, s->end = (uint32_t)v->pos;
    return s;
}

static bool is_head(const Sx *s, const char *w) { return !s->atom && s->n && s->items[0]->atom && !strcmp(s->items[0]->text, w); }

/* ---- linear terms -------------------------------------------------------- */

/* A linear expression over X and Y plus a constant. */
typedef struct {
    double *cx, *cy, k;
} Lin;

static Lin lin_new(Vnn *v) {
    Lin l = {arena_alloc(v->a, (v->nx + 1) * sizeof(double)), arena_alloc(v->a, (v->ny + 1) * sizeof(double)), 0};
    return l;
}

static void lin_add(Vnn *v, Lin *to, const Lin *t, double s) {
    for (uint32_t i = 0; i < v->nx; i++) to->cx[i] += s * t->cx[i];
    for (uint32_t i = 0; i < v->ny; i++) to->cy[i] += s * t->cy[i];
    to->k += s * t->k;
}

static bool var_index(const char *t, char which, uint32_t n, uint32_t *out) {
    if (t[0] != which || t[1] != '_' || !t[2]) return false;
    char *end;
    long i = strtol(t + 2, &end, 10);
    if (*end || i < 0 || (uint32_t)i >= n) return false;
    *out = (uint32_t)i;
    return true;
}

static bool term(Vnn *v, const Sx *s, Lin *out);

static bool atom_term(Vnn *v, const Sx *s, Lin *out) {
    uint32_t i;
    char *end;
    double num = strtod(s->text, &end);
    if (!*end && isfinite(num)) out->k = num;
    else if (var_index(s->text, 'X', v->nx, &i)) out->cx[i] = 1;
    else if (var_index(s->text, 'Y', v->ny, &i)) out->cy[i] = 1;
    else return vnn_error(v, s->start, s->end, "unknown term '%s' (a number, or a declared X_i or Y_j)", s->text);
    return true;
}

static bool term(Vnn *v, const Sx *s, Lin *out) {
    *out = lin_new(v);
    if (s->atom) return atom_term(v, s, out);
    bool plus = is_head(s, "+"), minus = is_head(s, "-"), times = is_head(s, "*");
    if (!(plus || minus || times) || s->n < 2 || (times && s->n != 3) || (minus && s->n > 3))
        return vnn_error(v, s->start, s->end, "expected a linear term: (+ t ...), (- t [t]) or (* number t)");
    Lin t;
    if (times) {
        Lin c;
        if (!term(v, s->items[1], &c) || !term(v, s->items[2], &t)) return false;
        bool c_const = true;
        for (uint32_t i = 0; i < v->nx; i++) c_const &= c.cx[i] == 0;
        for (uint32_t i = 0; i < v->ny; i++) c_const &= c.cy[i] == 0;
        if (!c_const) return vnn_error(v, s->start, s->end, "only a number may multiply a term");
        lin_add(v, out, &t, c.k);
        return true;
    }
    for (uint32_t i = 1; i < s->n; i++) {
        if (!term(v, s->items[i], &t)) return false;
        lin_add(v, out, &t, minus && (i == 2 || s->n == 2) ? -1 : 1);
    }
    return true;
}

/* ---- formulas to DNF ------------------------------------------------------ */

/* One atom as "lin <= 0". */
typedef struct {
    Lin lin;
    const Sx *where;
} Atom;

typedef VEC(Atom) Conj;
typedef VEC(Conj) Dnf;

static bool dnf_of(Vnn *v, const Sx *s, Dnf *out);

static bool dnf_atom(Vnn *v, const Sx *s, Dnf *out) {
    bool le = is_head(s, "<=") || is_head(s, "<"), ge = is_head(s, ">=") || is_head(s, ">");
    if (!(le || ge) || s->n != 3)
        return vnn_error(v, s->start, s->end, "expected (<= a b), (>= a b), (and ...) or (or ...)");
    Lin a, b;
    if (!term(v, s->items[1], &a) || !term(v, s->items[2], &b)) return false;
    Atom at = {lin_new(v), s};
    lin_add(v, &at.lin, &a, le ? 1 : -1);
    lin_add(v, &at.lin, &b, le ? -1 : 1);
    Conj c = {0};
    vec_push(v->a, &c, at);
    *out = (Dnf){0};
    vec_push(v->a, out, c);
    return true;
}

/* (and A B): every conjunction of A with every one of B. */
static bool dnf_and(Vnn *v, Dnf *acc, const Dnf *b, const Sx *s) {
    if ((uint64_t)acc->len * b->len > VNN_MAX_CASES)
        return vnn_error(v, s->start, s->end, "more than %d cases after expanding 'or'", VNN_MAX_CASES);
    Dnf r = {0};
    for (uint32_t i = 0; i < acc->len; i++)
        for (uint32_t j = 0; j < b->len; j++) {
            Conj c = {0};
            for (uint32_t k = 0; k < acc->data[i].len; k++) vec_push(v->a, &c, acc->data[i].data[k]);
            for (uint32_t k = 0; k < b->data[j].len; k++) vec_push(v->a, &c, b->data[j].data[k]);
            vec_push(v->a, &r, c);
        }
    *acc = r;
    return true;
}

static bool dnf_of(Vnn *v, const Sx *s, Dnf *out) {
    bool is_and = is_head(s, "and"), is_or = is_head(s, "or");
    if (!is_and && !is_or) return dnf_atom(v, s, out);
    *out = (Dnf){0};
    if (is_and) vec_push(v->a, out, (Conj){0});
    for (uint32_t i = 1; i < s->n; i++) {
        Dnf d;
        if (!dnf_of(v, s->items[i], &d)) return false;
        if (is_and && !dnf_and(v, out, &d, s)) return false;
        for (uint32_t k = 0; is_or && k < d.len; k++) {
            if (out->len >= VNN_MAX_CASES) return vnn_error(v, s->start, s->end, "more than %d cases", VNN_MAX_CASES);
            vec_push(v->a, out, d.data[k]);
        }
    }
    return true;
}

/* ---- cases ----------------------------------------------------------------- */

/* Splits a conjunction into an input box and output rows. */
static bool make_case(Vnn *v, const Conj *c, VnnCase *out) {
    out->in_lo = arena_alloc(v->a, (v->nx + 1) * sizeof(double));
    out->in_hi = arena_alloc(v->a, (v->nx + 1) * sizeof(double));
    for (uint32_t i = 0; i < v->nx; i++) out->in_lo[i] = -INFINITY, out->in_hi[i] = INFINITY;
    VEC(double) C = {0}, d = {0};
    for (uint32_t k = 0; k < c->len; k++) {
        const Atom *at = &c->data[k];
        uint32_t xs = 0, ys = 0, xi = 0;
        for (uint32_t i = 0; i < v->nx; i++) if (at->lin.cx[i] != 0) xs++, xi = i;
        for (uint32_t i = 0; i < v->ny; i++) ys += at->lin.cy[i] != 0;
        if (xs && ys) return vnn_error(v, at->where->start, at->where->end, "a constraint may not mix inputs and outputs");
        if (xs > 1) return vnn_error(v, at->where->start, at->where->end, "an input constraint must bound one X variable");
        if (xs) { /* cx*x + k <= 0 */
            double bound = -at->lin.k / at->lin.cx[xi];
            if (at->lin.cx[xi] > 0) out->in_hi[xi] = fmin(out->in_hi[xi], bound);
            else out->in_lo[xi] = fmax(out->in_lo[xi], bound);
            continue;
        }
        for (uint32_t i = 0; i < v->ny; i++) vec_push(v->a, &C, at->lin.cy[i]);
        vec_push(v->a, &d, -at->lin.k);
    }
    out->C = C.data, out->d = d.data, out->nrows = d.len;
    return true;
}

static bool declare(Vnn *v, const Sx *s) {
    if (s->n != 3 || !s->items[1]->atom || !s->items[2]->atom || strcmp(s->items[2]->text, "Real"))
        return vnn_error(v, s->start, s->end, "expected (declare-const NAME Real)");
    const char *name = s->items[1]->text;
    uint32_t *count = name[0] == 'X' ? &v->nx : name[0] == 'Y' ? &v->ny : NULL;
    uint32_t i;
    if (!count || !var_index(name, name[0], VNN_MAX_VARS, &i) || i != *count)
        return vnn_error(v, s->items[1]->start, s->items[1]->end,
                         "expected %c_%u (inputs X_0, X_1, ... and outputs Y_0, ... in order)", count ? name[0] : 'X',
                         count ? *count : v->nx);
    (*count)++;
    return true;
}

static bool read_all(Vnn *v, VnnSpec *spec) {
    Dnf acc = {0};
    vec_push(v->a, &acc, (Conj){0});
    for (skip_space(v); v->pos < v->len && !v->failed; skip_space(v)) {
        Sx *s = read_sx(v, 0);
        if (!s) return false;
        if (is_head(s, "declare-const")) {
            if (!declare(v, s)) return false;
        } else if (is_head(s, "assert") && s->n == 2) {
            Dnf d;
            if (!dnf_of(v, s->items[1], &d) || !dnf_and(v, &acc, &d, s)) return false;
        } else {
            return vnn_error(v, s->start, s->end, "expected (declare-const ...) or (assert ...)");
        }
    }
    spec->nx = v->nx, spec->ny = v->ny;
    spec->cases = arena_alloc(v->a, (acc.len + 1) * sizeof(VnnCase));
    for (uint32_t i = 0; i < acc.len; i++)
        if (!make_case(v, &acc.data[i], &spec->cases[spec->ncases++])) return false;
    return true;
}

VnnSpec *fe_parse_vnnlib(const char *path, const char *text, size_t len, Arena *a, DiagCtx *dc) {
    Vnn v = {.len = len, .dc = dc, .a = a};
    v.file = diag_add_file(dc, path, text, len);
    v.src = diag_file_text(dc, v.file, NULL);
    VnnSpec *spec = arena_alloc(a, sizeof *spec);
    if (!read_all(&v, spec)) return NULL;
    for (uint32_t c = 0; c < spec->ncases; c++)
        for (uint32_t i = 0; i < spec->nx; i++)
            if (!isfinite(spec->cases[c].in_lo[i]) || !isfinite(spec->cases[c].in_hi[i])) {
                diag_file_error(dc, path, "input X_%u has no lower or upper bound", i);
                return NULL;
            }
    return spec;
}

VnnSpec *fe_load_vnnlib(const char *path, Arena *a, DiagCtx *dc) {
    size_t len;
    char *text = pd_read_file(path, &len);
    if (!text) {
        diag_file_error(dc, path, "cannot open: %s", strerror(errno));
        return NULL;
    }
    VnnSpec *spec = fe_parse_vnnlib(path, text, len, a, dc);
    free(text);
    return spec;
}
