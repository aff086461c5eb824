/* cost.h — floating-point operation counts of ops, for `pdec bench`
 * (GFLOP/s) and cost models.
 *
 * Conventions: a multiply-add is 2 flops (a complex one 8); an
 * elementwise op is 1 flop per element, transcendental or not; a
 * reduction 1 per input element; a transform of n points 5 n log2 n for
 * complex data (half for real-to-complex and back, per transform along
 * each axis); data movement 0.
 */
#ifndef PD_COST_H
#define PD_COST_H

#include "ir.h"

int64_t cost_node_flops(const IrGraph *g, IrId id);
int64_t cost_graph_flops(const IrGraph *g);

#endif
