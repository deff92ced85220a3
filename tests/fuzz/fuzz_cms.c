/* fuzz_cms.c - libFuzzer target: the CMS reader --check uses.
 *
 * The input is a BlobWrapper's payload (slot 0x10000 without its 8-byte
 * header).  pi_cms_parts_parse must return parts inside the input (traps
 * otherwise; each is read in full so ASan sees an over-read), and
 * pi_cms_verify (OpenSSL's decoder and verifier) and pi_cms_inspect (the
 * --check report: CDHashes, signer chain, the two DR templates) must return
 * without crashing against a fixed CodeDirectory. */
#include <stddef.h>
#include <stdint.h>

#include "../../src/cs_cms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void part(const uint8_t *data, size_t size, uint64_t off, uint64_t len)
{
	if (!len)
		return;
	if (off > size || len > size - off)
		__builtin_trap();
	uint8_t x = 0;
	for (uint64_t i = 0; i < len; i++)
		x ^= data[off + i];
	sink ^= x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pi_diag d;
	pi_diag_init(&d, "fuzz", NULL);
	d.quiet = 1;
	pi_cur c = pi_cur_make(data, size, 0x10000);
	pi_cms_parts pp;
	if (pi_cms_parts_parse(&c, &pp, &d) == PI_OK) {
		part(data, size, pp.certs_off, pp.certs_len);
		part(data, size, pp.signer_off, pp.signer_len);
		part(data, size, pp.attrs_off, pp.attrs_len);
		part(data, size, pp.sig_off, pp.sig_len);
		part(data, size, pp.unsigned_off, pp.unsigned_len);
		part(data, size, pp.token_off, pp.token_len);
		if (!pp.nsigners)
			__builtin_trap();
	}
	static const uint8_t cd[64] = { 0xfa, 0xde, 0x0c, 0x02, 0, 0, 0, 64 };
	char why[128];
	pi_cms_verify(&c, cd, sizeof cd, why, sizeof why);
	pi_cms_cd cds[2] = { { cd, sizeof cd, 2 }, { cd, 32, 1 } };
	pi_cs_req dr = { .kind = PI_CS_REQ_CERT_HASH, .identifier = "x", .slot = -1, .hash_len = 20 };
	pi_cs_req devid = { .kind = PI_CS_REQ_DEVELOPER_ID, .identifier = "x", .team = "T" };
	pi_cms_report r;
	pi_diag_init(&d, "fuzz", NULL);
	d.quiet = 1;
	pi_cms_inspect(&c, cds, 1 + (size & 1), (size & 2) ? &dr : &devid, "x", &r, &d);
	return 0;
}
