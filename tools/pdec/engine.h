/* engine.h — one interface over the ways pdec executes a graph.
 *
 * `run` and `bench` open an engine on a prepared graph (pipeline run,
 * weights bound), run it any number of times, and close it.  Engines:
 *   interp  the reference interpreter (backends/interp)
 *   c       generated C, compiled to a shared object and loaded
 *   opencl       generated OpenCL kernels, GPU profile, on an OpenCL device
 *   opencl-fpga  the same in the FPGA profile (single work-item kernels)
 * What this module does not do: load models or .npy files (driver.c,
 * cmd_run.c), choose passes.
 */
#ifndef PDEC_ENGINE_H
#define PDEC_ENGINE_H

#include "ir/ir.h"
#include "runtime/pdrt.h"

typedef struct EngineOptions {
    bool verbose;          /* -v: show how code is compiled */
    int threads;           /* > 1: OpenMP threads in generated code (and FFTW's) */
    const char *cache_dir; /* NULL: $XDG_CACHE_HOME/pdec (or ~/.cache/pdec) */
    bool fftw_estimate;    /* FFTW_ESTIMATE plans instead of FFTW_MEASURE with wisdom */
    bool profile;          /* c, opencl: time every kernel (engine_kernel_times) */
    const char *device;    /* opencl: the device (pdrt_cl.h); NULL: $PDEC_OPENCL_DEVICE or the default */
} EngineOptions;

typedef struct Engine Engine;

/* Names the engines, for help texts and errors: "interp, c, opencl". */
const char *engine_names(void);

/* Opens engine `name` on g (g must outlive the engine).  NULL with a
 * message in err on failure; *internal is set when the failure is pdec's
 * (a generated file that does not compile), not the user's. */
Engine *engine_open(const char *name, const IrGraph *g, const EngineOptions *opt, bool *internal,
                    char *err, size_t errlen);

/* Runs once.  inputs[] in graph input order (types checked by the
 * caller), outputs[] in graph output order, allocated here on the first
 * call and reused (same shapes) on later calls when already allocated. */
bool engine_run(Engine *e, const PdrtTensor *inputs, uint32_t ninputs, PdrtTensor *outputs,
                uint32_t noutputs, char *err, size_t errlen);

/* Bytes of the intermediate-value arena (0 for the interpreter, which
 * allocates per op), and of the weights as the engine holds them. */
size_t engine_arena_bytes(const Engine *e);
size_t engine_weights_bytes(const Engine *e);

/* Kernels launched per run (0 for the interpreter), and the bytes they
 * move (kir_moved_bytes). */
uint32_t engine_launches(const Engine *e);
uint64_t engine_moved_bytes(const Engine *e);

void engine_close(Engine *e);

/* The c or opencl engine opened with opt->profile: kernel names and accumulated
 * nanoseconds (writable: zero them to restart).  False otherwise. */
bool engine_kernel_times(Engine *e, const char *const **names, double **ns, int *count);

#endif
