/* emit.h - apply a plan to one slice as patches on an overlay.
 *
 * Edits (reference/macho-signing.md section 5.1 steps 5-8, section 7 step 7):
 * the header and load commands are rebuilt as one patch ([0, max(old, new)
 * end of load commands)); the plist bytes are written at plan->data_off; an
 * old section being replaced is zeroed; n_sect values in the symbol table
 * are renumbered (DESIGN.md section 3); __LINKEDIT and LC_CODE_SIGNATURE get
 * the new signature's offset and size, and the overlay length becomes the
 * signature's end.  The signature bytes themselves are left zero for
 * cs_sign to fill.  Nothing else changes.
 */
#ifndef PI_EMIT_H
#define PI_EMIT_H

#include <stdint.h>

#include "macho.h"
#include "overlay.h"
#include "plan.h"
#include "status.h"

/* 1 when a symbol with this n_type and n_sect names a section in n_sect:
 * non-stab N_SECT symbols, and the stabs <mach-o/stab.h> documents as
 * carrying a section (N_FUN, N_STSYM, N_LCSYM, N_BNSYM, N_ENSYM, N_SLINE,
 * N_SO, N_SOL, N_ENTRY, N_ECOMM, N_ECOML) when n_sect is not 0. */
int pi_nsect_is_section(uint8_t n_type, uint8_t n_sect);

/* Apply p to slice s in ov (an overlay of exactly the slice's bytes).
 * plist: plan->plist_len bytes (copied).  sig_datasize: bytes reserved for the
 * new signature at p->cs_dataoff (a multiple of 16; 0 with PI_SIGN_NONE), as
 * given to pi_plan_signature before.
 * Returns PI_OK, PI_E_NOMEM, or PI_E_INTERNAL if the result would be
 * inconsistent (a bug). */
pi_status pi_emit_slice(const pi_slice *s, const pi_plan *p, const uint8_t *plist,
                        uint64_t sig_datasize, pi_overlay *ov, pi_diag *d);

#endif

/* Lay out a universal file for img's slices with new sizes sizes[i] (bytes):
 * a 32-bit FAT_MAGIC header (Apple's Security framework reads only that form,
 * reference section 6) keeping each slice's order, cputype, cpusubtype and
 * align; offsets[i] = the previous end (the header's end for the first)
 * rounded up to 2^align.  *hdr is a malloc'd buffer of *hdr_len bytes
 * (8 + 20 n, big-endian) the caller frees.  Errors: PI_E_UNSUPPORTED when an
 * offset or size does not fit 32 bits; PI_E_NOMEM. */
pi_status pi_emit_fat_header(const pi_image *img, const uint64_t *sizes, uint64_t *offsets,
                             uint8_t **hdr, size_t *hdr_len, pi_diag *d);
