#!/usr/bin/env bash
# scripts/install-deps.sh: install every build and test dependency of oups on Debian 12.
# Idempotent and quiet when everything is present. Debian -dev packages via apt-get; the
# test oracles (DuckDB, Polars) via npm into tests/oracle/node_modules (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(build-essential cmake pkg-config libzstd-dev libsnappy-dev liblz4-dev zlib1g-dev libbrotli-dev
      clang libclang-rt-14-dev python3 python3-pandas nodejs npm groff-base doxygen
      python3-dev python3-numpy python3-pytest python3-hypothesis python3-dask python3-distributed)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere than Debian (e.g. preinstalled): accept them if on PATH.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]:-}"
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -d tests/oracle/node_modules/@duckdb/node-api ] || [ ! -d tests/oracle/node_modules/nodejs-polars-linux-x64-gnu ]; then
  echo "install-deps: installing test oracles (npm)" >&2
  (cd tests/oracle && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
