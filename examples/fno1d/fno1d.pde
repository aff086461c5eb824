# FNO-1D (Li et al. 2021): 1024 grid points, width 64, 16 modes, 4 blocks,
# batch 8.  Input channels: the initial condition a(x) and the grid x.
import std.fno

model fno1d {
    const W = 64
    input x : f32[8, 1024, 2]
    weights "fno1d.safetensors"

    layer fc0    = linear(2, W)
    layer blocks = fno_block1d(W, 16) x 4
    layer fc1    = linear(W, 128)
    layer fc2    = linear(128, 1)

    h = fc0(x)
    for i in 0..4 {
        h = blocks[i](h, last = i == 3)
    }
    output y : f32[8, 1024, 1] = fc2(gelu(fc1(h)))
}
