#!/bin/sh
# test.sh - build and run the whole test suite (make check).  The real-corpus
# test fetches pinned binaries from the npm registry; in CI (CI=true) a file
# that cannot be fetched fails the run, elsewhere it is skipped visibly.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/tools/build.sh"
if [ "${CI:-}" = true ]; then
	PLISTINJECT_CORPUS=${PLISTINJECT_CORPUS:-required}
	export PLISTINJECT_CORPUS
fi
cd "$top/build"
if ! make -s -j"$(nproc)" check; then
	for f in tests/*.log tests/unit/*.log; do
		[ -f "$f" ] && grep -q '^FAIL\|failed' "$f" && { echo "== $f"; tail -n 40 "$f"; }
	done
	exit 1
fi
grep -h '^# \(TOTAL\|PASS\|SKIP\|FAIL\|ERROR\)' test-suite.log 2>/dev/null || true
cat tests/*.log tests/unit/*.log 2>/dev/null | awk '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 } END { print p " passed, " f " failed" }'
