# Diagnostic: layer index.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    layer blocks = linear(4, 4) x 2
    output y = blocks[2](x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}layer-index.pde:6:23: error: index 2 is out of range for a list of 2
# CHECK-NEXT:{{^}}    output y = blocks[2](x)
# CHECK-NEXT:{{^}}                      ^
