#!/usr/bin/env bash
# Golden test of one example: runs it through an engine and compares
# the output with the one PyTorch computed from the same weights.
# usage: run_golden.sh PDEC NPYCMP EXAMPLE_DIR TMPDIR ENGINE
set -euo pipefail
pdec=$1 npycmp=$2 dir=$3 tmp=$4 engine=$5
name=$(basename "$dir")
read -r kind tol < "$dir/golden.txt"
[ "$kind" = rtol ] || { echo "bad golden.txt in $dir" >&2; exit 2; }
out="$tmp/golden-$name-$engine.npy"
rm -f "$out"
"$pdec" run "$dir/$name.pde" --engine "$engine" --input x="$dir/x.npy" --output y="$out"
"$npycmp" "$out" "$dir/y.golden.npy" --rtol "$tol"
