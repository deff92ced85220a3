/* test_cs_req.c - the designated requirement (src/cs_req.c): the two
 * templates byte for byte (reference/code-signing-certificates.md 4.2 and
 * 4.3), reading them back, other shapes, and truncated or lying blobs; and
 * the BER walk of a CMS (src/cs_cms.c) on hand-made definite and
 * indefinite encodings. */
#include "../../src/cs_cms.h"
#include "../../src/cs_req.h"

#include <stdlib.h>

#include "unit.h"

/* claude 2.1.110's slot-2 blob, as the reference lists it (section 4.2). */
static const uint8_t claude_dr[188] = {
	0xfa, 0xde, 0x0c, 0x01, 0x00, 0x00, 0x00, 0xbc, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x14,
	0xfa, 0xde, 0x0c, 0x00, 0x00, 0x00, 0x00, 0xa8, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x06,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x19,
	'c', 'o', 'm', '.', 'a', 'n', 't', 'h', 'r', 'o', 'p', 'i', 'c', '.', 'c', 'l', 'a', 'u', 'd', 'e',
	'-', 'c', 'o', 'd', 'e', 0, 0, 0,
	0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x0f,
	0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0a,
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x02, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x01, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
	's', 'u', 'b', 'j', 'e', 'c', 't', '.', 'O', 'U', 0, 0,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0a,
	'Q', '6', 'L', '2', 'S', 'F', '6', 'Y', 'D', 'W', 0, 0,
};

static pi_cs_req devid(const char *id, const char *team)
{
	pi_cs_req r = { .kind = PI_CS_REQ_DEVELOPER_ID };
	snprintf(r.identifier, sizeof r.identifier, "%s", id);
	snprintf(r.team, sizeof r.team, "%s", team);
	return r;
}

static pi_status parse(const uint8_t *p, size_t n, pi_cs_req *r, pi_diag *d)
{
	pi_diag_init(d, "x", NULL);
	d->quiet = 1;
	pi_cur c = pi_cur_make(p, n, 0x1000);
	return pi_cs_reqset_parse(&c, r, d);
}

static void test_developer_id(void)
{
	pi_cs_req r = devid("com.anthropic.claude-code", "Q6L2SF6YDW");
	CHECK_EQ_U64(pi_cs_req_size(&r), 168);
	CHECK_EQ_U64(pi_cs_reqset_size(&r), sizeof claude_dr);
	uint8_t out[256];
	memset(out, 0xee, sizeof out);
	CHECK_EQ_U64(pi_cs_reqset_write(&r, out), sizeof claude_dr);
	CHECK_MEM(out, claude_dr, sizeof claude_dr);
	CHECK_EQ_U64(out[sizeof claude_dr], 0xee); /* nothing written past the end */
	/* identifiers of 1-4 bytes: 164 bytes (deno, node, bun) */
	pi_cs_req s = devid("deno", "2H4KBF436B");
	CHECK_EQ_U64(pi_cs_reqset_size(&s), 164);
	s = devid("bun", "7FRXF46ZSN");
	CHECK_EQ_U64(pi_cs_reqset_size(&s), 164);
	/* read back */
	pi_cs_req b;
	pi_diag d;
	CHECK_EQ_U64(parse(claude_dr, sizeof claude_dr, &b, &d), PI_OK);
	CHECK_EQ_U64(b.kind, PI_CS_REQ_DEVELOPER_ID);
	CHECK_STR(b.identifier, "com.anthropic.claude-code");
	CHECK_STR(b.team, "Q6L2SF6YDW");
	/* cannot be written: no team, no identifier */
	s = devid("x", "");
	CHECK_EQ_U64(pi_cs_reqset_size(&s), 0);
	s = devid("", "T");
	CHECK_EQ_U64(pi_cs_reqset_write(&s, out), 0);
	s.kind = PI_CS_REQ_OTHER;
	CHECK_EQ_U64(pi_cs_req_size(&s), 0);
}

static void test_cert_hash(void)
{
	pi_cs_req r = { .kind = PI_CS_REQ_CERT_HASH, .slot = -1, .hash_len = 20 };
	snprintf(r.identifier, sizeof r.identifier, "com.anthropic.claude-code");
	for (int i = 0; i < 20; i++)
		r.hash[i] = (uint8_t)(0xa0 + i);
	/* 76 + pad4(25) = 104 (section 4.3) */
	CHECK_EQ_U64(pi_cs_reqset_size(&r), 104);
	uint8_t out[128];
	CHECK_EQ_U64(pi_cs_reqset_write(&r, out), 104);
	/* header, then and(ident, anchorHash(-1, H)) */
	static const uint8_t head[] = { 0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 104, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 20,
	                                0xfa, 0xde, 0x0c, 0x00, 0, 0, 0, 84, 0, 0, 0, 1, 0, 0, 0, 6, 0, 0, 0, 2,
	                                0, 0, 0, 25 };
	CHECK_MEM(out, head, sizeof head);
	static const uint8_t tail[] = { 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 20 };
	CHECK_MEM(out + 72, tail, sizeof tail);
	CHECK_MEM(out + 84, r.hash, 20);
	pi_cs_req b;
	pi_diag d;
	CHECK_EQ_U64(parse(out, 104, &b, &d), PI_OK);
	CHECK_EQ_U64(b.kind, PI_CS_REQ_CERT_HASH);
	CHECK_EQ_U64((uint32_t)b.slot, 0xffffffffu);
	CHECK_EQ_U64(b.hash_len, 20);
	CHECK_MEM(b.hash, r.hash, 20);
	CHECK_STR(b.identifier, "com.anthropic.claude-code");
	/* leaf slot, short identifier: 76 + 4 */
	r.slot = 0;
	snprintf(r.identifier, sizeof r.identifier, "a");
	CHECK_EQ_U64(pi_cs_reqset_size(&r), 80);
	r.hash_len = 0;
	CHECK_EQ_U64(pi_cs_reqset_size(&r), 0);
}

/* Shapes outside the templates read as OTHER; an empty set as NONE. */
static void test_other_shapes(void)
{
	pi_cs_req b;
	pi_diag d;
	static const uint8_t empty[12] = { 0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 12, 0, 0, 0, 0 };
	CHECK_EQ_U64(parse(empty, sizeof empty, &b, &d), PI_OK);
	CHECK_EQ_U64(b.kind, PI_CS_REQ_NONE);
	/* cdhash H"..." (what a verifier synthesises for ad hoc) */
	uint8_t cdh[20 + 12 + 8 + 20] = { 0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 60, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 20,
	                                  0xfa, 0xde, 0x0c, 0x00, 0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 20 };
	CHECK_EQ_U64(parse(cdh, sizeof cdh, &b, &d), PI_OK);
	CHECK_EQ_U64(b.kind, PI_CS_REQ_OTHER);
	/* the Developer ID blob with `and` turned into `or` */
	uint8_t x[sizeof claude_dr];
	memcpy(x, claude_dr, sizeof x);
	x[35] = 7;
	CHECK_EQ_U64(parse(x, sizeof x, &b, &d), PI_OK);
	CHECK_EQ_U64(b.kind, PI_CS_REQ_OTHER);
	CHECK_STR(b.team, "");
	/* another OID in certificate 1 */
	memcpy(x, claude_dr, sizeof x);
	x[101] = 0x07;
	CHECK_EQ_U64(parse(x, sizeof x, &b, &d), PI_OK);
	CHECK_EQ_U64(b.kind, PI_CS_REQ_OTHER);
	/* the DR under another type (host) only */
	memcpy(x, claude_dr, sizeof x);
	x[15] = 1;
	CHECK_EQ_U64(parse(x, sizeof x, &b, &d), PI_OK);
	CHECK_EQ_U64(b.kind, PI_CS_REQ_NONE);
}

/* Every truncation and every lying length word is refused or read in
 * bounds; the refusals name an absolute offset inside the blob. */
static void test_malformed(void)
{
	pi_cs_req b;
	pi_diag d;
	unsigned refused = 0;
	for (size_t n = 0; n < sizeof claude_dr; n++) {
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, claude_dr, n);
		if (parse(p, n, &b, &d) == PI_E_MALFORMED)
			refused++;
		free(p);
	}
	CHECK_EQ_U64(refused, sizeof claude_dr);
	/* requirement length past the set */
	uint8_t x[sizeof claude_dr];
	memcpy(x, claude_dr, sizeof x);
	x[27] = 0xac;
	CHECK_EQ_U64(parse(x, sizeof x, &b, &d), PI_E_MALFORMED);
	CHECK_CONTAINS(d.msg, "requirements: entry 0 (designated) at offset 20 runs past the blob, at offset 0x1010");
	/* requirement length shorter than its header */
	x[27] = 8;
	CHECK_EQ_U64(parse(x, sizeof x, &b, &d), PI_E_MALFORMED);
	CHECK_CONTAINS(d.msg, "designated requirement: header runs past the blob, at offset 0x1014");
	/* identifier length past the requirement */
	memcpy(x, claude_dr, sizeof x);
	x[43] = 0xff;
	CHECK_EQ_U64(parse(x, sizeof x, &b, &d), PI_E_MALFORMED);
	CHECK_CONTAINS(d.msg, "data runs past the blob, at offset 0x1028");
	/* a huge count */
	memcpy(x, claude_dr, sizeof x);
	x[8] = 0x40;
	CHECK_EQ_U64(parse(x, sizeof x, &b, &d), PI_E_MALFORMED);
	CHECK_CONTAINS(d.msg, "index entries do not fit");
	/* an entry offset inside the index */
	memcpy(x, claude_dr, sizeof x);
	x[19] = 4;
	CHECK_EQ_U64(parse(x, sizeof x, &b, &d), PI_E_MALFORMED);
	/* deep nesting of `and` is cut off, not recursed without end */
	size_t n = 20 + 12 + 4 * 200;
	uint8_t *deep = calloc(1, n);
	memcpy(deep, claude_dr, 20);
	pi_put_u32be(deep + 4, (uint32_t)n);
	pi_put_u32be(deep + 20, PI_CS_REQ_MAGIC);
	pi_put_u32be(deep + 24, (uint32_t)n - 20);
	pi_put_u32be(deep + 28, 1);
	for (size_t i = 32; i < n; i += 4)
		pi_put_u32be(deep + i, 6);
	CHECK_EQ_U64(parse(deep, n, &b, &d), PI_E_MALFORMED);
	CHECK_CONTAINS(d.msg, "nested too deeply");
	free(deep);
	/* trailing bytes after the expression: not our template */
	uint8_t *t = calloc(1, sizeof claude_dr + 4);
	memcpy(t, claude_dr, sizeof claude_dr);
	pi_put_u32be(t + 4, sizeof claude_dr + 4);
	pi_put_u32be(t + 24, 172);
	CHECK_EQ_U64(parse(t, sizeof claude_dr + 4, &b, &d), PI_OK);
	CHECK_EQ_U64(b.kind, PI_CS_REQ_OTHER);
	free(t);
}

/* ---- the BER walk ---- */

/* A minimal SignedData: ContentInfo{signedData, [0] SignedData{version,
 * digestAlgorithms, encap{id-data}, [0]{cert, cert}, signerInfos{
 * SignerInfo{version, sid, digestAlg, [0] attrs, sigAlg, sig, [1]{tst}}}}}
 * written with definite lengths. */
static const uint8_t ber_def[] = {
	0x30, 0x6b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x5e, 0x30,
	0x5c, 0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
	0x01, 0x07, 0x01, 0xa0, 0x04, 0x30, 0x00, 0x30, 0x00, 0x31, 0x42, 0x30, 0x40, 0x02, 0x01, 0x01,
	0x30, 0x00, 0x30, 0x00, 0xa0, 0x02, 0x30, 0x00, 0x30, 0x00, 0x04, 0x04, 0xde, 0xad, 0xbe, 0xef,
	0xa1, 0x2b, 0x30, 0x29, 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02,
	0x0e, 0x31, 0x1a, 0x30, 0x18, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
	0xa0, 0x0b, 0x30, 0x09, 0x02, 0x01, 0x03, 0x31, 0x00, 0x30, 0x00, 0x31, 0x00,
};

static void test_ber(void)
{
	pi_diag d;
	pi_diag_init(&d, "x", NULL);
	pi_cms_parts pp;
	pi_cur c = pi_cur_make(ber_def, sizeof ber_def, 0x2000);
	if (!CHECK_EQ_U64(pi_cms_parts_parse(&c, &pp, &d), PI_OK))
		fprintf(stderr, "  %s\n", d.msg);
	CHECK_EQ_U64(pp.detached, 1);
	CHECK_EQ_U64(pp.ncerts, 2);
	CHECK_EQ_U64(pp.nsigners, 1);
	CHECK_EQ_U64(pp.attrs_off, 52);
	CHECK_EQ_U64(pp.attrs_len, 4);
	CHECK_EQ_U64(pp.sig_len, 4);
	CHECK_EQ_U64(ber_def[pp.sig_off], 0xde);
	CHECK_EQ_U64(pp.token_len, 26);
	CHECK_EQ_U64(ber_def[pp.token_off], 0x30);
	/* the same with every constructed length made indefinite */
	uint8_t ind[2 * sizeof ber_def];
	size_t n = 0;
	/* rewrite recursively: constructed -> 0x80 ... 00 00 */
	struct { size_t end; } stack[16];
	int sp = 0;
	size_t i = 0;
	while (i < sizeof ber_def) {
		while (sp && stack[sp - 1].end == i) {
			ind[n++] = 0;
			ind[n++] = 0;
			sp--;
		}
		uint8_t tag = ber_def[i], len = ber_def[i + 1];
		ind[n++] = tag;
		if (tag & 0x20) {
			ind[n++] = 0x80;
			stack[sp++].end = i + 2 + len;
			i += 2;
		} else {
			ind[n++] = len;
			memcpy(ind + n, ber_def + i + 2, len);
			n += len;
			i += 2 + len;
		}
	}
	while (sp--) {
		ind[n++] = 0;
		ind[n++] = 0;
	}
	c = pi_cur_make(ind, n, 0);
	pi_cms_parts q;
	if (!CHECK_EQ_U64(pi_cms_parts_parse(&c, &q, &d), PI_OK))
		fprintf(stderr, "  %s\n", d.msg);
	CHECK_EQ_U64(q.ncerts, 2);
	CHECK_EQ_U64(q.sig_len, 4);
	CHECK_EQ_U64(ind[q.sig_off], 0xde);
	CHECK_EQ_U64(q.attrs_len, 8); /* a0 80 30 80 00 00 00 00 */
	CHECK_EQ_U64(ind[q.token_off], 0x30);
	CHECK_EQ_U64(ind[q.token_off + q.token_len - 1], 0);
	/* every truncation of either form is refused with an offset */
	unsigned refused = 0, total = 0;
	for (size_t k = 0; k < sizeof ber_def; k++, total++) {
		pi_diag_init(&d, "x", NULL);
		c = pi_cur_make(ber_def, k, 0);
		refused += pi_cms_parts_parse(&c, &pp, &d) == PI_E_MALFORMED;
	}
	for (size_t k = 0; k < n; k++, total++) {
		pi_diag_init(&d, "x", NULL);
		c = pi_cur_make(ind, k, 0);
		refused += pi_cms_parts_parse(&c, &pp, &d) == PI_E_MALFORMED;
	}
	CHECK_EQ_U64(refused, total);
	/* not signedData */
	uint8_t x[sizeof ber_def];
	memcpy(x, ber_def, sizeof x);
	x[12] = 0x03;
	pi_diag_init(&d, "x", NULL);
	c = pi_cur_make(x, sizeof x, 0x2000);
	CHECK_EQ_U64(pi_cms_parts_parse(&c, &pp, &d), PI_E_MALFORMED);
	CHECK_CONTAINS(d.msg, "CMS signature: content type is not signedData, at offset 0x2002");
	/* an inner length past its parent */
	memcpy(x, ber_def, sizeof x);
	x[16] = 0x7f;
	pi_diag_init(&d, "x", NULL);
	CHECK_EQ_U64(pi_cms_parts_parse(&c, &pp, &d), PI_E_MALFORMED);
	CHECK_CONTAINS(d.msg, "element runs past its parent, at offset 0x200f");
}

int main(void)
{
	test_developer_id();
	test_cert_hash();
	test_other_shapes();
	test_malformed();
	test_ber();
	return unit_done();
}
