# Symbolic dims bind from the argument's shape; shape arithmetic uses them.
# RUN: pdec dump %s | FileCheck %s
# CHECK: %[[X:[0-9]+]] = input "x" : f32[2,10,6]
# CHECK: slice(%[[X]]) {starts = [0, 0, 0], ends = [2, 6, 6], steps = [1, 1, 1]} : f32[2,6,6]
def half_plus_one(a : f32[B, N, C]) -> f32[B, N / 2 + 1, C] {
    return a[:, :N / 2 + 1, :]
}
model m {
    input x : f32[2, 10, 6]
    output y = half_plus_one(x)
}
