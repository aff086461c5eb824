# Diagnostic: conv channels.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 8, 8, 3]
    layer conv = conv2d(1, 4, 3)
    output y = conv(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}conv-channels.pde:6:21: error: argument 'x' of 'conv2d.forward' has type f32[1,8,8,3], expected f32[1,8,8,1]
# CHECK-NEXT:{{^}}    output y = conv(x)
# CHECK-NEXT:{{^}}                    ^
