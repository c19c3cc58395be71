/* Provider set-up, pre-fetched algorithms, random bytes. */
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = -1;
static struct crypto_algs algs;

static void load_providers(void)
{
	/* Loading "legacy" explicitly disables the implicit "default" load,
	 * so both are loaded by name (MD4/RC4 live in legacy, MS-NLMP 6). */
	if (!OSSL_PROVIDER_load(NULL, "default") || !OSSL_PROVIDER_load(NULL, "legacy"))
		return;
	/* Fetched once: implicit fetches on every signature cost a lock and a
	 * lookup in the provider store. */
	algs.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	algs.cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	algs.aes128gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	algs.rc4 = EVP_CIPHER_fetch(NULL, "RC4", NULL);
	algs.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	algs.sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
	algs.md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	algs.md4 = EVP_MD_fetch(NULL, "MD4", NULL);
	if (algs.hmac && algs.cmac && algs.aes128gcm && algs.rc4 && algs.sha256 && algs.sha512 &&
	    algs.md5 && algs.md4)
		init_result = 0;
}

int crypto_init(void)
{
	pthread_once(&init_once, load_providers);
	return init_result;
}

const struct crypto_algs *crypto_get_algs(void)
{
	if (crypto_init() != 0) {
		fputs("daxsmb: OpenSSL providers/algorithms unavailable\n", stderr);
		abort();
	}
	return &algs;
}

void crypto_random(void *p, size_t n)
{
	while (n) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
		if (RAND_bytes(p, chunk) != 1) {
			fputs("daxsmb: RAND_bytes failed\n", stderr);
			abort();
		}
		p = (uint8_t *)p + chunk;
		n -= (size_t)chunk;
	}
}
