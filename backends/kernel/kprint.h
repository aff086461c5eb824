/* kprint.h — prints kernel-IR expressions as C-family source, for every
 * renderer.
 *
 * The C and OpenCL renderers spell the same expressions the same way
 * except for a few words: type names, 64-bit literals, and whether f32
 * math functions carry an `f` suffix (C's expf) or are overloaded
 * (OpenCL's exp).  A KSpelling holds those words; everything else —
 * index arithmetic, SSA statements, selects, conditions — is shared.
 * Helpers the spellings call (pd_clamp, pd_gelu, pd_idiv, pd_ipow,
 * pd_iabs, pd_to_i64, pd_tableN) are defined by each renderer's prelude.
 * What this module does not do: loops and the parallel mapping (the
 * renderers).
 */
#ifndef PD_KPRINT_H
#define PD_KPRINT_H

#include <stdio.h>

#include "kir.h"

typedef struct {
    const char *f32, *f64, *i64; /* scalar type names */
    const char *i64_literal;     /* printf format of an int64 literal (one %lld) */
    const char *f32_suffix;      /* appended to f32 math function names: "f" or "" */
    bool bool_conditions;        /* a select's condition must be an integer (OpenCL) */
} KSpelling;

extern const KSpelling kp_spell_c, kp_spell_opencl;

const char *kp_type(const KSpelling *s, IrDType t);
/* An index expression over loop variables i0, i1, ... */
void kp_index(const KSpelling *s, const KProgram *p, KId i, FILE *out);
/* An expression's operand spelling: a literal, accN, or its SSA name tN. */
void kp_operand(const KSpelling *s, const KProgram *p, KId e, FILE *out);
/* The right-hand side of expression e's SSA statement. */
void kp_rhs(const KSpelling *s, const KProgram *p, KId e, FILE *out);
/* Marks e and everything it needs in want (p->ex.len entries). */
void kp_need(const KProgram *p, KId e, uint8_t *want);
/* `const T tN = ...;` for every marked expression, in id order (operands
 * always have smaller ids); constants and accumulators are inline. */
void kp_emit_ssa(const KSpelling *s, const KProgram *p, const uint8_t *want, int indent, FILE *out);
/* A loop kernel's stores at output point (i0, ..., i(rank-1)): the SSA
 * statements they need, `const IDX at = <linear index>;` and one
 * `b<out>[at + s] = ...;` per stored value. */
void kp_emit_stores(const KSpelling *s, const KProgram *p, const KKernel *k, const char *idx_type, int indent, FILE *out);
/* Whether any expression of p is of type t (constants excluded). */
bool kp_uses_dtype(const KProgram *p, IrDType t);
/* Whether p evaluates an f32 GELU (the prelude then defines pd_gelu). */
bool kp_uses_f32_gelu(const KProgram *p);

#endif
