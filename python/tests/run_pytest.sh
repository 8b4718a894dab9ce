#!/bin/sh
# run_pytest.sh PYTHON CC SANITIZE TEST_FILE TMPDIR: run one pytest file (its temporary files
# in TMPDIR: concurrent pytest runs sharing /tmp/pytest-of-<user> may delete each other's). With SANITIZE=ON the
# extension is ASan/UBSan-instrumented and python is not, so the ASan runtime must be loaded
# first (LD_PRELOAD); leak checking is off because the interpreter itself never frees
# everything at exit. Exit 77 (CTest: skipped) with the reason when that cannot work.
py=$1; cc=$2; san=$3; file=$4; tmp=$5
"$py" -c "import pytest, numpy, pandas" 2>/dev/null || { echo "SKIPPED: python3-pytest/numpy/pandas missing"; exit 77; }
case "$san" in
ON|on|1|TRUE|true)
  asan=$("$cc" -print-file-name=libasan.so)
  ubsan=$("$cc" -print-file-name=libubsan.so)
  if [ ! -e "$asan" ]; then echo "SKIPPED: libasan.so not found for LD_PRELOAD"; exit 77; fi
  export LD_PRELOAD="$asan $ubsan"
  export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
  ;;
esac
exec "$py" -m pytest -q -p no:cacheprovider --basetemp="$tmp" "$file"
