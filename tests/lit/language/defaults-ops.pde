# Friendly op defaults: reductions over all axes, transpose reversing the
# axes, softmax on the last axis, negative axes, reshape with -1.
# RUN: pdec dump %s | FileCheck %s
# CHECK: sum(%0) {axes = [0, 1, 2], keepdims = 0} : f32[]
# CHECK: transpose(%0) {perm = [2, 1, 0]} : f32[4,3,2]
# CHECK: softmax(%0) {axis = 2} : f32[2,3,4]
# CHECK: mean(%0) {axes = [2], keepdims = 1} : f32[2,3,1]
# CHECK: reshape(%0) {shape = [6, 4]} : f32[6,4]
model m {
    input x : f32[2, 3, 4]
    output a = sum(x)
    output b = transpose(x)
    output c = softmax(x)
    output d = mean(x, axes = [-1], keepdims = true)
    output e = reshape(x, [-1, 4])
}
