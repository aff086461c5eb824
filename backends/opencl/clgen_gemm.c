/* clgen_gemm.c — GEMM kernels in OpenCL: every layout of the kernel IR
 * (packed weight panels, batched complex mixing, DFT matrices for pruned
 * transforms) as one template over three address snippets: where row m's
 * element k of A is, where the float8 of B at (k, n) is, and where an
 * output element goes.
 *
 * A work-item owns RM rows (4, or 1 for short matrices) and 8
 * consecutive columns (float8 accumulators: PoCL and GPUs vectorize them
 * whole), so each float8 of B read from local memory feeds RM
 * multiply-adds.  GPU: a work-group of TX x TY work-items stages a
 * TK-deep slice of A (TY * RM rows) and of B (TX float8 columns) in
 * local memory, so each element read from global memory serves TX or TY
 * work-items.  FPGA: the same loads and products
 * as a single work-item loop nest.  Complex operands hold (re, im)
 * pairs: out = re(a) * b + im(a) * swap(b) * (-1, 1, ...), where swap
 * exchanges each pair, which is the complex product lane by lane.
 */
#include <stdlib.h>
#include <string.h>

#include "clgen_impl.h"

enum { VW = 8, TK = 16 };

static int64_t next_pow2(int64_t n) {
    int64_t p = 1;
    while (p < n) p *= 2;
    return p;
}

typedef struct {
    const KKernel *k;
    bool plain, complex;
    int64_t M, N, K, batches;
    uint32_t a, b;  /* buffers of A and B */
    int64_t rm;     /* rows per work-item (GPU) */
    int64_t tx, ty; /* GPU work-group: float8 columns x row blocks */
    uint8_t *vec;   /* the epilogue on float8s (clgen_vec.c), or NULL */
} Gemm;

static Gemm gemm_of(const KKernel *k) {
    Gemm g = {.k = k, .plain = k->layout == KG_PLAIN, .M = k->m_dim, .N = k->n_dim, .K = k->k_dim, .batches = 1};
    g.complex = g.plain ? k->complex : k->layout == KG_IDFT;
    g.a = g.plain ? k->in : k->packed;
    g.b = g.plain ? k->packed : k->in;
    if (g.plain)
        for (uint32_t j = 0; j < k->nbatch; j++) g.batches *= k->bext[j];
    else
        g.batches = k->outer;
    /* about 128 work-items: up to 8 float8 columns, rows for the rest */
    int64_t cols = (g.N + VW - 1) / VW;
    g.rm = g.M >= 16 ? 4 : 1;
    int64_t blocks = (g.M + g.rm - 1) / g.rm;
    g.tx = next_pow2(cols) < 8 ? next_pow2(cols) : 8;
    g.ty = next_pow2(blocks) < 128 / g.tx ? next_pow2(blocks) : 128 / g.tx;
    return g;
}

/* a_base, b_base and o_base of batch `bt` (the C renderer's batch loops,
 * flattened). */
static void batch_bases(ClGen *G, const Gemm *g, int indent) {
    const KKernel *k = g->k;
    FILE *out = G->out;
    if (!g->plain) {
        fprintf(out, "%*sconst %s a_base = 0, b_base = bt * %lld, o_base = bt * %lld;\n", indent, "", G->idx,
                (long long)k->b_bst, (long long)k->o_stride);
        fprintf(out, "%*s(void)a_base;\n", indent, "");
        return;
    }
    int64_t per_mode = (k->n_dim + KIR_NR - 1) / KIR_NR * KIR_NR * k->k_dim, below = 1;
    fprintf(out, "%*sconst %s a_base = %lld", indent, "", G->idx, (long long)k->a_off);
    for (uint32_t j = k->nbatch; j-- > 0; below *= k->bext[j])
        fprintf(out, " + ((bt / %lld) %% %lld) * %lld", (long long)below, (long long)k->bext[j], (long long)k->a_bst[j]);
    fprintf(out, ", o_base = 0");
    below = 1;
    for (uint32_t j = k->nbatch; j-- > 0; below *= k->bext[j])
        fprintf(out, " + ((bt / %lld) %% %lld) * %lld", (long long)below, (long long)k->bext[j], (long long)k->o_bst[j]);
    fprintf(out, ", b_base = bt * %lld;\n", (long long)per_mode);
    fprintf(out, "%*s(void)a_base, (void)o_base, (void)b_base;\n", indent, "");
}

/* The float8 of B at (row kk, columns n..n+7); zero past the columns. */
static void load_b(ClGen *G, const Gemm *g, const char *kk) {
    FILE *out = G->out;
    if (g->plain) /* packed panels of KIR_NR columns, zero-padded: a float8 never straddles one */
        fprintf(out, "(n < %lld ? vload8(0, b%u + b_base + (n / %d) * %lld + %s * %d + n %% %d) : (float8)(0.0f))",
                (long long)g->N, g->b, KIR_NR, (long long)(KIR_NR * g->K), kk, KIR_NR, KIR_NR);
    else
        fprintf(out, "pd_load8(b%u + b_base + %s * %lld + n, %lld - n)", g->b, kk, (long long)g->k->ldb, (long long)g->N);
}

static const char partial_load[] =
    "/* The first `valid` floats at p (as many as 8), zero after them. */\n"
    "float8 pd_load8(__global const float *p, int valid) {\n"
    "    if (valid >= 8) return vload8(0, p);\n"
    "    float r[8];\n"
    "    for (int j = 0; j < 8; j++) r[j] = j < valid ? p[j] : 0.0f;\n"
    "    return vload8(0, r);\n"
    "}\n\n";

/* Stores lane j of pd_r as output column nj of row m. */
static void store_lane(ClGen *G, const Gemm *g, int indent) {
    const KKernel *k = g->k;
    FILE *out = G->out;
    long long inner = k->inner;
    switch (k->layout) {
    case KG_PLAIN:
        if (k->store[0] == KIR_NONE) {
            fprintf(out, "%*sb%u[o_base + m * %lld + nj] = pd_r[j];\n", indent, "", k->out, (long long)k->ldo);
            return;
        }
        fprintf(out, "%*sconst %s i%u = nj;\n%*sconst float acc0 = pd_r[j];\n", indent, "", G->idx, k->rank - 1, indent, "");
        {
            uint8_t *want = calloc(G->p->ex.len + 1, 1);
            if (!want) pd_die("out of memory");
            kp_need(G->p, k->store[0], want);
            kp_emit_ssa(SP, G->p, want, indent, out);
            free(want);
        }
        fprintf(out, "%*sb%u[m * %lld + i%u] = ", indent, "", k->out, (long long)k->ldo, k->rank - 1);
        kp_operand(SP, G->p, k->store[0], out);
        fputs(";\n", out);
        return;
    case KG_RDFT: /* row m = coefficient or point, column = channel */
        fprintf(out, "%*sb%u[o_base + m * %lld + nj] = pd_r[j];\n", indent, "", k->out, inner);
        return;
    case KG_DFT: /* row m = (bin m / 2, part m %% 2) */
        fprintf(out, "%*sb%u[o_base + (m / 2) * %lld + 2 * nj + m %% 2] = pd_r[j];\n", indent, "", k->out, 2 * inner);
        return;
    case KG_IDFT: /* columns are (re, im) of channels: keep re */
        fprintf(out, "%*sif (nj %% 2 == 0) b%u[o_base + m * %lld + nj / 2] = pd_r[j];\n", indent, "", k->out, inner);
        return;
    }
}

/* Row coordinates of the output's leading dimensions (the epilogue's). */
static void row_coordinates(ClGen *G, const Gemm *g, int indent) {
    const KKernel *k = g->k;
    if (!g->plain || k->store[0] == KIR_NONE) return;
    int64_t below = 1;
    for (uint32_t d = k->rank - 1; d-- > 0; below *= k->ext[d])
        fprintf(G->out, "%*sconst %s i%u = (m / %lld) %% %lld;\n%*s(void)i%u;\n", indent, "", G->idx, d,
                (long long)below, (long long)k->ext[d], indent, "", d);
}

/* Stores accumulator pd_acc<r> as row m (in scope). */
static void store_tile(ClGen *G, const Gemm *g, int r, int indent) {
    FILE *out = G->out;
    if (g->complex)
        fprintf(out, "%*spd_acc%d += pd_acc_im%d * (float8)(-1.0f, 1.0f, -1.0f, 1.0f, -1.0f, 1.0f, -1.0f, 1.0f);\n",
                indent, "", r, r);
    row_coordinates(G, g, indent);
    if (g->vec) {
        cl_vec_epilogue(G, g->k, g->vec, r, indent);
        return;
    }
    fprintf(out, "%*sfloat pd_r[8];\n%*svstore8(pd_acc%d, 0, pd_r);\n", indent, "", indent, "", r);
    /* unrolled, and unguarded when the columns come in whole float8s */
    fprintf(out, "%*s#pragma unroll\n%*sfor (int j = 0; j < 8; j++) {\n", indent, "", indent, "");
    fprintf(out, "%*sconst %s nj = n + j;\n", indent + 4, "", G->idx);
    if (g->N % 8) fprintf(out, "%*sif (nj < %lld) {\n", indent + 4, "", (long long)g->N);
    store_lane(G, g, indent + (g->N % 8 ? 8 : 4));
    if (g->N % 8) fprintf(out, "%*s}\n", indent + 4, "");
    fprintf(out, "%*s}\n", indent, "");
}

/* The products of one k step for row r: a (re, or re and im at
 * a_re/a_im) times b. */
static void multiply(ClGen *G, const Gemm *g, int r, const char *a_re, const char *a_im, int indent) {
    fprintf(G->out, "%*spd_acc%d += %s * pd_b;\n", indent, "", r, a_re);
    if (g->complex) fprintf(G->out, "%*spd_acc_im%d += %s * pd_b.s10325476;\n", indent, "", r, a_im);
}

static void declare_accumulators(ClGen *G, const Gemm *g, int64_t rows, int indent) {
    for (int64_t r = 0; r < rows; r++) {
        fprintf(G->out, "%*sfloat8 pd_acc%lld = (float8)(0.0f);\n", indent, "", (long long)r);
        if (g->complex) fprintf(G->out, "%*sfloat8 pd_acc_im%lld = (float8)(0.0f);\n", indent, "", (long long)r);
    }
}

static void gpu_gemm(ClGen *G, const Gemm *g) {
    FILE *out = G->out;
    int64_t C = g->complex ? 2 : 1, tx = g->tx, ty = g->ty, rm = g->rm;
    const char *I = G->idx;
    fprintf(out, "    const %s n = (%s)get_global_id(0) * 8, m0 = (%s)get_global_id(1) * %lld, bt = (%s)get_global_id(2);\n",
            I, I, I, (long long)rm, I);
    fprintf(out, "    const %s lx = (%s)get_local_id(0), ly = (%s)get_local_id(1);\n", I, I, I);
    batch_bases(G, g, 4);
    fprintf(out, "    __local float pd_as[%lld][%lld];\n    __local float8 pd_bs[%d][%lld];\n", (long long)(ty * rm),
            (long long)(TK * C), TK, (long long)tx);
    declare_accumulators(G, g, rm, 4);
    fprintf(out, "    for (%s k0 = 0; k0 < %lld; k0 += %d) {\n", I, (long long)g->K, TK);
    fprintf(out, "        for (%s q = lx; q < %lld; q += %lld) {\n", I, (long long)(TK * C), (long long)tx);
    for (int64_t r = 0; r < rm; r++) /* rows past M load row M - 1 and store nothing */
        fprintf(out, "            pd_as[ly * %lld + %lld][q] = k0 * %lld + q < %lld ? b%u[a_base + min(m0 + %lld, (%s)%lld) * %lld + "
                     "k0 * %lld + q] : 0.0f;\n",
                (long long)rm, (long long)r, (long long)C, (long long)(g->K * C), g->a, (long long)r, I,
                (long long)g->M - 1, (long long)g->k->lda, (long long)C);
    fputs("        }\n", out);
    fprintf(out, "        for (%s q = ly; q < %d; q += %lld) {\n            const %s kk = k0 + q;\n", I, TK, (long long)ty, I);
    fprintf(out, "            pd_bs[q][lx] = kk < %lld ? ", (long long)g->K);
    load_b(G, g, "kk");
    fputs(" : (float8)(0.0f);\n        }\n        barrier(CLK_LOCAL_MEM_FENCE);\n", out);
    fprintf(out, "        for (int q = 0; q < %d; q++) {\n            const float8 pd_b = pd_bs[q][lx];\n", TK);
    for (int64_t r = 0; r < rm; r++) {
        char re[160], im[160];
        snprintf(re, sizeof re, "pd_as[ly * %lld + %lld][%s]", (long long)rm, (long long)r, g->complex ? "2 * q" : "q");
        snprintf(im, sizeof im, "pd_as[ly * %lld + %lld][2 * q + 1]", (long long)rm, (long long)r);
        multiply(G, g, (int)r, re, im, 12);
    }
    fputs("        }\n        barrier(CLK_LOCAL_MEM_FENCE);\n    }\n", out);
    fprintf(out, "    if (n >= %lld) return;\n", (long long)g->N);
    for (int64_t r = 0; r < rm; r++) {
        fprintf(out, "    if (m0 + %lld < %lld) {\n        const %s m = m0 + %lld;\n", (long long)r, (long long)g->M, I,
                (long long)r);
        store_tile(G, g, (int)r, 8);
        fputs("    }\n", out);
    }
}

static void fpga_gemm(ClGen *G, const Gemm *g) {
    FILE *out = G->out;
    int64_t C = g->complex ? 2 : 1;
    fprintf(out, "    for (%s bt = 0; bt < %lld; bt++) {\n", G->idx, (long long)g->batches);
    batch_bases(G, g, 8);
    fprintf(out, "    for (%s m = 0; m < %lld; m++) {\n", G->idx, (long long)g->M);
    fprintf(out, "    for (%s n = 0; n < %lld; n += 8) {\n", G->idx, (long long)g->N);
    declare_accumulators(G, g, 1, 8);
    fputs("        #pragma unroll 4\n", out);
    fprintf(out, "        for (%s kk = 0; kk < %lld; kk++) {\n            const float8 pd_b = ", G->idx, (long long)g->K);
    load_b(G, g, "kk");
    fputs(";\n", out);
    char re[128], im[128];
    snprintf(re, sizeof re, "b%u[a_base + m * %lld + kk * %lld]", g->a, (long long)g->k->lda, (long long)C);
    snprintf(im, sizeof im, "b%u[a_base + m * %lld + kk * %lld + 1]", g->a, (long long)g->k->lda, (long long)C);
    multiply(G, g, 0, re, im, 12);
    fputs("        }\n", out);
    store_tile(G, g, 0, 8);
    fputs("    }\n    }\n    }\n", out);
}

void cl_gemm_kernel(ClGen *G, const KKernel *k) {
    Gemm g = gemm_of(k);
    g.vec = g.plain ? calloc(G->p->ex.len + 1, 1) : NULL;
    if (g.vec && !cl_vec_epilogue_ok(G->p, k, g.vec)) free(g.vec), g.vec = NULL;
    if (!g.plain && !G->partial_load) {
        fputs(partial_load, G->out);
        G->partial_load = true;
    }
    uint8_t *flags = calloc(G->p->bufs.len + 1, 1);
    if (!flags) pd_die("out of memory");
    kir_kernel_buffers(G->p, k, flags);
    size_t cols = (size_t)((g.N + VW - 1) / VW), blocks = (size_t)((g.M + g.rm - 1) / g.rm);
    size_t local[3] = {(size_t)g.tx, (size_t)g.ty, 1};
    size_t global[3] = {(cols + local[0] - 1) / local[0] * local[0], (blocks + local[1] - 1) / local[1] * local[1],
                        (size_t)g.batches};
    cl_open_kernel(G, k->name, flags, 3, global, local);
    free(flags);
    if (G->fpga) fpga_gemm(G, &g);
    else gpu_gemm(G, &g);
    free(g.vec);
    fputs("}\n\n", G->out);
}
