/* SMB2 key derivation (MS-SMB2 3.1.4.2, 3.3.5.5.3) and the 3.1.1 preauth
 * integrity hash (MS-SMB2 3.3.5.4). */
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void crypto_kdf(const uint8_t *key, size_t key_len, const uint8_t *label, size_t label_len,
		const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	/* SP800-108 counter mode, PRF HMAC-SHA256, r = 32: one block covers
	 * L = 128 and L = 256, so i is always 1. */
	static const uint8_t counter[4] = { 0, 0, 0, 1 };
	static const uint8_t zero = 0;
	uint32_t bits = (uint32_t)out_len * 8;
	uint8_t l_be[4] = { (uint8_t)(bits >> 24), (uint8_t)(bits >> 16), (uint8_t)(bits >> 8),
			    (uint8_t)bits };
	struct iovec iov[] = {
		{ (void *)counter, 4 },
		{ (void *)label, label_len },
		{ (void *)&zero, 1 },
		{ (void *)context, context_len },
		{ l_be, 4 },
	};
	uint8_t block[32];
	if (out_len > sizeof(block) || crypto_hmac_sha256(key, key_len, iov, 5, block) != 0) {
		fputs("daxsmb: crypto_kdf failed\n", stderr);
		abort();
	}
	memcpy(out, block, out_len);
	OPENSSL_cleanse(block, sizeof(block));
}

void crypto_preauth_update(uint8_t hash[64], const struct iovec *iov, int iovcnt)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex2(ctx, crypto_get_algs()->sha512, NULL) &&
		  EVP_DigestUpdate(ctx, hash, 64);
	for (int i = 0; ok && i < iovcnt; i++)
		ok = !iov[i].iov_len || EVP_DigestUpdate(ctx, iov[i].iov_base, iov[i].iov_len);
	ok = ok && EVP_DigestFinal_ex(ctx, hash, NULL);
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		fputs("daxsmb: SHA-512 failed\n", stderr);
		abort();
	}
}

#define LABEL(s) (const uint8_t *)(s), sizeof(s)

void crypto_derive_keys(uint16_t dialect, const uint8_t session_key[16],
			const uint8_t preauth_hash[64], size_t cipher_key_len, struct smb2_keys *out)
{
	memset(out, 0, sizeof(*out));
	if (cipher_key_len != 32)
		cipher_key_len = 16;
	switch (dialect) {
	case 0x0202:
	case 0x0210:
		/* MS-SMB2 3.3.5.5.3: no derivation before 3.0; the application
		 * key is the session key too (what 2.x RPC uses). */
		memcpy(out->signing, session_key, 16);
		memcpy(out->application, session_key, 16);
		out->cipher_key_len = 16;
		break;
	case 0x0300:
	case 0x0302:
		/* 3.0 knows only AES-128-CCM. */
		out->cipher_key_len = 16;
		crypto_kdf(session_key, 16, LABEL("SMB2AESCMAC"), LABEL("SmbSign"), out->signing, 16);
		crypto_kdf(session_key, 16, LABEL("SMB2APP"), LABEL("SmbRpc"), out->application, 16);
		crypto_kdf(session_key, 16, LABEL("SMB2AESCCM"), LABEL("ServerOut"), out->encryption, 16);
		crypto_kdf(session_key, 16, LABEL("SMB2AESCCM"), LABEL("ServerIn "), out->decryption, 16);
		break;
	case 0x0311:
		/* With AES-256 ciphers L = 256 for the cipher keys; the key
		 * derivation key is Session.FullSessionKey, which for NTLM is the
		 * 16-byte exported session key itself. */
		out->cipher_key_len = cipher_key_len;
		crypto_kdf(session_key, 16, LABEL("SMBSigningKey"), preauth_hash, 64, out->signing, 16);
		crypto_kdf(session_key, 16, LABEL("SMBAppKey"), preauth_hash, 64, out->application, 16);
		crypto_kdf(session_key, 16, LABEL("SMBS2CCipherKey"), preauth_hash, 64, out->encryption,
			   cipher_key_len);
		crypto_kdf(session_key, 16, LABEL("SMBC2SCipherKey"), preauth_hash, 64, out->decryption,
			   cipher_key_len);
		break;
	default:
		break;
	}
}
