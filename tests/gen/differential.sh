#!/usr/bin/env bash
# Random graphs through a compiled engine (DIFF_NEW, default the C
# engine) and the interpreter.
# usage: differential.sh FIRST_SEED COUNT TMPDIR
# (pdec, npycmp and python3 on PATH.)  Each failing seed keeps its graph
# and inputs under TMPDIR/seed-N and prints the command that reproduces it.
set -uo pipefail
first=$1 count=$2 tmp=$3
here=$(cd "$(dirname "$0")" && pwd)
failed=0
if [[ "${DIFF_NEW:-}" == *opencl* ]]; then
  mkdir -p "${POCL_CACHE_DIR:-$tmp/pocl}"
  if ! pdec devices > /dev/null 2>&1; then
    echo "SKIP: no OpenCL platform (install pocl-opencl-icd to run this test)"
    exit 77
  fi
fi
for ((seed = first; seed < first + count; seed++)); do
  dir="$tmp/seed-$seed"
  rm -rf "$dir"
  specs=$("${PYTHON:-python3}" "$here/randgraph.py" --seed "$seed" --out "$dir") || { echo "seed $seed: generator failed"; failed=1; continue; }
  # shellcheck disable=SC2086
  if log=$("$here/../tools/diff_engines.sh" "$dir/g.pdir" "$dir" $specs 2>&1); then
    worst=$(echo "$log" | sed -n 's/.*rel \([0-9.e+-]*\).*/\1/p' | sort -g | tail -1)
    echo "seed $seed: ok (worst relative error ${worst:-0})"
    rm -rf "$dir"
  else
    echo "seed $seed: FAILED"
    echo "$log" | tail -5
    echo "  reproduce: $here/../tools/diff_engines.sh $dir/g.pdir $dir $specs"
    failed=1
  fi
done
exit $failed
