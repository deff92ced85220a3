#!/bin/sh
# mkfixtures.sh OUTDIR - build plistinject's Mach-O test fixtures on any host.
#
# Builds small thin Mach-O files from tests/fixtures/*.c with clang and ld64.lld
# (no SDK, no Mac: tests/fixtures/libSystem.tbd is the only "library"), checks
# that every fixture really has the layout its tests rely on, and writes
# OUTDIR/LAYOUT.txt.  Exits non-zero, and leaves no LAYOUT.txt, if anything is
# wrong.  See tests/fixtures/README.md for what each fixture is for.
#
# Tools (override through the environment; the values are split into words):
#   CLANG     default clang-14
#   LD64_LLD  default ld64.lld-14
#   OTOOL     default llvm-otool-14     (layout is read from `otool -l`)
#   OBJDUMP   default llvm-objdump-14   (every output must parse without warnings)
# Also needs: od, awk, dd, cmp, wc (POSIX).
# The want '...' checks and the awk program are single-quoted on purpose (eval'd or
# awk code); analyze() variables are assigned by eval; tool variables are split into words.
# shellcheck disable=SC2016,SC2034,SC2086,SC2154
set -eu

usage() { echo "usage: $0 OUTDIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
OUTDIR=$1
[ -n "$OUTDIR" ] || usage

CLANG=${CLANG:-clang-14}
LD64_LLD=${LD64_LLD:-ld64.lld-14}
OTOOL=${OTOOL:-llvm-otool-14}
OBJDUMP=${OBJDUMP:-llvm-objdump-14}

HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
FIX=$HERE/fixtures
PLIST=$FIX/info.plist

die() { echo "mkfixtures: $*" >&2; exit 1; }

for t in "$CLANG" "$LD64_LLD" "$OTOOL" "$OBJDUMP"; do
    set -- $t
    command -v "$1" >/dev/null 2>&1 || die "tool not found: $1"
done
for f in hello.c filler.c gapfill.c libhello.c libSystem.tbd info.plist; do
    [ -f "$FIX/$f" ] || die "missing fixture source $FIX/$f"
done

FIXTURES="arm64-plain x86_64-plain arm64-adhoc x86_64-adhoc arm64-headerpad
arm64-sectcreate arm64-room-pad arm64-room-tail arm64-room-gap arm64-noroom
arm64-dylib"
# built from the fixtures above after their layout checks: a 32-bit slice and universal files
EXTRA="arm64_32-adhoc fat-adhoc fat-mixed fat-noroom fat64-adhoc fat-ppc
arm64-pad64 arm64-pad56 arm64-pad48sv arm64-pad56-nodic"
LIPO=${LIPO:-llvm-lipo-14}

mkdir -p -- "$OUTDIR"
# Nothing stale may survive a failed run: LAYOUT.txt is the "fixtures OK" stamp.
rm -f -- "$OUTDIR/LAYOUT.txt"
for n in $FIXTURES $EXTRA; do rm -f -- "$OUTDIR/$n"; done
W=$OUTDIR/.mkfixtures.$$
rm -rf -- "$W"
mkdir -p -- "$W/obj"
trap 'rm -rf -- "$W"' EXIT
trap 'exit 1' HUP INT TERM

CFLAGS_FIX="-std=c11 -O1 -Wall -Wextra -fno-stack-protector -fno-common"

# compile ARCH SRC OBJ [extra clang args...]
compile() {
    c_arch=$1 c_src=$2 c_obj=$3
    shift 3
    case $c_arch in
        arm64)  c_tgt=arm64-apple-macos12 ;;
        x86_64) c_tgt=x86_64-apple-macos10.15 ;;
        *) die "unknown arch $c_arch" ;;
    esac
    echo "+ $CLANG -target $c_tgt $CFLAGS_FIX $* -c $c_src -o $c_obj"
    $CLANG -target "$c_tgt" $CFLAGS_FIX "$@" -c "$c_src" -o "$c_obj"
}

# link ARCH OUT [ld64.lld args...]
link() {
    l_arch=$1 l_out=$2
    shift 2
    case $l_arch in
        arm64)  l_min=12.0 ;;
        x86_64) l_min=10.15 ;;
        *) die "unknown arch $l_arch" ;;
    esac
    echo "+ $LD64_LLD -arch $l_arch -platform_version macos $l_min 12.0 -L $FIX -lSystem $* -o $l_out"
    $LD64_LLD -arch "$l_arch" -platform_version macos "$l_min" 12.0 \
        -L "$FIX" -lSystem "$@" -o "$l_out"
}

# ---------------------------------------------------------------------------
# Layout analysis.  `otool -l` (non-verbose: decimal offsets, hex sizes) is
# turned into shell assignments by awk; byte contents are read with od.

AWK_LAYOUT='
function hex(s,   i, c, v) {
    s = tolower(s); sub(/^0x/, "", s); v = 0
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", substr(s, i, 1))
        if (c == 0) return -1
        v = v * 16 + c - 1
    }
    return v
}
BEGIN { ns = 0; nseg = 0; insect = 0; cmd = ""; cs_off = -1; cs_size = 0
        symoff = 0; nsyms = 0; hdrline = 0 }
/^Mach header/ { hdrline = 1; next }
hdrline == 1 { hdrline = 2; next }            # column titles
hdrline == 2 { magic = $1; cputype = $2; filetype = $5; ncmds = $6
               sizeofcmds = $7; hdrline = 3; next }
/^Load command/ { insect = 0; cmd = ""; next }
$1 == "cmd" { cmd = $2; if (cmd ~ /^LC_SEGMENT/) nseg++; next }
/^Section$/ { insect = 1; ns++; next }
insect {
    if ($1 == "sectname") sn[ns] = $2
    else if ($1 == "segname") sg[ns] = $2
    else if ($1 == "size") sz[ns] = hex($2)
    else if ($1 == "offset") so[ns] = $2 + 0
    else if ($1 == "flags") sf[ns] = hex($2)
    next
}
cmd ~ /^LC_SEGMENT/ {
    if ($1 == "segname") segname[nseg] = $2
    else if ($1 == "fileoff") segfo[nseg] = $2 + 0
    else if ($1 == "filesize") segfs[nseg] = $2 + 0
    next
}
cmd == "LC_CODE_SIGNATURE" {
    if ($1 == "dataoff") cs_off = $2 + 0
    else if ($1 == "datasize") cs_size = $2 + 0
    next
}
cmd == "LC_SYMTAB" {
    if ($1 == "symoff") symoff = $2 + 0
    else if ($1 == "nsyms") nsyms = $2 + 0
    next
}
END {
    hdrsize = (magic == "0xfeedface" || magic == "0xcefaedfe") ? 28 : 32
    ntext = 0; text_last = 0; tseg = 0; lseg = 0
    for (i = 1; i <= nseg; i++) {
        if (segname[i] == "__TEXT") tseg = i
        if (segname[i] == "__LINKEDIT") lseg = i
    }
    # __TEXT sections that occupy file bytes, sorted by offset (insertion sort)
    n = 0; plist_off = -1; plist_size = 0
    for (i = 1; i <= ns; i++) {
        if (sg[i] != "__TEXT") continue
        ntext++; text_last = i
        if (sn[i] == "__info_plist") { plist_off = so[i]; plist_size = sz[i] }
        t = sf[i] % 256
        if (sz[i] == 0 || t == 1 || t == 12 || t == 18) continue   # empty / zerofill
        n++; o[n] = so[i]; e[n] = so[i] + sz[i]
        for (j = n; j > 1 && o[j - 1] > o[j]; j--) {
            x = o[j]; o[j] = o[j - 1]; o[j - 1] = x
            x = e[j]; e[j] = e[j - 1]; e[j - 1] = x
        }
    }
    gaps = ""; last_end = 0
    for (j = 1; j <= n; j++) {
        if (j > 1 && o[j] > last_end) gaps = gaps " " last_end ":" (o[j] - last_end)
        if (e[j] > last_end) last_end = e[j]
    }
    printf "magic=%s cputype=%s filetype=%s sizeofcmds=%s\n", magic, cputype, filetype, sizeofcmds
    printf "hdr_end=%d first_off=%d last_end=%d\n", hdrsize + sizeofcmds, (n ? o[1] : -1), last_end
    printf "text_fileoff=%d text_end=%d\n", (tseg ? segfo[tseg] : -1), (tseg ? segfo[tseg] + segfs[tseg] : -1)
    printf "le_end=%d last_seg=%s\n", (lseg ? segfo[lseg] + segfs[lseg] : -1), segname[nseg]
    printf "cs_off=%d cs_size=%d symoff=%d nsyms=%d\n", cs_off, cs_size, symoff, nsyms
    printf "text_nsects=%d text_last=%d plist_off=%d plist_size=%d\n", ntext, text_last, plist_off, plist_size
    printf "gaps=\"%s\"\n", gaps
}'

# is_zero FILE OFF LEN: true if the LEN bytes at OFF are all zero (LEN 0: true)
is_zero() {
    [ "$3" -gt 0 ] || return 0
    od -An -v -tu1 -j "$2" -N "$3" -- "$1" |
        awk '{ for (i = 1; i <= NF; i++) if ($i != 0) { bad = 1; exit } }
             END { exit bad }'
}

# max n_sect of non-stab N_SECT symbols (nlist_64: n_type at +4, n_sect at +5)
max_nsect() {
    [ "$nsyms" -gt 0 ] || { echo 0; return 0; }
    od -An -v -tu1 -j "$symoff" -N $((nsyms * 16)) -- "$1" |
        awk '{ for (i = 1; i <= NF; i++) { b[k % 16] = $i; k++
                 if (k % 16 == 0 && b[4] < 32 && int(b[4] / 2) % 8 == 7 && b[5] > m) m = b[5] } }
             END { print m + 0 }'
}

FAILS=0
fail() { echo "mkfixtures: FAIL $cur: $*" >&2; FAILS=$((FAILS + 1)); }
# want "TEST" "description": TEST is a `[` expression over the analyze() variables
want() { eval "[ $1 ]" || fail "$2 [$1]"; }

# analyze NAME: sets pad tail gap signed ... for $W/NAME and runs the checks
# common to every fixture.
analyze() {
    cur=$1
    a_f=$W/$1
    a_err=$W/obj/$1.err
    a_out=$($OTOOL -l "$a_f" 2>"$a_err") || die "$cur: $OTOOL -l failed"
    [ ! -s "$a_err" ] || { cat "$a_err" >&2; fail "$OTOOL -l printed diagnostics"; }
    eval "$(printf '%s\n' "$a_out" | awk "$AWK_LAYOUT")"
    $OBJDUMP --macho --private-headers "$a_f" >/dev/null 2>"$a_err" ||
        fail "$OBJDUMP --macho --private-headers failed"
    [ ! -s "$a_err" ] || { cat "$a_err" >&2; fail "$OBJDUMP printed diagnostics"; }

    fsize=$(wc -c <"$a_f" | tr -d ' ')
    pad=$((first_off - hdr_end))
    tail=$((text_end - last_end))
    is_zero "$a_f" "$hdr_end" "$pad" || fail "header padding is not all zero"
    is_zero "$a_f" "$last_end" "$tail" || fail "__TEXT tail is not all zero"
    gap=0 big_nonzero_gap=0
    for g in $gaps; do
        g_off=${g%%:*} g_len=${g#*:}
        if is_zero "$a_f" "$g_off" "$g_len"; then
            [ "$g_len" -le "$gap" ] || gap=$g_len
        elif [ "$g_len" -ge 100 ]; then
            big_nonzero_gap=$g_len
        fi
    done
    if [ "$cs_off" -ge 0 ]; then signed=yes; else signed=no; fi
    maxns=$(max_nsect "$a_f")

    want '"$magic" = 0xfeedfacf' "64-bit little-endian Mach-O (magic $magic)"
    want '"$text_fileoff" -eq 0' "__TEXT maps the header (fileoff $text_fileoff)"
    want '"$pad" -ge 0' "first __TEXT section after the load commands (pad $pad)"
    want '"$tail" -ge 0' "last __TEXT section inside the segment (tail $tail)"
    want '"$last_seg" = __LINKEDIT' "__LINKEDIT is the last segment (is $last_seg)"
    want '"$le_end" -eq "$fsize"' "__LINKEDIT ends at end of file ($le_end vs $fsize)"
    if [ "$signed" = yes ]; then
        want '$((cs_off + cs_size)) -eq "$fsize"' \
            "code signature is the last thing in the file ($cs_off+$cs_size vs $fsize)"
    fi
    want '"$maxns" -gt "$text_last"' \
        "an external symbol lives in a section after __TEXT (max n_sect $maxns, last __TEXT section $text_last)"
    want '"$big_nonzero_gap" -eq 0' "no non-zero inter-section gap >= 100 bytes ($big_nonzero_gap)"
    if [ "$cur" != arm64-sectcreate ]; then
        want '"$plist_off" -lt 0' "no __info_plist section"
    fi
}

record() {
    printf '%-16s %6d %6d %6d %-3s %s %d %d %d\n' "$cur" "$pad" "$tail" "$gap" "$signed" \
        "$filetype" "$text_nsects" "$maxns" "$fsize" >>"$W/LAYOUT.txt"
}

# tune NAME ARCH SRC MACRO [link args...]: link NAME from hello.o plus SRC
# compiled with -DMACRO=size, choosing the size so that the __TEXT tail (zero
# bytes after the last section) is about TUNE_TARGET bytes.
TUNE_TARGET=32
tune() {
    t_name=$1 t_arch=$2 t_src=$3 t_macro=$4
    shift 4
    t_size=16 t_obj=$W/obj/$t_arch/$t_name-fill.o
    compile "$t_arch" "$FIX/$t_src" "$t_obj" "-D$t_macro=$t_size"
    link "$t_arch" "$W/$t_name" "$@" "$W/obj/$t_arch/hello.o" "$t_obj"
    eval "$($OTOOL -l "$W/$t_name" | awk "$AWK_LAYOUT")"
    t_end0=$text_end    # segment end with the smallest filler: the target
    t_i=0
    while :; do
        t_tail=$((text_end - last_end))
        if [ "$text_end" -eq "$t_end0" ] && [ "$t_tail" -ge 0 ] && [ "$t_tail" -lt 100 ]; then
            return 0
        fi
        t_i=$((t_i + 1))
        [ "$t_i" -le 4 ] || die "$t_name: could not tune the __TEXT tail (last: $t_tail)"
        t_size=$((t_size + (t_end0 - TUNE_TARGET) - last_end))
        [ "$t_size" -gt 0 ] || die "$t_name: __TEXT already too full to tune"
        compile "$t_arch" "$FIX/$t_src" "$t_obj" "-D$t_macro=$t_size"
        link "$t_arch" "$W/$t_name" "$@" "$W/obj/$t_arch/hello.o" "$t_obj"
        eval "$($OTOOL -l "$W/$t_name" | awk "$AWK_LAYOUT")"
    done
}

# ---------------------------------------------------------------------------
# Build.

for arch in arm64 x86_64; do
    mkdir -p "$W/obj/$arch"
    compile "$arch" "$FIX/hello.c" "$W/obj/$arch/hello.o"
done
compile arm64 "$FIX/libhello.c" "$W/obj/arm64/libhello.o"
A=$W/obj/arm64/hello.o
X=$W/obj/x86_64/hello.o

link arm64  "$W/arm64-plain"      -headerpad 0x400 -no_adhoc_codesign "$A"
link x86_64 "$W/x86_64-plain"     -headerpad 0x400 -no_adhoc_codesign "$X"
link arm64  "$W/arm64-adhoc"      -headerpad 0x400 -adhoc_codesign "$A"
link x86_64 "$W/x86_64-adhoc"     -headerpad 0x400 -adhoc_codesign "$X"
link arm64  "$W/arm64-headerpad"  -headerpad 0x1000 -adhoc_codesign "$A"
link arm64  "$W/arm64-sectcreate" -headerpad 0x400 -adhoc_codesign \
    -sectcreate __TEXT __info_plist "$PLIST" "$A"
# room only in the header padding: 0x500 = 1280 bytes, tail filled up by filler.c
tune arm64-room-pad arm64 filler.c FILLER_SIZE -headerpad 0x500 -adhoc_codesign
# room only at the __TEXT tail: 0x80 = 128 bytes of header padding, lld's natural tail
link arm64  "$W/arm64-room-tail"  -headerpad 0x80 -adhoc_codesign "$A"
# room only in an alignment gap before gapfill.c's 8 KiB-aligned __TEXT,__mydata
tune arm64-room-gap arm64 gapfill.c GAP_FILL_SIZE -headerpad 0x80 -adhoc_codesign
# lld's default header padding (32 bytes): not even room for a section_64
link arm64  "$W/arm64-noroom"     -adhoc_codesign "$A"
link arm64  "$W/arm64-dylib"      -dylib -install_name @rpath/libhello.dylib \
    -headerpad 0x400 -adhoc_codesign "$W/obj/arm64/libhello.o"

# ---------------------------------------------------------------------------
# Check every fixture's layout, then publish.

ARM64=16777228 X86_64=16777223
{
    echo "# written by tests/mkfixtures.sh; one line per fixture, all sizes in bytes:"
    echo "# name pad tail gap signed filetype text_nsects max_nsect filesize"
    echo "#  pad   = first non-empty __TEXT section offset - (header + sizeofcmds)"
    echo "#  tail  = end of __TEXT file range - end of last __TEXT section (all zero)"
    echo "#  gap   = largest all-zero gap between two __TEXT sections"
    echo "#  signed = has LC_CODE_SIGNATURE (lld ad hoc); filetype 2 = MH_EXECUTE, 6 = MH_DYLIB"
    echo "#  max_nsect = highest n_sect of a non-stab N_SECT symbol (> text_nsects here)"
} >"$W/LAYOUT.txt"

for n in $FIXTURES; do
    analyze "$n"
    case $n in
        arm64-*) want '"$cputype" -eq $ARM64' "cputype arm64 ($cputype)" ;;
        x86_64-*) want '"$cputype" -eq $X86_64' "cputype x86_64 ($cputype)" ;;
    esac
    if [ "$n" = arm64-dylib ]; then
        want '"$filetype" -eq 6' "MH_DYLIB (filetype $filetype)"
    else
        want '"$filetype" -eq 2' "MH_EXECUTE (filetype $filetype)"
    fi
    case $n in
        *-plain)
            want '"$signed" = no' "unsigned"
            want '"$pad" -ge 1024' "header padding >= 0x400 ($pad)" ;;
        *-adhoc|arm64-dylib)
            want '"$signed" = yes' "ad hoc signed"
            want '"$pad" -ge 1024' "header padding >= 0x400 ($pad)" ;;
        arm64-headerpad)
            want '"$signed" = yes' "ad hoc signed"
            want '"$pad" -ge 4096' "header padding >= 0x1000 ($pad)" ;;
        arm64-sectcreate)
            want '"$signed" = yes' "ad hoc signed"
            want '"$pad" -ge 1024' "header padding >= 0x400 ($pad)"
            want '"$plist_off" -gt 0' "has a __TEXT,__info_plist section"
            if [ "$plist_off" -gt 0 ]; then
                want '"$plist_size" -eq $(wc -c <"$PLIST")' "__info_plist size = info.plist size"
                dd if="$W/$n" bs=1 skip="$plist_off" count="$plist_size" 2>/dev/null |
                    cmp -s - "$PLIST" || fail "__info_plist bytes differ from info.plist"
            fi ;;
        arm64-room-pad)
            want '"$signed" = yes' "ad hoc signed"
            want '"$pad" -ge 1200' "header padding >= 1200 ($pad)"
            want '"$tail" -lt 100' "__TEXT tail < 100 ($tail)"
            want '"$gap" -lt 100' "no zero gap >= 100 between __TEXT sections ($gap)" ;;
        arm64-room-tail)
            want '"$signed" = yes' "ad hoc signed"
            want '"$pad" -ge 100' "header padding >= 100 ($pad)"
            want '"$pad" -le 200' "header padding <= 200 ($pad)"
            want '"$tail" -ge 2000' "__TEXT tail >= 2000 ($tail)"
            want '"$gap" -lt 100' "no zero gap >= 100 between __TEXT sections ($gap)" ;;
        arm64-room-gap)
            want '"$signed" = yes' "ad hoc signed"
            want '"$pad" -ge 100' "header padding >= 100 ($pad)"
            want '"$pad" -le 200' "header padding <= 200 ($pad)"
            want '"$tail" -lt 100' "__TEXT tail < 100 ($tail)"
            want '"$gap" -ge 2000' "an all-zero gap >= 2000 between __TEXT sections ($gap)" ;;
        arm64-noroom)
            want '"$signed" = yes' "ad hoc signed"
            want '"$pad" -lt 80' "header padding < 80 ($pad)" ;;
    esac
    record
done

[ "$FAILS" -eq 0 ] || die "$FAILS layout check(s) failed; fixtures not published"

# a 32-bit slice (LC_SEGMENT, 68-byte section headers): arm64_32 for watchOS
echo "+ $CLANG -target arm64_32-apple-watchos5 $CFLAGS_FIX -c $FIX/hello.c"
$CLANG -target arm64_32-apple-watchos5 $CFLAGS_FIX -c "$FIX/hello.c" -o "$W/obj/hello32.o"
$LD64_LLD -arch arm64_32 -platform_version watchos 5.0 5.0 -L "$FIX" -lSystem -headerpad 0x400 \
    -adhoc_codesign "$W/obj/hello32.o" -o "$W/arm64_32-adhoc"
[ "$(od -An -tx1 -N4 "$W/arm64_32-adhoc" | tr -d ' ')" = cefaedfe ] || die "arm64_32-adhoc is not a 32-bit Mach-O"
# universal files
$LIPO -create "$W/x86_64-adhoc" "$W/arm64-adhoc" -output "$W/fat-adhoc"
$LIPO -create "$W/x86_64-plain" "$W/arm64-adhoc" -output "$W/fat-mixed"
$LIPO -create "$W/x86_64-adhoc" "$W/arm64-noroom" -output "$W/fat-noroom"
# mkfat OUT MAGIC LOG2ALIGN CPU:SUBTYPE:FILE...: a universal file laid out as
# lipo lays one out (fat.h): FAT_MAGIC (0xcafebabe) or FAT_MAGIC_64
# (0xcafebabf) entries, each slice at the next multiple of 2^LOG2ALIGN
mkfat() {
    ${PYTHON:-python3} - "$@" <<'PYEOF'
import struct, sys
out_path, magic, align = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3])
slices = []
for spec in sys.argv[4:]:
    cpu, sub, path = spec.split(':', 2)
    slices.append((int(cpu, 0), int(sub, 0), open(path, 'rb').read()))
wide = magic == 0xcafebabf
out = bytearray(struct.pack('>II', magic, len(slices)))
off = 8 + (32 if wide else 20) * len(slices)
layout = []
for cpu, sub, data in slices:
    off = (off + (1 << align) - 1) & ~((1 << align) - 1)
    layout.append(off)
    if wide:
        out += struct.pack('>IIQQII', cpu, sub, off, len(data), align, 0)
    else:
        out += struct.pack('>IIIII', cpu, sub, off, len(data), align)
    off += len(data)
for (cpu, sub, data), o in zip(slices, layout):
    out += bytes(o - len(out)) + data
open(out_path, 'wb').write(out)
PYEOF
}
# llvm-lipo 14 cannot write FAT_MAGIC_64
mkfat "$W/fat64-adhoc" 0xcafebabf 14 0x01000007:3:"$W/x86_64-adhoc" 0x0100000c:0:"$W/arm64-adhoc"
[ "$(od -An -tx1 -N4 "$W/fat64-adhoc" | tr -d ' ')" = cafebabf ] || die "fat64-adhoc has no FAT_MAGIC_64 header"
# a PowerPC slice (a big-endian header with no load commands: all the reader
# needs to see) before an x86_64 one, as old universal dylibs have
${PYTHON:-python3} -c "import struct, sys; sys.stdout.buffer.write(struct.pack('>7I', 0xfeedface, 18, 0, 2, 0, 0, 0) + bytes(4096 - 28))" >"$W/ppc-stub"
mkfat "$W/fat-ppc" 0xcafebabe 12 18:0:"$W/ppc-stub" 0x01000007:3:"$W/x86_64-adhoc"
rm -f "$W/ppc-stub"
$LIPO -info "$W/fat-ppc" | grep -q 'ppc.* x86_64' || die "fat-ppc: llvm-lipo -info does not list ppc x86_64"
for n in fat-adhoc fat-mixed fat-noroom fat64-adhoc; do
    $LIPO -info "$W/$n" | grep -q 'x86_64 arm64' || die "$n: llvm-lipo -info does not list x86_64 arm64"
done

# header padding a few bytes short of a section header, as Rust, ld64 and
# lld builds leave it, with the load commands --make-room may remove: lld
# writes an empty LC_DATA_IN_CODE and an LC_BUILD_VERSION with one tool (ld);
# LC_SOURCE_VERSION (which lld does not write) is appended by hand
link arm64 "$W/arm64-pad64" -headerpad 0x40 -adhoc_codesign "$A"
link arm64 "$W/arm64-pad56" -headerpad 0x38 -adhoc_codesign "$A"
link arm64 "$W/arm64-pad48sv" -headerpad 0x40 -adhoc_codesign "$A"
${PYTHON:-python3} "$HERE/machoedit.py" append-lc "$W/arm64-pad48sv" 2a000000100000000000000000040a00
link arm64 "$W/arm64-pad56-nodic" -headerpad 0x38 -no_data_in_code_info -adhoc_codesign "$A"
for spec in arm64-pad64:64:1 arm64-pad56:56:1 arm64-pad48sv:48:1 arm64-pad56-nodic:56:0; do
    p_name=${spec%%:*} p_rest=${spec#*:}
    p_want=${p_rest%%:*} p_dic=${p_rest#*:}
    eval "$($OTOOL -l "$W/$p_name" | awk "$AWK_LAYOUT")"
    p_pad=$((first_off - hdr_end))
    [ "$p_pad" -eq "$p_want" ] || die "$p_name: header padding $p_pad, wanted $p_want"
    p_n=$($OTOOL -l "$W/$p_name" | grep -c 'cmd LC_DATA_IN_CODE' || true)
    [ "$p_n" -eq "$p_dic" ] || die "$p_name: $p_n LC_DATA_IN_CODE, wanted $p_dic"
done
$OTOOL -l "$W/arm64-pad48sv" | grep -q 'cmd LC_SOURCE_VERSION' || die "arm64-pad48sv: no LC_SOURCE_VERSION"
$OTOOL -l "$W/arm64-pad56" | grep -q 'ntools 1' || die "arm64-pad56: LC_BUILD_VERSION without one tool"

for n in $FIXTURES $EXTRA; do mv -f -- "$W/$n" "$OUTDIR/$n"; done
mv -f -- "$W/LAYOUT.txt" "$OUTDIR/LAYOUT.txt"
echo "mkfixtures: OK, $(echo $FIXTURES | wc -w | tr -d ' ') fixtures in $OUTDIR"
cat "$OUTDIR/LAYOUT.txt"
