# Diagnostic: matmul inner.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 784]
    input w : f32[256, 10]
    output y = x @ w
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}matmul-inner.pde:6:16: error: matmul: inner dimensions differ: f32[1,784] @ f32[256,10]
# CHECK-NEXT:{{^}}    output y = x @ w
# CHECK-NEXT:{{^}}               ^~~~~
