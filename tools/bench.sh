#!/bin/sh
# bench.sh - plistinject against the yardstick of DESIGN's performance target,
# measured in the same run: `cp IN OUT && openssl dgst -sha256 OUT` for the
# main job, `openssl dgst -sha256 IN` for --check.  Runs each pair RUNS times
# (default 5), alternating, on claude 2.1.332 (merge-and-replace path) and
# claude 2.1.110 (new plist), and prints the median wall time of each, the
# ratio of the medians, every pair's ratio, and plistinject's peak RSS.
# Then the certificate path beside the ad-hoc one on claude 2.1.332: RUNS
# alternating pairs of `plistinject --force` and `plistinject --force --key
# --cert` (a self-signed code-signing identity made here with openssl; no
# timestamp, so no network), their medians and the ratio (issue 15's target:
# within 5%).
# Usage: tools/bench.sh [PLISTINJECT]   (make bench passes the built one)
# BENCH=cert runs only the certificate pair, on the file already in the
# corpus cache (${PLISTINJECT_CORPUS_DIR:-~/.cache/plistinject-corpus}),
# without fetching.
# Linux only: it times with GNU date's %N and GNU time's -f %M, which macOS
# lacks (the build and install scripts do not).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
P=${1:-$top/build/plistinject}
RUNS=${RUNS:-5}
BENCH=${BENCH:-all}
if [ "$BENCH" = all ]; then
	sh "$top/tests/fetch-corpus.sh" >/tmp/plistinject-bench-fetch.$$ 2>&1 || true
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/plistinject-bench.XXXXXX")
trap 'rm -rf "$W" /tmp/plistinject-bench-fetch.$$' EXIT
now() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v n="$1" 'BEGIN { printf "%.0f", n / 1e6 }'; }
bench() { # NAME IN: RUNS alternating pairs of each kind
	name=$1 in=$2
	cp "$in" "$W/in"
	cat "$W/in" >/dev/null # warm the page cache for both sides alike
	sync # and let the copy reach the disk before anything is timed
	# one unmeasured run of each, so the first measured pair is not the one
	# that pays for cold caches of the programs and their libraries
	"$P" -q "$W/in" -o "$W/out" && rm -f "$W/out"
	cp "$W/in" "$W/out" && openssl dgst -sha256 "$W/out" >/dev/null && rm -f "$W/out"
	"$P" --check "$W/in" >/dev/null || true
	: >"$W/t.p"; : >"$W/t.y"; : >"$W/t.c"; : >"$W/t.cy"; : >"$W/rss"; : >"$W/rss.c"
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		rm -f "$W/out"; t0=$(now)
		/usr/bin/time -f %M -o "$W/m" "$P" -q "$W/in" -o "$W/out"
		t1=$(now); echo $((t1 - t0)) >>"$W/t.p"; cat "$W/m" >>"$W/rss"
		rm -f "$W/out"; t0=$(now)
		cp "$W/in" "$W/out" && openssl dgst -sha256 "$W/out" >/dev/null
		t1=$(now); echo $((t1 - t0)) >>"$W/t.y"
		t0=$(now)
		/usr/bin/time -f %M -o "$W/m" "$P" --check "$W/in" >/dev/null || true
		t1=$(now); echo $((t1 - t0)) >>"$W/t.c"; cat "$W/m" >>"$W/rss.c"
		t0=$(now)
		openssl dgst -sha256 "$W/in" >/dev/null
		t1=$(now); echo $((t1 - t0)) >>"$W/t.cy"
	done
	for kind in "inject:t.p:t.y:rss:cp IN OUT && openssl dgst -sha256 OUT" "--check:t.c:t.cy:rss.c:openssl dgst -sha256 IN"; do
		label=${kind%%:*}; rest=${kind#*:}; a=${rest%%:*}; rest=${rest#*:}; b=${rest%%:*}; rest=${rest#*:}; r=${rest%%:*}; y=${rest#*:}
		ma=$(median <"$W/$a"); mb=$(median <"$W/$b")
		pairs=$(paste "$W/$a" "$W/$b" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 / $2 }')
		rss=$(sort -n "$W/$r" | tail -n 1)
		printf '%s %s: plistinject %s ms, yardstick (%s) %s ms, ratio %.2f; pairs %s; peak RSS %.1f MiB\n' \
			"$name" "$label" "$(ms "$ma")" "$y" "$(ms "$mb")" "$(awk -v a="$ma" -v b="$mb" 'BEGIN { print a / b }')" \
			"$pairs" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
	done
}
# The certificate path against the ad-hoc path, both re-signing (--force).
bench_cert() { # NAME IN
	name=$1 in=$2
	cp "$in" "$W/in"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" -days 30 \
		-subj "/CN=Bench Code Signing/O=Bench" -addext "basicConstraints=critical,CA:false" \
		-addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=codeSigning" 2>/dev/null
	cat "$W/in" >/dev/null
	sync
	"$P" -q --force "$W/in" -o "$W/out" && rm -f "$W/out"
	"$P" -q --force --key "$W/key.pem" --cert "$W/cert.pem" "$W/in" -o "$W/out" && rm -f "$W/out"
	: >"$W/t.a"; : >"$W/t.k"
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		rm -f "$W/out"; t0=$(now)
		"$P" -q --force "$W/in" -o "$W/out"
		t1=$(now); echo $((t1 - t0)) >>"$W/t.a"
		rm -f "$W/out"; t0=$(now)
		"$P" -q --force --key "$W/key.pem" --cert "$W/cert.pem" "$W/in" -o "$W/out"
		t1=$(now); echo $((t1 - t0)) >>"$W/t.k"
	done
	"$P" --check "$W/out" | grep -q "certificate 'Bench Code Signing'" || echo "$name: the certificate output does not check" >&2
	ma=$(median <"$W/t.a"); mk=$(median <"$W/t.k")
	pairs=$(paste "$W/t.k" "$W/t.a" | awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 / $2 }')
	printf '%s certificate: plistinject --force --key --cert %s ms, ad hoc (--force) %s ms, ratio %.3f; pairs %s\n' \
		"$name" "$(ms "$mk")" "$(ms "$ma")" "$(awk -v a="$mk" -v b="$ma" 'BEGIN { print a / b }')" "$pairs"
}
echo "bench: $(sh "$(dirname "$0")/ncpu.sh") cores, $RUNS runs each, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
if [ "$BENCH" = cert ]; then
	f=${PLISTINJECT_CORPUS_DIR:-$HOME/.cache/plistinject-corpus}/x/anthropic-ai-claude-code-darwin-arm64-2.1.332/package/claude
	if [ -f "$f" ]; then bench_cert claude-2.1.332 "$f"; else echo "claude-2.1.332: SKIP (not in the cache)"; fi
	exit 0
fi
for spec in "claude-2.1.332 @anthropic-ai/claude-code-darwin-arm64@2.1.332" "claude-2.1.110 @anthropic-ai/claude-code-darwin-arm64@2.1.110"; do
	name=${spec%% *} pkg=${spec#* }
	f=$(grep "^ok $pkg " /tmp/plistinject-bench-fetch.$$ | cut -d' ' -f3)
	if [ -z "$f" ]; then echo "$name: SKIP (not fetched)"; continue; fi
	bench "$name" "$f"
done
f=$(grep "^ok @anthropic-ai/claude-code-darwin-arm64@2.1.332 " /tmp/plistinject-bench-fetch.$$ | cut -d' ' -f3)
if [ -n "$f" ]; then bench_cert claude-2.1.332 "$f"; else echo "claude-2.1.332 certificate: SKIP (not fetched)"; fi
