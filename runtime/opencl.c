/* opencl.c — libpdecrt's OpenCL layer (see pdrt_cl.h). */
#define CL_TARGET_OPENCL_VERSION 120 /* clCreateCommandQueue: OpenCL 1.2, what FPGA SDKs offer */
#include "pdrt_cl.h"

#include <CL/cl.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdrt.h"

enum { NAME_LEN = 512, PATH_LEN = 4096 };

struct PdrtClModel {
    const PdrtClProgram *prog;
    char device_name[NAME_LEN];
    cl_context ctx;
    cl_device_id dev;
    cl_command_queue queue;
    cl_program program;
    cl_kernel *kernels;
    cl_mem *inputs, *outputs, weights, arena;
    cl_event *events; /* profiling: one per kernel per run */
    double *kernel_ns;
    int cached;
};

static const char *cl_error_name(cl_int e) {
    switch (e) {
#define C(x) case x: return #x;
    C(CL_DEVICE_NOT_FOUND) C(CL_DEVICE_NOT_AVAILABLE) C(CL_COMPILER_NOT_AVAILABLE)
    C(CL_MEM_OBJECT_ALLOCATION_FAILURE) C(CL_OUT_OF_RESOURCES) C(CL_OUT_OF_HOST_MEMORY)
    C(CL_BUILD_PROGRAM_FAILURE) C(CL_INVALID_VALUE) C(CL_INVALID_PLATFORM) C(CL_INVALID_DEVICE)
    C(CL_INVALID_BINARY) C(CL_INVALID_BUILD_OPTIONS) C(CL_INVALID_PROGRAM) C(CL_INVALID_KERNEL_NAME)
    C(CL_INVALID_KERNEL) C(CL_INVALID_ARG_INDEX) C(CL_INVALID_ARG_VALUE) C(CL_INVALID_ARG_SIZE)
    C(CL_INVALID_KERNEL_ARGS) C(CL_INVALID_WORK_DIMENSION) C(CL_INVALID_WORK_GROUP_SIZE)
    C(CL_INVALID_WORK_ITEM_SIZE) C(CL_INVALID_GLOBAL_OFFSET) C(CL_INVALID_BUFFER_SIZE)
    C(CL_INVALID_MEM_OBJECT) C(CL_INVALID_COMMAND_QUEUE) C(CL_INVALID_CONTEXT)
    C(CL_INVALID_PROGRAM_EXECUTABLE) C(CL_MISALIGNED_SUB_BUFFER_OFFSET)
#undef C
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR";
    default: return "an OpenCL error";
    }
}

static bool fail_cl(char *err, size_t errlen, cl_int e, const char *fmt, const char *what, const char *dev) {
    char msg[1024];
    snprintf(msg, sizeof msg, fmt, what);
    return pdrt_fail(err, errlen, "OpenCL: %s on %s: %s (%d)", msg, dev, cl_error_name(e), (int)e);
}

/* ---- choosing a device -------------------------------------------------------- */

static void info_string(cl_platform_id p, cl_device_id d, cl_uint what, char *out, size_t n) {
    out[0] = 0;
    if (d) clGetDeviceInfo(d, what, n, out, NULL);
    else clGetPlatformInfo(p, what, n, out, NULL);
    out[n - 1] = 0;
}

static void full_name(cl_platform_id p, cl_device_id d, char *out, size_t n) {
    char pn[200], dn[200];
    info_string(p, NULL, CL_PLATFORM_NAME, pn, sizeof pn);
    info_string(NULL, d, CL_DEVICE_NAME, dn, sizeof dn);
    snprintf(out, n, "%s / %s", pn, dn);
}

static const char *type_name(cl_device_type t) {
    return t & CL_DEVICE_TYPE_GPU ? "gpu" : t & CL_DEVICE_TYPE_ACCELERATOR ? "accelerator" : t & CL_DEVICE_TYPE_CPU ? "cpu" : "other";
}

static bool contains_nocase(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) i++;
        if (i == n) return true;
    }
    return n == 0;
}

/* Whether device (pi, di) of type t named name matches spec. */
static bool matches(const char *spec, unsigned pi, unsigned di, cl_device_type t, const char *name) {
    unsigned a, b;
    char tail;
    if (sscanf(spec, "%u:%u%c", &a, &b, &tail) == 2) return a == pi && b == di;
    if (!strcmp(spec, "gpu") || !strcmp(spec, "cpu") || !strcmp(spec, "accelerator")) return !strcmp(spec, type_name(t));
    return contains_nocase(name, spec);
}

static const char install_hint[] =
    "no OpenCL platform found; install one (Debian: apt-get install pocl-opencl-icd ocl-icd-libopencl1 for the "
    "CPU, or your GPU vendor's ICD), or use --engine c";

/* Calls visit(pi, di, platform, device, type, name) on every device until
 * it returns true.  Returns the number of devices seen; -1 without any
 * platform. */
typedef bool (*DeviceVisit)(void *ctx, unsigned pi, unsigned di, cl_platform_id p, cl_device_id d, cl_device_type t,
                            const char *name);

static int each_device(DeviceVisit visit, void *ctx) {
    cl_platform_id plats[16];
    cl_uint np = 0;
    if (clGetPlatformIDs(16, plats, &np) != CL_SUCCESS || np == 0) return -1;
    int seen = 0;
    for (cl_uint pi = 0; pi < np && pi < 16; pi++) {
        cl_device_id devs[16];
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[pi], CL_DEVICE_TYPE_ALL, 16, devs, &nd) != CL_SUCCESS) continue;
        for (cl_uint di = 0; di < nd && di < 16; di++, seen++) {
            cl_device_type t = 0;
            clGetDeviceInfo(devs[di], CL_DEVICE_TYPE, sizeof t, &t, NULL);
            char name[NAME_LEN];
            full_name(plats[pi], devs[di], name, sizeof name);
            if (visit(ctx, pi, di, plats[pi], devs[di], t, name)) return seen + 1;
        }
    }
    return seen;
}

typedef struct {
    const char *spec;
    bool want_gpu;
    cl_device_id found;
    char name[NAME_LEN];
} Pick;

static bool pick_visit(void *ctx, unsigned pi, unsigned di, cl_platform_id p, cl_device_id d, cl_device_type t,
                       const char *name) {
    (void)p;
    Pick *k = ctx;
    bool ok = k->spec ? matches(k->spec, pi, di, t, name) : !k->want_gpu || (t & CL_DEVICE_TYPE_GPU);
    if (!ok) return false;
    k->found = d;
    snprintf(k->name, sizeof k->name, "%s", name);
    return true;
}

static int pick_device(const PdrtClOptions *opt, PdrtClModel *m, char *err, size_t errlen) {
    const char *spec = opt && opt->device && *opt->device ? opt->device : getenv("PDEC_OPENCL_DEVICE");
    Pick k = {.spec = spec && *spec ? spec : NULL, .want_gpu = true};
    int n = each_device(pick_visit, &k);
    if (n < 0) return pdrt_fail(err, errlen, "%s", install_hint), PDRT_CL_NO_DEVICE;
    if (!k.found && !k.spec) k.want_gpu = false, each_device(pick_visit, &k);
    if (!k.found) {
        if (k.spec)
            pdrt_fail(err, errlen, "no OpenCL device matches '%s' (list them with `pdec devices`)", k.spec);
        else
            pdrt_fail(err, errlen, "%s", install_hint);
        return PDRT_CL_NO_DEVICE;
    }
    m->dev = k.found;
    snprintf(m->device_name, sizeof m->device_name, "%s", k.name);
    return PDRT_CL_OK;
}

typedef struct {
    FILE *out;
} List;

static bool list_visit(void *ctx, unsigned pi, unsigned di, cl_platform_id p, cl_device_id d, cl_device_type t,
                       const char *name) {
    (void)p, (void)d;
    fprintf(((List *)ctx)->out, "%u:%u  %s (%s)\n", pi, di, name, type_name(t));
    return false;
}

int pdrt_cl_list_devices(FILE *out, char *err, size_t errlen) {
    List l = {out};
    int n = each_device(list_visit, &l);
    if (n <= 0) pdrt_fail(err, errlen, "%s", install_hint);
    return n < 0 ? 0 : n;
}

/* ---- the program binary cache ---------------------------------------------- */

static uint64_t fnv(uint64_t h, const char *s) {
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull; /* a separator, so ("ab","c") != ("a","bc") */
}

static bool cache_path(const PdrtClModel *m, const PdrtClOptions *opt, char *path) {
    char dir[PATH_LEN], ver[NAME_LEN];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (opt && opt->cache_dir) n = snprintf(dir, sizeof dir, "%s/opencl", opt->cache_dir);
    else if (xdg && *xdg) n = snprintf(dir, sizeof dir, "%s/pdec/opencl", xdg);
    else n = snprintf(dir, sizeof dir, "%s/.cache/pdec/opencl", home && *home ? home : "/tmp");
    if (n < 0 || n >= PATH_LEN - 64) return false;
    info_string(NULL, m->dev, CL_DRIVER_VERSION, ver, sizeof ver);
    uint64_t h = fnv(fnv(fnv(fnv(1469598103934665603ull, m->prog->source), m->prog->build_options), m->device_name), ver);
    for (char *s = dir + 1; *s; s++) /* mkdir -p */
        if (*s == '/') *s = 0, mkdir(dir, 0755), *s = '/';
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return false;
    return snprintf(path, PATH_LEN, "%.4000s/%016llx.bin", dir, (unsigned long long)h) < PATH_LEN;
}

static unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) != (size_t)n)
        free(buf), buf = NULL;
    fclose(f);
    *len = n > 0 ? (size_t)n : 0;
    return buf;
}

/* A cached binary that the driver refuses (another version) is ignored. */
static bool load_cached(PdrtClModel *m, const char *path) {
    size_t len;
    unsigned char *bin = read_all(path, &len);
    if (!bin) return false;
    cl_int e, status;
    const unsigned char *bins[1] = {bin};
    m->program = clCreateProgramWithBinary(m->ctx, 1, &m->dev, &len, bins, &status, &e);
    free(bin);
    if (e == CL_SUCCESS && status == CL_SUCCESS &&
        clBuildProgram(m->program, 1, &m->dev, m->prog->build_options, NULL, NULL) == CL_SUCCESS)
        return true;
    if (m->program) clReleaseProgram(m->program), m->program = NULL;
    return false;
}

static void save_binary(PdrtClModel *m, const char *path) {
    size_t len = 0;
    if (clGetProgramInfo(m->program, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) != CL_SUCCESS || !len) return;
    unsigned char *bin = malloc(len);
    if (!bin) return;
    unsigned char *bins[1] = {bin};
    char err[256];
    if (clGetProgramInfo(m->program, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) == CL_SUCCESS)
        pdrt_write_atomic(path, bin, len, err, sizeof err); /* a cache that cannot be written is only slower */
    free(bin);
}

static bool build_failed(PdrtClModel *m, cl_int e, char *err, size_t errlen) {
    size_t n = 0;
    clGetProgramBuildInfo(m->program, m->dev, CL_PROGRAM_BUILD_LOG, 0, NULL, &n);
    char *log = calloc(n + 1, 1);
    if (log) clGetProgramBuildInfo(m->program, m->dev, CL_PROGRAM_BUILD_LOG, n, log, NULL);
    pdrt_fail(err, errlen, "OpenCL: building the kernels of %s failed on %s (%s): %.1500s", m->prog->name,
              m->device_name, cl_error_name(e), log ? log : "");
    free(log);
    return false;
}

static bool build_program(PdrtClModel *m, const PdrtClOptions *opt, char *err, size_t errlen) {
    char path[PATH_LEN];
    bool cacheable = cache_path(m, opt, path);
    if (cacheable && load_cached(m, path)) {
        m->cached = 1;
        return true;
    }
    cl_int e;
    const char *src = m->prog->source;
    m->program = clCreateProgramWithSource(m->ctx, 1, &src, NULL, &e);
    if (e != CL_SUCCESS) return fail_cl(err, errlen, e, "creating the program of %s", m->prog->name, m->device_name);
    e = clBuildProgram(m->program, 1, &m->dev, m->prog->build_options, NULL, NULL);
    if (e != CL_SUCCESS) return build_failed(m, e, err, errlen);
    if (cacheable) save_binary(m, path);
    return true;
}

/* ---- buffers and kernels ------------------------------------------------------ */

static bool buffer(PdrtClModel *m, size_t bytes, cl_mem_flags flags, cl_mem *out, const char *what, char *err,
                   size_t errlen) {
    cl_int e;
    *out = clCreateBuffer(m->ctx, flags, bytes ? bytes : 4, NULL, &e);
    return e == CL_SUCCESS || fail_cl(err, errlen, e, "allocating %s", what, m->device_name);
}

static bool buffers(PdrtClModel *m, const void *weights, char *err, size_t errlen) {
    const PdrtClProgram *p = m->prog;
    m->inputs = calloc(p->ninputs + 1, sizeof *m->inputs);
    m->outputs = calloc(p->noutputs + 1, sizeof *m->outputs);
    if (!m->inputs || !m->outputs) return pdrt_fail(err, errlen, "out of memory");
    for (uint32_t i = 0; i < p->ninputs; i++)
        if (!buffer(m, p->input_bytes[i], CL_MEM_READ_ONLY, &m->inputs[i], "an input", err, errlen)) return false;
    for (uint32_t i = 0; i < p->noutputs; i++)
        if (!buffer(m, p->output_bytes[i], CL_MEM_READ_WRITE, &m->outputs[i], "an output", err, errlen)) return false;
    if (!buffer(m, p->weights_bytes, CL_MEM_READ_ONLY, &m->weights, "the weights", err, errlen) ||
        !buffer(m, p->arena_bytes, CL_MEM_READ_WRITE, &m->arena, "the arena", err, errlen))
        return false;
    if (!p->weights_bytes) return true;
    cl_int e = clEnqueueWriteBuffer(m->queue, m->weights, CL_TRUE, 0, p->weights_bytes, weights, 0, NULL, NULL);
    return e == CL_SUCCESS || fail_cl(err, errlen, e, "uploading the weights of %s", p->name, m->device_name);
}

static cl_mem *arg_buffer(PdrtClModel *m, PdrtClArg a) {
    switch (a.kind) {
    case PDRT_CL_INPUT: return &m->inputs[a.slot];
    case PDRT_CL_OUTPUT: return &m->outputs[a.slot];
    case PDRT_CL_WEIGHTS: return &m->weights;
    default: return &m->arena;
    }
}

static bool kernels(PdrtClModel *m, char *err, size_t errlen) {
    const PdrtClProgram *p = m->prog;
    m->kernels = calloc(p->nkernels + 1, sizeof *m->kernels);
    if (!m->kernels) return pdrt_fail(err, errlen, "out of memory");
    for (uint32_t k = 0; k < p->nkernels; k++) {
        const PdrtClKernel *d = &p->kernels[k];
        cl_int e;
        m->kernels[k] = clCreateKernel(m->program, d->name, &e);
        if (e != CL_SUCCESS) return fail_cl(err, errlen, e, "creating kernel %s", d->name, m->device_name);
        for (uint32_t a = 0; a < d->nargs; a++) {
            e = clSetKernelArg(m->kernels[k], a, sizeof(cl_mem), arg_buffer(m, d->args[a]));
            if (e != CL_SUCCESS) return fail_cl(err, errlen, e, "setting the arguments of kernel %s", d->name, m->device_name);
        }
    }
    return true;
}

static bool open_queue(PdrtClModel *m, const PdrtClOptions *opt, char *err, size_t errlen) {
    cl_int e;
    m->ctx = clCreateContext(NULL, 1, &m->dev, NULL, NULL, &e);
    if (e != CL_SUCCESS) return fail_cl(err, errlen, e, "creating a context%s", "", m->device_name);
    bool profile = opt && opt->profile;
    m->queue = clCreateCommandQueue(m->ctx, m->dev, profile ? CL_QUEUE_PROFILING_ENABLE : 0, &e);
    if (e != CL_SUCCESS) return fail_cl(err, errlen, e, "creating a command queue%s", "", m->device_name);
    if (!profile) return true;
    m->events = calloc(m->prog->nkernels + 1, sizeof *m->events);
    m->kernel_ns = calloc(m->prog->nkernels + 1, sizeof *m->kernel_ns);
    return (m->events && m->kernel_ns) || pdrt_fail(err, errlen, "out of memory");
}

PdrtClModel *pdrt_cl_create(const PdrtClProgram *prog, const void *weights, const PdrtClOptions *opt, int *status,
                            char *err, size_t errlen) {
    PdrtClModel *m = calloc(1, sizeof *m);
    if (!m) {
        *status = PDRT_CL_FAILED;
        pdrt_fail(err, errlen, "out of memory");
        return NULL;
    }
    m->prog = prog;
    *status = pick_device(opt, m, err, errlen);
    if (*status != PDRT_CL_OK) {
        pdrt_cl_destroy(m);
        return NULL;
    }
    if (opt && opt->verbose) fprintf(stderr, "pdec: OpenCL device %s\n", m->device_name);
    bool ok = open_queue(m, opt, err, errlen) && build_program(m, opt, err, errlen) && buffers(m, weights, err, errlen) &&
              kernels(m, err, errlen);
    if (ok && opt && opt->verbose) fprintf(stderr, "pdec: OpenCL program %s\n", m->cached ? "from the cache" : "built");
    if (!ok) {
        *status = PDRT_CL_FAILED;
        pdrt_cl_destroy(m);
        return NULL;
    }
    return m;
}

static void collect_times(PdrtClModel *m) {
    for (uint32_t k = 0; k < m->prog->nkernels; k++) {
        if (!m->events[k]) continue; /* an empty kernel, not launched */
        cl_ulong t0 = 0, t1 = 0;
        clGetEventProfilingInfo(m->events[k], CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
        clGetEventProfilingInfo(m->events[k], CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
        m->kernel_ns[k] += (double)(t1 - t0);
        clReleaseEvent(m->events[k]);
        m->events[k] = NULL;
    }
}

int pdrt_cl_run(PdrtClModel *m, const float *const inputs[], float *const outputs[], char *err, size_t errlen) {
    const PdrtClProgram *p = m->prog;
    cl_int e = CL_SUCCESS;
    for (uint32_t i = 0; i < p->ninputs && e == CL_SUCCESS; i++)
        e = clEnqueueWriteBuffer(m->queue, m->inputs[i], CL_FALSE, 0, p->input_bytes[i], inputs[i], 0, NULL, NULL);
    if (e != CL_SUCCESS) return fail_cl(err, errlen, e, "writing the inputs of %s", p->name, m->device_name), -1;
    for (uint32_t k = 0; k < p->nkernels; k++) {
        const PdrtClKernel *d = &p->kernels[k];
        size_t points = 1;
        for (uint32_t i = 0; i < d->work_dim; i++) points *= d->global[i];
        if (points == 0) continue; /* an empty tensor: OpenCL refuses an empty NDRange */
        const size_t *local = d->local[0] ? d->local : NULL;
        e = clEnqueueNDRangeKernel(m->queue, m->kernels[k], d->work_dim, NULL, d->global, local, 0, NULL,
                                   m->events ? &m->events[k] : NULL);
        if (e != CL_SUCCESS) {
            clFinish(m->queue);
            fail_cl(err, errlen, e, "running kernel %s", d->name, m->device_name);
            return -1;
        }
    }
    for (uint32_t i = 0; i < p->noutputs && e == CL_SUCCESS; i++)
        e = clEnqueueReadBuffer(m->queue, m->outputs[i], CL_TRUE, 0, p->output_bytes[i], outputs[i], 0, NULL, NULL);
    if (e == CL_SUCCESS) e = clFinish(m->queue);
    if (m->events) collect_times(m);
    if (e != CL_SUCCESS) return fail_cl(err, errlen, e, "running the kernels of %s", p->name, m->device_name), -1;
    return 0;
}

void pdrt_cl_destroy(PdrtClModel *m) {
    if (!m) return;
    const PdrtClProgram *p = m->prog;
    if (m->queue) clFinish(m->queue);
    for (uint32_t k = 0; m->kernels && k < p->nkernels; k++)
        if (m->kernels[k]) clReleaseKernel(m->kernels[k]);
    for (uint32_t i = 0; m->inputs && i < p->ninputs; i++)
        if (m->inputs[i]) clReleaseMemObject(m->inputs[i]);
    for (uint32_t i = 0; m->outputs && i < p->noutputs; i++)
        if (m->outputs[i]) clReleaseMemObject(m->outputs[i]);
    cl_mem own[] = {m->weights, m->arena};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (own[i]) clReleaseMemObject(own[i]);
    if (m->program) clReleaseProgram(m->program);
    if (m->queue) clReleaseCommandQueue(m->queue);
    if (m->ctx) clReleaseContext(m->ctx);
    free(m->kernels), free(m->inputs), free(m->outputs), free(m->events), free(m->kernel_ns);
    free(m);
}

const char *pdrt_cl_device_name(const PdrtClModel *m) { return m->device_name; }
double *pdrt_cl_kernel_ns(PdrtClModel *m) { return m->kernel_ns; }
int pdrt_cl_cached(const PdrtClModel *m) { return m->cached; }
