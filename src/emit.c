/* emit.c - apply a plan to a slice overlay (see emit.h). */
#include "config.h"

#include "emit.h"

#include <stdlib.h>
#include <string.h>

#include "macho_defs.h"

int pi_nsect_is_section(uint8_t n_type, uint8_t n_sect)
{
	if (!(n_type & N_STAB))
		return (n_type & N_TYPE) == N_SECT;
	if (n_sect == NO_SECT)
		return 0;
	switch (n_type) {
	case N_FUN: case N_STSYM: case N_LCSYM: case N_BNSYM: case N_ENSYM: case N_SLINE:
	case N_SO: case N_SOL: case N_ENTRY: case N_ECOMM: case N_ECOML:
		return 1;
	default:
		return 0;
	}
}

/* The new section header for the plist, in the slice's layout. */
static void write_section_header(const pi_slice *s, const pi_plan *p, uint8_t *h)
{
	memset(h, 0, s->sect_hdr_size);
	memcpy(h, "__info_plist", 12);
	memcpy(h + 16, "__TEXT", 6);
	if (s->is64) {
		pi_put_u64le(h + 32, p->addr);
		pi_put_u64le(h + 40, p->plist_len);
		pi_put_u32le(h + 48, (uint32_t)p->data_off);
	} else {
		pi_put_u32le(h + 32, (uint32_t)p->addr);
		pi_put_u32le(h + 36, (uint32_t)p->plist_len);
		pi_put_u32le(h + 40, (uint32_t)p->data_off);
	}
	/* align 0, reloff 0, nreloc 0, flags 0 (S_REGULAR), reserved 0: what -sectcreate writes */
}

/* The --make-room edit of load command i, or NULL. */
static const pi_room_edit *room_edit(const pi_plan *p, uint32_t i)
{
	for (uint32_t k = 0; k < p->room.n; k++)
		if (p->room.e[k].lc_index == i)
			return &p->room.e[k];
	return NULL;
}

static pi_status build_header(const pi_slice *s, const pi_plan *p, uint64_t sig_datasize,
                              pi_overlay *ov, pi_diag *d)
{
	uint64_t region = s->cmds_end > p->cmds_end_after ? s->cmds_end : p->cmds_end_after;
	uint8_t *h = calloc(1, (size_t)region);
	if (!h)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	memcpy(h, s->data, s->hdr_size);
	const pi_segment *text = &s->segs[s->text];
	const pi_segment *le = &s->segs[s->linkedit];
	uint32_t segcmd = s->is64 ? SEGMENT_COMMAND_SIZE_64 : SEGMENT_COMMAND_SIZE_32;
	uint32_t shs = s->sect_hdr_size;
	int new_header = p->kind != PI_PLACE_IN_PLACE;
	uint64_t o = s->hdr_size;
	uint32_t ncmds = 0;
	uint64_t le_filesize = p->le_filesize, le_vmsize = p->le_vmsize;
	if (p->sig_datasize != sig_datasize) {
		free(h);
		return pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET,
		               "internal error: the signature was not sized with pi_plan_signature");
	}
	for (uint32_t i = 0; i < s->ncmds; i++) {
		const pi_lc *lc = &s->lcs[i];
		const uint8_t *src = s->data + lc->off;
		const pi_room_edit *re = room_edit(p, i); /* --make-room's edit of it, or NULL */
		if (i == text->lc_index) {
			uint8_t *seg = h + o;
			memcpy(seg, src, segcmd);
			o += segcmd;
			uint32_t kept = 0, n = 0;
			int done = !new_header;
			for (uint32_t k = 0; k < text->nsects; k++) {
				uint32_t idx = text->first_sect + k;
				if (!done && kept == p->insert_after) {
					write_section_header(s, p, h + o);
					o += shs;
					n++;
					done = 1;
				}
				if ((int)idx == p->old_index && p->remove_old)
					continue;
				memcpy(h + o, s->data + s->sects[idx].hdr_off, shs);
				if ((int)idx == p->old_index && !p->remove_old) {
					if (s->is64)
						pi_put_u64le(h + o + 40, p->plist_len);
					else
						pi_put_u32le(h + o + 36, (uint32_t)p->plist_len);
				}
				o += shs;
				n++;
				kept++;
			}
			if (!done) {
				write_section_header(s, p, h + o);
				o += shs;
				n++;
			}
			pi_put_u32le(seg + 4, segcmd + n * shs);
			pi_put_u32le(seg + (s->is64 ? 64 : 48), n);
		} else if (s->has_codesig && i == s->codesig_lc) {
			if (p->drop_codesig)
				continue;
			memcpy(h + o, src, lc->cmdsize);
			pi_put_u32le(h + o + 8, (uint32_t)p->cs_dataoff);
			pi_put_u32le(h + o + 12, (uint32_t)sig_datasize);
			o += lc->cmdsize;
		} else if (re && re->kind != PI_ROOM_BUILD_TOOLS) {
			continue; /* --make-room: removed whole */
		} else if (re) {
			/* --make-room: LC_BUILD_VERSION keeps platform, minos and sdk, no tools */
			memcpy(h + o, src, BUILD_VERSION_COMMAND_SIZE);
			pi_put_u32le(h + o + 4, BUILD_VERSION_COMMAND_SIZE);
			pi_put_u32le(h + o + 20, 0);
			o += BUILD_VERSION_COMMAND_SIZE;
		} else if (i == le->lc_index) {
			memcpy(h + o, src, lc->cmdsize);
			if (s->is64) {
				pi_put_u64le(h + o + 32, le_vmsize);
				pi_put_u64le(h + o + 48, le_filesize);
			} else {
				pi_put_u32le(h + o + 28, (uint32_t)le_vmsize);
				pi_put_u32le(h + o + 36, (uint32_t)le_filesize);
			}
			o += lc->cmdsize;
		} else {
			memcpy(h + o, src, lc->cmdsize);
			o += lc->cmdsize;
		}
		ncmds++;
	}
	if (p->add_codesig) {
		pi_put_u32le(h + o, LC_CODE_SIGNATURE);
		pi_put_u32le(h + o + 4, LINKEDIT_DATA_COMMAND_SIZE);
		pi_put_u32le(h + o + 8, (uint32_t)p->cs_dataoff);
		pi_put_u32le(h + o + 12, (uint32_t)sig_datasize);
		o += LINKEDIT_DATA_COMMAND_SIZE;
		ncmds++;
	}
	if (o != p->cmds_end_after) {
		free(h);
		return pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET,
		               "internal error: rebuilt load commands end at 0x%llx, plan said 0x%llx",
		               (unsigned long long)o, (unsigned long long)p->cmds_end_after);
	}
	pi_put_u32le(h + 16, ncmds);
	pi_put_u32le(h + 20, (uint32_t)(o - s->hdr_size));
	uint8_t *r = pi_ov_patch(ov, 0, h, region);
	free(h);
	return r ? PI_OK : pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
}

static pi_status renumber_symbols(const pi_slice *s, const pi_plan *p, pi_overlay *ov, pi_diag *d)
{
	if (!p->renumber || !s->has_symtab || s->nsyms == 0)
		return PI_OK;
	uint64_t es = s->nlist_size;
	uint64_t first = UINT64_MAX, last = 0;
	const uint8_t *tab = s->data + s->symoff;
	for (uint64_t i = 0; i < s->nsyms; i++) {
		uint8_t t = tab[i * es + 4], n = tab[i * es + 5];
		if (pi_nsect_is_section(t, n) && (p->nsect_map[n] != n || n == p->removed_ordinal)) {
			if (first == UINT64_MAX)
				first = i;
			last = i;
		}
	}
	if (first == UINT64_MAX)
		return PI_OK;
	uint64_t off = s->symoff + first * es, len = (last - first + 1) * es;
	uint8_t *buf = pi_ov_patch(ov, off, tab + first * es, len);
	if (!buf)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	for (uint64_t i = 0; i < len; i += es) {
		uint8_t t = buf[i + 4], n = buf[i + 5];
		if (!pi_nsect_is_section(t, n))
			continue;
		if (n == p->removed_ordinal) {
			uint64_t addr = es == NLIST_SIZE_64 ? pi_get_u64le(buf + i + 8) : pi_get_u32le(buf + i + 8);
			buf[i + 5] = pi_plan_nsect_for_addr(s, p, addr);
		} else {
			buf[i + 5] = p->nsect_map[n];
		}
	}
	return PI_OK;
}

pi_status pi_emit_slice(const pi_slice *s, const pi_plan *p, const uint8_t *plist,
                        uint64_t sig_datasize, pi_overlay *ov, pi_diag *d)
{
	pi_status st;
	/* the signature area first: truncating before patching keeps extents short */
	if (!pi_ov_set_len(ov, p->linkedit_end))
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	if (p->cs_dataoff && !pi_ov_set_len(ov, p->cs_dataoff + sig_datasize))
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	if ((st = build_header(s, p, sig_datasize, ov, d)) != PI_OK)
		return st;
	if (p->old_index >= 0 && s->sects[p->old_index].size) {
		const pi_section *old = &s->sects[p->old_index];
		if (!pi_ov_patch(ov, old->offset, NULL, old->size))
			return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	}
	if (!pi_ov_patch(ov, p->data_off, plist, p->plist_len))
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	return renumber_symbols(s, p, ov, d);
}

pi_status pi_emit_fat_header(const pi_image *img, const uint64_t *sizes, uint64_t *offsets,
                             uint8_t **hdr, size_t *hdr_len, pi_diag *d)
{
	size_t len = 8 + 20 * (size_t)img->nslices;
	uint8_t *h = calloc(1, len);
	if (!h)
		return pi_fail(d, PI_E_NOMEM, PI_NO_OFFSET, "out of memory");
	pi_put_u32be(h, FAT_MAGIC);
	pi_put_u32be(h + 4, img->nslices);
	uint64_t end = len;
	for (uint32_t i = 0; i < img->nslices; i++) {
		const pi_slice *s = &img->slices[i];
		uint64_t off;
		if (!pi_align_up(end, 1ull << s->fat_align, &off) || off + sizes[i] > UINT32_MAX) {
			free(h);
			pi_diag_set_slice(d, s->label);
			return pi_fail(d, PI_E_UNSUPPORTED, PI_NO_OFFSET,
			               "the output slice at 0x%llx (0x%llx bytes) does not fit a 32-bit fat header",
			               (unsigned long long)off, (unsigned long long)sizes[i]);
		}
		offsets[i] = off;
		uint8_t *e = h + 8 + 20 * (size_t)i;
		pi_put_u32be(e, s->cputype);
		pi_put_u32be(e + 4, s->cpusubtype);
		pi_put_u32be(e + 8, (uint32_t)off);
		pi_put_u32be(e + 12, (uint32_t)sizes[i]);
		pi_put_u32be(e + 16, s->fat_align);
		end = off + sizes[i];
	}
	*hdr = h;
	*hdr_len = len;
	return PI_OK;
}
