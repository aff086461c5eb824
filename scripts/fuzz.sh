#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-15 and runs each for a fixed time
# (default 60 s each) from a seed corpus made of the project's own model and
# IR files.  A crash leaves its input in build-fuzz/crash-*: copy it to
# tests/fuzz/regressions/<target>/ with a name that says what it was.
set -euo pipefail
SECONDS_EACH=${1:-60}
B=build-fuzz
CC=clang-15 cmake -S . -B $B -DPDEC_FUZZ=ON -DPDEC_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build $B -j "$(nproc)" --target fuzz_pde fuzz_pdir fuzz_nnet fuzz_vnnlib
for t in pde pdir nnet vnnlib; do
  corpus=$B/corpus-$t
  mkdir -p "$corpus"
  find stdlib examples tests/lit tests/fuzz/regressions/$t -name "*.$t" -exec cp -t "$corpus" {} + 2>/dev/null || true
  [ -d ../shared/data/acasxu ] && find ../shared/data/acasxu -name "*.$t" -size -200k -exec cp -t "$corpus" {} + 2>/dev/null || true
  cp tests/fuzz/regressions/$t/* "$corpus" 2>/dev/null || true
  echo "== fuzz_$t for ${SECONDS_EACH}s"
  (cd $B && PDEC_STDLIB_DIR="$PWD/../stdlib" ./bin/fuzz_$t -max_total_time="$SECONDS_EACH" \
      -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "corpus-$t" 2>&1 | tail -n 20)
done
