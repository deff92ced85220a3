/* cstool.c - test tool for the certificate-signing modules (src/cs_req.c,
 * src/cs_cms.c) before they are wired into the pipeline; not installed.
 *
 *   cstool load   IDENTITY                 identity facts, or the refusal line
 *   cstool sign   IDENTITY [--time T] [--tsa URL] CD OUT   CMS over the CD file
 *   cstool parts  CMS [--sig F] [--token F] [--attrs F]   BER walk, pieces cut out
 *   cstool verify CMS CD                   pi_cms_verify
 *   cstool reqset ID TEAM | ID --hash SLOT HEX   requirements set to stdout
 *   cstool readreq FILE                    pi_cs_reqset_parse
 *   cstool oracle IDENTITY MACHO           Apple's DR and signed attributes
 *   cstool check  MACHO                    pi_cms_inspect per signed slice
 *   cstool checkcms CMS CD [REQSET ID]     pi_cms_inspect of one CMS over a
 *                                          SHA-256 CD file
 *
 * IDENTITY: --p12 F [--pass-file F] | --key F --cert F [--chain F], and
 * --now EPOCH (validity is judged then; default now).  Exit 0 on success, 1
 * on a refusal or mismatch (the reason on stderr). */
#define _DEFAULT_SOURCE /* timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../src/cs_blob.h"
#include "../src/cs_cms.h"
#include "../src/cs_req.h"
#include "../src/digest.h"
#include "../src/file_io.h"
#include "../src/macho.h"

static int die(pi_diag *d)
{
	pi_diag_print(d, stderr);
	return 1;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *b = malloc(cap);
	size_t k;
	while ((k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap)
			b = realloc(b, cap *= 2);
	}
	fclose(f);
	*len = n;
	return b;
}

static void spit(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* Parse the identity options at argv[*i..]; stops at the first other word. */
static void id_opts(int argc, char **argv, int *i, pi_identity_src *s, time_t *now)
{
	memset(s, 0, sizeof *s);
	*now = time(NULL);
	while (*i + 1 < argc && argv[*i][0] == '-' && argv[*i][1] == '-') {
		const char *o = argv[*i], *v = argv[*i + 1];
		if (!strcmp(o, "--p12"))
			s->p12 = v;
		else if (!strcmp(o, "--pass-file"))
			s->p12_password_file = v;
		else if (!strcmp(o, "--key"))
			s->key = v;
		else if (!strcmp(o, "--cert"))
			s->cert = v;
		else if (!strcmp(o, "--chain"))
			s->chain = v;
		else if (!strcmp(o, "--now"))
			*now = (time_t)strtoll(v, NULL, 10);
		else
			return;
		*i += 2;
	}
}

static void hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static int cmd_load(int argc, char **argv, int i)
{
	pi_identity_src s;
	time_t now;
	id_opts(argc, argv, &i, &s, &now);
	pi_diag d;
	pi_diag_init(&d, "cstool", stderr);
	pi_identity *id;
	if (pi_identity_load(&s, now, &id, &d))
		return die(&d);
	const pi_identity_info *in = pi_identity_get_info(id);
	printf("cn %s\no %s\nteam %s\napple %d\nncerts %d\ndr_slot %d\ndr_hash ", in->subject_cn, in->subject_o,
	       in->team, in->apple_chain, in->ncerts, in->dr_slot);
	hex(in->dr_hash, 20);
	printf("\nleaf_sha1 ");
	hex(in->leaf_sha1, 20);
	printf("\nbound %llu\nbound_ts %llu\n", (unsigned long long)pi_cms_size_bound(id, 0),
	       (unsigned long long)pi_cms_size_bound(id, 1));
	pi_cs_req r;
	if (pi_identity_dr(id, "com.example.tool", &r))
		printf("dr_kind %d\ndr_size %u\n", r.kind, pi_cs_reqset_size(&r));
	pi_identity_free(id);
	return 0;
}

static int cmd_sign(int argc, char **argv, int i)
{
	pi_identity_src s;
	time_t now;
	id_opts(argc, argv, &i, &s, &now);
	pi_cms_params p = { .signing_time = time(NULL), .timeout_seconds = 10 };
	while (i + 1 < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--time"))
			p.signing_time = (time_t)strtoll(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--tsa"))
			p.timestamp_url = argv[i + 1];
		else if (!strcmp(argv[i], "--max"))
			p.max_len = strtoull(argv[i + 1], NULL, 10);
		else
			break;
		i += 2;
	}
	if (i + 2 != argc) {
		fprintf(stderr, "usage: cstool sign IDENTITY [--time T] [--tsa URL] [--max N] CD OUT\n");
		return 2;
	}
	pi_diag d;
	pi_diag_init(&d, "cstool", stderr);
	pi_identity *id;
	if (pi_identity_load(&s, now, &id, &d))
		return die(&d);
	size_t cdlen;
	uint8_t *cd = slurp(argv[i], &cdlen);
	p.cd = cd;
	p.cd_len = cdlen;
	uint8_t *der;
	size_t n;
	if (pi_cms_sign(id, &p, &der, &n, &d)) {
		free(cd);
		pi_identity_free(id);
		return die(&d);
	}
	spit(argv[i + 1], der, n);
	printf("der %zu\nbound %llu\n", n, (unsigned long long)pi_cms_size_bound(id, p.timestamp_url != NULL));
	free(der);
	free(cd);
	pi_identity_free(id);
	return 0;
}

static int cmd_parts(int argc, char **argv, int i)
{
	if (i >= argc)
		return 2;
	size_t n;
	uint8_t *b = slurp(argv[i++], &n);
	pi_cur c = pi_cur_make(b, n, 0);
	pi_cms_parts pp;
	pi_diag d;
	pi_diag_init(&d, "cms", stderr);
	if (pi_cms_parts_parse(&c, &pp, &d))
		return die(&d);
	printf("detached %d\nncerts %u\nnsigners %u\nattrs %llu\nsig %llu\ntoken %llu\n", pp.detached, pp.ncerts,
	       pp.nsigners, (unsigned long long)pp.attrs_len, (unsigned long long)pp.sig_len,
	       (unsigned long long)pp.token_len);
	for (; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--sig"))
			spit(argv[i + 1], b + pp.sig_off, pp.sig_len);
		else if (!strcmp(argv[i], "--token"))
			spit(argv[i + 1], b + pp.token_off, pp.token_len);
		else if (!strcmp(argv[i], "--attrs"))
			spit(argv[i + 1], b + pp.attrs_off, pp.attrs_len);
	}
	free(b);
	return 0;
}

static int cmd_verify(int argc, char **argv, int i)
{
	if (i + 2 != argc)
		return 2;
	size_t n, cn;
	uint8_t *b = slurp(argv[i], &n), *cd = slurp(argv[i + 1], &cn);
	pi_cur c = pi_cur_make(b, n, 0);
	char why[200];
	int ok = pi_cms_verify(&c, cd, cn, why, sizeof why);
	printf(ok ? "verified\n" : "not verified: %s\n", why);
	free(b);
	free(cd);
	return !ok;
}

static int cmd_reqset(int argc, char **argv, int i)
{
	pi_cs_req r = { 0 };
	if (i + 2 == argc) {
		r.kind = PI_CS_REQ_DEVELOPER_ID;
		snprintf(r.team, sizeof r.team, "%s", argv[i + 1]);
	} else if (i + 4 == argc && !strcmp(argv[i + 1], "--hash")) {
		r.kind = PI_CS_REQ_CERT_HASH;
		r.slot = atoi(argv[i + 2]);
		const char *h = argv[i + 3];
		for (r.hash_len = 0; r.hash_len < 32 && h[2 * r.hash_len]; r.hash_len++)
			sscanf(h + 2 * r.hash_len, "%2hhx", &r.hash[r.hash_len]);
	} else {
		return 2;
	}
	snprintf(r.identifier, sizeof r.identifier, "%s", argv[i]);
	uint32_t n = pi_cs_reqset_size(&r);
	uint8_t *b = malloc(n ? n : 1);
	if (!n || pi_cs_reqset_write(&r, b) != n)
		return 1;
	fwrite(b, 1, n, stdout);
	free(b);
	return 0;
}

static int cmd_readreq(int argc, char **argv, int i)
{
	if (i + 1 != argc)
		return 2;
	size_t n;
	uint8_t *b = slurp(argv[i], &n);
	pi_cur c = pi_cur_make(b, n, 0);
	pi_cs_req r;
	pi_diag d;
	pi_diag_init(&d, argv[i], stderr);
	if (pi_cs_reqset_parse(&c, &r, &d))
		return die(&d);
	printf("kind %d\nidentifier %s\nteam %s\nslot %d\nhash ", r.kind, r.identifier, r.team, r.slot);
	hex(r.hash, r.hash_len);
	printf("\n");
	free(b);
	return 0;
}

/* Apple's signing time and leaf certificate from Apple's CMS. */
static int apple_facts(const uint8_t *p, size_t n, time_t *t, X509 **leaf)
{
	const unsigned char *q = p;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)n);
	if (!cms)
		return 0;
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	X509_ATTRIBUTE *a = CMS_signed_get_attr(si, CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1));
	ASN1_TYPE *v = a ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
	struct tm tm;
	int ok = v && v->type == V_ASN1_UTCTIME && ASN1_TIME_to_tm(v->value.utctime, &tm);
	if (ok)
		*t = timegm(&tm);
	*leaf = NULL;
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	for (int i = 0; i < sk_X509_num(certs) && !*leaf; i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0) {
			*leaf = sk_X509_value(certs, i);
			X509_up_ref(*leaf);
		}
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	return ok && *leaf;
}

static int cmd_oracle(int argc, char **argv, int i)
{
	pi_identity_src s;
	time_t now;
	id_opts(argc, argv, &i, &s, &now);
	if (i + 1 != argc)
		return 2;
	const char *path = argv[i];
	pi_diag d;
	pi_diag_init(&d, path, stderr);
	pi_identity *id;
	pi_map m;
	pi_image img;
	if (pi_identity_load(&s, now, &id, &d) || pi_map_open(path, &m, &d) ||
	    pi_macho_read(m.data, m.size, &img, &d))
		return die(&d);
	int bad = 0;
	for (uint32_t k = 0; k < img.nslices; k++) {
		pi_slice *sl = &img.slices[k];
		if (sl->unsupported || !sl->has_codesig)
			continue;
		pi_cur c;
		pi_cs_sig sig;
		pi_cur_sub(&sl->cur, sl->cs_dataoff, sl->cs_datasize, &c);
		pi_cs_sig_parse(&c, &sig);
		const pi_cs_blobref *rq = pi_cs_sig_blob(&sig, 2), *cm = pi_cs_sig_blob(&sig, 0x10000);
		if (!sig.has_cd || !rq || !cm || cm->len <= 8) {
			printf("%s: no CD, requirements or CMS\n", sl->arch);
			bad = 1;
			continue;
		}
		const pi_cs_cd *cd = &sig.cds[0];
		/* 1. the designated requirement */
		pi_cs_req r = { .kind = PI_CS_REQ_DEVELOPER_ID };
		snprintf(r.identifier, sizeof r.identifier, "%s", cd->identifier);
		snprintf(r.team, sizeof r.team, "%s", cd->team);
		uint32_t n = pi_cs_reqset_size(&r);
		uint8_t *ours = malloc(n);
		pi_cs_reqset_write(&r, ours);
		int same = n == rq->len && memcmp(ours, rq->p, n) == 0;
		printf("%s: dr %u %s (%s, team %s)\n", sl->arch, n, same ? "equal" : "DIFFERENT", cd->identifier, cd->team);
		bad |= !same;
		pi_cs_req back;
		pi_cur rc = pi_cur_make(rq->p, rq->len, rq->abs_off);
		same = pi_cs_reqset_parse(&rc, &back, &d) == PI_OK && back.kind == PI_CS_REQ_DEVELOPER_ID &&
		       !strcmp(back.identifier, cd->identifier) && !strcmp(back.team, cd->team);
		printf("%s: dr parses as Developer ID %s\n", sl->arch, same ? "yes" : "NO");
		bad |= !same;
		free(ours);
		/* 2. Apple's CMS verifies over the CD; not over a changed one */
		pi_cur cc = pi_cur_make(cm->p + 8, cm->len - 8, cm->abs_off + 8);
		char why[200];
		int v1 = pi_cms_verify(&cc, cd->p, cd->length, why, sizeof why);
		uint8_t *cd2 = malloc(cd->length);
		memcpy(cd2, cd->p, cd->length);
		cd2[cd->length / 2] ^= 1;
		int v2 = pi_cms_verify(&cc, cd2, cd->length, why, sizeof why);
		free(cd2);
		printf("%s: apple cms verifies %s, after one changed CD byte %s\n", sl->arch, v1 ? "yes" : "NO",
		       v2 ? "STILL" : "no");
		bad |= !v1 || v2;
		/* 3. our signed attributes with Apple's signing time */
		pi_cms_parts ap, op;
		time_t t;
		X509 *leaf;
		if (pi_cms_parts_parse(&cc, &ap, &d) || !apple_facts(cc.p, cc.len, &t, &leaf))
			return die(&d);
		pi_cms_params p = { .cd = cd->p, .cd_len = cd->length, .signing_time = t };
		uint8_t *der;
		size_t dl;
		if (pi_cms_sign(id, &p, &der, &dl, &d))
			return die(&d);
		pi_cur oc = pi_cur_make(der, dl, 0);
		if (pi_cms_parts_parse(&oc, &op, &d))
			return die(&d);
		same = op.attrs_len == ap.attrs_len && memcmp(der + op.attrs_off, cc.p + ap.attrs_off, op.attrs_len) == 0;
		printf("%s: signed attributes %llu %s\n", sl->arch, (unsigned long long)op.attrs_len,
		       same ? "equal" : "DIFFERENT");
		bad |= !same;
		/* 4. Apple's RSA signature over our bytes, retagged [0] -> SET */
		uint8_t *a = malloc(op.attrs_len);
		memcpy(a, der + op.attrs_off, op.attrs_len);
		a[0] = 0x31;
		EVP_MD_CTX *mctx = EVP_MD_CTX_new();
		int ok = EVP_DigestVerifyInit(mctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(leaf)) == 1 &&
		         EVP_DigestVerify(mctx, cc.p + ap.sig_off, ap.sig_len, a, op.attrs_len) == 1;
		printf("%s: apple signature (%llu B) verifies over ours %s\n", sl->arch, (unsigned long long)ap.sig_len,
		       ok ? "yes" : "NO");
		bad |= !ok;
		a[op.attrs_len - 1] ^= 1;
		EVP_MD_CTX_reset(mctx);
		ok = EVP_DigestVerifyInit(mctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(leaf)) == 1 &&
		     EVP_DigestVerify(mctx, cc.p + ap.sig_off, ap.sig_len, a, op.attrs_len) == 1;
		printf("%s: after one changed attribute byte %s\n", sl->arch, ok ? "STILL" : "no");
		bad |= ok;
		ERR_clear_error();
		EVP_MD_CTX_free(mctx);
		free(a);
		free(der);
		X509_free(leaf);
	}
	pi_identity_free(id);
	pi_image_free(&img);
	pi_map_close(&m);
	return bad;
}

static void print_report(const char *label, const pi_cms_report *r)
{
	printf("%s: signature %s%s%s\n", label, r->signature_ok ? "ok" : "BAD", r->signature_ok ? "" : ": ",
	       r->signature_ok ? "" : r->why);
	printf("%s: cdhashes v1 %s, v2 %s\n", label, !r->v1_present ? "absent" : r->v1_ok ? "ok" : "BAD",
	       !r->v2_present ? "absent" : r->v2_ok ? "ok" : "BAD");
	printf("%s: timestamp %s, signing time %lld\n", label, r->has_timestamp ? "yes" : "no",
	       (long long)r->signing_time);
	printf("%s: signer \"%s\", team \"%s\", apple %d, %d certificates\n", label, r->signer.subject_cn,
	       r->signer.team, r->signer.apple_chain, r->signer.ncerts);
	printf("%s: dr %s\n", label, !r->dr_checked ? "not checked" : r->dr_satisfied ? "satisfied" : "NOT satisfied");
}

static int cmd_check(int argc, char **argv, int i)
{
	if (i + 1 != argc)
		return 2;
	pi_diag d;
	pi_diag_init(&d, argv[i], stderr);
	pi_map m;
	pi_image img;
	if (pi_map_open(argv[i], &m, &d) || pi_macho_read(m.data, m.size, &img, &d))
		return die(&d);
	int bad = 0;
	for (uint32_t k = 0; k < img.nslices; k++) {
		pi_slice *sl = &img.slices[k];
		if (sl->unsupported || !sl->has_codesig)
			continue;
		pi_cur c;
		pi_cs_sig sig;
		pi_cur_sub(&sl->cur, sl->cs_dataoff, sl->cs_datasize, &c);
		pi_cs_sig_parse(&c, &sig);
		const pi_cs_blobref *rq = pi_cs_sig_blob(&sig, 2), *cm = pi_cs_sig_blob(&sig, 0x10000);
		if (!sig.has_cd || !cm || cm->len <= 8) {
			printf("%s: not a certificate signature\n", sl->arch);
			continue;
		}
		pi_cms_cd cds[PI_CS_MAX_CDS];
		for (uint32_t j = 0; j < sig.ncds; j++)
			cds[j] = (pi_cms_cd){ sig.cds[j].p, sig.cds[j].length, sig.cds[j].hash_type };
		pi_cs_req dr;
		int have_dr = 0;
		if (rq) {
			pi_cur rc = pi_cur_make(rq->p, rq->len, rq->abs_off);
			have_dr = pi_cs_reqset_parse(&rc, &dr, &d) == PI_OK;
		}
		pi_cur cc = pi_cur_make(cm->p + 8, cm->len - 8, cm->abs_off + 8);
		pi_cms_report r;
		if (pi_cms_inspect(&cc, cds, sig.ncds, have_dr ? &dr : NULL, sig.cds[0].identifier, &r, &d))
			return die(&d);
		print_report(sl->arch, &r);
		bad |= !r.signature_ok;
		/* the same with one byte of the slot-0 CD changed */
		uint8_t *cd2 = malloc(cds[0].len);
		memcpy(cd2, cds[0].p, cds[0].len);
		cd2[cds[0].len - 1] ^= 1;
		cds[0].p = cd2;
		pi_cms_report r2;
		if (pi_cms_inspect(&cc, cds, sig.ncds, NULL, NULL, &r2, &d) == PI_OK)
			printf("%s: after one changed CD byte: signature %s (%s)\n", sl->arch,
			       r2.signature_ok ? "STILL ok" : "bad", r2.why);
		free(cd2);
	}
	pi_image_free(&img);
	pi_map_close(&m);
	return bad;
}

static int cmd_checkcms(int argc, char **argv, int i)
{
	if (i + 2 != argc && i + 4 != argc)
		return 2;
	size_t n, cn, rn = 0;
	uint8_t *b = slurp(argv[i], &n), *cd = slurp(argv[i + 1], &cn), *rq = NULL;
	pi_cs_req dr;
	pi_diag d;
	pi_diag_init(&d, argv[i], stderr);
	if (i + 4 == argc) {
		rq = slurp(argv[i + 2], &rn);
		pi_cur rc = pi_cur_make(rq, rn, 0);
		if (pi_cs_reqset_parse(&rc, &dr, &d))
			return die(&d);
	}
	pi_cms_cd one = { cd, cn, 2 };
	pi_cur c = pi_cur_make(b, n, 0);
	pi_cms_report r;
	if (pi_cms_inspect(&c, &one, 1, rq ? &dr : NULL, rq ? argv[i + 3] : NULL, &r, &d))
		return die(&d);
	print_report("cms", &r);
	free(b);
	free(cd);
	free(rq);
	return !r.signature_ok;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: cstool load|sign|parts|verify|reqset|readreq|oracle|check|checkcms ...\n");
		return 2;
	}
	const char *c = argv[1];
	if (!strcmp(c, "load"))
		return cmd_load(argc, argv, 2);
	if (!strcmp(c, "sign"))
		return cmd_sign(argc, argv, 2);
	if (!strcmp(c, "parts"))
		return cmd_parts(argc, argv, 2);
	if (!strcmp(c, "verify"))
		return cmd_verify(argc, argv, 2);
	if (!strcmp(c, "reqset"))
		return cmd_reqset(argc, argv, 2);
	if (!strcmp(c, "readreq"))
		return cmd_readreq(argc, argv, 2);
	if (!strcmp(c, "oracle"))
		return cmd_oracle(argc, argv, 2);
	if (!strcmp(c, "check"))
		return cmd_check(argc, argv, 2);
	if (!strcmp(c, "checkcms"))
		return cmd_checkcms(argc, argv, 2);
	fprintf(stderr, "cstool: unknown command %s\n", c);
	return 2;
}
