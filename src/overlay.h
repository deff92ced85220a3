/* overlay.h - an output file described as the read-only input plus patches.
 *
 * The output is never assembled in memory (DESIGN.md section 4): an overlay
 * is an ordered list of extents covering [0, len) of the output, each either
 * a range of the source mapping, a caller-owned or overlay-owned buffer, or
 * zeros.  Offsets are bytes from the start of the overlay (the slice for a
 * slice overlay).  Writing copies source extents in the kernel
 * (file_io.c); hashing reads pages through pi_ov_view / pi_ov_read.
 */
#ifndef PI_OVERLAY_H
#define PI_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

typedef struct pi_extent {
	uint64_t off, len;        /* output range */
	const uint8_t *p;         /* bytes, or NULL for zeros */
	uint64_t src_off;         /* offset into the source when p points there, else UINT64_MAX */
} pi_extent;

typedef struct pi_overlay {
	const uint8_t *src;       /* source bytes (not owned) */
	uint64_t src_len;
	uint64_t src_abs;         /* absolute offset of src[0] in the input file */
	int src_mapped;           /* src is a read-only file mapping: hashed pages may be
	                             released with MADV_DONTNEED (never set for heap memory,
	                             which that call would zero) */
	pi_extent *ext;           /* sorted, contiguous, covering [0, len) */
	size_t n, cap;
	uint64_t len;             /* output length */
	uint8_t **bufs;           /* owned patch buffers */
	size_t nbufs, bufcap;
} pi_overlay;

/* An overlay equal to src[0, src_len).  Returns 0 on out-of-memory. */
int pi_ov_init(pi_overlay *ov, const uint8_t *src, uint64_t src_len, uint64_t src_abs);
void pi_ov_free(pi_overlay *ov);

/* Replace [off, off+len) with a copy of bytes (NULL = zeros).  The range
 * must lie inside [0, ov->len).  Returns a pointer to the overlay-owned copy
 * (which the caller may keep writing into until pi_ov_free), or NULL on
 * out-of-memory or a bad range.  For zeros, returns a non-NULL dummy. */
uint8_t *pi_ov_patch(pi_overlay *ov, uint64_t off, const uint8_t *bytes, uint64_t len);

/* Set the output length: truncate, or extend with zeros.  0 on OOM. */
int pi_ov_set_len(pi_overlay *ov, uint64_t len);

/* Copy [off, off+len) of the output into dst.  0 if the range leaves it. */
int pi_ov_read(const pi_overlay *ov, uint64_t off, uint8_t *dst, uint64_t len);

/* A direct pointer to [off, off+len) when one extent with bytes covers it,
 * else NULL (then use pi_ov_read). */
const uint8_t *pi_ov_view(const pi_overlay *ov, uint64_t off, uint64_t len);

/* 1 when [off, off+len) is covered only by unpatched source bytes at the same
 * offsets (so its hash is the input's). */
int pi_ov_is_source(const pi_overlay *ov, uint64_t off, uint64_t len);

#endif
