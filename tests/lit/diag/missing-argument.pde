# Diagnostic: missing argument.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    layer fc = linear(4)
    output y = fc(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}missing-argument.pde:5:16: error: missing argument 'cout' in call to 'linear'
# CHECK-NEXT:{{^}}    layer fc = linear(4)
# CHECK-NEXT:{{^}}               ^~~~~~~~~
