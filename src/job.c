/* job.c - the pipeline over inputs (see job.h). */
#include "config.h"

#include "job.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* JSON output: a tiny writer for one document; strings are escaped per RFC 8259. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
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

static void fill_sign_params(work *w, const char *identifier, const uint8_t *plist, uint64_t plist_len,
                             unsigned threads)
{
	pi_slice *s = w->s;
	pi_sign_params *sp = &w->sp;
	memset(sp, 0, sizeof *sp);
	sp->identifier = identifier;
	sp->threads = threads;
	sp->exec_base = s->segs[s->text].fileoff;
	sp->exec_limit = s->segs[s->text].filesize;
	if (w->meta) {
		const pi_cs_cd *cd = &w->sig->cds[0];
		sp->flags = cd->flags & ~(uint32_t)(CS_LINKER_SIGNED | 0x1u);
		sp->runtime = cd->runtime;
		sp->exec_flags = cd->exec_flags;
		const pi_cs_blobref *b;
		if ((b = pi_cs_sig_blob(w->sig, CSSLOT_ENTITLEMENTS)) && b->magic == CSMAGIC_EMBEDDED_ENTITLEMENTS)
			sp->ent_xml = (pi_bytes){ b->p, b->len };
		if ((b = pi_cs_sig_blob(w->sig, CSSLOT_DER_ENTITLEMENTS)) &&
		    b->magic == CSMAGIC_EMBEDDED_DER_ENTITLEMENTS)
			sp->ent_der = (pi_bytes){ b->p, b->len };
		for (uint32_t k = 0; k < 4; k++)
			if ((b = pi_cs_sig_blob(w->sig, CSSLOT_LAUNCH_CONSTRAINT_SELF + k)) &&
			    b->magic == CSMAGIC_EMBEDDED_LAUNCH_CONSTRAINT)
				sp->constraints[k] = (pi_bytes){ b->p, b->len };
	}
	if (s->filetype == MH_EXECUTE)
		sp->exec_flags |= CS_EXECSEG_MAIN_BINARY;
	else
		sp->exec_flags &= ~(uint64_t)CS_EXECSEG_MAIN_BINARY;
	sp->plist = plist;
	sp->plist_len = plist_len;
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
	memset(&img, 0, sizeof img);
	int result = PI_DONE;
	if (pi_map_open(path, &m, d) != PI_OK)
		return PI_ERROR;
	pi_status st = pi_macho_read(m.data, m.size, &img, d);
	if (st != PI_OK) {
		pi_map_close(&m);
		pi_image_free(&img);
		return outcome_of(st);
	}
	pi_image_set_mapped(&img);
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
	memset(&img, 0, sizeof img);
	if (pi_map_open(path, &m, d) != PI_OK)
		return PI_ERROR;
	pi_status st = pi_macho_read(m.data, m.size, &img, d);
	int result = outcome_of(st);
	if (st == PI_OK) {
		pi_slice *s = NULL;
		for (uint32_t i = 0; i < img.nslices && !s; i++)
			if (slice_selected(o, &img.slices[i]))
				s = &img.slices[i];
		if (!s) {
			pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "no slice matches --arch");
			result = PI_USAGE;
		} else if (s->info_plist < 0) {
			pi_diag_set_slice(d, s->label);
			pi_fail(d, PI_E_UNSUPPORTED, PI_NO_OFFSET, "no embedded Info.plist (__TEXT,__info_plist)");
			result = PI_ERROR;
		} else {
			const pi_section *x = &s->sects[s->info_plist];
			fwrite(s->data + x->offset, 1, (size_t)x->size, o->out);
		}
	}
	pi_image_free(&img);
	pi_map_close(&m);
	return result;
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

static pi_sign_mode sign_mode(const pi_opts *o)
{
	return o->signer == PI_SIGNER_NONE ? PI_SIGN_NONE : PI_SIGN_ADHOC;
}

static pi_status build_plist_for(const pi_opts *o, const char *path, work *w, size_t nw, char **xml,
                                 size_t *xml_len, pi_diag *d)
{
	char tpath[4096];
	if (!pi_template_path(o->template_name, tpath, sizeof tpath))
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "--template %s: no such template", o->template_name);
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
			.plist_file = o->plist_file, .template_file = tpath, .replace = o->replace,
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
		json_kv_u64(f, "plist_offset", s->offset + p->data_off, 1);
		json_kv_u64(f, "plist_address", p->addr, 1);
		json_kv_u64(f, "plist_size", p->plist_len, 1);
		json_kv_u64(f, "room_before", p->room_before, 1);
		json_kv_u64(f, "room_after", p->room_after, 1);
		json_kv_u64(f, "header_padding_before", p->pad_before, 1);
		json_kv_u64(f, "header_padding_after", p->pad_after, 1);
		json_kv_u64(f, "section_ordinal", p->new_ordinal, 1);
		json_kv_bool(f, "renumbered_symbols", p->renumber, 1);
		json_kv_str(f, "identifier", w->sp.identifier ? w->sp.identifier : "", 1);
		json_kv_u64(f, "signature_offset", p->cs_dataoff ? s->offset + p->cs_dataoff : 0, 1);
		json_kv_u64(f, "signature_size", w->datasize, 0);
		fputc('}', f);
		return;
	}
	fprintf(f, "%s (%s): __TEXT,__info_plist of %llu bytes at 0x%llx (address 0x%llx) in the %s: "
	           "%llu bytes free before, %llu after; header padding %llu -> %llu bytes",
	        path, s->label, (unsigned long long)p->plist_len,
	        (unsigned long long)(s->offset + p->data_off), (unsigned long long)p->addr,
	        pi_place_name(p->kind), (unsigned long long)p->room_before,
	        (unsigned long long)p->room_after, (unsigned long long)p->pad_before,
	        (unsigned long long)p->pad_after);
	if (p->cs_dataoff)
		fprintf(f, "; ad-hoc signature of %llu bytes at 0x%llx as %s\n", (unsigned long long)w->datasize,
		        (unsigned long long)(s->offset + p->cs_dataoff), w->sp.identifier);
	else
		fprintf(f, "; unsigned\n");
}

/* Notes the user should see about the signature we replace. */
static void signature_notes(const pi_opts *o, const work *w, const char *new_id, pi_diag *d)
{
	if (!w->sig || !w->sig->has_cd)
		return;
	const pi_cs_cd *cd = &w->sig->cds[0];
	if (o->signer == PI_SIGNER_NONE) {
		pi_note(d, "the code signature was removed; arm64 macOS will not run the file until it is signed");
		return;
	}
	if (w->meta && strcmp(cd->identifier, new_id))
		pi_note(d, "the signing identifier changes from '%s' to '%s' (the bundle ID)", cd->identifier,
		        new_id);
	const pi_cs_blobref *cms = pi_cs_sig_blob(w->sig, CSSLOT_SIGNATURESLOT);
	if (cd->team[0] || (cms && cms->len > 8))
		pi_note(d, "a Developer ID signature%s%s%s is replaced by an ad-hoc one: the team ID, notarization "
		           "and the designated requirement are lost, so privacy permissions granted to the old "
		           "signature may be asked for again",
		        cd->team[0] ? " (team " : "", cd->team, cd->team[0] ? ")" : "");
}

static int inject_one(const pi_opts *o, const char *path, pi_diag *d, int *json_first)
{
	pi_map m;
	pi_image img;
	memset(&img, 0, sizeof img);
	work *w = NULL;
	size_t nw = 0;
	char *xml = NULL;
	size_t xml_len = 0;
	pi_out out;
	int out_live = 0;
	pi_status st;
	char target[4096];
	pi_map check_map;
	int check_live = 0;
	pi_image check_img;
	memset(&check_img, 0, sizeof check_img);
	const pi_overlay **outs = NULL;
	work **owner = NULL;
	pi_overlay *idov = NULL;

	if (o->in_place) {
		if (!pi_resolve(path, target, sizeof target)) {
			st = pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot resolve: %s", strerror(errno));
			goto done;
		}
	} else if (o->output) {
		snprintf(target, sizeof target, "%s", o->output);
		if (pi_same_file(path, o->output)) {
			st = pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
			             "the output %s is the input; give --in-place to edit it", o->output);
			goto done;
		}
	} else {
		target[0] = 0;
	}
	if ((st = pi_map_open(path, &m, d)) != PI_OK)
		goto done_nomap;
	if ((st = pi_macho_read(m.data, m.size, &img, d)) != PI_OK)
		goto done;
	pi_image_set_mapped(&img);
	w = calloc(img.nslices, sizeof *w);
	if (!w) {
		st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < img.nslices; i++)
		if (slice_selected(o, &img.slices[i]))
			w[nw++].s = &img.slices[i];
	if (!nw) {
		st = pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "no slice matches --arch");
		goto done;
	}
	/* structure and header room first, for every slice */
	for (size_t i = 0; i < nw; i++) {
		pi_diag_set_slice(d, w[i].s->label);
		if ((st = pi_plan_check_editable(w[i].s, d)) != PI_OK ||
		    (st = pi_plan_header_room(w[i].s, sign_mode(o), d)) != PI_OK)
			goto done;
	}
	for (size_t i = 0; i < nw; i++) {
		pi_diag_set_slice(d, w[i].s->label);
		if ((st = read_old_signature(&w[i], d)) != PI_OK)
			goto done;
	}
	if ((st = build_plist_for(o, path, w, nw, &xml, &xml_len, d)) != PI_OK)
		goto done;
	pi_plist_info info;
	pi_plist_inspect((const uint8_t *)xml, xml_len, &info);
	const char *ident = info.bundle_id;

	for (size_t i = 0; i < nw; i++) {
		work *x = &w[i];
		pi_diag_set_slice(d, x->s->label);
		if ((st = pi_plan_inject(x->s, xml_len, sign_mode(o), &x->plan, d)) != PI_OK)
			goto done;
		fill_sign_params(x, ident, (const uint8_t *)xml, xml_len, o->threads);
		x->sp.code_limit = x->plan.cs_dataoff;
		if (x->plan.cs_dataoff) {
			uint64_t size = pi_cs_sign_size(&x->sp);
			if (!size || !pi_align_up(size, 16, &x->datasize)) {
				st = pi_fail(d, PI_E_UNSUPPORTED, PI_NO_OFFSET, "the signature would be too large");
				goto done;
			}
		}
	}
	if (o->dry_run) {
		if (o->json) {
			json_str(o->out, "slices");
			fputs(":[", o->out);
		}
		for (size_t i = 0; i < nw; i++)
			print_plan(o->out, path, &w[i], o->json, i == 0);
		if (o->json)
			fputs("],", o->out);
		st = PI_OK;
		goto done;
	}
	for (size_t i = 0; i < nw; i++) {
		work *x = &w[i];
		pi_diag_set_slice(d, x->s->label);
		if (!pi_ov_init(&x->ov, x->s->data, x->s->size, x->s->offset)) {
			st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
			goto done;
		}
		x->ov_live = 1;
		x->ov.src_mapped = 1;
		if ((st = pi_emit_slice(x->s, &x->plan, (const uint8_t *)xml, x->datasize, &x->ov, d)) != PI_OK)
			goto done;
		if (x->plan.cs_dataoff) {
			uint8_t *buf = calloc(1, (size_t)x->datasize);
			if (!buf) {
				st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
				goto done;
			}
			if ((st = pi_cs_sign(&x->sp, &x->ov, buf, x->datasize, d)) != PI_OK) {
				free(buf);
				goto done;
			}
			uint8_t *r = pi_ov_patch(&x->ov, x->plan.cs_dataoff, buf, x->datasize);
			free(buf);
			if (!r) {
				st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
				goto done;
			}
		}
	}
	/* every slice of the output: the edited ones, and the others unchanged */
	outs = calloc(img.nslices, sizeof *outs);
	owner = calloc(img.nslices, sizeof *owner);
	idov = calloc(img.nslices, sizeof *idov);
	if (!outs || !owner || !idov) {
		st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < img.nslices; i++) {
		for (size_t k = 0; k < nw; k++)
			if (w[k].s == &img.slices[i])
				owner[i] = &w[k];
		if (owner[i]) {
			outs[i] = &owner[i]->ov;
		} else {
			if (!pi_ov_init(&idov[i], img.slices[i].data, img.slices[i].size, img.slices[i].offset)) {
				st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
				goto done;
			}
			outs[i] = &idov[i];
		}
	}
	/* write, then check what was written before it gets its name */
	pi_diag_set_slice(d, img.fat ? "" : w[0].s->label);
	if ((st = pi_out_begin(&out, target, d)) != PI_OK)
		goto done;
	out_live = 1;
	if (img.fat) {
		uint64_t *sizes = calloc(img.nslices, sizeof *sizes), *offs = calloc(img.nslices, sizeof *offs);
		uint8_t *hdr = NULL;
		size_t hdr_len = 0;
		pi_overlay hov;
		if (!sizes || !offs) {
			free(sizes);
			free(offs);
			st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
			goto done;
		}
		for (uint32_t i = 0; i < img.nslices; i++)
			sizes[i] = outs[i]->len;
		st = pi_emit_fat_header(&img, sizes, offs, &hdr, &hdr_len, d);
		if (st == PI_OK && !pi_ov_init(&hov, hdr, hdr_len, 0))
			st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
		if (st == PI_OK) {
			st = pi_out_write(&out, &hov, -1, d);
			pi_ov_free(&hov);
		}
		for (uint32_t i = 0; st == PI_OK && i < img.nslices; i++) {
			st = pi_out_zeros(&out, offs[i] - out.pos, d);
			if (st == PI_OK)
				st = pi_out_write(&out, outs[i], m.fd, d);
		}
		free(hdr);
		free(sizes);
		free(offs);
		if (st != PI_OK)
			goto done;
	} else if ((st = pi_out_write(&out, outs[0], m.fd, d)) != PI_OK) {
		goto done;
	}
	if ((st = pi_out_sync(&out, m.mode, m.uid, m.gid, d)) != PI_OK)
		goto done;
	if ((st = pi_out_map(&out, &check_map, d)) != PI_OK)
		goto done;
	check_live = 1;
	{
		pi_diag cd;
		pi_diag_init(&cd, target, NULL);
		if (pi_macho_read(check_map.data, check_map.size, &check_img, &cd) != PI_OK ||
		    check_img.nslices != img.nslices) {
			pi_image_free(&check_img);
			st = pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "internal error: the output does not parse: %s",
			             cd.msg);
			goto done;
		}
		for (uint32_t i = 0; i < check_img.nslices; i++) {
			if (!owner[i])
				continue;
			pi_report r;
			pi_diag_set_slice(d, img.slices[i].label);
			if (pi_verify_slice(&check_img.slices[i], outs[i], o->threads, &r) != PI_OK) {
				st = pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "internal error: hashing the output failed");
				goto done;
			}
			int ok = r.bad_pages == 0 && r.slot1_bound && r.specials_ok && !r.damaged &&
			         !strcmp(r.identifier, ident);
			if (o->signer == PI_SIGNER_NONE)
				ok = r.plist_is_dict;
			if (!ok) {
				st = pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "internal error: the output fails its self-check: %s",
				             r.nproblems ? r.problems[0] : "?");
				goto done;
			}
		}
	}
	if ((st = pi_out_commit(&out, d)) != PI_OK)
		goto done;
	out_live = 0;
	for (size_t i = 0; i < nw; i++) {
		pi_diag_set_slice(d, w[i].s->label);
		signature_notes(o, &w[i], ident, d);
	}
	if (o->json) {
		json_str(o->out, "slices");
		fputs(":[", o->out);
		for (size_t i = 0; i < nw; i++)
			print_plan(o->out, path, &w[i], 1, i == 0);
		fputs("],", o->out);
	} else if (!o->quiet) {
		for (size_t i = 0; o->verbose && i < nw; i++)
			print_plan(o->err, path, &w[i], 0, 1);
		for (size_t i = 0; i < nw; i++)
			fprintf(o->err, "plistinject: %s (%s): wrote %s: __TEXT,__info_plist of %llu bytes (%s), "
			                "%s as %s\n",
			        path, w[i].s->label, target, (unsigned long long)w[i].plan.plist_len,
			        pi_place_name(w[i].plan.kind),
			        w[i].plan.cs_dataoff ? "signed ad hoc" : "unsigned", ident);
	}
	(void)json_first;
	st = PI_OK;
done:
	if (check_live) {
		pi_image_free(&check_img);
		pi_map_close(&check_map);
	}
	if (out_live)
		pi_out_abort(&out);
	if (idov)
		for (uint32_t i = 0; i < img.nslices; i++)
			if (idov[i].ext)
				pi_ov_free(&idov[i]);
	free(idov);
	free(owner);
	free(outs);
	free(xml);
	work_free(w, nw ? nw : 0);
	pi_image_free(&img);
	pi_map_close(&m);
	return outcome_of(st);
done_nomap:
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
		if ((st = pi_map_open(path, &m, d)) != PI_OK)
			return outcome_of(st);
		have_map = 1;
		if ((st = pi_macho_read(m.data, m.size, &img, d)) != PI_OK)
			goto done;
		w = calloc(img.nslices, sizeof *w);
		if (!w) {
			st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
			goto done;
		}
		for (uint32_t i = 0; i < img.nslices; i++)
			if (slice_selected(o, &img.slices[i]))
				w[nw++].s = &img.slices[i];
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
		if ((st = pi_out_begin(&out, o->output, d)) != PI_OK)
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

int pi_job_run(const pi_opts *o, const char *const *inputs, size_t n)
{
	int worst = PI_DONE;
	if (o->emit_plist) {
		pi_diag d;
		pi_diag_init(&d, n ? inputs[0] : NULL, o->err);
		d.quiet = o->quiet;
		int r = emit_plist(o, n ? inputs[0] : NULL, &d);
		if (d.code != PI_OK)
			pi_diag_print(&d, o->err);
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
		if (o->json) {
			if (i)
				fputc(',', o->out);
			fputc('{', o->out);
			json_kv_str(o->out, "path", inputs[i], 1);
			if (!o->check && !o->dry_run)
				json_kv_str(o->out, "output", o->in_place ? inputs[i] : (o->output ? o->output : ""), 1);
		}
		int json_first = 1;
		int r;
		if (o->check)
			r = check_one(o, inputs[i], &d);
		else if (o->print_plist)
			r = print_plist_one(o, inputs[i], &d);
		else
			r = inject_one(o, inputs[i], &d, &json_first);
		if (d.code != PI_OK)
			pi_diag_print(&d, o->err);
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
