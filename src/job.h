/* job.h - one run of the program over its inputs: the options (pi_opts),
 * and the run of each mode over the inputs: the main job (inject.c, the
 * pipeline of DESIGN.md section 4), --dry-run, --check, --print-plist and
 * --emit-plist, with the precedence of their outcomes.  main.c parses options
 * into pi_opts and maps the returned worst outcome to the exit code; nothing
 * here exits.
 */
#ifndef PI_JOB_H
#define PI_JOB_H

#include <stddef.h>
#include <stdio.h>

#include "status.h"

typedef enum pi_signer { PI_SIGNER_AUTO, PI_SIGNER_INTERNAL, PI_SIGNER_NONE, PI_SIGNER_CODESIGN } pi_signer;

typedef struct pi_opts {
	const char *output;            /* -o */
	int in_place;
	const char *bundle_id, *name, *usage, *bundle_version, *plist_file, *template_name;
	int template_given;            /* --template was on the command line */
	const char **bonjour;
	size_t nbonjour;
	const char **set;
	size_t nset;
	int replace;
	int make_room;                 /* --make-room: reclaim header bytes (DESIGN.md section 3) */
	int force;                     /* --force: re-sign a file that is already ready */
	pi_signer signer;
	int signer_given;              /* --signer was on the command line */
	const char *sign_identity;     /* -s, "-" for ad hoc */
	const char *entitlements;      /* --entitlements FILE */
	int timestamp;                 /* 1 --timestamp, 0 --no-timestamp, -1 neither */
	const char *keychain;          /* --keychain FILE */
	const char *p12;               /* --p12 FILE: the certificate signer's identity */
	const char *p12_password_file; /* --p12-password-file FILE (else PLISTINJECT_P12_PASSWORD) */
	const char *key, *cert, *cert_chain; /* --key, --cert, --cert-chain (PEM) */
	const char *timestamp_url;     /* --timestamp-url URL: RFC 3161 timestamp (certificate signer) */
	const char *identifier;        /* --identifier: signing identifier (default: the bundle ID) */
	int dry_run, check, print_plist, emit_plist, json, quiet, verbose;
	const char **archs;
	size_t narchs;
	unsigned threads;
	FILE *out;                     /* stdout */
	FILE *err;                     /* stderr */
} pi_opts;

/* The defaults the command line starts from (DESIGN.md section 2): template
 * local-network, identity "-" (ad hoc), neither --timestamp nor
 * --no-timestamp, signer auto, one thread per online CPU, reports on stdout
 * and errors on stderr; everything else zero.  The caller owns *o. */
void pi_opts_init(pi_opts *o);

/* Outcome of one input, worst first: error > usage > not ready > ok. */
typedef enum pi_outcome { PI_DONE = 0, PI_NOT_READY = 3, PI_USAGE = 2, PI_ERROR = 1 } pi_outcome;

/* Run the job on inputs[0..n).  With several inputs each is processed and the
 * worst outcome is returned (1 over 2 over 3 over 0).  Errors are printed
 * on o->err, reports on o->out (one JSON document with --json). */
int pi_job_run(const pi_opts *o, const char *const *inputs, size_t n);

#endif
