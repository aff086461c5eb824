/* pdrt_cl.h — libpdecrt's OpenCL layer: runs a program of generated
 * OpenCL kernels.
 *
 * A generated host file (pdec compile --target opencl) is a table: the
 * OpenCL C source, the buffer sizes of its memory plan, and for every
 * kernel its name, its arguments and its NDRange.  This layer does the
 * rest, for generated files and for `pdec run --engine opencl` alike:
 *   - picks a platform and device (PdrtClOptions.device, else the
 *     environment variable PDEC_OPENCL_DEVICE, else the first GPU, else
 *     the first device): "P:D" indices, a type (gpu, cpu, accelerator),
 *     or a case-insensitive substring of "platform / device";
 *   - builds the program once, caching the binary on disk by a hash of
 *     source, options, device and driver ($XDG_CACHE_HOME/pdec/opencl);
 *   - allocates every device buffer once (inputs, outputs, the weights
 *     blob, the arena of intermediates) and uploads
 *     the weights;
 *   - runs: writes the inputs, enqueues every kernel in order on one
 *     in-order queue (no host round trip between kernels), reads the
 *     outputs.
 * Kernels receive the base pointers they use; each buffer of the plan
 * is an offset into the arena or the weights, fixed in the source.
 * Errors never exit: a message names the device and the kernel.
 */
#ifndef PDRT_CL_H
#define PDRT_CL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What a kernel argument is bound to. */
enum { PDRT_CL_INPUT, PDRT_CL_OUTPUT, PDRT_CL_WEIGHTS, PDRT_CL_ARENA };

typedef struct {
    uint8_t kind; /* PDRT_CL_* */
    uint8_t slot; /* INPUT/OUTPUT: position in run's arrays */
} PdrtClArg;

typedef struct {
    const char *name;
    uint32_t nargs;
    const PdrtClArg *args;
    uint32_t work_dim;
    size_t global[3];
    size_t local[3]; /* all zero: the implementation chooses */
} PdrtClKernel;

typedef struct {
    const char *name;          /* the model, for messages */
    const char *source;        /* OpenCL C 1.2 */
    const char *build_options; /* for clBuildProgram */
    uint32_t ninputs, noutputs;
    const size_t *input_bytes, *output_bytes;
    size_t weights_bytes, arena_bytes;
    uint32_t nkernels;
    const PdrtClKernel *kernels;
} PdrtClProgram;

typedef struct {
    const char *device;    /* NULL: $PDEC_OPENCL_DEVICE, else the default */
    const char *cache_dir; /* NULL: $XDG_CACHE_HOME/pdec/opencl (or ~/.cache/pdec/opencl) */
    int profile;           /* time every kernel with profiling events */
    int verbose;           /* say which device, and whether the binary came from the cache */
} PdrtClOptions;

typedef struct PdrtClModel PdrtClModel;

/* Status of a failed create: no platform or device (the user's machine)
 * or anything else (a build failure: pdec's). */
enum { PDRT_CL_OK, PDRT_CL_NO_DEVICE, PDRT_CL_FAILED };

/* weights: prog->weights_bytes bytes, copied to the device.  NULL with a
 * message in err and the reason in *status. */
PdrtClModel *pdrt_cl_create(const PdrtClProgram *prog, const void *weights, const PdrtClOptions *opt, int *status,
                            char *err, size_t errlen);
/* 0 on success; else -1 with a message naming the kernel. */
int pdrt_cl_run(PdrtClModel *m, const float *const inputs[], float *const outputs[], char *err, size_t errlen);
void pdrt_cl_destroy(PdrtClModel *m);

/* "platform / device" of the chosen device. */
const char *pdrt_cl_device_name(const PdrtClModel *m);
/* With opt->profile: nanoseconds per kernel accumulated over runs
 * (writable: zero to restart); else NULL. */
double *pdrt_cl_kernel_ns(PdrtClModel *m);
/* Whether the program binary came from the disk cache. */
int pdrt_cl_cached(const PdrtClModel *m);

/* Lists every platform and device as "P:D  platform / device (type)";
 * the number of devices (0 with a message in err when there is none). */
int pdrt_cl_list_devices(FILE *out, char *err, size_t errlen);

#endif
