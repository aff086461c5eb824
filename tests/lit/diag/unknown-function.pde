# Diagnostic: unknown function.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[2]
    output y = frobnicate(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}unknown-function.pde:5:16: error: unknown function 'frobnicate'
# CHECK-NEXT:{{^}}    output y = frobnicate(x)
# CHECK-NEXT:{{^}}               ^~~~~~~~~~
