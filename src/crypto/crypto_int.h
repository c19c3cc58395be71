/* Primitives shared inside daxsmb (auth/, tests) but not part of the
 * server-facing contract in crypto.h.  All take the message as iovecs. */
#ifndef DAX_CRYPTO_INT_H
#define DAX_CRYPTO_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <openssl/evp.h>

/* Algorithms fetched once by crypto_init (which crypto_get_algs calls;
 * it aborts if the providers could not be loaded). */
struct crypto_algs {
	EVP_MAC *hmac, *cmac;
	EVP_CIPHER *aes128gcm, *rc4;
	EVP_MD *sha256, *sha512, *md5, *md4;
};
const struct crypto_algs *crypto_get_algs(void);

/* out gets the full 32-byte HMAC-SHA256.  Returns 0 or -1. */
int crypto_hmac_sha256(const uint8_t *key, size_t key_len, const struct iovec *iov, int iovcnt,
		       uint8_t out[32]);
/* AES-128-CMAC (RFC 4493). */
int crypto_cmac_aes128(const uint8_t key[16], const struct iovec *iov, int iovcnt, uint8_t out[16]);
/* AES-128-GMAC (RFC 4543): GCM with the message as AAD and no plaintext. */
int crypto_gmac_aes128(const uint8_t key[16], const uint8_t nonce[12], const struct iovec *iov,
		       int iovcnt, uint8_t out[16]);

/* NTLM primitives (MS-NLMP 6): MD4, MD5, HMAC-MD5, RC4 (one-shot, fresh
 * key stream).  Return 0 or -1. */
int crypto_md4(const void *p, size_t n, uint8_t out[16]);
int crypto_md5(const struct iovec *iov, int iovcnt, uint8_t out[16]);
int crypto_sha512(const struct iovec *iov, int iovcnt, uint8_t out[64]);
int crypto_hmac_md5(const uint8_t *key, size_t key_len, const struct iovec *iov, int iovcnt,
		    uint8_t out[16]);
int crypto_rc4(const uint8_t *key, size_t key_len, const uint8_t *in, size_t n, uint8_t *out);

#endif
