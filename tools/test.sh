#!/bin/sh
# test.sh - build and run the whole test suite three times: the normal build
# in ./build, a build without the Linux-only system calls in ./build-portable,
# and an AddressSanitizer + UndefinedBehaviorSanitizer build in ./build-san
# (configure --enable-sanitizers); then make distcheck.  The real-corpus tests
# fetch pinned binaries from the npm registry (once, under a lock: see
# tests/fetch-corpus.sh); in CI (CI=true) a file that cannot be fetched fails
# the run, elsewhere it is skipped visibly.  The large corpus files (claude,
# deno, bun, node, ngrok) run in the normal build only; the portable and
# sanitizer builds and distcheck run the small set (PLISTINJECT_CORPUS_SET=
# small, tests/lib.sh), which still has thin, universal, Developer ID, refused
# and PowerPC inputs.  The last line totals every assertion of the three
# builds; distcheck's own make check of the tarball is reported on its line.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${CI:-}" = true ]; then
	PLISTINJECT_CORPUS=${PLISTINJECT_CORPUS:-required}
	export PLISTINJECT_CORPUS
fi
jobs=$(sh "$top/tools/ncpu.sh")
status=0
total_p=0 total_f=0
run_suite() { # DIR [configure args]
	dir=$1
	shift
	BUILD_DIR=$dir sh "$top/tools/build.sh" "$@"
	cd "$top/$dir"
	# the test programs and fixtures first, quietly, so the log shows tests
	make -s -j"$jobs" check TESTS= >/dev/null
	if ! make -s -j"$jobs" check; then
		status=1
		for f in tests/*.log tests/unit/*.log tests/fuzz/*.log; do
			[ -f "$f" ] && grep -q '^FAIL' "$f" && { echo "== $dir/$f"; tail -n 40 "$f"; }
		done
	fi
	counts=$(cat tests/*.log tests/unit/*.log tests/fuzz/*.log 2>/dev/null |
		awk '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 } END { print p + 0, f + 0 }')
	p=${counts% *} f=${counts#* }
	echo "$dir: $p passed, $f failed"
	total_p=$((total_p + p)) total_f=$((total_f + f))
	cd "$top"
}
run_suite build
PLISTINJECT_CORPUS_SET=small
export PLISTINJECT_CORPUS_SET
# the build a system without Linux's extras gets (macOS, the BSDs): no
# copy_file_range, sync_file_range, fallocate, FICLONERANGE or O_TMPFILE, so
# every byte is written with pwrite into a named temporary file
run_suite build-portable ac_cv_func_copy_file_range=no ac_cv_func_sync_file_range=no \
	ac_cv_func_fallocate=no ac_cv_have_decl_O_TMPFILE=no ac_cv_have_decl_FICLONERANGE=no
# valgrind and the kill loop add nothing under ASan: the sanitizer run skips
# them (PLISTINJECT_SAN), for this build only
PLISTINJECT_SAN=1
export PLISTINJECT_SAN
run_suite build-san --enable-sanitizers
unset PLISTINJECT_SAN
# the release tarball builds, passes its own tests and installs cleanly
echo "distcheck: make distcheck in ./build"
if ! (cd "$top/build" && make -s distcheck >distcheck.log 2>&1); then
	status=1
	tail -n 40 "$top/build/distcheck.log"
	echo "distcheck: FAIL"
else
	# its make check's summary counts test programs, not assertions
	n=$(sed -n 's/^# PASS: *//p' "$top/build/distcheck.log" | tail -n 1)
	s=$(sed -n 's/^# SKIP: *//p' "$top/build/distcheck.log" | tail -n 1)
	echo "distcheck: PASS ($(ls "$top"/build/plistinject-*.tar.gz); its make check: ${n:-?} test programs passed, ${s:-?} skipped)"
fi
echo "$total_p passed, $total_f failed (every assertion of build, build-portable and build-san)"
exit $status
