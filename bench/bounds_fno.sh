#!/usr/bin/env bash
# Bounds of an FNO block with growing eps: the first block of the fno1d
# example (its weights: lifting layer, then spectral conv with 16 modes +
# 1x1 skip + GELU, width 64), batch 1, on the example's full grid of 1024
# points (65536 outputs) and on a 32-point grid (2048 outputs), over
#   all:  the L-infinity ball of radius eps around the example's first
#         input (both channels: the initial condition and the grid), and
#   ic:   the same ball on channel 0 only (the initial condition; the grid
#         channel fixed), the realistic robustness question.
# IBP against CROWN: the analysis time pdec reports, its peak memory, and
# the mean and largest width of the output bounds.  Then the same for the
# first block of the fno2d example on its full 64x64 grid (131072
# outputs; 3 input channels, the field and two grid coordinates; `ic`
# perturbs the field only), at eps 0.01: 30-60 s for CROWN.
#
# usage: bench/bounds_fno.sh [PDEC]     (default build/bin/pdec)
#        THREADS=2 bench/bounds_fno.sh   (pdec's --threads, default 1)
set -euo pipefail
PDEC=${1:-build/bin/pdec}
THREADS=${THREADS:-1}
DIR=$(cd "$(dirname "$0")/.." && pwd)
IN=$DIR/tests/lit/bounds/Inputs
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# lo/hi .npy files for the channel-0 ball (no numpy needed).
box() { # x.npy eps lo.npy hi.npy channels
  python3 - "$@" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
hl = struct.unpack('<H', d[8:10])[0]
head, body = d[:10 + hl], d[10 + hl:]
x = struct.unpack('<%df' % (len(body) // 4), body)
e = float(sys.argv[2])
for path, s in ((sys.argv[3], -1), (sys.argv[4], 1)):
    v = [xi + (s * e if i % int(sys.argv[5]) == 0 else 0) for i, xi in enumerate(x)]
    open(path, 'wb').write(head + struct.pack('<%df' % len(v), *v))
PY
}

printf '| grid | region | eps | method | analysis s | peak MB | mean width | max width |\n|---|---|---|---|---|---|---|---|\n'
row() { # model x.npy channels grid region eps method
  local ARGS
  if [ "$5" = all ]; then ARGS=(--input "x=$2" --eps "$6")
  else box "$2" "$6" "$OUT/lo.npy" "$OUT/hi.npy" "$3"; ARGS=(--lower "$OUT/lo.npy" --upper "$OUT/hi.npy"); fi
  /usr/bin/time -f '%M' -o "$OUT/mem" "$PDEC" bounds "$1" "${ARGS[@]}" --method "$7" --threads "$THREADS" \
    --json "$OUT/b.json" > /dev/null 2>&1
  python3 - "$OUT/b.json" "$OUT/mem" "$4" "$5" "$6" "$7" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
kb = int(open(sys.argv[2]).read().split()[-1])
w = [h - l for l, h in zip(r["lower"], r["upper"])]
print("| %s | %s | %s | %s | %.2f | %.0f | %.4g | %.4g |" % (sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6],
      r["seconds"], kb / 1024, sum(w) / len(w), max(w)))
PY
}
for grid in 32 1024; do
  if [ "$grid" = 32 ]; then MODEL=$IN/fno1d_block0.pde X=$IN/x32.npy; else MODEL=$IN/fno1d_block0_1024.pde X=$IN/x1024.npy; fi
  for region in all ic; do
    for eps in 0.0001 0.001 0.01 0.1; do
      for method in ibp crown; do row "$MODEL" "$X" 2 "$grid" "$region" "$eps" "$method"; done
    done
  done
done
for region in all ic; do
  for method in ibp crown; do row "$IN/fno2d_block0.pde" "$DIR/examples/fno2d/x.npy" 3 64x64 "$region" 0.01 "$method"; done
done
