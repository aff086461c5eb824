# A for loop unrolls at compile time.
# RUN: pdec dump %s | FileCheck %s
# CHECK-COUNT-4: tanh(
# CHECK-NOT: tanh(
model m {
    input x : f32[3]
    h = x
    for i in 0..4 {
        h = tanh(h)
    }
    output y = h
}
