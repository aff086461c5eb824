/* clgen_loop.c — loop kernels in OpenCL.
 *
 * GPU: one work-item per output point; its coordinates come from the
 * global id by division, and a reduction runs as a serial nest inside
 * the work-item.  Work-groups of 64 (a multiple of every GPU's SIMD
 * width); the NDRange is rounded up and the tail guarded.
 * FPGA: the C renderer's loop nest in one work-item: static bounds,
 * `#pragma unroll` on the innermost loop (fully up to 16 iterations,
 * by 4 beyond), which is what a pipelining FPGA compiler wants.
 */
#include <stdlib.h>
#include <string.h>

#include "clgen_impl.h"

enum { LOOP_GROUP = 64 };

static void unroll_pragma(const ClGen *G, int64_t trip, int indent) {
    if (!G->fpga) return;
    if (trip <= 16) fprintf(G->out, "%*s#pragma unroll\n", indent, "");
    else fprintf(G->out, "%*s#pragma unroll 4\n", indent, "");
}

static void open_loops(ClGen *G, const KKernel *k, uint32_t from, uint32_t to, int *indent) {
    for (uint32_t v = from; v < to; v++) {
        if (v + 1 == to) unroll_pragma(G, k->ext[v], *indent);
        fprintf(G->out, "%*sfor (%s i%u = 0; i%u < %lld; i%u++) {\n", *indent, "", G->idx, v, v, (long long)k->ext[v], v);
        *indent += 4;
    }
}

static void close_loops(ClGen *G, uint32_t n, int *indent) {
    for (uint32_t v = 0; v < n; v++) *indent -= 4, fprintf(G->out, "%*s}\n", *indent, "");
}

static void emit_ssa_for(ClGen *G, const KId *roots, uint32_t n, int indent) {
    uint8_t *want = calloc(G->p->ex.len + 1, 1);
    if (!want) pd_die("out of memory");
    for (uint32_t i = 0; i < n; i++) kp_need(G->p, roots[i], want);
    kp_emit_ssa(SP, G->p, want, indent, G->out);
    free(want);
}

static void reduction(ClGen *G, const KKernel *k, int *indent) {
    FILE *out = G->out;
    const char *init = k->red_op == IR_OP_SUM ? "0" : k->red_op == IR_OP_REDUCE_MAX ? "-INFINITY" : "INFINITY";
    for (uint32_t a = 0; a < k->nacc; a++)
        fprintf(out, "%*s%s acc%u = %s;\n", *indent, "", kp_type(SP, k->acc_dtype), a, init);
    open_loops(G, k, k->rank, k->rank + k->nred, indent);
    emit_ssa_for(G, k->body, k->nacc, *indent);
    for (uint32_t a = 0; a < k->nacc; a++) {
        fprintf(out, "%*s", *indent, "");
        if (k->red_op == IR_OP_SUM) {
            fprintf(out, "acc%u += ", a), kp_operand(SP, G->p, k->body[a], out);
        } else {
            /* the C renderer's comparison, so NaNs behave the same */
            fprintf(out, "acc%u = ", a), kp_operand(SP, G->p, k->body[a], out);
            fprintf(out, " %s acc%u ? ", k->red_op == IR_OP_REDUCE_MAX ? ">" : "<", a);
            kp_operand(SP, G->p, k->body[a], out), fprintf(out, " : acc%u", a);
        }
        fputs(";\n", out);
    }
    close_loops(G, k->nred, indent);
}

static void stores(ClGen *G, const KKernel *k, int indent) { kp_emit_stores(SP, G->p, k, G->idx, indent, G->out); }

/* i0..i(rank-1) from the linear id `gid` over the output's extents. */
static void coordinates(ClGen *G, const KKernel *k, const char *gid) {
    int64_t below = 1;
    for (uint32_t d = k->rank; d-- > 0;) {
        fprintf(G->out, "    const %s i%u = (%s / %lld) %% %lld;\n", G->idx, d, gid, (long long)below, (long long)k->ext[d]);
        below *= k->ext[d];
    }
}

static int64_t points(const KKernel *k) {
    int64_t n = 1;
    for (uint32_t d = 0; d < k->rank; d++) n *= k->ext[d];
    return n;
}

void cl_loop_kernel(ClGen *G, const KKernel *k) {
    uint8_t *flags = calloc(G->p->bufs.len + 1, 1);
    if (!flags) pd_die("out of memory");
    kir_kernel_buffers(G->p, k, flags);
    int64_t n = points(k);
    size_t local = n >= LOOP_GROUP ? LOOP_GROUP : 1;
    size_t global = ((size_t)n + local - 1) / local * local;
    cl_open_kernel(G, k->name, flags, 1, &global, &local);
    free(flags);
    int indent = 4;
    if (G->fpga) {
        open_loops(G, k, 0, k->rank, &indent);
    } else {
        fprintf(G->out, "    const %s gid = (%s)get_global_id(0);\n    if (gid >= %lld) return;\n", G->idx, G->idx,
                (long long)n);
        coordinates(G, k, "gid");
    }
    if (k->nred) reduction(G, k, &indent);
    stores(G, k, indent);
    if (G->fpga) close_loops(G, k->rank, &indent);
    fputs("}\n\n", G->out);
}
