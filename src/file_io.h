/* file_io.h - input mapping and safe output.
 *
 * Input: mapped read-only, never written.  Output: an unnamed temporary file
 * in the target's directory (O_TMPFILE where Linux offers it, else a named
 * one from mkstemp), written from overlays, fsync'd, given the input's mode
 * (and owner where permitted), and only then linked and renamed over the
 * target, so a reader sees the old file or the new one, never a part
 * (cctools' write_on_input_safely, codesign's .cstemp + rename).
 *
 * Unchanged ranges of the input are shared with it where the file system
 * can (Linux: FICLONERANGE on XFS, Btrfs; macOS: fclonefileat on APFS), else
 * copied in the kernel (copy_file_range, each copy handed to writeback),
 * else written with pwrite.  Patched bytes are always written.  A refused
 * clone (EOPNOTSUPP, EXDEV, EINVAL, ...) is remembered for the rest of the
 * file; every path gives the same bytes.
 */
#ifndef PI_FILE_IO_H
#define PI_FILE_IO_H

#include <stdint.h>
#include <sys/types.h>

#include "overlay.h"
#include "status.h"

typedef struct pi_map {
	int fd;
	const uint8_t *data;   /* size bytes, read-only; NULL for an empty file */
	uint64_t size;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	dev_t dev;
	ino_t ino;
} pi_map;

/* Map path read-only.  Errors: PI_E_IO (message names the reason). */
pi_status pi_map_open(const char *path, pi_map *m, pi_diag *d);
void pi_map_close(pi_map *m);

typedef struct pi_out {
	int fd;
	char target[4096];     /* final path */
	char tmpname[4200];    /* named temporary ("" while unnamed) */
	int unnamed;           /* O_TMPFILE in use */
	uint64_t pos;          /* bytes written so far */
	int clone;             /* sharing extents: 0 not tried yet, 1 works, -1 refused */
	uint64_t blksize;      /* the output file system's block size (0: unknown) */
	uint64_t reserve;      /* bytes pi_out_reserve asked for, allocated at the first copy */
	int reserved;          /* that allocation was made (or is not wanted) */
	int no_cfr;            /* copy_file_range refused: write the rest */
	int whole;             /* macOS: the file began as a clone of the whole input */
} pi_out;

/* Create the temporary file for target (in its directory): unnamed where
 * O_TMPFILE works, unless named is set (another program must open it by
 * path).  Errors: PI_E_IO. */
pi_status pi_out_begin(pi_out *o, const char *target, int named, pi_diag *d);

/* Ask the file system for len bytes (best effort, never fails): made at the
 * first range that must be copied, so that extents shared with the input
 * are never allocated first. */
void pi_out_reserve(pi_out *o, uint64_t len);

/* Write len bytes at absolute offset off of the output (inside what was
 * already written; o->pos does not move).  Errors: PI_E_IO. */
pi_status pi_out_pwrite(pi_out *o, uint64_t off, const uint8_t *p, uint64_t len, pi_diag *d);

/* Reopen a named temporary file by its name (after another program replaced
 * it, as codesign does); o->pos becomes its size.  Errors: PI_E_IO. */
pi_status pi_out_reopen(pi_out *o, pi_diag *d);

/* Append the overlay's bytes; source extents come from in_fd at
 * ov->src_abs + extent offset (in_fd -1: written from the mapping): shared
 * where the file system can (the block-aligned middle of a range whose input
 * and output offsets are equal modulo the block size; its unaligned edges
 * copied), else copied.  Errors: PI_E_IO (EFBIG, ENOSPC, EIO, ...). */
pi_status pi_out_write(pi_out *o, const pi_overlay *ov, int in_fd, pi_diag *d);

/* Append n zero bytes (padding between fat slices). */
pi_status pi_out_zeros(pi_out *o, uint64_t n, pi_diag *d);

/* fsync and set mode (and owner when running as root). */
pi_status pi_out_sync(pi_out *o, mode_t mode, uid_t uid, gid_t gid, pi_diag *d);

/* Map the written temporary file read-only into m (for the self-check);
 * release it with pi_map_close (which leaves o->fd open). */
pi_status pi_out_map(pi_out *o, pi_map *m, pi_diag *d);

/* Give the file its name: rename (or link and rename) over target. */
pi_status pi_out_commit(pi_out *o, pi_diag *d);

/* Drop the temporary file (nothing is left behind). Safe after commit. */
void pi_out_abort(pi_out *o);

/* Resolve path to the regular file it names (following symbolic links),
 * into out.  Returns 1, or 0 (errno set). */
int pi_resolve(const char *path, char *out, size_t len);

/* Where -o OUTPUT writes, into target (len bytes): OUTPUT itself when it
 * does not exist yet or is a regular file; the file a symbolic link names,
 * resolved, when OUTPUT is a link to a regular file (written through, as cp
 * does, so a Homebrew-style link in bin/ stays a link).  Refused with
 * PI_E_USAGE, naming OUTPUT: an empty name, a name ending in '/', a
 * directory, a device, FIFO or socket, a dangling link.  Returns PI_OK. */
pi_status pi_out_target(const char *output, char *target, size_t len, pi_diag *d);

/* 1 when a and b name the same existing file. */
int pi_same_file(const char *a, const char *b);

#endif
