# Diagnostic: condition not constant.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[2]
    if x {
        y2 = x
    }
    output y = x
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}condition-not-constant.pde:5:8: error: condition must be a compile-time bool, not tensor f32[2]
# CHECK-NEXT:{{^}}    if x {
# CHECK-NEXT:{{^}}       ^
