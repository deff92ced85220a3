/* fuzz_macho.c - libFuzzer target: the Mach-O reader and the planner.
 *
 * The input is a whole file (thin or fat).  Every slice that parses is fed
 * to the planner as plistinject would (editable? header room? placement of
 * a 600-byte plist, in both signing modes) and to the --check report.  A plan
 * that puts the plist outside the slice or over the load commands traps, and
 * so does an emitted slice that the reader no longer accepts
 * (fuzz_common.c).  The libFuzzer build adds mutate_macho.c's load-command
 * mutator. */
#include <stddef.h>
#include <stdint.h>

#include "../../src/macho.h"
#include "../../src/plan.h"
#include "../../src/verify.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pi_diag d;
	pi_image img;
	pi_diag_init(&d, "fuzz", NULL);
	if (pi_macho_read(data, size, &img, &d) == PI_OK) {
		for (uint32_t i = 0; i < img.nslices; i++) {
			const pi_slice *s = &img.slices[i];
			if (s->unsupported) /* only its fat-header facts are there */
				continue;
			pi_report r;
			pi_verify_slice(s, NULL, 1, &r);
			pi_diag_init(&d, "fuzz", NULL);
			if (pi_plan_check_editable(s, &d) != PI_OK)
				continue;
			for (int m = 0; m < 2; m++) { /* --make-room off and on */
				pi_fuzz_emit_sound(s, PI_SIGN_ADHOC, m);
				pi_fuzz_emit_sound(s, PI_SIGN_NONE, m);
			}
		}
	}
	pi_image_free(&img);
	return 0;
}
