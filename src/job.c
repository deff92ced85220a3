/* job.c - the pipeline over inputs (see job.h). */
#include "config.h"

#include "job.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codesign_exec.h"
#include "cs_blob.h"
#include "cs_sign.h"
#include "emit.h"
#include "file_io.h"
#include "macho.h"
#include "macho_defs.h"
#include "overlay.h"
#include "plan.h"
#include "plist_build.h"
#include "verify.h"

/* ---- small helpers ---- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int pi_template_path(const char *name, char *out, size_t len)
{
	struct stat st;
	if (strchr(name, '/') || (stat(name, &st) == 0 && S_ISREG(st.st_mode))) {
		snprintf(out, len, "%s", name);
		return stat(out, &st) == 0;
	}
	const char *dirs[3] = { getenv("PLISTINJECT_TEMPLATE_DIR"), PI_TEMPLATE_DIR, PI_SRC_TEMPLATE_DIR };
	for (int i = 0; i < 3; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		snprintf(out, len, "%s/%s.plist", dirs[i], name);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return 1;
	}
	return 0;
}

/* Length of the well-formed UTF-8 sequence at p (1-4), or 0. */
static int utf8_seq(const unsigned char *p)
{
	int n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 2 && p[0] < 0xc2)
		return 0; /* overlong */
	for (int k = 1; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* JSON output: a tiny writer for one document; strings are escaped per RFC
 * 8259, and bytes that are not UTF-8 (names from a hostile file) become
 * U+FFFD so the document stays valid. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
		int n = utf8_seq(p);
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else if (n == 0)
			fputs("\\ufffd", f);
		else
			fwrite(p, 1, (size_t)n, f);
		p += n ? n : 1;
	}
	fputc('"', f);
}

static void json_kv_str(FILE *f, const char *k, const char *v, int comma)
{
	json_str(f, k);
	fputc(':', f);
	json_str(f, v);
	if (comma)
		fputc(',', f);
}

static void json_kv_u64(FILE *f, const char *k, unsigned long long v, int comma)
{
	json_str(f, k);
	fprintf(f, ":%llu%s", v, comma ? "," : "");
}

static void json_kv_bool(FILE *f, const char *k, int v, int comma)
{
	json_str(f, k);
	fprintf(f, ":%s%s", v ? "true" : "false", comma ? "," : "");
}

/* 1 when id looks like a bundle identifier a human chose: reverse-DNS (has
 * a dot), not "a.out", not codesign's ad-hoc default "name-<hex>". */
static int looks_reverse_dns(const char *id)
{
	if (!id || !strchr(id, '.') || !strcmp(id, "a.out") || !pi_valid_bundle_id(id))
		return 0;
	const char *dash = strrchr(id, '-');
	if (dash && strlen(dash + 1) >= 8) {
		const char *p = dash + 1;
		while (*p && strchr("0123456789abcdefABCDEF", *p))
			p++;
		if (!*p)
			return 0;
	}
	return 1;
}

static int slice_selected(const pi_opts *o, const pi_slice *s)
{
	if (!o->narchs)
		return 1;
	for (size_t i = 0; i < o->narchs; i++)
		if (!strcmp(o->archs[i], s->arch))
			return 1;
	return 0;
}

static pi_outcome outcome_of(pi_status st)
{
	switch (st) {
	case PI_OK: return PI_DONE;
	case PI_E_USAGE:
	case PI_E_NEED_BUNDLE_ID: return PI_USAGE;
	default: return PI_ERROR;
	}
}

static int worse(int a, int b)
{
	static const int rank[4] = { 0, 3, 2, 1 }; /* index by outcome: 0 done, 1 error, 2 usage, 3 not ready */
	return rank[b] > rank[a] ? b : a;
}

/* ---- per-slice state ---- */

typedef struct work {
	pi_slice *s;
	pi_cs_sig *sig;            /* old signature, parsed; NULL when unsigned */
	int meta;                  /* old signature usable as metadata (not linker-signed, has a CD) */
	pi_plan plan;
	pi_overlay ov;
	int ov_live;
	uint64_t datasize;
	pi_sign_params sp;
	uint64_t out_off;          /* the slice's offset in the output file */
} work;

static void work_free(work *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(w[i].sig);
		if (w[i].ov_live)
			pi_ov_free(&w[i].ov);
	}
	free(w);
}

/* Parse the old signature of w->s as metadata; warn when damaged. */
static pi_status read_old_signature(work *w, pi_diag *d)
{
	pi_slice *s = w->s;
	if (!s->has_codesig)
		return PI_OK;
	w->sig = malloc(sizeof *w->sig);
	if (!w->sig)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	pi_cur c;
	pi_cur_sub(&s->cur, s->cs_dataoff, s->cs_datasize, &c);
	pi_cs_sig_parse(&c, w->sig);
	if (w->sig->damaged)
		pi_warn(d, w->sig->damage_off,
		        "the old code signature is damaged (%s); taking metadata from the parts that parse "
		        "and signing afresh",
		        w->sig->damage);
	w->meta = w->sig->has_cd && !(w->sig->cds[0].flags & CS_LINKER_SIGNED);
	return PI_OK;
}

/* Map path and read it as a Mach-O file into *m and *img (freed by the
 * caller with pi_image_free and pi_map_close).  On failure the error is in
 * d and nothing stays open. */
static pi_status open_input(const char *path, pi_map *m, pi_image *img, pi_diag *d)
{
	memset(img, 0, sizeof *img);
	pi_status st = pi_map_open(path, m, d);
	if (st != PI_OK)
		return st;
	if ((st = pi_macho_read(m->data, m->size, img, d)) != PI_OK) {
		pi_image_free(img);
		pi_map_close(m);
		return st;
	}
	pi_image_set_mapped(img);
	return PI_OK;
}

/* The options that select exactly the slices of img for which keep[i] is
 * set, " --arch A --arch B", into buf (len bytes), preceded by
 * " --signer internal" when the signer is codesign (which signs every slice,
 * so it cannot leave one out).  Returns 0 when they cannot be said: no slice
 * to keep, or an architecture name that also names a slice left out, that
 * holds a space, or that does not fit. */
static int arch_options(const pi_image *img, const int *keep, pi_signer signer, char *buf, size_t len)
{
	size_t n = 0;
	int any = 0;
	buf[0] = 0;
	if (signer == PI_SIGNER_CODESIGN) {
		int w = snprintf(buf, len, " --signer internal");
		if (w < 0 || (size_t)w >= len)
			return 0;
		n = (size_t)w;
	}
	for (uint32_t i = 0; i < img->nslices; i++) {
		if (!keep[i])
			continue;
		const char *a = img->slices[i].arch;
		if (!a[0] || strchr(a, ' '))
			return 0;
		for (uint32_t k = 0; k < img->nslices; k++)
			if (!keep[k] && !strcmp(img->slices[k].arch, a))
				return 0;
		int w = snprintf(buf + n, len - n, " --arch %s", a);
		if (w < 0 || (size_t)w >= len - n)
			return 0;
		n += (size_t)w;
		any = 1;
	}
	return any;
}

/* Refuse a selected slice the reader marked unsupported (a PowerPC slice of
 * a fat file), with a hint naming the options that leave it out when some
 * slice can be edited (arch_options).  Returns PI_OK, PI_E_UNSUPPORTED or
 * PI_E_NOMEM. */
static pi_status refuse_unsupported(const pi_opts *o, const pi_image *img, pi_signer signer, pi_diag *d)
{
	for (uint32_t i = 0; i < img->nslices; i++) {
		const pi_slice *s = &img->slices[i];
		if (!s->unsupported || !slice_selected(o, s))
			continue;
		pi_diag_set_slice(d, s->label);
		pi_fail(d, PI_E_UNSUPPORTED, PI_NO_OFFSET, "%s", s->why);
		int *keep = calloc(img->nslices, sizeof *keep);
		if (!keep)
			return PI_E_UNSUPPORTED;
		for (uint32_t k = 0; k < img->nslices; k++)
			keep[k] = !img->slices[k].unsupported;
		char opts[256];
		if (arch_options(img, keep, signer, opts, sizeof opts))
			pi_hint(d, "leave it out with%s; slices left out are kept byte for byte", opts);
		free(keep);
		return PI_E_UNSUPPORTED;
	}
	return PI_OK;
}

/* The slices --arch selects, in file order, as work entries: *w is calloc'd
 * with room for every slice (the caller frees it with work_free).  Errors:
 * PI_E_NOMEM, PI_E_USAGE when no slice matches, PI_E_UNSUPPORTED when one
 * of them is a kind not edited (refuse_unsupported). */
static pi_status select_slices(const pi_opts *o, pi_image *img, pi_signer signer, work **w, size_t *nw,
                               pi_diag *d)
{
	*nw = 0;
	*w = calloc(img->nslices ? img->nslices : 1, sizeof **w);
	if (!*w)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	for (uint32_t i = 0; i < img->nslices; i++)
		if (slice_selected(o, &img->slices[i]))
			(*w)[(*nw)++].s = &img->slices[i];
	if (!*nw)
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "no slice matches --arch");
	return refuse_unsupported(o, img, signer, d);
}

/* ---- --check ---- */

static void print_report_text(const pi_opts *o, const char *path, const pi_report *r)
{
	if (r->ready) {
		fprintf(o->out, "%s (%s): ready: %s, Info.plist bound, %u code pages of %u bytes verified\n",
		        path, r->label, r->identifier, r->ncode, r->page_size);
		return;
	}
	fprintf(o->out, "%s (%s): not ready: ", path, r->label);
	for (unsigned i = 0; i < r->nproblems; i++)
		fprintf(o->out, "%s%s", i ? "; " : "", r->problems[i]);
	fputc('\n', o->out);
}

static void print_report_json(FILE *f, const pi_report *r)
{
	fputc('{', f);
	json_kv_str(f, "arch", r->arch, 1);
	json_kv_bool(f, "ready", r->ready, 1);
	json_str(f, "problems");
	fputs(":[", f);
	for (unsigned i = 0; i < r->nproblems; i++) {
		if (i)
			fputc(',', f);
		json_str(f, r->problems[i]);
	}
	fputs("],", f);
	json_kv_bool(f, "plist", r->plist_is_dict, 1);
	json_kv_str(f, "bundle_id", r->has_bundle_id ? r->bundle_id : "", 1);
	json_kv_bool(f, "local_network_usage", r->has_usage, 1);
	json_kv_bool(f, "signed", r->is_signed, 1);
	json_kv_str(f, "identifier", r->identifier, 1);
	json_kv_str(f, "team", r->team, 1);
	json_kv_bool(f, "adhoc", r->adhoc, 1);
	json_kv_bool(f, "slot1_bound", r->slot1_bound, 1);
	json_kv_u64(f, "page_size", r->page_size, 1);
	json_kv_u64(f, "code_pages", r->ncode, 1);
	json_kv_u64(f, "bad_pages", r->bad_pages, 0);
	fputc('}', f);
}

static int check_one(const pi_opts *o, const char *path, pi_diag *d)
{
	pi_map m;
	pi_image img;
	int result = PI_DONE;
	pi_status st = open_input(path, &m, &img, d);
	if (st != PI_OK)
		return outcome_of(st);
	if ((st = refuse_unsupported(o, &img, PI_SIGNER_NONE, d)) != PI_OK) {
		pi_image_free(&img);
		pi_map_close(&m);
		return outcome_of(st);
	}
	if (o->json) {
		json_str(o->out, "slices");
		fputs(":[", o->out);
	}
	int first = 1;
	for (uint32_t i = 0; i < img.nslices; i++) {
		pi_slice *s = &img.slices[i];
		if (!slice_selected(o, s))
			continue;
		pi_report r;
		if (pi_verify_slice(s, NULL, o->threads, &r) != PI_OK) {
			pi_diag_set_slice(d, s->label);
			pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "hashing failed");
			result = PI_ERROR;
			break;
		}
		if (!r.ready)
			result = worse(result, PI_NOT_READY);
		if (o->json) {
			if (!first)
				fputc(',', o->out);
			print_report_json(o->out, &r);
		} else {
			print_report_text(o, path, &r);
		}
		first = 0;
	}
	if (o->json)
		fputs("],", o->out);
	if (first && result == PI_DONE) {
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
	work *w = NULL;
	size_t nw = 0;
	pi_status st = open_input(path, &m, &img, d);
	if (st != PI_OK)
		return outcome_of(st);
	if ((st = select_slices(o, &img, PI_SIGNER_NONE, &w, &nw, d)) == PI_OK) {
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
	work_free(w, nw);
	pi_image_free(&img);
	pi_map_close(&m);
	return outcome_of(st);
}

/* ---- the main job ---- */

/* Derive the bundle-ID default (DESIGN.md section 2) into def[256] ("" when
 * there is none) and collect the existing plists.  rejected[256] gets a
 * signing identifier that was not usable, for the message.  Returns PI_OK or
 * an error in d. */
static pi_status identity(const pi_opts *o, work *w, size_t nw, const uint8_t **ex, size_t *exlen,
                          char *def, char *rejected, pi_diag *d)
{
	def[0] = rejected[0] = 0;
	for (size_t i = 0; i < nw; i++) {
		pi_slice *s = w[i].s;
		ex[i] = NULL;
		exlen[i] = 0;
		if (s->info_plist < 0)
			continue;
		const pi_section *x = &s->sects[s->info_plist];
		pi_plist_info info;
		if (pi_plist_inspect(s->data + x->offset, (size_t)x->size, &info) != PI_OK || !info.is_dict) {
			if (o->replace)
				continue;
			pi_diag_set_slice(d, s->label);
			pi_fail(d, PI_E_BAD_PLIST, s->offset + x->offset,
			        "the existing __TEXT,__info_plist (%llu bytes) is not a plist dictionary",
			        (unsigned long long)x->size);
			pi_hint(d, "give --replace to discard it");
			return PI_E_BAD_PLIST;
		}
		ex[i] = s->data + x->offset;
		exlen[i] = (size_t)x->size;
		if (!info.has_bundle_id)
			continue;
		if (def[0] && strcmp(def, info.bundle_id) && !o->bundle_id) {
			pi_diag_set_slice(d, "");
			pi_fail(d, PI_E_NEED_BUNDLE_ID, PI_NO_OFFSET,
			        "the slices' embedded plists disagree on CFBundleIdentifier ('%s', '%s'); give --bundle-id",
			        def, info.bundle_id);
			return PI_E_NEED_BUNDLE_ID;
		}
		snprintf(def, 256, "%s", info.bundle_id);
	}
	if (def[0])
		return PI_OK;
	/* the signing identifiers of signatures that are not linker-signed, all agreeing */
	const char *chosen = NULL;
	int disagree = 0;
	for (size_t i = 0; i < nw; i++) {
		if (!w[i].sig || !w[i].sig->has_cd)
			continue;
		const char *id = w[i].sig->cds[0].identifier;
		if (!w[i].meta) {
			if (!rejected[0])
				snprintf(rejected, 256, "%s", id);
			continue;
		}
		if (chosen && strcmp(chosen, id))
			disagree = 1;
		if (!chosen || !strcmp(w[i].s->arch, "arm64"))
			chosen = id;
	}
	if (chosen && disagree && !o->bundle_id) {
		pi_diag_set_slice(d, "");
		pi_fail(d, PI_E_NEED_BUNDLE_ID, PI_NO_OFFSET,
		        "the slices are signed with different identifiers; give --bundle-id");
		return PI_E_NEED_BUNDLE_ID;
	}
	if (chosen && looks_reverse_dns(chosen))
		snprintf(def, 256, "%s", chosen);
	else if (chosen)
		snprintf(rejected, 256, "%s", chosen);
	if (def[0])
		rejected[0] = 0;
	return PI_OK;
}

static pi_status build_plist_for(const pi_opts *o, const char *path, work *w, size_t nw, char **xml,
                                 size_t *xml_len, pi_diag *d)
{
	char tpath[4096];
	/* no file for the default template: the copy built into the program */
	int builtin = 0;
	if (!pi_template_path(o->template_name, tpath, sizeof tpath) &&
	    !(builtin = !strcmp(o->template_name, PI_DEFAULT_TEMPLATE))) {
		pi_diag_set_slice(d, "");
		if (o->template_given)
			pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "--template %s: no such template", o->template_name);
		else
			pi_fail(d, PI_E_IO, PI_NO_OFFSET, "the default template '%s' is not installed", o->template_name);
		pi_hint(d, "templates are looked up in $PLISTINJECT_TEMPLATE_DIR, %s and %s", PI_TEMPLATE_DIR,
		        PI_SRC_TEMPLATE_DIR);
		return d->code;
	}
	const uint8_t **ex = calloc(nw ? nw : 1, sizeof *ex);
	size_t *exlen = calloc(nw ? nw : 1, sizeof *exlen);
	if (!ex || !exlen) {
		free(ex);
		free(exlen);
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	}
	char def[256], rejected[256];
	pi_status st = identity(o, w, nw, ex, exlen, def, rejected, d);
	if (st == PI_OK) {
		pi_diag_set_slice(d, nw == 1 ? w[0].s->label : "");
		const char *bn = path ? base_name(path) : o->name;
		pi_plist_opts po = {
			.bundle_id = o->bundle_id, .name = o->name, .default_name = bn, .executable = bn,
			.usage = o->usage, .bonjour = o->bonjour, .nbonjour = o->nbonjour,
			.bundle_version = o->bundle_version, .set = o->set, .nset = o->nset,
			.plist_file = o->plist_file, .template_file = builtin ? NULL : tpath, .replace = o->replace,
		};
		st = pi_plist_build(&po, ex, exlen, nw, def[0] ? def : NULL, rejected, xml, xml_len, d);
	}
	free(ex);
	free(exlen);
	return st;
}

static void print_plan(FILE *f, const char *path, const work *w, int json, int first)
{
	const pi_plan *p = &w->plan;
	const pi_slice *s = w->s;
	if (json) {
		if (!first)
			fputc(',', f);
		fputc('{', f);
		json_kv_str(f, "arch", s->arch, 1);
		json_kv_str(f, "placement", pi_place_name(p->kind), 1);
		json_kv_u64(f, "plist_offset", w->out_off + p->data_off, 1);
		json_kv_u64(f, "plist_address", p->addr, 1);
		json_kv_u64(f, "plist_size", p->plist_len, 1);
		json_kv_u64(f, "room_before", p->room_before, 1);
		json_kv_u64(f, "room_after", p->room_after, 1);
		json_kv_u64(f, "header_padding_before", p->pad_before, 1);
		json_kv_u64(f, "header_padding_after", p->pad_after, 1);
		json_kv_u64(f, "section_ordinal", p->new_ordinal, 1);
		json_kv_bool(f, "renumbered_symbols", p->renumber, 1);
		json_kv_str(f, "identifier", w->sp.identifier ? w->sp.identifier : "", 1);
		json_kv_u64(f, "signature_offset", p->cs_dataoff ? w->out_off + p->cs_dataoff : 0, 1);
		json_kv_u64(f, "signature_size", w->datasize, 0);
		fputc('}', f);
		return;
	}
	fprintf(f, "%s (%s): __TEXT,__info_plist of %llu bytes at 0x%llx (address 0x%llx), %s: "
	           "%llu bytes free before, %llu after; header padding %llu -> %llu bytes",
	        path, s->label, (unsigned long long)p->plist_len,
	        (unsigned long long)(w->out_off + p->data_off), (unsigned long long)p->addr,
	        pi_place_name(p->kind), (unsigned long long)p->room_before,
	        (unsigned long long)p->room_after, (unsigned long long)p->pad_before,
	        (unsigned long long)p->pad_after);
	if (p->cs_dataoff)
		fprintf(f, "; ad-hoc signature of %llu bytes at 0x%llx as %s\n", (unsigned long long)w->datasize,
		        (unsigned long long)(w->out_off + p->cs_dataoff), w->sp.identifier);
	else
		fprintf(f, "; unsigned\n");
}

/* Notes the user should see about the signature we replace. */
static void signature_notes(const pi_opts *o, pi_signer signer, const work *w, const char *new_id,
                            pi_diag *d)
{
	if (!w->sig || !w->sig->has_cd)
		return;
	const pi_cs_cd *cd = &w->sig->cds[0];
	if (signer == PI_SIGNER_NONE) {
		pi_note(d, "the code signature was removed; arm64 macOS will not run the file until it is signed");
		return;
	}
	if (w->meta && strcmp(cd->identifier, new_id))
		pi_note(d, "the signing identifier changes from '%s' to '%s'", cd->identifier, new_id);
	const pi_cs_blobref *cms = pi_cs_sig_blob(w->sig, CSSLOT_SIGNATURESLOT);
	int adhoc = signer == PI_SIGNER_INTERNAL || !strcmp(o->sign_identity, "-");
	if (adhoc && (cd->team[0] || (cms && cms->len > 8)))
		pi_note(d, "a Developer ID signature%s%s%s is replaced by an ad-hoc one: the team ID, notarization "
		           "and the designated requirement are lost, so privacy permissions granted to the old "
		           "signature may be asked for again",
		        cd->team[0] ? " (team " : "", cd->team, cd->team[0] ? ")" : "");
}

/* One input through the pipeline of DESIGN.md section 4, in stages. */
typedef struct inject {
	const pi_opts *o;
	const char *path;
	pi_diag *d;
	pi_signer signer;             /* resolved: INTERNAL, NONE or CODESIGN */
	char codesign[4096];          /* codesign's path with PI_SIGNER_CODESIGN */
	char target[4096];
	pi_map m;
	int have_map;
	pi_image img;
	work *w;                      /* the selected slices */
	size_t nw;
	char *xml;                    /* the plist to embed */
	size_t xml_len;
	char ident[256];              /* the signing identifier */
	const pi_overlay **outs;      /* every slice of the output, in order */
	work **owner;                 /* its work entry, NULL when kept as it is */
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
} inject;

static pi_sign_mode plan_mode(const inject *j)
{
	/* codesign adds its own LC_CODE_SIGNATURE: hand it the file unsigned */
	return j->signer == PI_SIGNER_INTERNAL ? PI_SIGN_ADHOC : PI_SIGN_NONE;
}

/* A slice of a universal file that cannot be edited, while others can: add
 * to the hint the options that edit only the other selected slices
 * (arch_options).  Returns st. */
static pi_status hint_arch(inject *j, const pi_slice *bad, pi_status st)
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
	if (arch_options(&j->img, keep, j->signer, opts, sizeof opts)) {
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

static pi_status inj_prepare(inject *j)
{
	const pi_opts *o = j->o;
	pi_diag *d = j->d;
	pi_status st;
	if (o->in_place) {
		if (!pi_resolve(j->path, j->target, sizeof j->target))
			return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot open: %s", strerror(errno));
	} else if (o->output) {
		if ((st = pi_out_target(o->output, j->target, sizeof j->target, d)) != PI_OK)
			return st;
		if (pi_same_file(j->path, o->output))
			return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
			               "the output %s is the input; give --in-place to edit it", o->output);
	}
	if ((st = open_input(j->path, &j->m, &j->img, d)) != PI_OK)
		return st;
	j->have_map = 1;
	if ((st = select_slices(o, &j->img, j->signer, &j->w, &j->nw, d)) != PI_OK)
		return st;
	if (j->signer == PI_SIGNER_CODESIGN && j->nw < j->img.nslices) {
		pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		        "codesign signs every slice of a universal file, so --arch cannot keep the others as they are");
		pi_hint(d, "use --signer internal with --arch, or leave --arch out");
		return PI_E_USAGE;
	}
	/* structure and header room first, for every slice; a signature codesign
	 * adds needs the same 16 bytes as one the built-in signer adds */
	pi_sign_mode room = j->signer == PI_SIGNER_NONE ? PI_SIGN_NONE : PI_SIGN_ADHOC;
	for (size_t i = 0; i < j->nw; i++) {
		pi_diag_set_slice(d, j->w[i].s->label);
		if ((st = pi_plan_check_editable(j->w[i].s, d)) != PI_OK ||
		    (st = pi_plan_header_room(j->w[i].s, room, d)) != PI_OK)
			return hint_arch(j, j->w[i].s, st);
	}
	for (size_t i = 0; i < j->nw; i++) {
		pi_diag_set_slice(d, j->w[i].s->label);
		if ((st = read_old_signature(&j->w[i], d)) != PI_OK)
			return st;
	}
	if ((st = build_plist_for(o, j->path, j->w, j->nw, &j->xml, &j->xml_len, d)) != PI_OK)
		return st;
	pi_plist_info info;
	pi_plist_inspect((const uint8_t *)j->xml, j->xml_len, &info);
	snprintf(j->ident, sizeof j->ident, "%s", o->identifier ? o->identifier : info.bundle_id);
	for (size_t i = 0; i < j->nw; i++) {
		work *x = &j->w[i];
		pi_diag_set_slice(d, x->s->label);
		if ((st = pi_plan_inject(x->s, j->xml_len, plan_mode(j), &x->plan, d)) != PI_OK)
			return hint_arch(j, x->s, st);
		pi_sign_params_for(x->s, x->meta ? x->sig : NULL, j->ident, (const uint8_t *)j->xml, j->xml_len,
		                   o->threads, &x->sp);
		x->sp.code_limit = x->plan.cs_dataoff;
		if (x->plan.cs_dataoff) {
			uint64_t size = pi_cs_sign_size(&x->sp);
			if (!size || !pi_align_up(size, 16, &x->datasize))
				return pi_fail(d, PI_E_UNSUPPORTED, PI_NO_OFFSET, "the signature would be too large");
		}
		if ((st = pi_plan_signature(x->s, &x->plan, x->datasize, d)) != PI_OK)
			return st;
	}
	return PI_OK;
}

/* Overlays of every slice of the output, and where each goes. */
static pi_status inj_emit(inject *j)
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
		work *x = &j->w[i];
		pi_diag_set_slice(d, x->s->label);
		if (!pi_ov_init(&x->ov, x->s->data, x->s->size, x->s->offset))
			return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
		x->ov_live = 1;
		x->ov.src_mapped = 1;
		if ((st = pi_emit_slice(x->s, &x->plan, (const uint8_t *)j->xml, x->datasize, &x->ov, d)) != PI_OK)
			return st;
	}
	for (uint32_t i = 0; i < n; i++) {
		pi_slice *s = &j->img.slices[i];
		for (size_t k = 0; k < j->nw; k++)
			if (j->w[k].s == s)
				j->owner[i] = &j->w[k];
		if (j->owner[i]) {
			j->outs[i] = &j->owner[i]->ov;
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
		if (j->owner[i])
			j->owner[i]->out_off = j->offs[i];
	return st;
}

typedef struct writer {
	inject *j;
	pi_diag d;
	pi_status st;
} writer;

/* Write the whole output in order: fat header, zero fill, slices (their
 * signature areas still zero). */
static void *write_all(void *arg)
{
	writer *wr = arg;
	inject *j = wr->j;
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

/* The old signature's code slots against the ones just computed, for every
 * page we did not change: a mismatch means the file was modified after it
 * was signed (DESIGN.md section 3: warn, then sign afresh).  Costs nothing
 * more when the old CodeDirectory also hashes 4096-byte pages with SHA-256;
 * other page sizes and hash types are not compared. */
static void check_old_pages(const work *x, const uint8_t *superblob, pi_diag *d)
{
	if (!x->sig || !x->sig->has_cd)
		return;
	const pi_cs_cd *old = &x->sig->cds[0];
	if (old->page_shift != PI_CS_PAGE_SHIFT || old->hash_type != CS_HASHTYPE_SHA256 ||
	    old->hash_size != 32 || old->code_limit != x->sp.code_limit)
		return;
	pi_cur c = pi_cur_make(superblob, x->datasize, 0);
	pi_cs_sig *now = malloc(sizeof *now);
	if (!now)
		return;
	pi_cs_sig_parse(&c, now);
	uint64_t bad = 0, first = 0, page = 1ull << PI_CS_PAGE_SHIFT;
	for (uint32_t i = 0; now->has_cd && i < old->ncode && i < now->cds[0].ncode; i++) {
		uint64_t off = i * page, len = old->code_limit - off < page ? old->code_limit - off : page;
		if (!pi_ov_is_source(&x->ov, off, len))
			continue;
		if (memcmp(pi_cs_cd_code(old, i), pi_cs_cd_code(&now->cds[0], i), 32) && bad++ == 0)
			first = off;
	}
	free(now);
	if (bad)
		pi_warn(d, x->s->offset + first,
		        "the old signature does not match %llu unchanged page%s (the file was modified after "
		        "it was signed); signing afresh",
		        (unsigned long long)bad, bad == 1 ? "" : "s");
}

/* Sign every edited slice with the built-in signer while the rest of the
 * file is being written, then write the signatures in place. */
static pi_status sign_internal(inject *j, writer *wr)
{
	pi_diag *d = j->d;
	pi_status st = PI_OK;
	pthread_t tid;
	int threaded = pthread_create(&tid, NULL, write_all, wr) == 0;
	if (!threaded)
		write_all(wr);
	uint8_t **bufs = calloc(j->nw, sizeof *bufs);
	if (!bufs)
		st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	for (size_t i = 0; st == PI_OK && i < j->nw; i++) {
		work *x = &j->w[i];
		if (!x->plan.cs_dataoff)
			continue;
		pi_diag_set_slice(d, x->s->label);
		bufs[i] = calloc(1, (size_t)x->datasize);
		if (!bufs[i])
			st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
		else
			st = pi_cs_sign(&x->sp, &x->ov, bufs[i], x->datasize, d);
	}
	if (threaded)
		pthread_join(tid, NULL);
	if (st == PI_OK && wr->st != PI_OK) {
		pi_diag_set_slice(d, "");
		st = pi_fail(d, wr->d.code, PI_NO_OFFSET, "%s", wr->d.msg);
	}
	for (uint32_t i = 0; st == PI_OK && i < j->img.nslices; i++) {
		work *x = j->owner[i];
		if (!x || !x->plan.cs_dataoff)
			continue;
		uint8_t *buf = bufs[x - j->w];
		if ((st = pi_out_pwrite(&j->out, j->offs[i] + x->plan.cs_dataoff, buf, x->datasize, d)) != PI_OK)
			break;
		if (!pi_ov_patch(&x->ov, x->plan.cs_dataoff, buf, x->datasize))
			st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	}
	for (size_t i = 0; st == PI_OK && i < j->nw; i++)
		if (bufs[i])
			check_old_pages(&j->w[i], bufs[i], d);
	for (size_t i = 0; bufs && i < j->nw; i++)
		free(bufs[i]);
	free(bufs);
	return st;
}

/* Entitlements for codesign: --entitlements, or the old signature's XML blob. */
static pi_status codesign_entitlements(inject *j, const char **path)
{
	*path = j->o->entitlements;
	if (*path)
		return PI_OK;
	for (size_t i = 0; i < j->nw; i++) {
		const work *x = &j->w[i];
		if (!x->meta || !x->sp.ent_xml.p || x->sp.ent_xml.len <= 8)
			continue;
		const char *tmp = getenv("TMPDIR");
		snprintf(j->ent_tmp, sizeof j->ent_tmp, "%s/plistinject-entitlements-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		int fd = mkstemp(j->ent_tmp);
		if (fd < 0) {
			j->ent_tmp[0] = 0;
			return pi_fail(j->d, PI_E_IO, PI_NO_OFFSET, "cannot write the entitlements for codesign: %s",
			               strerror(errno));
		}
		const uint8_t *p = x->sp.ent_xml.p + 8;
		size_t n = x->sp.ent_xml.len - 8;
		ssize_t w = write(fd, p, n);
		close(fd);
		if (w != (ssize_t)n)
			return pi_fail(j->d, PI_E_IO, PI_NO_OFFSET, "cannot write the entitlements for codesign");
		*path = j->ent_tmp;
		break;
	}
	return PI_OK;
}

static pi_status sign_codesign(inject *j, writer *wr)
{
	const pi_opts *o = j->o;
	pi_diag *d = j->d;
	write_all(wr);
	if (wr->st != PI_OK)
		return pi_fail(d, wr->d.code, PI_NO_OFFSET, "%s", wr->d.msg);
	pi_status st = pi_out_sync(&j->out, j->m.mode, j->m.uid, j->m.gid, d);
	if (st != PI_OK)
		return st;
	const work *meta = NULL;
	for (size_t i = 0; i < j->nw && !meta; i++)
		if (j->w[i].meta)
			meta = &j->w[i];
	pi_codesign_args a = {
		.identity = o->sign_identity, .identifier = j->ident,
		.flags = meta ? meta->sp.flags : 0, .runtime = meta ? meta->sp.runtime : 0,
		.timestamp = o->timestamp, .keychain = o->keychain, .file = j->out.tmpname,
	};
	if ((st = codesign_entitlements(j, &a.entitlements)) != PI_OK)
		return st;
	const char *argv[PI_CODESIGN_MAX_ARGS];
	char buf[512];
	pi_codesign_argv(j->codesign, &a, argv, buf, sizeof buf);
	pi_diag_set_slice(d, "");
	if ((st = pi_codesign_run(argv, d)) != PI_OK)
		return st;
	/* codesign replaced the file behind our descriptor */
	return pi_out_reopen(&j->out, d);
}

static pi_status inj_write(inject *j)
{
	pi_diag *d = j->d;
	pi_status st;
	pi_diag_set_slice(d, j->img.fat ? "" : j->w[0].s->label);
	if ((st = pi_out_begin(&j->out, j->target, j->signer == PI_SIGNER_CODESIGN, d)) != PI_OK)
		return st;
	j->out_live = 1;
	/* reserve the whole file at once: fewer, larger extents to write into */
	uint64_t total = j->img.fat ? j->offs[j->img.nslices - 1] + j->outs[j->img.nslices - 1]->len
	                            : j->outs[0]->len;
	pi_out_reserve(&j->out, total);
	writer wr;
	memset(&wr, 0, sizeof wr);
	wr.j = j;
	pi_diag_init(&wr.d, j->target, NULL);
	if (j->signer == PI_SIGNER_CODESIGN)
		st = sign_codesign(j, &wr);
	else if (j->signer == PI_SIGNER_INTERNAL)
		st = sign_internal(j, &wr);
	else {
		write_all(&wr);
		st = wr.st == PI_OK ? PI_OK : pi_fail(d, wr.d.code, PI_NO_OFFSET, "%s", wr.d.msg);
	}
	if (st != PI_OK)
		return st;
	return pi_out_sync(&j->out, j->m.mode, j->m.uid, j->m.gid, d);
}

/* Re-parse what was written and check it before it gets its name: the pages
 * we changed (everything, after codesign), the special slots, slot 1. */
static pi_status inj_verify(inject *j)
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
		if (!j->owner[i])
			continue;
		pi_report r;
		pi_diag_set_slice(d, j->img.slices[i].label);
		const pi_overlay *only = j->signer == PI_SIGNER_CODESIGN ? NULL : j->outs[i];
		if (pi_verify_slice(&j->check_img.slices[i], only, j->o->threads, &r) != PI_OK)
			return pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "hashing the output failed");
		int ok = r.bad_pages == 0 && r.slot1_bound && r.specials_ok && !r.damaged &&
		         !strcmp(r.identifier, j->ident);
		if (j->signer == PI_SIGNER_NONE)
			ok = r.plist_is_dict && !r.is_signed;
		if (!ok)
			return pi_fail(d, j->signer == PI_SIGNER_CODESIGN ? PI_E_EXTERNAL : PI_E_INTERNAL,
			               PI_NO_OFFSET, "the signed output fails the check: %s",
			               r.nproblems ? r.problems[0] : "identifier or slot 1");
	}
	return PI_OK;
}

static void inj_free(inject *j)
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
	free(j->idov);
	free(j->owner);
	free(j->outs);
	free(j->offs);
	free(j->fat_hdr);
	free(j->xml);
	work_free(j->w, j->nw);
	pi_image_free(&j->img);
	if (j->have_map)
		pi_map_close(&j->m);
}

static void print_plans(const inject *j, FILE *f, int json)
{
	if (json) {
		json_str(f, "slices");
		fputs(":[", f);
	}
	for (size_t i = 0; i < j->nw; i++)
		print_plan(f, j->path, &j->w[i], json, i == 0);
	if (json)
		fputs("],", f);
}

static int inject_one(const pi_opts *o, pi_signer signer, const char *codesign, const char *path,
                      pi_diag *d)
{
	inject *j = calloc(1, sizeof *j);
	if (!j) {
		pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
		return PI_ERROR;
	}
	j->o = o;
	j->path = path;
	j->d = d;
	j->signer = signer;
	snprintf(j->codesign, sizeof j->codesign, "%s", codesign ? codesign : "");
	pi_status st = inj_prepare(j);
	if (st == PI_OK && o->dry_run) {
		/* the layout (not the hashing) gives the output offsets a plan reports */
		if ((st = inj_emit(j)) == PI_OK)
			print_plans(j, o->out, o->json);
	} else if (st == PI_OK) {
		if ((st = inj_emit(j)) == PI_OK && (st = inj_write(j)) == PI_OK &&
		    (st = inj_verify(j)) == PI_OK && (st = pi_out_commit(&j->out, d)) == PI_OK) {
			j->out_live = 0;
			for (size_t i = 0; i < j->nw; i++) {
				pi_diag_set_slice(d, j->w[i].s->label);
				signature_notes(o, signer, &j->w[i], j->ident, d);
			}
			pi_diag_release(d); /* the run is done: its notes and warnings before "wrote" */
			if (o->json)
				print_plans(j, o->out, 1);
			else if (o->verbose && !o->quiet)
				print_plans(j, o->err, 0);
			for (size_t i = 0; !o->json && !o->quiet && i < j->nw; i++)
				fprintf(o->err, "plistinject: %s (%s): wrote %s: __TEXT,__info_plist of %llu bytes (%s), %s %s\n",
				        path, j->w[i].s->label, j->target, (unsigned long long)j->w[i].plan.plist_len,
				        pi_place_name(j->w[i].plan.kind),
				        signer == PI_SIGNER_NONE ? "unsigned, bundle ID" : signer == PI_SIGNER_CODESIGN ? "signed by codesign as" : "signed ad hoc as",
				        j->ident);
		}
	}
	inj_free(j);
	free(j);
	return outcome_of(st);
}

/* ---- --emit-plist ---- */

static int emit_plist(const pi_opts *o, const char *path, pi_diag *d)
{
	pi_map m;
	pi_image img;
	memset(&img, 0, sizeof img);
	int have_map = 0;
	work *w = NULL;
	size_t nw = 0;
	char *xml = NULL;
	size_t xml_len = 0;
	pi_status st = PI_OK;
	if (path) {
		if ((st = open_input(path, &m, &img, d)) != PI_OK)
			return outcome_of(st);
		have_map = 1;
		if ((st = select_slices(o, &img, PI_SIGNER_NONE, &w, &nw, d)) != PI_OK)
			goto done;
		for (size_t i = 0; i < nw; i++)
			if ((st = read_old_signature(&w[i], d)) != PI_OK)
				goto done;
	} else if (!o->bundle_id || !o->name) {
		st = pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "--emit-plist without an input needs --bundle-id and --name");
		goto done;
	}
	if ((st = build_plist_for(o, path, w, nw, &xml, &xml_len, d)) != PI_OK)
		goto done;
	if (o->output) {
		pi_out out;
		pi_overlay ov;
		char target[4096];
		if ((st = pi_out_target(o->output, target, sizeof target, d)) != PI_OK)
			goto done;
		if (path && pi_same_file(path, o->output)) {
			st = pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "the output %s is the input; --emit-plist writes a plist, not a Mach-O file",
			             o->output);
			goto done;
		}
		if ((st = pi_out_begin(&out, target, 0, d)) != PI_OK)
			goto done;
		if (!pi_ov_init(&ov, (const uint8_t *)xml, xml_len, 0)) {
			pi_out_abort(&out);
			st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
			goto done;
		}
		st = pi_out_write(&out, &ov, -1, d);
		pi_ov_free(&ov);
		if (st == PI_OK)
			st = pi_out_sync(&out, 0644, getuid(), getgid(), d);
		if (st == PI_OK)
			st = pi_out_commit(&out, d);
		if (st != PI_OK)
			pi_out_abort(&out);
	} else {
		fwrite(xml, 1, xml_len, o->out);
	}
done:
	free(xml);
	work_free(w, nw);
	pi_image_free(&img);
	if (have_map)
		pi_map_close(&m);
	return outcome_of(st);
}

/* Resolve --signer auto and find codesign; check the signing options fit the
 * signer.  Returns PI_OK, PI_E_USAGE or PI_E_EXTERNAL (codesign not found),
 * with the message in d. */
static pi_status resolve_signer(const pi_opts *o, pi_signer *signer, char *codesign, size_t len,
                                pi_diag *d)
{
	*signer = o->signer;
	codesign[0] = 0;
	if (*signer == PI_SIGNER_AUTO) {
#ifdef __APPLE__
		*signer = pi_codesign_find(1, codesign, len) ? PI_SIGNER_CODESIGN : PI_SIGNER_INTERNAL;
#else
		*signer = PI_SIGNER_INTERNAL;
#endif
	} else if (*signer == PI_SIGNER_CODESIGN && !pi_codesign_find(0, codesign, len)) {
		pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "--signer codesign: no codesign on PATH");
		pi_hint(d, "install Xcode's command-line tools, or use --signer internal");
		return PI_E_EXTERNAL;
	}
	if (*signer != PI_SIGNER_CODESIGN) {
		const char *what = NULL;
		if (strcmp(o->sign_identity, "-"))
			what = "--sign IDENTITY";
		else if (o->entitlements)
			what = "--entitlements (it cannot write Apple's DER form of them yet)";
		else if (o->timestamp == 1)
			what = "--timestamp";
		else if (o->keychain)
			what = "--keychain";
		if (what) {
			pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "the built-in signer signs ad hoc only: %s needs codesign",
			        what);
			pi_hint(d, "use --signer codesign on a Mac");
			return PI_E_USAGE;
		}
	}
	return PI_OK;
}

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

int pi_job_run(const pi_opts *o, const char *const *inputs, size_t n)
{
	int worst = PI_DONE;
	pi_signer signer = PI_SIGNER_INTERNAL;
	char codesign[4096] = "";
	if (!o->check && !o->print_plist && !o->emit_plist) {
		pi_diag d;
		pi_diag_init(&d, NULL, o->err);
		if (resolve_signer(o, &signer, codesign, sizeof codesign, &d) != PI_OK) {
			pi_diag_print(&d, o->err);
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
		return r;
	}
	const char *mode = o->check ? "check" : o->dry_run ? "dry-run" : o->print_plist ? "print-plist" : "inject";
	if (o->json) {
		fputc('{', o->out);
		json_kv_str(o->out, "plistinject", PACKAGE_VERSION, 1);
		json_kv_str(o->out, "mode", mode, 1);
		json_str(o->out, "files");
		fputs(":[", o->out);
	}
	for (size_t i = 0; i < n; i++) {
		pi_diag d;
		pi_diag_init(&d, inputs[i], o->err);
		d.quiet = o->quiet;
		d.verbose = o->verbose;
		pi_diag_hold(&d);
		if (o->json) {
			if (i)
				fputc(',', o->out);
			fputc('{', o->out);
			json_kv_str(o->out, "path", inputs[i], 1);
			if (!o->check && !o->dry_run)
				json_kv_str(o->out, "output", o->in_place ? inputs[i] : (o->output ? o->output : ""), 1);
		}
		int r;
		if (o->check)
			r = check_one(o, inputs[i], &d);
		else if (o->print_plist)
			r = print_plist_one(o, inputs[i], &d);
		else
			r = inject_one(o, signer, codesign, inputs[i], &d);
		if (d.code != PI_OK)
			pi_diag_print(&d, o->err);
		pi_diag_release(&d);
		if (o->json) {
			const char *status = r == PI_DONE ? (o->check ? "ready" : o->dry_run ? "planned" : "done")
			                     : r == PI_NOT_READY ? "not-ready"
			                     : r == PI_USAGE ? "usage" : "error";
			if (d.code != PI_OK) {
				char pre[512], line[1400];
				pi_diag_prefix(&d, pre, sizeof pre);
				snprintf(line, sizeof line, "%s: %s", pre, d.msg);
				json_kv_str(o->out, "error", line, 1);
				json_kv_str(o->out, "hint", d.hint, 1);
			}
			json_kv_str(o->out, "status", status, 0);
			fputc('}', o->out);
		}
		worst = worse(worst, r);
	}
	if (o->json) {
		fputs("],", o->out);
		json_kv_u64(o->out, "exit", (unsigned long long)worst, 0);
		fputs("}\n", o->out);
	}
	return worst;
}
