/* digest.c - hashing through OpenSSL EVP (see digest.h). */
#include "config.h"

#include "digest.h"

#include <openssl/evp.h>
#include <stdlib.h>

#include "macho_defs.h"

struct pi_digest {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
	uint32_t type;
	int begun;             /* ctx holds md */
};

size_t pi_digest_len(uint32_t t)
{
	switch (t) {
	case CS_HASHTYPE_SHA1: return 20;
	case CS_HASHTYPE_SHA256: return 32;
	case CS_HASHTYPE_SHA256_TRUNCATED: return 20;
	case CS_HASHTYPE_SHA384: return 48;
	default: return 0;
	}
}

pi_digest *pi_digest_new(uint32_t t)
{
	const EVP_MD *md;
	switch (t) {
	case CS_HASHTYPE_SHA1: md = EVP_sha1(); break;
	case CS_HASHTYPE_SHA256:
	case CS_HASHTYPE_SHA256_TRUNCATED: md = EVP_sha256(); break;
	case CS_HASHTYPE_SHA384: md = EVP_sha384(); break;
	default: return NULL;
	}
	pi_digest *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx) {
		free(h);
		return NULL;
	}
	h->md = md;
	h->type = t;
	return h;
}

void pi_digest_free(pi_digest *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int pi_digest_begin(pi_digest *h)
{
	/* after the first time, NULL keeps the context's digest: OpenSSL 3
	 * would otherwise look the algorithm up again for every page */
	if (EVP_DigestInit_ex(h->ctx, h->begun ? NULL : h->md, NULL) != 1)
		return 0;
	h->begun = 1;
	return 1;
}

int pi_digest_update(pi_digest *h, const void *p, size_t len)
{
	return EVP_DigestUpdate(h->ctx, p, len) == 1;
}

int pi_digest_end(pi_digest *h, uint8_t *out)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (EVP_DigestFinal_ex(h->ctx, full, &n) != 1)
		return 0;
	size_t want = pi_digest_len(h->type);
	for (size_t i = 0; i < want && i < n; i++)
		out[i] = full[i];
	return 1;
}

int pi_digest_once(pi_digest *h, const void *p, size_t len, uint8_t *out)
{
	return pi_digest_begin(h) && pi_digest_update(h, p, len) && pi_digest_end(h, out);
}

int pi_sha256(const void *p, size_t len, uint8_t out[32])
{
	unsigned n = 0;
	return EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32;
}

void pi_hex(const uint8_t *p, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = x[p[i] >> 4];
		out[2 * i + 1] = x[p[i] & 15];
	}
	out[2 * n] = 0;
}
