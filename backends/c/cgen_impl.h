/* cgen_impl.h — private to the C renderer (cgen*.c). */
#ifndef PD_CGEN_IMPL_H
#define PD_CGEN_IMPL_H

#include "cgen.h"
#include "../kernel/kprint.h"

/* A kernel's `static void NAME(buffers...)` line. */
void cg_signature(const KProgram *p, const KKernel *k, FILE *out);
/* GEMM kernels and their micro-kernel (cgen_gemm.c). */
void cg_gemm_kernel(const KProgram *p, const KKernel *k, FILE *out);
void cg_gemm_prelude(const KProgram *p, FILE *out);
bool cg_has_gemm(const KProgram *p);
/* The static function of a loop kernel. */
void cg_loop_kernel(const KProgram *p, const KKernel *k, FILE *out);
/* The static function of a transform kernel, its plan making, and
 * whether any kernel is a transform. */
void cg_fft_kernel(const KProgram *p, uint32_t ki, FILE *out);
void cg_fft_plans(const KProgram *p, FILE *out);
uint32_t cg_fft_plan_count(const KProgram *p, uint32_t upto);
bool cg_has_fft(const KProgram *p);

/* The weights layout every weights file must match. */
uint64_t cg_layout_hash(const KProgram *p);
/* create, run and destroy (cgen_api.c). */
void cg_emit_api(const KProgram *p, const CgenOptions *opt, FILE *c);

#endif
