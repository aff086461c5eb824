/* fuzz_pdir.c — libFuzzer target for the textual IR parser and the
 * compiler behind it.  Besides crashes it checks the round-trip law: a
 * graph that parses and verifies prints to text that parses back and
 * prints identically.  A small graph without params then goes through the
 * default pipeline (transform_once included), fusion, lowering, the memory
 * plan and its checker, and the C renderer: none of them may stop on an
 * internal error. */
#include "fuzz_common.h"

#include <string.h>

#include "backends/c/cgen.h"
#include "ir/ir.h"
#include "passes/passes.h"

/* Small enough to compile quickly, and nothing to bind. */
static bool compilable(const IrGraph *g) {
    if (g->nodes.len > 200) return false;
    for (IrId id = 0; id < g->nodes.len; id++) {
        const IrNode *n = ir_node(g, id);
        if (n->op == IR_OP_PARAM || ir_type_numel(&n->type) > 4096) return false;
    }
    return true;
}

static void compile(IrGraph *g, DiagCtx *dc) {
    PassOptions opt = {.out = fuzz_null_stream()};
    if (!pass_run_pipeline(g, pass_default_pipeline(), &opt, dc) || !ir_verify(g, dc)) return;
    Arena *a = arena_new();
    char err[256];
    KProgram *p = kir_build(g, NULL, a, err, sizeof err);
    if (p) {
        char *h = NULL, *c = NULL;
        size_t hn = 0, cn = 0;
        FILE *hf = open_memstream(&h, &hn), *cf = open_memstream(&c, &cn);
        CgenOptions co = {.embed_weights = true};
        cgen_emit(p, &co, hf, cf);
        fclose(hf), fclose(cf);
        free(h), free(c);
    }
    kir_free(p);
    arena_free(a);
}

static char *print_to_string(const IrGraph *g, size_t *len) {
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    ir_print(g, f);
    fclose(f);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    DiagCtx *dc = diag_new(fuzz_null_stream());
    IrGraph *g = ir_parse("fuzz.pdir", (const char *)data, size, dc);
    if (g && ir_verify(g, dc)) {
        size_t n1, n2;
        char *t1 = print_to_string(g, &n1);
        IrGraph *g2 = ir_parse("again.pdir", t1, n1, dc);
        if (!g2) pd_die("printed IR does not parse back:\n%s", t1);
        char *t2 = print_to_string(g2, &n2);
        if (n1 != n2 || memcmp(t1, t2, n1) != 0) pd_die("IR round trip differs:\n%s\n---\n%s", t1, t2);
        free(t1);
        free(t2);
        ir_graph_free(g2);
        if (compilable(g)) compile(g, dc);
    }
    if (g) ir_graph_free(g);
    diag_free(dc);
    return 0;
}
