# The first block of the fno2d example (its weights, width 32, 12x12
# modes) after the lifting layer, on its full 64x64 grid, batch 1: rfft
# and irfft over two axes (kept as one-axis passes), two complex mixes,
# the 1x1 skip, GELU.  For bench/bounds_fno.sh.
import std.fno

model fno2d_block0 {
    const W = 32
    input x : f32[1, 64, 64, 3]
    weights "../../../../examples/fno2d/weights"

    layer fc0    = linear(3, W)
    layer blocks = fno_block2d(W, [12, 12]) x 1

    output y : f32[1, 64, 64, 32] = blocks[0](fc0(x))
}
