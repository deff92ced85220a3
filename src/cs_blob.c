/* cs_blob.c - SuperBlob and CodeDirectory parse and serialise (see cs_blob.h). */
#include "config.h"

#include "cs_blob.h"

#include <stdarg.h>
#include <string.h>

#include "macho_defs.h"

const uint8_t pi_cs_empty_requirements[12] = { 0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 12, 0, 0, 0, 0 };
const uint8_t pi_cs_empty_cms[8] = { 0xfa, 0xde, 0x0b, 0x01, 0, 0, 0, 8 };

uint32_t pi_cs_cd_header_size(uint32_t v)
{
	if (v >= CS_SUPPORTSLINKAGE)
		return 108;
	if (v >= CS_SUPPORTSRUNTIME)
		return 96;
	if (v >= CS_SUPPORTSEXECSEG)
		return 88;
	if (v >= CS_SUPPORTSCODELIMIT64)
		return 64;
	if (v >= CS_SUPPORTSTEAMID)
		return 52;
	if (v >= CS_SUPPORTSSCATTER)
		return 48;
	return 44;
}

static void damage(pi_cs_sig *sig, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void damage(pi_cs_sig *sig, uint64_t off, const char *fmt, ...)
{
	if (sig->damaged)
		return;
	sig->damaged = 1;
	sig->damage_off = off;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sig->damage, sizeof sig->damage, fmt, ap);
	va_end(ap);
}

/* Copy the NUL-terminated string at off in c into out; 0 if unterminated. */
static int cstring(const pi_cur *c, uint64_t off, char *out, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		uint8_t b;
		if (!pi_cur_u8(c, off + i, &b))
			return 0;
		out[i] = (char)b;
		if (!b)
			return 1;
	}
	return 0;
}

int pi_cs_cd_parse(const pi_cur *c, pi_cs_cd *cd, char *why, size_t why_len)
{
	memset(cd, 0, sizeof *cd);
	uint32_t magic;
	if (!pi_cur_u32be(c, 0, &magic) || magic != CSMAGIC_CODEDIRECTORY) {
		snprintf(why, why_len, "CodeDirectory magic is wrong");
		return 0;
	}
	cd->p = c->p;
	cd->abs_off = c->origin;
	pi_cur_u32be(c, 4, &cd->length);
	if (cd->length > c->len || cd->length < 44) {
		snprintf(why, why_len, "CodeDirectory length %u does not fit its blob (%llu bytes)",
		         cd->length, (unsigned long long)c->len);
		return 0;
	}
	pi_cur v;
	pi_cur_sub(c, 0, cd->length, &v);
	uint32_t cl32;
	pi_cur_u32be(&v, 8, &cd->version);
	pi_cur_u32be(&v, 12, &cd->flags);
	pi_cur_u32be(&v, 16, &cd->hash_offset);
	pi_cur_u32be(&v, 20, &cd->ident_offset);
	pi_cur_u32be(&v, 24, &cd->nspecial);
	pi_cur_u32be(&v, 28, &cd->ncode);
	pi_cur_u32be(&v, 32, &cl32);
	pi_cur_u8(&v, 36, &cd->hash_size);
	pi_cur_u8(&v, 37, &cd->hash_type);
	pi_cur_u8(&v, 38, &cd->platform);
	pi_cur_u8(&v, 39, &cd->page_shift);
	cd->code_limit = cl32;
	if (cd->version < CS_CD_VERSION_MIN || cd->version > CS_CD_VERSION_MAX) {
		snprintf(why, why_len, "CodeDirectory version 0x%x is not one Apple accepts", cd->version);
		return 0;
	}
	uint32_t hs = pi_cs_cd_header_size(cd->version);
	if (hs > cd->length) {
		snprintf(why, why_len, "CodeDirectory length %u is shorter than its 0x%x header", cd->length,
		         cd->version);
		return 0;
	}
	if (cd->version >= CS_SUPPORTSSCATTER)
		pi_cur_u32be(&v, 44, &cd->scatter_offset);
	if (cd->version >= CS_SUPPORTSTEAMID)
		pi_cur_u32be(&v, 48, &cd->team_offset);
	if (cd->version >= CS_SUPPORTSCODELIMIT64) {
		uint64_t cl64;
		pi_cur_u64be(&v, 56, &cl64);
		if (cl64)
			cd->code_limit = cl64;
	}
	if (cd->version >= CS_SUPPORTSEXECSEG) {
		pi_cur_u64be(&v, 64, &cd->exec_base);
		pi_cur_u64be(&v, 72, &cd->exec_limit);
		pi_cur_u64be(&v, 80, &cd->exec_flags);
	}
	if (cd->version >= CS_SUPPORTSRUNTIME)
		pi_cur_u32be(&v, 88, &cd->runtime);
	if (!cstring(&v, cd->ident_offset, cd->identifier, sizeof cd->identifier)) {
		snprintf(why, why_len, "CodeDirectory identifier at %u is not a terminated string",
		         cd->ident_offset);
		return 0;
	}
	if (cd->team_offset && !cstring(&v, cd->team_offset, cd->team, sizeof cd->team)) {
		snprintf(why, why_len, "CodeDirectory team ID at %u is not a terminated string",
		         cd->team_offset);
		return 0;
	}
	if (cd->hash_size == 0 || cd->hash_size > 64) {
		snprintf(why, why_len, "CodeDirectory hash size %u is not valid", cd->hash_size);
		return 0;
	}
	uint64_t special = (uint64_t)cd->nspecial * cd->hash_size;
	uint64_t code = (uint64_t)cd->ncode * cd->hash_size;
	if (special > cd->hash_offset || (uint64_t)cd->hash_offset + code > cd->length) {
		snprintf(why, why_len, "CodeDirectory slot counts (%u special, %u code) exceed the blob",
		         cd->nspecial, cd->ncode);
		return 0;
	}
	return 1;
}

const uint8_t *pi_cs_cd_special(const pi_cs_cd *cd, uint32_t k)
{
	if (k == 0 || k > cd->nspecial)
		return NULL;
	return cd->p + cd->hash_offset - (uint64_t)k * cd->hash_size;
}

const uint8_t *pi_cs_cd_code(const pi_cs_cd *cd, uint32_t i)
{
	if (i >= cd->ncode)
		return NULL;
	return cd->p + cd->hash_offset + (uint64_t)i * cd->hash_size;
}

const pi_cs_blobref *pi_cs_sig_blob(const pi_cs_sig *sig, uint32_t type)
{
	for (uint32_t i = 0; i < sig->nblobs; i++)
		if (sig->blobs[i].type == type && sig->blobs[i].p)
			return &sig->blobs[i];
	return NULL;
}

pi_status pi_cs_sig_parse(const pi_cur *c, pi_cs_sig *sig)
{
	memset(sig, 0, sizeof *sig);
	sig->abs_off = c->origin;
	uint32_t magic;
	if (!pi_cur_u32be(c, 0, &magic) || !pi_cur_u32be(c, 4, &sig->length) ||
	    !pi_cur_u32be(c, 8, &sig->count)) {
		damage(sig, c->origin, "code signature is shorter than a SuperBlob header");
		return PI_E_MALFORMED;
	}
	if (magic != CSMAGIC_EMBEDDED_SIGNATURE) {
		damage(sig, c->origin, "code signature magic 0x%08x is not an embedded signature", magic);
		return PI_E_MALFORMED;
	}
	pi_cur sb = *c;
	if (sig->length > c->len || sig->length < 12) {
		damage(sig, c->origin + 4,
		       "SuperBlob length %u runs past LC_CODE_SIGNATURE's datasize %llu", sig->length,
		       (unsigned long long)c->len);
		/* use what lies inside datasize */
	} else {
		pi_cur_sub(c, 0, sig->length, &sb);
	}
	uint32_t n = sig->count;
	if ((uint64_t)n * 8 + 12 > sb.len) {
		damage(sig, c->origin + 8, "SuperBlob count %u runs past its length", n);
		n = (uint32_t)((sb.len - 12) / 8);
	}
	for (uint32_t i = 0; i < n && sig->nblobs < PI_CS_MAX_BLOBS; i++) {
		uint32_t type, off, bmagic, blen;
		pi_cur_u32be(&sb, 12 + 8 * (uint64_t)i, &type);
		pi_cur_u32be(&sb, 16 + 8 * (uint64_t)i, &off);
		pi_cs_blobref *b = &sig->blobs[sig->nblobs++];
		b->type = type;
		b->abs_off = pi_cur_abs(&sb, off);
		if (!pi_cur_u32be(&sb, off, &bmagic) || !pi_cur_u32be(&sb, (uint64_t)off + 4, &blen) ||
		    blen < 8 || !pi_cur_has(&sb, off, blen)) {
			damage(sig, pi_cur_abs(&sb, 12 + 8 * (uint64_t)i),
			       "signature blob #%u (slot 0x%x) runs past the SuperBlob", i, type);
			continue;
		}
		b->magic = bmagic;
		b->p = sb.p + off;
		b->len = blen;
		int is_cd = type == CSSLOT_CODEDIRECTORY ||
		            (type >= CSSLOT_ALTERNATE_CODEDIRECTORIES &&
		             type < CSSLOT_ALTERNATE_CODEDIRECTORIES + CSSLOT_ALTERNATE_CODEDIRECTORY_MAX);
		if (is_cd && sig->ncds < PI_CS_MAX_CDS) {
			pi_cur cdc;
			pi_cur_sub(&sb, off, blen, &cdc);
			char why[160];
			pi_cs_cd cd;
			if (pi_cs_cd_parse(&cdc, &cd, why, sizeof why)) {
				if (type == CSSLOT_CODEDIRECTORY) {
					/* keep the primary first */
					memmove(&sig->cds[1], &sig->cds[0], sig->ncds * sizeof cd);
					sig->cds[0] = cd;
					sig->has_cd = 1;
				} else {
					sig->cds[sig->ncds] = cd;
				}
				sig->ncds++;
			} else {
				damage(sig, b->abs_off, "%s", why);
			}
		}
	}
	if (!sig->has_cd)
		damage(sig, c->origin, "the code signature has no usable CodeDirectory");
	return PI_OK;
}

uint64_t pi_cs_cd_ncode(const pi_cs_cd_params *p)
{
	uint64_t page = 1ull << p->page_shift;
	return (p->code_limit + page - 1) / page;
}

static uint64_t cd_hash_offset(const pi_cs_cd_params *p)
{
	uint64_t o = pi_cs_cd_header_size(p->version);
	o += strlen(p->identifier) + 1;
	if (p->team)
		o += strlen(p->team) + 1;
	o += (uint64_t)p->nspecial * p->hash_size;
	return o;
}

uint64_t pi_cs_cd_size(const pi_cs_cd_params *p)
{
	uint64_t n = cd_hash_offset(p) + pi_cs_cd_ncode(p) * p->hash_size;
	return n > UINT32_MAX ? 0 : n;
}

uint32_t pi_cs_cd_write(const pi_cs_cd_params *p, uint8_t *out)
{
	uint32_t hs = pi_cs_cd_header_size(p->version);
	uint64_t size = pi_cs_cd_size(p);
	uint32_t hash_off = (uint32_t)cd_hash_offset(p);
	uint64_t ncode = pi_cs_cd_ncode(p);
	memset(out, 0, size);
	pi_put_u32be(out, CSMAGIC_CODEDIRECTORY);
	pi_put_u32be(out + 4, (uint32_t)size);
	pi_put_u32be(out + 8, p->version);
	pi_put_u32be(out + 12, p->flags);
	pi_put_u32be(out + 16, hash_off);
	pi_put_u32be(out + 20, hs);
	pi_put_u32be(out + 24, p->nspecial);
	pi_put_u32be(out + 28, (uint32_t)ncode);
	int big = p->code_limit > UINT32_MAX;
	pi_put_u32be(out + 32, big ? UINT32_MAX : (uint32_t)p->code_limit);
	out[36] = p->hash_size;
	out[37] = p->hash_type;
	out[38] = p->platform;
	out[39] = p->page_shift;
	uint32_t o = hs;
	size_t il = strlen(p->identifier) + 1;
	memcpy(out + o, p->identifier, il);
	o += (uint32_t)il;
	if (p->team && p->version >= CS_SUPPORTSTEAMID) {
		pi_put_u32be(out + 48, o);
		size_t tl = strlen(p->team) + 1;
		memcpy(out + o, p->team, tl);
		o += (uint32_t)tl;
	}
	if (p->version >= CS_SUPPORTSCODELIMIT64 && big)
		pi_put_u64be(out + 56, p->code_limit);
	if (p->version >= CS_SUPPORTSEXECSEG) {
		pi_put_u64be(out + 64, p->exec_base);
		pi_put_u64be(out + 72, p->exec_limit);
		pi_put_u64be(out + 80, p->exec_flags);
	}
	if (p->version >= CS_SUPPORTSRUNTIME)
		pi_put_u32be(out + 88, p->runtime);
	for (uint32_t k = 1; k <= p->nspecial; k++)
		memcpy(out + hash_off - (uint64_t)k * p->hash_size, p->special[k], p->hash_size);
	return hash_off;
}

uint64_t pi_cs_superblob_size(const pi_cs_part *parts, uint32_t n)
{
	uint64_t s = 12 + 8 * (uint64_t)n;
	for (uint32_t i = 0; i < n; i++)
		s += parts[i].len;
	return s;
}

void pi_cs_superblob_write(const pi_cs_part *parts, uint32_t n, uint8_t *out)
{
	uint64_t size = pi_cs_superblob_size(parts, n);
	pi_put_u32be(out, CSMAGIC_EMBEDDED_SIGNATURE);
	pi_put_u32be(out + 4, (uint32_t)size);
	pi_put_u32be(out + 8, n);
	uint32_t off = 12 + 8 * n;
	for (uint32_t i = 0; i < n; i++) {
		pi_put_u32be(out + 12 + 8 * i, parts[i].type);
		pi_put_u32be(out + 16 + 8 * i, off);
		if (parts[i].p)
			memcpy(out + off, parts[i].p, parts[i].len);
		off += parts[i].len;
	}
}
