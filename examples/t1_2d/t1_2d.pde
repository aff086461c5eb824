# A T1-style model on a 64x64 grid, width 32, 12x12 modes: the same size as
# examples/fno2d, but one transform in and one out instead of a pair per
# layer (Poli et al., "Transform Once", NeurIPS 2022).
import std.t1

model t1_2d {
    input x : f32[1, 64, 64, 3]         # [batch, x, y, channels]
    weights "t1_2d.npz"

    layer net = t1_2d(3, 32, [12, 12])  # params net.fc0.weight, net.blocks.0.weight, ...

    output y = net(x)
}
