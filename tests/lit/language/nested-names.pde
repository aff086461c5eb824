# Sub-layers of sub-layers get dotted names: outer.inner.param.
# RUN: pdec dump %s | FileCheck %s
# CHECK: param "head.fc1.weight" : f32[8,4]
# CHECK: param "head.fc2.bias" : f32[2]
model m {
    input x : f32[3, 4]
    layer head = mlp(4, 8, 2)
    output y = head(x)
}
