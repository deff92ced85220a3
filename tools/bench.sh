#!/bin/sh
# bench.sh - plistinject against the yardstick of DESIGN's performance target,
# measured in the same run: `cp IN OUT && openssl dgst -sha256 OUT` for the
# main job, `openssl dgst -sha256 IN` for --check.  Runs each pair RUNS times
# (default 5), alternating, on claude 2.1.332 (merge-and-replace path) and
# claude 2.1.110 (new plist), and prints the median wall time of each, the
# ratio of the medians, every pair's ratio, and plistinject's peak RSS.
# Usage: tools/bench.sh [PLISTINJECT]   (make bench passes the built one)
# Linux only: it times with GNU date's %N and GNU time's -f %M, which macOS
# lacks (the build and install scripts do not).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
P=${1:-$top/build/plistinject}
RUNS=${RUNS:-5}
sh "$top/tests/fetch-corpus.sh" >/tmp/plistinject-bench-fetch.$$ 2>&1 || true
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
echo "bench: $(sh "$(dirname "$0")/ncpu.sh") cores, $RUNS runs each, $(date -u +%Y-%m-%d)"
for spec in "claude-2.1.332 @anthropic-ai/claude-code-darwin-arm64@2.1.332" "claude-2.1.110 @anthropic-ai/claude-code-darwin-arm64@2.1.110"; do
	name=${spec%% *} pkg=${spec#* }
	f=$(grep "^ok $pkg " /tmp/plistinject-bench-fetch.$$ | cut -d' ' -f3)
	if [ -z "$f" ]; then echo "$name: SKIP (not fetched)"; continue; fi
	bench "$name" "$f"
done
sh "$top/tools/bench-cert.sh" "$P" # the certificate path beside the ad-hoc one (issue 15)
