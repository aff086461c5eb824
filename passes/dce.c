/* dce.c — dead code elimination.
 *
 * Keeps what an output depends on, plus every input: inputs are the
 * model's interface, and a caller binds them by position, so removing an
 * unused one would silently shift the others.  Unused params and consts go
 * (a param without users needs no weights).
 */
#include <stdlib.h>

#include "passes.h"

bool pass_dce(IrGraph *g, DiagCtx *dc) {
    (void)dc;
    uint32_t n = g->nodes.len;
    bool *live = calloc(n + 1, sizeof *live);
    if (!live) pd_die("out of memory");
    /* Operands come before users, so one backward sweep finds everything
     * an output reaches. */
    for (uint32_t i = n; i-- > 0;) {
        IrNode *node = ir_node(g, i);
        if (node->dead) continue;
        if (node->op == IR_OP_OUTPUT || node->op == IR_OP_INPUT) live[i] = true;
        if (!live[i]) continue;
        for (uint32_t k = 0; k < node->nin; k++) live[node->in[k]] = true;
    }
    bool changed = false;
    for (uint32_t i = 0; i < n; i++)
        if (!live[i] && !ir_node(g, i)->dead) ir_node(g, i)->dead = changed = true;
    free(live);
    if (changed) ir_compact(g);
    return true;
}
