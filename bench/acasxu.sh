#!/usr/bin/env bash
# The ACAS Xu benchmark of VNN-COMP 2021: every instance of
# acasxu_instances.csv (network, property, timeout), decided by pdec verify.
#
# usage: bench/acasxu.sh [PDEC] [MAX_TIMEOUT]
#   PDEC         the pdec binary (default build/bin/pdec)
#   MAX_TIMEOUT  cap on each instance's timeout in seconds (default: the csv's)
# Prints one line per instance, a summary (unsat/sat/unknown/timeout
# counts, total and median time) and the side-by-side table with nnenum's
# figures as the issue quotes them (not a run here).  Results go to
# build/acasxu/.
set -euo pipefail
PDEC=${1:-build/bin/pdec}
CAP=${2:-}
DATA=${ACASXU_DATA:-../shared/data/acasxu}
OUT=build/acasxu
mkdir -p "$OUT"
: > "$OUT/times.txt"
declare -A count=([unsat]=0 [sat]=0 [unknown]=0 [timeout]=0 [error]=0)
while IFS=, read -r onnx prop timeout; do
  net=${onnx%.onnx}
  [ -n "$CAP" ] && [ "${timeout%.*}" -gt "$CAP" ] && timeout=$CAP
  start=$(date +%s.%N)
  verdict=$("$PDEC" verify "$DATA/nnet/$net.nnet" --spec "$DATA/vnnlib/$prop" --timeout "$timeout" \
            --result "$OUT/${net}_${prop%.vnnlib}.txt" 2>/dev/null) || verdict=error
  t=$(echo "$(date +%s.%N) - $start" | bc)
  count[$verdict]=$(( ${count[$verdict]} + 1 ))
  echo "$t" >> "$OUT/times.txt"
  printf '%-32s %-14s %-8s %8.2f s\n' "$net" "$prop" "$verdict" "$t"
done < "$DATA/vnnlib/acasxu_instances.csv"
total=$(paste -sd+ "$OUT/times.txt" | bc)
median=$(sort -n "$OUT/times.txt" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "summary: unsat ${count[unsat]}, sat ${count[sat]}, unknown ${count[unknown]}, timeout ${count[timeout]}, error ${count[error]}; total ${total} s, median ${median} s"
echo
echo "| solver | unsat | sat | unknown | timeout | total time | median |"
echo "|---|---|---|---|---|---|---|"
printf '| pdec verify | %d | %d | %d | %d | %.0f s | %.2f s |\n' "${count[unsat]}" "${count[sat]}" "${count[unknown]}" \
  "${count[timeout]}" "$total" "$median"
echo "| nnenum (figures quoted by issue 5, not run here) | 139 | 46 | 0 | 1 | ~880 s | 1.7 s |"
