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

/* SMB3 encryption (MS-SMB2 3.1.4.3, 3.3.5.2.1).  Cipher ids are the
 * wire values of SMB2_ENCRYPTION_CAPABILITIES (2.2.3.1.2). */
enum crypto_cipher {
	CRYPTO_AES128_CCM = 1,
	CRYPTO_AES128_GCM = 2,
	CRYPTO_AES256_CCM = 3,
	CRYPTO_AES256_GCM = 4,
};

/* Largest plaintext crypto_smb2_encrypt/decrypt accept (one SMB2 frame). */
#define CRYPTO_SMB2_MAX_MSG (16u << 20)

/* Key length 16 or 32, nonce length 11 (CCM) or 12 (GCM); 0 for an
 * unknown cipher. */
size_t crypto_cipher_key_len(enum crypto_cipher c);
size_t crypto_cipher_nonce_len(enum crypto_cipher c);

/* Fills the 16-byte Nonce field with a nonce never used before by this
 * process: CCM 11 random bytes; GCM a random per-process 4-byte prefix and
 * a 64-bit counter (atomic, re-randomised in a forked child), since a
 * repeated GCM nonce under one key gives the key stream away.  The unused
 * tail is zero. */
void crypto_smb2_nonce(enum crypto_cipher c, uint8_t nonce[16]);

/* Encrypts one message (the plaintext given as iovecs, total 1..
 * CRYPTO_SMB2_MAX_MSG bytes) into out (same length).  tfhdr is the
 * 52-byte TRANSFORM_HEADER, already holding ProtocolId, Nonce,
 * OriginalMessageSize (= the total), Flags = 1 and SessionId; its bytes
 * 20..51 are the AAD and the 16-byte tag is written to its Signature
 * (bytes 4..19).  key holds crypto_cipher_key_len(c) bytes.
 * Returns 0 or -1 (bad arguments or a header that does not match). */
int crypto_smb2_encrypt(enum crypto_cipher c, const uint8_t *key, uint8_t tfhdr[52],
			const struct iovec *plain, int n, uint8_t *out);

/* Decrypts n bytes of cipher text behind tfhdr into out (n bytes) and
 * verifies the tag (OpenSSL compares it in constant time).  Returns 0, or
 * -1 on any failure: a tag that does not match, a ProtocolId, Flags or
 * OriginalMessageSize that does not fit (n must equal it, 1..
 * CRYPTO_SMB2_MAX_MSG).  When the tag does not match, out is zeroed:
 * nothing unauthenticated is left for the caller to use. */
int crypto_smb2_decrypt(enum crypto_cipher c, const uint8_t *key, const uint8_t tfhdr[52],
			const uint8_t *cipher, size_t n, uint8_t *out);

#endif
