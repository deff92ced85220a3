#!/bin/sh
# shared-bytes.sh FILE - print "SHARED SIZE": how many of FILE's bytes lie in
# extents the file system marks shared (FIEMAP_EXTENT_SHARED: reflinked with
# another file), and FILE's size.  Reads FIEMAP through `filefrag -v`
# (e2fsprogs), which names the flag "shared" and counts in blocks.
set -eu
f=$1
size=$(stat -c %s "$f")
filefrag -v "$f" | awk -v size="$size" '
	# File size of F is N (B blocks of BS bytes)
	/^File size of / { bs = $(NF - 1) + 0 }
	# "  3:     2441..    2442:       2507..      2508:      2:       2465: last,eof"
	/^ *[0-9]+:/ && /shared/ {
		line = $0
		sub(/^ *[0-9]+: */, "", line)
		split(line, r, /[ .:]+/)   # logical start, end, ...
		end = (r[2] + 1) * bs
		if (end > size) end = size # the last block runs past the end
		if (end > r[1] * bs) shared += end - r[1] * bs
	}
	END {
		if (!bs) { print "shared-bytes: no block size from filefrag" > "/dev/stderr"; exit 1 }
		print shared + 0, size
	}'
