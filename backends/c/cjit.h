/* cjit.h — runs generated C: compile with the system compiler into a
 * shared object, cached by content hash, then load it and call it.
 *
 * The cache lives in $XDG_CACHE_HOME/pdec (or ~/.cache/pdec), one folder
 * per hash of (source, header, compiler command) holding NAME.c, NAME.h,
 * NAME.so and build.log; a folder appears only complete (built in a
 * temporary folder, then renamed).  Weights are passed from memory, so
 * the same code serves any weights of the same layout.
 * What this module does not do: generate code (cgen.c).
 */
#ifndef PD_CJIT_H
#define PD_CJIT_H

#include "../kernel/kir.h"

typedef struct {
    bool verbose;          /* print the compiler command and cache folder to stderr */
    const char *cache_dir; /* NULL: the default */
    bool fftw_estimate;    /* plan with FFTW_ESTIMATE instead of FFTW_MEASURE + wisdom */
    int threads;           /* > 1: build with OpenMP and run on that many threads */
    bool profile;          /* time every kernel (-DPD_PROFILE) */
} CjitOptions;

typedef struct CjitModel CjitModel;

/* NULL with a message in err; *internal when the fault is pdec's (the
 * generated code did not compile: err names the kept source and log). */
CjitModel *cjit_open(const KProgram *p, const CjitOptions *opt, bool *internal, char *err, size_t errlen);
void cjit_run(CjitModel *m, const float *const *inputs, float *const *outputs);
void cjit_close(CjitModel *m);

/* With opt->profile: the kernels' names and their accumulated nanoseconds
 * (writable, so a caller may zero them).  False without profiling. */
bool cjit_kernel_times(CjitModel *m, const char *const **names, double **ns, int *count);

/* The compiler and its flags, as run (for -v and for docs). */
const char *cjit_compiler(void);
extern const char *const cjit_flags[];

#endif
