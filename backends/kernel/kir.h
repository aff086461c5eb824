/* kir.h — the kernel IR: a renderer-neutral, loop-level program.
 *
 * A program is a list of buffers and a list of kernels that run in order.
 * A loop kernel iterates over its output's shape (one loop variable per
 * dimension, the last one contiguous and vectorizable), optionally runs a
 * reduction nest inside (more loop variables, one or two accumulators),
 * and stores one expression per point.  Expressions are real scalars only:
 * complex values were split into (re, im) pairs during lowering, so a
 * renderer needs no complex type.  Loads address buffers by index
 * expressions over the loop variables: affine terms plus floor division,
 * modulo, clamping and lookups in constant tables (gather).  Padding is a
 * select between a load at a clamped index and the fill value, so every
 * load is in bounds and every expression may be evaluated unconditionally
 * (renderers emit straight-line code that vectorizes).  A transform kernel is a call into the runtime's FFT (FFTW in
 * the C renderer, device kernels later).
 *
 * Renderers (backends/c, backends/opencl) print this IR; target
 * specifics (spellings, parallel mapping, vector types) stay in them.
 * What this module does not do: decide groups (passes/fusion) or memory
 * offsets (memplan.c).
 */
#ifndef PD_KIR_H
#define PD_KIR_H

#include "../../ir/ir.h"
#include "../../passes/fusion.h"

typedef uint32_t KId; /* index of an expression or index node */
#define KIR_NONE UINT32_MAX

/* ---- index expressions (int64 arithmetic on loop variables) ---------- */
typedef enum { KI_VAR, KI_CONST, KI_ADD, KI_MUL, KI_DIV, KI_MOD, KI_LOOKUP, KI_CLAMP } KIdxKind;

typedef struct {
    KIdxKind kind;
    int64_t c;   /* VAR: loop variable; CONST: value; MUL/DIV/MOD: constant factor; LOOKUP: table */
    KId a, b;    /* operands (ADD: a + b; MUL: a * c; DIV: a / c; MOD: a % c; LOOKUP: table[a];
                    CLAMP: a clamped to [0, c)) */
} KIdx;

/* ---- scalar expressions ------------------------------------------------ */
typedef enum {
    KX_CONST,   /* value */
    KX_LOAD,    /* buf[index] (index counts scalars: a c64 element is two) */
    KX_ACC,     /* accumulator number lo (in a reduction's result) */
    KX_UNARY,   /* op(a): an elementwise IR op (neg, exp, relu, cast, ...) */
    KX_BINARY,  /* op(a, b): add sub mul div max min pow */
    KX_SELECT,  /* a ? b : c, a a condition */
    KX_INRANGE, /* condition: lo <= index < hi */
    KX_NONZERO, /* condition: a != 0 */
    KX_OR,      /* condition: a || b */
} KExprKind;

typedef struct {
    KExprKind kind;
    IrOpKind op;    /* UNARY, BINARY */
    IrDType dtype;  /* f32, f64 or i64; conditions are f32 */
    KId a, b, c;
    double value;   /* CONST; LEAKY_RELU alpha */
    uint32_t buf;   /* LOAD */
    KId index;      /* LOAD, INRANGE */
    int64_t lo, hi; /* INRANGE */
} KExpr;

/* ---- buffers ------------------------------------------------------------ */
typedef enum { KB_INPUT, KB_OUTPUT, KB_WEIGHT, KB_ARENA } KBufClass;

typedef struct {
    KBufClass cls;
    IrDType dtype;     /* scalar type of its elements (c64 is stored as f32 pairs) */
    int64_t scalars;   /* number of scalars (c64 elements count twice) */
    uint32_t slot;     /* INPUT/OUTPUT: position in the API */
    size_t offset;     /* WEIGHT: in the weights blob; ARENA: in the arena (memplan) */
    IrId value;        /* WEIGHT: the const or param node it holds */
    const void *data;  /* WEIGHT: data of its own (a packed layout), else NULL: value's */
    uint32_t def, last;/* ARENA: first and last kernel touching it (memplan) */
    uint32_t inplace_of; /* ARENA: the buffer it shares memory with, or KIR_NONE */
} KBuf;

/* ---- kernels ------------------------------------------------------------ */
typedef enum { KK_LOOP, KK_FFT, KK_GEMM } KKernelKind;

/* Columns per panel of a packed GEMM operand: B [K, N] is stored as
 * ceil(N / KIR_NR) panels of [K][KIR_NR] floats, zero-padded, so a
 * micro-kernel streams it with aligned vector loads of any width up to
 * 16 floats. */
#define KIR_NR 32

typedef enum { KF_R2C, KF_C2R, KF_C2C_FWD, KF_C2C_BWD, KF_DCT, KF_IDCT } KFftKind;

#define KIR_MAX_VARS (2 * IR_MAX_RANK)

typedef struct {
    KKernelKind kind;
    uint32_t group;      /* fusion group it comes from */
    const char *name;    /* k<N>_<op>: identifiers made of op names only */
    uint32_t out;        /* buffer stored */
    /* KK_LOOP */
    uint32_t rank;       /* output loop variables 0..rank-1 */
    int64_t ext[KIR_MAX_VARS]; /* extents of all variables: output, then reduction */
    uint32_t nred;       /* reduction variables rank..rank+nred-1 */
    IrOpKind red_op;     /* IR_OP_SUM, IR_OP_REDUCE_MAX or IR_OP_REDUCE_MIN */
    bool vector_out;     /* the output's last axis is contiguous in what the body reads:
                            a renderer may put it innermost, inside the reduction */
    uint32_t nacc;       /* accumulators (2 for complex); 0 without reduction */
    IrDType acc_dtype;
    KId body[2];         /* accumulated per reduction point */
    uint32_t nstore;     /* values stored per output point: 1, or 2 for complex */
    KId store[2];        /* stored at scalar nstore * linear + i */
    /* KK_GEMM: out[m, n] = epilogue(sum_k in[m * k_dim + k] * B[k, n]), B
       packed in buffer `packed`; rows m run over the output's leading
       dimensions (ext[0..rank-1)), n over its last; store[0] sees the sum
       as accumulator 0. */
    uint32_t packed;
    int64_t m_dim, n_dim, k_dim;
    /* Batched and strided (mix: one GEMM per mode, complex as real pairs,
       no epilogue: store[0] == KIR_NONE).  Offsets in scalars. */
    uint32_t nbatch;
    int64_t bext[IR_MAX_RANK], a_bst[IR_MAX_RANK], o_bst[IR_MAX_RANK];
    int64_t a_off, lda, ldo;
    bool complex;        /* A rows and B panels hold interleaved complex values;
                            k_dim counts complex elements, n_dim floats */
    /* Pruned transforms (rfft_modes, irfft_modes): A is a constant DFT
       matrix (buffer `packed`, lda), B the signal or spectrum read in place
       (buffer `in`, rows ldb floats apart, one batch every b_bst floats);
       tile rows are bins (re, im) or points, columns channels. */
    enum { KG_PLAIN, KG_DFT, KG_IDFT, KG_RDFT } layout; /* RDFT: dct/idct, real in and out */
    int64_t outer, ldb, b_bst, o_stride, inner;
    /* KK_FFT */
    KFftKind fft;
    uint32_t in;         /* buffer transformed (KK_GEMM: the A operand) */
    IrType in_type, out_type; /* logical shapes (complex as c64) */
    uint32_t naxes;
    int64_t axes[IR_MAX_RANK];
    double scale;        /* applied to the output after the transform (1 = none) */
    bool zero_dc_imag;   /* C2R over several axes: the imaginary parts of the DC and
                            Nyquist bins of the last axis are dropped between passes */
} KKernel;

typedef VEC(KIdx) KIdxVec;
typedef VEC(KExpr) KExprVec;
typedef VEC(KBuf) KBufVec;
typedef VEC(KKernel) KKernelVec;

typedef struct {
    const int64_t *data;
    uint32_t n;
} KTable;
typedef VEC(KTable) KTableVec;

typedef struct {
    Arena *arena;
    const IrGraph *g;
    const char *name;      /* sanitized model name: [A-Za-z_][A-Za-z0-9_]* */
    KIdxVec idx;
    KExprVec ex;
    KBufVec bufs;
    KKernelVec kernels;
    KTableVec tables;
    uint32_t ninputs, noutputs;
    size_t weights_bytes;  /* blob size (each weight 64-byte aligned) */
    size_t arena_bytes;    /* peak, from memplan */
} KProgram;

#define KIR_ALIGN 64

/* Lowers g (canonicalized, decomposed, weights bound) with plan p into a
 * program.  False with a message in err for what the backends do not
 * support (f64/i64 model inputs or outputs, unbound params). */
KProgram *kir_lower(const IrGraph *g, const FusionPlan *p, char *err, size_t errlen);
void kir_free(KProgram *prog);

/* The whole way from a graph (canonicalized, weights bound) to a placed
 * program: decompose (in place on g), plan fusion (in arena a; OUT:
 * *plan when plan is not NULL), lower, plan memory and check the plan. */
KProgram *kir_build(IrGraph *g, FusionPlan **plan, Arena *a, char *err, size_t errlen);

/* Places arena buffers (memplan.c): liveness, reuse, in-place elementwise. */
void kir_memplan(KProgram *prog);
/* Proves that no two simultaneously live arena buffers overlap (except
 * the recorded in-place pairs).  False with the pair in err. */
bool kir_memplan_check(const KProgram *prog, char *err, size_t errlen);
/* `pdec dump --after memplan`: buffers, offsets, live ranges, peak. */
void kir_memplan_print(const KProgram *prog, FILE *out);

/* Builders used by lowering (kir.c). */
KId kir_idx(KProgram *p, KIdxKind kind, int64_t c, KId a, KId b); /* folds constants */
KId kir_idx_var(KProgram *p, uint32_t var);
KId kir_idx_const(KProgram *p, int64_t v);
KId kir_idx_add(KProgram *p, KId a, KId b);
KId kir_idx_mul(KProgram *p, KId a, int64_t c);
KId kir_idx_clamp(KProgram *p, KId a, int64_t n); /* a clamped to [0, n) */
KId kir_expr(KProgram *p, KExpr e);
KId kir_const(KProgram *p, IrDType dt, double v);
bool kir_idx_is_const(const KProgram *p, KId i, int64_t *v);

/* Which buffers kernel k reads (flags[b] = 1) and writes (2); flags has
 * p->bufs.len entries. */
void kir_kernel_buffers(const KProgram *p, const KKernel *k, uint8_t *flags);

/* Bytes one run moves: every buffer each kernel reads or writes, counted
 * once per kernel (what a kernel touches in memory, no cache reuse
 * between kernels assumed). */
uint64_t kir_moved_bytes(const KProgram *p);

/* Writes the weights blob: every KB_WEIGHT buffer's data at its offset
 * (complex as f32 pairs).  OUT: malloc'd bytes, *len. */
void *kir_weights_blob(const KProgram *p, size_t *len);

#endif
