/* fuzz_cms.c - libFuzzer target: the CMS reader --check uses.
 *
 * The input is a BlobWrapper's payload (slot 0x10000 without its 8-byte
 * header).  pi_cms_parts_parse must return parts inside the input (traps
 * otherwise; each is read in full so ASan sees an over-read), and
 * pi_cms_verify (OpenSSL's decoder and verifier) must return without
 * crashing against a fixed CodeDirectory. */
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
	return 0;
}
