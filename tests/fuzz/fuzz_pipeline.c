/* fuzz_pipeline.c - libFuzzer target: plistinject's whole pipeline in memory.
 *
 * For every slice of the input that the planner accepts: read the old
 * signature, plan a fixed plist (with a bundle ID and
 * NSLocalNetworkUsageDescription), emit the overlay, size and sign it,
 * materialise the output, parse it again and check it as the post-write
 * self-check does (inject.c, verify).  When every slice went through, the
 * universal file is laid out too and must parse with the same slices.  Each
 * slice also goes through the unsigned mode (--signer none: the signature
 * dropped), whose output must parse with the plist and no signature.  Any
 * failure after the plan was accepted is a bug: __builtin_trap().
 * Heap buffers only, so src_mapped / mapped stay 0 (no madvise). */
#include <stdlib.h>
#include <string.h>

#include "../../src/cs_blob.h"
#include "../../src/cs_sign.h"
#include "../../src/emit.h"
#include "../../src/macho.h"
#include "../../src/macho_defs.h"
#include "../../src/overlay.h"
#include "../../src/plan.h"
#include "../../src/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IDENT "com.example.fuzz"
static const char plist[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"
	"\t<key>CFBundleIdentifier</key>\n\t<string>" IDENT "</string>\n"
	"\t<key>NSLocalNetworkUsageDescription</key>\n\t<string>fuzz talks to the local network.</string>\n"
	"</dict>\n</plist>\n";

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static int ready(const pi_slice *s, const pi_overlay *only)
{
	pi_report r;
	CHECK(pi_verify_slice(s, only, 1, &r) == PI_OK);
	return r.bad_pages == 0 && r.slot1_bound && r.specials_ok && !r.damaged && r.ready &&
	       !strcmp(r.identifier, IDENT);
}

/* --signer none: plan, emit without a signature, re-parse. */
static void unsigned_mode(const pi_slice *s)
{
	pi_diag d;
	pi_plan p;
	pi_overlay ov;
	pi_image img;
	pi_report r;
	pi_diag_init(&d, "fuzz", NULL);
	if (pi_plan_check_editable(s, &d) || pi_plan_header_room(s, PI_SIGN_NONE, 0, &d) ||
	    pi_plan_inject(s, sizeof plist - 1, PI_SIGN_NONE, 0, &p, &d) || pi_plan_signature(s, &p, 0, &d))
		return;
	CHECK(pi_ov_init(&ov, s->data, s->size, s->offset));
	CHECK(pi_emit_slice(s, &p, (const uint8_t *)plist, 0, &ov, &d) == PI_OK);
	uint8_t *out = malloc(ov.len ? (size_t)ov.len : 1);
	CHECK(out && pi_ov_read(&ov, 0, out, ov.len));
	CHECK(pi_macho_read(out, ov.len, &img, &d) == PI_OK && img.nslices == 1);
	CHECK(pi_verify_slice(&img.slices[0], NULL, 1, &r) == PI_OK);
	CHECK(r.plist_is_dict && r.has_usage && !r.is_signed && !strcmp(r.bundle_id, IDENT));
	pi_image_free(&img);
	free(out);
	pi_ov_free(&ov);
}

/* Inject into slice s; 1 with *out (malloc'd, *out_len bytes) when the planner
 * accepts the slice, 0 when it refuses it.  Traps on anything else. */
static int inject(const pi_slice *s, uint8_t **out, uint64_t *out_len)
{
	pi_diag d;
	pi_plan p;
	pi_cs_sig sig;
	pi_sign_params sp;
	pi_overlay ov;
	uint64_t n = sizeof plist - 1, datasize;
	pi_diag_init(&d, "fuzz", NULL);
	if (pi_plan_check_editable(s, &d) || pi_plan_header_room(s, PI_SIGN_ADHOC, 1, &d))
		return 0;
	int have_old = 0;
	if (s->has_codesig) { /* the old signature's metadata is kept, as in inject.c */
		pi_cur c;
		CHECK(pi_cur_sub(&s->cur, s->cs_dataoff, s->cs_datasize, &c));
		pi_cs_sig_parse(&c, &sig);
		have_old = 1;
	}
	if (pi_plan_inject(s, n, PI_SIGN_ADHOC, 1, &p, &d))
		return 0;
	pi_sign_params_for(s, have_old ? &sig : NULL, IDENT, (const uint8_t *)plist, n, 1, &sp);
	sp.code_limit = p.cs_dataoff;
	uint64_t sz = pi_cs_sign_size(&sp);
	if (!sz || !pi_align_up(sz, 16, &datasize))
		return 0; /* "the signature would be too large" */
	if (pi_plan_signature(s, &p, datasize, &d))
		return 0;
	CHECK(pi_ov_init(&ov, s->data, s->size, s->offset));
	CHECK(pi_emit_slice(s, &p, (const uint8_t *)plist, datasize, &ov, &d) == PI_OK);
	uint8_t *sb = calloc(1, (size_t)datasize);
	CHECK(sb && pi_cs_sign(&sp, &ov, sb, datasize, &d) == PI_OK);
	CHECK(pi_ov_patch(&ov, p.cs_dataoff, sb, datasize));
	free(sb);
	*out_len = ov.len;
	*out = malloc(ov.len ? (size_t)ov.len : 1);
	CHECK(*out && pi_ov_read(&ov, 0, *out, ov.len));
	pi_image img;
	CHECK(pi_macho_read(*out, ov.len, &img, &d) == PI_OK && img.nslices == 1);
	CHECK(ready(&img.slices[0], &ov) && ready(&img.slices[0], NULL));
	pi_image_free(&img);
	pi_ov_free(&ov);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pi_diag d;
	pi_image img;
	pi_diag_init(&d, "fuzz", NULL);
	if (pi_macho_read(data, size, &img, &d) != PI_OK) {
		pi_image_free(&img);
		return 0;
	}
	uint32_t n = img.nslices, done = 0;
	uint8_t **outs = calloc(n, sizeof *outs);
	uint64_t *lens = calloc(n, sizeof *lens), *offs = calloc(n, sizeof *offs);
	CHECK(outs && lens && offs);
	for (uint32_t i = 0; i < n; i++) {
		if (img.slices[i].unsupported)
			continue;
		unsigned_mode(&img.slices[i]);
		done += (uint32_t)inject(&img.slices[i], &outs[i], &lens[i]);
	}
	uint8_t *hdr = NULL;
	size_t hdr_len = 0;
	if (img.fat && done == n && pi_emit_fat_header(&img, lens, offs, &hdr, &hdr_len, &d) == PI_OK) {
		uint64_t total = offs[n - 1] + lens[n - 1];
		uint8_t *file = calloc(1, (size_t)total);
		CHECK(file);
		memcpy(file, hdr, hdr_len);
		for (uint32_t i = 0; i < n; i++)
			memcpy(file + offs[i], outs[i], (size_t)lens[i]);
		pi_image out;
		CHECK(pi_macho_read(file, total, &out, &d) == PI_OK && out.nslices == n);
		for (uint32_t i = 0; i < n; i++)
			CHECK(out.slices[i].cputype == img.slices[i].cputype && ready(&out.slices[i], NULL));
		pi_image_free(&out);
		free(file);
		free(hdr);
	}
	for (uint32_t i = 0; i < n; i++)
		free(outs[i]);
	free(outs);
	free(lens);
	free(offs);
	pi_image_free(&img);
	return 0;
}
