/* cost.c — flop counts (conventions in cost.h). */
#include "cost.h"

#include <math.h>

static int64_t numel(const IrGraph *g, IrId id) { return ir_type_numel(&ir_node(g, id)->type); }

static bool is_complex(const IrGraph *g, IrId id) { return ir_node(g, id)->type.dtype == IR_C64; }

/* Multiply-adds per output element times outputs. */
static int64_t contraction(const IrGraph *g, const IrNode *n, IrId id) {
    const IrType *w = &ir_node(g, n->in[1])->type, *x = &ir_node(g, n->in[0])->type;
    int64_t per_output;
    switch (n->op) {
    case IR_OP_MATMUL: per_output = x->dims[x->rank - 1]; break;
    case IR_OP_MIX: per_output = x->dims[x->rank - 1]; break;
    default: per_output = ir_type_numel(w) / w->dims[0]; break; /* conv: Cin/groups x taps */
    }
    return numel(g, id) * per_output * (is_complex(g, id) ? 8 : 2);
}

/* 5 n log2 n per complex transform of n points, per transformed axis. */
static int64_t transform(const IrGraph *g, const IrNode *n, IrId id) {
    const IrType *big = ir_type_numel(&ir_node(g, n->in[0])->type) > numel(g, id) ? &ir_node(g, n->in[0])->type
                                                                                   : &n->type;
    uint32_t na;
    const int64_t *axes = ir_get_ints(n, "axes", &na);
    bool real = n->op != IR_OP_FFT && n->op != IR_OP_IFFT;
    double flops = 0;
    for (uint32_t i = 0; i < na; i++) {
        double len = (double)big->dims[axes[i]];
        if (n->op == IR_OP_IRFFT && i + 1 == na) len = (double)n->type.dims[axes[i]];
        double transforms = (double)ir_type_numel(big) / len;
        flops += transforms * 5 * len * (len > 1 ? log2(len) : 0) * (real ? 0.5 : 1);
    }
    (void)id;
    return (int64_t)flops;
}

int64_t cost_node_flops(const IrGraph *g, IrId id) {
    const IrNode *n = ir_node(g, id);
    const IrOpInfo *info = ir_op_info(n->op);
    switch (info->cls) {
    case IR_CLASS_SOURCE: case IR_CLASS_OPAQUE: case IR_CLASS_INJECTIVE: return 0;
    case IR_CLASS_ANCHOR: return contraction(g, n, id);
    case IR_CLASS_SPECTRAL:
        if (n->op == IR_OP_RFFT_MODES) /* 2 real multiply-adds per point, bin and channel */
            return 4 * numel(g, n->in[0]) * ir_get_int(n, "modes");
        if (n->op == IR_OP_DCT_MODES) return 2 * numel(g, n->in[0]) * ir_get_int(n, "modes");
        if (n->op == IR_OP_IDCT_MODES)
            return 2 * numel(g, id) * ir_node(g, n->in[0])->type.dims[ir_get_int(n, "axis")];
        if (n->op == IR_OP_IRFFT_MODES) /* the real part of a complex multiply-add: 2 */
            return 4 * numel(g, id) * ir_node(g, n->in[0])->type.dims[ir_get_int(n, "axis")];
        return transform(g, n, id);
    case IR_CLASS_REDUCE: return numel(g, n->in[0]);
    default: break;
    }
    if (n->op == IR_OP_BROADCAST) return 0;
    return numel(g, id) * (is_complex(g, id) && (n->op == IR_OP_MUL || n->op == IR_OP_DIV) ? 6 : 1);
}

int64_t cost_graph_flops(const IrGraph *g) {
    int64_t total = 0;
    for (IrId id = 0; id < g->nodes.len; id++)
        if (!ir_node(g, id)->dead) total += cost_node_flops(g, id);
    return total;
}
