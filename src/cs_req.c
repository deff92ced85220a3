/* cs_req.c - designated requirement: compile the templates, read them back
 * (see cs_req.h). */
#include "config.h"

#include "cs_req.h"

#include <string.h>

/* Expression opcodes and match operations (Security requirement.h). */
enum {
	OP_IDENT = 2,
	OP_APPLE_ANCHOR = 3,
	OP_ANCHOR_HASH = 4,
	OP_AND = 6,
	OP_OR = 7,
	OP_CDHASH = 8,
	OP_CERT_FIELD = 11,
	OP_CERT_GENERIC = 14,
	OP_APPLE_GENERIC_ANCHOR = 15,
	OP_FLAG_MASK = 0xff000000u,
	MATCH_EXISTS = 0,
	MATCH_EQUAL = 1,
};

/* DER bodies of the Developer ID marker OIDs. */
static const uint8_t oid_devid_ca[10] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x02, 0x06 }; /* 1.2.840.113635.100.6.2.6 */
static const uint8_t oid_devid_leaf[10] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x01, 0x0d }; /* 1.2.840.113635.100.6.1.13 */
static const char field_ou[] = "subject.OU";

static uint32_t pad4(size_t n)
{
	return (uint32_t)((n + 3) & ~(size_t)3);
}

/* Size of one data operand: length word plus padded bytes. */
static uint32_t data_size(size_t n)
{
	return 4 + pad4(n);
}

uint32_t pi_cs_req_size(const pi_cs_req *r)
{
	size_t il = strnlen(r->identifier, sizeof r->identifier);
	if (il == 0 || il >= sizeof r->identifier)
		return 0;
	uint32_t n = 12 + 4 + 4 + data_size(il); /* header, and, ident */
	if (r->kind == PI_CS_REQ_DEVELOPER_ID) {
		size_t tl = strnlen(r->team, sizeof r->team);
		if (tl == 0 || tl >= sizeof r->team)
			return 0;
		n += 4 + 4;                                           /* and, anchor apple generic */
		n += 4 + (4 + 4 + data_size(sizeof oid_devid_ca) + 4); /* and, certificate 1[field..] */
		n += 4 + (4 + 4 + data_size(sizeof oid_devid_leaf) + 4);
		n += 4 + 4 + data_size(sizeof field_ou - 1) + 4 + data_size(tl); /* leaf[subject.OU] = */
		return n;
	}
	if (r->kind == PI_CS_REQ_CERT_HASH) {
		if (r->hash_len == 0 || r->hash_len > sizeof r->hash)
			return 0;
		return n + 4 + 4 + data_size(r->hash_len);
	}
	return 0;
}

/* A writer over a buffer already sized by pi_cs_req_size. */
typedef struct wr {
	uint8_t *p;
	uint32_t o;
} wr;

static void put(wr *w, uint32_t v)
{
	pi_put_u32be(w->p + w->o, v);
	w->o += 4;
}

static void put_data(wr *w, const void *b, size_t n)
{
	put(w, (uint32_t)n);
	memcpy(w->p + w->o, b, n);
	memset(w->p + w->o + n, 0, pad4(n) - n);
	w->o += pad4(n);
}

uint32_t pi_cs_req_write(const pi_cs_req *r, uint8_t *out)
{
	uint32_t size = pi_cs_req_size(r);
	if (!size)
		return 0;
	wr w = { out, 0 };
	put(&w, PI_CS_REQ_MAGIC);
	put(&w, size);
	put(&w, 1); /* kind: expression */
	put(&w, OP_AND);
	put(&w, OP_IDENT);
	put_data(&w, r->identifier, strlen(r->identifier));
	if (r->kind == PI_CS_REQ_DEVELOPER_ID) {
		put(&w, OP_AND);
		put(&w, OP_APPLE_GENERIC_ANCHOR);
		put(&w, OP_AND);
		put(&w, OP_CERT_GENERIC);
		put(&w, 1);
		put_data(&w, oid_devid_ca, sizeof oid_devid_ca);
		put(&w, MATCH_EXISTS);
		put(&w, OP_AND);
		put(&w, OP_CERT_GENERIC);
		put(&w, 0);
		put_data(&w, oid_devid_leaf, sizeof oid_devid_leaf);
		put(&w, MATCH_EXISTS);
		put(&w, OP_CERT_FIELD);
		put(&w, 0);
		put_data(&w, field_ou, sizeof field_ou - 1);
		put(&w, MATCH_EQUAL);
		put_data(&w, r->team, strlen(r->team));
	} else {
		put(&w, OP_ANCHOR_HASH);
		put(&w, (uint32_t)r->slot);
		put_data(&w, r->hash, r->hash_len);
	}
	return w.o == size ? size : 0;
}

uint32_t pi_cs_reqset_size(const pi_cs_req *r)
{
	uint32_t n = pi_cs_req_size(r);
	return n ? 20 + n : 0;
}

uint32_t pi_cs_reqset_write(const pi_cs_req *r, uint8_t *out)
{
	uint32_t n = pi_cs_reqset_size(r);
	if (!n)
		return 0;
	pi_put_u32be(out, PI_CS_REQ_SET_MAGIC);
	pi_put_u32be(out + 4, n);
	pi_put_u32be(out + 8, 1);
	pi_put_u32be(out + 12, PI_CS_REQ_DESIGNATED);
	pi_put_u32be(out + 16, 20);
	return pi_cs_req_write(r, out + 20) ? n : 0;
}

/* ---- reading ---- */

/* One leaf term of an `and` chain, as far as the templates need it. */
typedef struct term {
	uint32_t op;
	int32_t slot;
	uint64_t a_off, a_len;   /* first data operand (relative to the requirement) */
	uint32_t match;
	uint64_t b_off, b_len;   /* value operand of a match, when present */
} term;

#define MAX_TERMS 8
#define MAX_DEPTH 64

typedef struct rd {
	const pi_cur *c;
	uint64_t o;
	term t[MAX_TERMS];
	unsigned nt;
	int only_and;   /* every join so far is `and` and every term is known */
	pi_diag *d;
} rd;

static pi_status bad(rd *x, uint64_t off, const char *what)
{
	return pi_fail(x->d, PI_E_MALFORMED, pi_cur_abs(x->c, off), "designated requirement: %s", what);
}

static pi_status u32(rd *x, uint32_t *v, const char *what)
{
	if (!pi_cur_u32be(x->c, x->o, v))
		return bad(x, x->o, what);
	x->o += 4;
	return PI_OK;
}

static pi_status data(rd *x, uint64_t *off, uint64_t *len)
{
	uint32_t n;
	pi_status st = u32(x, &n, "data length runs past the blob");
	if (st)
		return st;
	uint64_t padded;
	if (!pi_align_up(n, 4, &padded) || !pi_cur_has(x->c, x->o, padded))
		return bad(x, x->o - 4, "data runs past the blob");
	*off = x->o;
	*len = n;
	x->o += padded;
	return PI_OK;
}

/* Match suffix: op, then a value unless matchExists (and the date/absent
 * forms, which the templates never use: they end the decoding). */
static pi_status match(rd *x, term *t)
{
	pi_status st = u32(x, &t->match, "match operation runs past the blob");
	if (st)
		return st;
	if (t->match == MATCH_EXISTS)
		return PI_OK;
	if (t->match >= 1 && t->match <= 8) /* equal .. greaterEqual: a string value */
		return data(x, &t->b_off, &t->b_len);
	x->only_and = 0;
	return PI_OK;
}

static pi_status expr(rd *x, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return bad(x, x->o, "expression nested too deeply");
	uint32_t op;
	pi_status st = u32(x, &op, "opcode runs past the blob");
	if (st)
		return st;
	term t = { .op = op & ~OP_FLAG_MASK };
	switch (op & ~OP_FLAG_MASK) {
	case OP_AND:
	case OP_OR:
		if ((op & ~OP_FLAG_MASK) == OP_OR)
			x->only_and = 0;
		if ((st = expr(x, depth + 1)) || !x->only_and)
			return st;
		return expr(x, depth + 1);
	case OP_IDENT:
	case OP_CDHASH:
		st = data(x, &t.a_off, &t.a_len);
		break;
	case OP_APPLE_ANCHOR:
	case OP_APPLE_GENERIC_ANCHOR:
		break;
	case OP_ANCHOR_HASH: {
		uint32_t s;
		if (!(st = u32(x, &s, "certificate slot runs past the blob")))
			st = data(x, &t.a_off, &t.a_len);
		t.slot = (int32_t)s;
		break;
	}
	case OP_CERT_FIELD:
	case OP_CERT_GENERIC: {
		uint32_t s;
		if (!(st = u32(x, &s, "certificate slot runs past the blob")) &&
		    !(st = data(x, &t.a_off, &t.a_len)))
			st = match(x, &t);
		t.slot = (int32_t)s;
		break;
	}
	default:
		/* a valid opcode outside the templates: its operands are not
		 * decoded, so the walk stops here */
		x->only_and = 0;
		return PI_OK;
	}
	if (st)
		return st;
	if (x->nt == MAX_TERMS) {
		x->only_and = 0;
		return PI_OK;
	}
	x->t[x->nt++] = t;
	return PI_OK;
}

static int is_bytes(const rd *x, uint64_t off, uint64_t len, const void *want, size_t n)
{
	const uint8_t *p = pi_cur_ptr(x->c, off, len);
	return len == n && p && memcmp(p, want, n) == 0;
}

/* Copy a data operand into a NUL-terminated string; 0 when it does not
 * fit or holds a NUL. */
static int str(const rd *x, uint64_t off, uint64_t len, char *out, size_t n)
{
	const uint8_t *p = pi_cur_ptr(x->c, off, len);
	if (!p || len >= n || memchr(p, 0, (size_t)len))
		return 0;
	memcpy(out, p, (size_t)len);
	out[len] = 0;
	return 1;
}

static void classify(const rd *x, pi_cs_req *r)
{
	r->kind = PI_CS_REQ_OTHER;
	if (!x->only_and || x->nt < 2 || x->t[0].op != OP_IDENT)
		return;
	char id[sizeof r->identifier];
	if (!str(x, x->t[0].a_off, x->t[0].a_len, id, sizeof id))
		return;
	const term *t = x->t + 1;
	if (x->nt == 2 && t[0].op == OP_ANCHOR_HASH && t[0].a_len > 0 && t[0].a_len <= sizeof r->hash) {
		r->kind = PI_CS_REQ_CERT_HASH;
		r->slot = t[0].slot;
		r->hash_len = (uint32_t)t[0].a_len;
		memcpy(r->hash, pi_cur_ptr(x->c, t[0].a_off, t[0].a_len), r->hash_len);
	} else if (x->nt == 5 && t[0].op == OP_APPLE_GENERIC_ANCHOR &&
	           t[1].op == OP_CERT_GENERIC && t[1].slot == 1 && t[1].match == MATCH_EXISTS &&
	           is_bytes(x, t[1].a_off, t[1].a_len, oid_devid_ca, sizeof oid_devid_ca) &&
	           t[2].op == OP_CERT_GENERIC && t[2].slot == 0 && t[2].match == MATCH_EXISTS &&
	           is_bytes(x, t[2].a_off, t[2].a_len, oid_devid_leaf, sizeof oid_devid_leaf) &&
	           t[3].op == OP_CERT_FIELD && t[3].slot == 0 && t[3].match == MATCH_EQUAL &&
	           is_bytes(x, t[3].a_off, t[3].a_len, field_ou, sizeof field_ou - 1) &&
	           str(x, t[3].b_off, t[3].b_len, r->team, sizeof r->team) && r->team[0]) {
		r->kind = PI_CS_REQ_DEVELOPER_ID;
	} else {
		r->team[0] = 0;
		return;
	}
	memcpy(r->identifier, id, sizeof id);
}

pi_status pi_cs_req_parse(const pi_cur *c, pi_cs_req *r, pi_diag *d)
{
	memset(r, 0, sizeof *r);
	uint32_t magic, len, kind;
	if (!pi_cur_u32be(c, 0, &magic) || !pi_cur_u32be(c, 4, &len) || !pi_cur_u32be(c, 8, &kind))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 0), "designated requirement: header runs past the blob");
	if (magic != PI_CS_REQ_MAGIC)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 0),
		               "designated requirement: magic 0x%08x is not 0xfade0c00", magic);
	pi_cur v;
	if (len < 12 || !pi_cur_sub(c, 0, len, &v))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 4),
		               "designated requirement: length %u does not fit its blob (%llu bytes)", len,
		               (unsigned long long)c->len);
	if (kind != 1) { /* only the expression form exists */
		r->kind = PI_CS_REQ_OTHER;
		return PI_OK;
	}
	rd x = { .c = &v, .o = 12, .only_and = 1, .d = d };
	pi_status st = expr(&x, 0);
	if (st)
		return st;
	if (x.only_and && x.o != len)
		x.only_and = 0; /* trailing bytes: not what we write */
	classify(&x, r);
	return PI_OK;
}

pi_status pi_cs_reqset_parse(const pi_cur *c, pi_cs_req *r, pi_diag *d)
{
	memset(r, 0, sizeof *r);
	uint32_t magic, len, count;
	if (!pi_cur_u32be(c, 0, &magic) || !pi_cur_u32be(c, 4, &len) || !pi_cur_u32be(c, 8, &count))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 0), "requirements: header runs past the blob");
	if (magic != PI_CS_REQ_SET_MAGIC)
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 0),
		               "requirements: magic 0x%08x is not 0xfade0c01", magic);
	pi_cur v;
	if (len < 12 || !pi_cur_sub(c, 0, len, &v))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(c, 4),
		               "requirements: length %u does not fit its blob (%llu bytes)", len,
		               (unsigned long long)c->len);
	uint64_t idx_len;
	if (!pi_mul_u64(count, 8, &idx_len) || !pi_cur_has(&v, 12, idx_len))
		return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(&v, 8),
		               "requirements: %u index entries do not fit the blob (%u bytes)", count, len);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t type, off;
		pi_cur_u32be(&v, 12 + 8 * (uint64_t)i, &type);
		pi_cur_u32be(&v, 16 + 8 * (uint64_t)i, &off);
		if (type != PI_CS_REQ_DESIGNATED)
			continue;
		uint32_t rlen;
		pi_cur rc;
		if (off < 12 + idx_len || !pi_cur_u32be(&v, (uint64_t)off + 4, &rlen) ||
		    !pi_cur_sub(&v, off, rlen, &rc))
			return pi_fail(d, PI_E_MALFORMED, pi_cur_abs(&v, 16 + 8 * (uint64_t)i),
			               "requirements: entry %u (designated) at offset %u runs past the blob", i, off);
		return pi_cs_req_parse(&rc, r, d);
	}
	r->kind = PI_CS_REQ_NONE;
	return PI_OK;
}
