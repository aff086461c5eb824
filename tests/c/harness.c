/* harness.c — runs one generated model on .npy files, for the tests.
 *
 * Built per model with -DMODEL=name (the generated NAME.h / NAME.c), so
 * the generated code is compiled exactly as an application would compile
 * it, here with -std=c99 -pedantic -Wall -Wextra -Werror and sanitizers.
 * usage: harness WEIGHTS IN0.npy [IN1.npy ...] OUT0.npy [OUT1.npy ...]
 * Reads f32 little-endian C-order .npy files (v1 header) of exactly the
 * model's input sizes; writes outputs as flat f32 .npy of the model's size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define STR_(a) #a
#define STR(a) STR_(a)
#define API(x) CAT(MODEL, x)
#include STR(MODEL.h)

static float *read_npy(const char *path, long want) {
    unsigned char head[10];
    FILE *f = fopen(path, "rb");
    float *data = malloc((size_t)want * sizeof *data + 1);
    long hlen;
    if (!f || !data || fread(head, 1, 10, f) != 10 || memcmp(head, "\223NUMPY", 6) != 0) goto fail;
    hlen = head[8] | head[9] << 8;
    if (fseek(f, 10 + hlen, SEEK_SET) != 0 || fread(data, sizeof *data, (size_t)want, f) != (size_t)want) goto fail;
    fclose(f);
    return data;
fail:
    fprintf(stderr, "harness: cannot read %ld floats from %s\n", want, path);
    if (f) fclose(f);
    free(data);
    return NULL;
}

static int write_npy(const char *path, const float *data, long n) {
    char head[128];
    FILE *f = fopen(path, "wb");
    int len = snprintf(head + 10, sizeof head - 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (%ld,), }", n);
    while ((10 + len + 1) % 64) head[10 + len++] = ' ';
    head[10 + len++] = '\n';
    memcpy(head, "\223NUMPY\001\000", 8);
    head[8] = (char)(len & 0xff), head[9] = (char)(len >> 8);
    if (!f || fwrite(head, 1, (size_t)(10 + len), f) != (size_t)(10 + len) ||
        fwrite(data, sizeof *data, (size_t)n, f) != (size_t)n) {
        if (f) fclose(f);
        return 0;
    }
    return fclose(f) == 0;
}

int main(int argc, char **argv) {
    static const long in_size[] = API(_INPUT_SIZES), out_size[] = API(_OUTPUT_SIZES);
    const float *in[16];
    float *out[16];
    char err[256];
    API(_options) opt;
    API(_model) * m;
    int i, ok = 1;
    if (argc != 2 + API(_NUM_INPUTS) + API(_NUM_OUTPUTS)) {
        fprintf(stderr, "usage: harness WEIGHTS INPUTS... OUTPUTS...\n");
        return 2;
    }
    memset(&opt, 0, sizeof opt);
    opt.weights_path = argv[1];
    m = API(_create)(&opt, err, sizeof err);
    if (!m) {
        fprintf(stderr, "harness: %s\n", err);
        return 1;
    }
    for (i = 0; i < API(_NUM_INPUTS); i++) ok = (in[i] = read_npy(argv[2 + i], in_size[i])) != NULL && ok;
    for (i = 0; i < API(_NUM_OUTPUTS); i++) out[i] = calloc((size_t)out_size[i] + 1, sizeof(float));
    if (ok) API(_run)(m, in, out);
    for (i = 0; ok && i < API(_NUM_OUTPUTS); i++)
        ok = write_npy(argv[2 + API(_NUM_INPUTS) + i], out[i], out_size[i]);
    for (i = 0; i < API(_NUM_INPUTS); i++) free((void *)in[i]);
    for (i = 0; i < API(_NUM_OUTPUTS); i++) free(out[i]);
    API(_destroy)(m);
    return ok ? 0 : 1;
}
