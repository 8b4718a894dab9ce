#!/usr/bin/env bash
# scripts/test.sh: install dependencies, build, run every test (ctest, all labels).
# usage: scripts/test.sh [--sanitize|--tsan] [extra ctest args]
# --sanitize builds in build-asan with AddressSanitizer + UBSan.
# --tsan builds in build-tsan with ThreadSanitizer and runs only the tests of the parallel
# paths (worker pool, parallel Parquet writer and reader) with OUPS_THREADS=4.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  shift; dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DOUPS_SANITIZE=ON)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
targets=()
if [ "${1:-}" = "--tsan" ]; then
  shift; dir=build-tsan
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS=-fsanitize=thread
         -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread)
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 OUPS_THREADS=4
  targets=(--target test_util_pool test_parquet_threads test_parquet_writer test_parquet_writer_encodings
           test_parquet_reader)
  set -- -R '^(util[.]pool|parquet[.](threads|writer|writer_encodings|reader))$' "$@"
fi
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)" "${targets[@]}" >/dev/null
cd "$dir" && ctest --output-on-failure -j"$(nproc)" "$@"
