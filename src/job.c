/* job.c - the run over the inputs (see job.h): one function per mode
 * (--check, --print-plist, --emit-plist, and the main job in inject.c), and
 * the precedence of their outcomes.  What each mode reads comes from
 * input.c, what it reports goes through report.c. */
#include "config.h"

#include "job.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_io.h"
#include "inject.h"
#include "input.h"
#include "overlay.h"
#include "plan.h"
#include "report.h"
#include "signer.h"
#include "verify.h"

static pi_outcome outcome_of(pi_status st)
{
	switch (st) {
	case PI_OK: return PI_DONE;
	case PI_E_USAGE:
	case PI_E_NEED_BUNDLE_ID: return PI_USAGE;
	default: return PI_ERROR;
	}
}

/* The worse of two outcomes: error over usage over not ready over done. */
static int worse(int a, int b)
{
	static const int rank[4] = { 0, 3, 2, 1 }; /* index by outcome: 0 done, 1 error, 2 usage, 3 not ready */
	return rank[b] > rank[a] ? b : a;
}

/* ---- --check ---- */

/* Fill *f for slice s of the file at path, as a run with the options o (and
 * --make-room) would go: structure, header room, identity, plist room.  The
 * plist is built for this slice alone, with a stand-in bundle ID when the
 * run would ask for one.  Says nothing on o->err. */
static void assess_fix(const pi_opts *o, const char *path, pi_slice *s, pi_fix *f)
{
	pi_diag d, quiet;
	pi_diag_init(&d, path, NULL);
	pi_diag_init(&quiet, path, NULL);
	quiet.quiet = 1;
	f->verdict = "no";
	f->needs_bundle_id = 0;
	f->why[0] = 0;
	pi_work w = { .s = s };
	char *xml = NULL;
	size_t len = 0;
	pi_plan p;
	pi_status st = pi_plan_check_editable(s, &d);
	if (st == PI_OK && (st = pi_plan_header_room(s, PI_SIGN_ADHOC, 1, &d)) == PI_OK &&
	    (st = pi_read_old_signature(&w, &quiet)) == PI_OK) {
		st = pi_input_plist(o, path, &w, 1, &xml, &len, &d);
		if (st == PI_E_NEED_BUNDLE_ID) {
			f->needs_bundle_id = 1;
			pi_diag_init(&d, path, NULL);
			st = pi_input_stand_in_plist(o, path, &w, 1, &xml, &len);
		}
	}
	if (st == PI_OK && (st = pi_plan_inject(s, len, PI_SIGN_ADHOC, 1, &p, &d)) == PI_OK) {
		f->verdict = p.room.n ? "make-room" : "yes";
		if (p.room.n)
			pi_room_describe(&p.room, f->why, sizeof f->why);
	} else {
		snprintf(f->why, sizeof f->why, "%s", d.msg[0] ? d.msg : "the plist cannot be built");
	}
	free(xml);
	free(w.sig);
}

/* 1 when d holds the reader's refusal of a whole file that is not Mach-O at
 * all (a script, a text file), not of a damaged one. */
static int not_macho(const pi_diag *d)
{
	return d->code == PI_E_MALFORMED && !d->slice[0] && !strncmp(d->msg, "not a Mach-O file", 17);
}

static int check_one(const pi_opts *o, const char *path, pi_diag *d, pi_rep *rep, const char **status)
{
	pi_map m;
	pi_image img;
	int result = PI_DONE;
	pi_status st = pi_input_open(path, &m, &img, d);
	if (st != PI_OK && not_macho(d)) {
		/* a script among the binaries of a bin/ folder: said in one line,
		 * and it leaves the other files' results and the exit status alone */
		pi_rep_not_macho(rep, path, d->msg);
		pi_diag_clear(d);
		*status = "not-macho";
		return PI_DONE;
	}
	if (st != PI_OK)
		return outcome_of(st);
	if ((st = pi_refuse_unsupported(o, &img, pi_signer_none.arch_prefix, d)) != PI_OK) {
		pi_image_free(&img);
		pi_map_close(&m);
		return outcome_of(st);
	}
	pi_rep_slices(rep);
	int any = 0;
	for (uint32_t i = 0; i < img.nslices; i++) {
		pi_slice *s = &img.slices[i];
		if (!pi_slice_selected(o, s))
			continue;
		pi_report r;
		if (pi_verify_slice(s, NULL, o->threads, &r) != PI_OK) {
			pi_diag_set_slice(d, s->label);
			pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "hashing failed");
			result = PI_ERROR;
			break;
		}
		pi_fix fx = { "", 0, "" };
		if (!r.ready) {
			result = worse(result, PI_NOT_READY);
			assess_fix(o, path, s, &fx);
		}
		pi_rep_check_slice(rep, path, &r, &fx);
		any = 1;
	}
	if (!any && result == PI_DONE) {
		pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "no slice matches --arch");
		result = PI_USAGE;
	}
	pi_image_free(&img);
	pi_map_close(&m);
	return result;
}

/* ---- --print-plist ---- */

static int print_plist_one(const pi_opts *o, const char *path, pi_diag *d)
{
	pi_map m;
	pi_image img;
	pi_work *w = NULL;
	size_t nw = 0;
	pi_status st = pi_input_open(path, &m, &img, d);
	if (st != PI_OK)
		return outcome_of(st);
	if ((st = pi_select_slices(o, &img, pi_signer_none.arch_prefix, &w, &nw, d)) == PI_OK) {
		const pi_slice *s = w[0].s; /* the first selected slice */
		if (s->info_plist < 0) {
			pi_diag_set_slice(d, s->label);
			st = pi_fail(d, PI_E_UNSUPPORTED, s->text >= 0 ? s->offset + s->segs[s->text].cmd_off : s->offset,
			             "no embedded Info.plist (__TEXT,__info_plist)");
		} else {
			const pi_section *x = &s->sects[s->info_plist];
			fwrite(s->data + x->offset, 1, (size_t)x->size, o->out);
		}
	}
	pi_work_free(w, nw);
	pi_image_free(&img);
	pi_map_close(&m);
	return outcome_of(st);
}

/* ---- --emit-plist ---- */

/* Write xml to -o's file, the way every output is written. */
static pi_status write_plist_file(const pi_opts *o, const char *path, const char *xml, size_t xml_len,
                                  pi_diag *d)
{
	pi_out out;
	pi_overlay ov;
	char target[4096];
	pi_status st = pi_out_target(o->output, target, sizeof target, d);
	if (st != PI_OK)
		return st;
	if (path && pi_same_file(path, o->output))
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		               "the output %s is the input; --emit-plist writes a plist, not a Mach-O file", o->output);
	if ((st = pi_out_begin(&out, target, 0, d)) != PI_OK)
		return st;
	if (!pi_ov_init(&ov, (const uint8_t *)xml, xml_len, 0)) {
		pi_out_abort(&out);
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	}
	st = pi_out_write(&out, &ov, -1, d);
	pi_ov_free(&ov);
	if (st == PI_OK)
		st = pi_out_sync(&out, 0644, getuid(), getgid(), d);
	if (st == PI_OK)
		st = pi_out_commit(&out, d);
	if (st != PI_OK)
		pi_out_abort(&out);
	return st;
}

static int emit_plist(const pi_opts *o, const char *path, pi_diag *d)
{
	pi_map m;
	pi_image img;
	memset(&img, 0, sizeof img);
	int have_map = 0;
	pi_work *w = NULL;
	size_t nw = 0;
	char *xml = NULL;
	size_t xml_len = 0;
	pi_status st = PI_OK;
	if (path) {
		if ((st = pi_input_open(path, &m, &img, d)) != PI_OK)
			return outcome_of(st);
		have_map = 1;
		st = pi_select_slices(o, &img, pi_signer_none.arch_prefix, &w, &nw, d);
		for (size_t i = 0; st == PI_OK && i < nw; i++)
			st = pi_read_old_signature(&w[i], d);
	} else if (!o->bundle_id || !o->name) {
		st = pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "--emit-plist without an input needs --bundle-id and --name");
	}
	if (st == PI_OK)
		st = pi_input_plist(o, path, w, nw, &xml, &xml_len, d);
	if (st == PI_OK && o->output)
		st = write_plist_file(o, path, xml, xml_len, d);
	else if (st == PI_OK)
		fwrite(xml, 1, xml_len, o->out);
	free(xml);
	pi_work_free(w, nw);
	pi_image_free(&img);
	if (have_map)
		pi_map_close(&m);
	return outcome_of(st);
}

/* ---- the run ---- */

void pi_opts_init(pi_opts *o)
{
	memset(o, 0, sizeof *o);
	o->template_name = "local-network";
	o->sign_identity = "-";
	o->timestamp = -1;
	o->signer = PI_SIGNER_AUTO;
	o->out = stdout;
	o->err = stderr;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o->threads = ncpu > 0 ? (unsigned)ncpu : 1;
}

/* The JSON status of an input's outcome r, unless the mode said another
 * (special: "unchanged", "not-macho"). */
static const char *file_status(const pi_opts *o, int r, const char *special)
{
	if (r == PI_DONE && special)
		return special;
	if (r == PI_DONE)
		return o->check ? "ready" : o->dry_run ? "planned" : "done";
	return r == PI_NOT_READY ? "not-ready" : r == PI_USAGE ? "usage" : "error";
}

int pi_job_run(const pi_opts *o, const char *const *inputs, size_t n)
{
	int worst = PI_DONE;
	pi_signer_ctx *sx = calloc(1, sizeof *sx);
	if (!sx) {
		fputs("plistinject: out of memory\n", o->err);
		return PI_ERROR;
	}
	if (!o->check && !o->print_plist && !o->emit_plist) {
		pi_diag d;
		pi_diag_init(&d, NULL, o->err);
		d.quiet = o->quiet;
		if (pi_signer_resolve(o, sx, &d) != PI_OK) {
			pi_diag_print(&d, o->err);
			pi_signer_ctx_free(sx);
			free(sx);
			return outcome_of(d.code);
		}
	}
	if (o->emit_plist) {
		pi_diag d;
		pi_diag_init(&d, n ? inputs[0] : NULL, o->err);
		d.quiet = o->quiet;
		pi_diag_hold(&d);
		int r = emit_plist(o, n ? inputs[0] : NULL, &d);
		if (d.code != PI_OK)
			pi_diag_print(&d, o->err);
		pi_diag_release(&d);
		free(sx);
		return r;
	}
	pi_rep rep;
	pi_rep_begin(&rep, o->out, o->json,
	             o->check ? "check" : o->dry_run ? "dry-run" : o->print_plist ? "print-plist" : "inject");
	for (size_t i = 0; i < n; i++) {
		pi_diag d;
		pi_diag_init(&d, inputs[i], o->err);
		d.quiet = o->quiet;
		d.verbose = o->verbose;
		pi_diag_hold(&d);
		pi_rep_file(&rep, inputs[i],
		            o->check || o->dry_run ? NULL : o->in_place ? inputs[i] : o->output ? o->output : "");
		int r;
		const char *special = NULL; /* a JSON status other than the outcome's */
		if (o->check)
			r = check_one(o, inputs[i], &d, &rep, &special);
		else if (o->print_plist)
			r = print_plist_one(o, inputs[i], &d);
		else
			r = outcome_of(pi_inject_one(o, sx, inputs[i], &d, &rep, &special));
		if (d.code != PI_OK)
			pi_diag_print(&d, o->err);
		pi_diag_release(&d);
		pi_rep_file_end(&rep, file_status(o, r, special), &d);
		worst = worse(worst, r);
	}
	pi_rep_end(&rep, worst);
	pi_signer_ctx_free(sx);
	free(sx);
	return worst;
}
