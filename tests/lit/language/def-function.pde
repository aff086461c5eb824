# A def is a pure function, inlined at each call, with a checked return type.
# RUN: pdec dump %s | FileCheck %s
# CHECK: sigmoid(%0) : f32[2,5]
# CHECK-NEXT: mul(%0, %{{[0-9]+}}) : f32[2,5]
def swish(a : f32[..., C]) -> f32[..., C] {
    return a * sigmoid(a)
}
model m {
    input x : f32[2, 5]
    output y = swish(x)
}
