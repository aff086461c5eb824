# Diagnostic: broadcast mismatch.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input a : f32[2, 3]
    input b : f32[4, 3]
    output y = a + b
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}broadcast-mismatch.pde:6:16: error: add: shapes f32[2,3] and f32[4,3] do not broadcast
# CHECK-NEXT:{{^}}    output y = a + b
# CHECK-NEXT:{{^}}               ^~~~~
