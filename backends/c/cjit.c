/* cjit.c — compile, cache and load generated C (see cjit.h). */
#define _GNU_SOURCE /* RTLD_NODELETE */
#include "cjit.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgen.h"
#include "../../runtime/pdrt.h"


enum { PATH_LEN = 4096 };

/* snprintf into a path buffer; a path too long for it is an error. */
static void path_fmt(char *out, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, PATH_LEN, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= PATH_LEN) pd_die("path too long: %s", out);
}

const char *const cjit_flags[] = {"-O3", "-march=native", "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror",
                                  "-fPIC", "-shared", "-fopenmp-simd", "-DPD_OPENMP_SIMD", "-fno-math-errno", "-ffp-contract=fast", "-fno-trapping-math", NULL};

const char *cjit_compiler(void) {
    const char *cc = getenv("CC");
    return cc && *cc ? cc : "cc";
}

/* Mirrors the generated NAME_options (cgen.c). */
typedef struct {
    const char *weights_path;
    const void *weights;
    void *arena;
    const char *fftw_wisdom;
    int fftw_measure;
    int threads;
} GenOptions;

typedef void *(*CreateFn)(const GenOptions *, char *, size_t);
typedef int (*RunFn)(void *, const float *const *, float *const *);
typedef void (*DestroyFn)(void *);

struct CjitModel {
    void *dl, *model;
    RunFn run;
    DestroyFn destroy;
    const char *const *kernel_names; /* profiling builds */
    const int *kernel_count;
    double *(*kernel_ns)(void);
};

static bool mkdirs(const char *path) {
    char buf[PATH_LEN];
    path_fmt(buf, "%s", path);
    for (char *s = buf + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) return false;
            *s = '/';
        }
    return mkdir(buf, 0755) == 0 || errno == EEXIST;
}

/* OUT: out[PATH_LEN]. */
static void cache_root(const CjitOptions *o, char *out) {
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (o->cache_dir) path_fmt(out, "%s", o->cache_dir);
    else if (xdg && *xdg) path_fmt(out, "%s/pdec", xdg);
    else path_fmt(out, "%s/.cache/pdec", home && *home ? home : "/tmp");
}

static bool write_text(const char *dir, const char *name, const char *ext, const char *text, size_t len) {
    char path[PATH_LEN];
    path_fmt(path, "%s/%s%s", dir, name, ext);
    char err[256];
    return pdrt_write_atomic(path, text, len, err, sizeof err);
}

/* Runs the compiler on dir/NAME.c, output to build.log.  True on success. */
static bool compile(const char *dir, const char *name, bool verbose, int threads, bool profile) {
    char src[PATH_LEN], so[4200], log[4200];
    path_fmt(src, "%s/%s.c", dir, name);
    path_fmt(so, "%s/%s.so", dir, name);
    path_fmt(log, "%s/build.log", dir);
    const char *argv[32];
    int n = 0;
    argv[n++] = cjit_compiler();
    for (int i = 0; cjit_flags[i]; i++) argv[n++] = cjit_flags[i];
    if (profile) argv[n++] = "-DPD_PROFILE";
    const char *threaded[] = {"-fopenmp", "-DPD_FFTW_OMP", "-o", so, src, "-lfftw3f_omp", "-lfftw3f", "-lm", NULL};
    const char *serial[] = {"-o", so, src, "-lfftw3f", "-lm", NULL};
    const char *const *tail = threads > 1 ? threaded : serial;
    for (int i = 0; tail[i]; i++) argv[n++] = tail[i];
    argv[n] = NULL;
    if (verbose) {
        for (int i = 0; i < n; i++) fprintf(stderr, "%s%s", i ? " " : "pdec: compiling: ", argv[i]);
        fputc('\n', stderr);
    }
    return pd_spawn_wait(argv, log);
}

static char *render(const KProgram *p, size_t *hlen, char **header) {
    char *src = NULL;
    size_t slen = 0;
    FILE *h = open_memstream(header, hlen), *c = open_memstream(&src, &slen);
    if (!h || !c) pd_die("out of memory");
    CgenOptions co = {.embed_weights = false};
    cgen_emit(p, &co, h, c);
    fclose(h);
    fclose(c);
    return src;
}

/* Builds (or finds) the shared object.  OUT: path[PATH_LEN], NAME.so. */
static bool build(const KProgram *p, const CjitOptions *o, char *path, bool *internal, char *err,
                  size_t errlen) {
    size_t hlen;
    char *header, *src = render(p, &hlen, &header);
    uint64_t key = cgen_fnv(cgen_fnv(CGEN_FNV_SEED, src, strlen(src)), header, hlen);
    key = cgen_fnv(key, cjit_compiler(), strlen(cjit_compiler()));
    for (int i = 0; cjit_flags[i]; i++) key = cgen_fnv(key, cjit_flags[i], strlen(cjit_flags[i]));
    key = cgen_fnv(key, o->threads > 1 ? "openmp" : "serial", 6);
    key = cgen_fnv(key, o->profile ? "profile" : "plain..", 7);
    char root[PATH_LEN], dir[4200], tmp[4300];
    cache_root(o, root);
    path_fmt(dir, "%s/%016llx", root, (unsigned long long)key);
    path_fmt(path, "%s/%s.so", dir, p->name);
    bool ok = true;
    if (access(path, R_OK) != 0) {
        path_fmt(tmp, "%s.tmp.%ld", dir, (long)getpid());
        if (!mkdirs(tmp)) {
            ok = pdrt_fail(err, errlen, "cannot create the cache folder %s: %s", tmp, strerror(errno));
        } else if (!write_text(tmp, p->name, ".c", src, strlen(src)) || !write_text(tmp, p->name, ".h", header, hlen)) {
            ok = pdrt_fail(err, errlen, "cannot write generated code into %s", tmp);
        } else if (!compile(tmp, p->name, o->verbose, o->threads, o->profile)) {
            *internal = true;
            ok = pdrt_fail(err, errlen, "the C compiler failed on generated code; source kept in %s/%s.c, log in %s/build.log",
                           tmp, p->name, tmp);
        } else if (rename(tmp, dir) != 0 && access(path, R_OK) != 0) {
            ok = pdrt_fail(err, errlen, "cannot move %s into the cache: %s", tmp, strerror(errno));
        }
    }
    if (ok && o->verbose) fprintf(stderr, "pdec: compiled code in %s\n", dir);
    free(src);
    free(header);
    return ok;
}

static bool load(CjitModel *m, const char *path, const char *name, char *err, size_t errlen, CreateFn *create) {
    /* NODELETE: an OpenMP build pulls in libgomp, whose idle worker threads
     * would crash if closing the object unloaded it under them. */
    m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!m->dl) return pdrt_fail(err, errlen, "cannot load %s: %s", path, dlerror());
    char sym[256];
    snprintf(sym, sizeof sym, "%s_create", name);
    *(void **)create = dlsym(m->dl, sym);
    snprintf(sym, sizeof sym, "%s_run", name);
    *(void **)&m->run = dlsym(m->dl, sym);
    snprintf(sym, sizeof sym, "%s_destroy", name);
    *(void **)&m->destroy = dlsym(m->dl, sym);
    if (!*create || !m->run || !m->destroy) return pdrt_fail(err, errlen, "%s lacks the model's entry points", path);
    snprintf(sym, sizeof sym, "%s_kernel_names", name); /* present in profiling builds only */
    m->kernel_names = dlsym(m->dl, sym);
    snprintf(sym, sizeof sym, "%s_kernel_count", name);
    m->kernel_count = dlsym(m->dl, sym);
    snprintf(sym, sizeof sym, "%s_kernel_ns", name);
    *(void **)&m->kernel_ns = dlsym(m->dl, sym);
    return true;
}

CjitModel *cjit_open(const KProgram *p, const CjitOptions *o, bool *internal, char *err, size_t errlen) {
    *internal = false;
    char path[PATH_LEN], root[4096], wisdom[4200];
    if (!build(p, o, path, internal, err, errlen)) return NULL;
    CjitModel *m = calloc(1, sizeof *m);
    if (!m) pd_die("out of memory");
    CreateFn create = NULL;
    if (!load(m, path, p->name, err, errlen, &create)) {
        cjit_close(m);
        return NULL;
    }
    size_t wlen;
    void *weights = kir_weights_blob(p, &wlen);
    cache_root(o, root);
    path_fmt(wisdom, "%s/fftwf.wisdom", root);
    GenOptions go = {.weights = weights, .fftw_wisdom = o->fftw_estimate ? NULL : wisdom,
                     .fftw_measure = !o->fftw_estimate, .threads = o->threads};
    m->model = create(&go, err, errlen);
    free(weights);
    if (!m->model) {
        cjit_close(m);
        return NULL;
    }
    return m;
}

void cjit_run(CjitModel *m, const float *const *inputs, float *const *outputs) { m->run(m->model, inputs, outputs); }

void cjit_close(CjitModel *m) {
    if (!m) return;
    if (m->model) m->destroy(m->model);
    if (m->dl) dlclose(m->dl);
    free(m);
}

bool cjit_kernel_times(CjitModel *m, const char *const **names, double **ns, int *count) {
    if (!m->kernel_names || !m->kernel_count || !m->kernel_ns) return false;
    *names = m->kernel_names, *ns = m->kernel_ns(), *count = *m->kernel_count;
    return true;
}
