# The first block of the fno1d example (its weights, width 64, 16 modes)
# after the lifting layer, on its full grid of 1024 points, batch 1: what the
# bound analysis is asked to handle whole (rfft, mode slice, complex mix,
# zero padding, irfft, the 1x1 skip, GELU).
import std.fno

model fno1d_block0 {
    const W = 64
    input x : f32[1, 1024, 2]
    weights "../../../../examples/fno1d/fno1d.safetensors"

    layer fc0    = linear(2, W)
    layer blocks = fno_block1d(W, 16) x 1

    output y : f32[1, 1024, 64] = blocks[0](fc0(x))
}
