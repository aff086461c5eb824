# Diagnostic: inconsistent dim.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
def both(a : f32[N], b : f32[N]) -> f32[N] {
    return a + b
}
model m {
    input x : f32[2]
    input z : f32[3]
    output y = both(x, z)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}inconsistent-dim.pde:9:24: error: argument 'b' of 'both' has type f32[3], expected f32[2]
# CHECK-NEXT:{{^}}    output y = both(x, z)
# CHECK-NEXT:{{^}}                       ^
