/* clgen.c — the .cl source: prelude, constant tables, kernel signatures
 * with their buffer bindings, and the launch table (see clgen.h).
 * Kernel bodies come from clgen_loop.c, clgen_gemm.c and clgen_fft.c. */
#include <stdlib.h>
#include <string.h>

#include "clgen_impl.h"

static const char prelude[] =
    "#define pd_clamp(i, n) ((i) < 0 ? 0 : (i) >= (n) ? (n) - 1 : (i))\n\n";

/* GELU dominates FNO epilogues and erf is slow on some devices (PoCL's
 * is scalar): the C backend's branch-free form, erf by Abramowitz &
 * Stegun 7.1.26 (absolute error below 1.5e-7), with exp, which every
 * OpenCL device vectorizes. */
static const char gelu_helper[] =
    "float pd_gelu(float x) {\n"
    "    const float z = x * 0.707106781f, a = fmin(fabs(z), 10.0f);\n"
    "    const float t = 1.0f / (1.0f + 0.3275911f * a);\n"
    "    const float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f +\n"
    "                       t * 1.061405429f))));\n"
    "    return 0.5f * x * (1.0f + copysign(1.0f - poly * exp(-a * a), z));\n"
    "}\n"
    "float8 pd_gelu8(float8 x) {\n"
    "    const float8 z = x * 0.707106781f, a = fmin(fabs(z), 10.0f);\n"
    "    const float8 t = 1.0f / (1.0f + 0.3275911f * a);\n"
    "    const float8 poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f +\n"
    "                        t * 1.061405429f))));\n"
    "    return 0.5f * x * (1.0f + copysign(1.0f - poly * exp(-a * a), z));\n"
    "}\n\n";

static const char int_helpers[] =
    "long pd_iabs(long x) { return x < 0 ? (long)(0 - (ulong)x) : x; }\n"
    "long pd_idiv(long a, long b) { return b == 0 ? 0 : b == -1 ? (long)(0 - (ulong)a) : a / b; }\n"
    "long pd_to_i64(double v) { return v != v ? 0 : v >= 9.2e18 ? LONG_MAX : v <= -9.2e18 ? LONG_MIN : (long)v; }\n"
    "long pd_ipow(long a, long b) {\n"
    "    ulong r = 1, x = (ulong)a;\n"
    "    if (b < 0) return a == 1 ? 1 : a == -1 ? (b % 2 ? -1 : 1) : 0;\n"
    "    for (ulong e = (ulong)b; e; e >>= 1) { if (e & 1) r *= x; x *= x; }\n"
    "    return (long)r;\n}\n\n";

static void emit_tables(const KProgram *p, FILE *out) {
    for (uint32_t t = 0; t < p->tables.len; t++) {
        fprintf(out, "__constant long pd_table%u[] = {", t);
        for (uint32_t i = 0; i < p->tables.data[t].n; i++)
            fprintf(out, i ? ", %lld" : "%lld", (long long)p->tables.data[t].data[i]);
        fprintf(out, "%s};\n", p->tables.data[t].n ? "" : "0");
    }
    if (p->tables.len) fputc('\n', out);
}

/* int indices when every buffer and loop nest stays well inside 2^31
 * (GPUs do 32-bit integer arithmetic much faster). */
static const char *index_type(const KProgram *p) {
    const int64_t limit = (int64_t)1 << 29;
    for (uint32_t b = 0; b < p->bufs.len; b++)
        if (p->bufs.data[b].scalars >= limit) return "long";
    for (uint32_t k = 0; k < p->kernels.len; k++) {
        const KKernel *kk = &p->kernels.data[k];
        int64_t n = 1;
        for (uint32_t v = 0; v < kk->rank + kk->nred && n < limit; v++) n *= kk->ext[v];
        if (n >= limit) return "long";
    }
    return "int";
}

/* ---- signatures and bindings -------------------------------------------------- */

static PdrtClArg root_of(const KBuf *b) {
    switch (b->cls) {
    case KB_INPUT: return (PdrtClArg){PDRT_CL_INPUT, (uint8_t)b->slot};
    case KB_OUTPUT: return (PdrtClArg){PDRT_CL_OUTPUT, (uint8_t)b->slot};
    case KB_WEIGHT: return (PdrtClArg){PDRT_CL_WEIGHTS, 0};
    default: return (PdrtClArg){PDRT_CL_ARENA, 0};
    }
}

static void root_param(PdrtClArg a, bool written, FILE *out) {
    switch (a.kind) {
    case PDRT_CL_INPUT: fprintf(out, "__global const float *in%u", a.slot); return;
    case PDRT_CL_OUTPUT: fprintf(out, "__global float *out%u", a.slot); return;
    case PDRT_CL_WEIGHTS: fputs("__global const uchar *pd_weights", out); return;
    default: fprintf(out, "__global %suchar *pd_arena", written ? "" : "const "); return;
    }
}

static void bind(const KProgram *p, uint32_t b, bool written, FILE *out) {
    const KBuf *buf = &p->bufs.data[b];
    const char *t = kp_type(SP, buf->dtype), *c = written ? "" : "const ";
    fprintf(out, "    __global %s%s *b%u = ", c, t, b);
    switch (buf->cls) {
    case KB_INPUT: fprintf(out, "in%u;\n", buf->slot); return;
    case KB_OUTPUT: fprintf(out, "out%u;\n", buf->slot); return;
    case KB_WEIGHT: fprintf(out, "(__global const %s *)(pd_weights + %zu);\n", t, buf->offset); return;
    case KB_ARENA: fprintf(out, "(__global %s%s *)(pd_arena + %zu);\n", c, t, buf->offset); return;
    }
}

static void push_launch(ClGen *G, const char *name, uint32_t first_arg, uint32_t work_dim, const size_t *global,
                        const size_t *local) {
    /* args stay NULL here: kernels' arguments are consecutive in G->args,
       and fill_table points each kernel at its run. */
    PdrtClKernel k = {.name = name, .nargs = G->args.len - first_arg, .work_dim = work_dim};
    for (uint32_t d = 0; d < work_dim; d++) {
        k.global[d] = G->fpga ? 1 : global[d];
        k.local[d] = G->fpga ? 1 : local ? local[d] : 0;
    }
    if (G->fpga) k.work_dim = 1;
    vec_push(G->arena, &G->kernels, k);
}

void cl_open_kernel(ClGen *G, const char *name, const uint8_t *flags, uint32_t work_dim, const size_t *global,
                    const size_t *local) {
    const KProgram *p = G->p;
    FILE *out = G->out;
    uint32_t first_arg = G->args.len;
    bool arena_written = false;
    for (uint32_t b = 0; b < p->bufs.len; b++)
        if ((flags[b] & 2) && p->bufs.data[b].cls == KB_ARENA) arena_written = true;
    /* One parameter per root (input, output, weights, arena), in buffer order. */
    if (G->fpga) fputs("__attribute__((reqd_work_group_size(1, 1, 1)))\n", out);
    else if (local) fprintf(out, "__attribute__((reqd_work_group_size(%zu, %zu, %zu)))\n", local[0],
                            work_dim > 1 ? local[1] : 1, work_dim > 2 ? local[2] : 1);
    fprintf(out, "__kernel void %s(", name);
    for (uint32_t b = 0; b < p->bufs.len; b++) {
        if (!flags[b]) continue;
        PdrtClArg a = root_of(&p->bufs.data[b]);
        bool seen = false;
        for (uint32_t i = first_arg; i < G->args.len; i++)
            seen |= G->args.data[i].kind == a.kind && G->args.data[i].slot == a.slot;
        if (seen) continue;
        fputs(G->args.len > first_arg ? ", " : "", out);
        root_param(a, a.kind == PDRT_CL_ARENA ? arena_written : (flags[b] & 2) != 0, out);
        vec_push(G->arena, &G->args, a);
    }
    fputs(") {\n", out);
    for (uint32_t b = 0; b < p->bufs.len; b++)
        if (flags[b]) bind(p, b, (flags[b] & 2) != 0, out);
    push_launch(G, name, first_arg, work_dim, global, local);
}

/* ---- the program -------------------------------------------------------------- */

/* A kernel whose output is empty: defined (the table names it) but never
 * launched (the runtime skips empty NDRanges). */
static void empty_kernel(ClGen *G, const KKernel *k) {
    uint8_t *flags = calloc(G->p->bufs.len + 1, 1);
    if (!flags) pd_die("out of memory");
    kir_kernel_buffers(G->p, k, flags);
    size_t none = 0;
    cl_open_kernel(G, k->name, flags, 1, &none, NULL);
    for (uint32_t b = 0; b < G->p->bufs.len; b++)
        if (flags[b]) fprintf(G->out, "    (void)b%u;\n", b);
    fputs("}\n\n", G->out);
    free(flags);
}

static bool emit_kernels(ClGen *G, char *err, size_t errlen) {
    for (uint32_t ki = 0; ki < G->p->kernels.len; ki++) {
        const KKernel *k = &G->p->kernels.data[ki];
        bool empty = G->p->bufs.data[k->out].scalars == 0 || (k->kind == KK_FFT && G->p->bufs.data[k->in].scalars == 0);
        if (empty) {
            empty_kernel(G, k);
        } else if (k->kind == KK_FFT) {
            if (!cl_fft_kernel(G, k, err, errlen)) return false;
        } else if (k->kind == KK_GEMM) {
            cl_gemm_kernel(G, k);
        } else {
            cl_loop_kernel(G, k);
        }
    }
    return true;
}

static void io_sizes(const KProgram *p, ClgenProgram *cp) {
    cp->io_bytes = calloc(p->ninputs + p->noutputs + 1, sizeof *cp->io_bytes);
    if (!cp->io_bytes) pd_die("out of memory");
    for (uint32_t b = 0; b < p->bufs.len; b++) {
        const KBuf *buf = &p->bufs.data[b];
        if (buf->cls == KB_INPUT) cp->io_bytes[buf->slot] = (size_t)buf->scalars * 4;
        if (buf->cls == KB_OUTPUT) cp->io_bytes[p->ninputs + buf->slot] = (size_t)buf->scalars * 4;
    }
}

static void fill_table(const KProgram *p, ClGen *G, ClgenProgram *cp) {
    cp->args = calloc(G->args.len + 1, sizeof *cp->args);
    cp->kernels = calloc(G->kernels.len + 1, sizeof *cp->kernels);
    if (!cp->args || !cp->kernels) pd_die("out of memory");
    if (G->args.len) memcpy(cp->args, G->args.data, G->args.len * sizeof *cp->args);
    for (uint32_t k = 0, at = 0; k < G->kernels.len; k++) {
        cp->kernels[k] = G->kernels.data[k];
        cp->kernels[k].args = cp->args + at;
        at += cp->kernels[k].nargs;
    }
    io_sizes(p, cp);
    cp->rt = (PdrtClProgram){.name = p->name, .source = cp->source, .build_options = "-cl-std=CL1.2",
                             .ninputs = p->ninputs, .noutputs = p->noutputs, .input_bytes = cp->io_bytes,
                             .output_bytes = cp->io_bytes + p->ninputs, .weights_bytes = p->weights_bytes,
                             .arena_bytes = p->arena_bytes, .nkernels = G->kernels.len, .kernels = cp->kernels};
}

ClgenProgram *clgen_build(const KProgram *p, const ClgenOptions *opt, char *err, size_t errlen) {
    ClgenProgram *cp = calloc(1, sizeof *cp);
    if (!cp) pd_die("out of memory");
    cp->arena = arena_new();
    ClGen G = {.p = p, .fpga = opt->fpga, .idx = index_type(p), .arena = cp->arena};
    G.out = open_memstream(&cp->source, &cp->source_len);
    if (!G.out) pd_die("out of memory");
    fprintf(G.out, "/* %s.cl — generated by pdec for the %s profile; OpenCL C 1.2; do not edit. */\n", p->name,
            opt->fpga ? "FPGA" : "GPU");
    if (kp_uses_dtype(p, IR_F64) || kp_uses_dtype(p, IR_I64))
        fputs("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n", G.out);
    fputs(prelude, G.out);
    if (kp_uses_f32_gelu(p)) fputs(gelu_helper, G.out);
    if (kp_uses_dtype(p, IR_I64)) fputs(int_helpers, G.out);
    emit_tables(p, G.out);
    bool ok = emit_kernels(&G, err, errlen);
    fclose(G.out);
    if (!ok) {
        clgen_free(cp);
        return NULL;
    }
    fill_table(p, &G, cp);
    return cp;
}

void clgen_free(ClgenProgram *cp) {
    if (!cp) return;
    free(cp->source), free(cp->kernels), free(cp->args), free(cp->io_bytes);
    arena_free(cp->arena);
    free(cp);
}
