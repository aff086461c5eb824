# Diagnostic: invalid character.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[2]
    output y = x $ 2
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}invalid-character.pde:5:18: error: invalid character '$'
# CHECK-NEXT:{{^}}    output y = x $ 2
# CHECK-NEXT:{{^}}                 ^
