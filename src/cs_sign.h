/* cs_sign.h - the built-in ad-hoc signer (reference/macho-signing.md
 * section 7; Go's cmd/internal/codesign has the same size-then-fill shape).
 *
 * Size first: pi_cs_sign_size() is pure arithmetic, so the caller can write
 * LC_CODE_SIGNATURE and __LINKEDIT before any page is hashed.  Then fill:
 * pi_cs_sign() hashes [0, code_limit) of the overlay in 4096-byte pages
 * (SHA-256), on `threads` threads, and writes the SuperBlob.
 */
#ifndef PI_CS_SIGN_H
#define PI_CS_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "cs_blob.h"
#include "macho.h"
#include "overlay.h"
#include "status.h"

#define PI_CS_PAGE_SHIFT 12

typedef struct pi_bytes {
	const uint8_t *p; /* not owned */
	uint32_t len;
} pi_bytes;

typedef struct pi_sign_params {
	const char *identifier;     /* signing identifier (not owned) */
	uint32_t flags;             /* CodeDirectory flags; CS_ADHOC is added, CS_LINKER_SIGNED cleared */
	uint32_t runtime;           /* hardened-runtime version, 0 for none */
	uint64_t exec_base, exec_limit, exec_flags;
	uint64_t code_limit;        /* = LC_CODE_SIGNATURE dataoff (slice-relative) */
	const uint8_t *plist;       /* bytes of the __info_plist section, NULL: slot 1 empty */
	uint64_t plist_len;
	pi_bytes ent_xml;           /* whole blob (magic 0xfade7171), or {NULL,0} */
	pi_bytes ent_der;           /* whole blob (magic 0xfade7172) */
	pi_bytes constraints[4];    /* slots 8..11, whole blobs */
	unsigned threads;           /* page-hashing threads, >= 1 */
	/* A certificate signature (zero for ad hoc): see pi_cs_cms_fn. */
	int certificate;            /* 1: no CS_ADHOC; reqset and cms below */
	const char *team;           /* team ID into the CodeDirectory, or NULL (not owned) */
	pi_bytes reqset;            /* slot 2: the requirement set (0xfade0c01), whole; {NULL,0}:
	                               the empty set */
	uint32_t cms_reserve;       /* bytes reserved for the CMS DER (pi_cms_size_bound); the
	                               slot-0x10000 BlobWrapper adds 8 */
	const struct pi_cs_cms_cb *cms; /* produces the CMS over the CodeDirectory (not owned) */
} pi_sign_params;

/* The CMS step of a certificate signature: called by pi_cs_sign once the
 * CodeDirectory (cd[0, cd_len), whole blob, page hashes filled) is built,
 * with the bytes reserved (max).  Puts a malloc'd DER (caller of the hook,
 * i.e. pi_cs_sign, frees it) in *der, its length in *der_len, at most max.
 * Returns PI_OK or the error (in d). */
typedef struct pi_cs_cms_cb {
	pi_status (*sign)(void *ctx, const uint8_t *cd, size_t cd_len, uint64_t max, uint8_t **der,
	                  size_t *der_len, pi_diag *d);
	void *ctx;
} pi_cs_cms_cb;

/* Fill *sp for signing slice s afresh (reference/macho-signing.md section 7,
 * DESIGN.md section 2 "Kept from an existing signature"): identifier,
 * threads, the exec segment from __TEXT's file range, the plist (bytes of
 * the new __info_plist section, not owned), and from old, when it is a
 * parsed signature with a CodeDirectory that is not linker-signed, its flags
 * (less CS_LINKER_SIGNED and CS_VALID), runtime version, exec-segment flags,
 * and entitlement and launch-constraint blobs (pointers into old's bytes,
 * not copied).  CS_EXECSEG_MAIN_BINARY follows the file type.  code_limit
 * is left 0 for the caller.  old may be NULL. */
void pi_sign_params_for(const pi_slice *s, const pi_cs_sig *old, const char *identifier,
                        const uint8_t *plist, uint64_t plist_len, unsigned threads, pi_sign_params *sp);

/* Exact SuperBlob length for params, in bytes (for a certificate
 * signature: the most it can be, with the CMS at its reserve); 0 when
 * something would not fit the format's 32-bit fields. */
uint64_t pi_cs_sign_size(const pi_sign_params *sp);

/* Build the SuperBlob into out[0, out_len) (out_len >= pi_cs_sign_size;
 * any rest is zeroed).  Pages are read from ov, which must already hold the
 * final header (dataoff and datasize written).  A certificate signature
 * calls sp->cms->sign after the CodeDirectory is complete; a CMS shorter
 * than the reserve leaves zeros after the SuperBlob (its length field is
 * the actual one), a longer one fails.  Returns PI_OK, PI_E_NOMEM,
 * PI_E_INTERNAL (size mismatch, hashing failure, CMS over its reserve), or
 * the CMS step's error. */
pi_status pi_cs_sign(const pi_sign_params *sp, const pi_overlay *ov, uint8_t *out, uint64_t out_len,
                     pi_diag *d);

/* Hash pages [first, last) of [0, limit) of ov with 2^page_shift-byte pages
 * and hash type t, into out (digest length each).  Uses `threads` threads.
 * Returns 1, or 0 on a hashing or thread failure. */
int pi_hash_pages(const pi_overlay *ov, uint64_t limit, unsigned page_shift, uint32_t t,
                  uint64_t first, uint64_t last, uint8_t *out, size_t stride, unsigned threads);

#endif
