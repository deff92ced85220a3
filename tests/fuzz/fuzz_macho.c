/* fuzz_macho.c - libFuzzer target: the Mach-O reader and the planner.
 *
 * The input is a whole file (thin or fat).  Every slice that parses is fed
 * to the planner as plistinject would (editable? header room? placement of
 * a 600-byte plist, in both signing modes) and to the --check report.  A plan
 * that puts the plist outside the slice or over the load commands traps. */
#include <stddef.h>
#include <stdint.h>

#include "../../src/macho.h"
#include "../../src/plan.h"
#include "../../src/verify.h"

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
			for (int m = 0; m < 2; m++) {
				pi_sign_mode mode = m ? PI_SIGN_NONE : PI_SIGN_ADHOC;
				pi_plan p;
				pi_diag_init(&d, "fuzz", NULL);
				if (pi_plan_header_room(s, mode, m, &d) != PI_OK ||
				    pi_plan_inject(s, 600, mode, m, &p, &d) != PI_OK)
					continue;
				if (p.data_off + p.plist_len > s->size || p.data_off < p.cmds_end_after)
					__builtin_trap();
			}
		}
	}
	pi_image_free(&img);
	return 0;
}
