/* print.c — the textual IR (docs/ir.md) and Graphviz dot.
 *
 * The text is the parser's input (parse.c): print(parse(print(g))) equals
 * print(g) byte for byte.  So floats are printed with enough digits to
 * parse back bit-exactly (%.9g for f32, %.17g for f64 and attributes),
 * strings are escaped so any name survives, and values are numbered in
 * print order (ids never appear in text).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

/* A string literal with C escapes; bytes >= 0x80 pass through unchanged
 * (UTF-8 names stay readable), control bytes become \xHH. */
void ir_print_string(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p == 0x7f) fprintf(out, "\\x%02x", *p);
            else fputc(*p, out);
        }
    }
    fputc('"', out);
}

/* True when s can be printed bare after '@': [A-Za-z_][A-Za-z0-9_.]*. */
static bool is_plain_name(const char *s) {
    if (!*s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.'))
            return false;
    return true;
}

static void print_double(FILE *out, double v, int digits) {
    if (isnan(v)) fputs("nan", out);
    else if (isinf(v)) fputs(v < 0 ? "-inf" : "inf", out);
    else {
        char buf[64];
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        /* Keep a float looking like a float, so the parser knows. */
        if (!strpbrk(buf, ".eE")) strcat(buf, ".0");
        fputs(buf, out);
    }
}

void ir_print_type(FILE *out, const IrType *t) {
    char buf[256];
    fputs(ir_type_fmt(buf, sizeof buf, t), out);
}

static void print_attr(FILE *out, const IrAttr *a) {
    fprintf(out, "%s = ", a->key);
    switch (a->kind) {
    case IR_ATTR_INT: fprintf(out, "%lld", (long long)a->i); break;
    case IR_ATTR_FLOAT: print_double(out, a->f, 17); break;
    case IR_ATTR_DTYPE: fputs(ir_dtype_name((IrDType)a->i), out); break;
    case IR_ATTR_STR: ir_print_string(out, a->s); break;
    case IR_ATTR_INTS:
        fputc('[', out);
        for (uint32_t i = 0; i < a->n; i++) fprintf(out, i ? ", %lld" : "%lld", (long long)a->ints[i]);
        fputc(']', out);
        break;
    }
}

static void print_dense(FILE *out, const IrTensorData *d) {
    int64_t n = ir_type_numel(&d->type);
    fputs("dense<[", out);
    for (int64_t i = 0; i < n; i++) {
        if (i) fputs(", ", out);
        switch (d->type.dtype) {
        case IR_F32: print_double(out, ((const float *)d->data)[i], 9); break;
        case IR_F64: print_double(out, ((const double *)d->data)[i], 17); break;
        case IR_I64: fprintf(out, "%lld", (long long)((const int64_t *)d->data)[i]); break;
        case IR_C64:
            fputc('(', out);
            print_double(out, ((const float *)d->data)[2 * i], 9);
            fputs(", ", out);
            print_double(out, ((const float *)d->data)[2 * i + 1], 9);
            fputc(')', out);
            break;
        case IR_NDTYPES: pd_die("bad dtype");
        }
    }
    fputs("]>", out);
}

/* The node's right-hand side after "%N = ", without the type. */
static void print_rhs(const IrGraph *g, const IrNode *n, const uint32_t *num, FILE *out) {
    fputs(ir_op_info(n->op)->name, out);
    if (n->op == IR_OP_INPUT || n->op == IR_OP_PARAM) {
        fputc(' ', out);
        ir_print_string(out, n->name);
        return;
    }
    if (n->op == IR_OP_CONST) {
        fputc(' ', out);
        print_dense(out, &g->consts.data[n->data]);
        return;
    }
    fputc('(', out);
    for (uint32_t k = 0; k < n->nin; k++) fprintf(out, k ? ", %%%u" : "%%%u", num[n->in[k]]);
    fputc(')', out);
    if (n->nattr) {
        fputs(" {", out);
        for (uint32_t k = 0; k < n->nattr; k++) {
            if (k) fputs(", ", out);
            print_attr(out, &n->attr[k]);
        }
        fputc('}', out);
    }
}

void ir_print(const IrGraph *g, FILE *out) {
    uint32_t *num = pd_xcalloc(g->nodes.len + 1, sizeof *num);
    uint32_t next = 0;
    fputs("graph @", out);
    if (is_plain_name(g->name)) fputs(g->name, out);
    else ir_print_string(out, g->name);
    fputs(" {\n", out);
    if (g->weights) {
        fputs("  weights ", out);
        ir_print_string(out, g->weights);
        fputc('\n', out);
    }
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        const IrNode *n = &g->nodes.data[i];
        if (n->dead) continue;
        if (n->op == IR_OP_OUTPUT) {
            fputs("  output ", out);
            ir_print_string(out, n->name);
            fprintf(out, "(%%%u) : ", num[n->in[0]]);
        } else {
            num[i] = next++;
            fprintf(out, "  %%%u = ", num[i]);
            print_rhs(g, n, num, out);
            fputs(" : ", out);
        }
        ir_print_type(out, &n->type);
        fputc('\n', out);
    }
    fputs("}\n", out);
    free(num);
}

/* ---- dot -------------------------------------------------------------- */

static void dot_string(FILE *out, const char *s) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', out);
        if ((unsigned char)*s < 0x20) fputc(' ', out);
        else fputc(*s, out);
    }
}

void ir_print_dot(const IrGraph *g, FILE *out) {
    fputs("digraph \"", out);
    dot_string(out, g->name);
    fputs("\" {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n", out);
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        const IrNode *n = &g->nodes.data[i];
        if (n->dead) continue;
        char type[256];
        ir_type_fmt(type, sizeof type, &n->type);
        const char *style = n->op == IR_OP_INPUT || n->op == IR_OP_OUTPUT ? ", style=bold"
                          : n->op == IR_OP_PARAM || n->op == IR_OP_CONST ? ", style=dashed"
                          : "";
        fprintf(out, "  n%u [label=\"%s", i, ir_op_info(n->op)->name);
        if (n->name) {
            fputs(" ", out);
            dot_string(out, n->name);
        }
        fprintf(out, "\\n%s\"%s];\n", type, style);
        for (uint32_t k = 0; k < n->nin; k++) fprintf(out, "  n%u -> n%u;\n", n->in[k], i);
    }
    fputs("}\n", out);
}
