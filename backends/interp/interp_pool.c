/* interp_pool.c — the interpreter's pooling: maxpool1d/2d, avgpool1d/2d
 * on channels-last activations ([B, L, C] and [B, H, W, C]).
 *
 * The 1-d ops run as 2-d ones with a height of 1.  Max pooling treats
 * padding as -inf (taps outside the input are skipped) and propagates nan
 * as PyTorch does; average pooling counts padding as zeros, always
 * dividing by the full kernel area (count_include_pad=True).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interp_impl.h"

typedef struct {
    int64_t b, h, w, c, oh, ow;
    int64_t kh, kw, sh, sw, ph, pw;
} PoolShape;

static PoolShape pool_shape(const IrNode *n, const PdrtTensor *x, const PdrtTensor *out)
{
    bool one = n->op == IR_OP_MAXPOOL1D || n->op == IR_OP_AVGPOOL1D;
    uint32_t nsp = one ? 1 : 2, s = one ? 0 : 1;
    PoolShape p = {.b = x->dims[0], .h = one ? 1 : x->dims[1], .w = x->dims[1 + s],
                   .c = x->dims[2 + s], .oh = one ? 1 : out->dims[1], .ow = out->dims[1 + s]};
    p.kh = one ? 1 : interp_spatial_attr(n, "kernel", 0, nsp);
    p.kw = interp_spatial_attr(n, "kernel", s, nsp);
    p.sh = one ? 1 : interp_spatial_attr(n, "stride", 0, nsp);
    p.sw = interp_spatial_attr(n, "stride", s, nsp);
    p.ph = one ? 0 : interp_spatial_attr(n, "padding", 0, nsp);
    p.pw = interp_spatial_attr(n, "padding", s, nsp);
    return p;
}

/* acc[0..c) = max or sum over the window of output pixel (oy, ox). */
static void pool_window(const PdrtTensor *x, const PoolShape *p, bool max, int64_t b,
                        int64_t oy, int64_t ox, double *acc)
{
    for (int64_t ch = 0; ch < p->c; ch++)
        acc[ch] = max ? -INFINITY : 0.0;
    for (int64_t y = 0; y < p->kh; y++) {
        int64_t iy = oy * p->sh - p->ph + y;
        if (iy < 0 || iy >= p->h)
            continue;
        for (int64_t xx = 0; xx < p->kw; xx++) {
            int64_t ix = ox * p->sw - p->pw + xx;
            if (ix < 0 || ix >= p->w)
                continue;
            int64_t base = ((b * p->h + iy) * p->w + ix) * p->c;
            for (int64_t ch = 0; ch < p->c; ch++) {
                double v = interp_ld_real(x->data, x->dtype, base + ch);
                if (!max)
                    acc[ch] += v;
                else if (isnan(v) || v > acc[ch])
                    acc[ch] = isnan(acc[ch]) ? acc[ch] : v;
            }
        }
    }
}

void interp_pool(const IrNode *n, const PdrtTensor *in, PdrtTensor *out)
{
    PoolShape p = pool_shape(n, &in[0], out);
    bool max = n->op == IR_OP_MAXPOOL1D || n->op == IR_OP_MAXPOOL2D;
    double *acc = pd_xmalloc((size_t)(p.c + 1) * sizeof *acc);
    double area = (double)(p.kh * p.kw);
    for (int64_t b = 0; b < p.b; b++)
        for (int64_t oy = 0; oy < p.oh; oy++)
            for (int64_t ox = 0; ox < p.ow; ox++) {
                pool_window(&in[0], &p, max, b, oy, ox, acc);
                int64_t oo = ((b * p.oh + oy) * p.ow + ox) * p.c;
                for (int64_t ch = 0; ch < p.c; ch++)
                    interp_st_real(out->data, out->dtype, oo + ch, max ? acc[ch] : acc[ch] / area);
            }
    free(acc);
}
