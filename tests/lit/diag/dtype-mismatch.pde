# Diagnostic: dtype mismatch.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input a : f32[2]
    input b : f64[2]
    output y = a * b
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}dtype-mismatch.pde:6:16: error: mul: dtypes differ: f32[2] and f64[2]
# CHECK-NEXT:{{^}}    output y = a * b
# CHECK-NEXT:{{^}}               ^~~~~
