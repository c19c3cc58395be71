/* Sessions (smb2_session.c, objects.c): expiry, the global session table,
 * and how a SESSION_SETUP with the BINDING flag is answered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "server/loop.h"
#include "server/srv.h"

static struct srv_config cfg;
static struct srv srv;

static void conn_init(struct srv_conn *c, uint64_t id, uint16_t dialect, enum crypto_sign_alg alg)
{
	memset(c, 0, sizeof(*c));
	c->srv = &srv;
	c->id = id;
	c->dialect = dialect;
	c->sign_alg = alg;
	snprintf(c->peer, sizeof(c->peer), "test%llu", (unsigned long long)id);
}

static int setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_sessions_per_conn = 8;
	cfg.max_opens_per_session = 8;
	memset(&srv, 0, sizeof(srv));
	srv.cfg = &cfg;
	atomic_store(&srv.next_session_id, 0x100);
	return 0;
}

/* A valid session of c with signing key 0xab.. */
static struct srv_session *user_session(struct srv_conn *c)
{
	struct srv_session *s = srv_session_new(c);
	assert_non_null(s);
	s->state = SESS_VALID;
	s->has_key = true;
	s->sign_alg = c->sign_alg;
	memset(s->keys.signing, 0xab, 16);
	snprintf(s->ident.user, sizeof(s->ident.user), "alice");
	srv_session_publish(c, s);
	return s;
}

static void test_expiry(void **state)
{
	(void)state;
	struct srv_session s;
	memset(&s, 0, sizeof(s));
	cfg.session_expiry_sec = 0;
	assert_int_equal(srv_session_expiry(&cfg), 0);
	cfg.session_expiry_sec = 3600;
	assert_true(srv_session_expiry(&cfg) > time(NULL));
	cfg.session_expiry_sec = 0;

	s.state = SESS_VALID;
	s.expires = 0;                  /* never */
	srv_session_check_expiry(&s);
	assert_int_equal(s.state, SESS_VALID);
	s.expires = time(NULL) + 3600;  /* later */
	srv_session_check_expiry(&s);
	assert_int_equal(s.state, SESS_VALID);
	s.expires = time(NULL) - 1;     /* passed */
	srv_session_check_expiry(&s);
	assert_int_equal(s.state, SESS_EXPIRED);
	s.state = SESS_IN_PROGRESS;     /* only a valid session expires */
	srv_session_check_expiry(&s);
	assert_int_equal(s.state, SESS_IN_PROGRESS);
}

static void test_global_table(void **state)
{
	(void)state;
	struct srv_conn c;
	struct srv_session_pub p;
	conn_init(&c, 7, SMB2_DIALECT_311, CRYPTO_SIGN_AES_CMAC);
	struct srv_session *s = user_session(&c);
	uint64_t id = s->id;
	assert_true(srv_session_find_global(id, &p));
	assert_int_equal(p.conn_id, 7);
	assert_int_equal(p.dialect, SMB2_DIALECT_311);
	assert_int_equal(p.sign_alg, CRYPTO_SIGN_AES_CMAC);
	assert_true(p.has_key);
	uint8_t ab[16];
	memset(ab, 0xab, 16);
	assert_memory_equal(p.signing_key, ab, 16);
	assert_false(srv_session_find_global(id + 1, &p));
	srv_session_destroy(&c, s);
	assert_false(srv_session_find_global(id, &p));
	srv_conn_cleanup(&c);
}

/* A binding request on conn c for session sid: header, 25-byte body. */
static NTSTATUS bind(struct srv_conn *c, uint64_t sid, const uint8_t *key, enum crypto_sign_alg alg,
		     bool *signed_answer)
{
	uint8_t msg[64 + 24];
	struct smb2_hdr h;
	memset(&h, 0, sizeof(h));
	h.command = SMB2_SESSION_SETUP;
	h.session_id = sid;
	h.message_id = 5;
	if (key)
		h.flags = SMB2_FLAGS_SIGNED;
	struct buf b;
	buf_init(&b, sizeof(msg));
	smb2_encode_hdr(&b, &h);
	assert_true(buf_ok(&b) && b.len == 64);
	memcpy(msg, b.p, 64);
	buf_free(&b);
	memset(msg + 64, 0, 24);
	msg[64] = 25;
	msg[66] = SMB2_SESSION_FLAG_BINDING;
	if (key) {
		struct iovec iov = {msg, sizeof(msg)};
		assert_int_equal(crypto_smb2_sign(alg, key, &iov, 1), 0);
	}
	struct srv_req r;
	memset(&r, 0, sizeof(r));
	r.conn = c;
	r.hdr = h;
	cur_init(&r.msg, msg, sizeof(msg));
	struct smb2_session_setup_req rq;
	memset(&rq, 0, sizeof(rq));
	rq.flags = SMB2_SESSION_FLAG_BINDING;
	NTSTATUS st = srv_session_bind(&r, &rq);
	*signed_answer = r.sign_final_session_setup && r.sign_sess;
	return st;
}

static void test_binding_refused(void **state)
{
	(void)state;
	struct srv_conn c1, c2, c3, c4, c5;
	bool sig;
	uint8_t key[16], bad[16];
	memset(key, 0xab, 16);
	memset(bad, 0xcd, 16);
	conn_init(&c1, 1, SMB2_DIALECT_311, CRYPTO_SIGN_AES_CMAC);
	struct srv_session *s = user_session(&c1);

	conn_init(&c2, 2, SMB2_DIALECT_311, CRYPTO_SIGN_AES_CMAC);
	/* unknown session */
	assert_int_equal(bind(&c2, s->id + 1, NULL, 0, &sig), STATUS_USER_SESSION_DELETED);
	assert_false(sig);
	/* not signed */
	assert_int_equal(bind(&c2, s->id, NULL, 0, &sig), STATUS_INVALID_PARAMETER);
	assert_false(sig);
	/* signed with another key: refused, and not signed back */
	assert_int_equal(bind(&c2, s->id, bad, CRYPTO_SIGN_AES_CMAC, &sig), STATUS_ACCESS_DENIED);
	assert_false(sig);
	/* all in order: no multichannel, answered signed with the session's key */
	assert_int_equal(bind(&c2, s->id, key, CRYPTO_SIGN_AES_CMAC, &sig),
			 STATUS_REQUEST_NOT_ACCEPTED);
	assert_true(sig);
	/* its own connection */
	assert_int_equal(bind(&c1, s->id, key, CRYPTO_SIGN_AES_CMAC, &sig),
			 STATUS_REQUEST_NOT_ACCEPTED);
	/* another dialect */
	conn_init(&c3, 3, SMB2_DIALECT_302, CRYPTO_SIGN_AES_CMAC);
	assert_int_equal(bind(&c3, s->id, key, CRYPTO_SIGN_AES_CMAC, &sig), STATUS_INVALID_PARAMETER);
	/* 2.x: no binding at all */
	conn_init(&c4, 4, SMB2_DIALECT_210, CRYPTO_SIGN_HMAC_SHA256);
	assert_int_equal(bind(&c4, s->id, key, CRYPTO_SIGN_HMAC_SHA256, &sig),
			 STATUS_REQUEST_NOT_ACCEPTED);
	/* to an AES-GMAC connection */
	conn_init(&c5, 5, SMB2_DIALECT_311, CRYPTO_SIGN_AES_GMAC);
	assert_int_equal(bind(&c5, s->id, key, CRYPTO_SIGN_AES_CMAC, &sig), STATUS_NOT_SUPPORTED);
	uint64_t gone = s->id;
	srv_session_destroy(&c1, s);
	/* gone: unknown again */
	assert_int_equal(bind(&c2, gone, key, CRYPTO_SIGN_AES_CMAC, &sig),
			 STATUS_USER_SESSION_DELETED);
	assert_false(sig);

	/* an AES-GMAC session to a connection with another algorithm */
	srv_conn_cleanup(&c1);
	conn_init(&c1, 6, SMB2_DIALECT_311, CRYPTO_SIGN_AES_GMAC);
	s = user_session(&c1);
	assert_int_equal(bind(&c2, s->id, key, CRYPTO_SIGN_AES_GMAC, &sig),
			 STATUS_REQUEST_OUT_OF_SEQUENCE);
	srv_session_destroy(&c1, s);
	srv_conn_cleanup(&c1);
	srv_conn_cleanup(&c2);
	srv_conn_cleanup(&c3);
	srv_conn_cleanup(&c4);
	srv_conn_cleanup(&c5);
}

/* Session.ChannelList: a bound connection finds the session and signs
 * with its own key; losing one channel keeps the session, destroying it
 * (LOGOFF on any channel) removes it from every channel. */
static void test_channels(void **state)
{
	(void)state;
	struct srv_conn c1, c2, c3;
	cfg.multi_channel = true;
	conn_init(&c1, 11, SMB2_DIALECT_311, CRYPTO_SIGN_AES_CMAC);
	conn_init(&c2, 12, SMB2_DIALECT_311, CRYPTO_SIGN_HMAC_SHA256);
	conn_init(&c3, 13, SMB2_DIALECT_311, CRYPTO_SIGN_AES_CMAC);
	struct srv_session *s = user_session(&c1);
	uint64_t id = s->id;
	assert_null(srv_session_lookup(&c2, id));
	uint8_t k2[16];
	memset(k2, 0x22, 16);
	assert_true(srv_session_add_channel(s, &c2, k2, c2.sign_alg));
	assert_ptr_equal(srv_session_lookup(&c2, id), s);
	assert_ptr_equal(srv_session_lookup(&c1, id), s);
	enum crypto_sign_alg alg;
	const uint8_t *k = srv_session_signing_key(s, &c2, &alg);
	assert_memory_equal(k, k2, 16);
	assert_int_equal(alg, CRYPTO_SIGN_HMAC_SHA256);
	k = srv_session_signing_key(s, &c1, &alg);
	assert_memory_equal(k, s->keys.signing, 16);
	assert_int_equal(alg, CRYPTO_SIGN_AES_CMAC);
	assert_non_null(srv_session_channel(s, &c2));
	assert_null(srv_session_channel(s, &c3));

	/* the first connection goes: the session stays on the second */
	srv_conn_cleanup(&c1);
	assert_int_equal(c1.nsessions, 0);
	assert_ptr_equal(srv_session_lookup(&c2, id), s);
	assert_int_equal(s->nchans, 1);
	k = srv_session_signing_key(s, &c2, &alg);
	assert_memory_equal(k, k2, 16);
	struct srv_session_pub p;
	assert_true(srv_session_find_global(id, &p));

	/* a third channel; then the session ends (LOGOFF on it) everywhere */
	uint8_t k3[16];
	memset(k3, 0x33, 16);
	assert_true(srv_session_add_channel(s, &c3, k3, c3.sign_alg));
	assert_int_equal(s->nchans, 2);
	srv_session_destroy(&c3, s);
	assert_null(srv_session_lookup(&c2, id));
	assert_null(srv_session_lookup(&c3, id));
	assert_int_equal(c2.nsessions, 0);
	assert_int_equal(c3.nsessions, 0);
	assert_false(srv_session_find_global(id, &p));

	/* the channel limit */
	s = user_session(&c2);
	for (uint32_t i = 1; i < SRV_MAX_CHANNELS; i++) {
		struct srv_conn *x = calloc(1, sizeof(*x));
		conn_init(x, 100 + i, SMB2_DIALECT_311, CRYPTO_SIGN_AES_CMAC);
		assert_true(srv_session_add_channel(s, x, k3, x->sign_alg));
	}
	assert_false(srv_session_add_channel(s, &c3, k3, c3.sign_alg));
	struct srv_conn *bound[SRV_MAX_CHANNELS];
	for (uint32_t i = 1; i < SRV_MAX_CHANNELS; i++)
		bound[i] = s->chans[i].conn;
	srv_session_destroy(&c2, s);
	for (uint32_t i = 1; i < SRV_MAX_CHANNELS; i++) {
		assert_int_equal(bound[i]->nsessions, 0);
		free(bound[i]);
	}
	srv_conn_cleanup(&c2);
	srv_conn_cleanup(&c3);
	cfg.multi_channel = false;
}

/* A binding SESSION_SETUP frame for session sid. */
static void bind_frame(uint8_t *f, size_t len, uint64_t sid, uint8_t flags, uint16_t cmd)
{
	memset(f, 0, len);
	put_le32(f, SMB2_PROTO_ID);
	put_le16(f + 4, 64);
	put_le16(f + 12, cmd);
	put_le64(f + 40, sid);
	f[64] = 25;
	f[66] = flags;
}

/* A connection moves to the loop of the session it binds to, unless
 * something of it is tied to its own loop. */
static void test_bind_move(void **state)
{
	(void)state;
	struct srv_loop l1, l2;
	struct srv_conn c1, c2;
	uint8_t f[64 + 24];
	cfg.multi_channel = true;
	conn_init(&c1, 21, SMB2_DIALECT_311, CRYPTO_SIGN_AES_CMAC);
	conn_init(&c2, 22, SMB2_DIALECT_311, CRYPTO_SIGN_AES_CMAC);
	c1.loop = &l1;
	c2.loop = &l2;
	struct srv_session *s = user_session(&c1);
	bind_frame(f, sizeof(f), s->id, SMB2_SESSION_FLAG_BINDING, SMB2_SESSION_SETUP);
	assert_true(srv_bind_needs_move(&c2, f, sizeof(f)));
	assert_ptr_equal(c2.move_to, &l1);
	c2.move_to = NULL;
	/* same loop, no BINDING flag, another command, unknown session,
	 * a 2.1 connection, a truncated frame: no move */
	assert_false(srv_bind_needs_move(&c1, f, sizeof(f)));
	assert_false(srv_bind_needs_move(&c2, f, 64));
	bind_frame(f, sizeof(f), s->id, 0, SMB2_SESSION_SETUP);
	assert_false(srv_bind_needs_move(&c2, f, sizeof(f)));
	bind_frame(f, sizeof(f), s->id, SMB2_SESSION_FLAG_BINDING, SMB2_TREE_CONNECT);
	assert_false(srv_bind_needs_move(&c2, f, sizeof(f)));
	bind_frame(f, sizeof(f), s->id + 99, SMB2_SESSION_FLAG_BINDING, SMB2_SESSION_SETUP);
	assert_false(srv_bind_needs_move(&c2, f, sizeof(f)));
	bind_frame(f, sizeof(f), s->id, SMB2_SESSION_FLAG_BINDING, SMB2_SESSION_SETUP);
	c2.dialect = SMB2_DIALECT_210;
	assert_false(srv_bind_needs_move(&c2, f, sizeof(f)));
	c2.dialect = SMB2_DIALECT_311;
	/* knob off */
	cfg.multi_channel = false;
	assert_false(srv_bind_needs_move(&c2, f, sizeof(f)));
	cfg.multi_channel = true;
	/* async work pending on its loop */
	c2.nasync = 1;
	assert_false(srv_bind_needs_move(&c2, f, sizeof(f)));
	c2.nasync = 0;
	/* a session of its own with an open */
	struct srv_session *own = srv_session_new(&c2);
	assert_non_null(own);
	assert_true(srv_bind_needs_move(&c2, f, sizeof(f)));
	c2.move_to = NULL;
	own->opens.count = 1;
	assert_false(srv_bind_needs_move(&c2, f, sizeof(f)));
	own->opens.count = 0;
	assert_null(c2.move_to);
	srv_session_destroy(&c2, own);
	srv_session_destroy(&c1, s);
	srv_conn_cleanup(&c1);
	srv_conn_cleanup(&c2);
	cfg.multi_channel = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_expiry, setup),
		cmocka_unit_test_setup(test_global_table, setup),
		cmocka_unit_test_setup(test_binding_refused, setup),
		cmocka_unit_test_setup(test_channels, setup),
		cmocka_unit_test_setup(test_bind_move, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
