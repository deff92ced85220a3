/* inject.h - the main job on one input, in stages (DESIGN.md section 4):
 *
 *   prepare   open and read the input (input.c), select the slices, check
 *             structure and header room, identity and the plist, then plan
 *             each slice (plan.c) and size its signature (cs_sign.c);
 *             or find it already ready and leave it alone
 *   emit      an overlay of every output slice (emit.c) and the universal
 *             file's layout
 *   write     the output written while it is signed (signer.c), synced
 *   verify    the written file re-parsed, its patched pages re-hashed
 *   commit    renamed into place (file_io.c)
 *
 * The signer is chosen once per run (signer.c); reports go through
 * report.c, errors and notes through the input's pi_diag.
 */
#ifndef PI_INJECT_H
#define PI_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "cs_sign.h"
#include "file_io.h"
#include "input.h"
#include "job.h"
#include "overlay.h"
#include "plan.h"
#include "report.h"
#include "signer.h"
#include "status.h"

/* What the run does to one selected slice (parallel to pi_inject.w). */
typedef struct pi_edit {
	pi_plan plan;
	pi_overlay ov;                /* the output slice: input bytes plus patches */
	int ov_live;
	uint64_t datasize;            /* bytes reserved for the new signature */
	pi_sign_params sp;            /* what the new signature keeps and says */
	uint8_t reqset[PI_REQSET_MAX]; /* its requirement set, when the signer writes one */
	uint64_t out_off;             /* the slice's offset in the output file */
} pi_edit;

/* One input through the pipeline. */
typedef struct pi_inject {
	const pi_opts *o;
	const char *path;
	pi_diag *d;
	const pi_signer_ctx *sx;      /* the run's signer */
	const pi_signer_ops *signer;  /* = sx->ops */
	const char *codesign;         /* = sx->codesign: codesign's path, for the codesign signer */
	char target[4096];            /* the file to write (resolved -o, or the input) */
	pi_map m;
	int have_map;
	pi_image img;
	pi_work *w;                   /* the selected slices (input.c) */
	pi_edit *e;                   /* and what is done to each */
	size_t nw;
	char *xml;                    /* the plist to embed */
	size_t xml_len;
	char ident[256];              /* the signing identifier */
	const pi_overlay **outs;      /* every slice of the output, in order */
	int *owner;                   /* the index of its w/e entry, -1 when kept as it is */
	pi_overlay *idov;             /* overlays of the kept slices */
	uint64_t *offs;               /* each slice's offset in the output */
	uint8_t *fat_hdr;
	size_t fat_hdr_len;
	pi_out out;
	int out_live;
	pi_map check;
	int check_live;
	pi_image check_img;
	char ent_tmp[4096];           /* entitlements written for codesign, "" if none */
	int unchanged;                /* already ready: left alone (DESIGN.md section 2) */
} pi_inject;

/* The output writer: fat header, zero fill, slices (their signature areas
 * still zero), in order.  Run as a thread (arg: a pi_writer) or called. */
typedef struct pi_writer {
	pi_inject *j;
	pi_diag d;
	pi_status st;
} pi_writer;
void *pi_inject_write_all(void *arg);

/* Run the main job on the input at path with the resolved signer sx: a normal run or, with o->dry_run, the plan.
 * Plans go to rep, notes and errors to d.  *status becomes "unchanged" when
 * the file was already ready and left alone (or copied as it is).  Returns
 * PI_OK or the first error (in d). */
pi_status pi_inject_one(const pi_opts *o, const pi_signer_ctx *sx, const char *path, pi_diag *d, pi_rep *rep,
                        const char **status);

#endif
