/* SESSION_SETUP and LOGOFF (MS-SMB2 3.3.5.5, 3.3.5.6). */
#include <string.h>

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
	id = NULL; /* it lives in the auth context freed here */
	s->state = SESS_VALID;
	auth_free(s->auth);
	s->auth = NULL;
	c->any_valid_session = true;
	LOG_INFO("%s: session %llx: %s%s%s", c->peer, (unsigned long long)s->id,
		 s->ident.anonymous ? "anonymous" : s->ident.user, s->ident.guest ? " (as guest)" : "",
		 s->signing_required ? ", signing required" : "");
	return STATUS_SUCCESS;
}

NTSTATUS smb2_session_setup(struct srv_req *r)
{
	struct srv_conn *c = r->conn;
	struct smb2_session_setup_req rq;
	if (smb2_decode_session_setup_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	if (rq.flags & SMB2_SESSION_FLAG_BINDING)
		return STATUS_REQUEST_NOT_ACCEPTED; /* no multichannel yet */

	struct srv_session *s = r->sess;
	if (!s) {
		if (r->hdr.session_id)
			return STATUS_USER_SESSION_DELETED;
		s = srv_session_new(c);
		if (!s)
			return STATUS_INSUFFICIENT_RESOURCES;
		r->sess = s;
	} else if (s->state == SESS_VALID) {
		/* Re-authentication: a new exchange on the same session. The key
		 * chain is kept; the new identity must be the same user. */
		if (s->auth)
			auth_free(s->auth);
		s->auth = NULL;
	}
	if (!s->auth) {
		s->auth = auth_start(c->srv->passdb, c->srv->cfg->netbios_name, c->srv->dns_name);
		if (!s->auth)
			return STATUS_INSUFFICIENT_RESOURCES;
	}
	bool reauth = s->state == SESS_VALID;

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
			auth_free(s->auth);
			s->auth = NULL;
		}
		return st;
	}
	if (reauth) {
		const struct auth_identity *id = auth_identity(s->auth);
		bool same = !strcmp(id->user, s->ident.user) && id->guest == s->ident.guest &&
			    id->anonymous == s->ident.anonymous;
		auth_free(s->auth);
		s->auth = NULL;
		if (!same) {
			buf_free(&tok);
			return STATUS_ACCESS_DENIED;
		}
	} else {
		st = finish_session(c, s, rq.security_mode);
		if (st) {
			buf_free(&tok);
			r->sess = NULL;
			srv_session_destroy(c, s);
			return st;
		}
		/* durable.c: MS-SMB2 3.3.5.5.3, the previous session goes. */
		srv_durable_prev_session(s, rq.previous_session_id);
		srv_durable_session_register(c, s);
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

NTSTATUS smb2_logoff(struct srv_req *r)
{
	if (smb2_decode_empty4(&r->msg) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_session *s = r->sess;
	while (s->ntrees)
		srv_tree_destroy(s, s->trees[0]);
	s->state = SESS_LOGGED_OFF; /* destroyed after this frame is answered */
	smb2_encode_empty4(r->out);
	return STATUS_SUCCESS;
}
