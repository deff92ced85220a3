/* signer.c - the built-in ad-hoc signer, codesign and none behind one
 * interface (see signer.h). */
#include "config.h"

#include "signer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codesign_exec.h"
#include "cs_cms.h"
#include "cs_req.h"
#include "inject.h"
#include "macho_defs.h"

/* ---- the built-in signer ---- */

/* The old signature's code slots against the ones just computed, for every
 * page we did not change: a mismatch means the file was modified after it
 * was signed (DESIGN.md section 3: warn, then sign afresh).  Costs nothing
 * more when the old CodeDirectory also hashes 4096-byte pages with SHA-256;
 * other page sizes and hash types are not compared. */
static void check_old_pages(const pi_work *w, const pi_edit *x, const uint8_t *superblob, pi_diag *d)
{
	if (!w->sig || !w->sig->has_cd)
		return;
	const pi_cs_cd *old = &w->sig->cds[0];
	if (old->page_shift != PI_CS_PAGE_SHIFT || old->hash_type != CS_HASHTYPE_SHA256 ||
	    old->hash_size != 32 || old->code_limit != x->sp.code_limit)
		return;
	pi_cur c = pi_cur_make(superblob, x->datasize, 0);
	pi_cs_sig *now = malloc(sizeof *now);
	if (!now)
		return;
	pi_cs_sig_parse(&c, now);
	uint64_t bad = 0, first = 0, page = 1ull << PI_CS_PAGE_SHIFT;
	for (uint32_t i = 0; now->has_cd && i < old->ncode && i < now->cds[0].ncode; i++) {
		uint64_t off = i * page, len = old->code_limit - off < page ? old->code_limit - off : page;
		if (!pi_ov_is_source(&x->ov, off, len))
			continue;
		if (memcmp(pi_cs_cd_code(old, i), pi_cs_cd_code(&now->cds[0], i), 32) && bad++ == 0)
			first = off;
	}
	free(now);
	if (bad)
		pi_warn(d, w->s->offset + first,
		        "the old signature does not match %llu unchanged page%s (the file was modified after "
		        "it was signed); signing afresh",
		        (unsigned long long)bad, bad == 1 ? "" : "s");
}

/* The writer's error, if any, as d's (its message names the output). */
static pi_status writer_status(const pi_writer *wr, pi_diag *d)
{
	if (wr->st == PI_OK)
		return PI_OK;
	pi_diag_set_slice(d, "");
	return pi_fail(d, wr->d.code, PI_NO_OFFSET, "%s", wr->d.msg);
}

/* Sign every edited slice while the rest of the file is being written,
 * then write the signatures in place. */
static pi_status sign_internal(pi_inject *j)
{
	pi_diag *d = j->d;
	pi_status st = PI_OK;
	pi_writer wr = { .j = j };
	pi_diag_init(&wr.d, j->target, NULL);
	pthread_t tid;
	int threaded = pthread_create(&tid, NULL, pi_inject_write_all, &wr) == 0;
	if (!threaded)
		pi_inject_write_all(&wr);
	uint8_t **bufs = calloc(j->nw, sizeof *bufs);
	if (!bufs)
		st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	for (size_t i = 0; st == PI_OK && i < j->nw; i++) {
		pi_edit *x = &j->e[i];
		if (!x->plan.cs_dataoff)
			continue;
		pi_diag_set_slice(d, j->w[i].s->label);
		bufs[i] = calloc(1, (size_t)x->datasize);
		if (!bufs[i])
			st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
		else
			st = pi_cs_sign(&x->sp, &x->ov, bufs[i], x->datasize, d);
	}
	if (threaded)
		pthread_join(tid, NULL);
	if (st == PI_OK)
		st = writer_status(&wr, d);
	for (uint32_t i = 0; st == PI_OK && i < j->img.nslices; i++) {
		if (j->owner[i] < 0 || !j->e[j->owner[i]].plan.cs_dataoff)
			continue;
		pi_edit *x = &j->e[j->owner[i]];
		uint8_t *buf = bufs[j->owner[i]];
		if ((st = pi_out_pwrite(&j->out, j->offs[i] + x->plan.cs_dataoff, buf, x->datasize, d)) != PI_OK)
			break;
		if (!pi_ov_patch(&x->ov, x->plan.cs_dataoff, buf, x->datasize))
			st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	}
	for (size_t i = 0; st == PI_OK && i < j->nw; i++)
		if (bufs[i])
			check_old_pages(&j->w[i], &j->e[i], bufs[i], d);
	for (size_t i = 0; bufs && i < j->nw; i++)
		free(bufs[i]);
	free(bufs);
	return st;
}

/* ---- none: the file written unsigned ---- */

static pi_status write_unsigned(pi_inject *j)
{
	pi_writer wr = { .j = j };
	pi_diag_init(&wr.d, j->target, NULL);
	pi_inject_write_all(&wr);
	return wr.st == PI_OK ? PI_OK : pi_fail(j->d, wr.d.code, PI_NO_OFFSET, "%s", wr.d.msg);
}

/* ---- codesign ---- */

/* Entitlements for codesign: --entitlements, or the old signature's XML blob
 * written to a temporary file (removed with the run). */
static pi_status codesign_entitlements(pi_inject *j, const char **path)
{
	*path = j->o->entitlements;
	if (*path)
		return PI_OK;
	for (size_t i = 0; i < j->nw; i++) {
		const pi_edit *x = &j->e[i];
		if (!j->w[i].meta || !x->sp.ent_xml.p || x->sp.ent_xml.len <= 8)
			continue;
		const char *tmp = getenv("TMPDIR");
		snprintf(j->ent_tmp, sizeof j->ent_tmp, "%s/plistinject-entitlements-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		int fd = mkstemp(j->ent_tmp);
		if (fd < 0) {
			j->ent_tmp[0] = 0;
			return pi_fail(j->d, PI_E_IO, PI_NO_OFFSET, "cannot write the entitlements for codesign: %s",
			               strerror(errno));
		}
		const uint8_t *p = x->sp.ent_xml.p + 8;
		size_t n = x->sp.ent_xml.len - 8;
		ssize_t w = write(fd, p, n);
		close(fd);
		if (w != (ssize_t)n)
			return pi_fail(j->d, PI_E_IO, PI_NO_OFFSET, "cannot write the entitlements for codesign");
		*path = j->ent_tmp;
		break;
	}
	return PI_OK;
}

/* Write the file unsigned, then run codesign on it by name. */
static pi_status sign_codesign(pi_inject *j)
{
	const pi_opts *o = j->o;
	pi_diag *d = j->d;
	pi_status st = write_unsigned(j);
	if (st != PI_OK || (st = pi_out_sync(&j->out, j->m.mode, j->m.uid, j->m.gid, d)) != PI_OK)
		return st;
	const pi_edit *meta = NULL;
	for (size_t i = 0; i < j->nw && !meta; i++)
		if (j->w[i].meta)
			meta = &j->e[i];
	pi_codesign_args a = {
		.identity = o->sign_identity, .identifier = j->ident,
		.flags = meta ? meta->sp.flags : 0, .runtime = meta ? meta->sp.runtime : 0,
		.timestamp = o->timestamp, .keychain = o->keychain, .file = j->out.tmpname,
	};
	if ((st = codesign_entitlements(j, &a.entitlements)) != PI_OK)
		return st;
	const char *argv[PI_CODESIGN_MAX_ARGS];
	char buf[512];
	pi_codesign_argv(j->codesign, &a, argv, buf, sizeof buf);
	pi_diag_set_slice(d, "");
	if ((st = pi_codesign_run(argv, d)) != PI_OK)
		return st;
	/* codesign replaced the file behind our descriptor */
	return pi_out_reopen(&j->out, d);
}

/* ---- the table ---- */

static int always_adhoc(const pi_opts *o)
{
	(void)o;
	return 1;
}

static int codesign_adhoc(const pi_opts *o)
{
	return !strcmp(o->sign_identity, "-");
}

static int never_adhoc(const pi_opts *o)
{
	(void)o;
	return 0;
}

static pi_status no_params(const pi_signer_ctx *sx, const char *ident, pi_sign_params *sp, uint8_t *req,
                           pi_diag *d)
{
	(void)sx, (void)ident, (void)sp, (void)req, (void)d;
	return PI_OK;
}

/* ---- the built-in signer with a certificate ---- */

/* pi_cs_cms_cb: the CMS over the finished CodeDirectory, signed now. */
static pi_status cert_cms(void *ctx, const uint8_t *cd, size_t cd_len, uint64_t max, uint8_t **der,
                          size_t *der_len, pi_diag *d)
{
	const pi_signer_ctx *sx = ctx;
	pi_cms_params p = { .cd = cd, .cd_len = cd_len, .signing_time = time(NULL),
		            .timestamp_url = sx->timestamp_url, .max_len = max };
	return pi_cms_sign(sx->id, &p, der, der_len, d);
}

/* The designated requirement for ident, the team ID (Developer ID chains)
 * and the CMS reserve. */
static pi_status cert_params(const pi_signer_ctx *sx, const char *ident, pi_sign_params *sp, uint8_t *req,
                             pi_diag *d)
{
	const pi_identity_info *in = pi_identity_get_info(sx->id);
	pi_cs_req r;
	uint32_t n;
	if (!pi_identity_dr(sx->id, ident, &r) || !(n = pi_cs_reqset_size(&r)) || n > PI_REQSET_MAX)
		return pi_fail(d, PI_E_UNSUPPORTED, PI_NO_OFFSET,
		               "the signing identifier '%s' is too long for a designated requirement", ident);
	pi_cs_reqset_write(&r, req);
	uint64_t bound = pi_cms_size_bound(sx->id, sx->timestamp_url != NULL);
	if (!bound || bound > UINT32_MAX - 8)
		return pi_fail(d, PI_E_UNSUPPORTED, PI_NO_OFFSET, "the certificate chain is too large to sign with");
	sp->certificate = 1;
	sp->team = in->apple_chain && in->team[0] ? in->team : NULL;
	sp->reqset = (pi_bytes){ req, n };
	sp->cms_reserve = (uint32_t)bound;
	sp->cms = &sx->cms;
	return PI_OK;
}

static const pi_signer_ops signer_internal = {
	.name = "internal", .plan_mode = PI_SIGN_ADHOC, .room_mode = PI_SIGN_ADHOC, .arch_prefix = "",
	.whole_file = 0, .removes = 0, .fail_code = PI_E_INTERNAL, .wrote_as = "signed ad hoc as",
	.plan_words = "ad-hoc signature", .write_and_sign = sign_internal, .adhoc = always_adhoc,
	.params = no_params,
};

/* The built-in signer with an identity: the same pipeline, a certificate
 * signature (cs_sign.c with cs_req.c's requirement and cs_cms.c's CMS). */
static const pi_signer_ops signer_certificate = {
	.name = "internal", .plan_mode = PI_SIGN_ADHOC, .room_mode = PI_SIGN_ADHOC, .arch_prefix = "",
	.whole_file = 0, .removes = 0, .fail_code = PI_E_INTERNAL, .wrote_as = "signed with a certificate as",
	.plan_words = "certificate signature", .certificate = 1, .write_and_sign = sign_internal,
	.adhoc = never_adhoc, .params = cert_params,
};

/* codesign adds its own LC_CODE_SIGNATURE: the plan hands it the file
 * unsigned, but the header room is that of a signature added */
static const pi_signer_ops signer_codesign = {
	.name = "codesign", .plan_mode = PI_SIGN_NONE, .room_mode = PI_SIGN_ADHOC,
	.arch_prefix = " --signer internal", .whole_file = 1, .removes = 0, .fail_code = PI_E_EXTERNAL,
	.wrote_as = "signed by codesign as", .plan_words = "signature by codesign",
	.write_and_sign = sign_codesign, .adhoc = codesign_adhoc, .params = no_params,
};

const pi_signer_ops pi_signer_none = {
	.name = "none", .plan_mode = PI_SIGN_NONE, .room_mode = PI_SIGN_NONE, .arch_prefix = "",
	.whole_file = 0, .removes = 1, .fail_code = PI_E_INTERNAL, .wrote_as = "unsigned, bundle ID",
	.plan_words = "unsigned", .write_and_sign = write_unsigned, .adhoc = always_adhoc, .params = no_params,
};

int pi_signer_accepts(const pi_signer_ops *ops, const pi_report *r, const char *ident)
{
	if (ops->removes)
		return r->plist_is_dict && !r->is_signed;
	int ok = r->bad_pages == 0 && r->slot1_bound && r->specials_ok && !r->damaged && !strcmp(r->identifier, ident);
	if (ops->certificate)
		ok = ok && r->cert.present && r->cert.signature_ok && r->cert.cdhashes_ok && r->cert.cdhashes_present &&
		     r->cert.dr_satisfied && !r->adhoc;
	return ok;
}

/* The signing options only codesign honours, when the built-in signer was
 * chosen: the first given, or NULL. */
static const char *codesign_only_option(const pi_opts *o)
{
	if (strcmp(o->sign_identity, "-"))
		return "--sign IDENTITY";
	if (o->entitlements)
		return "--entitlements (it cannot write Apple's DER form of them yet)";
	if (o->timestamp == 1)
		return "--timestamp";
	if (o->keychain)
		return "--keychain";
	return NULL;
}

static pi_status resolve_plain(const pi_opts *o, const pi_signer_ops **ops, char *codesign, size_t len,
                               pi_diag *d);

/* The certificate options: the first misuse, as a usage message, or NULL. */
static const char *certificate_misuse(const pi_opts *o)
{
	if (o->p12 && (o->key || o->cert || o->cert_chain))
		return "give either --p12 or --key and --cert, not both";
	if ((o->key != NULL) != (o->cert != NULL))
		return "--key and --cert go together";
	if (o->cert_chain && !o->cert)
		return "--cert-chain needs --key and --cert";
	if (o->p12_password_file && !o->p12)
		return "--p12-password-file needs --p12";
	if (o->timestamp_url && !o->p12 && !o->cert)
		return "--timestamp-url needs --p12 or --key/--cert (codesign takes --timestamp)";
	if (o->timestamp_url && strncmp(o->timestamp_url, "http://", 7))
		return "--timestamp-url: only http:// is supported (the TSA signs its reply)";
	return NULL;
}

pi_status pi_signer_resolve(const pi_opts *o, pi_signer_ctx *sx, pi_diag *d)
{
	memset(sx, 0, sizeof *sx);
	const char *misuse = certificate_misuse(o);
	if (misuse)
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "%s", misuse);
	int cert = o->p12 || o->cert;
	if (cert && (o->signer == PI_SIGNER_CODESIGN || o->signer == PI_SIGNER_NONE)) {
		pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "--signer %s cannot sign with %s",
		        o->signer == PI_SIGNER_NONE ? "none" : "codesign", o->p12 ? "--p12" : "--key/--cert");
		pi_hint(d, "leave --signer out (or give --signer internal) to sign with the certificate");
		return PI_E_USAGE;
	}
	if (cert) {
		if (strcmp(o->sign_identity, "-") || o->timestamp == 1 || o->keychain || o->entitlements) {
			pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "%s is codesign's; with %s the built-in signer signs",
			        strcmp(o->sign_identity, "-") ? "--sign" : o->timestamp == 1 ? "--timestamp"
			        : o->keychain ? "--keychain" : "--entitlements",
			        o->p12 ? "--p12" : "--key/--cert");
			if (o->timestamp == 1)
				pi_hint(d, "give --timestamp-url URL for an RFC 3161 timestamp");
			return PI_E_USAGE;
		}
		pi_identity_src src = { .p12 = o->p12, .p12_password_file = o->p12_password_file, .key = o->key,
		                        .cert = o->cert, .chain = o->cert_chain };
		pi_status st = pi_identity_load(&src, time(NULL), &sx->id, d);
		if (st != PI_OK)
			return st;
		sx->ops = &signer_certificate;
		sx->timestamp_url = o->timestamp_url;
		sx->cms = (pi_cs_cms_cb){ cert_cms, sx };
		const pi_identity_info *in = pi_identity_get_info(sx->id);
		if (in->apple_chain && !sx->timestamp_url)
			pi_warn(d, PI_NO_OFFSET, "the Developer ID signature gets no secure timestamp without --timestamp-url "
			                         "(notarization reports \"The signature does not include a secure timestamp\")");
		if (in->apple_chain)
			snprintf(sx->team, sizeof sx->team, "%s", in->team);
		snprintf(sx->replaces, sizeof sx->replaces,
		         "one with certificate '%s': the team ID and the designated requirement change",
		         in->subject_cn[0] ? in->subject_cn : in->subject_o);
		snprintf(sx->wrote_as, sizeof sx->wrote_as, "signed with certificate '%s'%s%s%s as",
		         in->subject_cn[0] ? in->subject_cn : in->subject_o, in->team[0] && in->apple_chain ? " (team " : "",
		         in->apple_chain ? in->team : "", in->team[0] && in->apple_chain ? ")" : "");
		return PI_OK;
	}
	pi_status st = resolve_plain(o, &sx->ops, sx->codesign, sizeof sx->codesign, d);
	if (st == PI_OK)
		snprintf(sx->wrote_as, sizeof sx->wrote_as, "%s", sx->ops->wrote_as);
	if (st == PI_OK && !sx->ops->removes && sx->ops->adhoc(o))
		snprintf(sx->replaces, sizeof sx->replaces,
		         "an ad-hoc one: the team ID, notarization and the designated requirement are lost");
	return st;
}

void pi_signer_ctx_free(pi_signer_ctx *sx)
{
	pi_identity_free(sx->id);
	sx->id = NULL;
}

static pi_status resolve_plain(const pi_opts *o, const pi_signer_ops **ops, char *codesign, size_t len,
                               pi_diag *d)
{
	codesign[0] = 0;
	switch (o->signer) {
	case PI_SIGNER_AUTO:
#ifdef __APPLE__
		*ops = pi_codesign_find(1, codesign, len) ? &signer_codesign : &signer_internal;
#else
		*ops = &signer_internal;
#endif
		break;
	case PI_SIGNER_CODESIGN:
		if (!pi_codesign_find(0, codesign, len)) {
			pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "--signer codesign: no codesign on PATH");
			pi_hint(d, "install Xcode's command-line tools, or use --signer internal");
			return PI_E_EXTERNAL;
		}
		*ops = &signer_codesign;
		break;
	case PI_SIGNER_NONE: *ops = &pi_signer_none; break;
	default: *ops = &signer_internal; break;
	}
	const char *what = *ops != &signer_codesign ? codesign_only_option(o) : NULL;
	if (what) {
		pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "the built-in signer signs ad hoc only: %s needs codesign", what);
		pi_hint(d, "use --signer codesign on a Mac, or --p12 or --key/--cert to sign with a certificate here");
		return PI_E_USAGE;
	}
	return PI_OK;
}
