/* inject.c - the main job on one input, in stages (see inject.h). */
#include "config.h"

#include "inject.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "identity.h"
#include "macho_defs.h"
#include "plist_build.h"
#include "verify.h"

/* ---- prepare ---- */

/* Notes the user should see about what the run changes beyond the plist:
 * load commands --make-room removes, and the signature it replaces.  The
 * same notes come before a --dry-run's plan and after a real run. */
static void slice_notes(const pi_inject *j, size_t i)
{
	const pi_work *w = &j->w[i];
	const pi_plan *p = &j->e[i].plan;
	pi_diag *d = j->d;
	pi_diag_set_slice(d, w->s->label);
	if (p->room.n) {
		char what[200];
		pi_room_describe(&p->room, what, sizeof what);
		pi_note(d, "--make-room removes %s, which nothing reads at run time", what);
	}
	if (!w->sig || !w->sig->has_cd)
		return;
	const pi_cs_cd *cd = &w->sig->cds[0];
	if (j->signer->removes) {
		pi_note(d, "the code signature was removed; arm64 macOS will not run the file until it is signed");
		return;
	}
	if (w->meta && strcmp(cd->identifier, j->ident))
		pi_note(d, "the signing identifier changes from '%s' to '%s'", cd->identifier, j->ident);
	const pi_cs_blobref *cms = pi_cs_sig_blob(w->sig, CSSLOT_SIGNATURESLOT);
	int lost = j->signer->adhoc(j->o) ? cd->team[0] || (cms && cms->len > 8) /* any certificate signature */
	                                  : cd->team[0] && strcmp(cd->team, j->sx->team); /* another team's */
	if (j->sx->replaces[0] && lost)
		pi_note(d, "a Developer ID signature%s%s%s is replaced by %s, so privacy permissions granted to the "
		           "old signature may be asked for again",
		        cd->team[0] ? " (team " : "", cd->team, cd->team[0] ? ")" : "", j->sx->replaces);
}

/* A slice of a universal file that cannot be edited, while others can: add
 * to the hint the options that edit only the other selected slices
 * (pi_arch_options).  Returns st. */
static pi_status hint_arch(pi_inject *j, const pi_slice *bad, pi_status st)
{
	if (!j->img.fat || j->nw < 2 || (st != PI_E_NO_ROOM && st != PI_E_UNSUPPORTED))
		return st;
	int *keep = calloc(j->img.nslices, sizeof *keep);
	if (!keep)
		return st;
	for (size_t i = 0; i < j->nw; i++)
		if (j->w[i].s != bad)
			keep[j->w[i].s - j->img.slices] = 1;
	char opts[256];
	if (pi_arch_options(&j->img, keep, j->signer->arch_prefix, opts, sizeof opts)) {
		char was[sizeof j->d->hint];
		snprintf(was, sizeof was, "%s", j->d->hint);
		if (was[0])
			pi_hint(j->d, "%s; or edit only the other slices with%s", was, opts);
		else
			pi_hint(j->d, "edit only the other slices with%s", opts);
	}
	free(keep);
	return st;
}

/* 1 when the user asked for a new signature: --force, --signer other than
 * auto, or an option that only signing uses (a certificate's included). */
static int signing_asked(const pi_opts *o)
{
	return o->force || (o->signer_given && o->signer != PI_SIGNER_AUTO) ||
	       strcmp(o->sign_identity, "-") || o->entitlements || o->identifier || o->timestamp != -1 ||
	       o->keychain || o->p12 || o->key || o->cert || o->timestamp_url;
}

/* DESIGN.md section 2, "already ready": unless signing_asked, a file is left
 * alone when every selected slice's embedded plist holds what this run would
 * write (compared as plists, pi_plist_same) and the slice passes --check,
 * signed as the identifier this run would sign with.  The check hashes the
 * slices, which costs one reading pass, and only when the plists match. */
static int already_ready(const pi_inject *j)
{
	if (signing_asked(j->o))
		return 0;
	for (size_t i = 0; i < j->nw; i++) {
		const pi_slice *s = j->w[i].s;
		if (s->info_plist < 0)
			return 0;
		const pi_section *x = &s->sects[s->info_plist];
		if (!pi_plist_same(s->data + x->offset, (size_t)x->size, (const uint8_t *)j->xml, j->xml_len))
			return 0;
	}
	for (size_t i = 0; i < j->nw; i++) {
		pi_report r;
		if (pi_verify_slice(j->w[i].s, NULL, j->o->threads, &r) != PI_OK || !r.ready ||
		    strcmp(r.identifier, j->ident))
			return 0;
	}
	return 1;
}

/* DESIGN.md section 2 orders the checks: structure, header room, identity,
 * then room for the plist bytes.  The last can be answered before the
 * identity when even the smallest plist (pi_input_stand_in_plist) has no
 * room in a slice: then the user is told that first, since a bundle ID
 * would not help.  Returns the refusal of that slice, or st (the identity
 * question already in d) when every slice has room. */
static pi_status no_room_first(pi_inject *j, pi_status st)
{
	char *xml = NULL;
	size_t len = 0;
	if (pi_input_stand_in_plist(j->o, j->path, j->w, j->nw, &xml, &len) != PI_OK)
		return st;
	free(xml);
	for (size_t i = 0; i < j->nw; i++) {
		pi_plan p;
		pi_diag rd;
		pi_diag_init(&rd, j->path, NULL);
		pi_diag_set_slice(&rd, j->w[i].s->label);
		if (pi_plan_inject(j->w[i].s, len, j->signer->plan_mode, j->o->make_room, &p, &rd) != PI_E_NO_ROOM)
			continue;
		pi_diag_replace(j->d, &rd); /* the room refusal comes before the identity question */
		return hint_arch(j, j->w[i].s, PI_E_NO_ROOM);
	}
	return st;
}

/* The file to write: the input itself (--in-place, links resolved) or -o's,
 * which may not be the input. */
static pi_status find_target(pi_inject *j)
{
	const pi_opts *o = j->o;
	if (o->in_place) {
		if (!pi_resolve(j->path, j->target, sizeof j->target))
			return pi_fail(j->d, PI_E_IO, PI_NO_OFFSET, "cannot open: %s", strerror(errno));
	} else if (o->output) {
		pi_status st = pi_out_target(o->output, j->target, sizeof j->target, j->d);
		if (st != PI_OK)
			return st;
		if (pi_same_file(j->path, o->output))
			return pi_fail(j->d, PI_E_USAGE, PI_NO_OFFSET,
			               "the output %s is the input; give --in-place to edit it", o->output);
	}
	return PI_OK;
}

/* Structure and header room first, for every selected slice (DESIGN.md
 * section 2's order); then the old signatures, read as metadata. */
static pi_status check_slices(pi_inject *j)
{
	pi_diag *d = j->d;
	pi_status st;
	if (j->signer->whole_file && j->nw < j->img.nslices) {
		pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		        "codesign signs every slice of a universal file, so --arch cannot keep the others as they are");
		pi_hint(d, "use --signer internal with --arch, or leave --arch out");
		return PI_E_USAGE;
	}
	for (size_t i = 0; i < j->nw; i++) {
		pi_diag_set_slice(d, j->w[i].s->label);
		if ((st = pi_plan_check_editable(j->w[i].s, d)) != PI_OK ||
		    (st = pi_plan_header_room(j->w[i].s, j->signer->room_mode, j->o->make_room, d)) != PI_OK)
			return hint_arch(j, j->w[i].s, st);
	}
	for (size_t i = 0; i < j->nw; i++) {
		pi_diag_set_slice(d, j->w[i].s->label);
		if ((st = pi_read_old_signature(&j->w[i], d)) != PI_OK)
			return st;
	}
	return PI_OK;
}

/* Plan each slice for the plist and size its new signature. */
static pi_status plan_slices(pi_inject *j)
{
	pi_status st;
	for (size_t i = 0; i < j->nw; i++) {
		const pi_work *w = &j->w[i];
		pi_edit *x = &j->e[i];
		pi_diag_set_slice(j->d, w->s->label);
		if ((st = pi_plan_inject(w->s, j->xml_len, j->signer->plan_mode, j->o->make_room, &x->plan, j->d)) !=
		    PI_OK)
			return hint_arch(j, w->s, st);
		pi_sign_params_for(w->s, w->meta ? w->sig : NULL, j->ident, (const uint8_t *)j->xml, j->xml_len,
		                   j->o->threads, &x->sp);
		x->sp.code_limit = x->plan.cs_dataoff;
		if ((st = j->signer->params(j->sx, j->ident, &x->sp, x->reqset, j->d)) != PI_OK)
			return st;
		if (x->plan.cs_dataoff) {
			uint64_t size = pi_cs_sign_size(&x->sp);
			if (!size || !pi_align_up(size, 16, &x->datasize))
				return pi_fail(j->d, PI_E_UNSUPPORTED, PI_NO_OFFSET, "the signature would be too large");
		}
		if ((st = pi_plan_signature(w->s, &x->plan, x->datasize, j->d)) != PI_OK)
			return st;
	}
	return PI_OK;
}

static pi_status prepare(pi_inject *j)
{
	pi_status st;
	if ((st = find_target(j)) != PI_OK)
		return st;
	if ((st = pi_input_open(j->path, &j->m, &j->img, j->d)) != PI_OK)
		return st;
	j->have_map = 1;
	if ((st = pi_select_slices(j->o, &j->img, j->signer->arch_prefix, &j->w, &j->nw, j->d)) != PI_OK)
		return st;
	if (!(j->e = calloc(j->nw, sizeof *j->e)))
		return pi_fail(j->d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	if ((st = check_slices(j)) != PI_OK)
		return st;
	if ((st = pi_input_plist(j->o, j->path, j->w, j->nw, &j->xml, &j->xml_len, j->d)) != PI_OK)
		return st == PI_E_NEED_BUNDLE_ID ? no_room_first(j, st) : st;
	pi_plist_info info;
	pi_plist_inspect((const uint8_t *)j->xml, j->xml_len, &info);
	snprintf(j->ident, sizeof j->ident, "%s", pi_identity_signing_id(j->o->identifier, info.bundle_id));
	if (already_ready(j)) {
		j->unchanged = 1;
		return PI_OK;
	}
	return plan_slices(j);
}

/* ---- emit ---- */

/* Overlays of every slice of the output, and where each goes. */
static pi_status emit(pi_inject *j)
{
	pi_diag *d = j->d;
	pi_status st;
	uint32_t n = j->img.nslices;
	j->outs = calloc(n, sizeof *j->outs);
	j->owner = calloc(n, sizeof *j->owner);
	j->idov = calloc(n, sizeof *j->idov);
	j->offs = calloc(n, sizeof *j->offs);
	if (!j->outs || !j->owner || !j->idov || !j->offs)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	for (size_t i = 0; i < j->nw; i++) {
		const pi_slice *s = j->w[i].s;
		pi_edit *x = &j->e[i];
		pi_diag_set_slice(d, s->label);
		if (!pi_ov_init(&x->ov, s->data, s->size, s->offset))
			return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
		x->ov_live = 1;
		x->ov.src_mapped = 1;
		if ((st = pi_emit_slice(s, &x->plan, (const uint8_t *)j->xml, x->datasize, &x->ov, d)) != PI_OK)
			return st;
	}
	for (uint32_t i = 0; i < n; i++) {
		pi_slice *s = &j->img.slices[i];
		j->owner[i] = -1;
		for (size_t k = 0; k < j->nw; k++)
			if (j->w[k].s == s)
				j->owner[i] = (int)k;
		if (j->owner[i] >= 0) {
			j->outs[i] = &j->e[j->owner[i]].ov;
		} else {
			if (!pi_ov_init(&j->idov[i], s->data, s->size, s->offset))
				return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
			j->outs[i] = &j->idov[i];
		}
	}
	if (!j->img.fat)
		return PI_OK;
	uint64_t *sizes = calloc(n, sizeof *sizes);
	if (!sizes)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	for (uint32_t i = 0; i < n; i++)
		sizes[i] = j->outs[i]->len;
	st = pi_emit_fat_header(&j->img, sizes, j->offs, &j->fat_hdr, &j->fat_hdr_len, d);
	free(sizes);
	for (uint32_t i = 0; st == PI_OK && i < n; i++)
		if (j->owner[i] >= 0)
			j->e[j->owner[i]].out_off = j->offs[i];
	return st;
}

/* ---- write ---- */

void *pi_inject_write_all(void *arg)
{
	pi_writer *wr = arg;
	pi_inject *j = wr->j;
	pi_status st = PI_OK;
	if (j->img.fat) {
		pi_overlay hov;
		if (!pi_ov_init(&hov, j->fat_hdr, j->fat_hdr_len, 0)) {
			wr->st = pi_fail(&wr->d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
			return NULL;
		}
		st = pi_out_write(&j->out, &hov, -1, &wr->d);
		pi_ov_free(&hov);
	}
	for (uint32_t i = 0; st == PI_OK && i < j->img.nslices; i++) {
		st = pi_out_zeros(&j->out, j->offs[i] - j->out.pos, &wr->d);
		if (st == PI_OK)
			st = pi_out_write(&j->out, j->outs[i], j->m.fd, &wr->d);
	}
	wr->st = st;
	return NULL;
}

static pi_status write_output(pi_inject *j)
{
	pi_status st;
	pi_diag_set_slice(j->d, j->img.fat ? "" : j->w[0].s->label);
	if ((st = pi_out_begin(&j->out, j->target, j->signer->whole_file, j->d)) != PI_OK)
		return st;
	j->out_live = 1;
	/* reserve the whole file at once: fewer, larger extents to write into */
	uint32_t last = j->img.nslices - 1;
	pi_out_reserve(&j->out, j->img.fat ? j->offs[last] + j->outs[last]->len : j->outs[0]->len);
	if ((st = j->signer->write_and_sign(j)) != PI_OK)
		return st;
	return pi_out_sync(&j->out, j->m.mode, j->m.uid, j->m.gid, j->d);
}

/* ---- verify ---- */

/* Re-parse what was written and check it before it gets its name: the pages
 * we changed (everything, when the signer rewrote the file), the special
 * slots, slot 1. */
static pi_status verify(pi_inject *j)
{
	pi_diag *d = j->d;
	pi_status st;
	if ((st = pi_out_map(&j->out, &j->check, d)) != PI_OK)
		return st;
	j->check_live = 1;
	pi_diag cd;
	pi_diag_init(&cd, j->target, NULL);
	if (pi_macho_read(j->check.data, j->check.size, &j->check_img, &cd) != PI_OK ||
	    j->check_img.nslices != j->img.nslices)
		return pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "the output does not parse: %s", cd.msg);
	for (uint32_t i = 0; i < j->check_img.nslices; i++) {
		if (j->owner[i] < 0)
			continue;
		pi_report r;
		pi_diag_set_slice(d, j->img.slices[i].label);
		const pi_overlay *only = j->signer->whole_file ? NULL : j->outs[i];
		if (pi_verify_slice(&j->check_img.slices[i], only, j->o->threads, &r) != PI_OK)
			return pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "hashing the output failed");
		if (!pi_signer_accepts(j->signer, &r, j->ident))
			return pi_fail(d, j->signer->fail_code, PI_NO_OFFSET, "the signed output fails the check: %s",
			               r.nproblems ? r.problems[0] : "identifier or slot 1");
	}
	return PI_OK;
}

/* ---- the run ---- */

static void inject_free(pi_inject *j)
{
	if (j->check_live) {
		pi_image_free(&j->check_img);
		pi_map_close(&j->check);
	}
	if (j->out_live)
		pi_out_abort(&j->out);
	if (j->ent_tmp[0])
		unlink(j->ent_tmp);
	if (j->idov)
		for (uint32_t i = 0; i < j->img.nslices; i++)
			if (j->idov[i].ext)
				pi_ov_free(&j->idov[i]);
	for (size_t i = 0; j->e && i < j->nw; i++)
		if (j->e[i].ov_live)
			pi_ov_free(&j->e[i].ov);
	free(j->e);
	free(j->idov);
	free(j->owner);
	free(j->outs);
	free(j->offs);
	free(j->fat_hdr);
	free(j->xml);
	pi_work_free(j->w, j->nw);
	pi_image_free(&j->img);
	if (j->have_map)
		pi_map_close(&j->m);
}

static void report_plans(const pi_inject *j, pi_rep *rep, FILE *text)
{
	for (size_t i = 0; i < j->nw; i++) {
		const pi_edit *x = &j->e[i];
		pi_plan_row row = { j->w[i].s->arch, j->w[i].s->label, &x->plan, x->out_off, x->datasize, j->ident,
			            j->signer->plan_words };
		pi_rep_plan(rep, text, j->path, &row);
	}
}

/* -o on a file that is already ready: a byte-identical copy, written the
 * way every output is (a new file, synced, renamed into place). */
static pi_status copy_unchanged(pi_inject *j)
{
	pi_diag *d = j->d;
	pi_overlay ov;
	if (!pi_ov_init(&ov, j->m.data, j->m.size, 0))
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	ov.src_mapped = 1;
	pi_status st = pi_out_begin(&j->out, j->target, 0, d);
	if (st == PI_OK) {
		j->out_live = 1;
		pi_out_reserve(&j->out, j->m.size);
		st = pi_out_write(&j->out, &ov, j->m.fd, d);
	}
	pi_ov_free(&ov);
	if (st == PI_OK)
		st = pi_out_sync(&j->out, j->m.mode, j->m.uid, j->m.gid, d);
	if (st == PI_OK && (st = pi_out_commit(&j->out, d)) == PI_OK)
		j->out_live = 0;
	return st;
}

/* The file was already ready: say so, and copy it under -o. */
static pi_status leave_alone(pi_inject *j)
{
	pi_status st = PI_OK;
	pi_diag_set_slice(j->d, "");
	if (j->o->dry_run || j->o->in_place)
		pi_note(j->d, "already ready: its Info.plist holds what this run would write and the signature "
		              "binds it; left as it is (--force re-signs it)");
	else if ((st = copy_unchanged(j)) == PI_OK)
		pi_note(j->d, "already ready: its Info.plist holds what this run would write and the signature "
		              "binds it; copied it unchanged to %s (--force re-signs it)", j->o->output);
	return st;
}

/* --dry-run: the notes the real run would print, then the plan. */
static pi_status dry_run(pi_inject *j, pi_rep *rep)
{
	/* the layout (not the hashing) gives the output offsets a plan reports */
	pi_status st = emit(j);
	if (st != PI_OK)
		return st;
	for (size_t i = 0; i < j->nw; i++)
		slice_notes(j, i);
	pi_diag_release(j->d);
	report_plans(j, rep, j->o->out);
	return PI_OK;
}

/* A real run: emit, write while signing, verify, commit; then the notes,
 * the plan (--json, -v) and one "wrote" line per slice. */
static pi_status real_run(pi_inject *j, pi_rep *rep)
{
	const pi_opts *o = j->o;
	pi_status st;
	if ((st = emit(j)) != PI_OK || (st = write_output(j)) != PI_OK || (st = verify(j)) != PI_OK ||
	    (st = pi_out_commit(&j->out, j->d)) != PI_OK)
		return st;
	j->out_live = 0;
	for (size_t i = 0; i < j->nw; i++)
		slice_notes(j, i);
	pi_diag_release(j->d); /* the run is done: its notes and warnings before "wrote" */
	if (o->json)
		report_plans(j, rep, NULL);
	else if (o->verbose && !o->quiet)
		report_plans(j, rep, o->err);
	for (size_t i = 0; !o->json && !o->quiet && i < j->nw; i++)
		pi_rep_wrote(o->err, j->path, j->w[i].s->label, j->target, &j->e[i].plan, j->sx->wrote_as, j->ident);
	return PI_OK;
}

pi_status pi_inject_one(const pi_opts *o, const pi_signer_ctx *sx, const char *path, pi_diag *d, pi_rep *rep,
                        const char **status)
{
	pi_inject *j = calloc(1, sizeof *j);
	if (!j)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	j->o = o;
	j->path = path;
	j->d = d;
	j->sx = sx;
	j->signer = sx->ops;
	j->codesign = sx->codesign;
	pi_status st = prepare(j);
	if (st == PI_OK && j->unchanged) {
		*status = "unchanged";
		st = leave_alone(j);
	} else if (st == PI_OK) {
		st = o->dry_run ? dry_run(j, rep) : real_run(j, rep);
	}
	inject_free(j);
	free(j);
	return st;
}
