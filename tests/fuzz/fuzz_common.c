/* fuzz_common.c - the output property of fuzz_macho and fuzz_job (see
 * fuzz_common.h).  Heap buffers only, so the overlay never madvises. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "../../src/emit.h"
#include "../../src/overlay.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

/* a plist of exactly 600 bytes, as fuzz_macho has always planned */
#define PLIST_LEN 600u
#define SIG_LEN 4096u

int pi_fuzz_emit_sound(const pi_slice *s, pi_sign_mode mode, int make_room)
{
	pi_diag d;
	pi_plan p;
	pi_overlay ov;
	pi_image img;
	uint64_t sig = mode == PI_SIGN_NONE ? 0 : SIG_LEN;
	static uint8_t plist[PLIST_LEN];
	memset(plist, 'p', sizeof plist);
	pi_diag_init(&d, "fuzz", NULL);
	if (pi_plan_check_editable(s, &d) || pi_plan_header_room(s, mode, make_room, &d) ||
	    pi_plan_inject(s, PLIST_LEN, mode, make_room, &p, &d) || pi_plan_signature(s, &p, sig, &d))
		return 0;
	CHECK(p.data_off + p.plist_len <= s->size && p.data_off >= p.cmds_end_after);
	CHECK(pi_ov_init(&ov, s->data, s->size, s->offset));
	CHECK(pi_emit_slice(s, &p, plist, sig, &ov, &d) == PI_OK);
	uint8_t *out = malloc(ov.len ? (size_t)ov.len : 1);
	CHECK(out && pi_ov_read(&ov, 0, out, ov.len));
	pi_diag_init(&d, "fuzz", NULL);
	if (pi_macho_read(out, ov.len, &img, &d) != PI_OK) {
		fprintf(stderr, "fuzz: the input was accepted, the output is not: %s\n", d.msg);
		__builtin_trap();
	}
	CHECK(img.nslices == 1 && img.slices[0].info_plist >= 0);
	CHECK(img.slices[0].has_codesig == (mode != PI_SIGN_NONE));
	pi_image_free(&img);
	free(out);
	pi_ov_free(&ov);
	return 1;
}

void pi_fuzz_file_sound(const char *path)
{
	FILE *f = fopen(path, "rb");
	CHECK(f);
	CHECK(fseek(f, 0, SEEK_END) == 0);
	long n = ftell(f);
	CHECK(n >= 0 && fseek(f, 0, SEEK_SET) == 0);
	uint8_t *b = malloc(n ? (size_t)n : 1);
	CHECK(b && fread(b, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	pi_diag d;
	pi_image img;
	pi_diag_init(&d, "fuzz", NULL);
	if (pi_macho_read(b, (uint64_t)n, &img, &d) != PI_OK) {
		fprintf(stderr, "fuzz: the input was accepted, the written file is not: %s\n", d.msg);
		__builtin_trap();
	}
	pi_image_free(&img);
	free(b);
}
