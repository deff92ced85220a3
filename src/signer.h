/* signer.h - the signers behind one small interface: the built-in ad-hoc
 * signer (cs_sign.c), Apple's codesign (codesign_exec.c), and none (the
 * signature removed).  What differs between them is here, in an operations
 * table; the pipeline (inject.c) and the run (job.c) never branch on which
 * one it is.  Adding a signer (a certificate, later) is one more table.
 */
#ifndef PI_SIGNER_H
#define PI_SIGNER_H

#include <stddef.h>

#include "job.h"
#include "plan.h"
#include "status.h"
#include "verify.h"

struct pi_inject; /* inject.h */

typedef struct pi_signer_ops {
	const char *name;             /* "internal", "codesign", "none" */
	pi_sign_mode plan_mode;       /* what the plan does with LC_CODE_SIGNATURE: ADHOC keeps or
	                                 adds it and reserves the signature; NONE drops it (codesign
	                                 is handed the file unsigned and adds its own) */
	pi_sign_mode room_mode;       /* header bytes the new signature needs (ADHOC: 16 when the
	                                 slice has no LC_CODE_SIGNATURE) */
	const char *arch_prefix;      /* what leaving slices out takes with this signer, before the
	                                 --arch options of a hint (" --signer internal") */
	int whole_file;               /* signs every slice and rewrites the whole file: --arch cannot
	                                 keep slices as they are, and the self-check re-hashes every
	                                 page */
	int removes;                  /* the new file is unsigned */
	pi_status fail_code;          /* a self-check failure: the signer's (EXTERNAL) or ours */
	const char *wrote_as;         /* "signed ad hoc as", in the "wrote" line */
	/* Write the output (pi_inject_write_all) and sign it; the output is
	 * then complete but not yet synced. */
	pi_status (*write_and_sign)(struct pi_inject *j);
	/* 1 when the new signature is ad hoc under options o. */
	int (*adhoc)(const pi_opts *o);
} pi_signer_ops;

/* Resolve --signer: auto is codesign on macOS (xcrun --find codesign, then
 * PATH) when there is one, the built-in signer elsewhere.  codesign's path
 * goes to codesign[len] ("" otherwise).  Checks that the signing options
 * fit the signer.  Returns PI_OK with *ops, PI_E_USAGE or PI_E_EXTERNAL
 * (no codesign), with the message in d. */
pi_status pi_signer_resolve(const pi_opts *o, const pi_signer_ops **ops, char *codesign, size_t len,
                            pi_diag *d);

/* The signer reports and hints speak of when none was chosen (--check). */
extern const pi_signer_ops pi_signer_none;

/* 1 when the self-check's report r on a slice written by ops is what ops
 * should have produced, signed as ident. */
int pi_signer_accepts(const pi_signer_ops *ops, const pi_report *r, const char *ident);

#endif
