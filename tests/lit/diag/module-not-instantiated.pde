# Diagnostic: module not instantiated.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    output y = linear(4, 2)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}module-not-instantiated.pde:5:16: error: module 'linear' must be instantiated first: 'layer NAME = linear(...)'
# CHECK-NEXT:{{^}}    output y = linear(4, 2)
# CHECK-NEXT:{{^}}               ^~~~~~~~~~~~
