/* input.c - an input file as every mode reads it (see input.h). */
#include "config.h"

#include "input.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "identity.h"
#include "macho_defs.h"
#include "plist_build.h"

void pi_work_free(pi_work *w, size_t n)
{
	for (size_t i = 0; w && i < n; i++)
		free(w[i].sig);
	free(w);
}

pi_status pi_input_open(const char *path, pi_map *m, pi_image *img, pi_diag *d)
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

int pi_slice_selected(const pi_opts *o, const pi_slice *s)
{
	if (!o->narchs)
		return 1;
	for (size_t i = 0; i < o->narchs; i++)
		if (!strcmp(o->archs[i], s->arch))
			return 1;
	return 0;
}

int pi_arch_options(const pi_image *img, const int *keep, const char *prefix, char *buf, size_t len)
{
	int any = 0;
	int w = snprintf(buf, len, "%s", prefix);
	if (w < 0 || (size_t)w >= len)
		return 0;
	size_t n = (size_t)w;
	for (uint32_t i = 0; i < img->nslices; i++) {
		if (!keep[i])
			continue;
		const char *a = img->slices[i].arch;
		if (!a[0] || strchr(a, ' '))
			return 0;
		for (uint32_t k = 0; k < img->nslices; k++)
			if (!keep[k] && !strcmp(img->slices[k].arch, a))
				return 0;
		w = snprintf(buf + n, len - n, " --arch %s", a);
		if (w < 0 || (size_t)w >= len - n)
			return 0;
		n += (size_t)w;
		any = 1;
	}
	return any;
}

pi_status pi_refuse_unsupported(const pi_opts *o, const pi_image *img, const char *prefix, pi_diag *d)
{
	for (uint32_t i = 0; i < img->nslices; i++) {
		const pi_slice *s = &img->slices[i];
		if (!s->unsupported || !pi_slice_selected(o, s))
			continue;
		pi_diag_set_slice(d, s->label);
		pi_fail(d, PI_E_UNSUPPORTED, PI_NO_OFFSET, "%s", s->why);
		int *keep = calloc(img->nslices, sizeof *keep);
		if (!keep)
			return PI_E_UNSUPPORTED;
		for (uint32_t k = 0; k < img->nslices; k++)
			keep[k] = !img->slices[k].unsupported;
		char opts[256];
		if (pi_arch_options(img, keep, prefix, opts, sizeof opts))
			pi_hint(d, "leave it out with%s; slices left out are kept byte for byte", opts);
		free(keep);
		return PI_E_UNSUPPORTED;
	}
	return PI_OK;
}

pi_status pi_select_slices(const pi_opts *o, pi_image *img, const char *prefix, pi_work **w, size_t *nw,
                           pi_diag *d)
{
	*nw = 0;
	*w = calloc(img->nslices ? img->nslices : 1, sizeof **w);
	if (!*w)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	for (uint32_t i = 0; i < img->nslices; i++)
		if (pi_slice_selected(o, &img->slices[i]))
			(*w)[(*nw)++].s = &img->slices[i];
	if (!*nw)
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "no slice matches --arch");
	return pi_refuse_unsupported(o, img, prefix, d);
}

pi_status pi_read_old_signature(pi_work *w, pi_diag *d)
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

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The identity rows of w[0, nw) for identity.c, and the existing plists to
 * merge (ex[i] NULL for a slice with none, or one --replace discards).
 * infos[] holds the inspected plists the rows point into. */
static void identity_rows(const pi_work *w, size_t nw, pi_id_slice *rows, pi_plist_info *infos,
                          const uint8_t **ex, size_t *exlen)
{
	for (size_t i = 0; i < nw; i++) {
		const pi_slice *s = w[i].s;
		pi_id_slice *r = &rows[i];
		memset(r, 0, sizeof *r);
		r->arch = s->arch;
		r->label = s->label;
		ex[i] = NULL;
		exlen[i] = 0;
		if (s->info_plist >= 0) {
			const pi_section *x = &s->sects[s->info_plist];
			r->has_plist = 1;
			r->plist_offset = s->offset + x->offset;
			r->plist_size = x->size;
			if (pi_plist_inspect(s->data + x->offset, (size_t)x->size, &infos[i]) == PI_OK &&
			    infos[i].is_dict) {
				r->plist_is_dict = 1;
				r->plist_bundle_id = infos[i].has_bundle_id ? infos[i].bundle_id : NULL;
				ex[i] = s->data + x->offset;
				exlen[i] = (size_t)x->size;
			}
		}
		if (w[i].sig && w[i].sig->has_cd) {
			r->sig_identifier = w[i].sig->cds[0].identifier;
			r->sig_is_metadata = w[i].meta;
		}
	}
}

pi_status pi_input_plist(const pi_opts *o, const char *path, pi_work *w, size_t nw, char **xml,
                         size_t *xml_len, pi_diag *d)
{
	char tpath[4096];
	/* no file for the default template: the copy built into the program */
	int builtin = 0;
	if (!pi_template_path(o->template_name, tpath, sizeof tpath) &&
	    !(builtin = !strcmp(o->template_name, PI_DEFAULT_TEMPLATE))) {
		pi_diag_set_slice(d, "");
		pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "--template %s: no such template", o->template_name);
		pi_hint(d, "templates are looked up in $PLISTINJECT_TEMPLATE_DIR, %s and %s", PI_TEMPLATE_DIR,
		        PI_SRC_TEMPLATE_DIR);
		return d->code;
	}
	size_t n = nw ? nw : 1;
	const uint8_t **ex = calloc(n, sizeof *ex);
	size_t *exlen = calloc(n, sizeof *exlen);
	pi_id_slice *rows = calloc(n, sizeof *rows);
	pi_plist_info *infos = calloc(n, sizeof *infos);
	pi_status st;
	if (!ex || !exlen || !rows || !infos) {
		st = pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	} else {
		identity_rows(w, nw, rows, infos, ex, exlen);
		pi_id_result id;
		st = pi_identity_default(rows, nw, o->bundle_id != NULL, o->replace, &id, d);
		if (st == PI_OK) {
			pi_diag_set_slice(d, nw == 1 ? w[0].s->label : "");
			const char *bn = path ? base_name(path) : o->name;
			pi_plist_opts po = {
				.bundle_id = o->bundle_id, .name = o->name, .default_name = bn, .executable = bn,
				.usage = o->usage, .bonjour = o->bonjour, .nbonjour = o->nbonjour,
				.bundle_version = o->bundle_version, .set = o->set, .nset = o->nset,
				.plist_file = o->plist_file, .template_file = builtin ? NULL : tpath,
				.replace = o->replace,
			};
			st = pi_plist_build(&po, ex, exlen, nw, id.bundle_id[0] ? id.bundle_id : NULL, id.rejected, xml,
			                    xml_len, d);
		}
	}
	free(ex);
	free(exlen);
	free(rows);
	free(infos);
	return st;
}

pi_status pi_input_stand_in_plist(const pi_opts *o, const char *path, pi_work *w, size_t nw, char **xml,
                                  size_t *xml_len)
{
	pi_opts so = *o;
	so.bundle_id = "a";
	pi_diag quiet;
	pi_diag_init(&quiet, path, NULL);
	quiet.quiet = 1;
	return pi_input_plist(&so, path, w, nw, xml, xml_len, &quiet);
}
