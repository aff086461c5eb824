/* engine.c — dispatch from an engine name to the code that runs graphs. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "backends/c/cjit.h"
#include "backends/interp/interp.h"
#include "backends/kernel/kir.h"
#include "backends/opencl/clgen.h"

struct Engine {
    const IrGraph *g;
    IrGraph *lowered;  /* c, opencl: the graph as compiled (decomposed) */
    KProgram *prog;
    CjitModel *jit;
    ClgenProgram *cl;  /* opencl: the kernels and their launch table */
    PdrtClModel *clm;
    const char **kernel_names; /* opencl: for engine_kernel_times */
    IrId *outputs;     /* c, opencl: g's output nodes, found once (not per run) */
};

/* Decompose, fuse, lower, place and check: the kernel program. */
static bool build_program(Engine *e, char *err, size_t errlen) {
    e->lowered = ir_graph_clone(e->g);
    uint32_t n;
    e->outputs = ir_outputs(e->g, e->lowered->arena, &n);
    Arena *a = arena_new();
    e->prog = kir_build(e->lowered, NULL, a, err, errlen);
    arena_free(a);
    return e->prog != NULL;
}

/* The compiled engine: decompose, fuse, lower, place, check, compile. */
static bool open_c(Engine *e, const EngineOptions *opt, bool *internal, char *err, size_t errlen) {
    if (!build_program(e, err, errlen)) return false;
    CjitOptions jo = {.verbose = opt->verbose, .cache_dir = opt->cache_dir, .fftw_estimate = opt->fftw_estimate,
                      .threads = opt->threads, .profile = opt->profile};
    e->jit = cjit_open(e->prog, &jo, internal, err, errlen);
    return e->jit != NULL;
}

/* The OpenCL engines: the kernels rendered for a profile, checked by
 * libclang (a warning is pdec's fault), then built and run by the
 * runtime on the chosen device. */
static bool open_opencl(Engine *e, bool fpga, const EngineOptions *opt, bool *internal, char *err, size_t errlen) {
    if (!build_program(e, err, errlen)) return false;
    ClgenOptions co = {.fpga = fpga};
    e->cl = clgen_build(e->prog, &co, err, errlen);
    if (!e->cl) return false;
    if (!clgen_check(e->cl->source, e->prog->name, err, errlen)) {
        *internal = true;
        return false;
    }
    size_t wlen;
    void *weights = kir_weights_blob(e->prog, &wlen);
    PdrtClOptions ro = {.device = opt->device, .cache_dir = opt->cache_dir, .profile = opt->profile,
                        .verbose = opt->verbose};
    int status;
    e->clm = pdrt_cl_create(&e->cl->rt, weights, &ro, &status, err, errlen);
    free(weights);
    *internal = status == PDRT_CL_FAILED;
    if (!e->clm) return false;
    e->kernel_names = calloc(e->cl->rt.nkernels + 1, sizeof *e->kernel_names);
    if (!e->kernel_names) pd_die("out of memory");
    for (uint32_t k = 0; k < e->cl->rt.nkernels; k++) e->kernel_names[k] = e->cl->rt.kernels[k].name;
    return true;
}

const char *engine_names(void) { return "interp, c, opencl, opencl-fpga"; }

Engine *engine_open(const char *name, const IrGraph *g, const EngineOptions *opt, bool *internal,
                    char *err, size_t errlen) {
    *internal = false;
    bool interp = strcmp(name, "interp") == 0, c = strcmp(name, "c") == 0;
    bool opencl = strcmp(name, "opencl") == 0, fpga = strcmp(name, "opencl-fpga") == 0;
    if (!interp && !c && !opencl && !fpga) {
        snprintf(err, errlen, "unknown engine '%s' (%s)", name, engine_names());
        return NULL;
    }
    Engine *e = calloc(1, sizeof *e);
    if (!e) pd_die("out of memory");
    e->g = g;
    bool ok = interp || (c ? open_c(e, opt, internal, err, errlen) : open_opencl(e, fpga, opt, internal, err, errlen));
    if (!ok) {
        engine_close(e);
        return NULL;
    }
    return e;
}

/* Moves fresh results into caller-owned outputs: adopted when empty,
 * copied into when already allocated. */
static void deliver(PdrtTensor *fresh, PdrtTensor *out) {
    if (!out->data) {
        *out = *fresh;
        return;
    }
    memcpy(out->data, fresh->data, fresh->nbytes);
    pdrt_tensor_free(fresh);
}

static bool run_compiled(Engine *e, const PdrtTensor *inputs, uint32_t ninputs, PdrtTensor *outputs,
                         uint32_t noutputs, char *err, size_t errlen) {
    const float *in[ninputs + 1];
    float *out[noutputs + 1];
    for (uint32_t i = 0; i < ninputs; i++) in[i] = inputs[i].data;
    for (uint32_t i = 0; i < noutputs; i++) {
        const IrType *t = &ir_node(e->g, e->outputs[i])->type;
        if (!outputs[i].data && !pdrt_tensor_alloc(&outputs[i], (PdrtDType)t->dtype, t->rank, t->dims))
            pd_die("out of memory");
        out[i] = outputs[i].data;
    }
    if (e->clm) return pdrt_cl_run(e->clm, in, out, err, errlen) == 0;
    cjit_run(e->jit, in, out);
    return true;
}

bool engine_run(Engine *e, const PdrtTensor *inputs, uint32_t ninputs, PdrtTensor *outputs,
                uint32_t noutputs, char *err, size_t errlen) {
    if (e->jit || e->clm) return run_compiled(e, inputs, ninputs, outputs, noutputs, err, errlen);
    PdrtTensor *fresh = calloc(noutputs + 1, sizeof *fresh);
    if (!fresh) pd_die("out of memory");
    bool ok = interp_run(e->g, inputs, ninputs, fresh, noutputs, err, errlen);
    for (uint32_t i = 0; ok && i < noutputs; i++) deliver(&fresh[i], &outputs[i]);
    free(fresh);
    return ok;
}

size_t engine_arena_bytes(const Engine *e) { return e->prog ? e->prog->arena_bytes : 0; }

size_t engine_weights_bytes(const Engine *e) {
    if (e->prog) return e->prog->weights_bytes;
    size_t n = 0; /* the interpreter reads the graph's own data */
    for (IrId id = 0; id < e->g->nodes.len; id++) {
        const IrTensorData *d = ir_node_data(e->g, id);
        if (d) n += d->nbytes;
    }
    return n;
}

uint32_t engine_launches(const Engine *e) {
    if (e->cl) return e->cl->rt.nkernels;
    return e->prog ? e->prog->kernels.len : 0;
}

uint64_t engine_moved_bytes(const Engine *e) { return e->prog ? kir_moved_bytes(e->prog) : 0; }

void engine_close(Engine *e) {
    if (!e) return;
    cjit_close(e->jit);
    pdrt_cl_destroy(e->clm);
    clgen_free(e->cl);
    free(e->kernel_names);
    kir_free(e->prog);
    ir_graph_free(e->lowered);
    free(e);
}

bool engine_kernel_times(Engine *e, const char *const **names, double **ns, int *count) {
    if (e->clm && pdrt_cl_kernel_ns(e->clm)) {
        *names = e->kernel_names, *ns = pdrt_cl_kernel_ns(e->clm), *count = (int)e->cl->rt.nkernels;
        return true;
    }
    return e->jit && cjit_kernel_times(e->jit, names, ns, count);
}
