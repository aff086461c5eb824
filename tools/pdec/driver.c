/* driver.c — helpers the subcommands share: loading a model, binding its
 * weights, writing output files atomically. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Directory part of path ("." when none), in the graph's arena. */
static const char *dir_of(Arena *a, const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return ".";
    return slash == path ? "/" : arena_strndup(a, path, (size_t)(slash - path));
}

/* A textual IR file: parsed and verified, weights relative to its folder. */
static IrGraph *load_pdir(const char *path, DiagCtx *dc) {
    size_t len;
    char *text = pd_read_file(path, &len);
    if (!text) {
        diag_error(dc, src_none(), "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    IrGraph *g = ir_parse(path, text, len, dc);
    free(text);
    if (g && !ir_verify(g, dc)) {
        ir_graph_free(g);
        return NULL;
    }
    if (g) g->base_dir = dir_of(g->arena, path);
    return g;
}

IrGraph *drv_load(const char *path, DiagCtx *dc) {
    if (ends_with(path, ".pdir")) return load_pdir(path, dc);
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
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem) pd_die("open_memstream failed");
    bool ok = print(ud, mem);
    fclose(mem);
    if (ok && strcmp(path, "-") == 0) {
        fwrite(buf, 1, len, stdout);
    } else if (ok && !pd_write_file_atomic(path, buf, len)) {
        diag_file_error(dc, path, "cannot write: %s", strerror(errno));
        ok = false;
    }
    free(buf);
    return ok;
}

