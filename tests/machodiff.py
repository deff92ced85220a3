#!/usr/bin/env python3
"""machodiff.py [--removed WHAT,...] ORIGINAL OUTPUT - an independent check (not
sharing code with plistinject) of what injection may change in a thin Mach-O
file (DESIGN.md section 3, issue 2 "must produce a file in which" 2-3):

- every section of ORIGINAL (except an old __info_plist) is in OUTPUT with the
  same address, size, offset and bytes; OUTPUT has one __TEXT,__info_plist;
- every segment keeps its addresses and sizes, except __LINKEDIT's sizes;
- LC_UUID is unchanged; __TEXT's section headers are sorted when they were;
- no byte differs outside the load commands, the plist bytes (old and new),
  the symbol table's n_sect fields and the code signature;
- every n_sect of a section-carrying symbol maps to the same named section
  (one that named an old __info_plist that moved: the section holding its
  address, else __TEXT's first section);
- every load command other than the segments and LC_CODE_SIGNATURE is in
  OUTPUT byte for byte and in the same order, except the --make-room edits
  named by --removed (and only those): data-in-code (an LC_DATA_IN_CODE with
  datasize 0 removed), source-version (LC_SOURCE_VERSION removed),
  build-tools (LC_BUILD_VERSION's tool entries removed, ntools 0).
Prints one summary line; exit 0 when all hold, 1 otherwise.
"""
import hashlib
import struct
import sys

STAB_SECT = {0x24, 0x26, 0x28, 0x2e, 0x4e, 0x44, 0x64, 0x84, 0xa4, 0xe4, 0xe8}


def parse(data):
    magic = struct.unpack_from('<I', data, 0)[0]
    is64 = magic == 0xfeedfacf
    assert is64 or magic == 0xfeedface, 'not a little-endian thin Mach-O'
    hs = 32 if is64 else 28
    ncmds, sizeofcmds = struct.unpack_from('<II', data, 16)
    m = {'is64': is64, 'cmds_end': hs + sizeofcmds, 'segs': [], 'sects': [], 'uuid': None,
         'symtab': None, 'cs': None, 'ncmds': ncmds, 'other': []}
    o = hs
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from('<II', data, o)
        if cmd in (0x19, 0x1):
            if is64:
                name = data[o + 8:o + 24].rstrip(b'\0').decode()
                vmaddr, vmsize, fileoff, filesize = struct.unpack_from('<QQQQ', data, o + 24)
                nsects = struct.unpack_from('<I', data, o + 64)[0]
                base, ssz = o + 72, 80
            else:
                name = data[o + 8:o + 24].rstrip(b'\0').decode()
                vmaddr, vmsize, fileoff, filesize = struct.unpack_from('<IIII', data, o + 24)
                nsects = struct.unpack_from('<I', data, o + 48)[0]
                base, ssz = o + 56, 68
            assert cmdsize == base - o + nsects * ssz, 'segment %s cmdsize inconsistent' % name
            m['segs'].append((name, vmaddr, vmsize, fileoff, filesize))
            for k in range(nsects):
                h = base + k * ssz
                sect = data[h:h + 16].rstrip(b'\0').decode()
                seg = data[h + 16:h + 32].rstrip(b'\0').decode()
                if is64:
                    addr, size = struct.unpack_from('<QQ', data, h + 32)
                    off, align, _, _, flags = struct.unpack_from('<IIIII', data, h + 48)
                else:
                    addr, size = struct.unpack_from('<II', data, h + 32)
                    off, align, _, _, flags = struct.unpack_from('<IIIII', data, h + 40)
                m['sects'].append({'seg': seg, 'sect': sect, 'addr': addr, 'size': size,
                                   'off': off, 'flags': flags, 'segname': name})
        elif cmd == 0x1b:
            m['uuid'] = data[o + 8:o + 24]
        elif cmd == 0x2:
            m['symtab'] = struct.unpack_from('<IIII', data, o + 8)
        elif cmd == 0x1d:
            m['cs'] = struct.unpack_from('<II', data, o + 8)
        if cmd not in (0x19, 0x1, 0x1d):
            m['other'].append(bytes(data[o:o + cmdsize]))
        o += cmdsize
    assert o == m['cmds_end'], 'load commands do not add up to sizeofcmds'
    return m


def apply_removals(cmds, removed):
    """ORIGINAL's other load commands after the named --make-room edits."""
    out, done = [], set()
    for c in cmds:
        cmd = struct.unpack_from('<I', c, 0)[0]
        if cmd == 0x29 and 'data-in-code' in removed and 'data-in-code' not in done \
                and struct.unpack_from('<I', c, 12)[0] == 0:
            done.add('data-in-code')
            continue
        if cmd == 0x2a and 'source-version' in removed and 'source-version' not in done:
            done.add('source-version')
            continue
        if cmd == 0x32 and 'build-tools' in removed and 'build-tools' not in done:
            done.add('build-tools')
            c = bytearray(c[:24])
            struct.pack_into('<I', c, 4, 24)
            struct.pack_into('<I', c, 20, 0)
            c = bytes(c)
        out.append(c)
    return out, done


def main():
    args = sys.argv[1:]
    removed = set()
    if args and args[0] == '--removed':
        removed = set(args[1].split(',')) - {''}
        args = args[2:]
    a = open(args[0], 'rb').read()
    b = open(args[1], 'rb').read()
    A, B = parse(a), parse(b)
    errs = []
    expect, done = apply_removals(A['other'], removed)
    if done != removed:
        errs.append('--removed names %s, but ORIGINAL has nothing to remove for it' % ','.join(sorted(removed - done)))
    if expect != B['other']:
        errs.append('load commands other than segments and LC_CODE_SIGNATURE differ '
                    '(%d expected, %d in OUTPUT)' % (len(expect), len(B['other'])))
    key = lambda s: (s['seg'], s['sect'])
    bsects = {key(s): (i + 1, s) for i, s in enumerate(B['sects'])}
    plists = [s for s in B['sects'] if key(s) == ('__TEXT', '__info_plist')]
    if len(plists) != 1:
        errs.append('output has %d __TEXT,__info_plist sections' % len(plists))
    amap = {}
    for i, s in enumerate(A['sects']):
        k = key(s)
        if k not in bsects:
            errs.append('section %s,%s missing' % k)
            continue
        amap[i + 1] = bsects[k][0]
        if k == ('__TEXT', '__info_plist'):
            continue
        t = bsects[k][1]
        for f in ('addr', 'size', 'off', 'flags'):
            if s[f] != t[f]:
                errs.append('section %s,%s: %s 0x%x -> 0x%x' % (k + (f, s[f], t[f])))
        if (s['flags'] & 0xff) not in (1, 0xc, 0x12) and s['size']:
            if a[s['off']:s['off'] + s['size']] != b[t['off']:t['off'] + t['size']]:
                errs.append('section %s,%s: bytes differ' % k)
    if len(B['sects']) != len(A['sects']) + (0 if any(key(s) == ('__TEXT', '__info_plist') for s in A['sects']) else 1):
        errs.append('section count %d -> %d' % (len(A['sects']), len(B['sects'])))
    text = [s for s in B['sects'] if s['segname'] == '__TEXT']
    atext = [s for s in A['sects'] if s['segname'] == '__TEXT']
    if [s['addr'] for s in atext] == sorted(s['addr'] for s in atext) and \
            [s['addr'] for s in text] != sorted(s['addr'] for s in text):
        errs.append('__TEXT section headers are not sorted by address')
    if len(A['segs']) != len(B['segs']):
        errs.append('segment count changed')
    for sa, sb in zip(A['segs'], B['segs']):
        if sa[0] != sb[0] or sa[1] != sb[1] or sa[3] != sb[3] or (sa[0] != '__LINKEDIT' and sa != sb):
            errs.append('segment %s changed: %r -> %r' % (sa[0], sa, sb))
    if A['uuid'] != B['uuid']:
        errs.append('LC_UUID changed')
    # allowed ranges of change
    allowed = [(0, max(A['cmds_end'], B['cmds_end']))]
    for s in A['sects'] + B['sects']:
        if key(s) == ('__TEXT', '__info_plist'):
            allowed.append((s['off'], s['off'] + s['size']))
    if A['cs']:
        allowed.append((A['cs'][0], len(a)))
    if B['cs']:
        allowed.append((B['cs'][0], len(b)))
    # an old __info_plist that moved: its symbols follow their address
    old_plist = next((i + 1 for i, s in enumerate(A['sects']) if key(s) == ('__TEXT', '__info_plist')), 0)
    moved = old_plist and any(key(s) == ('__TEXT', '__info_plist') and
                              (s['addr'], s['off']) != (A['sects'][old_plist - 1]['addr'], A['sects'][old_plist - 1]['off'])
                              for s in B['sects'])

    def by_addr(v):
        for i, s in enumerate(B['sects']):
            if s['size'] and s['addr'] <= v < s['addr'] + s['size']:
                return i + 1
        return next(i + 1 for i, s in enumerate(B['sects']) if s['segname'] == '__TEXT')
    nsect_bytes = set()
    renumbered = 0
    if A['symtab']:
        symoff, nsyms = A['symtab'][0], A['symtab'][1]
        es = 16 if A['is64'] else 12
        if B['symtab'] != A['symtab']:
            errs.append('LC_SYMTAB changed')
        for i in range(nsyms):
            p = symoff + i * es
            t, n = a[p + 4], a[p + 5]
            nb = b[p + 5]
            carries = ((t & 0xe0) == 0 and (t & 0x0e) == 0x0e) or (t in STAB_SECT and n != 0)
            want = amap.get(n, n) if carries else n
            if carries and n not in amap:
                want = n
            if carries and n == old_plist and moved:
                v = struct.unpack_from('<Q' if A['is64'] else '<I', a, p + 8)[0]
                want = by_addr(v)
            if nb != want:
                if len(errs) < 20:
                    errs.append('symbol %d (type 0x%x): n_sect %d -> %d, expected %d' % (i, t, n, nb, want))
            if nb != n:
                renumbered += 1
            nsect_bytes.add(p + 5)
    n = min(len(a), len(b))
    diffs = 0
    chunk = 1 << 16
    for c in range(0, n, chunk):
        if a[c:c + chunk] == b[c:c + chunk]:
            continue
        for j in range(c, min(c + chunk, n)):
            if a[j] != b[j]:
                if any(lo <= j < hi for lo, hi in allowed) or j in nsect_bytes:
                    continue
                diffs += 1
                if diffs <= 5:
                    errs.append('byte 0x%x changed outside the allowed ranges' % j)
    for e in errs:
        print('machodiff: ' + e)
    print('machodiff: %s: %d sections, %d symbols renumbered, %d stray byte changes' %
          ('OK' if not errs else 'FAIL', len(B['sects']), renumbered, diffs))
    return 1 if errs else 0


if __name__ == '__main__':
    sys.exit(main())
