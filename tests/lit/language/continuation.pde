# A statement continues on the next line after an operator or inside ( ).
# RUN: pdec dump %s | FileCheck %s
# CHECK-COUNT-2: add(
model m {
    input x : f32[2]
    output y = x +
               x +
               relu(
                   x)
}
