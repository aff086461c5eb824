# Diagnostic: redefinition.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[2]
    const x = 3
    output y = relu(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}redefinition.pde:5:11: error: redefinition of 'x'
# CHECK-NEXT:{{^}}    const x = 3
# CHECK-NEXT:{{^}}          ^
