# A module named like an op (conv2d) is instantiated by `layer`; calling
# that name inside its forward means the op.
# RUN: pdec dump %s | FileCheck %s
# CHECK: param "c.weight" : f32[4,2,3,3]
# CHECK: conv2d(%0, %{{[0-9]+}})
model m {
    input x : f32[1, 6, 6, 2]
    layer c = conv2d(2, 4, 3)
    output y = c(x)
}
