#!/usr/bin/env bash
# Generated C of one example, built as an application builds it: with the
# given compiler, -std=c99 -pedantic -Wall -Wextra -Werror, under
# AddressSanitizer and UBSan, with vectorized and with portable GEMM
# tiles and with OpenMP threads; run on the example's input and compared with the PyTorch golden.  Also checks that generating twice gives identical
# bytes.
# usage: run_example.sh PDEC NPYCMP EXAMPLE_DIR TMPDIR CC
set -euo pipefail
pdec=$1 npycmp=$2 dir=$3 tmp=$4 cc=$5
name=$(basename "$dir")
here=$(cd "$(dirname "$0")" && pwd)
read -r _ tol < "$dir/golden.txt"
gen="$tmp/c-$name-$(basename "$cc")"
rm -rf "$gen" "$gen.again"
"$pdec" compile "$dir/$name.pde" --target c -o "$gen"
"$pdec" compile "$dir/$name.pde" --target c -o "$gen.again"
cmp "$gen/$name.c" "$gen.again/$name.c"
cmp "$gen/$name.h" "$gen.again/$name.h"
cmp "$gen/$name.weights" "$gen.again/$name.weights"
# Vectorized micro-kernels, the portable C fallback, and OpenMP threads.
for variant in "-DPD_VECTOR -fopenmp-simd" "-DPD_PORTABLE -fopenmp-simd" "-fopenmp -DPD_FFTW_OMP -lfftw3f_omp"; do
    # shellcheck disable=SC2086
    "$cc" -std=c99 -pedantic -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined \
        -fno-sanitize-recover=undefined -DPD_OPENMP_SIMD $variant -DMODEL="$name" -I"$gen" \
        "$here/harness.c" "$gen/$name.c" -lfftw3f -lm -o "$gen/harness"
    ASAN_OPTIONS=detect_leaks=1 "$gen/harness" "$gen/$name.weights" "$dir/x.npy" "$gen/y.npy"
    "$npycmp" "$gen/y.npy" "$dir/y.golden.npy" --rtol "$tol" --flat
done
