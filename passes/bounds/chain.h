/* chain.h — a graph that is a plain chain of dense layers with ReLU between
 * them (an MLP such as the ACAS Xu networks), for branch and bound.
 *
 * The generic analysis walks the graph node by node and bounds every unit
 * of every box afresh.  Branch and bound on a small MLP bounds many
 * thousands of boxes, so this module keeps the layers as plain matrices
 * and bounds a sub-box from its parent's bounds: a unit whose sign is
 * fixed on the parent box is fixed on every sub-box, and only the units of
 * open sign are bounded again (backward CROWN, the same relaxation as
 * crown.c).  Sound in real arithmetic only (no f32 rounding terms): the
 * caller uses the generic analysis for --f32.
 */
#ifndef PD_BOUNDS_CHAIN_H
#define PD_BOUNDS_CHAIN_H

#include "bounds_impl.h"

typedef struct Chain Chain;

/* The lower line of a ReLU unit of open sign: auto_LiRPA's adaptive slope
 * (0 or 1 by the interval's shape), or 0, or 1 for every such unit. */
typedef enum { SLOPE_ADAPTIVE, SLOPE_ZERO, SLOPE_ONE } LowerSlope;

/* The chain that b's graph is, or NULL when it is anything else. */
Chain *chain_from_bounds(const BoundsGraph *b);
void chain_free(Chain *c);

/* Doubles in a box's saved state: every hidden unit's pre-activation
 * bounds. */
int64_t chain_state_size(const Chain *c);

/* y = network(x) in double. */
void chain_eval(Chain *c, const double *x, double *y);

/* gx = d(gy . y)/dx at the x chain_eval last evaluated. */
void chain_backprop(Chain *c, const double *gy, double *gx);

/* Lower bounds lo[k] of C . y - d over the box [xl, xu] and their
 * coefficients over the input A (k x n): lo[r] = min over the box of
 * A[r] . x + const.  parent: the state of a box containing this one (NULL
 * at the root); state: OUT, this box's. */
void chain_crown(Chain *c, const double *xl, const double *xu, const double *parent, double *state,
                 const double *C, const double *d, int64_t k, double *lo, double *A);

/* The same for the output rows only, from a box's state that chain_crown
 * made (its intermediate bounds): e.g. for a combination of the rows. */
void chain_output(Chain *c, const double *xl, const double *xu, const double *state, const double *C,
                  const double *d, int64_t k, double *lo, double *A);

/* chain_output for one row C . y - d, its bound taken with each lower
 * slope rule in turn until one is positive: the best bound, and in A its
 * coefficients over the input.  All three rules are sound; which is
 * tightest depends on the box (on ACAS Xu's narrow valleys the adaptive
 * rule alone needs 100x more boxes). */
double chain_output_best(Chain *c, const double *xl, const double *xu, const double *state, const double *C, double d,
                         double *A);
#endif
