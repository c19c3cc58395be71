/* MAC known answers (RFC 4231, RFC 4493, NIST GCM) and SMB2 signing
 * round trips (MS-SMB2 3.1.4.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "common/buf.h"
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "hex.h"

static void test_hmac_sha256_rfc4231(void **state)
{
	uint8_t out[32], want[32], key[20];
	struct iovec iov = { (void *)"what do ya want for nothing?", 28 };
	assert_int_equal(crypto_hmac_sha256((const uint8_t *)"Jefe", 4, &iov, 1, out), 0);
	unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want);
	assert_memory_equal(out, want, 32);
	/* Test case 1: key 0x0b x 20, "Hi There". */
	memset(key, 0x0b, sizeof(key));
	struct iovec iov2[] = { { (void *)"Hi ", 3 }, { (void *)"There", 5 } };
	assert_int_equal(crypto_hmac_sha256(key, 20, iov2, 2, out), 0);
	unhex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", want);
	assert_memory_equal(out, want, 32);
}

static void test_cmac_rfc4493(void **state)
{
	uint8_t key[16], msg[64], out[16], want[16];
	unhex("2b7e151628aed2a6abf7158809cf4f3c", key);
	unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", msg);
	static const struct { size_t len; const char *mac; } v[] = {
		{ 0, "bb1d6929e95937287fa37d129b756746" },
		{ 16, "070a16b46b4d4144f79bdd9dd04a287c" },
		{ 40, "dfa66747de9ae63030ca32611497c827" },
		{ 64, "51f0bebf7e3b9d92fc49741779363cfe" },
	};
	for (size_t i = 0; i < 4; i++) {
		struct iovec iov = { msg, v[i].len };
		assert_int_equal(crypto_cmac_aes128(key, &iov, 1, out), 0);
		unhex(v[i].mac, want);
		assert_memory_equal(out, want, 16);
	}
}

static void test_gmac_nist(void **state)
{
	uint8_t key[16], nonce[12], aad[16], out[16], want[16];
	/* McGrew/Viega GCM test case 1: empty everything. */
	memset(key, 0, 16);
	memset(nonce, 0, 12);
	assert_int_equal(crypto_gmac_aes128(key, nonce, NULL, 0, out), 0);
	unhex("58e2fccefa7e3061367f1d57a4e7455a", want);
	assert_memory_equal(out, want, 16);
	/* gcmEncryptExtIV128: PTlen 0, AADlen 128, Count 0. */
	unhex("77be63708971c4e240d1cb79e8d77feb", key);
	unhex("e0e00f19fed7ba0136a797f3", nonce);
	unhex("7a43ec1d9c0a5a78a0b16533a6213cab", aad);
	struct iovec iov[] = { { aad, 5 }, { aad + 5, 11 } };
	assert_int_equal(crypto_gmac_aes128(key, nonce, iov, 2, out), 0);
	unhex("209fcc8d3675ed938e9c7166709dd946", want);
	assert_memory_equal(out, want, 16);
}

static void make_msg(uint8_t hdr[64], uint8_t body[24], uint32_t flags, uint16_t cmd, uint64_t mid)
{
	memset(hdr, 0, 64);
	hdr[0] = 0xfe, hdr[1] = 'S', hdr[2] = 'M', hdr[3] = 'B';
	put_le16(hdr + 4, 64);
	put_le16(hdr + 12, cmd);
	put_le32(hdr + 16, flags);
	put_le64(hdr + 24, mid);
	for (int i = 0; i < 24; i++)
		body[i] = (uint8_t)(i * 7);
	memset(hdr + 48, 0xee, 16);   /* stale signature: must be ignored */
}

static void roundtrip(enum crypto_sign_alg alg)
{
	uint8_t key[16], hdr[64], body[24], sig[16];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	make_msg(hdr, body, 0x8, 0x0008, 42);
	struct iovec iov[] = { { hdr, 64 }, { body, 24 } };
	assert_int_equal(crypto_smb2_sign(alg, key, iov, 2), 0);
	memcpy(sig, hdr + 48, 16);
	assert_true(crypto_smb2_verify(alg, key, iov, 2));
	assert_memory_equal(hdr + 48, sig, 16);   /* restored */
	/* Tampering with body, header or signature is detected. */
	body[3] ^= 1;
	assert_false(crypto_smb2_verify(alg, key, iov, 2));
	body[3] ^= 1;
	hdr[8] ^= 0x80;
	assert_false(crypto_smb2_verify(alg, key, iov, 2));
	hdr[8] ^= 0x80;
	hdr[50] ^= 1;
	assert_false(crypto_smb2_verify(alg, key, iov, 2));
	assert_int_equal(hdr[50], sig[2] ^ 1);
	hdr[50] ^= 1;
	key[0] ^= 1;
	assert_false(crypto_smb2_verify(alg, key, iov, 2));
	key[0] ^= 1;
	assert_true(crypto_smb2_verify(alg, key, iov, 2));
	/* A short first iovec is refused. */
	struct iovec shortv = { hdr, 63 };
	assert_int_equal(crypto_smb2_sign(alg, key, &shortv, 1), -1);
	assert_false(crypto_smb2_verify(alg, key, &shortv, 1));
}

static void test_roundtrip_hmac(void **state) { roundtrip(CRYPTO_SIGN_HMAC_SHA256); }
static void test_roundtrip_cmac(void **state) { roundtrip(CRYPTO_SIGN_AES_CMAC); }
static void test_roundtrip_gmac(void **state) { roundtrip(CRYPTO_SIGN_AES_GMAC); }

/* The signature equals the raw MAC of the message with a zero signature
 * field (independent recomputation through the primitives). */
static void test_sign_matches_primitives(void **state)
{
	uint8_t key[16], hdr[64], body[24], mac[32], zero[64];
	memset(key, 0x5a, 16);
	make_msg(hdr, body, 0x1, 0x0005, 0x0102030405060708ull);
	struct iovec iov[] = { { hdr, 64 }, { body, 24 } };

	memcpy(zero, hdr, 64);
	memset(zero + 48, 0, 16);
	struct iovec ziov[] = { { zero, 64 }, { body, 24 } };

	assert_int_equal(crypto_smb2_sign(CRYPTO_SIGN_HMAC_SHA256, key, iov, 2), 0);
	assert_int_equal(crypto_hmac_sha256(key, 16, ziov, 2, mac), 0);
	assert_memory_equal(hdr + 48, mac, 16);

	assert_int_equal(crypto_smb2_sign(CRYPTO_SIGN_AES_CMAC, key, iov, 2), 0);
	assert_int_equal(crypto_cmac_aes128(key, ziov, 2, mac), 0);
	assert_memory_equal(hdr + 48, mac, 16);

	/* GMAC nonce: MessageId LE, then 1 for a response (flags bit 0). */
	uint8_t nonce[12] = { 8, 7, 6, 5, 4, 3, 2, 1, 1, 0, 0, 0 };
	assert_int_equal(crypto_smb2_sign(CRYPTO_SIGN_AES_GMAC, key, iov, 2), 0);
	assert_int_equal(crypto_gmac_aes128(key, nonce, ziov, 2, mac), 0);
	assert_memory_equal(hdr + 48, mac, 16);
}

static void gmac_sig(uint32_t flags, uint16_t cmd, uint64_t mid, uint8_t sig[16])
{
	uint8_t key[16], hdr[64], body[24];
	memset(key, 0x11, 16);
	make_msg(hdr, body, flags, cmd, mid);
	struct iovec iov[] = { { hdr, 64 }, { body, 24 } };
	/* The header differs in the flag itself; compare against the MAC
	 * with a forced nonce instead, so only the nonce is under test. */
	assert_int_equal(crypto_smb2_sign(CRYPTO_SIGN_AES_GMAC, key, iov, 2), 0);
	memcpy(sig, hdr + 48, 16);
}

static void test_gmac_nonce(void **state)
{
	uint8_t key[16], hdr[64], body[24], s[16], mac[16];
	memset(key, 0x11, 16);
	uint8_t nonce[12] = { 0 };
	struct iovec ziov[] = { { hdr, 64 }, { body, 24 } };

	/* Request (client -> server): role bits 0. */
	gmac_sig(0, 0x0008, 77, s);
	make_msg(hdr, body, 0, 0x0008, 77);
	memset(hdr + 48, 0, 16);
	put_le64(nonce, 77);
	assert_int_equal(crypto_gmac_aes128(key, nonce, ziov, 2, mac), 0);
	assert_memory_equal(s, mac, 16);

	/* Response: bit 0 set. */
	gmac_sig(1, 0x0008, 77, s);
	make_msg(hdr, body, 1, 0x0008, 77);
	memset(hdr + 48, 0, 16);
	nonce[8] = 1;
	assert_int_equal(crypto_gmac_aes128(key, nonce, ziov, 2, mac), 0);
	assert_memory_equal(s, mac, 16);
	/* ... and with the wrong role bit the MAC differs. */
	nonce[8] = 0;
	assert_int_equal(crypto_gmac_aes128(key, nonce, ziov, 2, mac), 0);
	assert_memory_not_equal(s, mac, 16);

	/* CANCEL request: bit 1 set. */
	gmac_sig(0, 0x000C, 77, s);
	make_msg(hdr, body, 0, 0x000C, 77);
	memset(hdr + 48, 0, 16);
	nonce[8] = 2;
	assert_int_equal(crypto_gmac_aes128(key, nonce, ziov, 2, mac), 0);
	assert_memory_equal(s, mac, 16);

	/* MessageId is in the nonce. */
	uint8_t s2[16];
	gmac_sig(0, 0x0008, 78, s2);
	gmac_sig(0, 0x0008, 77, s);
	assert_memory_not_equal(s, s2, 16);
}

int main(void)
{
	if (crypto_init() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_sha256_rfc4231),
		cmocka_unit_test(test_cmac_rfc4493),
		cmocka_unit_test(test_gmac_nist),
		cmocka_unit_test(test_roundtrip_hmac),
		cmocka_unit_test(test_roundtrip_cmac),
		cmocka_unit_test(test_roundtrip_gmac),
		cmocka_unit_test(test_sign_matches_primitives),
		cmocka_unit_test(test_gmac_nonce),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
