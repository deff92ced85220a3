#!/bin/sh
# fetch-corpus.sh - fetch the pinned real macOS binaries of tests/corpus.tsv
# from the npm registry with `npm pack` into $PLISTINJECT_CORPUS_DIR (default
# ~/.cache/plistinject-corpus), unpack them, and check every file's size and
# sha256.  Prints one "ok NAME PATH" or "missing NAME: why" line per entry.
# Exit 0 when every file is there and verified, 1 otherwise.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tsv=${1:-$here/corpus.tsv}
dir=${PLISTINJECT_CORPUS_DIR:-$HOME/.cache/plistinject-corpus}
mkdir -p "$dir/x" || exit 1
status=0
while IFS='	' read -r spec path size sum what; do
	case $spec in '#'* | '') continue ;; esac
	name=$(printf '%s' "$spec" | sed 's/^@//; s/[@\/]/-/g')
	top=package
	case $spec in turbo-darwin-arm64@*) top=turbo-darwin-arm64 ;; esac
	file=$dir/x/$name/$top/$path
	if [ -f "$file" ] && [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$sum" ]; then
		echo "ok $spec $file"
		continue
	fi
	tgz=$(cd "$dir" && npm pack --silent "$spec" 2>"$dir/npm.err" | tail -n 1)
	if [ -z "$tgz" ] || [ ! -f "$dir/$tgz" ]; then
		echo "missing $spec: npm pack failed: $(tail -n 1 "$dir/npm.err")"
		status=1
		continue
	fi
	rm -rf "$dir/x/$name" && mkdir -p "$dir/x/$name" && tar xzf "$dir/$tgz" -C "$dir/x/$name" && rm -f "$dir/$tgz"
	if [ ! -f "$file" ]; then
		echo "missing $spec: $path is not in the package"
		status=1
	elif [ "$(wc -c <"$file")" -ne "$size" ] || [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$sum" ]; then
		echo "missing $spec: $path does not match the pinned size and sha256"
		rm -rf "$dir/x/$name"
		status=1
	else
		echo "ok $spec $file"
	fi
done <"$tsv"
exit $status
