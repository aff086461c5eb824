# Diagnostic: division by zero.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    const N = 4
    input x : f32[N / (N - 4)]
    output y = x
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}division-by-zero.pde:5:19: error: division by zero in a constant expression
# CHECK-NEXT:{{^}}    input x : f32[N / (N - 4)]
# CHECK-NEXT:{{^}}                  ^~~~~~~~~~~
