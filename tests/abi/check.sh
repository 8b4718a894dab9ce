#!/bin/sh
# tests/abi/check.sh LIBOUPS_SO LIST: the ABI rule of docs/versioning.md. Within a major version
# the exported symbol list only grows: every symbol in LIST (tests/abi/oups-<major>.symbols)
# must still be exported by the shared library. Symbols not yet listed are printed, to be
# appended (with a CHANGELOG entry) in the change that adds them.
set -eu
now=$(nm -D --defined-only "$1" | awk '$2 ~ /^[TDBR]$/ {print $3}' | grep '^oups_' | sort)
missing=$(echo "$now" | comm -13 - "$2")
added=$(echo "$now" | comm -23 - "$2")
[ -z "$added" ] || { echo "exported but not yet in $(basename "$2") (append them):"; echo "$added" | sed 's/^/  /'; }
if [ -n "$missing" ]; then
  echo "removed from the ABI within the major version (not allowed):"; echo "$missing" | sed 's/^/  /'
  exit 1
fi
echo "abi ok: $(echo "$now" | wc -l) symbols, none removed"
