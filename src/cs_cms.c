/* cs_cms.c - signing identity, Apple's CMS SignedData, RFC 3161 timestamp,
 * and a BER walk of a CMS (see cs_cms.h).  With digest.c, the only OpenSSL
 * user. */
#include "config.h"

#include "cs_cms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/http.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <plist/plist.h>

#define MAX_CHAIN 10

struct pi_identity {
	EVP_PKEY *key;
	X509 *chain[MAX_CHAIN]; /* leaf first, then each issuer up to the root */
	int n;
	pi_identity_info info;
};

/* Apple Root CA ("Apple Inc. Root"), DER SHA-256 (section 3). */
static const uint8_t apple_root_sha256[32] = {
	0xb0, 0xb1, 0x73, 0x0e, 0xcb, 0xc7, 0xff, 0x45, 0x05, 0x14, 0x2c, 0x49, 0xf1, 0x29, 0x5e, 0x6e,
	0xda, 0x6b, 0xca, 0xed, 0x7e, 0x2c, 0x68, 0xc5, 0xbe, 0x91, 0xb5, 0xa1, 0x10, 0x01, 0xf0, 0x24,
};
#define OID_DEVID_LEAF "1.2.840.113635.100.6.1.13"
#define OID_DEVID_CA "1.2.840.113635.100.6.2.6"
#define OID_CDHASHES "1.2.840.113635.100.9.1"
#define OID_CDHASHES2 "1.2.840.113635.100.9.2"

/* The OpenSSL reason for a message (the system error when one is queued,
 * else the last reason); clears the error queue. */
static const char *ossl_why(char *buf, size_t n)
{
	const char *data = NULL;
	int flags = 0;
	unsigned long first = ERR_peek_error(), e = ERR_peek_last_error_data(&data, &flags);
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	if (!data || !(flags & ERR_TXT_STRING))
		data = "";
	if (first && ERR_SYSTEM_ERROR(first)) { /* "Connection refused", not "connect error" */
		r = strerror(ERR_GET_REASON(first));
		data = "";
	} else if (data[0] && e && ERR_GET_REASON(e) == ERR_R_SYS_LIB) { /* "system lib" adds nothing */
		r = data;
		data = "";
	}
	snprintf(buf, n, "%s%s%s", r ? r : "unknown OpenSSL error", data[0] ? ": " : "", data);
	ERR_clear_error();
	return buf;
}

static int has_ext(X509 *x, const char *oid)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	int r = o && X509_get_ext_by_OBJ(x, o, -1) >= 0;
	ASN1_OBJECT_free(o);
	return r;
}

/* First subject entry of nid as one line of UTF-8, "" when none. */
static void name_field(X509 *x, int nid, char *out, size_t n)
{
	out[0] = 0;
	X509_NAME *nm = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(nm, nid, -1);
	if (i < 0)
		return;
	unsigned char *u = NULL;
	int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i)));
	if (len > 0) {
		snprintf(out, n, "%.*s", len, (const char *)u);
		pi_one_line(out);
	}
	OPENSSL_free(u);
}

/* Subject equals issuer (X509_check_issued would also demand keyCertSign,
 * which a self-signed code-signing leaf rightly lacks). */
static int self_issued(X509 *x)
{
	return (X509_get_extension_flags(x) & EXFLAG_SI) != 0;
}

/* Read every PEM certificate in path onto st.  Returns the count, -1 when
 * the file cannot be opened. */
static int read_pem_certs(const char *path, STACK_OF(X509) *st)
{
	BIO *b = BIO_new_file(path, "rb");
	if (!b)
		return -1;
	int n = 0;
	X509 *x;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(st, x)) {
			X509_free(x);
			break;
		}
		n++;
	}
	ERR_clear_error(); /* the read past the last certificate */
	BIO_free(b);
	return n;
}

/* The password for a PKCS#12 file: first line of the file, else the
 * environment, else "". */
static pi_status p12_password(const pi_identity_src *s, char *pw, size_t n, pi_diag *d)
{
	pw[0] = 0;
	if (s->p12_password_file) {
		FILE *f = fopen(s->p12_password_file, "r");
		if (!f)
			return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "cannot read the password file %s: %s",
			               s->p12_password_file, strerror(errno));
		if (!fgets(pw, (int)n, f))
			pw[0] = 0;
		fclose(f);
		pw[strcspn(pw, "\r\n")] = 0;
		return PI_OK;
	}
	const char *e = getenv(PI_P12_PASSWORD_ENV);
	if (e)
		snprintf(pw, n, "%s", e);
	return PI_OK;
}

static pi_status load_p12(const pi_identity_src *s, EVP_PKEY **key, X509 **leaf, STACK_OF(X509) *pool,
                          pi_diag *d)
{
	char pw[1024], why[160];
	pi_status st = p12_password(s, pw, sizeof pw, d);
	if (st)
		return st;
	BIO *b = BIO_new_file(s->p12, "rb");
	if (!b)
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "cannot read the PKCS#12 file %s: %s", s->p12,
		               strerror(errno));
	PKCS12 *p12 = d2i_PKCS12_bio(b, NULL);
	BIO_free(b);
	if (!p12) {
		ossl_why(why, sizeof why);
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "%s is not a PKCS#12 file (%s)", s->p12, why);
	}
	if (!PKCS12_verify_mac(p12, pw, -1)) {
		OPENSSL_cleanse(pw, sizeof pw);
		PKCS12_free(p12);
		ERR_clear_error();
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "%s: wrong PKCS#12 password (give it with --p12-password-file or %s)",
		               s->p12, PI_P12_PASSWORD_ENV);
	}
	STACK_OF(X509) *ca = NULL;
	int ok = PKCS12_parse(p12, pw, key, leaf, &ca);
	if (!ok) {
		/* Older Keychain exports use RC2-40 / 3DES, which OpenSSL 3 keeps in
		 * its legacy provider: load it (and default, which an explicit
		 * load would otherwise disable) for this one retry. */
		ERR_clear_error();
		OSSL_PROVIDER *legacy = OSSL_PROVIDER_load(NULL, "legacy");
		OSSL_PROVIDER *deflt = legacy ? OSSL_PROVIDER_load(NULL, "default") : NULL;
		if (legacy && deflt)
			ok = PKCS12_parse(p12, pw, key, leaf, &ca);
		if (!ok)
			ossl_why(why, sizeof why);
		if (deflt)
			OSSL_PROVIDER_unload(deflt);
		if (legacy)
			OSSL_PROVIDER_unload(legacy);
		if (!legacy)
			snprintf(why, sizeof why, "its encryption needs OpenSSL's legacy provider, which is not installed");
	}
	OPENSSL_cleanse(pw, sizeof pw);
	PKCS12_free(p12);
	if (!ok)
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "cannot read the PKCS#12 file %s: %s", s->p12, why);
	if (!*key || !*leaf) {
		sk_X509_pop_free(ca, X509_free);
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "%s holds no %s", s->p12,
		               *key ? "certificate" : "private key");
	}
	for (int i = 0; ca && i < sk_X509_num(ca); i++) {
		X509 *x = sk_X509_value(ca, i);
		if (X509_up_ref(x) && !sk_X509_push(pool, x))
			X509_free(x);
	}
	sk_X509_pop_free(ca, X509_free);
	return PI_OK;
}

static pi_status load_pem(const pi_identity_src *s, EVP_PKEY **key, X509 **leaf, STACK_OF(X509) *pool,
                          pi_diag *d)
{
	char why[160];
	BIO *b = BIO_new_file(s->key, "rb");
	if (!b)
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "cannot read the key file %s: %s", s->key, strerror(errno));
	*key = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
	BIO_free(b);
	if (!*key) {
		ossl_why(why, sizeof why);
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		               "%s holds no unencrypted PEM private key (%s)", s->key, why);
	}
	STACK_OF(X509) *certs = sk_X509_new_null();
	int n = certs ? read_pem_certs(s->cert, certs) : -1;
	if (n <= 0) {
		sk_X509_pop_free(certs, X509_free);
		if (n < 0)
			return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "cannot read the certificate file %s: %s", s->cert,
			               strerror(errno));
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "%s holds no PEM certificate", s->cert);
	}
	*leaf = sk_X509_shift(certs);
	X509 *x;
	while ((x = sk_X509_shift(certs)) != NULL)
		if (!sk_X509_push(pool, x))
			X509_free(x);
	sk_X509_free(certs);
	if (s->chain) {
		n = read_pem_certs(s->chain, pool);
		if (n < 0)
			return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "cannot read the chain file %s: %s", s->chain,
			               strerror(errno));
		if (n == 0)
			return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "%s holds no PEM certificate", s->chain);
	}
	return PI_OK;
}

/* Facts about the ordered chain (pi_identity_info). */
static void describe(pi_identity *id)
{
	pi_identity_info *in = &id->info;
	X509 *leaf = id->chain[0];
	in->ncerts = id->n;
	name_field(leaf, NID_commonName, in->subject_cn, sizeof in->subject_cn);
	name_field(leaf, NID_organizationName, in->subject_o, sizeof in->subject_o);
	unsigned int len = 0;
	X509_digest(leaf, EVP_sha1(), in->leaf_sha1, &len);
	uint8_t root[32];
	X509 *last = id->chain[id->n - 1];
	in->apple_chain = id->n >= 3 && has_ext(leaf, OID_DEVID_LEAF) && has_ext(id->chain[1], OID_DEVID_CA) &&
	                  self_issued(last) && X509_digest(last, EVP_sha256(), root, &len) &&
	                  memcmp(root, apple_root_sha256, 32) == 0;
	if (in->apple_chain)
		name_field(leaf, NID_organizationalUnitName, in->team, sizeof in->team);
	/* DRMaker's nonAppleAnchor: walk up while the subject O equals the
	 * leaf's; reaching the root pins it as the anchor (-1). */
	int i = 0;
	if (in->subject_o[0]) {
		char o[256];
		while (i + 1 < id->n) {
			name_field(id->chain[i + 1], NID_organizationName, o, sizeof o);
			if (strcmp(o, in->subject_o) != 0)
				break;
			i++;
		}
		in->dr_slot = (i == id->n - 1 && self_issued(id->chain[i])) ? -1 : i;
	} else {
		in->dr_slot = 0;
	}
	X509_digest(id->chain[i], EVP_sha1(), in->dr_hash, &len);
	const ASN1_TIME *na = X509_get0_notAfter(leaf);
	struct tm tm;
	in->not_after = ASN1_TIME_to_tm(na, &tm) ? timegm(&tm) : 0;
}

static void fmt_time(const ASN1_TIME *t, char *out, size_t n)
{
	struct tm tm;
	if (ASN1_TIME_to_tm(t, &tm))
		strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
	else
		snprintf(out, n, "(unreadable)");
}

/* The checks Apple's code-signing policy makes of the leaf (section 3). */
static pi_status check_leaf(const pi_identity *id, const char *file, time_t now, pi_diag *d)
{
	X509 *leaf = id->chain[0];
	char when[64];
	if (X509_check_private_key(leaf, id->key) != 1) {
		ERR_clear_error();
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "%s: the private key does not match the certificate", file);
	}
	uint32_t fl = X509_get_extension_flags(leaf);
	if (!(fl & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN))
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		               "%s: the certificate has no extended key usage codeSigning (1.3.6.1.5.5.7.3.3), which macOS requires",
		               file);
	if ((fl & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(leaf) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		               "%s: the certificate's key usage allows neither digitalSignature nor nonRepudiation", file);
	if (X509_cmp_time(X509_get0_notAfter(leaf), &now) < 0) {
		fmt_time(X509_get0_notAfter(leaf), when, sizeof when);
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "%s: the certificate expired on %s", file, when);
	}
	if (X509_cmp_time(X509_get0_notBefore(leaf), &now) > 0) {
		fmt_time(X509_get0_notBefore(leaf), when, sizeof when);
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "%s: the certificate is not valid before %s", file, when);
	}
	return PI_OK;
}

/* Append to id->chain (which holds the leaf) its issuer among pool, then
 * that one's, up to a self-issued root.  Returns how many certificates of
 * pool are neither on that path nor a copy of the leaf. */
static int order_chain(pi_identity *id, STACK_OF(X509) *pool)
{
	int npool = sk_X509_num(pool);
	unsigned char used[64] = { 0 };
	while (id->n < MAX_CHAIN && !self_issued(id->chain[id->n - 1])) {
		int k = -1;
		for (int i = 0; i < npool && i < 64 && k < 0; i++)
			if (!used[i] && X509_check_issued(sk_X509_value(pool, i), id->chain[id->n - 1]) == X509_V_OK)
				k = i;
		if (k < 0)
			break;
		used[k] = 1;
		X509 *x = sk_X509_value(pool, k);
		X509_up_ref(x);
		id->chain[id->n++] = x;
	}
	int extra = 0;
	for (int i = 0; i < npool && i < 64; i++)
		if (!used[i] && X509_cmp(sk_X509_value(pool, i), id->chain[0]) != 0)
			extra++;
	return extra;
}

pi_status pi_identity_load(const pi_identity_src *s, time_t now, pi_identity **out, pi_diag *d)
{
	*out = NULL;
	int pem = s->key || s->cert;
	if (!s->p12 == !pem)
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		               s->p12 ? "give either --p12 or --key and --cert, not both"
		                      : "give --p12 FILE, or --key FILE and --cert FILE");
	if (pem && (!s->key || !s->cert))
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "--key and --cert go together");
	pi_identity *id = calloc(1, sizeof *id);
	STACK_OF(X509) *pool = sk_X509_new_null();
	X509 *leaf = NULL;
	pi_status st = PI_OK;
	if (!id || !pool) {
		st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory loading the identity");
		goto out;
	}
	st = s->p12 ? load_p12(s, &id->key, &leaf, pool, d) : load_pem(s, &id->key, &leaf, pool, d);
	if (st)
		goto out;
	id->chain[id->n++] = leaf;
	leaf = NULL;
	int extra = order_chain(id, pool);
	const char *file = s->p12 ? s->p12 : s->cert;
	if (extra)
		pi_warn(d, PI_NO_OFFSET, "%s: %d certificate%s not on the leaf's chain left out",
		        s->p12 ? s->p12 : s->chain ? s->chain : s->cert,
		        extra, extra == 1 ? "" : "s");
	if ((st = check_leaf(id, file, now, d)))
		goto out;
	describe(id);
	if ((has_ext(id->chain[0], OID_DEVID_LEAF) || (id->n > 1 && has_ext(id->chain[1], OID_DEVID_CA))) &&
	    !id->info.apple_chain) {
		st = pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		             "%s: a Developer ID certificate whose chain does not reach Apple Root CA (%d certificate%s found)",
		             file, id->n, id->n == 1 ? "" : "s");
		pi_hint(d, "give --cert-chain with the Developer ID Certification Authority and Apple Root CA certificates (apple.com/certificateauthority)");
		goto out;
	}
out:
	X509_free(leaf);
	sk_X509_pop_free(pool, X509_free);
	if (st) {
		pi_identity_free(id);
		return st;
	}
	*out = id;
	return PI_OK;
}

void pi_identity_free(pi_identity *id)
{
	if (!id)
		return;
	EVP_PKEY_free(id->key);
	for (int i = 0; i < id->n; i++)
		X509_free(id->chain[i]);
	free(id);
}

const pi_identity_info *pi_identity_get_info(const pi_identity *id)
{
	return &id->info;
}

int pi_identity_dr(const pi_identity *id, const char *identifier, pi_cs_req *r)
{
	memset(r, 0, sizeof *r);
	if (!identifier[0] || strlen(identifier) >= sizeof r->identifier)
		return 0;
	memcpy(r->identifier, identifier, strlen(identifier) + 1);
	if (id->info.apple_chain && id->info.team[0]) {
		r->kind = PI_CS_REQ_DEVELOPER_ID;
		snprintf(r->team, sizeof r->team, "%s", id->info.team);
	} else {
		r->kind = PI_CS_REQ_CERT_HASH;
		r->slot = id->info.dr_slot;
		r->hash_len = 20;
		memcpy(r->hash, id->info.dr_hash, 20);
	}
	return 1;
}

/* Fixed parts of the CMS around the certificates, the signer's name and the
 * signature: ContentInfo, SignedData and SignerInfo headers, versions,
 * algorithm identifiers, encapContentInfo, and the 472 bytes of signed
 * attributes: measured 575 B for a self-signed RSA-2048 identity (1,777 B of
 * CMS), so the bound leaves about 700 B of slack (tests/cert.test asserts
 * under 1,300 for a chain of three). */
#define CMS_FIXED_BOUND 1280u

uint64_t pi_cms_size_bound(const pi_identity *id, int with_timestamp)
{
	uint64_t n = CMS_FIXED_BOUND;
	for (int i = 0; i < id->n; i++)
		n += (uint64_t)i2d_X509(id->chain[i], NULL);
	n += (uint64_t)i2d_X509_NAME(X509_get_issuer_name(id->chain[0]), NULL);
	n += (uint64_t)i2d_ASN1_INTEGER((ASN1_INTEGER *)X509_get0_serialNumber(id->chain[0]), NULL);
	n += (uint64_t)EVP_PKEY_get_size(id->key);
	if (with_timestamp)
		n += PI_CMS_TIMESTAMP_ALLOWANCE;
	return n;
}

/* The CDHashes plist: XML of {cdhashes = [<20 bytes>]} as libplist writes
 * it (the same 278 bytes as Apple's, section 2.2).  Caller frees *xml. */
static int cdhashes_plist(const uint8_t cdhash[32], char **xml, uint32_t *len)
{
	plist_t dict = plist_new_dict();
	plist_t arr = plist_new_array();
	plist_array_append_item(arr, plist_new_data((const char *)cdhash, 20));
	plist_dict_set_item(dict, "cdhashes", arr);
	*xml = NULL;
	plist_to_xml(dict, xml, len);
	plist_free(dict);
	return *xml != NULL;
}

static int add_apple_attrs(CMS_SignerInfo *si, const uint8_t cdhash[32], time_t t)
{
	int ok = 0;
	char *xml = NULL;
	uint32_t xml_len = 0;
	ASN1_OBJECT *v1 = OBJ_txt2obj(OID_CDHASHES, 1), *v2 = OBJ_txt2obj(OID_CDHASHES2, 1);
	ASN1_UTCTIME *ut = ASN1_UTCTIME_set(NULL, t);
	/* SEQUENCE { OID sha256, OCTET STRING cdhash } */
	uint8_t seq[47] = { 0x30, 0x2d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04, 0x20 };
	memcpy(seq + 15, cdhash, 32);
	if (!v1 || !v2 || !ut || !cdhashes_plist(cdhash, &xml, &xml_len))
		goto out;
	ok = CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, V_ASN1_UTCTIME, ut, -1) &&
	     CMS_signed_add1_attr_by_OBJ(si, v2, V_ASN1_SEQUENCE, seq, (int)sizeof seq) &&
	     CMS_signed_add1_attr_by_OBJ(si, v1, V_ASN1_OCTET_STRING, xml, (int)xml_len);
out:
	free(xml);
	ASN1_UTCTIME_free(ut);
	ASN1_OBJECT_free(v1);
	ASN1_OBJECT_free(v2);
	return ok;
}

/* RFC 3161 over SHA-256 of si's signature value, from an http:// TSA
 * through OpenSSL's HTTP client; the token becomes an unsigned attribute. */
static pi_status timestamp(CMS_SignerInfo *si, const pi_cms_params *p, pi_diag *d)
{
	char why[160];
	pi_status st = PI_E_EXTERNAL;
	char *host = NULL, *port = NULL, *path = NULL;
	int ssl = 0;
	TS_REQ *req = NULL;
	TS_MSG_IMPRINT *mi = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	BIO *reqbio = NULL, *resp_bio = NULL, *conn = NULL;
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *vctx = NULL;
	unsigned char *tok = NULL;
	if (!OSSL_HTTP_parse_url(p->timestamp_url, &ssl, NULL, &host, &port, NULL, &path, NULL, NULL)) {
		ERR_clear_error();
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "--timestamp-url %s is not a URL", p->timestamp_url);
	}
	if (ssl) {
		st = pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		             "--timestamp-url %s: only http:// is supported (the TSA signs its reply)",
		             p->timestamp_url);
		goto out;
	}
	ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	uint8_t h[32];
	unsigned int hl = 0;
	if (!EVP_Digest(ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig), h, &hl, EVP_sha256(), NULL))
		goto fail;
	req = TS_REQ_new();
	mi = TS_MSG_IMPRINT_new();
	alg = X509_ALGOR_new();
	bn = BN_new();
	if (!req || !mi || !alg || !bn || !TS_REQ_set_version(req, 1) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) || !TS_MSG_IMPRINT_set_msg(mi, h, 32) ||
	    !TS_REQ_set_msg_imprint(req, mi) || !BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
	    !(nonce = BN_to_ASN1_INTEGER(bn, NULL)) || !TS_REQ_set_nonce(req, nonce) ||
	    !TS_REQ_set_cert_req(req, 1))
		goto fail;
	reqbio = BIO_new(BIO_s_mem());
	if (!reqbio || i2d_TS_REQ_bio(reqbio, req) <= 0)
		goto fail;
	/* Connect first, once: OpenSSL 3.0's own connect retries a refused
	 * connection until the timeout and then calls it a timeout. */
	int secs = p->timeout_seconds > 0 ? p->timeout_seconds : 30;
	time_t deadline = time(NULL) + secs;
	conn = BIO_new_connect(host);
	if (!conn || !BIO_set_conn_port(conn, port))
		goto fail;
	BIO_set_nbio(conn, 1);
	for (;;) {
		if (BIO_do_connect(conn) > 0)
			break;
		int w = BIO_should_retry(conn) ? BIO_wait(conn, deadline, 100) : -1;
		if (w <= 0) {
			if (w < 0)
				ossl_why(why, sizeof why);
			else
				snprintf(why, sizeof why, "no connection within %d s", secs);
			st = pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "timestamp from %s failed: cannot connect to %s:%s (%s)",
			             p->timestamp_url, host, port, why);
			goto out;
		}
	}
	long left = (long)(deadline - time(NULL));
	resp_bio = OSSL_HTTP_transfer(NULL, host, port, path, 0, NULL, NULL, conn, conn, NULL, NULL, 0, NULL,
	                              "application/timestamp-query", reqbio, "application/timestamp-reply", 1,
	                              1u << 20, left > 0 ? (int)left : 1, 0);
	if (!resp_bio) {
		ossl_why(why, sizeof why);
		st = pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "timestamp from %s failed: %s", p->timestamp_url, why);
		goto out;
	}
	resp = d2i_TS_RESP_bio(resp_bio, NULL);
	if (!resp) {
		ossl_why(why, sizeof why);
		st = pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "timestamp from %s: the reply is not an RFC 3161 response (%s)",
		             p->timestamp_url, why);
		goto out;
	}
	long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
	if (status != 0 && status != 1) {
		st = pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "timestamp from %s: the TSA refused the request (PKIStatus %ld)",
		             p->timestamp_url, status);
		goto out;
	}
	/* version, imprint and nonce; the TSA's signature and chain are the
	 * verifier's business (it needs the TSA's trust anchor) */
	vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
	if (!vctx)
		goto fail;
	TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
	if (TS_RESP_verify_response(vctx, resp) != 1) {
		ossl_why(why, sizeof why);
		st = pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "timestamp from %s does not match the request (%s)",
		             p->timestamp_url, why);
		goto out;
	}
	int tl = i2d_PKCS7(TS_RESP_get_token(resp), &tok);
	if (tl <= 0 || !CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, tok, tl))
		goto fail;
	st = PI_OK;
	goto out;
fail:
	ossl_why(why, sizeof why);
	st = pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "timestamp request failed in OpenSSL: %s", why);
out:
	OPENSSL_free(tok);
	TS_VERIFY_CTX_free(vctx);
	TS_RESP_free(resp);
	BIO_free(resp_bio);
	BIO_free_all(conn);
	BIO_free(reqbio);
	BN_free(bn);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg); /* the setters copied alg, mi and nonce */
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	return st;
}

pi_status pi_cms_sign(const pi_identity *id, const pi_cms_params *p, uint8_t **der, size_t *der_len,
                      pi_diag *d)
{
	*der = NULL;
	*der_len = 0;
	char why[160];
	pi_status st = PI_E_EXTERNAL;
	const unsigned flags = CMS_PARTIAL | CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP;
	STACK_OF(X509) *certs = sk_X509_new_null();
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL;
	unsigned char *out = NULL;
	uint8_t cdhash[32];
	unsigned int hl = 0;
	if (!certs || !EVP_Digest(p->cd, p->cd_len, cdhash, &hl, EVP_sha256(), NULL))
		goto fail;
	for (int i = 1; i < id->n; i++)
		if (!sk_X509_push(certs, id->chain[i]))
			goto fail;
	cms = CMS_sign(NULL, NULL, certs, NULL, flags);
	CMS_SignerInfo *si = cms ? CMS_add1_signer(cms, id->chain[0], id->key, EVP_sha256(), flags) : NULL;
	if (!si || !add_apple_attrs(si, cdhash, p->signing_time))
		goto fail;
	in = BIO_new_mem_buf(p->cd, (int)p->cd_len);
	if (!in || !CMS_final(cms, in, NULL, flags))
		goto fail;
	if (p->timestamp_url && (st = timestamp(si, p, d)) != PI_OK)
		goto out;
	int n = i2d_CMS_ContentInfo(cms, &out);
	if (n <= 0)
		goto fail;
	if (p->max_len && (uint64_t)n > p->max_len) {
		st = pi_fail(d, PI_E_NO_ROOM, PI_NO_OFFSET, "the CMS signature is %d bytes, more than the %llu reserved",
		             n, (unsigned long long)p->max_len);
		goto out;
	}
	*der = malloc((size_t)n);
	if (!*der) {
		st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory for the CMS signature");
		goto out;
	}
	memcpy(*der, out, (size_t)n);
	*der_len = (size_t)n;
	st = PI_OK;
	goto out;
fail:
	ossl_why(why, sizeof why);
	st = pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "building the CMS signature failed in OpenSSL: %s", why);
out:
	OPENSSL_free(out);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	sk_X509_free(certs); /* the certificates stay the identity's */
	return st;
}

int pi_cms_verify(const pi_cur *c, const uint8_t *cd, size_t cd_len, char *why, size_t why_len)
{
	const uint8_t *p = pi_cur_ptr(c, 0, c->len);
	if (!p || c->len > INT32_MAX) {
		snprintf(why, why_len, "CMS does not fit its blob");
		return 0;
	}
	const unsigned char *q = p;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)c->len);
	X509_STORE *store = X509_STORE_new();
	BIO *content = BIO_new_mem_buf(cd, (int)cd_len);
	int ok = cms && store && content &&
	         CMS_verify(cms, NULL, store, content, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
	if (!ok)
		ossl_why(why, why_len);
	BIO_free(content);
	X509_STORE_free(store);
	CMS_ContentInfo_free(cms);
	return ok;
}

/* ---- BER walk ---- */

typedef struct tlv {
	uint8_t tag;
	uint64_t off;   /* of the tag */
	uint64_t hdr;   /* tag + length bytes */
	uint64_t len;   /* contents */
	uint64_t end;   /* after the element (after the end-of-contents for indefinite) */
} tlv;

#define BER_MAX_DEPTH 32

typedef struct walk {
	const pi_cur *c;
	pi_diag *d;
} walk;

static pi_status ber_bad(walk *w, uint64_t off, const char *what)
{
	return pi_fail(w->d, PI_E_MALFORMED, pi_cur_abs(w->c, off), "CMS signature: %s", what);
}

/* Read the element at off, which must end by limit. */
static pi_status ber(walk *w, uint64_t off, uint64_t limit, unsigned depth, tlv *t)
{
	if (depth > BER_MAX_DEPTH)
		return ber_bad(w, off, "nested too deeply");
	uint8_t tag, l0;
	if (off >= limit || !pi_cur_u8(w->c, off, &tag) || off + 1 >= limit || !pi_cur_u8(w->c, off + 1, &l0))
		return ber_bad(w, off, "element runs past its parent");
	if ((tag & 0x1f) == 0x1f)
		return ber_bad(w, off, "multi-byte tags do not occur in a CMS signature");
	t->tag = tag;
	t->off = off;
	uint64_t o = off + 2;
	if (l0 == 0x80) {
		if (!(tag & 0x20))
			return ber_bad(w, off, "indefinite length on a primitive element");
		uint64_t p = o;
		for (;;) {
			uint8_t a, b;
			if (p + 2 > limit || !pi_cur_u8(w->c, p, &a) || !pi_cur_u8(w->c, p + 1, &b))
				return ber_bad(w, off, "indefinite-length element has no end-of-contents");
			if (a == 0 && b == 0)
				break;
			tlv ch;
			pi_status st = ber(w, p, limit, depth + 1, &ch);
			if (st)
				return st;
			p = ch.end;
		}
		t->hdr = 2;
		t->len = p - o;
		t->end = p + 2;
		return PI_OK;
	}
	uint64_t len = l0;
	if (l0 & 0x80) {
		unsigned n = l0 & 0x7f;
		if (n > 4)
			return ber_bad(w, off, "length field longer than 4 bytes");
		len = 0;
		for (unsigned i = 0; i < n; i++) {
			uint8_t b;
			if (o >= limit || !pi_cur_u8(w->c, o, &b))
				return ber_bad(w, off, "length runs past its parent");
			len = len << 8 | b;
			o++;
		}
	}
	uint64_t end;
	if (!pi_add_u64(o, len, &end) || end > limit)
		return ber_bad(w, off, "element runs past its parent");
	t->hdr = o - off;
	t->len = len;
	t->end = end;
	return PI_OK;
}

/* The end of t's contents (before an end-of-contents). */
static uint64_t content_end(const tlv *t)
{
	return t->off + t->hdr + t->len;
}

/* Next child of parent after position *pos; 0 when none is left. */
static pi_status child(walk *w, const tlv *parent, uint64_t *pos, unsigned depth, tlv *t, int *got)
{
	*got = 0;
	if (*pos >= content_end(parent))
		return PI_OK;
	pi_status st = ber(w, *pos, content_end(parent), depth, t);
	if (st)
		return st;
	*pos = t->end;
	*got = 1;
	return PI_OK;
}

static int oid_is(walk *w, const tlv *t, const uint8_t *body, size_t n)
{
	const uint8_t *p = pi_cur_ptr(w->c, t->off + t->hdr, t->len);
	return t->tag == 0x06 && p && t->len == n && memcmp(p, body, n) == 0;
}

static pi_status expect(walk *w, const tlv *parent, uint64_t *pos, unsigned depth, uint8_t tag, tlv *t,
                        const char *what)
{
	int got;
	pi_status st = child(w, parent, pos, depth, t, &got);
	if (st)
		return st;
	if (!got || t->tag != tag)
		return ber_bad(w, got ? t->off : *pos, what);
	return PI_OK;
}

pi_status pi_cms_parts_parse(const pi_cur *c, pi_cms_parts *pp, pi_diag *d)
{
	static const uint8_t oid_signed_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
	static const uint8_t oid_tst[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0e };
	memset(pp, 0, sizeof *pp);
	walk w = { c, d };
	tlv ci, t, sd, x;
	uint64_t pos;
	int got;
	pi_status st = ber(&w, 0, c->len, 0, &ci);
	if (st)
		return st;
	if (ci.tag != 0x30)
		return ber_bad(&w, 0, "not a ContentInfo SEQUENCE");
	pos = ci.off + ci.hdr;
	if ((st = expect(&w, &ci, &pos, 1, 0x06, &t, "ContentInfo has no content type")))
		return st;
	if (!oid_is(&w, &t, oid_signed_data, sizeof oid_signed_data))
		return ber_bad(&w, t.off, "content type is not signedData");
	if ((st = expect(&w, &ci, &pos, 1, 0xa0, &t, "ContentInfo has no [0] content")))
		return st;
	uint64_t p2 = t.off + t.hdr;
	if ((st = expect(&w, &t, &p2, 2, 0x30, &sd, "signedData is not a SEQUENCE")))
		return st;
	pos = sd.off + sd.hdr;
	if ((st = expect(&w, &sd, &pos, 3, 0x02, &t, "SignedData has no version")) ||
	    (st = expect(&w, &sd, &pos, 3, 0x31, &t, "SignedData has no digestAlgorithms SET")) ||
	    (st = expect(&w, &sd, &pos, 3, 0x30, &t, "SignedData has no encapContentInfo")))
		return st;
	uint64_t p3 = t.off + t.hdr;
	tlv e;
	if ((st = expect(&w, &t, &p3, 4, 0x06, &e, "encapContentInfo has no content type")))
		return st;
	if ((st = child(&w, &t, &p3, 4, &e, &got)))
		return st;
	pp->detached = !got;
	if ((st = child(&w, &sd, &pos, 3, &t, &got)))
		return st;
	if (got && t.tag == 0xa0) {
		pp->certs_off = t.off;
		pp->certs_len = t.end - t.off;
		uint64_t q = t.off + t.hdr;
		for (;;) {
			if ((st = child(&w, &t, &q, 4, &x, &got)))
				return st;
			if (!got)
				break;
			pp->ncerts++;
		}
		if ((st = child(&w, &sd, &pos, 3, &t, &got)))
			return st;
	}
	if (got && t.tag == 0xa1 && (st = child(&w, &sd, &pos, 3, &t, &got)))
		return st;
	if (!got || t.tag != 0x31)
		return ber_bad(&w, got ? t.off : pos, "SignedData has no signerInfos SET");
	tlv set = t, si = { 0 };
	uint64_t q = set.off + set.hdr;
	for (;;) {
		if ((st = child(&w, &set, &q, 4, &x, &got)))
			return st;
		if (!got)
			break;
		if (pp->nsigners++ == 0)
			si = x;
	}
	if (!pp->nsigners)
		return ber_bad(&w, set.off, "SignerInfos SET is empty");
	if (si.tag != 0x30)
		return ber_bad(&w, si.off, "SignerInfo is not a SEQUENCE");
	pp->signer_off = si.off;
	pp->signer_len = si.end - si.off;
	pos = si.off + si.hdr;
	if ((st = expect(&w, &si, &pos, 5, 0x02, &t, "SignerInfo has no version")) ||
	    (st = child(&w, &si, &pos, 5, &t, &got)))
		return st;
	if (!got || (t.tag != 0x30 && t.tag != 0x80))
		return ber_bad(&w, got ? t.off : pos, "SignerInfo has no signer identifier");
	if ((st = expect(&w, &si, &pos, 5, 0x30, &t, "SignerInfo has no digestAlgorithm")) ||
	    (st = child(&w, &si, &pos, 5, &t, &got)))
		return st;
	if (got && t.tag == 0xa0) {
		pp->attrs_off = t.off;
		pp->attrs_len = t.end - t.off;
		if ((st = child(&w, &si, &pos, 5, &t, &got)))
			return st;
	}
	if (!got || t.tag != 0x30)
		return ber_bad(&w, got ? t.off : pos, "SignerInfo has no signatureAlgorithm");
	if ((st = expect(&w, &si, &pos, 5, 0x04, &t, "SignerInfo has no signature OCTET STRING")))
		return st;
	pp->sig_off = t.off + t.hdr;
	pp->sig_len = t.len;
	if ((st = child(&w, &si, &pos, 5, &t, &got)))
		return st;
	if (got && t.tag == 0xa1) {
		pp->unsigned_off = t.off;
		pp->unsigned_len = t.end - t.off;
		uint64_t u = t.off + t.hdr;
		for (;;) {
			tlv a, oid, vals, v;
			if ((st = child(&w, &t, &u, 6, &a, &got)))
				return st;
			if (!got)
				break;
			if (a.tag != 0x30)
				return ber_bad(&w, a.off, "unsigned attribute is not a SEQUENCE");
			uint64_t ap = a.off + a.hdr;
			if ((st = expect(&w, &a, &ap, 7, 0x06, &oid, "unsigned attribute has no type")) ||
			    (st = expect(&w, &a, &ap, 7, 0x31, &vals, "unsigned attribute has no value SET")))
				return st;
			if (!oid_is(&w, &oid, oid_tst, sizeof oid_tst) || pp->token_len)
				continue;
			uint64_t vp = vals.off + vals.hdr;
			if ((st = expect(&w, &vals, &vp, 8, 0x30, &v, "timeStampToken is not a SEQUENCE")))
				return st;
			pp->token_off = v.off;
			pp->token_len = v.end - v.off;
		}
	}
	return PI_OK;
}

/* ---- --check ---- */

/* Full hash of a CD for its hash type, into out; returns its length or 0. */
static unsigned cd_hash(const pi_cms_cd *cd, uint8_t out[EVP_MAX_MD_SIZE])
{
	const EVP_MD *md = cd->hash_type == 1 ? EVP_sha1()
	                   : cd->hash_type == 2 || cd->hash_type == 3 ? EVP_sha256()
	                   : cd->hash_type == 4 ? EVP_sha384() : NULL;
	unsigned int n = 0;
	if (!md || !EVP_Digest(cd->p, cd->len, out, &n, md, NULL))
		return 0;
	return n;
}

/* The CDHashes plist: {cdhashes = [<data>...]} must list, in order, the
 * first 20 bytes of each CD's hash (Apple compares the arrays). */
static int check_v1(const ASN1_STRING *xml, const uint8_t (*h)[EVP_MAX_MD_SIZE], unsigned ncds)
{
	plist_t root = NULL;
	plist_from_memory((const char *)ASN1_STRING_get0_data(xml), (uint32_t)ASN1_STRING_length(xml), &root);
	plist_t arr = root && plist_get_node_type(root) == PLIST_DICT ? plist_dict_get_item(root, "cdhashes") : NULL;
	int ok = arr && plist_get_node_type(arr) == PLIST_ARRAY && plist_array_get_size(arr) == ncds;
	for (unsigned i = 0; ok && i < ncds; i++) {
		plist_t it = plist_array_get_item(arr, i);
		char *v = NULL;
		uint64_t n = 0;
		if (it && plist_get_node_type(it) == PLIST_DATA)
			plist_get_data_val(it, &v, &n);
		ok = v && n == 20 && memcmp(v, h[i], 20) == 0;
		free(v);
	}
	plist_free(root);
	return ok;
}

/* One CDHashes2 value: SEQUENCE { OID digest, OCTET STRING hash }.  Returns
 * 1 when it names a known digest and equals the hash of the CD with that
 * type, 0 when it differs, -1 for an unknown digest or shape. */
static int check_v2_entry(const ASN1_STRING *seq, const pi_cms_cd *cds, const uint8_t (*h)[EVP_MAX_MD_SIZE],
                          const unsigned *hl, unsigned ncds)
{
	static const struct { uint8_t type, len, oid[9]; } algs[] = {
		{ 1, 5, { 0x2b, 0x0e, 0x03, 0x02, 0x1a } },
		{ 2, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01 } },
		{ 4, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02 } },
	};
	pi_cur c = pi_cur_make(ASN1_STRING_get0_data(seq), (uint64_t)ASN1_STRING_length(seq), 0);
	pi_diag d;
	pi_diag_init(&d, "", NULL);
	walk w = { &c, &d };
	tlv t, oid, val;
	uint64_t pos;
	if (ber(&w, 0, c.len, 0, &t) || t.tag != 0x30)
		return -1;
	pos = t.off + t.hdr;
	if (expect(&w, &t, &pos, 1, 0x06, &oid, "") || expect(&w, &t, &pos, 1, 0x04, &val, ""))
		return -1;
	for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
		if (!oid_is(&w, &oid, algs[a].oid, algs[a].len))
			continue;
		for (unsigned i = 0; i < ncds; i++)
			if (cds[i].hash_type == algs[a].type || (algs[a].type == 2 && cds[i].hash_type == 3))
				return val.len == hl[i] && memcmp(pi_cur_ptr(&c, val.off + val.hdr, val.len), h[i], hl[i]) == 0;
		return 0; /* names a digest no CD uses */
	}
	return -1;
}

/* Does the chain satisfy our template r for identifier? */
static int dr_holds(const pi_identity *chain, const pi_cs_req *r, const char *identifier)
{
	if (strcmp(r->identifier, identifier) != 0)
		return 0;
	if (r->kind == PI_CS_REQ_DEVELOPER_ID) {
		char ou[64];
		name_field(chain->chain[0], NID_organizationalUnitName, ou, sizeof ou);
		return chain->info.apple_chain && strcmp(ou, r->team) == 0;
	}
	int k = r->slot == -1 ? chain->n - 1 : r->slot;
	uint8_t h[20];
	unsigned int n = 0;
	return k >= 0 && k < chain->n && r->hash_len == 20 && X509_digest(chain->chain[k], EVP_sha1(), h, &n) &&
	       memcmp(h, r->hash, 20) == 0;
}

/* The signature check Apple makes (section 3): messageDigest = the digest
 * of the slot-0 CD, and the signature over the signed attributes as they
 * are encoded in the file, [0] retagged as SET.  Unlike OpenSSL's
 * CMS_verify it does not re-sort them first, so Apple's own unsorted
 * CDHashes2 SETs (two-CD signatures, section 2.5) verify as on a Mac. */
static int verify_raw(const pi_cur *c, const pi_cms_parts *pp, CMS_SignerInfo *si, X509 *leaf,
                      const pi_cms_cd *cd, char *why, size_t why_len)
{
	X509_ALGOR *dig = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	const EVP_MD *md = dig ? EVP_get_digestbyobj(dig->algorithm) : NULL;
	ASN1_OCTET_STRING *want = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3,
	                                                      V_ASN1_OCTET_STRING);
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	if (!md) {
		snprintf(why, why_len, "unknown digest algorithm");
		return 0;
	}
	if (!pp->attrs_len || !want) {
		snprintf(why, why_len, "no signed attributes with a messageDigest");
		return 0;
	}
	if (!EVP_Digest(cd->p, cd->len, h, &hl, md, NULL) || (int)hl != ASN1_STRING_length(want) ||
	    memcmp(h, ASN1_STRING_get0_data(want), hl) != 0) {
		snprintf(why, why_len, "messageDigest is not the digest of the CodeDirectory in slot 0");
		return 0;
	}
	const uint8_t *attrs = pi_cur_ptr(c, pp->attrs_off, pp->attrs_len);
	const uint8_t *sig = pi_cur_ptr(c, pp->sig_off, pp->sig_len);
	uint8_t *buf = attrs ? malloc((size_t)pp->attrs_len) : NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = 0;
	if (buf && sig && ctx) {
		memcpy(buf, attrs, (size_t)pp->attrs_len);
		buf[0] = 0x31;
		ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, X509_get0_pubkey(leaf)) == 1 &&
		     EVP_DigestVerify(ctx, sig, (size_t)pp->sig_len, buf, (size_t)pp->attrs_len) == 1;
	}
	if (!ok)
		snprintf(why, why_len, "the signature over the signed attributes does not verify with the signer's key");
	EVP_MD_CTX_free(ctx);
	free(buf);
	ERR_clear_error();
	return ok;
}

pi_status pi_cms_inspect(const pi_cur *c, const pi_cms_cd *cds, unsigned ncds, const pi_cs_req *dr,
                         const char *identifier, pi_cms_report *r, pi_diag *d)
{
	memset(r, 0, sizeof *r);
	pi_cms_parts pp;
	pi_status st = pi_cms_parts_parse(c, &pp, d);
	if (st)
		return st;
	r->has_timestamp = pp.token_len > 0;
	const unsigned char *q = pi_cur_ptr(c, 0, c->len);
	CMS_ContentInfo *cms = q && c->len <= INT32_MAX ? d2i_CMS_ContentInfo(NULL, &q, (long)c->len) : NULL;
	STACK_OF(CMS_SignerInfo) *sis = cms ? CMS_get0_SignerInfos(cms) : NULL;
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
	if (!si) {
		char why[160];
		ossl_why(why, sizeof why);
		CMS_ContentInfo_free(cms);
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 0), "CMS signature does not decode (%s)", why);
	}
	uint8_t h[8][EVP_MAX_MD_SIZE];
	unsigned hl[8] = { 0 };
	for (unsigned i = 0; i < ncds && i < 8; i++)
		hl[i] = cd_hash(&cds[i], h[i]);
	/* signing time */
	X509_ATTRIBUTE *a = CMS_signed_get_attr(si, CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1));
	ASN1_TYPE *v = a ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
	struct tm tm;
	if (v && (v->type == V_ASN1_UTCTIME || v->type == V_ASN1_GENERALIZEDTIME) &&
	    ASN1_TIME_to_tm(v->value.utctime, &tm))
		r->signing_time = timegm(&tm);
	/* CDHashes and CDHashes2 */
	ASN1_OBJECT *o1 = OBJ_txt2obj(OID_CDHASHES, 1), *o2 = OBJ_txt2obj(OID_CDHASHES2, 1);
	a = o1 ? CMS_signed_get_attr(si, CMS_signed_get_attr_by_OBJ(si, o1, -1)) : NULL;
	if (a) {
		r->v1_present = 1;
		v = X509_ATTRIBUTE_get0_type(a, 0);
		r->v1_ok = X509_ATTRIBUTE_count(a) == 1 && v && v->type == V_ASN1_OCTET_STRING && ncds <= 8 &&
		           check_v1(v->value.octet_string, (const uint8_t(*)[EVP_MAX_MD_SIZE])h, ncds);
	}
	a = o2 ? CMS_signed_get_attr(si, CMS_signed_get_attr_by_OBJ(si, o2, -1)) : NULL;
	if (a) {
		r->v2_present = 1;
		int n = X509_ATTRIBUTE_count(a);
		r->v2_ok = n == (int)ncds && ncds <= 8;
		for (int i = 0; r->v2_ok && i < n; i++) {
			v = X509_ATTRIBUTE_get0_type(a, i);
			r->v2_ok = v && v->type == V_ASN1_SEQUENCE &&
			           check_v2_entry(v->value.sequence, cds, (const uint8_t(*)[EVP_MAX_MD_SIZE])h, hl, ncds) != 0;
		}
	}
	ASN1_OBJECT_free(o1);
	ASN1_OBJECT_free(o2);
	/* the signer's chain, ordered as at signing */
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	pi_identity *chain = calloc(1, sizeof *chain);
	for (int i = 0; chain && i < sk_X509_num(certs) && !chain->n; i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0 && X509_up_ref(sk_X509_value(certs, i)))
			chain->chain[chain->n++] = sk_X509_value(certs, i);
	if (ncds == 0 || ncds > 8)
		snprintf(r->why, sizeof r->why, "%u CodeDirectories", ncds);
	else if (!chain || !chain->n)
		snprintf(r->why, sizeof r->why, "the signer's certificate is not in the CMS");
	else
		r->signature_ok = verify_raw(c, &pp, si, chain->chain[0], &cds[0], r->why, sizeof r->why);
	if (chain && chain->n) {
		order_chain(chain, certs);
		describe(chain);
		r->signer = chain->info;
		if (dr && identifier && (dr->kind == PI_CS_REQ_DEVELOPER_ID || dr->kind == PI_CS_REQ_CERT_HASH)) {
			r->dr_checked = 1;
			r->dr_satisfied = dr_holds(chain, dr, identifier);
		}
	}
	pi_identity_free(chain);
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return PI_OK;
}
