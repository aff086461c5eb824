/* clgen_impl.h — private to the OpenCL renderer (clgen*.c). */
#ifndef PD_CLGEN_IMPL_H
#define PD_CLGEN_IMPL_H

#include "clgen.h"
#include "../kernel/kprint.h"
#include "../../runtime/pdrt.h"

typedef VEC(PdrtClKernel) ClKernelVec;
typedef VEC(PdrtClArg) ClArgVec;

typedef struct {
    const KProgram *p;
    bool fpga;
    const char *idx; /* index type: int when every index fits, else long */
    FILE *out;       /* the .cl source */
    Arena *arena;
    ClKernelVec kernels;
    ClArgVec args;   /* all kernels' arguments, in order */
    bool partial_load; /* pd_load8 is defined */
    bool fft_helpers;  /* pd_cmul, pd_conj are defined */
    VEC(int64_t) tables; /* twiddle tables defined (clgen_fft.c) */
} ClGen;

#define SP (&kp_spell_opencl)

/* Opens `__kernel void NAME(...)  {` with the buffers marked in flags
 * (kir_kernel_buffers) bound to b<N> pointers, and appends the launch
 * (global/local, work_dim 1..3; fpga: one work-item) to the table. */
void cl_open_kernel(ClGen *G, const char *name, const uint8_t *flags, uint32_t work_dim, const size_t *global,
                    const size_t *local);
/* Kernels for one kernel-IR kernel of each kind. */
void cl_loop_kernel(ClGen *G, const KKernel *k);
void cl_gemm_kernel(ClGen *G, const KKernel *k);
bool cl_fft_kernel(ClGen *G, const KKernel *k, char *err, size_t errlen);
/* A GEMM epilogue on float8s (clgen_vec.c): whether k's can be, marking
 * in vec (p->ex.len entries) the expressions that vary across columns;
 * and the statements for accumulator pd_acc<acc> of row m, columns n..n+7. */
bool cl_vec_epilogue_ok(const KProgram *p, const KKernel *k, uint8_t *vec);
void cl_vec_epilogue(ClGen *G, const KKernel *k, const uint8_t *vec, int acc, int indent);

#endif
