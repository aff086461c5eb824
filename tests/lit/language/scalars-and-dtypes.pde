# A number next to a tensor becomes a scalar of its dtype; casts and
# complex ops convert explicitly.
# RUN: pdec dump %s | FileCheck %s
# CHECK: const dense<[2.0]> : f64[]
# CHECK: cast(%{{[0-9]+}}) {dtype = f32} : f32[3]
# CHECK: complex(%{{[0-9]+}}, %{{[0-9]+}}) : c64[3]
# CHECK: real(%{{[0-9]+}}) : f32[3]
model m {
    input x : f64[3]
    h = cast(x * 2, dtype = f32)
    z = complex(h, h)
    output y = real(conj(z)) - 1
}
