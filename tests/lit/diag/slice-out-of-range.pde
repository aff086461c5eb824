# Diagnostic: slice out of range.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[2, 16]
    output y = x[:, :20]
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}slice-out-of-range.pde:5:22: error: slice bound 20 is out of range for an axis of size 16
# CHECK-NEXT:{{^}}    output y = x[:, :20]
# CHECK-NEXT:{{^}}                     ^~
