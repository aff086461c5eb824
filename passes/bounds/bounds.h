/* bounds.h — bound analysis: proves output bounds over an input region.
 *
 * Given a box [lo, hi] for the graph's input, computes for every node an
 * interval that contains all its values (IBP), and for the output (or for
 * linear functions C·y + d of it) tighter bounds by backward linear
 * relaxation on the whole DAG (CROWN, as auto_LiRPA generalizes it:
 * fan-out and residual adds are summed, not assumed to be a chain).
 * Pre-activation bounds of every ReLU-like unit come from CROWN too, as
 * auto_LiRPA does by default, intersected with IBP.
 *
 * Arithmetic is in double (large dense products in f32 with an explicit
 * error term); results are sound in real arithmetic for the network's f32
 * weights, or, with bounds_set_f32, for the network as evaluated in f32
 * (explicit rounding-error terms per op).
 *
 * Nodes that do not depend on the input are evaluated once by the
 * interpreter (transposes of weights, folded constants); nodes that do
 * must be ops with a bounds rule (bounds_supported), else the analysis
 * reports which op it cannot handle.
 */
#ifndef PD_BOUNDS_H
#define PD_BOUNDS_H

#include "ir/ir.h"

/* ALPHA_CROWN: CROWN whose ReLU-like lower slopes are optimized for the
 * output (bounds_set_alpha); never looser than CROWN. */
typedef enum { BOUNDS_IBP, BOUNDS_CROWN, BOUNDS_ALPHA_CROWN } BoundsMethod;

typedef struct BoundsGraph BoundsGraph;

/* Prepares g for analysis: finds its single input and its first output,
 * evaluates the constant part.  NULL with a message in err when the graph
 * has an op without a bounds rule on the input's path. */
BoundsGraph *bounds_prepare(const IrGraph *g, char *err, size_t errlen);
void bounds_free(BoundsGraph *b);

/* With on, every later bound also covers the rounding errors of evaluating
 * the network in f32 (any summation order), not only real arithmetic. */
void bounds_set_f32(BoundsGraph *b, bool on);

/* alpha-CROWN's Adam steps (default 20) and learning rate (0.5, decayed
 * by 0.98 a step), as auto_LiRPA's defaults. */
void bounds_set_alpha(BoundsGraph *b, int iters, double lr);

/* Threads for the large dense products (default 1). */
void bounds_set_threads(BoundsGraph *b, int threads);

/* Floating-point operations done in the large (f32) dense products so
 * far, and the seconds they took. */
void bounds_product_stats(const BoundsGraph *b, double *flops, double *seconds);

/* Number of elements of the input / of the output. */
int64_t bounds_input_size(const BoundsGraph *b);
int64_t bounds_output_size(const BoundsGraph *b);

/* Bounds of C·y + d over the input box, y the output (flat), C k x m
 * row-major (NULL: the identity, k = m; d NULL: zero).  OUT: lo[k], hi[k].
 * Sets the box first: the intermediate bounds are computed for it. */
void bounds_linear(BoundsGraph *b, const double *in_lo, const double *in_hi, BoundsMethod method,
                   const double *C, const double *d, int64_t k, double *lo, double *hi);

/* The same with CROWN, also returning the coefficients of the lower
 * bounds over the input (k x n, row-major): lo[r] = A[r]·x + c minimized
 * over the box.  They tell which input dimension matters most. */
void bounds_linear_coef(BoundsGraph *b, const double *in_lo, const double *in_hi, const double *C,
                        const double *d, int64_t k, double *lo, double *hi, double *A);

/* Every node's bounds after the last computation, as doubles (for branch
 * and bound: a sub-box's bounds are inside its parent's).  The size is
 * bounds_state_size(b). */
int64_t bounds_state_size(const BoundsGraph *b);
void bounds_save_state(const BoundsGraph *b, double *state);
/* The next computations intersect every node's bounds with state (saved
 * for a box that contains theirs) and skip tightening units already stable
 * in it; NULL clears. state must stay alive while it is in use. */
void bounds_use_prior(BoundsGraph *b, const double *state);

/* Evaluates the network at x (n inputs) in f32, as the interpreter does.
 * OUT: y (m outputs).  False with a message on failure. */
bool bounds_eval(BoundsGraph *b, const double *x, double *y, char *err, size_t errlen);
/* Evaluates it in double (real arithmetic up to double rounding), with the
 * analysis' own rules: the bounds of the one-point box. OUT: y. */
void bounds_eval_real(BoundsGraph *b, const double *x, double *y);

/* ---- verification ------------------------------------------------------- */

typedef enum { VERDICT_UNSAT, VERDICT_SAT, VERDICT_UNKNOWN, VERDICT_TIMEOUT } Verdict;

typedef struct {
    double deadline;   /* absolute time (bounds_now()) to give up at */
    bool progress;     /* draw a progress line on stderr */
    unsigned seed;
    bool no_attack;    /* skip the search before branch and bound (tests) */
    int threads;       /* branch and bound workers on an MLP (chain.c); 0 or 1: one */
} VerifyOptions;

enum { VERIFY_MAX_THREADS = 16 };

typedef struct {
    Verdict verdict;
    double *x, *y;     /* sat: the counterexample (malloc'd, nx and ny values) */
    uint64_t boxes;    /* boxes bounded by branch and bound */
} VerifyResult;

/* Decides whether some x in the box [in_lo, in_hi] has C·y(x) <= d in
 * every row (the unsafe case of a property): UNSAT when branch and bound
 * proves no such x, SAT with a counterexample found by sampling and
 * projected gradient steps that violates the property both in real
 * arithmetic and in f32 evaluation (a tie that f32 rounding creates is
 * no counterexample), TIMEOUT at the deadline. */
void verify_case(BoundsGraph *b, const double *in_lo, const double *in_hi, const double *C, const double *d,
                 int64_t rows, const VerifyOptions *opt, VerifyResult *out);

/* The search for a counterexample alone (random and face samples, then
 * descents; milliseconds on a small MLP): true and SAT in out when found.
 * pdec verify tries every case of a property so before proving any. */
bool verify_attack(BoundsGraph *b, const double *in_lo, const double *in_hi, const double *C, const double *d,
                   int64_t rows, const VerifyOptions *opt, VerifyResult *out);

/* Monotonic seconds. */
double bounds_now(void);

/* Can method m (with f32 on or off) bound b's output in reasonable time?
 * False with the reason when CROWN would push one row per unit back
 * through a transform too large for an explicit map (the fno1d example
 * whole; its first block alone is fine: affine nodes are bounded forward). */
bool bounds_method_feasible(const BoundsGraph *b, BoundsMethod m, bool f32, char *err, size_t errlen);

/* Does op have an IBP and a CROWN rule here? */
bool bounds_supported(IrOpKind op);

#endif
