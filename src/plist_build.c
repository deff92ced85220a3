/* plist_build.c - Info.plist building and merging through libplist (see
 * plist_build.h).  libplist 2.2 API: plist_from_memory, plist_to_xml and
 * plist_to_xml_free; dictionaries keep insertion order and
 * plist_dict_set_item replaces a value in place and frees the old one. */
#include "config.h"

#include "plist_build.h"

#include "cursor.h"

#include <errno.h>
#include <plist/plist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PLIST_FILE (16u << 20)

int pi_valid_bundle_id(const char *s)
{
	if (!s || !*s || strlen(s) > 255)
		return 0;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

int pi_has_control_chars(const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return 1;
	}
	return 0;
}

/* 1 when b[0, len) is well-formed UTF-8 (pi_utf8_seq). */
static int valid_utf8(const uint8_t *b, size_t len)
{
	for (size_t i = 0, n; i < len; i += n)
		if (!(n = pi_utf8_seq(b + i, len - i)))
			return 0;
	return 1;
}

/* libplist 2.2 aborts (assert) on a binary-plist string or key that holds a
 * NUL byte once it is read back, so binary plists are screened first: every
 * ASCII (0x5n) and UTF-16 (0x6n) string object named by the offset table
 * must be free of NULs.  Format: Apple's CFBinaryPList.c trailer (last 32
 * bytes: offset size, reference size, object count, top object, offset
 * table offset, big-endian).  Returns 1 when the strings are clean. */
static int bplist_strings_ok(const uint8_t *b, size_t len)
{
	pi_cur c = pi_cur_make(b, len, 0);
	uint8_t osz = 0;
	uint64_t nobj = 0, table = 0;
	if (len < 8 + 32 || !pi_cur_u8(&c, len - 26, &osz) || !pi_cur_u64be(&c, len - 24, &nobj) ||
	    !pi_cur_u64be(&c, len - 8, &table) || osz < 1 || osz > 8 || nobj > len)
		return 0;
	for (uint64_t i = 0; i < nobj; i++) {
		uint64_t off = 0, at;
		if (!pi_mul_u64(i, osz, &at) || !pi_add_u64(at, table, &at))
			return 0;
		for (uint8_t k = 0; k < osz; k++) {
			uint8_t v;
			if (!pi_cur_u8(&c, at + k, &v))
				return 0;
			off = off << 8 | v;
		}
		uint8_t m;
		if (!pi_cur_u8(&c, off, &m))
			return 0;
		unsigned type = m >> 4;
		if (type != 5 && type != 6)
			continue;
		uint64_t n = m & 0xf, start = off + 1;
		if (n == 0xf) { /* length follows as an int object: 0x1k, 2^k bytes */
			uint8_t im;
			if (!pi_cur_u8(&c, off + 1, &im) || (im >> 4) != 1 || (im & 0xf) > 3)
				return 0;
			unsigned w = 1u << (im & 0xf);
			n = 0;
			for (unsigned k = 0; k < w; k++) {
				uint8_t v;
				if (!pi_cur_u8(&c, off + 2 + k, &v))
					return 0;
				n = n << 8 | v;
			}
			start = off + 2 + w;
		}
		uint64_t bytes = type == 6 ? n * 2 : n;
		const uint8_t *p = pi_cur_ptr(&c, start, bytes);
		if (!p)
			return 0;
		for (uint64_t k = 0; k < n; k++)
			if (type == 5 ? p[k] == 0 : (p[2 * k] == 0 && p[2 * k + 1] == 0))
				return 0;
	}
	return 1;
}

/* Parse bytes as a plist; NULL when they are not one.  libplist 2.2 has no
 * error codes, so "not a plist" is a NULL result.  An XML plist must be
 * UTF-8 (what we embed always is; libplist 2.2 lets other bytes through). */
static plist_t parse(const uint8_t *b, size_t len)
{
	if (!b || len == 0 || len > UINT32_MAX)
		return NULL;
	int binary = len >= 8 && !memcmp(b, "bplist00", 8);
	if (binary ? !bplist_strings_ok(b, len) : !valid_utf8(b, len))
		return NULL;
	plist_t p = NULL;
	/* libplist's XML parser wants to see the whole buffer; copy to add a NUL */
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, b, len);
	copy[len] = 0;
	plist_from_memory(copy, (uint32_t)len, &p);
	free(copy);
	return p;
}

/* The bytes of a string node, or NULL when it is not a string or holds a NUL
 * (libplist 2.2's plist_get_string_val asserts on those; a binary plist can
 * carry them, XML cannot). */
static const char *string_ptr(plist_t node)
{
	if (!node || plist_get_node_type(node) != PLIST_STRING)
		return NULL;
	uint64_t len = 0;
	const char *p = plist_get_string_ptr(node, &len);
	if (!p || memchr(p, 0, (size_t)len))
		return NULL;
	return p;
}

static int string_value(plist_t dict, const char *key, char *out, size_t n)
{
	const char *s = string_ptr(plist_dict_get_item(dict, key));
	int ok = s && *s;
	if (ok && out)
		snprintf(out, n, "%s", s);
	return ok;
}

/* 1 when every string and key under node can be written as XML 1.0 in
 * UTF-8 (valid UTF-8, no NUL, no control character but tab, newline and
 * carriage return); else 0 with the offending key's name in bad[n]. */
static int xml_safe(plist_t node, const char *key, char *bad, size_t n)
{
	plist_type t = plist_get_node_type(node);
	if (t == PLIST_STRING) {
		uint64_t len = 0;
		const char *p = plist_get_string_ptr(node, &len);
		if (!p || memchr(p, 0, (size_t)len) || pi_has_control_chars(p) ||
		    !valid_utf8((const uint8_t *)p, (size_t)len)) {
			snprintf(bad, n, "%s", key);
			return 0;
		}
	} else if (t == PLIST_ARRAY) {
		for (uint32_t i = 0; i < plist_array_get_size(node); i++)
			if (!xml_safe(plist_array_get_item(node, i), key, bad, n))
				return 0;
	} else if (t == PLIST_DICT) {
		plist_dict_iter it = NULL;
		plist_dict_new_iter(node, &it);
		int ok = 1;
		while (ok) {
			char *k = NULL;
			plist_t v = NULL;
			plist_dict_next_item(node, it, &k, &v);
			if (!k)
				break;
			if (pi_has_control_chars(k) || !valid_utf8((const uint8_t *)k, strlen(k))) {
				snprintf(bad, n, "%s", "a key");
				ok = 0;
			} else {
				ok = xml_safe(v, k, bad, n);
			}
			free(k);
		}
		free(it);
		return ok;
	}
	return 1;
}

pi_status pi_plist_inspect(const uint8_t *bytes, size_t len, pi_plist_info *info)
{
	memset(info, 0, sizeof *info);
	plist_t p = parse(bytes, len);
	if (!p)
		return PI_E_BAD_PLIST;
	if (plist_get_node_type(p) == PLIST_DICT) {
		info->is_dict = 1;
		info->nkeys = plist_dict_get_size(p);
		info->has_bundle_id = string_value(p, "CFBundleIdentifier", info->bundle_id,
		                                   sizeof info->bundle_id);
		info->has_usage = string_value(p, "NSLocalNetworkUsageDescription", NULL, 0);
		info->background_only = plist_dict_get_item(p, "LSBackgroundOnly") != NULL;
	}
	plist_free(p);
	return PI_OK;
}

/* Deep equality of two plist nodes (pi_plist_same).  Dictionaries are
 * compared key by key, so their order does not matter; libplist 2.2's
 * plist_compare_node_value compares containers by identity, so it is used
 * for scalars only. */
static int same_node(plist_t a, plist_t b)
{
	plist_type t = plist_get_node_type(a);
	if (t != plist_get_node_type(b))
		return 0;
	if (t == PLIST_ARRAY) {
		uint32_t n = plist_array_get_size(a);
		if (n != plist_array_get_size(b))
			return 0;
		for (uint32_t i = 0; i < n; i++)
			if (!same_node(plist_array_get_item(a, i), plist_array_get_item(b, i)))
				return 0;
		return 1;
	}
	if (t == PLIST_DICT) {
		if (plist_dict_get_size(a) != plist_dict_get_size(b))
			return 0;
		plist_dict_iter it = NULL;
		plist_dict_new_iter(a, &it);
		int same = it != NULL;
		for (;;) {
			char *key = NULL;
			plist_t va = NULL;
			plist_dict_next_item(a, it, &key, &va);
			if (!key)
				break;
			plist_t vb = plist_dict_get_item(b, key);
			free(key);
			if (!vb || !same_node(va, vb)) {
				same = 0;
				break;
			}
		}
		free(it);
		return same;
	}
	return plist_compare_node_value(a, b) != 0;
}

int pi_plist_same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	plist_t pa = parse(a, alen), pb = parse(b, blen);
	int same = pa && pb && same_node(pa, pb);
	plist_free(pa);
	plist_free(pb);
	return same;
}

static pi_status read_file(const char *path, uint8_t **out, size_t *len, pi_diag *d,
                           const char *what)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot open %s %s: %s", what, path,
		               strerror(errno));
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap >= MAX_PLIST_FILE) {
				fclose(f);
				free(buf);
				return pi_fail(d, PI_E_BAD_PLIST, PI_NO_OFFSET, "%s %s is larger than %u bytes",
				               what, path, MAX_PLIST_FILE);
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (!buf) {
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	}
	if (err) {
		free(buf);
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot read %s %s", what, path);
	}
	*out = buf;
	*len = n;
	return PI_OK;
}

/* Replace @NAME@ and @BUNDLE_ID@ in every string value under node. */
static void substitute(plist_t node, const char *name, const char *bundle_id)
{
	plist_type t = plist_get_node_type(node);
	if (t == PLIST_STRING) {
		const char *sp = string_ptr(node);
		char *s = sp ? strdup(sp) : NULL;
		if (!s)
			return;
		if (strstr(s, "@NAME@") || strstr(s, "@BUNDLE_ID@")) {
			size_t cap = strlen(s) * 2 + strlen(name) * 4 + strlen(bundle_id) * 4 + 1;
			char *o = malloc(cap);
			if (o) {
				size_t k = 0;
				for (const char *p = s; *p;) {
					const char *rep = NULL;
					size_t skip = 0;
					if (!strncmp(p, "@NAME@", 6)) {
						rep = name;
						skip = 6;
					} else if (!strncmp(p, "@BUNDLE_ID@", 11)) {
						rep = bundle_id;
						skip = 11;
					}
					if (rep) {
						size_t rl = strlen(rep);
						if (k + rl + 1 > cap) {
							cap = (k + rl + 1) * 2;
							char *no = realloc(o, cap);
							if (!no)
								break;
							o = no;
						}
						memcpy(o + k, rep, rl);
						k += rl;
						p += skip;
					} else {
						if (k + 2 > cap) {
							cap *= 2;
							char *no = realloc(o, cap);
							if (!no)
								break;
							o = no;
						}
						o[k++] = *p++;
					}
				}
				o[k] = 0;
				plist_set_string_val(node, o);
				free(o);
			}
		}
		free(s);
	} else if (t == PLIST_ARRAY) {
		for (uint32_t i = 0; i < plist_array_get_size(node); i++)
			substitute(plist_array_get_item(node, i), name, bundle_id);
	} else if (t == PLIST_DICT) {
		plist_dict_iter it = NULL;
		plist_dict_new_iter(node, &it);
		for (;;) {
			char *k = NULL;
			plist_t v = NULL;
			plist_dict_next_item(node, it, &k, &v);
			if (!k)
				break;
			free(k);
			substitute(v, name, bundle_id);
		}
		free(it);
	}
}

/* Keys of dict in order (malloc'd array of malloc'd strings). */
static char **dict_keys(plist_t dict, uint32_t *n)
{
	*n = 0;
	uint32_t size = plist_dict_get_size(dict);
	char **keys = calloc(size + 1, sizeof *keys);
	if (!keys)
		return NULL;
	plist_dict_iter it = NULL;
	plist_dict_new_iter(dict, &it);
	for (uint32_t i = 0; i < size; i++) {
		char *k = NULL;
		plist_t v = NULL;
		plist_dict_next_item(dict, it, &k, &v);
		if (!k)
			break;
		keys[(*n)++] = k;
	}
	free(it);
	return keys;
}

static void free_keys(char **keys, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

/* Copy every key of src into dst (later layers win); record each key's source. */
static void layer(plist_t dst, plist_t src, plist_t sources, const char *label)
{
	uint32_t n;
	char **keys = dict_keys(src, &n);
	if (!keys)
		return;
	for (uint32_t i = 0; i < n; i++) {
		plist_dict_set_item(dst, keys[i], plist_copy(plist_dict_get_item(src, keys[i])));
		plist_dict_set_item(sources, keys[i], plist_new_string(label));
	}
	free_keys(keys, n);
}

static void set_string(plist_t dict, plist_t sources, const char *key, const char *value,
                       const char *label)
{
	plist_dict_set_item(dict, key, plist_new_string(value));
	plist_dict_set_item(sources, key, plist_new_string(label));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static pi_status check_text(pi_diag *d, const char *opt, const char *s)
{
	if (s && pi_has_control_chars(s))
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		               "%s: the text has a control character, which an XML plist cannot hold", opt);
	return PI_OK;
}

static pi_status load_plist_file(const char *path, const char *what, plist_t *out, pi_diag *d)
{
	uint8_t *b = NULL;
	size_t n = 0;
	pi_status st = read_file(path, &b, &n, d, what);
	if (st != PI_OK)
		return st;
	/* Editors on Windows save UTF-8 with a byte-order mark, which Apple's
	 * parser skips; libplist 2.2 does not, so skip it here (nothing of it
	 * reaches the embedded plist, which is rebuilt from the parsed tree).
	 * A UTF-16 file would need converting, which libplist 2.2 cannot do:
	 * say so rather than call it "not a plist". */
	if (n >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff))) {
		const char *bom = b[0] == 0xff ? "FF FE" : "FE FF";
		free(b);
		return pi_fail(d, PI_E_BAD_PLIST, PI_NO_OFFSET,
		               "%s %s is UTF-16 (byte-order mark %s), which is not supported; save it as UTF-8",
		               what, path, bom);
	}
	size_t skip = n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf ? 3 : 0;
	plist_t p = parse(b + skip, n - skip);
	free(b);
	if (!p || plist_get_node_type(p) != PLIST_DICT) {
		if (p)
			plist_free(p);
		return pi_fail(d, PI_E_BAD_PLIST, PI_NO_OFFSET, "%s %s is not a plist dictionary", what,
		               path);
	}
	*out = p;
	return PI_OK;
}

/* The option values a plist may carry: valid text, a valid bundle ID,
 * KEY=VALUE for --set. */
static pi_status check_options(const pi_plist_opts *o, pi_diag *d)
{
	pi_status st;
	if (o->bundle_id && !pi_valid_bundle_id(o->bundle_id))
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		               "--bundle-id '%s' is not a valid bundle ID (ASCII letters, digits, '-' and '.')",
		               o->bundle_id);
	if ((st = check_text(d, "--name", o->name)) || (st = check_text(d, "--local-network-usage", o->usage)) ||
	    (st = check_text(d, "--bundle-version", o->bundle_version)))
		return st;
	for (size_t i = 0; i < o->nbonjour; i++)
		if ((st = check_text(d, "--bonjour-service", o->bonjour[i])))
			return st;
	for (size_t i = 0; i < o->nset; i++) {
		const char *eq = strchr(o->set[i], '=');
		if (!eq || eq == o->set[i])
			return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "--set '%s': expected KEY=VALUE", o->set[i]);
		if (eq - o->set[i] > 255)
			return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "--set: a key longer than 255 bytes");
		if ((st = check_text(d, "--set", o->set[i])))
			return st;
	}
	return PI_OK;
}

/* Layer 0: the template (a file, or the built-in default) with @NAME@ and
 * @BUNDLE_ID@ replaced, under the built-in keys in their order (the
 * template's values win).  *out is a new dictionary the caller frees. */
static pi_status template_layer(const pi_plist_opts *o, const char *name, const char *bid, plist_t *out,
                                pi_diag *d)
{
	plist_t tmpl = NULL;
	if (!o->template_file) {
		tmpl = parse(pi_default_template, pi_default_template_len);
		if (!tmpl || plist_get_node_type(tmpl) != PLIST_DICT) {
			plist_free(tmpl);
			return pi_fail(d, PI_E_BAD_PLIST, PI_NO_OFFSET, "the built-in template is not a plist dictionary");
		}
	} else {
		pi_status st = load_plist_file(o->template_file, "template", &tmpl, d);
		if (st != PI_OK)
			return st;
	}
	substitute(tmpl, name, bid ? bid : "");
	plist_t l0 = plist_new_dict();
	if (bid)
		plist_dict_set_item(l0, "CFBundleIdentifier", plist_new_string(bid));
	plist_dict_set_item(l0, "CFBundleName", plist_new_string(name));
	plist_dict_set_item(l0, "CFBundleExecutable", plist_new_string(o->executable));
	plist_dict_set_item(l0, "CFBundlePackageType", plist_new_string("APPL"));
	plist_t ignored = plist_new_dict();
	layer(l0, tmpl, ignored, "");
	plist_free(ignored);
	if (!bid)
		plist_dict_remove_item(l0, "CFBundleIdentifier");
	plist_free(tmpl);
	*out = l0;
	return PI_OK;
}

/* Layer 1: the existing embedded plists, merged in slice order into *old
 * (NULL when there are none). */
static pi_status existing_layer(const uint8_t *const *existing, const size_t *existing_len, size_t n,
                                plist_t *old, pi_diag *d)
{
	*old = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!existing[i])
			continue;
		plist_t p = parse(existing[i], existing_len[i]);
		if (!p || plist_get_node_type(p) != PLIST_DICT) {
			plist_free(p);
			/* the caller checked; keep the message generic */
			pi_fail(d, PI_E_BAD_PLIST, PI_NO_OFFSET, "the existing __info_plist is not a plist dictionary");
			pi_hint(d, "give --replace to discard it");
			return PI_E_BAD_PLIST;
		}
		if (!*old) {
			*old = p;
		} else {
			plist_t ignored = plist_new_dict();
			layer(*old, p, ignored, "");
			plist_free(ignored);
			plist_free(p);
		}
	}
	return PI_OK;
}

/* Layers 3 and 4: --set, then the named options (--bonjour-service adds to
 * the services the lower layers list, keeping their order). */
static void option_layers(const pi_plist_opts *o, plist_t vals, plist_t srcs)
{
	for (size_t i = 0; i < o->nset; i++) {
		const char *eq = strchr(o->set[i], '=');
		char key[256];
		snprintf(key, sizeof key, "%.*s", (int)(eq - o->set[i]), o->set[i]);
		set_string(vals, srcs, key, eq + 1, "--set");
	}
	if (o->bundle_id)
		set_string(vals, srcs, "CFBundleIdentifier", o->bundle_id, "--bundle-id");
	if (o->name)
		set_string(vals, srcs, "CFBundleName", o->name, "--name");
	if (o->usage)
		set_string(vals, srcs, "NSLocalNetworkUsageDescription", o->usage, "--local-network-usage");
	if (o->bundle_version) {
		set_string(vals, srcs, "CFBundleVersion", o->bundle_version, "--bundle-version");
		set_string(vals, srcs, "CFBundleShortVersionString", o->bundle_version, "--bundle-version");
	}
	if (!o->nbonjour)
		return;
	plist_t prev = plist_dict_get_item(vals, "NSBonjourServices");
	plist_t arr = prev && plist_get_node_type(prev) == PLIST_ARRAY ? plist_copy(prev) : plist_new_array();
	for (size_t i = 0; i < o->nbonjour; i++) {
		int dup = 0;
		for (uint32_t k = 0; k < plist_array_get_size(arr) && !dup; k++) {
			const char *v = string_ptr(plist_array_get_item(arr, k));
			dup = v && !strcmp(v, o->bonjour[i]);
		}
		if (!dup)
			plist_array_append_item(arr, plist_new_string(o->bonjour[i]));
	}
	plist_dict_set_item(vals, "NSBonjourServices", arr);
	plist_dict_set_item(srcs, "NSBonjourServices", plist_new_string("--bonjour-service"));
}

/* The merged plist names a valid bundle ID (or the run asks for one), and
 * carries no LSBackgroundOnly (dropped with a warning). */
static pi_status check_merged(plist_t vals, plist_t srcs, const char *rejected_id, const char *name, pi_diag *d)
{
	char bid[256] = "", src[64] = "";
	const char *bid_full = string_ptr(plist_dict_get_item(vals, "CFBundleIdentifier"));
	if (bid_full && strlen(bid_full) >= sizeof bid) {
		string_value(srcs, "CFBundleIdentifier", src, sizeof src);
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		               "CFBundleIdentifier from %s is longer than 255 bytes; give --bundle-id", src);
	}
	if (!string_value(vals, "CFBundleIdentifier", bid, sizeof bid)) {
		if (rejected_id && *rejected_id)
			pi_fail(d, PI_E_NEED_BUNDLE_ID, PI_NO_OFFSET,
			        "no bundle ID: the signing identifier '%s' is not a reverse-DNS name; give --bundle-id",
			        rejected_id);
		else
			pi_fail(d, PI_E_NEED_BUNDLE_ID, PI_NO_OFFSET,
			        "no bundle ID: the file has no embedded Info.plist and no usable signing identifier; give --bundle-id");
		pi_hint(d, "for example --bundle-id com.example.%s", name);
		return PI_E_NEED_BUNDLE_ID;
	}
	string_value(srcs, "CFBundleIdentifier", src, sizeof src);
	if (!pi_valid_bundle_id(bid))
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		               "CFBundleIdentifier '%s' from %s is not a valid bundle ID (ASCII letters, digits, '-' and '.'); give --bundle-id",
		               bid, src);
	if (plist_dict_get_item(vals, "LSBackgroundOnly")) {
		char lsrc[64] = "";
		string_value(srcs, "LSBackgroundOnly", lsrc, sizeof lsrc);
		pi_warn(d, PI_NO_OFFSET,
		        "dropping LSBackgroundOnly (from %s): it is reported to suppress the Local Network prompt",
		        lsrc);
		plist_dict_remove_item(vals, "LSBackgroundOnly");
	}
	return PI_OK;
}

/* Copy into out the keys of `order` that vals holds and out does not yet. */
static void copy_in_order(plist_t out, plist_t vals, plist_t order)
{
	uint32_t n = 0;
	char **keys = order ? dict_keys(order, &n) : NULL;
	for (uint32_t i = 0; keys && i < n; i++) {
		plist_t v = plist_dict_get_item(vals, keys[i]);
		if (v && !plist_dict_get_item(out, keys[i]))
			plist_dict_set_item(out, keys[i], plist_copy(v));
	}
	if (keys)
		free_keys(keys, n);
}

/* The merged values in their deterministic order: the existing plist's
 * keys, then the template's, then the rest sorted.  A new dictionary. */
static plist_t ordered(plist_t vals, plist_t old, plist_t tmpl)
{
	plist_t out = plist_new_dict();
	copy_in_order(out, vals, old);
	copy_in_order(out, vals, tmpl);
	uint32_t nv = 0;
	char **vkeys = dict_keys(vals, &nv);
	char **rest = vkeys ? calloc(nv + 1, sizeof *rest) : NULL;
	uint32_t nr = 0;
	for (uint32_t i = 0; rest && i < nv; i++)
		if (!plist_dict_get_item(out, vkeys[i]))
			rest[nr++] = vkeys[i];
	if (rest) {
		qsort(rest, nr, sizeof *rest, cmp_str);
		for (uint32_t i = 0; i < nr; i++)
			plist_dict_set_item(out, rest[i], plist_copy(plist_dict_get_item(vals, rest[i])));
	}
	free(rest);
	if (vkeys)
		free_keys(vkeys, nv);
	return out;
}

/* out as XML bytes: *xml malloc'd, no trailing NUL. */
static pi_status to_xml(plist_t out, char **xml, size_t *xml_len, pi_diag *d)
{
	char badkey[256];
	if (!xml_safe(out, "", badkey, sizeof badkey))
		return pi_fail(d, PI_E_BAD_PLIST, PI_NO_OFFSET,
		               "the merged plist cannot be written as XML: %s holds a NUL or control character", badkey);
	char *x = NULL;
	uint32_t xl = 0;
	plist_to_xml(out, &x, &xl);
	if (!x || xl == 0)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "libplist could not write the plist");
	while (xl > 0 && x[xl - 1] == 0)
		xl--;
	*xml = malloc(xl ? xl : 1);
	if (*xml) {
		memcpy(*xml, x, xl);
		*xml_len = xl;
	}
	plist_to_xml_free(x);
	return *xml ? PI_OK : pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
}

pi_status pi_plist_build(const pi_plist_opts *o, const uint8_t *const *existing,
                         const size_t *existing_len, size_t nexisting,
                         const char *default_bundle_id, const char *rejected_id, char **xml,
                         size_t *xml_len, pi_diag *d)
{
	plist_t tmpl = NULL, old = NULL, file = NULL, vals = NULL, srcs = NULL, out = NULL;
	const char *name = o->name ? o->name : o->default_name;
	const char *bid_for_template = o->bundle_id ? o->bundle_id : default_bundle_id;
	char bid_buf[256];
	pi_status st = check_options(o, d);
	if (st != PI_OK)
		return st;
	/* the bundle ID the template's @BUNDLE_ID@ stands for: the highest layer that names one */
	if (o->plist_file) {
		if ((st = load_plist_file(o->plist_file, "--plist", &file, d)) != PI_OK)
			goto done;
		if (!o->bundle_id && string_value(file, "CFBundleIdentifier", bid_buf, sizeof bid_buf))
			bid_for_template = bid_buf;
	}
	for (size_t i = 0; !o->bundle_id && i < o->nset; i++)
		if (!strncmp(o->set[i], "CFBundleIdentifier=", 19) && o->set[i][19])
			bid_for_template = o->set[i] + 19;
	if ((st = template_layer(o, name, bid_for_template, &tmpl, d)) != PI_OK)
		goto done;
	vals = plist_new_dict();
	srcs = plist_new_dict();
	layer(vals, tmpl, srcs, "the template");
	if (!o->replace) {
		if ((st = existing_layer(existing, existing_len, nexisting, &old, d)) != PI_OK)
			goto done;
		if (old)
			layer(vals, old, srcs, "the existing plist");
	}
	if (file) /* layer 2 */
		layer(vals, file, srcs, "--plist");
	option_layers(o, vals, srcs);
	if ((st = check_merged(vals, srcs, rejected_id, name, d)) != PI_OK)
		goto done;
	out = ordered(vals, old, tmpl);
	st = to_xml(out, xml, xml_len, d);
done:
	plist_free(tmpl);
	plist_free(old);
	plist_free(file);
	plist_free(vals);
	plist_free(srcs);
	plist_free(out);
	return st;
}
