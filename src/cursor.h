/* cursor.h - bounds-checked reads and checked arithmetic.
 *
 * Every read of input bytes goes through a pi_cur: a read-only view of
 * [p, p+len) whose first byte sits at absolute file offset `origin`.  A read
 * that would leave the view fails (returns 0) instead of touching memory
 * outside it; the caller reports the absolute offset pi_cur_abs() gives.
 * Nothing here casts a pointer into file data; multi-byte values are
 * assembled byte by byte in the byte order named by the function.
 *
 * Mach-O headers and load commands are little-endian in every slice we edit
 * (loader.h; big-endian slices are refused); fat headers and code-signature
 * blobs are big-endian (fat.h, cs_blobs.h).
 */
#ifndef PI_CURSOR_H
#define PI_CURSOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct pi_cur {
	const uint8_t *p; /* first byte of the view; not owned */
	uint64_t len;     /* bytes in the view */
	uint64_t origin;  /* absolute file offset of p[0] */
} pi_cur;

/* A view of len bytes at p, whose first byte is at absolute offset origin. */
pi_cur pi_cur_make(const uint8_t *p, uint64_t len, uint64_t origin);

/* Sub-view [off, off+len) of c (relative to c).  Returns 1, or 0 when the
 * range leaves c or the sum overflows; *out is untouched on failure. */
int pi_cur_sub(const pi_cur *c, uint64_t off, uint64_t len, pi_cur *out);

/* Absolute file offset of relative offset off in c (saturates, never wraps). */
uint64_t pi_cur_abs(const pi_cur *c, uint64_t off);

/* 1 when [off, off+len) lies inside c. */
int pi_cur_has(const pi_cur *c, uint64_t off, uint64_t len);

/* Reads at relative offset off.  Return 1 and store the value, or 0 when the
 * value would leave the view (nothing stored). */
int pi_cur_u8(const pi_cur *c, uint64_t off, uint8_t *v);
int pi_cur_u32le(const pi_cur *c, uint64_t off, uint32_t *v);
int pi_cur_u64le(const pi_cur *c, uint64_t off, uint64_t *v);
int pi_cur_u32be(const pi_cur *c, uint64_t off, uint32_t *v);
int pi_cur_u64be(const pi_cur *c, uint64_t off, uint64_t *v);

/* Pointer to len bytes at off, or NULL when they leave the view.  The bytes
 * stay owned by whoever owns the view. */
const uint8_t *pi_cur_ptr(const pi_cur *c, uint64_t off, uint64_t len);

/* Copy a fixed-size name field (e.g. segname[16]) at off into out[n+1],
 * NUL-terminated, with bytes outside printable ASCII shown as '?' (names
 * only ever serve matching and messages).  Returns 0 when it leaves the view. */
int pi_cur_name(const pi_cur *c, uint64_t off, size_t n, char *out);

/* Checked arithmetic: return 1 and store the result, or 0 on overflow. */
int pi_add_u64(uint64_t a, uint64_t b, uint64_t *r);
int pi_mul_u64(uint64_t a, uint64_t b, uint64_t *r);
/* Round v up to a multiple of align (a power of two, > 0); 0 on overflow
 * (instead of wrapping to 0, cctools rnd_test.c's "bit-buster"). */
int pi_align_up(uint64_t v, uint64_t align, uint64_t *r);
uint64_t pi_align_down(uint64_t v, uint64_t align);

/* Stores into caller-owned buffers (output side, never input). */
void pi_put_u32le(uint8_t *p, uint32_t v);
void pi_put_u64le(uint8_t *p, uint64_t v);
void pi_put_u32be(uint8_t *p, uint32_t v);
void pi_put_u64be(uint8_t *p, uint64_t v);
uint32_t pi_get_u32le(const uint8_t *p);
uint64_t pi_get_u64le(const uint8_t *p);
uint32_t pi_get_u32be(const uint8_t *p);

#endif
