/* engine.c — dispatch from an engine name to the code that runs graphs. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "backends/interp/interp.h"

struct Engine {
    const IrGraph *g;
};

const char *engine_names(void) { return "interp, c, opencl"; }

Engine *engine_open(const char *name, const IrGraph *g, const EngineOptions *opt, bool *internal,
                    char *err, size_t errlen) {
    (void)opt;
    *internal = false;
    if (strcmp(name, "interp") == 0) {
        Engine *e = calloc(1, sizeof *e);
        if (!e) pd_die("out of memory");
        e->g = g;
        return e;
    }
    if (strcmp(name, "c") == 0 || strcmp(name, "opencl") == 0)
        snprintf(err, errlen, "engine '%s' is not available in this build yet; use --engine interp", name);
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

bool engine_run(Engine *e, const PdrtTensor *inputs, uint32_t ninputs, PdrtTensor *outputs,
                uint32_t noutputs, char *err, size_t errlen) {
    PdrtTensor *fresh = calloc(noutputs + 1, sizeof *fresh);
    if (!fresh) pd_die("out of memory");
    bool ok = interp_run(e->g, inputs, ninputs, fresh, noutputs, err, errlen);
    for (uint32_t i = 0; ok && i < noutputs; i++) deliver(&fresh[i], &outputs[i]);
    free(fresh);
    return ok;
}

size_t engine_arena_bytes(const Engine *e) {
    (void)e;
    return 0;
}

void engine_close(Engine *e) { free(e); }
