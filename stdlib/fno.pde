# std.fno — Fourier neural operators (Li et al., "Fourier Neural Operator
# for Parametric PDEs", ICLR 2021), channels-last, in the language itself.
# Parameter names match the reference PyTorch models of tools/make_goldens.py.

# Spectral convolution over one axis: keep the lowest `modes` frequencies,
# mix channels per mode with complex weights, zeros elsewhere.
module spectral_conv1d(cin: int, cout: int, modes: int) {
    param weight1 : c64[cin, cout, modes]
    forward(x : f32[B, X, cin]) -> f32[B, X, cout] {
        xf = rfft(x, axes = [1])                       # c64[B, X/2+1, cin]
        lo = mix(xf[:, :modes, :], weight1)            # c64[B, modes, cout]
        yf = pad(lo, pads = [0, 0, 0, X / 2 + 1 - modes, 0, 0])
        return irfft(yf, axes = [1], n = [X])
    }
}

# Spectral convolution over two axes: the kept modes are the first and the
# last modes[0] rows (positive and negative frequencies) and the first
# modes[1] columns of the half spectrum.
module spectral_conv2d(cin: int, cout: int, modes: int[2]) {
    const m0 = modes[0]
    const m1 = modes[1]
    param weight1 : c64[cin, cout, m0, m1]
    param weight2 : c64[cin, cout, m0, m1]
    forward(x : f32[B, X, Y, cin]) -> f32[B, X, Y, cout] {
        xf = rfft(x, axes = [1, 2])                    # c64[B, X, Y/2+1, cin]
        lo = mix(xf[:, :m0, :m1, :], weight1)
        hi = mix(xf[:, -m0:, :m1, :], weight2)
        yf = pad(lo, pads = [0, 0, 0, X - m0, 0, Y / 2 + 1 - m1, 0, 0]) +
             pad(hi, pads = [0, 0, X - m0, 0, 0, Y / 2 + 1 - m1, 0, 0])
        return irfft(yf, axes = [1, 2], n = [X, Y])
    }
}

# One Fourier layer: spectral path plus pointwise skip, GELU unless last.
module fno_block1d(width: int, modes: int) {
    layer spectral = spectral_conv1d(width, width, modes)
    layer skip     = conv1x1_1d(width, width)
    forward(x : f32[B, X, width], last: bool = false) -> f32[B, X, width] {
        h = spectral(x) + skip(x)
        return last ? h : gelu(h)
    }
}

module fno_block2d(width: int, modes: int[2]) {
    layer spectral = spectral_conv2d(width, width, modes)
    layer skip     = conv1x1(width, width)
    forward(x : f32[B, X, Y, width], last: bool = false) -> f32[B, X, Y, width] {
        h = spectral(x) + skip(x)
        return last ? h : gelu(h)
    }
}

# The FNO of the original code: lift, 4 Fourier layers, project.
module fno1d(cin: int, width: int, modes: int, cout: int = 1) {
    layer fc0    = linear(cin, width)
    layer blocks = fno_block1d(width, modes) x 4
    layer fc1    = linear(width, 128)
    layer fc2    = linear(128, cout)
    forward(x : f32[B, X, cin]) -> f32[B, X, cout] {
        h = fc0(x)
        for i in 0..4 {
            h = blocks[i](h, last = i == 3)
        }
        return fc2(gelu(fc1(h)))
    }
}

module fno2d(cin: int, width: int, modes: int[2], cout: int = 1) {
    layer fc0    = linear(cin, width)
    layer blocks = fno_block2d(width, modes) x 4
    layer fc1    = linear(width, 128)
    layer fc2    = linear(128, cout)
    forward(x : f32[B, X, Y, cin]) -> f32[B, X, Y, cout] {
        h = fc0(x)
        for i in 0..4 {
            h = blocks[i](h, last = i == 3)
        }
        return fc2(gelu(fc1(h)))
    }
}
