/* fuzz_pdir.c — libFuzzer target for the textual IR parser.  Besides
 * crashes it checks the round-trip law: a graph that parses and verifies
 * prints to text that parses back and prints identically. */
#include "fuzz_common.h"

#include <string.h>

#include "ir/ir.h"

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
    }
    if (g) ir_graph_free(g);
    diag_free(dc);
    return 0;
}
