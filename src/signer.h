/* signer.h - the signers behind one small interface: the built-in ad-hoc
 * signer (cs_sign.c), Apple's codesign (codesign_exec.c), and none (the
 * signature removed).  What differs between them is here, in an operations
 * table; the pipeline (inject.c) and the run (job.c) never branch on which
 * one it is.  Adding a signer (a certificate, later) is one more table.
 */
#ifndef PI_SIGNER_H
#define PI_SIGNER_H

#include <stddef.h>
#include <time.h>

#include "cs_sign.h"
#include "job.h"
#include "plan.h"
#include "status.h"
#include "verify.h"

struct pi_inject; /* inject.h */
struct pi_identity; /* cs_cms.h */
struct pi_signer_ctx;

/* Bytes a signer may need for its requirement set (pi_edit.reqset). */
#define PI_REQSET_MAX 640

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
	const char *wrote_as;         /* "signed ad hoc as", in the "wrote" line (the context's
	                                 wrote_as is what is printed) */
	const char *plan_words;       /* "ad-hoc signature", in a plan's text line */
	int certificate;              /* the self-check wants a verified CMS and requirement */
	/* Write the output (pi_inject_write_all) and sign it; the output is
	 * then complete but not yet synced. */
	pi_status (*write_and_sign)(struct pi_inject *j);
	/* 1 when the new signature is ad hoc under options o. */
	int (*adhoc)(const pi_opts *o);
	/* Add to *sp (filled by pi_sign_params_for, signing identifier ident)
	 * what this signer's signature holds beyond the ad-hoc one; req[0,
	 * PI_REQSET_MAX) is storage for the requirement set, kept as long as
	 * *sp.  Returns PI_OK or the error (in d). */
	pi_status (*params)(const struct pi_signer_ctx *sx, const char *ident, pi_sign_params *sp, uint8_t *req,
	                    pi_diag *d);
} pi_signer_ops;

/* The signer of one run: its table and what it needs, made by
 * pi_signer_resolve, freed by pi_signer_ctx_free.  The pipeline reads only
 * ops, codesign, wrote_as, team and replaces. */
typedef struct pi_signer_ctx {
	const pi_signer_ops *ops;
	char codesign[4096];          /* codesign's path, for that signer; "" otherwise */
	char wrote_as[400];           /* "signed ad hoc as", "signed with certificate 'CN' as" */
	char team[64];                /* the team ID the new signature carries ("" for none) */
	char replaces[400];           /* how a Developer ID signature of another team is replaced,
	                                 for a note ("" when no note is due) */
	struct pi_identity *id;       /* the certificate signer's identity (owned) */
	const char *timestamp_url;    /* --timestamp-url, or NULL */
	pi_cs_cms_cb cms;             /* the CMS step, its ctx this struct */
} pi_signer_ctx;

/* Resolve --signer into *sx: with --p12 or --key/--cert, the built-in
 * signer with that identity (auto or internal; codesign and none are
 * refused), its identity loaded and checked once here (pi_identity_load's
 * refusals); otherwise auto is codesign on macOS (xcrun --find codesign,
 * then PATH) when there is one, the built-in ad-hoc signer elsewhere.
 * Checks that the signing options fit the signer.  Returns PI_OK, or
 * PI_E_USAGE or PI_E_EXTERNAL (no codesign) with the message in d; free *sx
 * with pi_signer_ctx_free either way. */
pi_status pi_signer_resolve(const pi_opts *o, pi_signer_ctx *sx, pi_diag *d);
void pi_signer_ctx_free(pi_signer_ctx *sx);

/* The signer reports and hints speak of when none was chosen (--check). */
extern const pi_signer_ops pi_signer_none;

/* 1 when the self-check's report r on a slice written by ops is what ops
 * should have produced, signed as ident. */
int pi_signer_accepts(const pi_signer_ops *ops, const pi_report *r, const char *ident);

#endif
