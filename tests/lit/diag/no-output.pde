# Diagnostic: no output.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[2]
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}no-output.pde:3:7: error: model 'm' has no output
# CHECK-NEXT:{{^}}model m {
# CHECK-NEXT:{{^}}      ^
