/* fuzz_pde.c — libFuzzer target for the .pde frontend: any input must give
 * a graph or diagnostics, never a crash, a hang or a leak. */
#include "fuzz_common.h"

#include "frontend/frontend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    DiagCtx *dc = diag_new(fuzz_null_stream());
    FeOptions opt = {0};
    IrGraph *g = fe_load_pde_text("fuzz.pde", (const char *)data, size, &opt, dc);
    if (g) {
        if (!ir_verify(g, dc)) pd_die("frontend produced an unverifiable graph");
        ir_graph_free(g);
    }
    diag_free(dc);
    return 0;
}
