#!/bin/sh
# seeds.sh OUTDIR - seed corpora for the fuzz targets in tests/fuzz.
#
# Builds the test fixtures (tests/mkfixtures.sh: clang-14, ld64.lld-14 and the
# LLVM 14 tools, or CLANG, LD64_LLD, ... from the environment) and writes
#   OUTDIR/fuzz_macho/     every fixture (thin, 32-bit, universal)
#   OUTDIR/fuzz_pipeline/  the same
#   OUTDIR/fuzz_job/       the same
#   OUTDIR/fuzz_cs_blob/   each signed slice's signature area (dataoff..+datasize)
#                          and each CodeDirectory blob cut out of it
#   OUTDIR/fuzz_plist/     templates/*.plist, tests/fixtures/info.plist, and
#                          binary (bplist00) copies of them
#   OUTDIR/fuzz_cs_req/    each signed slice's requirements blob (slot 2)
#   OUTDIR/fuzz_cms/       each signed slice's CMS payload (slot 0x10000 minus
#                          its 8-byte header), when not empty
# plus the hand-made inputs of tests/fuzz/regress/<target>/.
# Needs python3 (PYTHON), which mkfixtures.sh needs too.
set -eu
if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
OUT=$1
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
TOP=$(CDPATH='' cd -- "$HERE/../.." && pwd)
PY=${PYTHON:-python3}

W=$(mktemp -d "${TMPDIR:-/tmp}/plistinject-seeds.XXXXXX")
trap 'rm -rf -- "$W"' EXIT
trap 'exit 1' HUP INT TERM

sh "$TOP/tests/mkfixtures.sh" "$W/fx" >"$W/mkfixtures.log" 2>&1 ||
	{ cat "$W/mkfixtures.log" >&2; echo "seeds.sh: tests/mkfixtures.sh failed" >&2; exit 1; }

for t in fuzz_macho fuzz_pipeline fuzz_job fuzz_cs_blob fuzz_plist fuzz_cs_req fuzz_cms; do
	mkdir -p -- "$OUT/$t"
	if [ -d "$HERE/regress/$t" ]; then
		for f in "$HERE/regress/$t"/*; do
			[ -f "$f" ] && cp -f -- "$f" "$OUT/$t/regress-$(basename -- "$f")"
		done
	fi
done
for f in "$W/fx"/*; do
	n=$(basename -- "$f")
	[ "$n" = LAYOUT.txt ] && continue
	cp -f -- "$f" "$OUT/fuzz_macho/$n"
	cp -f -- "$f" "$OUT/fuzz_pipeline/$n"
	cp -f -- "$f" "$OUT/fuzz_job/$n"
done
for f in "$TOP"/templates/*.plist "$TOP/tests/fixtures/info.plist"; do
	cp -f -- "$f" "$OUT/fuzz_plist/$(basename -- "$f")"
done

"$PY" - "$W/fx" "$OUT" "$TOP" <<'PYEOF'
import os, plistlib, struct, sys
fx, out, top = sys.argv[1:4]

def slices(b):
    magic = struct.unpack_from('>I', b)[0]
    if magic in (0xcafebabe, 0xcafebabf):
        n = struct.unpack_from('>I', b, 4)[0]
        for i in range(n):
            if magic == 0xcafebabe:
                _, _, off, size, _ = struct.unpack_from('>IIIII', b, 8 + 20 * i)
            else:
                _, _, off, size, _, _ = struct.unpack_from('>IIQQII', b, 8 + 32 * i)
            yield i, b[off:off + size]
    else:
        yield 0, b

def sig_area(s):
    magic, _, _, _, ncmds = struct.unpack_from('<IIIII', s)
    o = 32 if magic == 0xfeedfacf else 28
    for _ in range(ncmds):
        cmd, size = struct.unpack_from('<II', s, o)
        if cmd == 0x1d:
            off, n = struct.unpack_from('<II', s, o + 8)
            return s[off:off + n]
        o += size
    return None

for name in sorted(os.listdir(fx)):
    if name == 'LAYOUT.txt' or name.startswith('.'):
        continue
    data = open(os.path.join(fx, name), 'rb').read()
    for i, s in slices(data):
        sig = sig_area(s)
        if not sig:
            continue
        base = os.path.join(out, 'fuzz_cs_blob', '%s-%d' % (name, i))
        open(base + '.sig', 'wb').write(sig)
        count = struct.unpack_from('>I', sig, 8)[0]
        for k in range(count):
            typ, off = struct.unpack_from('>II', sig, 12 + 8 * k)
            ln = struct.unpack_from('>I', sig, off + 4)[0]
            if typ == 0 or 0x1000 <= typ < 0x1005:
                open('%s.cd%x' % (base, typ), 'wb').write(sig[off:off + ln])
            elif typ == 2:
                open(os.path.join(out, 'fuzz_cs_req', '%s-%d' % (name, i)), 'wb').write(sig[off:off + ln])
            elif typ == 0x10000 and ln > 8:
                open(os.path.join(out, 'fuzz_cms', '%s-%d' % (name, i)), 'wb').write(sig[off + 8:off + ln])

plists = [os.path.join(top, 'templates', f) for f in sorted(os.listdir(os.path.join(top, 'templates')))
          if f.endswith('.plist')] + [os.path.join(top, 'tests', 'fixtures', 'info.plist')]
for p in plists:
    with open(p, 'rb') as f:
        v = plistlib.load(f)
    with open(os.path.join(out, 'fuzz_plist', os.path.basename(p) + '.bin'), 'wb') as f:
        plistlib.dump(v, f, fmt=plistlib.FMT_BINARY)
PYEOF
for t in fuzz_macho fuzz_pipeline fuzz_job fuzz_cs_blob fuzz_plist fuzz_cs_req fuzz_cms; do
	echo "seeds.sh: $t: $(find "$OUT/$t" -type f | wc -l | tr -d ' ') inputs in $OUT/$t"
done
