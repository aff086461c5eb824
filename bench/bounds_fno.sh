#!/usr/bin/env bash
# Bounds of an FNO block with growing eps: the first block of the fno1d
# example (its weights: lifting layer, then spectral conv with 16 modes +
# 1x1 skip + GELU, width 64) on a 32-point grid, batch 1 (2048 outputs),
# over the L-infinity ball of radius eps around a slice of the example's
# input.  IBP against CROWN: the analysis time pdec reports and the mean
# and largest width of the output bounds.
#
# usage: bench/bounds_fno.sh [PDEC]     (default build/bin/pdec)
set -euo pipefail
PDEC=${1:-build/bin/pdec}
DIR=$(cd "$(dirname "$0")/.." && pwd)
MODEL=$DIR/tests/lit/bounds/Inputs/fno1d_block0.pde
X=$DIR/tests/lit/bounds/Inputs/x32.npy
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
printf '| eps | method | analysis ms | mean width | max width |\n|---|---|---|---|---|\n'
for eps in 0.0001 0.001 0.003 0.01 0.03 0.1; do
  for method in ibp crown; do
    "$PDEC" bounds "$MODEL" --input "x=$X" --eps "$eps" --method "$method" --json "$OUT/b.json" > /dev/null 2>&1
    python3 - "$OUT/b.json" "$eps" "$method" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
w = [h - l for l, h in zip(r["lower"], r["upper"])]
print("| %s | %s | %.1f | %.4g | %.4g |" % (sys.argv[2], sys.argv[3], r["seconds"] * 1e3, sum(w) / len(w), max(w)))
PY
  done
done
