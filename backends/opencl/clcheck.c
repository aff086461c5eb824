/* clcheck.c — checks generated OpenCL C through libclang (LLVM 15, the
 * LLVM PoCL is built on, so one process may hold both), and writes
 * SPIR-V through clang and llvm-spirv.
 *
 * libclang is opened with dlopen on the first check, not linked: linking
 * it (and LLVM with it) costs every pdec command about 5 ms of dynamic
 * relocation before main, which `pdec bounds` on a small network would
 * spend ten times over. */
#define _GNU_SOURCE /* RTLD_NODELETE */
#include "clgen.h"

#include <clang-c/Index.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../runtime/pdrt.h"

/* The kernel a source line belongs to: the last `__kernel void NAME(`
 * at or above it.  OUT: name[len]. */
static void kernel_at(const char *source, unsigned line, char *name, size_t len) {
    snprintf(name, len, "(prelude)");
    const char *s = source;
    for (unsigned l = 1; *s && l <= line; l++) {
        if (!strncmp(s, "__kernel void ", 14)) {
            size_t n = strcspn(s + 14, "(");
            snprintf(name, len, "%.*s", (int)(n < len - 1 ? n : len - 1), s + 14);
        }
        const char *nl = strchr(s, '\n');
        if (!nl) break;
        s = nl + 1;
    }
}

/* The libclang functions the check calls. */
static struct {
    CXIndex (*createIndex)(int, int);
    enum CXErrorCode (*parse)(CXIndex, const char *, const char *const *, int, struct CXUnsavedFile *, unsigned, unsigned,
                              CXTranslationUnit *);
    unsigned (*numDiagnostics)(CXTranslationUnit);
    CXDiagnostic (*getDiagnostic)(CXTranslationUnit, unsigned);
    enum CXDiagnosticSeverity (*severity)(CXDiagnostic);
    CXSourceLocation (*location)(CXDiagnostic);
    void (*spellingLocation)(CXSourceLocation, CXFile *, unsigned *, unsigned *, unsigned *);
    CXString (*spelling)(CXDiagnostic);
    const char *(*cString)(CXString);
    void (*disposeString)(CXString);
    void (*disposeDiagnostic)(CXDiagnostic);
    void (*disposeUnit)(CXTranslationUnit);
    void (*disposeIndex)(CXIndex);
} clang;

static bool load_libclang(char *err, size_t errlen) {
    static void *lib;
    if (lib) return true;
    /* NODELETE: LLVM keeps global state that must outlive every use. */
    void *h = dlopen(PDEC_LIBCLANG_PATH, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!h) return pdrt_fail(err, errlen, "cannot load libclang 15 (%s): install libclang-15-dev", dlerror());
    struct { void **fn; const char *name; } syms[] = {
        {(void **)&clang.createIndex, "clang_createIndex"}, {(void **)&clang.parse, "clang_parseTranslationUnit2"},
        {(void **)&clang.numDiagnostics, "clang_getNumDiagnostics"}, {(void **)&clang.getDiagnostic, "clang_getDiagnostic"},
        {(void **)&clang.severity, "clang_getDiagnosticSeverity"}, {(void **)&clang.location, "clang_getDiagnosticLocation"},
        {(void **)&clang.spellingLocation, "clang_getSpellingLocation"}, {(void **)&clang.spelling, "clang_getDiagnosticSpelling"},
        {(void **)&clang.cString, "clang_getCString"}, {(void **)&clang.disposeString, "clang_disposeString"},
        {(void **)&clang.disposeDiagnostic, "clang_disposeDiagnostic"},
        {(void **)&clang.disposeUnit, "clang_disposeTranslationUnit"}, {(void **)&clang.disposeIndex, "clang_disposeIndex"},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++)
        if (!(*syms[i].fn = dlsym(h, syms[i].name)))
            return pdrt_fail(err, errlen, "%s lacks %s", PDEC_LIBCLANG_PATH, syms[i].name);
    lib = h;
    return true;
}

static const char *const check_args[] = {"-x", "cl", "-cl-std=CL1.2", "-Xclang", "-finclude-default-header",
                                         "-Wall", "-Wextra", "-Wno-unused-parameter"};

bool clgen_check(const char *source, const char *name, char *err, size_t errlen) {
    if (!load_libclang(err, errlen)) return false;
    char file[256];
    snprintf(file, sizeof file, "%s.cl", name);
    CXIndex index = clang.createIndex(0, 0);
    struct CXUnsavedFile unsaved = {file, source, (unsigned long)strlen(source)};
    CXTranslationUnit tu = NULL;
    enum CXErrorCode rc = clang.parse(index, file, check_args, sizeof check_args / sizeof check_args[0],
                                                      &unsaved, 1, CXTranslationUnit_None, &tu);
    if (rc != CXError_Success) {
        clang.disposeIndex(index);
        return pdrt_fail(err, errlen, "libclang could not parse %s (error %d)", file, (int)rc);
    }
    size_t used = 0;
    unsigned bad = 0, n = clang.numDiagnostics(tu);
    if (err && errlen) err[0] = 0;
    for (unsigned i = 0; i < n; i++) {
        CXDiagnostic d = clang.getDiagnostic(tu, i);
        if (clang.severity(d) >= CXDiagnostic_Warning) {
            unsigned line, col;
            clang.spellingLocation(clang.location(d), NULL, &line, &col, NULL);
            CXString text = clang.spelling(d);
            char kernel[128];
            kernel_at(source, line, kernel, sizeof kernel);
            if (bad < 5 && err && used < errlen) {
                int w = snprintf(err + used, errlen - used, "%s%s:%u:%u: in kernel %s: %s", bad ? "\n" : "", file, line,
                                 col, kernel, clang.cString(text));
                used += w > 0 ? (size_t)w : 0;
            }
            clang.disposeString(text);
            bad++;
        }
        clang.disposeDiagnostic(d);
    }
    clang.disposeUnit(tu);
    clang.disposeIndex(index);
    return bad == 0;
}

static bool on_path(const char *tool) {
    const char *argv[] = {tool, "--version", NULL};
    return pd_spawn_wait(argv, NULL);
}

bool clgen_spirv(const char *source, const char *path, bool *missing, char *err, size_t errlen) {
    *missing = !on_path("clang-15") || !on_path("llvm-spirv-15");
    if (*missing) return pdrt_fail(err, errlen, "--emit spirv needs clang-15 and llvm-spirv-15 (Debian: apt-get install clang-15 llvm-spirv-15)");
    char cl[4200], bc[4200], tmp[4200];
    snprintf(cl, sizeof cl, "%s.tmp.cl", path);
    snprintf(bc, sizeof bc, "%s.tmp.bc", path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    bool ok = pdrt_write_atomic(cl, source, strlen(source), err, errlen);
    const char *compile[] = {"clang-15", "-c", "-target", "spir64", "-cl-std=CL1.2", "-Xclang", "-finclude-default-header",
                             "-O2", "-emit-llvm", "-o", bc, cl, NULL};
    const char *translate[] = {"llvm-spirv-15", bc, "-o", tmp, NULL};
    if (ok && !pd_spawn_wait(compile, NULL)) ok = pdrt_fail(err, errlen, "clang-15 failed to compile the kernels for SPIR-V");
    else if (ok && !pd_spawn_wait(translate, NULL)) ok = pdrt_fail(err, errlen, "llvm-spirv-15 failed to translate the kernels");
    else if (ok && rename(tmp, path) != 0) ok = pdrt_fail(err, errlen, "cannot write %s", path);
    unlink(cl), unlink(bc), unlink(tmp);
    return ok;
}
