#!/usr/bin/env bash
# `make bench`: pdec's compiled C against PyTorch on the CPU, side by side
# in one run, with the machine's measured peak FLOP/s and bandwidth.
#
# For mlp (batch 1 and 64), cnn, fno1d and fno2d: pdec C latency on 1 and
# 2 threads (`pdec bench --engine c`), the interpreter's, PyTorch's on 2
# threads (bench/torch_peer.py in bench/.venv, made here from
# bench/requirements.txt), their ratio, GFLOP/s and the fraction of peak.
# The table goes to stdout and to build/bench/table.md.
#
# usage: bench/bench.sh [PDEC] [ITERS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PDEC=${1:-$ROOT/build/bin/pdec}
ITERS=${2:-50}
OUT=$ROOT/build/bench
VENV=$ROOT/bench/.venv
mkdir -p "$OUT"
export XDG_CACHE_HOME=$OUT/cache

# ---- the peer's venv (reinstalled when bench/requirements.txt changes)
if ! cmp -s "$ROOT/bench/requirements.txt" "$VENV/.bench-requirements" 2>/dev/null; then
  echo "bench: installing PyTorch into bench/.venv (once)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$ROOT/bench/requirements.txt"
  cp "$ROOT/bench/requirements.txt" "$VENV/.bench-requirements"
fi

# ---- the machine
cc -O3 -march=native -fopenmp "$ROOT/bench/peak.c" -o "$OUT/peak"
"$OUT/peak" --json > "$OUT/peak.json"
"$OUT/peak"

# ---- mlp at batch 64: the same model and weights with a larger input
mkdir -p "$OUT/mlp_b64"
sed -e 's/model mlp {/model mlp_b64 {/' -e 's/f32\[1, 784\]/f32[64, 784]/' \
    -e "s|\"mlp.safetensors\"|\"$ROOT/examples/mlp/mlp.safetensors\"|" \
    "$ROOT/examples/mlp/mlp.pde" > "$OUT/mlp_b64/mlp_b64.pde"

# ---- pdec
model_path() {
  case $1 in
    mlp_b64) echo "$OUT/mlp_b64/mlp_b64.pde" ;;
    *) echo "$ROOT/examples/$1/$1.pde" ;;
  esac
}
MODELS="mlp mlp_b64 cnn fno1d fno2d"
for m in $MODELS; do
  "$PDEC" bench "$(model_path "$m")" --engine c --iters "$ITERS" --json "$OUT/$m.c1.json"
  "$PDEC" bench "$(model_path "$m")" --engine c --threads 2 --iters "$ITERS" --json "$OUT/$m.c2.json"
  "$PDEC" bench "$(model_path "$m")" --engine interp --iters 3 --warmup 1 --json "$OUT/$m.interp.json"
done

# ---- PyTorch, at its best settings (the issue's): buffers not re-faulted
# each call, OpenBLAS single-threaded beside torch's own 2 threads.
MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-1000000000} \
MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-1000000000} \
OPENBLAS_NUM_THREADS=1 \
  "$VENV/bin/python" "$ROOT/bench/torch_peer.py" --iters "$ITERS" --threads 2 > "$OUT/torch.jsonl"

# ---- the table
python3 "$ROOT/bench/table.py" "$OUT" $MODELS | tee "$OUT/table.md"
