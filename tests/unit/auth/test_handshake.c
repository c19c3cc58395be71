/* Full auth_client <-> auth_ctx exchanges in memory (SPNEGO and raw). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "authtest.h"
#include "crypto/crypto_int.h"
#include "crypto/crypto.h"

static struct passdb *db;
static char db_path[256];

static int setup(void **state)
{
	db = test_db(db_path);
	return 0;
}

static int teardown(void **state)
{
	test_db_remove(db, db_path);
	return 0;
}

static void test_right_password(void **state)
{
	struct hs_result r;
	hs_run(db, "alice", "WORKGROUP", "Secret1", false, NULL, NULL, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	assert_int_equal(r.client, STATUS_SUCCESS);
	assert_int_equal(r.legs, 4);
	assert_string_equal(r.id.user, "alice");
	assert_string_equal(r.id.domain, "WORKGROUP");
	assert_false(r.id.guest);
	assert_false(r.id.anonymous);
	assert_true(r.id.has_session_key);
	assert_true(r.client_key_ok);
	assert_memory_equal(r.id.session_key, r.client_key, 16);

	/* Both directions carried a mechListMIC. */
	struct spnego_tok t;
	assert_true(spnego_decode(r.tok[3].p, r.tok[3].len, &t));
	assert_non_null(t.mic);
	assert_int_equal(t.mic_len, 16);
	assert_true(spnego_decode(r.tok[4].p, r.tok[4].len, &t));
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_COMPLETED);
	assert_non_null(t.mic);
	assert_int_equal(t.mic_len, 16);
	/* Leg 2: accept-incomplete, supportedMech NTLMSSP, a CHALLENGE. */
	assert_true(spnego_decode(r.tok[2].p, r.tok[2].len, &t));
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_true(t.has_supported_mech && t.supported_is_ntlm);
	assert_non_null(t.token);
	assert_memory_equal(t.token, "NTLMSSP\0\2\0\0\0", 12);
	hs_free(&r);
}

static void test_case_insensitive_user_and_domains(void **state)
{
	struct hs_result r;
	hs_run(db, "ALICE", "", "Secret1", false, NULL, NULL, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	assert_string_equal(r.id.user, "ALICE");
	assert_true(r.id.has_session_key);
	hs_free(&r);
}

static void test_wrong_password(void **state)
{
	struct hs_result r;
	hs_run(db, "alice", "WORKGROUP", "secret1", false, NULL, NULL, &r);
	assert_int_equal(r.server, STATUS_LOGON_FAILURE);
	assert_int_equal(r.legs, 3);
	assert_false(r.id.has_session_key);
	assert_string_equal(r.id.user, "");
	hs_free(&r);
}

static void test_unknown_user_is_guest(void **state)
{
	struct hs_result r;
	hs_run(db, "mallory", "WORKGROUP", "whatever", false, NULL, NULL, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	assert_int_equal(r.client, STATUS_SUCCESS);
	assert_true(r.id.guest);
	assert_false(r.id.anonymous);
	assert_false(r.id.has_session_key);
	assert_string_equal(r.id.user, "mallory");
	uint8_t zero[16] = { 0 };
	assert_memory_equal(r.id.session_key, zero, 16);
	hs_free(&r);
}

static void test_anonymous(void **state)
{
	struct hs_result r;
	hs_run(db, "", NULL, NULL, false, NULL, NULL, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	assert_int_equal(r.client, STATUS_SUCCESS);
	assert_true(r.id.anonymous);
	assert_false(r.id.guest);
	assert_false(r.id.has_session_key);
	assert_false(r.client_key_ok);
	assert_string_equal(r.id.user, "");
	hs_free(&r);
	hs_run(db, NULL, NULL, NULL, true, NULL, NULL, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	assert_true(r.id.anonymous);
	hs_free(&r);
}

/* Leg 3 replaced by a hand-built AUTHENTICATE naming user "root" with an
 * empty NtChallengeResponse and the LmChallengeResponse given in arg
 * (a struct lm_resp), as smbclient -N sends it. */
struct lm_resp {
	const uint8_t *p;
	uint16_t len;
	const uint8_t *key;            /* EncryptedRandomSessionKey (16) or NULL */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void named_empty_auth(int leg, struct buf *tok, void *arg)
{
	const struct lm_resp *lm = arg;
	if (leg != 3)
		return;
	uint8_t m[128] = "NTLMSSP";
	static const uint8_t root[] = {'r', 0, 'o', 0, 'o', 0, 't', 0};
	uint32_t off = 64;
	put32(m + 8, 3);
	/* LmChallengeResponse, then an empty NtChallengeResponse and domain */
	put16(m + 12, lm->len);
	put16(m + 14, lm->len);
	put32(m + 16, off);
	if (lm->len)
		memcpy(m + off, lm->p, lm->len);
	off += lm->len;
	for (int f = 1; f < 6; f++)
		put32(m + 12 + 8 * f + 4, off);
	/* UserName "root" */
	put16(m + 36, sizeof(root));
	put16(m + 38, sizeof(root));
	memcpy(m + off, root, sizeof(root));
	off += sizeof(root);
	put32(m + 48, off); /* workstation empty, after the name */
	put32(m + 56, off);
	if (lm->key) {
		/* smbclient -N: a key, and no NTLMSSP_ANONYMOUS */
		put16(m + 52, 16);
		put16(m + 54, 16);
		memcpy(m + off, lm->key, 16);
		off += 16;
		put32(m + 60, 0x00000001 | 0x00000200 | 0x40000000); /* UNICODE|NTLM|KEY_EXCH */
	} else {
		put32(m + 60, 0x00000001 | 0x00000200 | 0x00000800); /* UNICODE|NTLM|ANONYMOUS */
	}
	buf_reset(tok);
	buf_bytes(tok, m, off);
}

/* MS-NLMP 3.3.1: empty NT and empty or Z(1) LM responses are an anonymous
 * logon whatever the user name; an LM-only response is refused. */
static void test_anonymous_with_user_name(void **state)
{
	struct hs_result r;
	static const uint8_t z1[1] = {0};
	static const uint8_t lm24[24] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
					 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
	struct lm_resp empty = {NULL, 0, NULL}, zero = {z1, 1, NULL}, lm = {lm24, 24, NULL};

	hs_run(db, "User", "Domain", "Password", true, named_empty_auth, &empty, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	assert_true(r.id.anonymous);
	assert_false(r.id.guest);
	assert_false(r.id.has_session_key);
	assert_string_equal(r.id.user, "");
	hs_free(&r);

	hs_run(db, "User", "Domain", "Password", true, named_empty_auth, &zero, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	assert_true(r.id.anonymous);
	assert_string_equal(r.id.user, "");
	hs_free(&r);

	hs_run(db, "User", "Domain", "Password", true, named_empty_auth, &lm, &r);
	assert_int_equal(r.server, STATUS_LOGON_FAILURE);
	assert_false(r.id.anonymous);
	hs_free(&r);
}

/* The same with an EncryptedRandomSessionKey and no NTLMSSP_ANONYMOUS:
 * still anonymous, never a user's key, but the key the client derives
 * (RC4 under a zero SessionBaseKey) is kept for signing. */
static void test_anonymous_key(void **state)
{
	struct hs_result r;
	static const uint8_t zero16[16];
	static const uint8_t ekey[16] = {0x2e, 0x86, 0xd2, 0x30, 0x15, 0xac, 0x50, 0x24,
					 0xaa, 0xa1, 0xb8, 0xaa, 0x4b, 0x1a, 0xee, 0x8c};
	struct lm_resp keyed = {NULL, 0, ekey}, unkeyed = {NULL, 0, NULL};
	uint8_t back[16];

	hs_run(db, "User", "Domain", "Password", true, named_empty_auth, &keyed, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	assert_true(r.id.anonymous);
	assert_false(r.id.has_session_key);
	assert_true(r.id.anonymous_key);
	assert_int_equal(crypto_rc4(zero16, 16, r.id.session_key, 16, back), 0);
	assert_memory_equal(back, ekey, 16);
	hs_free(&r);

	hs_run(db, "User", "Domain", "Password", true, named_empty_auth, &unkeyed, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	assert_false(r.id.anonymous_key);
	hs_free(&r);
	/* A real anonymous client says NTLMSSP_ANONYMOUS: no key kept. */
	hs_run(db, "", NULL, NULL, false, NULL, NULL, &r);
	assert_true(r.id.anonymous);
	assert_false(r.id.anonymous_key);
	hs_free(&r);
}

static void test_raw_ntlmssp(void **state)
{
	struct hs_result r;
	hs_run(db, "User", "Domain", "Password", true, NULL, NULL, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	assert_int_equal(r.legs, 3);
	assert_memory_equal(r.tok[2].p, "NTLMSSP\0\2", 9);
	assert_true(r.id.has_session_key);
	assert_memory_equal(r.id.session_key, r.client_key, 16);
	hs_free(&r);
	hs_run(db, "User", "Domain", "Passwort", true, NULL, NULL, &r);
	assert_int_equal(r.server, STATUS_LOGON_FAILURE);
	hs_free(&r);
}

/* Flips one byte of the mechListMIC in leg 3 or 4. */
static void flip_mic(int leg, struct buf *tok, void *arg)
{
	if (leg != *(int *)arg)
		return;
	struct spnego_tok t;
	assert_true(spnego_decode(tok->p, tok->len, &t));
	assert_non_null(t.mic);
	tok->p[t.mic - tok->p + 5] ^= 1;
}

static void test_mech_list_mic_tampered(void **state)
{
	struct hs_result r;
	int leg = 3;
	hs_run(db, "alice", "W", "Secret1", false, flip_mic, &leg, &r);
	assert_int_equal(r.server, STATUS_LOGON_FAILURE);
	hs_free(&r);
	leg = 4;
	hs_run(db, "alice", "W", "Secret1", false, flip_mic, &leg, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	assert_int_equal(r.client, STATUS_LOGON_FAILURE);
	assert_false(r.client_key_ok);
	hs_free(&r);
}

/* Corrupts the NTLM MIC inside AUTHENTICATE (offset 72). */
static void flip_ntlm_mic(int leg, struct buf *tok, void *arg)
{
	if (leg != 3)
		return;
	struct spnego_tok t;
	assert_true(spnego_decode(tok->p, tok->len, &t));
	tok->p[t.token - tok->p + NTLM_AUTH_MIC_OFFSET + 3] ^= 0x40;
}

static void test_ntlm_mic_tampered(void **state)
{
	struct hs_result r;
	hs_run(db, "alice", "W", "Secret1", false, flip_ntlm_mic, NULL, &r);
	assert_int_equal(r.server, STATUS_LOGON_FAILURE);
	hs_free(&r);
}

/* Client offers krb5 first with an optimistic krb5 token: the server
 * picks NTLMSSP without a token, and the NEGOTIATE follows. */
static void test_other_mech_first(void **state)
{
	static const uint8_t krb5[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02 };
	struct buf mt, f, tmp, seq, ch, app, init, out, neg;
	buf_init(&mt, 4096), buf_init(&f, 4096), buf_init(&tmp, 4096), buf_init(&seq, 4096);
	buf_init(&ch, 4096), buf_init(&app, 4096), buf_init(&init, 4096), buf_init(&out, 4096);
	buf_init(&neg, 4096);
	asn1_put(&tmp, 0x06, krb5, sizeof(krb5));
	asn1_put(&tmp, 0x06, spnego_ntlm_oid, sizeof(spnego_ntlm_oid));
	asn1_wrap(&mt, 0x30, &tmp);
	asn1_wrap(&f, 0xa0, &mt);
	buf_reset(&tmp);
	asn1_put(&tmp, 0x04, "\x60\x03\x01\x02\x03", 5);
	asn1_wrap(&f, 0xa2, &tmp);
	asn1_wrap(&seq, 0x30, &f);
	asn1_wrap(&ch, 0xa0, &seq);
	asn1_put(&app, 0x06, "\x2b\x06\x01\x05\x05\x02", 6);
	buf_bytes(&app, ch.p, ch.len);
	asn1_wrap(&init, 0x60, &app);

	struct auth_ctx *s = auth_start(db, "srv", NULL);
	assert_int_equal(auth_step(s, init.p, init.len, &out), STATUS_MORE_PROCESSING_REQUIRED);
	struct spnego_tok t;
	assert_true(spnego_decode(out.p, out.len, &t));
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_true(t.supported_is_ntlm);
	assert_null(t.token);

	/* NTLMSSP NEGOTIATE in a NegTokenResp now. */
	struct auth_client *c = auth_client_start("alice", "", "Secret1", NULL);
	auth_client_test_raw(c);
	assert_int_equal(auth_client_step(c, NULL, 0, &neg), STATUS_MORE_PROCESSING_REQUIRED);
	buf_reset(&tmp);
	spnego_encode_resp(&tmp, SPNEGO_STATE_ABSENT, false, neg.p, neg.len, NULL, 0);
	buf_reset(&out);
	assert_int_equal(auth_step(s, tmp.p, tmp.len, &out), STATUS_MORE_PROCESSING_REQUIRED);
	assert_true(spnego_decode(out.p, out.len, &t));
	assert_non_null(t.token);
	struct buf auth;
	buf_init(&auth, 4096);
	assert_int_equal(auth_client_step(c, t.token, t.token_len, &auth), STATUS_SUCCESS);
	buf_reset(&tmp);
	spnego_encode_resp(&tmp, SPNEGO_STATE_ABSENT, false, auth.p, auth.len, NULL, 0);
	buf_reset(&out);
	assert_int_equal(auth_step(s, tmp.p, tmp.len, &out), STATUS_SUCCESS);
	assert_true(auth_identity(s)->has_session_key);
	assert_true(spnego_decode(out.p, out.len, &t));
	assert_int_equal(t.neg_state, SPNEGO_ACCEPT_COMPLETED);
	assert_null(t.mic);   /* the client sent none */
	auth_free(s);
	auth_client_free(c);

	/* No NTLMSSP in the list at all: NOT_SUPPORTED. */
	buf_reset(&tmp), buf_reset(&mt), buf_reset(&f), buf_reset(&seq), buf_reset(&ch);
	buf_reset(&app), buf_reset(&init), buf_reset(&out);
	asn1_put(&tmp, 0x06, krb5, sizeof(krb5));
	asn1_wrap(&mt, 0x30, &tmp);
	asn1_wrap(&f, 0xa0, &mt);
	asn1_wrap(&seq, 0x30, &f);
	asn1_wrap(&ch, 0xa0, &seq);
	asn1_put(&app, 0x06, "\x2b\x06\x01\x05\x05\x02", 6);
	buf_bytes(&app, ch.p, ch.len);
	asn1_wrap(&init, 0x60, &app);
	s = auth_start(db, "srv", NULL);
	assert_int_equal(auth_step(s, init.p, init.len, &out), STATUS_NOT_SUPPORTED);
	auth_free(s);

	buf_free(&mt), buf_free(&f), buf_free(&tmp), buf_free(&seq), buf_free(&ch);
	buf_free(&app), buf_free(&init), buf_free(&out), buf_free(&neg), buf_free(&auth);
}

static void test_negotiate_hint(void **state)
{
	struct buf b;
	buf_init(&b, 4096);
	auth_negotiate_hint(&b);
	struct spnego_tok t;
	assert_true(spnego_decode(b.p, b.len, &t));
	assert_true(t.is_init && t.has_ntlm && t.ntlm_first);
	assert_null(t.token);
	assert_non_null(memmem(b.p, b.len, "not_defined_in_RFC4178@please_ignore", 36));
	assert_true(asn1_validate(b.p, b.len));
	/* Fed back to the server as a client token: NTLM listed, no token. */
	struct auth_ctx *s = auth_start(db, "srv", NULL);
	struct buf out;
	buf_init(&out, 4096);
	assert_int_equal(auth_step(s, b.p, b.len, &out), STATUS_MORE_PROCESSING_REQUIRED);
	auth_free(s);
	buf_free(&out);
	buf_free(&b);
}

static void test_steps_after_done(void **state)
{
	struct auth_ctx *s = auth_start(db, "srv", NULL);
	struct buf out;
	buf_init(&out, 4096);
	assert_int_equal(auth_step(s, (const uint8_t *)"x", 1, &out), STATUS_INVALID_PARAMETER);
	/* Failed exchanges stay failed. */
	struct buf neg;
	buf_init(&neg, 4096);
	struct auth_client *c = auth_client_start("alice", "", "Secret1", NULL);
	auth_client_step(c, NULL, 0, &neg);
	assert_int_equal(auth_step(s, neg.p, neg.len, &out), STATUS_INVALID_PARAMETER);
	assert_int_equal(auth_step(s, NULL, 0, &out), STATUS_INVALID_PARAMETER);
	auth_client_free(c);
	auth_free(s);
	buf_free(&out);
	buf_free(&neg);
}

int main(void)
{
	if (crypto_init() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_password),
		cmocka_unit_test(test_case_insensitive_user_and_domains),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_unknown_user_is_guest),
		cmocka_unit_test(test_anonymous),
		cmocka_unit_test(test_anonymous_with_user_name),
		cmocka_unit_test(test_anonymous_key),
		cmocka_unit_test(test_raw_ntlmssp),
		cmocka_unit_test(test_mech_list_mic_tampered),
		cmocka_unit_test(test_ntlm_mic_tampered),
		cmocka_unit_test(test_other_mech_first),
		cmocka_unit_test(test_negotiate_hint),
		cmocka_unit_test(test_steps_after_done),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
