# Diagnostic: unterminated string.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    weights "w.npz
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}unterminated-string.pde:4:13: error: unterminated string
# CHECK-NEXT:{{^}}    weights "w.npz
# CHECK-NEXT:{{^}}            ^~~~~~
