/* test_clgen.c — the libclang check of generated OpenCL: clean code
 * passes; an error or a warning fails with the kernel it is in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backends/opencl/clgen.h"

static const char clean[] =
    "__kernel void k0_relu(__global const float *in0, __global float *out0) {\n"
    "    const int i = (int)get_global_id(0);\n"
    "    out0[i] = in0[i] < 0 ? 0 : in0[i];\n"
    "}\n";

static void clean_source_passes(void **state) {
    (void)state;
    char err[1024] = "";
    assert_true(clgen_check(clean, "model", err, sizeof err));
}

static void error_names_its_kernel(void **state) {
    (void)state;
    static const char bad[] =
        "__kernel void k0_relu(__global float *out0) { out0[0] = 1.0f; }\n"
        "__kernel void k1_broken(__global float *out0) {\n"
        "    out0[0] = undeclared_thing;\n"
        "}\n";
    char err[1024] = "";
    assert_false(clgen_check(bad, "model", err, sizeof err));
    assert_non_null(strstr(err, "model.cl:3:"));
    assert_non_null(strstr(err, "in kernel k1_broken"));
    assert_non_null(strstr(err, "undeclared_thing"));
}

static void warning_fails_too(void **state) {
    (void)state;
    static const char unused[] =
        "__kernel void k2_sum(__global float *out0) {\n"
        "    const float t9 = 1.0f;\n"
        "    out0[0] = 2.0f;\n"
        "}\n";
    char err[1024] = "";
    assert_false(clgen_check(unused, "m", err, sizeof err));
    assert_non_null(strstr(err, "in kernel k2_sum: unused variable 't9'"));
}

static void opencl_builtins_are_known(void **state) {
    (void)state;
    static const char builtins[] =
        "__attribute__((reqd_work_group_size(8, 1, 1)))\n"
        "__kernel void k0_gemm(__global const float *in0, __global float *out0) {\n"
        "    __local float8 tile[8];\n"
        "    const int l = (int)get_local_id(0);\n"
        "    tile[l] = vload8(l, in0);\n"
        "    barrier(CLK_LOCAL_MEM_FENCE);\n"
        "    vstore8(tile[7 - l] * cospi(0.5f), l, out0);\n"
        "}\n";
    char err[1024] = "";
    assert_true(clgen_check(builtins, "m", err, sizeof err));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_source_passes),
        cmocka_unit_test(error_names_its_kernel),
        cmocka_unit_test(warning_fails_too),
        cmocka_unit_test(opencl_builtins_are_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
