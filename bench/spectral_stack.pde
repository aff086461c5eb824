# bench: 4 spectral convolutions of fno2d with nothing between them (no skip
# path, no activation): transform_once turns 8 transforms into 2.  Uses
# fno2d's weights (fc0 and the blocks' spectral weights; the rest unused).
import std.fno

module spectral_only(width: int, modes: int[2]) {
    layer spectral = spectral_conv2d(width, width, modes)
    forward(x : f32[B, X, Y, width]) -> f32[B, X, Y, width] {
        return spectral(x)
    }
}

model spectral_stack {
    input x : f32[1, 64, 64, 3]
    weights "../examples/fno2d/weights"

    layer fc0    = linear(3, 32)
    layer blocks = spectral_only(32, [12, 12]) x 4

    h = fc0(x)
    for i in 0..4 {
        h = blocks[i](h)
    }
    output y = h
}
