#!/usr/bin/env python3
"""machoedit.py - byte-level edits of thin Mach-O test files, to make broken
inputs from good fixtures (like cctools' tests/bin/rewrite-macho.pl).

  machoedit.py lc-offset FILE CMD            offset of the first load command CMD (hex ok)
  machoedit.py sect-offset FILE SEG SECT     offset of that section header
  machoedit.py sect-data FILE SEG SECT       "offset size" of that section's bytes
  machoedit.py u32 FILE OFFSET VALUE         write a little-endian u32
  machoedit.py bytes FILE OFFSET HEX         write raw bytes
  machoedit.py get32 FILE OFFSET             print a little-endian u32
  machoedit.py be32 FILE OFFSET VALUE        write a big-endian u32 (signature fields)
  machoedit.py getbe32 FILE OFFSET           print a big-endian u32
  machoedit.py seg-offset FILE NAME          offset of that segment's load command
  machoedit.py u64 FILE OFFSET VALUE         write a little-endian u64
  machoedit.py sig FILE                      "dataoff datasize cd_offset" of the code signature
  machoedit.py append-lc FILE HEX            append a load command (its bytes) after the last one,
                                             into the header padding, and count it in the header
  machoedit.py sym FILE NAME                 "offset n_sect n_value hex-of-the-entry" of symbol NAME
"""
import struct
import sys


def num(s):
    return int(s, 0)


def lcs(data):
    ncmds = struct.unpack_from('<I', data, 16)[0]
    o = 32 if struct.unpack_from('<I', data, 0)[0] == 0xfeedfacf else 28
    for _ in range(ncmds):
        cmd, size = struct.unpack_from('<II', data, o)
        yield o, cmd, size
        o += size


def sect(data, seg, name):
    is64 = struct.unpack_from('<I', data, 0)[0] == 0xfeedfacf
    for o, cmd, size in lcs(data):
        if cmd not in (0x19, 0x1):
            continue
        base, ssz, nso = (o + 72, 80, o + 64) if is64 else (o + 56, 68, o + 48)
        for k in range(struct.unpack_from('<I', data, nso)[0]):
            h = base + k * ssz
            if data[h:h + 16].rstrip(b'\0').decode() == name and data[h + 16:h + 32].rstrip(b'\0').decode() == seg:
                if is64:
                    size = struct.unpack_from('<Q', data, h + 40)[0]
                    off = struct.unpack_from('<I', data, h + 48)[0]
                else:
                    size, off = struct.unpack_from('<II', data, h + 36)
                return h, off, size
    sys.exit('no section %s,%s' % (seg, name))


def main(a):
    op, path = a[0], a[1]
    data = bytearray(open(path, 'rb').read())
    if op == 'lc-offset':
        for o, cmd, _ in lcs(data):
            if cmd == num(a[2]):
                print(o)
                return
        sys.exit('no such load command')
    elif op == 'sect-offset':
        print(sect(data, a[2], a[3])[0])
    elif op == 'sect-data':
        _, off, size = sect(data, a[2], a[3])
        print(off, size)
    elif op == 'get32':
        print(struct.unpack_from('<I', data, num(a[2]))[0])
    elif op == 'seg-offset':
        for o, cmd, _ in lcs(data):
            if cmd in (0x19, 0x1) and data[o + 8:o + 24].rstrip(b'\0').decode() == a[2]:
                print(o)
                return
        sys.exit('no segment ' + a[2])
    elif op == 'u64':
        struct.pack_into('<Q', data, num(a[2]), num(a[3]) & 0xffffffffffffffff)
        open(path, 'wb').write(data)
    elif op == 'be32':
        struct.pack_into('>I', data, num(a[2]), num(a[3]) & 0xffffffff)
        open(path, 'wb').write(data)
    elif op == 'getbe32':
        print(struct.unpack_from('>I', data, num(a[2]))[0])
    elif op == 'sig':
        for o, cmd, _ in lcs(data):
            if cmd == 0x1d:
                off, size = struct.unpack_from('<II', data, o + 8)
                count = struct.unpack_from('>I', data, off + 8)[0]
                cd = None
                for i in range(count):
                    t, bo = struct.unpack_from('>II', data, off + 12 + 8 * i)
                    if t == 0:
                        cd = off + bo
                print(off, size, cd)
                return
        sys.exit('no LC_CODE_SIGNATURE')
    elif op == 'append-lc':
        lc = bytes.fromhex(a[2])
        ncmds, sizeofcmds = struct.unpack_from('<II', data, 16)
        end = (32 if struct.unpack_from('<I', data, 0)[0] == 0xfeedfacf else 28) + sizeofcmds
        if any(data[end:end + len(lc)]):
            sys.exit('no zero header padding for the load command')
        data[end:end + len(lc)] = lc
        struct.pack_into('<II', data, 16, ncmds + 1, sizeofcmds + len(lc))
        open(path, 'wb').write(data)
    elif op == 'sym':
        is64 = struct.unpack_from('<I', data, 0)[0] == 0xfeedfacf
        for o, cmd, _ in lcs(data):
            if cmd == 2:
                symoff, nsyms, stroff = struct.unpack_from('<III', data, o + 8)
                esz = 16 if is64 else 12
                for i in range(nsyms):
                    e = symoff + i * esz
                    strx, nsect = struct.unpack_from('<I', data, e)[0], data[e + 5]
                    name = data[stroff + strx:data.index(b'\0', stroff + strx)].decode()
                    if name == a[2]:
                        value = struct.unpack_from('<Q' if is64 else '<I', data, e + 8)[0]
                        print(e, nsect, value, data[e:e + esz].hex())
                        return
        sys.exit('no symbol ' + a[2])
    elif op in ('u32', 'bytes'):
        off = num(a[2])
        b = struct.pack('<I', num(a[3]) & 0xffffffff) if op == 'u32' else bytes.fromhex(a[3])
        data[off:off + len(b)] = b
        open(path, 'wb').write(data)
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])
