/* verify.h - "can TCC resolve this slice?" (DESIGN.md section 2, --check)
 * and the self-check run on a written file before it is renamed into place.
 *
 * A slice is ready when: it has a __TEXT,__info_plist that parses as a
 * dictionary; CFBundleIdentifier is present and equals the signing
 * identifier; NSLocalNetworkUsageDescription is present; it is signed; every
 * page hash and special slot of every CodeDirectory is right; and special
 * slot 1 holds the SHA-256 (or the CD's hash) of the section's exact bytes.
 */
#ifndef PI_VERIFY_H
#define PI_VERIFY_H

#include <stdint.h>

#include "cs_blob.h"
#include "macho.h"
#include "overlay.h"
#include "status.h"

#define PI_MAX_PROBLEMS 12

/* A certificate signature as --check sees it (cs_cms.c's pi_cms_inspect):
 * whether Apple trusts the chain cannot be told here, only whether it ends
 * at Apple's root by hash. */
typedef struct pi_cert_check {
	int present;                  /* slot 0x10000 holds a CMS (not the empty wrapper) */
	int signature_ok;             /* the CMS verifies over the slot-0 CodeDirectory */
	int cdhashes_ok;              /* the CDHashes attributes present match the CDs present */
	int cdhashes_present;         /* at least one CDHashes attribute */
	int timestamp;                /* an RFC 3161 timestamp token is attached */
	int apple_chain;              /* leaf and intermediate markers, Apple Root CA by hash */
	char cn[256];                 /* the signer's subject CN (one line) */
	char team[64];                /* its subject OU on an Apple chain, else "" */
	const char *requirement;      /* "developer-id", "certificate-hash", "other", "none" */
	char req_hash[41];            /* certificate-hash: the SHA-1 in hex */
	int req_slot;                 /* certificate-hash: 0 leaf, -1 root */
	int dr_checked, dr_satisfied; /* the requirement is one of our templates, and holds */
	char why[200];                /* why the signature does not verify */
} pi_cert_check;

typedef struct pi_report {
	char arch[24];
	char label[64];
	int ready;
	int has_plist, plist_is_dict, has_usage, has_bundle_id;
	char bundle_id[256];
	int is_signed, adhoc, linker_signed, damaged;
	char identifier[256];
	char team[64];
	uint32_t cd_version, cd_flags, page_size, ncode, nspecial, hash_type;
	uint64_t code_limit;
	uint32_t bad_pages;           /* code slots that did not match */
	uint64_t first_bad_page;      /* index of the first, if any */
	int slot1_bound;              /* slot 1 present, non-zero and matching */
	int specials_ok;
	pi_cert_check cert;
	char problems[PI_MAX_PROBLEMS][200];
	unsigned nproblems;
} pi_report;

/* Check slice s (bytes at s->data, slice-relative offsets).  When only_pages
 * is non-NULL, code slots are checked only for pages that intersect a patched
 * (non-source) extent of only_pages (the self-check); otherwise every page.
 * threads: hashing threads.  Fills *r; returns PI_OK (even when not ready),
 * PI_E_NOMEM or PI_E_INTERNAL on a hashing failure. */
pi_status pi_verify_slice(const pi_slice *s, const pi_overlay *only_pages, unsigned threads,
                          pi_report *r);

#endif
