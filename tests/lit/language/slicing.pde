# Slices follow Python: negative indices count from the end, steps may be
# negative, and an integer index drops the axis (slice + reshape).
# RUN: pdec dump %s | FileCheck %s
# CHECK: slice(%0) {starts = [6, 0], ends = [8, 3], steps = [1, 1]} : f32[2,3]
# CHECK: slice(%0) {starts = [7, 0], ends = [-1, 3], steps = [-2, 1]} : f32[4,3]
# CHECK: slice(%0) {starts = [0, 1], ends = [8, 2], steps = [1, 1]} : f32[8,1]
# CHECK-NEXT: reshape(%{{[0-9]+}}) {shape = [8]} : f32[8]
model m {
    input x : f32[8, 3]
    output a = x[-2:]
    output b = x[::-2]
    output c = x[:, 1]
}
