/* bounds_impl.h — what the bounds files share: the per-node analysis state.
 * Internal to passes/bounds. */
#ifndef PD_BOUNDS_IMPL_H
#define PD_BOUNDS_IMPL_H

#include "bounds.h"

/* A linear op with constant coefficients as terms out[o] += w * in[i]
 * (sparse.c): convolutions with constant weights, average pooling. */
typedef struct {
    int64_t *out, *in;
    double *w;
    int64_t nnz, cap;
    double *bias;      /* a constant per output (pad values), or NULL */
    int64_t *first, *sin;   /* terms by output: where each output's start, */
    double *sw;             /* their inputs and weights (sparse.c, on first use) */
} SparseMap;

/* A matmul's constant weight W (K x N) as its transpose, N rows of K:
 * row j holds output j's weights, what IBP (a dot product per output)
 * and CROWN (A W^T) both read in order.  Weights are f32 values, kept
 * in f32: for x @ transpose(P) with P a parameter the rows are P's own
 * data, no copy (graph.c). */
typedef struct {
    int64_t K, N;
    const float *wt;   /* N x K */
    float *own;        /* wt when made here, else NULL */
    double wmax;       /* the largest |weight| (f32 overflow checks) */
} DenseW;

/* A transform as its one-axis passes (xform.c), for transforms whose
 * composed map is too large: pass p maps outer x inner lines of in_len
 * entries along its axis to lines of out_len, complex or real on each
 * side, by one dense matrix c of complex coefficients (re, im pairs,
 * c[2 (i out_len + o)] the coefficient of input entry i in output o). */
typedef struct {
    int64_t outer, inner, in_len, out_len;
    bool in_cplx, out_cplx;
    double *c;
} XPass;

typedef struct {
    int np;
    XPass pass[IR_MAX_RANK + 1];
} XForm;

/* LINEAR: y = T x.  MAGNITUDE: y = |T| x over real units (x >= 0; an
 * upper bound on the magnitude of every term of T x). */
typedef enum { XF_LINEAR, XF_MAGNITUDE } XMode;

typedef struct {
    bool variable;     /* depends on the input: has bounds, not a value */
    int64_t n;         /* elements */
    double *value;     /* constant nodes: the value */
    double *lo, *hi;   /* variable nodes: current bounds */
    int64_t *bcast[2]; /* binary ops: output index -> operand index */
    SparseMap *map;    /* conv, avgpool: the op as terms */
    double *rho;       /* f32 mode: bound on each element's rounding error */
    DenseW *dense;     /* matmul: its weight (graph.c) */
    uint8_t exact;     /* graph.c's Exactness: when IBP is already exact */
    XForm *xf;         /* a transform too large for map: its passes */
    bool affine;       /* an affine function of the input (affine.c) */
    bool exact_now;    /* bounds exact for the current box (affine.c) */
} BNode;

struct BoundsGraph {
    const IrGraph *g;
    IrId input, output; /* output: the value the first output node names */
    BNode *nodes;
    uint32_t count;
    const double *prior; /* bounds_use_prior's state, or NULL */
    bool f32;            /* include f32 rounding errors (rounding.c) */
    int alpha_iters;     /* alpha-CROWN: Adam steps and learning rate */
    double alpha_lr;
    int threads;         /* for the dense products and row loops */
    int64_t f32_rows;    /* dense products with this many rows or more run in
                          * f32 with an error term (crown.c); tests lower it */
    double gemm_flops, gemm_seconds; /* in the f32 products (bounds_product_stats) */
    int affine_mode;     /* AFFINE_AUTO, _OFF, _ON: exact bounds of affine nodes
                          * by forward mode instead of CROWN rows (affine.c) */
    bool no_settle;      /* tests: ReLU-input rows go the whole way (crown.c) */
    int64_t settled;     /* rows that left a pass early (crown.c's settle_rows) */
};

enum { AFFINE_AUTO, AFFINE_OFF, AFFINE_ON };

/* alpha-CROWN's free lower slopes of ReLU-like units whose sign is open,
 * one per output row, for the lower-bound pass (lo) and the upper-bound
 * pass (hi); per node id, k x n, NULL for other nodes.  The backward pass
 * records what it needs for the gradient: the coefficients that reached
 * each such node (Alo, Ahi) and the input (Ain_lo, Ain_hi, k x n_in). */
typedef struct {
    double **lo, **hi, **Alo, **Ahi;
    double *Ain_lo, *Ain_hi;
} AlphaSlopes;

/* IBP for one variable node from its operands' bounds. */
void bounds_ibp_node(BoundsGraph *b, IrId id);

/* Backward CROWN from node target with k x n(target) coefficients C and
 * offset d (NULL: 0).  Uses the bounds already set on earlier nodes for
 * the relaxations. OUT: lo[k], hi[k], and (when A_in is not NULL) the
 * lower-bound coefficients over the input, k x n(input). */
void bounds_crown(BoundsGraph *b, IrId target, const double *C, const double *d, int64_t k,
                  double *lo, double *hi, double *A_in);

/* bounds_crown for rows whose sign is all that matters (the inputs of a
 * ReLU-like unit, C without offset): a row whose sign is decided partway
 * leaves the pass with the bounds that decide it (crown.c). */
void bounds_crown_sign(BoundsGraph *b, IrId target, const double *C, int64_t k, double *lo, double *hi);

/* bounds_crown with alpha-CROWN's slopes (NULL: CROWN's own). */
void bounds_crown_alpha(BoundsGraph *b, IrId target, const double *C, const double *d, int64_t k, double *lo,
                        double *hi, double *A_in, AlphaSlopes *alpha);

/* alpha-CROWN on the output (alpha.c): starts from CROWN's slopes, keeps
 * the best bounds found; lo, hi hold bounds already proven (IBP) and are
 * only tightened.  The intermediate bounds must be set (CROWN). */
void bounds_alpha_optimize(BoundsGraph *b, const double *C, const double *d, int64_t k, double *lo, double *hi);

/* The f32 product (gemm32.c): for s = 0, 1 (the lower and the upper
 * coefficients), T[s] (m x n, row stride ldt) += A[s][:, cols] · W[cols, ocols]
 * with A[s] m rows of stride lda in double, W rows of floats (stride ldw),
 * cols kd indices, ocols n indices (NULL: 0..n-1); A[1] NULL: s = 0 only.  A is rounded to f32, products summed in f32 in short
 * runs, the runs' sums in f32, each block of runs added to T in double:
 * |T_exact - T| <= bounds_gemm_gamma(kd) |fl32(A)| |W| (real arithmetic,
 * no overflow; double rounding ignored, as everywhere in the analysis),
 * plus subnormal terms below 2^-149 per rounding. */
typedef struct {
    const double *A[2];
    double *T[2];
    int64_t lda, ldt, m, kd, n;
    const int64_t *cols, *ocols;
    const float *W;
    int64_t ldw;
    bool set;          /* T = the product (T need not be initialized) */
} Gemm32;
void bounds_gemm32(const Gemm32 *g, int threads);
double bounds_gemm_gamma(int64_t kd);

/* Row loops of the backward pass in vectors (vec.c).  relu_row: the
 * ReLU-like step for one row, lines (sl, tl) under and (su, tu) over each
 * unit, all finite; T += (set: =) the new coefficients; the offsets' sums
 * into *blo, *bhi.  dot: sum a b.  abs32_dot: sum |fl32(a)| v.  scan:
 * count[j] += (al[j] != 0) + (ah[j] != 0), differ[j] += al[j] != ah[j],
 * the largest |value| (or NaN) into *amax. */
void bounds_vec_relu_row(const double *al, const double *ah, double *Tl, double *Th, int64_t n, const double *sl,
                         const double *su, const double *tl, const double *tu, bool set, double *blo, double *bhi);
double bounds_vec_dot(const double *a, const double *b, int64_t n);
double bounds_vec_abs32_dot(const double *a, const double *v, int64_t n);
/* The largest |w| of n f32 weights (NaN if one is NaN). */
double bounds_vec_absmax32(const float *w, int64_t n);
/* sum w c and sum |w| r for a row w of f32 weights, in one pass. */
void bounds_vec_dot_zv(const float *w, const double *c, const double *r, int64_t n, double *z, double *v);
/* t += a w for a row w of f32 weights. */
void bounds_vec_axpy32(double *t, double a, const float *w, int64_t n);
/* sum a z and sum |fl32(a)| v in one pass. */
void bounds_vec_dot2(const double *a, const double *z, const double *v, int64_t n, double *az, double *av);
/* sum a (a >= 0 ? lo : hi): the row a's minimum over the box [lo, hi]
 * (its maximum: swap lo and hi). */
double bounds_vec_corner(const double *a, const double *lo, const double *hi, int64_t n);
void bounds_vec_scan(const double *al, const double *ah, int64_t n, int64_t *count, int64_t *differ, double *amax);

/* fn(ctx, lo, hi) over rows [lo, hi) that split [0, rows) between up to
 * threads threads, when work (elements touched) pays for them
 * (parallel.c). */
void bounds_parallel_rows(int64_t rows, double work, int threads, void (*fn)(void *ctx, int64_t lo, int64_t hi),
                          void *ctx);

/* One output of x @ W from its row w of W^T (K floats): the sums
 * w (w >= 0 ? lo : hi) and w (w >= 0 ? hi : lo) into *l, *h (ibp.c). */
void bounds_dot_ends(const float *w, const double *lo, const double *hi, int64_t K, double *l, double *h);

/* Slopes of the linear relaxation of a ReLU-like unit with input bounds
 * [l, u] and negative slope a (0 for ReLU): upper line su*x + tu, lower
 * line sl*x (auto_LiRPA's adaptive choice). */
void bounds_relax(double l, double u, double a, double *su, double *tu, double *sl);
/* The lines over (su x + tu) and under (sl x + tl) an activation node n's
 * unit on [l, u]: ReLU-like, S-shaped or curve (crown.c). */
void bounds_unit_lines(const IrNode *n, double l, double u, double *su, double *tu, double *sl, double *tl);

SparseMap *bounds_sparse_map(const BoundsGraph *b, const IrNode *n);
void bounds_sparse_push(SparseMap *m, int64_t out, int64_t in, double w);
void bounds_sparse_free(SparseMap *m);
void bounds_sparse_ibp(const SparseMap *m, const BNode *x, BNode *y);
/* T += A through the map's transpose (k rows); the map's constants go to
 * the offsets blo, bhi. */
void bounds_sparse_back(SparseMap *m, int64_t k, int64_t n_out, int64_t n_in, const double *Alo, const double *Ahi,
                        double *Tlo, double *Thi, double *blo, double *bhi, int threads);

/* y += the map's terms applied to x (absolute: |w| for w), without its
 * bias (affine.c's forward mode). */
void bounds_sparse_apply(SparseMap *m, int64_t n_out, const double *x, bool absolute, double *y);

/* maxpool over its window terms (sparse.c). */
void bounds_maxpool_ibp(const SparseMap *m, const BNode *x, BNode *y);
void bounds_maxpool_back(const SparseMap *m, const BNode *x, int64_t k, int64_t n_out, const double *Alo,
                         const double *Ahi, double *Tlo, double *Thi, double *blo, double *bhi);

/* f32 mode: sets node id's rounding error bounds from its current bounds
 * and widens them by it (rounding.c). */
void bounds_rounding(BoundsGraph *b, IrId id);

/* tanh or sigmoid at x. */
double bounds_smooth_f(IrOpKind op, double x);
/* Upper line su*x + tu and lower line sl*x + tl of tanh or sigmoid over
 * [l, u] (smooth.c). */
void bounds_relax_smooth(IrOpKind op, double l, double u, double *su, double *tu, double *sl, double *tl);

/* GELU or exp at x; their range over [l, u]; their upper line su*x + tu
 * and lower line sl*x + tl over [l, u] (curve.c). */
double bounds_curve_f(IrOpKind op, double x);
void bounds_curve_range(IrOpKind op, double l, double u, double *lo, double *hi);
void bounds_relax_curve(IrOpKind op, double l, double u, double *su, double *tu, double *sl, double *tl);

/* softmax over its axis (softmax.c): IBP into y, and the backward step
 * through it (T += A through the unit lines, offsets into blo, bhi). */
void bounds_softmax_ibp(const BoundsGraph *b, const IrNode *n, BNode *y);
void bounds_softmax_back(const BoundsGraph *b, const IrNode *n, const BNode *y, int64_t k, const double *Alo,
                         const double *Ahi, double *Tlo, double *Thi, double *blo, double *bhi);

/* Transforms (rfft, irfft, fft, ifft, dct, idct and their pruned forms)
 * and mix with constant weights as exact maps on real units, c64 as
 * (re, im) pairs (spectral.c); NULL with a message when too large. */
bool bounds_is_spectral(IrOpKind op);
SparseMap *bounds_spectral_map(const BoundsGraph *b, const IrNode *n, char *err, size_t errlen);
/* Sets node n's rule: a map (bn->map), or for a transform whose map is
 * too large its passes (bn->xf); false with a message when neither fits. */
bool bounds_spectral_setup(const BoundsGraph *b, const IrNode *n, BNode *bn, char *err, size_t errlen);
/* Replaces every transform's map by its passes (tests: both paths on
 * one graph). */
void bounds_spectral_use_passes(BoundsGraph *b);

/* Transforms pass by pass (xform.c).  apply: y = T x (transposed: T^T x),
 * y overwritten (bounds_xform_units of its side).  ibp: y's bounds from
 * x's.  back: T += A T for k rows of A_lo and A_hi.  terms: the K
 * of the rounding error gamma_K |T| |x| (rounding.c). */
int64_t bounds_xform_units(const XForm *f, bool out);
void bounds_xform_apply(const XForm *f, XMode mode, bool transposed, const double *x, double *y);
void bounds_xform_ibp(const XForm *f, const BNode *x, BNode *y);
void bounds_xform_back(const XForm *f, int64_t k, const double *Alo, const double *Ahi, double *Tlo, double *Thi);
double bounds_xform_terms(const XForm *f);
void bounds_xform_free(XForm *f);

/* Affine nodes (affine.c).  op: is node n affine in the input, given its
 * operands' flags (set at prepare).  exact: node id's exact bounds over
 * the current input box by forward mode, intersected with its bounds,
 * when that is cheaper than rows rows of CROWN (or forced); false when
 * not done.  diag: the output's CROWN bounds with C = identity, when it
 * is an elementwise chain over a node with exact bounds (one row per
 * unit, without k x n matrices); false when it is not. */
bool bounds_affine_op(const BoundsGraph *b, const IrNode *n);
bool bounds_affine_exact(BoundsGraph *b, IrId id, int64_t rows);
bool bounds_affine_diag(BoundsGraph *b, double *lo, double *hi);

#endif
