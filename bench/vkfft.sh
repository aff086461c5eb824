#!/usr/bin/env bash
# pdec's device transforms (Stockham in local memory, one work-group per
# line) against VkFFT's OpenCL backend (Debian libvkfft-dev) on the
# default OpenCL device, one run: a batched 1-D real-to-complex FFT of
# 2^20 points in all, for several lengths.  pdec's time is its kernel's,
# from OpenCL profiling events; VkFFT's the wall time of one dispatch
# (clFinish'ed), so VkFFT's includes a little more.  Table to stdout and
# build/bench/vkfft.md.
# usage: bench/vkfft.sh [PDEC] [ITERS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PDEC=${1:-$ROOT/build/bin/pdec}
ITERS=${2:-30}
OUT=$ROOT/build/bench/vkfft
mkdir -p "$OUT" "$ROOT/.cache/pocl"
export XDG_CACHE_HOME=$OUT/cache POCL_CACHE_DIR=${POCL_CACHE_DIR:-$ROOT/.cache/pocl}
[ -f /usr/include/vkFFT.h ] || { echo "bench/vkfft.sh: needs libvkfft-dev (apt-get install libvkfft-dev)" >&2; exit 1; }
cc -O2 "$ROOT/bench/vkfft_peer.c" -lOpenCL -lm -o "$OUT/vkfft_peer"
{
  echo "| length | batch | pdec kernel | VkFFT | VkFFT / pdec |"
  echo "|---|---|---|---|---|"
  for n in 64 256 1024 2048; do
    b=$(( (1 << 20) / n )) h=$(( n / 2 + 1 ))
    printf 'graph @fft_%d {\n  %%x = input "x" : f32[%d,%d]\n  %%y = rfft(%%x) {axes = [1]} : c64[%d,%d]\n  output "y"(%%y) : c64[%d,%d]\n}\n' \
      "$n" "$b" "$n" "$b" "$h" "$b" "$h" > "$OUT/fft_$n.pdir"
    pdec_ms=$("$PDEC" bench "$OUT/fft_$n.pdir" --engine opencl --kernels --iters "$ITERS" | awk '/_rfft_p0/ {print $2}')
    vk_ms=$("$OUT/vkfft_peer" "$n" "$b" "$ITERS")
    echo "| $n | $b | $pdec_ms ms | $vk_ms ms | $(python3 -c "print('%.2fx' % ($vk_ms / $pdec_ms))") |"
  done
} | tee "$OUT/../vkfft.md"
