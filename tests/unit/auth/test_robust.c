/* Malformed tokens: truncation at every length, lying (len, maxlen,
 * offset) fields, bad DER.  Every case must end in INVALID_PARAMETER or
 * LOGON_FAILURE (or guest, when the user name itself was changed), never
 * in a crash or an authenticated session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "authtest.h"
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

static void assert_rejected(const struct hs_result *r)
{
	if (r->server == STATUS_SUCCESS) {
		/* Only possible by turning the user into an unknown one. */
		assert_true(r->id.guest);
		assert_false(r->id.has_session_key);
		return;
	}
	if (r->server != STATUS_INVALID_PARAMETER && r->server != STATUS_LOGON_FAILURE)
		fail_msg("unexpected status 0x%08x", r->server);
	assert_false(r->id.has_session_key);
}

struct trunc {
	int leg;
	size_t len;
};

static void truncate_leg(int leg, struct buf *tok, void *arg)
{
	struct trunc *t = arg;
	if (leg == t->leg && t->len < tok->len)
		tok->len = t->len;
}

static size_t leg_len(bool raw, int leg)
{
	struct hs_result r;
	hs_run(db, "alice", "DOM", "Secret1", raw, NULL, NULL, &r);
	assert_int_equal(r.server, STATUS_SUCCESS);
	size_t n = r.tok[leg].len;
	hs_free(&r);
	return n;
}

static void test_truncate_client_tokens(void **state)
{
	for (int raw = 0; raw < 2; raw++) {
		for (int leg = 1; leg <= 3; leg += 2) {
			size_t full = leg_len(raw, leg);
			for (size_t k = 0; k < full; k++) {
				struct trunc t = { leg, k };
				struct hs_result r;
				hs_run(db, "alice", "DOM", "Secret1", raw, truncate_leg, &t, &r);
				if (leg == 1 && raw && k >= 16) {
					/* Flags are all a NEGOTIATE needs; the MIC
					 * later covers what was sent. */
					hs_free(&r);
					continue;
				}
				assert_int_equal(r.legs, leg);
				assert_rejected(&r);
				hs_free(&r);
			}
		}
	}
}

static void test_truncate_server_tokens(void **state)
{
	/* The client must refuse truncated server tokens too. */
	for (int leg = 2; leg <= 4; leg += 2) {
		size_t full = leg_len(false, leg);
		for (size_t k = 0; k < full; k++) {
			struct trunc t = { leg, k };
			struct hs_result r;
			hs_run(db, "alice", "DOM", "Secret1", false, truncate_leg, &t, &r);
			if (leg == 4 && k == 0) {
				/* An empty final buffer is accepted unverified. */
				hs_free(&r);
				continue;
			}
			assert_true(r.client != STATUS_SUCCESS && r.client != STATUS_MORE_PROCESSING_REQUIRED);
			hs_free(&r);
		}
	}
}

/* Sets one 16/32-bit field of the NTLMSSP AUTHENTICATE (raw leg 3). */
struct patch {
	size_t at;
	int width;
	uint32_t value;
	bool spnego;
	bool changed;   /* false when the field already held value */
};

static void patch_auth(int leg, struct buf *tok, void *arg)
{
	struct patch *p = arg;
	if (leg != 3)
		return;
	uint8_t *m = tok->p;
	if (p->spnego) {
		struct spnego_tok t;
		assert_true(spnego_decode(tok->p, tok->len, &t));
		m = (uint8_t *)t.token;
	}
	if (p->width == 2) {
		p->changed = get_le16(m + p->at) != (uint16_t)p->value;
		put_le16(m + p->at, (uint16_t)p->value);
	} else {
		p->changed = get_le32(m + p->at) != p->value;
		put_le32(m + p->at, p->value);
	}
}

static void test_lying_fields(void **state)
{
	static const uint32_t lens[] = { 0, 1, 2, 15, 16, 17, 24, 0x7fff, 0xfffe, 0xffff };
	static const uint32_t offs[] = { 0, 1, 8, 63, 64, 87, 88, 0xfff, 0xffff, 0x10000,
					 0x7fffffff, 0xfffffff0, 0xffffffff };
	int runs = 0;
	for (int sp = 0; sp < 2; sp++) {
		/* Six fields at 12, 20, ..., 52: Len, MaxLen, Offset. */
		for (size_t f = 12; f <= 52; f += 8) {
			for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
				for (int which = 0; which < 2; which++) {
					struct patch p = { f + (size_t)which * 2, 2, lens[i], sp };
					struct hs_result r;
					hs_run(db, "alice", "DOM", "Secret1", !sp, patch_auth, &p, &r);
					if (p.changed)
						assert_rejected(&r);
					hs_free(&r);
					runs++;
				}
			}
			for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
				struct patch p = { f + 4, 4, offs[i], sp };
				struct hs_result r;
				hs_run(db, "alice", "DOM", "Secret1", !sp, patch_auth, &p, &r);
				if (p.changed)
					assert_rejected(&r);
				hs_free(&r);
				runs++;
			}
		}
		/* NegotiateFlags: any change breaks the MIC. */
		struct patch p = { 60, 4, 0, sp };
		struct hs_result r;
		hs_run(db, "alice", "DOM", "Secret1", !sp, patch_auth, &p, &r);
		assert_rejected(&r);
		hs_free(&r);
	}
	assert_true(runs > 200);
}

/* Every single-bit flip of a byte of the AUTHENTICATE is caught. */
static void flip_byte(int leg, struct buf *tok, void *arg)
{
	size_t *at = arg;
	if (leg == 3 && *at < tok->len)
		tok->p[*at] ^= 0x01;
}

static void test_flip_every_byte(void **state)
{
	size_t full = leg_len(true, 3);
	for (size_t k = 0; k < full; k++) {
		struct hs_result r;
		hs_run(db, "alice", "DOM", "Secret1", true, flip_byte, &k, &r);
		assert_rejected(&r);
		hs_free(&r);
	}
	full = leg_len(false, 3);
	for (size_t k = 0; k < full; k++) {
		struct hs_result r;
		hs_run(db, "alice", "DOM", "Secret1", false, flip_byte, &k, &r);
		assert_rejected(&r);
		hs_free(&r);
	}
}

static void test_ntlmv1_refused(void **state)
{
	/* An AUTHENTICATE with a 24-byte NT response: NTLMv1. */
	struct auth_client *c = auth_client_start("alice", "", "Secret1", NULL);
	struct auth_ctx *s = auth_start(db, "srv", NULL);
	struct buf neg, out, m;
	buf_init(&neg, 4096), buf_init(&out, 4096), buf_init(&m, 4096);
	auth_client_test_raw(c);
	auth_client_step(c, NULL, 0, &neg);
	assert_int_equal(auth_step(s, neg.p, neg.len, &out), STATUS_MORE_PROCESSING_REQUIRED);
	buf_bytes(&m, "NTLMSSP", 8);
	buf_le32(&m, 3);
	buf_le16(&m, 24), buf_le16(&m, 24), buf_le32(&m, 72);        /* LM */
	buf_le16(&m, 24), buf_le16(&m, 24), buf_le32(&m, 96);        /* NT */
	buf_le16(&m, 0), buf_le16(&m, 0), buf_le32(&m, 120);         /* domain */
	buf_le16(&m, 10), buf_le16(&m, 10), buf_le32(&m, 120);       /* user */
	buf_le16(&m, 0), buf_le16(&m, 0), buf_le32(&m, 130);         /* ws */
	buf_le16(&m, 0), buf_le16(&m, 0), buf_le32(&m, 130);         /* key */
	buf_le32(&m, 0x00088201);
	buf_zero(&m, 8);
	buf_zero(&m, 48);
	buf_bytes(&m, "a\0l\0i\0c\0e\0", 10);
	assert_int_equal(m.len, 130);
	assert_int_equal(auth_step(s, m.p, m.len, &out), STATUS_LOGON_FAILURE);
	auth_free(s);

	/* Invalid UTF-16 in the user name: INVALID_PARAMETER. */
	s = auth_start(db, "srv", NULL);
	assert_int_equal(auth_step(s, neg.p, neg.len, &out), STATUS_MORE_PROCESSING_REQUIRED);
	put_le16(m.p + 120, 0xd800);
	assert_int_equal(auth_step(s, m.p, m.len, &out), STATUS_INVALID_PARAMETER);
	auth_free(s);

	auth_client_free(c);
	buf_free(&neg), buf_free(&out), buf_free(&m);
}

/* ---- DER ---- */

static bool decodes(const uint8_t *p, size_t n)
{
	struct spnego_tok t;
	return spnego_decode(p, n, &t);
}

static void test_asn1_lengths(void **state)
{
	struct buf hint;
	buf_init(&hint, 4096);
	auth_negotiate_hint(&hint);
	assert_true(decodes(hint.p, hint.len));
	/* Every proper prefix fails; so does trailing garbage. */
	for (size_t k = 0; k < hint.len; k++)
		assert_false(decodes(hint.p, k));
	buf_u8(&hint, 0);
	assert_false(decodes(hint.p, hint.len));
	hint.len--;
	/* Outer length overrunning by one, by a lot, indefinite. */
	uint8_t *m = malloc(hint.len);
	memcpy(m, hint.p, hint.len);
	m[1]++;
	assert_false(decodes(m, hint.len));
	memcpy(m, hint.p, hint.len);
	m[1] = 0x84;   /* 4 length bytes follow: 0x06062b06 = huge */
	assert_false(decodes(m, hint.len));
	m[1] = 0x80;   /* indefinite */
	assert_false(decodes(m, hint.len));
	m[1] = 0x85;   /* more than 4 length bytes */
	assert_false(decodes(m, hint.len));
	/* Each inner length byte pushed up by one breaks the token. */
	for (size_t k = 1; k < hint.len; k++) {
		memcpy(m, hint.p, hint.len);
		m[k] = (uint8_t)(m[k] + 1);
		struct spnego_tok t;
		(void)spnego_decode(m, hint.len, &t);   /* must not crash */
	}
	free(m);
	buf_free(&hint);

	static const uint8_t indef[] = { 0xa1, 0x80, 0x30, 0x03, 0xa0, 0x01, 0x00, 0x00, 0x00 };
	assert_false(decodes(indef, sizeof(indef)));
	assert_false(asn1_validate(indef, sizeof(indef)));
	static const uint8_t hightag[] = { 0xa1, 0x04, 0x1f, 0x81, 0x01, 0x00 };
	assert_false(asn1_validate(hightag, sizeof(hightag)));
	static const uint8_t longlen[] = { 0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00 };
	assert_false(asn1_validate(longlen, sizeof(longlen)));
	static const uint8_t ok[] = { 0x30, 0x82, 0x00, 0x02, 0x05, 0x00 };   /* non-minimal: BER ok */
	assert_true(asn1_validate(ok, sizeof(ok)));
	/* negState out of range, and of the wrong size. */
	static const uint8_t badstate[] = { 0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x07 };
	assert_false(decodes(badstate, sizeof(badstate)));
	static const uint8_t goodstate[] = { 0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	assert_true(decodes(goodstate, sizeof(goodstate)));
	static const uint8_t wide[] = { 0xa1, 0x08, 0x30, 0x06, 0xa0, 0x04, 0x0a, 0x02, 0x00, 0x00 };
	assert_false(decodes(wide, sizeof(wide)));
	/* Fields out of order or repeated. */
	static const uint8_t order[] = { 0xa1, 0x0c, 0x30, 0x0a, 0xa2, 0x03, 0x04, 0x01, 0x00,
					 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	assert_false(decodes(order, sizeof(order)));
}

static void test_asn1_deep_nesting(void **state)
{
	/* 10000 nested SEQUENCEs in a NegTokenResp's responseToken slot and
	 * as a bare structure: refused at the depth limit, no recursion
	 * blow-up. */
	const size_t depth = 10000;
	struct buf a, b;
	buf_init(&a, 1 << 20);
	buf_init(&b, 1 << 20);
	buf_bytes(&a, "\x05\x00", 2);
	for (size_t i = 0; i < depth; i++) {
		buf_reset(&b);
		asn1_wrap(&b, 0x30, &a);
		buf_reset(&a);
		buf_bytes(&a, b.p, b.len);
	}
	assert_true(buf_ok(&a));
	assert_false(asn1_validate(a.p, a.len));
	assert_false(decodes(a.p, a.len));

	/* Up to the limit is fine. */
	buf_reset(&a);
	buf_bytes(&a, "\x05\x00", 2);
	for (int i = 0; i < ASN1_MAX_DEPTH; i++) {
		buf_reset(&b);
		asn1_wrap(&b, 0x30, &a);
		buf_reset(&a);
		buf_bytes(&a, b.p, b.len);
	}
	assert_true(asn1_validate(a.p, a.len));
	buf_free(&a);
	buf_free(&b);

	/* Deep negHints inside a NegTokenInit are refused too. */
	struct auth_ctx *s = auth_start(db, "srv", NULL);
	struct buf out;
	buf_init(&out, 4096);
	uint8_t junk[4] = { 0x60, 0x02, 0x30, 0x80 };
	assert_int_equal(auth_step(s, junk, sizeof(junk), &out), STATUS_INVALID_PARAMETER);
	auth_free(s);
	buf_free(&out);
}

static void test_oversized_token(void **state)
{
	struct auth_ctx *s = auth_start(db, "srv", NULL);
	struct buf out;
	buf_init(&out, 4096);
	uint8_t *big = calloc(1, AUTH_MAX_TOKEN + 1);
	big[0] = 0x60;
	assert_int_equal(auth_step(s, big, AUTH_MAX_TOKEN + 1, &out), STATUS_INVALID_PARAMETER);
	assert_int_equal(out.len, 0);
	free(big);
	auth_free(s);
	buf_free(&out);
}

int main(void)
{
	if (crypto_init() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncate_client_tokens),
		cmocka_unit_test(test_truncate_server_tokens),
		cmocka_unit_test(test_lying_fields),
		cmocka_unit_test(test_flip_every_byte),
		cmocka_unit_test(test_ntlmv1_refused),
		cmocka_unit_test(test_asn1_lengths),
		cmocka_unit_test(test_asn1_deep_nesting),
		cmocka_unit_test(test_oversized_token),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
