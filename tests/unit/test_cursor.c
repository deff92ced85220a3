/* test_cursor.c - bounds-checked reads and checked arithmetic (src/cursor.c). */
#include "../../src/cursor.h"

#include "unit.h"

static uint8_t bytes16[16];

static void fill(void)
{
	for (int i = 0; i < 16; i++)
		bytes16[i] = (uint8_t)i;
}

static void test_reads_at_bounds(void)
{
	pi_cur c = pi_cur_make(bytes16, 16, 0x1000);
	uint8_t u8 = 0xee;
	uint32_t u32 = 0xdeadbeef;
	uint64_t u64 = 0x1122334455667788ull;

	CHECK(pi_cur_u8(&c, 0, &u8));
	CHECK_EQ_U64(u8, 0x00);
	CHECK(pi_cur_u8(&c, 15, &u8));
	CHECK_EQ_U64(u8, 0x0f);
	u8 = 0xee;
	CHECK(!pi_cur_u8(&c, 16, &u8));
	CHECK_EQ_U64(u8, 0xee); /* nothing stored on failure */
	CHECK(!pi_cur_u8(&c, UINT64_MAX, &u8));

	CHECK(pi_cur_u32le(&c, 12, &u32));
	CHECK_EQ_U64(u32, 0x0f0e0d0cu);
	CHECK(pi_cur_u32be(&c, 12, &u32));
	CHECK_EQ_U64(u32, 0x0c0d0e0fu);
	u32 = 0xdeadbeef;
	CHECK(!pi_cur_u32le(&c, 13, &u32));
	CHECK(!pi_cur_u32be(&c, 13, &u32));
	CHECK(!pi_cur_u32le(&c, 16, &u32));
	CHECK(!pi_cur_u32le(&c, UINT64_MAX - 1, &u32)); /* off + 4 would wrap */
	CHECK(!pi_cur_u32be(&c, UINT64_MAX - 2, &u32));
	CHECK_EQ_U64(u32, 0xdeadbeefu);

	CHECK(pi_cur_u64le(&c, 8, &u64));
	CHECK_EQ_U64(u64, 0x0f0e0d0c0b0a0908ull);
	CHECK(pi_cur_u64be(&c, 8, &u64));
	CHECK_EQ_U64(u64, 0x08090a0b0c0d0e0full);
	CHECK(pi_cur_u64le(&c, 0, &u64));
	CHECK_EQ_U64(u64, 0x0706050403020100ull);
	u64 = 42;
	CHECK(!pi_cur_u64le(&c, 9, &u64));
	CHECK(!pi_cur_u64be(&c, 9, &u64));
	CHECK(!pi_cur_u64le(&c, UINT64_MAX - 4, &u64));
	CHECK_EQ_U64(u64, 42);

	/* an empty view reads nothing */
	pi_cur e = pi_cur_make(bytes16, 0, 0);
	CHECK(!pi_cur_u8(&e, 0, &u8));
	CHECK(pi_cur_has(&e, 0, 0));
	CHECK(!pi_cur_has(&e, 0, 1));
}

static void test_has(void)
{
	pi_cur c = pi_cur_make(bytes16, 16, 0);
	CHECK(pi_cur_has(&c, 0, 16));
	CHECK(pi_cur_has(&c, 16, 0));
	CHECK(!pi_cur_has(&c, 17, 0));
	CHECK(!pi_cur_has(&c, 0, 17));
	CHECK(!pi_cur_has(&c, 15, 2));
	CHECK(!pi_cur_has(&c, 1, UINT64_MAX));
	CHECK(!pi_cur_has(&c, UINT64_MAX, 2));
}

static void test_sub_and_origin(void)
{
	pi_cur c = pi_cur_make(bytes16, 16, 0x1000);
	pi_cur s, t;
	CHECK(pi_cur_sub(&c, 4, 8, &s));
	CHECK(s.p == bytes16 + 4);
	CHECK_EQ_U64(s.len, 8);
	CHECK_EQ_U64(s.origin, 0x1004);
	CHECK_EQ_U64(pi_cur_abs(&s, 3), 0x1007);
	uint32_t v = 0;
	CHECK(pi_cur_u32le(&s, 4, &v));
	CHECK_EQ_U64(v, 0x0b0a0908u);
	CHECK(!pi_cur_u32le(&s, 5, &v)); /* inside c, but outside the sub-view */

	/* nested: origins add up */
	CHECK(pi_cur_sub(&s, 2, 6, &t));
	CHECK_EQ_U64(t.origin, 0x1006);
	CHECK(t.p == bytes16 + 6);
	CHECK_EQ_U64(t.len, 6);

	/* out of range: *out untouched */
	t = pi_cur_make(NULL, 77, 99);
	CHECK(!pi_cur_sub(&c, 10, 7, &t));
	CHECK(!pi_cur_sub(&c, 17, 0, &t));
	CHECK(!pi_cur_sub(&c, UINT64_MAX, 2, &t));
	CHECK(!pi_cur_sub(&c, 2, UINT64_MAX, &t));
	CHECK(t.p == NULL);
	CHECK_EQ_U64(t.len, 77);
	CHECK_EQ_U64(t.origin, 99);
	/* empty sub-view at the very end is fine */
	CHECK(pi_cur_sub(&c, 16, 0, &t));
	CHECK_EQ_U64(t.len, 0);
	CHECK_EQ_U64(t.origin, 0x1010);

	/* an origin near the top: the sub-view's origin would overflow */
	pi_cur hi = pi_cur_make(bytes16, 16, UINT64_MAX - 2);
	t = pi_cur_make(NULL, 5, 5);
	CHECK(!pi_cur_sub(&hi, 4, 4, &t));
	CHECK_EQ_U64(t.len, 5);
	CHECK(pi_cur_sub(&hi, 2, 4, &t));
	CHECK_EQ_U64(t.origin, UINT64_MAX);

	/* pi_cur_abs: absolute offsets, saturating instead of wrapping (and
	 * never equal to PI_NO_OFFSET = UINT64_MAX) */
	CHECK_EQ_U64(pi_cur_abs(&c, 0), 0x1000);
	CHECK_EQ_U64(pi_cur_abs(&c, 0x20), 0x1020); /* past the view is still arithmetic */
	CHECK_EQ_U64(pi_cur_abs(&hi, 1), UINT64_MAX - 1);
	CHECK_EQ_U64(pi_cur_abs(&hi, 100), UINT64_MAX - 1);
}

static void test_ptr_and_name(void)
{
	pi_cur c = pi_cur_make(bytes16, 16, 0);
	CHECK(pi_cur_ptr(&c, 12, 4) == bytes16 + 12);
	CHECK(pi_cur_ptr(&c, 0, 16) == bytes16);
	CHECK(pi_cur_ptr(&c, 13, 4) == NULL);
	CHECK(pi_cur_ptr(&c, 0, 17) == NULL);
	CHECK(pi_cur_ptr(&c, UINT64_MAX, 1) == NULL);

	uint8_t names[40];
	memset(names, 0, sizeof names);
	memcpy(names, "__TEXT", 6);
	memcpy(names + 16, "0123456789abcdef", 16); /* all 16 bytes used, no NUL */
	names[32] = 'X';
	pi_cur n = pi_cur_make(names, 40, 0);
	char out[17];
	memset(out, 'z', sizeof out);
	CHECK(pi_cur_name(&n, 0, 16, out));
	CHECK_STR(out, "__TEXT");
	memset(out, 'z', sizeof out);
	CHECK(pi_cur_name(&n, 16, 16, out));
	CHECK_STR(out, "0123456789abcdef");
	CHECK_EQ_U64(out[16], 0);
	memset(out, 'z', sizeof out);
	CHECK(!pi_cur_name(&n, 32, 16, out)); /* only 8 bytes left */
	CHECK_EQ_U64((uint8_t)out[0], 'z');
	CHECK(pi_cur_name(&n, 32, 8, out));
	CHECK_STR(out, "X");
}

static void test_checked_arith(void)
{
	uint64_t r = 7;
	CHECK(pi_add_u64(UINT64_MAX - 1, 1, &r));
	CHECK_EQ_U64(r, UINT64_MAX);
	r = 7;
	CHECK(!pi_add_u64(UINT64_MAX, 1, &r));
	CHECK(!pi_add_u64(1, UINT64_MAX, &r));
	CHECK(!pi_add_u64(UINT64_MAX / 2 + 1, UINT64_MAX / 2 + 1, &r));
	CHECK_EQ_U64(r, 7);
	CHECK(pi_add_u64(0, 0, &r));
	CHECK_EQ_U64(r, 0);

	CHECK(pi_mul_u64(0, UINT64_MAX, &r));
	CHECK_EQ_U64(r, 0);
	CHECK(pi_mul_u64(UINT64_MAX, 0, &r));
	CHECK_EQ_U64(r, 0);
	CHECK(pi_mul_u64(UINT64_MAX, 1, &r));
	CHECK_EQ_U64(r, UINT64_MAX);
	CHECK(pi_mul_u64(1ull << 32, 1ull << 31, &r));
	CHECK_EQ_U64(r, 1ull << 63);
	CHECK(pi_mul_u64(0xffffffffull, 0x100000001ull, &r));
	CHECK_EQ_U64(r, UINT64_MAX);
	r = 3;
	CHECK(!pi_mul_u64(1ull << 32, 1ull << 32, &r));
	CHECK(!pi_mul_u64(UINT64_MAX, 2, &r));
	CHECK(!pi_mul_u64(0x100000000ull, 0xffffffffffull, &r));
	CHECK(!pi_mul_u64(80, 0x0400000000000000ull, &r)); /* nsects * 80 */
	CHECK_EQ_U64(r, 3);

	CHECK(pi_align_up(0, 16, &r));
	CHECK_EQ_U64(r, 0);
	CHECK(pi_align_up(1, 16, &r));
	CHECK_EQ_U64(r, 16);
	CHECK(pi_align_up(16, 16, &r));
	CHECK_EQ_U64(r, 16);
	CHECK(pi_align_up(17, 16, &r));
	CHECK_EQ_U64(r, 32);
	CHECK(pi_align_up(0x31f5, 16, &r));
	CHECK_EQ_U64(r, 0x3200);
	CHECK(pi_align_up(12345, 1, &r));
	CHECK_EQ_U64(r, 12345);
	CHECK(pi_align_up(0x4001, 0x4000, &r));
	CHECK_EQ_U64(r, 0x8000);
	CHECK(pi_align_up(UINT64_MAX - 15, 16, &r)); /* already aligned at the top */
	CHECK_EQ_U64(r, UINT64_MAX - 15);
	CHECK(pi_align_up(UINT64_MAX - 16, 16, &r));
	CHECK_EQ_U64(r, UINT64_MAX - 15);
	r = 5;
	CHECK(!pi_align_up(UINT64_MAX - 3, 16, &r)); /* would wrap to 0 */
	CHECK(!pi_align_up(UINT64_MAX, 2, &r));
	CHECK(!pi_align_up(UINT64_MAX - 14, 16, &r));
	CHECK(!pi_align_up(10, 0, &r));  /* not a power of two */
	CHECK(!pi_align_up(10, 24, &r));
	CHECK_EQ_U64(r, 5);

	CHECK_EQ_U64(pi_align_down(0x2d00 - 957, 16), 0x2940); /* claude 2.1.332's plist */
	CHECK_EQ_U64(pi_align_down(0x1000 - 300, 16), 0xed0);
	CHECK_EQ_U64(pi_align_down(15, 16), 0);
	CHECK_EQ_U64(pi_align_down(32, 16), 32);
	CHECK_EQ_U64(pi_align_down(UINT64_MAX, 0x1000), UINT64_MAX - 0xfff);
}

static void test_put_get(void)
{
	uint8_t b[8];
	memset(b, 0, sizeof b);
	pi_put_u32le(b, 0x11223344u);
	static const uint8_t le32[4] = { 0x44, 0x33, 0x22, 0x11 };
	CHECK_MEM(b, le32, 4);
	CHECK_EQ_U64(pi_get_u32le(b), 0x11223344u);

	pi_put_u32be(b, 0xfade0c02u);
	static const uint8_t be32[4] = { 0xfa, 0xde, 0x0c, 0x02 };
	CHECK_MEM(b, be32, 4);
	CHECK_EQ_U64(pi_get_u32be(b), 0xfade0c02u);
	CHECK_EQ_U64(pi_get_u32le(b), 0x020cdefau);

	pi_put_u64le(b, 0x0102030405060708ull);
	static const uint8_t le64[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	CHECK_MEM(b, le64, 8);
	CHECK_EQ_U64(pi_get_u64le(b), 0x0102030405060708ull);

	pi_put_u64be(b, 0x0102030405060708ull);
	static const uint8_t be64[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	CHECK_MEM(b, be64, 8);
	pi_cur c = pi_cur_make(b, 8, 0);
	uint64_t v = 0;
	CHECK(pi_cur_u64be(&c, 0, &v));
	CHECK_EQ_U64(v, 0x0102030405060708ull);
	CHECK(pi_cur_u64le(&c, 0, &v));
	CHECK_EQ_U64(v, 0x0807060504030201ull);

	/* high bits survive (no sign extension) */
	pi_put_u64le(b, 0xffffffff80000000ull);
	CHECK_EQ_U64(pi_get_u64le(b), 0xffffffff80000000ull);
	pi_put_u32be(b, 0x80000001u);
	CHECK_EQ_U64(pi_get_u32be(b), 0x80000001u);
}

int main(void)
{
	fill();
	test_reads_at_bounds();
	test_has();
	test_sub_and_origin();
	test_ptr_and_name();
	test_checked_arith();
	test_put_get();
	return unit_done();
}
