/* npycmp — compares two .npy files numerically, for the file tests.
 *
 *   npycmp ACTUAL.npy EXPECTED.npy [--rtol R] [--atol A]
 *
 * Shapes must be equal; f32/f64 may be compared with each other, c64 only
 * with c64 (both parts compared), i64 exactly.  Passes when
 * max|actual - expected| <= rtol * max|expected| + atol (rtol 1e-4 and
 * atol 0 by default): the error is relative to the output's magnitude, not
 * per element.  Exit 0 pass, 1 mismatch, 2 unreadable input.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdrt.h"

/* Element i as a double; c64 counts as two reals (re, im). */
static double elem(const PdrtTensor *t, int64_t i) {
    switch (t->dtype) {
    case PDRT_F32: return ((const float *)t->data)[i];
    case PDRT_C64: return ((const float *)t->data)[i];
    case PDRT_F64: return ((const double *)t->data)[i];
    case PDRT_I64: return (double)((const int64_t *)t->data)[i];
    }
    return 0;
}

static void print_shape(const PdrtTensor *t) {
    printf("%s[", pdrt_dtype_name(t->dtype));
    for (uint32_t i = 0; i < t->rank; i++) printf(i ? ",%lld" : "%lld", (long long)t->dims[i]);
    printf("]");
}

/* flat: only the element counts must agree (a flat f32 file holding a
 * complex tensor's interleaved parts counts twice). */
static bool shapes_agree(const PdrtTensor *a, const PdrtTensor *e, bool flat) {
    if (flat)
        return pdrt_numel(a) * (a->dtype == PDRT_C64 ? 2 : 1) == pdrt_numel(e) * (e->dtype == PDRT_C64 ? 2 : 1);
    bool same_shape = a->rank == e->rank && (a->dtype == PDRT_C64) == (e->dtype == PDRT_C64);
    for (uint32_t i = 0; same_shape && i < a->rank; i++) same_shape = a->dims[i] == e->dims[i];
    return same_shape;
}

static int compare(const PdrtTensor *a, const PdrtTensor *e, double rtol, double atol, bool flat) {
    if (!shapes_agree(a, e, flat)) {
        printf("npycmp: shapes differ: ");
        print_shape(a);
        printf(" vs expected ");
        print_shape(e);
        printf("\n");
        return 1;
    }
    int64_t n = pdrt_numel(e) * (e->dtype == PDRT_C64 ? 2 : 1);
    double max_err = 0, max_ref = 0;
    int64_t worst = 0;
    bool nan_seen = false;
    for (int64_t i = 0; i < n; i++) {
        double x = elem(a, i), y = elem(e, i), d = fabs(x - y);
        if (isnan(x) != isnan(y)) nan_seen = true;
        if (d > max_err) max_err = d, worst = i;
        if (fabs(y) > max_ref) max_ref = fabs(y);
    }
    double rel = max_ref > 0 ? max_err / max_ref : max_err;
    printf("max abs err %.3e, max |expected| %.3e, rel %.3e\n", max_err, max_ref, rel);
    if (nan_seen || max_err > rtol * max_ref + atol) {
        printf("npycmp: MISMATCH at flat index %lld: %.9g vs expected %.9g (rtol %g, atol %g)%s\n",
               (long long)worst, elem(a, worst), elem(e, worst), rtol, atol,
               nan_seen ? " (NaN in one file only)" : "");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    double rtol = 1e-4, atol = 0;
    bool flat = false;
    const char *files[2] = {NULL, NULL};
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rtol") == 0 && i + 1 < argc) rtol = atof(argv[++i]);
        else if (strcmp(argv[i], "--atol") == 0 && i + 1 < argc) atol = atof(argv[++i]);
        else if (strcmp(argv[i], "--flat") == 0) flat = true;
        else if (nfiles < 2) files[nfiles++] = argv[i];
        else nfiles = 3;
    }
    if (nfiles != 2) {
        fprintf(stderr, "usage: npycmp ACTUAL.npy EXPECTED.npy [--rtol R] [--atol A] [--flat]\n");
        return 2;
    }
    PdrtTensor t[2];
    char err[256];
    for (int i = 0; i < 2; i++)
        if (!pdrt_npy_load(files[i], &t[i], err, sizeof err)) {
            fprintf(stderr, "npycmp: %s: %s\n", files[i], err);
            if (i) pdrt_tensor_free(&t[0]);
            return 2;
        }
    int rc = compare(&t[0], &t[1], rtol, atol, flat);
    pdrt_tensor_free(&t[0]);
    pdrt_tensor_free(&t[1]);
    return rc;
}
