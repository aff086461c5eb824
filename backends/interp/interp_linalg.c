/* interp_linalg.c — the interpreter's contractions: matmul, conv1d/2d, mix.
 *
 * Each kernel first converts the operand it streams through its innermost
 * loop (the right-hand matrix, the repacked conv weights, one mix weight
 * slice) to double once, then accumulates every output row in a double
 * (or double complex) buffer and rounds once on the store.  Integer
 * matmul accumulates in wrapping 64-bit arithmetic instead.
 *
 * conv1d runs as conv2d with a height of 1; both use PyTorch's weight
 * layout [Cout, Cin/groups, (KH,) KW] on channels-last activations.
 */
#include <stdlib.h>
#include <string.h>

#include "interp_impl.h"

/* ---- matmul ------------------------------------------------------------- */

typedef struct {
    int64_t m, k, nn;       /* out[m, nn] = a[m, k] @ b[k, nn] per batch */
    uint32_t brank;         /* number of batch axes of out */
    int64_t bdims[IR_MAX_RANK];
    int64_t ast[IR_MAX_RANK], bst[IR_MAX_RANK]; /* batch strides in elements, 0 = broadcast */
} MatShape;

static void batch_strides(const PdrtTensor *t, const MatShape *s, int64_t *st)
{
    uint32_t tb = t->rank - 2, lead = s->brank - tb;
    int64_t mat = t->dims[t->rank - 1] * t->dims[t->rank - 2], cst[IR_MAX_RANK];
    interp_strides(t->dims, tb, cst);
    for (uint32_t d = 0; d < s->brank; d++)
        st[d] = d < lead || t->dims[d - lead] == 1 ? 0 : cst[d - lead] * mat;
}

static MatShape mat_shape(const PdrtTensor *a, const PdrtTensor *b, const PdrtTensor *out)
{
    MatShape s = {.m = a->dims[a->rank - 2], .k = a->dims[a->rank - 1],
                  .nn = b->dims[b->rank - 1], .brank = out->rank - 2};
    memcpy(s.bdims, out->dims, s.brank * sizeof s.bdims[0]);
    batch_strides(a, &s, s.ast);
    batch_strides(b, &s, s.bst);
    return s;
}

/* One real product; bd is b's matrix already in double. */
static void mm_real(const PdrtTensor *a, int64_t ao, const double *bd, const MatShape *s,
                    double *acc, PdrtTensor *out, int64_t oo)
{
    for (int64_t i = 0; i < s->m; i++) {
        memset(acc, 0, (size_t)s->nn * sizeof *acc);
        for (int64_t kk = 0; kk < s->k; kk++) {
            double av = interp_ld_real(a->data, a->dtype, ao + i * s->k + kk);
            const double *row = bd + kk * s->nn;
            for (int64_t j = 0; j < s->nn; j++)
                acc[j] += av * row[j];
        }
        for (int64_t j = 0; j < s->nn; j++)
            interp_st_real(out->data, out->dtype, oo + i * s->nn + j, acc[j]);
    }
}

static void mm_cplx(const PdrtTensor *a, int64_t ao, const Cplx *bc, const MatShape *s,
                    Cplx *acc, PdrtTensor *out, int64_t oo)
{
    for (int64_t i = 0; i < s->m; i++) {
        for (int64_t j = 0; j < s->nn; j++)
            acc[j] = 0;
        for (int64_t kk = 0; kk < s->k; kk++) {
            Cplx av = interp_ld_cplx(a->data, a->dtype, ao + i * s->k + kk);
            const Cplx *row = bc + kk * s->nn;
            for (int64_t j = 0; j < s->nn; j++)
                acc[j] += av * row[j];
        }
        for (int64_t j = 0; j < s->nn; j++)
            interp_st_cplx(out->data, oo + i * s->nn + j, acc[j]);
    }
}

static void mm_int(const int64_t *a, const int64_t *b, const MatShape *s, int64_t *o)
{
    for (int64_t i = 0; i < s->m; i++)
        for (int64_t j = 0; j < s->nn; j++) {
            uint64_t acc = 0;
            for (int64_t kk = 0; kk < s->k; kk++)
                acc += (uint64_t)a[i * s->k + kk] * (uint64_t)b[kk * s->nn + j];
            o[i * s->nn + j] = (int64_t)acc;
        }
}

/* Converts b's matrix at offset bo to double (or complex) scratch. */
static void load_rhs(const PdrtTensor *b, int64_t bo, int64_t cnt, void *buf, bool cplx)
{
    for (int64_t i = 0; i < cnt; i++) {
        if (cplx)
            ((Cplx *)buf)[i] = interp_ld_cplx(b->data, b->dtype, bo + i);
        else
            ((double *)buf)[i] = interp_ld_real(b->data, b->dtype, bo + i);
    }
}

void interp_matmul(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    (void)n; /* the shapes in the tensors say all this op needs */
    const PdrtTensor *a = &in[0], *b = &in[1];
    MatShape s = mat_shape(a, b, out);
    bool cplx = out->dtype == PDRT_C64, isint = out->dtype == PDRT_I64;
    int64_t nb = interp_numel(s.bdims, s.brank), kn = s.k * s.nn, idx[IR_MAX_RANK] = {0};
    void *bbuf = pd_xmalloc((size_t)(kn ? kn : 1) * sizeof(Cplx));
    void *acc = pd_xmalloc((size_t)(s.nn ? s.nn : 1) * sizeof(Cplx));
    int64_t ao = 0, bo = 0, loaded = -1;
    for (int64_t bi = 0; bi < nb; bi++) {
        int64_t oo = bi * s.m * s.nn;
        if (isint) {
            mm_int((const int64_t *)a->data + ao, (const int64_t *)b->data + bo, &s,
                   (int64_t *)out->data + oo);
        } else {
            if (bo != loaded)  /* a broadcast b is converted once */
                load_rhs(b, bo, kn, bbuf, cplx);
            loaded = bo;
            if (cplx)
                mm_cplx(a, ao, bbuf, &s, acc, out, oo);
            else
                mm_real(a, ao, bbuf, &s, acc, out, oo);
        }
        for (uint32_t d = s.brank; d-- > 0;) {  /* odometer over batch axes */
            ao += s.ast[d];
            bo += s.bst[d];
            if (++idx[d] < s.bdims[d])
                break;
            ao -= s.ast[d] * s.bdims[d];
            bo -= s.bst[d] * s.bdims[d];
            idx[d] = 0;
        }
    }
    free(bbuf);
    free(acc);
}

/* ---- conv ----------------------------------------------------------------- */

typedef struct {
    int64_t b, h, w, cin;            /* input */
    int64_t oh, ow, cout;            /* output */
    int64_t kh, kw, groups, cig, cog;
    int64_t sh, sw, ph, pw, dh, dw;  /* stride, leading padding, dilation */
} ConvShape;

static ConvShape conv_shape(const IrNode *n, const PdrtTensor *x, const PdrtTensor *wt,
                            const PdrtTensor *out)
{
    bool one = n->op == IR_OP_CONV1D;
    uint32_t nsp = one ? 1 : 2, s = one ? 0 : 1; /* s: index of the width axis in attrs */
    ConvShape c = {.b = x->dims[0], .h = one ? 1 : x->dims[1], .w = x->dims[1 + s],
                   .cin = x->dims[2 + s], .oh = one ? 1 : out->dims[1], .ow = out->dims[1 + s],
                   .cout = out->dims[2 + s], .kh = one ? 1 : wt->dims[2],
                   .kw = wt->dims[2 + s], .groups = ir_get_int(n, "groups")};
    c.cig = wt->dims[1];
    c.cog = c.cout / c.groups;
    c.sh = one ? 1 : interp_spatial_attr(n, "stride", 0, nsp);
    c.sw = interp_spatial_attr(n, "stride", s, nsp);
    c.ph = one ? 0 : interp_spatial_attr(n, "padding", 0, nsp);
    c.pw = interp_spatial_attr(n, "padding", s, nsp);
    c.dh = one ? 1 : interp_spatial_attr(n, "dilation", 0, nsp);
    c.dw = interp_spatial_attr(n, "dilation", s, nsp);
    return c;
}

/* Weights as double [kh][kw][ci within group][cout], so the innermost
 * loop runs over contiguous output channels. */
static double *repack_weights(const PdrtTensor *wt, const ConvShape *c)
{
    double *r = pd_xmalloc((size_t)(c->kh * c->kw * c->cig * c->cout + 1) * sizeof *r);
    for (int64_t co = 0; co < c->cout; co++)
        for (int64_t ci = 0; ci < c->cig; ci++)
            for (int64_t y = 0; y < c->kh; y++)
                for (int64_t x = 0; x < c->kw; x++)
                    r[((y * c->kw + x) * c->cig + ci) * c->cout + co] = interp_ld_real(
                        wt->data, wt->dtype, ((co * c->cig + ci) * c->kh + y) * c->kw + x);
    return r;
}

/* acc[cout] += the contribution of input pixel xo through tap (y, x). */
static void conv_tap(const PdrtTensor *xt, int64_t xo, const double *wtap, const ConvShape *c,
                     double *acc)
{
    for (int64_t g = 0; g < c->groups; g++)
        for (int64_t ci = 0; ci < c->cig; ci++) {
            double xv = interp_ld_real(xt->data, xt->dtype, xo + g * c->cig + ci);
            const double *wr = wtap + ci * c->cout + g * c->cog;
            double *ar = acc + g * c->cog;
            for (int64_t co = 0; co < c->cog; co++)
                ar[co] += xv * wr[co];
        }
}

static void conv_pixel(const PdrtTensor *xt, const double *wr, const ConvShape *c, int64_t b,
                       int64_t oy, int64_t ox, double *acc)
{
    memset(acc, 0, (size_t)c->cout * sizeof *acc);
    for (int64_t y = 0; y < c->kh; y++) {
        int64_t iy = oy * c->sh - c->ph + y * c->dh;
        if (iy < 0 || iy >= c->h)
            continue;
        for (int64_t x = 0; x < c->kw; x++) {
            int64_t ix = ox * c->sw - c->pw + x * c->dw;
            if (ix < 0 || ix >= c->w)
                continue;
            conv_tap(xt, ((b * c->h + iy) * c->w + ix) * c->cin,
                     wr + (y * c->kw + x) * c->cig * c->cout, c, acc);
        }
    }
}

void interp_conv(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    ConvShape c = conv_shape(n, &in[0], &in[1], out);
    double *wr = repack_weights(&in[1], &c);
    double *acc = pd_xmalloc((size_t)(c.cout + 1) * sizeof *acc);
    for (int64_t b = 0; b < c.b; b++)
        for (int64_t oy = 0; oy < c.oh; oy++)
            for (int64_t ox = 0; ox < c.ow; ox++) {
                conv_pixel(&in[0], wr, &c, b, oy, ox, acc);
                int64_t oo = ((b * c.oh + oy) * c.ow + ox) * c.cout;
                for (int64_t co = 0; co < c.cout; co++)
                    interp_st_real(out->data, out->dtype, oo + co, acc[co]);
            }
    free(wr);
    free(acc);
}

/* ---- mix ------------------------------------------------------------------ */

/* out[b, s, o] = sum_i x[b, s, i] * w[i, o, s], s the flattened S... */
void interp_mix(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    (void)n; /* the shapes in the tensors say all this op needs */
    const PdrtTensor *x = &in[0], *w = &in[1];
    int64_t ci = w->dims[0], co = w->dims[1], nb = x->dims[0];
    int64_t p = interp_numel(w->dims + 2, w->rank - 2);
    Cplx *ws = pd_xmalloc((size_t)(ci * co + 1) * sizeof *ws);
    Cplx *acc = pd_xmalloc((size_t)(co + 1) * sizeof *acc);
    bool cplx = out->dtype == PDRT_C64;
    for (int64_t s = 0; s < p; s++) {
        for (int64_t k = 0; k < ci * co; k++)  /* w[:, :, s] */
            ws[k] = interp_ld_cplx(w->data, w->dtype, k * p + s);
        for (int64_t b = 0; b < nb; b++) {
            for (int64_t o = 0; o < co; o++)
                acc[o] = 0;
            for (int64_t i = 0; i < ci; i++) {
                Cplx xv = interp_ld_cplx(x->data, x->dtype, (b * p + s) * ci + i);
                for (int64_t o = 0; o < co; o++)
                    acc[o] += xv * ws[i * co + o];
            }
            for (int64_t o = 0; o < co; o++) {
                if (cplx)
                    interp_st_cplx(out->data, (b * p + s) * co + o, acc[o]);
                else
                    interp_st_real(out->data, out->dtype, (b * p + s) * co + o, creal(acc[o]));
            }
        }
    }
    free(ws);
    free(acc);
}
