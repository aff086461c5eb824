# Diagnostic: no model.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
def f(a : f32[N]) -> f32[N] {
    return a
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}no-model.pde: error: no model in this file (a file to compile needs 'model NAME { ... }')
