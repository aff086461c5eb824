/* test_tensorio.c — the runtime's tensor files: round trips of every format
 * and dtype, hand-made .npy headers (v2, v3, odd spacing), rejected
 * dtypes and layouts, and every truncation of a valid file failing
 * cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/pdrt.h"

#define TMP PDEC_TEST_TMP "/tensorio"

static PdrtTensor make(PdrtDType dt, uint32_t rank, const int64_t *dims) {
    PdrtTensor t;
    assert_true(pdrt_tensor_alloc(&t, dt, rank, dims));
    for (size_t i = 0; i < t.nbytes; i++) ((unsigned char *)t.data)[i] = (unsigned char)(i * 7 + 3);
    return t;
}

static void assert_same(const PdrtTensor *a, const PdrtTensor *b) {
    assert_int_equal(a->dtype, b->dtype);
    assert_int_equal(a->rank, b->rank);
    for (uint32_t i = 0; i < a->rank; i++) assert_int_equal(a->dims[i], b->dims[i]);
    assert_int_equal(a->nbytes, b->nbytes);
    assert_memory_equal(a->data, b->data, a->nbytes);
}

static int setup(void **state) {
    (void)state;
    mkdir(PDEC_TEST_TMP, 0777);
    mkdir(TMP, 0777);
    return 0;
}

static void npy_round_trips_every_dtype(void **state) {
    (void)state;
    const int64_t shapes[][3] = {{0, 0, 0}, {5, 0, 0}, {2, 3, 4}, {0, 3, 0}};
    const uint32_t ranks[] = {0, 1, 3, 2};
    char err[256];
    for (int dt = PDRT_F32; dt <= PDRT_I64; dt++)
        for (int s = 0; s < 4; s++) {
            PdrtTensor t = make((PdrtDType)dt, ranks[s], shapes[s]), back;
            assert_true(pdrt_npy_save(TMP "/t.npy", &t, err, sizeof err));
            assert_true(pdrt_npy_load(TMP "/t.npy", &back, err, sizeof err));
            assert_same(&t, &back);
            size_t len;
            unsigned char *bytes = pdrt_npy_encode(&t, &len);
            size_t hlen = (size_t)bytes[8] | (size_t)bytes[9] << 8;
            assert_int_equal((10 + hlen) % 64, 0); /* data aligned like numpy's */
            assert_int_equal(bytes[10 + hlen - 1], '\n');
            free(bytes);
            pdrt_tensor_free(&t);
            pdrt_tensor_free(&back);
        }
}

/* A .npy with a hand-written header of the given version. */
static unsigned char *npy_bytes(int major, const char *dict, const void *data, size_t n, size_t *len) {
    size_t dl = strlen(dict), pre = major == 1 ? 10 : 12;
    unsigned char *b = calloc(pre + dl + n + 1, 1);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[8] = (unsigned char)(dl & 0xff), b[9] = (unsigned char)(dl >> 8);
    memcpy(b + pre, dict, dl);
    memcpy(b + pre + dl, data, n);
    *len = pre + dl + n;
    return b;
}

static void npy_headers_are_read_robustly(void **state) {
    (void)state;
    float v[6] = {1, 2, 3, 4, 5, 6};
    const char *good[] = {
        "{ 'shape' : (2, 3) ,'descr':'<f4', 'fortran_order': False }\n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }    \n",
    };
    char err[256];
    for (int major = 1; major <= 3; major++)
        for (int k = 0; k < 2; k++) {
            size_t len;
            unsigned char *b = npy_bytes(major, good[k], v, sizeof v, &len);
            PdrtTensor t;
            assert_true(pdrt_npy_parse(b, len, &t, err, sizeof err));
            assert_int_equal(pdrt_numel(&t), 6);
            assert_memory_equal(t.data, v, sizeof v);
            pdrt_tensor_free(&t);
            free(b);
        }
}

/* Parses a header that must be refused with a message containing want. */
static void refused(const char *dict, const char *want) {
    char data[64] = {0}, err[256] = "";
    size_t len;
    unsigned char *b = npy_bytes(1, dict, data, sizeof data, &len);
    PdrtTensor t;
    assert_false(pdrt_npy_parse(b, len, &t, err, sizeof err));
    if (!strstr(err, want)) fail_msg("'%s' does not contain '%s'", err, want);
    free(b);
}

static void bad_npy_headers_are_refused(void **state) {
    (void)state;
    refused("{'descr': '<f4', 'fortran_order': True, 'shape': (2,)}", "Fortran-order");
    refused("{'descr': '<i4', 'fortran_order': False, 'shape': (2,)}", "unsupported dtype '<i4'");
    refused("{'descr': '>f4', 'fortran_order': False, 'shape': (2,)}", "big-endian");
    refused("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4)}", "too large");
    refused("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", "bad 'shape'");
    refused("{'descr': '<f4', 'shape': (2,)}", "needs 'descr', 'fortran_order' and 'shape'");
    refused("{'descr': '<f4', 'fortran_order': False, 'shape': (100,)}", "truncated");
    refused("not a dict", "not a dict");
    char err[256];
    PdrtTensor t;
    assert_false(pdrt_npy_parse("\x93NUMPX\x01\x00\x00\x00", 10, &t, err, sizeof err));
    assert_non_null(strstr(err, "bad magic"));
    assert_false(pdrt_npy_parse("\x93NUMPY\x09\x00\x00\x00", 10, &t, err, sizeof err));
    assert_non_null(strstr(err, "version 9"));
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*len + 1);
    assert_int_equal(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

static void spit(const char *path, const void *b, size_t len) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
}

/* Two tensors, one per dtype family, for the archive formats. */
static PdrtTensorSet sample_set(void) {
    PdrtTensorSet s = {0};
    PdrtTensor a = make(PDRT_F32, 2, (int64_t[]){3, 4}), b = make(PDRT_C64, 1, (int64_t[]){5});
    assert_true(pdrt_tensorset_add(&s, "fc.weight", &a));
    assert_true(pdrt_tensorset_add(&s, "spectral.weight1", &b));
    return s;
}

static void archives_round_trip(void **state) {
    (void)state;
    PdrtTensorSet s = sample_set(), back;
    char err[256];
    assert_true(pdrt_npz_save(TMP "/w.npz", &s, err, sizeof err));
    assert_true(pdrt_safetensors_save(TMP "/w.safetensors", &s, err, sizeof err));
    const char *paths[] = {TMP "/w.npz", TMP "/w.safetensors"};
    for (int p = 0; p < 2; p++) {
        assert_true(pdrt_weights_load(paths[p], &back, err, sizeof err));
        assert_int_equal(back.n, 2);
        for (size_t i = 0; i < s.n; i++) {
            long k = pdrt_tensorset_find(&back, s.items[i].name);
            assert_true(k >= 0);
            assert_same(&s.items[i].t, &back.items[k].t);
        }
        assert_int_equal(pdrt_tensorset_find(&back, "missing"), -1);
        pdrt_tensorset_free(&back);
    }
    mkdir(TMP "/dir", 0777);
    for (size_t i = 0; i < s.n; i++) {
        char path[512];
        snprintf(path, sizeof path, TMP "/dir/%s.npy", s.items[i].name);
        assert_true(pdrt_npy_save(path, &s.items[i].t, err, sizeof err));
    }
    assert_true(pdrt_weights_load(TMP "/dir", &back, err, sizeof err));
    assert_int_equal(back.n, 2);
    assert_string_equal(back.items[0].name, "fc.weight"); /* sorted */
    pdrt_tensorset_free(&back);
    pdrt_tensorset_free(&s);
    pdrt_tensorset_free(&back); /* freeing an emptied set is fine */
    pdrt_tensor_free(NULL);
}

/* Every proper prefix of a valid file must fail with a message. */
static void every_truncation_fails_cleanly(void **state) {
    (void)state;
    PdrtTensorSet s = sample_set();
    char err[256];
    assert_true(pdrt_npz_save(TMP "/v.npz", &s, err, sizeof err));
    assert_true(pdrt_safetensors_save(TMP "/v.safetensors", &s, err, sizeof err));
    assert_true(pdrt_npy_save(TMP "/v.npy", &s.items[0].t, err, sizeof err));
    const char *src[] = {TMP "/v.npy", TMP "/v.npz", TMP "/v.safetensors"};
    const char *dst[] = {TMP "/cut.npy", TMP "/cut.npz", TMP "/cut.safetensors"};
    for (int f = 0; f < 3; f++) {
        size_t len;
        unsigned char *b = slurp(src[f], &len);
        for (size_t cut = 0; cut < len; cut++) {
            spit(dst[f], b, cut);
            PdrtTensorSet out;
            err[0] = 0;
            assert_false(pdrt_weights_load(dst[f], &out, err, sizeof err));
            assert_true(err[0] != 0);
        }
        for (size_t at = 0; f > 0 && at < len; at += 7) { /* flipped bytes: an error or a clean load */
            unsigned char keep = b[at];
            b[at] ^= 0x5a;
            spit(dst[f], b, len);
            PdrtTensorSet out;
            if (pdrt_weights_load(dst[f], &out, err, sizeof err)) pdrt_tensorset_free(&out);
            b[at] = keep;
        }
        free(b);
    }
    pdrt_tensorset_free(&s);
}

static void bad_safetensors_are_refused(void **state) {
    (void)state;
    const struct { const char *json; const char *want; } cases[] = {
        {"{\"a\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", "unsupported dtype F16"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 64]}}", "do not fit"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", "do not fit"},
        {"{\"a\": {\"dtype\": \"F32\"", "not a JSON object"},
        {"{\"__metadata__\": {\"x\": \"y\"}, \"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}   ", NULL},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        size_t jl = strlen(cases[k].json);
        unsigned char b[512] = {0};
        for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)jl >> (8 * i));
        memcpy(b + 8, cases[k].json, jl);
        spit(TMP "/bad.safetensors", b, 8 + jl + 8);
        PdrtTensorSet out;
        char err[256] = "";
        bool ok = pdrt_safetensors_load(TMP "/bad.safetensors", &out, err, sizeof err);
        if (!cases[k].want) {
            assert_true(ok);
            assert_int_equal(out.n, 1);
            pdrt_tensorset_free(&out);
        } else if (ok || !strstr(err, cases[k].want)) {
            fail_msg("case %zu: '%s' does not contain '%s'", k, err, cases[k].want);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(npy_round_trips_every_dtype),
        cmocka_unit_test(npy_headers_are_read_robustly),
        cmocka_unit_test(bad_npy_headers_are_refused),
        cmocka_unit_test(archives_round_trip),
        cmocka_unit_test(every_truncation_fails_cleanly),
        cmocka_unit_test(bad_safetensors_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
