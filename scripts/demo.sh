#!/usr/bin/env bash
# The main job on a fresh machine: the FNO-2D example (64x64 grid, width 32,
# 12x12 modes, 4 Fourier blocks) through the reference interpreter, then a
# comparison with the output PyTorch computed from the same weights.
set -euo pipefail
PDEC=${1:-build/bin/pdec}
BIN=$(dirname "$PDEC")
EX=examples/fno2d
OUT=build/demo
mkdir -p "$OUT"

echo "== pdec run $EX/fno2d.pde --engine interp"
"$PDEC" run "$EX/fno2d.pde" --engine interp --input x="$EX/x.npy" --time
"$PDEC" run "$EX/fno2d.pde" --engine interp --input x="$EX/x.npy" --output y="$OUT/y.npy" >/dev/null
echo "== compared with PyTorch's output (examples/fno2d/y.golden.npy)"
"$BIN/npycmp" "$OUT/y.npy" "$EX/y.golden.npy" --rtol 1e-4
