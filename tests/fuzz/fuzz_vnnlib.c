/* fuzz_vnnlib.c — libFuzzer target for the VNN-LIB reader. */
#include "fuzz_common.h"

#include "frontend/frontend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    DiagCtx *dc = diag_new(fuzz_null_stream());
    Arena *a = arena_new();
    fe_parse_vnnlib("fuzz.vnnlib", (const char *)data, size, a, dc);
    arena_free(a);
    diag_free(dc);
    return 0;
}
