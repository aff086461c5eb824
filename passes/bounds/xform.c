/* xform.c — transforms too large for an explicit map, applied pass by
 * pass: each one-axis pass is a dense out_len x in_len matrix of complex
 * coefficients (spectral.c's own cos and sin in double) used on every
 * line along its axis.
 *
 * Why: the composed SparseMap of an rfft over a 1024-point grid with 64
 * channels has 2^26 terms, but every line shares one 513 x 1024 matrix
 * (8 MB).  Applying it line by line costs what the map would, without
 * holding it, and input entries that are zero on a whole line (a unit
 * perturbation, the zero-padded modes of an FNO block) are skipped, so a
 * sparse vector costs in proportion to its nonzeros.
 *
 * The arithmetic is the map's: the same coefficients, direct sums in
 * double (no FFT), so bounds are exact up to double rounding as before.
 * For one pass IBP is exactly the map's (its terms, their interval ends);
 * over several passes it goes pass by pass, sound but looser than the
 * composed map (used only where that map could not be held).
 * Not here: building the passes (spectral.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bounds_impl.h"

static int64_t units(const XPass *p, bool out) {
    return p->outer * p->inner * (out ? p->out_len * (p->out_cplx ? 2 : 1) : p->in_len * (p->in_cplx ? 2 : 1));
}

int64_t bounds_xform_units(const XForm *f, bool out) { return units(&f->pass[out ? f->np - 1 : 0], out); }

void bounds_xform_free(XForm *f) {
    if (!f) return;
    for (int p = 0; p < f->np; p++) free(f->pass[p].c);
    free(f);
}

/* How one application reads a pass: the source side (sl entries, complex
 * or not), the destination side, and its coefficient at (d, s). */
typedef struct {
    const XPass *p;
    XMode mode;
    bool tr;                 /* the transpose: conj coefficients, sides swapped */
    int64_t sl, dl, in;
    bool sc, dc;
} Side;

static Side side(const XPass *p, XMode mode, bool tr) {
    Side s = {p, mode, tr, tr ? p->out_len : p->in_len, tr ? p->in_len : p->out_len, p->inner,
              tr ? p->out_cplx : p->in_cplx, tr ? p->in_cplx : p->out_cplx};
    return s;
}

static void coef_at(const Side *s, int64_t d, int64_t src, double *cr, double *ci) {
    const XPass *p = s->p;
    int64_t o = s->tr ? src : d, i = s->tr ? d : src;
    const double *c = p->c + 2 * (i * p->out_len + o);
    *cr = c[0], *ci = s->tr ? -c[1] : c[1];
    if (s->mode == XF_MAGNITUDE) *cr = fabs(*cr), *ci = fabs(*ci);
}

/* y += a u + b v over n units, in vectors of 8 (a copy for AVX-512 is
 * chosen at run time, as in ibp.c): the inverse transform's real side,
 * where the forward mode spends its time. */
typedef double V8 __attribute__((vector_size(64)));

#define AXPY2_BODY                                                                                             \
    V8 va = {a, a, a, a, a, a, a, a}, vb = {b, b, b, b, b, b, b, b};                                           \
    int64_t q = 0;                                                                                             \
    for (; q + 8 <= n; q += 8) {                                                                               \
        V8 u8, v8, y8;                                                                                         \
        memcpy(&u8, u + q, sizeof u8), memcpy(&v8, v + q, sizeof v8), memcpy(&y8, y + q, sizeof y8);           \
        y8 += va * u8 + vb * v8;                                                                               \
        memcpy(y + q, &y8, sizeof y8);                                                                         \
    }                                                                                                          \
    for (; q < n; q++) y[q] += a * u[q] + b * v[q];

static void axpy2_generic(double *y, double a, const double *u, double b, const double *v, int64_t n) { AXPY2_BODY }

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx512f"))) static void axpy2_avx512(double *y, double a, const double *u, double b,
                                                            const double *v, int64_t n) {
    AXPY2_BODY
}
#endif

typedef void (*Axpy2)(double *, double, const double *, double, const double *, int64_t);

static Axpy2 pick_axpy2(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return axpy2_avx512;
#endif
    return axpy2_generic;
}

/* One source entry (xr, xi over the inner units) into one destination
 * entry: linear, y += c x as real units (Re c x = cr xr - ci xi, Im = ci
 * xr + cr xi; a real side drops its imaginary part); magnitude, the same
 * with every real coefficient's absolute value (x >= 0). */
static void combine(const Side *s, double cr, double ci, const double *xr, const double *xi, double *y) {
    static Axpy2 axpy2;
    if (!axpy2) axpy2 = pick_axpy2();
    int64_t in = s->in;
    double sgn = s->mode == XF_MAGNITUDE ? 1 : -1;
    if (!s->dc) {
        axpy2(y, cr, xr, sgn * ci, xi, in);
        return;
    }
    if (s->mode == XF_MAGNITUDE)
        for (int64_t q = 0; q < in; q++) y[2 * q] += cr * xr[q] + ci * xi[q], y[2 * q + 1] += ci * xr[q] + cr * xi[q];
    else
        for (int64_t q = 0; q < in; q++) y[2 * q] += cr * xr[q] - ci * xi[q], y[2 * q + 1] += ci * xr[q] + cr * xi[q];
}

/* The inner units of source entry x as real and imaginary rows (zero
 * imaginary for a real side); false when all are zero. */
static bool split(const Side *s, const double *x, double *xr, double *xi) {
    bool any = false;
    for (int64_t q = 0; q < s->in; q++) {
        xr[q] = s->sc ? x[2 * q] : x[q];
        xi[q] = s->sc ? x[2 * q + 1] : 0;
        any |= xr[q] != 0 || xi[q] != 0;
    }
    return any;
}

/* y = the pass (or its transpose) applied to x; y is overwritten. */
static void pass_apply(const XPass *p, XMode mode, bool tr, const double *x, double *y) {
    Side s = side(p, mode, tr);
    int64_t su = s.sc ? 2 : 1, du = s.dc ? 2 : 1, in = s.in;
    memset(y, 0, (size_t)(p->outer * s.dl * in * du) * sizeof *y);
    double *xr = pd_xmalloc((size_t)(2 * in) * sizeof *xr + 8), *xi = xr + in;
    for (int64_t q = 0; q < p->outer; q++)
        for (int64_t e = 0; e < s.sl; e++) {
            if (!split(&s, x + (q * s.sl + e) * in * su, xr, xi)) continue;
            for (int64_t d = 0; d < s.dl; d++) {
                double cr, ci;
                coef_at(&s, d, e, &cr, &ci);
                if (cr != 0 || ci != 0) combine(&s, cr, ci, xr, xi, y + (q * s.dl + d) * in * du);
            }
        }
    free(xr);
}

/* The largest unit count of any stage: the scratch vectors' size. */
static int64_t widest(const XForm *f) {
    int64_t w = units(&f->pass[0], false);
    for (int p = 0; p < f->np; p++) w = units(&f->pass[p], true) > w ? units(&f->pass[p], true) : w;
    return w;
}

void bounds_xform_apply(const XForm *f, XMode mode, bool transposed, const double *x, double *y) {
    if (f->np == 1) {
        pass_apply(&f->pass[0], mode, transposed, x, y);
        return;
    }
    int64_t w = widest(f);
    double *t0 = pd_xmalloc((size_t)(2 * w) * sizeof *t0 + 8), *t1 = t0 + w;
    const double *src = x;
    for (int k = 0; k < f->np; k++) {
        const XPass *p = &f->pass[transposed ? f->np - 1 - k : k];
        double *dst = k == f->np - 1 ? y : (k % 2 ? t1 : t0);
        pass_apply(p, mode, transposed, src, dst);
        src = dst;
    }
    free(t0);
}

/* ---- IBP ------------------------------------------------------------------
 * Every real term w x adds w (w >= 0 ? l : h) to the lower end and the
 * other to the upper end, as sparse.c does for a map's terms. */

static inline void ends(double w, double l, double h, double *yl, double *yh) {
    *yl += w >= 0 ? w * l : w * h;
    *yh += w >= 0 ? w * h : w * l;
}

typedef struct {
    double *lr, *li, *hr, *hi; /* the source entry's ends, inner units each */
} EntryEnds;

static bool split_ends(const Side *s, const double *lo, const double *hi, EntryEnds *e) {
    bool any = false;
    for (int64_t q = 0; q < s->in; q++) {
        e->lr[q] = s->sc ? lo[2 * q] : lo[q], e->hr[q] = s->sc ? hi[2 * q] : hi[q];
        e->li[q] = s->sc ? lo[2 * q + 1] : 0, e->hi[q] = s->sc ? hi[2 * q + 1] : 0;
        any |= e->lr[q] != 0 || e->hr[q] != 0 || e->li[q] != 0 || e->hi[q] != 0;
    }
    return any;
}

static void combine_ends(const Side *s, double cr, double ci, const EntryEnds *e, double *yl, double *yh) {
    for (int64_t q = 0; q < s->in; q++) {
        int64_t d = s->dc ? 2 * q : q;
        ends(cr, e->lr[q], e->hr[q], &yl[d], &yh[d]);
        if (s->sc) ends(-ci, e->li[q], e->hi[q], &yl[d], &yh[d]);
        if (!s->dc) continue;
        ends(ci, e->lr[q], e->hr[q], &yl[d + 1], &yh[d + 1]);
        if (s->sc) ends(cr, e->li[q], e->hi[q], &yl[d + 1], &yh[d + 1]);
    }
}

static void pass_ibp(const XPass *p, const double *lo, const double *hi, double *yl, double *yh) {
    Side s = side(p, XF_LINEAR, false);
    int64_t su = s.sc ? 2 : 1, du = s.dc ? 2 : 1, in = s.in, ny = p->outer * s.dl * in * du;
    memset(yl, 0, (size_t)ny * sizeof *yl), memset(yh, 0, (size_t)ny * sizeof *yh);
    double *buf = pd_xmalloc((size_t)(4 * in) * sizeof *buf + 8);
    EntryEnds e = {buf, buf + in, buf + 2 * in, buf + 3 * in};
    for (int64_t q = 0; q < p->outer; q++)
        for (int64_t i = 0; i < s.sl; i++) {
            int64_t at = (q * s.sl + i) * in * su;
            if (!split_ends(&s, lo + at, hi + at, &e)) continue;
            for (int64_t o = 0; o < s.dl; o++) {
                double cr, ci;
                coef_at(&s, o, i, &cr, &ci);
                int64_t to = (q * s.dl + o) * in * du;
                if (cr != 0 || ci != 0) combine_ends(&s, cr, ci, &e, yl + to, yh + to);
            }
        }
    free(buf);
}

void bounds_xform_ibp(const XForm *f, const BNode *x, BNode *y) {
    int64_t w = widest(f);
    double *t = pd_xmalloc((size_t)(4 * w) * sizeof *t + 8);
    const double *lo = x->lo, *hi = x->hi;
    for (int k = 0; k < f->np; k++) {
        bool last = k == f->np - 1;
        double *yl = last ? y->lo : t + (k % 2 ? 2 * w : 0), *yh = last ? y->hi : t + (k % 2 ? 3 * w : w);
        pass_ibp(&f->pass[k], lo, hi, yl, yh);
        lo = yl, hi = yh;
    }
    free(t);
}

/* ---- CROWN ---------------------------------------------------------------- */

void bounds_xform_back(const XForm *f, int64_t k, const double *Alo, const double *Ahi, double *Tlo, double *Thi) {
    int64_t n_out = bounds_xform_units(f, true), n_in = bounds_xform_units(f, false);
    double *t = pd_xmalloc((size_t)n_in * sizeof *t + 8);
    for (int64_t r = 0; r < 2 * k; r++) {
        const double *a = (r < k ? Alo : Ahi) + (r % k) * n_out;
        double *T = (r < k ? Tlo : Thi) + (r % k) * n_in;
        bool any = false;
        for (int64_t o = 0; o < n_out && !any; o++) any = a[o] != 0;
        if (!any) continue;
        bounds_xform_apply(f, XF_LINEAR, true, a, t);
        for (int64_t i = 0; i < n_in; i++) T[i] += t[i];
    }
    free(t);
}

/* A product of passes evaluated in sequence errs by at most
 * gamma_{k1 + k2 + ...} |T2| |T1| |x|: the lengths add, not multiply. */
double bounds_xform_terms(const XForm *f) {
    double n = 0;
    for (int p = 0; p < f->np; p++) n += (double)(f->pass[p].in_len * (f->pass[p].in_cplx ? 2 : 1));
    return n;
}
