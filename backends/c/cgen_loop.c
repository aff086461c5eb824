/* cgen_loop.c — loop kernels as C: one loop per output dimension, a
 * reduction nest with accumulators inside, straight-line SSA bodies.
 * Every load is in bounds (kir.h), so bodies have no branches and the
 * innermost loop carries `omp simd`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cgen_impl.h"

const char *cg_type(IrDType t) {
    switch (t) {
    case IR_F64: return "double";
    case IR_I64: return "int64_t";
    default: return "float";
    }
}

static void mark(const KProgram *p, KId e, uint8_t *flags, uint8_t *seen) {
    if (e == KIR_NONE || seen[e]) return;
    seen[e] = 1;
    const KExpr *x = &p->ex.data[e];
    if (x->kind == KX_LOAD) flags[x->buf] |= 1;
    mark(p, x->a, flags, seen);
    mark(p, x->b, flags, seen);
    mark(p, x->c, flags, seen);
}

void cg_kernel_buffers(const KProgram *p, const KKernel *k, uint8_t *flags) {
    memset(flags, 0, p->bufs.len);
    if (k->kind == KK_FFT || k->kind == KK_GEMM) flags[k->in] |= 1;
    if (k->kind == KK_GEMM) flags[k->packed] |= 1;
    uint8_t *seen = calloc(p->ex.len + 1, 1);
    if (!seen) pd_die("out of memory");
    for (int i = 0; i < 2; i++) mark(p, k->store[i], flags, seen), mark(p, k->body[i], flags, seen);
    free(seen);
    flags[k->out] |= 2;
}

/* ---- index expressions ------------------------------------------------------ */

static void print_idx(const KProgram *p, KId i, FILE *out) {
    const KIdx *x = &p->idx.data[i];
    switch (x->kind) {
    case KI_VAR: fprintf(out, "i%lld", (long long)x->c); return;
    case KI_CONST: fprintf(out, "%lld", (long long)x->c); return;
    case KI_ADD:
        fputc('(', out), print_idx(p, x->a, out), fputs(" + ", out), print_idx(p, x->b, out), fputc(')', out);
        return;
    case KI_MUL: fputc('(', out), print_idx(p, x->a, out), fprintf(out, " * %lld)", (long long)x->c); return;
    case KI_DIV: fputc('(', out), print_idx(p, x->a, out), fprintf(out, " / %lld)", (long long)x->c); return;
    case KI_MOD: fputc('(', out), print_idx(p, x->a, out), fprintf(out, " %% %lld)", (long long)x->c); return;
    case KI_LOOKUP: fprintf(out, "pd_table%lld[", (long long)x->c), print_idx(p, x->a, out), fputc(']', out); return;
    case KI_CLAMP:
        fputs("pd_clamp(", out), print_idx(p, x->a, out), fprintf(out, ", %lld)", (long long)x->c);
        return;
    }
}

/* ---- scalar expressions ----------------------------------------------------- */

static void print_literal(IrDType dt, double v, FILE *out) {
    if (dt == IR_I64) { fprintf(out, "INT64_C(%lld)", (long long)v); return; }
    const char *suffix = dt == IR_F32 ? "f" : "";
    if (isnan(v)) fprintf(out, "(%s)NAN", cg_type(dt));
    else if (isinf(v)) fprintf(out, "(%s)%sINFINITY", cg_type(dt), v < 0 ? "-" : "");
    else if (dt == IR_F32) fprintf(out, "%a%s", (double)(float)v, suffix);
    else fprintf(out, "%a", v);
}

void cg_operand(const KProgram *p, KId e, FILE *out) {
    const KExpr *x = &p->ex.data[e];
    if (x->kind == KX_CONST) print_literal(x->dtype, x->value, out);
    else if (x->kind == KX_ACC) fprintf(out, "acc%lld", (long long)x->lo);
    else fprintf(out, "t%u", e);
}

/* f32 math functions carry an f suffix. */
static const char *fn(IrDType dt, const char *name) {
    static char buf[32];
    snprintf(buf, sizeof buf, "%s%s", name, dt == IR_F32 ? "f" : "");
    return buf;
}

static void unary(const KProgram *p, const KExpr *x, FILE *out) {
    const char *one = x->dtype == IR_F32 ? "1.0f" : "1.0";
    const char *half = x->dtype == IR_F32 ? "0.5f" : "0.5";
#define A cg_operand(p, x->a, out)
    switch (x->op) {
    case IR_OP_NEG: fputs("-", out), A; return;
    case IR_OP_ABS: fprintf(out, "%s(", x->dtype == IR_I64 ? "pd_iabs" : fn(x->dtype, "fabs")), A, fputc(')', out); return;
    case IR_OP_RSQRT: fprintf(out, "%s / %s(", one, fn(x->dtype, "sqrt")), A, fputc(')', out); return;
    case IR_OP_SIGMOID: fprintf(out, "%s / (%s + %s(-", one, one, fn(x->dtype, "exp")), A, fputs("))", out); return;
    case IR_OP_RELU: A, fputs(" < 0 ? 0 : ", out), A; return;
    case IR_OP_LEAKY_RELU: A, fputs(" >= 0 ? ", out), A, fputs(" : ", out), print_literal(x->dtype, x->value, out),
                           fputs(" * ", out), A; return;
    case IR_OP_GELU:
        if (x->dtype == IR_F32) { fputs("pd_gelu(", out), A, fputc(')', out); return; }
        fprintf(out, "%s * ", half), A, fprintf(out, " * (%s + %s(", one, fn(x->dtype, "erf")), A, fputs(" * ", out),
            print_literal(x->dtype, 0.70710678118654752440, out), fputs("))", out);
        return;
    case IR_OP_CAST: fprintf(out, "(%s)", cg_type(x->dtype)), A; return;
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
    default: pd_die("cgen: no C spelling for %s", ir_op_info(x->op)->name);
    }
    if (x->dtype == IR_I64) fprintf(out, "pd_to_i64(%s((double)", name), A, fputs("))", out);
    else fprintf(out, "%s(", fn(x->dtype, name)), A, fputc(')', out);
#undef A
}

static void binary(const KProgram *p, const KExpr *x, FILE *out) {
    const char *infix = NULL;
    switch (x->op) {
    case IR_OP_ADD: infix = " + "; break;
    case IR_OP_SUB: infix = " - "; break;
    case IR_OP_MUL: infix = " * "; break;
    case IR_OP_DIV: infix = " / "; break;
    default: break;
    }
    if (infix && !(x->dtype == IR_I64 && x->op == IR_OP_DIV)) {
        cg_operand(p, x->a, out), fputs(infix, out), cg_operand(p, x->b, out);
        return;
    }
    const char *call = x->op == IR_OP_MAX ? "pd_max" : x->op == IR_OP_MIN ? "pd_min"
                     : x->op == IR_OP_DIV ? "pd_idiv" : x->dtype == IR_I64 ? "pd_ipow" : fn(x->dtype, "pow");
    if (x->op == IR_OP_MAX || x->op == IR_OP_MIN) {
        fputc('(', out), cg_operand(p, x->a, out), fputs(x->op == IR_OP_MAX ? " > " : " < ", out), cg_operand(p, x->b, out);
        fputs(" ? ", out), cg_operand(p, x->a, out), fputs(" : ", out), cg_operand(p, x->b, out), fputc(')', out);
        return;
    }
    fprintf(out, "%s(", call), cg_operand(p, x->a, out), fputs(", ", out), cg_operand(p, x->b, out), fputc(')', out);
}

static void expr_rhs(const KProgram *p, const KExpr *x, FILE *out) {
    switch (x->kind) {
    case KX_LOAD: fprintf(out, "b%u[", x->buf), print_idx(p, x->index, out), fputc(']', out); return;
    case KX_UNARY: unary(p, x, out); return;
    case KX_BINARY: binary(p, x, out); return;
    case KX_SELECT:
        cg_operand(p, x->a, out), fputs(" ? ", out), cg_operand(p, x->b, out), fputs(" : ", out), cg_operand(p, x->c, out);
        return;
    case KX_INRANGE:
        fprintf(out, "%lld <= ", (long long)x->lo), print_idx(p, x->index, out), fputs(" && ", out);
        print_idx(p, x->index, out), fprintf(out, " < %lld", (long long)x->hi);
        return;
    case KX_NONZERO: cg_operand(p, x->a, out), fputs(" != 0", out); return;
    case KX_OR: cg_operand(p, x->a, out), fputs(" || ", out), cg_operand(p, x->b, out); return;
    case KX_CONST: case KX_ACC: pd_die("cgen: %d is not a statement", x->kind);
    }
}

static bool is_condition(const KExpr *x) { return x->kind == KX_INRANGE || x->kind == KX_NONZERO || x->kind == KX_OR; }

/* Marks what root needs (constants and accumulators are printed inline). */
void cg_need(const KProgram *p, KId e, uint8_t *want) {
    if (e == KIR_NONE || want[e]) return;
    want[e] = 1;
    const KExpr *x = &p->ex.data[e];
    cg_need(p, x->a, want), cg_need(p, x->b, want), cg_need(p, x->c, want);
}

/* Emits the statements for the expressions marked in want, in id order
 * (operands always have smaller ids). */
void cg_emit_ssa(const KProgram *p, const uint8_t *want, int indent, FILE *out) {
    for (KId e = 0; e < p->ex.len; e++) {
        const KExpr *x = &p->ex.data[e];
        if (!want[e] || x->kind == KX_CONST || x->kind == KX_ACC) continue;
        fprintf(out, "%*sconst %s t%u = ", indent, "", is_condition(x) ? "int" : cg_type(x->dtype), e);
        expr_rhs(p, x, out);
        fputs(";\n", out);
    }
}

void cg_signature(const KProgram *p, const KKernel *k, FILE *out) {
    uint8_t *flags = calloc(p->bufs.len + 1, 1);
    if (!flags) pd_die("out of memory");
    cg_kernel_buffers(p, k, flags);
    bool inplace = p->bufs.data[k->out].inplace_of != KIR_NONE;
    const char *restrict_kw = inplace ? "" : "restrict ";
    fprintf(out, "static void %s(", k->name);
    bool first = true;
    for (uint32_t b = 0; b < p->bufs.len; b++) {
        if (!flags[b]) continue;
        fprintf(out, "%s%s%s *%sb%u", first ? "" : ", ", flags[b] & 2 ? "" : "const ", cg_type(p->bufs.data[b].dtype),
                restrict_kw, b);
        first = false;
    }
    fputs(")", out);
    free(flags);
}

/* The output loop worth spreading over threads: the outermost one with
 * four or more iterations (loops outside it run once), when the kernel
 * does enough work to pay for a parallel region.  KIR_NONE: none. */
static uint32_t parallel_loop(const KKernel *k) {
    int64_t work = 1;
    for (uint32_t v = 0; v < k->rank + k->nred; v++) work *= k->ext[v];
    if (work < (1 << 17)) return KIR_NONE;
    for (uint32_t v = 0; v + 1 < k->rank; v++) {
        if (k->ext[v] >= 4) return v;
        if (k->ext[v] != 1) return KIR_NONE;
    }
    return KIR_NONE;
}

static void open_loops(const KKernel *k, uint32_t from, uint32_t to, int *indent, const char *innermost_pragma,
                       FILE *out) {
    uint32_t par = from == 0 ? parallel_loop(k) : KIR_NONE;
    for (uint32_t v = from; v < to; v++) {
        if (v == par) fprintf(out, "%*sPD_PARALLEL\n", *indent, "");
        if (v + 1 == to && innermost_pragma) fprintf(out, "%*s%s\n", *indent, "", innermost_pragma);
        fprintf(out, "%*sfor (int64_t i%u = 0; i%u < %lld; i%u++) {\n", *indent, "", v, v, (long long)k->ext[v], v);
        *indent += 4;
    }
}

static void close_loops(uint32_t n, int *indent, FILE *out) {
    for (uint32_t v = 0; v < n; v++) *indent -= 4, fprintf(out, "%*s}\n", *indent, "");
}

static const char *simd_reduction(const KKernel *k) {
    if (k->red_op == IR_OP_SUM) return k->nacc == 2 ? "PD_SIMD_SUM2" : "PD_SIMD_SUM1";
    return k->red_op == IR_OP_REDUCE_MAX ? "PD_SIMD_MAX1" : "PD_SIMD_MIN1";
}

static void reduction(const KProgram *p, const KKernel *k, int *indent, FILE *out) {
    const char *init = k->red_op == IR_OP_SUM ? "0" : k->red_op == IR_OP_REDUCE_MAX ? "-INFINITY" : "INFINITY";
    for (uint32_t a = 0; a < k->nacc; a++)
        fprintf(out, "%*s%s acc%u = %s;\n", *indent, "", cg_type(k->acc_dtype), a, init);
    open_loops(k, k->rank, k->rank + k->nred, indent, simd_reduction(k), out);
    uint8_t *want = calloc(p->ex.len + 1, 1);
    if (!want) pd_die("out of memory");
    for (uint32_t a = 0; a < k->nacc; a++) cg_need(p, k->body[a], want);
    cg_emit_ssa(p, want, *indent, out);
    for (uint32_t a = 0; a < k->nacc; a++) {
        fprintf(out, "%*s", *indent, "");
        if (k->red_op == IR_OP_SUM) fprintf(out, "acc%u += ", a), cg_operand(p, k->body[a], out);
        else fprintf(out, "acc%u = ", a), cg_operand(p, k->body[a], out), fprintf(out, " %s acc%u ? ", k->red_op == IR_OP_REDUCE_MAX ? ">" : "<", a),
             cg_operand(p, k->body[a], out), fprintf(out, " : acc%u", a);
        fputs(";\n", out);
    }
    free(want);
    close_loops(k->nred, indent, out);
}

static void stores(const KProgram *p, const KKernel *k, int indent, FILE *out) {
    uint8_t *want = calloc(p->ex.len + 1, 1);
    if (!want) pd_die("out of memory");
    for (uint32_t s = 0; s < k->nstore; s++) cg_need(p, k->store[s], want);
    cg_emit_ssa(p, want, indent, out);
    free(want);
    fprintf(out, "%*sconst int64_t at = ", indent, "");
    int64_t stride = k->nstore;
    fputs("0", out);
    for (uint32_t d = k->rank; d-- > 0;) {
        fprintf(out, " + i%u * %lld", d, (long long)stride);
        stride *= k->ext[d];
    }
    fputs(";\n", out);
    for (uint32_t s = 0; s < k->nstore; s++) {
        fprintf(out, "%*sb%u[at + %u] = ", indent, "", k->out, s);
        cg_operand(p, k->store[s], out);
        fputs(";\n", out);
    }
}

/* The output's last axis innermost, inside the reduction loops, with an
 * accumulator per element: the body's loads along that axis are
 * contiguous, so the innermost loop vectorizes (pools, sums over other
 * axes, contractions in loop form). */
static void reduction_outside(const KProgram *p, const KKernel *k, FILE *out) {
    uint32_t last = k->rank - 1;
    long long e = (long long)k->ext[last];
    const char *init = k->red_op == IR_OP_SUM ? "0" : k->red_op == IR_OP_REDUCE_MAX ? "-INFINITY" : "INFINITY";
    int indent = 4;
    open_loops(k, 0, last, &indent, NULL, out);
    for (uint32_t a = 0; a < k->nacc; a++)
        fprintf(out, "%*s%s pd_acc%u[%lld];\n", indent, "", cg_type(k->acc_dtype), a, e);
    fprintf(out, "%*sPD_SIMD\n%*sfor (int64_t i%u = 0; i%u < %lld; i%u++) {\n", indent, "", indent, "", last, last, e, last);
    for (uint32_t a = 0; a < k->nacc; a++) fprintf(out, "%*spd_acc%u[i%u] = %s;\n", indent + 4, "", a, last, init);
    fprintf(out, "%*s}\n", indent, "");
    open_loops(k, k->rank, k->rank + k->nred, &indent, NULL, out);
    fprintf(out, "%*sPD_SIMD\n%*sfor (int64_t i%u = 0; i%u < %lld; i%u++) {\n", indent, "", indent, "", last, last, e, last);
    uint8_t *want = calloc(p->ex.len + 1, 1);
    if (!want) pd_die("out of memory");
    for (uint32_t a = 0; a < k->nacc; a++) cg_need(p, k->body[a], want);
    cg_emit_ssa(p, want, indent + 4, out);
    free(want);
    for (uint32_t a = 0; a < k->nacc; a++) {
        fprintf(out, "%*s", indent + 4, "");
        if (k->red_op == IR_OP_SUM) fprintf(out, "pd_acc%u[i%u] += ", a, last), cg_operand(p, k->body[a], out);
        else fprintf(out, "pd_acc%u[i%u] = ", a, last), cg_operand(p, k->body[a], out),
             fprintf(out, " %s pd_acc%u[i%u] ? ", k->red_op == IR_OP_REDUCE_MAX ? ">" : "<", a, last),
             cg_operand(p, k->body[a], out), fprintf(out, " : pd_acc%u[i%u]", a, last);
        fputs(";\n", out);
    }
    fprintf(out, "%*s}\n", indent, "");
    close_loops(k->nred, &indent, out);
    fprintf(out, "%*sPD_SIMD\n%*sfor (int64_t i%u = 0; i%u < %lld; i%u++) {\n", indent, "", indent, "", last, last, e, last);
    for (uint32_t a = 0; a < k->nacc; a++)
        fprintf(out, "%*sconst %s acc%u = pd_acc%u[i%u];\n", indent + 4, "", cg_type(k->acc_dtype), a, a, last);
    stores(p, k, indent + 4, out);
    fprintf(out, "%*s}\n", indent, "");
    close_loops(last, &indent, out);
}

void cg_loop_kernel(const KProgram *p, const KKernel *k, FILE *out) {
    cg_signature(p, k, out);
    fputs(" {\n", out);
    if (k->nred && k->vector_out && k->rank > 0 && k->ext[k->rank - 1] >= 4 && k->ext[k->rank - 1] <= 2048) {
        reduction_outside(p, k, out);
        fputs("}\n\n", out);
        return;
    }
    int indent = 4;
    open_loops(k, 0, k->rank, &indent, k->nred ? NULL : "PD_SIMD", out);
    if (k->nred) reduction(p, k, &indent, out);
    stores(p, k, indent, out);
    close_loops(k->rank, &indent, out);
    fputs("}\n\n", out);
}

bool cg_uses_f32_gelu(const KProgram *p) {
    for (uint32_t e = 0; e < p->ex.len; e++)
        if (p->ex.data[e].kind == KX_UNARY && p->ex.data[e].op == IR_OP_GELU && p->ex.data[e].dtype == IR_F32) return true;
    return false;
}
