#!/bin/sh
# bench-cert.sh - the certificate path of the built-in signer beside the
# ad-hoc one (issue 15's target: within 5%), on claude 2.1.332 from the
# corpus cache: RUNS (default 5) alternating pairs of `plistinject -q --force
# IN -o OUT` and the same with `--key --cert` (a self-signed code-signing
# identity made here by openssl; no timestamp, so no network).  --force: the
# file is already ready, and without it the run would be a copy.  Prints both
# medians, their ratio, every pair's ratio and the load average when the runs
# began.  It does not fetch: the file must already be in
# ${PLISTINJECT_CORPUS_DIR:-~/.cache/plistinject-corpus} (tests/fetch-corpus.sh,
# or tools/bench.sh, which runs this script last, fetches it).
# Usage: tools/bench-cert.sh [PLISTINJECT]   Linux only (GNU date's %N).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
P=${1:-$top/build/plistinject}
RUNS=${RUNS:-5}
IN=${PLISTINJECT_CORPUS_DIR:-$HOME/.cache/plistinject-corpus}/x/anthropic-ai-claude-code-darwin-arm64-2.1.332/package/claude
name=claude-2.1.332
if [ ! -f "$IN" ]; then
	echo "$name certificate: SKIP (not in the corpus cache)"
	exit 0
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/plistinject-bench-cert.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 1' HUP INT TERM
now() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v n="$1" 'BEGIN { printf "%.0f", n / 1e6 }'; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" -days 30 \
	-subj "/CN=Bench Code Signing/O=Bench" -addext "basicConstraints=critical,CA:false" \
	-addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=codeSigning" 2>/dev/null
adhoc() { "$P" -q --force "$W/in" -o "$W/out"; }
cert() { "$P" -q --force --key "$W/key.pem" --cert "$W/cert.pem" "$W/in" -o "$W/out"; }
timed() { # FILE COMMAND: after a sync, append COMMAND's wall time (ns)
	times=$1; shift
	rm -f "$W/out"
	sync
	t0=$(now)
	"$@"
	t1=$(now)
	echo $((t1 - t0)) >>"$W/$times"
}
cp "$IN" "$W/in"
cat "$W/in" >/dev/null # warm the page cache for both alike
adhoc && cert          # one unmeasured run of each
"$P" --check "$W/out" | grep -q "certificate 'Bench Code Signing'" ||
	{ echo "$name certificate: the output does not check as a certificate signature" >&2; exit 1; }
: >"$W/t.a"; : >"$W/t.k"
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	timed t.a adhoc
	timed t.k cert
done
ma=$(median <"$W/t.a"); mk=$(median <"$W/t.k")
pairs=$(paste "$W/t.k" "$W/t.a" | awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 / $2 }')
printf '%s certificate: --key --cert %s ms, ad hoc %s ms (medians of %s, both --force), ratio %.3f; pairs %s; load %s\n' \
	"$name" "$(ms "$mk")" "$(ms "$ma")" "$RUNS" "$(awk -v a="$mk" -v b="$ma" 'BEGIN { print a / b }')" "$pairs" "$load"
