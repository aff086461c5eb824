#!/usr/bin/env bash
# The crossover of pruned transforms: a full rfft (FFTW) followed by a
# slice of its first k bins, against rfft_modes (the DFT restricted to k
# bins as a GEMM), on [8, 1024, 64] along 1024 as in fno1d, one thread.
# Prints, per k, both latencies and the GFLOP/s each reaches under the
# cost model's flop counts (2.5 n log2 n / 2 per real transform, 4 n k per
# pruned one): the constants of passes/transform_once.c come from here.
# usage: bench/crossover.sh [PDEC]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PDEC=${1:-$ROOT/build/bin/pdec}
OUT=$ROOT/build/bench/crossover
mkdir -p "$OUT"
export XDG_CACHE_HOME=$ROOT/build/bench/cache
B=8 N=1024 C=64 BINS=$((1024 / 2 + 1))
median() { sed -n 's/.*median \([0-9.]*\) ms.*/\1/p'; }
printf "%6s %12s %12s %14s %14s\n" k "full (ms)" "pruned (ms)" "full GFLOP/s" "pruned GFLOP/s"
for k in 4 8 16 32 64 128 256; do
  cat > "$OUT/full.pdir" <<PDIR
graph @full {
  %x = input "x" : f32[$B,$N,$C]
  %f = rfft(%x) {axes = [1]} : c64[$B,$BINS,$C]
  %s = slice(%f) {starts = [0, 0, 0], ends = [$B, $k, $C], steps = [1, 1, 1]} : c64[$B,$k,$C]
  output "y"(%s) : c64[$B,$k,$C]
}
PDIR
  cat > "$OUT/pruned.pdir" <<PDIR
graph @pruned {
  %x = input "x" : f32[$B,$N,$C]
  %s = rfft_modes(%x) {axis = 1, modes = $k} : c64[$B,$k,$C]
  output "y"(%s) : c64[$B,$k,$C]
}
PDIR
  full=$("$PDEC" bench "$OUT/full.pdir" --no-transform-once --iters 30 | median)
  pruned=$("$PDEC" bench "$OUT/pruned.pdir" --iters 30 | median)
  awk -v k=$k -v f="$full" -v p="$pruned" -v n=$N -v t=$((B * C)) 'BEGIN {
    ff = 2.5 * n * log(n) / log(2) / 2 * t; pf = 4 * n * k * t;
    printf "%6d %12.3f %12.3f %14.1f %14.1f\n", k, f, p, ff / f / 1e6, pf / p / 1e6 }'
done
