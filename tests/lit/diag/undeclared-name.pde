# Diagnostic: undeclared name.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[2]
    output y = relu(z)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}undeclared-name.pde:5:21: error: use of undeclared name 'z'
# CHECK-NEXT:{{^}}    output y = relu(z)
# CHECK-NEXT:{{^}}                    ^
