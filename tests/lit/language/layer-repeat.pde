# `layer NAME = M(...) x N` makes N instances named NAME.0 .. NAME.N-1, and
# NAME[i] picks one; params are named like a PyTorch state_dict.
# RUN: pdec dump %s | FileCheck %s
# CHECK: param "blocks.0.weight" : f32[4,4]
# CHECK: param "blocks.0.bias" : f32[4]
# CHECK: param "blocks.1.weight" : f32[4,4]
# CHECK: param "blocks.2.bias" : f32[4]
# CHECK-NOT: blocks.3
model m {
    input x : f32[1, 4]
    layer blocks = linear(4, 4) x 3
    h = x
    for i in 0..3 {
        h = blocks[i](h)
    }
    output y = h
}
