/* test_plan.c - placement decisions (src/plan.c) on slices built in memory
 * and read with pi_macho_read; plus pi_nsect_is_section (src/emit.c).
 *
 * The standard image (unit.h ub_default64): __TEXT file 0..0x4000 with
 * __text 0x1000..0x27f1 and __const 0x3000..0x31f5, so the tail of __TEXT
 * starts at 0x3200 (3584 bytes), there is a 0x800-byte gap at 0x2800, and
 * the header padding is 0x1000 - cmds_end (664 unsigned, 680 signed).
 */
#include "../../src/emit.h"
#include "../../src/plan.h"

#include <stdlib.h>

#define UNIT_MACHO
#include "unit.h"

typedef struct fx {
	ub_spec m;
	uint8_t *b;
	pi_image img;
	const pi_slice *s;
	pi_diag d;
} fx;

/* Build f->m's bytes into a fresh f->b; the caller may then dirty them
 * before fx_parse. */
static uint8_t *fx_bytes(fx *f)
{
	free(f->b);
	f->b = malloc((size_t)f->m.size);
	ub_build(&f->m, f->b);
	return f->b;
}

static int fx_parse(fx *f)
{
	pi_diag_init(&f->d, "t", NULL);
	pi_image_free(&f->img);
	f->s = NULL;
	if (pi_macho_read(f->b, f->m.size, &f->img, &f->d) != PI_OK) {
		fprintf(stderr, "  parse failed: %s\n", f->d.msg);
		return 0;
	}
	f->s = &f->img.slices[0];
	pi_diag_init(&f->d, "t", NULL);
	return 1;
}

static int fx_load(fx *f)
{
	fx_bytes(f);
	return CHECK(fx_parse(f));
}

static void fx_free(fx *f)
{
	pi_image_free(&f->img);
	free(f->b);
	f->b = NULL;
}

/* nsect_map is the identity for every n_sect >= k. */
static int map_identity_from(const pi_plan *p, unsigned k)
{
	for (unsigned i = k; i < 256; i++)
		if (p->nsect_map[i] != i)
			return 0;
	return 1;
}

/* The plan's bytes are zero in the input, 16-aligned, inside __TEXT, clear
 * of the new load commands, and overlap no kept section with bytes. */
static int placement_sound(const pi_slice *s, const pi_plan *p)
{
	const pi_segment *t = &s->segs[s->text];
	if (p->data_off % 16 || p->data_off < p->cmds_end_after ||
	    p->data_off + p->plist_len > t->fileoff + t->filesize)
		return 0;
	if (p->addr != t->vmaddr + p->data_off - t->fileoff)
		return 0;
	for (uint64_t i = 0; i < p->plist_len; i++) {
		uint64_t o = p->data_off + i;
		int freed = p->remove_old && o >= s->sects[p->old_index].offset &&
		            o < s->sects[p->old_index].offset + s->sects[p->old_index].size;
		if (!freed && s->data[o] != 0)
			return 0;
	}
	for (uint32_t i = 0; i < s->nsects; i++) {
		const pi_section *x = &s->sects[i];
		if ((int)i == p->old_index || x->size == 0 || pi_section_is_zerofill(x))
			continue;
		if (p->data_off < x->offset + x->size && x->offset < p->data_off + p->plist_len)
			return 0;
	}
	return 1;
}

static void test_header_room(void)
{
	fx f = { 0 };
	/* 56 bytes of padding: first section at 664 + 56 */
	ub_default64(&f.m, 0);
	f.m.seg[1].s[0].offset = 664 + 56;
	f.m.seg[1].s[0].addr = 0x100000000ull + 664 + 56;
	if (fx_load(&f)) {
		CHECK_EQ_U64(f.s->first_sect_off, 720);
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_NONE, 0, &f.d), PI_E_NO_ROOM);
		CHECK_EQ_U64((uint64_t)(int64_t)f.d.code, (uint64_t)(int64_t)PI_E_NO_ROOM);
		CHECK_STR(f.d.msg, "no room for the load commands: 80 bytes of header padding needed "
		                   "(80 for the section header), 56 available, at offset 0x298");
		CHECK_CONTAINS(f.d.hint, "-headerpad 0x1000");
		CHECK_CONTAINS(f.d.hint, "-sectcreate __TEXT __info_plist");
		pi_diag_init(&f.d, "t", NULL);
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 0, &f.d), PI_E_NO_ROOM);
		CHECK_STR(f.d.msg, "no room for the load commands: 96 bytes of header padding needed "
		                   "(80 for the section header + 16 for LC_CODE_SIGNATURE), 56 available, "
		                   "at offset 0x298");
		/* pi_plan_inject refuses too, even if called without the gate */
		pi_plan p;
		pi_diag_init(&f.d, "t", NULL);
		CHECK_EQ_U64(pi_plan_inject(f.s, 100, PI_SIGN_NONE, 0, &p, &f.d), PI_E_NO_ROOM);
		CHECK_CONTAINS(f.d.msg, "80 bytes of header padding needed, 56 available");
	}
	/* 90: enough for the section header alone, not with LC_CODE_SIGNATURE */
	f.m.seg[1].s[0].offset = 664 + 90;
	f.m.seg[1].s[0].addr = 0x100000000ull + 664 + 90;
	if (fx_load(&f)) {
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_NONE, 0, &f.d), PI_OK);
		CHECK_EQ_U64((uint64_t)(int64_t)f.d.code, PI_OK);
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 0, &f.d), PI_E_NO_ROOM);
		CHECK_CONTAINS(f.d.msg, "96 bytes of header padding needed (80 for the section header + 16 "
		                        "for LC_CODE_SIGNATURE), 90 available");
	}
	/* exactly 96 is enough */
	f.m.seg[1].s[0].offset = 664 + 96;
	f.m.seg[1].s[0].addr = 0x100000000ull + 664 + 96;
	if (fx_load(&f))
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 0, &f.d), PI_OK);

	/* a signed slice needs only the 80: 80 fits, 79 does not */
	ub_default64(&f.m, 1);
	f.m.seg[1].s[0].offset = 680 + 80;
	f.m.seg[1].s[0].addr = 0x100000000ull + 680 + 80;
	if (fx_load(&f)) {
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 0, &f.d), PI_OK);
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_NONE, 0, &f.d), PI_OK);
	}
	f.m.seg[1].s[0].offset = 680 + 79;
	f.m.seg[1].s[0].addr = 0x100000000ull + 680 + 79;
	if (fx_load(&f)) {
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 0, &f.d), PI_E_NO_ROOM);
		CHECK_STR(f.d.msg, "no room for the load commands: 80 bytes of header padding needed "
		                   "(80 for the section header), 79 available, at offset 0x2a8");
	}

	/* an existing __info_plist needs no new header: only the 16 */
	ub_default64(&f.m, 0);
	f.m.seg[1].s[0].offset = 744 + 8; /* three __TEXT headers: cmds_end 744 */
	f.m.seg[1].s[0].addr = 0x100000000ull + 744 + 8;
	f.m.seg[1].nsects = 3;
	f.m.seg[1].s[2] = (ub_sect){ .name = "__info_plist", .addr = 0x100003800ull, .size = 0x100,
	                             .offset = 0x3800, .fill = '<' };
	if (fx_load(&f)) {
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_NONE, 0, &f.d), PI_OK);
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 0, &f.d), PI_E_NO_ROOM);
		CHECK_STR(f.d.msg, "no room for the load commands: 16 bytes of header padding needed "
		                   "(16 for LC_CODE_SIGNATURE), 8 available, at offset 0x2e8");
	}

	/* 32-bit: 68 bytes for a section header */
	memset(&f.m, 0, sizeof f.m);
	f.m.cputype = 0x0200000c;
	f.m.filetype = 2;
	f.m.nsegs = 2;
	f.m.seg[0] = (ub_seg){ .name = "__TEXT", .vmaddr = 0x4000, .vmsize = 0x4000, .filesize = 0x4000,
	                       .nsects = 1 };
	f.m.seg[0].s[0] = (ub_sect){ .name = "__text", .addr = 0x4000 + 248 + 60, .size = 0x100,
	                             .offset = 248 + 60, .fill = 0xc3 };
	f.m.seg[1] = (ub_seg){ .name = "__LINKEDIT", .vmaddr = 0x8000, .vmsize = 0x1000,
	                       .fileoff = 0x4000, .filesize = 0x1000 };
	f.m.symtab = 1;
	f.m.symoff = 0x4000;
	f.m.stroff = 0x4000;
	f.m.codesig = 1;
	f.m.cs_dataoff = 0x4100;
	f.m.cs_datasize = 0xf00;
	f.m.size = 0x5000;
	if (fx_load(&f)) {
		CHECK_EQ_U64(f.s->cmds_end, 248); /* 28 + (56 + 68) + 56 + 24 + 16 */
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 0, &f.d), PI_E_NO_ROOM);
		CHECK_STR(f.d.msg, "no room for the load commands: 68 bytes of header padding needed "
		                   "(68 for the section header), 60 available, at offset 0xf8");
	}
	f.m.seg[0].s[0].offset = 248 + 68;
	f.m.seg[0].s[0].addr = 0x4000 + 248 + 68;
	if (fx_load(&f)) {
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 0, &f.d), PI_OK);
		pi_plan p;
		/* the tail of __TEXT: after __text (ends 316 + 0x100 = 0x23c) */
		if (CHECK_EQ_U64(pi_plan_inject(f.s, 200, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
			CHECK_EQ_U64(p.kind, PI_PLACE_TEXT_TAIL);
			CHECK_EQ_U64(p.data_off, 0x240);
			CHECK_EQ_U64(p.addr, 0x4240);
			CHECK_EQ_U64(p.cmds_end_after, 248 + 68);
			CHECK_EQ_U64(p.new_ordinal, 2);
			CHECK_EQ_U64(p.insert_after, 1);
			CHECK(placement_sound(f.s, &p));
		}
	}
	fx_free(&f);
}

static void test_tail(void)
{
	fx f = { 0 };
	pi_plan p;
	ub_default64(&f.m, 0);
	if (!fx_load(&f))
		return;
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 1000, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_TEXT_TAIL);
		CHECK_STR(pi_place_name(p.kind), "end of __TEXT");
		CHECK_EQ_U64(p.data_off, 0x3200); /* align_up(0x31f5, 16) */
		CHECK_EQ_U64(p.addr, 0x100003200ull);
		CHECK_EQ_U64(p.plist_len, 1000);
		CHECK_EQ_U64(p.room_before, 0xe00);
		CHECK_EQ_U64(p.room_after, 0xe00 - 1000);
		CHECK_EQ_U64((uint64_t)(int64_t)p.old_index, (uint64_t)-1);
		CHECK_EQ_U64(p.remove_old, 0);
		CHECK_EQ_U64(p.insert_after, 2);
		CHECK_EQ_U64(p.new_ordinal, 3);
		CHECK_EQ_U64(p.nsects_after, 5);
		CHECK_EQ_U64(p.nsect_map[0], 0);
		CHECK_EQ_U64(p.nsect_map[1], 1);
		CHECK_EQ_U64(p.nsect_map[2], 2);
		CHECK_EQ_U64(p.nsect_map[3], 4);
		CHECK_EQ_U64(p.nsect_map[4], 5);
		CHECK(map_identity_from(&p, 5));
		CHECK_EQ_U64(p.renumber, 1);
		CHECK_EQ_U64(p.add_codesig, 1);
		CHECK_EQ_U64(p.drop_codesig, 0);
		CHECK_EQ_U64(p.cmds_end_after, 664 + 80 + 16);
		CHECK_EQ_U64(p.pad_before, 0x1000 - 664);
		CHECK_EQ_U64(p.pad_after, 0x1000 - 760);
		CHECK_EQ_U64(p.linkedit_end, 0x6000);
		CHECK_EQ_U64(p.cs_dataoff, 0x6000);
		CHECK(placement_sound(f.s, &p));
	}
	/* unsigned and staying unsigned: no signature at all */
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 1000, PI_SIGN_NONE, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.add_codesig, 0);
		CHECK_EQ_U64(p.cmds_end_after, 664 + 80);
		CHECK_EQ_U64(p.cs_dataoff, 0);
		CHECK_EQ_U64(p.linkedit_end, 0x6000);
	}
	/* exactly the tail's size still fits; one more byte does not (and there
	 * is no other room for 3585 bytes) */
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0xe00, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_TEXT_TAIL);
		CHECK_EQ_U64(p.room_after, 0);
	}
	CHECK_EQ_U64(pi_plan_inject(f.s, 0xe01, PI_SIGN_ADHOC, 0, &p, &f.d), PI_E_NO_ROOM);
	CHECK_STR(f.d.msg, "no room for the 3585-byte Info.plist: 3584 zero bytes at the end of __TEXT, "
	                   "3336 in the header padding after the load commands, and no large enough gap "
	                   "between __TEXT sections, at offset 0x298");
	CHECK_CONTAINS(f.d.hint, "-headerpad 0x1000");
	CHECK_CONTAINS(f.d.hint, "--emit-plist");

	/* a signed slice keeps its signature's place */
	ub_default64(&f.m, 1);
	if (fx_load(&f)) {
		if (CHECK_EQ_U64(pi_plan_inject(f.s, 957, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
			CHECK_EQ_U64(p.kind, PI_PLACE_TEXT_TAIL);
			CHECK_EQ_U64(p.add_codesig, 0);
			CHECK_EQ_U64(p.cmds_end_after, 680 + 80);
			CHECK_EQ_U64(p.linkedit_end, 0x5100);
			CHECK_EQ_U64(p.cs_dataoff, 0x5100);
		}
		if (CHECK_EQ_U64(pi_plan_inject(f.s, 957, PI_SIGN_NONE, 0, &p, &f.d), PI_OK)) {
			CHECK_EQ_U64(p.drop_codesig, 1);
			CHECK_EQ_U64(p.cmds_end_after, 680 + 80 - 16);
			CHECK_EQ_U64(p.cs_dataoff, 0);
			CHECK_EQ_U64(p.linkedit_end, 0x5100);
		}
	}
	/* an unsigned __LINKEDIT that does not end 16-aligned: the signature
	 * goes to the next multiple of 16 */
	ub_default64(&f.m, 0);
	f.m.seg[3].filesize = 0xff8;
	f.m.size = 0x5ff8;
	if (fx_load(&f) && CHECK_EQ_U64(pi_plan_inject(f.s, 100, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.linkedit_end, 0x5ff8);
		CHECK_EQ_U64(p.cs_dataoff, 0x6000);
	}
	fx_free(&f);
}

static void test_header_pad_and_gap(void)
{
	fx f = { 0 };
	pi_plan p;
	ub_default64(&f.m, 0);
	uint8_t *b = fx_bytes(&f);
	b[0x3210] = 1; /* the tail is not all zero where the plist would go */
	b[0x800] = 1;  /* below the chosen range: does not matter */
	if (!CHECK(fx_parse(&f)))
		return;
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 300, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_HEADER_PAD);
		CHECK_STR(pi_place_name(p.kind), "end of the header padding");
		CHECK_EQ_U64(p.data_off, 0xed0); /* align_down(0x1000 - 300, 16) */
		CHECK_EQ_U64(p.addr, 0x100000ed0ull);
		CHECK_EQ_U64(p.room_before, 0x1000 - 760);
		CHECK_EQ_U64(p.room_after, 0x1000 - 760 - 300);
		CHECK_EQ_U64(p.insert_after, 0);
		CHECK_EQ_U64(p.new_ordinal, 1);
		CHECK_EQ_U64(p.nsect_map[1], 2);
		CHECK_EQ_U64(p.nsect_map[2], 3);
		CHECK_EQ_U64(p.nsect_map[3], 4);
		CHECK_EQ_U64(p.nsect_map[4], 5);
		CHECK(map_identity_from(&p, 5));
		CHECK(placement_sound(f.s, &p));
	}
	/* the byte just after the range does not matter; the last byte does */
	b[0xed0 + 300] = 1;
	fx_parse(&f);
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 300, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK))
		CHECK_EQ_U64(p.data_off, 0xed0);
	b[0xed0 + 299] = 1;
	fx_parse(&f);
	/* then the gap between __text (ends 0x27f1) and __const (0x3000) */
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 300, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_GAP);
		CHECK_STR(pi_place_name(p.kind), "gap between __TEXT sections");
		CHECK_EQ_U64(p.data_off, 0x2800);
		CHECK_EQ_U64(p.addr, 0x100002800ull);
		CHECK_EQ_U64(p.room_before, 0x800);
		CHECK_EQ_U64(p.room_after, 0x800 - 300);
		CHECK_EQ_U64(p.insert_after, 1);
		CHECK_EQ_U64(p.new_ordinal, 2);
		CHECK_EQ_U64(p.nsect_map[1], 1);
		CHECK_EQ_U64(p.nsect_map[2], 3);
		CHECK_EQ_U64(p.nsect_map[3], 4);
		CHECK_EQ_U64(p.nsect_map[4], 5);
		CHECK_EQ_U64(p.nsects_after, 5);
		CHECK(placement_sound(f.s, &p));
	}
	/* the header padding is too short for the gap-sized plist anyway */
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x800, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK))
		CHECK_EQ_U64(p.data_off, 0x2800);
	/* a dirty gap: no room anywhere */
	b[0x2fff] = 1;
	fx_parse(&f);
	CHECK_EQ_U64(pi_plan_inject(f.s, 0x800, PI_SIGN_ADHOC, 0, &p, &f.d), PI_E_NO_ROOM);
	CHECK_CONTAINS(f.d.msg, "no room for the 2048-byte Info.plist: 3584 zero bytes at the end of __TEXT");
	fx_free(&f);

	/* signed: the header padding after the new commands (760) is 3336
	 * bytes, the tail 3584; a plist of 0xd20 does not fit the padding
	 * (0x1000 - 0xd20 = 736 < 760) but fits the tail */
	ub_default64(&f.m, 1);
	if (!fx_load(&f))
		return;
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0xd20, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK))
		CHECK_EQ_U64(p.kind, PI_PLACE_TEXT_TAIL);
	CHECK_EQ_U64(pi_plan_inject(f.s, 0xe20, PI_SIGN_ADHOC, 0, &p, &f.d), PI_E_NO_ROOM);
	CHECK_CONTAINS(f.d.msg, "no room for the 3616-byte Info.plist: 3584 zero bytes at the end of "
	                        "__TEXT, 3336 in the header padding");
	/* align_down(0x1000 - 0xd08, 16) = 0x2f0 = 752 < 760 and the tail is
	 * 0xe00: the tail still wins; make the tail dirty to see the refusal */
	f.b[0x3200] = 1;
	fx_parse(&f);
	CHECK_EQ_U64(pi_plan_inject(f.s, 0xd08, PI_SIGN_ADHOC, 0, &p, &f.d), PI_E_NO_ROOM);
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0xd00, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_HEADER_PAD);
		CHECK_EQ_U64(p.data_off, 0x300);
	}
	fx_free(&f);
}

static void test_lowest_gap(void)
{
	fx f = { 0 };
	pi_plan p;
	ub_default64(&f.m, 1);
	/* three __TEXT sections, listed highest first: gaps at 0x2800 (0x800)
	 * and 0x3100 (0x300) */
	ub_sect text = f.m.seg[1].s[0], cnst = f.m.seg[1].s[1];
	cnst.size = 0xf8;
	ub_sect cstr = { .name = "__cstring", .addr = 0x100003400ull, .size = 0xc00, .offset = 0x3400,
	                 .flags = 2, .fill = 'a' };
	f.m.seg[1].nsects = 3;
	f.m.seg[1].s[0] = cstr;
	f.m.seg[1].s[1] = cnst;
	f.m.seg[1].s[2] = text;
	uint8_t *b = fx_bytes(&f);
	memset(b + 0x400, 0xee, 0xc00); /* header padding dirty */
	if (!CHECK(fx_parse(&f)))
		return;
	CHECK_EQ_U64(f.s->sections_sorted, 0);
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 500, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_GAP);
		CHECK_EQ_U64(p.data_off, 0x2800);
		CHECK_EQ_U64(p.room_before, 0x800);
		/* unsorted headers: the new one is appended after __TEXT's last */
		CHECK_EQ_U64(p.insert_after, 3);
		CHECK_EQ_U64(p.new_ordinal, 4);
		CHECK_EQ_U64(p.nsect_map[1], 1);
		CHECK_EQ_U64(p.nsect_map[3], 3);
		CHECK_EQ_U64(p.nsect_map[4], 5);
		CHECK_EQ_U64(p.nsect_map[5], 6);
		CHECK(placement_sound(f.s, &p));
	}
	b[0x2900] = 7; /* the lower gap is dirty: the next one */
	fx_parse(&f);
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 500, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_GAP);
		CHECK_EQ_U64(p.data_off, 0x3100);
		CHECK_EQ_U64(p.room_before, 0x300);
		CHECK(placement_sound(f.s, &p));
	}
	/* a dirty byte before the aligned start of the gap does not matter */
	b[0x2900] = 0;
	b[0x27f8] = 7; /* between __text's end 0x27f1 and 0x2800 */
	fx_parse(&f);
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 500, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK))
		CHECK_EQ_U64(p.data_off, 0x2800);
	/* too long for the second gap, first gap dirty at its start */
	b[0x2800] = 7;
	fx_parse(&f);
	CHECK_EQ_U64(pi_plan_inject(f.s, 0x301, PI_SIGN_ADHOC, 0, &p, &f.d), PI_E_NO_ROOM);
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x300, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK))
		CHECK_EQ_U64(p.data_off, 0x3100);
	fx_free(&f);
}

static void test_sorted_insert(void)
{
	fx f = { 0 };
	pi_plan p;
	/* sorted headers, header-padding placement: inserted first */
	ub_default64(&f.m, 1);
	uint8_t *b = fx_bytes(&f);
	b[0x3300] = 1;
	fx_parse(&f);
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x200, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_HEADER_PAD);
		CHECK_EQ_U64(p.insert_after, 0);
		CHECK_EQ_U64(p.new_ordinal, 1);
	}
	/* unsorted headers ([__const, __text]): appended, ordinal 3 */
	ub_sect text = f.m.seg[1].s[0];
	f.m.seg[1].s[0] = f.m.seg[1].s[1];
	f.m.seg[1].s[1] = text;
	b = fx_bytes(&f);
	b[0x3300] = 1;
	fx_parse(&f);
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x200, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_HEADER_PAD);
		CHECK_EQ_U64(p.data_off, 0xe00);
		CHECK_EQ_U64(p.insert_after, 2);
		CHECK_EQ_U64(p.new_ordinal, 3);
		CHECK_EQ_U64(p.nsect_map[1], 1);
		CHECK_EQ_U64(p.nsect_map[2], 2);
		CHECK_EQ_U64(p.nsect_map[3], 4);
		CHECK_EQ_U64(p.nsect_map[4], 5);
	}
	fx_free(&f);
}

static void test_existing(void)
{
	fx f = { 0 };
	pi_plan p;
	/* __info_plist after __const, ordinal 3 */
	ub_default64(&f.m, 1);
	f.m.seg[1].nsects = 3;
	f.m.seg[1].s[2] = (ub_sect){ .name = "__info_plist", .addr = 0x100003800ull, .size = 0x123,
	                             .offset = 0x3800, .fill = '<' };
	if (!fx_load(&f))
		return;
	CHECK_EQ_U64(f.s->info_plist, 2);
	CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 0, &f.d), PI_OK);
	/* not longer: rewritten in place */
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x100, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_IN_PLACE);
		CHECK_STR(pi_place_name(p.kind), "existing __info_plist");
		CHECK_EQ_U64(p.data_off, 0x3800);
		CHECK_EQ_U64(p.addr, 0x100003800ull);
		CHECK_EQ_U64(p.old_index, 2);
		CHECK_EQ_U64(p.remove_old, 0);
		CHECK_EQ_U64(p.room_before, 0x123);
		CHECK_EQ_U64(p.room_after, 0x23);
		CHECK_EQ_U64(p.new_ordinal, 3);
		CHECK_EQ_U64(p.nsects_after, 5);
		CHECK_EQ_U64(p.renumber, 0);
		CHECK(map_identity_from(&p, 0));
		CHECK_EQ_U64(p.cmds_end_after, 760);
		CHECK_EQ_U64(p.add_codesig, 0);
	}
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x123, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_IN_PLACE);
		CHECK_EQ_U64(p.room_after, 0);
	}
	/* longer, and the zero bytes after it (to the end of __TEXT at 0x4000)
	 * hold the difference: it grows in place, no ordinal changes */
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x200, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_IN_PLACE);
		CHECK_EQ_U64(p.data_off, 0x3800);
		CHECK_EQ_U64(p.addr, 0x100003800ull);
		CHECK_EQ_U64(p.remove_old, 0);
		CHECK_EQ_U64(p.removed_ordinal, 0);
		CHECK_EQ_U64(p.room_before, 0x800);
		CHECK_EQ_U64(p.room_after, 0x600);
		CHECK_EQ_U64(p.new_ordinal, 3);
		CHECK_EQ_U64(p.renumber, 0);
		CHECK(map_identity_from(&p, 0));
		CHECK_EQ_U64(p.cmds_end_after, 760);
	}
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x800, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK))
		CHECK_EQ_U64(p.kind, PI_PLACE_IN_PLACE);
	/* one byte more than the capacity: removed, and the new one goes to the
	 * tail after __const (0x3200), over the old one's bytes; it keeps the
	 * ordinal 3, and symbols that named the old one follow their address */
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x801, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_TEXT_TAIL);
		CHECK_EQ_U64(p.data_off, 0x3200);
		CHECK_EQ_U64(p.remove_old, 1);
		CHECK_EQ_U64(p.removed_ordinal, 3);
		CHECK_EQ_U64(p.old_index, 2);
		CHECK_EQ_U64(p.insert_after, 2);
		CHECK_EQ_U64(p.new_ordinal, 3);
		CHECK_EQ_U64(p.nsects_after, 5);
		CHECK(map_identity_from(&p, 0));
		CHECK_EQ_U64(p.renumber, 1); /* the removed section's symbols are looked at */
		CHECK_EQ_U64(p.cmds_end_after, 760); /* one header out, one in */
		CHECK(placement_sound(f.s, &p));
	}
	fx_free(&f);

	/* a section right after the old plist bounds its growth */
	ub_default64(&f.m, 1);
	f.m.seg[1].nsects = 4;
	f.m.seg[1].s[2] = (ub_sect){ .name = "__info_plist", .addr = 0x100003800ull, .size = 0x100,
	                             .offset = 0x3800, .fill = '<' };
	f.m.seg[1].s[3] = (ub_sect){ .name = "__after", .addr = 0x100003a00ull, .size = 0x10,
	                             .offset = 0x3a00, .fill = 0x77 };
	if (fx_load(&f)) {
		if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x200, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
			CHECK_EQ_U64(p.kind, PI_PLACE_IN_PLACE);
			CHECK_EQ_U64(p.room_before, 0x200);
			CHECK_EQ_U64(p.room_after, 0);
		}
		if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x201, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
			CHECK_EQ_U64(p.remove_old, 1);
			CHECK(p.kind != PI_PLACE_IN_PLACE);
			CHECK(placement_sound(f.s, &p));
		}
	}
	/* an empty __info_plist, whose address need not agree with its offset
	 * (the reader checks no bytes of it), is placed anew, never grown */
	ub_default64(&f.m, 1);
	f.m.seg[1].nsects = 3;
	f.m.seg[1].s[2] = (ub_sect){ .name = "__info_plist", .addr = 0x100003801ull, .size = 0,
	                             .offset = 0x3919 };
	if (fx_load(&f) && CHECK_EQ_U64(pi_plan_inject(f.s, 0x100, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.remove_old, 1);
		CHECK(p.kind != PI_PLACE_IN_PLACE);
		CHECK_EQ_U64(p.data_off % 16, 0);
		CHECK(placement_sound(f.s, &p));
	}
	fx_free(&f);
	ub_default64(&f.m, 1);
	f.m.seg[1].nsects = 4;
	f.m.seg[1].s[2] = (ub_sect){ .name = "__info_plist", .addr = 0x100003800ull, .size = 0x100,
	                             .offset = 0x3800, .fill = '<' };
	f.m.seg[1].s[3] = (ub_sect){ .name = "__after", .addr = 0x100003a00ull, .size = 0x10,
	                             .offset = 0x3a00, .fill = 0x77 };
	/* ... and so does a non-zero byte after it */
	f.m.seg[1].nsects = 3;
	fx_bytes(&f)[0x3980] = 1;
	if (fx_parse(&f)) {
		if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x180, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
			CHECK_EQ_U64(p.kind, PI_PLACE_IN_PLACE);
			CHECK_EQ_U64(p.room_before, 0x180);
		}
		if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x181, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK))
			CHECK_EQ_U64(p.remove_old, 1);
	}
	fx_free(&f);

	/* the old plist at the start of the tail: its own bytes count as free */
	ub_default64(&f.m, 1);
	f.m.seg[1].nsects = 3;
	f.m.seg[1].s[2] = (ub_sect){ .name = "__info_plist", .addr = 0x100003200ull, .size = 0x123,
	                             .offset = 0x3200, .fill = '<' };
	if (fx_load(&f) && CHECK_EQ_U64(pi_plan_inject(f.s, 0x400, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_IN_PLACE);
		CHECK_EQ_U64(p.data_off, 0x3200);
		CHECK_EQ_U64(p.remove_old, 0);
		CHECK_EQ_U64(p.room_before, 0xe00);
		CHECK_EQ_U64(p.room_after, 0xa00);
		CHECK_EQ_U64(p.renumber, 0);
	}
	fx_free(&f);

	/* the old plist first (in the header padding, like claude 2.1.332),
	 * the new one at the tail: renumbered in both directions */
	ub_default64(&f.m, 1);
	f.m.seg[1].nsects = 3;
	f.m.seg[1].s[2] = f.m.seg[1].s[1];
	f.m.seg[1].s[1] = f.m.seg[1].s[0];
	f.m.seg[1].s[0] = (ub_sect){ .name = "__info_plist", .addr = 0x100000f00ull, .size = 0x100,
	                             .offset = 0xf00, .fill = '<' };
	if (fx_load(&f)) {
		CHECK_EQ_U64(f.s->info_plist, 0);
		CHECK_EQ_U64(f.s->first_sect_off, 0xf00);
		CHECK_EQ_U64(f.s->sections_sorted, 1);
		if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x200, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
			CHECK_EQ_U64(p.kind, PI_PLACE_TEXT_TAIL);
			CHECK_EQ_U64(p.data_off, 0x3200);
			CHECK_EQ_U64(p.remove_old, 1);
			CHECK_EQ_U64(p.old_index, 0);
			CHECK_EQ_U64(p.insert_after, 2);
			CHECK_EQ_U64(p.new_ordinal, 3);
			CHECK_EQ_U64(p.removed_ordinal, 1);
			CHECK_EQ_U64(p.nsect_map[2], 1); /* __text moves down */
			CHECK_EQ_U64(p.nsect_map[3], 2); /* __const moves down */
			CHECK_EQ_U64(p.nsect_map[4], 4);
			CHECK_EQ_U64(p.nsect_map[5], 5);
			CHECK_EQ_U64(p.renumber, 1);
			CHECK_EQ_U64(p.nsects_after, 5);
			/* the old plist's symbols follow their address: into the section
			 * that holds it, else __TEXT's first section (__mh_execute_header
			 * at __TEXT's start, and the old plist's bytes, hold none) */
			CHECK_EQ_U64(pi_plan_nsect_for_addr(f.s, &p, 0x100000000ull), 1);
			CHECK_EQ_U64(pi_plan_nsect_for_addr(f.s, &p, 0x100000f00ull), 1);
			CHECK_EQ_U64(pi_plan_nsect_for_addr(f.s, &p, 0x100001000ull), 1);
			CHECK_EQ_U64(pi_plan_nsect_for_addr(f.s, &p, 0x100003100ull), 2);
			CHECK_EQ_U64(pi_plan_nsect_for_addr(f.s, &p, 0x100003200ull), 3);
			CHECK_EQ_U64(pi_plan_nsect_for_addr(f.s, &p, 0x1000033ffull), 3);
			CHECK_EQ_U64(pi_plan_nsect_for_addr(f.s, &p, 0x100003400ull), 1);
			CHECK_EQ_U64(pi_plan_nsect_for_addr(f.s, &p, 0x100004010ull), 4);
			CHECK_EQ_U64(pi_plan_nsect_for_addr(f.s, &p, 0x100005010ull), 5); /* __bss, zerofill */
			/* the header padding grew by the removed plist */
			CHECK_EQ_U64(p.pad_before, 0xf00 - 760);
			CHECK_EQ_U64(p.pad_after, 0x1000 - 760);
		}
	}
	/* ... and with the tail dirty, the new one reuses the header padding,
	 * including the old plist's bytes */
	f.b[0x3300] = 1;
	fx_parse(&f);
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x200, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_HEADER_PAD);
		CHECK_EQ_U64(p.data_off, 0xe00);
		CHECK_EQ_U64(p.new_ordinal, 1);
		CHECK(map_identity_from(&p, 0));
		CHECK_EQ_U64(p.renumber, 1);
		/* the old plist's address now lies in the new one */
		CHECK_EQ_U64(pi_plan_nsect_for_addr(f.s, &p, 0x100000f00ull), 1);
		CHECK(placement_sound(f.s, &p));
	}
	fx_free(&f);

	/* the old plist last, the new one first: the other direction */
	ub_default64(&f.m, 1);
	f.m.seg[1].nsects = 3;
	f.m.seg[1].s[2] = (ub_sect){ .name = "__info_plist", .addr = 0x100003800ull, .size = 0x80,
	                             .offset = 0x3800, .fill = '<' };
	uint8_t *b = fx_bytes(&f);
	b[0x3300] = 1;
	b[0x3900] = 1; /* it cannot grow past 0x3900 */
	fx_parse(&f);
	if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x500, PI_SIGN_ADHOC, 0, &p, &f.d), PI_OK)) {
		CHECK_EQ_U64(p.kind, PI_PLACE_HEADER_PAD);
		CHECK_EQ_U64(p.data_off, 0xb00);
		CHECK_EQ_U64(p.new_ordinal, 1);
		CHECK_EQ_U64(p.removed_ordinal, 3);
		CHECK_EQ_U64(p.nsect_map[1], 2);
		CHECK_EQ_U64(p.nsect_map[2], 3);
		CHECK_EQ_U64(p.nsect_map[4], 4);
		CHECK_EQ_U64(p.nsect_map[5], 5);
		/* a symbol at the old plist's address: __TEXT's first section is now
		 * the new plist */
		CHECK_EQ_U64(pi_plan_nsect_for_addr(f.s, &p, 0x100003800ull), 1);
		CHECK(placement_sound(f.s, &p));
	}
	fx_free(&f);
}

static const uint32_t dic_empty[2] = { 0x5080, 0 };        /* LC_DATA_IN_CODE, datasize 0 */
static const uint32_t dic_full[2] = { 0x5080, 8 };         /* one entry (after the symbols): kept */
static const uint32_t srcver[2] = { 0x1234, 0 };           /* LC_SOURCE_VERSION */
static const uint32_t bv_no_tools[4] = { 1, 0xc0000, 0xd0000, 0 };
static const uint32_t bv_one_tool[6] = { 1, 0xc0000, 0xd0000, 1, 3, 0x3b70000 }; /* macos, ld */
static const uint32_t bv_two_tools[8] = { 1, 0xc0000, 0xd0000, 2, 3, 0x3b70000, 1, 0x10000 };

/* --make-room (DESIGN.md section 3): which load commands, in which order,
 * only as many as needed; the refusal's hint says whether it would help. */
static void test_make_room(void)
{
	static const struct {
		const char *what;
		int dic, sv, tools;       /* 1 empty / 2 non-empty LC_DATA_IN_CODE; tools in LC_BUILD_VERSION */
		uint32_t pad;             /* header padding */
		int enough;               /* --make-room frees enough */
		uint32_t n;               /* edits taken */
		pi_room_kind k0, k1;
		uint64_t freed;
		const char *described;
	} rows[] = {
		{ "claude 2.1.290: 64, the empty LC_DATA_IN_CODE alone", 1, 1, 1, 64, 1, 1,
		  PI_ROOM_DATA_IN_CODE, 0, 16, "LC_DATA_IN_CODE (16 bytes, empty)" },
		{ "Rust/ld64: 48, LC_DATA_IN_CODE then LC_SOURCE_VERSION", 1, 1, 1, 48, 1, 2,
		  PI_ROOM_DATA_IN_CODE, PI_ROOM_SOURCE_VERSION, 32,
		  "LC_DATA_IN_CODE (16 bytes, empty) and LC_SOURCE_VERSION (16 bytes)" },
		{ "turbo: 56, no LC_SOURCE_VERSION: the tool entry next", 1, 0, 1, 56, 1, 2,
		  PI_ROOM_DATA_IN_CODE, PI_ROOM_BUILD_TOOLS, 24,
		  "LC_DATA_IN_CODE (16 bytes, empty) and the 1 tool entry of LC_BUILD_VERSION (8 bytes)" },
		{ "a non-empty LC_DATA_IN_CODE stays: source version, then tools", 2, 1, 2, 48, 1, 2,
		  PI_ROOM_SOURCE_VERSION, PI_ROOM_BUILD_TOOLS, 32,
		  "LC_SOURCE_VERSION (16 bytes) and the 2 tool entries of LC_BUILD_VERSION (16 bytes)" },
		{ "not enough: only one tool entry", 2, 0, 1, 56, 0, 1, PI_ROOM_BUILD_TOOLS, 0, 8,
		  "the 1 tool entry of LC_BUILD_VERSION (8 bytes)" },
		{ "nothing to remove", 2, 0, 0, 56, 0, 0, 0, 0, 0, "nothing" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		fx f = { 0 };
		fprintf(stderr, "  make-room: %s\n", rows[i].what);
		ub_default64(&f.m, 1);
		if (rows[i].dic)
			ub_lc(&f.m, 0x29, rows[i].dic == 1 ? dic_empty : dic_full, 2);
		if (rows[i].sv)
			ub_lc(&f.m, 0x2a, srcver, 2);
		if (rows[i].tools == 1)
			ub_lc(&f.m, 0x32, bv_one_tool, 6);
		else if (rows[i].tools == 2)
			ub_lc(&f.m, 0x32, bv_two_tools, 8);
		else
			ub_lc(&f.m, 0x32, bv_no_tools, 4);
		uint64_t cmds_end = 680 + f.m.extra_len;
		f.m.seg[1].s[0].offset = (uint32_t)(cmds_end + rows[i].pad);
		f.m.seg[1].s[0].addr = 0x100000000ull + cmds_end + rows[i].pad;
		if (!fx_load(&f))
			continue;
		CHECK_EQ_U64(f.s->cmds_end, cmds_end);
		pi_room r;
		CHECK_EQ_U64(pi_plan_make_room(f.s, 80 - rows[i].pad, &r), rows[i].enough);
		CHECK_EQ_U64(r.n, rows[i].n);
		if (r.n > 0)
			CHECK_EQ_U64(r.e[0].kind, rows[i].k0);
		if (r.n > 1)
			CHECK_EQ_U64(r.e[1].kind, rows[i].k1);
		CHECK_EQ_U64(r.freed, rows[i].freed);
		char what[200];
		pi_room_describe(&r, what, sizeof what);
		CHECK_STR(what, rows[i].described);

		/* without --make-room: refused, and the hint says whether it helps */
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 0, &f.d), PI_E_NO_ROOM);
		char msg[200];
		snprintf(msg, sizeof msg, "no room for the load commands: 80 bytes of header padding needed "
		                          "(80 for the section header), %u available, at offset 0x%llx",
		         rows[i].pad, (unsigned long long)cmds_end);
		CHECK_STR(f.d.msg, msg);
		char hint[300];
		if (rows[i].enough)
			snprintf(hint, sizeof hint, "give --make-room: it removes %s, which nothing reads at run time; "
			                            "or relink with -headerpad 0x1000", what);
		else if (rows[i].n)
			snprintf(hint, sizeof hint, "--make-room would free only %llu bytes (%s), %llu short; "
			                            "relink with -headerpad 0x1000",
			         (unsigned long long)r.freed, what, (unsigned long long)(80 - rows[i].pad - r.freed));
		else
			snprintf(hint, sizeof hint, "--make-room cannot help (the slice has no load command it may "
			                            "remove); relink with -headerpad 0x1000");
		CHECK_CONTAINS(f.d.hint, hint);
		CHECK_CONTAINS(f.d.hint, "-sectcreate __TEXT __info_plist");

		/* with it: the gate and the plan agree */
		pi_diag_init(&f.d, "t", NULL);
		pi_plan p;
		if (!rows[i].enough) {
			CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 1, &f.d), PI_E_NO_ROOM);
			if (rows[i].n)
				CHECK_CONTAINS(f.d.hint, "--make-room frees only");
			pi_diag_init(&f.d, "t", NULL);
			CHECK_EQ_U64(pi_plan_inject(f.s, 0x100, PI_SIGN_ADHOC, 1, &p, &f.d), PI_E_NO_ROOM);
			fx_free(&f);
			continue;
		}
		CHECK_EQ_U64(pi_plan_header_room(f.s, PI_SIGN_ADHOC, 1, &f.d), PI_OK);
		if (CHECK_EQ_U64(pi_plan_inject(f.s, 0x100, PI_SIGN_ADHOC, 1, &p, &f.d), PI_OK)) {
			CHECK_EQ_U64(p.room.n, rows[i].n);
			CHECK_EQ_U64(p.room.freed, rows[i].freed);
			CHECK_EQ_U64(p.cmds_end_after, cmds_end + 80 - rows[i].freed);
			CHECK_EQ_U64(p.pad_before, rows[i].pad);
			CHECK_EQ_U64(p.pad_after, rows[i].pad + rows[i].freed - 80);
			CHECK(placement_sound(f.s, &p));
		}
		/* and plenty of padding takes nothing, even with --make-room */
		f.m.seg[1].s[0].offset = (uint32_t)(cmds_end + 200);
		f.m.seg[1].s[0].addr = 0x100000000ull + cmds_end + 200;
		if (fx_load(&f) && CHECK_EQ_U64(pi_plan_inject(f.s, 0x100, PI_SIGN_ADHOC, 1, &p, &f.d), PI_OK))
			CHECK_EQ_U64(p.room.n, 0);
		fx_free(&f);
	}
}

/* Random dirty bytes and lengths: every plan that succeeds is sound. */
static void test_never_nonzero(void)
{
	fx f = { 0 };
	ub_default64(&f.m, 0);
	uint32_t x = 99;
	int unsound = 0, ok = 0, refused = 0;
	for (int round = 0; round < 300; round++) {
		uint8_t *b = fx_bytes(&f);
		for (int k = 0; k < 6; k++) {
			x = x * 1664525u + 1013904223u;
			b[1000 + (x >> 8) % (0x4000 - 1000)] = (uint8_t)(1 + (x & 0x7f));
		}
		x = x * 1664525u + 1013904223u;
		uint64_t len = 1 + (x >> 9) % 0x1000;
		if (!fx_parse(&f))
			continue;
		pi_plan p;
		pi_diag_init(&f.d, "t", NULL);
		pi_status st = pi_plan_inject(f.s, len, PI_SIGN_ADHOC, 0, &p, &f.d);
		if (st == PI_OK) {
			ok++;
			if (!placement_sound(f.s, &p))
				unsound++;
		} else if (st == PI_E_NO_ROOM) {
			refused++;
		}
	}
	CHECK_EQ_U64(unsound, 0);
	CHECK_EQ_U64(ok + refused, 300);
	CHECK(ok > 100);
	CHECK(refused > 0);
	fx_free(&f);
}

static void test_check_editable(void)
{
	fx f = { 0 };
	ub_default64(&f.m, 1);
	if (fx_load(&f))
		CHECK_EQ_U64(pi_plan_check_editable(f.s, &f.d), PI_OK);
	f.m.filetype = 1;
	if (fx_load(&f)) {
		CHECK_EQ_U64(pi_plan_check_editable(f.s, &f.d), PI_E_UNSUPPORTED);
		CHECK_STR(f.d.msg, "file type 1 is not an executable, dylib or bundle, at offset 0xc");
	}
	f.m.filetype = 6; /* a dylib is fine */
	if (fx_load(&f))
		CHECK_EQ_U64(pi_plan_check_editable(f.s, &f.d), PI_OK);
	ub_default64(&f.m, 1);
	f.m.cs_datasize = 0xe00;
	if (fx_load(&f)) {
		CHECK_EQ_U64(pi_plan_check_editable(f.s, &f.d), PI_E_UNSUPPORTED);
		CHECK_STR(f.d.msg, "256 bytes after the code signature, at offset 0x5f00");
	}
	ub_default64(&f.m, 0);
	f.m.seg[3].filesize = 0xf00;
	if (fx_load(&f)) {
		CHECK_EQ_U64(pi_plan_check_editable(f.s, &f.d), PI_E_UNSUPPORTED);
		CHECK_STR(f.d.msg, "256 bytes after __LINKEDIT, at offset 0x5f00");
	}
	/* __LINKEDIT before __DATA, in the load commands, the file and VM alike
	 * (the reader refuses segments that overlap or come out of order) */
	ub_default64(&f.m, 0);
	{
		ub_seg data = f.m.seg[2];
		f.m.seg[2] = f.m.seg[3];
		f.m.seg[2].vmaddr = 0x100004000ull;
		f.m.seg[2].fileoff = 0x4000;
		f.m.seg[3] = data;
		f.m.seg[3].vmaddr = 0x100008000ull;
		f.m.seg[3].fileoff = 0x5000;
		f.m.seg[3].s[0].addr = 0x100008000ull;
		f.m.seg[3].s[0].offset = 0x5000;
		f.m.seg[3].s[1].addr = 0x100009000ull;
		f.m.symoff = 0x4000;
		f.m.stroff = 0x4040;
	}
	if (fx_load(&f)) {
		CHECK_EQ_U64(pi_plan_check_editable(f.s, &f.d), PI_E_UNSUPPORTED);
		char want[200];
		snprintf(want, sizeof want,
		         "__LINKEDIT is not the last segment in the file (__DATA ends at 0x6000, after "
		         "__LINKEDIT starts at 0x4000), at offset 0x%llx",
		         (unsigned long long)f.m.seg[3].cmd_off);
		CHECK_STR(f.d.msg, want);
	}
	ub_default64(&f.m, 0);
	f.m.seg[3].name = "__LINKEDIX";
	f.m.symtab = 0; /* a table would have no __LINKEDIT to live in: the reader refuses that */
	if (fx_load(&f)) {
		CHECK_EQ_U64(pi_plan_check_editable(f.s, &f.d), PI_E_UNSUPPORTED);
		CHECK_STR(f.d.msg, "the slice has no __LINKEDIT segment, at offset 0x0");
	}
	/* an encrypted slice: LC_SYMTAB turned into LC_ENCRYPTION_INFO_64, cryptid 1 */
	ub_default64(&f.m, 0);
	uint8_t *b = fx_bytes(&f);
	ub_put32(b + f.m.symtab_off, 0x2c);
	ub_put32(b + f.m.symtab_off + 16, 1);
	if (CHECK(fx_parse(&f))) {
		CHECK_EQ_U64(f.s->encrypted, 1);
		CHECK_EQ_U64(pi_plan_check_editable(f.s, &f.d), PI_E_UNSUPPORTED);
		CHECK_STR(f.d.msg, "the slice is encrypted, at offset 0x280");
	}
	fx_free(&f);
}

static void test_nsect_is_section(void)
{
	/* non-stab symbols: only N_SECT */
	CHECK_EQ_U64(pi_nsect_is_section(0x0e, 1), 1);  /* N_SECT */
	CHECK_EQ_U64(pi_nsect_is_section(0x0f, 3), 1);  /* N_SECT | N_EXT */
	CHECK_EQ_U64(pi_nsect_is_section(0x1e, 2), 1);  /* N_SECT | N_PEXT */
	CHECK_EQ_U64(pi_nsect_is_section(0x00, 0), 0);  /* N_UNDF */
	CHECK_EQ_U64(pi_nsect_is_section(0x01, 0), 0);  /* N_UNDF | N_EXT */
	CHECK_EQ_U64(pi_nsect_is_section(0x01, 1), 0);
	CHECK_EQ_U64(pi_nsect_is_section(0x02, 0), 0);  /* N_ABS */
	CHECK_EQ_U64(pi_nsect_is_section(0x0a, 1), 0);  /* N_INDR */
	CHECK_EQ_U64(pi_nsect_is_section(0x0c, 1), 0);  /* N_PBUD */
	/* stabs that carry a section, when n_sect is not 0 */
	static const uint8_t carry[] = { 0x24, 0x26, 0x28, 0x2e, 0x4e, 0x44,
	                                 0x64, 0x84, 0xa4, 0xe4, 0xe8 };
	for (size_t i = 0; i < sizeof carry; i++) {
		if (!CHECK_EQ_U64(pi_nsect_is_section(carry[i], 4), 1))
			fprintf(stderr, "  n_type 0x%02x\n", carry[i]);
		if (!CHECK_EQ_U64(pi_nsect_is_section(carry[i], 0), 0))
			fprintf(stderr, "  n_type 0x%02x with n_sect 0\n", carry[i]);
	}
	/* N_FUN and N_STSYM are the ones a (n_type & 0x0e) == 0x0e test misses */
	CHECK_EQ_U64(pi_nsect_is_section(0x24, 1), 1);
	CHECK_EQ_U64(pi_nsect_is_section(0x26, 19), 1);
	/* other stabs never do: N_OSO's n_sect is not a section */
	static const uint8_t other[] = { 0x66, 0x20, 0x22, 0x2c, 0x3c, 0x40, 0x60, 0x80,
	                                 0x82, 0xa0, 0xa2, 0xc0, 0xe0, 0xe2, 0xfe };
	for (size_t i = 0; i < sizeof other; i++)
		if (!CHECK_EQ_U64(pi_nsect_is_section(other[i], 3), 0))
			fprintf(stderr, "  n_type 0x%02x\n", other[i]);
}

int main(void)
{
	test_header_room();
	test_make_room();
	test_tail();
	test_header_pad_and_gap();
	test_lowest_gap();
	test_sorted_insert();
	test_existing();
	test_never_nonzero();
	test_check_editable();
	test_nsect_is_section();
	return unit_done();
}
