#!/usr/bin/env bash
# scripts/test.sh: install dependencies, build, run every test (ctest, all labels).
# usage: scripts/test.sh [--sanitize] [extra ctest args]
# --sanitize builds in build-asan with AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  shift; dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DOUPS_SANITIZE=ON)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)" >/dev/null
cd "$dir" && ctest --output-on-failure -j"$(nproc)" "$@"
