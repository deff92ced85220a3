/* report.c - the --check, plan and result reports, text and JSON (see
 * report.h). */
#include "config.h"

#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A JSON string of s, made valid UTF-8 first: a malformed byte becomes
 * U+FFFD (names and identifiers read from a hostile file). */
static json_t *jstr(const char *s)
{
	const uint8_t *b = (const uint8_t *)(s ? s : "");
	size_t len = strlen((const char *)b), o = 0;
	char *v = malloc(len * 3 + 1);
	if (!v)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = pi_utf8_seq(b + i, len - i);
		if (n) {
			memcpy(v + o, b + i, n);
			o += n;
			i += n;
		} else {
			memcpy(v + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	json_t *j = json_stringn(v, o);
	free(v);
	return j;
}

static void set_str(void *obj, const char *k, const char *v)
{
	json_object_set_new(obj, k, jstr(v));
}

static void set_u64(void *obj, const char *k, uint64_t v)
{
	json_object_set_new(obj, k, json_integer((json_int_t)v));
}

static void set_bool(void *obj, const char *k, int v)
{
	json_object_set_new(obj, k, json_boolean(v));
}

void pi_rep_begin(pi_rep *r, FILE *out, int json, const char *mode)
{
	memset(r, 0, sizeof *r);
	r->out = out;
	r->json = json;
	if (!json)
		return;
	r->root = json_object();
	set_str(r->root, "plistinject", PACKAGE_VERSION);
	set_str(r->root, "mode", mode);
	r->files = json_array();
	json_object_set(r->root, "files", r->files);
}

void pi_rep_file(pi_rep *r, const char *path, const char *output)
{
	if (!r->json)
		return;
	r->file = json_object();
	r->slices = NULL;
	set_str(r->file, "path", path);
	if (output)
		set_str(r->file, "output", output);
}

void pi_rep_slices(pi_rep *r)
{
	if (!r->json || r->slices)
		return;
	r->slices = json_array();
	json_object_set_new(r->file, "slices", r->slices);
}

/* A certificate signature in --check's text line (nothing for ad hoc). */
static void cert_words(FILE *o, const pi_cert_check *c)
{
	if (!c->present)
		return;
	fprintf(o, "; certificate '%s'", c->cn);
	if (c->team[0])
		fprintf(o, ", team %s", c->team);
	if (c->req_hash[0])
		fprintf(o, ", %s hash %s", c->req_slot == 0 ? "leaf" : c->req_slot == -1 ? "root" : "certificate",
		        c->req_hash);
	fprintf(o, ", %s timestamp, CMS signature verified, designated requirement ", c->timestamp ? "with" : "no");
	if (c->dr_checked)
		fprintf(o, "satisfied");
	else
		fprintf(o, "not checked (%s)", c->requirement ? c->requirement : "none");
	fprintf(o, "; whether Apple trusts the chain is not checked here");
}

/* The same in --json (null for an ad-hoc or unsigned slice). */
static json_t *cert_json(const pi_cert_check *c)
{
	if (!c->present)
		return json_null();
	json_t *j = json_object();
	set_str(j, "subject_cn", c->cn);
	set_str(j, "team", c->team);
	set_bool(j, "apple_chain", c->apple_chain);
	set_str(j, "requirement", c->requirement ? c->requirement : "none");
	set_str(j, "requirement_hash", c->req_hash);
	set_bool(j, "requirement_checked", c->dr_checked);
	set_bool(j, "requirement_satisfied", c->dr_satisfied);
	set_bool(j, "signature_verified", c->signature_ok);
	set_bool(j, "cdhashes_match", c->cdhashes_ok && c->cdhashes_present);
	set_bool(j, "timestamp", c->timestamp);
	set_bool(j, "trust_evaluated", 0);
	return j;
}

void pi_rep_check_slice(pi_rep *r, const char *path, const pi_report *rep, const pi_fix *f)
{
	if (!r->json) {
		FILE *o = r->out;
		if (rep->ready) {
			fprintf(o, "%s (%s): ready: %s, Info.plist bound, %u code pages of %u bytes verified", path,
			        rep->label, rep->identifier, rep->ncode, rep->page_size);
			cert_words(o, &rep->cert);
			fputc('\n', o);
			return;
		}
		fprintf(o, "%s (%s): not ready: ", path, rep->label);
		for (unsigned i = 0; i < rep->nproblems; i++)
			fprintf(o, "%s%s", i ? "; " : "", rep->problems[i]);
		if (!strcmp(f->verdict, "no"))
			fprintf(o, "; plistinject cannot fix it: %s", f->why);
		else if (!strcmp(f->verdict, "make-room"))
			fprintf(o, "; plistinject can fix it with --make-room (it removes %s)%s", f->why,
			        f->needs_bundle_id ? " and --bundle-id" : "");
		else
			fprintf(o, "; plistinject can fix it%s", f->needs_bundle_id ? " with --bundle-id" : "");
		fputc('\n', o);
		return;
	}
	pi_rep_slices(r);
	json_t *s = json_object(), *problems = json_array();
	set_str(s, "arch", rep->arch);
	set_bool(s, "ready", rep->ready);
	for (unsigned i = 0; i < rep->nproblems; i++)
		json_array_append_new(problems, jstr(rep->problems[i]));
	json_object_set_new(s, "problems", problems);
	set_bool(s, "plist", rep->plist_is_dict);
	set_str(s, "bundle_id", rep->has_bundle_id ? rep->bundle_id : "");
	set_bool(s, "local_network_usage", rep->has_usage);
	set_bool(s, "signed", rep->is_signed);
	set_str(s, "identifier", rep->identifier);
	set_str(s, "team", rep->team);
	set_bool(s, "adhoc", rep->adhoc);
	set_str(s, "signature", !rep->is_signed ? "none" : rep->cert.present ? "certificate" : rep->adhoc ? "adhoc"
	                        : rep->linker_signed ? "linker" : "other");
	json_object_set_new(s, "certificate", cert_json(&rep->cert));
	set_bool(s, "slot1_bound", rep->slot1_bound);
	set_u64(s, "page_size", rep->page_size);
	set_u64(s, "code_pages", rep->ncode);
	set_u64(s, "bad_pages", rep->bad_pages);
	set_str(s, "fixable", f->verdict);
	set_bool(s, "needs_bundle_id", f->needs_bundle_id);
	set_str(s, "fixable_why", f->why);
	json_array_append_new(r->slices, s);
}

void pi_rep_not_macho(pi_rep *r, const char *path, const char *msg)
{
	if (r->json)
		set_str(r->file, "not_macho", msg);
	else
		fprintf(r->out, "%s: %s; skipped\n", path, msg);
}

static const char *room_command(pi_room_kind k)
{
	return k == PI_ROOM_DATA_IN_CODE ? "LC_DATA_IN_CODE" : k == PI_ROOM_SOURCE_VERSION ? "LC_SOURCE_VERSION"
	                                                                                    : "LC_BUILD_VERSION";
}

void pi_rep_plan(pi_rep *r, FILE *text, const char *path, const pi_plan_row *row)
{
	const pi_plan *p = row->plan;
	if (r->json) {
		pi_rep_slices(r);
		json_t *s = json_object(), *removed = json_array();
		set_str(s, "arch", row->arch);
		set_str(s, "placement", pi_place_name(p->kind));
		set_u64(s, "plist_offset", row->out_off + p->data_off);
		set_u64(s, "plist_address", p->addr);
		set_u64(s, "plist_size", p->plist_len);
		set_u64(s, "room_before", p->room_before);
		set_u64(s, "room_after", p->room_after);
		set_u64(s, "header_padding_before", p->pad_before);
		set_u64(s, "header_padding_after", p->pad_after);
		for (uint32_t k = 0; k < p->room.n; k++) {
			json_t *e = json_object();
			set_str(e, "load_command", room_command(p->room.e[k].kind));
			set_str(e, "what", p->room.e[k].kind == PI_ROOM_BUILD_TOOLS ? "tool entries" : "whole");
			set_u64(e, "bytes", p->room.e[k].bytes);
			json_array_append_new(removed, e);
		}
		json_object_set_new(s, "removed_load_commands", removed);
		set_u64(s, "section_ordinal", p->new_ordinal);
		set_bool(s, "renumbered_symbols", p->renumber);
		set_str(s, "identifier", row->identifier ? row->identifier : "");
		set_u64(s, "signature_offset", p->cs_dataoff ? row->out_off + p->cs_dataoff : 0);
		set_u64(s, "signature_size", row->sig_size);
		json_array_append_new(r->slices, s);
		return;
	}
	fprintf(text, "%s (%s): __TEXT,__info_plist of %llu bytes at 0x%llx (address 0x%llx), %s: "
	              "%llu bytes free before, %llu after; header padding %llu -> %llu bytes",
	        path, row->label, (unsigned long long)p->plist_len, (unsigned long long)(row->out_off + p->data_off),
	        (unsigned long long)p->addr, pi_place_name(p->kind), (unsigned long long)p->room_before,
	        (unsigned long long)p->room_after, (unsigned long long)p->pad_before,
	        (unsigned long long)p->pad_after);
	if (p->room.n) {
		char what[200];
		pi_room_describe(&p->room, what, sizeof what);
		fprintf(text, " (--make-room removes %s)", what);
	}
	if (p->cs_dataoff)
		fprintf(text, "; %s of %llu bytes at 0x%llx as %s\n", row->sig_words ? row->sig_words : "ad-hoc signature",
		        (unsigned long long)row->sig_size,
		        (unsigned long long)(row->out_off + p->cs_dataoff), row->identifier);
	else
		fprintf(text, "; unsigned\n");
}

void pi_rep_file_end(pi_rep *r, const char *status, const pi_diag *d)
{
	if (!r->json)
		return;
	if (d->code != PI_OK) {
		char pre[512], line[1400];
		pi_diag_prefix(d, pre, sizeof pre);
		snprintf(line, sizeof line, "%s: %s", pre, d->msg);
		set_str(r->file, "error", line);
		set_str(r->file, "hint", d->hint);
	}
	set_str(r->file, "status", status);
	json_array_append_new(r->files, r->file);
	r->file = r->slices = NULL;
}

void pi_rep_end(pi_rep *r, int exit_status)
{
	if (!r->json)
		return;
	set_u64(r->root, "exit", (uint64_t)exit_status);
	json_dumpf(r->root, r->out, JSON_COMPACT);
	fputc('\n', r->out);
	json_decref(r->files);
	json_decref(r->root);
	r->root = r->files = NULL;
}

void pi_rep_wrote(FILE *err, const char *path, const char *label, const char *target,
                  const pi_plan *p, const char *signed_as, const char *identifier)
{
	fprintf(err, "plistinject: %s (%s): wrote %s: __TEXT,__info_plist of %llu bytes (%s), %s %s\n", path,
	        label, target, (unsigned long long)p->plist_len, pi_place_name(p->kind), signed_as, identifier);
}
