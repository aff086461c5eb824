# Diagnostic: a truncated weights archive is an error, not a crash.
# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s
model m {
    input x : f32[1, 4]
    weights "Inputs/truncated.npz"
    layer fc = linear(4, 2)
    output y = fc(x)
}

# ---- expected diagnostics
#      CHECK:{{^}}{{.*}}Inputs/truncated.npz: error: cannot open as a zip archive: Not a zip archive
