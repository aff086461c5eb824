/* verify_impl.h — what verify.c (the search for counterexamples, the
 * entry points) and bab.c (branch and bound) share: one case's state.
 * Internal to passes/bounds. */
#ifndef PD_VERIFY_IMPL_H
#define PD_VERIFY_IMPL_H

#include <pthread.h>

#include "chain.h"

/* One case of a property, as one worker sees it: branch and bound's
 * workers each have their own copy (own chain, buffers and result). */
typedef struct {
    BoundsGraph *b;
    const double *C, *d;
    int64_t rows, n, m;
    const VerifyOptions *opt;
    VerifyResult *out;
    double *y;
    double *state; /* the bounds of the box last bounded, for its children */
    Chain *ch;     /* the network as a plain MLP, or NULL: the generic analysis */
    int64_t state_size;
    unsigned seed;
    double last_draw;
    double temp;        /* the soft maximum's temperature (slope) */
    double attack_time; /* seconds spent looking for counterexamples */
    double *gy, *scratch;
    double start;       /* when the case began */
    int rounds;         /* attacks during branch and bound */
    double best_key;    /* the lowest center violation this worker has seen */
    pthread_mutex_t *eval_lock; /* around the interpreter when workers share b, or NULL */
} Case;

/* max_r (C_r·y(x) - d_r) in real arithmetic: <= 0 means a counterexample. */
double verify_violation(Case *c, const double *x);
/* Is x a counterexample (real arithmetic and f32)?  Then c->out is SAT. */
bool verify_found(Case *c, const double *x);
/* A short projected descent from x (moved) inside [lo, hi]. */
bool verify_descend(Case *c, double *x, const double *lo, const double *hi, int steps, double step0);
/* A search of the whole box during branch and bound, larger each time. */
bool verify_attack_round(Case *c, const double *lo, const double *hi);

/* Branch and bound on the box (bab.c): c->out becomes UNSAT, SAT,
 * UNKNOWN or TIMEOUT. */
void verify_bab(Case *c, const double *in_lo, const double *in_hi);

#endif
