# Diagnostic: a model with parameters but no weights file.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    layer fc = linear(4, 2)
    output y = fc(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}pdec: error: model 'm' has 2 parameters but names no weights file; add 'weights "FILE"' to the model or pass --weights FILE
