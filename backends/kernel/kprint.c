/* kprint.c — kernel-IR expressions as C-family source (see kprint.h). */
#include "kprint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const KSpelling kp_spell_c = {"float", "double", "int64_t", "INT64_C(%lld)", "f", false};
const KSpelling kp_spell_opencl = {"float", "double", "long", "%lldL", "", true};

const char *kp_type(const KSpelling *s, IrDType t) {
    switch (t) {
    case IR_F64: return s->f64;
    case IR_I64: return s->i64;
    default: return s->f32;
    }
}

void kp_index(const KSpelling *s, const KProgram *p, KId i, FILE *out) {
    const KIdx *x = &p->idx.data[i];
    switch (x->kind) {
    case KI_VAR: fprintf(out, "i%lld", (long long)x->c); return;
    case KI_CONST: fprintf(out, "%lld", (long long)x->c); return;
    case KI_ADD:
        fputc('(', out), kp_index(s, p, x->a, out), fputs(" + ", out), kp_index(s, p, x->b, out), fputc(')', out);
        return;
    case KI_MUL: fputc('(', out), kp_index(s, p, x->a, out), fprintf(out, " * %lld)", (long long)x->c); return;
    case KI_DIV: fputc('(', out), kp_index(s, p, x->a, out), fprintf(out, " / %lld)", (long long)x->c); return;
    case KI_MOD: fputc('(', out), kp_index(s, p, x->a, out), fprintf(out, " %% %lld)", (long long)x->c); return;
    case KI_LOOKUP:
        fprintf(out, "pd_table%lld[", (long long)x->c), kp_index(s, p, x->a, out), fputc(']', out);
        return;
    case KI_CLAMP:
        fputs("pd_clamp(", out), kp_index(s, p, x->a, out), fprintf(out, ", %lld)", (long long)x->c);
        return;
    }
}

static void literal(const KSpelling *s, IrDType dt, double v, FILE *out) {
    if (dt == IR_I64) { fprintf(out, s->i64_literal, (long long)v); return; }
    if (isnan(v)) fprintf(out, "(%s)NAN", kp_type(s, dt));
    else if (isinf(v)) fprintf(out, "(%s)%sINFINITY", kp_type(s, dt), v < 0 ? "-" : "");
    else if (dt == IR_F32) fprintf(out, "%af", (double)(float)v);
    else fprintf(out, "%a", v);
}

void kp_operand(const KSpelling *s, const KProgram *p, KId e, FILE *out) {
    const KExpr *x = &p->ex.data[e];
    if (x->kind == KX_CONST) literal(s, x->dtype, x->value, out);
    else if (x->kind == KX_ACC) fprintf(out, "acc%lld", (long long)x->lo);
    else fprintf(out, "t%u", e);
}

/* A math function's name for type dt (C: expf for f32; OpenCL: exp). */
static const char *fn(const KSpelling *s, IrDType dt, const char *name) {
    static char buf[32];
    snprintf(buf, sizeof buf, "%s%s", name, dt == IR_F32 ? s->f32_suffix : "");
    return buf;
}

static void unary(const KSpelling *s, const KProgram *p, const KExpr *x, FILE *out) {
    const char *one = x->dtype == IR_F32 ? "1.0f" : "1.0";
    const char *half = x->dtype == IR_F32 ? "0.5f" : "0.5";
#define A kp_operand(s, p, x->a, out)
    switch (x->op) {
    case IR_OP_NEG: fputs("-", out), A; return;
    case IR_OP_ABS: fprintf(out, "%s(", x->dtype == IR_I64 ? "pd_iabs" : fn(s, x->dtype, "fabs")), A, fputc(')', out); return;
    case IR_OP_RSQRT: fprintf(out, "%s / %s(", one, fn(s, x->dtype, "sqrt")), A, fputc(')', out); return;
    case IR_OP_SIGMOID: fprintf(out, "%s / (%s + %s(-", one, one, fn(s, x->dtype, "exp")), A, fputs("))", out); return;
    case IR_OP_RELU: A, fputs(" < 0 ? 0 : ", out), A; return;
    case IR_OP_LEAKY_RELU:
        A, fputs(" >= 0 ? ", out), A, fputs(" : ", out), literal(s, x->dtype, x->value, out), fputs(" * ", out), A;
        return;
    case IR_OP_GELU:
        if (x->dtype == IR_F32) { fputs("pd_gelu(", out), A, fputc(')', out); return; }
        fprintf(out, "%s * ", half), A, fprintf(out, " * (%s + %s(", one, fn(s, x->dtype, "erf")), A, fputs(" * ", out),
            literal(s, x->dtype, 0.70710678118654752440, out), fputs("))", out);
        return;
    case IR_OP_CAST: fprintf(out, "(%s)", kp_type(s, x->dtype)), A; return;
    default: break;
    }
    const char *name = NULL;
    switch (x->op) {
    case IR_OP_EXP: name = "exp"; break;
    case IR_OP_LOG: name = "log"; break;
    case IR_OP_SQRT: name = "sqrt"; break;
    case IR_OP_TANH: name = "tanh"; break;
    case IR_OP_SIN: name = "sin"; break;
    case IR_OP_COS: name = "cos"; break;
    case IR_OP_ERF: name = "erf"; break;
    default: pd_die("kprint: no spelling for %s", ir_op_info(x->op)->name);
    }
    if (x->dtype == IR_I64) fprintf(out, "pd_to_i64(%s((double)", name), A, fputs("))", out);
    else fprintf(out, "%s(", fn(s, x->dtype, name)), A, fputc(')', out);
#undef A
}

static void binary(const KSpelling *s, const KProgram *p, const KExpr *x, FILE *out) {
    const char *infix = NULL;
    switch (x->op) {
    case IR_OP_ADD: infix = " + "; break;
    case IR_OP_SUB: infix = " - "; break;
    case IR_OP_MUL: infix = " * "; break;
    case IR_OP_DIV: infix = " / "; break;
    default: break;
    }
    if (infix && !(x->dtype == IR_I64 && x->op == IR_OP_DIV)) {
        kp_operand(s, p, x->a, out), fputs(infix, out), kp_operand(s, p, x->b, out);
        return;
    }
    if (x->op == IR_OP_MAX || x->op == IR_OP_MIN) {
        fputc('(', out), kp_operand(s, p, x->a, out), fputs(x->op == IR_OP_MAX ? " > " : " < ", out);
        kp_operand(s, p, x->b, out), fputs(" ? ", out), kp_operand(s, p, x->a, out), fputs(" : ", out);
        kp_operand(s, p, x->b, out), fputc(')', out);
        return;
    }
    const char *call = x->op == IR_OP_DIV ? "pd_idiv" : x->dtype == IR_I64 ? "pd_ipow" : fn(s, x->dtype, "pow");
    fprintf(out, "%s(", call), kp_operand(s, p, x->a, out), fputs(", ", out), kp_operand(s, p, x->b, out), fputc(')', out);
}

static bool is_condition(const KExpr *x) { return x->kind == KX_INRANGE || x->kind == KX_NONZERO || x->kind == KX_OR; }

static void rhs(const KSpelling *s, const KProgram *p, const KExpr *x, FILE *out) {
    switch (x->kind) {
    case KX_LOAD: fprintf(out, "b%u[", x->buf), kp_index(s, p, x->index, out), fputc(']', out); return;
    case KX_UNARY: unary(s, p, x, out); return;
    case KX_BINARY: binary(s, p, x, out); return;
    case KX_SELECT:
        kp_operand(s, p, x->a, out);
        if (s->bool_conditions && !is_condition(&p->ex.data[x->a])) fputs(" != 0", out); /* a condition held as f32 */
        fputs(" ? ", out), kp_operand(s, p, x->b, out), fputs(" : ", out);
        kp_operand(s, p, x->c, out);
        return;
    case KX_INRANGE:
        fprintf(out, "%lld <= ", (long long)x->lo), kp_index(s, p, x->index, out), fputs(" && ", out);
        kp_index(s, p, x->index, out), fprintf(out, " < %lld", (long long)x->hi);
        return;
    case KX_NONZERO: kp_operand(s, p, x->a, out), fputs(" != 0", out); return;
    case KX_OR: kp_operand(s, p, x->a, out), fputs(" || ", out), kp_operand(s, p, x->b, out); return;
    case KX_CONST: case KX_ACC: pd_die("kprint: %d is not a statement", x->kind);
    }
}

void kp_rhs(const KSpelling *s, const KProgram *p, KId e, FILE *out) { rhs(s, p, &p->ex.data[e], out); }

void kp_need(const KProgram *p, KId e, uint8_t *want) {
    if (e == KIR_NONE || want[e]) return;
    want[e] = 1;
    const KExpr *x = &p->ex.data[e];
    kp_need(p, x->a, want), kp_need(p, x->b, want), kp_need(p, x->c, want);
}

void kp_emit_ssa(const KSpelling *s, const KProgram *p, const uint8_t *want, int indent, FILE *out) {
    for (KId e = 0; e < p->ex.len; e++) {
        const KExpr *x = &p->ex.data[e];
        if (!want[e] || x->kind == KX_CONST || x->kind == KX_ACC) continue;
        fprintf(out, "%*sconst %s t%u = ", indent, "", is_condition(x) ? "int" : kp_type(s, x->dtype), e);
        rhs(s, p, x, out);
        fputs(";\n", out);
    }
}

void kp_emit_stores(const KSpelling *s, const KProgram *p, const KKernel *k, const char *idx_type, int indent, FILE *out) {
    uint8_t *want = calloc(p->ex.len + 1, 1);
    if (!want) pd_die("out of memory");
    for (uint32_t i = 0; i < k->nstore; i++) kp_need(p, k->store[i], want);
    kp_emit_ssa(s, p, want, indent, out);
    free(want);
    fprintf(out, "%*sconst %s at = 0", indent, "", idx_type);
    int64_t stride = k->nstore;
    for (uint32_t d = k->rank; d-- > 0;) {
        fprintf(out, " + i%u * %lld", d, (long long)stride);
        stride *= k->ext[d];
    }
    fputs(";\n", out);
    for (uint32_t i = 0; i < k->nstore; i++) {
        fprintf(out, "%*sb%u[at + %u] = ", indent, "", k->out, i);
        kp_operand(s, p, k->store[i], out);
        fputs(";\n", out);
    }
}

bool kp_uses_dtype(const KProgram *p, IrDType t) {
    for (uint32_t e = 0; e < p->ex.len; e++)
        if (p->ex.data[e].dtype == t && p->ex.data[e].kind != KX_CONST) return true;
    return false;
}

bool kp_uses_f32_gelu(const KProgram *p) {
    for (uint32_t e = 0; e < p->ex.len; e++)
        if (p->ex.data[e].kind == KX_UNARY && p->ex.data[e].op == IR_OP_GELU && p->ex.data[e].dtype == IR_F32) return true;
    return false;
}
