/* MAC, hash and stream-cipher primitives over OpenSSL 3 (EVP_MAC,
 * EVP_CIPHER, EVP_MD), each taking the message as iovecs. */
#include "crypto/crypto_int.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <string.h>

static int mac_run(EVP_MAC *mac, const OSSL_PARAM *params, const uint8_t *key, size_t key_len,
		   const struct iovec *iov, int iovcnt, uint8_t *out, size_t out_len)
{
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t got = 0;
	int rc = -1;
	if (!ctx)
		return -1;
	if (!EVP_MAC_init(ctx, key, key_len, params))
		goto out;
	for (int i = 0; i < iovcnt; i++)
		if (iov[i].iov_len && !EVP_MAC_update(ctx, iov[i].iov_base, iov[i].iov_len))
			goto out;
	if (!EVP_MAC_final(ctx, full, &got, sizeof(full)) || got < out_len)
		goto out;
	memcpy(out, full, out_len);
	rc = 0;
out:
	OPENSSL_cleanse(full, sizeof(full));
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int crypto_hmac_sha256(const uint8_t *key, size_t key_len, const struct iovec *iov, int iovcnt,
		       uint8_t out[32])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	return mac_run(crypto_get_algs()->hmac, params, key, key_len, iov, iovcnt, out, 32);
}

int crypto_hmac_md5(const uint8_t *key, size_t key_len, const struct iovec *iov, int iovcnt,
		    uint8_t out[16])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"MD5", 0),
		OSSL_PARAM_construct_end(),
	};
	return mac_run(crypto_get_algs()->hmac, params, key, key_len, iov, iovcnt, out, 16);
}

int crypto_cmac_aes128(const uint8_t key[16], const struct iovec *iov, int iovcnt, uint8_t out[16])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
		OSSL_PARAM_construct_end(),
	};
	return mac_run(crypto_get_algs()->cmac, params, key, 16, iov, iovcnt, out, 16);
}

int crypto_gmac_aes128(const uint8_t key[16], const uint8_t nonce[12], const struct iovec *iov,
		       int iovcnt, uint8_t out[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int rc = -1, n;
	if (!ctx)
		return -1;
	if (!EVP_EncryptInit_ex2(ctx, crypto_get_algs()->aes128gcm, key, nonce, NULL))
		goto out;
	for (int i = 0; i < iovcnt; i++) {
		/* EVP takes int lengths: feed large iovecs in pieces. */
		const uint8_t *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left) {
			int chunk = left > (1u << 30) ? (1 << 30) : (int)left;
			if (!EVP_EncryptUpdate(ctx, NULL, &n, p, chunk))
				goto out;
			p += chunk;
			left -= (size_t)chunk;
		}
	}
	uint8_t dummy[16];
	if (!EVP_EncryptFinal_ex(ctx, dummy, &n) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out))
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

static int digest_run(const EVP_MD *md, const struct iovec *iov, int iovcnt, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -1;
	if (!ctx)
		return -1;
	if (!EVP_DigestInit_ex2(ctx, md, NULL))
		goto out;
	for (int i = 0; i < iovcnt; i++)
		if (iov[i].iov_len && !EVP_DigestUpdate(ctx, iov[i].iov_base, iov[i].iov_len))
			goto out;
	if (!EVP_DigestFinal_ex(ctx, out, NULL))
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int crypto_md4(const void *p, size_t n, uint8_t out[16])
{
	struct iovec iov = { (void *)p, n };
	return digest_run(crypto_get_algs()->md4, &iov, 1, out);
}

int crypto_md5(const struct iovec *iov, int iovcnt, uint8_t out[16])
{
	return digest_run(crypto_get_algs()->md5, iov, iovcnt, out);
}

int crypto_sha512(const struct iovec *iov, int iovcnt, uint8_t out[64])
{
	return digest_run(crypto_get_algs()->sha512, iov, iovcnt, out);
}

int crypto_rc4(const uint8_t *key, size_t key_len, const uint8_t *in, size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_KEYLEN, &key_len),
		OSSL_PARAM_construct_end(),
	};
	int rc = -1, len;
	if (!ctx || n > (1u << 30))
		goto out;
	/* RC4 takes a variable key length; set it before the key. */
	if (!EVP_EncryptInit_ex2(ctx, crypto_get_algs()->rc4, NULL, NULL, params) ||
	    !EVP_EncryptInit_ex2(ctx, NULL, key, NULL, NULL) ||
	    !EVP_EncryptUpdate(ctx, out, &len, in, (int)n))
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}
