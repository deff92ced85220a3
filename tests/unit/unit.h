/* unit.h - a tiny assertion helper for the unit tests (no framework).
 *
 * Each CHECK* macro is an expression: it counts a pass or a failure,
 * prints file:line and the values on failure (stderr), and evaluates to 1
 * when the check held, so a test can stop early:
 *
 *     if (!CHECK(p != NULL)) return;
 *
 * A test program ends with `return unit_done();`, which prints exactly one
 * line "N passed, M failed" on stdout and returns 1 when M > 0.  A program
 * that checked nothing also fails: a test that cannot fail is a defect.
 * Exit status 77 (automake's "skip") is never used.
 *
 * With UNIT_MACHO defined before the include, a small in-memory Mach-O
 * builder (ub_*) is available too; test_macho.c and test_plan.c use it.
 */
#ifndef PI_UNIT_H
#define PI_UNIT_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned long unit_passed, unit_failed;

static inline int unit_result(int ok)
{
	if (ok)
		unit_passed++;
	else
		unit_failed++;
	return ok;
}

static inline int unit_check(int ok, const char *file, int line, const char *expr)
{
	if (!ok)
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", file, line, expr);
	return unit_result(ok);
}

static inline int unit_eq_u64(uint64_t a, uint64_t b, const char *file, int line, const char *ea,
                              const char *eb)
{
	int ok = a == b;
	if (!ok)
		fprintf(stderr,
		        "%s:%d: CHECK_EQ_U64(%s, %s) failed: %" PRIu64 " (0x%" PRIx64 ") != %" PRIu64
		        " (0x%" PRIx64 ")\n",
		        file, line, ea, eb, a, a, b, b);
	return unit_result(ok);
}

static inline int unit_str(const char *a, const char *b, const char *file, int line, const char *ea,
                           const char *eb)
{
	int ok = (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
	if (!ok)
		fprintf(stderr, "%s:%d: CHECK_STR(%s, %s) failed:\n  got      \"%s\"\n  expected \"%s\"\n",
		        file, line, ea, eb, a ? a : "(null)", b ? b : "(null)");
	return unit_result(ok);
}

/* Substring test: the message texts are checked for the part that matters. */
static inline int unit_contains(const char *hay, const char *needle, const char *file, int line,
                                const char *eh)
{
	int ok = hay != NULL && needle != NULL && strstr(hay, needle) != NULL;
	if (!ok)
		fprintf(stderr, "%s:%d: CHECK_CONTAINS(%s) failed:\n  text    \"%s\"\n  lacks   \"%s\"\n",
		        file, line, eh, hay ? hay : "(null)", needle ? needle : "(null)");
	return unit_result(ok);
}

static inline void unit_dump(const char *tag, const uint8_t *p, size_t from, size_t n, size_t len)
{
	fprintf(stderr, "  %s [%zu..]:", tag, from);
	for (size_t i = from; i < from + 16 && i < n && i < len; i++)
		fprintf(stderr, " %02x", p[i]);
	fputc('\n', stderr);
}

static inline int unit_mem(const void *a, const void *b, size_t n, const char *file, int line,
                           const char *ea, const char *eb)
{
	const uint8_t *x = a, *y = b;
	if (x == NULL || y == NULL) {
		fprintf(stderr, "%s:%d: CHECK_MEM(%s, %s) failed: NULL pointer\n", file, line, ea, eb);
		return unit_result(0);
	}
	size_t i = 0;
	while (i < n && x[i] == y[i])
		i++;
	if (i == n)
		return unit_result(1);
	fprintf(stderr, "%s:%d: CHECK_MEM(%s, %s, %zu) failed: first difference at byte %zu\n", file,
	        line, ea, eb, n, i);
	unit_dump("got     ", x, i, n, n);
	unit_dump("expected", y, i, n, n);
	return unit_result(0);
}

#define CHECK(cond) unit_check((cond) ? 1 : 0, __FILE__, __LINE__, #cond)
#define CHECK_EQ_U64(a, b) unit_eq_u64((uint64_t)(a), (uint64_t)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_STR(a, b) unit_str((a), (b), __FILE__, __LINE__, #a, #b)
#define CHECK_MEM(a, b, n) unit_mem((a), (b), (size_t)(n), __FILE__, __LINE__, #a, #b)
#define CHECK_CONTAINS(hay, needle) unit_contains((hay), (needle), __FILE__, __LINE__, #hay)

static inline int unit_done(void)
{
	printf("%lu passed, %lu failed\n", unit_passed, unit_failed);
	return (unit_failed > 0 || unit_passed == 0) ? 1 : 0;
}

#ifdef UNIT_MACHO
/* ---- an in-memory Mach-O builder ----
 *
 * ub_spec describes a thin slice: segments with their sections, then
 * LC_SYMTAB and an optional LC_CODE_SIGNATURE (in that order, after the
 * segments).  ub_build() zeroes the buffer, writes the header and load
 * commands field by field (loader.h layouts, little-endian), fills each
 * non-zerofill section's bytes with its `fill` byte, and records where each
 * command and section header went (the *_off fields) so tests can corrupt
 * them.  Layouts: reference/macho-signing.md section 1.1.
 */
#define UB_MAXSEG 6
#define UB_MAXSECT 8

typedef struct ub_sect {
	const char *name, *seg;       /* seg NULL: the segment's name */
	uint64_t addr, size;
	uint32_t offset, align, flags;
	uint8_t fill;                 /* content byte; 0 leaves the bytes zero */
	uint64_t hdr_off;             /* out: offset of the section header */
} ub_sect;

typedef struct ub_seg {
	const char *name;
	uint64_t vmaddr, vmsize, fileoff, filesize;
	uint32_t nsects;
	ub_sect s[UB_MAXSECT];
	uint64_t cmd_off;             /* out */
	uint32_t cmdsize;             /* out */
} ub_seg;

typedef struct ub_spec {
	int is64;
	uint32_t cputype, cpusubtype, filetype;
	uint32_t nsegs;
	ub_seg seg[UB_MAXSEG];
	int symtab;
	uint32_t symoff, nsyms, stroff, strsize;
	uint8_t extra[128];           /* raw load commands written after LC_SYMTAB (before */
	uint32_t extra_len;           /* LC_CODE_SIGNATURE), e.g. from ub_lc_* */
	uint32_t extra_ncmds;
	int codesig;
	uint32_t cs_dataoff, cs_datasize;
	uint64_t size;                /* slice bytes */
	uint64_t symtab_off, codesig_off, cmds_end; /* out */
	uint32_t ncmds, sizeofcmds;   /* out */
} ub_spec;

static inline void ub_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void ub_put64(uint8_t *p, uint64_t v)
{
	ub_put32(p, (uint32_t)v);
	ub_put32(p + 4, (uint32_t)(v >> 32));
}

static inline void ub_put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void ub_name(uint8_t *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n > 16 ? 16 : n);
}

/* The standard 64-bit arm64 executable most tests start from (size 0x6000):
 *   __PAGEZERO  vm 0..0x100000000, no file bytes, no sections
 *   __TEXT      vm 0x100000000+0x4000, file 0+0x4000
 *     1 __text  0x1000+0x17f1 (ends 0x27f1), fill 0xc3
 *     2 __const 0x3000+0x01f5 (ends 0x31f5), fill 0x5a
 *   __DATA      vm 0x100004000+0x4000, file 0x4000+0x1000
 *     3 __data  0x4000+0x100, fill 0x11
 *     4 __bss   zerofill, vm 0x100005000+0x100
 *   __LINKEDIT  vm 0x100008000+0x4000, file 0x5000+0x1000
 *   LC_SYMTAB   symoff 0x5000, 4 symbols, strings 0x5040+0x40
 *   [LC_CODE_SIGNATURE 0x5100+0xf00] when signed
 * cmds_end is 664 unsigned, 680 signed. */
static inline void ub_default64(ub_spec *m, int signed_)
{
	memset(m, 0, sizeof *m);
	m->is64 = 1;
	m->cputype = 0x0100000c;
	m->cpusubtype = 0;
	m->filetype = 2;
	m->nsegs = 4;
	m->seg[0] = (ub_seg){ .name = "__PAGEZERO", .vmaddr = 0, .vmsize = 0x100000000ull };
	m->seg[1] = (ub_seg){ .name = "__TEXT", .vmaddr = 0x100000000ull, .vmsize = 0x4000,
	                      .fileoff = 0, .filesize = 0x4000, .nsects = 2 };
	m->seg[1].s[0] = (ub_sect){ .name = "__text", .addr = 0x100001000ull, .size = 0x17f1,
	                            .offset = 0x1000, .align = 2, .flags = 0x80000400u, .fill = 0xc3 };
	m->seg[1].s[1] = (ub_sect){ .name = "__const", .addr = 0x100003000ull, .size = 0x1f5,
	                            .offset = 0x3000, .align = 4, .fill = 0x5a };
	m->seg[2] = (ub_seg){ .name = "__DATA", .vmaddr = 0x100004000ull, .vmsize = 0x4000,
	                      .fileoff = 0x4000, .filesize = 0x1000, .nsects = 2 };
	m->seg[2].s[0] = (ub_sect){ .name = "__data", .addr = 0x100004000ull, .size = 0x100,
	                            .offset = 0x4000, .align = 3, .fill = 0x11 };
	m->seg[2].s[1] = (ub_sect){ .name = "__bss", .addr = 0x100005000ull, .size = 0x100,
	                            .offset = 0, .align = 3, .flags = 0x1 };
	m->seg[3] = (ub_seg){ .name = "__LINKEDIT", .vmaddr = 0x100008000ull, .vmsize = 0x4000,
	                      .fileoff = 0x5000, .filesize = 0x1000 };
	m->symtab = 1;
	m->symoff = 0x5000;
	m->nsyms = 4;
	m->stroff = 0x5040;
	m->strsize = 0x40;
	m->codesig = signed_;
	m->cs_dataoff = 0x5100;
	m->cs_datasize = 0xf00;
	m->size = 0x6000;
}

/* Append a raw load command to m's extras: cmd, then the u32 words of its
 * body (cmdsize = 8 + 4 * nwords).  Used for LC_DATA_IN_CODE (dataoff,
 * datasize), LC_SOURCE_VERSION (two words of the u64 version) and
 * LC_BUILD_VERSION (platform, minos, sdk, ntools, then 2 words a tool). */
static inline void ub_lc(ub_spec *m, uint32_t cmd, const uint32_t *words, uint32_t nwords)
{
	uint8_t *p = m->extra + m->extra_len;
	ub_put32(p, cmd);
	ub_put32(p + 4, 8 + 4 * nwords);
	for (uint32_t i = 0; i < nwords; i++)
		ub_put32(p + 8 + 4 * i, words[i]);
	m->extra_len += 8 + 4 * nwords;
	m->extra_ncmds++;
}

/* Write m into buf[0, m->size) (buf must hold m->size bytes).  Returns
 * cmds_end. */
static inline uint64_t ub_build(ub_spec *m, uint8_t *buf)
{
	uint32_t hdr = m->is64 ? 32 : 28, segcmd = m->is64 ? 72 : 56, sect = m->is64 ? 80 : 68;
	memset(buf, 0, (size_t)m->size);
	uint64_t o = hdr;
	uint32_t ncmds = 0;
	for (uint32_t i = 0; i < m->nsegs; i++) {
		ub_seg *g = &m->seg[i];
		uint8_t *c = buf + o;
		g->cmd_off = o;
		g->cmdsize = segcmd + g->nsects * sect;
		uint32_t prot = strcmp(g->name, "__PAGEZERO") ? 5 : 0; /* __PAGEZERO gives no access */
		ub_put32(c, m->is64 ? 0x19 : 0x1);
		ub_put32(c + 4, g->cmdsize);
		ub_name(c + 8, g->name);
		if (m->is64) {
			ub_put64(c + 24, g->vmaddr);
			ub_put64(c + 32, g->vmsize);
			ub_put64(c + 40, g->fileoff);
			ub_put64(c + 48, g->filesize);
			ub_put32(c + 56, prot);
			ub_put32(c + 60, prot);
			ub_put32(c + 64, g->nsects);
		} else {
			ub_put32(c + 24, (uint32_t)g->vmaddr);
			ub_put32(c + 28, (uint32_t)g->vmsize);
			ub_put32(c + 32, (uint32_t)g->fileoff);
			ub_put32(c + 36, (uint32_t)g->filesize);
			ub_put32(c + 40, prot);
			ub_put32(c + 44, prot);
			ub_put32(c + 48, g->nsects);
		}
		uint64_t h = o + segcmd;
		for (uint32_t k = 0; k < g->nsects; k++, h += sect) {
			ub_sect *x = &g->s[k];
			uint8_t *p = buf + h;
			x->hdr_off = h;
			ub_name(p, x->name);
			ub_name(p + 16, x->seg ? x->seg : g->name);
			if (m->is64) {
				ub_put64(p + 32, x->addr);
				ub_put64(p + 40, x->size);
				ub_put32(p + 48, x->offset);
				ub_put32(p + 52, x->align);
				ub_put32(p + 64, x->flags);
			} else {
				ub_put32(p + 32, (uint32_t)x->addr);
				ub_put32(p + 36, (uint32_t)x->size);
				ub_put32(p + 40, x->offset);
				ub_put32(p + 44, x->align);
				ub_put32(p + 56, x->flags);
			}
		}
		o += g->cmdsize;
		ncmds++;
	}
	if (m->symtab) {
		m->symtab_off = o;
		ub_put32(buf + o, 0x2);
		ub_put32(buf + o + 4, 24);
		ub_put32(buf + o + 8, m->symoff);
		ub_put32(buf + o + 12, m->nsyms);
		ub_put32(buf + o + 16, m->stroff);
		ub_put32(buf + o + 20, m->strsize);
		o += 24;
		ncmds++;
	}
	if (m->extra_len) {
		memcpy(buf + o, m->extra, m->extra_len);
		o += m->extra_len;
		ncmds += m->extra_ncmds;
	}
	if (m->codesig) {
		m->codesig_off = o;
		ub_put32(buf + o, 0x1d);
		ub_put32(buf + o + 4, 16);
		ub_put32(buf + o + 8, m->cs_dataoff);
		ub_put32(buf + o + 12, m->cs_datasize);
		o += 16;
		ncmds++;
	}
	m->ncmds = ncmds;
	m->sizeofcmds = (uint32_t)(o - hdr);
	m->cmds_end = o;
	ub_put32(buf, m->is64 ? 0xfeedfacfu : 0xfeedfaceu);
	ub_put32(buf + 4, m->cputype);
	ub_put32(buf + 8, m->cpusubtype);
	ub_put32(buf + 12, m->filetype);
	ub_put32(buf + 16, ncmds);
	ub_put32(buf + 20, m->sizeofcmds);
	ub_put32(buf + 24, 0x00200085u); /* MH_NOUNDEFS|MH_DYLDLINK|MH_TWOLEVEL|MH_PIE */
	/* section contents */
	for (uint32_t i = 0; i < m->nsegs; i++)
		for (uint32_t k = 0; k < m->seg[i].nsects; k++) {
			const ub_sect *x = &m->seg[i].s[k];
			uint32_t t = x->flags & 0xff;
			if (x->fill && t != 0x1 && t != 0xc && t != 0x12 && x->offset + x->size <= m->size)
				memset(buf + x->offset, x->fill, (size_t)x->size);
		}
	return o;
}
#endif /* UNIT_MACHO */

#endif
