/* test_macho.c - the Mach-O reader (src/macho.c) on images built byte by
 * byte in memory (unit.h's ub_* builder), sound and malformed. */
#include "../../src/macho.h"
#include "../../src/plan.h"

#include <stdlib.h>

#define UNIT_MACHO
#include "unit.h"

static uint8_t *alloc_build(ub_spec *m)
{
	uint8_t *b = malloc((size_t)m->size);
	if (b)
		ub_build(m, b);
	return b;
}

/* Parse, expecting failure with `code`; checks that the message mentions
 * `what` and ends in "at offset 0x<abs>". */
static void expect_fail(const uint8_t *b, uint64_t size, pi_status code, const char *what,
                        uint64_t abs, const char *line)
{
	pi_image img;
	pi_diag d;
	pi_diag_init(&d, "t", NULL);
	pi_status st = pi_macho_read(b, size, &img, &d);
	if (!CHECK_EQ_U64((uint64_t)(int64_t)st, (uint64_t)(int64_t)code))
		fprintf(stderr, "  (case: %s) msg: %s\n", line, d.msg);
	CHECK_EQ_U64((uint64_t)(int64_t)d.code, (uint64_t)(int64_t)code);
	CHECK_CONTAINS(d.msg, what);
	char at[64];
	snprintf(at, sizeof at, ", at offset 0x%llx", (unsigned long long)abs);
	size_t n = strlen(d.msg), k = strlen(at);
	if (!CHECK(n >= k && strcmp(d.msg + n - k, at) == 0))
		fprintf(stderr, "  (case: %s) msg \"%s\" does not end in \"%s\"\n", line, d.msg, at);
	pi_image_free(&img);
}

static void test_default64(void)
{
	ub_spec m;
	ub_default64(&m, 0);
	uint8_t *b = alloc_build(&m);
	CHECK_EQ_U64(m.cmds_end, 664);
	pi_image img;
	pi_diag d;
	pi_diag_init(&d, "t", NULL);
	if (!CHECK_EQ_U64(pi_macho_read(b, m.size, &img, &d), PI_OK)) {
		fprintf(stderr, "  %s\n", d.msg);
		free(b);
		return;
	}
	CHECK_EQ_U64(img.fat, 0);
	CHECK_EQ_U64(img.nslices, 1);
	const pi_slice *s = &img.slices[0];
	CHECK_EQ_U64(s->offset, 0);
	CHECK_EQ_U64(s->size, 0x6000);
	CHECK(s->data == b);
	CHECK_EQ_U64(s->cur.origin, 0);
	CHECK_EQ_U64(s->is64, 1);
	CHECK_EQ_U64(s->hdr_size, 32);
	CHECK_EQ_U64(s->sect_hdr_size, 80);
	CHECK_EQ_U64(s->nlist_size, 16);
	CHECK_EQ_U64(s->cputype, 0x0100000c);
	CHECK_EQ_U64(s->filetype, 2);
	CHECK_EQ_U64(s->ncmds, 5);
	CHECK_EQ_U64(s->sizeofcmds, 632);
	CHECK_EQ_U64(s->cmds_end, 664);
	CHECK_STR(s->arch, "arm64");
	CHECK_STR(s->label, "arm64");
	CHECK_STR(d.slice, "arm64");
	CHECK_EQ_U64(s->nsegs, 4);
	CHECK_EQ_U64(s->text, 1);
	CHECK_EQ_U64(s->linkedit, 3);
	CHECK_EQ_U64(s->nsects, 4);
	CHECK_EQ_U64((uint64_t)(int64_t)s->info_plist, (uint64_t)-1);
	CHECK_EQ_U64(s->sections_sorted, 1);
	CHECK_EQ_U64(s->has_codesig, 0);
	CHECK_EQ_U64(s->encrypted, 0);
	CHECK_EQ_U64(s->first_sect_off, 0x1000);
	CHECK_EQ_U64(s->fat_align, 0);
	/* load commands */
	CHECK_EQ_U64(s->lcs[0].cmd, 0x19);
	CHECK_EQ_U64(s->lcs[0].off, 32);
	CHECK_EQ_U64(s->lcs[1].off, 104);
	CHECK_EQ_U64(s->lcs[1].cmdsize, 232);
	CHECK_EQ_U64(s->lcs[4].cmd, 0x2);
	CHECK_EQ_U64(s->lcs[4].off, 640);
	/* segments */
	CHECK_STR(s->segs[0].segname, "__PAGEZERO");
	CHECK_EQ_U64(s->segs[0].vmsize, 0x100000000ull);
	CHECK_EQ_U64(s->segs[0].nsects, 0);
	const pi_segment *t = &s->segs[1];
	CHECK_STR(t->segname, "__TEXT");
	CHECK_EQ_U64(t->vmaddr, 0x100000000ull);
	CHECK_EQ_U64(t->vmsize, 0x4000);
	CHECK_EQ_U64(t->fileoff, 0);
	CHECK_EQ_U64(t->filesize, 0x4000);
	CHECK_EQ_U64(t->nsects, 2);
	CHECK_EQ_U64(t->maxprot, 5);
	CHECK_EQ_U64(t->cmd_off, 104);
	CHECK_EQ_U64(t->cmdsize, 232);
	CHECK_EQ_U64(t->first_sect, 0);
	CHECK_EQ_U64(t->lc_index, 1);
	CHECK_EQ_U64(s->segs[2].first_sect, 2);
	CHECK_EQ_U64(s->segs[3].first_sect, 4);
	CHECK_EQ_U64(s->segs[3].fileoff, 0x5000);
	/* sections and their global ordinals */
	static const char *names[4] = { "__text", "__const", "__data", "__bss" };
	static const uint32_t segs[4] = { 1, 1, 2, 2 };
	for (uint32_t i = 0; i < 4; i++) {
		CHECK_STR(s->sects[i].sectname, names[i]);
		CHECK_EQ_U64(s->sects[i].ordinal, i + 1);
		CHECK_EQ_U64(s->sects[i].seg, segs[i]);
	}
	CHECK_STR(s->sects[0].segname, "__TEXT");
	CHECK_EQ_U64(s->sects[0].addr, 0x100001000ull);
	CHECK_EQ_U64(s->sects[0].size, 0x17f1);
	CHECK_EQ_U64(s->sects[0].offset, 0x1000);
	CHECK_EQ_U64(s->sects[0].align, 2);
	CHECK_EQ_U64(s->sects[0].flags, 0x80000400u);
	CHECK_EQ_U64(s->sects[0].hdr_off, 104 + 72);
	CHECK_EQ_U64(s->sects[1].hdr_off, 104 + 72 + 80);
	CHECK_EQ_U64(s->sects[3].flags, 1);
	CHECK(pi_section_is_zerofill(&s->sects[3]));
	CHECK(!pi_section_is_zerofill(&s->sects[2]));
	CHECK_EQ_U64(pi_slice_find_section(s, "__DATA", "__data"), 2);
	CHECK_EQ_U64((uint64_t)(int64_t)pi_slice_find_section(s, "__TEXT", "__data"), (uint64_t)-1);
	/* symtab */
	CHECK_EQ_U64(s->has_symtab, 1);
	CHECK_EQ_U64(s->symtab_lc_off, 640);
	CHECK_EQ_U64(s->symoff, 0x5000);
	CHECK_EQ_U64(s->nsyms, 4);
	CHECK_EQ_U64(s->stroff, 0x5040);
	CHECK_EQ_U64(s->strsize, 0x40);
	pi_image_free(&img);
	CHECK(img.slices == NULL);
	free(b);
}

static void test_signed_and_plist(void)
{
	ub_spec m;
	ub_default64(&m, 1);
	/* an __info_plist as the third __TEXT section, after __const */
	m.seg[1].nsects = 3;
	m.seg[1].s[2] = (ub_sect){ .name = "__info_plist", .addr = 0x100003800ull, .size = 0x123,
	                           .offset = 0x3800, .fill = '<' };
	uint8_t *b = alloc_build(&m);
	CHECK_EQ_U64(m.cmds_end, 760);
	pi_image img;
	pi_diag d;
	pi_diag_init(&d, "t", NULL);
	if (!CHECK_EQ_U64(pi_macho_read(b, m.size, &img, &d), PI_OK)) {
		fprintf(stderr, "  %s\n", d.msg);
		free(b);
		return;
	}
	const pi_slice *s = &img.slices[0];
	CHECK_EQ_U64(s->ncmds, 6);
	CHECK_EQ_U64(s->cmds_end, 760);
	CHECK_EQ_U64(s->nsects, 5);
	CHECK_EQ_U64(s->info_plist, 2);
	CHECK_EQ_U64(s->sects[2].ordinal, 3);
	CHECK_EQ_U64(s->sects[2].size, 0x123);
	CHECK_EQ_U64(s->sects[3].ordinal, 4); /* __data */
	CHECK_EQ_U64(s->has_codesig, 1);
	CHECK_EQ_U64(s->codesig_lc, 5);
	CHECK_EQ_U64(s->lcs[5].cmd, 0x1d);
	CHECK_EQ_U64(s->lcs[5].off, m.codesig_off);
	CHECK_EQ_U64(s->cs_dataoff, 0x5100);
	CHECK_EQ_U64(s->cs_datasize, 0xf00);
	pi_image_free(&img);

	/* an __info_plist named in another segment is not the Info.plist */
	m.seg[1].nsects = 2;
	m.seg[2].s[1] = (ub_sect){ .name = "__info_plist", .addr = 0x100004800ull, .size = 0x10,
	                           .offset = 0x4800, .fill = '<' };
	ub_build(&m, b);
	pi_diag_init(&d, "t", NULL);
	CHECK_EQ_U64(pi_macho_read(b, m.size, &img, &d), PI_OK);
	CHECK_EQ_U64((uint64_t)(int64_t)img.slices[0].info_plist, (uint64_t)-1);
	CHECK_EQ_U64(pi_slice_find_section(&img.slices[0], "__DATA", "__info_plist"), 3);
	pi_image_free(&img);
	free(b);
}

static void test_unsorted_and_first(void)
{
	ub_spec m;
	ub_default64(&m, 0);
	/* __const's header before __text's; an empty section at a low offset
	 * and a zerofill one do not count for first_sect_off */
	ub_sect text = m.seg[1].s[0], cnst = m.seg[1].s[1];
	m.seg[1].nsects = 4;
	m.seg[1].s[0] = cnst;
	m.seg[1].s[1] = text;
	m.seg[1].s[2] = (ub_sect){ .name = "__empty", .addr = 0x100000400ull, .size = 0, .offset = 0x400 };
	m.seg[1].s[3] = (ub_sect){ .name = "__zf", .addr = 0x100003800ull, .size = 0x100, .offset = 0,
	                           .flags = 0x1 };
	uint8_t *b = alloc_build(&m);
	pi_image img;
	pi_diag d;
	pi_diag_init(&d, "t", NULL);
	if (CHECK_EQ_U64(pi_macho_read(b, m.size, &img, &d), PI_OK)) {
		const pi_slice *s = &img.slices[0];
		CHECK_EQ_U64(s->sections_sorted, 0);
		CHECK_EQ_U64(s->first_sect_off, 0x1000);
		CHECK_EQ_U64(s->cmds_end, 664 + 160);
		CHECK_STR(s->sects[0].sectname, "__const");
		CHECK_EQ_U64(s->sects[5].ordinal, 6); /* __bss */
	} else {
		fprintf(stderr, "  %s\n", d.msg);
	}
	pi_image_free(&img);

	/* no sections in __TEXT at all: first_sect_off is the end of __TEXT */
	ub_default64(&m, 0);
	m.seg[1].nsects = 0;
	ub_build(&m, b);
	pi_diag_init(&d, "t", NULL);
	if (CHECK_EQ_U64(pi_macho_read(b, m.size, &img, &d), PI_OK)) {
		CHECK_EQ_U64(img.slices[0].first_sect_off, 0x4000);
		CHECK_EQ_U64(img.slices[0].nsects, 2);
		CHECK_EQ_U64(img.slices[0].sects[0].ordinal, 1);
		CHECK_EQ_U64(img.slices[0].segs[2].first_sect, 0);
	}
	pi_image_free(&img);
	free(b);
}

static void test_32bit(void)
{
	ub_spec m;
	memset(&m, 0, sizeof m);
	m.is64 = 0;
	m.cputype = 0x0200000c; /* arm64_32 */
	m.cpusubtype = 1;
	m.filetype = 2;
	m.nsegs = 3;
	m.seg[0] = (ub_seg){ .name = "__PAGEZERO", .vmsize = 0x4000 };
	m.seg[1] = (ub_seg){ .name = "__TEXT", .vmaddr = 0x4000, .vmsize = 0x4000, .fileoff = 0,
	                     .filesize = 0x4000, .nsects = 2 };
	m.seg[1].s[0] = (ub_sect){ .name = "__text", .addr = 0x5000, .size = 0x800, .offset = 0x1000,
	                           .align = 2, .flags = 0x80000400u, .fill = 0xc3 };
	m.seg[1].s[1] = (ub_sect){ .name = "__cstring", .addr = 0x5800, .size = 0x21, .offset = 0x1800,
	                           .flags = 0x2, .fill = 'a' };
	m.seg[2] = (ub_seg){ .name = "__LINKEDIT", .vmaddr = 0x8000, .vmsize = 0x1000,
	                     .fileoff = 0x4000, .filesize = 0x1000 };
	m.symtab = 1;
	m.symoff = 0x4000;
	m.nsyms = 3;
	m.stroff = 0x4024;
	m.strsize = 0x20;
	m.codesig = 1;
	m.cs_dataoff = 0x4100;
	m.cs_datasize = 0xf00;
	m.size = 0x5000;
	uint8_t *b = alloc_build(&m);
	/* 28 + 56 + (56 + 2*68) + 56 + 24 + 16 */
	CHECK_EQ_U64(m.cmds_end, 372);
	pi_image img;
	pi_diag d;
	pi_diag_init(&d, "t", NULL);
	if (!CHECK_EQ_U64(pi_macho_read(b, m.size, &img, &d), PI_OK)) {
		fprintf(stderr, "  %s\n", d.msg);
		free(b);
		return;
	}
	const pi_slice *s = &img.slices[0];
	CHECK_EQ_U64(s->is64, 0);
	CHECK_EQ_U64(s->hdr_size, 28);
	CHECK_EQ_U64(s->sect_hdr_size, 68);
	CHECK_EQ_U64(s->nlist_size, 12);
	CHECK_EQ_U64(s->cmds_end, 372);
	CHECK_EQ_U64(s->sizeofcmds, 344);
	CHECK_STR(s->arch, "arm64_32");
	CHECK_EQ_U64(s->nsects, 2);
	CHECK_EQ_U64(s->segs[1].cmdsize, 56 + 2 * 68);
	CHECK_EQ_U64(s->segs[1].vmaddr, 0x4000);
	CHECK_EQ_U64(s->segs[2].fileoff, 0x4000);
	CHECK_EQ_U64(s->segs[2].filesize, 0x1000);
	CHECK_EQ_U64(s->sects[1].addr, 0x5800);
	CHECK_EQ_U64(s->sects[1].size, 0x21);
	CHECK_EQ_U64(s->sects[1].offset, 0x1800);
	CHECK_EQ_U64(s->sects[1].flags, 0x2);
	CHECK_EQ_U64(s->sects[1].hdr_off, 28 + 56 + 56 + 68);
	CHECK_EQ_U64(s->sects[1].ordinal, 2);
	CHECK_EQ_U64(s->first_sect_off, 0x1000);
	CHECK_EQ_U64(s->has_codesig, 1);
	CHECK_EQ_U64(s->cs_dataoff, 0x4100);
	CHECK_EQ_U64(s->nsyms, 3);
	pi_image_free(&img);

	/* an LC_SEGMENT_64 in a 32-bit slice is refused */
	ub_put32(b + m.seg[2].cmd_off, 0x19);
	expect_fail(b, m.size, PI_E_MALFORMED, "load command #2: LC_SEGMENT_64 in a 32-bit slice",
	            m.seg[2].cmd_off, "segment64 in 32-bit");
	/* a 32-bit slice only needs its commands 4-aligned: cmdsize 20 is a
	 * size error for LC_SYMTAB, not an alignment error */
	ub_build(&m, b);
	ub_put32(b + m.symtab_off + 4, 28);
	expect_fail(b, m.size, PI_E_MALFORMED, "LC_SYMTAB cmdsize 28 is not 24", m.symtab_off,
	            "32-bit symtab 28");
	ub_build(&m, b);
	ub_put32(b + m.symtab_off + 4, 26);
	expect_fail(b, m.size, PI_E_MALFORMED, "cmdsize 26 is not a multiple of 4", m.symtab_off,
	            "32-bit symtab 26");
	free(b);
}

/* Malformed thin files: each case patches the standard image. */
static void test_malformed_thin(void)
{
	ub_spec m;
	ub_default64(&m, 1);
	uint8_t *b = alloc_build(&m);
	uint64_t sz = m.size;

	/* cmdsize 0 (LC_SYMTAB is load command #4) */
	ub_put32(b + m.symtab_off + 4, 0);
	expect_fail(b, sz, PI_E_MALFORMED, "load command #4 LC_SYMTAB: cmdsize 0 is too small",
	            m.symtab_off, "cmdsize 0");
	/* cmdsize not a multiple of 8 */
	ub_build(&m, b);
	ub_put32(b + m.seg[2].cmd_off + 4, 236);
	expect_fail(b, sz, PI_E_MALFORMED, "load command #2 LC_SEGMENT_64: cmdsize 236 is not a multiple of 8",
	            m.seg[2].cmd_off, "cmdsize 236");
	/* a command running past sizeofcmds */
	ub_build(&m, b);
	ub_put32(b + m.codesig_off + 4, 24);
	expect_fail(b, sz, PI_E_MALFORMED, "LC_CODE_SIGNATURE: cmdsize 0x18 runs past sizeofcmds",
	            m.codesig_off, "cmd past sizeofcmds");
	/* sizeofcmds past the file */
	ub_build(&m, b);
	ub_put32(b + 20, 0x10000);
	expect_fail(b, sz, PI_E_MALFORMED, "sizeofcmds 0x10000 runs past the end of the slice (0x6000",
	            20, "sizeofcmds");
	/* ncmds that cannot fit */
	ub_build(&m, b);
	ub_put32(b + 16, 1000);
	expect_fail(b, sz, PI_E_MALFORMED, "ncmds 1000 cannot fit in sizeofcmds 0x288", 16, "ncmds");
	/* fewer commands than sizeofcmds says */
	ub_build(&m, b);
	ub_put32(b + 16, 5);
	expect_fail(b, sz, PI_E_MALFORMED, "5 load commands take 0x278 bytes but sizeofcmds is 0x288", 20,
	            "short ncmds");
	/* segment cmdsize that does not match nsects */
	ub_build(&m, b);
	ub_put32(b + m.seg[1].cmd_off + 64, 3);
	expect_fail(b, sz, PI_E_MALFORMED, "segment __TEXT: cmdsize 232 does not match 3 sections",
	            m.seg[1].cmd_off, "nsects");
	/* segment file range past the file */
	ub_build(&m, b);
	ub_put64(b + m.seg[2].cmd_off + 48, 0x3000);
	expect_fail(b, sz, PI_E_MALFORMED, "segment __DATA: file range 0x4000+0x3000 runs past the end",
	            m.seg[2].cmd_off, "segment past end");

	/* section outside its segment (VM range) */
	ub_build(&m, b);
	ub_put64(b + m.seg[1].s[1].hdr_off + 40, 0x1001); /* __const 0x100003000+0x1001 > 0x100004000 */
	expect_fail(b, sz, PI_E_MALFORMED,
	            "section __TEXT,__const: address range 0x100003000+0x1001 lies outside segment __TEXT",
	            m.seg[1].s[1].hdr_off, "section vm outside");
	/* section below its segment */
	ub_build(&m, b);
	ub_put64(b + m.seg[2].s[0].hdr_off + 32, 0x100003f00ull);
	expect_fail(b, sz, PI_E_MALFORMED, "section __DATA,__data: address 0x100003f00 is before segment __DATA (0x100004000)",
	            m.seg[2].s[0].hdr_off, "section below segment");
	/* a segment that maps nothing (vmsize 0, as Go's __DWARF): its sections'
	 * addresses are not checked against it, their file ranges still are */
	ub_build(&m, b);
	ub_put64(b + m.seg[2].cmd_off + 32, 0);                   /* __DATA vmsize 0 */
	ub_put32(b + m.seg[2].cmd_off + 60, 0);                   /* initprot 0: maps nothing */
	ub_put64(b + m.seg[2].s[0].hdr_off + 32, 0x200000000ull); /* __data far away */
	{
		pi_image img;
		pi_diag d;
		pi_diag_init(&d, "t", NULL);
		if (CHECK(pi_macho_read(b, sz, &img, &d) == PI_OK)) {
			const pi_slice *sl = &img.slices[0];
			CHECK_EQ_U64(sl->segs[2].vmsize, 0);
			CHECK_EQ_U64(sl->sects[sl->segs[2].first_sect].addr, 0x200000000ull);
			CHECK_EQ_U64(sl->sects[sl->segs[2].first_sect].ordinal, sl->segs[2].first_sect + 1);
		} else {
			fprintf(stderr, "  vmsize 0: %s\n", d.msg);
		}
		pi_image_free(&img);
	}
	ub_put32(b + m.seg[2].s[0].hdr_off + 48, 0x7000); /* the file range is still checked */
	expect_fail(b, sz, PI_E_MALFORMED, "section __DATA,__data: file range 0x7000+0x100 lies outside segment __DATA",
	            m.seg[2].s[0].hdr_off, "vmsize 0, file range outside");
	/* a __TEXT without sections that maps nothing: its VM range must still
	 * cover the header and load commands (dyld-1378 validSemanticsSegments) */
	{
		ub_spec m3;
		ub_default64(&m3, 1);
		m3.seg[1].nsects = 0;
		uint8_t *b3 = malloc((size_t)m3.size);
		ub_build(&m3, b3);
		ub_put64(b3 + m3.seg[1].cmd_off + 32, 0); /* vmsize 0 */
		ub_put32(b3 + m3.seg[1].cmd_off + 60, 0); /* initprot 0 */
		expect_fail(b3, m3.size, PI_E_MALFORMED,
		            "__TEXT vmsize 0x0 does not cover the load commands (0x208)", m3.seg[1].cmd_off,
		            "__TEXT vmsize below the load commands");
		free(b3);
	}
	/* but __TEXT, which plistinject writes into, is never exempt */
	ub_build(&m, b);
	ub_put64(b + m.seg[1].cmd_off + 32, 0);
	ub_put32(b + m.seg[1].cmd_off + 60, 0);
	expect_fail(b, sz, PI_E_MALFORMED, "lies outside segment __TEXT", m.seg[1].s[0].hdr_off, "__TEXT vmsize 0");
	/* section file range outside its segment (VM range still inside) */
	{
		ub_spec m2;
		ub_default64(&m2, 1);
		m2.seg[1].vmsize = 0x8000; /* __TEXT maps 0x4000 file bytes, 0x8000 VM */
		m2.seg[2].vmaddr = 0x100008000ull;
		m2.seg[2].s[0].addr = 0x100008000ull;
		m2.seg[2].s[1].addr = 0x100009000ull;
		m2.seg[3].vmaddr = 0x10000c000ull;
		m2.seg[1].s[1].addr = 0x100004100ull;
		m2.seg[1].s[1].offset = 0x4100;
		uint8_t *b2 = malloc((size_t)m2.size);
		m2.seg[1].s[1].fill = 0; /* the builder would fill into __DATA's bytes */
		ub_build(&m2, b2);
		expect_fail(b2, m2.size, PI_E_MALFORMED,
		            "section __TEXT,__const: file range 0x4100+0x1f5 lies outside segment __TEXT (0x0-0x4000)",
		            m2.seg[1].s[1].hdr_off, "section file outside");
		/* address and offset that disagree */
		m2.seg[1].s[1].addr = 0x100003000ull;
		m2.seg[1].s[1].offset = 0x3010;
		ub_build(&m2, b2);
		expect_fail(b2, m2.size, PI_E_MALFORMED,
		            "section __TEXT,__const: address 0x100003000 and file offset 0x3010 disagree",
		            m2.seg[1].s[1].hdr_off, "addr/offset");
		free(b2);
	}
	/* a section over the load commands */
	ub_build(&m, b);
	ub_put64(b + m.seg[1].s[0].hdr_off + 32, 0x100000200ull);
	ub_put32(b + m.seg[1].s[0].hdr_off + 48, 0x200);
	expect_fail(b, sz, PI_E_MALFORMED, "section __TEXT,__text at 0x200 overlaps the load commands (end 0x2a8)",
	            m.seg[1].s[0].hdr_off, "section over commands");

	/* LC_CODE_SIGNATURE outside __LINKEDIT */
	ub_build(&m, b);
	ub_put32(b + m.codesig_off + 8, 0x4f00);
	expect_fail(b, sz, PI_E_MALFORMED,
	            "LC_CODE_SIGNATURE data 0x4f00+0xf00 lies outside __LINKEDIT (0x5000-0x6000)",
	            m.codesig_off, "codesig before linkedit");
	ub_build(&m, b);
	ub_put64(b + m.seg[3].cmd_off + 48, 0xf00); /* __LINKEDIT ends at 0x5f00 */
	expect_fail(b, sz, PI_E_MALFORMED,
	            "LC_CODE_SIGNATURE data 0x5100+0xf00 lies outside __LINKEDIT (0x5000-0x5f00)",
	            m.codesig_off, "codesig after linkedit");
	/* past the end of the file */
	ub_build(&m, b);
	ub_put32(b + m.codesig_off + 12, 0x1000);
	expect_fail(b, sz, PI_E_MALFORMED, "LC_CODE_SIGNATURE data 0x5100+0x1000 runs past the end of the slice",
	            m.codesig_off, "codesig past end");
	ub_build(&m, b);
	ub_put32(b + m.codesig_off + 4, 24);
	ub_put32(b + 20, m.sizeofcmds + 8);
	ub_put32(b + 16, m.ncmds);
	expect_fail(b, sz, PI_E_MALFORMED, "LC_CODE_SIGNATURE cmdsize 24 is not 16", m.codesig_off,
	            "codesig cmdsize");
	/* two LC_SYMTABs */
	ub_build(&m, b);
	memcpy(b + m.codesig_off, b + m.symtab_off, 24);
	ub_put32(b + 20, m.sizeofcmds + 8);
	expect_fail(b, sz, PI_E_MALFORMED, "more than one LC_SYMTAB", m.codesig_off, "two symtabs");
	/* symbols past the end */
	ub_build(&m, b);
	ub_put32(b + m.symtab_off + 12, 0x200); /* 0x5000 + 0x200*16 = 0x7000 */
	expect_fail(b, sz, PI_E_MALFORMED, "LC_SYMTAB: 512 symbols at 0x5000 run past the end", m.symtab_off,
	            "nsyms");
	/* __TEXT must map the header */
	ub_build(&m, b);
	ub_put64(b + m.seg[1].cmd_off + 48, 0x200);
	ub_put64(b + m.seg[1].cmd_off + 32, 0x4000);
	ub_put64(b + m.seg[1].s[0].hdr_off + 40, 0); /* keep sections from failing first */
	ub_put64(b + m.seg[1].s[1].hdr_off + 40, 0);
	expect_fail(b, sz, PI_E_MALFORMED, "__TEXT (file 0x0+0x200) does not cover the load commands",
	            m.seg[1].cmd_off, "text too small");
	/* two __TEXT segments */
	ub_build(&m, b);
	memcpy(b + m.seg[3].cmd_off + 8, "__TEXT\0\0\0\0", 10);
	expect_fail(b, sz, PI_E_MALFORMED, "more than one __TEXT segment", m.seg[3].cmd_off, "two text");
	/* cputype that does not match the header size */
	ub_build(&m, b);
	ub_put32(b + 4, 12); /* 32-bit ARM in a 64-bit header */
	expect_fail(b, sz, PI_E_MALFORMED, "cputype 0xc does not match the 64-bit header", 4, "cputype");
	/* PowerPC */
	ub_build(&m, b);
	ub_put32(b + 4, 0x01000012);
	expect_fail(b, sz, PI_E_UNSUPPORTED, "PowerPC slices are not supported", 4, "ppc64 le");

	/* truncated header */
	ub_build(&m, b);
	expect_fail(b, 20, PI_E_MALFORMED, "truncated Mach-O header: 32 bytes needed, 20 present", 0,
	            "truncated");
	expect_fail(b, 3, PI_E_MALFORMED, "not a Mach-O file: 3 bytes is too short", 0, "3 bytes");
	/* not Mach-O */
	static const uint8_t elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	expect_fail(elf, sizeof elf, PI_E_MALFORMED, "not a Mach-O file: it is an ELF file, for Linux or another Unix", 0,
	            "elf");
	static const uint8_t script[] = "#!/bin/sh\necho hi\n";
	expect_fail(script, sizeof script - 1, PI_E_MALFORMED, "not a Mach-O file: it starts with #!, a script", 0,
	            "script");
	static const uint8_t gz[8] = { 0x1f, 0x8b, 8, 0 };
	expect_fail(gz, sizeof gz, PI_E_MALFORMED, "not a Mach-O file: it is gzip-compressed", 0, "gzip");
	static const uint8_t zip[8] = { 'P', 'K', 3, 4 };
	expect_fail(zip, sizeof zip, PI_E_MALFORMED, "not a Mach-O file: it is a zip archive", 0, "zip");
	static const uint8_t ar[] = "!<arch>\n/ 0 0 0\n";
	expect_fail(ar, sizeof ar - 1, PI_E_MALFORMED, "not a Mach-O file: it is a static library (ar archive)", 0, "ar");
	static const uint8_t text[] = "hello, world\n";
	expect_fail(text, sizeof text - 1, PI_E_MALFORMED, "not a Mach-O file: it is text", 0, "text");
	static const uint8_t zeros[8] = { 0 };
	expect_fail(zeros, sizeof zeros, PI_E_MALFORMED, "not a Mach-O file (magic 0x00000000)", 0, "zeros");
	expect_fail(zeros, 0, PI_E_MALFORMED, "not a Mach-O file: it is empty", 0, "empty");
	/* big-endian magic */
	uint8_t be[64];
	memset(be, 0, sizeof be);
	ub_put32be(be, 0xfeedfacf);
	expect_fail(be, sizeof be, PI_E_UNSUPPORTED, "big-endian Mach-O (PowerPC) is not supported", 0,
	            "big-endian 64");
	ub_put32be(be, 0xfeedface);
	expect_fail(be, sizeof be, PI_E_UNSUPPORTED, "big-endian", 0, "big-endian 32");
	free(b);
}

/* A fat file of two thin images: arm64 at 0x4000 and x86_64 at 0xc000. */
typedef struct fat_fx {
	uint8_t *b;
	uint64_t size;
	ub_spec a, x;
} fat_fx;

static void fat_arch(uint8_t *e, uint32_t cpu, uint32_t sub, uint32_t off, uint32_t size,
                     uint32_t align)
{
	ub_put32be(e, cpu);
	ub_put32be(e + 4, sub);
	ub_put32be(e + 8, off);
	ub_put32be(e + 12, size);
	ub_put32be(e + 16, align);
}

static void fat_build(fat_fx *f, uint64_t extra)
{
	ub_default64(&f->a, 1);
	ub_default64(&f->x, 1);
	f->x.cputype = 0x01000007;
	f->x.cpusubtype = 3;
	f->size = 0x12000 + extra;
	f->b = calloc(1, (size_t)f->size);
	ub_put32be(f->b, 0xcafebabe);
	ub_put32be(f->b + 4, 2);
	fat_arch(f->b + 8, 0x0100000c, 0, 0x4000, 0x6000, 14);
	fat_arch(f->b + 28, 0x01000007, 3, 0xc000, 0x6000, 14);
	ub_build(&f->a, f->b + 0x4000);
	ub_build(&f->x, f->b + 0xc000);
}

static void test_fat(void)
{
	fat_fx f;
	fat_build(&f, 0);
	pi_image img;
	pi_diag d;
	pi_diag_init(&d, "t", NULL);
	if (CHECK_EQ_U64(pi_macho_read(f.b, f.size, &img, &d), PI_OK)) {
		CHECK_EQ_U64(img.fat, 1);
		CHECK_EQ_U64(img.fat64, 0);
		CHECK_EQ_U64(img.nslices, 2);
		CHECK_EQ_U64(img.slices[0].offset, 0x4000);
		CHECK_EQ_U64(img.slices[1].offset, 0xc000);
		CHECK_EQ_U64(img.slices[1].size, 0x6000);
		CHECK_EQ_U64(img.slices[1].fat_align, 14);
		CHECK(img.slices[1].data == f.b + 0xc000);
		CHECK_EQ_U64(img.slices[1].cur.origin, 0xc000);
		CHECK_STR(img.slices[0].label, "arm64, slice 1/2");
		CHECK_STR(img.slices[1].label, "x86_64, slice 2/2");
		CHECK_STR(img.slices[1].arch, "x86_64");
		CHECK_EQ_U64(img.slices[1].cmds_end, 680); /* slice-relative */
		CHECK_EQ_U64(img.slices[1].cs_dataoff, 0x5100);
		CHECK_STR(d.slice, "");
	} else {
		fprintf(stderr, "  %s\n", d.msg);
	}
	pi_image_free(&img);

	/* an error in slice 2 is reported at its absolute offset, with its label */
	ub_put32(f.b + 0xc000 + f.x.symtab_off + 4, 0);
	pi_diag_init(&d, "t", NULL);
	CHECK_EQ_U64(pi_macho_read(f.b, f.size, &img, &d), PI_E_MALFORMED);
	CHECK_STR(d.slice, "x86_64, slice 2/2");
	char at[64];
	snprintf(at, sizeof at, "at offset 0x%llx", (unsigned long long)(0xc000 + f.x.symtab_off));
	CHECK_CONTAINS(d.msg, at);
	CHECK_CONTAINS(d.msg, "cmdsize 0 is too small");
	pi_image_free(&img);
	ub_build(&f.x, f.b + 0xc000);
	/* a slice whose own cputype disagrees with the fat header */
	fat_arch(f.b + 28, 0x0100000c, 2, 0xc000, 0x6000, 14); /* the header says arm64e */
	expect_fail(f.b, f.size, PI_E_MALFORMED, "slice cputype 0x1000007 differs from the fat header's 0x100000c",
	            0xc004, "cputype mismatch");
	fat_arch(f.b + 28, 0x01000007, 3, 0xc000, 0x6000, 14);

	/* a PowerPC slice (big-endian header) does not fail the read: it is kept
	 * as unsupported, with only the fat header's facts, and the reason */
	memset(f.b + 0xc000, 0, 0x6000);
	ub_put32be(f.b + 0xc000, 0xfeedface);
	ub_put32be(f.b + 0xc004, 18); /* CPU_TYPE_POWERPC, big-endian like the rest */
	fat_arch(f.b + 28, 18, 10, 0xc000, 0x6000, 14);
	pi_diag_init(&d, "t", NULL);
	if (CHECK_EQ_U64(pi_macho_read(f.b, f.size, &img, &d), PI_OK)) {
		const pi_slice *p = &img.slices[1];
		CHECK_EQ_U64(img.slices[0].unsupported, 0);
		CHECK_EQ_U64(p->unsupported, 1);
		CHECK_STR(p->why, "big-endian Mach-O (PowerPC) is not supported, at offset 0xc000");
		CHECK_STR(p->label, "ppc, slice 2/2");
		CHECK_EQ_U64(p->cputype, 18);
		CHECK_EQ_U64(p->cpusubtype, 10);
		CHECK_EQ_U64(p->offset, 0xc000);
		CHECK_EQ_U64(p->size, 0x6000);
		CHECK(p->data == f.b + 0xc000 && !p->segs && !p->sects && !p->lcs && p->text == -1);
		CHECK_EQ_U64(d.code, PI_OK);
		pi_diag_init(&d, "t", NULL);
		CHECK_EQ_U64(pi_plan_check_editable(p, &d), PI_E_UNSUPPORTED);
		CHECK_CONTAINS(d.msg, "big-endian Mach-O (PowerPC) is not supported");
	} else {
		fprintf(stderr, "  ppc slice: %s\n", d.msg);
	}
	pi_image_free(&img);
	/* a malformed slice next to it still fails the whole read */
	ub_put32(f.b + 0x4000 + f.a.symtab_off + 4, 0);
	expect_fail(f.b, f.size, PI_E_MALFORMED, "cmdsize 0 is too small", 0x4000 + f.a.symtab_off, "malformed + ppc");
	ub_build(&f.a, f.b + 0x4000);
	ub_build(&f.x, f.b + 0xc000);
	fat_arch(f.b + 28, 0x01000007, 3, 0xc000, 0x6000, 14);

	/* overlapping slices */
	fat_arch(f.b + 28, 0x01000007, 3, 0x8000, 0x6000, 14);
	expect_fail(f.b, f.size, PI_E_MALFORMED, "fat slices 1 and 2 overlap", 28, "overlap");
	/* duplicate arch */
	fat_arch(f.b + 28, 0x0100000c, 0, 0xc000, 0x6000, 14);
	expect_fail(f.b, f.size, PI_E_MALFORMED, "fat file has two arm64 slices", 28, "duplicate");
	/* slice past end */
	fat_arch(f.b + 28, 0x01000007, 3, 0xc000, 0x7000, 14);
	expect_fail(f.b, f.size, PI_E_MALFORMED,
	            "fat slice 0xc000+0x7000 runs past the end of the file (0x12000)", 28, "past end");
	/* misaligned slice */
	fat_arch(f.b + 28, 0x01000007, 3, 0xc000, 0x6000, 15);
	expect_fail(f.b, f.size, PI_E_MALFORMED, "fat slice at 0xc000 is not aligned to 2^15", 28,
	            "misaligned");
	/* a slice over the fat header */
	fat_arch(f.b + 8, 0x0100000c, 0, 0x20, 0x6000, 3);
	expect_fail(f.b, f.size, PI_E_MALFORMED, "fat slice at 0x20 overlaps the fat header", 8,
	            "over header");
	fat_arch(f.b + 8, 0x0100000c, 0, 0x4000, 0x6000, 14);
	fat_arch(f.b + 28, 0x01000007, 3, 0xc000, 0x6000, 14);
	/* nfat_arch 0, and more entries than the file holds */
	ub_put32be(f.b + 4, 0);
	expect_fail(f.b, f.size, PI_E_MALFORMED, "nfat_arch 0 is not between 1 and", 4, "nfat 0");
	ub_put32be(f.b + 4, 2);
	expect_fail(f.b, 40, PI_E_MALFORMED, "2 architectures run past the end of the file", 8,
	            "nfat past end");
	free(f.b);

	/* bytes after the last slice */
	fat_build(&f, 16);
	expect_fail(f.b, f.size, PI_E_MALFORMED, "16 bytes after the last fat slice", 0x12000,
	            "trailing bytes");
	free(f.b);

	/* FAT_MAGIC_64 */
	fat_build(&f, 0);
	memset(f.b, 0, 0x4000);
	ub_put32be(f.b, 0xcafebabf);
	ub_put32be(f.b + 4, 2);
	uint8_t *e = f.b + 8;
	for (int i = 0; i < 2; i++, e += 32) {
		ub_put32be(e, i ? 0x01000007 : 0x0100000c);
		ub_put32be(e + 4, i ? 3 : 0);
		ub_put32be(e + 8, 0);
		ub_put32be(e + 12, i ? 0xc000 : 0x4000);
		ub_put32be(e + 16, 0);
		ub_put32be(e + 20, 0x6000);
		ub_put32be(e + 24, 14);
	}
	pi_diag_init(&d, "t", NULL);
	if (CHECK_EQ_U64(pi_macho_read(f.b, f.size, &img, &d), PI_OK)) {
		CHECK_EQ_U64(img.fat64, 1);
		CHECK_EQ_U64(img.nslices, 2);
		CHECK_EQ_U64(img.slices[1].offset, 0xc000);
		CHECK_EQ_U64(img.slices[1].fat_align, 14);
	} else {
		fprintf(stderr, "  %s\n", d.msg);
	}
	pi_image_free(&img);
	/* a 64-bit offset that overflows offset + size */
	ub_put32be(f.b + 40 + 8, 0xffffffff);
	ub_put32be(f.b + 40 + 12, 0xffffc000);
	expect_fail(f.b, f.size, PI_E_MALFORMED, "runs past the end of the file", 40, "fat64 overflow");
	free(f.b);
}

static void test_arch_names(void)
{
	char buf[24];
	CHECK_STR(pi_arch_name(0x0100000c, 0, buf, sizeof buf), "arm64");
	CHECK_STR(pi_arch_name(0x0100000c, 0x80000002u, buf, sizeof buf), "arm64e");
	CHECK_STR(pi_arch_name(0x01000007, 0x80000003u, buf, sizeof buf), "x86_64");
	CHECK_STR(pi_arch_name(0x01000007, 8, buf, sizeof buf), "x86_64h");
	CHECK_STR(pi_arch_name(0x0200000c, 1, buf, sizeof buf), "arm64_32");
	CHECK_STR(pi_arch_name(7, 3, buf, sizeof buf), "i386");
	CHECK_STR(pi_arch_name(0x1234, 0, buf, sizeof buf), "cputype 0x1234");
}

int main(void)
{
	test_default64();
	test_signed_and_plist();
	test_unsorted_and_first();
	test_32bit();
	test_malformed_thin();
	test_fat();
	test_arch_names();
	return unit_done();
}
