# Diagnostic: return type.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
def widen(a : f32[N]) -> f32[N, 1] {
    return a
}
model m {
    input x : f32[2]
    output y = widen(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}return-type.pde:8:16: error: the result of 'widen' has type f32[2], expected f32[2,1]
# CHECK-NEXT:{{^}}    output y = widen(x)
# CHECK-NEXT:{{^}}               ^~~~~~~~
