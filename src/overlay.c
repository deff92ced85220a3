/* overlay.c - input-plus-patches view of an output file (see overlay.h). */
#include "config.h"

#include "overlay.h"

#include <stdlib.h>
#include <string.h>

static int reserve(pi_overlay *ov, size_t need)
{
	if (need <= ov->cap)
		return 1;
	size_t cap = ov->cap ? ov->cap * 2 : 8;
	while (cap < need)
		cap *= 2;
	pi_extent *e = realloc(ov->ext, cap * sizeof *e);
	if (!e)
		return 0;
	ov->ext = e;
	ov->cap = cap;
	return 1;
}

int pi_ov_init(pi_overlay *ov, const uint8_t *src, uint64_t src_len, uint64_t src_abs)
{
	memset(ov, 0, sizeof *ov);
	ov->src = src;
	ov->src_len = src_len;
	ov->src_abs = src_abs;
	ov->len = src_len;
	if (!reserve(ov, 4))
		return 0;
	if (src_len) {
		ov->ext[0] = (pi_extent){ 0, src_len, src, 0 };
		ov->n = 1;
	}
	return 1;
}

void pi_ov_free(pi_overlay *ov)
{
	for (size_t i = 0; i < ov->nbufs; i++)
		free(ov->bufs[i]);
	free(ov->bufs);
	free(ov->ext);
	memset(ov, 0, sizeof *ov);
}

/* Split so that an extent boundary falls at off (0 < off < len). */
static int split_at(pi_overlay *ov, uint64_t off)
{
	for (size_t i = 0; i < ov->n; i++) {
		pi_extent *e = &ov->ext[i];
		if (off == e->off)
			return 1;
		if (off > e->off && off < e->off + e->len) {
			if (!reserve(ov, ov->n + 1))
				return 0;
			e = &ov->ext[i];
			memmove(&ov->ext[i + 2], &ov->ext[i + 1], (ov->n - i - 1) * sizeof *e);
			pi_extent b = *e;
			uint64_t cut = off - e->off;
			e->len = cut;
			b.off = off;
			b.len -= cut;
			if (b.p)
				b.p += cut;
			if (b.src_off != UINT64_MAX)
				b.src_off += cut;
			ov->ext[i + 1] = b;
			ov->n++;
			return 1;
		}
	}
	return 1;
}

static int own(pi_overlay *ov, uint8_t *buf)
{
	if (ov->nbufs == ov->bufcap) {
		size_t cap = ov->bufcap ? ov->bufcap * 2 : 8;
		uint8_t **b = realloc(ov->bufs, cap * sizeof *b);
		if (!b)
			return 0;
		ov->bufs = b;
		ov->bufcap = cap;
	}
	ov->bufs[ov->nbufs++] = buf;
	return 1;
}

/* Replace the range by one extent e (already sized). */
static int install(pi_overlay *ov, pi_extent e)
{
	if (e.len == 0)
		return 1;
	if (!split_at(ov, e.off) || !split_at(ov, e.off + e.len) || !reserve(ov, ov->n + 1))
		return 0;
	size_t first = 0;
	while (first < ov->n && ov->ext[first].off < e.off)
		first++;
	size_t last = first;
	while (last < ov->n && ov->ext[last].off < e.off + e.len)
		last++;
	/* extents [first, last) are replaced by e */
	size_t removed = last - first;
	if (removed == 0) {
		memmove(&ov->ext[first + 1], &ov->ext[first], (ov->n - first) * sizeof e);
		ov->n++;
	} else if (removed > 1) {
		memmove(&ov->ext[first + 1], &ov->ext[last], (ov->n - last) * sizeof e);
		ov->n -= removed - 1;
	}
	ov->ext[first] = e;
	return 1;
}

uint8_t *pi_ov_patch(pi_overlay *ov, uint64_t off, const uint8_t *bytes, uint64_t len)
{
	static uint8_t dummy;
	if (off > ov->len || len > ov->len - off)
		return NULL;
	if (len == 0)
		return &dummy;
	if (!bytes) {
		if (!install(ov, (pi_extent){ off, len, NULL, UINT64_MAX }))
			return NULL;
		return &dummy;
	}
	if (len > SIZE_MAX)
		return NULL;
	uint8_t *buf = malloc((size_t)len);
	if (!buf)
		return NULL;
	memcpy(buf, bytes, (size_t)len);
	if (!own(ov, buf)) {
		free(buf);
		return NULL;
	}
	if (!install(ov, (pi_extent){ off, len, buf, UINT64_MAX }))
		return NULL;
	return buf;
}

int pi_ov_set_len(pi_overlay *ov, uint64_t len)
{
	if (len < ov->len) {
		if (len > 0 && !split_at(ov, len))
			return 0;
		while (ov->n && ov->ext[ov->n - 1].off >= len)
			ov->n--;
	} else if (len > ov->len) {
		if (!reserve(ov, ov->n + 1))
			return 0;
		ov->ext[ov->n++] = (pi_extent){ ov->len, len - ov->len, NULL, UINT64_MAX };
	}
	ov->len = len;
	return 1;
}

static size_t find(const pi_overlay *ov, uint64_t off)
{
	size_t lo = 0, hi = ov->n;
	while (lo + 1 < hi) {
		size_t mid = (lo + hi) / 2;
		if (ov->ext[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int pi_ov_read(const pi_overlay *ov, uint64_t off, uint8_t *dst, uint64_t len)
{
	if (off > ov->len || len > ov->len - off)
		return 0;
	size_t i = find(ov, off);
	while (len) {
		const pi_extent *e = &ov->ext[i];
		uint64_t in = off - e->off;
		uint64_t k = e->len - in;
		if (k > len)
			k = len;
		if (e->p)
			memcpy(dst, e->p + in, (size_t)k);
		else
			memset(dst, 0, (size_t)k);
		dst += k;
		off += k;
		len -= k;
		i++;
	}
	return 1;
}

const uint8_t *pi_ov_view(const pi_overlay *ov, uint64_t off, uint64_t len)
{
	if (ov->n == 0 || off > ov->len || len > ov->len - off)
		return NULL;
	const pi_extent *e = &ov->ext[find(ov, off)];
	if (!e->p || off + len > e->off + e->len)
		return NULL;
	return e->p + (off - e->off);
}

int pi_ov_is_source(const pi_overlay *ov, uint64_t off, uint64_t len)
{
	if (ov->n == 0 || off > ov->len || len > ov->len - off)
		return 0;
	const pi_extent *e = &ov->ext[find(ov, off)];
	return e->src_off != UINT64_MAX && e->src_off == e->off && off + len <= e->off + e->len;
}
