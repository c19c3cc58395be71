/* SP800-108 KDF, SMB2 key derivation and the preauth hash (MS-SMB2
 * 3.1.4.2, 3.3.5.5.3).  Expected values: the SMB 3.0 signing key is the
 * one published by Microsoft for session key 7CD45182...; all were
 * recomputed independently with Python's hmac/hashlib. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "crypto/crypto.h"
#include "hex.h"

static const char *SK = "7CD451825D0450D235424E44BA6E78CC";

static void expect_hex(const uint8_t *got, size_t n, const char *hex)
{
	uint8_t want[64];
	assert_int_equal(unhex(hex, want), n);
	assert_memory_equal(got, want, n);
}

static void test_kdf_smb30(void **state)
{
	uint8_t sk[16], out[16];
	unhex(SK, sk);
	crypto_kdf(sk, 16, (const uint8_t *)"SMB2AESCMAC", 12, (const uint8_t *)"SmbSign", 8, out, 16);
	expect_hex(out, 16, "0b7e9c5cac36c0f6ea9ab275298cedce");
}

static void test_derive_30(void **state)
{
	uint8_t sk[16], ph[64] = { 0 };
	struct smb2_keys k;
	unhex(SK, sk);
	crypto_derive_keys(0x0300, sk, ph, 32, &k);
	assert_int_equal(k.cipher_key_len, 16);
	expect_hex(k.signing, 16, "0b7e9c5cac36c0f6ea9ab275298cedce");
	expect_hex(k.application, 16, "bb23a4575aa26c721af525af15a87b4f");
	expect_hex(k.encryption, 16, "b0f0427f7ceb416d1d9dcc0cd4f99447");
	expect_hex(k.decryption, 16, "fad27796665b313ebb578f388632b4f7");
	struct smb2_keys k2;
	crypto_derive_keys(0x0302, sk, ph, 16, &k2);
	assert_memory_equal(&k, &k2, sizeof(k));
}

static void preauth(uint8_t ph[64])
{
	memset(ph, 0, 64);
	struct iovec a[] = { { (void *)"negotiate ", 10 }, { (void *)"request", 7 } };
	struct iovec b[] = { { (void *)"negotiate response", 18 } };
	crypto_preauth_update(ph, a, 2);
	crypto_preauth_update(ph, b, 1);
}

static void test_preauth(void **state)
{
	uint8_t ph[64];
	preauth(ph);
	expect_hex(ph, 64,
		   "37311ce11673083a4dac7793e056d1525c9bea2864fa8795404f6191fbb3aacf"
		   "294745e50a3bd0f09b69abba6e84a9fc5a5fcc3bec21db21c4f92edb6a81edf5");
}

static void test_derive_311(void **state)
{
	uint8_t sk[16], ph[64];
	struct smb2_keys k;
	unhex(SK, sk);
	preauth(ph);
	crypto_derive_keys(0x0311, sk, ph, 16, &k);
	assert_int_equal(k.cipher_key_len, 16);
	expect_hex(k.signing, 16, "0d2235009ecd9238c98730ee84a26a72");
	expect_hex(k.application, 16, "ea432c74378f674642dee7c8196a5080");
	expect_hex(k.encryption, 16, "a86c1ed28ceb353c460183724470cc3f");
	expect_hex(k.decryption, 16, "8a281fda0ae2bf7042c968262ea7a9cb");

	crypto_derive_keys(0x0311, sk, ph, 32, &k);
	assert_int_equal(k.cipher_key_len, 32);
	expect_hex(k.signing, 16, "0d2235009ecd9238c98730ee84a26a72");
	expect_hex(k.encryption, 32, "c9e7c2888a4d10574cf3595f5d06a62b42d3c2d27f6b02ccc2f863b5d11c20ca");
	expect_hex(k.decryption, 32, "208cd76f9488fa3c3814f427e12f04cf2cd5f4d831659f2bdf644ad84f017bd8");
}

static void test_derive_2x(void **state)
{
	uint8_t sk[16], ph[64] = { 0 };
	struct smb2_keys k;
	unhex(SK, sk);
	crypto_derive_keys(0x0210, sk, ph, 16, &k);
	assert_memory_equal(k.signing, sk, 16);
	crypto_derive_keys(0x0202, sk, ph, 16, &k);
	assert_memory_equal(k.signing, sk, 16);
}

static void test_random(void **state)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 };
	crypto_random(a, sizeof(a));
	crypto_random(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
}

int main(void)
{
	if (crypto_init() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kdf_smb30),  cmocka_unit_test(test_derive_30),
		cmocka_unit_test(test_preauth),    cmocka_unit_test(test_derive_311),
		cmocka_unit_test(test_derive_2x),  cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
