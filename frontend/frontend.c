/* frontend.c — loading models: files, imports, and the entry points.
 *
 * A .pde file is parsed, its imports are loaded first (std.NAME from the
 * stdlib directory, "path.pde" relative to the importing file; std.nn is
 * always there), their modules and defs go into one global scope, and the
 * file's single model is traced into a graph.  A .pdir file is parsed by
 * the IR parser and verified.  Import cycles and duplicate declarations
 * are errors.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sema.h"

enum { MAX_IMPORT_DEPTH = 32 };

typedef struct {
    Sema S;
    const FeOptions *opt;
    const char *loading[MAX_IMPORT_DEPTH]; /* the import chain, for cycles */
    int nloading;
    VEC(const char *) done;                /* canonical paths already loaded */
} Loader;

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *dir_of(Arena *a, const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return ".";
    return slash == path ? "/" : arena_strndup(a, path, (size_t)(slash - path));
}

static const char *canonical(Arena *a, const char *path) {
    char buf[PATH_MAX];
    return realpath(path, buf) ? arena_strdup(a, buf) : arena_strdup(a, path);
}

static bool file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The stdlib file of std.a.b ("a/b.pde"), or NULL. */
static const char *find_std(Loader *L, const char *dotted) {
    Arena *a = L->S.arena;
    char *rel = arena_printf(a, "%s.pde", dotted + 4);
    for (char *p = rel; *p && p < rel + strlen(rel) - 4; p++)
        if (*p == '.') *p = '/';
    const char *defaults[] = {getenv("PDEC_STDLIB_DIR"), PDEC_SOURCE_STDLIB_DIR, PDEC_INSTALL_STDLIB_DIR};
    const char *const *dirs = defaults;
    size_t ndirs = 3;
    if (L->opt && L->opt->stdlib_dirs)
        for (dirs = L->opt->stdlib_dirs, ndirs = 0; dirs[ndirs]; ndirs++) {}
    for (size_t i = 0; i < ndirs; i++) {
        if (!dirs[i] || !*dirs[i]) continue;
        const char *path = arena_printf(a, "%s/%s", dirs[i], rel);
        if (file_exists(path)) return path;
    }
    return NULL;
}

static bool load_file(Loader *L, const char *path, const char *text, size_t len, bool main_file,
                      const Stmt **model);

/* Loads an import's file unless it is loaded already. */
static void do_import(Loader *L, const AstFile *from, const Stmt *s) {
    Sema *S = &L->S;
    bool std = s->std_import && strncmp(s->name, "std.", 4) == 0;
    const char *path = std ? find_std(L, s->name)
                     : arena_printf(S->arena, "%s/%s", dir_of(S->arena, from->path), s->name);
    if (s->std_import && !std) {
        sema_error(S, s->name_loc, "import of '%s': only std.NAME or a quoted path can be imported", s->name);
        return;
    }
    if (!path || !file_exists(path)) {
        sema_error(S, s->name_loc, "cannot find '%s'%s", s->name,
                   std ? " in the standard library (set PDEC_STDLIB_DIR)" : "");
        return;
    }
    const char *key = canonical(S->arena, path);
    for (int i = 0; i < L->nloading; i++)
        if (strcmp(L->loading[i], key) == 0) {
            sema_error(S, s->name_loc, "circular import of '%s'", s->name);
            return;
        }
    for (uint32_t i = 0; i < L->done.len; i++)
        if (strcmp(L->done.data[i], key) == 0) return;
    size_t len;
    char *text = pd_read_file(path, &len);
    if (!text) {
        sema_error(S, s->name_loc, "cannot read '%s': %s", path, strerror(errno));
        return;
    }
    load_file(L, path, text, len, false, NULL);
    free(text);
}

/* Declares a file's modules and defs in the global scope. */
static void declare(Loader *L, const Stmt *s) {
    ValueKind k = s->kind == ST_MODULE ? V_MODULE : V_DEF;
    Binding *old = scope_find_local(L->S.global, s->name);
    if (old && (old->v.kind == V_MODULE || old->v.kind == V_DEF)) {
        sema_error(&L->S, s->name_loc, "redefinition of '%s'", s->name);
        return;
    }
    scope_set(&L->S, L->S.global, s->name, (Value){.kind = k, .decl = s}, true);
}

static bool load_file(Loader *L, const char *path, const char *text, size_t len, bool main_file,
                      const Stmt **model) {
    Sema *S = &L->S;
    if (L->nloading == MAX_IMPORT_DEPTH) {
        diag_file_error(S->dc, path, "imports nested too deeply");
        return false;
    }
    AstFile *f = fe_parse(S->arena, S->dc, path, text, len);
    if (!f) return false;
    const char *key = canonical(S->arena, path);
    L->loading[L->nloading++] = key;
    for (uint32_t i = 0; i < f->items.len; i++) {
        const Stmt *s = f->items.data[i];
        if (s->kind == ST_IMPORT) do_import(L, f, s);
        else if (s->kind == ST_MODULE || s->kind == ST_DEF) declare(L, s);
        else if (s->kind == ST_MODEL && main_file && *model)
            sema_error(S, s->name_loc, "a second model '%s' in one file (the first is '%s')", s->name, (*model)->name);
        else if (s->kind == ST_MODEL && main_file) *model = s;
    }
    L->nloading--;
    vec_push(S->arena, &L->done, key);
    return true;
}

/* std.nn is always there, except while compiling nn.pde itself. */
static void import_prelude(Loader *L, const char *path) {
    const char *nn = find_std(L, "std.nn");
    if (!nn || strcmp(canonical(L->S.arena, nn), canonical(L->S.arena, path)) == 0) return;
    size_t len;
    char *text = pd_read_file(nn, &len);
    if (!text) return;
    load_file(L, nn, text, len, false, NULL);
    free(text);
}

IrGraph *fe_load_pde_text(const char *path, const char *text, size_t len, const FeOptions *opt, DiagCtx *dc) {
    Loader L = {.opt = opt};
    Arena *arena = arena_new();
    IrGraph *g = ir_graph_new("model");
    L.S = (Sema){.arena = arena, .dc = dc, .g = g};
    L.S.builtins = arena_alloc(arena, sizeof *L.S.builtins);
    L.S.global = arena_alloc(arena, sizeof *L.S.global);
    L.S.global->parent = L.S.builtins;
    sema_register_builtins(&L.S, L.S.builtins);
    int errors = diag_error_count(dc);
    import_prelude(&L, path);
    const Stmt *model = NULL;
    bool parsed = load_file(&L, path, text, len, true, &model);
    if (parsed && !model && diag_error_count(dc) == errors)
        diag_file_error(dc, path, "no model in this file (a file to compile needs 'model NAME { ... }')");
    if (model && diag_error_count(dc) == errors) {
        g->name = arena_strdup(g->arena, model->name);
        g->base_dir = arena_strdup(g->arena, dir_of(arena, path));
        sema_model(&L.S, model);
    }
    arena_free(arena);
    if (diag_error_count(dc) != errors || !model) {
        ir_graph_free(g);
        return NULL;
    }
    return g;
}

static IrGraph *load_pdir(const char *path, const char *text, size_t len, DiagCtx *dc) {
    IrGraph *g = ir_parse(path, text, len, dc);
    if (g && !ir_verify(g, dc)) {
        ir_graph_free(g);
        return NULL;
    }
    if (g) g->base_dir = arena_strdup(g->arena, dir_of(g->arena, path));
    return g;
}

IrGraph *fe_load_model(const char *path, const FeOptions *opt, DiagCtx *dc) {
    size_t len;
    char *text = pd_read_file(path, &len);
    if (!text) {
        diag_error(dc, src_none(), "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    IrGraph *g = ends_with(path, ".pdir")   ? load_pdir(path, text, len, dc)
               : ends_with(path, ".nnet") ? fe_load_nnet(path, text, len, dc)
                                          : fe_load_pde_text(path, text, len, opt, dc);
    free(text);
    return g;
}
