#!/bin/sh
# fetch-corpus.sh [TSV] - fetch the pinned real macOS binaries of TSV (default
# tests/corpus.tsv) from the npm registry with `npm pack` into
# $PLISTINJECT_CORPUS_DIR (default ~/.cache/plistinject-corpus), unpack them,
# and check every file's size and sha256.  Prints one "ok NAME PATH" or
# "missing NAME: why" line per entry, and "note: ..." lines for what else
# happened (a wait for another fetcher, a download, a stale lock removed).
# Exit 0 when every file is there and verified, 1 otherwise.
#
# Several tests run this at once under `make -j` (corpus, codesign, io, kill,
# valgrind), so one fetcher at a time works in the cache: the lock is a
# directory made with mkdir, which is atomic on every POSIX system (flock(1)
# is Linux-only), holding the holder's pid.  The others wait for it, then
# find the files there and verify them.  A lock whose process is gone, or
# that never got its pid for a minute, is stale and is taken over.  (A make
# prerequisite that fetches once would serve make check only; the lock serves
# every caller, and a failed fetch stays a visible SKIP in each test instead
# of stopping make.)  Only POSIX sh and tools macOS has too: sha256sum, else
# shasum -a 256, else openssl dgst.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tsv=${1:-$here/corpus.tsv}
dir=${PLISTINJECT_CORPUS_DIR:-$HOME/.cache/plistinject-corpus}
wait_max=${PLISTINJECT_CORPUS_WAIT:-3600} # seconds to wait for another fetcher
mkdir -p "$dir/x" || exit 1

sha256() { sh "$here/../tools/sha256.sh" "$1"; } # FILE: its sha256 in lowercase hex

lock=$dir/.lock
waited=0
while ! mkdir "$lock" 2>/dev/null; do
	pid=$(cat "$lock/pid" 2>/dev/null || true)
	stale=
	if [ -n "$pid" ]; then
		kill -0 "$pid" 2>/dev/null || stale="its process $pid is gone"
	elif [ -n "$(find "$lock" -prune -mmin +1 2>/dev/null)" ]; then
		stale="it has had no pid for a minute"
	fi
	if [ -n "$stale" ]; then
		# whoever renames it first removes it; the others just try again
		if mv "$lock" "$lock.stale.$$" 2>/dev/null; then
			rm -rf "$lock.stale.$$"
			echo "note: removed a stale lock $lock: $stale"
		fi
		continue
	fi
	if [ "$waited" -eq 0 ]; then
		echo "note: waiting for another fetcher (pid ${pid:-not yet written}) to finish in $dir"
	elif [ "$waited" -ge "$wait_max" ]; then
		echo "missing all: gave up after $waited s waiting for the fetcher holding $lock (pid ${pid:-?})"
		exit 1
	fi
	sleep 1
	waited=$((waited + 1))
done
trap 'rm -rf "$lock"' EXIT
trap 'exit 1' HUP INT TERM
echo $$ >"$lock/pid"
[ "$waited" -gt 0 ] && echo "note: the other fetcher finished after ${waited} s; checking the files it left"

status=0
while IFS='	' read -r spec path size sum _; do
	case $spec in '#'* | '') continue ;; esac
	name=$(printf '%s' "$spec" | sed 's/^@//; s/[@\/]/-/g')
	top=package
	case $spec in turbo-darwin-arm64@*) top=turbo-darwin-arm64 ;; esac
	file=$dir/x/$name/$top/$path
	if [ -f "$file" ] && [ "$(sha256 "$file")" = "$sum" ]; then
		echo "ok $spec $file"
		continue
	fi
	if [ -e "$dir/x/$name" ]; then
		echo "note: $spec: the cached $path is missing or does not match its sha256; fetching it again"
	fi
	tgz=$(cd "$dir" && npm pack --silent "$spec" 2>"$dir/npm.err" | tail -n 1)
	if [ -z "$tgz" ] || [ ! -f "$dir/$tgz" ]; then
		echo "missing $spec: npm pack failed: $(tail -n 1 "$dir/npm.err")"
		[ -n "$tgz" ] && rm -f "$dir/$tgz"
		status=1
		continue
	fi
	# unpack beside the cache entry, then put it in place whole
	tmp=$dir/x/.unpack.$$
	rm -rf "$tmp" && mkdir -p "$tmp"
	if ! tar xzf "$dir/$tgz" -C "$tmp" 2>"$dir/tar.err"; then
		echo "missing $spec: cannot unpack $tgz: $(tail -n 1 "$dir/tar.err")"
		rm -rf "$tmp"
		rm -f "$dir/$tgz"
		status=1
		continue
	fi
	rm -f "$dir/$tgz"
	got=$tmp/$top/$path
	if [ ! -f "$got" ]; then
		echo "missing $spec: $path is not in the package"
		rm -rf "$tmp"
		status=1
		continue
	fi
	gsize=$(wc -c <"$got" | tr -d ' ')
	gsum=$(sha256 "$got")
	if [ "$gsize" -ne "$size" ] || [ "$gsum" != "$sum" ]; then
		echo "missing $spec: the registry's $path is $gsize bytes with sha256 $gsum; pinned: $size bytes, $sum"
		rm -rf "$tmp"
		status=1
		continue
	fi
	rm -rf "$dir/x/$name" && mv "$tmp" "$dir/x/$name"
	echo "note: $spec: fetched from the npm registry, size and sha256 verified"
	echo "ok $spec $file"
done <"$tsv"
rm -f "$dir/npm.err" "$dir/tar.err"
exit $status
