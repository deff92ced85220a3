/* cs_cms.h - certificate signing: the signing identity, the CMS SignedData
 * Apple's codesign writes over a CodeDirectory, its size bound, an RFC 3161
 * timestamp, and a bounds-checked reader of such a CMS for --check.
 *
 * OpenSSL: this module and digest.c are the only users of OpenSSL (libcrypto
 * only: PKCS#12, PEM, X.509, CMS, TS and its HTTP client); everything else
 * sees the opaque pi_identity and byte buffers.  The RFC 3161 request goes
 * over plain http:// through OpenSSL's own HTTP client (OSSL_HTTP_transfer,
 * in libcrypto): no new library, and TSAs sign their replies, so TLS adds
 * nothing; https:// is refused.  The CDHashes plist is written by libplist.
 *
 * Facts, OIDs and Apple's attribute order: reference/code-signing-
 * certificates.md sections 2, 3, 5 and 7.  The signed attributes are, in
 * DER SET OF order (Apple's order): contentType id-data, signingTime
 * (UTCTime), messageDigest = SHA-256(CD blob), CDHashes2 1.2.840.113635.100.9.2
 * {SEQUENCE {sha256, OCTET STRING full cdhash}}, CDHashes 1.2.840.113635.100.9.1
 * OCTET STRING of the XML plist {cdhashes = [<first 20 bytes of the cdhash>]};
 * with Apple's signing time they equal Apple's 472 bytes on the corpus
 * (tests/cert-oracle.test).  One SHA-256 CodeDirectory only (section 2.5).
 */
#ifndef PI_CS_CMS_H
#define PI_CS_CMS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cs_req.h"
#include "cursor.h"
#include "status.h"

/* Bytes reserved for an RFC 3161 token and its attribute wrapping: Apple's
 * tokens measure 4,300-4,305 B (section 2.2), a local test TSA's about
 * 2,600 B.  A larger token makes pi_cms_sign fail (never a silent overrun). */
#define PI_CMS_TIMESTAMP_ALLOWANCE 4400u

/* Environment variable holding the PKCS#12 password (never argv). */
#define PI_P12_PASSWORD_ENV "PLISTINJECT_P12_PASSWORD"

/* Where the identity comes from: either p12, or key + cert (+ chain). */
typedef struct pi_identity_src {
	const char *p12;             /* PKCS#12 file, or NULL */
	const char *p12_password_file; /* first line is the password; NULL: the
	                                  environment variable, else empty */
	const char *key;             /* PEM private key (unencrypted), or NULL */
	const char *cert;            /* PEM leaf certificate (further certificates
	                                in it join the chain) */
	const char *chain;           /* PEM intermediates and root, or NULL */
} pi_identity_src;

typedef struct pi_identity pi_identity; /* opaque: key, ordered chain, facts */

/* What the signer and --check need to know about an identity. */
typedef struct pi_identity_info {
	char subject_cn[256];   /* leaf subject CN ("" when none); one line */
	char subject_o[256];    /* leaf subject O ("" when none) */
	char team[64];          /* leaf's first subject OU when apple_chain, else "" */
	int apple_chain;        /* Developer ID: leaf has 1.2.840.113635.100.6.1.13,
	                           certificate 1 has ...100.6.2.6, root is Apple Root CA */
	int ncerts;             /* certificates in the chain, leaf first, root last */
	uint8_t leaf_sha1[20];  /* SHA-1 of the leaf's DER */
	int32_t dr_slot;        /* non-Apple DR: certificate slot (0 leaf, -1 root) */
	uint8_t dr_hash[20];    /* SHA-1 of that certificate's DER */
	time_t not_after;       /* leaf validity end */
} pi_identity_info;

/* Load and check an identity.  `now` is the time validity is judged at.
 * Refusals (PI_E_USAGE, one line in d naming the file and why): no or both
 * sources; unreadable file; wrong PKCS#12 password; the key does not match
 * the certificate; the certificate has no extended key usage codeSigning
 * (1.3.6.1.5.5.7.3.3); key usage without digitalSignature or
 * nonRepudiation; expired or not yet valid; a Developer ID leaf whose chain
 * does not reach Apple Root CA.  PKCS#12 files that need RC2/3DES (older
 * Keychain exports) are retried with OpenSSL's legacy provider, loaded for
 * that one call.  The chain is ordered leaf to root by issuer; certificates
 * that are not on that path are left out (a warning says so).  Free with
 * pi_identity_free. */
pi_status pi_identity_load(const pi_identity_src *src, time_t now, pi_identity **out, pi_diag *d);
void pi_identity_free(pi_identity *id);
const pi_identity_info *pi_identity_get_info(const pi_identity *id);

/* The designated requirement Apple's DRMaker would write for this identity
 * and signing identifier: the Developer ID template for an Apple chain, else
 * identifier and certificate dr_slot = H"dr_hash".  Returns 0 when the
 * identifier does not fit pi_cs_req (255 bytes), 1 otherwise. */
int pi_identity_dr(const pi_identity *id, const char *identifier, pi_cs_req *r);

/* An upper bound in bytes of the CMS DER pi_cms_sign writes for id (one
 * CodeDirectory), without / with the timestamp allowance.  Pure arithmetic
 * over the certificate and key sizes; the BlobWrapper's 8 bytes are the
 * caller's.  Measured slack about 700 B (tests/cert.test asserts the bound
 * holds and is within 1,300 B). */
uint64_t pi_cms_size_bound(const pi_identity *id, int with_timestamp);

typedef struct pi_cms_params {
	const uint8_t *cd;      /* the slot-0 CodeDirectory blob, whole; not owned */
	size_t cd_len;
	time_t signing_time;    /* written as UTCTime */
	const char *timestamp_url; /* http://host[:port]/path, or NULL for none */
	int timeout_seconds;    /* for the TSA exchange; 0: 30 */
	uint64_t max_len;       /* fail when the DER exceeds this; 0: no limit */
} pi_cms_params;

/* Build the detached CMS SignedData over p->cd: signer = the leaf with
 * SHA-256, Apple's five signed attributes, certificates = the whole chain,
 * and with timestamp_url an id-aa-timeStampToken unsigned attribute whose
 * imprint is SHA-256 of the signature value (nonce checked).  *der is
 * malloc'd (caller frees), *der_len its length.  Errors: PI_E_EXTERNAL for
 * OpenSSL or the TSA (one line saying which step and why), PI_E_NO_ROOM when
 * max_len is exceeded, PI_E_USAGE for a URL that is not http://. */
pi_status pi_cms_sign(const pi_identity *id, const pi_cms_params *p, uint8_t **der, size_t *der_len,
                      pi_diag *d);

/* ---- reading (for --check and the tests) ---- */

/* Offsets (relative to the CMS) and lengths of the parts --check needs,
 * found by a BER walk (definite or indefinite lengths, as Apple writes
 * both) through pi_cur.  Absent parts have len 0. */
typedef struct pi_cms_parts {
	uint64_t certs_off, certs_len;       /* [0] certificates, TLV */
	uint32_t ncerts;
	uint64_t signer_off, signer_len;     /* the first SignerInfo, TLV */
	uint32_t nsigners;
	uint64_t attrs_off, attrs_len;       /* [0] signedAttrs, TLV (tag 0xa0) */
	uint64_t sig_off, sig_len;           /* signature OCTET STRING contents */
	uint64_t unsigned_off, unsigned_len; /* [1] unsignedAttrs, TLV */
	uint64_t token_off, token_len;       /* timeStampToken value (ContentInfo TLV) */
	int detached;                        /* encapContentInfo has no eContent */
} pi_cms_parts;

/* Walk the CMS in c (the BlobWrapper's payload; origin absolute).
 * PI_E_MALFORMED with the absolute offset when a length runs past its
 * parent, the nesting exceeds 32 levels, or the shape is not
 * ContentInfo{signedData, SignedData{...}}. */
pi_status pi_cms_parts_parse(const pi_cur *c, pi_cms_parts *parts, pi_diag *d);

/* One CodeDirectory present in the signature, for pi_cms_inspect. */
typedef struct pi_cms_cd {
	const uint8_t *p;       /* the whole CD blob; not owned */
	size_t len;
	uint8_t hash_type;      /* its hashType (1 SHA-1, 2 SHA-256, 3 SHA-256/20, 4 SHA-384) */
} pi_cms_cd;

/* What --check reports about a certificate signature. */
typedef struct pi_cms_report {
	int signature_ok;       /* messageDigest = digest of cds[0], and the signer's key
	                           verifies the signature over the attributes as encoded
	                           (Apple's way; no re-sorting, no trust evaluation) */
	char why[200];          /* why not, one line */
	int v1_present, v1_ok;  /* CDHashes plist = [first 20 bytes of each CD's hash], in order */
	int v2_present, v2_ok;  /* CDHashes2: one entry per CD, each its full hash */
	int has_timestamp;      /* an id-aa-timeStampToken unsigned attribute */
	time_t signing_time;    /* 0 when absent */
	pi_identity_info signer; /* of the certificates in the CMS, ordered from the signer */
	int dr_checked;         /* the requirement given is one of our templates */
	int dr_satisfied;       /* and the chain satisfies it (for Developer ID: the
	                           markers, Apple Root CA by hash, leaf OU = team) */
} pi_cms_report;

/* Inspect the CMS in c (BlobWrapper payload) against the CDs present
 * (cds[0] = slot 0, then the alternates in slot order) and, when dr is not
 * NULL, the designated requirement for identifier.  Never says whether Apple
 * trusts the chain: only that it is Apple's by the root's hash.  Returns
 * PI_OK with the findings in *r, or PI_E_MALFORMED (with the absolute
 * offset) when the CMS does not decode. */
pi_status pi_cms_inspect(const pi_cur *c, const pi_cms_cd *cds, unsigned ncds, const pi_cs_req *dr,
                         const char *identifier, pi_cms_report *r, pi_diag *d);

/* Verify the CMS in c over the detached content cd (the slot-0 CD):
 * signature with the embedded leaf, messageDigest, no trust evaluation
 * (Apple's implicit anchors, section 3).  Returns 1 when it verifies, 0
 * otherwise with the reason in why[why_len]. */
int pi_cms_verify(const pi_cur *c, const uint8_t *cd, size_t cd_len, char *why, size_t why_len);

#endif
