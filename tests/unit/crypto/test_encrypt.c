/* SMB3 encryption (MS-SMB2 3.1.4.3, 3.3.5.2.1).
 *
 * Known answers:
 *  - AES-128-CCM (3.0) and AES-128-GCM (3.1.1), encrypt and decrypt: the
 *    Microsoft Open Specifications blog test vectors, "Encryption in SMB
 *    3.0: A protocol perspective" (2012-10-05) and "SMB 3.1.1 Encryption
 *    in Windows 10" (2015-09-09), with their session keys, preauth hash
 *    and derived keys, here taken from the transcription in pike's
 *    test/crypto.py.  All four were re-checked independently with Python's
 *    `cryptography` 38.0.4 (AESCCM/AESGCM) and hmac/hashlib (the KDF) for
 *    /usr/bin/python3: all match.
 *  - AES-256-CCM and AES-256-GCM: no published SMB vector; expected values
 *    computed with Python `cryptography` 38.0.4 over the 3.1.1 WRITE
 *    message of the blog, keyed with the L=256 SMBC2SCipherKey derived
 *    from the blog's session key and preauth hash.
 * Then round trips for every cipher, tampering with every AAD byte, the
 * cipher text and the tag, wrong keys and ciphers, bad sizes, nonces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "crypto/crypto.h"
#include "hex.h"

#define TF 52

/* --- Microsoft's SMB 3.0 vector (AES-128-CCM) --- */
static const char *SK30 = "B4546771B515F766A86735532DD6C4F0";
/* Client's encryption key = our ServerIn (decryption) key and back. */
static const char *SERVER_IN_30 = "261B72350558F2E9DCF613070383EDBF";
static const char *SERVER_OUT_30 = "8FE2B57EC34D2DB5B1A9727F526BBDB5";
static const char *PLAIN_30 =
	"FE534D4240000100000000000900400008000000000000000400000000000000"
	"FFFE0000010000001100001400E4080000000000000000000000000000000000"
	"3100700017000000000000000000000015010000390000020100000039020000"
	"00000000000000007000000000000000536D623320656E6372797074696F6E20"
	"74657374696E67";
static const char *TF_30 =
	"FD534D4281A286535415445DAE393921E44FA42E66E69A111892584FB5ED524A"
	"744DA3EE87000000000001001100001400E4080025C8FEE16605A437832D1CD5"
	"2DA9F4645333482A175FE5384563F45FCDAFAEF38BC62BA4D5C62897996625A4"
	"4C29BE5658DE2E6117585779E7B59FFD971278D08580D7FA899E410E910EABF5"
	"AA1DB43050B33B49182637759AC15D84BFCDF5B6B238993C0F4CF4D6012023F6"
	"C627297075D84B7803912D0A9639634453595EF3E33FFE4E7AC2AB";
static const char *TF_30_RESP =
	"FD534D42A6015530A18F6D9AFFE22AFAE8E66484860000000000000011000014"
	"00E4080050000000000001001100001400E40800DBF46435C5F14169293CE079"
	"E344479BF670227E49873F458672C3098DAC467DD5809F369D67409166515787"
	"1483E01F7BECD02064EAC3E235F913668BBC2F097980D4B378F1993EFF6E60D1"
	"77309E5B";
static const char *PLAIN_30_RESP =
	"FE534D4240000100000000000900210009000000000000000400000000000000"
	"FFFE0000010000001100001400E4080000000000000000000000000000000000"
	"11000000170000000000000000000000";

/* --- Microsoft's SMB 3.1.1 vector (AES-128-GCM) --- */
static const char *SK311 = "419FDDF34C1E001909D362AE7FB6AF79";
static const char *PH311 =
	"B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDB"
	"A7DB256BA2EA30E977F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770";
static const char *C2S_311 = "A2F5E80E5D59103034F32E52F698E5EC";
static const char *S2C_311 = "748C50868C90F302962A5C35F5F9A8BF";
static const char *PLAIN_311 =
	"FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000"
	"25000000001000000000000000000000000000000000000031007000170000000000000000000000"
	"0600000004000000010000000400000000000000000000007000000000000000536D623320656E63"
	"72797074696F6E2074657374696E67";
static const char *TF_311 =
	"FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C0000000087000000"
	"0000010025000000001000006ECDD2A7AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02"
	"D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB4"
	"4576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9"
	"1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8";
static const char *TF_311_RESP =
	"FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B4000000000000000050000000"
	"00000100250000000010000026BBBF949983A6C1C796559D0F2C510CB651D1F7B6AC8DED32A2A0B8"
	"F2D793A815C6F6B848D69767A215841A42D400AE6DDB5F0B44173A014973321FDD7950DA6179159B"
	"82E03C9E18A050FF0EA1C967";
static const char *PLAIN_311_RESP =
	"FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000"
	"25000000001000000000000000000000000000000000000011000000170000000000000000000000";

/* --- AES-256 (Python `cryptography` 38.0.4, see the top comment) --- */
static const char *C2S_311_256 = "cb61eb110446fbcaeb6a83beedb92779130b833a706e5b3495879d52195b90ed";
static const char *S2C_311_256 = "f8cae3069ffcdc7662e2941207af463614d520a1a204aaf6b9ead136de931111";
/* Header of TF_311 (nonce C7D6822D269CAF48904C664C). */
static const char *GCM256_CT =
	"55fc21af1162c23d4b696225659919122337750e70f8dab6bfec387cfa9bfa5872996bf1e2ca784ce1"
	"20223830bc9d8067f0d168c4b211b34da554321d2d623f8e8ae4785a002fd73353c44a6de3217295b6"
	"ccf92530af1b290eb4d7096a95d74b9f2157ff1adc40aba0afc27f1e348de4743064cb7586fd408d0d"
	"6f3c3258ac60f35020d7e0fa";
static const char *GCM256_TAG = "9f6fe4eda2e577f44a64d52e45f005b7";
/* Nonce field 66E69A111892584FB5ED524A744DA3EE (the 3.0 vector's, with a
 * non-zero tail that is AAD only), size 0x87, flags 1, session
 * 0x100000000025. */
static const char *CCM256_CT =
	"39b863eb00978696dedf9042db7d227dc92618859617030240d010c44b05b100ff1c114d5067bb62e1"
	"02e61ac97c0be82965641bab38b69605773e92341294218274d251fee27bb1f5ff148fe741a9f2568a"
	"3222825bdefcb269c1aff0d4ea1a9e9c345efab56499aa6b5516a51d1b6fed47a9fa33ccf4f8abf144"
	"319654bbfa7738053fdc9832";
static const char *CCM256_TAG = "7c6d37246d722123b3b40a332d1ffc3d";

static const enum crypto_cipher ALL[] = { CRYPTO_AES128_CCM, CRYPTO_AES128_GCM, CRYPTO_AES256_CCM,
					  CRYPTO_AES256_GCM };

static uint8_t *unhex_alloc(const char *s, size_t *n)
{
	uint8_t *p = malloc(strlen(s) / 2 + 1);
	assert_non_null(p);
	*n = unhex(s, p);
	return p;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A transform header as the brief of crypto_smb2_encrypt wants it. */
static void make_hdr(uint8_t h[TF], const uint8_t nonce[16], uint32_t size, uint64_t sid)
{
	memset(h, 0, TF);
	put32(h, 0x424D53FDu);
	memcpy(h + 20, nonce, 16);
	put32(h + 36, size);
	h[42] = 1;
	for (int i = 0; i < 8; i++)
		h[44 + i] = (uint8_t)(sid >> (8 * i));
}

static void test_lengths(void **state)
{
	assert_int_equal(crypto_cipher_key_len(CRYPTO_AES128_CCM), 16);
	assert_int_equal(crypto_cipher_key_len(CRYPTO_AES128_GCM), 16);
	assert_int_equal(crypto_cipher_key_len(CRYPTO_AES256_CCM), 32);
	assert_int_equal(crypto_cipher_key_len(CRYPTO_AES256_GCM), 32);
	assert_int_equal(crypto_cipher_nonce_len(CRYPTO_AES128_CCM), 11);
	assert_int_equal(crypto_cipher_nonce_len(CRYPTO_AES256_CCM), 11);
	assert_int_equal(crypto_cipher_nonce_len(CRYPTO_AES128_GCM), 12);
	assert_int_equal(crypto_cipher_nonce_len(CRYPTO_AES256_GCM), 12);
	assert_int_equal(crypto_cipher_key_len((enum crypto_cipher)0), 0);
	assert_int_equal(crypto_cipher_nonce_len((enum crypto_cipher)5), 0);
}

/* crypto_derive_keys against the blog's keys (3.0 and 3.1.1), and the
 * L=256 cipher keys for AES-256. */
static void test_derive_blog_keys(void **state)
{
	uint8_t sk[16], ph[64] = { 0 }, want[32];
	struct smb2_keys k;

	unhex(SK30, sk);
	crypto_derive_keys(0x0300, sk, ph, 16, &k);
	unhex(SERVER_IN_30, want);
	assert_memory_equal(k.decryption, want, 16);
	unhex(SERVER_OUT_30, want);
	assert_memory_equal(k.encryption, want, 16);

	unhex(SK311, sk);
	unhex(PH311, ph);
	crypto_derive_keys(0x0311, sk, ph, 16, &k);
	assert_int_equal(k.cipher_key_len, 16);
	unhex(C2S_311, want);
	assert_memory_equal(k.decryption, want, 16);
	unhex(S2C_311, want);
	assert_memory_equal(k.encryption, want, 16);

	crypto_derive_keys(0x0311, sk, ph, 32, &k);
	assert_int_equal(k.cipher_key_len, 32);
	unhex(C2S_311_256, want);
	assert_memory_equal(k.decryption, want, 32);
	unhex(S2C_311_256, want);
	assert_memory_equal(k.encryption, want, 32);
}

/* Encrypts plain (split into three iovecs at odd places) with the header
 * fields of the expected transform message and compares every byte. */
static void check_encrypt_vector(enum crypto_cipher c, const char *key_hex, const char *plain_hex,
				 const char *tf_hex)
{
	size_t pn, tn;
	uint8_t key[32], hdr[TF];
	uint8_t *plain = unhex_alloc(plain_hex, &pn), *tf = unhex_alloc(tf_hex, &tn);
	uint8_t *out = malloc(pn);

	assert_int_equal(unhex(key_hex, key), crypto_cipher_key_len(c));
	assert_int_equal(tn, TF + pn);
	memcpy(hdr, tf, TF);
	memset(hdr + 4, 0xAA, 16); /* the signature is an output */
	struct iovec iov[] = { { plain, 7 }, { plain + 7, 0 }, { plain + 7, 64 },
			       { plain + 71, pn - 71 } };
	assert_int_equal(crypto_smb2_encrypt(c, key, hdr, iov, 4, out), 0);
	assert_memory_equal(hdr, tf, TF);
	assert_memory_equal(out, tf + TF, pn);
	free(plain);
	free(tf);
	free(out);
}

static void check_decrypt_vector(enum crypto_cipher c, const char *key_hex, const char *tf_hex,
				 const char *plain_hex)
{
	size_t pn, tn;
	uint8_t key[32];
	uint8_t *plain = unhex_alloc(plain_hex, &pn), *tf = unhex_alloc(tf_hex, &tn);
	uint8_t *out = malloc(pn);

	unhex(key_hex, key);
	assert_int_equal(tn, TF + pn);
	assert_int_equal(crypto_smb2_decrypt(c, key, tf, tf + TF, pn, out), 0);
	assert_memory_equal(out, plain, pn);
	free(plain);
	free(tf);
	free(out);
}

static void test_blog_ccm_30(void **state)
{
	/* Client request, encrypted with the client's key (ServerIn): the
	 * server decrypts it with that key. */
	check_encrypt_vector(CRYPTO_AES128_CCM, SERVER_IN_30, PLAIN_30, TF_30);
	check_decrypt_vector(CRYPTO_AES128_CCM, SERVER_IN_30, TF_30, PLAIN_30);
	/* Server response, ServerOut. */
	check_decrypt_vector(CRYPTO_AES128_CCM, SERVER_OUT_30, TF_30_RESP, PLAIN_30_RESP);
	check_encrypt_vector(CRYPTO_AES128_CCM, SERVER_OUT_30, PLAIN_30_RESP, TF_30_RESP);
}

static void test_blog_gcm_311(void **state)
{
	check_encrypt_vector(CRYPTO_AES128_GCM, C2S_311, PLAIN_311, TF_311);
	check_decrypt_vector(CRYPTO_AES128_GCM, C2S_311, TF_311, PLAIN_311);
	check_decrypt_vector(CRYPTO_AES128_GCM, S2C_311, TF_311_RESP, PLAIN_311_RESP);
	check_encrypt_vector(CRYPTO_AES128_GCM, S2C_311, PLAIN_311_RESP, TF_311_RESP);
}

static void check_256(enum crypto_cipher c, const char *nonce_hex, const char *ct, const char *tag)
{
	size_t pn, cn;
	uint8_t nonce[16], hdr[TF], tagb[16];
	uint8_t *plain = unhex_alloc(PLAIN_311, &pn), *want = unhex_alloc(ct, &cn);
	unhex(nonce_hex, nonce);
	unhex(tag, tagb);
	make_hdr(hdr, nonce, (uint32_t)pn, 0x100000000025ull);
	size_t tfn = TF + pn;
	char *tf_hex = malloc(2 * tfn + 1);
	char *p = tf_hex;
	memcpy(hdr + 4, tagb, 16);
	for (size_t i = 0; i < TF; i++, p += 2)
		sprintf(p, "%02x", hdr[i]);
	strcpy(p, ct);
	assert_int_equal(cn, pn);
	check_encrypt_vector(c, C2S_311_256, PLAIN_311, tf_hex);
	check_decrypt_vector(c, C2S_311_256, tf_hex, PLAIN_311);
	free(tf_hex);
	free(plain);
	free(want);
}

static void test_python_aes256(void **state)
{
	check_256(CRYPTO_AES256_GCM, "C7D6822D269CAF48904C664C00000000", GCM256_CT, GCM256_TAG);
	check_256(CRYPTO_AES256_CCM, "66E69A111892584FB5ED524A744DA3EE", CCM256_CT, CCM256_TAG);
}

/* Encrypts len bytes of a pattern under a fresh nonce; returns the whole
 * transform message (header + cipher text), which the caller frees. */
static uint8_t *seal(enum crypto_cipher c, const uint8_t *key, size_t len)
{
	uint8_t nonce[16];
	uint8_t *msg = malloc(TF + len), *plain = malloc(len ? len : 1);
	assert_non_null(msg);
	for (size_t i = 0; i < len; i++)
		plain[i] = (uint8_t)(i * 31 + 7);
	crypto_smb2_nonce(c, nonce);
	make_hdr(msg, nonce, (uint32_t)len, 0x1122334455667788ull);
	struct iovec iov = { plain, len };
	assert_int_equal(crypto_smb2_encrypt(c, key, msg, &iov, 1, msg + TF), 0);
	free(plain);
	return msg;
}

static void check_plain(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(i * 31 + 7))
			fail_msg("plaintext differs at %zu", i);
}

static void test_round_trip(void **state)
{
	static const size_t sizes[] = { 1, 15, 16, 17, 64, 65, 4096, 65536 + 3, 1u << 20 };
	uint8_t key[32];
	crypto_random(key, sizeof(key));
	for (size_t ci = 0; ci < 4; ci++) {
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			size_t len = sizes[si];
			uint8_t *msg = seal(ALL[ci], key, len), *out = malloc(len);
			assert_int_equal(crypto_smb2_decrypt(ALL[ci], key, msg, msg + TF, len, out), 0);
			check_plain(out, len);
			free(msg);
			free(out);
		}
	}
}

/* 16 MiB is the largest message; one byte more is refused both ways. */
static void test_max_size(void **state)
{
	size_t max = CRYPTO_SMB2_MAX_MSG;
	uint8_t key[32] = { 1 }, nonce[16] = { 0 }, hdr[TF];
	for (size_t ci = 0; ci < 4; ci += 3) {
		uint8_t *msg = seal(ALL[ci], key, max), *out = malloc(max + 1);
		assert_int_equal(crypto_smb2_decrypt(ALL[ci], key, msg, msg + TF, max, out), 0);
		check_plain(out, max);
		free(msg);

		make_hdr(hdr, nonce, (uint32_t)max + 1, 1);
		struct iovec iov = { out, max + 1 };
		assert_int_equal(crypto_smb2_encrypt(ALL[ci], key, hdr, &iov, 1, out), -1);
		assert_int_equal(crypto_smb2_decrypt(ALL[ci], key, hdr, out, max + 1, out), -1);
		free(out);
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Every byte of the AAD, of the tag and (sampled) of the cipher text,
 * each flipped alone, makes decryption fail with nothing left in out. */
static void test_tamper(void **state)
{
	enum { LEN = 300 };
	uint8_t key[32], out[LEN];
	crypto_random(key, sizeof(key));
	for (size_t ci = 0; ci < 4; ci++) {
		enum crypto_cipher c = ALL[ci];
		uint8_t *msg = seal(c, key, LEN);
		for (size_t i = 4; i < TF + LEN; i += (i < TF ? 1 : 13)) {
			msg[i] ^= 0x01;
			memset(out, 0x55, sizeof(out));
			if (crypto_smb2_decrypt(c, key, msg, msg + TF, LEN, out) != -1)
				fail_msg("cipher %d accepted a flip at byte %zu", c, i);
			/* Size and Flags are refused before anything is written. */
			assert_true(all_zero(out, LEN) || (i >= 36 && i < 40) || i == 42 || i == 43);
			msg[i] ^= 0x01;
		}
		/* The Reserved field (40..41) is AAD too. */
		msg[40] = 1;
		assert_int_equal(crypto_smb2_decrypt(c, key, msg, msg + TF, LEN, out), -1);
		msg[40] = 0;
		assert_int_equal(crypto_smb2_decrypt(c, key, msg, msg + TF, LEN, out), 0);
		check_plain(out, LEN);

		/* Wrong key: one bit anywhere in it. */
		uint8_t bad[32];
		memcpy(bad, key, 32);
		bad[crypto_cipher_key_len(c) - 1] ^= 0x80;
		assert_int_equal(crypto_smb2_decrypt(c, bad, msg, msg + TF, LEN, out), -1);
		assert_true(all_zero(out, LEN));
		/* Right key, other cipher of the same key length. */
		enum crypto_cipher other = ALL[ci ^ 1];
		assert_int_equal(crypto_smb2_decrypt(other, key, msg, msg + TF, LEN, out), -1);
		free(msg);
	}
}

/* Sizes that do not match OriginalMessageSize, a truncated cipher text
 * whose header was rewritten to match, bad ids, flags and ciphers. */
static void test_bad_sizes_and_fields(void **state)
{
	enum { LEN = 200 };
	uint8_t key[32] = { 9 }, out[LEN + 1];
	for (size_t ci = 0; ci < 4; ci++) {
		enum crypto_cipher c = ALL[ci];
		uint8_t *msg = seal(c, key, LEN);
		assert_int_equal(crypto_smb2_decrypt(c, key, msg, msg + TF, LEN - 1, out), -1);
		assert_int_equal(crypto_smb2_decrypt(c, key, msg, msg + TF, LEN + 1, out), -1);
		assert_int_equal(crypto_smb2_decrypt(c, key, msg, msg + TF, 0, out), -1);
		for (size_t cut = 1; cut < LEN; cut += 37) {
			put32(msg + 36, LEN - cut);
			assert_int_equal(crypto_smb2_decrypt(c, key, msg, msg + TF, LEN - cut, out), -1);
		}
		put32(msg + 36, LEN);
		msg[0] = 0xFE;
		assert_int_equal(crypto_smb2_decrypt(c, key, msg, msg + TF, LEN, out), -1);
		msg[0] = 0xFD;
		msg[42] = 0;
		assert_int_equal(crypto_smb2_decrypt(c, key, msg, msg + TF, LEN, out), -1);
		msg[42] = 2;
		assert_int_equal(crypto_smb2_decrypt(c, key, msg, msg + TF, LEN, out), -1);
		msg[42] = 1;
		assert_int_equal(crypto_smb2_decrypt(c, key, msg, msg + TF, LEN, out), 0);
		assert_int_equal(crypto_smb2_decrypt((enum crypto_cipher)0, key, msg, msg + TF, LEN, out), -1);
		assert_int_equal(crypto_smb2_decrypt((enum crypto_cipher)7, key, msg, msg + TF, LEN, out), -1);

		/* Encrypt checks its header against the iovecs too. */
		uint8_t hdr[TF], nonce[16] = { 0 };
		struct iovec iov = { out, LEN };
		make_hdr(hdr, nonce, LEN + 1, 1);
		assert_int_equal(crypto_smb2_encrypt(c, key, hdr, &iov, 1, out), -1);
		make_hdr(hdr, nonce, 0, 1);
		assert_int_equal(crypto_smb2_encrypt(c, key, hdr, &iov, 0, out), -1);
		make_hdr(hdr, nonce, LEN, 1);
		assert_int_equal(crypto_smb2_encrypt(c, key, hdr, &iov, -1, out), -1);
		hdr[42] = 0;
		assert_int_equal(crypto_smb2_encrypt(c, key, hdr, &iov, 1, out), -1);
		/* iovec lengths whose sum wraps around to LEN. */
		struct iovec wrap[2] = { { out, LEN + 1 }, { out, SIZE_MAX } };
		make_hdr(hdr, nonce, LEN, 1);
		assert_int_equal(crypto_smb2_encrypt(c, key, hdr, wrap, 2, out), -1);
		free(msg);
	}
}

static void test_nonce(void **state)
{
	uint8_t a[16], b[16];
	for (size_t ci = 0; ci < 4; ci++) {
		enum crypto_cipher c = ALL[ci];
		size_t nl = crypto_cipher_nonce_len(c);
		crypto_smb2_nonce(c, a);
		crypto_smb2_nonce(c, b);
		assert_true(all_zero(a + nl, 16 - nl));
		assert_true(all_zero(b + nl, 16 - nl));
		assert_memory_not_equal(a, b, nl);
		if (nl == 12) {
			/* Same prefix, counter one up. */
			assert_memory_equal(a, b, 4);
			uint64_t x = 0, y = 0;
			for (int i = 7; i >= 0; i--) {
				x = x << 8 | a[4 + i];
				y = y << 8 | b[4 + i];
			}
			assert_true(y > x);
		}
	}
}

/* Four threads draw GCM nonces at once: none repeats.  They also encrypt
 * and decrypt, each with its own per-thread cipher context. */
enum { NTHR = 4, PER = 5000 };
static uint64_t drawn[NTHR * PER];

static void *nonce_thread(void *arg)
{
	size_t t = (size_t)arg;
	uint8_t n[16], key[32] = { (uint8_t)t };
	for (size_t i = 0; i < PER; i++) {
		crypto_smb2_nonce(CRYPTO_AES256_GCM, n);
		uint64_t v = 0;
		for (int j = 11; j >= 4; j--)
			v = v << 8 | n[j];
		drawn[t * PER + i] = v;
		if (i % 500 == 0) {
			uint8_t msg[TF + 100], out[100];
			make_hdr(msg, n, 100, t);
			struct iovec iov = { msg, 100 }; /* any bytes will do */
			uint8_t plain[100];
			memset(plain, (int)t, sizeof(plain));
			iov.iov_base = plain;
			if (crypto_smb2_encrypt(ALL[i / 500 % 4], key, msg, &iov, 1, msg + TF) != 0 ||
			    crypto_smb2_decrypt(ALL[i / 500 % 4], key, msg, msg + TF, 100, out) != 0 ||
			    memcmp(out, plain, 100) != 0)
				return (void *)1;
		}
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_nonce_threads(void **state)
{
	pthread_t th[NTHR];
	for (size_t t = 0; t < NTHR; t++)
		assert_int_equal(pthread_create(&th[t], NULL, nonce_thread, (void *)t), 0);
	for (size_t t = 0; t < NTHR; t++) {
		void *r;
		assert_int_equal(pthread_join(th[t], &r), 0);
		assert_null(r);
	}
	qsort(drawn, NTHR * PER, sizeof(drawn[0]), cmp_u64);
	for (size_t i = 1; i < NTHR * PER; i++)
		assert_true(drawn[i] != drawn[i - 1]);
}

/* A forked child gets a new GCM prefix, so it never replays the nonces
 * its parent goes on to use. */
static void test_nonce_fork(void **state)
{
	uint8_t parent[16], child[16];
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	crypto_smb2_nonce(CRYPTO_AES128_GCM, parent);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		crypto_smb2_nonce(CRYPTO_AES128_GCM, child);
		_exit(write(fd[1], child, 16) == 16 ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(read(fd[0], child, 16), 16);
	close(fd[0]);
	close(fd[1]);
	crypto_smb2_nonce(CRYPTO_AES128_GCM, parent);
	assert_memory_not_equal(parent, child, 12);
	assert_memory_not_equal(parent, child, 4); /* prefix (fails 1 in 2^32) */
}

int main(void)
{
	if (crypto_init() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_derive_blog_keys),
		cmocka_unit_test(test_blog_ccm_30),
		cmocka_unit_test(test_blog_gcm_311),
		cmocka_unit_test(test_python_aes256),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_max_size),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_bad_sizes_and_fields),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_nonce_threads),
		cmocka_unit_test(test_nonce_fork),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
