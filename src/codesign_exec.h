/* codesign_exec.h - running Apple's codesign (the only module that spawns
 * processes).  posix_spawn with an argument vector, never a shell; standard
 * error captured for the one-line failure message.  Option words and their
 * flag bits: Security's SecCodeSigner / codesign(1) and xnu cs_blobs.h
 * (reference/macho-signing.md sections 2.3 and 4.2).
 */
#ifndef PI_CODESIGN_EXEC_H
#define PI_CODESIGN_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define PI_CODESIGN_MAX_ARGS 24

typedef struct pi_codesign_args {
	const char *identity;       /* -s value, "-" for ad hoc */
	const char *identifier;     /* --identifier */
	uint32_t flags;             /* CodeDirectory flags to keep as --options words */
	uint32_t runtime;           /* nibble-packed runtime version, 0 = none */
	const char *entitlements;   /* path, or NULL */
	int timestamp;              /* 1 --timestamp, 0 --timestamp=none, -1 neither */
	const char *keychain;       /* path, or NULL */
	const char *file;           /* the file to sign */
} pi_codesign_args;

/* Fill argv (PI_CODESIGN_MAX_ARGS entries, NULL-terminated) for tool:
 * tool --force --sign ID --identifier X [--options w,...] [--runtime-version
 * V] [--entitlements F] [--timestamp | --timestamp=none] [--keychain K] FILE.
 * Strings for --options and --runtime-version are written into buf[buf_len],
 * which must outlive argv.  Returns the argument count. */
int pi_codesign_argv(const char *tool, const pi_codesign_args *a, const char **argv, char *buf,
                     size_t buf_len);

/* The --options words for flags, comma-separated, into out ("" for none):
 * hard, kill, expires, restrict, enforcement, library, runtime. */
void pi_codesign_option_words(uint32_t flags, char *out, size_t len);

/* Find codesign: on macOS `xcrun --find codesign` first when use_xcrun, then
 * each directory of PATH.  Returns 1 with the path in out, or 0. */
int pi_codesign_find(int use_xcrun, char *out, size_t len);

/* Run argv[0] with argv (no shell), wait for it.  Returns PI_OK when it
 * exits 0; otherwise PI_E_EXTERNAL with its first line of standard error
 * (or how it died) in d. */
pi_status pi_codesign_run(const char *const *argv, pi_diag *d);

#endif
