/* fuzz_common.h - what fuzz_macho and fuzz_job share (one copy, linked into
 * both the libFuzzer programs and the replays).
 *
 * The property (issue 12): an input the reader accepts and the pipeline
 * writes comes out passing the same structural validation, pi_macho_read
 * with dyld's rules, so "accepted broken, wrote broken, said ready" cannot
 * happen unseen.  Both functions __builtin_trap() when it does not hold. */
#ifndef PI_FUZZ_COMMON_H
#define PI_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "../../src/macho.h"
#include "../../src/plan.h"

/* Plan a 600-byte plist into slice s (of an image pi_macho_read accepted) in
 * the given mode (with --make-room when make_room), emit it through an overlay with a zero-filled signature
 * area of 4096 bytes (ad hoc) or none (unsigned), materialise the slice and
 * read it back: it must parse, as one thin slice with __TEXT,__info_plist.
 * Returns 1 when the planner accepted the slice, 0 when it refused it. */
int pi_fuzz_emit_sound(const pi_slice *s, pi_sign_mode mode, int make_room);

/* Read the file at path whole and require pi_macho_read to accept it. */
void pi_fuzz_file_sound(const char *path);

#endif
