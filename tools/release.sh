#!/bin/sh
# release.sh [FORMULA] - a release in one command: build in ./build, make the
# `make dist` tarball, and write its URL and sha256 into the Homebrew formula
# (default contrib/homebrew/plistinject.rb).  Then upload the tarball to that
# URL and commit the formula.
#   RELEASE_URL  where the tarball will be published, with @VERSION@ for the
#                version (default: the formula's current url, its version
#                replaced), e.g. https://github.com/OWNER/plistinject/
#                releases/download/v@VERSION@/plistinject-@VERSION@.tar.gz
#   TARBALL      an existing plistinject-VERSION.tar.gz to use instead of
#                running make dist (the tests use this)
# Only POSIX sh and tools macOS has too (no in-place sed, no sha256sum needed).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
formula=${1:-$top/contrib/homebrew/plistinject.rb}
[ -f "$formula" ] || { echo "release: no formula $formula" >&2; exit 1; }

sha256() { sh "$top/tools/sha256.sh" "$1"; } # FILE: its sha256 in lowercase hex

if [ -z "${TARBALL:-}" ]; then
	sh "$top/tools/build.sh" >/dev/null
	(cd "$top/build" && rm -f plistinject-*.tar.gz && make -s dist >/dev/null)
	TARBALL=$(ls "$top"/build/plistinject-*.tar.gz)
fi
[ -f "$TARBALL" ] || { echo "release: no tarball $TARBALL" >&2; exit 1; }
base=$(basename "$TARBALL")
version=${base#plistinject-}
version=${version%.tar.gz}
case $version in '' | *[!0-9A-Za-z.-]*) echo "release: $base is not plistinject-VERSION.tar.gz" >&2; exit 1 ;; esac

# one url and one sha256 line, as the formula has them
for key in url sha256; do
	n=$(grep -c "^  $key \"[^\"]*\"\$" "$formula" || true)
	[ "$n" -eq 1 ] || { echo "release: $formula has $n '  $key \"...\"' lines, wanted 1" >&2; exit 1; }
done
old_url=$(sed -n 's/^  url "\([^"]*\)"$/\1/p' "$formula")
if [ -z "${RELEASE_URL:-}" ]; then
	old_version=$(printf '%s\n' "$old_url" | sed -n 's/.*plistinject-\(.*\)\.tar\.gz$/\1/p')
	[ -n "$old_version" ] || { echo "release: cannot find the version in the formula's url $old_url; set RELEASE_URL" >&2; exit 1; }
	# every occurrence of the old version (a v0.1.0/ folder too) becomes the new one
	RELEASE_URL=$(printf '%s\n' "$old_url" | awk -v o="$old_version" '{ while ((i = index($0, o)) > 0) $0 = substr($0, 1, i - 1) "@VERSION@" substr($0, i + length(o)); print }')
fi
url=$(printf '%s\n' "$RELEASE_URL" | awk -v v="$version" '{ while ((i = index($0, "@VERSION@")) > 0) $0 = substr($0, 1, i - 1) v substr($0, i + 9); print }')
sum=$(sha256 "$TARBALL")

# the new formula beside the old, then renamed over it (macOS sed has no GNU in-place edit)
awk -v url="$url" -v sum="$sum" '
	/^  url "[^"]*"$/ { print "  url \"" url "\""; next }
	/^  sha256 "[^"]*"$/ { print "  sha256 \"" sum "\""; next }
	{ print }' "$formula" >"$formula.tmp"
mv "$formula.tmp" "$formula"
echo "release: $TARBALL"
echo "release: sha256 $sum"
echo "release: $formula now points at $url; upload the tarball there and commit the formula"
