#!/bin/sh
# scripts/fuzz.sh: short fixed-time libFuzzer run of one target (default parquet_read).
# usage: scripts/fuzz.sh [seconds=60] [target=parquet_read] [extra libFuzzer flags...]
# Builds build-fuzz/ with clang (OUPS_BUILD_FUZZERS=ON: ASan+UBSan, OUPS_FUZZING), seeds a
# scratch corpus from tests/fuzz/corpus/<target>/ plus, when present, the parquet-testing files
# (copied at run time, never committed), runs for the given time on one core and leaves
# crashes in build-fuzz/artifacts/. Save a crash as tests/fuzz/corpus/<target>/crash-<id> and
# fix it: the replay test (ctest -L fuzz) then keeps it fixed.
set -eu
secs=${1:-60}
target=${2:-parquet_read}
[ $# -ge 2 ] && shift 2 || shift $#
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOUPS_BUILD_FUZZERS=ON \
  -DOUPS_WERROR=OFF >/dev/null
cmake --build "$build" -j2 --target "fuzz_$target" >/dev/null
work=$build/corpus-$target
mkdir -p "$work" "$build/artifacts"
cp "$root/tests/fuzz/corpus/$target/"* "$work/" 2>/dev/null || true
if [ "$target" = parquet_read ] && [ -d "$root/../shared/parquet-testing/data" ]; then
  for f in "$root/../shared/parquet-testing/data/"*.parquet; do
    [ "$(stat -c %s "$f")" -le 65536 ] && cp "$f" "$work/" || true
  done
fi
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
  "$build/tests/fuzz/fuzz_$target" "$work" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$build/artifacts/" -print_final_stats=1 "$@"
