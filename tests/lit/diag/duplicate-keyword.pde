# Diagnostic: duplicate keyword.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    layer fc = linear(4, cin = 4)
    output y = fc(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}duplicate-keyword.pde:5:26: error: argument 'cin' of 'linear' is given twice
# CHECK-NEXT:{{^}}    layer fc = linear(4, cin = 4)
# CHECK-NEXT:{{^}}                         ^~~~~~~
