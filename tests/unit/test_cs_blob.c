/* test_cs_blob.c - SuperBlob / CodeDirectory parse and serialise
 * (src/cs_blob.c), and the ad-hoc signer's size and output (src/cs_sign.c). */
#define _POSIX_C_SOURCE 200809L /* mkstemp, mmap */

#include "../../src/cs_blob.h"
#include "../../src/cs_sign.h"
#include "../../src/digest.h"
#include "../../src/macho_defs.h"
#include "../../src/overlay.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "unit.h"

static void fill_hash(uint8_t *h, uint8_t seed)
{
	for (int i = 0; i < 32; i++)
		h[i] = (uint8_t)(seed + 7 * i);
}

static void base_params(pi_cs_cd_params *p)
{
	memset(p, 0, sizeof *p);
	p->version = 0x20400;
	p->flags = 0x2;
	p->identifier = "com.example.tool";
	p->code_limit = 10000;
	p->page_shift = 12;
	p->hash_type = 2;
	p->hash_size = 32;
	p->nspecial = 2;
	fill_hash(p->special[1], 0x10);
	fill_hash(p->special[2], 0x20);
	p->exec_base = 0;
	p->exec_limit = 0x4000;
	p->exec_flags = 1;
}

/* Write p, fill the code slots, parse, compare every field, re-serialise
 * from the parsed fields and compare the bytes. */
static void roundtrip(const pi_cs_cd_params *p, uint64_t want_size, uint32_t want_hash_off,
                      const char *what)
{
	uint64_t size = pi_cs_cd_size(p);
	if (!CHECK_EQ_U64(size, want_size))
		fprintf(stderr, "  (%s)\n", what);
	uint8_t *out = malloc((size_t)size), *again = malloc((size_t)size);
	memset(out, 0xaa, (size_t)size);
	uint32_t ho = pi_cs_cd_write(p, out);
	CHECK_EQ_U64(ho, want_hash_off);
	uint64_t ncode = pi_cs_cd_ncode(p);
	CHECK_EQ_U64(ho + ncode * p->hash_size, size);
	/* the code slots come back zeroed for the caller */
	int zero = 1;
	for (uint64_t i = ho; i < size; i++)
		zero &= out[i] == 0;
	CHECK(zero);
	for (uint64_t i = 0; i < ncode; i++)
		fill_hash(out + ho + i * 32, (uint8_t)(0x80 + i));

	pi_cur c = pi_cur_make(out, size, 0x5100);
	pi_cs_cd cd;
	char why[160] = "";
	if (!CHECK(pi_cs_cd_parse(&c, &cd, why, sizeof why))) {
		fprintf(stderr, "  (%s) %s\n", what, why);
		free(out);
		free(again);
		return;
	}
	CHECK(cd.p == out);
	CHECK_EQ_U64(cd.abs_off, 0x5100);
	CHECK_EQ_U64(cd.length, size);
	CHECK_EQ_U64(cd.version, p->version);
	CHECK_EQ_U64(cd.flags, p->flags);
	CHECK_EQ_U64(cd.hash_offset, ho);
	CHECK_EQ_U64(cd.ident_offset, pi_cs_cd_header_size(p->version));
	CHECK_EQ_U64(cd.nspecial, p->nspecial);
	CHECK_EQ_U64(cd.ncode, ncode);
	CHECK_EQ_U64(cd.code_limit, p->code_limit);
	CHECK_EQ_U64(cd.hash_size, 32);
	CHECK_EQ_U64(cd.hash_type, 2);
	CHECK_EQ_U64(cd.platform, p->platform);
	CHECK_EQ_U64(cd.page_shift, p->page_shift);
	CHECK_EQ_U64(cd.scatter_offset, 0);
	CHECK_EQ_U64(cd.exec_base, p->exec_base);
	CHECK_EQ_U64(cd.exec_limit, p->exec_limit);
	CHECK_EQ_U64(cd.exec_flags, p->exec_flags);
	CHECK_EQ_U64(cd.runtime, p->runtime);
	CHECK_STR(cd.identifier, p->identifier);
	if (p->team) {
		CHECK_STR(cd.team, p->team);
		CHECK_EQ_U64(cd.team_offset, cd.ident_offset + strlen(p->identifier) + 1);
	} else {
		CHECK_STR(cd.team, "");
		CHECK_EQ_U64(cd.team_offset, 0);
	}
	for (uint32_t k = 1; k <= p->nspecial; k++)
		CHECK_MEM(pi_cs_cd_special(&cd, k), p->special[k], 32);
	CHECK(pi_cs_cd_special(&cd, 0) == NULL);
	CHECK(pi_cs_cd_special(&cd, p->nspecial + 1) == NULL);
	uint8_t h[32];
	fill_hash(h, 0x80);
	CHECK_MEM(pi_cs_cd_code(&cd, 0), h, 32);
	fill_hash(h, (uint8_t)(0x80 + ncode - 1));
	CHECK_MEM(pi_cs_cd_code(&cd, (uint32_t)ncode - 1), h, 32);
	CHECK(pi_cs_cd_code(&cd, (uint32_t)ncode) == NULL);

	/* parse -> params -> write gives the same bytes */
	pi_cs_cd_params q;
	memset(&q, 0, sizeof q);
	q.version = cd.version;
	q.flags = cd.flags;
	q.identifier = cd.identifier;
	q.team = cd.team_offset ? cd.team : NULL;
	q.code_limit = cd.code_limit;
	q.page_shift = cd.page_shift;
	q.hash_type = cd.hash_type;
	q.hash_size = cd.hash_size;
	q.platform = cd.platform;
	q.nspecial = cd.nspecial;
	for (uint32_t k = 1; k <= cd.nspecial; k++)
		memcpy(q.special[k], pi_cs_cd_special(&cd, k), 32);
	q.exec_base = cd.exec_base;
	q.exec_limit = cd.exec_limit;
	q.exec_flags = cd.exec_flags;
	q.runtime = cd.runtime;
	CHECK_EQ_U64(pi_cs_cd_size(&q), size);
	uint32_t ho2 = pi_cs_cd_write(&q, again);
	CHECK_EQ_U64(ho2, ho);
	memcpy(again + ho2, pi_cs_cd_code(&cd, 0), (size_t)(ncode * 32));
	if (!CHECK_MEM(again, out, size))
		fprintf(stderr, "  (%s)\n", what);
	free(out);
	free(again);
}

static void test_cd_roundtrip(void)
{
	CHECK_EQ_U64(pi_cs_cd_header_size(0x20001), 44);
	CHECK_EQ_U64(pi_cs_cd_header_size(0x20100), 48);
	CHECK_EQ_U64(pi_cs_cd_header_size(0x20200), 52);
	CHECK_EQ_U64(pi_cs_cd_header_size(0x20300), 64);
	CHECK_EQ_U64(pi_cs_cd_header_size(0x20400), 88);
	CHECK_EQ_U64(pi_cs_cd_header_size(0x20500), 96);
	CHECK_EQ_U64(pi_cs_cd_header_size(0x20600), 108);

	pi_cs_cd_params p;
	base_params(&p);
	CHECK_EQ_U64(pi_cs_cd_ncode(&p), 3);
	/* 88 + "com.example.tool\0" (17) + 2*32 special + 3*32 code */
	roundtrip(&p, 88 + 17 + 64 + 96, 88 + 17 + 64, "0x20400, no team");

	base_params(&p);
	p.version = 0x20500;
	p.flags = 0x10002;
	p.runtime = 0x0e0500;
	roundtrip(&p, 96 + 17 + 64 + 96, 96 + 17 + 64, "0x20500, no team");

	base_params(&p);
	p.version = 0x20500;
	p.flags = 0x10000;
	p.runtime = 0x1a0500;
	p.team = "Q6L2SF6YDW";
	p.nspecial = 7;
	for (int k = 3; k <= 7; k++)
		fill_hash(p.special[k], (uint8_t)(k * 16));
	p.exec_flags = 0x41;
	/* the Developer ID sample: identOffset 96, team at 96 + len + 1 */
	roundtrip(&p, 96 + 17 + 11 + 7 * 32 + 96, 96 + 17 + 11 + 7 * 32, "0x20500, team");

	base_params(&p);
	p.team = "TEAM1";
	p.platform = 0;
	roundtrip(&p, 88 + 17 + 6 + 64 + 96, 88 + 17 + 6 + 64, "0x20400, team");

	/* a code limit above 4 GiB: codeLimit = 0xffffffff, codeLimit64 holds it
	 * (64 KiB pages keep the slot count small) */
	base_params(&p);
	p.code_limit = 0x100001000ull;
	p.page_shift = 16;
	CHECK_EQ_U64(pi_cs_cd_ncode(&p), 0x10001);
	roundtrip(&p, 88 + 17 + 64 + 0x10001ull * 32, 88 + 17 + 64, "codeLimit64");
	uint8_t *out = malloc((size_t)pi_cs_cd_size(&p));
	pi_cs_cd_write(&p, out);
	static const uint8_t cl32[4] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t cl64[8] = { 0, 0, 0, 1, 0, 0, 0x10, 0 };
	CHECK_MEM(out + 32, cl32, 4);
	CHECK_MEM(out + 56, cl64, 8);
	free(out);
	/* exactly 4 GiB - 1 still fits the 32-bit field */
	base_params(&p);
	p.code_limit = 0xffffffffull;
	p.page_shift = 20;
	out = malloc((size_t)pi_cs_cd_size(&p));
	pi_cs_cd_write(&p, out);
	CHECK_MEM(out + 32, cl32, 4);
	static const uint8_t zero8[8] = { 0 };
	CHECK_MEM(out + 56, zero8, 8);
	free(out);

	/* the fixed header bytes of a known CD */
	base_params(&p);
	out = malloc((size_t)pi_cs_cd_size(&p));
	pi_cs_cd_write(&p, out);
	static const uint8_t head[40] = {
		0xfa, 0xde, 0x0c, 0x02, 0, 0, 0x01, 0x09, /* magic, length 265 */
		0, 2, 4, 0, 0, 0, 0, 2,                   /* version 0x20400, flags adhoc */
		0, 0, 0, 169, 0, 0, 0, 88,                /* hashOffset, identOffset */
		0, 0, 0, 2, 0, 0, 0, 3,                   /* nSpecialSlots, nCodeSlots */
		0, 0, 0x27, 0x10, 32, 2, 0, 12,           /* codeLimit 10000, hash 32/2, platform, page */
	};
	CHECK_MEM(out, head, 40);
	CHECK_MEM(out + 88, "com.example.tool", 17);
	static const uint8_t exec[24] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0,
	                                  0, 0, 0, 0, 0, 0, 0, 1 };
	CHECK_MEM(out + 64, exec, 24);
	free(out);
}

static void test_cd_parse_errors(void)
{
	pi_cs_cd_params p;
	base_params(&p);
	uint64_t size = pi_cs_cd_size(&p);
	uint8_t *b = malloc((size_t)size);
	pi_cs_cd cd;
	char why[160];
	pi_cur c = pi_cur_make(b, size, 0);

	pi_cs_cd_write(&p, b);
	b[3] = 0x03;
	CHECK(!pi_cs_cd_parse(&c, &cd, why, sizeof why));
	CHECK_STR(why, "CodeDirectory magic is wrong");

	pi_cs_cd_write(&p, b);
	pi_put_u32be(b + 4, (uint32_t)size + 1);
	CHECK(!pi_cs_cd_parse(&c, &cd, why, sizeof why));
	CHECK_STR(why, "CodeDirectory length 266 does not fit its blob (265 bytes)");

	pi_cs_cd_write(&p, b);
	pi_put_u32be(b + 8, 0x10000);
	CHECK(!pi_cs_cd_parse(&c, &cd, why, sizeof why));
	CHECK_STR(why, "CodeDirectory version 0x10000 is not one Apple accepts");

	pi_cs_cd_write(&p, b);
	pi_put_u32be(b + 20, (uint32_t)size - 2); /* identifier runs off the end */
	memset(b + size - 2, 'x', 2);
	CHECK(!pi_cs_cd_parse(&c, &cd, why, sizeof why));
	CHECK_STR(why, "CodeDirectory identifier at 263 is not a terminated string");

	pi_cs_cd_write(&p, b);
	pi_put_u32be(b + 28, 1000); /* nCodeSlots past the blob */
	CHECK(!pi_cs_cd_parse(&c, &cd, why, sizeof why));
	CHECK_STR(why, "CodeDirectory slot counts (2 special, 1000 code) exceed the blob");

	pi_cs_cd_write(&p, b);
	pi_put_u32be(b + 24, 0x08000000); /* nSpecialSlots * 32 > hashOffset */
	CHECK(!pi_cs_cd_parse(&c, &cd, why, sizeof why));
	CHECK_STR(why, "CodeDirectory slot counts (134217728 special, 3 code) exceed the blob");

	pi_cs_cd_write(&p, b);
	pi_put_u32be(b + 16, 0xfffffff0); /* hashOffset itself past the end */
	CHECK(!pi_cs_cd_parse(&c, &cd, why, sizeof why));
	CHECK_CONTAINS(why, "exceed the blob");

	pi_cs_cd_write(&p, b);
	b[36] = 0;
	CHECK(!pi_cs_cd_parse(&c, &cd, why, sizeof why));
	CHECK_STR(why, "CodeDirectory hash size 0 is not valid");

	/* a 0x20500 header in a blob shorter than 96 bytes */
	pi_cs_cd_write(&p, b);
	pi_put_u32be(b + 8, 0x20500);
	pi_put_u32be(b + 4, 90);
	pi_cur c90 = pi_cur_make(b, 90, 0);
	CHECK(!pi_cs_cd_parse(&c90, &cd, why, sizeof why));
	CHECK_STR(why, "CodeDirectory length 90 is shorter than its 0x20500 header");
	free(b);
}

static uint8_t *make_cd(const char *ident, uint32_t *len)
{
	pi_cs_cd_params p;
	base_params(&p);
	p.identifier = ident;
	uint64_t size = pi_cs_cd_size(&p);
	uint8_t *b = malloc((size_t)size);
	uint32_t ho = pi_cs_cd_write(&p, b);
	for (uint32_t i = 0; i < 3; i++)
		fill_hash(b + ho + 32 * i, (uint8_t)i);
	*len = (uint32_t)size;
	return b;
}

static const uint8_t ent_xml[] = { 0xfa, 0xde, 0x71, 0x71, 0, 0, 0, 16, '<', 'p', 'l', 'i', 's', 't', '/', '>' };

/* A SuperBlob of CD, requirements, XML entitlements, CMS, in `buf` (zeroed
 * to buf_len); returns its length, and the CD in *cd_out. */
static uint32_t make_sig(uint8_t *buf, size_t buf_len, uint8_t **cd_out, uint32_t *cd_len)
{
	uint8_t *cd = make_cd("com.example.tool", cd_len);
	pi_cs_part parts[4] = {
		{ 0, cd, *cd_len },
		{ 2, pi_cs_empty_requirements, 12 },
		{ 5, ent_xml, sizeof ent_xml },
		{ 0x10000, pi_cs_empty_cms, 8 },
	};
	uint64_t n = pi_cs_superblob_size(parts, 4);
	memset(buf, 0, buf_len);
	if (n <= buf_len)
		pi_cs_superblob_write(parts, 4, buf);
	*cd_out = cd;
	return (uint32_t)n;
}

static void test_superblob(void)
{
	uint8_t buf[1024], again[1024];
	uint8_t *cd;
	uint32_t cdlen;
	uint32_t n = make_sig(buf, sizeof buf, &cd, &cdlen);
	CHECK_EQ_U64(cdlen, 265);
	CHECK_EQ_U64(n, 12 + 32 + 265 + 12 + 16 + 8);
	static const uint8_t head[20] = { 0xfa, 0xde, 0x0c, 0xc0, 0, 0, 0x01, 0x59, 0, 0, 0, 4,
	                                  0, 0, 0, 0, 0, 0, 0, 44 };
	CHECK_MEM(buf, head, 20);

	/* parse a datasize larger than the SuperBlob (stale bytes after it are
	 * never looked at) */
	memset(buf + n, 0x5e, 64);
	pi_cur c = pi_cur_make(buf, n + 64, 0x5100);
	pi_cs_sig sig;
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 0);
	CHECK_STR(sig.damage, "");
	CHECK_EQ_U64(sig.length, n);
	CHECK_EQ_U64(sig.count, 4);
	CHECK_EQ_U64(sig.abs_off, 0x5100);
	CHECK_EQ_U64(sig.nblobs, 4);
	static const uint32_t types[4] = { 0, 2, 5, 0x10000 };
	static const uint32_t magics[4] = { 0xfade0c02, 0xfade0c01, 0xfade7171, 0xfade0b01 };
	const uint8_t *want[4] = { cd, pi_cs_empty_requirements, ent_xml, pi_cs_empty_cms };
	const uint32_t lens[4] = { cdlen, 12, sizeof ent_xml, 8 };
	uint32_t off = 44;
	for (int i = 0; i < 4; i++) {
		CHECK_EQ_U64(sig.blobs[i].type, types[i]);
		CHECK_EQ_U64(sig.blobs[i].magic, magics[i]);
		CHECK_EQ_U64(sig.blobs[i].len, lens[i]);
		CHECK(sig.blobs[i].p == buf + off);
		CHECK_MEM(sig.blobs[i].p, want[i], lens[i]);
		CHECK_EQ_U64(sig.blobs[i].abs_off, 0x5100 + off);
		off += lens[i];
	}
	CHECK_EQ_U64(sig.has_cd, 1);
	CHECK_EQ_U64(sig.ncds, 1);
	CHECK_STR(sig.cds[0].identifier, "com.example.tool");
	CHECK_EQ_U64(sig.cds[0].abs_off, 0x5100 + 44);
	CHECK_EQ_U64(sig.cds[0].ncode, 3);
	CHECK(pi_cs_sig_blob(&sig, 5) == &sig.blobs[2]);
	CHECK(pi_cs_sig_blob(&sig, 7) == NULL);

	/* write again from the parsed blobs: the same bytes */
	pi_cs_part parts[4];
	for (int i = 0; i < 4; i++)
		parts[i] = (pi_cs_part){ sig.blobs[i].type, sig.blobs[i].p, sig.blobs[i].len };
	CHECK_EQ_U64(pi_cs_superblob_size(parts, 4), n);
	pi_cs_superblob_write(parts, 4, again);
	CHECK_MEM(again, buf, n);

	/* primary CD listed after an alternate: cds[0] is still the primary */
	uint32_t altlen;
	uint8_t *alt = make_cd("alternate", &altlen);
	pi_cs_part two[3] = { { 0x1000, alt, altlen }, { 0, cd, cdlen }, { 0x10000, pi_cs_empty_cms, 8 } };
	uint64_t n2 = pi_cs_superblob_size(two, 3);
	pi_cs_superblob_write(two, 3, again);
	c = pi_cur_make(again, n2, 0);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 0);
	CHECK_EQ_U64(sig.ncds, 2);
	CHECK_EQ_U64(sig.has_cd, 1);
	CHECK_STR(sig.cds[0].identifier, "com.example.tool");
	CHECK_STR(sig.cds[1].identifier, "alternate");
	/* only an alternate: parsed, but no primary, so damaged */
	pi_cs_part one[1] = { { 0x1000, alt, altlen } };
	pi_cs_superblob_write(one, 1, again);
	c = pi_cur_make(again, pi_cs_superblob_size(one, 1), 0);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.ncds, 1);
	CHECK_EQ_U64(sig.has_cd, 0);
	CHECK_EQ_U64(sig.damaged, 1);
	CHECK_STR(sig.damage, "the code signature has no usable CodeDirectory");
	free(alt);
	free(cd);
}

static void test_damaged(void)
{
	uint8_t buf[1024];
	uint8_t *cd;
	uint32_t cdlen;
	pi_cs_sig sig;
	uint32_t n = make_sig(buf, sizeof buf, &cd, &cdlen);
	free(cd);
	pi_cur c = pi_cur_make(buf, n, 0x8000);

	/* SuperBlob length past datasize: warn, use what lies inside */
	pi_put_u32be(buf + 4, n + 100);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 1);
	CHECK_EQ_U64(sig.damage_off, 0x8004);
	char want[160];
	snprintf(want, sizeof want, "SuperBlob length %u runs past LC_CODE_SIGNATURE's datasize %u",
	         n + 100, n);
	CHECK_STR(sig.damage, want);
	CHECK_EQ_U64(sig.has_cd, 1);
	CHECK_EQ_U64(sig.nblobs, 4);
	CHECK(pi_cs_sig_blob(&sig, 5) != NULL);

	/* a blob offset past the end */
	make_sig(buf, sizeof buf, &cd, &cdlen);
	free(cd);
	pi_put_u32be(buf + 12 + 8 + 4, 0xfffff0);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 1);
	CHECK_STR(sig.damage, "signature blob #1 (slot 0x2) runs past the SuperBlob");
	CHECK_EQ_U64(sig.damage_off, 0x8000 + 20);
	CHECK(pi_cs_sig_blob(&sig, 2) == NULL);
	CHECK(pi_cs_sig_blob(&sig, 5) != NULL);
	CHECK_EQ_U64(sig.has_cd, 1);
	/* 0xffffffff: offset + 4 must not wrap */
	pi_put_u32be(buf + 12 + 8 + 4, 0xffffffff);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 1);
	CHECK(pi_cs_sig_blob(&sig, 2) == NULL);

	/* a blob length past the end */
	make_sig(buf, sizeof buf, &cd, &cdlen);
	free(cd);
	pi_put_u32be(buf + 44 + cdlen + 4, 0x7fffffff);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 1);
	CHECK_STR(sig.damage, "signature blob #1 (slot 0x2) runs past the SuperBlob");
	/* a blob length below its own header */
	pi_put_u32be(buf + 44 + cdlen + 4, 4);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 1);
	CHECK(pi_cs_sig_blob(&sig, 2) == NULL);

	/* CD slot counts exceeding the CD blob */
	make_sig(buf, sizeof buf, &cd, &cdlen);
	free(cd);
	pi_put_u32be(buf + 44 + 28, 1000);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 1);
	CHECK_STR(sig.damage, "CodeDirectory slot counts (2 special, 1000 code) exceed the blob");
	CHECK_EQ_U64(sig.damage_off, 0x8000 + 44);
	CHECK_EQ_U64(sig.has_cd, 0);
	CHECK_EQ_U64(sig.ncds, 0);
	CHECK(pi_cs_sig_blob(&sig, 0) != NULL); /* the blob itself is in bounds */
	CHECK(pi_cs_sig_blob(&sig, 5) != NULL);
	make_sig(buf, sizeof buf, &cd, &cdlen);
	free(cd);
	pi_put_u32be(buf + 44 + 24, 0xffffffff);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 1);
	CHECK_CONTAINS(sig.damage, "special, 3 code) exceed the blob");
	CHECK_EQ_U64(sig.has_cd, 0);

	/* index count past the length */
	make_sig(buf, sizeof buf, &cd, &cdlen);
	free(cd);
	pi_put_u32be(buf + 8, 0x10000000);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 1);
	CHECK_STR(sig.damage, "SuperBlob count 268435456 runs past its length");
	CHECK_EQ_U64(sig.damage_off, 0x8008);
	CHECK(sig.nblobs <= PI_CS_MAX_BLOBS);
	CHECK_EQ_U64(sig.has_cd, 1);

	/* not a SuperBlob at all, and too short for its header */
	make_sig(buf, sizeof buf, &cd, &cdlen);
	free(cd);
	buf[3] = 0xc1;
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_E_MALFORMED);
	CHECK_EQ_U64(sig.damaged, 1);
	CHECK_STR(sig.damage, "code signature magic 0xfade0cc1 is not an embedded signature");
	buf[3] = 0xc0;
	pi_cur shortc = pi_cur_make(buf, 11, 0);
	CHECK_EQ_U64(pi_cs_sig_parse(&shortc, &sig), PI_E_MALFORMED);
	CHECK_EQ_U64(sig.damaged, 1);
	CHECK_STR(sig.damage, "code signature is shorter than a SuperBlob header");
	/* length below the header */
	pi_put_u32be(buf + 4, 8);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 1);

	/* random damage never reads outside the buffer: every blob kept lies
	 * inside the datasize */
	uint32_t x = 7;
	int outside = 0, bad_status = 0;
	for (int round = 0; round < 3000; round++) {
		make_sig(buf, sizeof buf, &cd, &cdlen);
		free(cd);
		for (int k = 0; k < 3; k++) {
			x = x * 1103515245u + 12345u;
			uint32_t at = (x >> 8) % n;
			buf[at] ^= (uint8_t)(1u << ((x >> 4) & 7));
			if ((x & 0x300) == 0)
				buf[at] = 0xff;
		}
		pi_status st = pi_cs_sig_parse(&c, &sig);
		if (st != PI_OK && st != PI_E_MALFORMED)
			bad_status++;
		for (uint32_t i = 0; i < sig.nblobs; i++) {
			const pi_cs_blobref *b = &sig.blobs[i];
			if (b->p && (b->p < buf || b->p + b->len > buf + n))
				outside++;
		}
		for (uint32_t i = 0; i < sig.ncds; i++)
			if (sig.cds[i].p < buf || sig.cds[i].p + sig.cds[i].length > buf + n ||
			    (uint64_t)sig.cds[i].hash_offset + (uint64_t)sig.cds[i].ncode * sig.cds[i].hash_size >
			        sig.cds[i].length)
				outside++;
	}
	CHECK_EQ_U64(outside, 0);
	CHECK_EQ_U64(bad_status, 0);
}

static void test_vectors(void)
{
	uint8_t h[32];
	char hex[65];
	CHECK(pi_sha256(pi_cs_empty_requirements, sizeof pi_cs_empty_requirements, h));
	pi_hex(h, 32, hex);
	CHECK_STR(hex, "987920904eab650e75788c054aa0b0524e6a80bfc71aa32df8d237a61743f986");
	CHECK(pi_sha256(pi_cs_empty_cms, sizeof pi_cs_empty_cms, h));
	pi_hex(h, 32, hex);
	CHECK_STR(hex, "e6c83bc98a10348492c7d4d2378a54572ef29e1a5692ccd02b5e29f4b762d6a0");
	static const uint8_t req[12] = { 0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 12, 0, 0, 0, 0 };
	static const uint8_t cms[8] = { 0xfa, 0xde, 0x0b, 0x01, 0, 0, 0, 8 };
	CHECK_MEM(pi_cs_empty_requirements, req, 12);
	CHECK_MEM(pi_cs_empty_cms, cms, 8);
	/* SHA-256("abc"), FIPS 180-2 */
	CHECK(pi_sha256("abc", 3, h));
	pi_hex(h, 32, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* ---- the signer ---- */

#define CODE_LEN 10000u

/* The bytes to sign: a private read-only mapping of a temporary file, as
 * the product maps its input (file_io.c).  The signer drops hashed pages of
 * its source with MADV_DONTNEED, which is harmless for a file mapping (they
 * fault back from the file) but would zero anonymous memory; `ref` is a
 * separate copy the expected values come from. */
static const uint8_t *code;
static uint8_t ref[CODE_LEN];

static const uint8_t *map_code(void)
{
	char buf[4096];
	const char *tmp = getenv("TMPDIR");
	snprintf(buf, sizeof buf, "%s/pi-test-cs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(buf);
	if (fd < 0)
		return NULL;
	unlink(buf);
	const uint8_t *p = NULL;
	if (write(fd, ref, CODE_LEN) == (ssize_t)CODE_LEN) {
		void *m = mmap(NULL, CODE_LEN, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED)
			p = m;
	}
	close(fd);
	return p;
}
static const char plist[] = "<?xml version=\"1.0\"?><plist><dict/></plist>\n";

static void sign_params(pi_sign_params *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->identifier = "com.example.tool";
	sp->flags = 0x20000; /* linker-signed: must be cleared */
	sp->exec_base = 0;
	sp->exec_limit = 0x2000;
	sp->exec_flags = 1;
	sp->code_limit = CODE_LEN;
	sp->plist = (const uint8_t *)plist;
	sp->plist_len = sizeof plist - 1;
	sp->threads = 2;
}

/* Sign ov with sp into a fresh buffer of align16(size) bytes and parse it. */
static uint8_t *sign_and_parse(const pi_sign_params *sp, const pi_overlay *ov, uint64_t *size,
                               pi_cs_sig *sig)
{
	*size = pi_cs_sign_size(sp);
	uint64_t cap = (*size + 15) & ~15ull;
	uint8_t *out = malloc((size_t)cap);
	memset(out, 0xcc, (size_t)cap);
	pi_diag d;
	pi_diag_init(&d, "t", NULL);
	if (!CHECK_EQ_U64(pi_cs_sign(sp, ov, out, cap, &d), PI_OK))
		fprintf(stderr, "  %s\n", d.msg);
	int zero = 1;
	for (uint64_t i = *size; i < cap; i++)
		zero &= out[i] == 0;
	CHECK(zero);
	pi_cur c = pi_cur_make(out, cap, 0);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, sig), PI_OK);
	CHECK_EQ_U64(sig->damaged, 0);
	CHECK_EQ_U64(sig->length, *size);
	return out;
}

static void test_sign(void)
{
	for (unsigned i = 0; i < CODE_LEN; i++)
		ref[i] = (uint8_t)(i * 31 + (i >> 8));
	code = map_code();
	if (!CHECK(code != NULL))
		return;
	pi_overlay ov;
	CHECK(pi_ov_init(&ov, code, CODE_LEN, 0));
	pi_sign_params sp;
	sign_params(&sp);

	/* size: 12 + 8*3 + CD(88 + 17 + 2*32 + 3*32) + requirements 12 + CMS 8 */
	uint64_t size;
	pi_cs_sig sig;
	uint8_t *out = sign_and_parse(&sp, &ov, &size, &sig);
	CHECK_EQ_U64(size, 12 + 24 + 265 + 12 + 8);
	CHECK_EQ_U64(sig.count, 3);
	CHECK_EQ_U64(sig.blobs[0].type, 0);
	CHECK_EQ_U64(sig.blobs[1].type, 2);
	CHECK_EQ_U64(sig.blobs[2].type, 0x10000);
	CHECK_EQ_U64(sig.blobs[0].abs_off, 36);
	CHECK_MEM(sig.blobs[1].p, pi_cs_empty_requirements, 12);
	CHECK_EQ_U64(sig.blobs[1].len, 12);
	CHECK_MEM(sig.blobs[2].p, pi_cs_empty_cms, 8);
	const pi_cs_cd *cd = &sig.cds[0];
	CHECK_EQ_U64(sig.has_cd, 1);
	CHECK_EQ_U64(cd->version, 0x20400);
	CHECK_EQ_U64(cd->flags, 0x2);
	CHECK((cd->flags & 0x2) != 0);
	CHECK((cd->flags & 0x20000) == 0);
	CHECK_EQ_U64(cd->ncode, 3);
	CHECK_EQ_U64(cd->nspecial, 2);
	CHECK_EQ_U64(cd->code_limit, CODE_LEN);
	CHECK_EQ_U64(cd->hash_size, 32);
	CHECK_EQ_U64(cd->hash_type, 2);
	CHECK_EQ_U64(cd->page_shift, 12);
	CHECK_EQ_U64(cd->platform, 0);
	CHECK_EQ_U64(cd->team_offset, 0);
	CHECK_EQ_U64(cd->exec_base, 0);
	CHECK_EQ_U64(cd->exec_limit, 0x2000);
	CHECK_EQ_U64(cd->exec_flags, 1);
	CHECK_STR(cd->identifier, "com.example.tool");
	uint8_t h[32];
	pi_sha256(ref, 4096, h);
	CHECK_MEM(pi_cs_cd_code(cd, 0), h, 32);
	pi_sha256(ref + 4096, 4096, h);
	CHECK_MEM(pi_cs_cd_code(cd, 1), h, 32);
	pi_sha256(ref + 8192, CODE_LEN - 8192, h); /* the last page is short */
	CHECK_MEM(pi_cs_cd_code(cd, 2), h, 32);
	pi_sha256(plist, sizeof plist - 1, h);
	CHECK_MEM(pi_cs_cd_special(cd, 1), h, 32);
	char hex[65];
	pi_hex(pi_cs_cd_special(cd, 2), 32, hex);
	CHECK_STR(hex, "987920904eab650e75788c054aa0b0524e6a80bfc71aa32df8d237a61743f986");

	/* one thread gives the same bytes */
	sp.threads = 1;
	uint64_t size1;
	pi_cs_sig sig1;
	uint8_t *out1 = sign_and_parse(&sp, &ov, &size1, &sig1);
	CHECK_EQ_U64(size1, size);
	CHECK_MEM(out1, out, size);
	free(out1);
	sp.threads = 8; /* more threads than pages */
	out1 = sign_and_parse(&sp, &ov, &size1, &sig1);
	CHECK_MEM(out1, out, size);
	free(out1);
	free(out);

	/* too small an output buffer is refused */
	uint8_t small[64];
	pi_diag d;
	pi_diag_init(&d, "t", NULL);
	CHECK_EQ_U64(pi_cs_sign(&sp, &ov, small, sizeof small, &d), PI_E_INTERNAL);
	CHECK_CONTAINS(d.msg, "signature needs 321 bytes, 64 reserved");

	/* hardened runtime: version 0x20500, 8 bytes more */
	sign_params(&sp);
	sp.flags = 0x10000 | 0x20000 | 0x2;
	out = sign_and_parse(&sp, &ov, &size, &sig);
	CHECK_EQ_U64(size, 321 + 8);
	CHECK_EQ_U64(sig.cds[0].version, 0x20500);
	CHECK_EQ_U64(sig.cds[0].flags, 0x10002);
	CHECK_EQ_U64(sig.cds[0].runtime, 0);
	CHECK_EQ_U64(sig.cds[0].ident_offset, 96);
	free(out);
	/* a kept runtime version without the flag also needs 0x20500 */
	sign_params(&sp);
	sp.runtime = 0x0e0500;
	out = sign_and_parse(&sp, &ov, &size, &sig);
	CHECK_EQ_U64(sig.cds[0].version, 0x20500);
	CHECK_EQ_U64(sig.cds[0].runtime, 0x0e0500);
	CHECK_EQ_U64(sig.cds[0].flags, 0x2);
	free(out);

	/* no plist: slot 1 is empty (zeros) */
	sign_params(&sp);
	sp.plist = NULL;
	sp.plist_len = 0;
	out = sign_and_parse(&sp, &ov, &size, &sig);
	static const uint8_t z32[32] = { 0 };
	CHECK_EQ_U64(sig.cds[0].nspecial, 2);
	CHECK_MEM(pi_cs_cd_special(&sig.cds[0], 1), z32, 32);
	free(out);

	/* entitlements: slots 5 and 7 hash the blobs, 3, 4 and 6 are empty */
	static const uint8_t der[12] = { 0xfa, 0xde, 0x71, 0x72, 0, 0, 0, 12, 0x70, 0x02, 0x05, 0x00 };
	sign_params(&sp);
	sp.ent_xml = (pi_bytes){ ent_xml, sizeof ent_xml };
	sp.ent_der = (pi_bytes){ der, sizeof der };
	out = sign_and_parse(&sp, &ov, &size, &sig);
	CHECK_EQ_U64(size, 12 + 8 * 5 + (88 + 17 + 7 * 32 + 3 * 32) + 12 + 16 + 12 + 8);
	CHECK_EQ_U64(sig.count, 5);
	CHECK_EQ_U64(sig.blobs[2].type, 5);
	CHECK_EQ_U64(sig.blobs[3].type, 7);
	CHECK_EQ_U64(sig.blobs[4].type, 0x10000);
	CHECK_MEM(sig.blobs[2].p, ent_xml, sizeof ent_xml);
	CHECK_MEM(sig.blobs[3].p, der, sizeof der);
	CHECK_EQ_U64(sig.cds[0].nspecial, 7);
	pi_sha256(ent_xml, sizeof ent_xml, h);
	CHECK_MEM(pi_cs_cd_special(&sig.cds[0], 5), h, 32);
	pi_sha256(der, sizeof der, h);
	CHECK_MEM(pi_cs_cd_special(&sig.cds[0], 7), h, 32);
	CHECK_MEM(pi_cs_cd_special(&sig.cds[0], 3), z32, 32);
	CHECK_MEM(pi_cs_cd_special(&sig.cds[0], 4), z32, 32);
	CHECK_MEM(pi_cs_cd_special(&sig.cds[0], 6), z32, 32);
	pi_sha256(plist, sizeof plist - 1, h);
	CHECK_MEM(pi_cs_cd_special(&sig.cds[0], 1), h, 32);
	free(out);

	/* pages are hashed through the overlay: a patch in page 1 changes slot
	 * 1 only, and a page exactly at a boundary is whole */
	pi_ov_patch(&ov, 5000, (const uint8_t *)"PATCHED", 7);
	sign_params(&sp);
	sp.code_limit = 8192;
	out = sign_and_parse(&sp, &ov, &size, &sig);
	CHECK_EQ_U64(sig.cds[0].ncode, 2);
	CHECK_EQ_U64(sig.cds[0].code_limit, 8192);
	uint8_t page[4096];
	memcpy(page, ref + 4096, 4096);
	memcpy(page + 5000 - 4096, "PATCHED", 7);
	pi_sha256(page, 4096, h);
	CHECK_MEM(pi_cs_cd_code(&sig.cds[0], 1), h, 32);
	pi_sha256(ref, 4096, h);
	CHECK_MEM(pi_cs_cd_code(&sig.cds[0], 0), h, 32);
	CHECK_EQ_U64(size, 12 + 24 + (88 + 17 + 64 + 64) + 12 + 8);
	free(out);
	pi_ov_free(&ov);
	/* the input reads back unchanged after all that hashing */
	CHECK_MEM(code, ref, CODE_LEN);
	munmap((void *)code, CODE_LEN);
}

/* What a fresh signature keeps from the old one (pi_sign_params_for): flags
 * less CS_LINKER_SIGNED and CS_VALID, runtime, exec-segment flags and the
 * entitlements; nothing from a linker signature; the main-binary bit from
 * the file type; the exec segment from __TEXT. */
static void test_sign_params_for(void)
{
	pi_segment segs[2];
	memset(segs, 0, sizeof segs);
	segs[1].fileoff = 0;
	segs[1].filesize = 0x8000;
	pi_slice sl;
	memset(&sl, 0, sizeof sl);
	sl.segs = segs;
	sl.nsegs = 2;
	sl.text = 1;
	sl.filetype = MH_EXECUTE;

	pi_cs_cd_params p;
	base_params(&p);
	p.version = CS_SUPPORTSRUNTIME;
	p.flags = CS_ADHOC | CS_RUNTIME | CS_VALID | CS_KILL;
	p.runtime = 0x0e0500;
	p.exec_flags = 0x10; /* a flag other than main-binary, kept */
	uint64_t cdsize = pi_cs_cd_size(&p);
	uint8_t *cd = calloc(1, (size_t)cdsize);
	pi_cs_cd_write(&p, cd);
	pi_cs_part parts[3] = {
		{ 0, cd, (uint32_t)cdsize },
		{ 2, pi_cs_empty_requirements, 12 },
		{ 5, ent_xml, sizeof ent_xml },
	};
	uint8_t buf[1024];
	uint64_t n = pi_cs_superblob_size(parts, 3);
	CHECK(n <= sizeof buf);
	pi_cs_superblob_write(parts, 3, buf);
	pi_cs_sig old;
	pi_cur c = pi_cur_make(buf, n, 0);
	pi_cs_sig_parse(&c, &old);
	CHECK(old.has_cd);

	static const uint8_t pl[] = "<plist/>";
	pi_sign_params sp;
	pi_sign_params_for(&sl, &old, "com.example.new", pl, 8, 3, &sp);
	CHECK(!strcmp(sp.identifier, "com.example.new"));
	CHECK_EQ_U64(sp.threads, 3);
	CHECK_EQ_U64(sp.flags, CS_ADHOC | CS_RUNTIME | CS_KILL);
	CHECK_EQ_U64(sp.runtime, 0x0e0500);
	CHECK_EQ_U64(sp.exec_base, 0);
	CHECK_EQ_U64(sp.exec_limit, 0x8000);
	CHECK_EQ_U64(sp.exec_flags, 0x10 | CS_EXECSEG_MAIN_BINARY);
	CHECK_EQ_U64(sp.ent_xml.len, sizeof ent_xml);
	CHECK(sp.ent_xml.p && !memcmp(sp.ent_xml.p, ent_xml, sizeof ent_xml));
	CHECK(!sp.ent_der.p && !sp.constraints[0].p);
	CHECK(sp.plist == pl && sp.plist_len == 8 && sp.code_limit == 0);

	/* a dylib: the main-binary bit goes, even when the old signature had it */
	sl.filetype = MH_DYLIB;
	old.cds[0].exec_flags |= CS_EXECSEG_MAIN_BINARY;
	pi_sign_params_for(&sl, &old, "x.y", NULL, 0, 1, &sp);
	CHECK_EQ_U64(sp.exec_flags, 0x10);

	/* a linker signature carries nothing over */
	old.cds[0].flags |= CS_LINKER_SIGNED;
	sl.filetype = MH_EXECUTE;
	pi_sign_params_for(&sl, &old, "x.y", NULL, 0, 1, &sp);
	CHECK_EQ_U64(sp.flags, 0);
	CHECK_EQ_U64(sp.runtime, 0);
	CHECK_EQ_U64(sp.exec_flags, CS_EXECSEG_MAIN_BINARY);
	CHECK(!sp.ent_xml.p);

	/* no old signature */
	pi_sign_params_for(&sl, NULL, "x.y", NULL, 0, 1, &sp);
	CHECK_EQ_U64(sp.flags, 0);
	CHECK_EQ_U64(sp.exec_flags, CS_EXECSEG_MAIN_BINARY);
	free(cd);
}

/* A certificate signature through cs_sign alone: a stand-in CMS step (no
 * OpenSSL) that records the CodeDirectory it is given and returns `give`
 * bytes of 0xab. */
typedef struct fake_cms {
	uint8_t cd[1024];
	size_t cd_len;
	size_t give;
	pi_status fail;
} fake_cms;

static pi_status fake_sign(void *ctx, const uint8_t *cd, size_t cd_len, uint64_t max, uint8_t **der,
                           size_t *der_len, pi_diag *d)
{
	fake_cms *f = ctx;
	(void)max;
	if (f->fail)
		return pi_fail(d, f->fail, PI_NO_OFFSET, "the TSA said no");
	f->cd_len = cd_len < sizeof f->cd ? cd_len : 0;
	memcpy(f->cd, cd, f->cd_len);
	*der = malloc(f->give);
	memset(*der, 0xab, f->give);
	*der_len = f->give;
	return PI_OK;
}

static void test_sign_certificate(void)
{
	static const uint8_t reqset[20] = { 0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 20 };
	for (unsigned i = 0; i < CODE_LEN; i++)
		ref[i] = (uint8_t)(i * 7 + 1);
	pi_overlay ov;
	CHECK(pi_ov_init(&ov, ref, CODE_LEN, 0));
	fake_cms f = { .give = 1000 };
	pi_cs_cms_cb cb = { fake_sign, &f };
	pi_sign_params sp;
	sign_params(&sp);
	sp.flags = CS_ADHOC | 0x20000; /* an old ad-hoc signature's flags: both go */
	sp.certificate = 1;
	sp.team = "TEAM1";
	sp.reqset = (pi_bytes){ reqset, sizeof reqset };
	sp.cms_reserve = 1200;
	sp.cms = &cb;
	/* 12 + 8*3 + CD(88 + 17 + 6 team + 2*32 + 3*32 = 271) + 20 + (8 + 1200) */
	uint64_t size = pi_cs_sign_size(&sp);
	CHECK_EQ_U64(size, 12 + 24 + 271 + 20 + 8 + 1200);
	uint8_t *out = malloc((size_t)size + 16);
	memset(out, 0xcc, (size_t)size + 16);
	pi_diag d;
	pi_diag_init(&d, "t", NULL);
	if (!CHECK_EQ_U64(pi_cs_sign(&sp, &ov, out, size + 16, &d), PI_OK))
		fprintf(stderr, "  %s\n", d.msg);
	pi_cs_sig sig;
	pi_cur c = pi_cur_make(out, size + 16, 0);
	CHECK_EQ_U64(pi_cs_sig_parse(&c, &sig), PI_OK);
	CHECK_EQ_U64(sig.damaged, 0);
	CHECK_EQ_U64(sig.length, size - 200); /* the actual length; the unused reserve stays zero */
	int zero = 1;
	for (uint64_t i = sig.length; i < size + 16; i++)
		zero &= out[i] == 0;
	CHECK(zero);
	const pi_cs_cd *cd = &sig.cds[0];
	CHECK_EQ_U64(cd->flags, 0);
	CHECK_STR(cd->team, "TEAM1");
	CHECK_EQ_U64(cd->version, 0x20400);
	CHECK_EQ_U64(cd->nspecial, 2);
	CHECK_EQ_U64(sig.blobs[1].len, 20);
	CHECK_MEM(sig.blobs[1].p, reqset, 20);
	uint8_t h[32];
	pi_sha256(reqset, sizeof reqset, h);
	CHECK_MEM(pi_cs_cd_special(cd, 2), h, 32);
	/* the CMS step saw the finished CodeDirectory, page hashes included */
	CHECK_EQ_U64(f.cd_len, cd->length);
	CHECK_MEM(f.cd, cd->p, cd->length);
	pi_sha256(ref, 4096, h);
	CHECK_MEM(pi_cs_cd_code(cd, 0), h, 32);
	const pi_cs_blobref *w = pi_cs_sig_blob(&sig, 0x10000);
	if (CHECK(w != NULL)) {
		CHECK_EQ_U64(w->magic, CSMAGIC_BLOBWRAPPER);
		CHECK_EQ_U64(w->len, 8 + 1000);
		CHECK_EQ_U64(w->p[8], 0xab);
		CHECK_EQ_U64(w->p[8 + 999], 0xab);
	}
	/* a CMS longer than its reserve fails loudly */
	f.give = 1201;
	pi_diag_init(&d, "t", NULL);
	CHECK_EQ_U64(pi_cs_sign(&sp, &ov, out, size + 16, &d), PI_E_INTERNAL);
	CHECK_CONTAINS(d.msg, "the CMS signature takes 1201 bytes, 1200 reserved");
	/* exactly the reserve fits, with nothing left over */
	f.give = 1200;
	pi_diag_init(&d, "t", NULL);
	CHECK_EQ_U64(pi_cs_sign(&sp, &ov, out, size, &d), PI_OK);
	pi_cur c2 = pi_cur_make(out, size, 0);
	CHECK_EQ_U64(pi_cs_sig_parse(&c2, &sig), PI_OK);
	CHECK_EQ_U64(sig.length, size);
	/* the CMS step's error is the signer's */
	f.fail = PI_E_EXTERNAL;
	pi_diag_init(&d, "t", NULL);
	CHECK_EQ_U64(pi_cs_sign(&sp, &ov, out, size, &d), PI_E_EXTERNAL);
	CHECK_CONTAINS(d.msg, "the TSA said no");
	/* no CMS step, or no reserve: not a size */
	sp.cms = NULL;
	CHECK_EQ_U64(pi_cs_sign_size(&sp), 0);
	sp.cms = &cb;
	sp.cms_reserve = 0;
	CHECK_EQ_U64(pi_cs_sign_size(&sp), 0);
	free(out);
	pi_ov_free(&ov);
}

int main(void)
{
	test_cd_roundtrip();
	test_cd_parse_errors();
	test_superblob();
	test_damaged();
	test_vectors();
	test_sign();
	test_sign_certificate();
	test_sign_params_for();
	return unit_done();
}
