/* engine.c — dispatch from an engine name to the code that runs graphs. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "backends/c/cjit.h"
#include "backends/interp/interp.h"
#include "backends/kernel/kir.h"

struct Engine {
    const IrGraph *g;
    IrGraph *lowered;  /* c: the graph as compiled (decomposed) */
    KProgram *prog;
    CjitModel *jit;
    IrId *outputs;     /* c: g's output nodes, found once (not per run) */
};

/* The compiled engine: decompose, fuse, lower, place, check, compile. */
static bool open_c(Engine *e, const EngineOptions *opt, bool *internal, char *err, size_t errlen) {
    e->lowered = ir_graph_clone(e->g);
    uint32_t n;
    e->outputs = ir_outputs(e->g, e->lowered->arena, &n);
    Arena *a = arena_new();
    e->prog = kir_build(e->lowered, NULL, a, err, errlen);
    arena_free(a);
    if (!e->prog) return false;
    CjitOptions jo = {.verbose = opt->verbose, .cache_dir = opt->cache_dir, .fftw_estimate = opt->fftw_estimate,
                      .threads = opt->threads, .profile = opt->profile};
    e->jit = cjit_open(e->prog, &jo, internal, err, errlen);
    return e->jit != NULL;
}

const char *engine_names(void) { return "interp, c, opencl"; }

Engine *engine_open(const char *name, const IrGraph *g, const EngineOptions *opt, bool *internal,
                    char *err, size_t errlen) {
    *internal = false;
    if (strcmp(name, "interp") == 0 || strcmp(name, "c") == 0) {
        Engine *e = calloc(1, sizeof *e);
        if (!e) pd_die("out of memory");
        e->g = g;
        if (name[0] == 'c' && !open_c(e, opt, internal, err, errlen)) {
            engine_close(e);
            return NULL;
        }
        return e;
    }
    if (strcmp(name, "opencl") == 0)
        snprintf(err, errlen, "engine '%s' is not available in this build yet; use --engine c or interp", name);
    else
        snprintf(err, errlen, "unknown engine '%s' (%s)", name, engine_names());
    return NULL;
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

static void run_c(Engine *e, const PdrtTensor *inputs, uint32_t ninputs, PdrtTensor *outputs, uint32_t noutputs) {
    const float *in[ninputs + 1];
    float *out[noutputs + 1];
    for (uint32_t i = 0; i < ninputs; i++) in[i] = inputs[i].data;
    for (uint32_t i = 0; i < noutputs; i++) {
        const IrType *t = &ir_node(e->g, e->outputs[i])->type;
        if (!outputs[i].data && !pdrt_tensor_alloc(&outputs[i], (PdrtDType)t->dtype, t->rank, t->dims))
            pd_die("out of memory");
        out[i] = outputs[i].data;
    }
    cjit_run(e->jit, in, out);
}

bool engine_run(Engine *e, const PdrtTensor *inputs, uint32_t ninputs, PdrtTensor *outputs,
                uint32_t noutputs, char *err, size_t errlen) {
    if (e->jit) {
        run_c(e, inputs, ninputs, outputs, noutputs);
        return true;
    }
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

void engine_close(Engine *e) {
    if (!e) return;
    cjit_close(e->jit);
    kir_free(e->prog);
    ir_graph_free(e->lowered);
    free(e);
}

bool engine_kernel_times(Engine *e, const char *const **names, double **ns, int *count) {
    return e->jit && cjit_kernel_times(e->jit, names, ns, count);
}
