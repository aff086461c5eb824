/* lower_impl.h — private to the lowering (lower.c, lower_ops.c). */
#ifndef PD_LOWER_IMPL_H
#define PD_LOWER_IMPL_H

#include "kir.h"

/* A value at one point: real, or complex as (re, im). */
typedef struct {
    KId re, im; /* im == KIR_NONE: real */
} KVal;

typedef struct {
    KProgram *p;
    const IrGraph *g;
    const FusionPlan *plan;
    uint32_t *buf_of;   /* per node: its buffer, or KIR_NONE until made */
    uint32_t group;     /* the group being lowered */
    IrId acc_node;      /* the anchor whose value is the accumulators, or IR_NONE */
    double acc_scale;   /* mean, avgpool: 1/count */
    char *err;
    size_t errlen;
} Lower;

/* The value of node id at index idx[] (one index per dimension of id). */
KVal lower_value(Lower *L, IrId id, const KId *idx);
/* The buffer holding node id (made on first use for sources). */
uint32_t lower_buffer(Lower *L, IrId id);
/* A load of buffer b holding a tensor of type t, at idx[]. */
KVal lower_load(Lower *L, uint32_t b, const IrType *t, const KId *idx);

/* Expression helpers. */
KId lx_unary(Lower *L, IrOpKind op, KId a, IrDType dt);
KId lx_binary(Lower *L, IrOpKind op, KId a, KId b, IrDType dt);
KId lx_select(Lower *L, KId cond, KId a, KId b, IrDType dt);
KId lx_inrange(Lower *L, KId index, int64_t lo, int64_t hi);
/* Scalar dtype of a node's parts (c64 -> f32). */
IrDType lx_part_dtype(IrDType t);

/* The value of an op computed in place, not loaded (lower_ops.c). */
KVal lower_op(Lower *L, IrId id, const KId *idx);
/* A reduction or contraction's body at the output point vars; sets the
 * kernel's reduction loops and combiner (lower_anchor.c). */
KVal lower_contraction(Lower *L, KKernel *k, const IrNode *n, const KId *vars);
/* The kernels of a transform group (lower_anchor.c), of a pruned
 * transform (lower_dft.c), and of a GEMM-shaped anchor, false when it is
 * not one (lower_gemm.c). */
void lower_fft(Lower *L, const FuseGroup *grp, uint32_t out);
void lower_dft(Lower *L, const IrNode *n, IrId id, uint32_t out);
bool lower_gemm(Lower *L, const FuseGroup *grp, uint32_t out);

/* Index of idx[] (over type t) mapped from a broadcast result of rank r. */
void lower_bcast_idx(Lower *L, const IrType *in, uint32_t out_rank, const KId *idx, KId *in_idx);

#endif
