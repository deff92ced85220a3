/* cs_blob.h - embedded code signature: SuperBlob, CodeDirectory, and the
 * blobs we carry over (requirements, entitlements, constraints, CMS).
 *
 * Format: xnu osfmk/kern/cs_blobs.h and Security codedirectory.h /
 * superblob.h; every field big-endian (reference/macho-signing.md section 2).
 * The parser is lenient by design (DESIGN.md section 3): an old signature is
 * only a source of metadata, so damage is recorded, not fatal, and only parts
 * that parse inside their bounds are used.  The serialisers write what
 * pi_cs_*_parse reads, so write(parse(x)) == x for standard layouts.
 */
#ifndef PI_CS_BLOB_H
#define PI_CS_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "status.h"

#define PI_CS_MAX_SPECIAL 11u   /* highest special slot we know (library constraint) */
#define PI_CS_MAX_CDS 6u        /* primary + 5 alternates */
#define PI_CS_MAX_BLOBS 32u

/* A blob inside a SuperBlob: its slot type and its bytes (header included),
 * pointing into the input mapping. */
typedef struct pi_cs_blobref {
	uint32_t type;          /* index slot type (0, 2, 5, 7, 0x1000.., 0x10000) */
	uint32_t magic;
	const uint8_t *p;       /* not owned; NULL when absent */
	uint32_t len;           /* blob length in bytes, header included */
	uint64_t abs_off;       /* absolute file offset of the blob */
} pi_cs_blobref;

/* A parsed CodeDirectory (fields as stored, host order). */
typedef struct pi_cs_cd {
	const uint8_t *p;       /* the CD blob bytes; not owned */
	uint32_t length, version, flags, hash_offset, ident_offset, nspecial, ncode;
	uint64_t code_limit;    /* codeLimit, or codeLimit64 when version >= 0x20300 and set */
	uint8_t hash_size, hash_type, platform, page_shift;
	uint32_t scatter_offset, team_offset;
	uint64_t exec_base, exec_limit, exec_flags;
	uint32_t runtime;
	char identifier[256];
	char team[64];
	uint64_t abs_off;
} pi_cs_cd;

/* A parsed embedded signature. */
typedef struct pi_cs_sig {
	uint32_t length, count;         /* SuperBlob length and index count */
	uint64_t abs_off;               /* absolute offset of the SuperBlob */
	pi_cs_blobref blobs[PI_CS_MAX_BLOBS];
	uint32_t nblobs;                /* index entries kept (<= count) */
	pi_cs_cd cds[PI_CS_MAX_CDS];    /* cds[0] is slot 0 when has_cd */
	uint32_t ncds;
	int has_cd;                     /* slot 0 parsed */
	int damaged;                    /* something did not parse in bounds */
	char damage[256];               /* first problem, for the one-line warning */
	uint64_t damage_off;            /* its absolute offset */
} pi_cs_sig;

/* Parse the SuperBlob in c (c = [dataoff, dataoff+datasize) of the slice,
 * origin absolute).  Always fills *sig; damage goes into sig->damaged and
 * sig->damage.  Returns PI_OK, or PI_E_MALFORMED when not even the SuperBlob
 * header is usable (then sig->damaged is set too). */
pi_status pi_cs_sig_parse(const pi_cur *c, pi_cs_sig *sig);

/* Parse one CodeDirectory blob at [0, c->len).  Returns 1 when it parses in
 * bounds (and fills *cd), 0 otherwise with a reason in why[why_len]. */
int pi_cs_cd_parse(const pi_cur *c, pi_cs_cd *cd, char *why, size_t why_len);

/* The blob of slot type `type` in sig, or NULL. */
const pi_cs_blobref *pi_cs_sig_blob(const pi_cs_sig *sig, uint32_t type);

/* Address of special slot k (1..nspecial) / code slot i in cd, or NULL when
 * outside the CD. */
const uint8_t *pi_cs_cd_special(const pi_cs_cd *cd, uint32_t k);
const uint8_t *pi_cs_cd_code(const pi_cs_cd *cd, uint32_t i);

/* ---- serialising ---- */

/* What goes into a new CodeDirectory.  Hash type is always SHA-256. */
typedef struct pi_cs_cd_params {
	uint32_t version;                 /* 0x20400 or 0x20500 (or any listed layout) */
	uint32_t flags;
	const char *identifier;           /* not owned */
	const char *team;                 /* NULL: none */
	uint64_t code_limit;              /* bytes hashed: [0, code_limit) */
	uint8_t page_shift;               /* 12 */
	uint8_t hash_type, hash_size;     /* 2, 32 */
	uint8_t platform;
	uint32_t nspecial;                /* highest special slot written */
	uint8_t special[PI_CS_MAX_SPECIAL + 1][48]; /* special[k], k = 1..nspecial */
	uint64_t exec_base, exec_limit, exec_flags;
	uint32_t runtime;
} pi_cs_cd_params;

/* Header size of a CodeDirectory of the given version (44 ... 108). */
uint32_t pi_cs_cd_header_size(uint32_t version);

/* Number of code slots for params (ceil(code_limit / page size)). */
uint64_t pi_cs_cd_ncode(const pi_cs_cd_params *p);

/* Exact byte length of the CD p describes; 0 when it would not fit 32 bits. */
uint64_t pi_cs_cd_size(const pi_cs_cd_params *p);

/* Write the CD into out[0, pi_cs_cd_size(p)): header, identifier, team,
 * special slots from nspecial down to 1, then code slots left zero for the
 * caller to fill at pi_cs_cd_write's returned hash offset.  Returns the
 * offset of code slot 0 within out. */
uint32_t pi_cs_cd_write(const pi_cs_cd_params *p, uint8_t *out);

/* A SuperBlob's parts for writing: slot types ascending, each blob complete
 * (header included). */
typedef struct pi_cs_part {
	uint32_t type;
	const uint8_t *p;
	uint32_t len;
} pi_cs_part;

/* Length of a SuperBlob of these parts: 12 + 8n + sum of lengths. */
uint64_t pi_cs_superblob_size(const pi_cs_part *parts, uint32_t n);

/* Write the SuperBlob to out (pi_cs_superblob_size bytes).  Parts are laid
 * out in the order given, right after the index. */
void pi_cs_superblob_write(const pi_cs_part *parts, uint32_t n, uint8_t *out);

/* The 12-byte empty requirements set and the 8-byte empty CMS wrapper an
 * ad-hoc signature carries (reference section 2.4 test vectors). */
extern const uint8_t pi_cs_empty_requirements[12];
extern const uint8_t pi_cs_empty_cms[8];

#endif
