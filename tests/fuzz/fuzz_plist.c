/* fuzz_plist.c - libFuzzer target: Info.plist inspection and merging.
 *
 * The input is a plist (XML or binary, or junk).  It is inspected, merged as
 * the existing __info_plist under the local-network template (with a
 * --bonjour-service and a --set to merge against), and used as a --plist
 * file under the minimal template (through an unlinked temporary file,
 * /dev/fd/N).  Every plist pi_plist_build returns must parse back as a
 * dictionary with a valid CFBundleIdentifier and without LSBackgroundOnly.
 * Templates: $PLISTINJECT_TEMPLATE_DIR, else the source tree's templates/. */
#define _POSIX_C_SOURCE 200809L /* fileno, ftruncate, pwrite */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../src/plist_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void build(const pi_plist_opts *o, const uint8_t *ex, size_t exlen)
{
	pi_diag d;
	char *xml = NULL;
	size_t xml_len = 0;
	pi_plist_info info;
	pi_diag_init(&d, "fuzz", NULL);
	if (pi_plist_build(o, &ex, &exlen, 1, NULL, NULL, &xml, &xml_len, &d) != PI_OK)
		return;
	if (pi_plist_inspect((const uint8_t *)xml, xml_len, &info) != PI_OK || !info.is_dict ||
	    !info.has_bundle_id || !pi_valid_bundle_id(info.bundle_id) || info.background_only)
		__builtin_trap();
	free(xml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char local[4096], minimal[4096], path[64];
	static int fd = -1;
	if (fd < 0) {
		const char *dir = getenv("PLISTINJECT_TEMPLATE_DIR");
		if (!dir || !*dir)
			dir = PI_SRC_TEMPLATE_DIR;
		snprintf(local, sizeof local, "%s/local-network.plist", dir);
		snprintf(minimal, sizeof minimal, "%s/minimal.plist", dir);
		FILE *f = tmpfile();
		if (!f)
			abort();
		fd = fileno(f);
		snprintf(path, sizeof path, "/dev/fd/%d", fd);
	}
	pi_plist_info info;
	pi_plist_inspect(data, size, &info);

	static const char *const bonjour[] = { "_fuzz._tcp" }, *const set[] = { "FuzzKey=1" };
	pi_plist_opts o = { .default_name = "fuzz", .executable = "fuzz", .bonjour = bonjour,
	                    .nbonjour = 1, .set = set, .nset = 1, .template_file = local };
	build(&o, data, size);

	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	pi_plist_opts f = { .default_name = "fuzz", .executable = "fuzz", .plist_file = path,
	                    .template_file = minimal };
	build(&f, NULL, 0);
	return 0;
}
