/* input.h - one input file as every mode reads it: mapped and parsed
 * (macho.c), the slices --arch selects, their old signatures read as
 * metadata, and the plist a run would build for them (the template, the
 * identity rules of identity.c and the slices' existing plists, merged by
 * plist_build.c).  --check, --print-plist, --emit-plist and the main job
 * (inject.c) all start here.
 */
#ifndef PI_INPUT_H
#define PI_INPUT_H

#include <stddef.h>

#include "cs_blob.h"
#include "file_io.h"
#include "job.h"
#include "macho.h"
#include "status.h"

/* A selected slice and what its old signature says. */
typedef struct pi_work {
	pi_slice *s;
	pi_cs_sig *sig;               /* old signature, parsed; NULL when unsigned; owned */
	int meta;                     /* it is a source of metadata: has a CodeDirectory and is
	                                 not linker-signed */
} pi_work;

/* Free w[0, n) (their old signatures) and w itself. */
void pi_work_free(pi_work *w, size_t n);

/* Map path and read it as a Mach-O file into *m and *img (the caller frees
 * them with pi_image_free and pi_map_close).  On failure the error is in d
 * and nothing stays open. */
pi_status pi_input_open(const char *path, pi_map *m, pi_image *img, pi_diag *d);

/* 1 when --arch selects slice s (every slice without --arch). */
int pi_slice_selected(const pi_opts *o, const pi_slice *s);

/* The options that select exactly the slices of img whose keep[i] is set,
 * prefix then " --arch A --arch B", into buf (len bytes).  prefix is what
 * the signer needs to leave slices out (" --signer internal" under
 * codesign), or "".  Returns 0 when they cannot be said: no slice to keep,
 * or an architecture name that also names a slice left out, that holds a
 * space, or that does not fit. */
int pi_arch_options(const pi_image *img, const int *keep, const char *prefix, char *buf, size_t len);

/* Refuse a selected slice the reader marked unsupported (a PowerPC slice of
 * a fat file), with a hint naming the options that leave it out when some
 * slice can be edited.  Returns PI_OK, PI_E_UNSUPPORTED or PI_E_NOMEM. */
pi_status pi_refuse_unsupported(const pi_opts *o, const pi_image *img, const char *prefix, pi_diag *d);

/* The slices --arch selects, in file order: *w is calloc'd with room for
 * every slice (the caller frees it with pi_work_free).  Errors: PI_E_NOMEM,
 * PI_E_USAGE when no slice matches, PI_E_UNSUPPORTED when one of them is a
 * kind not edited (pi_refuse_unsupported). */
pi_status pi_select_slices(const pi_opts *o, pi_image *img, const char *prefix, pi_work **w, size_t *nw,
                           pi_diag *d);

/* Parse the old signature of w->s as metadata (w->sig, w->meta); warn in d
 * when it is damaged.  Returns PI_OK or PI_E_NOMEM. */
pi_status pi_read_old_signature(pi_work *w, pi_diag *d);

/* Resolve a --template NAME|FILE to a path: a name with no '/' is looked up
 * in $PLISTINJECT_TEMPLATE_DIR, the installed templates directory, then the
 * source tree's templates/.  Returns 1 with the path in out, or 0. */
int pi_template_path(const char *name, char *out, size_t len);

/* The plist a run with options o would embed in w[0, nw) of the file at
 * path (NULL for --emit-plist without an input): the template, the identity
 * default (identity.c) and the slices' existing plists, merged.  On success
 * *xml is malloc'd (*xml_len bytes; the caller frees it).  Errors as
 * pi_plist_build and pi_identity_default, and PI_E_USAGE for a --template
 * that names none (the default, local-network, is built into the program). */
pi_status pi_input_plist(const pi_opts *o, const char *path, pi_work *w, size_t nw, char **xml,
                         size_t *xml_len, pi_diag *d);

/* The same plist with a stand-in bundle ID, for when the real one is still
 * to be asked for: its length is what the plist needs at the least (the ID
 * is at least one character; "a" is the shortest).  Diagnostics go nowhere. */
pi_status pi_input_stand_in_plist(const pi_opts *o, const char *path, pi_work *w, size_t nw, char **xml,
                                  size_t *xml_len);

#endif
