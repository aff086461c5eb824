/* fuzz_nnet.c — libFuzzer target for the .nnet reader: any input gives a
 * graph or a located error, never a crash or a runaway allocation. */
#include "fuzz_common.h"

#include "frontend/frontend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    DiagCtx *dc = diag_new(fuzz_null_stream());
    IrGraph *g = fe_load_nnet("fuzz.nnet", (const char *)data, size, dc);
    if (g && !ir_verify(g, dc)) pd_die(".nnet reader produced an unverifiable graph");
    if (g) ir_graph_free(g);
    diag_free(dc);
    return 0;
}
