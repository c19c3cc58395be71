/* SESSION_SETUP and LOGOFF (MS-SMB2 3.3.5.5, 3.3.5.6). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "server/durable.h"
#include "server/srv.h"

static NTSTATUS finish_session(struct srv_conn *c, struct srv_session *s, uint16_t client_sec_mode)
{
	const struct auth_identity *id = auth_identity(s->auth);
	s->ident = *id;
	if (srv_identity_switching()) {
		/* Files are touched as the user's Unix account; guests as the
		 * guest account.  A user without an account cannot log on. */
		if (id->guest || id->anonymous) {
			s->unix_ident = c->srv->guest_ident;
		} else if (srv_identity_lookup(id->user, &s->unix_ident) < 0) {
			LOG_WARN("%s: user '%s' has no Unix account", c->peer, id->user);
			return STATUS_LOGON_FAILURE;
		}
	}
	s->has_key = id->has_session_key && !id->guest && !id->anonymous;
	const struct srv_config *cfg = c->srv->cfg;
	if (cfg->encrypt == CFG_ENCRYPT_REQUIRED && (!c->cipher || !s->has_key)) {
		/* `smb encrypt = required`: no session that cannot encrypt. */
		LOG_INFO("%s: refused: encryption is required and this session cannot encrypt",
			 c->peer);
		return STATUS_ACCESS_DENIED;
	}
	if (s->has_key) {
		size_t klen = c->cipher == SMB2_ENC_AES256_CCM || c->cipher == SMB2_ENC_AES256_GCM ? 32 : 16;
		crypto_derive_keys(c->dialect, id->session_key, s->preauth, klen, &s->keys);
		s->encrypt = c->cipher && cfg->encrypt >= CFG_ENCRYPT_DESIRED;
		s->sign_alg = c->sign_alg;
		s->signing_required = c->srv->cfg->signing == CFG_SIGNING_MANDATORY ||
				      (client_sec_mode & SMB2_NEGOTIATE_SIGNING_REQUIRED);
	}
	if (id->anonymous && id->anonymous_key) {
		/* smbclient -N naming its Unix user holds a key for this
		 * anonymous logon (auth.h) and signs with it: the session gets
		 * the keys, as Samba's does, but signing is not required of it
		 * and it never encrypts. */
		size_t klen = c->cipher == SMB2_ENC_AES256_CCM || c->cipher == SMB2_ENC_AES256_GCM ? 32 : 16;
		crypto_derive_keys(c->dialect, id->session_key, s->preauth, klen, &s->keys);
		s->sign_alg = c->sign_alg;
		s->has_key = true;
		s->signing_required = c->srv->cfg->signing == CFG_SIGNING_MANDATORY;
	}
	id = NULL; /* it lives in the auth context freed here */
	s->state = SESS_VALID;
	s->expires = srv_session_expiry(cfg);
	if (!s->ident.anonymous && !s->ident.guest) {
		memcpy(s->owner, s->ident.user, sizeof(s->owner));
		memcpy(s->owner_domain, s->ident.domain, sizeof(s->owner_domain));
	}
	auth_free(s->auth);
	s->auth = NULL;
	c->any_valid_session = true;
	LOG_INFO("%s: session %llx: %s%s%s", c->peer, (unsigned long long)s->id,
		 s->ident.anonymous ? "anonymous" : s->ident.user, s->ident.guest ? " (as guest)" : "",
		 s->signing_required ? ", signing required" : "");
	return STATUS_SUCCESS;
}

/* MS-SMB2 3.3.5.5.3: an authentication error on an existing session
 * removes it with every tree connect and open (the opens' pending
 * notifies and locks go with them); the dispatcher frees it once this
 * frame is answered, so the error can still be signed with its key. */
static void session_fail(struct srv_session *s)
{
	while (s->ntrees)
		srv_tree_destroy(s, s->trees[0]);
	if (s->auth)
		auth_free(s->auth);
	s->auth = NULL;
	s->state = SESS_LOGGED_OFF;
}

/* A successful re-authentication (MS-SMB2 3.3.5.5.2, 3.3.5.5.3): the new
 * security context replaces the old; Session.SessionKey, and so every key
 * derived from it and the signing and encryption state, are kept.  The
 * Unix account files are touched as stays the one the session was
 * established with: a drop to anonymous gains nothing, and handles
 * opened before keep working as Windows keeps their granted access
 * (smbtorture smb2.session.reauth4 sets a DACL through one). */
static NTSTATUS finish_reauth(struct srv_conn *c, struct srv_session *s)
{
	const struct auth_identity *id = auth_identity(s->auth);
	/* Same user, or down to anonymous; an unknown user (guest mapping)
	 * on a user's session is a failed logon (auth.c). */
	NTSTATUS st = auth_reauth_check(s->owner, s->owner_domain, id);
	if (st) {
		LOG_INFO("%s: session %llx: re-authentication as '%s' refused (session of '%s'): 0x%08x",
			 c->peer, (unsigned long long)s->id, id->user,
			 s->owner[0] ? s->owner : "guest/anonymous", st);
		return st;
	}
	char user[64], domain[64];
	snprintf(user, sizeof(user), "%s", id->user);
	snprintf(domain, sizeof(domain), "%s", id->domain);
	bool anonymous = id->anonymous, guest = id->guest;
	memset(&s->ident, 0, sizeof(s->ident));
	memcpy(s->ident.user, user, sizeof(user));
	memcpy(s->ident.domain, domain, sizeof(domain));
	s->ident.anonymous = anonymous;
	s->ident.guest = guest;
	s->state = SESS_VALID;
	s->expires = srv_session_expiry(c->srv->cfg);
	LOG_INFO("%s: session %llx re-authenticated: %s%s", c->peer, (unsigned long long)s->id,
		 anonymous ? "anonymous" : user, guest ? " (as guest)" : "");
	return STATUS_SUCCESS;
}

static NTSTATUS session_elsewhere(struct srv_req *r);

/* PreviousSessionId naming a session of this same connection: it is torn
 * down before the new one is answered, so that no request after the
 * answer still finds it (smbtorture smb2.session.reconnect2).  Its
 * durable opens are kept for a reconnect, like on a lost connection.
 * False when the session is not here (another connection's, or none). */
static bool prev_session_here(struct srv_conn *c, struct srv_session *s, uint64_t prev_id)
{
	if (!prev_id || prev_id == s->id || s->ident.anonymous || s->ident.guest)
		return false;
	struct srv_session *p = srv_session_lookup(c, prev_id);
	if (!p)
		return false;
	if ((p->state == SESS_VALID || p->state == SESS_EXPIRED) &&
	    !strcasecmp(p->ident.user, s->ident.user) &&
	    !strcasecmp(p->ident.domain, s->ident.domain)) {
		srv_durable_session_lost(p);
		while (p->ntrees)
			srv_tree_destroy(p, p->trees[0]);
		p->state = SESS_LOGGED_OFF; /* freed once this frame is answered */
	}
	return true;
}

NTSTATUS smb2_session_setup(struct srv_req *r)
{
	struct srv_conn *c = r->conn;
	struct smb2_session_setup_req rq;
	if (smb2_decode_session_setup_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	if (rq.flags & SMB2_SESSION_FLAG_BINDING)
		return srv_session_bind(r, &rq);

	struct srv_session *s = r->sess;
	if (!s) {
		if (r->hdr.session_id)
			return session_elsewhere(r);
		s = srv_session_new(c);
		if (!s)
			return STATUS_INSUFFICIENT_RESOURCES;
		r->sess = s;
	} else if (s->state == SESS_LOGGED_OFF) {
		return STATUS_USER_SESSION_DELETED;
	} else if ((s->state == SESS_VALID || s->state == SESS_EXPIRED) && !s->auth) {
		/* Re-authentication (MS-SMB2 3.3.5.5.2): SessionId set, no
		 * BINDING flag.  An expired session stays expired (only
		 * SESSION_SETUP, LOGOFF and CLOSE pass) until it succeeds; a
		 * valid one stays usable meanwhile. */
		s->reauth = true;
	}
	if (!s->auth) {
		s->auth = auth_start(c->srv->passdb, c->srv->cfg->netbios_name, c->srv->dns_name);
		if (!s->auth)
			return STATUS_INSUFFICIENT_RESOURCES;
	}
	bool reauth = s->reauth;
	if (!reauth && s->state != SESS_IN_PROGRESS)
		return STATUS_REQUEST_NOT_ACCEPTED;

	/* 3.1.1: the hash chain feeds the keys of a new session only; a
	 * re-authentication keeps Session.SessionKey and its keys. */
	if (c->dialect == SMB2_DIALECT_311 && !reauth) {
		struct iovec iov = {(void *)r->msg.base, r->msg.len};
		crypto_preauth_update(s->preauth, &iov, 1);
	}

	struct buf tok;
	buf_init(&tok, 65536);
	NTSTATUS st = auth_step(s->auth, rq.token, rq.token_len, &tok);
	if (st == STATUS_MORE_PROCESSING_REQUIRED) {
		struct smb2_session_setup_resp rs = {0, tok.p, (uint16_t)tok.len};
		smb2_encode_session_setup_resp(r->out, r->rsp_off, &rs);
		r->keep_body = true;
		if (c->dialect == SMB2_DIALECT_311 && !reauth)
			r->preauth_rsp = s->preauth;
		buf_free(&tok);
		return st;
	}
	if (st != STATUS_SUCCESS) {
		buf_free(&tok);
		LOG_INFO("%s: session setup failed: 0x%08x", c->peer, st);
		if (!reauth) {
			r->sess = NULL;
			srv_session_destroy(c, s);
		} else {
			session_fail(s);
		}
		/* The mechanism's status goes back as it is (3.3.5.5.3):
		 * LOGON_FAILURE for bad credentials, INVALID_PARAMETER for a
		 * malformed token. */
		return st;
	}
	if (reauth) {
		st = finish_reauth(c, s);
		auth_free(s->auth);
		s->auth = NULL;
		s->reauth = false;
		if (st) {
			if (st == STATUS_LOGON_FAILURE)
				session_fail(s);
			buf_free(&tok);
			return st;
		}
	} else {
		st = finish_session(c, s, rq.security_mode);
		if (st) {
			buf_free(&tok);
			r->sess = NULL;
			srv_session_destroy(c, s);
			return st;
		}
		/* MS-SMB2 3.3.5.5.3: the previous session goes -- here at
		 * once when it is this connection's, else on its own
		 * connection's thread (durable.c). */
		if (!prev_session_here(c, s, rq.previous_session_id))
			srv_durable_prev_session(s, rq.previous_session_id);
		srv_durable_session_register(c, s);
		srv_session_publish(c, s);
	}
	struct smb2_session_setup_resp rs = {0, tok.p, (uint16_t)tok.len};
	if (s->ident.anonymous)
		rs.session_flags = SMB2_SESSION_FLAG_IS_NULL;
	else if (s->ident.guest)
		rs.session_flags = SMB2_SESSION_FLAG_IS_GUEST;
	else if (s->encrypt)
		rs.session_flags = SMB2_SESSION_FLAG_ENCRYPT_DATA;
	smb2_encode_session_setup_resp(r->out, r->rsp_off, &rs);
	buf_free(&tok);
	/* MS-SMB2 3.3.5.5.3: the final response is signed with the new key
	 * (for 3.1.1 always, so the client can check the preauth chain). */
	if (s->has_key && (c->dialect == SMB2_DIALECT_311 || s->signing_required ||
			   (r->hdr.flags & SMB2_FLAGS_SIGNED))) {
		r->sign_final_session_setup = true;
		r->sign_sess = s;
	}
	return STATUS_SUCCESS;
}

time_t srv_session_expiry(const struct srv_config *cfg)
{
	return cfg->session_expiry_sec ? time(NULL) + (time_t)cfg->session_expiry_sec : 0;
}

void srv_session_check_expiry(struct srv_session *s)
{
	if (s->state == SESS_VALID && s->expires && time(NULL) >= s->expires) {
		s->state = SESS_EXPIRED;
		LOG_INFO("session %llx expired: it must re-authenticate", (unsigned long long)s->id);
	}
}

/* Whether a binding request is signed with the session's key; which
 * algorithm verified it goes to *alg. */
static bool bind_request_signed(const struct srv_req *r, const struct srv_session_pub *p,
				enum crypto_sign_alg *alg)
{
	if (!(r->hdr.flags & SMB2_FLAGS_SIGNED) || !p->has_key)
		return false;
	enum crypto_sign_alg algs[2] = {p->sign_alg, r->conn->sign_alg};
	for (int i = 0; i < 2; i++) {
		struct iovec iov = {(void *)r->msg.base, r->msg.len};
		if (crypto_smb2_verify(algs[i], p->signing_key, &iov, 1)) {
			*alg = algs[i];
			return true;
		}
	}
	return false;
}

/* The answer to r is signed with the key of global session p. */
static void sign_with_global(struct srv_req *r, const struct srv_session_pub *p,
			     enum crypto_sign_alg alg)
{
	struct srv_conn *c = r->conn;
	if (!c->bind_sign)
		c->bind_sign = calloc(1, sizeof(*c->bind_sign));
	if (!c->bind_sign)
		return;
	c->bind_sign->id = p->id;
	c->bind_sign->has_key = true;
	c->bind_sign->sign_alg = alg;
	memcpy(c->bind_sign->keys.signing, p->signing_key, 16);
	r->sign_final_session_setup = true;
	r->sign_sess = c->bind_sign;
}

/* A binding in progress on a connection (MS-SMB2 3.3.5.5.2 creates no
 * new session: the exchange has its own security context and, for
 * 3.1.1, its own preauth hash, from which the channel's key comes). */
struct srv_bind {
	uint64_t session_id;
	struct auth_ctx *auth;
	uint8_t preauth[64];
};

void srv_bind_free(struct srv_conn *c)
{
	struct srv_bind *b = c->bind;
	if (!b)
		return;
	if (b->auth)
		auth_free(b->auth);
	OPENSSL_cleanse(b, sizeof(*b));
	free(b);
	c->bind = NULL;
}

/* The binding's authentication (MS-SMB2 3.3.5.5.3): the same user as
 * the session's gains connection c as a channel, with a signing key of
 * its own derived from the session key of this exchange (and, for
 * 3.1.1, the binding's preauth hash). */
static NTSTATUS bind_step(struct srv_req *r, const struct smb2_session_setup_req *rq,
			  struct srv_session *s)
{
	struct srv_conn *c = r->conn;
	struct srv_bind *b = c->bind;
	if (b && b->session_id != s->id)
		srv_bind_free(c);
	b = c->bind;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return STATUS_INSUFFICIENT_RESOURCES;
		b->session_id = s->id;
		memcpy(b->preauth, c->preauth, sizeof(b->preauth));
		b->auth = auth_start(c->srv->passdb, c->srv->cfg->netbios_name, c->srv->dns_name);
		c->bind = b;
		if (!b->auth) {
			srv_bind_free(c);
			return STATUS_INSUFFICIENT_RESOURCES;
		}
	}
	if (c->dialect == SMB2_DIALECT_311) {
		struct iovec iov = {(void *)r->msg.base, r->msg.len};
		crypto_preauth_update(b->preauth, &iov, 1);
	}
	struct buf tok;
	buf_init(&tok, 65536);
	NTSTATUS st = auth_step(b->auth, rq->token, rq->token_len, &tok);
	if (st == STATUS_MORE_PROCESSING_REQUIRED) {
		struct smb2_session_setup_resp rs = {0, tok.p, (uint16_t)tok.len};
		smb2_encode_session_setup_resp(r->out, r->rsp_off, &rs);
		r->keep_body = true;
		if (c->dialect == SMB2_DIALECT_311)
			r->preauth_rsp = b->preauth;
		buf_free(&tok);
		return st;
	}
	if (st != STATUS_SUCCESS) {
		buf_free(&tok);
		srv_bind_free(c);
		LOG_INFO("%s: session binding to %llx failed: 0x%08x", c->peer,
			 (unsigned long long)s->id, st);
		return st;
	}
	const struct auth_identity *id = auth_identity(b->auth);
	/* Another user (or guest, or anonymous) cannot bind to the session
	 * (MS-SMB2 3.3.5.5.3: the new security context must be the
	 * session's); Windows and Samba answer ACCESS_DENIED. */
	if (id->anonymous || id->guest || !id->has_session_key || !s->owner[0] ||
	    strcasecmp(id->user, s->owner) || strcasecmp(id->domain, s->owner_domain)) {
		LOG_INFO("%s: session binding to %llx as '%s' refused: session of '%s'", c->peer,
			 (unsigned long long)s->id, id->user, s->owner);
		buf_free(&tok);
		srv_bind_free(c);
		return STATUS_ACCESS_DENIED;
	}
	struct smb2_keys keys;
	size_t klen = c->cipher == SMB2_ENC_AES256_CCM || c->cipher == SMB2_ENC_AES256_GCM ? 32 : 16;
	crypto_derive_keys(c->dialect, id->session_key, b->preauth, klen, &keys);
	bool added = srv_session_add_channel(s, c, keys.signing, c->sign_alg);
	OPENSSL_cleanse(&keys, sizeof(keys));
	srv_bind_free(c);
	if (!added) {
		buf_free(&tok);
		return STATUS_INSUFFICIENT_RESOURCES;
	}
	c->any_valid_session = true;
	struct smb2_session_setup_resp rs = {0, tok.p, (uint16_t)tok.len};
	if (s->encrypt)
		rs.session_flags = SMB2_SESSION_FLAG_ENCRYPT_DATA;
	smb2_encode_session_setup_resp(r->out, r->rsp_off, &rs);
	buf_free(&tok);
	/* The final response is signed with the new channel's key. */
	r->sign_final_session_setup = true;
	r->sign_sess = s;
	LOG_INFO("%s: session %llx bound: channel %u", c->peer, (unsigned long long)s->id,
		 s->nchans);
	return STATUS_SUCCESS;
}

/* SESSION_SETUP with SMB2_SESSION_FLAG_BINDING (MS-SMB2 3.3.5.5): a
 * session of another connection asks to gain this one as a channel.
 * The request is checked against the global session table in the order
 * of 3.3.5.5.  By the time it is processed this connection runs on the
 * session's event-loop thread (conn.c moved it there), where the
 * session may be touched; a connection that could not move (it holds
 * opens or pending work) is refused.  An answer to a request signed
 * with the session's key is signed with that key, as the client expects
 * of any answer about its session. */
NTSTATUS srv_session_bind(struct srv_req *r, const struct smb2_session_setup_req *rq)
{
	struct srv_conn *c = r->conn;
	struct srv_session_pub p;
	bool found = r->hdr.session_id && srv_session_find_global(r->hdr.session_id, &p);
	enum crypto_sign_alg alg = c->sign_alg;
	bool sign = found && bind_request_signed(r, &p, &alg);
	bool here = found && p.loop == c->loop;
	NTSTATUS st;
	if (!found)
		st = c->dialect < SMB2_DIALECT_300 ? STATUS_REQUEST_NOT_ACCEPTED
						   : STATUS_USER_SESSION_DELETED;
	/* A request signed with AES-GMAC cannot be checked on a connection
	 * that negotiated another algorithm, nor the other way round: those
	 * come first, whatever the dialects (as Windows and Samba answer
	 * smbtorture's bind_negative_smb3sign* tests). */
	else if (p.sign_alg != c->sign_alg && p.sign_alg == CRYPTO_SIGN_AES_GMAC)
		st = STATUS_REQUEST_OUT_OF_SEQUENCE;
	else if (p.sign_alg != c->sign_alg && c->sign_alg == CRYPTO_SIGN_AES_GMAC)
		st = STATUS_NOT_SUPPORTED;
	else if (c->dialect < SMB2_DIALECT_300)
		st = STATUS_REQUEST_NOT_ACCEPTED;       /* no binding before 3.0 */
	else if (p.conn_id == c->id || (here && srv_session_channel(p.sess, c)))
		st = STATUS_REQUEST_NOT_ACCEPTED;       /* already this connection's */
	else if (p.dialect != c->dialect)
		st = STATUS_INVALID_PARAMETER;
	else if (!(r->hdr.flags & SMB2_FLAGS_SIGNED))
		st = STATUS_INVALID_PARAMETER;
	else if (p.anonymous || p.guest || !p.has_key)
		st = STATUS_NOT_SUPPORTED;
	else if (p.cipher != c->cipher)
		st = STATUS_INVALID_PARAMETER;
	else if (!sign)
		st = STATUS_ACCESS_DENIED;              /* not signed by the session's key */
	else if (!c->srv->cfg->multi_channel)
		st = STATUS_REQUEST_NOT_ACCEPTED;       /* `server multi channel support = no` */
	else if (!here)
		st = STATUS_REQUEST_NOT_ACCEPTED;       /* this connection could not move */
	else if (p.sess->state == SESS_EXPIRED)
		st = STATUS_NETWORK_SESSION_EXPIRED;
	else if (p.sess->state != SESS_VALID)
		st = STATUS_USER_SESSION_DELETED;
	else {
		/* Every answer but the last is signed with the session's
		 * key (MS-SMB2 3.3.4.1.1); the last with the channel's. */
		st = bind_step(r, rq, p.sess);
		if (st != STATUS_SUCCESS)
			sign_with_global(r, &p, alg);
		OPENSSL_cleanse(&p, sizeof(p));
		return st;
	}
	LOG_INFO("%s: session binding to %llx refused: 0x%08x%s", c->peer,
		 (unsigned long long)r->hdr.session_id, st, sign ? " (signed)" : "");
	if (sign)
		sign_with_global(r, &p, alg);
	OPENSSL_cleanse(&p, sizeof(p));
	return st;
}

void srv_session_sign_foreign(struct srv_req *r, struct srv_session *s)
{
	struct srv_session_pub p;
	memset(&p, 0, sizeof(p));
	bool have;
	if (s) {
		have = s->has_key;
		p.id = s->id;
		p.has_key = s->has_key;
		p.sign_alg = s->sign_alg;
		memcpy(p.signing_key, s->keys.signing, 16);
	} else {
		have = r->hdr.session_id && srv_session_find_global(r->hdr.session_id, &p);
	}
	enum crypto_sign_alg alg;
	if (have && bind_request_signed(r, &p, &alg))
		sign_with_global(r, &p, alg);
	OPENSSL_cleanse(&p, sizeof(p));
}

/* A SESSION_SETUP naming a session of another connection without the
 * BINDING flag: USER_SESSION_DELETED, signed with that session's key
 * when the request was (MS-SMB2 3.3.5.5: GlobalSessionTable). */
static NTSTATUS session_elsewhere(struct srv_req *r)
{
	srv_session_sign_foreign(r, NULL);
	return STATUS_USER_SESSION_DELETED;
}

NTSTATUS smb2_logoff(struct srv_req *r)
{
	if (smb2_decode_empty4(&r->msg) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_session *s = r->sess;
	/* MS-SMB2 3.3.5.6: durable opens are not closed but kept,
	 * detached, for a reconnect within their timeout (durable.c);
	 * every other open goes with its tree connect. */
	srv_durable_session_lost(s);
	while (s->ntrees)
		srv_tree_destroy(s, s->trees[0]);
	s->state = SESS_LOGGED_OFF; /* destroyed after this frame is answered */
	smb2_encode_empty4(r->out);
	return STATUS_SUCCESS;
}
