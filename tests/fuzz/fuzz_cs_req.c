/* fuzz_cs_req.c - libFuzzer target: the designated-requirement reader.
 *
 * The input is read as a requirements set (SuperBlob slot 2) and as one
 * requirement blob.  A result of one of our two templates must survive a
 * write and a second read unchanged, and what is written must be exactly
 * pi_cs_reqset_size bytes; anything else traps. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cs_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const pi_cs_req *r)
{
	if (r->kind != PI_CS_REQ_DEVELOPER_ID && r->kind != PI_CS_REQ_CERT_HASH)
		return;
	uint32_t n = pi_cs_reqset_size(r);
	if (!n)
		__builtin_trap(); /* a template we read must be writable */
	uint8_t *buf = malloc(n + 1);
	if (!buf)
		return;
	buf[n] = 0x5a;
	if (pi_cs_reqset_write(r, buf) != n || buf[n] != 0x5a)
		__builtin_trap();
	pi_diag d;
	pi_diag_init(&d, "fuzz", NULL);
	d.quiet = 1;
	pi_cs_req back;
	pi_cur c = pi_cur_make(buf, n, 0);
	if (pi_cs_reqset_parse(&c, &back, &d) != PI_OK || back.kind != r->kind ||
	    strcmp(back.identifier, r->identifier) != 0 || strcmp(back.team, r->team) != 0 ||
	    back.slot != r->slot || back.hash_len != r->hash_len || memcmp(back.hash, r->hash, r->hash_len) != 0)
		__builtin_trap();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pi_diag d;
	pi_diag_init(&d, "fuzz", NULL);
	d.quiet = 1;
	pi_cs_req r;
	pi_cur c = pi_cur_make(data, size, 0x8000);
	if (pi_cs_reqset_parse(&c, &r, &d) == PI_OK)
		roundtrip(&r);
	pi_diag_init(&d, "fuzz", NULL);
	d.quiet = 1;
	if (pi_cs_req_parse(&c, &r, &d) == PI_OK && r.kind != PI_CS_REQ_NONE && r.kind != PI_CS_REQ_OTHER) {
		/* the same requirement inside a set must read the same */
		roundtrip(&r);
	}
	return 0;
}
