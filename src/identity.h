/* identity.h - who the plist and the signature say the file is (DESIGN.md
 * section 2, "Plist content" and "Signing"): the default bundle identifier
 * and the signing identifier, as pure rules over plain per-slice rows.  No
 * libplist, no file access: the caller reads the slices (their embedded
 * plists and old signatures) and hands in what it found.
 */
#ifndef PI_IDENTITY_H
#define PI_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* What one selected slice says about its identity. */
typedef struct pi_id_slice {
	const char *arch;            /* "arm64", "x86_64", ...: arm64's identifier wins a tie */
	const char *label;           /* diagnostic label ("arm64, slice 2/2") */
	int has_plist;               /* it has a __TEXT,__info_plist section */
	int plist_is_dict;           /* which parses as a plist dictionary */
	const char *plist_bundle_id; /* its non-empty CFBundleIdentifier, or NULL */
	uint64_t plist_offset;       /* absolute file offset of the section's bytes (messages) */
	uint64_t plist_size;         /* bytes */
	const char *sig_identifier;  /* the first CodeDirectory's identifier, NULL when unsigned */
	int sig_is_metadata;         /* the signature is a source of metadata: not linker-signed */
} pi_id_slice;

typedef struct pi_id_result {
	char bundle_id[256];         /* the default bundle ID, "" when there is none */
	char rejected[256];          /* a signing identifier that was not usable, "" when none */
} pi_id_result;

/* 1 when id looks like a bundle identifier a human chose: a valid bundle ID
 * with a dot, not "a.out", not codesign's ad-hoc default "name-<hex>" (8 or
 * more hex digits after the last '-'). */
int pi_looks_reverse_dns(const char *id);

/* The bundle-ID default, in DESIGN.md's order: the CFBundleIdentifier of the
 * slices' existing plists (all agreeing); else the signing identifier of the
 * signatures that are not linker-signed, all agreeing (the arm64 slice's
 * when only some are signed), when it looks reverse-DNS; else none.
 * bundle_id_given: --bundle-id (or another explicit source) was given, so
 * disagreements do not stop the run.  replace: --replace, so a plist that is
 * not a dictionary is discarded rather than refused.
 * Returns PI_OK with *r filled (bundle_id "" when there is no default; the
 * caller asks for --bundle-id), or: PI_E_BAD_PLIST when a slice's plist is
 * not a dictionary (offset and hint in d, slice label set); PI_E_NEED_BUNDLE_ID
 * when the slices' plists, or their signing identifiers, disagree. */
pi_status pi_identity_default(const pi_id_slice *s, size_t n, int bundle_id_given, int replace,
                              pi_id_result *r, pi_diag *d);

/* The signing identifier: --identifier when given, else the bundle ID the
 * plist carries (what codesign does for a file with an Info.plist). */
const char *pi_identity_signing_id(const char *identifier_opt, const char *bundle_id);

#endif
