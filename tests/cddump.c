/* cddump.c - test tool: print the primary CodeDirectory of each slice of a
 * Mach-O file, one "key value" per line, then one "slot N HEX" line per code
 * slot and "special K HEX" per special slot.  Used by the tests to compare
 * our signatures with lld's and Apple's; not installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cs_blob.h"
#include "../src/digest.h"
#include "../src/file_io.h"
#include "../src/macho.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: cddump FILE\n");
		return 2;
	}
	pi_diag d;
	pi_diag_init(&d, argv[1], stderr);
	pi_map m;
	pi_image img;
	if (pi_map_open(argv[1], &m, &d) != PI_OK || pi_macho_read(m.data, m.size, &img, &d) != PI_OK) {
		pi_diag_print(&d, stderr);
		return 1;
	}
	for (uint32_t i = 0; i < img.nslices; i++) {
		pi_slice *s = &img.slices[i];
		printf("slice %u %s\n", i, s->arch);
		if (s->unsupported) {
			printf("unsupported %s\n", s->why);
			continue;
		}
		if (!s->has_codesig) {
			printf("signed no\n");
			continue;
		}
		pi_cur c;
		pi_cur_sub(&s->cur, s->cs_dataoff, s->cs_datasize, &c);
		pi_cs_sig sig;
		pi_cs_sig_parse(&c, &sig);
		printf("superblob_length %u\nblobs %u\ndamaged %d\n", sig.length, sig.count, sig.damaged);
		char hex[2 * PI_DIGEST_MAX + 1];
		for (uint32_t b = 0; b < sig.nblobs; b++) {
			if (!sig.blobs[b].p)
				continue;
			uint8_t h[32];
			pi_sha256(sig.blobs[b].p, sig.blobs[b].len, h);
			pi_hex(h, 32, hex);
			printf("blob 0x%x magic 0x%08x length %u sha256 %s\n", sig.blobs[b].type, sig.blobs[b].magic,
			       sig.blobs[b].len, hex);
		}
		if (!sig.has_cd)
			continue;
		const pi_cs_cd *cd = &sig.cds[0];
		printf("version 0x%x\nflags 0x%x\nhash_size %u\nhash_type %u\npage_shift %u\n"
		       "code_limit %llu\nexec_base %llu\nexec_limit %llu\nexec_flags 0x%llx\nruntime 0x%x\n"
		       "nspecial %u\nncode %u\nidentifier %s\nteam %s\n",
		       cd->version, cd->flags, cd->hash_size, cd->hash_type, cd->page_shift,
		       (unsigned long long)cd->code_limit, (unsigned long long)cd->exec_base,
		       (unsigned long long)cd->exec_limit, (unsigned long long)cd->exec_flags, cd->runtime,
		       cd->nspecial, cd->ncode, cd->identifier, cd->team);
		for (uint32_t k = 1; k <= cd->nspecial; k++) {
			pi_hex(pi_cs_cd_special(cd, k), cd->hash_size, hex);
			printf("special %u %s\n", k, hex);
		}
		for (uint32_t k = 0; k < cd->ncode; k++) {
			pi_hex(pi_cs_cd_code(cd, k), cd->hash_size, hex);
			printf("slot %u %s\n", k, hex);
		}
	}
	pi_image_free(&img);
	pi_map_close(&m);
	return 0;
}
