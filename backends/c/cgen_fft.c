/* cgen_fft.c — transform kernels as FFTW3 guru plans (single precision).
 *
 * Plans are made in create on scratch arrays from fftwf_malloc (so
 * FFTW_MEASURE may overwrite them) and executed in run with the new-array
 * functions on arena and I/O buffers, which are 64-byte aligned like the
 * scratch.  The transformed axes may be any subset: the other axes are
 * FFTW's "howmany" loops with their strides.  A c2r over several axes runs
 * as the interpreter does: complex inverse passes over all but the last
 * axis in place, the imaginary parts of the DC and Nyquist bins of the
 * last axis dropped, then c2r over the last axis.
 */
#include <string.h>

#include "cgen_impl.h"

bool cg_has_fft(const KProgram *p) {
    for (uint32_t i = 0; i < p->kernels.len; i++)
        if (p->kernels.data[i].kind == KK_FFT) return true;
    return false;
}

static uint32_t plans_of(const KKernel *k) {
    if (k->kind != KK_FFT) return 0;
    return k->fft == KF_C2R && k->zero_dc_imag ? 2 : 1;
}

uint32_t cg_fft_plan_count(const KProgram *p, uint32_t upto) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < upto && i < p->kernels.len; i++) n += plans_of(&p->kernels.data[i]);
    return n;
}

static void strides(const IrType *t, int64_t *st) {
    int64_t s = 1;
    for (uint32_t d = t->rank; d-- > 0;) st[d] = s, s *= t->dims[d];
}

/* Prints the iodim arrays `dims` (the first naxes axes of k) and `how`
 * (every other dimension) for arrays of shapes in and out; the sizes are
 * the logical ones (sizes[]).  Returns the number of howmany dims. */
static uint32_t print_iodims(const KKernel *k, uint32_t first, uint32_t naxes, const IrType *in, const IrType *out,
                             const int64_t *sizes, FILE *f) {
    int64_t is[IR_MAX_RANK], os[IR_MAX_RANK];
    strides(in, is), strides(out, os);
    fputs("        fftwf_iodim64 dims[] = {", f);
    for (uint32_t i = first; i < first + naxes; i++) {
        uint32_t a = (uint32_t)k->axes[i];
        fprintf(f, "%s{%lld, %lld, %lld}", i > first ? ", " : "", (long long)sizes[a], (long long)is[a], (long long)os[a]);
    }
    fputs("};\n        fftwf_iodim64 how[] = {", f);
    uint32_t h = 0;
    for (uint32_t d = 0; d < in->rank; d++) {
        bool transformed = false;
        for (uint32_t i = first; i < first + naxes; i++) transformed |= k->axes[i] == (int64_t)d;
        if (transformed) continue;
        fprintf(f, "%s{%lld, %lld, %lld}", h ? ", " : "", (long long)in->dims[d], (long long)is[d], (long long)os[d]);
        h++;
    }
    fprintf(f, "%s};\n", h ? "" : "{0, 0, 0}");
    return h;
}

static size_t bytes_of(const IrType *t) {
    return (size_t)ir_type_numel(t) * (t->dtype == IR_C64 ? 8 : 4);
}

static void plan_block(uint32_t plan, const char *call, size_t in_bytes, size_t out_bytes, bool inplace, FILE *f) {
    fprintf(f, "        float *in = fftwf_malloc(%zu), *out = %s;\n", in_bytes + 8,
            inplace ? "in" : "fftwf_malloc(0)");
    if (!inplace) fprintf(f, "        fftwf_free(out);\n        out = fftwf_malloc(%zu);\n", out_bytes + 8);
    fprintf(f, "        if (in && out) m->plan[%u] = %s;\n", plan, call);
    fprintf(f, "        fftwf_free(in);\n%s", inplace ? "" : "        fftwf_free(out);\n");
    fprintf(f, "        if (!m->plan[%u]) return pd_fail(err, errlen, \"FFTW could not plan transform %u\");\n", plan, plan);
}

static void plan_one(const KKernel *k, uint32_t plan, FILE *f) {
    const IrType *in = &k->in_type, *out = &k->out_type;
    int64_t sizes[IR_MAX_RANK];
    const IrType *logical = k->fft == KF_C2R ? out : in;
    memcpy(sizes, logical->dims, sizeof sizes);
    fputs("    {\n", f);
    uint32_t h = print_iodims(k, 0, k->naxes, in, out, sizes, f);
    char call[512];
    switch (k->fft) {
    case KF_R2C:
        snprintf(call, sizeof call, "fftwf_plan_guru64_dft_r2c(%u, dims, %u, how, in, (fftwf_complex *)out, flags)", k->naxes, h);
        break;
    case KF_C2R:
        snprintf(call, sizeof call, "fftwf_plan_guru64_dft_c2r(%u, dims, %u, how, (fftwf_complex *)in, out, flags)", k->naxes, h);
        break;
    case KF_C2C_FWD: case KF_C2C_BWD:
        snprintf(call, sizeof call,
                 "fftwf_plan_guru64_dft(%u, dims, %u, how, (fftwf_complex *)in, (fftwf_complex *)out, %s, flags)",
                 k->naxes, h, k->fft == KF_C2C_FWD ? "FFTW_FORWARD" : "FFTW_BACKWARD");
        break;
    case KF_DCT: case KF_IDCT:
        fputs("        fftwf_r2r_kind kinds[] = {", f);
        for (uint32_t i = 0; i < k->naxes; i++) fprintf(f, "%s%s", i ? ", " : "", k->fft == KF_DCT ? "FFTW_REDFT10" : "FFTW_REDFT01");
        fputs("};\n", f);
        snprintf(call, sizeof call, "fftwf_plan_guru64_r2r(%u, dims, %u, how, in, out, kinds, flags)", k->naxes, h);
        break;
    }
    plan_block(plan, call, bytes_of(in), bytes_of(out), false, f);
    fputs("    }\n", f);
}

/* c2r over several axes: plan A (complex inverse, in place, all axes but
 * the last), plan B (c2r over the last). */
static void plan_two(const KKernel *k, uint32_t plan, FILE *f) {
    const IrType *st = &k->in_type, *out = &k->out_type;
    int64_t sizes[IR_MAX_RANK];
    memcpy(sizes, st->dims, sizeof sizes);
    fputs("    {\n", f);
    uint32_t h = print_iodims(k, 0, k->naxes - 1, st, st, sizes, f);
    char call[512];
    snprintf(call, sizeof call,
             "fftwf_plan_guru64_dft(%u, dims, %u, how, (fftwf_complex *)in, (fftwf_complex *)in, FFTW_BACKWARD, flags)",
             k->naxes - 1, h);
    plan_block(plan, call, bytes_of(st), 0, true, f);
    fputs("    }\n    {\n", f);
    memcpy(sizes, out->dims, sizeof sizes);
    h = print_iodims(k, k->naxes - 1, 1, st, out, sizes, f);
    snprintf(call, sizeof call, "fftwf_plan_guru64_dft_c2r(1, dims, %u, how, (fftwf_complex *)in, out, flags)", h);
    plan_block(plan + 1, call, bytes_of(st), bytes_of(out), false, f);
    fputs("    }\n", f);
}

void cg_fft_plans(const KProgram *p, FILE *f) {
    for (uint32_t ki = 0; ki < p->kernels.len; ki++) {
        const KKernel *k = &p->kernels.data[ki];
        if (k->kind != KK_FFT) continue;
        uint32_t plan = cg_fft_plan_count(p, ki);
        if (plans_of(k) == 2) plan_two(k, plan, f);
        else plan_one(k, plan, f);
    }
}

/* Zeroes the imaginary parts at index 0 and (n even) n/2 of the last
 * transformed axis of the complex scratch. */
static void zero_dc_imag(const KKernel *k, FILE *f) {
    const IrType *st = &k->in_type;
    uint32_t la = (uint32_t)k->axes[k->naxes - 1];
    int64_t outer = 1, inner = 1, n = k->out_type.dims[la];
    for (uint32_t d = 0; d < la; d++) outer *= st->dims[d];
    for (uint32_t d = la + 1; d < st->rank; d++) inner *= st->dims[d];
    fprintf(f, "    for (int64_t i = 0; i < %lld; i++)\n", (long long)outer);
    fprintf(f, "        for (int64_t r = 0; r < %lld; r++) {\n", (long long)inner);
    fprintf(f, "            b%u[2 * (i * %lld + r) + 1] = 0;\n", k->in, (long long)(st->dims[la] * inner));
    if (n % 2 == 0)
        fprintf(f, "            b%u[2 * ((i * %lld + %lld) * %lld + r) + 1] = 0;\n", k->in, (long long)st->dims[la],
                (long long)(n / 2), (long long)inner);
    fputs("        }\n", f);
}

void cg_fft_kernel(const KProgram *p, uint32_t ki, FILE *f) {
    const KKernel *k = &p->kernels.data[ki];
    uint32_t plan = cg_fft_plan_count(p, ki);
    const char *cin = k->fft == KF_C2R ? "" : "const ";
    fprintf(f, "static void %s(const fftwf_plan *plan, %sfloat *b%u, float *b%u) {\n", k->name, cin, k->in, k->out);
    switch (k->fft) {
    case KF_R2C: fprintf(f, "    fftwf_execute_dft_r2c(plan[%u], (float *)b%u, (fftwf_complex *)b%u);\n", plan, k->in, k->out); break;
    case KF_C2R:
        if (k->zero_dc_imag) {
            fprintf(f, "    fftwf_execute_dft(plan[%u], (fftwf_complex *)b%u, (fftwf_complex *)b%u);\n", plan, k->in, k->in);
            zero_dc_imag(k, f);
            plan++;
        }
        fprintf(f, "    fftwf_execute_dft_c2r(plan[%u], (fftwf_complex *)b%u, b%u);\n", plan, k->in, k->out);
        break;
    case KF_C2C_FWD: case KF_C2C_BWD:
        fprintf(f, "    fftwf_execute_dft(plan[%u], (fftwf_complex *)b%u, (fftwf_complex *)b%u);\n", plan, k->in, k->out);
        break;
    case KF_DCT: case KF_IDCT: fprintf(f, "    fftwf_execute_r2r(plan[%u], (float *)b%u, b%u);\n", plan, k->in, k->out); break;
    }
    if (k->scale != 1) {
        fprintf(f, "    PD_SIMD\n    for (int64_t i = 0; i < %lld; i++) b%u[i] *= %af;\n",
                (long long)p->bufs.data[k->out].scalars, k->out, (double)(float)k->scale);
    }
    fputs("}\n\n", f);
}
