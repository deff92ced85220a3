/* macho.h - read-only model of a Mach-O file: thin or fat, 32- or 64-bit.
 *
 * pi_macho_read() validates the structure (every range checked against the
 * file and the slice, with checked arithmetic) and builds pi_image, which
 * points into the caller's bytes and never writes them.  Offsets in the
 * model are relative to the slice start unless named `abs`; slice->offset
 * is the slice's absolute position in the file.  Formats: loader.h, fat.h
 * (reference/macho-signing.md section 1).
 */
#ifndef PI_MACHO_H
#define PI_MACHO_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "status.h"

typedef struct pi_section {
	char sectname[17], segname[17];
	uint64_t addr, size;          /* VM address, bytes */
	uint32_t offset;              /* slice-relative file offset */
	uint32_t align, reloff, nreloc, flags, reserved1, reserved2, reserved3;
	uint64_t hdr_off;             /* slice-relative offset of this section header */
	uint32_t seg;                 /* index into pi_slice.segs */
	uint32_t ordinal;             /* global 1-based number (n_sect) */
} pi_section;

typedef struct pi_segment {
	char segname[17];
	uint64_t vmaddr, vmsize, fileoff, filesize;
	uint32_t maxprot, initprot, nsects, flags;
	uint64_t cmd_off;             /* slice-relative offset of the load command */
	uint32_t cmdsize;
	uint32_t first_sect;          /* index of its first section in pi_slice.sects */
	uint32_t lc_index;            /* index into pi_slice.lcs */
} pi_segment;

typedef struct pi_lc {
	uint32_t cmd, cmdsize;
	uint64_t off;                 /* slice-relative */
} pi_lc;

typedef struct pi_slice {
	uint64_t offset, size;        /* absolute offset in the file, bytes */
	const uint8_t *data;          /* slice bytes; not owned */
	pi_cur cur;                   /* view of the slice, origin = offset */
	uint32_t cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags;
	int is64;
	uint32_t hdr_size;            /* 32 or 28 */
	uint32_t sect_hdr_size;       /* 80 or 68 */
	uint32_t nlist_size;          /* 16 or 12 */
	uint64_t cmds_end;            /* hdr_size + sizeofcmds */
	pi_lc *lcs;                   /* ncmds entries */
	pi_segment *segs;
	uint32_t nsegs;
	pi_section *sects;
	uint32_t nsects;
	int text;                     /* index of __TEXT in segs, -1 if none */
	int linkedit;                 /* index of __LINKEDIT, -1 if none */
	int info_plist;               /* index of __TEXT,__info_plist in sects, -1 */
	int sections_sorted;          /* __TEXT's section headers sorted by addr */
	int has_symtab;
	uint64_t symtab_lc_off;
	uint32_t symoff, nsyms, stroff, strsize;
	int has_codesig;
	uint32_t codesig_lc;          /* index in lcs */
	uint32_t cs_dataoff, cs_datasize;
	int encrypted;
	uint64_t encryption_lc_off;   /* slice-relative, when encrypted */
	uint64_t first_sect_off;      /* lowest file offset of a non-empty, non-zerofill
	                                 section, or the end of __TEXT if none */
	char arch[24];                /* "arm64", "x86_64", ... */
	char label[64];               /* diagnostic label, see pi_diag_set_slice */
	uint32_t fat_align;           /* log2, from fat_arch; 0 for thin */
	int mapped;                   /* data is a read-only file mapping (set by the caller,
	                                 see pi_overlay.src_mapped) */
	int unsupported;              /* a fat file's slice of a kind not edited (PowerPC):
	                                 only offset, size, data, cur, cputype, cpusubtype,
	                                 fat_align, arch and label are set; never plan it */
	char why[256];                /* then the reason, ", at offset 0x..." included */
} pi_slice;

typedef struct pi_image {
	const uint8_t *data;          /* whole file; not owned */
	uint64_t size;
	int fat;                      /* 1 when a fat header was read */
	int fat64;                    /* FAT_MAGIC_64 */
	uint32_t nslices;
	pi_slice *slices;             /* owned; freed by pi_image_free */
} pi_image;

/* Parse and validate data[0, size) as a Mach-O file.  On success fills *img
 * (the caller frees it with pi_image_free; data must outlive img) and returns
 * PI_OK.  On failure records the first problem in d (with the slice label and
 * absolute offset) and returns PI_E_MALFORMED (bad structure) or
 * PI_E_UNSUPPORTED (big-endian, unknown magic is MALFORMED "not a Mach-O").
 * In a fat file, a slice that is sound as far as the fat header goes but of
 * a kind not edited (big-endian PowerPC) does not fail the read: it is marked
 * unsupported, with the reason in why, so that --arch can leave it out and
 * copy it byte for byte; callers refuse it when it is selected. */
pi_status pi_macho_read(const uint8_t *data, uint64_t size, pi_image *img, pi_diag *d);

void pi_image_free(pi_image *img);

/* Mark every slice of img as living in a read-only file mapping. */
void pi_image_set_mapped(pi_image *img);

/* Name for a CPU type/subtype pair ("arm64", "x86_64", "arm64_32", ...);
 * returns a static string, "cputype 0x.." in buf for unknown ones. */
const char *pi_arch_name(uint32_t cputype, uint32_t cpusubtype, char *buf, size_t len);

/* 1 when name is one pi_arch_name can give (so --arch NAME may match a
 * slice), 0 for a name no slice can carry. */
int pi_arch_known(const char *name);

/* The known names, ", "-separated, into buf (truncated to len); returns buf. */
const char *pi_arch_list(char *buf, size_t len);

/* Index of the section named seg,sect in s, or -1. */
int pi_slice_find_section(const pi_slice *s, const char *seg, const char *sect);

/* 1 if section type is a zero-fill type (no file bytes). */
int pi_section_is_zerofill(const pi_section *sec);

#endif
