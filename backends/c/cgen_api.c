/* cgen_api.c — the generated create, run and destroy.
 *
 * create reads and checks the weights (a file with a header that must
 * match this code's layout and checksum, a payload in memory, or the
 * embedded array) into 64-byte-aligned memory, takes or allocates the
 * arena, and makes the FFTW plans.  run binds every buffer to its place
 * (input, output, weights, arena offset) and calls the kernels in order.
 */
#include <stdlib.h>
#include <string.h>

#include "cgen_impl.h"

void cgen_emit_weights_reader(const KProgram *p, FILE *c) {
    fputs("static uint64_t pd_u64(const unsigned char *b) {\n"
          "    uint64_t v = 0;\n    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];\n    return v;\n}\n\n", c);
    fputs("static uint64_t pd_fnv(const unsigned char *b, size_t n) {\n"
          "    uint64_t h = 1469598103934665603u;\n"
          "    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211u;\n    return h;\n}\n\n", c);
    fprintf(c, "static int pd_read_weights(const char *path, unsigned char *dst, char *err, size_t errlen) {\n"
               "    unsigned char head[64];\n"
               "    FILE *f = fopen(path, \"rb\");\n"
               "    int ok;\n"
               "    if (!f) {\n"
               "        if (err && errlen) snprintf(err, errlen, \"%%s: cannot open the weights file\", path);\n"
               "        return 0;\n    }\n"
               "    ok = fread(head, 1, 64, f) == 64 && memcmp(head, \"PDECWGT1\", 8) == 0 &&\n"
               "         pd_u64(head + 8) == %zuu && pd_u64(head + 16) == %lluu &&\n"
               "         fread(dst, 1, %zu, f) == %zu && fgetc(f) == EOF;\n"
               "    fclose(f);\n"
               "    if (ok && pd_fnv(dst, %zu) == pd_u64(head + 24)) return 1;\n"
               "    if (err && errlen) snprintf(err, errlen, \"%%s: %%s\", path, ok ? \"checksum mismatch (corrupt weights)\"\n"
               "        : \"not a weights file for this model (wrong magic, layout or size, or truncated)\");\n"
               "    return 0;\n}\n\n",
            p->weights_bytes, (unsigned long long)cg_layout_hash(p), p->weights_bytes, p->weights_bytes,
            p->weights_bytes);
}

/* 64-byte-aligned memory inside a malloc'd block. */
static void emit_aligned(FILE *c) {
    fputs("static unsigned char *pd_align(unsigned char *mem) {\n"
          "    return mem ? mem + (64 - (uintptr_t)mem % 64) % 64 : NULL;\n}\n\n", c);
}

static void emit_create(const KProgram *p, const CgenOptions *opt, FILE *c) {
    const char *N = p->name;
    bool fft = cg_has_fft(p);
    fprintf(c, "static int pd_setup(%s_model *m, const %s_options *o, char *err, size_t errlen) {\n", N, N);
    fprintf(c, "    m->weights_mem = malloc(%zu + 64);\n    m->weights = pd_align(m->weights_mem);\n", p->weights_bytes);
    fprintf(c, "    m->arena_mem = o->arena ? NULL : malloc(%zu + 64);\n", p->arena_bytes);
    fputs("    m->arena = o->arena ? (unsigned char *)o->arena : pd_align(m->arena_mem);\n", c);
    fputs("    if (!m->weights || !m->arena) return pd_fail(err, errlen, \"out of memory\");\n", c);
    fputs("    if ((uintptr_t)m->arena % 64) return pd_fail(err, errlen, \"the arena must be 64-byte aligned\");\n", c);
    fputs("    if (o->weights_path) {\n        if (!pd_read_weights(o->weights_path, m->weights, err, errlen)) return 0;\n", c);
    fprintf(c, "    } else if (o->weights) {\n        memcpy(m->weights, o->weights, %zu);\n", p->weights_bytes);
    if (opt->embed_weights)
        fprintf(c, "    } else {\n        memcpy(m->weights, pd_embedded_weights, %zu);\n    }\n", p->weights_bytes);
    else
        fputs("    } else {\n        return pd_fail(err, errlen, \"no weights: give weights_path or weights\");\n    }\n", c);
    fputs("#ifdef _OPENMP\n    if (o->threads > 0) omp_set_num_threads(o->threads);\n#endif\n", c);
    if (fft) {
        fputs("#if defined(_OPENMP) && defined(PD_FFTW_OMP)\n"
              "    fftwf_init_threads();\n    fftwf_plan_with_nthreads(omp_get_max_threads());\n#endif\n", c);
        fputs("    {\n        unsigned flags = o->fftw_measure ? FFTW_MEASURE : FFTW_ESTIMATE;\n", c);
        fputs("        if (o->fftw_wisdom) fftwf_import_wisdom_from_filename(o->fftw_wisdom);\n", c);
        cg_fft_plans(p, c);
        fputs("        if (o->fftw_wisdom && o->fftw_measure) fftwf_export_wisdom_to_filename(o->fftw_wisdom);\n    }\n", c);
    }
    fputs("    return 1;\n}\n\n", c);
    fprintf(c, "%s_model *%s_create(const %s_options *opt, char *err, size_t errlen) {\n", N, N, N);
    fprintf(c, "    %s_options none;\n    %s_model *m = calloc(1, sizeof *m);\n", N, N);
    fputs("    memset(&none, 0, sizeof none);\n", c);
    fputs("    if (!m) {\n        pd_fail(err, errlen, \"out of memory\");\n        return NULL;\n    }\n", c);
    fprintf(c, "    if (!pd_setup(m, opt ? opt : &none, err, errlen)) {\n        %s_destroy(m);\n        return NULL;\n    }\n", N);
    fputs("    return m;\n}\n\n", c);
}

static void emit_destroy(const KProgram *p, FILE *c) {
    uint32_t nplans = cg_fft_plan_count(p, p->kernels.len);
    fprintf(c, "void %s_destroy(%s_model *m) {\n    if (!m) return;\n", p->name, p->name);
    if (nplans)
        fprintf(c, "    for (int i = 0; i < %u; i++)\n        if (m->plan[i]) fftwf_destroy_plan(m->plan[i]);\n", nplans);
    fputs("    free(m->weights_mem);\n    free(m->arena_mem);\n    free(m);\n}\n", c);
}

/* Binds buffer b to its place, as a local pointer of its scalar type. */
static void bind_buffer(const KProgram *p, uint32_t b, FILE *c) {
    const KBuf *buf = &p->bufs.data[b];
    const char *t = kp_type(&kp_spell_c, buf->dtype);
    switch (buf->cls) {
    case KB_INPUT: fprintf(c, "    const float *b%u = inputs[%u];\n", b, buf->slot); break;
    case KB_OUTPUT: fprintf(c, "    float *b%u = outputs[%u];\n", b, buf->slot); break;
    case KB_WEIGHT: fprintf(c, "    const %s *b%u = (const %s *)(m->weights + %zu);\n", t, b, t, buf->offset); break;
    case KB_ARENA: fprintf(c, "    %s *b%u = (%s *)(m->arena + %zu);\n", t, b, t, buf->offset); break;
    }
}

/* Each call goes through PD_TIME(kernel number, call): the call itself,
 * or with -DPD_PROFILE the call timed into pd_kernel_ns. */
static void emit_call(const KProgram *p, uint32_t ki, uint8_t *flags, FILE *c) {
    const KKernel *k = &p->kernels.data[ki];
    fprintf(c, "    PD_TIME(%u, ", ki);
    if (k->kind == KK_FFT) {
        fprintf(c, "%s(m->plan, b%u, b%u));\n", k->name, k->in, k->out);
        return;
    }
    kir_kernel_buffers(p, k, flags);
    fprintf(c, "%s(", k->name);
    bool first = true;
    for (uint32_t b = 0; b < p->bufs.len; b++)
        if (flags[b]) fprintf(c, "%sb%u", first ? "" : ", ", b), first = false;
    fputs("));\n", c);
}

/* -DPD_PROFILE: accumulated nanoseconds per kernel, and the kernels' names,
 * for `pdec bench --kernels`. */
static void emit_profile(const KProgram *p, FILE *c) {
    fprintf(c, "#ifdef PD_PROFILE\nstatic double pd_kernel_ns[%u];\n", p->kernels.len ? p->kernels.len : 1);
    fprintf(c, "const char *const %s_kernel_names[] = {", p->name);
    for (uint32_t ki = 0; ki < p->kernels.len; ki++) fprintf(c, "%s\"%s\"", ki ? ", " : "", p->kernels.data[ki].name);
    fprintf(c, "%s};\n", p->kernels.len ? "" : "NULL");
    fprintf(c, "const int %s_kernel_count = %u;\n", p->name, p->kernels.len);
    fprintf(c, "double *%s_kernel_ns(void) { return pd_kernel_ns; }\n", p->name);
    fputs("static double pd_now_ns(void) {\n    struct timespec ts;\n    clock_gettime(CLOCK_MONOTONIC, &ts);\n"
          "    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;\n}\n"
          "#define PD_TIME(i, call) do { double pd_t0 = pd_now_ns(); call; pd_kernel_ns[i] += pd_now_ns() - pd_t0; } while (0)\n"
          "#else\n#define PD_TIME(i, call) call\n#endif\n\n", c);
}

static void emit_run(const KProgram *p, FILE *c) {
    fprintf(c, "int %s_run(%s_model *m, const float *const inputs[], float *const outputs[]) {\n", p->name, p->name);
    uint8_t *flags = calloc(p->bufs.len + 1, 1), *used = calloc(p->bufs.len + 1, 1);
    if (!flags || !used) pd_die("out of memory");
    for (uint32_t ki = 0; ki < p->kernels.len; ki++) {
        kir_kernel_buffers(p, &p->kernels.data[ki], flags);
        for (uint32_t b = 0; b < p->bufs.len; b++) used[b] |= flags[b];
    }
    for (uint32_t b = 0; b < p->bufs.len; b++)
        if (used[b]) bind_buffer(p, b, c);
    fputs("    (void)m;\n    (void)inputs;\n    (void)outputs;\n", c);
    for (uint32_t ki = 0; ki < p->kernels.len; ki++) emit_call(p, ki, flags, c);
    fputs("    return 0;\n}\n\n", c);
    free(flags);
    free(used);
}

void cg_emit_api(const KProgram *p, const CgenOptions *opt, FILE *c) {
    cgen_emit_weights_reader(p, c);
    emit_aligned(c);
    emit_profile(p, c);
    fprintf(c, "void %s_destroy(%s_model *m);\n\n", p->name, p->name);
    emit_create(p, opt, c);
    emit_run(p, c);
    emit_destroy(p, c);
}
