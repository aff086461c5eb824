#!/usr/bin/env bash
# The OpenCL rows of `make bench`: the generated OpenCL kernels on the
# default OpenCL device (PoCL on this CPU) against pdec's C backend on the
# same CPU with as many threads as PoCL uses (all cores), measured in one
# run; kernel launches and bytes moved per inference; the FPGA profile's
# kernels on the same device (for correctness, not speed: they are
# single work-items); and fno2d's per-kernel times from OpenCL profiling
# events.  Tables to stdout and to build/bench/opencl.md.
#
# usage: bench/opencl.sh [PDEC] [ITERS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PDEC=${1:-$ROOT/build/bin/pdec}
ITERS=${2:-50}
OUT=$ROOT/build/bench
mkdir -p "$OUT" "$ROOT/.cache/pocl"
export XDG_CACHE_HOME=$OUT/cache POCL_CACHE_DIR=${POCL_CACHE_DIR:-$ROOT/.cache/pocl}
if ! "$PDEC" devices > "$OUT/opencl.devices" 2>&1; then
  echo "bench/opencl.sh: no OpenCL platform; install pocl-opencl-icd" >&2
  exit 1
fi
CORES=$(nproc)
MODELS="mlp mlp_b64 cnn fno1d fno2d t1_2d"
model_path() {
  if [ -f "$OUT/$1/$1.pde" ]; then echo "$OUT/$1/$1.pde"; else echo "$ROOT/examples/$1/$1.pde"; fi
}
for m in $MODELS; do
  [ -f "$(model_path "$m")" ] || continue
  # Warm-up runs also fill PoCL's and pdec's kernel caches (not timed).
  "$PDEC" bench "$(model_path "$m")" --engine c --threads "$CORES" --iters "$ITERS" --json "$OUT/$m.cN.json" > /dev/null
  "$PDEC" bench "$(model_path "$m")" --engine opencl --iters "$ITERS" --json "$OUT/$m.cl.json" > /dev/null
  "$PDEC" bench "$(model_path "$m")" --engine opencl-fpga --iters 3 --warmup 1 --json "$OUT/$m.fpga.json" > /dev/null
done
"$PDEC" bench "$ROOT/examples/fno2d/fno2d.pde" --engine opencl --kernels --iters "$ITERS" > "$OUT/fno2d.cl.kernels"
python3 "$ROOT/bench/opencl_table.py" "$OUT" "$CORES" $MODELS | tee "$OUT/opencl.md"
