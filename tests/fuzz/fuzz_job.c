/* fuzz_job.c - libFuzzer target: the program's own job runner (src/job.c),
 * files and all, the way main.c calls it.
 *
 * The input is written to a file in a private temporary directory (under
 * /dev/shm when it exists) and run through --check, --print-plist and a
 * normal injection with the built-in signer (without --bundle-id first, and
 * with one when that asks for it).  Whenever the injection succeeds, the
 * written file must pass the reader's structural validation, as the input
 * did (fuzz_common.c), and --check must report it ready; otherwise
 * __builtin_trap().  The libFuzzer build adds mutate_macho.c's load-command
 * mutator. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, fileno */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/job.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[4096], in[4200], out[4200];
static FILE *null_out;

static void cleanup(void)
{
	unlink(in);
	unlink(out);
	rmdir(dir);
}

static int run(const pi_opts *base, int check, int print, const char *bundle_id, const char *path)
{
	pi_opts o = *base;
	o.check = check;
	o.print_plist = print;
	o.bundle_id = bundle_id;
	o.output = check || print ? NULL : out;
	return pi_job_run(&o, &path, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!null_out) {
		const char *t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/plistinject-fuzz.XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(dir) || !(null_out = fopen("/dev/null", "w")))
			abort();
		snprintf(in, sizeof in, "%s/in", dir);
		snprintf(out, sizeof out, "%s/out", dir);
		atexit(cleanup);
	}
	FILE *f = fopen(in, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	pi_opts o;
	pi_opts_init(&o);
	o.signer = PI_SIGNER_INTERNAL;
	o.quiet = 1;
	o.threads = 1;
	o.out = o.err = null_out;
	run(&o, 1, 0, NULL, in);
	run(&o, 0, 1, NULL, in);
	unlink(out);
	int r = run(&o, 0, 0, NULL, in);
	if (r == PI_USAGE)
		r = run(&o, 0, 0, "com.example.fuzz", in);
	if (r == PI_DONE) {
		pi_fuzz_file_sound(out);
		if (run(&o, 1, 0, NULL, out) != PI_DONE)
			__builtin_trap();
	}
	unlink(out);
	return 0;
}
