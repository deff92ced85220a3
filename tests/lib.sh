# lib.sh - shared helpers for the shell tests (sourced).  Each test counts
# its assertions and ends with one line "N passed, M failed".
set -u
: "${PLISTINJECT:?set by make check}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${builddir:=$(pwd)}"
OBJDUMP=${OBJDUMP:-llvm-objdump-14}
OTOOL=${OTOOL:-llvm-otool-14}
NM=${NM:-llvm-nm-14}
PY=${PYTHON:-python3}
pass=0
failn=0
T=$(mktemp -d "${TMPDIR:-/tmp}/plistinject-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

ok() { pass=$((pass + 1)); }
bad() { failn=$((failn + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
	d=$1; shift
	if "$@"; then ok; else bad "$d"; fi
}
expect_rc() { # expect_rc WANT DESCRIPTION COMMAND...
	want=$1 d=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok; else bad "$d: exit $rc, wanted $want"; sed 's/^/  | /' "$T/err" | head -5; fi
}
contains() { # contains FILE TEXT
	grep -qF -- "$2" "$1"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
# The real corpus: PLISTINJECT_CORPUS_SET=small (tools/test.sh sets it for
# the portable and sanitizer builds and make distcheck) keeps the files under
# 30 MB that still cover thin, universal, Developer ID, refused and PowerPC
# inputs; the large ones (claude, deno, bun, node, ngrok) run in the normal
# build only.  corpus_small is true in that case.
CORPUS_SMALL="fsevents@2.3.3 @esbuild/darwin-arm64@0.28.2 @esbuild/darwin-x64@0.28.2 turbo-darwin-arm64@2.8.17 @sentry/cli-darwin@3.8.0 fuse-shared-library-darwin@1.1.3"
corpus_small() { [ "${PLISTINJECT_CORPUS_SET:-all}" = small ]; }
# fetch_corpus: tests/fetch-corpus.sh over the set in use, output in $T/fetch;
# its exit status
fetch_corpus() {
	tsv=$srcdir/tests/corpus.tsv
	if corpus_small; then
		tsv=$T/corpus-small.tsv
		for spec in $CORPUS_SMALL; do
			grep "^$spec	" "$srcdir/tests/corpus.tsv"
		done >"$tsv"
	fi
	sh "$srcdir/tests/fetch-corpus.sh" "$tsv" >"$T/fetch" 2>&1
}
# corpus_path SPEC: the verified file of SPEC after fetch_corpus, or nothing
corpus_path() { grep "^ok $1 " "$T/fetch" | cut -d' ' -f3; }
finish() {
	echo "$pass passed, $failn failed"
	[ "$failn" -eq 0 ]
	exit $?
}
# objdump and otool must parse without any warning
parses_clean() {
	"$OBJDUMP" --macho --private-headers "$1" >"$T/od.out" 2>"$T/od.err" && [ ! -s "$T/od.err" ] &&
		! grep -qi warning "$T/od.out" &&
		"$OTOOL" -l "$1" >"$T/ot.out" 2>"$T/ot.err" && [ ! -s "$T/ot.err" ] &&
		grep -q 'sectname __info_plist' "$T/ot.out"
}
# LIEF (when built) parses the output and sees one more section than the input had
lief_ok() { # lief_ok INPUT OUTPUT
	[ -x "${LIEF_SECTIONS:-}" ] || return 0
	# LIEF 0.9 is a soft oracle: when it cannot read the input either (or takes
	# minutes, as on node x64's bindings), it says nothing about the output
	timeout "${LIEF_TIMEOUT:-60}" "$LIEF_SECTIONS" "$1" >"$T/l1" 2>/dev/null || return 0
	timeout "${LIEF_TIMEOUT:-60}" "$LIEF_SECTIONS" "$2" >"$T/l2" 2>"$T/l2.err" || { cat "$T/l2.err"; return 1; }
	grep -q '__TEXT,__info_plist' "$T/l2" || return 1
	n1=$(grep -c ',' "$T/l1"); n2=$(grep -c ',' "$T/l2")
	had=$(grep -c '__TEXT,__info_plist' "$T/l1" || true)
	slices=$(grep -c ' sections ' "$T/l2")
	[ $((n2 - n1)) -eq $((slices - had)) ]
}
