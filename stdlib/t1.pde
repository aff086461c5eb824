# std.t1 — models that live in the frequency domain ("Transform Once",
# Poli et al., NeurIPS 2022; the released code is DiffEqML/kairos): one
# forward transform after lifting, every layer on the truncated spectrum,
# one inverse at the end.  This one uses the DCT, so the spectrum is real
# and the layers are ordinary real layers on the kept modes.
# Parameter names match the reference PyTorch model of tools/make_goldens.py.

# One layer on the kept modes: per-mode channel mixing plus a pointwise
# linear skip, GELU on the coefficients unless last.
module t1_block2d(width: int, modes: int[2]) {
    param weight : f32[width, width, modes[0], modes[1]]
    layer skip   = linear(width, width)
    forward(z : f32[B, M0, M1, width], last: bool = false) -> f32[B, M0, M1, width] {
        h = mix(z, weight) + skip(z)
        return last ? h : gelu(h)
    }
}

# Lift, DCT over the grid (scaled to the mean: the DC coefficient is the
# field's average), keep modes[0] x modes[1] coefficients, 4 layers, the
# inverse DCT of the kept coefficients (zeros elsewhere), project.
module t1_2d(cin: int, width: int, modes: int[2], cout: int = 1) {
    const m0 = modes[0]
    const m1 = modes[1]
    layer fc0    = linear(cin, width)
    layer blocks = t1_block2d(width, modes) x 4
    layer fc1    = linear(width, 128)
    layer fc2    = linear(128, cout)
    forward(x : f32[B, X, Y, cin]) -> f32[B, X, Y, cout] {
        h = fc0(x)
        z = dct(h, axes = [1, 2])[:, :m0, :m1, :] * (1.0 / (4 * X * Y))
        for i in 0..4 {
            z = blocks[i](z, last = i == 3)
        }
        y = idct(pad(z, pads = [0, 0, 0, X - m0, 0, Y - m1, 0, 0]), axes = [1, 2]) * (4.0 * X * Y)
        return fc2(gelu(fc1(y)))
    }
}
