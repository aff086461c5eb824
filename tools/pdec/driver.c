/* driver.c — helpers the subcommands share: loading a model, binding its
 * weights, writing output files atomically. */
#include <stdlib.h>
#include <string.h>

#include "driver.h"
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

