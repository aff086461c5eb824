# Diagnostic: argument not tensor.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    layer fc = linear(4, 2)
    output y = fc(3)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}argument-not-tensor.pde:6:19: error: argument 'x' of 'linear.forward' must be a tensor, not int
# CHECK-NEXT:{{^}}    output y = fc(3)
# CHECK-NEXT:{{^}}                  ^
