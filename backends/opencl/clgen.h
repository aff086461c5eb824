/* clgen.h — the OpenCL renderer: prints a kernel-IR program as OpenCL C
 * 1.2 kernels plus a launch table, and as host files built on libpdecrt's
 * OpenCL layer (runtime/pdrt_cl.h).
 *
 * Two profiles share everything but the parallel mapping:
 *   gpu   NDRange kernels: one work-item per output point for loops;
 *         GEMMs tiled through local memory with floatN accumulators and a
 *         work-group size chosen per kernel; transforms with one
 *         work-group per line (Stockham radix 8/4/2 with 3 and 5 for sizes
 *         of those factors, a direct DFT otherwise).
 *   fpga  single work-item kernels (reqd_work_group_size(1,1,1)) whose
 *         loops have static bounds, inner loops with `#pragma unroll`, no
 *         atomics and no dynamic local memory.
 * Expressions are printed by backends/kernel/kprint with OpenCL spellings,
 * as the C renderer prints them with C's.
 * What this module does not do: run kernels (the runtime), check the
 * source (clcheck.c).
 */
#ifndef PD_CLGEN_H
#define PD_CLGEN_H

#include <stdio.h>

#include "../kernel/kir.h"
#include "../../runtime/pdrt_cl.h"

typedef struct {
    bool fpga; /* the FPGA profile (else GPU) */
} ClgenOptions;

typedef struct {
    PdrtClProgram rt;      /* the table the runtime runs; rt.source is the .cl text */
    char *source;
    size_t source_len;
    PdrtClKernel *kernels; /* storage behind rt */
    PdrtClArg *args;
    size_t *io_bytes;
    Arena *arena;          /* kernel names */
} ClgenProgram;

/* NULL with a message in err for what the renderer does not support. */
ClgenProgram *clgen_build(const KProgram *p, const ClgenOptions *opt, char *err, size_t errlen);
void clgen_free(ClgenProgram *cp);

/* NAME.h and NAME.c: the launch table and create/run/destroy over
 * pdrt_cl (same API as the C backend's, with an OpenCL device option). */
void clgen_emit_host(const KProgram *p, const ClgenProgram *cp, FILE *header, FILE *source);

/* Parses source as OpenCL C 1.2 through libclang; false with the
 * diagnostics (each with the kernel it is in) in err.  clcheck.c. */
bool clgen_check(const char *source, const char *name, char *err, size_t errlen);

/* Writes a SPIR-V module for source to path with clang-15 and
 * llvm-spirv-15.  False with a message when they are missing or fail
 * (*missing tells which).  clcheck.c. */
bool clgen_spirv(const char *source, const char *path, bool *missing, char *err, size_t errlen);

#endif
