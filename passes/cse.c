/* cse.c — common subexpression elimination by hash-consing.
 *
 * Two nodes are the same when op, operands, attributes and type are equal
 * (consts: also their bytes).  Inputs, params and outputs are never merged:
 * each names something outside the graph.  Nodes are visited in
 * topological order and uses are redirected at once, so a merge below makes
 * the nodes above it comparable in the same sweep.
 */
#include <stdlib.h>
#include <string.h>

#include "passes.h"

static uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t hash_node(const IrGraph *g, const IrNode *n) {
    uint64_t h = mix(0xcbf29ce484222325ull, (uint64_t)n->op);
    h = hash_bytes(h, &n->type.dtype, sizeof n->type.dtype);
    h = hash_bytes(h, n->type.dims, n->type.rank * sizeof(int64_t));
    for (uint32_t k = 0; k < n->nin; k++) h = mix(h, n->in[k]);
    for (uint32_t k = 0; k < n->nattr; k++) {
        const IrAttr *a = &n->attr[k];
        h = mix(h, (uint64_t)a->i);
        h = hash_bytes(h, &a->f, sizeof a->f);
        if (a->kind == IR_ATTR_INTS) h = hash_bytes(h, a->ints, a->n * sizeof(int64_t));
        if (a->kind == IR_ATTR_STR) h = hash_bytes(h, a->s, strlen(a->s));
    }
    if (n->op == IR_OP_CONST) {
        const IrTensorData *d = &g->consts.data[n->data];
        h = hash_bytes(h, d->data, d->nbytes);
    }
    return h;
}

static bool same_attr(const IrAttr *a, const IrAttr *b) {
    if (a->kind != b->kind || strcmp(a->key, b->key) != 0) return false;
    switch (a->kind) {
    case IR_ATTR_INT: case IR_ATTR_DTYPE: return a->i == b->i;
    case IR_ATTR_FLOAT: return memcmp(&a->f, &b->f, sizeof a->f) == 0; /* bitwise: -0.0 != 0.0 */
    case IR_ATTR_STR: return strcmp(a->s, b->s) == 0;
    case IR_ATTR_INTS: return a->n == b->n && memcmp(a->ints, b->ints, a->n * sizeof(int64_t)) == 0;
    }
    return false;
}

static bool same_node(const IrGraph *g, const IrNode *a, const IrNode *b) {
    if (a->op != b->op || a->nin != b->nin || a->nattr != b->nattr || !ir_type_eq(&a->type, &b->type))
        return false;
    if (a->nin && memcmp(a->in, b->in, a->nin * sizeof(IrId)) != 0) return false;
    for (uint32_t k = 0; k < a->nattr; k++)
        if (!same_attr(&a->attr[k], &b->attr[k])) return false;
    if (a->op == IR_OP_CONST) {
        const IrTensorData *x = &g->consts.data[a->data], *y = &g->consts.data[b->data];
        return x->nbytes == y->nbytes && memcmp(x->data, y->data, x->nbytes) == 0;
    }
    return true;
}

static bool mergeable(const IrNode *n) {
    return !n->dead && n->op != IR_OP_INPUT && n->op != IR_OP_PARAM && n->op != IR_OP_OUTPUT;
}

bool pass_cse(IrGraph *g, DiagCtx *dc) {
    (void)dc;
    uint32_t cap = 16;
    while (cap < 2 * g->nodes.len) cap *= 2;
    IrId *table = malloc(cap * sizeof *table);
    if (!table) pd_die("out of memory");
    memset(table, 0xff, cap * sizeof *table); /* IR_NONE everywhere */
    bool changed = false;
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        IrNode *n = ir_node(g, i);
        if (!mergeable(n)) continue;
        uint32_t slot = (uint32_t)hash_node(g, n) & (cap - 1);
        while (table[slot] != IR_NONE && !same_node(g, ir_node(g, table[slot]), n)) slot = (slot + 1) & (cap - 1);
        if (table[slot] == IR_NONE) {
            table[slot] = i;
            continue;
        }
        ir_replace_uses(g, i, table[slot]);
        n->dead = changed = true;
    }
    free(table);
    if (changed) ir_compact(g);
    return true;
}
