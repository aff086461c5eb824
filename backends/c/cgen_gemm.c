/* cgen_gemm.c — GEMM kernels: a register-blocked micro-kernel over
 * packed weight panels, and the fused epilogue applied to each tile while
 * it is in cache.
 *
 * The micro-kernel computes a PD_MR x KIR_NR tile with GCC/Clang vector
 * extensions; the vector width and PD_MR are chosen when the generated
 * file is compiled: 16 floats and 8 rows with AVX-512 (16 accumulators of
 * 32 registers), 8 and 3 with AVX/AVX2 (12 of 16), 4 and 2 with SSE or
 * NEON, and plain loops elsewhere.
 */
#include <stdlib.h>
#include <string.h>

#include "cgen_impl.h"

bool cg_has_gemm(const KProgram *p) {
    for (uint32_t i = 0; i < p->kernels.len; i++)
        if (p->kernels.data[i].kind == KK_GEMM) return true;
    return false;
}

static const char micro_kernel[] =
    "/* -DPD_PORTABLE: plain C loops (the tests check them too). */\n"
    "#if defined(PD_PORTABLE)\n"
    "#define PD_MR 4\n#define PD_CMR 4\n"
    "#elif defined(__GNUC__) && defined(__AVX512F__)\n"
    "#define PD_VW 16\n#define PD_MR 8\n#define PD_CMR 4\n"
    "#elif defined(__GNUC__) && defined(__AVX__)\n"
    "#define PD_VW 8\n#define PD_MR 3\n#define PD_CMR 1\n"
    "#elif defined(__GNUC__) && (defined(__SSE2__) || defined(__ARM_NEON))\n"
    "#define PD_VW 4\n#define PD_MR 2\n#define PD_CMR 1\n"
    "#else\n#define PD_MR 4\n#define PD_CMR 4\n#endif\n\n"
    "/* tile[r][j] = sum_k a[r * lda + k] * panel[k * ldb + j] for rows r < mr\n"
    " * (rows past mr repeat row 0 and are ignored); panel rows are ldb floats\n"
    " * apart (PD_NR for packed weights) and 64-byte aligned. */\n"
    "#ifdef PD_VW\n"
    "typedef float pd_vec __attribute__((vector_size(PD_VW * sizeof(float))));\n"
    "#define PD_NV (PD_NR / PD_VW)\n"
    "#define PD_TILE(NAME, ROWS)                                                                 \\\n"
    "static void NAME(const float *a, int64_t lda, const float *panel, int64_t ldb, int64_t kdim, int64_t mr,     \\\n"
    "                 float tile[PD_MR][PD_NR]) {                                                    \\\n"
    "    pd_vec acc[ROWS][PD_NV];                                                                    \\\n"
    "    const float *row[ROWS];                                                                     \\\n"
    "    int r, v;                                                                                   \\\n"
    "    int64_t k;                                                                                  \\\n"
    "    memset(acc, 0, sizeof acc);                                                                 \\\n"
    "    for (r = 0; r < ROWS; r++) row[r] = a + (r < mr ? r : 0) * lda;                            \\\n"
    "    for (k = 0; k < kdim; k++) {                                                                \\\n"
    "        const pd_vec *b = (const pd_vec *)(panel + k * ldb);                                  \\\n"
    "        for (r = 0; r < ROWS; r++) {                                                            \\\n"
    "            const float x = row[r][k];                                                          \\\n"
    "            for (v = 0; v < PD_NV; v++) acc[r][v] += x * b[v];                                  \\\n"
    "        }                                                                                       \\\n"
    "    }                                                                                           \\\n"
    "    memcpy(tile, acc, sizeof acc);                                                              \\\n"
    "}\n"
    ;

static const char complex_tiles[] =
    "/* Complex: a rows and panel rows hold interleaved (re, im); the parts of\n"
    " * a are accumulated against the panel separately and combined at the end. */\n"
    "#define PD_CTILE(NAME, ROWS)                                                                \\\n"
    "static void NAME(const float *a, int64_t lda, const float *panel, int64_t ldb, int64_t kdim, int64_t mr,     \\\n"
    "                 float tile[PD_MR][PD_NR]) {                                                    \\\n"
    "    pd_vec re[ROWS][PD_NV], im[ROWS][PD_NV];                                                    \\\n"
    "    float fr[ROWS][PD_NR], fi[ROWS][PD_NR];                                                     \\\n"
    "    const float *row[ROWS];                                                                     \\\n"
    "    int r, v, j;                                                                                \\\n"
    "    int64_t k;                                                                                  \\\n"
    "    memset(re, 0, sizeof re);                                                                   \\\n"
    "    memset(im, 0, sizeof im);                                                                   \\\n"
    "    for (r = 0; r < ROWS; r++) row[r] = a + (r < mr ? r : 0) * lda;                            \\\n"
    "    for (k = 0; k < kdim; k++) {                                                                \\\n"
    "        const pd_vec *b = (const pd_vec *)(panel + k * ldb);                                  \\\n"
    "        for (r = 0; r < ROWS; r++) {                                                            \\\n"
    "            const float xr = row[r][2 * k], xi = row[r][2 * k + 1];                             \\\n"
    "            for (v = 0; v < PD_NV; v++) re[r][v] += xr * b[v], im[r][v] += xi * b[v];            \\\n"
    "        }                                                                                       \\\n"
    "    }                                                                                           \\\n"
    "    memcpy(fr, re, sizeof fr);                                                                  \\\n"
    "    memcpy(fi, im, sizeof fi);                                                                  \\\n"
    "    for (r = 0; r < ROWS; r++)                                                                  \\\n"
    "        for (j = 0; j < PD_NR; j += 2) {                                                        \\\n"
    "            tile[r][j] = fr[r][j] - fi[r][j + 1];                                               \\\n"
    "            tile[r][j + 1] = fr[r][j + 1] + fi[r][j];                                           \\\n"
    "        }                                                                                       \\\n"
    "}\n"
    ;

/* Only the tile functions a program calls are emitted (clang warns about
 * unused static functions, inline or not). */
static const char real_tiles[] =
    "#ifdef PD_VW\n"
    "PD_TILE(pd_gemm_rows, PD_MR)\n"
    "PD_TILE(pd_gemm_row, 1)\n"
    "/* One row alone (a batch of one) skips the rows it would repeat. */\n"
    "static void pd_gemm_tile(const float *a, int64_t lda, const float *panel, int64_t ldb, int64_t kdim, int64_t mr,\n"
    "                         float tile[PD_MR][PD_NR]) {\n"
    "    if (mr == 1) pd_gemm_row(a, lda, panel, ldb, kdim, mr, tile);\n"
    "    else pd_gemm_rows(a, lda, panel, ldb, kdim, mr, tile);\n"
    "}\n"
    "#else\n"
    "static void pd_gemm_tile(const float *a, int64_t lda, const float *panel, int64_t ldb, int64_t kdim, int64_t mr,\n"
    "                         float tile[PD_MR][PD_NR]) {\n"
    "    int r, j;\n"
    "    int64_t k;\n"
    "    memset(tile, 0, sizeof(float) * PD_MR * PD_NR);\n"
    "    for (r = 0; r < PD_MR && r < mr; r++)\n"
    "        for (k = 0; k < kdim; k++)\n"
    "            for (j = 0; j < PD_NR; j++) tile[r][j] += a[r * lda + k] * panel[k * ldb + j];\n"
    "}\n"
    "#endif\n\n";

static const char complex_instances[] =
    "#ifdef PD_VW\n"
    "PD_CTILE(pd_cgemm_rows, PD_CMR)\n"
    "PD_CTILE(pd_cgemm_row, 1)\n"
    "static void pd_cgemm_tile(const float *a, int64_t lda, const float *panel, int64_t ldb, int64_t kdim, int64_t mr,\n"
    "                          float tile[PD_MR][PD_NR]) {\n"
    "    if (mr == 1) pd_cgemm_row(a, lda, panel, ldb, kdim, mr, tile);\n"
    "    else pd_cgemm_rows(a, lda, panel, ldb, kdim, mr, tile);\n"
    "}\n"
    "#else\n"
    "static void pd_cgemm_tile(const float *a, int64_t lda, const float *panel, int64_t ldb, int64_t kdim, int64_t mr,\n"
    "                          float tile[PD_MR][PD_NR]) {\n"
    "    int r, j;\n"
    "    int64_t k;\n"
    "    memset(tile, 0, sizeof(float) * PD_MR * PD_NR);\n"
    "    for (r = 0; r < PD_CMR && r < mr; r++)\n"
    "        for (k = 0; k < kdim; k++)\n"
    "            for (j = 0; j < PD_NR; j += 2) {\n"
    "                const float xr = a[r * lda + 2 * k], xi = a[r * lda + 2 * k + 1];\n"
    "                const float wr = panel[k * ldb + j], wi = panel[k * ldb + j + 1];\n"
    "                tile[r][j] += xr * wr - xi * wi;\n"
    "                tile[r][j + 1] += xr * wi + xi * wr;\n"
    "            }\n"
    "}\n"
    "#endif\n\n";

static bool has_gemm_kind(const KProgram *p, bool complex) {
    for (uint32_t i = 0; i < p->kernels.len; i++)
        if (p->kernels.data[i].kind == KK_GEMM && p->kernels.data[i].complex == complex) return true;
    return false;
}

void cg_gemm_prelude(const KProgram *p, FILE *out) {
    fprintf(out, "#define PD_NR %d\n", KIR_NR);
    fputs(micro_kernel, out);
    fputs(complex_tiles, out);
    fputs("#endif\n\n", out);
    if (has_gemm_kind(p, false)) fputs(real_tiles, out);
    if (has_gemm_kind(p, true)) fputs(complex_instances, out);
}

/* The coordinates of row m in the output's leading dimensions. */
static void row_coordinates(const KKernel *k, FILE *out) {
    int64_t below = 1;
    for (uint32_t d = k->rank - 1; d-- > 0;) {
        fprintf(out, "            const int64_t i%u = (m / %lld) %% %lld;\n            (void)i%u;\n", d,
                (long long)below, (long long)k->ext[d], d);
        below *= k->ext[d];
    }
}

/* Opens the batch loops and defines a_base, b_base, o_base. */
/* Threads take batches (modes) when there are any, else blocks of rows. */
static void batch_loops(const KKernel *k, int *indent, FILE *out) {
    long long per_mode = (k->n_dim + KIR_NR - 1) / KIR_NR * KIR_NR * k->k_dim;
    for (uint32_t j = 0; j < k->nbatch; j++, *indent += 4) {
        if (j == 0 && k->bext[0] >= 4 && k->m_dim * k->n_dim * k->k_dim * k->bext[0] >= (1 << 20))
            fprintf(out, "%*sPD_PARALLEL\n", *indent, "");
        fprintf(out, "%*sfor (int64_t s%u = 0; s%u < %lld; s%u++) {\n", *indent, "", j, j, (long long)k->bext[j], j);
    }
    fprintf(out, "%*sconst int64_t a_base = %lld", *indent, "", (long long)k->a_off);
    for (uint32_t j = 0; j < k->nbatch; j++) fprintf(out, " + s%u * %lld", j, (long long)k->a_bst[j]);
    fprintf(out, ", o_base = 0");
    for (uint32_t j = 0; j < k->nbatch; j++) fprintf(out, " + s%u * %lld", j, (long long)k->o_bst[j]);
    fprintf(out, ", b_base = (0");
    for (uint32_t j = 0; j < k->nbatch; j++) fprintf(out, " * %lld + s%u", (long long)k->bext[j], j);
    fprintf(out, ") * %lld;\n", per_mode);
    fprintf(out, "%*s(void)o_base;\n", *indent, "");
}

/* Row r of the tile through the fused epilogue (store[0]). */
static void epilogue_row(const KProgram *p, const KKernel *k, FILE *out) {
    row_coordinates(k, out);
    fputs("            PD_SIMD\n            for (int64_t j = 0; j < nn; j++) {\n", out);
    fprintf(out, "                const int64_t i%u = n0 + j;\n                const float acc0 = tile[r][j];\n",
            k->rank - 1);
    uint8_t *want = calloc(p->ex.len + 1, 1);
    if (!want) pd_die("out of memory");
    kp_need(p, k->store[0], want);
    kp_emit_ssa(&kp_spell_c, p, want, 16, out);
    free(want);
    fprintf(out, "                b%u[m * %lld + i%u] = ", k->out, (long long)k->ldo, k->rank - 1);
    kp_operand(&kp_spell_c, p, k->store[0], out);
    fputs(";\n            }\n", out);
}

/* Pruned transforms: a constant DFT matrix (A) times signals read in
 * place (B), one batch at a time; tiles scatter into the output's layout. */
static void dft_kernel(const KProgram *p, const KKernel *k, FILE *out) {
    long long M = k->m_dim, N = k->n_dim, K = k->k_dim, inner = k->inner;
    bool fwd = k->layout != KG_IDFT; /* a real GEMM */
    const char *MR = fwd ? "PD_MR" : "PD_CMR";
    cg_signature(p, k, out);
    fputs(" {\n", out);
    if (k->outer >= 2) fputs("    PD_PARALLEL\n", out);
    fprintf(out, "    for (int64_t o = 0; o < %lld; o++)\n", (long long)k->outer);
    fprintf(out, "        for (int64_t m0 = 0; m0 < %lld; m0 += %s) {\n", M, MR);
    fprintf(out, "            const int64_t mr = %lld - m0 < %s ? %lld - m0 : %s;\n", M, MR, M, MR);
    fprintf(out, "            for (int64_t n0 = 0; n0 < %lld; n0 += PD_NR) {\n                float tile[PD_MR][PD_NR];\n", N);
    fprintf(out, "                pd_%sgemm_tile(b%u + m0 * %lld, %lld, b%u + o * %lld + n0, %lld, %lld, mr, tile);\n",
            fwd ? "" : "c", k->packed, (long long)k->lda, (long long)k->lda, k->in, (long long)k->b_bst,
            (long long)k->ldb, K);
    fputs("                for (int64_t r = 0; r < mr; r++) {\n                    const int64_t m = m0 + r;\n", out);
    if (k->layout == KG_RDFT) /* row m = coefficient or point; column = channel */
        fprintf(out, "                    memcpy(b%u + o * %lld + m * %lld + n0, tile[r], sizeof tile[r]);\n", k->out,
                (long long)k->o_stride, inner);
    else if (fwd) /* row m = (bin m / 2, part m % 2); column = channel */
        fprintf(out, "                    for (int64_t c = 0; c < PD_NR; c++)\n"
                     "                        b%u[o * %lld + (m / 2) * %lld + 2 * (n0 + c) + m %% 2] = tile[r][c];\n",
                k->out, (long long)k->o_stride, 2 * inner);
    else /* row m = point; columns are (re, im) of channels: keep re */
        fprintf(out, "                    for (int64_t c = 0; c < PD_NR; c += 2)\n"
                     "                        b%u[o * %lld + m * %lld + (n0 + c) / 2] = tile[r][c];\n",
                k->out, (long long)k->o_stride, inner);
    fputs("                }\n            }\n        }\n}\n\n", out);
}

void cg_gemm_kernel(const KProgram *p, const KKernel *k, FILE *out) {
    if (k->layout != KG_PLAIN) {
        dft_kernel(p, k, out);
        return;
    }
    long long M = k->m_dim, N = k->n_dim, K = k->k_dim;
    cg_signature(p, k, out);
    fputs(" {\n", out);
    int indent = 4;
    batch_loops(k, &indent, out);
    const char *MR = k->complex ? "PD_CMR" : "PD_MR";
    /* Threads pay off from about a million multiply-adds on. */
    if (k->nbatch == 0 && M >= 64 && M * N * K >= (1 << 20)) fputs("    PD_PARALLEL\n", out);
    fprintf(out, "    for (int64_t m0 = 0; m0 < %lld; m0 += %s) {\n", M, MR);
    fprintf(out, "        const int64_t mr = %lld - m0 < %s ? %lld - m0 : %s;\n", M, MR, M, MR);
    fprintf(out, "        for (int64_t n0 = 0; n0 < %lld; n0 += PD_NR) {\n", N);
    fprintf(out, "            float tile[PD_MR][PD_NR];\n");
    fprintf(out, "            const int64_t nn = %lld - n0 < PD_NR ? %lld - n0 : PD_NR;\n", N, N);
    fprintf(out, "            pd_%sgemm_tile(b%u + a_base + m0 * %lld, %lld, b%u + b_base + n0 * %lld, PD_NR, %lld, mr, tile);\n",
            k->complex ? "c" : "", k->in, (long long)k->lda, (long long)k->lda, k->packed, K, K);
    fputs("            for (int64_t r = 0; r < mr; r++) {\n            const int64_t m = m0 + r;\n", out);
    if (k->store[0] != KIR_NONE) epilogue_row(p, k, out);
    else fprintf(out, "            memcpy(b%u + o_base + m * %lld + n0, tile[r], (size_t)nn * sizeof(float));\n", k->out,
                 (long long)k->ldo);
    fputs("            }\n        }\n    }\n", out);
    for (uint32_t j = 0; j < k->nbatch; j++) fputs("}\n", out);
    fputs("}\n\n", out);
}
