/* plist_build.h - Info.plist inspection, building and merging.
 *
 * The only module that sees libplist (2.2 or later; 2.2 lacks plist_err_t and
 * plist_mem_free, so those differences stay inside plist_build.c).  Rules:
 * DESIGN.md section 2, "Plist content".  Output is always an XML plist,
 * UTF-8 without BOM and without a trailing NUL.
 */
#ifndef PI_PLIST_BUILD_H
#define PI_PLIST_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* What --check and the identity rules need to know about a plist. */
typedef struct pi_plist_info {
	int is_dict;                /* parsed, and the root is a dictionary */
	int has_bundle_id;          /* CFBundleIdentifier is a non-empty string */
	char bundle_id[256];
	int has_usage;              /* NSLocalNetworkUsageDescription is a non-empty string */
	uint32_t nkeys;
	int background_only;        /* LSBackgroundOnly present */
} pi_plist_info;

/* Parse len bytes (XML or binary plist).  Returns PI_OK with *info filled, or
 * PI_E_BAD_PLIST when the bytes are not a plist (info->is_dict = 0). */
pi_status pi_plist_inspect(const uint8_t *bytes, size_t len, pi_plist_info *info);

/* 1 when a and b (XML or binary plists, alen and blen bytes) hold the same
 * value: dictionaries with the same keys and equal values in any order,
 * arrays equal item by item, equal scalars of the same type, whatever the
 * bytes' formatting.  0 when they differ or either does not parse. */
int pi_plist_same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

typedef struct pi_plist_opts {
	const char *bundle_id;        /* --bundle-id, or NULL */
	const char *name;             /* --name, or NULL (then default_name) */
	const char *default_name;     /* the input file's base name */
	const char *executable;       /* CFBundleExecutable */
	const char *usage;            /* --local-network-usage, or NULL */
	const char *const *bonjour;   /* --bonjour-service values */
	size_t nbonjour;
	const char *bundle_version;   /* --bundle-version, or NULL */
	const char *const *set;       /* --set KEY=VALUE entries */
	size_t nset;
	const char *plist_file;       /* --plist FILE, or NULL */
	const char *template_file;    /* resolved template path, or NULL for the built-in
	                               * default template (pi_default_template) */
	int replace;                  /* --replace: drop the existing plist's keys */
} pi_plist_opts;

/* The default template's name, and its bytes built into the program: the
 * content of templates/local-network.plist, put into src/default_template.c
 * by a make rule (Makefile.am).  The program uses it when no template file of
 * that name is found, so a copy of the binary alone still works. */
#define PI_DEFAULT_TEMPLATE "local-network"
extern const unsigned char pi_default_template[];
extern const size_t pi_default_template_len;

/* Build the plist to embed.
 * existing / existing_len: the current __info_plist bytes of each selected
 *   slice (NULL entries for slices without one), merged in slice order.
 * default_bundle_id: the identity default the caller derived (DESIGN.md
 *   section 2), or NULL; rejected_id: the signing identifier that was not
 *   usable (for the "give --bundle-id" message), or NULL.
 * On success *xml is a malloc'd buffer of *xml_len bytes (caller frees).
 * Errors: PI_E_USAGE (bad option value: the message names the option),
 * PI_E_NEED_BUNDLE_ID, PI_E_BAD_PLIST (existing plist, --plist file or
 * template does not parse), PI_E_IO (a file cannot be read), PI_E_NOMEM. */
pi_status pi_plist_build(const pi_plist_opts *o, const uint8_t *const *existing,
                         const size_t *existing_len, size_t nexisting,
                         const char *default_bundle_id, const char *rejected_id, char **xml,
                         size_t *xml_len, pi_diag *d);

/* 1 when s is a valid bundle identifier: 1 to 255 ASCII letters, digits,
 * '-' and '.'. */
int pi_valid_bundle_id(const char *s);

/* 1 when s has a character XML 1.0 cannot carry (a control character other
 * than tab, newline, carriage return). */
int pi_has_control_chars(const char *s);

#endif
