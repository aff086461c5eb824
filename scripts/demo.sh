#!/usr/bin/env bash
# The main job on a fresh machine: the FNO-2D example (64x64 grid, width 32,
# 12x12 modes, 4 Fourier blocks) compiled to C and run, and through the
# reference interpreter; both compared with the output PyTorch computed
# from the same weights, and their latencies side by side.
set -euo pipefail
PDEC=${1:-build/bin/pdec}
BIN=$(dirname "$PDEC")
EX=examples/fno2d
OUT=build/demo
mkdir -p "$OUT"

echo "== pdec compile $EX/fno2d.pde --target c -o $OUT/fno2d  (the generated files)"
"$PDEC" compile "$EX/fno2d.pde" --target c -o "$OUT/fno2d"
ls -l "$OUT/fno2d"
for engine in c interp; do
  echo "== pdec run $EX/fno2d.pde --engine $engine, compared with PyTorch's output"
  "$PDEC" run "$EX/fno2d.pde" --engine "$engine" --input x="$EX/x.npy" --output y="$OUT/y-$engine.npy"
  "$BIN/npycmp" "$OUT/y-$engine.npy" "$EX/y.golden.npy" --rtol 1e-4
done
echo "== latency, compiled C next to the interpreter (pdec bench)"
"$PDEC" bench "$EX/fno2d.pde" --engine c --iters 30
"$PDEC" bench "$EX/fno2d.pde" --engine c --iters 30 --threads 2
"$PDEC" bench "$EX/fno2d.pde" --engine interp --iters 3 --warmup 1

# Verification: an ACAS Xu safety property (VNN-COMP 2021), when the data is there.
ACAS=${ACASXU_DATA:-../shared/data/acasxu}
if [ -d "$ACAS" ]; then
  echo "== pdec verify ACAS Xu network 1_1, property 1 (expect unsat: the property holds)"
  "$PDEC" verify "$ACAS/nnet/ACASXU_run2a_1_1_batch_2000.nnet" --spec "$ACAS/vnnlib/prop_1.vnnlib" --timeout 60 --stats
fi
echo "== pdec bounds examples/mlp/mlp.pde, L-inf ball of radius 0.001 around its input (CROWN)"
"$PDEC" bounds examples/mlp/mlp.pde --input x=examples/mlp/x.npy --eps 0.001
echo "== FNO robustness: the fno1d example's first block at its full grid (1024 points, 65536 outputs) over"
echo "   the L-inf ball of radius 0.01 (CROWN): does every output stay within 0.05 of its value at the input?"
"$PDEC" bounds tests/lit/bounds/Inputs/fno1d_block0_1024.pde --input x=tests/lit/bounds/Inputs/x1024.npy --eps 0.01 \
    --method crown --robust 0.05 --json "$OUT/fno_block_bounds.json" 2>/dev/null |
  sed -n '1,4p;/analysis took/p;/robust within/p'  # (warnings: the example's unused weights)
