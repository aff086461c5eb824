# Diagnostic: missing return.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
def f(a : f32[N]) -> f32[N] {
    b = a
}
model m {
    input x : f32[2]
    output y = f(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}missing-return.pde:3:5: error: 'f' ends without 'return'
# CHECK-NEXT:{{^}}def f(a : f32[N]) -> f32[N] {
# CHECK-NEXT:{{^}}    ^
