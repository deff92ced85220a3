#!/bin/sh
# demo.sh - the main job on a default input built in the tree: a small arm64
# executable linked by ld64.lld (tests/mkfixtures.sh), with the same shape as
# a bare CLI: signed, no Info.plist.  Inject, then check.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/tools/build.sh"
fx=$top/build/tests/fx
[ -f "$fx/LAYOUT.txt" ] || sh "$top/tests/mkfixtures.sh" "$fx" >/dev/null
P=$top/build/plistinject
set -x
"$P" --check "$fx/arm64-adhoc" || true
"$P" --bundle-id com.example.hello "$fx/arm64-adhoc" -o "$top/build/hello-fixed"
"$P" --check "$top/build/hello-fixed"
"$P" --print-plist "$top/build/hello-fixed"
