# Diagnostic: assign to const.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    const k = 2
    input x : f32[2]
    k = 3
    output y = x * k
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}assign-to-const.pde:6:5: error: cannot assign to 'k', declared as a constant, input or layer
# CHECK-NEXT:{{^}}    k = 3
# CHECK-NEXT:{{^}}    ^
