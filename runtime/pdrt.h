/* pdrt.h — libpdecrt, the runtime: the only public API of pdec's runtime.
 *
 * Tensors in host memory and their files: .npy (v1/v2/v3), .npz (zip of
 * .npy, read with libzip), .safetensors (JSON header read with cJSON), and
 * a folder of .npy files.  Every reader validates sizes against the file
 * length before touching data, so a truncated or corrupt file gives an
 * error message, never a crash.  Writers go through a temporary file and
 * rename it into place.
 *
 * Memory: the runtime uses malloc/free (it does not know the compiler's
 * arenas).  Data buffers are 64-byte aligned.
 */
#ifndef PDRT_H
#define PDRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Same numbering as the IR's IrDType. */
typedef enum { PDRT_F32, PDRT_F64, PDRT_C64, PDRT_I64 } PdrtDType;

#define PDRT_MAX_RANK 8

typedef struct {
    PdrtDType dtype;
    uint32_t rank;
    int64_t dims[PDRT_MAX_RANK];
    void *data;    /* 64-byte aligned, owned (free with pdrt_tensor_free) */
    size_t nbytes; /* numel * element size */
} PdrtTensor;

typedef struct {
    char *name;
    PdrtTensor t;
} PdrtNamedTensor;

typedef struct {
    PdrtNamedTensor *items;
    size_t n;
} PdrtTensorSet;

size_t pdrt_dtype_size(PdrtDType t);
const char *pdrt_dtype_name(PdrtDType t);   /* "f32" ... */
int64_t pdrt_numel(const PdrtTensor *t);

/* Allocates zeroed data for the given dtype and shape. */
bool pdrt_tensor_alloc(PdrtTensor *t, PdrtDType dt, uint32_t rank, const int64_t *dims);
void pdrt_tensor_free(PdrtTensor *t);       /* frees data, zeroes t; NULL ok */
void pdrt_tensorset_free(PdrtTensorSet *s);
/* Writes a formatted message to err (when err is not NULL) and returns
 * false: the runtime's one way to report an error. */
bool pdrt_fail(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Appends (name, *t) to s, taking ownership of t's data (t is zeroed). */
bool pdrt_tensorset_add(PdrtTensorSet *s, const char *name, PdrtTensor *t);
/* Byte size of a shape; false when a dim is negative, the rank is too
 * large, or the size overflows. OUT: *bytes. */
bool pdrt_shape_bytes(PdrtDType dt, uint32_t rank, const int64_t *dims, size_t *bytes);
/* Index of name in s, or -1. */
long pdrt_tensorset_find(const PdrtTensorSet *s, const char *name);

/* All readers and writers: return true on success; on failure false with
 * a one-line message (no trailing newline, no "error:" prefix, naming the
 * problem, e.g. "truncated: header says 4096 data bytes, file has 100")
 * in err[errlen]. */

/* .npy from a file / from memory (name only labels messages). */
bool pdrt_npy_load(const char *path, PdrtTensor *out, char *err, size_t errlen);
bool pdrt_npy_parse(const void *buf, size_t len, PdrtTensor *out, char *err, size_t errlen);
/* Writes a v1 header .npy (v2 if the header needs it), atomically. */
bool pdrt_npy_save(const char *path, const PdrtTensor *t, char *err, size_t errlen);

/* The complete bytes of a .npy file for t, malloc'd (NULL on OOM). OUT: *len. */
void *pdrt_npy_encode(const PdrtTensor *t, size_t *len);
/* Writes len bytes to path through a temporary file + rename. */
bool pdrt_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);

bool pdrt_npz_load(const char *path, PdrtTensorSet *out, char *err, size_t errlen);
bool pdrt_npz_save(const char *path, const PdrtTensorSet *s, char *err, size_t errlen);
bool pdrt_safetensors_load(const char *path, PdrtTensorSet *out, char *err, size_t errlen);
bool pdrt_safetensors_save(const char *path, const PdrtTensorSet *s, char *err, size_t errlen);
/* Every NAME.npy in dir (not recursive) becomes tensor NAME. */
bool pdrt_npydir_load(const char *dir, PdrtTensorSet *out, char *err, size_t errlen);

/* Dispatches on what path is: a directory, *.npz, *.safetensors, *.npy
 * (one tensor named after the file stem). */
bool pdrt_weights_load(const char *path, PdrtTensorSet *out, char *err, size_t errlen);

#endif
