/* plan.c - pure placement decisions (see plan.h). */
#include "config.h"

#include "plan.h"

#include <string.h>

#include "macho_defs.h"

#define HINT_NO_ROOM                                                                      \
	"relink with -headerpad 0x%llx, or link the plist in with "                           \
	"-sectcreate __TEXT __info_plist FILE (plistinject --emit-plist writes that FILE)"

/* A -headerpad value that leaves room for the section header, a signature
 * load command and a plist of len bytes: 0x1000 or the next multiple of it. */
static unsigned long long headerpad_for(uint64_t len)
{
	uint64_t need = len + 80 + 16 + 16, pad = 0x1000;
	while (pad < need)
		pad += 0x1000;
	return (unsigned long long)pad;
}

const char *pi_place_name(pi_place_kind k)
{
	switch (k) {
	case PI_PLACE_IN_PLACE: return "existing __info_plist";
	case PI_PLACE_TEXT_TAIL: return "end of __TEXT";
	case PI_PLACE_HEADER_PAD: return "end of the header padding";
	case PI_PLACE_GAP: return "gap between __TEXT sections";
	}
	return "?";
}

/* Data appended to an executable (a self-extracting archive, a bundled
 * payload) lies outside __LINKEDIT and the code signature, which must end
 * the slice (DESIGN.md section 3, refusals). */
static const char appended_hint[] =
	"the file carries data after its Mach-O image (an appended archive or payload?); "
	"plistinject edits only files that end with __LINKEDIT and their signature";

pi_status pi_plan_check_editable(const pi_slice *s, pi_diag *d)
{
	if (s->unsupported)
		return pi_fail(d, PI_E_UNSUPPORTED, PI_NO_OFFSET, "%s", s->why);
	if (s->filetype != MH_EXECUTE && s->filetype != MH_DYLIB && s->filetype != MH_BUNDLE)
		return pi_fail(d, PI_E_UNSUPPORTED, s->offset + 12,
		               "file type %u is not an executable, dylib or bundle", s->filetype);
	if (s->encrypted)
		return pi_fail(d, PI_E_UNSUPPORTED, s->offset + s->encryption_lc_off, "the slice is encrypted");
	if (s->text < 0)
		return pi_fail(d, PI_E_UNSUPPORTED, s->offset, "the slice has no __TEXT segment");
	if (s->linkedit < 0)
		return pi_fail(d, PI_E_UNSUPPORTED, s->offset, "the slice has no __LINKEDIT segment");
	const pi_segment *le = &s->segs[s->linkedit];
	uint64_t le_end = le->fileoff + le->filesize;
	for (uint32_t i = 0; i < s->nsegs; i++) {
		const pi_segment *g = &s->segs[i];
		if ((int)i == s->linkedit || g->filesize == 0)
			continue;
		if (g->fileoff + g->filesize > le->fileoff)
			return pi_fail(d, PI_E_UNSUPPORTED, s->offset + g->cmd_off,
			               "__LINKEDIT is not the last segment in the file (%s ends at 0x%llx, "
			               "after __LINKEDIT starts at 0x%llx)",
			               g->segname, (unsigned long long)(s->offset + g->fileoff + g->filesize),
			               (unsigned long long)(s->offset + le->fileoff));
	}
	if (s->has_codesig) {
		/* the old signature is cut off and replaced: no other __LINKEDIT data
		 * (symbols, strings, fixups, exports, function starts, ...) may lie
		 * in or after it */
		uint64_t lim = s->cs_dataoff, bad_end = 0, where = 0;
		if (s->has_symtab) {
			uint64_t se = (uint64_t)s->symoff + (uint64_t)s->nsyms * s->nlist_size;
			uint64_t te = (uint64_t)s->stroff + s->strsize;
			if ((s->nsyms && se > lim) || (s->strsize && te > lim)) {
				bad_end = se > te ? se : te;
				where = s->symtab_lc_off;
			}
		}
		for (uint32_t i = 0; !bad_end && i < s->ncmds; i++) {
			const pi_lc *lc = &s->lcs[i];
			uint32_t off = 0, size = 0, n = 0;
			uint32_t pairs[5][2];
			switch (lc->cmd) {
			case 0x1e: case 0x26: case 0x29: case 0x2b: case 0x2e: case 0x36: /* split info, function
				starts, data in code, dylib code sign DRs, LOH, atom info */
			case 0x80000033u: case 0x80000034u: /* exports trie, chained fixups */
				if (lc->cmdsize >= 16) {
					pi_cur_u32le(&s->cur, lc->off + 8, &off);
					pi_cur_u32le(&s->cur, lc->off + 12, &size);
					pairs[n][0] = off;
					pairs[n++][1] = size;
				}
				break;
			case 0x22: case 0x80000022u: /* LC_DYLD_INFO(_ONLY): rebase, bind, weak, lazy, export */
				for (uint32_t k = 0; k < 5 && lc->cmdsize >= 48; k++) {
					pi_cur_u32le(&s->cur, lc->off + 8 + 8 * k, &pairs[n][0]);
					pi_cur_u32le(&s->cur, lc->off + 12 + 8 * k, &pairs[n][1]);
					n++;
				}
				break;
			default:
				break;
			}
			for (uint32_t k = 0; k < n; k++)
				if (pairs[k][1] && (uint64_t)pairs[k][0] + pairs[k][1] > lim) {
					bad_end = (uint64_t)pairs[k][0] + pairs[k][1];
					where = lc->off;
				}
		}
		if (bad_end)
			return pi_fail(d, PI_E_MALFORMED, s->offset + where,
			               "__LINKEDIT data runs to 0x%llx, into the code signature at 0x%x",
			               (unsigned long long)bad_end, s->cs_dataoff);
		uint64_t cs_end = (uint64_t)s->cs_dataoff + s->cs_datasize;
		if (cs_end < s->size) {
			pi_fail(d, PI_E_UNSUPPORTED, s->offset + cs_end, "%llu bytes after the code signature",
			        (unsigned long long)(s->size - cs_end));
			pi_hint(d, "%s", appended_hint);
			return PI_E_UNSUPPORTED;
		}
	}
	if (le_end < s->size) {
		pi_fail(d, PI_E_UNSUPPORTED, s->offset + le_end, "%llu bytes after __LINKEDIT",
		        (unsigned long long)(s->size - le_end));
		pi_hint(d, "%s", appended_hint);
		return PI_E_UNSUPPORTED;
	}
	return PI_OK;
}

static uint64_t header_need(const pi_slice *s, pi_sign_mode mode)
{
	uint64_t need = s->info_plist < 0 ? s->sect_hdr_size : 0;
	if (!s->has_codesig && mode == PI_SIGN_ADHOC)
		need += LINKEDIT_DATA_COMMAND_SIZE;
	return need;
}

int pi_plan_make_room(const pi_slice *s, uint64_t short_by, pi_room *r)
{
	memset(r, 0, sizeof *r);
	int found[3] = { 0, 0, 0 };
	pi_room_edit cand[3];
	for (uint32_t i = 0; i < s->ncmds; i++) {
		const pi_lc *lc = &s->lcs[i];
		uint32_t v = 0;
		if (lc->cmd == LC_DATA_IN_CODE && !found[0] && lc->cmdsize == LINKEDIT_DATA_COMMAND_SIZE &&
		    pi_cur_u32le(&s->cur, lc->off + 12, &v) && v == 0) {
			cand[0] = (pi_room_edit){ PI_ROOM_DATA_IN_CODE, i, LINKEDIT_DATA_COMMAND_SIZE, 0 };
			found[0] = 1;
		} else if (lc->cmd == LC_SOURCE_VERSION && !found[1] &&
		           lc->cmdsize == SOURCE_VERSION_COMMAND_SIZE) {
			cand[1] = (pi_room_edit){ PI_ROOM_SOURCE_VERSION, i, SOURCE_VERSION_COMMAND_SIZE, 0 };
			found[1] = 1;
		} else if (lc->cmd == LC_BUILD_VERSION && !found[2] &&
		           pi_cur_u32le(&s->cur, lc->off + 20, &v) && v > 0 &&
		           (uint64_t)lc->cmdsize == BUILD_VERSION_COMMAND_SIZE + (uint64_t)v * BUILD_TOOL_VERSION_SIZE) {
			cand[2] = (pi_room_edit){ PI_ROOM_BUILD_TOOLS, i, v * BUILD_TOOL_VERSION_SIZE, v };
			found[2] = 1;
		}
	}
	for (int k = 0; k < 3 && r->freed < short_by; k++)
		if (found[k]) {
			r->e[r->n++] = cand[k];
			r->freed += cand[k].bytes;
		}
	return r->freed >= short_by;
}

void pi_room_describe(const pi_room *r, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	if (!r->n) {
		snprintf(buf, len, "nothing");
		return;
	}
	for (uint32_t i = 0; i < r->n && n < len; i++) {
		const pi_room_edit *e = &r->e[i];
		const char *sep = i == 0 ? "" : i + 1 == r->n ? " and " : ", ";
		int w;
		if (e->kind == PI_ROOM_DATA_IN_CODE)
			w = snprintf(buf + n, len - n, "%sLC_DATA_IN_CODE (16 bytes, empty)", sep);
		else if (e->kind == PI_ROOM_SOURCE_VERSION)
			w = snprintf(buf + n, len - n, "%sLC_SOURCE_VERSION (16 bytes)", sep);
		else
			w = snprintf(buf + n, len - n, "%sthe %u tool entr%s of LC_BUILD_VERSION (%u bytes)", sep,
			             e->ntools, e->ntools == 1 ? "y" : "ies", e->bytes);
		if (w < 0)
			return;
		n += (size_t)w;
	}
}

/* The hint of a no-room refusal that --make-room is concerned with: whether
 * it would be enough (or, given, how far it got), then the two remedies. */
static void room_hint(pi_diag *d, const pi_slice *s, uint64_t short_by, int make_room,
                      uint64_t plist_len)
{
	pi_room r;
	char what[200];
	int enough = pi_plan_make_room(s, short_by, &r);
	pi_room_describe(&r, what, sizeof what);
	if (enough && !make_room)
		pi_hint(d, "give --make-room: it removes %s, which nothing reads at run time; or " HINT_NO_ROOM,
		        what, headerpad_for(plist_len));
	else if (!r.n)
		pi_hint(d, "--make-room cannot help (the slice has no load command it may remove); " HINT_NO_ROOM,
		        headerpad_for(plist_len));
	else if (!enough)
		pi_hint(d, "--make-room %s only %llu bytes (%s), %llu short; " HINT_NO_ROOM,
		        make_room ? "frees" : "would free", (unsigned long long)r.freed, what,
		        (unsigned long long)(short_by - r.freed), headerpad_for(plist_len));
	else
		pi_hint(d, HINT_NO_ROOM, headerpad_for(plist_len));
}

pi_status pi_plan_header_room(const pi_slice *s, pi_sign_mode mode, int make_room, pi_diag *d)
{
	uint64_t pad = s->first_sect_off - s->cmds_end;
	uint64_t need = header_need(s, mode);
	if (need <= pad)
		return PI_OK;
	pi_room r;
	if (make_room && pi_plan_make_room(s, need - pad, &r))
		return PI_OK;
	pi_fail(d, PI_E_NO_ROOM, s->offset + s->cmds_end,
	        "no room for the load commands: %llu bytes of header padding needed (%s%s), "
	        "%llu available",
	        (unsigned long long)need,
	        s->info_plist < 0 ? (s->is64 ? "80 for the section header" : "68 for the section header") : "",
	        (!s->has_codesig && mode == PI_SIGN_ADHOC)
	            ? (s->info_plist < 0 ? " + 16 for LC_CODE_SIGNATURE" : "16 for LC_CODE_SIGNATURE")
	            : "",
	        (unsigned long long)pad);
	room_hint(d, s, need - pad, make_room, 0);
	return PI_E_NO_ROOM;
}

/* 1 when every byte of [off, off+len) is zero, counting the range `freed`
 * (the old plist being removed) as zero. */
static int all_zero(const pi_slice *s, uint64_t off, uint64_t len, uint64_t freed_off,
                    uint64_t freed_len)
{
	const uint8_t *p = pi_cur_ptr(&s->cur, off, len);
	if (!p)
		return 0;
	for (uint64_t i = 0; i < len; i++) {
		uint64_t o = off + i;
		if (freed_len && o >= freed_off && o < freed_off + freed_len)
			continue;
		if (p[i])
			return 0;
	}
	return 1;
}

static int in_text(const pi_slice *s, uint32_t i)
{
	return s->sects[i].seg == (uint32_t)s->text;
}

static int has_bytes(const pi_section *x)
{
	return x->size > 0 && !pi_section_is_zerofill(x);
}

pi_status pi_plan_signature(const pi_slice *s, pi_plan *p, uint64_t datasize, pi_diag *d)
{
	const pi_segment *le = &s->segs[s->linkedit];
	p->sig_datasize = datasize;
	uint64_t end = p->cs_dataoff ? p->cs_dataoff + datasize : p->linkedit_end;
	p->le_filesize = end - le->fileoff;
	p->le_vmsize = le->vmsize;
	uint64_t r;
	if (p->cs_dataoff && pi_align_up(p->le_filesize, 0x4000, &r) && r > p->le_vmsize)
		p->le_vmsize = r;
	uint64_t vm_end;
	uint64_t limit = s->is64 ? UINT64_MAX : UINT32_MAX;
	if (end > UINT32_MAX || datasize > UINT32_MAX || !pi_add_u64(le->vmaddr, p->le_vmsize, &vm_end) ||
	    vm_end > limit || p->le_filesize > limit)
		return pi_fail(d, PI_E_UNSUPPORTED, s->offset + le->cmd_off,
		               "__LINKEDIT (address 0x%llx) cannot grow to hold a %llu-byte signature",
		               (unsigned long long)le->vmaddr, (unsigned long long)datasize);
	/* the grown VM range may not reach another segment (a legacy layout can
	 * put __LINKEDIT's addresses below __TEXT's) */
	for (uint32_t i = 0; i < s->nsegs; i++) {
		const pi_segment *g = &s->segs[i];
		if ((int)i == s->linkedit || g->vmsize == 0 || p->le_vmsize <= le->vmsize)
			continue;
		if (g->vmaddr < vm_end && le->vmaddr < g->vmaddr + g->vmsize)
			return pi_fail(d, PI_E_UNSUPPORTED, s->offset + le->cmd_off,
			               "__LINKEDIT (0x%llx+0x%llx) cannot grow to 0x%llx bytes for a %llu-byte "
			               "signature: segment %s starts at 0x%llx",
			               (unsigned long long)le->vmaddr, (unsigned long long)le->vmsize,
			               (unsigned long long)p->le_vmsize, (unsigned long long)datasize, g->segname,
			               (unsigned long long)g->vmaddr);
	}
	return PI_OK;
}

/* Bytes an existing __info_plist (section index i) can grow to in place:
 * its size plus the zero bytes after it, up to the next section in the file
 * or in VM (whichever comes first) or the end of __TEXT's file range. */
static uint64_t in_place_capacity(const pi_slice *s, int i)
{
	const pi_section *old = &s->sects[i];
	const pi_segment *text = &s->segs[s->text];
	uint64_t end = old->offset + old->size;
	uint64_t file_lim = text->fileoff + text->filesize;
	uint64_t vm_lim = text->vmaddr + text->vmsize;
	/* an empty section has no bytes the reader checked: its address and
	 * offset may not even agree with __TEXT's mapping; it is placed anew */
	if (old->size == 0 || end > file_lim || old->addr < text->vmaddr ||
	    old->addr - text->vmaddr != (uint64_t)old->offset - text->fileoff)
		return old->size;
	for (uint32_t k = 0; k < s->nsects; k++) {
		const pi_section *x = &s->sects[k];
		if ((int)k == i || x->size == 0)
			continue;
		if (has_bytes(x) && x->offset >= end && x->offset < file_lim)
			file_lim = x->offset;
		if (x->addr >= old->addr + old->size && x->addr < vm_lim)
			vm_lim = x->addr;
	}
	uint64_t lim = file_lim - old->offset;
	if (vm_lim - old->addr < lim)
		lim = vm_lim - old->addr;
	const uint8_t *b = pi_cur_ptr(&s->cur, end, lim - old->size);
	uint64_t zeros = 0;
	while (b && zeros < lim - old->size && b[zeros] == 0)
		zeros++;
	return old->size + zeros;
}

/* What pi_plan_inject works out about __TEXT before placing anything. */
typedef struct layout {
	int in_place;             /* the existing __info_plist is rewritten where it is */
	int skip;                 /* section index no longer present (an old plist removed), -1 */
	uint64_t freed_off, freed_len; /* its bytes, which count as zero */
	uint64_t text_end;        /* end of __TEXT's file range */
	uint64_t first;           /* lowest offset of a kept section with bytes (or text_end) */
	uint64_t last_end;        /* end of __TEXT's last kept section (at least the load commands) */
} layout;

/* Step 1: an existing __info_plist is rewritten in place when the plist
 * fits it or the zero bytes after it, else removed.  Returns the change in
 * header bytes a new section header brings (none in place, none when one
 * header is swapped for another). */
static int64_t existing_section(const pi_slice *s, pi_plan *p, layout *l)
{
	l->in_place = 0;
	l->skip = -1;
	l->freed_off = l->freed_len = 0;
	if (s->info_plist < 0)
		return s->sect_hdr_size;
	const pi_section *old = &s->sects[s->info_plist];
	uint64_t cap = p->plist_len <= old->size ? old->size : in_place_capacity(s, s->info_plist);
	if (p->plist_len <= cap) {
		l->in_place = 1;
		p->kind = PI_PLACE_IN_PLACE;
		p->data_off = old->offset;
		p->addr = old->addr;
		p->room_before = cap;
		p->room_after = cap - p->plist_len;
	} else {
		p->remove_old = 1;
		p->removed_ordinal = old->ordinal;
		l->skip = s->info_plist;
		l->freed_off = old->offset;
		l->freed_len = old->size;
	}
	return 0;
}

/* Step 2: the first section and the end of __TEXT's sections, without the
 * section being removed. */
static void text_layout(const pi_slice *s, const pi_plan *p, layout *l)
{
	const pi_segment *text = &s->segs[s->text];
	l->text_end = text->fileoff + text->filesize;
	l->first = l->text_end;
	l->last_end = 0;
	for (uint32_t i = 0; i < s->nsects; i++) {
		const pi_section *x = &s->sects[i];
		if ((int)i == l->skip || !has_bytes(x))
			continue;
		if (x->offset < l->first)
			l->first = x->offset;
		if (in_text(s, i) && x->offset + x->size > l->last_end)
			l->last_end = x->offset + x->size;
	}
	if (l->last_end < p->cmds_end_after)
		l->last_end = p->cmds_end_after;
}

/* Step 3: the load commands fit the header padding, with --make-room's
 * edits when given and needed. */
static pi_status fit_load_commands(const pi_slice *s, pi_plan *p, const layout *l, int make_room, pi_diag *d)
{
	pi_room r;
	if (p->cmds_end_after > l->first && make_room && pi_plan_make_room(s, p->cmds_end_after - l->first, &r)) {
		p->room = r;
		p->cmds_end_after -= r.freed;
	}
	p->pad_after = l->first - p->cmds_end_after;
	if (p->cmds_end_after <= l->first)
		return PI_OK;
	/* pi_plan_header_room is the gate for this; keep the plan safe anyway */
	pi_fail(d, PI_E_NO_ROOM, s->offset + s->cmds_end,
	        "no room for the load commands: %llu bytes of header padding needed, %llu available",
	        (unsigned long long)(p->cmds_end_after - s->cmds_end), (unsigned long long)(l->first - s->cmds_end));
	room_hint(d, s, p->cmds_end_after - l->first, make_room, p->plist_len);
	return PI_E_NO_ROOM;
}

/* The lowest-addressed 16-aligned offset in a zero gap between two __TEXT
 * sections that holds len bytes, with the gap's size from there in *room;
 * UINT64_MAX when there is none. */
static uint64_t lowest_gap(const pi_slice *s, const layout *l, uint64_t len, uint64_t *room)
{
	uint64_t best = UINT64_MAX, off;
	for (uint32_t i = 0; i < s->nsects; i++) {
		const pi_section *a = &s->sects[i];
		if ((int)i == l->skip || !in_text(s, i) || !has_bytes(a))
			continue;
		uint64_t aend = a->offset + a->size, next = UINT64_MAX;
		for (uint32_t j = 0; j < s->nsects; j++) {
			const pi_section *b = &s->sects[j];
			if ((int)j == l->skip || !in_text(s, j) || !has_bytes(b) || b->offset < aend)
				continue;
			if (b->offset < next)
				next = b->offset;
		}
		if (next == UINT64_MAX || !pi_align_up(aend, 16, &off) || off > next || next - off < len)
			continue;
		if (off < best && all_zero(s, off, len, l->freed_off, l->freed_len)) {
			best = off;
			*room = next - off;
		}
	}
	return best;
}

/* Step 4: a new section's bytes, in DESIGN.md's order: the tail of __TEXT,
 * the end of the header padding, the lowest zero gap between sections. */
static pi_status place_new(const pi_slice *s, pi_plan *p, const layout *l, pi_diag *d)
{
	uint64_t off, len = p->plist_len, room = 0;
	if (pi_align_up(l->last_end, 16, &off) && off <= l->text_end && len <= l->text_end - off &&
	    all_zero(s, off, len, l->freed_off, l->freed_len)) {
		p->kind = PI_PLACE_TEXT_TAIL;
		p->data_off = off;
		p->room_before = l->text_end - off;
	} else if (l->first >= len && (off = pi_align_down(l->first - len, 16)) >= p->cmds_end_after &&
	           all_zero(s, off, len, l->freed_off, l->freed_len)) {
		p->kind = PI_PLACE_HEADER_PAD;
		p->data_off = off;
		p->room_before = l->first - p->cmds_end_after;
	} else if ((off = lowest_gap(s, l, len, &room)) != UINT64_MAX) {
		p->kind = PI_PLACE_GAP;
		p->data_off = off;
		p->room_before = room;
	} else {
		uint64_t tail = 0, hp = l->first > p->cmds_end_after ? l->first - p->cmds_end_after : 0;
		if (pi_align_up(l->last_end, 16, &off) && off < l->text_end)
			tail = l->text_end - off;
		pi_fail(d, PI_E_NO_ROOM, s->offset + s->cmds_end,
		        "no room for the %llu-byte Info.plist: %llu zero bytes at the end of __TEXT, "
		        "%llu in the header padding after the load commands, and no large enough gap "
		        "between __TEXT sections",
		        (unsigned long long)len, (unsigned long long)tail, (unsigned long long)hp);
		pi_hint(d, HINT_NO_ROOM, headerpad_for(len));
		return PI_E_NO_ROOM;
	}
	const pi_segment *text = &s->segs[s->text];
	p->room_after = p->room_before - len;
	p->addr = text->vmaddr + (p->data_off - text->fileoff);
	return PI_OK;
}

/* Step 5: the section ordinals after the edit, walking the sections in
 * their new order: the new header's place, its ordinal, and the map of old
 * n_sect values to new ones (the removed section's own symbols are placed
 * by address, pi_plan_nsect_for_addr; the map keeps the identity for it). */
static pi_status ordinals(const pi_slice *s, pi_plan *p, const layout *l, pi_diag *d)
{
	int in_place = l->in_place;
	p->insert_after = 0;
	for (uint32_t i = 0; !in_place && i < s->nsects; i++)
		if ((int)i != l->skip && in_text(s, i) && (!s->sections_sorted || s->sects[i].addr < p->addr))
			p->insert_after++;
	uint16_t map[256];
	for (int i = 0; i < 256; i++)
		map[i] = (uint16_t)i;
	uint32_t next = 1, text_seen = 0;
	int inserted = in_place;
	if (inserted)
		p->new_ordinal = s->sects[s->info_plist].ordinal;
	for (uint32_t g = 0; g < s->nsegs; g++) {
		const pi_segment *seg = &s->segs[g];
		for (uint32_t k = 0; k < seg->nsects; k++) {
			uint32_t i = seg->first_sect + k;
			if (!inserted && (int)g == s->text && text_seen == p->insert_after) {
				p->new_ordinal = next++;
				inserted = 1;
			}
			if ((int)i == l->skip)
				continue;
			if (s->sects[i].ordinal < 256)
				map[s->sects[i].ordinal] = (uint16_t)next;
			next++;
			if ((int)g == s->text)
				text_seen++;
		}
		if (!inserted && (int)g == s->text) {
			p->new_ordinal = next++;
			inserted = 1;
		}
	}
	p->nsects_after = next - 1;
	for (int i = 0; i < 256; i++) {
		if (map[i] > 255)
			return pi_fail(d, PI_E_UNSUPPORTED, PI_NO_OFFSET,
			               "section %d would become section %u, which a symbol's n_sect cannot name", i,
			               map[i]);
		p->nsect_map[i] = (uint8_t)map[i];
		if (map[i] != i)
			p->renumber = 1;
	}
	if (p->removed_ordinal)
		p->renumber = 1;
	return PI_OK;
}

/* Step 6: where the signature goes: the old one's place, or after
 * __LINKEDIT's data, 16-aligned. */
static pi_status signature_place(const pi_slice *s, pi_plan *p, pi_sign_mode mode, pi_diag *d)
{
	const pi_segment *le = &s->segs[s->linkedit];
	uint64_t le_end = le->fileoff + le->filesize;
	p->linkedit_end = s->has_codesig ? s->cs_dataoff : le_end;
	if (mode != PI_SIGN_ADHOC)
		return PI_OK;
	if (s->has_codesig)
		p->cs_dataoff = s->cs_dataoff;
	else if (!pi_align_up(le_end, 16, &p->cs_dataoff))
		return pi_fail(d, PI_E_MALFORMED, PI_NO_OFFSET, "__LINKEDIT end overflows");
	return PI_OK;
}

pi_status pi_plan_inject(const pi_slice *s, uint64_t plist_len, pi_sign_mode mode, int make_room,
                         pi_plan *p, pi_diag *d)
{
	memset(p, 0, sizeof *p);
	p->plist_len = plist_len;
	p->old_index = s->info_plist;
	p->add_codesig = !s->has_codesig && mode == PI_SIGN_ADHOC;
	p->drop_codesig = s->has_codesig && mode == PI_SIGN_NONE;
	p->pad_before = s->first_sect_off - s->cmds_end;
	int64_t delta = p->add_codesig    ? (int64_t)LINKEDIT_DATA_COMMAND_SIZE
	                : p->drop_codesig ? -(int64_t)LINKEDIT_DATA_COMMAND_SIZE
	                                  : 0;
	layout l;
	delta += existing_section(s, p, &l);
	p->cmds_end_after = (uint64_t)((int64_t)s->cmds_end + delta);
	text_layout(s, p, &l);
	pi_status st = fit_load_commands(s, p, &l, make_room, d);
	if (st == PI_OK && !l.in_place)
		st = place_new(s, p, &l, d);
	if (st == PI_OK)
		st = ordinals(s, p, &l, d);
	if (st == PI_OK)
		st = signature_place(s, p, mode, d);
	return st;
}

uint8_t pi_plan_nsect_for_addr(const pi_slice *s, const pi_plan *p, uint64_t addr)
{
	if (p->plist_len && addr >= p->addr && addr - p->addr < p->plist_len)
		return (uint8_t)p->new_ordinal;
	uint32_t first_text = p->new_ordinal;
	for (uint32_t i = 0; i < s->nsects; i++) {
		const pi_section *x = &s->sects[i];
		if (x->ordinal == p->removed_ordinal || x->ordinal > MAX_SECT)
			continue;
		uint32_t now = p->nsect_map[x->ordinal];
		if (x->size && addr >= x->addr && addr - x->addr < x->size)
			return (uint8_t)now;
		if (in_text(s, i) && now < first_text)
			first_text = now;
	}
	return (uint8_t)first_text;
}
