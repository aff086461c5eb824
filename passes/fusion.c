/* fusion.c — kernel grouping (see fusion.h for the rules). */
#include "fusion.h"

#include <string.h>

typedef struct {
    const IrGraph *g;
    FusionPlan *p;
    uint32_t *uses;     /* live users per node (outputs count) */
    IrId *user;         /* the user when uses == 1 */
    uint8_t *feeds_anchor; /* inlined into an anchor's operand, directly or through movement */
} Planner;

static IrOpClass op_class(const IrGraph *g, IrId id) { return ir_op_info(ir_node(g, id)->op)->cls; }

static bool is_source(IrOpKind op) { return op == IR_OP_INPUT || op == IR_OP_PARAM || op == IR_OP_CONST; }

/* Zero-flop data movement: inlining it never repeats arithmetic. */
static bool is_movement(IrOpKind op) {
    return op == IR_OP_TRANSPOSE || op == IR_OP_SLICE || op == IR_OP_PAD || op == IR_OP_CONCAT ||
           op == IR_OP_BROADCAST || op == IR_OP_GATHER;
}

static bool is_loop_op(const IrGraph *g, IrId id) {
    IrOpClass c = op_class(g, id);
    return (c == IR_CLASS_ELEMWISE || c == IR_CLASS_BROADCAST || c == IR_CLASS_INJECTIVE) &&
           ir_node(g, id)->op != IR_OP_RESHAPE;
}

/* Reductions that loop over their input once per output element, and so
 * can take a prologue and an epilogue. */
static bool is_simple_reduction(IrOpKind op) {
    switch (op) {
    case IR_OP_SUM: case IR_OP_MEAN: case IR_OP_REDUCE_MAX: case IR_OP_REDUCE_MIN:
    case IR_OP_MAXPOOL1D: case IR_OP_MAXPOOL2D: case IR_OP_AVGPOOL1D: case IR_OP_AVGPOOL2D:
        return true;
    default:
        return false;
    }
}

static bool is_anchor(const IrGraph *g, IrId id) {
    IrOpKind op = ir_node(g, id)->op;
    return op_class(g, id) == IR_CLASS_ANCHOR || is_simple_reduction(op);
}

/* May producer be computed inside consumer's kernel? */
static bool accepts_prologue(const Planner *pl, IrId producer, IrId consumer) {
    const IrGraph *g = pl->g;
    IrOpKind cop = ir_node(g, consumer)->op, pop = ir_node(g, producer)->op;
    /* An anchor reads each operand element many times: only free movement
     * may be inlined into its operands, however deep. */
    if (pl->feeds_anchor[consumer]) return is_movement(pop);
    bool cheap = is_movement(pop) ||
                 ir_type_numel(&ir_node(g, producer)->type) >= ir_type_numel(&ir_node(g, consumer)->type);
    if (is_loop_op(g, consumer)) return cheap;
    if (is_simple_reduction(cop)) return true; /* each input element is read once */
    if (op_class(g, consumer) == IR_CLASS_ANCHOR) return is_movement(pop);
    return cop == IR_OP_IRFFT; /* irfft copies its input into a scratch first */
}

static bool same_dims(const IrType *a, const IrType *b) {
    return a->rank == b->rank && memcmp(a->dims, b->dims, a->rank * sizeof a->dims[0]) == 0;
}

/* Can anchor take its user's group as its epilogue?  Every op from the
 * user up to that group's root must be a same-shape elementwise op, so
 * the anchor's result is read at exactly the point being stored. */
static bool epilogue_fits(const Planner *pl, IrId anchor) {
    const IrGraph *g = pl->g;
    IrId c = pl->user[anchor];
    uint32_t grp = pl->p->group_of[c];
    if (grp == FUSE_NO_GROUP || pl->p->groups[grp].anchor != IR_NONE) return false;
    for (IrId v = c;; v = pl->user[v]) {
        IrOpClass cls = op_class(g, v);
        if (cls != IR_CLASS_ELEMWISE && cls != IR_CLASS_BROADCAST) return false;
        if (!same_dims(&ir_node(g, v)->type, &ir_node(g, anchor)->type)) return false;
        if (v == pl->p->groups[grp].root) return true;
    }
}

static void count_uses(Planner *pl) {
    const IrGraph *g = pl->g;
    for (IrId i = 0; i < g->nodes.len; i++) {
        const IrNode *n = ir_node(g, i);
        for (uint32_t k = 0; k < n->nin; k++) {
            pl->uses[n->in[k]]++;
            pl->user[n->in[k]] = i;
        }
    }
}

static uint32_t new_group(Planner *pl, IrId root) {
    FusionPlan *p = pl->p;
    p->groups[p->ngroups] = (FuseGroup){.root = root, .anchor = IR_NONE};
    return p->ngroups++;
}

/* Does an anchor's result reach id through single-use, same-shape
 * elementwise ops?  Then id belongs to that anchor's epilogue, and a
 * reduction after it must not take it as a prologue. */
static bool ends_anchor_chain(const Planner *pl, IrId id) {
    const IrGraph *g = pl->g;
    const IrNode *n = ir_node(g, id);
    IrOpClass cls = op_class(g, id);
    if (cls != IR_CLASS_ELEMWISE && cls != IR_CLASS_BROADCAST) return false;
    for (uint32_t k = 0; k < n->nin; k++) {
        IrId v = n->in[k];
        if (pl->uses[v] != 1 || !same_dims(&ir_node(g, v)->type, &n->type)) continue;
        if (is_anchor(g, v) && op_class(g, v) == IR_CLASS_ANCHOR) return true;
        if (ends_anchor_chain(pl, v)) return true;
    }
    return false;
}

/* Decides node id's role; its users were decided before it. */
static void place(Planner *pl, IrId id) {
    const IrGraph *g = pl->g;
    FusionPlan *p = pl->p;
    IrOpKind op = ir_node(g, id)->op;
    if (is_source(op)) { p->role[id] = FUSE_SOURCE; return; }
    if (op == IR_OP_OUTPUT) { p->role[id] = FUSE_OUTPUT; return; }
    if (op == IR_OP_RESHAPE) { p->role[id] = FUSE_ALIAS; return; }
    bool single = pl->uses[id] == 1 && ir_node(g, pl->user[id])->op != IR_OP_OUTPUT;
    IrId c = single ? pl->user[id] : IR_NONE;
    bool epilogue_first = single && is_simple_reduction(ir_node(g, c)->op) && ends_anchor_chain(pl, id);
    if (single && is_loop_op(g, id) && p->group_of[c] != FUSE_NO_GROUP && accepts_prologue(pl, id, c) &&
        !epilogue_first) {
        p->role[id] = FUSE_INLINE;
        p->group_of[id] = p->group_of[c];
        pl->feeds_anchor[id] = pl->feeds_anchor[c] || op_class(g, c) == IR_CLASS_ANCHOR;
        return;
    }
    p->role[id] = FUSE_ROOT;
    if (single && is_anchor(g, id) && epilogue_fits(pl, id)) {
        p->group_of[id] = p->group_of[c];
        p->groups[p->group_of[id]].anchor = id;
        p->role[id] = FUSE_INLINE;
        return;
    }
    p->group_of[id] = new_group(pl, id);
    if (!is_loop_op(g, id)) p->groups[p->group_of[id]].anchor = id;
}

/* Groups were made from the last node backwards; number them forwards,
 * in the order their roots run. */
static void renumber(FusionPlan *p, uint32_t nnodes, Arena *a) {
    uint32_t *to = arena_alloc(a, (p->ngroups + 1) * sizeof *to);
    FuseGroup *sorted = arena_alloc(a, (p->ngroups + 1) * sizeof *sorted);
    for (uint32_t i = 0; i < p->ngroups; i++) {
        to[i] = p->ngroups - 1 - i;
        sorted[to[i]] = p->groups[i];
    }
    p->groups = sorted;
    for (uint32_t i = 0; i < nnodes; i++)
        if (p->group_of[i] != FUSE_NO_GROUP) p->group_of[i] = to[p->group_of[i]];
}

FusionPlan *fusion_plan(const IrGraph *g, Arena *a) {
    uint32_t n = g->nodes.len;
    FusionPlan *p = arena_alloc(a, sizeof *p);
    p->groups = arena_alloc(a, (n + 1) * sizeof *p->groups);
    p->group_of = arena_alloc(a, (n + 1) * sizeof *p->group_of);
    p->role = arena_alloc(a, n + 1);
    for (uint32_t i = 0; i < n; i++) p->group_of[i] = FUSE_NO_GROUP;
    Planner pl = {.g = g, .p = p, .uses = arena_alloc(a, (n + 1) * sizeof(uint32_t)),
                  .user = arena_alloc(a, (n + 1) * sizeof(IrId)), .feeds_anchor = arena_alloc(a, n + 1)};
    count_uses(&pl);
    for (uint32_t i = n; i-- > 0;) place(&pl, i);
    renumber(p, n, a);
    return p;
}

/* ---- printing ------------------------------------------------------------ */

static void print_member(const IrGraph *g, IrId id, FILE *out) {
    const IrNode *n = ir_node(g, id);
    fprintf(out, "    %%%u = %s(", id, ir_op_info(n->op)->name);
    for (uint32_t k = 0; k < n->nin; k++) fprintf(out, k ? ", %%%u" : "%%%u", n->in[k]);
    fputs(") : ", out);
    ir_print_type(out, &n->type);
    fputc('\n', out);
}

static const char *group_kind(const IrGraph *g, const FuseGroup *grp) {
    if (grp->anchor == IR_NONE) return "loop";
    switch (op_class(g, grp->anchor)) {
    case IR_CLASS_ANCHOR: return "anchor";
    case IR_CLASS_SPECTRAL: return "spectral";
    default: return "reduce";
    }
}

void fusion_print(const IrGraph *g, const FusionPlan *p, FILE *out) {
    fprintf(out, "kernels @%s: %u\n", g->name ? g->name : "model", p->ngroups);
    for (uint32_t k = 0; k < p->ngroups; k++) {
        const FuseGroup *grp = &p->groups[k];
        uint32_t members = 0;
        for (IrId i = 0; i < g->nodes.len; i++) members += p->group_of[i] == k;
        fprintf(out, "  k%u %s", k, group_kind(g, grp));
        if (grp->anchor != IR_NONE) fprintf(out, " %s", ir_op_info(ir_node(g, grp->anchor)->op)->name);
        fprintf(out, " -> %%%u, %u op%s\n", grp->root, members, members == 1 ? "" : "s");
        for (IrId i = 0; i < g->nodes.len; i++)
            if (p->group_of[i] == k) print_member(g, i, out);
    }
}
