/* macho.c - the Mach-O reader (see macho.h).  Validates, never writes.
 *
 * Follows loader.h and fat.h field by field; the checks are the ones cctools'
 * checkout.c and Go's debug/macho make, plus the strict-validation rules of
 * Security's macho++.cpp that matter for re-signing (reference section 1.2).
 */
#include "config.h"

#include "macho.h"

#include <stdlib.h>
#include <string.h>

#include "macho_defs.h"

/* More slices or load commands than this is not a real file; capping the
 * count before allocating keeps a hostile header from asking for gigabytes. */
#define MAX_FAT_ARCHS 64u
#define MAX_LOAD_COMMANDS 65536u
#define MAX_SECTIONS 4096u /* real executables have well under 100 */

const char *pi_arch_name(uint32_t cputype, uint32_t cpusubtype, char *buf, size_t len)
{
	uint32_t sub = cpusubtype & ~CPU_SUBTYPE_MASK;
	switch (cputype) {
	case CPU_TYPE_ARM64: return sub == CPU_SUBTYPE_ARM64E ? "arm64e" : "arm64";
	case CPU_TYPE_ARM64_32: return "arm64_32";
	case CPU_TYPE_X86_64: return sub == 8 ? "x86_64h" : "x86_64";
	case CPU_TYPE_X86: return "i386";
	case CPU_TYPE_ARM: return "arm";
	case CPU_TYPE_POWERPC: return "ppc";
	case CPU_TYPE_POWERPC | CPU_ARCH_ABI64: return "ppc64";
	default:
		snprintf(buf, len, "cputype 0x%x", cputype);
		return buf;
	}
}

/* The names pi_arch_name gives, in the order --arch's usage error lists them. */
static const char *const arch_names[] = { "arm64", "arm64e", "arm64_32", "x86_64", "x86_64h",
	                                      "i386", "arm", "ppc", "ppc64" };

int pi_arch_known(const char *name)
{
	for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
		if (!strcmp(name, arch_names[i]))
			return 1;
	/* the name a slice of an unnamed CPU type gets in messages */
	return !strncmp(name, "cputype 0x", 10);
}

const char *pi_arch_list(char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0] && o < len; i++) {
		int k = snprintf(buf + o, len - o, "%s%s", i ? ", " : "", arch_names[i]);
		if (k < 0)
			break;
		o += (size_t)k;
	}
	return buf;
}

int pi_section_is_zerofill(const pi_section *sec)
{
	uint32_t t = sec->flags & SECTION_TYPE;
	return t == S_ZEROFILL || t == S_GB_ZEROFILL || t == S_THREAD_LOCAL_ZEROFILL;
}

int pi_slice_find_section(const pi_slice *s, const char *seg, const char *sect)
{
	for (uint32_t i = 0; i < s->nsects; i++)
		if (!strcmp(s->sects[i].segname, seg) && !strcmp(s->sects[i].sectname, sect))
			return (int)i;
	return -1;
}

static const char *lc_name(uint32_t cmd)
{
	switch (cmd) {
	case LC_SEGMENT: return "LC_SEGMENT";
	case LC_SEGMENT_64: return "LC_SEGMENT_64";
	case LC_SYMTAB: return "LC_SYMTAB";
	case LC_DYSYMTAB: return "LC_DYSYMTAB";
	case LC_UUID: return "LC_UUID";
	case LC_CODE_SIGNATURE: return "LC_CODE_SIGNATURE";
	case LC_ENCRYPTION_INFO: return "LC_ENCRYPTION_INFO";
	case LC_ENCRYPTION_INFO_64: return "LC_ENCRYPTION_INFO_64";
	case LC_UNIXTHREAD: return "LC_UNIXTHREAD";
	case LC_LOAD_DYLIB: return "LC_LOAD_DYLIB";
	case LC_ID_DYLIB: return "LC_ID_DYLIB";
	case LC_SUB_UMBRELLA: return "LC_SUB_UMBRELLA";
	case LC_SUB_CLIENT: return "LC_SUB_CLIENT";
	case LC_SUB_LIBRARY: return "LC_SUB_LIBRARY";
	case LC_LOAD_WEAK_DYLIB: return "LC_LOAD_WEAK_DYLIB";
	case LC_RPATH: return "LC_RPATH";
	case LC_SEGMENT_SPLIT_INFO: return "LC_SEGMENT_SPLIT_INFO";
	case LC_REEXPORT_DYLIB: return "LC_REEXPORT_DYLIB";
	case LC_DYLD_INFO: return "LC_DYLD_INFO";
	case LC_DYLD_INFO_ONLY: return "LC_DYLD_INFO_ONLY";
	case LC_LOAD_UPWARD_DYLIB: return "LC_LOAD_UPWARD_DYLIB";
	case LC_VERSION_MIN_MACOSX: return "LC_VERSION_MIN_MACOSX";
	case LC_VERSION_MIN_IPHONEOS: return "LC_VERSION_MIN_IPHONEOS";
	case LC_VERSION_MIN_TVOS: return "LC_VERSION_MIN_TVOS";
	case LC_VERSION_MIN_WATCHOS: return "LC_VERSION_MIN_WATCHOS";
	case LC_FUNCTION_STARTS: return "LC_FUNCTION_STARTS";
	case LC_MAIN: return "LC_MAIN";
	case LC_DATA_IN_CODE: return "LC_DATA_IN_CODE";
	case LC_BUILD_VERSION: return "LC_BUILD_VERSION";
	case LC_DYLD_EXPORTS_TRIE: return "LC_DYLD_EXPORTS_TRIE";
	case LC_DYLD_CHAINED_FIXUPS: return "LC_DYLD_CHAINED_FIXUPS";
	case LC_FILESET_ENTRY: return "LC_FILESET_ENTRY";
	case LC_ATOM_INFO: return "LC_ATOM_INFO";
	case LC_FUNCTION_VARIANTS: return "LC_FUNCTION_VARIANTS";
	case LC_FUNCTION_VARIANT_FIXUPS: return "LC_FUNCTION_VARIANT_FIXUPS";
	default: return "load command";
	}
}

/* The shape of one load command, as dyld-1378 checks it before reading
 * anything else (mach_o/UnsafeHeader.cpp, validStructureLoadCommands): the
 * fixed-size commands have exactly their size, LC_BUILD_VERSION is sized by
 * its tool count, a string named by offset lies inside its command and ends
 * there, and a command dyld must understand (LC_REQ_DYLD) is one it knows.
 * LC_SYMTAB, LC_CODE_SIGNATURE and the segments are checked where they are
 * read.  i is the 0-based index used in every message. */
static pi_status check_lc_shape(const pi_slice *s, const pi_lc *lc, uint32_t i, pi_diag *d)
{
	const pi_cur *c = &s->cur;
	uint32_t want = 0, stroff_at = 0;
	switch (lc->cmd) {
	case LC_DYSYMTAB: want = DYSYMTAB_COMMAND_SIZE; break;
	case LC_SEGMENT_SPLIT_INFO:
	case LC_FUNCTION_STARTS:
	case LC_DATA_IN_CODE:
	case LC_DYLD_EXPORTS_TRIE:
	case LC_DYLD_CHAINED_FIXUPS:
	case LC_ATOM_INFO:
	case LC_FUNCTION_VARIANTS:
	case LC_FUNCTION_VARIANT_FIXUPS: want = LINKEDIT_DATA_COMMAND_SIZE; break;
	case LC_ENCRYPTION_INFO: want = ENCRYPTION_INFO_COMMAND_SIZE; break;
	case LC_ENCRYPTION_INFO_64: want = ENCRYPTION_INFO_COMMAND_SIZE_64; break;
	case LC_DYLD_INFO:
	case LC_DYLD_INFO_ONLY: want = DYLD_INFO_COMMAND_SIZE; break;
	case LC_VERSION_MIN_MACOSX:
	case LC_VERSION_MIN_IPHONEOS:
	case LC_VERSION_MIN_TVOS:
	case LC_VERSION_MIN_WATCHOS: want = VERSION_MIN_COMMAND_SIZE; break;
	case LC_UUID: want = UUID_COMMAND_SIZE; break;
	case LC_MAIN: want = ENTRY_POINT_COMMAND_SIZE; break;
	case LC_BUILD_VERSION: {
		uint32_t ntools = 0;
		if (lc->cmdsize >= BUILD_VERSION_COMMAND_SIZE)
			pi_cur_u32le(c, lc->off + 20, &ntools);
		if (lc->cmdsize < BUILD_VERSION_COMMAND_SIZE ||
		    (uint64_t)lc->cmdsize != BUILD_VERSION_COMMAND_SIZE + 8 * (uint64_t)ntools)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, lc->off),
			               "load command #%u LC_BUILD_VERSION: cmdsize %u does not match %u tools",
			               i, lc->cmdsize, ntools);
		return PI_OK;
	}
	case LC_ID_DYLIB:
	case LC_LOAD_DYLIB:
	case LC_LOAD_WEAK_DYLIB:
	case LC_REEXPORT_DYLIB:
	case LC_LOAD_UPWARD_DYLIB:
	case LC_RPATH:
	case LC_SUB_UMBRELLA:
	case LC_SUB_CLIENT:
	case LC_SUB_LIBRARY: stroff_at = 8; break;
	case LC_FILESET_ENTRY: stroff_at = 24; break;
	case LC_SEGMENT:
	case LC_SEGMENT_64:
	case LC_SYMTAB:
	case LC_CODE_SIGNATURE: return PI_OK;
	default:
		if (lc->cmd & LC_REQ_DYLD)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, lc->off),
			               "load command #%u: unknown command 0x%08x that dyld must understand", i,
			               lc->cmd);
		return PI_OK;
	}
	if (want && lc->cmdsize != want)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, lc->off),
		               "load command #%u %s: cmdsize %u is not %u", i, lc_name(lc->cmd), lc->cmdsize,
		               want);
	if (stroff_at) {
		uint32_t so = 0;
		if (lc->cmdsize >= stroff_at + 4)
			pi_cur_u32le(c, lc->off + stroff_at, &so);
		if (lc->cmdsize < stroff_at + 4 || so >= lc->cmdsize)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, lc->off),
			               "load command #%u %s: string offset %u lies outside cmdsize %u", i,
			               lc_name(lc->cmd), so, lc->cmdsize);
		const uint8_t *p = pi_cur_ptr(c, lc->off + so, lc->cmdsize - so);
		if (!p || !memchr(p, 0, lc->cmdsize - so))
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, lc->off + so),
			               "load command #%u %s: string runs past the end of the command", i,
			               lc_name(lc->cmd));
	}
	return PI_OK;
}

/* Read one segment command (and its section headers) at lc. */
static pi_status read_segment(pi_slice *s, const pi_lc *lc, uint32_t lc_index, uint32_t *sect_cap,
                              pi_diag *d)
{
	const pi_cur *c = &s->cur;
	uint64_t o = lc->off;
	uint32_t segcmd = s->is64 ? SEGMENT_COMMAND_SIZE_64 : SEGMENT_COMMAND_SIZE_32;
	pi_segment g;
	memset(&g, 0, sizeof g);
	if (lc->cmdsize < segcmd)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
		               "%s cmdsize %u is smaller than a segment command (%u)", lc_name(lc->cmd),
		               lc->cmdsize, segcmd);
	pi_cur_name(c, o + 8, 16, g.segname);
	if (s->is64) {
		pi_cur_u64le(c, o + 24, &g.vmaddr);
		pi_cur_u64le(c, o + 32, &g.vmsize);
		pi_cur_u64le(c, o + 40, &g.fileoff);
		pi_cur_u64le(c, o + 48, &g.filesize);
		pi_cur_u32le(c, o + 56, &g.maxprot);
		pi_cur_u32le(c, o + 60, &g.initprot);
		pi_cur_u32le(c, o + 64, &g.nsects);
		pi_cur_u32le(c, o + 68, &g.flags);
	} else {
		uint32_t v[4];
		for (int i = 0; i < 4; i++)
			pi_cur_u32le(c, o + 24 + 4 * (uint64_t)i, &v[i]);
		g.vmaddr = v[0];
		g.vmsize = v[1];
		g.fileoff = v[2];
		g.filesize = v[3];
		pi_cur_u32le(c, o + 40, &g.maxprot);
		pi_cur_u32le(c, o + 44, &g.initprot);
		pi_cur_u32le(c, o + 48, &g.nsects);
		pi_cur_u32le(c, o + 52, &g.flags);
	}
	g.cmd_off = o;
	g.cmdsize = lc->cmdsize;
	g.lc_index = lc_index;
	uint64_t need;
	if (!pi_mul_u64(g.nsects, s->sect_hdr_size, &need) || !pi_add_u64(need, segcmd, &need) ||
	    need != lc->cmdsize)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
		               "segment %s: cmdsize %u does not match %u sections", g.segname, lc->cmdsize,
		               g.nsects);
	uint64_t seg_end;
	if (!pi_add_u64(g.fileoff, g.filesize, &seg_end) || seg_end > s->size)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
		               "segment %s: file range 0x%llx+0x%llx runs past the end of the slice (0x%llx)",
		               g.segname, (unsigned long long)g.fileoff, (unsigned long long)g.filesize,
		               (unsigned long long)s->size);
	uint64_t vm_end;
	if (!pi_add_u64(g.vmaddr, g.vmsize, &vm_end))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o), "segment %s: VM range overflows",
		               g.segname);
	/* dyld-1378 validSegment: only a segment that maps nothing (vmsize 0,
	 * initprot 0: Go's __DWARF, LLVM's __LLVM) may hold more file than VM */
	if (g.filesize > g.vmsize && (g.vmsize != 0 || g.initprot != 0))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
		               "segment %s: filesize 0x%llx exceeds vmsize 0x%llx", g.segname,
		               (unsigned long long)g.filesize, (unsigned long long)g.vmsize);
	if (g.initprot & ~VM_PROT_ALL)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
		               "segment %s: initprot 0x%x has bits other than read, write and execute",
		               g.segname, g.initprot);
	if (!strcmp(g.segname, "__PAGEZERO") && (g.filesize != 0 || g.initprot != 0))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
		               "segment __PAGEZERO maps file bytes (0x%llx) or gives access (initprot 0x%x)",
		               (unsigned long long)g.filesize, g.initprot);

	if (g.nsects > MAX_SECTIONS || s->nsects + g.nsects > MAX_SECTIONS)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
		               "segment %s: more than %u sections in the slice", g.segname, MAX_SECTIONS);
	/* grow arrays */
	if (s->nsects + g.nsects > *sect_cap) {
		uint32_t cap = *sect_cap ? *sect_cap : 16;
		while (cap < s->nsects + g.nsects)
			cap *= 2;
		pi_section *n = realloc(s->sects, (size_t)cap * sizeof *n);
		if (!n)
			return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
		s->sects = n;
		*sect_cap = cap;
	}
	pi_segment *ns = realloc(s->segs, (size_t)(s->nsegs + 1) * sizeof *ns);
	if (!ns)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	s->segs = ns;
	g.first_sect = s->nsects;
	uint32_t segi = s->nsegs;

	uint64_t prev_addr = 0;
	for (uint32_t i = 0; i < g.nsects; i++) {
		uint64_t h = o + segcmd + (uint64_t)i * s->sect_hdr_size;
		pi_section x;
		memset(&x, 0, sizeof x);
		pi_cur_name(c, h, 16, x.sectname);
		pi_cur_name(c, h + 16, 16, x.segname);
		uint64_t f = h + 32;
		if (s->is64) {
			pi_cur_u64le(c, f, &x.addr);
			pi_cur_u64le(c, f + 8, &x.size);
			f += 16;
		} else {
			uint32_t a, z;
			pi_cur_u32le(c, f, &a);
			pi_cur_u32le(c, f + 4, &z);
			x.addr = a;
			x.size = z;
			f += 8;
		}
		uint32_t *fields[] = { &x.offset, &x.align, &x.reloff, &x.nreloc, &x.flags,
		                       &x.reserved1, &x.reserved2 };
		for (int k = 0; k < 7; k++)
			pi_cur_u32le(c, f + 4 * (uint64_t)k, fields[k]);
		if (s->is64)
			pi_cur_u32le(c, f + 28, &x.reserved3);
		x.hdr_off = h;
		x.seg = segi;
		x.ordinal = s->nsects + 1;
		/* the section belongs to the segment that lists it: a header naming
		 * another segment is a damaged one (ld64 and lld never write it) */
		if (strcmp(x.segname, g.segname) != 0)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, h + 16),
			               "section %s,%s is listed by segment %s", x.segname, x.sectname,
			               g.segname);
		if (x.align > MAXSECTALIGN)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, h),
			               "section %s,%s: alignment 2^%u is more than 2^%u", x.segname, x.sectname,
			               x.align, MAXSECTALIGN);
		if (x.size > INT64_MAX) /* dyld-1378 validSegment: a negative size */
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, h),
			               "section %s,%s: size 0x%llx is too large", x.segname, x.sectname,
			               (unsigned long long)x.size);
		if (x.nreloc) {
			uint64_t rsz, rend;
			if (!pi_mul_u64(x.nreloc, RELOCATION_INFO_SIZE, &rsz) ||
			    !pi_add_u64(x.reloff, rsz, &rend) || rend > s->size)
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, h),
				               "section %s,%s: %u relocations at 0x%x run past the end of the "
				               "slice (0x%llx)",
				               x.segname, x.sectname, x.nreloc, x.reloff,
				               (unsigned long long)s->size);
		}
		/* dyld-1378 validSegment: no section starts before its segment, even
		 * in a segment that maps nothing */
		if (x.addr < g.vmaddr)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, h),
			               "section %s,%s: address 0x%llx is before segment %s (0x%llx)", x.segname,
			               x.sectname, (unsigned long long)x.addr, g.segname,
			               (unsigned long long)g.vmaddr);
		/* a segment that maps nothing (vmsize 0: Go's __DWARF, whose sections
		 * keep the addresses the linker gave them) has no address range for
		 * its sections to lie in; their file ranges are still checked */
		int mapped = g.vmsize != 0 || !strcmp(g.segname, "__TEXT"); /* __TEXT is edited: never exempt */
		uint64_t send;
		if (!pi_add_u64(x.addr, x.size, &send) || (mapped && (x.addr < g.vmaddr || send > vm_end)))
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, h),
			               "section %s,%s: address range 0x%llx+0x%llx lies outside segment %s",
			               x.segname, x.sectname, (unsigned long long)x.addr,
			               (unsigned long long)x.size, g.segname);
		if (!pi_section_is_zerofill(&x) && x.size > 0) {
			uint64_t fend;
			if (!pi_add_u64(x.offset, x.size, &fend) || x.offset < g.fileoff || fend > seg_end)
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, h),
				               "section %s,%s: file range 0x%x+0x%llx lies outside segment %s "
				               "(0x%llx-0x%llx)",
				               x.segname, x.sectname, x.offset, (unsigned long long)x.size,
				               g.segname, (unsigned long long)g.fileoff,
				               (unsigned long long)seg_end);
			if (mapped && x.addr - g.vmaddr != (uint64_t)x.offset - g.fileoff)
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, h),
				               "section %s,%s: address 0x%llx and file offset 0x%x disagree "
				               "with segment %s",
				               x.segname, x.sectname, (unsigned long long)x.addr, x.offset,
				               g.segname);
		}
		if (i > 0 && x.addr < prev_addr && !strcmp(g.segname, "__TEXT"))
			s->sections_sorted = 0;
		prev_addr = x.addr;
		s->sects[s->nsects++] = x;
	}
	s->segs[s->nsegs++] = g;
	return PI_OK;
}

static pi_status read_linkedit_cmd(pi_slice *s, const pi_lc *lc, uint32_t *off, uint32_t *size,
                                   pi_diag *d)
{
	if (lc->cmdsize != LINKEDIT_DATA_COMMAND_SIZE)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(&s->cur, lc->off),
		               "%s cmdsize %u is not %u", lc_name(lc->cmd), lc->cmdsize,
		               LINKEDIT_DATA_COMMAND_SIZE);
	pi_cur_u32le(&s->cur, lc->off + 8, off);
	pi_cur_u32le(&s->cur, lc->off + 12, size);
	uint64_t end = (uint64_t)*off + *size;
	if (end > s->size)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(&s->cur, lc->off),
		               "%s data 0x%x+0x%x runs past the end of the slice (0x%llx)",
		               lc_name(lc->cmd), *off, *size, (unsigned long long)s->size);
	return PI_OK;
}

/* Why bytes that carry no Mach-O magic are not a Mach-O file, in words a
 * person reads: the kinds of file people pass by mistake (a script, an ELF
 * program, an archive, text) are named from their first bytes; anything else
 * gives the magic as read.  c is the file or slice; returns buf. */
static const char *not_macho_why(const pi_cur *c, uint32_t be, char *buf, size_t len)
{
	static const struct {
		const char *magic;
		size_t n;
		const char *why;
	} kinds[] = {
		{ "#!", 2, "it starts with #!, a script" },
		{ "\x7f" "ELF", 4, "it is an ELF file, for Linux or another Unix" },
		{ "MZ", 2, "it is a Windows (PE) file" },
		{ "!<arch>\n", 8, "it is a static library (ar archive); only executables, dylibs and bundles are edited" },
		{ "PK\x03\x04", 4, "it is a zip archive" },
		{ "\x1f\x8b", 2, "it is gzip-compressed" },
		{ "<?xml", 5, "it is an XML file" },
		{ "bplist", 6, "it is a binary plist" },
	};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		const uint8_t *p = pi_cur_ptr(c, 0, kinds[k].n);
		if (p && !memcmp(p, kinds[k].magic, kinds[k].n)) {
			snprintf(buf, len, "not a Mach-O file: %s", kinds[k].why);
			return buf;
		}
	}
	/* text: the first bytes (up to 512) are printable ASCII, whitespace or UTF-8 */
	uint64_t n = c->len < 512 ? c->len : 512, i = 0;
	for (; i < n; i++) {
		uint8_t b;
		pi_cur_u8(c, i, &b);
		if (b < 0x20 && b != '\n' && b != '\r' && b != '\t')
			break;
		if (b == 0x7f)
			break;
	}
	if (i == n)
		snprintf(buf, len, "not a Mach-O file: it is text");
	else
		snprintf(buf, len, "not a Mach-O file (magic 0x%08x)", be);
	return buf;
}

/* dyld's interval test (dyld-1378 UnsafeHeader.cpp, Interval::overlaps):
 * [as, ae) and [bs, be) share a byte, or an empty one sits strictly inside
 * the other. */
static int overlaps(uint64_t as, uint64_t ae, uint64_t bs, uint64_t be)
{
	return bs < ae && be > as;
}

/* The segments as a whole (dyld-1378 validSemanticsSegments): no two
 * overlap in VM or in the file (__PAGEZERO included), no two share a name,
 * and they come in the order of their file offsets and addresses.  dyld
 * exempts legacy non-PIE x86_64 executables from the address order; so do we.
 * dyld's loop skips the last pair; a slice whose last segment is out of
 * order cannot be edited safely either, so every pair is checked. */
static pi_status check_segments(const pi_slice *s, pi_diag *d)
{
	const pi_cur *c = &s->cur;
	int legacy = s->cputype == CPU_TYPE_X86_64 && s->filetype == MH_EXECUTE && !(s->flags & MH_PIE);
	for (uint32_t i = 0; i < s->nsegs; i++) {
		const pi_segment *b = &s->segs[i];
		for (uint32_t j = 0; j < i; j++) {
			const pi_segment *a = &s->segs[j];
			if (!strcmp(a->segname, b->segname))
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, b->cmd_off),
				               "more than one %s segment", b->segname);
			/* ranges were checked not to wrap by read_segment */
			if (overlaps(a->vmaddr, a->vmaddr + a->vmsize, b->vmaddr, b->vmaddr + b->vmsize))
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, b->cmd_off),
				               "segments %s (0x%llx+0x%llx) and %s (0x%llx+0x%llx) overlap in VM",
				               a->segname, (unsigned long long)a->vmaddr,
				               (unsigned long long)a->vmsize, b->segname,
				               (unsigned long long)b->vmaddr, (unsigned long long)b->vmsize);
			if (overlaps(a->fileoff, a->fileoff + a->filesize, b->fileoff, b->fileoff + b->filesize))
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, b->cmd_off),
				               "segments %s (file 0x%llx+0x%llx) and %s (file 0x%llx+0x%llx) "
				               "overlap in the file",
				               a->segname, (unsigned long long)a->fileoff,
				               (unsigned long long)a->filesize, b->segname,
				               (unsigned long long)b->fileoff, (unsigned long long)b->filesize);
		}
		if (i == 0)
			continue;
		const pi_segment *a = &s->segs[i - 1];
		if (b->fileoff < a->fileoff && b->filesize != 0)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, b->cmd_off),
			               "segment %s (file 0x%llx) comes before segment %s (file 0x%llx) in the "
			               "file but after it in the load commands",
			               b->segname, (unsigned long long)b->fileoff, a->segname,
			               (unsigned long long)a->fileoff);
		if (b->vmaddr < a->vmaddr && !legacy)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, b->cmd_off),
			               "segment %s (0x%llx) comes before segment %s (0x%llx) in VM but after "
			               "it in the load commands",
			               b->segname, (unsigned long long)b->vmaddr, a->segname,
			               (unsigned long long)a->vmaddr);
	}
	if (s->text >= 0 && s->segs[s->text].vmsize < s->cmds_end)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, s->segs[s->text].cmd_off),
		               "__TEXT vmsize 0x%llx does not cover the load commands (0x%llx)",
		               (unsigned long long)s->segs[s->text].vmsize, (unsigned long long)s->cmds_end);
	return PI_OK;
}

/* Load commands that may appear once.  dyld-1378 refuses a second LC_UUID,
 * LC_ID_DYLIB, LC_MAIN or LC_UNIXTHREAD outright, and LC_MAIN beside
 * LC_UNIXTHREAD, LC_DYLD_INFO beside LC_DYLD_CHAINED_FIXUPS; a second copy
 * of any LINKEDIT table command would make dyld see one table twice
 * (validStructureLinkedit's overlap rule) or an empty one (then
 * unreachable).  Both LC_DYLD_INFO kinds count as one command. */
static const uint32_t unique_cmds[] = {
	LC_SYMTAB, LC_DYSYMTAB, LC_UUID, LC_CODE_SIGNATURE, LC_MAIN, LC_UNIXTHREAD, LC_ID_DYLIB,
	LC_DYLD_INFO_ONLY, LC_DYLD_CHAINED_FIXUPS, LC_DYLD_EXPORTS_TRIE, LC_FUNCTION_STARTS,
	LC_DATA_IN_CODE, LC_SEGMENT_SPLIT_INFO, LC_ENCRYPTION_INFO, LC_ENCRYPTION_INFO_64,
};
#define N_UNIQUE (sizeof unique_cmds / sizeof unique_cmds[0])

/* One table in __LINKEDIT, for the range and overlap rules. */
typedef struct le_blob {
	const char *name;
	uint64_t off, size;
	uint64_t lc_off;              /* slice-relative, for the message */
} le_blob;

#define MAX_LE_BLOBS 32u

static void add_blob(le_blob *b, uint32_t *n, const char *name, uint64_t off, uint64_t size,
                     uint64_t lc_off)
{
	if (size == 0 || *n >= MAX_LE_BLOBS) /* at most 21 kinds, each unique */
		return;
	b[*n].name = name;
	b[*n].off = off;
	b[*n].size = size;
	b[*n].lc_off = lc_off;
	(*n)++;
}

/* The load commands as a set, and the tables they point at in __LINKEDIT
 * (dyld-1378 validSemanticsUUID/InstallName/Main, Image::validStructureLinkedit):
 * unique commands, LC_MAIN's entry point inside __TEXT, every table inside
 * __LINKEDIT and none overlapping another, the dynamic symbol table's
 * ranges partitioning the symbol table, and one fixup encoding. */
static pi_status check_commands(const pi_slice *s, pi_diag *d)
{
	const pi_cur *c = &s->cur;
	uint64_t seen[N_UNIQUE];
	memset(seen, 0xff, sizeof seen);
	uint64_t main_off = UINT64_MAX, thread_off = UINT64_MAX, info_off = UINT64_MAX,
	         chained_off = UINT64_MAX, dysym_off = UINT64_MAX;
	le_blob blobs[MAX_LE_BLOBS];
	uint32_t nb = 0;
	uint32_t nrel = 0, nsyms_dy = 0;
	for (uint32_t i = 0; i < s->ncmds; i++) {
		const pi_lc *lc = &s->lcs[i];
		uint32_t cmd = lc->cmd == LC_DYLD_INFO ? LC_DYLD_INFO_ONLY : lc->cmd;
		for (uint32_t k = 0; k < N_UNIQUE; k++) {
			if (cmd != unique_cmds[k])
				continue;
			if (seen[k] != UINT64_MAX)
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, lc->off),
				               "load command #%u: more than one %s (the first at 0x%llx)", i,
				               lc_name(lc->cmd), (unsigned long long)pi_cur_abs(c, seen[k]));
			seen[k] = lc->off;
		}
		uint64_t o = lc->off;
		uint32_t v[18];
		switch (lc->cmd) {
		case LC_MAIN: main_off = o; break;
		case LC_UNIXTHREAD: thread_off = o; break;
		case LC_DYLD_INFO:
		case LC_DYLD_INFO_ONLY: {
			static const char *const what[] = { "rebase opcodes", "bind opcodes",
			                                    "weak bind opcodes", "lazy bind opcodes",
			                                    "exports trie" };
			info_off = o;
			for (int k = 0; k < 10; k++)
				pi_cur_u32le(c, o + 8 + 4 * (uint64_t)k, &v[k]);
			for (int k = 0; k < 5; k++)
				add_blob(blobs, &nb, what[k], v[2 * k], v[2 * k + 1], o);
			break;
		}
		case LC_DYLD_CHAINED_FIXUPS: chained_off = o; /* fall through */
		case LC_SEGMENT_SPLIT_INFO:
		case LC_ATOM_INFO:
		case LC_FUNCTION_STARTS:
		case LC_DATA_IN_CODE:
		case LC_CODE_SIGNATURE:
		case LC_DYLD_EXPORTS_TRIE:
			pi_cur_u32le(c, o + 8, &v[0]);
			pi_cur_u32le(c, o + 12, &v[1]);
			add_blob(blobs, &nb, lc_name(lc->cmd), v[0], v[1], o);
			break;
		case LC_SYMTAB:
			add_blob(blobs, &nb, "symbol table", s->symoff,
			         (uint64_t)s->nsyms * s->nlist_size, o);
			add_blob(blobs, &nb, "string table", s->stroff, s->strsize, o);
			break;
		case LC_DYSYMTAB:
			dysym_off = o;
			for (int k = 0; k < 18; k++)
				pi_cur_u32le(c, o + 8 + 4 * (uint64_t)k, &v[k]);
			/* ilocalsym nlocalsym iextdefsym nextdefsym iundefsym nundefsym tocoff
			 * ntoc modtaboff nmodtab extrefsymoff nextrefsyms indirectsymoff
			 * nindirectsyms extreloff nextrel locreloff nlocrel */
			if (v[13] > 0x10000000u)
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o + 60),
				               "LC_DYSYMTAB: %u indirect symbols is too many", v[13]);
			if (v[0] != 0 || v[2] != v[1] || (uint64_t)v[4] != (uint64_t)v[2] + v[3])
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
				               "LC_DYSYMTAB: local, defined and undefined symbol ranges "
				               "(%u+%u, %u+%u, %u+%u) do not follow each other from 0",
				               v[0], v[1], v[2], v[3], v[4], v[5]);
			nsyms_dy = v[4] + v[5]; /* v[4] = v[1] + v[3] fits; the sum may wrap */
			if (nsyms_dy < v[4])
				nsyms_dy = UINT32_MAX;
			add_blob(blobs, &nb, "indirect symbol table", v[12], 4 * (uint64_t)v[13], o);
			add_blob(blobs, &nb, "external relocations", v[14],
			         (uint64_t)v[15] * RELOCATION_INFO_SIZE, o);
			add_blob(blobs, &nb, "local relocations", v[16],
			         (uint64_t)v[17] * RELOCATION_INFO_SIZE, o);
			nrel = v[15] | v[17];
			break;
		default: break;
		}
	}
	if (main_off != UINT64_MAX && thread_off != UINT64_MAX)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, main_off > thread_off ? main_off : thread_off),
		               "both LC_MAIN and LC_UNIXTHREAD");
	if (info_off != UINT64_MAX && chained_off != UINT64_MAX)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, info_off > chained_off ? info_off : chained_off),
		               "both LC_DYLD_INFO and LC_DYLD_CHAINED_FIXUPS");
	if (chained_off != UINT64_MAX && nrel)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, dysym_off),
		               "LC_DYSYMTAB has relocations beside LC_DYLD_CHAINED_FIXUPS");
	if (s->nsyms > 0x10000000u)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, s->symtab_lc_off + 12),
		               "LC_SYMTAB: %u symbols is too many", s->nsyms);
	if (dysym_off != UINT64_MAX && nsyms_dy != (s->has_symtab ? s->nsyms : 0))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, dysym_off),
		               "LC_DYSYMTAB counts %u symbols but LC_SYMTAB has %u", nsyms_dy,
		               s->has_symtab ? s->nsyms : 0);
	if (main_off != UINT64_MAX) {
		uint64_t entry = 0;
		pi_cur_u64le(c, main_off + 8, &entry);
		const pi_segment *t = s->text >= 0 ? &s->segs[s->text] : NULL;
		if (!t || entry < t->fileoff || entry >= t->fileoff + t->filesize)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, main_off + 8),
			               "LC_MAIN entry point 0x%llx lies outside __TEXT", (unsigned long long)entry);
	}
	if (nb == 0)
		return PI_OK;
	if (s->linkedit < 0)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, blobs[0].lc_off),
		               "the %s has no __LINKEDIT segment to live in", blobs[0].name);
	const pi_segment *le = &s->segs[s->linkedit];
	uint64_t le_end = le->fileoff + le->filesize;
	for (uint32_t i = 0; i < nb; i++) {
		const le_blob *b = &blobs[i];
		uint64_t end;
		if (b->off < le->fileoff || !pi_add_u64(b->off, b->size, &end) || end > le_end)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, b->lc_off),
			               "%s 0x%llx+0x%llx lies outside __LINKEDIT (0x%llx-0x%llx)", b->name,
			               (unsigned long long)b->off, (unsigned long long)b->size,
			               (unsigned long long)le->fileoff, (unsigned long long)le_end);
	}
	for (uint32_t i = 0; i < nb; i++)
		for (uint32_t k = i + 1; k < nb; k++)
			if (overlaps(blobs[i].off, blobs[i].off + blobs[i].size, blobs[k].off,
			             blobs[k].off + blobs[k].size))
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, blobs[k].lc_off),
				               "%s 0x%llx+0x%llx overlaps the %s 0x%llx+0x%llx in __LINKEDIT",
				               blobs[k].name, (unsigned long long)blobs[k].off,
				               (unsigned long long)blobs[k].size, blobs[i].name,
				               (unsigned long long)blobs[i].off, (unsigned long long)blobs[i].size);
	/* a section's relocation entries (read_segment kept them inside the
	 * slice) may not lie in a __LINKEDIT table either: the code signature
	 * among them is cut off and rewritten (llvm-otool refuses such a file
	 * too) */
	for (uint32_t k = 0; k < s->nsects; k++) {
		const pi_section *x = &s->sects[k];
		uint64_t roff = x->reloff, rend = roff + (uint64_t)x->nreloc * RELOCATION_INFO_SIZE;
		for (uint32_t i = 0; x->nreloc && i < nb; i++)
			if (overlaps(roff, rend, blobs[i].off, blobs[i].off + blobs[i].size))
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, x->hdr_off),
				               "section %s,%s: %u relocation entries at 0x%llx overlap the %s "
				               "0x%llx+0x%llx",
				               x->segname, x->sectname, x->nreloc, (unsigned long long)roff, blobs[i].name,
				               (unsigned long long)blobs[i].off, (unsigned long long)blobs[i].size);
	}
	return PI_OK;
}

/* The Mach header: magic, CPU, counts; the slice's kind and sizes. */
static pi_status read_header(pi_slice *s, pi_diag *d)
{
	const pi_cur *c = &s->cur;
	uint32_t magic;
	if (!pi_cur_u32le(c, 0, &magic))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 0),
		               "not a Mach-O file: %llu bytes is too short for a header",
		               (unsigned long long)c->len);
	if (magic == MH_CIGAM || magic == MH_CIGAM_64)
		return pi_fail(d, PI_E_UNSUPPORTED, pi_cur_abs(c, 0),
		               "big-endian Mach-O (PowerPC) is not supported");
	if (magic != MH_MAGIC && magic != MH_MAGIC_64) {
		char why[160];
		uint32_t be = 0;
		pi_cur_u32be(c, 0, &be);
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 0), "%s", not_macho_why(c, be, why, sizeof why));
	}
	s->is64 = magic == MH_MAGIC_64;
	s->hdr_size = s->is64 ? MH_HEADER_SIZE_64 : MH_HEADER_SIZE_32;
	s->sect_hdr_size = s->is64 ? SECTION_SIZE_64 : SECTION_SIZE_32;
	s->nlist_size = s->is64 ? NLIST_SIZE_64 : NLIST_SIZE_32;
	if (!pi_cur_has(c, 0, s->hdr_size))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 0),
		               "truncated Mach-O header: %u bytes needed, %llu present", s->hdr_size,
		               (unsigned long long)c->len);
	pi_cur_u32le(c, 4, &s->cputype);
	pi_cur_u32le(c, 8, &s->cpusubtype);
	pi_cur_u32le(c, 12, &s->filetype);
	pi_cur_u32le(c, 16, &s->ncmds);
	pi_cur_u32le(c, 20, &s->sizeofcmds);
	pi_cur_u32le(c, 24, &s->flags);
	char buf[24];
	snprintf(s->arch, sizeof s->arch, "%s", pi_arch_name(s->cputype, s->cpusubtype, buf, sizeof buf));
	if ((s->cputype & ~CPU_ARCH_ABI64) == CPU_TYPE_POWERPC)
		return pi_fail(d, PI_E_UNSUPPORTED, pi_cur_abs(c, 4), "PowerPC slices are not supported");
	if (s->is64 != ((s->cputype & CPU_ARCH_ABI64) != 0))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 4),
		               "cputype 0x%x does not match the %s-bit header", s->cputype,
		               s->is64 ? "64" : "32");
	s->cmds_end = (uint64_t)s->hdr_size + s->sizeofcmds;
	if (s->cmds_end > s->size)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 20),
		               "sizeofcmds 0x%x runs past the end of the slice (0x%llx bytes)",
		               s->sizeofcmds, (unsigned long long)s->size);
	if (s->ncmds > MAX_LOAD_COMMANDS || (uint64_t)s->ncmds * 8 > s->sizeofcmds)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 16),
		               "ncmds %u cannot fit in sizeofcmds 0x%x", s->ncmds, s->sizeofcmds);
	return PI_OK;
}

/* What the reader keeps of load command #i at lc->off: segments and their
 * sections, the symbol table, the code signature, encryption. */
static pi_status read_command(pi_slice *s, const pi_lc *lc, uint32_t i, uint32_t *sect_cap, pi_diag *d)
{
	const pi_cur *c = &s->cur;
	uint64_t o = lc->off;
	pi_status st = PI_OK;
	switch (lc->cmd) {
	case LC_SEGMENT:
	case LC_SEGMENT_64:
		if ((lc->cmd == LC_SEGMENT_64) != s->is64)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
			               "load command #%u: %s in a %s-bit slice", i, lc_name(lc->cmd),
			               s->is64 ? "64" : "32");
		st = read_segment(s, lc, i, sect_cap, d);
		break;
	case LC_SYMTAB: {
		if (lc->cmdsize != 24)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
			               "LC_SYMTAB cmdsize %u is not 24", lc->cmdsize);
		if (s->has_symtab)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o), "more than one LC_SYMTAB");
		s->has_symtab = 1;
		s->symtab_lc_off = o;
		pi_cur_u32le(c, o + 8, &s->symoff);
		pi_cur_u32le(c, o + 12, &s->nsyms);
		pi_cur_u32le(c, o + 16, &s->stroff);
		pi_cur_u32le(c, o + 20, &s->strsize);
		uint64_t end = (uint64_t)s->nsyms * s->nlist_size + s->symoff;
		if (end > s->size)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
			               "LC_SYMTAB: %u symbols at 0x%x run past the end of the slice",
			               s->nsyms, s->symoff);
		if ((uint64_t)s->stroff + s->strsize > s->size)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
			               "LC_SYMTAB: string table 0x%x+0x%x runs past the end of the slice",
			               s->stroff, s->strsize);
		break;
	}
	case LC_CODE_SIGNATURE:
		if (s->has_codesig)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
			               "more than one LC_CODE_SIGNATURE");
		s->has_codesig = 1;
		s->codesig_lc = i;
		st = read_linkedit_cmd(s, lc, &s->cs_dataoff, &s->cs_datasize, d);
		break;
	case LC_ENCRYPTION_INFO:
	case LC_ENCRYPTION_INFO_64: {
		uint32_t cryptid = 0; /* cmdsize checked by check_lc_shape */
		pi_cur_u32le(c, o + 16, &cryptid);
		if (cryptid) {
			s->encrypted = 1;
			s->encryption_lc_off = o;
		}
		break;
	}
	default:
		break;
	}
	return st;
}

/* Walk the load commands: each inside sizeofcmds, sized and aligned, of a
 * sound shape (check_lc_shape), then read (read_command). */
static pi_status read_load_commands(pi_slice *s, pi_diag *d)
{
	const pi_cur *c = &s->cur;
	s->lcs = calloc(s->ncmds ? s->ncmds : 1, sizeof *s->lcs);
	if (!s->lcs)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	s->text = s->linkedit = s->info_plist = -1;
	s->sections_sorted = 1;
	uint32_t sect_cap = 0;
	uint32_t lc_align = s->is64 ? 8 : 4;
	uint64_t o = s->hdr_size;
	for (uint32_t i = 0; i < s->ncmds; i++) {
		pi_lc *lc = &s->lcs[i];
		lc->off = o;
		if (o + 8 > s->cmds_end)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
			               "load command #%u starts past sizeofcmds (0x%x)", i, s->sizeofcmds);
		pi_cur_u32le(c, o, &lc->cmd);
		pi_cur_u32le(c, o + 4, &lc->cmdsize);
		if (lc->cmdsize < 8 || lc->cmdsize % lc_align)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
			               "load command #%u %s: cmdsize %u is %s", i, lc_name(lc->cmd),
			               lc->cmdsize,
			               lc->cmdsize < 8 ? "too small" : (s->is64 ? "not a multiple of 8"
			                                                        : "not a multiple of 4"));
		if (o + lc->cmdsize > s->cmds_end)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, o),
			               "load command #%u %s: cmdsize 0x%x runs past sizeofcmds 0x%x", i,
			               lc_name(lc->cmd), lc->cmdsize, s->sizeofcmds);
		pi_status st = check_lc_shape(s, lc, i, d);
		if (st != PI_OK)
			return st;
		if ((st = read_command(s, lc, i, &sect_cap, d)) != PI_OK)
			return st;
		o += lc->cmdsize;
	}
	if (o != s->cmds_end)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 20),
		               "%u load commands take 0x%llx bytes but sizeofcmds is 0x%x", s->ncmds,
		               (unsigned long long)(o - s->hdr_size), s->sizeofcmds);
	return PI_OK;
}

/* __TEXT and __LINKEDIT by name, each at most once. */
static pi_status find_segments(pi_slice *s, pi_diag *d)
{
	const pi_cur *c = &s->cur;
	for (uint32_t i = 0; i < s->nsegs; i++) {
		if (!strcmp(s->segs[i].segname, "__TEXT")) {
			if (s->text >= 0)
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, s->segs[i].cmd_off),
				               "more than one __TEXT segment");
			s->text = (int)i;
		} else if (!strcmp(s->segs[i].segname, "__LINKEDIT")) {
			if (s->linkedit >= 0)
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, s->segs[i].cmd_off),
				               "more than one __LINKEDIT segment");
			s->linkedit = (int)i;
		}
	}
	return PI_OK;
}

/* The sections as the editor relies on them: outside the load commands,
 * __info_plist found, no two sharing file bytes; and where the first one
 * starts (the end of the header padding). */
static pi_status check_sections(pi_slice *s, pi_diag *d)
{
	const pi_cur *c = &s->cur;
	/* the header and load commands must be mapped by __TEXT */
	if (s->text >= 0) {
		const pi_segment *t = &s->segs[s->text];
		if (t->fileoff != 0 || t->filesize < s->cmds_end)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, t->cmd_off),
			               "__TEXT (file 0x%llx+0x%llx) does not cover the load commands",
			               (unsigned long long)t->fileoff, (unsigned long long)t->filesize);
		s->first_sect_off = t->fileoff + t->filesize;
	} else {
		s->first_sect_off = s->cmds_end;
	}
	for (uint32_t i = 0; i < s->nsects; i++) {
		const pi_section *x = &s->sects[i];
		if (pi_section_is_zerofill(x) || x->size == 0)
			continue;
		if (x->offset < s->cmds_end)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, x->hdr_off),
			               "section %s,%s at 0x%x overlaps the load commands (end 0x%llx)",
			               x->segname, x->sectname, x->offset, (unsigned long long)s->cmds_end);
		if (x->offset < s->first_sect_off)
			s->first_sect_off = x->offset;
	}
	for (uint32_t i = 0; i < s->nsects; i++)
		if (!strcmp(s->sects[i].segname, "__TEXT") && !strcmp(s->sects[i].sectname, "__info_plist") &&
		    s->text >= 0 && s->sects[i].seg == (uint32_t)s->text) {
			if (pi_section_is_zerofill(&s->sects[i]))
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, s->sects[i].hdr_off),
				               "__TEXT,__info_plist is a zero-fill section");
			s->info_plist = (int)i;
			break;
		}
	/* sections with file bytes may not overlap: the plist is written over a
	 * section's range, which must never be another section's code or data */
	for (uint32_t i = 0; i < s->nsects; i++) {
		const pi_section *a = &s->sects[i];
		if (pi_section_is_zerofill(a) || a->size == 0)
			continue;
		for (uint32_t k = i + 1; k < s->nsects; k++) {
			const pi_section *b = &s->sects[k];
			if (pi_section_is_zerofill(b) || b->size == 0)
				continue;
			if (a->offset < b->offset + b->size && b->offset < a->offset + a->size)
				return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, b->hdr_off),
				               "sections %s,%s and %s,%s overlap in the file", a->segname, a->sectname,
				               b->segname, b->sectname);
		}
	}
	return PI_OK;
}

/* The symbol table and the code signature lie in __LINKEDIT. */
static pi_status check_linkedit_tables(const pi_slice *s, pi_diag *d)
{
	const pi_cur *c = &s->cur;
	/* the symbol and string tables live in __LINKEDIT: emit rewrites n_sect
	 * bytes there, which must never be load commands or section contents */
	if (s->has_symtab && s->linkedit >= 0) {
		const pi_segment *le = &s->segs[s->linkedit];
		uint64_t le_end = le->fileoff + le->filesize;
		uint64_t sym_end = (uint64_t)s->symoff + (uint64_t)s->nsyms * s->nlist_size;
		uint64_t str_end = (uint64_t)s->stroff + s->strsize;
		if ((s->nsyms && (s->symoff < le->fileoff || sym_end > le_end)) ||
		    (s->strsize && (s->stroff < le->fileoff || str_end > le_end)))
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, s->symtab_lc_off),
			               "LC_SYMTAB tables (symbols 0x%x+0x%llx, strings 0x%x+0x%x) lie outside "
			               "__LINKEDIT (0x%llx-0x%llx)",
			               s->symoff, (unsigned long long)(sym_end - s->symoff), s->stroff, s->strsize,
			               (unsigned long long)le->fileoff, (unsigned long long)le_end);
	}
	if (s->has_codesig) {
		if (s->linkedit < 0)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, s->lcs[s->codesig_lc].off),
			               "LC_CODE_SIGNATURE without a __LINKEDIT segment");
		const pi_segment *le = &s->segs[s->linkedit];
		uint64_t end = (uint64_t)s->cs_dataoff + s->cs_datasize;
		if (s->cs_dataoff < le->fileoff || end > le->fileoff + le->filesize)
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, s->lcs[s->codesig_lc].off),
			               "LC_CODE_SIGNATURE data 0x%x+0x%x lies outside __LINKEDIT "
			               "(0x%llx-0x%llx)",
			               s->cs_dataoff, s->cs_datasize, (unsigned long long)le->fileoff,
			               (unsigned long long)(le->fileoff + le->filesize));
	}
	return PI_OK;
}

/* Parse and validate one thin slice at s->cur, in steps. */
static pi_status read_slice(pi_slice *s, pi_diag *d)
{
	pi_status st;
	if ((st = read_header(s, d)) != PI_OK || (st = read_load_commands(s, d)) != PI_OK ||
	    (st = find_segments(s, d)) != PI_OK || (st = check_segments(s, d)) != PI_OK ||
	    (st = check_sections(s, d)) != PI_OK || (st = check_linkedit_tables(s, d)) != PI_OK)
		return st;
	return check_commands(s, d);
}

static void set_label(pi_slice *s, uint32_t i, uint32_t n, int fat)
{
	if (fat)
		snprintf(s->label, sizeof s->label, "%s, slice %u/%u", s->arch, i + 1, n);
	else
		snprintf(s->label, sizeof s->label, "%s", s->arch);
}

static pi_status read_fat(pi_image *img, pi_diag *d)
{
	pi_cur c = pi_cur_make(img->data, img->size, 0);
	uint32_t magic, n;
	pi_cur_u32be(&c, 0, &magic);
	img->fat = 1;
	img->fat64 = magic == FAT_MAGIC_64;
	if (!pi_cur_u32be(&c, 4, &n))
		return pi_fail(d, PI_E_MALFORMED, 0, "truncated fat header");
	if (n == 0 || n > MAX_FAT_ARCHS)
		return pi_fail(d, PI_E_MALFORMED, 4, "fat header: nfat_arch %u is not between 1 and %u", n,
		               MAX_FAT_ARCHS);
	uint32_t esz = img->fat64 ? 32 : 20;
	uint64_t hdr_end = 8 + (uint64_t)n * esz;
	if (hdr_end > img->size)
		return pi_fail(d, PI_E_MALFORMED, 8, "fat header: %u architectures run past the end of the file",
		               n);
	img->slices = calloc(n, sizeof *img->slices);
	if (!img->slices)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	img->nslices = n;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t e = 8 + (uint64_t)i * esz;
		pi_slice *s = &img->slices[i];
		uint32_t off32, size32;
		pi_cur_u32be(&c, e, &s->cputype);
		pi_cur_u32be(&c, e + 4, &s->cpusubtype);
		if (img->fat64) {
			pi_cur_u64be(&c, e + 8, &s->offset);
			pi_cur_u64be(&c, e + 16, &s->size);
			pi_cur_u32be(&c, e + 24, &s->fat_align);
		} else {
			pi_cur_u32be(&c, e + 8, &off32);
			pi_cur_u32be(&c, e + 12, &size32);
			pi_cur_u32be(&c, e + 16, &s->fat_align);
			s->offset = off32;
			s->size = size32;
		}
		char buf[24];
		snprintf(s->arch, sizeof s->arch, "%s", pi_arch_name(s->cputype, s->cpusubtype, buf, sizeof buf));
		set_label(s, i, n, 1);
		pi_diag_set_slice(d, s->label);
		uint64_t end;
		if (!pi_add_u64(s->offset, s->size, &end) || end > img->size)
			return pi_fail(d, PI_E_MALFORMED, e,
			               "fat slice 0x%llx+0x%llx runs past the end of the file (0x%llx)",
			               (unsigned long long)s->offset, (unsigned long long)s->size,
			               (unsigned long long)img->size);
		if (s->offset < hdr_end)
			return pi_fail(d, PI_E_MALFORMED, e, "fat slice at 0x%llx overlaps the fat header",
			               (unsigned long long)s->offset);
		if (s->fat_align > 15 || (s->offset & ((1ull << s->fat_align) - 1)))
			return pi_fail(d, PI_E_MALFORMED, e, "fat slice at 0x%llx is not aligned to 2^%u",
			               (unsigned long long)s->offset, s->fat_align);
		for (uint32_t j = 0; j < i; j++) {
			pi_slice *t = &img->slices[j];
			if (t->cputype == s->cputype &&
			    (t->cpusubtype & ~CPU_SUBTYPE_MASK) == (s->cpusubtype & ~CPU_SUBTYPE_MASK))
				return pi_fail(d, PI_E_MALFORMED, e, "fat file has two %s slices", s->arch);
			if (s->offset < t->offset + t->size && t->offset < end)
				return pi_fail(d, PI_E_MALFORMED, e, "fat slices %u and %u overlap", j + 1, i + 1);
		}
	}
	uint64_t last = 0;
	for (uint32_t i = 0; i < n; i++)
		if (img->slices[i].offset + img->slices[i].size > last)
			last = img->slices[i].offset + img->slices[i].size;
	pi_diag_set_slice(d, "");
	if (last != img->size)
		return pi_fail(d, PI_E_MALFORMED, last, "%llu bytes after the last fat slice",
		               (unsigned long long)(img->size - last));
	return PI_OK;
}

pi_status pi_macho_read(const uint8_t *data, uint64_t size, pi_image *img, pi_diag *d)
{
	memset(img, 0, sizeof *img);
	img->data = data;
	img->size = size;
	pi_cur c = pi_cur_make(data, size, 0);
	uint32_t be;
	if (size == 0)
		return pi_fail(d, PI_E_MALFORMED, 0, "not a Mach-O file: it is empty");
	if (!pi_cur_u32be(&c, 0, &be))
		return pi_fail(d, PI_E_MALFORMED, 0, "not a Mach-O file: %llu bytes is too short",
		               (unsigned long long)size);
	pi_status st;
	if (be == FAT_MAGIC || be == FAT_MAGIC_64) {
		st = read_fat(img, d);
		if (st != PI_OK)
			return st;
	} else {
		uint32_t le = 0;
		pi_cur_u32le(&c, 0, &le);
		if (le != MH_MAGIC && le != MH_MAGIC_64 && le != MH_CIGAM && le != MH_CIGAM_64) {
			char why[160];
			return pi_fail(d, PI_E_MALFORMED, 0, "%s", not_macho_why(&c, be, why, sizeof why));
		}
		img->slices = calloc(1, sizeof *img->slices);
		if (!img->slices)
			return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
		img->nslices = 1;
		img->slices[0].offset = 0;
		img->slices[0].size = size;
	}
	for (uint32_t i = 0; i < img->nslices; i++) {
		pi_slice *s = &img->slices[i];
		s->data = data + s->offset;
		s->cur = pi_cur_make(s->data, s->size, s->offset);
		if (!img->fat) {
			uint32_t cpu = 0, sub = 0;
			char buf[24];
			if (pi_cur_u32le(&c, 4, &cpu) && pi_cur_u32le(&c, 8, &sub))
				snprintf(s->arch, sizeof s->arch, "%s", pi_arch_name(cpu, sub, buf, sizeof buf));
		}
		set_label(s, i, img->nslices, img->fat);
		if (!s->arch[0])
			s->label[0] = 0; /* too short to name the architecture */
		pi_diag_set_slice(d, s->label);
		uint32_t fat_cpu = s->cputype, fat_sub = s->cpusubtype;
		pi_diag sd; /* the slice's own sink: an unsupported slice is not an error yet */
		pi_diag_init(&sd, d->file, NULL);
		pi_diag_set_slice(&sd, s->label);
		st = read_slice(s, &sd);
		if (st == PI_E_UNSUPPORTED && img->fat) {
			/* keep what the fat header says of it, nothing of its own */
			free(s->lcs);
			free(s->segs);
			free(s->sects);
			pi_slice keep = *s;
			memset(s, 0, sizeof *s);
			s->offset = keep.offset;
			s->size = keep.size;
			s->data = keep.data;
			s->cur = keep.cur;
			s->cputype = fat_cpu;
			s->cpusubtype = fat_sub;
			s->fat_align = keep.fat_align;
			s->text = s->linkedit = s->info_plist = -1;
			char buf[24];
			snprintf(s->arch, sizeof s->arch, "%s", pi_arch_name(fat_cpu, fat_sub, buf, sizeof buf));
			set_label(s, i, img->nslices, img->fat);
			s->unsupported = 1;
			snprintf(s->why, sizeof s->why, "%.250s", sd.msg);
			continue;
		}
		if (st != PI_OK) {
			pi_fail(d, st, PI_NO_OFFSET, "%s", sd.msg);
			if (sd.hint[0])
				pi_hint(d, "%s", sd.hint);
			return st;
		}
		set_label(s, i, img->nslices, img->fat);
		if (img->fat && fat_cpu != s->cputype)
			return pi_fail(d, PI_E_MALFORMED, s->offset + 4,
			               "slice cputype 0x%x differs from the fat header's 0x%x", s->cputype,
			               fat_cpu);
	}
	if (!img->fat)
		pi_diag_set_slice(d, img->slices[0].label);
	else
		pi_diag_set_slice(d, "");
	return PI_OK;
}

void pi_image_free(pi_image *img)
{
	if (!img->slices)
		return;
	for (uint32_t i = 0; i < img->nslices; i++) {
		free(img->slices[i].lcs);
		free(img->slices[i].segs);
		free(img->slices[i].sects);
	}
	free(img->slices);
	memset(img, 0, sizeof *img);
}

void pi_image_set_mapped(pi_image *img)
{
	for (uint32_t i = 0; i < img->nslices; i++)
		img->slices[i].mapped = 1;
}
