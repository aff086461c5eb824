/* cgen.h — the C renderer: prints a kernel-IR program as one C99 header
 * and one C99 source file.
 *
 * The generated API (NAME is the sanitized model name):
 *   NAME_model *NAME_create(const NAME_options *opt, char *err, size_t errlen);
 *   int NAME_run(NAME_model *m, const float *const inputs[], float *const outputs[]);
 *   void NAME_destroy(NAME_model *m);
 * plus size macros (NAME_ARENA_BYTES, NAME_INPUT0_SIZE, ...).  run never
 * allocates.  Transforms go through FFTW3 (single precision) with plans
 * made once in create.  The output is byte-identical for the same
 * program; no string from the model reaches it except as octal-escaped
 * string literals.
 * What this module does not do: compile or load the code (cjit.c).
 */
#ifndef PD_CGEN_H
#define PD_CGEN_H

#include <stdio.h>

#include "../kernel/kir.h"

typedef struct {
    bool embed_weights; /* the weights as a byte array in the source */
} CgenOptions;

/* Writes NAME.h to header and NAME.c to source. */
void cgen_emit(const KProgram *p, const CgenOptions *opt, FILE *header, FILE *source);

/* The bytes of NAME.weights: a 64-byte header (magic "PDECWGT1", payload
 * size, layout hash, payload checksum) and the payload.  OUT: *len; free(). */
void *cgen_weights_file(const KProgram *p, size_t *len);

/* Pieces the OpenCL host files share: the size macros of inputs and
 * outputs (NAME_INPUT0_SIZE, ..., NAME_INPUT_SIZES), the name arrays
 * (NAME_input_names, NAME_output_names), the weights-file reader
 * (pd_read_weights, with pd_u64 and pd_fnv), and a C string literal with
 * every byte outside [A-Za-z0-9_ ] octal-escaped. */
void cgen_io_macros(const KProgram *p, FILE *h);
void cgen_emit_names(const KProgram *p, FILE *c);
void cgen_emit_weights_reader(const KProgram *p, FILE *c);
void cgen_c_string(const char *s, FILE *out);

/* FNV-1a 64 of bytes, continuing from h (start with CGEN_FNV_SEED). */
#define CGEN_FNV_SEED 1469598103934665603ull
uint64_t cgen_fnv(uint64_t h, const void *data, size_t n);

#endif
