#!/bin/sh
# build.sh - configure and build in ./build (out of tree).  Extra arguments go
# to configure.  On a Mac, configure finds Homebrew's libplist and keg-only
# openssl@3 by itself (it asks brew --prefix).  POSIX sh and tools macOS has.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -x configure ]; then
	autoreconf -fi >autoreconf.log 2>&1 || { cat autoreconf.log; exit 1; }
	rm -f autoreconf.log
fi
if [ -f config.status ]; then
	echo "build: the source tree is configured in place; run 'make distclean' first (tools/ build in ./build)" >&2
	exit 1
fi
dir=${BUILD_DIR:-build}
mkdir -p "$dir"
cd "$dir"
[ -f Makefile ] || "$top/configure" -q "$@"
make -s -j"$(sh "$top/tools/ncpu.sh")" >/dev/null
echo "build: $(pwd)/plistinject"
