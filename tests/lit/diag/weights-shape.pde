# Diagnostic: a weight of the wrong shape, with both shapes.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    weights "Inputs/fc_shape.npz"
    layer fc = linear(4, 2)
    output y = fc(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}weights-shape.pde:6:5: error: parameter 'fc.weight': model expects f32[2,4], weights file has f32[2,3]
# CHECK-NEXT:{{^}}    layer fc = linear(4, 2)
# CHECK-NEXT:{{^}}    ^~~~~~~~~~~~~~~~~~~~~~~
