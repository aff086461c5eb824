# Diagnostic: syntax error.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[2]
    output y = relu(x
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}syntax-error.pde:6:1: error: syntax error, unexpected '}'
# CHECK-NEXT:{{^}}}
# CHECK-NEXT:{{^}}^
