#!/bin/sh
# tests/consumer/run.sh BUILD_DIR SOURCE_DIR [C_FLAGS]: install BUILD_DIR into a scratch prefix,
# then build and run tests/consumer/consumer.c four ways, as a user would: CMake find_package
# (oups::oups = shared, oups::oups_static), pkg-config (shared, relying on nothing but the
# documented rpath flag) and pkg-config --static. Also checks the installed CLI runs and the
# exported target names (oups::cli, not oups::oups, is the executable).
set -eu
build=$1; src=$2; cflags=${3:-}
work=$build/consumer-test
rm -rf "$work"; mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
"$prefix/bin/oups" --help >/dev/null
ls "$prefix"/share/man/man1/oups.1 "$prefix"/share/man/man1/oups-store.1 >/dev/null
grep -q "add_executable(oups::cli IMPORTED)" "$prefix"/lib*/cmake/oups/oupsTargets.cmake
! grep -q "add_executable(oups::oups " "$prefix"/lib*/cmake/oups/oupsTargets.cmake
cmake -S "$src/tests/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$cflags" >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer_default"
"$work/cmake/consumer_static"
ldd "$work/cmake/consumer_default" | grep -q liboups.so
export PKG_CONFIG_PATH="$(dirname "$(ls -d "$prefix"/lib*/pkgconfig/oups.pc)")"
libdir=$(pkg-config --variable=libdir oups)
cc $cflags "$src/tests/consumer/consumer.c" -o "$work/pc_shared" $(pkg-config --cflags --libs oups) -Wl,-rpath,"$libdir"
"$work/pc_shared"
cc $cflags "$src/tests/consumer/consumer.c" -o "$work/pc_static" $(pkg-config --cflags oups) \
  "$libdir/liboups.a" $(pkg-config --static --libs oups | sed 's/-loups//')
"$work/pc_static"
echo "consumer: 4 builds ran"
