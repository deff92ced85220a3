/* fuzz_cs_blob.c - libFuzzer target: the code-signature parser.
 *
 * The input is the signature area (LC_CODE_SIGNATURE's dataoff..+datasize)
 * and, separately, one CodeDirectory blob.  Every blob, special slot and code
 * slot the parser hands back is read in full, so a pointer it returns
 * outside the input shows up under ASan. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../src/cs_blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void touch(const uint8_t *p, uint64_t n)
{
	uint8_t x = 0;
	for (uint64_t i = 0; i < n; i++)
		x ^= p[i];
	sink ^= x;
}

static void touch_cd(const pi_cs_cd *cd)
{
	touch(cd->p, cd->length);
	for (uint32_t k = 1; k <= cd->nspecial; k++) {
		const uint8_t *p = pi_cs_cd_special(cd, k);
		if (!p)
			__builtin_trap();
		touch(p, cd->hash_size);
	}
	for (uint32_t i = 0; i < cd->ncode; i++) {
		const uint8_t *p = pi_cs_cd_code(cd, i);
		if (!p)
			__builtin_trap();
		touch(p, cd->hash_size);
	}
	if (pi_cs_cd_special(cd, 0) || pi_cs_cd_special(cd, cd->nspecial + 1) ||
	    pi_cs_cd_code(cd, cd->ncode))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pi_cur c = pi_cur_make(data, size, 0x4000);
	pi_cs_sig *sig = malloc(sizeof *sig);
	if (!sig)
		return 0;
	pi_cs_sig_parse(&c, sig);
	for (uint32_t i = 0; i < sig->nblobs; i++)
		if (sig->blobs[i].p)
			touch(sig->blobs[i].p, sig->blobs[i].len);
	for (uint32_t i = 0; i < sig->ncds; i++)
		touch_cd(&sig->cds[i]);
	for (uint32_t t = 0; t <= PI_CS_MAX_SPECIAL; t++) {
		const pi_cs_blobref *b = pi_cs_sig_blob(sig, t);
		if (b)
			touch(b->p, b->len);
	}
	free(sig);
	pi_cs_cd cd;
	char why[160];
	if (pi_cs_cd_parse(&c, &cd, why, sizeof why))
		touch_cd(&cd);
	return 0;
}
