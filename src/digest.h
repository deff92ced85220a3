/* digest.h - the hashes code signatures use, through OpenSSL EVP.
 *
 * With src/cs_cms.c (certificates, CMS, timestamps), the only module that
 * sees OpenSSL.  Hash types are cs_blobs.h's
 * CS_HASHTYPE_* (1 SHA-1, 2 SHA-256, 3 SHA-256 truncated to 20, 4 SHA-384);
 * SHA-1 and SHA-384 are only ever used to verify existing signatures.
 */
#ifndef PI_DIGEST_H
#define PI_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define PI_DIGEST_MAX 48

typedef struct pi_digest pi_digest; /* opaque, reusable hashing context */

/* Full output length of hash type t, and the length stored in a
 * CodeDirectory slot for it (20 for type 3); 0 for unknown types. */
size_t pi_digest_len(uint32_t hash_type);

/* A context for hash type t, or NULL (unknown type or out of memory).
 * Free with pi_digest_free.  One context per thread. */
pi_digest *pi_digest_new(uint32_t hash_type);
void pi_digest_free(pi_digest *h);

/* Hash len bytes at p into out (pi_digest_len bytes).  Returns 1, or 0 if
 * OpenSSL fails. */
int pi_digest_once(pi_digest *h, const void *p, size_t len, uint8_t *out);

/* Incremental form for data that is not contiguous. */
int pi_digest_begin(pi_digest *h);
int pi_digest_update(pi_digest *h, const void *p, size_t len);
int pi_digest_end(pi_digest *h, uint8_t *out);

/* Convenience: SHA-256 of one buffer (32 bytes out).  Returns 1 or 0. */
int pi_sha256(const void *p, size_t len, uint8_t out[32]);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void pi_hex(const uint8_t *p, size_t n, char *out);

#endif
