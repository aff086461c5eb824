/* clgen_vec.c — a GEMM's fused epilogue on whole float8s.
 *
 * A work-item's 8 columns of a row are 8 consecutive elements of the
 * output's last axis.  When every load of the epilogue either ignores
 * that axis (a scalar, the same for the 8) or steps along it one element
 * per column (a vload8), and every operation has an OpenCL vector form,
 * the epilogue runs once per float8 instead of once per lane: devices
 * then evaluate exp, tanh and friends in vector form (PoCL's scalar ones
 * made lane-by-lane GELU epilogues cost 4x their GEMM).  Selects use
 * select(), which keeps the scalar code's comparison semantics.
 */
#include <stdlib.h>
#include <string.h>

#include "clgen_impl.h"

/* The coefficient of loop variable v in index i: 0 or 1 when i is
 * v + (terms without v) or free of v; -1 otherwise. */
static int lane_step(const KProgram *p, KId i, uint32_t v) {
    const KIdx *x = &p->idx.data[i];
    switch (x->kind) {
    case KI_VAR: return x->c == (int64_t)v;
    case KI_CONST: return 0;
    case KI_ADD: {
        int a = lane_step(p, x->a, v), b = lane_step(p, x->b, v);
        return a < 0 || b < 0 || a + b > 1 ? -1 : a + b;
    }
    case KI_MUL: {
        int a = lane_step(p, x->a, v);
        return a < 0 ? -1 : a == 0 ? 0 : x->c == 1 ? 1 : -1;
    }
    default: /* div, mod, clamp, lookup: only without v */
        return lane_step(p, x->a, v) == 0 ? 0 : -1;
    }
}

static bool vector_op(const KExpr *x) {
    if (x->kind == KX_BINARY)
        return x->op == IR_OP_ADD || x->op == IR_OP_SUB || x->op == IR_OP_MUL || x->op == IR_OP_DIV ||
               x->op == IR_OP_MAX || x->op == IR_OP_MIN;
    if (x->kind != KX_UNARY) return false;
    switch (x->op) {
    case IR_OP_NEG: case IR_OP_ABS: case IR_OP_EXP: case IR_OP_LOG: case IR_OP_SQRT: case IR_OP_RSQRT:
    case IR_OP_TANH: case IR_OP_SIGMOID: case IR_OP_RELU: case IR_OP_GELU: case IR_OP_SIN: case IR_OP_COS:
    case IR_OP_ERF: case IR_OP_LEAKY_RELU: return true;
    default: return false;
    }
}

/* Marks in vec[] the expressions of the epilogue that vary across the 8
 * columns.  False when one cannot be written on float8s. */
static bool classify(const KProgram *p, KId e, uint32_t lane_var, uint8_t *seen, uint8_t *vec) {
    if (e == KIR_NONE || seen[e]) return true;
    seen[e] = 1;
    const KExpr *x = &p->ex.data[e];
    if (x->dtype != IR_F32) return false;
    switch (x->kind) {
    case KX_CONST: return true;
    case KX_ACC: vec[e] = 1; return true;
    case KX_LOAD: {
        int step = lane_step(p, x->index, lane_var);
        vec[e] = step == 1;
        return step >= 0 && p->bufs.data[x->buf].dtype == IR_F32;
    }
    default:
        if (!vector_op(x) || !classify(p, x->a, lane_var, seen, vec) || !classify(p, x->b, lane_var, seen, vec))
            return false;
        vec[e] = vec[x->a] || (x->b != KIR_NONE && vec[x->b]);
        return true;
    }
}

bool cl_vec_epilogue_ok(const KProgram *p, const KKernel *k, uint8_t *vec) {
    if (k->n_dim % 8 || k->store[0] == KIR_NONE) return false;
    uint8_t *seen = calloc(p->ex.len + 1, 1);
    if (!seen) pd_die("out of memory");
    memset(vec, 0, p->ex.len);
    bool ok = classify(p, k->store[0], k->rank - 1, seen, vec);
    free(seen);
    return ok;
}

/* An operand as a float8 (scalars widen). */
static void vec_operand(ClGen *G, KId e, const uint8_t *vec) {
    if (vec[e]) kp_operand(SP, G->p, e, G->out);
    else fputs("(float8)(", G->out), kp_operand(SP, G->p, e, G->out), fputc(')', G->out);
}

static void vec_unary(ClGen *G, const KExpr *x) {
    FILE *out = G->out;
    const KProgram *p = G->p;
#define A kp_operand(SP, p, x->a, out)
    switch (x->op) {
    case IR_OP_NEG: fputc('-', out), A; return;
    case IR_OP_ABS: fputs("fabs(", out), A, fputc(')', out); return;
    case IR_OP_RSQRT: fputs("1.0f / sqrt(", out), A, fputc(')', out); return;
    case IR_OP_SIGMOID: fputs("1.0f / (1.0f + exp(-", out), A, fputs("))", out); return;
    case IR_OP_RELU: fputs("select(", out), A, fputs(", (float8)(0.0f), ", out), A, fputs(" < 0.0f)", out); return;
    case IR_OP_LEAKY_RELU:
        fprintf(out, "select(%af * ", (double)(float)x->value), A, fputs(", ", out), A, fputs(", ", out), A,
            fputs(" >= 0.0f)", out);
        return;
    case IR_OP_GELU: fputs("pd_gelu8(", out), A, fputc(')', out); return;
    default: break;
    }
    const char *name = x->op == IR_OP_EXP ? "exp" : x->op == IR_OP_LOG ? "log" : x->op == IR_OP_SQRT ? "sqrt"
                     : x->op == IR_OP_TANH ? "tanh" : x->op == IR_OP_SIN ? "sin" : x->op == IR_OP_COS ? "cos" : "erf";
    fprintf(out, "%s(", name), A, fputc(')', out);
#undef A
}

static void vec_binary(ClGen *G, const KExpr *x, const uint8_t *vec) {
    FILE *out = G->out;
    if (x->op == IR_OP_MAX || x->op == IR_OP_MIN) { /* the scalar (a > b ? a : b), lane by lane */
        fputs("select(", out), vec_operand(G, x->b, vec), fputs(", ", out), vec_operand(G, x->a, vec);
        fprintf(out, ", "), vec_operand(G, x->a, vec), fputs(x->op == IR_OP_MAX ? " > " : " < ", out);
        vec_operand(G, x->b, vec), fputc(')', out);
        return;
    }
    const char *infix = x->op == IR_OP_ADD ? " + " : x->op == IR_OP_SUB ? " - " : x->op == IR_OP_MUL ? " * " : " / ";
    kp_operand(SP, G->p, x->a, out), fputs(infix, out), kp_operand(SP, G->p, x->b, out);
}

void cl_vec_epilogue(ClGen *G, const KKernel *k, const uint8_t *vec, int acc, int indent) {
    const KProgram *p = G->p;
    FILE *out = G->out;
    uint8_t *want = calloc(p->ex.len + 1, 1);
    if (!want) pd_die("out of memory");
    kp_need(p, k->store[0], want);
    fprintf(out, "%*sconst %s i%u = n;\n%*sconst float8 acc0 = pd_acc%d;\n", indent, "", G->idx, k->rank - 1, indent, "",
            acc);
    for (KId e = 0; e < p->ex.len; e++) {
        const KExpr *x = &p->ex.data[e];
        if (!want[e] || x->kind == KX_CONST || x->kind == KX_ACC) continue;
        fprintf(out, "%*sconst %s t%u = ", indent, "", vec[e] ? "float8" : "float", e);
        if (!vec[e]) kp_rhs(SP, p, e, out); /* the same for all 8 columns */
        else if (x->kind == KX_LOAD) fprintf(out, "vload8(0, b%u + ", x->buf), kp_index(SP, p, x->index, out), fputc(')', out);
        else if (x->kind == KX_UNARY) vec_unary(G, x);
        else vec_binary(G, x, vec);
        fputs(";\n", out);
    }
    free(want);
    fprintf(out, "%*svstore8(", indent, ""), vec_operand(G, k->store[0], vec);
    fprintf(out, ", 0, b%u + m * %lld + n);\n", k->out, (long long)k->ldo);
}
