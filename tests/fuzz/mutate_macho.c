/* mutate_macho.c - a structure-aware libFuzzer mutator for Mach-O load
 * commands, linked into the libFuzzer builds of fuzz_macho and fuzz_job
 * (not into their replays: it calls libFuzzer's LLVMFuzzerMutate).
 *
 * Byte flips rarely make two segments overlap or a section name another
 * segment; the faults dyld refuses are relations between fields.  Half the
 * time this mutator finds a load command in the input (thin, or one slice of
 * a fat file) and rewrites one field of it: a segment's vmaddr, vmsize,
 * fileoff, filesize, protections or nsects, a section's segname, addr, size,
 * offset, align, reloff, nreloc or flags, a load command's cmd or cmdsize,
 * the header's ncmds or sizeofcmds, or a u32 inside any other command.  New
 * values come from other fields of the same file (so ranges meet, overlap or
 * coincide), small steps, page multiples and edge values.  The other half,
 * and whenever no load command is found, libFuzzer's own mutations run.
 * Input bytes are read with explicit bounds; this is test code, not the
 * product's reader. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

static uint32_t rnd(uint32_t *st)
{
	/* xorshift32: deterministic for a given seed, as libFuzzer wants */
	uint32_t x = *st ? *st : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *st = x;
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint32_t get32be(const uint8_t *p) { return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

#define MAX_FIELDS 256

/* A field of the chosen slice that a mutation may rewrite or borrow from. */
typedef struct field {
	size_t off;   /* in data */
	int wide;     /* 8 bytes, else 4 */
	int kind;     /* 0 number, 1 name (16 bytes) */
} field;

typedef struct slice_fields {
	field f[MAX_FIELDS];
	int n;
} slice_fields;

static void add(slice_fields *sf, size_t off, int wide, int kind)
{
	if (sf->n < MAX_FIELDS)
		sf->f[sf->n++] = (field){ off, wide, kind };
}

/* The fields of the thin Mach-O at data[base, base+len). */
static void collect(const uint8_t *data, size_t base, size_t len, slice_fields *sf)
{
	sf->n = 0;
	if (len < 28)
		return;
	const uint8_t *h = data + base;
	uint32_t magic = get32(h);
	if (magic != 0xfeedfacfu && magic != 0xfeedfaceu)
		return;
	int is64 = magic == 0xfeedfacfu;
	size_t hs = is64 ? 32 : 28, segcmd = is64 ? 72 : 56, sect = is64 ? 80 : 68, w = is64 ? 8 : 4;
	add(sf, base + 16, 0, 0); /* ncmds */
	add(sf, base + 20, 0, 0); /* sizeofcmds */
	uint32_t ncmds = get32(h + 16);
	size_t o = hs;
	for (uint32_t i = 0; i < ncmds && i < 512 && o + 8 <= len; i++) {
		uint32_t cmd = get32(h + o), cmdsize = get32(h + o + 4);
		add(sf, base + o, 0, 0);
		add(sf, base + o + 4, 0, 0);
		if (cmdsize < 8 || cmdsize > len - o)
			break;
		if ((cmd == 0x19 || cmd == 0x1) && cmdsize >= segcmd) {
			add(sf, base + o + 8, 0, 1); /* segname */
			for (int k = 0; k < 4; k++) /* vmaddr vmsize fileoff filesize */
				add(sf, base + o + 24 + k * w, is64, 0);
			size_t tail = o + 24 + 4 * w; /* maxprot initprot nsects flags */
			for (int k = 0; k < 4; k++)
				add(sf, base + tail + 4 * (size_t)k, 0, 0);
			uint32_t ns = get32(h + tail + 8);
			for (uint32_t k = 0; k < ns && o + segcmd + (k + 1) * sect <= o + cmdsize; k++) {
				size_t s = o + segcmd + k * sect;
				add(sf, base + s + 16, 0, 1);          /* segname */
				add(sf, base + s + 32, is64, 0);       /* addr */
				add(sf, base + s + 32 + w, is64, 0);   /* size */
				for (int q = 0; q < 5; q++)            /* offset align reloff nreloc flags */
					add(sf, base + s + 32 + 2 * w + 4 * (size_t)q, 0, 0);
			}
		} else {
			for (size_t q = 8; q + 4 <= cmdsize && q < 64; q += 4)
				add(sf, base + o + q, 0, 0);
		}
		o += cmdsize;
	}
}

static uint64_t value_of(const uint8_t *data, const field *f)
{
	return f->wide ? get64(data + f->off) : get32(data + f->off);
}

static uint64_t new_value(const uint8_t *data, const slice_fields *sf, uint64_t old, uint32_t *st)
{
	static const uint64_t edge[] = { 0, 1, 8, 16, 0x1000, 0x4000, 0x7fffffff, 0x80000000u,
	                                 0xffffffffu, 0x100000000ull, 0x8000000000000000ull,
	                                 0xffffffffffffffffull };
	const field *o = &sf->f[rnd(st) % (uint32_t)sf->n];
	uint64_t other = o->kind ? 0 : value_of(data, o);
	switch (rnd(st) % 8) {
	case 0: return other;                                   /* meet another field */
	case 1: return other + (rnd(st) % 2 ? 1 : -1) * (uint64_t)(1u << (rnd(st) % 15));
	case 2: return old + 1 + rnd(st) % 16;
	case 3: return old - 1 - rnd(st) % 16;
	case 4: return old + (uint64_t)(rnd(st) % 8 + 1) * 0x1000;
	case 5: return old - (uint64_t)(rnd(st) % 8 + 1) * 0x1000;
	case 6: return edge[rnd(st) % (sizeof edge / sizeof edge[0])];
	default: return old ^ (1ull << (rnd(st) % 64));
	}
}

/* Rewrite one field of data[0, size); 0 when there is nothing to rewrite. */
static int mutate_fields(uint8_t *data, size_t size, uint32_t *st)
{
	static slice_fields sf; /* large; one mutation at a time */
	size_t base = 0, len = size;
	if (size >= 8 && (get32be(data) == 0xcafebabeu || get32be(data) == 0xcafebabfu)) {
		int fat64 = get32be(data) == 0xcafebabfu;
		uint32_t n = get32be(data + 4);
		if (n == 0 || n > 64)
			return 0;
		uint32_t i = rnd(st) % n;
		size_t e = 8 + (size_t)i * (fat64 ? 32 : 20);
		if (e + (fat64 ? 32 : 20) > size)
			return 0;
		uint64_t off = fat64 ? (uint64_t)get32be(data + e + 8) << 32 | get32be(data + e + 12)
		                     : get32be(data + e + 8);
		uint64_t sz = fat64 ? (uint64_t)get32be(data + e + 16) << 32 | get32be(data + e + 20)
		                    : get32be(data + e + 12);
		if (off >= size || sz > size - off)
			return 0;
		base = (size_t)off;
		len = (size_t)sz;
	}
	collect(data, base, len, &sf);
	if (sf.n == 0)
		return 0;
	const field *f = &sf.f[rnd(st) % (uint32_t)sf.n];
	if (f->kind == 1) {
		/* a name: another name of the file, or one byte changed (__\EXT, __TEXT@) */
		const field *o = &sf.f[rnd(st) % (uint32_t)sf.n];
		if (o->kind == 1 && rnd(st) % 2)
			memmove(data + f->off, data + o->off, 16);
		else
			data[f->off + rnd(st) % 16] ^= (uint8_t)(1u << (rnd(st) % 8));
		return 1;
	}
	uint64_t v = new_value(data, &sf, value_of(data, f), st);
	if (f->wide)
		put64(data + f->off, v);
	else
		put32(data + f->off, (uint32_t)v);
	return 1;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	uint32_t st = seed;
	if (rnd(&st) % 2 && mutate_fields(data, size, &st)) {
		/* sometimes a second field too: two related edits (a range and its section) */
		if (rnd(&st) % 4 == 0)
			mutate_fields(data, size, &st);
		return size;
	}
	return LLVMFuzzerMutate(data, size, max_size);
}
