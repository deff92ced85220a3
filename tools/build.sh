#!/bin/sh
# build.sh - configure and build in ./build (out of tree).  Extra arguments go
# to configure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p build
cd build
[ -f Makefile ] || ../configure -q "$@"
make -s -j"$(nproc)" >/dev/null
echo "build: $top/build/plistinject"
