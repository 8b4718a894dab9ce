#!/usr/bin/env bash
# scripts/bench.sh: build liboups in Release with the benchmarks (build-bench/) and run every
# bench/bench_* executable in turn (bench_e2e runs the oups CLI built beside them).
# usage: scripts/bench.sh [ARGS passed to each bench]
#        scripts/bench.sh --build-only   (CI: the Release -O3 build of the library, CLI and benches
#                                         must pass -Werror too; nothing is run)
# Benches print the machine, compiler, flags, data and peers they measured with.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-bench
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DOUPS_BUILD_BENCH=ON -DOUPS_BUILD_TESTS=OFF >/dev/null
cmake --build "$dir" -j2 --target benches oups >/dev/null  # bench_e2e times the oups CLI
if [ "${1:-}" = "--build-only" ]; then exit 0; fi
status=0
for b in "$dir"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" "$@" || status=1
  echo
done
exit $status
