#!/bin/sh
# plistinject-claude.sh [PLISTINJECT-OPTIONS...] [FOLDER]
#
# Keeps every Claude Code version in FOLDER (default: the native installer's
# ~/.local/share/claude/versions, where each version is one executable named
# after it) fixed: each Mach-O file there that `plistinject --check` finds not
# ready is fixed in place; files that are ready (Anthropic's own releases with
# a bound plist, or versions fixed before) and files that are not Mach-O are
# not touched.  The launchd agent com.example.plistinject-claude.plist runs it
# whenever FOLDER changes; running it again changes nothing.
#
# A version without an embedded plist gets CFBundleName and
# CFBundleExecutable $PLISTINJECT_NAME (default claude) rather than the file's
# own name (a version number).  PLISTINJECT_BIN names the program (default:
# plistinject on PATH, with Homebrew's folders added, as launchd's PATH lacks
# them).  Options before FOLDER go to plistinject (e.g. --bundle-id).
# POSIX sh and BSD tools only: this runs on macOS.
PATH=/opt/homebrew/bin:/usr/local/bin:$PATH
export PATH
bin=${PLISTINJECT_BIN:-plistinject}
name=${PLISTINJECT_NAME:-claude}
dir=$HOME/.local/share/claude/versions
if [ $# -gt 0 ]; then
	eval "last=\${$#}"
	if [ -d "$last" ]; then
		dir=$last
		n=$#
		for a in "$@"; do # drop the last argument, keep the options
			[ "$n" -gt 1 ] && set -- "$@" "$a"
			shift
			n=$((n - 1))
		done
	fi
fi
status=0
for f in "$dir"/*; do
	[ -f "$f" ] && [ ! -L "$f" ] || continue
	"$bin" --check -q "$f" >/dev/null 2>&1
	[ $? -eq 3 ] || continue # 0: ready, or not a Mach-O file; 1: unreadable (said by --check)
	if "$bin" --print-plist "$f" >/dev/null 2>&1; then
		"$bin" -q --in-place "$@" "$f" || status=1
	else
		"$bin" -q --in-place --name "$name" --set "CFBundleExecutable=$name" "$@" "$f" || status=1
	fi
done
exit $status
