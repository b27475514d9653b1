#!/usr/bin/env bash
# Builds the libFuzzer targets (every *_fuzz.cc) with clang and runs each for a
# bounded time. Exits non-zero if any target finds a crash.
set -euo pipefail
SECONDS_EACH=${1:-30}
cd "$(dirname "$0")/.."
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTRIBUTARY_FUZZ=ON -DTRIBUTARY_BENCH=OFF >/dev/null
targets=$(find src -name '*_fuzz.cc' -printf '%f\n' | sed 's/\.cc$//' | sort)
[ -n "$targets" ] || { echo "no fuzz targets"; exit 0; }
cmake --build build-fuzz -j "$(nproc)" --target $targets
mkdir -p build-fuzz/corpus
for t in $targets; do
  echo "== fuzzing $t for ${SECONDS_EACH}s"
  mkdir -p "build-fuzz/corpus/$t"
  ./build-fuzz/"$t" -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=2048 \
    -print_final_stats=1 "build-fuzz/corpus/$t" 2>&1 | tail -n 15
done
