# An unused tensor in the weights file is a warning, and the check passes.
# RUN: pdec check %s 2>&1 | FileCheck %s
# CHECK: pdec: warning: weights file '{{.*}}fc_extra.npz' has a tensor 'fc.bais' that no parameter uses
model m {
    input x : f32[1, 4]
    weights "Inputs/fc_extra.npz"
    layer fc = linear(4, 2)
    output y = fc(x)
}
