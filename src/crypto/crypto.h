/* SMB2/3 cryptography over OpenSSL libcrypto: SP800-108 KDF, preauth
 * integrity hash, signing (HMAC-SHA256, AES-128-CMAC, AES-128-GMAC). */
#ifndef DAX_CRYPTO_H
#define DAX_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Loads the OpenSSL default+legacy providers (MD4 and RC4 for NTLM).
 * Call once at start; returns 0 or -1. */
int crypto_init(void);

/* SP800-108 counter-mode KDF with HMAC-SHA256 (MS-SMB2 3.1.4.2).
 * label/context are passed with their exact lengths (the SMB labels
 * include their terminating NUL).  out_len 16 or 32. */
void crypto_kdf(const uint8_t *key, size_t key_len, const uint8_t *label, size_t label_len,
		const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);

/* Preauth integrity (MS-SMB2 3.3.5.4): hash = SHA-512(hash || message),
 * the message given as iovecs. */
void crypto_preauth_update(uint8_t hash[64], const struct iovec *iov, int iovcnt);

enum crypto_sign_alg {
	CRYPTO_SIGN_HMAC_SHA256 = 0,
	CRYPTO_SIGN_AES_CMAC = 1,
	CRYPTO_SIGN_AES_GMAC = 2,
};

struct smb2_keys {
	uint8_t signing[16];
	uint8_t application[16];
	uint8_t encryption[32];   /* server-to-client (ServerOut) */
	uint8_t decryption[32];   /* client-to-server (ServerIn) */
	size_t cipher_key_len;    /* 16 or 32 */
};

/* Derives the session's keys from the session key (MS-SMB2 3.3.5.5.3):
 * dialect 0x0202/0x0210: signing = session key; 0x0300/0x0302: the
 * "SMB2AESCMAC"/"SmbSign" labels; 0x0311: "SMBSigningKey" etc. with the
 * preauth hash as context.  cipher_key_len 16 or 32. */
void crypto_derive_keys(uint16_t dialect, const uint8_t session_key[16],
			const uint8_t preauth_hash[64], size_t cipher_key_len, struct smb2_keys *out);

/* Signs one SMB2 message in place.  iov[0] must hold at least the 64-byte
 * header; the signature field (bytes 48..63) is zeroed, the MAC computed
 * over all iovecs, and written there.  Returns 0 or -1. */
int crypto_smb2_sign(enum crypto_sign_alg alg, const uint8_t key[16], struct iovec *iov, int iovcnt);
/* Verifies the signature of one message in place (restoring it), comparing
 * in constant time.  Returns true when it matches. */
bool crypto_smb2_verify(enum crypto_sign_alg alg, const uint8_t key[16], struct iovec *iov, int iovcnt);

/* Random bytes from the OpenSSL DRBG; aborts on failure. */
void crypto_random(void *p, size_t n);

#endif
