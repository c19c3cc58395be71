/* NEGOTIATE (MS-SMB2 3.3.5.3, 3.3.5.4) and the SMB1 upgrade. */
#include <string.h>

#include "common/log.h"
#include "common/nttime.h"
#include "server/srv.h"

static const uint16_t all_dialects[] = {SMB2_DIALECT_311, SMB2_DIALECT_302, SMB2_DIALECT_300,
					SMB2_DIALECT_210, SMB2_DIALECT_202};

static uint16_t pick_dialect(const struct srv_config *cfg, const uint16_t *d, uint16_t n)
{
	for (size_t i = 0; i < sizeof(all_dialects) / sizeof(all_dialects[0]); i++) {
		uint16_t want = all_dialects[i];
		if (want < cfg->min_proto || want > cfg->max_proto)
			continue;
		for (uint16_t j = 0; j < n; j++)
			if (d[j] == want)
				return want;
	}
	return 0;
}

static void fill_common(struct srv_conn *c, struct smb2_negotiate_resp *rs, uint16_t dialect)
{
	const struct srv_config *cfg = c->srv->cfg;
	rs->security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED;
	if (cfg->signing == CFG_SIGNING_MANDATORY)
		rs->security_mode |= SMB2_NEGOTIATE_SIGNING_REQUIRED;
	rs->dialect = dialect;
	memcpy(rs->server_guid, c->srv->guid, 16);
	rs->capabilities = 0;
	if (dialect >= SMB2_DIALECT_210 && dialect != SMB2_DIALECT_WILDCARD)
		rs->capabilities |= SMB2_GLOBAL_CAP_LARGE_MTU | SMB2_GLOBAL_CAP_LEASING;
	/* Session binding (smb2_session.c, MS-SMB2 3.3.5.5): 3.x only. */
	if (dialect >= SMB2_DIALECT_300 && dialect != SMB2_DIALECT_WILDCARD && cfg->multi_channel)
		rs->capabilities |= SMB2_GLOBAL_CAP_MULTI_CHANNEL;
	uint32_t io = dialect == SMB2_DIALECT_202 ? 65536 : cfg->max_io;
	rs->max_transact = io;
	rs->max_read = io;
	rs->max_write = io;
	rs->system_time = nttime_now();
	rs->server_start_time = 0;
	c->server_sec_mode = rs->security_mode;
	c->server_caps = rs->capabilities;
}

NTSTATUS smb2_negotiate_smb1_upgrade(struct srv_conn *c, struct buf *out, bool wildcard)
{
	/* MS-SMB2 3.3.5.3.1: answer with an SMB2 NEGOTIATE response, dialect
	 * 0x02FF when the client offered "SMB 2.???", else 2.0.2. */
	uint16_t dialect = wildcard ? SMB2_DIALECT_WILDCARD : SMB2_DIALECT_202;
	if (!wildcard && c->srv->cfg->min_proto > SMB2_DIALECT_202)
		return STATUS_NOT_SUPPORTED;
	size_t hdr_off = out->len;
	struct smb2_hdr h = {0};
	h.command = SMB2_NEGOTIATE;
	h.flags = SMB2_FLAGS_SERVER_TO_REDIR;
	h.credits = 1;
	smb2_encode_hdr(out, &h);
	struct smb2_negotiate_resp rs;
	memset(&rs, 0, sizeof(rs));
	fill_common(c, &rs, dialect);
	struct buf tok;
	buf_init(&tok, 4096);
	auth_negotiate_hint(&tok);
	rs.security_buffer = tok.p;
	rs.security_buffer_len = (uint16_t)tok.len;
	smb2_encode_negotiate_resp(out, hdr_off, &rs);
	buf_free(&tok);
	/* The SMB1 request used message id 0; the SMB2 NEGOTIATE that follows
	 * uses 1 (3.3.5.3.1). */
	c->seq_low = 1;
	c->seq_high = 2;
	if (!wildcard) {
		c->negotiated = true;
		c->dialect = dialect;
	} else {
		c->smb1_upgraded = true;
	}
	return buf_ok(out) ? STATUS_SUCCESS : STATUS_INTERNAL_ERROR;
}

/* The first of our preferences (config order) that the client offers. */
static bool pick_alg(const uint16_t *pref, size_t npref, const struct smb2_id_list_ctx *offer,
		     uint16_t *out)
{
	for (size_t k = 0; k < npref; k++)
		for (uint16_t j = 0; j < offer->count; j++)
			if (offer->ids[j] == pref[k]) {
				*out = pref[k];
				return true;
			}
	return false;
}

NTSTATUS smb2_negotiate(struct srv_req *r)
{
	struct srv_conn *c = r->conn;
	struct smb2_negotiate_req rq;
	if (c->negotiated) {
		/* A second NEGOTIATE on a connection is a protocol violation. */
		c->closing = true;
		return STATUS_INVALID_PARAMETER;
	}
	if (smb2_decode_negotiate_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	if (rq.dialect_count == 0)
		return STATUS_INVALID_PARAMETER;
	uint16_t dialect = pick_dialect(c->srv->cfg, rq.dialects, rq.dialect_count);
	if (!dialect) {
		LOG_INFO("%s: no common dialect", c->peer);
		return STATUS_NOT_SUPPORTED;
	}

	struct smb2_negotiate_resp rs;
	memset(&rs, 0, sizeof(rs));
	fill_common(c, &rs, dialect);
	c->sign_alg = dialect >= SMB2_DIALECT_300 ? CRYPTO_SIGN_AES_CMAC : CRYPTO_SIGN_HMAC_SHA256;
	const struct srv_config *cfg = c->srv->cfg;
	bool can_encrypt = cfg->encrypt != CFG_ENCRYPT_OFF;
	/* 3.0 and 3.0.2 encrypt with AES-128-CCM, announced as a capability. */
	if (can_encrypt && (dialect == SMB2_DIALECT_300 || dialect == SMB2_DIALECT_302) &&
	    (rq.capabilities & SMB2_GLOBAL_CAP_ENCRYPTION)) {
		for (size_t k = 0; k < cfg->nciphers; k++)
			if (cfg->ciphers[k] == SMB2_ENC_AES128_CCM)
				c->cipher = SMB2_ENC_AES128_CCM;
		if (c->cipher) {
			rs.capabilities |= SMB2_GLOBAL_CAP_ENCRYPTION;
			c->server_caps = rs.capabilities;
		}
	}

	uint8_t salt[32];
	struct buf ctxbuf[3];
	struct smb2_id_list_ctx enc = {0};
	bool have_enc = false;
	for (int i = 0; i < 3; i++)
		buf_init(&ctxbuf[i], 256);
	if (dialect == SMB2_DIALECT_311) {
		bool have_preauth = false, have_sign = false;
		struct smb2_id_list_ctx sign = {0};
		for (uint16_t i = 0; i < rq.context_count; i++) {
			const struct smb2_neg_context *x = &rq.contexts[i];
			if (x->type == SMB2_PREAUTH_INTEGRITY_CAPABILITIES) {
				struct smb2_preauth_ctx p;
				if (have_preauth || smb2_decode_preauth_ctx(x->data, x->data_len, &p) < 0)
					return STATUS_INVALID_PARAMETER;
				have_preauth = false;
				for (uint16_t j = 0; j < p.hash_count; j++)
					if (p.hash_algs[j] == SMB2_PREAUTH_HASH_SHA512)
						have_preauth = true;
				if (!have_preauth)
					return 0xC05D0000u; /* NO_PREAUTH_INTEGRITY_HASH_OVERLAP */
			} else if (x->type == SMB2_SIGNING_CAPABILITIES) {
				if (have_sign || smb2_decode_id_list_ctx(x->data, x->data_len, &sign) < 0 ||
				    sign.count == 0)
					return STATUS_INVALID_PARAMETER;
				have_sign = true;
			} else if (x->type == SMB2_ENCRYPTION_CAPABILITIES) {
				if (have_enc || smb2_decode_id_list_ctx(x->data, x->data_len, &enc) < 0 ||
				    enc.count == 0)
					return STATUS_INVALID_PARAMETER;
				have_enc = true;
			}
		}
		if (!have_preauth)
			return STATUS_INVALID_PARAMETER;
		crypto_random(salt, sizeof(salt));
		struct smb2_preauth_ctx pc = {.hash_count = 1, .hash_algs = {SMB2_PREAUTH_HASH_SHA512},
					      .salt = salt, .salt_len = sizeof(salt)};
		smb2_encode_preauth_ctx(&ctxbuf[0], &pc);
		rs.contexts[rs.context_count].type = SMB2_PREAUTH_INTEGRITY_CAPABILITIES;
		rs.contexts[rs.context_count].data = ctxbuf[0].p;
		rs.contexts[rs.context_count].data_len = (uint16_t)ctxbuf[0].len;
		rs.context_count++;
		if (have_enc && can_encrypt) {
			/* MS-SMB2 3.3.5.4: our first preference the client offers, or
			 * cipher 0 when there is none in common. */
			uint16_t chosen = 0;
			pick_alg(cfg->ciphers, cfg->nciphers, &enc, &chosen);
			c->cipher = chosen;
			struct smb2_id_list_ctx ec = {.count = 1, .ids = {chosen}};
			smb2_encode_id_list_ctx(&ctxbuf[2], &ec);
			rs.contexts[rs.context_count].type = SMB2_ENCRYPTION_CAPABILITIES;
			rs.contexts[rs.context_count].data = ctxbuf[2].p;
			rs.contexts[rs.context_count].data_len = (uint16_t)ctxbuf[2].len;
			rs.context_count++;
		}
		if (have_sign) {
			/* With no algorithm in common the default (CMAC) stays. */
			uint16_t chosen = SMB2_SIGN_AES_CMAC;
			pick_alg(cfg->sign_algs, cfg->nsign_algs, &sign, &chosen);
			struct smb2_id_list_ctx sc = {.count = 1, .ids = {chosen}};
			smb2_encode_id_list_ctx(&ctxbuf[1], &sc);
			rs.contexts[rs.context_count].type = SMB2_SIGNING_CAPABILITIES;
			rs.contexts[rs.context_count].data = ctxbuf[1].p;
			rs.contexts[rs.context_count].data_len = (uint16_t)ctxbuf[1].len;
			rs.context_count++;
			c->sign_alg = (enum crypto_sign_alg)chosen;
		}
		/* Preauth integrity: H0 = 0; H1 = SHA-512(H0 || request). */
		memset(c->preauth, 0, sizeof(c->preauth));
		struct iovec iov = {(void *)r->msg.base, r->msg.len};
		crypto_preauth_update(c->preauth, &iov, 1);
		r->preauth_rsp = c->preauth;
	}

	struct buf tok;
	buf_init(&tok, 4096);
	auth_negotiate_hint(&tok);
	rs.security_buffer = tok.p;
	rs.security_buffer_len = (uint16_t)tok.len;
	smb2_encode_negotiate_resp(r->out, r->rsp_off, &rs);
	buf_free(&tok);
	for (int i = 0; i < 3; i++)
		buf_free(&ctxbuf[i]);

	c->negotiated = true;
	c->dialect = dialect;
	c->client_caps = rq.capabilities;
	c->client_sec_mode = rq.security_mode;
	memcpy(c->client_guid, rq.client_guid, 16);
	c->nclient_dialects = rq.dialect_count;
	memcpy(c->client_dialects, rq.dialects, rq.dialect_count * sizeof(uint16_t));
	LOG_INFO("%s: negotiated dialect %x.%02x, cipher %u, signing %d", c->peer, dialect >> 8,
		 dialect & 0xFF, c->cipher, (int)c->sign_alg);
	return STATUS_SUCCESS;
}
