# Diagnostic: loop bound not int.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[2]
    for i in 0..2.5 {
        x2 = x
    }
    output y = x
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}loop-bound-not-int.pde:5:17: error: a loop bound must be an int, not float
# CHECK-NEXT:{{^}}    for i in 0..2.5 {
# CHECK-NEXT:{{^}}                ^~~
