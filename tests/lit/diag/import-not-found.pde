# Diagnostic: import not found.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
import std.nonexistent
model m {
    input x : f32[2]
    output y = relu(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}import-not-found.pde:3:8: error: cannot find 'std.nonexistent' in the standard library (set PDEC_STDLIB_DIR)
# CHECK-NEXT:{{^}}import std.nonexistent
# CHECK-NEXT:{{^}}       ^~~~~~~~~~~~~~~
