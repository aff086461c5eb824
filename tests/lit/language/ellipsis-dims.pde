# `...` in a parameter type matches any number of leading dims.
# RUN: pdec dump %s | FileCheck %s
# CHECK: matmul(%{{[0-9]+}}, %{{[0-9]+}}) : f32[2,3,5,8]
# CHECK: output "y"(%{{[0-9]+}}) : f32[2,3,5,8]
model m {
    input x : f32[2, 3, 5, 4]
    layer fc = linear(4, 8)
    output y = fc(x)
}
