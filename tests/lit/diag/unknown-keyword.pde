# Diagnostic: unknown keyword.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    layer fc = linear(4, cout = 2, bias = false)
    output y = fc(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}unknown-keyword.pde:5:36: error: 'linear' has no parameter named 'bias'
# CHECK-NEXT:{{^}}    layer fc = linear(4, cout = 2, bias = false)
# CHECK-NEXT:{{^}}                                   ^~~~~~~~~~~~
