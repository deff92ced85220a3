/* status.h - result codes and the diagnostic sink shared by every module.
 *
 * Functions return pi_status: 0 on success, a negative code on failure.  Only
 * src/main.c turns codes into process exit statuses (see man/plistinject.1,
 * EXIT STATUS).  No module prints an error itself: it fills a pi_diag, which
 * main.c prints as one line on stderr, in the form DESIGN.md section 2 fixes:
 *
 *   plistinject: FILE (ARCH, slice I/N): WHAT, at offset 0xOFF
 *   hint: WHAT TO DO
 *
 * Warnings go to the sink's stream (unless quiet) in the same form, with
 * "warning: " after the file part; a sink that holds them (pi_diag_hold)
 * keeps them until pi_diag_release, so that the error line of a failed run
 * comes first (DESIGN.md section 2: tests match the first line).
 */
#ifndef PI_STATUS_H
#define PI_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum pi_status {
	PI_OK = 0,
	PI_E_USAGE = -1,          /* bad options; exit 2 */
	PI_E_NEED_BUNDLE_ID = -2, /* no usable bundle identifier; exit 2 */
	PI_E_MALFORMED = -3,      /* input is not a sound Mach-O; exit 1 */
	PI_E_UNSUPPORTED = -4,    /* sound but outside what we edit; exit 1 */
	PI_E_NO_ROOM = -5,        /* no header padding or zero bytes; exit 1 */
	PI_E_IO = -6,             /* read/write/rename failed; exit 1 */
	PI_E_EXTERNAL = -7,       /* an external tool failed; exit 1 */
	PI_E_NOMEM = -8,          /* allocation failed; exit 1 */
	PI_E_INTERNAL = -9,       /* a bug: self-check failed; exit 1 */
	PI_E_BAD_PLIST = -10,     /* a plist input does not parse; exit 1 */
} pi_status;

/* Where a diagnostic points.  offset is absolute in the file (bytes from the
 * start of the input, fat header included); PI_NO_OFFSET when none applies. */
#define PI_NO_OFFSET UINT64_MAX

typedef struct pi_diag {
	const char *file;   /* path as the user gave it; not owned */
	char slice[64];     /* "arm64" or "arm64, slice 2/2"; "" when none */
	int quiet;          /* suppress warnings and notes */
	int verbose;        /* print extra notes */
	FILE *stream;       /* where warnings go (stderr) */
	pi_status code;     /* first error recorded, PI_OK if none */
	char msg[768];      /* first error, without the "plistinject: FILE: " part */
	char hint[512];     /* optional hint line text, "" if none */
	unsigned warnings;  /* count of warnings emitted */
	int hold;           /* keep warnings and notes in held until released */
	char *held;         /* held lines, each ending in '\n'; owned, NUL-terminated */
	size_t held_len, held_cap;
} pi_diag;

/* Initialise a sink for FILE (not copied; must outlive the sink). */
void pi_diag_init(pi_diag *d, const char *file, FILE *stream);

/* Set the slice label ("arm64" for a thin file, "arm64, slice 2/2" in a fat
 * one, "" for none). */
void pi_diag_set_slice(pi_diag *d, const char *label);

/* Record an error: code, and a printf-style message.  When offset is not
 * PI_NO_OFFSET, ", at offset 0x..." is appended.  Only the first error is
 * kept; later ones are ignored so the root cause is what the user sees.
 * Returns code, so callers can write `return pi_fail(d, PI_E_MALFORMED, ...)`. */
pi_status pi_fail(pi_diag *d, pi_status code, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Make from's error (code, message, hint and slice label) d's error,
 * replacing the one d holds: a later check found the answer the user needs
 * first.  Warnings and notes held in d stay. */
void pi_diag_replace(pi_diag *d, const pi_diag *from);

/* Forget the recorded error (code, message, hint); warnings and notes held
 * in d stay. */
void pi_diag_clear(pi_diag *d);

/* Attach a hint line to the recorded error (printf-style). */
void pi_hint(pi_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print a one-line warning now (unless quiet). */
void pi_warn(pi_diag *d, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print a one-line note now (unless quiet): same form as a warning but
 * without "warning:". */
void pi_note(pi_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* From now on keep warnings and notes instead of printing them.  The sink
 * then owns memory until pi_diag_release. */
void pi_diag_hold(pi_diag *d);

/* Print the held warnings and notes to the sink's stream, in the order they
 * came, free them and stop holding.  Call it after pi_diag_print on failure,
 * or alone on success. */
void pi_diag_release(pi_diag *d);

/* Make s (NUL-terminated, changed in place) safe for one line of text:
 * control bytes (0x00-0x1f, 0x7f) that came from file data become '?'. */
void pi_one_line(char *s);

/* Length (1-4) of the well-formed UTF-8 sequence at b (len bytes left), or 0
 * when it is malformed: RFC 3629, no overlongs, no surrogates, nothing above
 * U+10FFFF.  The one UTF-8 check of the program: plists (plist_build.c) and
 * the JSON report (report.c) both use it. */
size_t pi_utf8_seq(const uint8_t *b, size_t len);

/* Print the recorded error (and hint) to stream in the fixed form. */
void pi_diag_print(const pi_diag *d, FILE *stream);

/* The file part of a message: "plistinject: FILE (SLICE)" into buf. */
void pi_diag_prefix(const pi_diag *d, char *buf, size_t len);

#endif
