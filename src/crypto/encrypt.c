/* SMB3 message encryption: AES-128/256-CCM and -GCM over the TRANSFORM
 * header (MS-SMB2 2.2.41, 3.1.4.3 Encrypting the Message, 3.3.5.2.1
 * Decrypting the Message).
 *
 * The AAD is the 32 header bytes after the Signature (Nonce,
 * OriginalMessageSize, Reserved, Flags, SessionId); the tag is the
 * Signature.  CCM takes the first 11 bytes of the Nonce field, GCM the
 * first 12; the rest of the field is authenticated but not used as nonce
 * (SMB 3.0 Windows clients send 16 random bytes there). */
#include "crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TF_HDR_SIZE 52
#define TF_SIG_OFF 4
#define TF_NONCE_OFF 20
#define TF_AAD_OFF 20
#define TF_AAD_LEN 32
#define TF_SIZE_OFF 36
#define TF_FLAGS_OFF 42
#define TF_TAG_LEN 16
#define TF_PROTO_ID 0x424D53FDu /* 0xFD 'S' 'M' 'B' read as le32 */
#define TF_FLAG_ENCRYPTED 0x0001

static pthread_once_t enc_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *ciphers[5];     /* indexed by enum crypto_cipher */
static pthread_key_t ctx_key;      /* one EVP_CIPHER_CTX per thread */
static bool enc_ready;

/* GCM nonces: prefix || counter (MS-SMB2 3.1.4.3 leaves the choice to
 * the implementation; uniqueness per key is what matters). */
static uint8_t gcm_prefix[4];
static atomic_uint_fast64_t gcm_counter;

static uint32_t rd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void gcm_reseed(void)
{
	/* A forked child must not replay the parent's counter values. */
	crypto_random(gcm_prefix, sizeof(gcm_prefix));
	atomic_store(&gcm_counter, 0);
}

static void free_ctx(void *p)
{
	EVP_CIPHER_CTX_free(p);
}

static void enc_init(void)
{
	static const char *const names[5] = { NULL, "AES-128-CCM", "AES-128-GCM", "AES-256-CCM",
					      "AES-256-GCM" };
	/* crypto_init loads the providers; fetching before it would use the
	 * implicit default set, which loading "legacy" then disables. */
	if (crypto_init() != 0)
		return;
	for (int i = 1; i < 5; i++)
		if (!(ciphers[i] = EVP_CIPHER_fetch(NULL, names[i], NULL)))
			return;
	if (pthread_key_create(&ctx_key, free_ctx) != 0)
		return;
	gcm_reseed();
	if (pthread_atfork(NULL, NULL, gcm_reseed) != 0)
		return;
	enc_ready = true;
}

static bool is_ccm(enum crypto_cipher c)
{
	return c == CRYPTO_AES128_CCM || c == CRYPTO_AES256_CCM;
}

size_t crypto_cipher_key_len(enum crypto_cipher c)
{
	switch (c) {
	case CRYPTO_AES128_CCM:
	case CRYPTO_AES128_GCM:
		return 16;
	case CRYPTO_AES256_CCM:
	case CRYPTO_AES256_GCM:
		return 32;
	}
	return 0;
}

size_t crypto_cipher_nonce_len(enum crypto_cipher c)
{
	switch (c) {
	case CRYPTO_AES128_CCM:
	case CRYPTO_AES256_CCM:
		return 11;
	case CRYPTO_AES128_GCM:
	case CRYPTO_AES256_GCM:
		return 12;
	}
	return 0;
}

void crypto_smb2_nonce(enum crypto_cipher c, uint8_t nonce[16])
{
	memset(nonce, 0, 16);
	if (is_ccm(c)) {
		/* 11 random bytes: 2^44 messages per key before a collision
		 * becomes likely, far beyond any session. */
		crypto_random(nonce, 11);
		return;
	}
	pthread_once(&enc_once, enc_init);
	if (!enc_ready) {
		fputs("daxsmb: encryption set-up failed\n", stderr);
		abort();
	}
	uint64_t n = atomic_fetch_add_explicit(&gcm_counter, 1, memory_order_relaxed);
	if (n == UINT64_MAX) {
		/* Never reached in practice; wrapping would repeat nonces. */
		fputs("daxsmb: GCM nonce counter exhausted\n", stderr);
		abort();
	}
	memcpy(nonce, gcm_prefix, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

/* The calling thread's context, allocated once per thread and reused
 * (STYLE 8); NULL if out of memory.  Only after check_hdr (set-up). */
static EVP_CIPHER_CTX *thread_ctx(void)
{
	EVP_CIPHER_CTX *ctx = pthread_getspecific(ctx_key);
	if (!ctx) {
		ctx = EVP_CIPHER_CTX_new();
		if (ctx && pthread_setspecific(ctx_key, ctx) != 0) {
			EVP_CIPHER_CTX_free(ctx);
			ctx = NULL;
		}
	}
	return ctx;
}

/* Checks what both directions need of the header, returns the cipher
 * or NULL. */
static const EVP_CIPHER *check_hdr(enum crypto_cipher c, const uint8_t *tfhdr, size_t len)
{
	pthread_once(&enc_once, enc_init);
	if (!enc_ready || crypto_cipher_key_len(c) == 0 || len == 0 || len > CRYPTO_SMB2_MAX_MSG)
		return NULL;
	if (rd_le32(tfhdr) != TF_PROTO_ID || rd_le32(tfhdr + TF_SIZE_OFF) != len ||
	    (tfhdr[TF_FLAGS_OFF] | tfhdr[TF_FLAGS_OFF + 1] << 8) != TF_FLAG_ENCRYPTED)
		return NULL;
	return ciphers[c];
}

/* Sets the direction, nonce length and (CCM) tag length and message
 * length, then key and nonce, then the AAD.  The cipher is passed only
 * when it changes: re-initialising with a cipher makes OpenSSL free and
 * re-allocate its provider context. */
static bool aead_start(EVP_CIPHER_CTX *ctx, enum crypto_cipher c, int enc, const uint8_t *key,
		       const uint8_t *tfhdr, const uint8_t *tag, size_t len)
{
	const EVP_CIPHER *ciph = ciphers[c];
	int ivlen = (int)crypto_cipher_nonce_len(c), outl;

	if (EVP_CIPHER_CTX_get0_cipher(ctx) == ciph)
		ciph = NULL;
	if (!EVP_CipherInit_ex2(ctx, ciph, NULL, NULL, enc, NULL) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, ivlen, NULL) <= 0)
		return false;
	if (is_ccm(c) &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TF_TAG_LEN, (void *)tag) <= 0)
		return false;
	if (!EVP_CipherInit_ex2(ctx, NULL, key, tfhdr + TF_NONCE_OFF, enc, NULL))
		return false;
	/* CCM must know the message length before the AAD. */
	if (is_ccm(c) && !EVP_CipherUpdate(ctx, NULL, &outl, NULL, (int)len))
		return false;
	return EVP_CipherUpdate(ctx, NULL, &outl, tfhdr + TF_AAD_OFF, TF_AAD_LEN) == 1;
}

int crypto_smb2_encrypt(enum crypto_cipher c, const uint8_t *key, uint8_t tfhdr[52],
			const struct iovec *plain, int n, uint8_t *out)
{
	uint64_t total = 0;
	int outl;

	if (!key || !tfhdr || !out || n < 0 || (n > 0 && !plain))
		return -1;
	for (int i = 0; i < n; i++) {
		/* Compared before adding, so no iov_len can wrap the sum. */
		if (plain[i].iov_len > CRYPTO_SMB2_MAX_MSG - total)
			return -1;
		total += plain[i].iov_len;
	}
	if (!check_hdr(c, tfhdr, (size_t)total))
		return -1;
	EVP_CIPHER_CTX *ctx = thread_ctx();
	if (!ctx || !aead_start(ctx, c, 1, key, tfhdr, NULL, (size_t)total))
		return -1;

	bool ok = true;
	size_t pos = 0;
	if (is_ccm(c)) {
		/* OpenSSL's CCM takes the whole message in one update: gather
		 * it into out and encrypt in place. */
		for (int i = 0; i < n; i++) {
			if (plain[i].iov_len)
				memcpy(out + pos, plain[i].iov_base, plain[i].iov_len);
			pos += plain[i].iov_len;
		}
		ok = EVP_EncryptUpdate(ctx, out, &outl, out, (int)total) == 1;
	} else {
		for (int i = 0; ok && i < n; i++) {
			if (!plain[i].iov_len)
				continue;
			ok = EVP_EncryptUpdate(ctx, out + pos, &outl, plain[i].iov_base,
					       (int)plain[i].iov_len) == 1;
			pos += (size_t)outl;
		}
	}
	ok = ok && EVP_EncryptFinal_ex(ctx, out + total, &outl) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TF_TAG_LEN, tfhdr + TF_SIG_OFF) > 0;
	if (!ok) {
		OPENSSL_cleanse(out, (size_t)total);
		return -1;
	}
	return 0;
}

int crypto_smb2_decrypt(enum crypto_cipher c, const uint8_t *key, const uint8_t tfhdr[52],
			const uint8_t *cipher, size_t n, uint8_t *out)
{
	const uint8_t *tag = tfhdr + TF_SIG_OFF;
	int outl;

	if (!key || !tfhdr || !cipher || !out || !check_hdr(c, tfhdr, n))
		return -1;
	EVP_CIPHER_CTX *ctx = thread_ctx();
	if (!ctx || !aead_start(ctx, c, 0, key, tfhdr, tag, n))
		return -1;

	bool ok;
	if (is_ccm(c)) {
		/* CCM verifies the tag in this update and fails it there. */
		ok = EVP_DecryptUpdate(ctx, out, &outl, cipher, (int)n) == 1;
	} else {
		ok = EVP_DecryptUpdate(ctx, out, &outl, cipher, (int)n) == 1 &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TF_TAG_LEN, (void *)tag) > 0 &&
		     EVP_DecryptFinal_ex(ctx, out + n, &outl) == 1;
	}
	if (!ok) {
		OPENSSL_cleanse(out, n);
		return -1;
	}
	return 0;
}
