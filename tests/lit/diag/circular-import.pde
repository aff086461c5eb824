# Diagnostic: circular import.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
import "Inputs/cycle_a.pde"
model m {
    input x : f32[2]
    output y = relu(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}Inputs/cycle_b.pde:1:8: error: circular import of 'cycle_a.pde'
# CHECK-NEXT:{{^}}import "cycle_a.pde"
# CHECK-NEXT:{{^}}       ^~~~~~~~~~~~~
