/* tensor.c — host tensors of the runtime: allocation, sizes, named sets.
 *
 * Data buffers are 64-byte aligned (what the C backend's vector loads and
 * AVX-512 want).  Sizes are computed overflow-safely: a shape whose byte
 * size does not fit is refused, never wrapped.
 */
#include "pdrt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const size_t dtype_sizes[] = {4, 8, 8, 8};
static const char *const dtype_names[] = {"f32", "f64", "c64", "i64"};

bool pdrt_fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen) vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return false;
}

size_t pdrt_dtype_size(PdrtDType t) { return (unsigned)t < 4 ? dtype_sizes[t] : 0; }
const char *pdrt_dtype_name(PdrtDType t) { return (unsigned)t < 4 ? dtype_names[t] : "?"; }

int64_t pdrt_numel(const PdrtTensor *t) {
    int64_t n = 1;
    for (uint32_t i = 0; i < t->rank; i++) n *= t->dims[i];
    return n;
}

/* Byte size of a shape, or false when a dim is negative or it overflows. */
bool pdrt_shape_bytes(PdrtDType dt, uint32_t rank, const int64_t *dims, size_t *out) {
    if (rank > PDRT_MAX_RANK || pdrt_dtype_size(dt) == 0) return false;
    uint64_t n = pdrt_dtype_size(dt);
    for (uint32_t i = 0; i < rank; i++) {
        if (dims[i] < 0) return false;
        if (dims[i] != 0 && n > (UINT64_MAX >> 1) / (uint64_t)dims[i]) return false;
        n *= (uint64_t)dims[i];
    }
    if (n > SIZE_MAX / 2) return false;
    *out = (size_t)n;
    return true;
}

bool pdrt_tensor_alloc(PdrtTensor *t, PdrtDType dt, uint32_t rank, const int64_t *dims) {
    size_t bytes;
    memset(t, 0, sizeof *t);
    if (!pdrt_shape_bytes(dt, rank, dims, &bytes)) return false;
    size_t padded = (bytes + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, padded ? padded : 64);
    if (!p) return false;
    memset(p, 0, padded ? padded : 64);
    t->dtype = dt;
    t->rank = rank;
    if (rank) memcpy(t->dims, dims, rank * sizeof *dims);
    t->data = p;
    t->nbytes = bytes;
    return true;
}

void pdrt_tensor_free(PdrtTensor *t) {
    if (!t) return;
    free(t->data);
    memset(t, 0, sizeof *t);
}

void pdrt_tensorset_free(PdrtTensorSet *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].name);
        pdrt_tensor_free(&s->items[i].t);
    }
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

long pdrt_tensorset_find(const PdrtTensorSet *s, const char *name) {
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i].name, name) == 0) return (long)i;
    return -1;
}

bool pdrt_tensorset_add(PdrtTensorSet *s, const char *name, PdrtTensor *t) {
    PdrtNamedTensor *items = realloc(s->items, (s->n + 1) * sizeof *items);
    if (!items) return false;
    s->items = items;
    size_t len = strlen(name);
    char *copy = malloc(len + 1);
    if (!copy) return false;
    memcpy(copy, name, len + 1);
    items[s->n].name = copy;
    items[s->n].t = *t;
    memset(t, 0, sizeof *t);
    s->n++;
    return true;
}
