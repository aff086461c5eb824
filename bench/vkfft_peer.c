/* vkfft_peer.c — VkFFT's OpenCL backend (Debian libvkfft-dev) timing a
 * batched 1-D real-to-complex FFT on the default OpenCL device, the peer
 * of pdec's own transform kernels in bench/vkfft.sh.
 * usage: vkfft_peer N BATCH ITERS  -> prints the median ms per transform. */
#define VKFFT_BACKEND 3
#define CL_TARGET_OPENCL_VERSION 120
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <vkFFT.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 4) return fprintf(stderr, "usage: vkfft_peer N BATCH ITERS\n"), 2;
    uint64_t n = strtoull(argv[1], NULL, 10), batch = strtoull(argv[2], NULL, 10);
    int iters = atoi(argv[3]);
    cl_platform_id platform;
    cl_device_id device;
    cl_int e;
    if (clGetPlatformIDs(1, &platform, NULL) || clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL))
        return fprintf(stderr, "vkfft_peer: no OpenCL device\n"), 1;
    cl_context ctx = clCreateContext(NULL, 1, &device, NULL, NULL, &e);
    cl_command_queue queue = clCreateCommandQueue(ctx, device, 0, &e);
    uint64_t bytes = (n / 2 + 1) * 2 * sizeof(float) * batch; /* in place: padded real rows */
    cl_mem buf = clCreateBuffer(ctx, CL_MEM_READ_WRITE, bytes, NULL, &e);
    float *host = calloc(bytes, 1);
    for (uint64_t i = 0; i < bytes / sizeof(float); i++) host[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    clEnqueueWriteBuffer(queue, buf, CL_TRUE, 0, bytes, host, 0, NULL, NULL);
    VkFFTConfiguration conf = {0};
    VkFFTApplication app = {0};
    conf.FFTdim = 1, conf.size[0] = n, conf.numberBatches = batch, conf.performR2C = 1;
    conf.device = &device, conf.context = &ctx, conf.platform = &platform;
    conf.buffer = &buf, conf.bufferSize = &bytes;
    VkFFTResult r = initializeVkFFT(&app, conf);
    if (r != VKFFT_SUCCESS) return fprintf(stderr, "vkfft_peer: initializeVkFFT failed (%d)\n", (int)r), 1;
    VkFFTLaunchParams launch = {0};
    launch.commandQueue = &queue;
    double *ms = calloc((size_t)iters, sizeof *ms);
    for (int i = -3; i < iters; i++) {
        double t0 = now_ms();
        if (VkFFTAppend(&app, -1, &launch) != VKFFT_SUCCESS) return fprintf(stderr, "vkfft_peer: append failed\n"), 1;
        clFinish(queue);
        if (i >= 0) ms[i] = now_ms() - t0;
    }
    qsort(ms, (size_t)iters, sizeof *ms, by_value);
    printf("%.4f\n", ms[iters / 2]);
    deleteVkFFT(&app);
    clReleaseMemObject(buf), clReleaseCommandQueue(queue), clReleaseContext(ctx);
    free(host), free(ms);
    return 0;
}
