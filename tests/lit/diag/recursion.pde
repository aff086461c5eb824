# Diagnostic: recursion.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
def f(a : f32[N]) -> f32[N] {
    return f(a)
}
model m {
    input x : f32[2]
    output y = f(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}recursion.pde:4:12: error: recursion too deep (more than 64 nested calls)
# CHECK-NEXT:{{^}}    return f(a)
# CHECK-NEXT:{{^}}           ^~~~
