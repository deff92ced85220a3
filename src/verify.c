/* verify.c - the --check report and the post-write self-check (see verify.h). */
#include "config.h"

#include "verify.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cs_cms.h"
#include "cs_req.h"
#include "cs_sign.h"
#include "digest.h"
#include "macho_defs.h"
#include "plist_build.h"

static void problem(pi_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(pi_report *r, const char *fmt, ...)
{
	if (r->nproblems >= PI_MAX_PROBLEMS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->problems[r->nproblems++], sizeof r->problems[0], fmt, ap);
	va_end(ap);
}

static int is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Check the code slots of one CodeDirectory. */
static pi_status check_pages(const pi_slice *s, const pi_cs_cd *cd, const pi_overlay *only,
                             unsigned threads, pi_report *r)
{
	size_t hl = pi_digest_len(cd->hash_type);
	if (!hl || cd->hash_size > hl) {
		problem(r, "CodeDirectory hash type %u is not one this tool can check", cd->hash_type);
		return PI_OK;
	}
	if (cd->page_shift != 0 && (cd->page_shift < 9 || cd->page_shift > 20)) {
		problem(r, "CodeDirectory page size 2^%u is not valid", cd->page_shift);
		return PI_OK;
	}
	if (cd->code_limit != s->cs_dataoff)
		problem(r, "code limit 0x%llx is not the signature offset 0x%x",
		        (unsigned long long)cd->code_limit, s->cs_dataoff);
	if (cd->code_limit > s->size) {
		problem(r, "code limit 0x%llx runs past the end of the slice", (unsigned long long)cd->code_limit);
		return PI_OK;
	}
	unsigned shift = cd->page_shift ? cd->page_shift : 63;
	uint64_t page = 1ull << shift;
	uint64_t npages = cd->page_shift ? (cd->code_limit + page - 1) >> shift : (cd->code_limit ? 1 : 0);
	if (npages != cd->ncode) {
		problem(r, "CodeDirectory has %u code slots, the code limit needs %llu", cd->ncode,
		        (unsigned long long)npages);
		if (npages > cd->ncode)
			npages = cd->ncode;
	}
	if (npages == 0)
		return PI_OK;
	pi_overlay ov;
	if (!pi_ov_init(&ov, s->data, s->size, s->offset))
		return PI_E_NOMEM;
	ov.src_mapped = s->mapped;
	uint8_t *hashes = malloc((size_t)npages * hl);
	if (!hashes) {
		pi_ov_free(&ov);
		return PI_E_NOMEM;
	}
	pi_status st = PI_OK;
	if (!only) {
		if (!pi_hash_pages(&ov, cd->code_limit, shift, cd->hash_type, 0, npages, hashes, hl, threads))
			st = PI_E_INTERNAL;
	}
	for (uint64_t i = 0; st == PI_OK && i < npages; i++) {
		uint64_t off = i * page, len = cd->code_limit - off < page ? cd->code_limit - off : page;
		if (only) {
			if (pi_ov_is_source(only, off, len))
				continue;
			if (!pi_hash_pages(&ov, cd->code_limit, shift, cd->hash_type, i, i + 1, hashes + i * hl, hl, 1)) {
				st = PI_E_INTERNAL;
				break;
			}
		}
		if (memcmp(hashes + i * hl, pi_cs_cd_code(cd, (uint32_t)i), cd->hash_size)) {
			if (r->bad_pages++ == 0)
				r->first_bad_page = i;
		}
	}
	free(hashes);
	pi_ov_free(&ov);
	return st;
}

static void check_specials(const pi_slice *s, const pi_cs_sig *sig, const pi_cs_cd *cd, pi_report *r)
{
	size_t hl = pi_digest_len(cd->hash_type);
	pi_digest *h = pi_digest_new(cd->hash_type);
	uint8_t dg[PI_DIGEST_MAX];
	if (!h || !hl || cd->hash_size > hl) { /* check_pages reports the hash size */
		pi_digest_free(h);
		return;
	}
	const pi_section *pl = s->info_plist >= 0 ? &s->sects[s->info_plist] : NULL;
	const uint8_t *slot1 = pi_cs_cd_special(cd, CSSLOT_INFOSLOT);
	if (pl) {
		const uint8_t *bytes = pi_cur_ptr(&s->cur, pl->offset, pl->size);
		if (!slot1 || is_zero(slot1, cd->hash_size))
			problem(r, "special slot 1 (Info.plist) is not bound");
		else if (!bytes || !pi_digest_once(h, bytes, (size_t)pl->size, dg) ||
		         memcmp(dg, slot1, cd->hash_size))
			problem(r, "special slot 1 does not match the Info.plist bytes");
		else
			r->slot1_bound = 1;
	} else if (slot1 && !is_zero(slot1, cd->hash_size)) {
		problem(r, "special slot 1 is set but the file has no __info_plist");
	} else {
		problem(r, "special slot 1 (Info.plist) is not bound");
	}
	int ok = 1;
	for (uint32_t k = CSSLOT_REQUIREMENTS; k <= PI_CS_MAX_SPECIAL; k++) {
		if (k == CSSLOT_RESOURCEDIR)
			continue; /* the resource directory lives outside a bare executable */
		const uint8_t *slot = pi_cs_cd_special(cd, k);
		const pi_cs_blobref *b = pi_cs_sig_blob(sig, k);
		if (b) {
			if (!slot) {
				problem(r, "signature blob for slot %u is not hashed in the CodeDirectory", k);
				ok = 0;
			} else if (!pi_digest_once(h, b->p, b->len, dg) || memcmp(dg, slot, cd->hash_size)) {
				problem(r, "special slot %u does not match its blob", k);
				ok = 0;
			}
		} else if (slot && !is_zero(slot, cd->hash_size)) {
			problem(r, "special slot %u is set but its blob is missing", k);
			ok = 0;
		}
	}
	r->specials_ok = ok;
	pi_digest_free(h);
}

/* A certificate signature: the CMS over the CodeDirectory, its CDHashes
 * against the CDs present, the designated requirement against the leaf. */
static void check_cms(const pi_cs_sig *sig, pi_report *r)
{
	const pi_cs_blobref *cm = pi_cs_sig_blob(sig, CSSLOT_SIGNATURESLOT);
	if (!cm || cm->magic != CSMAGIC_BLOBWRAPPER || cm->len <= 8)
		return;
	pi_cert_check *c = &r->cert;
	c->present = 1;
	c->requirement = "none";
	pi_diag d;
	pi_diag_init(&d, "", NULL);
	pi_cs_req dr;
	int have_dr = 0;
	const pi_cs_blobref *rq = pi_cs_sig_blob(sig, CSSLOT_REQUIREMENTS);
	if (rq) {
		pi_cur rc = pi_cur_make(rq->p, rq->len, rq->abs_off);
		have_dr = pi_cs_reqset_parse(&rc, &dr, &d) == PI_OK && dr.kind != PI_CS_REQ_NONE;
		if (have_dr)
			c->requirement = dr.kind == PI_CS_REQ_DEVELOPER_ID ? "developer-id"
			                 : dr.kind == PI_CS_REQ_CERT_HASH ? "certificate-hash" : "other";
		if (have_dr && dr.kind == PI_CS_REQ_CERT_HASH) {
			c->req_slot = dr.slot;
			for (uint32_t i = 0; i < dr.hash_len && i < 20; i++)
				snprintf(c->req_hash + 2 * i, 3, "%02x", dr.hash[i]);
		}
	}
	pi_cms_cd cds[PI_CS_MAX_CDS];
	for (uint32_t i = 0; i < sig->ncds; i++)
		cds[i] = (pi_cms_cd){ sig->cds[i].p, sig->cds[i].length, sig->cds[i].hash_type };
	pi_cur cc = pi_cur_make(cm->p + 8, cm->len - 8, cm->abs_off + 8);
	pi_cms_report *cr = malloc(sizeof *cr);
	if (!cr) {
		problem(r, "out of memory reading the CMS signature");
		return;
	}
	if (pi_cms_inspect(&cc, cds, sig->ncds, have_dr ? &dr : NULL, sig->cds[0].identifier, cr, &d) != PI_OK) {
		problem(r, "the CMS signature does not decode: %s", d.msg);
		free(cr);
		return;
	}
	c->signature_ok = cr->signature_ok;
	c->cdhashes_present = cr->v1_present || cr->v2_present;
	c->cdhashes_ok = (!cr->v1_present || cr->v1_ok) && (!cr->v2_present || cr->v2_ok);
	c->timestamp = cr->has_timestamp;
	c->apple_chain = cr->signer.apple_chain;
	snprintf(c->cn, sizeof c->cn, "%s", cr->signer.subject_cn);
	snprintf(c->team, sizeof c->team, "%s", cr->signer.team);
	snprintf(c->why, sizeof c->why, "%s", cr->why);
	pi_one_line(c->cn);
	pi_one_line(c->team);
	pi_one_line(c->why);
	c->dr_checked = cr->dr_checked;
	c->dr_satisfied = cr->dr_checked && cr->dr_satisfied;
	free(cr);
	if (!c->signature_ok)
		problem(r, "the CMS signature does not verify over the CodeDirectory: %s", c->why);
	if (!c->cdhashes_ok)
		problem(r, "the CMS signature's CDHashes do not match the CodeDirectories");
	if (c->dr_checked && !c->dr_satisfied)
		problem(r, "the signing certificate does not satisfy the designated requirement");
}

pi_status pi_verify_slice(const pi_slice *s, const pi_overlay *only, unsigned threads, pi_report *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->arch, sizeof r->arch, "%s", s->arch);
	snprintf(r->label, sizeof r->label, "%s", s->label);

	if (s->info_plist >= 0) {
		const pi_section *pl = &s->sects[s->info_plist];
		const uint8_t *bytes = pi_cur_ptr(&s->cur, pl->offset, pl->size);
		r->has_plist = 1;
		pi_plist_info info;
		if (bytes && pi_plist_inspect(bytes, (size_t)pl->size, &info) == PI_OK && info.is_dict) {
			r->plist_is_dict = 1;
			r->has_bundle_id = info.has_bundle_id;
			r->has_usage = info.has_usage;
			snprintf(r->bundle_id, sizeof r->bundle_id, "%s", info.bundle_id);
			if (!info.has_bundle_id)
				problem(r, "the Info.plist has no CFBundleIdentifier");
			if (!info.has_usage)
				problem(r, "the Info.plist has no NSLocalNetworkUsageDescription");
		} else {
			problem(r, "__info_plist is not a plist dictionary");
		}
	} else {
		problem(r, "no embedded Info.plist (__TEXT,__info_plist)");
	}

	if (!s->has_codesig) {
		problem(r, "not signed");
		r->ready = r->nproblems == 0;
		return PI_OK;
	}
	r->is_signed = 1;
	pi_cur sc;
	pi_cs_sig *sig = malloc(sizeof *sig);
	if (!sig)
		return PI_E_NOMEM;
	pi_status st = PI_OK;
	if (!pi_cur_sub(&s->cur, s->cs_dataoff, s->cs_datasize, &sc)) {
		problem(r, "code signature lies outside the slice");
		goto out;
	}
	pi_cs_sig_parse(&sc, sig);
	if (sig->damaged) {
		r->damaged = 1;
		problem(r, "damaged code signature: %s", sig->damage);
	}
	if (!sig->has_cd)
		goto out;
	const pi_cs_cd *cd = &sig->cds[0];
	r->cd_version = cd->version;
	r->cd_flags = cd->flags;
	r->page_size = cd->page_shift && cd->page_shift < 32 ? 1u << cd->page_shift : 0;
	r->ncode = cd->ncode;
	r->nspecial = cd->nspecial;
	r->hash_type = cd->hash_type;
	r->code_limit = cd->code_limit;
	r->adhoc = (cd->flags & CS_ADHOC) != 0;
	r->linker_signed = (cd->flags & CS_LINKER_SIGNED) != 0;
	snprintf(r->identifier, sizeof r->identifier, "%s", cd->identifier);
	snprintf(r->team, sizeof r->team, "%s", cd->team);
	/* shown on one line of text: control bytes from the file become '?' */
	pi_one_line(r->identifier);
	pi_one_line(r->team);
	pi_one_line(r->bundle_id);
	if (r->has_bundle_id && strcmp(r->bundle_id, r->identifier))
		problem(r, "CFBundleIdentifier '%s' differs from the signing identifier '%s'", r->bundle_id,
		        r->identifier);
	for (uint32_t i = 0; i < sig->ncds; i++) {
		uint32_t before = r->bad_pages;
		if ((st = check_pages(s, &sig->cds[i], only, threads, r)) != PI_OK)
			goto out;
		if (r->bad_pages > before)
			problem(r, "%u page hash%s do%s not match (first: page %llu of CodeDirectory %u)",
			        r->bad_pages - before, r->bad_pages - before == 1 ? "" : "es",
			        r->bad_pages - before == 1 ? "es" : "", (unsigned long long)r->first_bad_page, i);
		unsigned np = r->nproblems;
		check_specials(s, sig, &sig->cds[i], r);
		if (i > 0 && r->nproblems > np)
			r->nproblems = np; /* alternates repeat the primary's findings; report once */
	}
	check_cms(sig, r);
out:
	free(sig);
	r->ready = r->nproblems == 0;
	return st;
}
