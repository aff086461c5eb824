# std.fno's spectral convolution: rfft, the kept modes sliced, mixed per
# mode, padded back and inverted.
# RUN: pdec dump %s | FileCheck %s
# CHECK: param "sp.weight1" : c64[4,4,5]
# CHECK: rfft(%0) {axes = [1]} : c64[2,17,4]
# CHECK: slice(%{{[0-9]+}}) {starts = [0, 0, 0], ends = [2, 5, 4], steps = [1, 1, 1]} : c64[2,5,4]
# CHECK: mix(%{{[0-9]+}}, %{{[0-9]+}}) : c64[2,5,4]
# CHECK: pad(%{{[0-9]+}}) {pads = [0, 0, 0, 12, 0, 0], value = 0.0, mode = "constant"} : c64[2,17,4]
# CHECK: irfft(%{{[0-9]+}}) {axes = [1], n = [32]} : f32[2,32,4]
import std.fno
model m {
    input x : f32[2, 32, 4]
    layer sp = spectral_conv1d(4, 4, 5)
    output y = sp(x)
}
