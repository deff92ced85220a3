/* cursor.c - bounds-checked reads and checked arithmetic (see cursor.h). */
#include "config.h"

#include "cursor.h"

#include <string.h>

pi_cur pi_cur_make(const uint8_t *p, uint64_t len, uint64_t origin)
{
	pi_cur c = { p, len, origin };
	return c;
}

int pi_cur_has(const pi_cur *c, uint64_t off, uint64_t len)
{
	return off <= c->len && len <= c->len - off;
}

int pi_cur_sub(const pi_cur *c, uint64_t off, uint64_t len, pi_cur *out)
{
	if (!pi_cur_has(c, off, len))
		return 0;
	uint64_t origin;
	if (!pi_add_u64(c->origin, off, &origin))
		return 0;
	out->p = c->p + off;
	out->len = len;
	out->origin = origin;
	return 1;
}

uint64_t pi_cur_abs(const pi_cur *c, uint64_t off)
{
	uint64_t r;
	return pi_add_u64(c->origin, off, &r) ? r : UINT64_MAX - 1;
}

const uint8_t *pi_cur_ptr(const pi_cur *c, uint64_t off, uint64_t len)
{
	return pi_cur_has(c, off, len) ? c->p + off : NULL;
}

int pi_cur_u8(const pi_cur *c, uint64_t off, uint8_t *v)
{
	if (!pi_cur_has(c, off, 1))
		return 0;
	*v = c->p[off];
	return 1;
}

int pi_cur_u32le(const pi_cur *c, uint64_t off, uint32_t *v)
{
	if (!pi_cur_has(c, off, 4))
		return 0;
	*v = pi_get_u32le(c->p + off);
	return 1;
}

int pi_cur_u64le(const pi_cur *c, uint64_t off, uint64_t *v)
{
	if (!pi_cur_has(c, off, 8))
		return 0;
	*v = pi_get_u64le(c->p + off);
	return 1;
}

int pi_cur_u32be(const pi_cur *c, uint64_t off, uint32_t *v)
{
	if (!pi_cur_has(c, off, 4))
		return 0;
	*v = pi_get_u32be(c->p + off);
	return 1;
}

int pi_cur_u64be(const pi_cur *c, uint64_t off, uint64_t *v)
{
	if (!pi_cur_has(c, off, 8))
		return 0;
	*v = ((uint64_t)pi_get_u32be(c->p + off) << 32) | pi_get_u32be(c->p + off + 4);
	return 1;
}

int pi_cur_name(const pi_cur *c, uint64_t off, size_t n, char *out)
{
	if (!pi_cur_has(c, off, n))
		return 0;
	memcpy(out, c->p + off, n);
	out[n] = 0;
	/* names end up in one-line messages: no control bytes, no raw 8-bit */
	for (size_t i = 0; i < n && out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f)
			out[i] = '?';
	return 1;
}

int pi_add_u64(uint64_t a, uint64_t b, uint64_t *r)
{
	if (a > UINT64_MAX - b)
		return 0;
	*r = a + b;
	return 1;
}

int pi_mul_u64(uint64_t a, uint64_t b, uint64_t *r)
{
	if (a != 0 && b > UINT64_MAX / a)
		return 0;
	*r = a * b;
	return 1;
}

int pi_align_up(uint64_t v, uint64_t align, uint64_t *r)
{
	if (align == 0 || (align & (align - 1)) != 0)
		return 0;
	uint64_t t;
	if (!pi_add_u64(v, align - 1, &t))
		return 0;
	*r = t & ~(align - 1);
	return 1;
}

uint64_t pi_align_down(uint64_t v, uint64_t align)
{
	return v & ~(align - 1);
}

void pi_put_u32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void pi_put_u64le(uint8_t *p, uint64_t v)
{
	pi_put_u32le(p, (uint32_t)v);
	pi_put_u32le(p + 4, (uint32_t)(v >> 32));
}

void pi_put_u32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void pi_put_u64be(uint8_t *p, uint64_t v)
{
	pi_put_u32be(p, (uint32_t)(v >> 32));
	pi_put_u32be(p + 4, (uint32_t)v);
}

uint32_t pi_get_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t pi_get_u64le(const uint8_t *p)
{
	return (uint64_t)pi_get_u32le(p) | (uint64_t)pi_get_u32le(p + 4) << 32;
}

uint32_t pi_get_u32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
