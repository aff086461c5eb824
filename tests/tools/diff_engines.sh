#!/usr/bin/env bash
# Runs MODEL through the interpreter and the compiled C engine on random
# inputs and compares every output (rtol 1e-4 of the largest reference).
# usage: diff_engines.sh MODEL TMPDIR NAME=DTYPE:DIMS[:LO:HI] ...
# (pdec, npycmp and python3 with tests/tools on the lit PATH.)
# DIFF_REF / DIFF_NEW (pdec run options) and DIFF_RTOL change what is
# compared: two pass pipelines on one engine, say.
set -euo pipefail
model=$1 tmp=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$tmp"
args=() seed=1
for spec in "$@"; do
  name=${spec%%=*} rest=${spec#*=}
  IFS=: read -r dtype dims lo hi <<< "$rest"
  "${PYTHON:-python3}" "$here/npyrand.py" "$tmp/$name.npy" "$dtype" "$dims" --seed $seed --lo "${lo:--1}" --hi "${hi:-1}"
  args+=(--input "$name=$tmp/$name.npy")
  seed=$((seed + 1))
done
outs=()
for name in $(pdec dump "$model" | sed -n 's/^ *output "\([^"]*\)".*/\1/p'); do outs+=("$name"); done
read -r -a ref <<< "${DIFF_REF:---engine interp}"
read -r -a new <<< "${DIFF_NEW:---engine c}"
for side in ref new; do
  o=()
  for name in "${outs[@]}"; do o+=(--output "$name=$tmp/$name.$side.npy"); done
  if [ $side = ref ]; then opts=("${ref[@]}"); else opts=("${new[@]}"); fi
  pdec run "$model" "${opts[@]}" "${args[@]}" "${o[@]}"
done
for name in "${outs[@]}"; do
  echo "output $name:"
  npycmp "$tmp/$name.new.npy" "$tmp/$name.ref.npy" --rtol "${DIFF_RTOL:-1e-4}"
done
