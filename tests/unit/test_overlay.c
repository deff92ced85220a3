/* test_overlay.c - the input-plus-patches output view (src/overlay.c). */
#include "../../src/overlay.h"

#include <stdlib.h>

#include "unit.h"

#define SRC_LEN 64u

static uint8_t src[SRC_LEN];

/* The extents are sorted, contiguous, non-empty and cover [0, len); source
 * extents point at src + src_off. */
static int extents_ok(const pi_overlay *ov)
{
	uint64_t at = 0;
	for (size_t i = 0; i < ov->n; i++) {
		const pi_extent *e = &ov->ext[i];
		if (e->off != at || e->len == 0)
			return 0;
		if (e->src_off != UINT64_MAX && e->p != ov->src + e->src_off)
			return 0;
		at += e->len;
	}
	return at == ov->len;
}

/* The whole output equals model[0, ov->len). */
static int same_as(const pi_overlay *ov, const uint8_t *model)
{
	uint8_t buf[512];
	if (ov->len > sizeof buf || !pi_ov_read(ov, 0, buf, ov->len))
		return 0;
	return memcmp(buf, model, (size_t)ov->len) == 0;
}

static void check_extent(const pi_overlay *ov, size_t i, uint64_t off, uint64_t len,
                         const uint8_t *p, uint64_t src_off)
{
	if (!CHECK(i < ov->n))
		return;
	CHECK_EQ_U64(ov->ext[i].off, off);
	CHECK_EQ_U64(ov->ext[i].len, len);
	if (p)
		CHECK(ov->ext[i].p == p);
	CHECK_EQ_U64(ov->ext[i].src_off, src_off);
}

static void test_init(void)
{
	pi_overlay ov;
	CHECK(pi_ov_init(&ov, src, SRC_LEN, 0x4000));
	CHECK_EQ_U64(ov.len, SRC_LEN);
	CHECK_EQ_U64(ov.src_abs, 0x4000);
	CHECK_EQ_U64(ov.n, 1);
	check_extent(&ov, 0, 0, SRC_LEN, src, 0);
	CHECK(pi_ov_is_source(&ov, 0, SRC_LEN));
	CHECK(pi_ov_view(&ov, 0, SRC_LEN) == src);
	CHECK(pi_ov_view(&ov, 7, 9) == src + 7);
	CHECK(pi_ov_view(&ov, 1, SRC_LEN) == NULL);
	CHECK(same_as(&ov, src));
	pi_ov_free(&ov);
	CHECK(ov.ext == NULL && ov.n == 0);

	/* an empty source gives an empty overlay */
	CHECK(pi_ov_init(&ov, src, 0, 0));
	CHECK_EQ_U64(ov.n, 0);
	CHECK_EQ_U64(ov.len, 0);
	uint8_t b = 0x77;
	CHECK(pi_ov_read(&ov, 0, &b, 0));
	CHECK(!pi_ov_read(&ov, 0, &b, 1));
	CHECK(pi_ov_view(&ov, 0, 0) == NULL);
	CHECK(!pi_ov_is_source(&ov, 0, 0));
	pi_ov_free(&ov);
}

static void test_patch_split(void)
{
	pi_overlay ov;
	uint8_t model[SRC_LEN];
	memcpy(model, src, SRC_LEN);
	CHECK(pi_ov_init(&ov, src, SRC_LEN, 0));

	uint8_t a[10];
	memset(a, 'A', sizeof a);
	uint8_t *pa = pi_ov_patch(&ov, 10, a, 10);
	if (!CHECK(pa != NULL))
		return;
	CHECK(pa != a); /* a copy */
	memset(model + 10, 'A', 10);
	CHECK_EQ_U64(ov.n, 3);
	check_extent(&ov, 0, 0, 10, src, 0);
	check_extent(&ov, 1, 10, 10, pa, UINT64_MAX);
	check_extent(&ov, 2, 20, 44, src + 20, 20);
	CHECK(extents_ok(&ov));
	CHECK(same_as(&ov, model));

	/* the input buffer may change afterwards; the overlay kept its copy */
	memset(a, 'Z', sizeof a);
	CHECK(same_as(&ov, model));
	/* the returned buffer is live: the caller may keep writing into it */
	pa[9] = 'a';
	model[19] = 'a';
	CHECK(same_as(&ov, model));

	/* reads across extents, and from the middle of one */
	uint8_t buf[32];
	CHECK(pi_ov_read(&ov, 8, buf, 16));
	CHECK_MEM(buf, model + 8, 16);
	CHECK(pi_ov_read(&ov, 12, buf, 3));
	CHECK_MEM(buf, "AAA", 3);
	CHECK(pi_ov_read(&ov, 60, buf, 4));
	CHECK_MEM(buf, src + 60, 4);
	CHECK(pi_ov_read(&ov, 64, buf, 0));
	CHECK(!pi_ov_read(&ov, 60, buf, 5));
	CHECK(!pi_ov_read(&ov, 65, buf, 0));
	CHECK(!pi_ov_read(&ov, 1, buf, UINT64_MAX));

	/* views: inside one extent with bytes only */
	CHECK(pi_ov_view(&ov, 10, 10) == pa);
	CHECK(pi_ov_view(&ov, 12, 3) == pa + 2);
	CHECK(pi_ov_view(&ov, 5, 10) == NULL);   /* crosses src | patch */
	CHECK(pi_ov_view(&ov, 15, 10) == NULL);  /* crosses patch | src */
	CHECK(pi_ov_view(&ov, 20, 44) == src + 20);
	CHECK(pi_ov_view(&ov, 0, 10) == src);
	CHECK(pi_ov_view(&ov, 60, 5) == NULL);   /* leaves the output */

	/* source test */
	CHECK(pi_ov_is_source(&ov, 0, 10));
	CHECK(pi_ov_is_source(&ov, 3, 7));
	CHECK(!pi_ov_is_source(&ov, 5, 10));
	CHECK(!pi_ov_is_source(&ov, 10, 1));
	CHECK(!pi_ov_is_source(&ov, 19, 1));
	CHECK(pi_ov_is_source(&ov, 20, 44));
	CHECK(!pi_ov_is_source(&ov, 20, 45));
	pi_ov_free(&ov);
}

static void test_overlapping(void)
{
	pi_overlay ov;
	uint8_t model[SRC_LEN];
	memcpy(model, src, SRC_LEN);
	CHECK(pi_ov_init(&ov, src, SRC_LEN, 0));
	uint8_t a[40], b[40];
	memset(a, 'A', sizeof a);
	memset(b, 'B', sizeof b);

	uint8_t *pa = pi_ov_patch(&ov, 10, a, 10);
	uint8_t *pb = pi_ov_patch(&ov, 15, b, 15); /* overlaps the end of A */
	CHECK(pa && pb);
	memset(model + 10, 'A', 10);
	memset(model + 15, 'B', 15);
	CHECK_EQ_U64(ov.n, 4);
	check_extent(&ov, 0, 0, 10, src, 0);
	check_extent(&ov, 1, 10, 5, pa, UINT64_MAX);
	check_extent(&ov, 2, 15, 15, pb, UINT64_MAX);
	check_extent(&ov, 3, 30, 34, src + 30, 30);
	CHECK(extents_ok(&ov));
	CHECK(same_as(&ov, model));

	/* one patch over the start of A: A's remainder keeps the right bytes */
	pa[4] = 'x'; /* byte 14 */
	model[14] = 'x';
	uint8_t *pc = pi_ov_patch(&ov, 8, (const uint8_t *)"cccc", 4); /* 8..12 */
	CHECK(pc != NULL);
	memcpy(model + 8, "cccc", 4);
	CHECK(extents_ok(&ov));
	CHECK(same_as(&ov, model));
	CHECK(pi_ov_view(&ov, 12, 3) == pa + 2);

	/* zeros over several extents at once */
	CHECK(pi_ov_patch(&ov, 5, NULL, 35) != NULL);
	memset(model + 5, 0, 35);
	CHECK_EQ_U64(ov.n, 3);
	check_extent(&ov, 0, 0, 5, src, 0);
	check_extent(&ov, 1, 5, 35, NULL, UINT64_MAX);
	CHECK(ov.ext[1].p == NULL);
	check_extent(&ov, 2, 40, 24, src + 40, 40);
	CHECK(same_as(&ov, model));
	CHECK(pi_ov_view(&ov, 6, 4) == NULL); /* zeros have no bytes to point at */
	CHECK(!pi_ov_is_source(&ov, 6, 4));

	/* a patch strictly inside the zero extent splits it in three */
	uint8_t *pd = pi_ov_patch(&ov, 20, (const uint8_t *)"dd", 2);
	CHECK(pd != NULL);
	memcpy(model + 20, "dd", 2);
	CHECK_EQ_U64(ov.n, 5);
	check_extent(&ov, 1, 5, 15, NULL, UINT64_MAX);
	check_extent(&ov, 2, 20, 2, pd, UINT64_MAX);
	check_extent(&ov, 3, 22, 18, NULL, UINT64_MAX);
	CHECK(same_as(&ov, model));

	/* exactly the same range again replaces the extent */
	uint8_t *pe = pi_ov_patch(&ov, 20, (const uint8_t *)"ee", 2);
	memcpy(model + 20, "ee", 2);
	CHECK_EQ_U64(ov.n, 5);
	check_extent(&ov, 2, 20, 2, pe, UINT64_MAX);
	CHECK(same_as(&ov, model));

	/* the whole output */
	uint8_t all[SRC_LEN];
	memset(all, 'W', sizeof all);
	CHECK(pi_ov_patch(&ov, 0, all, SRC_LEN) != NULL);
	CHECK_EQ_U64(ov.n, 1);
	CHECK(same_as(&ov, all));
	CHECK(!pi_ov_is_source(&ov, 0, 1));
	pi_ov_free(&ov);
}

static void test_zero_and_bad_patches(void)
{
	pi_overlay ov;
	CHECK(pi_ov_init(&ov, src, SRC_LEN, 0));
	/* zero-length patches change nothing */
	CHECK(pi_ov_patch(&ov, 10, (const uint8_t *)"x", 0) != NULL);
	CHECK(pi_ov_patch(&ov, 10, NULL, 0) != NULL);
	CHECK(pi_ov_patch(&ov, SRC_LEN, NULL, 0) != NULL);
	CHECK_EQ_U64(ov.n, 1);
	CHECK(pi_ov_is_source(&ov, 0, SRC_LEN));
	/* ranges outside the output are refused */
	CHECK(pi_ov_patch(&ov, 60, (const uint8_t *)"12345", 5) == NULL);
	CHECK(pi_ov_patch(&ov, 60, NULL, 5) == NULL);
	CHECK(pi_ov_patch(&ov, SRC_LEN + 1, NULL, 0) == NULL);
	CHECK(pi_ov_patch(&ov, UINT64_MAX, NULL, 2) == NULL);
	CHECK(pi_ov_patch(&ov, 2, NULL, UINT64_MAX) == NULL);
	CHECK_EQ_U64(ov.n, 1);
	CHECK(same_as(&ov, src));
	/* a zero patch at the very end */
	CHECK(pi_ov_patch(&ov, 60, NULL, 4) != NULL);
	uint8_t model[SRC_LEN];
	memcpy(model, src, SRC_LEN);
	memset(model + 60, 0, 4);
	CHECK(same_as(&ov, model));
	CHECK_EQ_U64(ov.n, 2);
	check_extent(&ov, 1, 60, 4, NULL, UINT64_MAX);
	pi_ov_free(&ov);
}

static void test_set_len(void)
{
	pi_overlay ov;
	uint8_t model[256];
	memset(model, 0, sizeof model);
	memcpy(model, src, SRC_LEN);
	CHECK(pi_ov_init(&ov, src, SRC_LEN, 0));
	uint8_t *pa = pi_ov_patch(&ov, 10, (const uint8_t *)"AAAAAAAAAA", 10);
	memset(model + 10, 'A', 10);

	/* truncate inside the patch */
	CHECK(pi_ov_set_len(&ov, 15));
	CHECK_EQ_U64(ov.len, 15);
	CHECK_EQ_U64(ov.n, 2);
	check_extent(&ov, 1, 10, 5, pa, UINT64_MAX);
	CHECK(extents_ok(&ov));
	CHECK(same_as(&ov, model));
	uint8_t b[8];
	CHECK(!pi_ov_read(&ov, 12, b, 4));
	CHECK(pi_ov_read(&ov, 15, b, 0));

	/* extend: zeros after the old end */
	CHECK(pi_ov_set_len(&ov, 100));
	memset(model + 15, 0, 85);
	CHECK_EQ_U64(ov.len, 100);
	CHECK_EQ_U64(ov.n, 3);
	check_extent(&ov, 2, 15, 85, NULL, UINT64_MAX);
	CHECK(extents_ok(&ov));
	CHECK(same_as(&ov, model));
	CHECK(pi_ov_is_source(&ov, 0, 10));
	CHECK(!pi_ov_is_source(&ov, 15, 1));
	CHECK(!pi_ov_is_source(&ov, 20, 10)); /* zeros now, not the source's bytes 20.. */
	/* patch into the extension */
	CHECK(pi_ov_patch(&ov, 90, (const uint8_t *)"TAIL", 4) != NULL);
	memcpy(model + 90, "TAIL", 4);
	CHECK(same_as(&ov, model));

	/* truncate at an extent boundary */
	CHECK(pi_ov_set_len(&ov, 10));
	CHECK_EQ_U64(ov.n, 1);
	CHECK(same_as(&ov, src));
	CHECK(pi_ov_is_source(&ov, 0, 10));
	/* same length: nothing changes */
	CHECK(pi_ov_set_len(&ov, 10));
	CHECK_EQ_U64(ov.n, 1);
	CHECK_EQ_U64(ov.len, 10);
	/* to nothing and back */
	CHECK(pi_ov_set_len(&ov, 0));
	CHECK_EQ_U64(ov.n, 0);
	CHECK_EQ_U64(ov.len, 0);
	CHECK(pi_ov_view(&ov, 0, 0) == NULL);
	CHECK(pi_ov_set_len(&ov, 32));
	CHECK_EQ_U64(ov.n, 1);
	memset(model, 0, 32);
	CHECK(same_as(&ov, model));
	pi_ov_free(&ov);

	/* the shape emit uses: truncate the old signature, extend for the new one */
	CHECK(pi_ov_init(&ov, src, SRC_LEN, 0));
	CHECK(pi_ov_set_len(&ov, 48));
	CHECK(pi_ov_set_len(&ov, 80));
	memcpy(model, src, 48);
	memset(model + 48, 0, 32);
	CHECK_EQ_U64(ov.n, 2);
	check_extent(&ov, 0, 0, 48, src, 0);
	check_extent(&ov, 1, 48, 32, NULL, UINT64_MAX);
	CHECK(same_as(&ov, model));
	CHECK(pi_ov_is_source(&ov, 0, 48));
	CHECK(!pi_ov_is_source(&ov, 40, 16));
	pi_ov_free(&ov);
}

/* Many pseudo-random patches and length changes against a byte model. */
static void test_random(void)
{
	pi_overlay ov;
	uint8_t model[256], data[256];
	memcpy(model, src, SRC_LEN);
	CHECK(pi_ov_init(&ov, src, SRC_LEN, 0));
	uint32_t x = 12345;
	int bad = 0, invariant = 0;
	for (int step = 0; step < 2000; step++) {
		x = x * 1103515245u + 12345u;
		uint32_t r = x >> 8;
		if (r % 17 == 0) {
			uint64_t nl = 1 + r % 200;
			if (nl > ov.len)
				memset(model + ov.len, 0, (size_t)(nl - ov.len));
			if (!pi_ov_set_len(&ov, nl))
				bad++;
			continue;
		}
		uint64_t off = (r >> 5) % ov.len;
		uint64_t len = 1 + (r >> 13) % 40;
		if (len > ov.len - off)
			len = ov.len - off;
		int zeros = (r & 7) == 0;
		for (uint64_t i = 0; i < len; i++)
			data[i] = (uint8_t)(step + i + 1);
		if (!pi_ov_patch(&ov, off, zeros ? NULL : data, len))
			bad++;
		if (zeros)
			memset(model + off, 0, (size_t)len);
		else
			memcpy(model + off, data, (size_t)len);
		if (!extents_ok(&ov))
			invariant++;
		if (!same_as(&ov, model))
			bad++;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(invariant, 0);
	/* every byte individually through pi_ov_read and pi_ov_view */
	int mism = 0;
	for (uint64_t i = 0; i < ov.len; i++) {
		uint8_t b;
		const uint8_t *v = pi_ov_view(&ov, i, 1);
		if (!pi_ov_read(&ov, i, &b, 1) || b != model[i] || (v && *v != model[i]))
			mism++;
	}
	CHECK_EQ_U64(mism, 0);
	pi_ov_free(&ov);
}

int main(void)
{
	for (unsigned i = 0; i < SRC_LEN; i++)
		src[i] = (uint8_t)(0x80 + i);
	test_init();
	test_patch_split();
	test_overlapping();
	test_zero_and_bad_patches();
	test_set_len();
	test_random();
	return unit_done();
}
