# Diagnostic: output type.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[2, 3]
    output y : f32[3, 2] = relu(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}output-type.pde:5:28: error: output 'y' has type f32[2,3], declared f32[3,2]
# CHECK-NEXT:{{^}}    output y : f32[3, 2] = relu(x)
# CHECK-NEXT:{{^}}                           ^~~~~~~
