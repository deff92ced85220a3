#!/bin/sh
# test.sh - build and run the whole test suite three times: the normal build
# in ./build, a build without the Linux-only system calls in ./build-portable,
# and an AddressSanitizer + UndefinedBehaviorSanitizer build in ./build-san
# (configure --enable-sanitizers); then make distcheck.  The real-corpus tests fetch
# pinned binaries from the npm registry; in CI (CI=true) a file that cannot
# be fetched fails the run, elsewhere it is skipped visibly.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${CI:-}" = true ]; then
	PLISTINJECT_CORPUS=${PLISTINJECT_CORPUS:-required}
	export PLISTINJECT_CORPUS
fi
status=0
run_suite() { # DIR [configure args]
	dir=$1
	shift
	BUILD_DIR=$dir sh "$top/tools/build.sh" "$@"
	cd "$top/$dir"
	# the test programs and fixtures first, quietly, so the log shows tests
	make -s -j"$(nproc)" check TESTS= >/dev/null
	if ! make -s -j"$(nproc)" check; then
		status=1
		for f in tests/*.log tests/unit/*.log tests/fuzz/*.log; do
			[ -f "$f" ] && grep -q '^FAIL' "$f" && { echo "== $dir/$f"; tail -n 40 "$f"; }
		done
	fi
	cat tests/*.log tests/unit/*.log tests/fuzz/*.log 2>/dev/null |
		awk -v d="$dir" '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 } END { print d ": " p " passed, " f " failed" }'
	cd "$top"
}
run_suite build
# the build a system without Linux's extras gets (macOS, the BSDs): no
# copy_file_range, sync_file_range, fallocate, FICLONERANGE or O_TMPFILE, so
# every byte is written with pwrite into a named temporary file
run_suite build-portable ac_cv_func_copy_file_range=no ac_cv_func_sync_file_range=no \
	ac_cv_func_fallocate=no ac_cv_have_decl_O_TMPFILE=no ac_cv_have_decl_FICLONERANGE=no
# valgrind and the kill loop add nothing under ASan: the sanitizer run skips them
PLISTINJECT_SAN=1
export PLISTINJECT_SAN
run_suite build-san --enable-sanitizers
# the release tarball builds, passes its own tests and installs cleanly
echo "distcheck: make distcheck in ./build"
if ! (cd "$top/build" && make -s distcheck >distcheck.log 2>&1); then
	status=1
	tail -n 40 "$top/build/distcheck.log"
	echo "distcheck: FAIL"
else
	echo "distcheck: PASS ($(ls "$top"/build/plistinject-*.tar.gz))"
fi
cat "$top"/build/tests/*.log "$top"/build/tests/unit/*.log "$top"/build-portable/tests/*.log \
	"$top"/build-portable/tests/unit/*.log "$top"/build-san/tests/*.log "$top"/build-san/tests/unit/*.log 2>/dev/null |
	awk '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 } END { print p " passed, " f " failed" }'
exit $status
