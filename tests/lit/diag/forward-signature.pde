# Diagnostic: forward signature.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 5]
    layer fc = linear(4, 2)
    output y = fc(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}forward-signature.pde:6:19: error: argument 'x' of 'linear.forward' has type f32[1,5], expected f32[...,4]
# CHECK-NEXT:{{^}}    output y = fc(x)
# CHECK-NEXT:{{^}}                  ^
