/* report.h - what a run tells the user on standard output: the --check
 * report, the plan of --dry-run (and of a normal run under --json or -v),
 * as text or as one --json document of one schema for the three modes
 * (docs/json.md).  The only user of the JSON library (jansson): strings from
 * a hostile file are made valid UTF-8 (pi_utf8_seq) before they go in, and
 * each file's object is built whole and the document printed at the end.
 * Errors and notes are not reports: they go through pi_diag (status.h).
 */
#ifndef PI_REPORT_H
#define PI_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "plan.h"
#include "status.h"
#include "verify.h"

/* Whether a run can make a slice that is not ready ready (--check). */
typedef struct pi_fix {
	const char *verdict;          /* "yes", "make-room" or "no"; "" when the slice is ready */
	int needs_bundle_id;          /* a run must be given --bundle-id */
	char why[768];                /* "no": the refusal; "make-room": what it removes */
} pi_fix;

/* One slice's plan, as the report shows it. */
typedef struct pi_plan_row {
	const char *arch, *label;     /* slice name and diagnostic label */
	const pi_plan *plan;
	uint64_t out_off;             /* the slice's offset in the output file (bytes) */
	uint64_t sig_size;            /* bytes reserved for the new signature, 0 when none */
	const char *identifier;       /* the signing identifier */
	const char *sig_words;        /* "ad-hoc signature", "certificate signature"; NULL: ad hoc */
} pi_plan_row;

/* The report of one run.  With json, a document is built and printed by
 * pi_rep_end; without, text lines are printed as they come.  The caller
 * owns the struct; pi_rep_end releases what it holds. */
typedef struct pi_rep {
	FILE *out;                    /* standard output */
	int json;
	void *root, *files, *file, *slices; /* json_t *, opaque here */
} pi_rep;

/* Start the report of a run in mode "check", "dry-run", "inject" or
 * "print-plist". */
void pi_rep_begin(pi_rep *r, FILE *out, int json, const char *mode);

/* Start the object of one input file: its path and, in a normal run,
 * output (the -o path or, with --in-place, the input; NULL: no key). */
void pi_rep_file(pi_rep *r, const char *path, const char *output);

/* Start the current file's list of slices (--json: "slices"). */
void pi_rep_slices(pi_rep *r);

/* One slice's --check result, with what a run could do about it. */
void pi_rep_check_slice(pi_rep *r, const char *path, const pi_report *rep, const pi_fix *f);

/* A file --check skipped because it is not Mach-O at all; msg says what it
 * is. */
void pi_rep_not_macho(pi_rep *r, const char *path, const char *msg);

/* One slice's plan: into the document with --json, else as a text line on
 * text (standard output for --dry-run, standard error after -v). */
void pi_rep_plan(pi_rep *r, FILE *text, const char *path, const pi_plan_row *row);

/* End the current file: its status ("ready", "not-ready", "planned",
 * "done", "unchanged", "not-macho", "usage", "error") and, when d holds an
 * error, its first line and hint. */
void pi_rep_file_end(pi_rep *r, const char *status, const pi_diag *d);

/* End the run: with --json print the document (one line) with the exit
 * status, and free it. */
void pi_rep_end(pi_rep *r, int exit_status);

/* The line a normal run prints on standard error for each slice written. */
void pi_rep_wrote(FILE *err, const char *path, const char *label, const char *target,
                  const pi_plan *p, const char *signed_as, const char *identifier);

#endif
