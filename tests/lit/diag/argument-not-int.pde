# Diagnostic: argument not int.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    layer fc = linear(4, "two")
    output y = fc(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}argument-not-int.pde:5:26: error: argument 'cout' of 'linear' must be int, not string
# CHECK-NEXT:{{^}}    layer fc = linear(4, "two")
# CHECK-NEXT:{{^}}                         ^~~~~
