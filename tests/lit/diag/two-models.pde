# Diagnostic: two models.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model a {
    input x : f32[2]
    output y = x
}
model b {
    input x : f32[2]
    output y = x
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}two-models.pde:7:7: error: a second model 'b' in one file (the first is 'a')
# CHECK-NEXT:{{^}}model b {
# CHECK-NEXT:{{^}}      ^
