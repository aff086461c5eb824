#!/usr/bin/env bash
# `make bench`: pdec's compiled C against PyTorch on the CPU, side by side
# in one run, with the machine's measured peak FLOP/s and bandwidth.
#
# For mlp (batch 1 and 64), cnn, fno1d, fno2d and t1_2d: pdec C latency on 1 and
# 2 threads (`pdec bench --engine c`), the interpreter's, PyTorch's on 2
# threads (bench/torch_peer.py in bench/.venv, made here from
# bench/requirements.txt), their ratio, GFLOP/s and the fraction of peak.
# A second table: the spectral models (also fno2d at 256x256 and a stack of
# 4 spectral layers without activations) with and without transform_once,
# their transforms before and after, against PyTorch.
# The tables go to stdout and to build/bench/table.md.
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

# ---- variants: the same models and weights on larger inputs
variant() { # NAME SOURCE.pde SED-EXPRESSIONS...
  local name=$1 src=$2
  shift 2
  mkdir -p "$OUT/$name"
  sed "$@" -e "s|weights \"\([^/\"]*\)\"|weights \"$(dirname "$src")/\1\"|" \
      -e "s|weights \"\.\./|weights \"$ROOT/|" "$src" > "$OUT/$name/$name.pde"
}
variant mlp_b64 "$ROOT/examples/mlp/mlp.pde" -e 's/model mlp {/model mlp_b64 {/' -e 's/f32\[1, 784\]/f32[64, 784]/'
variant fno2d_256 "$ROOT/examples/fno2d/fno2d.pde" -e 's/model fno2d {/model fno2d_256 {/' \
    -e 's/f32\[1, 64, 64, 3\]/f32[1, 256, 256, 3]/'
variant stack "$ROOT/bench/spectral_stack.pde" -e 's/model spectral_stack {/model stack {/'
variant stack_256 "$ROOT/bench/spectral_stack.pde" -e 's/model spectral_stack {/model stack_256 {/' \
    -e 's/f32\[1, 64, 64, 3\]/f32[1, 256, 256, 3]/'

# ---- pdec
model_path() {
  if [ -f "$OUT/$1/$1.pde" ]; then echo "$OUT/$1/$1.pde"; else echo "$ROOT/examples/$1/$1.pde"; fi
}
MODELS="mlp mlp_b64 cnn fno1d fno2d t1_2d"            # the C backend against PyTorch
SPECTRAL="fno1d fno2d fno2d_256 stack stack_256 t1_2d"  # with and without transform_once
for m in $MODELS $SPECTRAL; do
  [ -f "$OUT/$m.c1.json" ] && [ "$OUT/$m.c1.json" -nt "$PDEC" ] && continue  # measured in this run
  "$PDEC" bench "$(model_path "$m")" --engine c --iters "$ITERS" --json "$OUT/$m.c1.json"
  "$PDEC" bench "$(model_path "$m")" --engine c --threads 2 --iters "$ITERS" --json "$OUT/$m.c2.json"
done
for m in $SPECTRAL; do
  "$PDEC" bench "$(model_path "$m")" --engine c --no-transform-once --iters "$ITERS" --json "$OUT/$m.off.json"
  "$PDEC" dump "$(model_path "$m")" --stats > "$OUT/$m.stats" 2>/dev/null
  for pass in on off; do  # the time in transforms, from a profiling build
    flag=; [ $pass = off ] && flag=--no-transform-once
    "$PDEC" bench "$(model_path "$m")" --engine c $flag --kernels --iters "$ITERS" > "$OUT/$m.kernels.$pass"
  done
done
for m in $MODELS; do
  "$PDEC" bench "$(model_path "$m")" --engine interp --iters 3 --warmup 1 --json "$OUT/$m.interp.json"
done

# ---- PyTorch, at its best settings (the issue's): buffers not re-faulted
# each call, OpenBLAS single-threaded beside torch's own 2 threads.
MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-1000000000} \
MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-1000000000} \
OPENBLAS_NUM_THREADS=1 \
  "$VENV/bin/python" "$ROOT/bench/torch_peer.py" --iters "$ITERS" --threads 2 \
      mlp mlp_b64 cnn fno1d fno2d fno2d_256 stack stack_256 t1_2d > "$OUT/torch.jsonl"

# ---- the table
python3 "$ROOT/bench/table.py" "$OUT" --spectral "$SPECTRAL" $MODELS | tee "$OUT/table.md"

# ---- OpenCL on PoCL against the C backend (bench/opencl.sh)
"$ROOT/bench/opencl.sh" "$PDEC" "$ITERS"
