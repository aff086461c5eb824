# Diagnostic: too many arguments.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    layer fc = linear(4, 2, 7)
    output y = fc(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}too-many-arguments.pde:5:29: error: too many arguments to 'linear' (expected at most 2, got 3)
# CHECK-NEXT:{{^}}    layer fc = linear(4, 2, 7)
# CHECK-NEXT:{{^}}                            ^
