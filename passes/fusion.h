/* fusion.h — groups the ops of a graph into kernels.
 *
 * The grouping follows TVM's op classes (ir/ops.def): a chain of
 * elementwise, broadcast and injective ops becomes one loop; an anchor
 * (matmul, conv, mix) or a reduction (sum, mean, max, min, pools) takes
 * the same-shape elementwise ops that consume it as its epilogue; a
 * reduction takes its elementwise prologue; an anchor takes zero-cost
 * injective producers (slices, pads, transposes: index arithmetic only);
 * irfft takes its prologue into the kernel that prepares its input.
 * A value is inlined into its consumer only when that consumer is its
 * one user, and never where it would be recomputed (a producer smaller
 * than its consumer's loop is kept unless it costs nothing), so fusion
 * never repeats work.  A reshape moves no data: it aliases its operand's
 * buffer.
 *
 * The plan does not change the graph; backends/kernel lowers it.
 * What this module does not do: decide loop order, vector width or
 * memory (backends/kernel).
 */
#ifndef PD_FUSION_H
#define PD_FUSION_H

#include "../ir/ir.h"

typedef enum {
    FUSE_SOURCE, /* input, param, const: a buffer of its own */
    FUSE_OUTPUT, /* an output marker: no code */
    FUSE_ALIAS,  /* reshape: its operand's buffer under another shape */
    FUSE_ROOT,   /* the value a kernel stores */
    FUSE_INLINE, /* computed inside its consumer's kernel, never stored */
} FuseRole;

#define FUSE_NO_GROUP UINT32_MAX

typedef struct {
    IrId root;   /* the value the kernel stores */
    IrId anchor; /* matmul/conv/mix, reduction or transform; IR_NONE: a plain loop */
} FuseGroup;

typedef struct {
    uint32_t ngroups;
    FuseGroup *groups;  /* in topological order of their roots */
    uint32_t *group_of; /* per node: its group, or FUSE_NO_GROUP */
    uint8_t *role;      /* per node: a FuseRole */
} FusionPlan;

/* Plans g (which must be compacted).  Arrays live in arena a. */
FusionPlan *fusion_plan(const IrGraph *g, Arena *a);

/* Prints the kernel graph: the count, then each kernel with its anchor
 * and members in the IR's text form.  Deterministic. */
void fusion_print(const IrGraph *g, const FusionPlan *p, FILE *out);

/* Rewrites softmax and layer_norm into primitive ops (reductions and
 * elementwise ops) so that fusion sees their parts; the interpreter runs
 * the ops whole, so the differential tests check the rewrite. */
bool pass_decompose(IrGraph *g, DiagCtx *dc);

/* Turns every bound param into a const (its data stays where it is). */
bool pass_freeze(IrGraph *g, DiagCtx *dc);

#endif
