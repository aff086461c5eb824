# FNO-2D (Li et al. 2021): a 64x64 grid, width 32, 12x12 modes, 4 blocks.
# Input channels: the field a(x, y) and the grid coordinates x and y.
import std.fno

model fno2d {
    const W = 32
    const M = 12
    input x : f32[1, 64, 64, 3]            # [batch, x, y, channels]
    weights "weights"                      # a folder of .npy files

    layer fc0    = linear(3, W)            # params fc0.weight, fc0.bias
    layer blocks = fno_block2d(W, [M, M]) x 4
    layer fc1    = linear(W, 128)
    layer fc2    = linear(128, 1)

    h = fc0(x)
    for i in 0..4 {
        h = blocks[i](h, last = i == 3)    # compile-time loop, unrolled
    }
    output y = fc2(gelu(fc1(h)))
}
