/* interp.h — the reference interpreter: the oracle every backend and
 * rewrite is tested against.
 *
 * Executes a graph op by op, straightforwardly: every op of ir/ops.def,
 * every dtype the op accepts, numpy/PyTorch semantics (transforms through
 * FFTW3 with backward normalization; irfft ignores the imaginary parts of
 * the DC and Nyquist bins).  Clarity beats speed here, but it must run the
 * examples in seconds, not minutes.
 */
#ifndef PD_INTERP_H
#define PD_INTERP_H

#include "../../ir/ir.h"
#include "../../runtime/pdrt.h"

/* Runs g.  inputs[i] binds the i-th input node (graph order, see
 * ir_inputs); its dtype and shape must equal the node's (checked: a
 * mismatch is a user error naming the input and both shapes).  Every param
 * must be bound (ir_bind_param).  OUT: outputs[0..noutputs) in graph output
 * order, allocated by the interpreter; free with pdrt_tensor_free.
 * Returns false with a message in err on a user-level error. */
bool interp_run(const IrGraph *g, const PdrtTensor *inputs, uint32_t ninputs,
                PdrtTensor *outputs, uint32_t noutputs, char *err, size_t errlen);

/* Evaluates one node of g given tensors for its operands (in[i] for
 * operand i).  OUT: *out, allocated.  Used by constant folding.  Source
 * ops (input, param, output) are not evaluated here. */
bool interp_eval_node(const IrGraph *g, IrId id, const PdrtTensor *in,
                      PdrtTensor *out, char *err, size_t errlen);

#endif
