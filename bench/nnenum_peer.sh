#!/usr/bin/env bash
# nnenum (Stanley Bak's star-set enumerator, the peer that issue 5 quotes)
# on the ACAS Xu benchmark: every instance of acasxu_instances.csv with its
# timeout, 2 processes, one instance after another, as bench/acasxu.sh
# runs pdec.  nnenum is not on PyPI: install it from its GitHub sources
# into bench/.venv-nnenum (ignored by git):
#   python3 -m venv bench/.venv-nnenum && bench/.venv-nnenum/bin/pip install <nnenum checkout>
# It reads ONNX networks: NNENUM_DATA names a folder with the benchmark's
# ACASXU_run2a_*_batch_2000.onnx files (nnenum's examples/acasxu/data).
#
# usage: bench/nnenum_peer.sh [MAX_TIMEOUT]
# Prints one line per instance and a summary like bench/acasxu.sh's
# (holds = unsat, violated = sat).  Results go to build/nnenum/.
set -euo pipefail
PY=${NNENUM_PYTHON:-bench/.venv-nnenum/bin/python}
CAP=${1:-}
DATA=${ACASXU_DATA:-../shared/data/acasxu}
ONNX=${NNENUM_DATA:?set NNENUM_DATA to the folder of the ACAS Xu .onnx files}
OUT=${NNENUM_OUT:-build/nnenum}
mkdir -p "$OUT"
: > "$OUT/times.txt"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
declare -A count=([unsat]=0 [sat]=0 [unknown]=0 [timeout]=0 [error]=0)
while IFS=, read -r onnx prop timeout; do
  net=${onnx%.onnx}
  [ -n "$CAP" ] && [ "${timeout%.*}" -gt "$CAP" ] && timeout=$CAP
  res="$OUT/${net}_${prop%.vnnlib}.txt"
  rm -f "$res"
  start=$(date +%s.%N)
  "$PY" -m nnenum.nnenum "$ONNX/$onnx" "$DATA/vnnlib/$prop" "$timeout" "$res" 2 > /dev/null 2>&1 || true
  t=$(echo "$(date +%s.%N) - $start" | bc)
  case "$(head -1 "$res" 2>/dev/null)" in
    holds) verdict=unsat ;;
    violated) verdict=sat ;;
    timeout) verdict=timeout ;;
    unknown) verdict=unknown ;;
    *) verdict=error ;;
  esac
  count[$verdict]=$(( ${count[$verdict]} + 1 ))
  echo "$t" >> "$OUT/times.txt"
  printf '%-32s %-14s %-8s %8.2f s\n' "$net" "$prop" "$verdict" "$t"
done < "$DATA/vnnlib/acasxu_instances.csv"
total=$(paste -sd+ "$OUT/times.txt" | bc)
median=$(sort -n "$OUT/times.txt" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "summary: unsat ${count[unsat]}, sat ${count[sat]}, unknown ${count[unknown]}, timeout ${count[timeout]}, error ${count[error]}; total ${total} s, median ${median} s"
