/* test_emit.c - emit.c: the universal-file header writer, the n_sect rule,
 * and pi_emit_slice on slices built in memory (unit.h ub_build): the
 * --make-room edits of the load commands, and the symbols of a removed
 * __info_plist following their addresses. */
#include <stdlib.h>

#include "../../src/emit.h"
#include "../../src/macho_defs.h"
#define UNIT_MACHO
#include "unit.h"

static pi_image two_slices(uint32_t align0, uint32_t align1)
{
	pi_image img;
	memset(&img, 0, sizeof img);
	img.fat = 1;
	img.nslices = 2;
	img.slices = calloc(2, sizeof *img.slices);
	img.slices[0].cputype = CPU_TYPE_X86_64;
	img.slices[0].cpusubtype = 3;
	img.slices[0].fat_align = align0;
	snprintf(img.slices[0].label, sizeof img.slices[0].label, "x86_64, slice 1/2");
	img.slices[1].cputype = CPU_TYPE_ARM64;
	img.slices[1].fat_align = align1;
	snprintf(img.slices[1].label, sizeof img.slices[1].label, "arm64, slice 2/2");
	return img;
}

static void layout(void)
{
	pi_image img = two_slices(12, 14);
	uint64_t sizes[2] = { 5000, 70000 }, offs[2];
	uint8_t *h = NULL;
	size_t n = 0;
	pi_diag d;
	pi_diag_init(&d, "f", NULL);
	CHECK(pi_emit_fat_header(&img, sizes, offs, &h, &n, &d) == PI_OK);
	CHECK_EQ_U64(n, 48);
	CHECK_EQ_U64(offs[0], 4096);                    /* header end rounded up to 2^12 */
	CHECK_EQ_U64(offs[1], 16384);                   /* 4096 + 5000 rounded up to 2^14 */
	CHECK_EQ_U64(pi_get_u32be(h), FAT_MAGIC);      /* always the 32-bit form */
	CHECK_EQ_U64(pi_get_u32be(h + 4), 2);
	CHECK_EQ_U64(pi_get_u32be(h + 8), CPU_TYPE_X86_64);
	CHECK_EQ_U64(pi_get_u32be(h + 12), 3);
	CHECK_EQ_U64(pi_get_u32be(h + 16), 4096);
	CHECK_EQ_U64(pi_get_u32be(h + 20), 5000);
	CHECK_EQ_U64(pi_get_u32be(h + 24), 12);
	CHECK_EQ_U64(pi_get_u32be(h + 28), CPU_TYPE_ARM64);
	CHECK_EQ_U64(pi_get_u32be(h + 36), 16384);
	CHECK_EQ_U64(pi_get_u32be(h + 40), 70000);
	CHECK_EQ_U64(pi_get_u32be(h + 44), 14);
	free(h);
	free(img.slices);
}

static void too_big_for_32_bits(void)
{
	pi_image img = two_slices(14, 14);
	uint64_t sizes[2] = { 3ull << 30, 2ull << 30 }, offs[2];
	uint8_t *h = NULL;
	size_t n = 0;
	pi_diag d;
	pi_diag_init(&d, "f", NULL);
	CHECK(pi_emit_fat_header(&img, sizes, offs, &h, &n, &d) == PI_E_UNSUPPORTED);
	CHECK(h == NULL);
	CHECK_CONTAINS(d.msg, "does not fit a 32-bit fat header");
	CHECK_STR(d.slice, "arm64, slice 2/2");
	free(img.slices);
}

static void nsect_rule(void)
{
	CHECK(pi_nsect_is_section(N_SECT, 3));               /* a defined symbol */
	CHECK(pi_nsect_is_section(N_SECT | 0x1, 3));         /* external */
	CHECK(!pi_nsect_is_section(0x1, 0));                 /* undefined external */
	CHECK(pi_nsect_is_section(N_FUN, 1));
	CHECK(pi_nsect_is_section(N_STSYM, 12));
	CHECK(!pi_nsect_is_section(N_FUN, 0));               /* end of a function: no section */
	CHECK(!pi_nsect_is_section(0x66, 3));                /* N_OSO: a value, not a section */
	CHECK(!pi_nsect_is_section(0x20, 5));                /* N_GSYM */
}

/* Plan and emit s with a 0x100-byte plist and a 0x200-byte signature area;
 * the output's bytes in *out (malloc'd, *len bytes).  Returns 1 on success. */
static int emit_to_bytes(const pi_slice *s, int make_room, pi_plan *p, uint8_t **out, uint64_t *len)
{
	static uint8_t plist[0x100];
	pi_diag d;
	pi_overlay ov;
	pi_diag_init(&d, "t", NULL);
	memset(plist, '<', sizeof plist);
	if (!CHECK_EQ_U64(pi_plan_inject(s, sizeof plist, PI_SIGN_ADHOC, make_room, p, &d), PI_OK) ||
	    !CHECK_EQ_U64(pi_plan_signature(s, p, 0x200, &d), PI_OK) ||
	    !CHECK(pi_ov_init(&ov, s->data, s->size, 0)))
		return 0;
	int ok = CHECK_EQ_U64(pi_emit_slice(s, p, plist, 0x200, &ov, &d), PI_OK);
	*len = ov.len;
	*out = malloc((size_t)ov.len);
	ok = ok && *out && CHECK(pi_ov_read(&ov, 0, *out, ov.len));
	pi_ov_free(&ov);
	return ok;
}

/* turbo's case: 56 bytes of header padding; --make-room removes the empty
 * LC_DATA_IN_CODE and LC_BUILD_VERSION's tool entry, nothing else. */
static void make_room_edits(void)
{
	static const uint32_t dic[2] = { 0x5000, 0 }, uuid[4] = { 1, 2, 3, 4 };
	static const uint32_t bv[6] = { 1, 0xc0000, 0xd0000, 1, 3, 0x3b70000 };
	ub_spec m;
	ub_default64(&m, 1);
	ub_lc(&m, LC_UUID, uuid, 4);
	ub_lc(&m, LC_DATA_IN_CODE, dic, 2);
	ub_lc(&m, LC_BUILD_VERSION, bv, 6);
	uint64_t cmds_end = 680 + m.extra_len; /* 680 + 24 + 16 + 32 */
	m.seg[1].s[0].offset = (uint32_t)(cmds_end + 56);
	m.seg[1].s[0].addr = 0x100000000ull + cmds_end + 56;
	uint8_t *b = malloc((size_t)m.size), *out = NULL;
	ub_build(&m, b);
	pi_image img, oimg;
	pi_diag d;
	pi_plan p;
	uint64_t len = 0;
	pi_diag_init(&d, "t", NULL);
	if (CHECK_EQ_U64(pi_macho_read(b, m.size, &img, &d), PI_OK) &&
	    emit_to_bytes(&img.slices[0], 1, &p, &out, &len)) {
		CHECK_EQ_U64(p.room.freed, 24);
		if (CHECK_EQ_U64(pi_macho_read(out, len, &oimg, &d), PI_OK)) {
			const pi_slice *o = &oimg.slices[0];
			CHECK_EQ_U64(o->ncmds, img.slices[0].ncmds - 1);
			CHECK_EQ_U64(o->sizeofcmds, img.slices[0].sizeofcmds - 24 + 80);
			CHECK_EQ_U64(o->cmds_end, o->first_sect_off); /* exactly filled */
			int dic_seen = 0, uuid_seen = 0, bv_seen = 0;
			for (uint32_t i = 0; i < o->ncmds; i++) {
				const pi_lc *lc = &o->lcs[i];
				if (lc->cmd == LC_DATA_IN_CODE)
					dic_seen = 1;
				if (lc->cmd == LC_UUID)
					uuid_seen = CHECK_MEM(out + lc->off, b + img.slices[0].lcs[i].off, 24);
				if (lc->cmd == LC_BUILD_VERSION) {
					bv_seen = 1;
					CHECK_EQ_U64(lc->cmdsize, 24);
					CHECK_EQ_U64(pi_get_u32le(out + lc->off + 8), 1);        /* platform */
					CHECK_EQ_U64(pi_get_u32le(out + lc->off + 12), 0xc0000); /* minos */
					CHECK_EQ_U64(pi_get_u32le(out + lc->off + 16), 0xd0000); /* sdk */
					CHECK_EQ_U64(pi_get_u32le(out + lc->off + 20), 0);       /* ntools */
				}
			}
			CHECK(!dic_seen);
			CHECK(uuid_seen);
			CHECK(bv_seen);
			CHECK_EQ_U64(o->info_plist >= 0, 1);
			pi_image_free(&oimg);
		}
		/* a second run on the output needs and removes nothing */
		pi_plan p2;
		uint8_t *out2 = NULL;
		uint64_t len2 = 0;
		if (CHECK_EQ_U64(pi_macho_read(out, len, &oimg, &d), PI_OK)) {
			if (emit_to_bytes(&oimg.slices[0], 1, &p2, &out2, &len2)) {
				CHECK_EQ_U64(p2.room.n, 0);
				CHECK_EQ_U64(p2.kind, PI_PLACE_IN_PLACE);
				CHECK_EQ_U64(len2, len);
				CHECK_MEM(out2, out, (size_t)len);
			}
			pi_image_free(&oimg);
		}
		free(out2);
	}
	pi_image_free(&img);
	free(out);
	free(b);
}

/* An __info_plist that must move: symbols that named it take the section
 * holding their address, else __TEXT's first section; other stabs stay. */
static void removed_section_symbols(void)
{
	ub_spec m;
	ub_default64(&m, 1);
	m.seg[1].nsects = 3;
	m.seg[1].s[2] = m.seg[1].s[1];
	m.seg[1].s[1] = m.seg[1].s[0];
	m.seg[1].s[0] = (ub_sect){ .name = "__info_plist", .addr = 0x100000f80ull, .size = 0x80,
	                           .offset = 0xf80, .fill = '<' };
	uint8_t *b = malloc((size_t)m.size), *out = NULL;
	ub_build(&m, b);
	static const struct { uint8_t type, sect; uint64_t value; uint8_t want; } syms[4] = {
		{ N_SECT | 1, 1, 0x100000000ull, 1 },  /* __mh_execute_header: __TEXT's first (__text) */
		{ N_SECT, 1, 0x100000f90ull, 1 },      /* inside the old plist: no section now */
		{ N_SECT, 2, 0x100001000ull, 1 },      /* __text, renumbered down */
		{ 0x66, 1, 0, 1 },                     /* N_OSO: a value, left alone */
	};
	for (int i = 0; i < 4; i++) {
		uint8_t *e = b + 0x5000 + 16 * i;
		e[4] = syms[i].type;
		e[5] = syms[i].sect;
		pi_put_u64le(e + 8, syms[i].value);
	}
	pi_image img;
	pi_diag d;
	pi_plan p;
	uint64_t len = 0;
	pi_diag_init(&d, "t", NULL);
	if (CHECK_EQ_U64(pi_macho_read(b, m.size, &img, &d), PI_OK) &&
	    emit_to_bytes(&img.slices[0], 0, &p, &out, &len)) {
		CHECK_EQ_U64(p.remove_old, 1); /* 0x100 bytes do not fit the 0x80 before __text */
		CHECK_EQ_U64(p.removed_ordinal, 1);
		CHECK_EQ_U64(p.new_ordinal, 3);  /* the tail, after __const (now 2) */
		for (int i = 0; i < 4; i++)
			CHECK_EQ_U64(out[0x5000 + 16 * i + 5], syms[i].want);
		CHECK_EQ_U64(pi_get_u64le(out + 0x5000 + 8), 0x100000000ull); /* n_value untouched */
	}
	pi_image_free(&img);
	free(out);
	free(b);
}

int main(void)
{
	layout();
	too_big_for_32_bits();
	nsect_rule();
	make_room_edits();
	removed_section_symbols();
	return unit_done();
}
