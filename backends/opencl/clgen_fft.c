/* clgen_fft.c — transforms on the device.
 *
 * A transform over several axes is a sequence of one-axis passes, as
 * FFTW runs it: r2c along the last axis first, then complex passes along
 * the others in place; c2r the other way round.  One pass is one kernel
 * that gives every line (every position of the other axes) to one
 * work-group (GPU) or to one iteration of a loop (FPGA).  A line is read
 * whole into local memory, transformed there, and written back, so a
 * pass may run in place.
 *
 * The transform of a line: Stockham's autosort FFT (no bit reversal),
 * radix 8, 4 and 2 for the powers of two, then 3 and 5, when the length
 * has no other factor; a direct DFT with exactly reduced angles
 * otherwise.  r2c transforms the line as complex with zero imaginary
 * parts and keeps n/2+1 bins; c2r extends the half spectrum by Hermitian
 * symmetry and keeps the real part (so the imaginary parts of the DC and
 * Nyquist bins do not matter, as in FFTW).  DCT-II and DCT-III (FFTW's
 * REDFT10 and REDFT01) are direct sums.  The inverse's 1/n scaling is
 * applied by the last pass's store.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clgen_impl.h"

enum { MAX_LINE = 2048, MAX_GROUP = 64 };

static const double PI = 3.14159265358979323846;

typedef enum { P_R2C, P_C2R, P_C2C, P_DCT, P_IDCT } PassKind;

typedef struct {
    PassKind kind;
    int sign; /* -1 forward, +1 backward */
    uint32_t src, dst;
    int64_t n, src_len, dst_len, outer, inner;
    double scale;
} Pass;

static void line_geometry(const IrType *t, int64_t axis, Pass *ps) {
    ps->outer = 1, ps->inner = 1;
    for (int64_t d = 0; d < axis; d++) ps->outer *= t->dims[d];
    for (uint32_t d = (uint32_t)axis + 1; d < t->rank; d++) ps->inner *= t->dims[d];
}

/* The passes of transform k; returns how many (at most IR_MAX_RANK). */
static uint32_t plan_passes(const KKernel *k, Pass *ps) {
    uint32_t np = 0, na = k->naxes;
    const IrType *in = &k->in_type, *out = &k->out_type;
    int sign = k->fft == KF_C2C_BWD || k->fft == KF_C2R ? 1 : -1;
    if (k->fft == KF_R2C) {
        int64_t a = k->axes[na - 1];
        ps[np] = (Pass){P_R2C, -1, k->in, k->out, in->dims[a], in->dims[a], out->dims[a], 0, 0, 1};
        line_geometry(out, a, &ps[np++]);
        for (uint32_t i = 0; i + 1 < na; i++) {
            a = k->axes[i];
            ps[np] = (Pass){P_C2C, -1, k->out, k->out, out->dims[a], out->dims[a], out->dims[a], 0, 0, 1};
            line_geometry(out, a, &ps[np++]);
        }
    } else if (k->fft == KF_C2R) {
        for (uint32_t i = 0; i + 1 < na; i++) {
            int64_t a = k->axes[i];
            ps[np] = (Pass){P_C2C, 1, k->in, k->in, in->dims[a], in->dims[a], in->dims[a], 0, 0, 1};
            line_geometry(in, a, &ps[np++]);
        }
        int64_t a = k->axes[na - 1];
        ps[np] = (Pass){P_C2R, 1, k->in, k->out, out->dims[a], in->dims[a], out->dims[a], 0, 0, 1};
        line_geometry(out, a, &ps[np++]);
    } else {
        PassKind kind = k->fft == KF_DCT ? P_DCT : k->fft == KF_IDCT ? P_IDCT : P_C2C;
        for (uint32_t i = 0; i < na; i++) {
            int64_t a = k->axes[i];
            ps[np] = (Pass){kind, sign, i ? k->out : k->in, k->out, out->dims[a], in->dims[a], out->dims[a], 0, 0, 1};
            line_geometry(out, a, &ps[np++]);
        }
    }
    ps[np - 1].scale = k->scale;
    return np;
}

/* Radices whose product is n (8s, 4, 2, then 3s and 5s); 0 when n has
 * another prime factor. */
static uint32_t radices(int64_t n, int *r) {
    uint32_t c = 0;
    while (n % 8 == 0) r[c++] = 8, n /= 8;
    if (n % 4 == 0) r[c++] = 4, n /= 4;
    if (n % 2 == 0) r[c++] = 2, n /= 2;
    while (n % 3 == 0) r[c++] = 3, n /= 3;
    while (n % 5 == 0) r[c++] = 5, n /= 5;
    return n == 1 ? c : 0;
}

static const char *barrier_text(const ClGen *G) { return G->fpga ? "" : "        barrier(CLK_LOCAL_MEM_FENCE);\n"; }

/* The tail group's lines past the last do everything but load and store
 * (barriers must be reached by every work-item). */
static void line_guard(ClGen *G, const Pass *ps) {
    if (!G->fpga) fprintf(G->out, "        if (line < %lld)\n", (long long)(ps->outer * ps->inner));
}

static void load_line(ClGen *G, const Pass *ps, int64_t wg) {
    FILE *out = G->out;
    long long n = ps->n, I = ps->inner;
    line_guard(G, ps);
    fprintf(out, "        for (%s j = lid; j < %lld; j += %lld)\n            pd_x[j] = ", G->idx, n, (long long)wg);
    switch (ps->kind) {
    case P_C2C: fprintf(out, "vload2(sb + j * %lld, b%u);\n", I, ps->src); break;
    case P_C2R: /* the Hermitian extension of the kept half */
        fprintf(out, "j < %lld ? vload2(sb + j * %lld, b%u) : pd_conj(vload2(sb + (%lld - j) * %lld, b%u));\n",
                (long long)ps->src_len, I, ps->src, n, I, ps->src);
        break;
    default: fprintf(out, "(float2)(b%u[sb + j * %lld], 0.0f);\n", ps->src, I); break;
    }
    fputs(barrier_text(G), out);
}

/* Prints " + coef * val" (the sign folded in; +-1 without the product;
 * a zero coefficient leaves the term out). */
static void term(FILE *out, double coef, const char *val, bool *first) {
    if (fabs(coef) < 1e-12) return;
    const char *op = coef < 0 ? (*first ? "-" : " - ") : (*first ? "" : " + ");
    fprintf(out, "%s", op);
    if (fabs(fabs(coef) - 1) < 1e-12) fprintf(out, "%s", val);
    else fprintf(out, "%af * %s", (double)(float)fabs(coef), val);
    *first = false;
}

/* w_q = sum_r v_r exp(sign 2 pi i q r / R), constants folded. */
static void small_dft(FILE *out, int R, int sign) {
    for (int q = 0; q < R; q++) {
        bool first = true;
        fprintf(out, "                const float2 w%d = (float2)(", q);
        for (int r = 0; r < R; r++) {
            double c = cos(2 * PI * q * r / R), s = sign * sin(2 * PI * q * r / R);
            char vx[16], vy[16];
            snprintf(vx, sizeof vx, "v%d.x", r), snprintf(vy, sizeof vy, "v%d.y", r);
            term(out, c, vx, &first), term(out, -s, vy, &first);
        }
        if (first) fputs("0.0f", out);
        fputs(", ", out);
        first = true;
        for (int r = 0; r < R; r++) {
            double c = cos(2 * PI * q * r / R), s = sign * sin(2 * PI * q * r / R);
            char vx[16], vy[16];
            snprintf(vx, sizeof vx, "v%d.x", r), snprintf(vy, sizeof vy, "v%d.y", r);
            term(out, s, vx, &first), term(out, c, vy, &first);
        }
        if (first) fputs("0.0f", out);
        fputs(");\n", out);
    }
}

/* The name of a twiddle table: exp(sign 2 pi i m / n) for m < n (sign
 * +-1, float2), or cos(pi m / (2 n)) for m < 4 n (sign 0, the DCTs). */
static const char *table_name(ClGen *G, int64_t n, int sign) {
    return arena_printf(G->arena, "pd_%s%lld", sign < 0 ? "twf" : sign > 0 ? "twb" : "cos", (long long)n);
}

/* Defines the table (program scope) unless this program has it already:
 * constants instead of sines and cosines per element. */
static void ensure_table(ClGen *G, int64_t n, int sign) {
    int64_t key = n * 4 + sign + 1;
    for (uint32_t i = 0; i < G->tables.len; i++)
        if (G->tables.data[i] == key) return;
    vec_push(G->arena, &G->tables, key);
    FILE *out = G->out;
    int64_t len = sign ? n : 4 * n;
    fprintf(out, "__constant %s %s[%lld] = {", sign ? "float2" : "float", table_name(G, n, sign), (long long)len);
    for (int64_t m = 0; m < len; m++) {
        fputs(m % 4 ? " " : "\n    ", out);
        if (sign) {
            double a = sign * 2 * PI * (double)m / (double)n;
            fprintf(out, "(float2)(%af, %af),", (double)(float)cos(a), (double)(float)sin(a));
        } else {
            fprintf(out, "%af,", (double)(float)cos(PI * (double)m / (2.0 * (double)n)));
        }
    }
    fputs("\n};\n\n", out);
}

/* Stockham iterations; returns which array holds the result (0: pd_x). */
static int stockham(ClGen *G, const Pass *ps, const int *r, uint32_t nr, int64_t wg) {
    FILE *out = G->out;
    int64_t ns = 1, n = ps->n;
    int cur = 0;
    for (uint32_t i = 0; i < nr; i++) {
        int R = r[i];
        const char *src = cur ? "pd_y" : "pd_x", *dst = cur ? "pd_x" : "pd_y";
        fprintf(out, "        for (%s j = lid; j < %lld; j += %lld) {\n", G->idx, (long long)(n / R), (long long)wg);
        fprintf(out, "            const %s k = j %% %lld;\n", G->idx, (long long)ns);
        for (int q = 0; q < R; q++) {
            fprintf(out, "            float2 v%d = %s[j + %lld];\n", q, src, (long long)(q * n / R));
            if (q && ns > 1) /* twiddle exp(sign 2 pi i q k / (ns R)) */
                fprintf(out, "            v%d = pd_cmul(v%d, %s[%d * k * %lld]);\n", q, q, table_name(G, ps->n, ps->sign),
                        q, (long long)(n / (ns * R)));
        }
        fputs("            {\n", out);
        small_dft(out, R, ps->sign);
        fprintf(out, "                const %s d = (j / %lld) * %lld + k;\n", G->idx, (long long)ns, (long long)(ns * R));
        for (int q = 0; q < R; q++) fprintf(out, "                %s[d + %lld] = w%d;\n", dst, (long long)(q * ns), q);
        fputs("            }\n        }\n", out);
        fputs(barrier_text(G), out);
        ns *= R, cur ^= 1;
    }
    return cur;
}

/* Direct sums into pd_y; the output count is nout. */
static void direct(ClGen *G, const Pass *ps, int64_t nout, int64_t wg) {
    FILE *out = G->out;
    long long n = ps->n;
    fprintf(out, "        for (%s q = lid; q < %lld; q += %lld) {\n            float2 acc = (float2)(0.0f);\n", G->idx,
            (long long)nout, (long long)wg);
    if (ps->kind == P_DCT) {
        fprintf(out, "            for (%s j = 0; j < %lld; j++)\n", G->idx, n);
        fprintf(out, "                acc.x += 2.0f * pd_x[j].x * %s[(q * (2 * j + 1)) %% %lld];\n", table_name(G, n, 0), 4 * n);
    } else if (ps->kind == P_IDCT) {
        fprintf(out, "            acc.x = pd_x[0].x;\n            for (%s j = 1; j < %lld; j++)\n", G->idx, n);
        fprintf(out, "                acc.x += 2.0f * pd_x[j].x * %s[(j * (2 * q + 1)) %% %lld];\n", table_name(G, n, 0), 4 * n);
    } else {
        fprintf(out, "            for (%s j = 0; j < %lld; j++)\n", G->idx, n);
        fprintf(out, "                acc += pd_cmul(pd_x[j], %s[(j * q) %% %lld]);\n", table_name(G, n, ps->sign), n);
    }
    fputs("            pd_y[q] = acc;\n        }\n", out);
    fputs(barrier_text(G), out);
}

static void store_line(ClGen *G, const Pass *ps, int64_t wg, int cur) {
    FILE *out = G->out;
    const char *res = cur ? "pd_y" : "pd_x";
    long long I = ps->inner;
    bool complex_out = ps->kind == P_R2C || ps->kind == P_C2C;
    line_guard(G, ps);
    fprintf(out, "        for (%s j = lid; j < %lld; j += %lld)\n            ", G->idx, (long long)ps->dst_len,
            (long long)wg);
    if (complex_out) fprintf(out, "vstore2(%s[j] * %af, db + j * %lld, b%u);\n", res, (double)(float)ps->scale, I, ps->dst);
    else fprintf(out, "b%u[db + j * %lld] = %s[j].x * %af;\n", ps->dst, I, res, (double)(float)ps->scale);
}

/* Plain (external) functions: clang warns about unused static ones. */
static const char helpers[] =
    "float2 pd_cmul(float2 a, float2 b) { return (float2)(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }\n"
    "float2 pd_conj(float2 a) { return (float2)(a.x, -a.y); }\n"
    "\n";

static void emit_pass(ClGen *G, const KKernel *k, const Pass *ps, uint32_t index) {
    FILE *out = G->out;
    int r[64];
    uint32_t nr = ps->kind == P_DCT || ps->kind == P_IDCT ? 0 : radices(ps->n, r);
    int64_t lines = ps->outer * ps->inner, work = nr ? ps->n / r[0] : ps->n, wg = 1;
    while (!G->fpga && wg < work && wg < MAX_GROUP) wg *= 2;
    if (ps->kind == P_DCT || ps->kind == P_IDCT) ensure_table(G, ps->n, 0);
    else ensure_table(G, ps->n, ps->sign);
    uint8_t *flags = calloc(G->p->bufs.len + 1, 1);
    if (!flags) pd_die("out of memory");
    flags[ps->src] |= 1, flags[ps->dst] |= 2;
    /* GPU: a work-group takes several lines (as many as fit 32 KB of local
       memory and 256 work-items): fewer, fuller groups. */
    int64_t per_group = 1;
    while (!G->fpga && per_group * 2 * wg <= 256 && per_group * 2 * ps->n <= MAX_LINE && per_group < lines) per_group *= 2;
    size_t global[2] = {(size_t)wg, (size_t)((lines + per_group - 1) / per_group * per_group)};
    size_t local[2] = {(size_t)wg, (size_t)per_group};
    cl_open_kernel(G, arena_printf(G->arena, "%s_p%u", k->name, index), flags, 2, global, local);
    free(flags);
    fprintf(out, "    __local float2 pd_xs[%lld][%lld], pd_ys[%lld][%lld];\n", (long long)per_group, (long long)ps->n,
            (long long)per_group, (long long)ps->n);
    if (G->fpga) {
        fprintf(out, "    const %s lid = 0;\n    __local float2 *pd_x = pd_xs[0], *pd_y = pd_ys[0];\n", G->idx);
        fprintf(out, "    for (%s line = 0; line < %lld; line++) {\n", G->idx, (long long)lines);
    } else {
        fprintf(out, "    const %s lid = (%s)get_local_id(0), line = (%s)get_global_id(1);\n", G->idx, G->idx, G->idx);
        fputs("    __local float2 *pd_x = pd_xs[get_local_id(1)], *pd_y = pd_ys[get_local_id(1)];\n    {\n", out);
    }
    fprintf(out, "        const %s sb = (line / %lld) * %lld + line %% %lld, db = (line / %lld) * %lld + line %% %lld;\n",
            G->idx, (long long)ps->inner, (long long)(ps->src_len * ps->inner), (long long)ps->inner,
            (long long)ps->inner, (long long)(ps->dst_len * ps->inner), (long long)ps->inner);
    load_line(G, ps, wg);
    int cur;
    if (nr) cur = stockham(G, ps, r, nr, wg);
    else direct(G, ps, ps->kind == P_R2C ? ps->dst_len : ps->n, wg), cur = 1;
    store_line(G, ps, wg, cur);
    fputs("    }\n}\n\n", out);
}

bool cl_fft_kernel(ClGen *G, const KKernel *k, char *err, size_t errlen) {
    Pass ps[IR_MAX_RANK];
    uint32_t np = plan_passes(k, ps);
    for (uint32_t i = 0; i < np; i++)
        if (ps[i].n > MAX_LINE)
            return pdrt_fail(err, errlen,
                             "%s: a transform of length %lld; the OpenCL backend transforms lines of up to %d points "
                             "in local memory (use --target c)", k->name, (long long)ps[i].n, MAX_LINE);
    if (!G->fft_helpers) fputs(helpers, G->out), G->fft_helpers = true;
    for (uint32_t i = 0; i < np; i++) emit_pass(G, k, &ps[i], i);
    return true;
}
