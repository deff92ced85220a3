/* test_emit.c - the universal-file header writer and n_sect rule of emit.c. */
#include <stdlib.h>

#include "../../src/emit.h"
#include "../../src/macho_defs.h"
#include "unit.h"

static pi_image two_slices(uint32_t align0, uint32_t align1)
{
	pi_image img;
	memset(&img, 0, sizeof img);
	img.fat = 1;
	img.nslices = 2;
	img.slices = calloc(2, sizeof *img.slices);
	img.slices[0].cputype = CPU_TYPE_X86_64;
	img.slices[0].cpusubtype = 3;
	img.slices[0].fat_align = align0;
	snprintf(img.slices[0].label, sizeof img.slices[0].label, "x86_64, slice 1/2");
	img.slices[1].cputype = CPU_TYPE_ARM64;
	img.slices[1].fat_align = align1;
	snprintf(img.slices[1].label, sizeof img.slices[1].label, "arm64, slice 2/2");
	return img;
}

static void layout(void)
{
	pi_image img = two_slices(12, 14);
	uint64_t sizes[2] = { 5000, 70000 }, offs[2];
	uint8_t *h = NULL;
	size_t n = 0;
	pi_diag d;
	pi_diag_init(&d, "f", NULL);
	CHECK(pi_emit_fat_header(&img, sizes, offs, &h, &n, &d) == PI_OK);
	CHECK_EQ_U64(n, 48);
	CHECK_EQ_U64(offs[0], 4096);                    /* header end rounded up to 2^12 */
	CHECK_EQ_U64(offs[1], 16384);                   /* 4096 + 5000 rounded up to 2^14 */
	CHECK_EQ_U64(pi_get_u32be(h), FAT_MAGIC);      /* always the 32-bit form */
	CHECK_EQ_U64(pi_get_u32be(h + 4), 2);
	CHECK_EQ_U64(pi_get_u32be(h + 8), CPU_TYPE_X86_64);
	CHECK_EQ_U64(pi_get_u32be(h + 12), 3);
	CHECK_EQ_U64(pi_get_u32be(h + 16), 4096);
	CHECK_EQ_U64(pi_get_u32be(h + 20), 5000);
	CHECK_EQ_U64(pi_get_u32be(h + 24), 12);
	CHECK_EQ_U64(pi_get_u32be(h + 28), CPU_TYPE_ARM64);
	CHECK_EQ_U64(pi_get_u32be(h + 36), 16384);
	CHECK_EQ_U64(pi_get_u32be(h + 40), 70000);
	CHECK_EQ_U64(pi_get_u32be(h + 44), 14);
	free(h);
	free(img.slices);
}

static void too_big_for_32_bits(void)
{
	pi_image img = two_slices(14, 14);
	uint64_t sizes[2] = { 3ull << 30, 2ull << 30 }, offs[2];
	uint8_t *h = NULL;
	size_t n = 0;
	pi_diag d;
	pi_diag_init(&d, "f", NULL);
	CHECK(pi_emit_fat_header(&img, sizes, offs, &h, &n, &d) == PI_E_UNSUPPORTED);
	CHECK(h == NULL);
	CHECK_CONTAINS(d.msg, "does not fit a 32-bit fat header");
	CHECK_STR(d.slice, "arm64, slice 2/2");
	free(img.slices);
}

static void nsect_rule(void)
{
	CHECK(pi_nsect_is_section(N_SECT, 3));               /* a defined symbol */
	CHECK(pi_nsect_is_section(N_SECT | 0x1, 3));         /* external */
	CHECK(!pi_nsect_is_section(0x1, 0));                 /* undefined external */
	CHECK(pi_nsect_is_section(N_FUN, 1));
	CHECK(pi_nsect_is_section(N_STSYM, 12));
	CHECK(!pi_nsect_is_section(N_FUN, 0));               /* end of a function: no section */
	CHECK(!pi_nsect_is_section(0x66, 3));                /* N_OSO: a value, not a section */
	CHECK(!pi_nsect_is_section(0x20, 5));                /* N_GSYM */
}

int main(void)
{
	layout();
	too_big_for_32_bits();
	nsect_rule();
	return unit_done();
}
