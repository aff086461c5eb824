/* vec.c — the backward pass's loops over whole coefficient rows, in
 * vectors of eight doubles: a ReLU-like step, dot products, the scan for
 * zero columns.  They run once per row and unit, so on wide layers they
 * cost as much as the products unless vectorized, which -O2 does not do
 * for loops with selects and sums.
 *
 * Each body is written once with GNU vector extensions and compiled
 * twice: plain (SSE2 on x86-64) and for AVX-512, chosen at run time.
 * Sums are taken in eight interleaved partial sums, then in order.
 */
#include <math.h>
#include <string.h>

#include "bounds_impl.h"

typedef double V8 __attribute__((vector_size(64)));
typedef float F8 __attribute__((vector_size(32)));
typedef long long L8 __attribute__((vector_size(64)));
typedef int I8 __attribute__((vector_size(32)));

/* By pointer: a vector argument would change the ABI between the plain
 * and the AVX-512 copies that call this. */
static inline double hsum(const V8 *v) {
    double s = 0;
    for (int i = 0; i < 8; i++) s += (*v)[i];
    return s;
}

/* x where mask, else 0 (bitwise: a comparison's mask is all ones). */
#define KEEP(x, mask) ((V8)((L8)(x) & (mask)))
#define LOAD(v, p) memcpy(&(v), (p), sizeof(v))

/* lo row: A >= 0 takes the lower line (sl, tl), A < 0 the upper (su, tu);
 * hi row the opposite.  T += (or =, with set) the new coefficients; the
 * offsets' sums are returned.  Zero coefficients add exact zeros: the
 * lines must be finite. */
#define RELU_ROW_BODY                                                                                          \
    V8 bl = {0}, bh = {0};                                                                                     \
    int64_t i = 0;                                                                                             \
    for (; i + 8 <= n; i += 8) {                                                                               \
        V8 a, h, s_l, s_u, t_l, t_u, zl = {0}, zh = {0};                                                       \
        LOAD(a, al + i), LOAD(h, ah + i), LOAD(s_l, sl + i), LOAD(s_u, su + i), LOAD(t_l, tl + i);             \
        LOAD(t_u, tu + i);                                                                                     \
        V8 ap = KEEP(a, a > 0), an = KEEP(a, a < 0), hp = KEEP(h, h > 0), hn = KEEP(h, h < 0);                  \
        if (!set) LOAD(zl, Tl + i), LOAD(zh, Th + i);                                                          \
        zl += ap * s_l + an * s_u, zh += hp * s_u + hn * s_l;                                                  \
        memcpy(Tl + i, &zl, sizeof zl), memcpy(Th + i, &zh, sizeof zh);                                        \
        bl += ap * t_l + an * t_u, bh += hp * t_u + hn * t_l;                                                  \
    }                                                                                                          \
    double sbl = hsum(&bl), sbh = hsum(&bh);                                                                     \
    for (; i < n; i++) {                                                                                       \
        double ap = al[i] > 0 ? al[i] : 0, an = al[i] < 0 ? al[i] : 0;                                         \
        double hp = ah[i] > 0 ? ah[i] : 0, hn = ah[i] < 0 ? ah[i] : 0;                                         \
        double zl = (set ? 0 : Tl[i]) + (ap * sl[i] + an * su[i]);                                             \
        double zh = (set ? 0 : Th[i]) + (hp * su[i] + hn * sl[i]);                                             \
        Tl[i] = zl, Th[i] = zh;                                                                                \
        sbl += ap * tl[i] + an * tu[i], sbh += hp * tu[i] + hn * tl[i];                                        \
    }                                                                                                          \
    *blo = sbl, *bhi = sbh;

#define DOT_BODY                                                                                               \
    V8 s = {0};                                                                                                \
    int64_t i = 0;                                                                                             \
    for (; i + 8 <= n; i += 8) {                                                                               \
        V8 x, y;                                                                                               \
        LOAD(x, a + i), LOAD(y, b + i);                                                                        \
        s += x * y;                                                                                            \
    }                                                                                                          \
    double r = hsum(&s);                                                                                        \
    for (; i < n; i++) r += a[i] * b[i];                                                                       \
    return r;

/* sum |fl32(a)| v: the magnitudes the f32 product saw. */
#define ABS32_DOT_BODY                                                                                         \
    V8 s = {0};                                                                                                \
    int64_t i = 0;                                                                                             \
    const long long M = 0x7fffffffffffffffLL;                                                                  \
    const L8 nosign = {M, M, M, M, M, M, M, M};                                                                \
    for (; i + 8 <= n; i += 8) {                                                                               \
        V8 x, y;                                                                                               \
        LOAD(x, a + i), LOAD(y, v + i);                                                                        \
        V8 r32 = __builtin_convertvector(__builtin_convertvector(x, F8), V8);                                  \
        s += KEEP(r32, nosign) * y;                                                                            \
    }                                                                                                          \
    double r = hsum(&s);                                                                                        \
    for (; i < n; i++) {                                                                                       \
        double x = (double)(float)a[i];                                                                        \
        r += (x < 0 ? -x : x) * v[i];                                                                          \
    }                                                                                                          \
    return r;

#define DOT2_BODY                                                                                              \
    const long long M = 0x7fffffffffffffffLL;                                                                  \
    const L8 nosign = {M, M, M, M, M, M, M, M};                                                                \
    V8 sz = {0}, sv = {0};                                                                                     \
    int64_t i = 0;                                                                                             \
    for (; i + 8 <= n; i += 8) {                                                                               \
        V8 x, y, u;                                                                                            \
        LOAD(x, a + i), LOAD(y, z + i), LOAD(u, v + i);                                                        \
        V8 r32 = __builtin_convertvector(__builtin_convertvector(x, F8), V8);                                  \
        sz += x * y, sv += KEEP(r32, nosign) * u;                                                              \
    }                                                                                                          \
    double rz = hsum(&sz), rv = hsum(&sv);                                                                       \
    for (; i < n; i++) {                                                                                       \
        double x = (double)(float)a[i];                                                                        \
        rz += a[i] * z[i], rv += (x < 0 ? -x : x) * v[i];                                                      \
    }                                                                                                          \
    *az = rz, *av = rv;

/* max |w| over f32 weights, NaN if any is NaN. */
#define ABSMAX32_BODY                                                                                          \
    F8 m8 = {0};                                                                                               \
    const int M = 0x7fffffff;                                                                                  \
    const I8 nosign = {M, M, M, M, M, M, M, M};                                                                \
    I8 nan8 = {0};                                                                                             \
    int64_t i = 0;                                                                                             \
    for (; i + 8 <= n; i += 8) {                                                                               \
        F8 x;                                                                                                  \
        LOAD(x, w + i);                                                                                        \
        x = (F8)((I8)x & nosign);                                                                              \
        nan8 |= x != x;                                                                                        \
        I8 g = x > m8;                                                                                         \
        m8 = (F8)(((I8)x & g) | ((I8)m8 & ~g));                                                                \
    }                                                                                                          \
    double m = 0;                                                                                              \
    bool nan = false;                                                                                          \
    for (int j = 0; j < 8; j++) m = m8[j] > m ? m8[j] : m, nan |= nan8[j] != 0;                                \
    for (; i < n; i++) {                                                                                       \
        double a = w[i] < 0 ? -(double)w[i] : (double)w[i];                                                    \
        m = a > m ? a : m, nan |= a != a;                                                                      \
    }                                                                                                          \
    return nan ? (double)NAN : m;

/* sum w c and sum |w| r over f32 weights w, in one pass. */
#define DOT_ZV_BODY                                                                                            \
    const long long M = 0x7fffffffffffffffLL;                                                                  \
    const L8 nosign = {M, M, M, M, M, M, M, M};                                                                \
    V8 sz = {0}, sv = {0};                                                                                     \
    int64_t i = 0;                                                                                             \
    for (; i + 8 <= n; i += 8) {                                                                               \
        F8 wf;                                                                                                 \
        V8 x, y;                                                                                               \
        LOAD(wf, w + i), LOAD(x, c + i), LOAD(y, r + i);                                                       \
        V8 wd = __builtin_convertvector(wf, V8);                                                               \
        sz += wd * x, sv += KEEP(wd, nosign) * y;                                                              \
    }                                                                                                          \
    double rz = hsum(&sz), rv = hsum(&sv);                                                                     \
    for (; i < n; i++) rz += (double)w[i] * c[i], rv += (w[i] < 0 ? -(double)w[i] : (double)w[i]) * r[i];      \
    *z = rz, *v = rv;

/* t += a w, w in f32. */
#define AXPY32_BODY                                                                                            \
    int64_t i = 0;                                                                                             \
    for (; i + 8 <= n; i += 8) {                                                                               \
        F8 wf;                                                                                                 \
        V8 x;                                                                                                  \
        LOAD(wf, w + i), LOAD(x, t + i);                                                                       \
        x += a * __builtin_convertvector(wf, V8);                                                              \
        memcpy(t + i, &x, sizeof x);                                                                           \
    }                                                                                                          \
    for (; i < n; i++) t[i] += a * (double)w[i];

/* sum a (a >= 0 ? lo : hi): a row's minimum over a box. */
#define CORNER_BODY                                                                                            \
    V8 s = {0};                                                                                                \
    int64_t i = 0;                                                                                             \
    for (; i + 8 <= n; i += 8) {                                                                               \
        V8 x, l, h;                                                                                            \
        LOAD(x, a + i), LOAD(l, lo + i), LOAD(h, hi + i);                                                      \
        L8 pos = x >= 0;                                                                                       \
        s += x * (V8)(((L8)l & pos) | ((L8)h & ~pos));                                                         \
    }                                                                                                          \
    double r = hsum(&s);                                                                                        \
    for (; i < n; i++) r += a[i] >= 0 ? a[i] * lo[i] : a[i] * hi[i];                                           \
    return r;

/* count[j] += (al[j] != 0) + (ah[j] != 0), differ[j] += al[j] != ah[j];
 * the largest |value| (NaN if any is NaN) into *amax. */
#define SCAN_BODY                                                                                              \
    const long long M = 0x7fffffffffffffffLL;                                                                  \
    const L8 nosign = {M, M, M, M, M, M, M, M};                                                                \
    V8 m8 = {0};                                                                                               \
    L8 nan8 = {0};                                                                                             \
    int64_t i = 0;                                                                                             \
    for (; i + 8 <= n; i += 8) {                                                                               \
        V8 x, y;                                                                                               \
        L8 c, d;                                                                                               \
        LOAD(x, al + i), LOAD(y, ah + i), LOAD(c, count + i), LOAD(d, differ + i);                              \
        c -= (x != 0) + (y != 0); /* a true comparison is -1 */                                                \
        d -= x != y;                                                                                           \
        memcpy(count + i, &c, sizeof c), memcpy(differ + i, &d, sizeof d);                                     \
        x = KEEP(x, nosign), y = KEEP(y, nosign);                                                              \
        nan8 |= (x != x) | (y != y);                                                                           \
        L8 gx = x > m8;                                                                                        \
        m8 = (V8)(((L8)x & gx) | ((L8)m8 & ~gx));                                                              \
        L8 gy = y > m8;                                                                                        \
        m8 = (V8)(((L8)y & gy) | ((L8)m8 & ~gy));                                                              \
    }                                                                                                          \
    double m = *amax;                                                                                          \
    for (int j = 0; j < 8; j++) {                                                                              \
        m = m8[j] > m ? m8[j] : m;                                                                             \
        if (nan8[j]) m = (double)NAN;                                                                          \
    }                                                                                                          \
    for (; i < n; i++) {                                                                                       \
        double x = al[i] < 0 ? -al[i] : al[i], y = ah[i] < 0 ? -ah[i] : ah[i];                                 \
        count[i] += (al[i] != 0) + (ah[i] != 0), differ[i] += al[i] != ah[i];                                  \
        m = x > m || x != x ? x : m;                                                                           \
        m = y > m || y != y ? y : m;                                                                           \
    }                                                                                                          \
    *amax = m;

#define DEFINE_COPY(ATTR, SUFFIX)                                                                              \
    ATTR static void relu_row_##SUFFIX(const double *al, const double *ah, double *Tl, double *Th, int64_t n,  \
                                       const double *sl, const double *su, const double *tl, const double *tu, \
                                       bool set, double *blo, double *bhi) {                                   \
        RELU_ROW_BODY                                                                                          \
    }                                                                                                          \
    ATTR static double dot_##SUFFIX(const double *a, const double *b, int64_t n) { DOT_BODY }                  \
    ATTR static double corner_##SUFFIX(const double *a, const double *lo, const double *hi, int64_t n) {       \
        CORNER_BODY                                                                                            \
    }                                                                                                          \
    ATTR static void dot2_##SUFFIX(const double *a, const double *z, const double *v, int64_t n, double *az,    \
                                   double *av) {                                                               \
        DOT2_BODY                                                                                              \
    }                                                                                                          \
    ATTR static void axpy32_##SUFFIX(double *t, double a, const float *w, int64_t n) { AXPY32_BODY }            \
    ATTR static double absmax32_##SUFFIX(const float *w, int64_t n) { ABSMAX32_BODY }                          \
    ATTR static void dot_zv_##SUFFIX(const float *w, const double *c, const double *r, int64_t n, double *z,   \
                                     double *v) {                                                              \
        DOT_ZV_BODY                                                                                            \
    }                                                                                                          \
    ATTR static double abs32_dot_##SUFFIX(const double *a, const double *v, int64_t n) { ABS32_DOT_BODY }      \
    ATTR static void scan_##SUFFIX(const double *al, const double *ah, int64_t n, int64_t *count, int64_t *differ, \
                                   double *amax) {                                                             \
        SCAN_BODY                                                                                              \
    }

DEFINE_COPY(, generic)
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_AVX512_COPY 1
DEFINE_COPY(__attribute__((target("avx512f"))), avx512)
#endif

static bool use_avx512(void) {
    static int v = -1;
#ifdef HAVE_AVX512_COPY
    if (v < 0) __builtin_cpu_init(), v = __builtin_cpu_supports("avx512f") != 0;
#else
    v = 0;
#endif
    return v;
}

#ifdef HAVE_AVX512_COPY
#define PICK(name) (use_avx512() ? name##_avx512 : name##_generic)
#else
#define PICK(name) name##_generic
#endif

void bounds_vec_relu_row(const double *al, const double *ah, double *Tl, double *Th, int64_t n, const double *sl,
                         const double *su, const double *tl, const double *tu, bool set, double *blo, double *bhi) {
    PICK(relu_row)(al, ah, Tl, Th, n, sl, su, tl, tu, set, blo, bhi);
}

double bounds_vec_dot(const double *a, const double *b, int64_t n) { return PICK(dot)(a, b, n); }

double bounds_vec_corner(const double *a, const double *lo, const double *hi, int64_t n) {
    return PICK(corner)(a, lo, hi, n);
}

void bounds_vec_dot2(const double *a, const double *z, const double *v, int64_t n, double *az, double *av) {
    PICK(dot2)(a, z, v, n, az, av);
}

double bounds_vec_absmax32(const float *w, int64_t n) { return PICK(absmax32)(w, n); }

void bounds_vec_dot_zv(const float *w, const double *c, const double *r, int64_t n, double *z, double *v) {
    PICK(dot_zv)(w, c, r, n, z, v);
}

void bounds_vec_axpy32(double *t, double a, const float *w, int64_t n) { PICK(axpy32)(t, a, w, n); }

double bounds_vec_abs32_dot(const double *a, const double *v, int64_t n) { return PICK(abs32_dot)(a, v, n); }

void bounds_vec_scan(const double *al, const double *ah, int64_t n, int64_t *count, int64_t *differ, double *amax) {
    PICK(scan)(al, ah, n, count, differ, amax);
}
