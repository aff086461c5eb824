/* cgen_loop.c — loop kernels as C: one loop per output dimension, a
 * reduction nest with accumulators inside, straight-line SSA bodies.
 * Every load is in bounds (kir.h), so bodies have no branches and the
 * innermost loop carries `omp simd`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cgen_impl.h"

void cg_signature(const KProgram *p, const KKernel *k, FILE *out) {
    uint8_t *flags = calloc(p->bufs.len + 1, 1);
    if (!flags) pd_die("out of memory");
    kir_kernel_buffers(p, k, flags);
    bool inplace = p->bufs.data[k->out].inplace_of != KIR_NONE;
    const char *restrict_kw = inplace ? "" : "restrict ";
    fprintf(out, "static void %s(", k->name);
    bool first = true;
    for (uint32_t b = 0; b < p->bufs.len; b++) {
        if (!flags[b]) continue;
        fprintf(out, "%s%s%s *%sb%u", first ? "" : ", ", flags[b] & 2 ? "" : "const ", kp_type(&kp_spell_c, p->bufs.data[b].dtype),
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
        fprintf(out, "%*s%s acc%u = %s;\n", *indent, "", kp_type(&kp_spell_c, k->acc_dtype), a, init);
    open_loops(k, k->rank, k->rank + k->nred, indent, simd_reduction(k), out);
    uint8_t *want = calloc(p->ex.len + 1, 1);
    if (!want) pd_die("out of memory");
    for (uint32_t a = 0; a < k->nacc; a++) kp_need(p, k->body[a], want);
    kp_emit_ssa(&kp_spell_c, p, want, *indent, out);
    for (uint32_t a = 0; a < k->nacc; a++) {
        fprintf(out, "%*s", *indent, "");
        if (k->red_op == IR_OP_SUM) fprintf(out, "acc%u += ", a), kp_operand(&kp_spell_c, p, k->body[a], out);
        else fprintf(out, "acc%u = ", a), kp_operand(&kp_spell_c, p, k->body[a], out), fprintf(out, " %s acc%u ? ", k->red_op == IR_OP_REDUCE_MAX ? ">" : "<", a),
             kp_operand(&kp_spell_c, p, k->body[a], out), fprintf(out, " : acc%u", a);
        fputs(";\n", out);
    }
    free(want);
    close_loops(k->nred, indent, out);
}

static void stores(const KProgram *p, const KKernel *k, int indent, FILE *out) {
    kp_emit_stores(&kp_spell_c, p, k, "int64_t", indent, out);
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
        fprintf(out, "%*s%s pd_acc%u[%lld];\n", indent, "", kp_type(&kp_spell_c, k->acc_dtype), a, e);
    fprintf(out, "%*sPD_SIMD\n%*sfor (int64_t i%u = 0; i%u < %lld; i%u++) {\n", indent, "", indent, "", last, last, e, last);
    for (uint32_t a = 0; a < k->nacc; a++) fprintf(out, "%*spd_acc%u[i%u] = %s;\n", indent + 4, "", a, last, init);
    fprintf(out, "%*s}\n", indent, "");
    open_loops(k, k->rank, k->rank + k->nred, &indent, NULL, out);
    fprintf(out, "%*sPD_SIMD\n%*sfor (int64_t i%u = 0; i%u < %lld; i%u++) {\n", indent, "", indent, "", last, last, e, last);
    uint8_t *want = calloc(p->ex.len + 1, 1);
    if (!want) pd_die("out of memory");
    for (uint32_t a = 0; a < k->nacc; a++) kp_need(p, k->body[a], want);
    kp_emit_ssa(&kp_spell_c, p, want, indent + 4, out);
    free(want);
    for (uint32_t a = 0; a < k->nacc; a++) {
        fprintf(out, "%*s", indent + 4, "");
        if (k->red_op == IR_OP_SUM) fprintf(out, "pd_acc%u[i%u] += ", a, last), kp_operand(&kp_spell_c, p, k->body[a], out);
        else fprintf(out, "pd_acc%u[i%u] = ", a, last), kp_operand(&kp_spell_c, p, k->body[a], out),
             fprintf(out, " %s pd_acc%u[i%u] ? ", k->red_op == IR_OP_REDUCE_MAX ? ">" : "<", a, last),
             kp_operand(&kp_spell_c, p, k->body[a], out), fprintf(out, " : pd_acc%u[i%u]", a, last);
        fputs(";\n", out);
    }
    fprintf(out, "%*s}\n", indent, "");
    close_loops(k->nred, &indent, out);
    fprintf(out, "%*sPD_SIMD\n%*sfor (int64_t i%u = 0; i%u < %lld; i%u++) {\n", indent, "", indent, "", last, last, e, last);
    for (uint32_t a = 0; a < k->nacc; a++)
        fprintf(out, "%*sconst %s acc%u = pd_acc%u[i%u];\n", indent + 4, "", kp_type(&kp_spell_c, k->acc_dtype), a, a, last);
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
