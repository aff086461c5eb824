# Diagnostic: a parameter the weights file lacks, named with its expected shape.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    weights "Inputs/fc_missing.npz"
    layer fc = linear(4, 2)
    output y = fc(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}weights-missing-param.pde:6:5: error: weights file '{{.*}}Inputs/fc_missing.npz' has no tensor 'fc.bias' (expected f32[2])
# CHECK-NEXT:{{^}}    layer fc = linear(4, 2)
# CHECK-NEXT:{{^}}    ^~~~~~~~~~~~~~~~~~~~~~~
