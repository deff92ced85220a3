#!/bin/sh
# bench.sh - plistinject against the yardsticks of DESIGN.md section 6,
# measured in the same run, on claude 2.1.332 (merge-and-replace path) and
# claude 2.1.110 (new plist):
#  - `cp IN Y && openssl dgst -sha256 Y`, which pays no flush;
#  - the durable one, `cp IN Y && sync Y && openssl dgst -sha256 Y`, on the
#    working folder's file system (plistinject fsyncs its output too);
#  - as root, the durable one again on a loop-mounted XFS image with reflink
#    that the script makes and removes (there cp clones and plistinject
#    shares the unchanged ranges), with the share of the output's bytes whose
#    extents are shared with the input (FIEMAP, tools/shared-bytes.sh);
#  - for --check, `openssl dgst -sha256 IN`.
# Each kind runs RUNS times (default 5), alternating, each after a sync, so
# no run pays for the previous one's writeback.  Prints the median wall time
# of each, the ratio of the medians, every round's ratio, plistinject's peak
# RSS, and the load average when the runs began.
# Usage: tools/bench.sh [PLISTINJECT]   (make bench passes the built one)
# Linux only: it times with GNU date's %N and GNU time's -f %M, which macOS
# lacks (the build and install scripts do not).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
P=${1:-$top/build/plistinject}
RUNS=${RUNS:-5}
sh "$top/tests/fetch-corpus.sh" >/tmp/plistinject-bench-fetch.$$ 2>&1 || true
W=$(mktemp -d "${TMPDIR:-/tmp}/plistinject-bench.XXXXXX")
LOOP='' mounted=''
cleanup() {
	if [ -n "$mounted" ]; then umount "$W/xfs" 2>/dev/null || umount -l "$W/xfs"; fi
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	rm -rf "$W" /tmp/plistinject-bench-fetch.$$
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
now() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v n="$1" 'BEGIN { printf "%.0f", n / 1e6 }'; }
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*average[s]*: //'; }
# timed FILE COMMAND...: run COMMAND after a sync, append its wall time (ns)
timed() {
	times=$1; shift
	sync
	t0=$(now)
	"$@"
	t1=$(now)
	echo $((t1 - t0)) >>"$times"
}
# --force: claude 2.1.332 is already ready, and without it the run would be a
# byte-for-byte copy; forced, it takes the merge-and-replace path it measures
inject() { /usr/bin/time -f %M -o "$D/m" "$P" -q --force "$D/in" -o "$D/out"; cat "$D/m" >>"$D/rss"; }
plain() { cp "$D/in" "$D/y" && openssl dgst -sha256 "$D/y" >/dev/null; }
durable() { cp "$D/in" "$D/y" && sync "$D/y" && openssl dgst -sha256 "$D/y" >/dev/null; }
check() { /usr/bin/time -f %M -o "$D/m" "$P" --check "$D/in" >/dev/null || true; cat "$D/m" >>"$D/rss.c"; }
digest() { openssl dgst -sha256 "$D/in" >/dev/null; }
# ratio A B: "median-of-A ms, median-of-B ms, ratio R; pairs ..."
ratio() {
	ma=$(median <"$D/$1"); mb=$(median <"$D/$2")
	pairs=$(paste "$D/$1" "$D/$2" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 / $2 }')
	printf '%s ms, ratio %.2f (rounds %s)' "$(ms "$mb")" "$(awk -v a="$ma" -v b="$mb" 'BEGIN { print a / b }')" "$pairs"
}
rss() { awk -v k="$(sort -n "$D/$1" | tail -n 1)" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
# bench NAME IN DIR WHERE CHECK: RUNS alternating rounds with the files in DIR
bench() {
	name=$1 in=$2 D=$3 where=$4 with_check=$5
	cp "$in" "$D/in"
	cat "$D/in" >/dev/null # warm the page cache for both sides alike
	# one unmeasured run of each, so the first measured round is not the one
	# that pays for cold caches of the programs and their libraries
	rm -f "$D/out" "$D/y"; "$P" -q --force "$D/in" -o "$D/out"; plain; durable; [ "$with_check" = no ] || digest
	: >"$D/t.p"; : >"$D/t.y"; : >"$D/t.d"; : >"$D/t.c"; : >"$D/t.cy"; : >"$D/rss"; : >"$D/rss.c"
	la=$(load)
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		rm -f "$D/out"; timed "$D/t.p" inject
		rm -f "$D/y"; timed "$D/t.y" plain
		rm -f "$D/y"; timed "$D/t.d" durable
		if [ "$with_check" = yes ]; then
			timed "$D/t.c" check
			timed "$D/t.cy" digest
		fi
	done
	mp=$(median <"$D/t.p")
	printf '%s inject on %s (load %s): plistinject %s ms, peak RSS %s\n' "$name" "$where" "$la" "$(ms "$mp")" "$(rss rss)"
	printf '  against cp IN Y && openssl dgst -sha256 Y: %s\n' "$(ratio t.p t.y)"
	printf '  against cp IN Y && sync Y && openssl dgst -sha256 Y: %s\n' "$(ratio t.p t.d)"
	if [ "$where" != "${where#xfs}" ]; then
		# two words, "SHARED SIZE": split on purpose
		# shellcheck disable=SC2046
		set -- $("$top/tools/shared-bytes.sh" "$D/out")
		printf '  output bytes sharing extents with the input: %s of %s (%s%%)\n' "$1" "$2" \
			"$(awk -v s="$1" -v n="$2" 'BEGIN { printf "%.1f", n ? s * 100 / n : 0 }')"
	fi
	if [ "$with_check" = yes ]; then
		printf '%s --check (load %s): plistinject %s ms, peak RSS %s\n' "$name" "$la" "$(ms "$(median <"$D/t.c")")" "$(rss rss.c)"
		printf '  against openssl dgst -sha256 IN: %s\n' "$(ratio t.c t.cy)"
	fi
	rm -f "$D/in" "$D/out" "$D/y"
}
# a loop-mounted XFS image with reflink, as root where loop devices work
xfs=
if [ "$(id -u)" = 0 ] && command -v mkfs.xfs >/dev/null 2>&1 && command -v losetup >/dev/null 2>&1; then
	truncate -s 2G "$W/xfs.img"
	if mkfs.xfs -q -m reflink=1 "$W/xfs.img" >"$W/mkfs.err" 2>&1 && LOOP=$(losetup -f --show "$W/xfs.img" 2>"$W/lo.err"); then
		mkdir "$W/xfs"
		if mount "$LOOP" "$W/xfs" 2>"$W/mount.err"; then
			mounted=1 xfs=$W/xfs
		else
			echo "bench: XFS: SKIP (cannot mount: $(head -1 "$W/mount.err"))"
		fi
	else
		[ -n "$LOOP" ] || echo "bench: XFS: SKIP (no loop device or mkfs.xfs failed: $(cat "$W/mkfs.err" "$W/lo.err" 2>/dev/null | head -1))"
	fi
else
	echo "bench: XFS: SKIP (needs root, mkfs.xfs from xfsprogs and losetup)"
fi
mkdir "$W/here"
fs=$(df -T "$W/here" | awk 'NR == 2 { print $2 }')
echo "bench: $(sh "$(dirname "$0")/ncpu.sh") cores, $RUNS runs each, $(date -u '+%Y-%m-%d %H:%M UTC'), working folder on $fs"
for spec in "claude-2.1.332 @anthropic-ai/claude-code-darwin-arm64@2.1.332" "claude-2.1.110 @anthropic-ai/claude-code-darwin-arm64@2.1.110"; do
	name=${spec%% *} pkg=${spec#* }
	file=$(grep "^ok $pkg " /tmp/plistinject-bench-fetch.$$ | cut -d' ' -f3)
	if [ -z "$file" ]; then echo "$name: SKIP (not fetched)"; continue; fi
	bench "$name" "$file" "$W/here" "$fs" yes
	[ -z "$xfs" ] || bench "$name" "$file" "$xfs" "xfs (reflink, loop)" no
done
sh "$top/tools/bench-cert.sh" "$P" # the certificate path beside the ad-hoc one (issue 15)
