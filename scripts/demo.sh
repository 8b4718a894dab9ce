#!/usr/bin/env bash
# scripts/demo.sh: install dependencies, build, run the main job (the end-to-end demo).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
./build/oups --version
./build/example_quickstart "$@"
