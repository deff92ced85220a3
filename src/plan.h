/* plan.h - pure placement decisions for one slice (DESIGN.md section 3,
 * reference/macho-signing.md section 5.1).  No I/O, no hashing: the functions
 * read the slice model and the bytes it points at (to test for zeros) and
 * fill a pi_plan, or refuse with the numbers and a hint.
 */
#ifndef PI_PLAN_H
#define PI_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "macho.h"
#include "status.h"

typedef enum pi_place_kind {
	PI_PLACE_IN_PLACE,    /* existing __info_plist rewritten, same header */
	PI_PLACE_TEXT_TAIL,   /* zero bytes after __TEXT's last section */
	PI_PLACE_HEADER_PAD,  /* end of the header padding, before the first section */
	PI_PLACE_GAP,         /* zero gap between two __TEXT sections */
} pi_place_kind;

/* What the caller wants done to the signature. */
typedef enum pi_sign_mode {
	PI_SIGN_ADHOC,        /* built-in signer: keep or add LC_CODE_SIGNATURE */
	PI_SIGN_NONE,         /* drop LC_CODE_SIGNATURE, shrink __LINKEDIT, truncate */
} pi_sign_mode;

/* A load command --make-room removes, or shortens, to free header padding
 * (DESIGN.md section 3): nothing the kernel, dyld or the Security framework
 * reads at run time. */
typedef enum pi_room_kind {
	PI_ROOM_DATA_IN_CODE,     /* an LC_DATA_IN_CODE whose datasize is 0: 16 bytes */
	PI_ROOM_SOURCE_VERSION,   /* LC_SOURCE_VERSION: 16 bytes */
	PI_ROOM_BUILD_TOOLS,      /* LC_BUILD_VERSION's tool entries: 8 bytes each */
} pi_room_kind;

typedef struct pi_room_edit {
	pi_room_kind kind;
	uint32_t lc_index;        /* index in pi_slice.lcs */
	uint32_t bytes;           /* header bytes it frees */
	uint32_t ntools;          /* PI_ROOM_BUILD_TOOLS: tool entries removed */
} pi_room_edit;

typedef struct pi_room {
	uint32_t n;               /* edits, in the order they are taken */
	pi_room_edit e[3];
	uint64_t freed;           /* bytes they free together */
} pi_room;

typedef struct pi_plan {
	pi_place_kind kind;
	uint64_t data_off;        /* slice-relative file offset of the plist bytes */
	uint64_t addr;            /* VM address of the new section */
	uint64_t plist_len;       /* bytes */
	int old_index;            /* existing __info_plist section index, -1 if none */
	int remove_old;           /* old one zeroed and its header dropped */
	uint32_t insert_after;    /* new header goes after this many __TEXT headers (kept ones) */
	uint32_t new_ordinal;     /* 1-based ordinal of the plist section afterwards */
	uint32_t nsects_after;    /* sections in the slice afterwards */
	uint8_t nsect_map[256];   /* old n_sect -> new n_sect (identity when unchanged) */
	int renumber;             /* nsect_map differs from identity somewhere */
	int add_codesig;          /* an LC_CODE_SIGNATURE is added */
	int drop_codesig;         /* PI_SIGN_NONE on a signed slice */
	uint32_t removed_ordinal; /* remove_old: the old section's ordinal (its symbols follow
	                             pi_plan_nsect_for_addr); 0 otherwise */
	pi_room room;             /* --make-room edits (room.n == 0 when none) */
	uint64_t cmds_end_after;  /* header size + sizeofcmds afterwards */
	uint64_t pad_before, pad_after;   /* header padding bytes before/after */
	uint64_t room_before, room_after; /* zero bytes at the chosen place, before/after */
	uint64_t linkedit_end;    /* end of __LINKEDIT data that is kept (before the signature) */
	uint64_t cs_dataoff;      /* where the new signature goes (16-aligned), 0 when none */
	uint64_t sig_datasize;    /* bytes reserved for it (pi_plan_signature) */
	uint64_t le_filesize;     /* __LINKEDIT's new filesize and vmsize (pi_plan_signature) */
	uint64_t le_vmsize;
} pi_plan;

/* Structural rules for editing a slice: __TEXT and __LINKEDIT present,
 * __LINKEDIT last and ending at the slice end, nothing after the signature,
 * not encrypted, little-endian 64/32-bit.  Returns PI_OK or PI_E_UNSUPPORTED /
 * PI_E_MALFORMED with the offending offset (absolute) in d. */
pi_status pi_plan_check_editable(const pi_slice *s, pi_diag *d);

/* The --make-room edits that free at least short_by header bytes, taken in
 * DESIGN.md's order and only as many as needed: an LC_DATA_IN_CODE whose
 * datasize is 0, then LC_SOURCE_VERSION, then LC_BUILD_VERSION's tool
 * entries (the first of each command; nothing else is ever removed).
 * Returns 1 when they suffice, with *r listing them; 0 when even all of them
 * free less, with *r listing every candidate (r->freed what they free). */
int pi_plan_make_room(const pi_slice *s, uint64_t short_by, pi_room *r);

/* "LC_DATA_IN_CODE (16 bytes, empty) and LC_SOURCE_VERSION (16 bytes)" for
 * the edits of r into buf (len bytes); "nothing" when there are none. */
void pi_room_describe(const pi_room *r, char *buf, size_t len);

/* Header bytes the edit needs: 80 (68 in a 32-bit slice) for a new section
 * header when the slice has no __info_plist yet, plus 16 when a signature
 * must be added.  When the header padding is smaller: with make_room, PI_OK
 * if pi_plan_make_room frees enough; otherwise PI_E_NO_ROOM with both
 * numbers and a hint that says whether --make-room would be enough and what
 * it would remove (or, given, how far it gets).  This is checked before any
 * question about identity. */
pi_status pi_plan_header_room(const pi_slice *s, pi_sign_mode mode, int make_room, pi_diag *d);

/* Decide where plist_len bytes go and what changes in the header.  An
 * existing __info_plist is rewritten in place when the new plist fits it or
 * the zero bytes after it (up to the next section or the end of __TEXT's
 * file range) hold the difference; otherwise it is removed and the new one
 * placed as a new section.  With make_room, header bytes that are short are
 * taken from the edits of pi_plan_make_room (p->room).  Returns PI_OK with
 * *p filled, or PI_E_NO_ROOM (numbers and the two remedies in d's message
 * and hint). */
pi_status pi_plan_inject(const pi_slice *s, uint64_t plist_len, pi_sign_mode mode, int make_room,
                         pi_plan *p, pi_diag *d);

/* The new n_sect for a symbol at VM address addr that named the section the
 * plan removes (p->removed_ordinal): the ordinal, after the edit, of the
 * section whose address range holds addr, or __TEXT's first section when
 * none does (the linkers' convention for __mh_execute_header; DESIGN.md
 * section 3). */
uint8_t pi_plan_nsect_for_addr(const pi_slice *s, const pi_plan *p, uint64_t addr);

/* Size __LINKEDIT and LC_CODE_SIGNATURE for a signature of datasize bytes
 * (0 with PI_SIGN_NONE) at p->cs_dataoff (reference section 7 step 7):
 * filesize = the signature's end - fileoff; vmsize grows to filesize rounded
 * up to 16 KiB, never shrinks.  Refuses (PI_E_UNSUPPORTED) when the offsets
 * do not fit LC_CODE_SIGNATURE's 32-bit fields, a 32-bit slice's segment
 * fields, or __LINKEDIT's VM range would wrap. */
pi_status pi_plan_signature(const pi_slice *s, pi_plan *p, uint64_t datasize, pi_diag *d);

/* Human name of a placement ("end of __TEXT", ...). */
const char *pi_place_name(pi_place_kind k);

#endif
