/* driver.c — helpers the subcommands share: loading a model, binding its
 * weights, writing output files atomically. */
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "engine.h"
#include "runtime/pdrt.h"

IrGraph *drv_load(const char *path, DiagCtx *dc) {
    FeOptions opt = {0};
    return fe_load_model(path, &opt, dc);
}

bool drv_bind(IrGraph *g, const char *override, bool no_weights, DiagCtx *dc) {
    if (no_weights) return true;
    return fe_bind_weights(g, override, dc);
}

const char **drv_split_list(Arena *a, const char *s) {
    size_t n = 1;
    for (const char *p = s; *p; p++) n += *p == ',';
    const char **list = arena_alloc(a, (n + 1) * sizeof *list);
    size_t k = 0;
    for (const char *p = s;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) list[k++] = arena_strndup(a, p, len);
        if (!e) break;
        p = e + 1;
    }
    list[k] = NULL;
    return list;
}

bool drv_write_output(const char *path, bool (*print)(void *ud, FILE *f), void *ud, DiagCtx *dc) {
    char *buf = NULL, err[512];
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem) pd_die("open_memstream failed");
    bool ok = print(ud, mem);
    fclose(mem);
    if (ok && strcmp(path, "-") == 0) {
        fwrite(buf, 1, len, stdout);
    } else if (ok && !pdrt_write_atomic(path, buf, len, err, sizeof err)) {
        diag_error(dc, src_none(), "%s", err);
        ok = false;
    }
    free(buf);
    return ok;
}

bool drv_add_binding(DrvBinding *list, int *n, const char *arg, const char *flag) {
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1]) {
        fprintf(stderr, "pdec: error: %s expects NAME=FILE, got '%s'\n", flag, arg);
        return false;
    }
    if (*n == DRV_MAX_BINDINGS) {
        fprintf(stderr, "pdec: error: too many %s options\n", flag);
        return false;
    }
    list[*n].name = strndup(arg, (size_t)(eq - arg));
    list[*n].file = eq + 1;
    (*n)++;
    return true;
}

/* Loads the file bound to input node id into *t, checking its type. */
bool drv_load_input(const IrGraph *g, IrId id, const DrvBinding *list, int n, PdrtTensor *t, DiagCtx *dc) {
    const IrNode *node = ir_node(g, id);
    char want[128], have[128], err[256];
    ir_type_fmt(want, sizeof want, &node->type);
    const DrvBinding *b = NULL;
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].name, node->name) == 0) b = &list[i];
    if (!b) {
        diag_error(dc, src_none(), "no --input for model input '%s' (%s)", node->name, want);
        return false;
    }
    if (!pdrt_npy_load(b->file, t, err, sizeof err)) {
        diag_file_error(dc, b->file, "%s", err);
        return false;
    }
    IrType got = {.dtype = (IrDType)t->dtype, .rank = t->rank};
    memcpy(got.dims, t->dims, t->rank * sizeof(int64_t));
    if (!ir_type_eq(&got, &node->type)) {
        diag_error(dc, src_none(), "input '%s': model expects %s, '%s' has %s", node->name, want, b->file,
                   ir_type_fmt(have, sizeof have, &got));
        pdrt_tensor_free(t);
        return false;
    }
    return true;
}

/* Every --input and --output name must exist in the model. */
bool drv_names_exist(const IrGraph *g, const DrvBinding *list, int n, IrOpKind op, DiagCtx *dc) {
    bool ok = true;
    for (int i = 0; i < n; i++) {
        bool found = false;
        for (uint32_t k = 0; k < g->nodes.len && !found; k++)
            found = ir_node(g, k)->op == op && strcmp(ir_node(g, k)->name, list[i].name) == 0;
        if (!found) {
            diag_error(dc, src_none(), "model has no %s named '%s'", op == IR_OP_INPUT ? "input" : "output",
                       list[i].name);
            ok = false;
        }
    }
    return ok;
}

Engine *drv_open_engine(const char *name, const IrGraph *g, const EngineOptions *opt, int *status, DiagCtx *dc) {
    char err[1024];
    bool internal = false;
    Engine *e = engine_open(name, g, opt, &internal, err, sizeof err);
    if (e) return e;
    /* Reported here, not through pd_die: the caller still frees what it holds. */
    if (internal) fprintf(stderr, "pdec: internal error: %s\n", err);
    else diag_error(dc, src_none(), "%s", err);
    *status = internal ? PD_INTERNAL_ERROR : EXIT_USER;
    return NULL;
}

IrGraph *drv_prepare(const char *path, const char *weights, const char *passes, bool no_transform_once, DiagCtx *dc) {
    IrGraph *g = drv_load(path, dc);
    if (!g || !drv_bind(g, weights, false, dc)) {
        ir_graph_free(g);
        return NULL;
    }
    const char *const *list = passes ? drv_split_list(g->arena, passes)
                            : no_transform_once ? pass_pipeline_without_transform_once()
                                                : pass_default_pipeline();
    PassOptions opt = {.out = stdout};
    if (!pass_run_pipeline(g, list, &opt, dc) || !ir_verify(g, dc)) {
        ir_graph_free(g);
        return NULL;
    }
    return g;
}
