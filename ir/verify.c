/* verify.c — checks every invariant of a graph.
 *
 * Run between passes in tests and at the end of every pipeline: a pass
 * that breaks an invariant is caught at the pass, not three passes later.
 * Reports violations as errors without a location and keeps going (up to
 * the DiagCtx's limit), so one run shows all of them.
 */
#include <string.h>

#include "ir.h"

typedef struct {
    const IrGraph *g;
    DiagCtx *dc;
    bool ok;
} Verifier;

static void violation(Verifier *v, IrId id, const char *fmt, ...) PD_PRINTF(3, 4);
static void violation(Verifier *v, IrId id, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(v->dc, src_none(), "invalid IR: node %u (%s): %s", id,
               ir_op_info(v->g->nodes.data[id].op)->name, msg);
    v->ok = false;
}

static bool check_operands(Verifier *v, IrId id, const IrNode *n) {
    const IrOpInfo *info = ir_op_info(n->op);
    if ((int)n->nin < info->min_in || (info->max_in >= 0 && (int)n->nin > info->max_in)) {
        violation(v, id, "has %u operands", n->nin);
        return false;
    }
    for (uint32_t k = 0; k < n->nin; k++) {
        if (n->in[k] >= id) {
            violation(v, id, "operand %u (node %u) is not defined before its use", k, n->in[k]);
            return false;
        }
        if (v->g->nodes.data[n->in[k]].dead) violation(v, id, "uses dead node %u", n->in[k]);
        if (v->g->nodes.data[n->in[k]].op == IR_OP_OUTPUT) violation(v, id, "uses an output as a value");
    }
    return true;
}

/* Re-infers the node's type from its operands and compares. */
static void check_type(Verifier *v, IrId id, const IrNode *n) {
    IrAttr full[IR_MAX_ATTRS];
    uint32_t nfull;
    char err[512];
    if (!ir_complete_attrs(n->op, n->attr, n->nattr, full, &nfull, err, sizeof err)) {
        violation(v, id, "%s", err);
        return;
    }
    if (nfull != n->nattr) violation(v, id, "attributes are not complete");
    IrType in[64], out;
    if (n->nin > 64) return; /* variadic concat: checked through its own rule below */
    for (uint32_t k = 0; k < n->nin; k++) in[k] = v->g->nodes.data[n->in[k]].type;
    if (!ir_infer_type(n->op, in, n->nin, n->attr, n->nattr, &out, err, sizeof err)) {
        violation(v, id, "%s", err);
        return;
    }
    if (!ir_type_eq(&out, &n->type)) {
        char a[128], b[128];
        violation(v, id, "stored type %s differs from inferred %s", ir_type_fmt(a, sizeof a, &n->type),
                  ir_type_fmt(b, sizeof b, &out));
    }
}

static void check_source(Verifier *v, IrId id, const IrNode *n) {
    if (n->nin) violation(v, id, "a source op has operands");
    if (n->type.rank > IR_MAX_RANK || (unsigned)n->type.dtype >= IR_NDTYPES) violation(v, id, "bad type");
    if (n->op == IR_OP_CONST) {
        if (n->data >= v->g->consts.len) violation(v, id, "has no data");
        else if (!ir_type_eq(&v->g->consts.data[n->data].type, &n->type)) violation(v, id, "data type differs");
    } else if (!n->name) {
        violation(v, id, "has no name");
    } else if (n->op == IR_OP_PARAM && n->data != IR_NONE && n->data >= v->g->consts.len) {
        violation(v, id, "bound data out of range");
    }
}

/* Names must be unique within inputs, within params and within outputs. */
static void check_names(Verifier *v) {
    const IrGraph *g = v->g;
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        const IrNode *a = &g->nodes.data[i];
        if (a->dead || !a->name) continue;
        for (uint32_t j = i + 1; j < g->nodes.len; j++) {
            const IrNode *b = &g->nodes.data[j];
            if (!b->dead && b->op == a->op && b->name && strcmp(a->name, b->name) == 0)
                violation(v, j, "name '%s' is used twice", a->name);
        }
    }
}

bool ir_verify(const IrGraph *g, DiagCtx *dc) {
    Verifier v = {g, dc, true};
    uint32_t outputs = 0;
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        const IrNode *n = &g->nodes.data[i];
        if (n->dead) continue;
        if (n->op == IR_OP_INPUT || n->op == IR_OP_PARAM || n->op == IR_OP_CONST) {
            check_source(&v, i, n);
            continue;
        }
        outputs += n->op == IR_OP_OUTPUT;
        if (check_operands(&v, i, n)) check_type(&v, i, n);
    }
    check_names(&v);
    if (outputs == 0) {
        diag_error(dc, src_none(), "invalid IR: graph '%s' has no output", g->name);
        v.ok = false;
    }
    return v.ok;
}
