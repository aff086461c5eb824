#!/usr/bin/env bash
# The OpenCL host files of one example, built as an application builds
# them (-std=c99 -pedantic -Wall -Wextra -Werror, AddressSanitizer and
# UBSan, linked with libpdecrt and -lOpenCL), run on the default OpenCL
# device and compared with the PyTorch golden; in both profiles.
# usage: run_opencl_example.sh PDEC NPYCMP LIBPDECRT EXAMPLE_DIR TMPDIR CC
set -euo pipefail
pdec=$1 npycmp=$2 librt=$3 dir=$4 tmp=$5 cc=$6
name=$(basename "$dir")
here=$(cd "$(dirname "$0")" && pwd)
runtime=$(cd "$here/../../runtime" && pwd)
read -r _ tol < "$dir/golden.txt"
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$tmp/pocl}" XDG_CACHE_HOME="$tmp/cache"
mkdir -p "$POCL_CACHE_DIR"
if ! "$pdec" devices > /dev/null 2>&1; then
    echo "SKIP: no OpenCL platform (install pocl-opencl-icd to run this test)"
    exit 77
fi
for target in opencl opencl-fpga; do
    gen="$tmp/$target-$name-$(basename "$cc")"
    rm -rf "$gen"
    "$pdec" compile "$dir/$name.pde" --target "$target" -o "$gen"
    # The same kernels through pdec first: PoCL's cache then holds them, so
    # the sanitized harness does not run LLVM (slow under ASan's unwinder).
    "$pdec" run "$dir/$name.pde" --engine "$target" --input "x=$dir/x.npy" > /dev/null
    "$cc" -std=c99 -pedantic -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
        -DMODEL="$name" -I"$gen" -I"$runtime" "$here/harness.c" "$gen/$name.c" "$librt" \
        $(pkg-config --libs libcjson libzip) -lOpenCL -lm -o "$gen/harness"
    # No leak check: LeakSanitizer's tracer crashes now and then (signal 11)
    # at the exit of a process holding PoCL's worker threads.
    ASAN_OPTIONS=detect_leaks=0 \
        "$gen/harness" "$gen/$name.weights" "$dir/x.npy" "$gen/y.npy"
    "$npycmp" "$gen/y.npy" "$dir/y.golden.npy" --rtol "$tol" --flat
done
