# The fno1d example (its weights: width 64, 16 modes, 4 blocks) on a grid
# of 32 points, batch 1: a whole FNO the bound analysis handles.
import std.fno

model fno1d_x32 {
    const W = 64
    input x : f32[1, 32, 2]
    weights "../../../../examples/fno1d/fno1d.safetensors"

    layer fc0    = linear(2, W)
    layer blocks = fno_block1d(W, 16) x 4

    layer fc1    = linear(W, 128)
    layer fc2    = linear(128, 1)

    h = fc0(x)
    for i in 0..4 {
        h = blocks[i](h, last = i == 3)
    }
    output y : f32[1, 32, 1] = fc2(gelu(fc1(h)))
}
