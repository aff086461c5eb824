# Diagnostic: statement not allowed.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[2]
    param w : f32[2]
    output y = x * w
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}statement-not-allowed.pde:5:5: error: 'param' is not allowed in a model
# CHECK-NEXT:{{^}}    param w : f32[2]
# CHECK-NEXT:{{^}}    ^~~~~~~~~~~~~~~~
