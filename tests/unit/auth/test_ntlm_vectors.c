/* MS-NLMP 4.2.4 NTLMv2 test vectors: User "User", Domain "Domain",
 * Password "Password", ServerChallenge 0123456789abcdef, ClientChallenge
 * aa*8, Time 0, RandomSessionKey 55*16, target info {NbDomainName
 * "Domain", NbComputerName "Server"}.  Cross-checked with impacket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "authtest.h"
#include "crypto/crypto.h"

static const char *TARGET_INFO =
	"02000c0044006f006d00610069006e00"
	"01000c005300650072007600650072000000 0000";

static void test_nt_hash(void **state)
{
	uint8_t h[16], want[16];
	assert_int_equal(ntlm_nt_hash("Password", h), 0);
	unhex("a4f49c406510bdcab6824ee7c30fd852", want);
	assert_memory_equal(h, want, 16);
}

static void test_ntowfv2_and_proof(void **state)
{
	uint8_t h[16], ow[16], want[16], sc[8], temp[256], proof[16];
	const uint8_t dom[] = { 'D', 0, 'o', 0, 'm', 0, 'a', 0, 'i', 0, 'n', 0 };
	ntlm_nt_hash("Password", h);
	assert_int_equal(ntlm_ntowfv2(h, "User", dom, sizeof(dom), ow), 0);
	unhex("0c868a403bfd7a93a3001ef22ef02e3f", want);
	assert_memory_equal(ow, want, 16);
	/* The user is upper-cased: "user" gives the same key. */
	assert_int_equal(ntlm_ntowfv2(h, "user", dom, sizeof(dom), ow), 0);
	assert_memory_equal(ow, want, 16);

	unhex("0123456789abcdef", sc);
	size_t n = 0;
	n += unhex("0101000000000000" "0000000000000000" "aaaaaaaaaaaaaaaa" "00000000", temp);
	n += unhex(TARGET_INFO, temp + n);
	n += unhex("00000000", temp + n);
	assert_int_equal(ntlm_proof(ow, sc, temp, n, proof), 0);
	unhex("68cd0ab851e51c96aabc927bebef6a1c", want);
	assert_memory_equal(proof, want, 16);
}

/* The 4.2.4.2 CHALLENGE_MESSAGE: flags e28a8233, target "Server". */
static void build_challenge(struct buf *b)
{
	uint8_t ti[64], name[12];
	size_t tin = unhex(TARGET_INFO, ti);
	size_t nn = unhex("530065007200760065007200", name);
	buf_bytes(b, "NTLMSSP", 8);
	buf_le32(b, 2);
	buf_le16(b, (uint16_t)nn), buf_le16(b, (uint16_t)nn), buf_le32(b, 56);
	buf_le32(b, 0xe28a8233);
	uint8_t sc[8];
	unhex("0123456789abcdef", sc);
	buf_bytes(b, sc, 8);
	buf_zero(b, 8);
	buf_le16(b, (uint16_t)tin), buf_le16(b, (uint16_t)tin), buf_le32(b, 56 + (uint32_t)nn);
	buf_bytes(b, "\x06\x00\x70\x17\x00\x00\x00\x0f", 8);
	buf_bytes(b, name, nn);
	buf_bytes(b, ti, tin);
}

static void field(const struct buf *m, size_t at, const uint8_t **p, size_t *n)
{
	*n = get_le16(m->p + at);
	uint32_t off = get_le32(m->p + at + 4);
	assert_true(off + *n <= m->len);
	*p = m->p + off;
}

static void test_client_and_server(void **state)
{
	struct buf neg, chal, auth, out;
	uint8_t cc[8], rsk[16], want[256];
	const uint8_t *p;
	size_t n, wn;
	memset(cc, 0xaa, 8);
	memset(rsk, 0x55, 16);
	buf_init(&neg, 4096);
	buf_init(&chal, 4096);
	buf_init(&auth, 4096);
	buf_init(&out, 4096);

	struct auth_client *c = auth_client_start("User", "Domain", "Password", "COMPUTER");
	assert_non_null(c);
	auth_client_test_raw(c);
	auth_client_test_set(c, cc, rsk, 0);
	assert_int_equal(auth_client_step(c, NULL, 0, &neg), STATUS_MORE_PROCESSING_REQUIRED);
	build_challenge(&chal);
	assert_int_equal(auth_client_step(c, chal.p, chal.len, &auth), STATUS_SUCCESS);

	/* NTLMv2 response = NTProofStr || temp. */
	field(&auth, 20, &p, &n);
	wn = unhex("68cd0ab851e51c96aabc927bebef6a1c"
		   "0101000000000000" "0000000000000000" "aaaaaaaaaaaaaaaa" "00000000", want);
	wn += unhex(TARGET_INFO, want + wn);
	wn += unhex("00000000", want + wn);
	assert_int_equal(n, wn);
	assert_memory_equal(p, want, n);
	/* LMv2 response (no timestamp in the target info). */
	field(&auth, 12, &p, &n);
	wn = unhex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa", want);
	assert_int_equal(n, wn);
	assert_memory_equal(p, want, n);
	/* EncryptedRandomSessionKey = RC4(SessionBaseKey 8de40cca..., 55*16). */
	field(&auth, 52, &p, &n);
	unhex("c5dad2544fc9799094ce1ce90bc9d03e", want);
	assert_int_equal(n, 16);
	assert_memory_equal(p, want, 16);
	uint8_t key[16];
	assert_true(auth_client_session_key(c, key));
	assert_memory_equal(key, rsk, 16);
	auth_client_free(c);

	/* The server accepts that AUTHENTICATE for its challenge
	 * 0123456789abcdef and recovers the exported session key. */
	char path[256];
	struct passdb *db = test_db(path);
	struct auth_ctx *s = auth_start(db, "Server", NULL);
	uint8_t sc[8];
	unhex("0123456789abcdef", sc);
	auth_test_set_challenge(s, sc);
	assert_int_equal(auth_step(s, neg.p, neg.len, &out), STATUS_MORE_PROCESSING_REQUIRED);
	/* Our CHALLENGE carries that server challenge. */
	assert_memory_equal(out.p + 24, sc, 8);
	buf_reset(&out);
	assert_int_equal(auth_step(s, auth.p, auth.len, &out), STATUS_SUCCESS);
	assert_int_equal(out.len, 0);
	const struct auth_identity *id = auth_identity(s);
	assert_string_equal(id->user, "User");
	assert_string_equal(id->domain, "Domain");
	assert_false(id->guest);
	assert_false(id->anonymous);
	assert_true(id->has_session_key);
	assert_memory_equal(id->session_key, rsk, 16);
	auth_free(s);

	/* Same AUTHENTICATE, other challenge: LOGON_FAILURE. */
	s = auth_start(db, "Server", NULL);
	buf_reset(&out);
	assert_int_equal(auth_step(s, neg.p, neg.len, &out), STATUS_MORE_PROCESSING_REQUIRED);
	buf_reset(&out);
	assert_int_equal(auth_step(s, auth.p, auth.len, &out), STATUS_LOGON_FAILURE);
	assert_false(auth_identity(s)->has_session_key);
	auth_free(s);

	test_db_remove(db, path);
	buf_free(&neg);
	buf_free(&chal);
	buf_free(&auth);
	buf_free(&out);
}

int main(void)
{
	if (crypto_init() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nt_hash),
		cmocka_unit_test(test_ntowfv2_and_proof),
		cmocka_unit_test(test_client_and_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
