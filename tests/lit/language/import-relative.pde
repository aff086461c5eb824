# import "path.pde" loads modules from a file next to this one.
# RUN: pdec dump %s | FileCheck %s
# CHECK: param "sc.scale" : f32[4]
# CHECK: mul(
import "Inputs/scale.pde"
model m {
    input x : f32[2, 4]
    layer sc = scale(4)
    output y = sc(x)
}
