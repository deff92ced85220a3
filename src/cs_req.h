/* cs_req.h - the designated requirement in Apple's binary requirement
 * language: compile the two templates a certificate signature needs, and
 * read such a blob back far enough for --check.
 *
 * Format (Security framework requirement.h, reqmaker.cpp, drmaker.cpp;
 * reference/code-signing-certificates.md section 4): a requirements set
 * (magic 0xfade0c01: magic, length, count, then count x {type, offset})
 * holding one requirement (magic 0xfade0c00: magic, length, kind 1) of type 3
 * (designated).  The requirement is a prefix expression of big-endian u32
 * opcodes; a data operand is a u32 length and the bytes, zero-padded to 4.
 *
 * Templates:
 *   Developer ID:  identifier "ID" and anchor apple generic
 *                  and certificate 1[field.1.2.840.113635.100.6.2.6]
 *                  and certificate leaf[field.1.2.840.113635.100.6.1.13]
 *                  and certificate leaf[subject.OU] = "TEAM"
 *                  (a set of 148 + pad4(len(ID)) + pad4(len(TEAM)) bytes: 188 for claude)
 *   certificate hash: identifier "ID" and certificate SLOT = H"SHA-1 of that
 *                  certificate's DER" (SLOT 0 leaf, -1 root, n the nth up;
 *                  which one is DRMaker's nonAppleAnchor rule, section 4.3;
 *                  a set of 76 + pad4(len(ID)) bytes)
 * Every corpus Developer ID blob is reproduced byte for byte
 * (tests/cert-oracle.test).
 */
#ifndef PI_CS_REQ_H
#define PI_CS_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "status.h"

#define PI_CS_REQ_SET_MAGIC 0xfade0c01u
#define PI_CS_REQ_MAGIC 0xfade0c00u
#define PI_CS_REQ_DESIGNATED 3u

typedef enum pi_cs_req_kind {
	PI_CS_REQ_NONE = 0,     /* parse: the set holds no designated requirement */
	PI_CS_REQ_DEVELOPER_ID, /* the Developer ID template */
	PI_CS_REQ_CERT_HASH,    /* identifier and certificate SLOT = H"..." */
	PI_CS_REQ_OTHER,        /* parse: a valid requirement of another shape */
} pi_cs_req_kind;

/* One designated requirement, as the templates see it. */
typedef struct pi_cs_req {
	pi_cs_req_kind kind;
	char identifier[256];   /* NUL-terminated; the code's signing identifier */
	char team[64];          /* DEVELOPER_ID: the leaf's subject OU */
	int32_t slot;           /* CERT_HASH: 0 leaf, -1 anchor, n the nth certificate up */
	uint8_t hash[32];       /* CERT_HASH: SHA-1 (20 bytes) of the certificate's DER */
	uint32_t hash_len;      /* CERT_HASH: 20 when written by us; as stored when parsed */
} pi_cs_req;

/* Exact length in bytes of the requirement blob (0xfade0c00) for r, or 0
 * when r cannot be written: kind not DEVELOPER_ID / CERT_HASH, empty
 * identifier or team, hash_len 0 or over 32. */
uint32_t pi_cs_req_size(const pi_cs_req *r);

/* Write the requirement blob into out[0, pi_cs_req_size(r)).  Returns the
 * bytes written (0 as pi_cs_req_size). */
uint32_t pi_cs_req_write(const pi_cs_req *r, uint8_t *out);

/* Exact length of the requirements set (0xfade0c01) holding r as its only,
 * designated, requirement: 20 + pi_cs_req_size(r); 0 when r cannot be
 * written.  This is the blob of SuperBlob slot 2; its SHA-256 goes into
 * CodeDirectory special slot 2. */
uint32_t pi_cs_reqset_size(const pi_cs_req *r);

/* Write that set into out[0, pi_cs_reqset_size(r)); returns the length. */
uint32_t pi_cs_reqset_write(const pi_cs_req *r, uint8_t *out);

/* Read a requirements set: c is the whole slot-2 blob (origin absolute).
 * Fills *r (kind NONE when the set has no type-3 entry, OTHER when its
 * designated requirement is valid but not one of the two templates, e.g. an
 * `or` or `cdhash H"..."`).  Returns PI_OK, or PI_E_MALFORMED (with the
 * absolute offset in d) when a magic, length, offset or operand does not fit
 * its bounds.  The expression is walked with a depth limit of 64. */
pi_status pi_cs_reqset_parse(const pi_cur *c, pi_cs_req *r, pi_diag *d);

/* Read one requirement blob (0xfade0c00) at [0, c->len): as above. */
pi_status pi_cs_req_parse(const pi_cur *c, pi_cs_req *r, pi_diag *d);

#endif
