/* cs_sign.c - the built-in ad-hoc signer (see cs_sign.h). */
#include "config.h"

#include "cs_sign.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cs_blob.h"
#include "digest.h"
#include "macho_defs.h"

static void cd_params(const pi_sign_params *sp, pi_cs_cd_params *cp)
{
	memset(cp, 0, sizeof *cp);
	uint32_t flags = (sp->flags | (sp->certificate ? 0 : CS_ADHOC)) & ~(uint32_t)CS_LINKER_SIGNED;
	if (sp->certificate)
		flags &= ~(uint32_t)CS_ADHOC;
	cp->version = ((flags & CS_RUNTIME) || sp->runtime) ? CS_SUPPORTSRUNTIME : CS_SUPPORTSEXECSEG;
	cp->flags = flags;
	cp->identifier = sp->identifier;
	cp->team = sp->certificate && sp->team && sp->team[0] ? sp->team : NULL;
	cp->code_limit = sp->code_limit;
	cp->page_shift = PI_CS_PAGE_SHIFT;
	cp->hash_type = CS_HASHTYPE_SHA256;
	cp->hash_size = 32;
	cp->exec_base = sp->exec_base;
	cp->exec_limit = sp->exec_limit;
	cp->exec_flags = sp->exec_flags;
	cp->runtime = sp->runtime;
	cp->nspecial = CSSLOT_REQUIREMENTS;
	if (sp->ent_xml.p)
		cp->nspecial = CSSLOT_ENTITLEMENTS;
	if (sp->ent_der.p)
		cp->nspecial = CSSLOT_DER_ENTITLEMENTS;
	for (uint32_t k = 0; k < 4; k++)
		if (sp->constraints[k].p)
			cp->nspecial = CSSLOT_LAUNCH_CONSTRAINT_SELF + k;
}

/* The non-CD blobs in slot order; returns their count.  A certificate
 * signature's CMS wrapper is given as its reserve (p NULL): pi_cs_sign
 * fills it. */
static uint32_t other_parts(const pi_sign_params *sp, pi_cs_part *parts)
{
	uint32_t n = 0;
	if (sp->certificate && sp->reqset.p)
		parts[n++] = (pi_cs_part){ CSSLOT_REQUIREMENTS, sp->reqset.p, sp->reqset.len };
	else
		parts[n++] = (pi_cs_part){ CSSLOT_REQUIREMENTS, pi_cs_empty_requirements, 12 };
	if (sp->ent_xml.p)
		parts[n++] = (pi_cs_part){ CSSLOT_ENTITLEMENTS, sp->ent_xml.p, sp->ent_xml.len };
	if (sp->ent_der.p)
		parts[n++] = (pi_cs_part){ CSSLOT_DER_ENTITLEMENTS, sp->ent_der.p, sp->ent_der.len };
	for (uint32_t k = 0; k < 4; k++)
		if (sp->constraints[k].p)
			parts[n++] = (pi_cs_part){ CSSLOT_LAUNCH_CONSTRAINT_SELF + k, sp->constraints[k].p,
			                           sp->constraints[k].len };
	if (sp->certificate)
		parts[n++] = (pi_cs_part){ CSSLOT_SIGNATURESLOT, NULL, 8 + sp->cms_reserve };
	else
		parts[n++] = (pi_cs_part){ CSSLOT_SIGNATURESLOT, pi_cs_empty_cms, 8 };
	return n;
}

void pi_sign_params_for(const pi_slice *s, const pi_cs_sig *old, const char *identifier,
                        const uint8_t *plist, uint64_t plist_len, unsigned threads, pi_sign_params *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->identifier = identifier;
	sp->threads = threads;
	if (s->text >= 0) {
		sp->exec_base = s->segs[s->text].fileoff;
		sp->exec_limit = s->segs[s->text].filesize;
	}
	if (old && old->has_cd && !(old->cds[0].flags & CS_LINKER_SIGNED)) {
		const pi_cs_cd *cd = &old->cds[0];
		sp->flags = cd->flags & ~(uint32_t)(CS_LINKER_SIGNED | CS_VALID);
		sp->runtime = cd->runtime;
		sp->exec_flags = cd->exec_flags;
		const pi_cs_blobref *b;
		if ((b = pi_cs_sig_blob(old, CSSLOT_ENTITLEMENTS)) && b->magic == CSMAGIC_EMBEDDED_ENTITLEMENTS)
			sp->ent_xml = (pi_bytes){ b->p, b->len };
		if ((b = pi_cs_sig_blob(old, CSSLOT_DER_ENTITLEMENTS)) && b->magic == CSMAGIC_EMBEDDED_DER_ENTITLEMENTS)
			sp->ent_der = (pi_bytes){ b->p, b->len };
		for (uint32_t k = 0; k < 4; k++)
			if ((b = pi_cs_sig_blob(old, CSSLOT_LAUNCH_CONSTRAINT_SELF + k)) &&
			    b->magic == CSMAGIC_EMBEDDED_LAUNCH_CONSTRAINT)
				sp->constraints[k] = (pi_bytes){ b->p, b->len };
	}
	if (s->filetype == MH_EXECUTE)
		sp->exec_flags |= CS_EXECSEG_MAIN_BINARY;
	else
		sp->exec_flags &= ~(uint64_t)CS_EXECSEG_MAIN_BINARY;
	sp->plist = plist;
	sp->plist_len = plist_len;
}

uint64_t pi_cs_sign_size(const pi_sign_params *sp)
{
	pi_cs_cd_params cp;
	cd_params(sp, &cp);
	uint64_t cd = pi_cs_cd_size(&cp);
	if (!cd)
		return 0;
	pi_cs_part parts[8];
	uint32_t n = other_parts(sp, parts);
	uint64_t total = 12 + 8 * (uint64_t)(n + 1) + cd;
	for (uint32_t i = 0; i < n; i++)
		total += parts[i].len;
	if (sp->certificate && (!sp->cms || !sp->cms_reserve || sp->cms_reserve > UINT32_MAX - 8))
		return 0;
	return total > UINT32_MAX ? 0 : total;
}

typedef struct hash_job {
	const pi_overlay *ov;
	uint64_t limit, first, last;
	unsigned shift;
	uint32_t type;
	uint8_t *out;
	size_t stride;
	int ok;
} hash_job;

/* Drop our mapping of source bytes [from, to) of ov once they are hashed:
 * a touched file mapping counts fully in RSS, and the page cache keeps the
 * data anyway (DESIGN.md section 6).  The mapping is read-only and private,
 * so this only drops page-table entries; a later read faults them back. */
static void release(const pi_overlay *ov, uint64_t from, uint64_t to)
{
	long sys_page = sysconf(_SC_PAGESIZE);
	if (!ov->src_mapped || !ov->src || sys_page <= 0 || from >= ov->src_len)
		return;
	if (to > ov->src_len)
		to = ov->src_len;
	uintptr_t a = (uintptr_t)(ov->src + from), b = (uintptr_t)(ov->src + to);
	uintptr_t ps = (uintptr_t)sys_page;
	a = (a + ps - 1) & ~(ps - 1);
	b &= ~(ps - 1);
	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

#define RELEASE_EVERY (1u << 20) /* bytes hashed between releases */

static void *hash_range(void *arg)
{
	hash_job *j = arg;
	uint64_t page = 1ull << j->shift;
	uint64_t released = j->first * page;
	pi_digest *h = pi_digest_new(j->type);
	/* a buffer only for pages that span extents, never larger than the data
	 * (a CodeDirectory page size of 0 means one page of 2^63 here) */
	uint64_t bufsize = page < j->limit ? page : (j->limit ? j->limit : 1);
	uint8_t *buf = NULL;
	j->ok = h != NULL;
	for (uint64_t i = j->first; j->ok && i < j->last; i++) {
		uint64_t off = i * page;
		uint64_t len = j->limit - off < page ? j->limit - off : page;
		const uint8_t *p = pi_ov_view(j->ov, off, len);
		if (!p) {
			if (!buf && !(buf = malloc((size_t)bufsize))) {
				j->ok = 0;
				break;
			}
			if (!pi_ov_read(j->ov, off, buf, len)) {
				j->ok = 0;
				break;
			}
			p = buf;
		}
		if (!pi_digest_once(h, p, (size_t)len, j->out + (i - j->first) * j->stride))
			j->ok = 0;
		if (off + len - released >= RELEASE_EVERY) {
			release(j->ov, released, off + len);
			released = off + len;
		}
	}
	release(j->ov, released, j->last * page);
	free(buf);
	pi_digest_free(h);
	return NULL;
}

int pi_hash_pages(const pi_overlay *ov, uint64_t limit, unsigned page_shift, uint32_t t,
                  uint64_t first, uint64_t last, uint8_t *out, size_t stride, unsigned threads)
{
	if (last <= first)
		return 1;
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	uint64_t n = last - first;
	if (threads > n)
		threads = (unsigned)n;
	hash_job jobs[64];
	pthread_t tid[64];
	int started[64] = { 0 };
	uint64_t per = (n + threads - 1) / threads;
	for (unsigned k = 0; k < threads; k++) {
		uint64_t a = first + k * per, b = a + per > last ? last : a + per;
		jobs[k] = (hash_job){ ov, limit, a, b, page_shift, t, out + (a - first) * stride, stride, 0 };
		if (k > 0 && a < b && pthread_create(&tid[k], NULL, hash_range, &jobs[k]) == 0)
			started[k] = 1;
	}
	hash_range(&jobs[0]);
	int ok = jobs[0].ok;
	for (unsigned k = 1; k < threads; k++) {
		if (jobs[k].first >= jobs[k].last)
			continue;
		if (started[k])
			pthread_join(tid[k], NULL);
		else
			hash_range(&jobs[k]); /* thread creation failed: do it here */
		ok = ok && jobs[k].ok;
	}
	return ok;
}

pi_status pi_cs_sign(const pi_sign_params *sp, const pi_overlay *ov, uint8_t *out, uint64_t out_len,
                     pi_diag *d)
{
	pi_cs_cd_params cp;
	cd_params(sp, &cp);
	uint64_t total = pi_cs_sign_size(sp);
	if (!total || total > out_len)
		return pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET,
		               "internal error: signature needs %llu bytes, %llu reserved",
		               (unsigned long long)total, (unsigned long long)out_len);
	/* special slots: hashes of the blobs, slot 1 of the plist bytes */
	pi_cs_part parts[9];
	uint32_t n = other_parts(sp, parts);
	for (uint32_t i = 0; i < n; i++)
		if (parts[i].type <= PI_CS_MAX_SPECIAL && parts[i].p && !pi_sha256(parts[i].p, parts[i].len, cp.special[parts[i].type]))
			return pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "SHA-256 failed");
	if (sp->plist && !pi_sha256(sp->plist, (size_t)sp->plist_len, cp.special[CSSLOT_INFOSLOT]))
		return pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "SHA-256 failed");
	uint64_t cdlen = pi_cs_cd_size(&cp);
	uint8_t *cd = malloc((size_t)cdlen);
	if (!cd)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	uint32_t hash_off = pi_cs_cd_write(&cp, cd);
	uint64_t ncode = pi_cs_cd_ncode(&cp);
	if (!pi_hash_pages(ov, sp->code_limit, PI_CS_PAGE_SHIFT, CS_HASHTYPE_SHA256, 0, ncode,
	                   cd + hash_off, 32, sp->threads)) {
		free(cd);
		return pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "page hashing failed");
	}
	uint8_t *wrap = NULL;
	if (sp->certificate) {
		/* the CMS over the finished CodeDirectory, in its BlobWrapper */
		uint8_t *der = NULL;
		size_t der_len = 0;
		pi_status st = sp->cms->sign(sp->cms->ctx, cd, (size_t)cdlen, sp->cms_reserve, &der, &der_len, d);
		if (st != PI_OK) {
			free(cd);
			return st;
		}
		if (der_len > sp->cms_reserve) {
			free(der);
			free(cd);
			return pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET,
			               "internal error: the CMS signature takes %zu bytes, %u reserved", der_len,
			               sp->cms_reserve);
		}
		if (!(wrap = malloc(8 + der_len))) {
			free(der);
			free(cd);
			return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
		}
		pi_put_u32be(wrap, CSMAGIC_BLOBWRAPPER);
		pi_put_u32be(wrap + 4, (uint32_t)(8 + der_len));
		memcpy(wrap + 8, der, der_len);
		free(der);
		parts[n - 1] = (pi_cs_part){ CSSLOT_SIGNATURESLOT, wrap, (uint32_t)(8 + der_len) };
	}
	memmove(&parts[1], &parts[0], n * sizeof parts[0]);
	parts[0] = (pi_cs_part){ CSSLOT_CODEDIRECTORY, cd, (uint32_t)cdlen };
	memset(out, 0, (size_t)out_len);
	pi_cs_superblob_write(parts, n + 1, out);
	free(wrap);
	free(cd);
	return PI_OK;
}
