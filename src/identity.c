/* identity.c - the identity rules (see identity.h). */
#include "config.h"

#include "identity.h"

#include <stdio.h>
#include <string.h>

#include "plist_build.h"

int pi_looks_reverse_dns(const char *id)
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

/* Step 1: the existing plists' CFBundleIdentifier, all agreeing. */
static pi_status from_plists(const pi_id_slice *s, size_t n, int bundle_id_given, int replace,
                             pi_id_result *r, pi_diag *d)
{
	for (size_t i = 0; i < n; i++) {
		if (!s[i].has_plist)
			continue;
		if (!s[i].plist_is_dict) {
			if (replace)
				continue;
			pi_diag_set_slice(d, s[i].label);
			pi_fail(d, PI_E_BAD_PLIST, s[i].plist_offset,
			        "the existing __TEXT,__info_plist (%llu bytes) is not a plist dictionary",
			        (unsigned long long)s[i].plist_size);
			pi_hint(d, "give --replace to discard it");
			return PI_E_BAD_PLIST;
		}
		const char *id = s[i].plist_bundle_id;
		if (!id)
			continue;
		if (r->bundle_id[0] && strcmp(r->bundle_id, id) && !bundle_id_given) {
			pi_diag_set_slice(d, "");
			return pi_fail(d, PI_E_NEED_BUNDLE_ID, PI_NO_OFFSET,
			               "the slices' embedded plists disagree on CFBundleIdentifier ('%s', '%s'); "
			               "give --bundle-id",
			               r->bundle_id, id);
		}
		snprintf(r->bundle_id, sizeof r->bundle_id, "%s", id);
	}
	return PI_OK;
}

/* Step 2: the signing identifiers of signatures that are not linker-signed,
 * all agreeing, when reverse-DNS. */
static pi_status from_signatures(const pi_id_slice *s, size_t n, int bundle_id_given, pi_id_result *r,
                                 pi_diag *d)
{
	const char *chosen = NULL;
	int disagree = 0;
	for (size_t i = 0; i < n; i++) {
		const char *id = s[i].sig_identifier;
		if (!id)
			continue;
		if (!s[i].sig_is_metadata) {
			if (!r->rejected[0])
				snprintf(r->rejected, sizeof r->rejected, "%s", id);
			continue;
		}
		if (chosen && strcmp(chosen, id))
			disagree = 1;
		if (!chosen || !strcmp(s[i].arch, "arm64"))
			chosen = id;
	}
	if (chosen && disagree && !bundle_id_given) {
		pi_diag_set_slice(d, "");
		return pi_fail(d, PI_E_NEED_BUNDLE_ID, PI_NO_OFFSET,
		               "the slices are signed with different identifiers; give --bundle-id");
	}
	if (chosen && pi_looks_reverse_dns(chosen))
		snprintf(r->bundle_id, sizeof r->bundle_id, "%s", chosen);
	else if (chosen)
		snprintf(r->rejected, sizeof r->rejected, "%s", chosen);
	if (r->bundle_id[0])
		r->rejected[0] = 0;
	return PI_OK;
}

pi_status pi_identity_default(const pi_id_slice *s, size_t n, int bundle_id_given, int replace,
                              pi_id_result *r, pi_diag *d)
{
	memset(r, 0, sizeof *r);
	pi_status st = from_plists(s, n, bundle_id_given, replace, r, d);
	if (st != PI_OK || r->bundle_id[0])
		return st;
	return from_signatures(s, n, bundle_id_given, r, d);
}

const char *pi_identity_signing_id(const char *identifier_opt, const char *bundle_id)
{
	return identifier_opt ? identifier_opt : bundle_id;
}
