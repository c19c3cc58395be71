/* NTLMSSP initiator inside SPNEGO for libdaxsmb (MS-NLMP 3.1.5,
 * MS-SPNG 3.1.5): NEGOTIATE, then an NTLMv2 AUTHENTICATE with key
 * exchange and MIC, then the server's mechListMIC. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_int.h"
#include "common/nttime.h"
#include "common/utf16.h"
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

#define CLIENT_FLAGS                                                                       \
	(NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_SIGN |      \
	 NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |  \
	 NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_VERSION |          \
	 NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56)

enum client_state { CL_START, CL_SENT_NEGOTIATE, CL_SENT_AUTHENTICATE, CL_DONE, CL_FAILED };

struct auth_client {
	enum client_state state;
	char *user, *domain, *workstation;
	uint8_t nt_hash[16];
	bool anonymous, raw;
	struct buf neg_msg;       /* for the MIC */
	struct buf mech_types;    /* for the mechListMIC */
	uint32_t flags;
	uint8_t exported[16];
	bool has_key, sent_mic;
	bool test;
	uint8_t test_cc[8], test_rsk[16];
	uint64_t test_time;
};

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

struct auth_client *auth_client_start(const char *user, const char *domain, const char *password,
				      const char *workstation)
{
	if (crypto_init() != 0)
		return NULL;
	struct auth_client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	buf_init(&c->neg_msg, AUTH_MAX_TOKEN);
	buf_init(&c->mech_types, 1024);
	c->user = dup_or_empty(user);
	c->domain = dup_or_empty(domain);
	c->workstation = dup_or_empty(workstation);
	c->anonymous = !user || !*user;
	if (!c->user || !c->domain || !c->workstation || strlen(c->user) > 256 ||
	    strlen(c->domain) > 256 || strlen(c->workstation) > 256 ||
	    (!c->anonymous && ntlm_nt_hash(password ? password : "", c->nt_hash) != 0)) {
		auth_client_free(c);
		return NULL;
	}
	return c;
}

void auth_client_test_set(struct auth_client *c, const uint8_t client_challenge[8],
			  const uint8_t random_session_key[16], uint64_t time)
{
	c->test = true;
	memcpy(c->test_cc, client_challenge, 8);
	memcpy(c->test_rsk, random_session_key, 16);
	c->test_time = time;
}

void auth_client_test_raw(struct auth_client *c)
{
	c->raw = true;
}

bool auth_client_session_key(const struct auth_client *c, uint8_t key[16])
{
	if (!c->has_key)
		return false;
	memcpy(key, c->exported, 16);
	return true;
}

void auth_client_free(struct auth_client *c)
{
	if (!c)
		return;
	free(c->user);
	free(c->domain);
	free(c->workstation);
	buf_free(&c->neg_msg);
	buf_free(&c->mech_types);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

static void put_version(struct buf *b)
{
	buf_u8(b, 10);
	buf_u8(b, 0);
	buf_le16(b, 20348);
	buf_zero(b, 3);
	buf_u8(b, 0x0f);
}

static NTSTATUS make_negotiate(struct auth_client *c, struct buf *out)
{
	struct buf *m = &c->neg_msg;
	buf_bytes(m, ntlmssp_signature, 8);
	buf_le32(m, NTLM_NEGOTIATE);
	buf_le32(m, CLIENT_FLAGS);
	/* Empty domain and workstation fields, payload offset 40. */
	buf_le16(m, 0), buf_le16(m, 0), buf_le32(m, 40);
	buf_le16(m, 0), buf_le16(m, 0), buf_le32(m, 40);
	put_version(m);
	if (!buf_ok(m))
		return STATUS_INTERNAL_ERROR;
	if (c->raw)
		buf_bytes(out, m->p, m->len);
	else
		spnego_encode_init(out, m->p, m->len, &c->mech_types);
	return buf_ok(out) && buf_ok(&c->mech_types) ? STATUS_MORE_PROCESSING_REQUIRED
						     : STATUS_INSUFFICIENT_RESOURCES;
}

/* The client's copy of the server's target info (MS-NLMP 3.1.5.1.2):
 * everything but MsvAvFlags and EOL, then our flags, then EOL. */
struct av_copy {
	struct buf *out;
	bool has_time;
	uint64_t time;
};

static bool av_copy_cb(uint16_t id, const uint8_t *val, uint16_t len, void *arg)
{
	struct av_copy *a = arg;
	if (id == MSV_AV_TIMESTAMP) {
		if (len != 8)
			return false;
		a->has_time = true;
		a->time = get_le64(val);
	}
	if (id == MSV_AV_FLAGS)
		return true;
	buf_le16(a->out, id);
	buf_le16(a->out, len);
	buf_bytes(a->out, val, len);
	return true;
}

struct challenge {
	uint32_t flags;
	uint8_t server_challenge[8];
	const uint8_t *target_info;
	size_t target_info_len;
};

static bool parse_challenge(const uint8_t *p, size_t n, struct challenge *ch)
{
	struct cur c, ti;
	uint8_t sig[8];
	cur_init(&c, p, n);
	cur_bytes(&c, sig, 8);
	uint32_t type = cur_le32(&c);
	cur_skip(&c, 8);   /* TargetNameFields: not needed */
	ch->flags = cur_le32(&c);
	cur_bytes(&c, ch->server_challenge, 8);
	cur_skip(&c, 8);
	uint16_t ti_len = cur_le16(&c);
	(void)cur_le16(&c);
	uint32_t ti_off = cur_le32(&c);
	if (!cur_ok(&c) || memcmp(sig, ntlmssp_signature, 8) != 0 || type != NTLM_CHALLENGE)
		return false;
	if (!cur_range(&c, ti_off, ti_len, &ti))
		return false;
	ch->target_info = ti.base;
	ch->target_info_len = ti.len;
	return true;
}

static void put_field(struct buf *m, size_t at, size_t len, size_t off)
{
	buf_set_le16(m, at, (uint16_t)len);
	buf_set_le16(m, at + 2, (uint16_t)len);
	buf_set_le32(m, at + 4, (uint32_t)off);
}

static NTSTATUS make_authenticate(struct auth_client *c, const uint8_t *chal_msg, size_t chal_len,
				  struct buf *out)
{
	struct challenge ch;
	struct buf ti, temp, nt, lm, dom, usr, ws, m;
	uint8_t ntowf[16], proof[16], base_key[16], enc_key[16], cc[8], mic[16];
	NTSTATUS st = STATUS_INVALID_PARAMETER;
	size_t ekey_len = 0;
	bool want_mic = false;

	buf_init(&ti, AUTH_MAX_TOKEN);
	buf_init(&temp, AUTH_MAX_TOKEN);
	buf_init(&nt, AUTH_MAX_TOKEN);
	buf_init(&lm, 64);
	buf_init(&dom, 1024);
	buf_init(&usr, 1024);
	buf_init(&ws, 1024);
	buf_init(&m, AUTH_MAX_TOKEN);

	if (!parse_challenge(chal_msg, chal_len, &ch))
		goto out;
	if (!(ch.flags & NTLMSSP_NEGOTIATE_UNICODE))
		goto out;
	c->flags = ch.flags & CLIENT_FLAGS;

	if (!buf_put_utf16le(&dom, c->domain, strlen(c->domain)) ||
	    !buf_put_utf16le(&usr, c->user, strlen(c->user)) ||
	    !buf_put_utf16le(&ws, c->workstation, strlen(c->workstation)))
		goto out;

	if (c->anonymous) {
		/* MS-NLMP 3.1.5.1.2: empty NT response, LM response Z(1). */
		buf_u8(&lm, 0);
		c->flags |= NTLMSSP_ANONYMOUS;
		c->flags &= ~(uint32_t)(NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_SIGN |
					NTLMSSP_NEGOTIATE_SEAL);
	} else {
		struct av_copy avc = { .out = &ti };
		if (ch.target_info_len &&
		    !ntlm_av_walk(ch.target_info, ch.target_info_len, av_copy_cb, &avc))
			goto out;
		want_mic = avc.has_time;
		if (want_mic) {
			buf_le16(&ti, MSV_AV_FLAGS);
			buf_le16(&ti, 4);
			buf_le32(&ti, MSV_AV_FLAG_MIC_PRESENT);
		}
		buf_le32(&ti, 0);   /* MsvAvEOL */

		uint64_t t = avc.has_time ? avc.time : c->test ? c->test_time : nttime_now();
		if (c->test)
			memcpy(cc, c->test_cc, 8);
		else
			crypto_random(cc, 8);
		/* temp = 1, 1, Z(6), Time, ClientChallenge, Z(4), AvPairs, Z(4) */
		buf_u8(&temp, 1);
		buf_u8(&temp, 1);
		buf_zero(&temp, 6);
		buf_le64(&temp, t);
		buf_bytes(&temp, cc, 8);
		buf_zero(&temp, 4);
		buf_bytes(&temp, ti.p, ti.len);
		buf_zero(&temp, 4);
		if (!buf_ok(&temp) || !buf_ok(&ti))
			goto out;
		if (ntlm_ntowfv2(c->nt_hash, c->user, dom.p, dom.len, ntowf) != 0 ||
		    ntlm_proof(ntowf, ch.server_challenge, temp.p, temp.len, proof) != 0) {
			st = STATUS_INTERNAL_ERROR;
			goto out;
		}
		buf_bytes(&nt, proof, 16);
		buf_bytes(&nt, temp.p, temp.len);
		if (avc.has_time) {
			/* With MsvAvTimestamp the LM response is Z(24) (3.1.5.1.2). */
			buf_zero(&lm, 24);
		} else {
			uint8_t lmv2[16];
			if (ntlm_proof(ntowf, ch.server_challenge, cc, 8, lmv2) != 0) {
				st = STATUS_INTERNAL_ERROR;
				goto out;
			}
			buf_bytes(&lm, lmv2, 16);
			buf_bytes(&lm, cc, 8);
		}
		struct iovec iov = { proof, 16 };
		if (crypto_hmac_md5(ntowf, 16, &iov, 1, base_key) != 0) {
			st = STATUS_INTERNAL_ERROR;
			goto out;
		}
		if (c->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
			if (c->test)
				memcpy(c->exported, c->test_rsk, 16);
			else
				crypto_random(c->exported, 16);
			if (crypto_rc4(base_key, 16, c->exported, 16, enc_key) != 0) {
				st = STATUS_INTERNAL_ERROR;
				goto out;
			}
			ekey_len = 16;
		} else {
			memcpy(c->exported, base_key, 16);
		}
		c->has_key = true;
	}

	/* Header: 64 fixed bytes, Version, and the MIC when we send one. */
	size_t hdr = want_mic ? NTLM_AUTH_MIC_OFFSET + 16 : NTLM_AUTH_MIC_OFFSET;
	buf_bytes(&m, ntlmssp_signature, 8);
	buf_le32(&m, NTLM_AUTHENTICATE);
	buf_zero(&m, 48);
	buf_le32(&m, c->flags);
	put_version(&m);
	if (want_mic)
		buf_zero(&m, 16);
	size_t off = hdr;
	put_field(&m, 28, dom.len, off), off += dom.len;
	put_field(&m, 36, usr.len, off), off += usr.len;
	put_field(&m, 44, ws.len, off), off += ws.len;
	put_field(&m, 12, lm.len, off), off += lm.len;
	put_field(&m, 20, nt.len, off), off += nt.len;
	put_field(&m, 52, ekey_len, off);
	buf_bytes(&m, dom.p, dom.len);
	buf_bytes(&m, usr.p, usr.len);
	buf_bytes(&m, ws.p, ws.len);
	buf_bytes(&m, lm.p, lm.len);
	buf_bytes(&m, nt.p, nt.len);
	buf_bytes(&m, enc_key, ekey_len);
	if (!buf_ok(&m) || !buf_ok(&nt) || !buf_ok(&lm) || m.len > 0xffff) {
		st = STATUS_INTERNAL_ERROR;
		goto out;
	}
	if (want_mic) {
		struct iovec iov[] = {
			{ c->neg_msg.p, c->neg_msg.len },
			{ (void *)chal_msg, chal_len },
			{ m.p, m.len },
		};
		if (crypto_hmac_md5(c->exported, 16, iov, 3, mic) != 0) {
			st = STATUS_INTERNAL_ERROR;
			goto out;
		}
		memcpy(m.p + NTLM_AUTH_MIC_OFFSET, mic, 16);
	}

	if (c->raw) {
		buf_bytes(out, m.p, m.len);
	} else if (c->has_key) {
		uint8_t sig[16];
		if (ntlm_sign(c->exported, c->flags, true, 0, c->mech_types.p, c->mech_types.len, sig)) {
			st = STATUS_INTERNAL_ERROR;
			goto out;
		}
		spnego_encode_resp(out, SPNEGO_STATE_ABSENT, false, m.p, m.len, sig, 16);
		c->sent_mic = true;
	} else {
		spnego_encode_resp(out, SPNEGO_STATE_ABSENT, false, m.p, m.len, NULL, 0);
	}
	st = buf_ok(out) ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
out:
	OPENSSL_cleanse(ntowf, sizeof(ntowf));
	OPENSSL_cleanse(base_key, sizeof(base_key));
	buf_free(&ti);
	buf_free(&temp);
	buf_free(&nt);
	buf_free(&lm);
	buf_free(&dom);
	buf_free(&usr);
	buf_free(&ws);
	buf_free(&m);
	return st;
}

static NTSTATUS client_step(struct auth_client *c, const uint8_t *in, size_t n, struct buf *out)
{
	struct spnego_tok t;
	NTSTATUS st;
	switch (c->state) {
	case CL_START:
		if (in && n)
			return STATUS_INVALID_PARAMETER;
		c->state = CL_SENT_NEGOTIATE;
		return make_negotiate(c, out);
	case CL_SENT_NEGOTIATE:
		if (!in || n == 0 || n > AUTH_MAX_TOKEN)
			return STATUS_INVALID_PARAMETER;
		if (c->raw) {
			st = make_authenticate(c, in, n, out);
			c->state = CL_DONE;
			return st;
		}
		if (!spnego_decode(in, n, &t) || t.is_init || !t.token)
			return STATUS_INVALID_PARAMETER;
		if (t.neg_state == SPNEGO_REJECT)
			return STATUS_LOGON_FAILURE;
		if ((t.has_supported_mech && !t.supported_is_ntlm) ||
		    (t.neg_state != SPNEGO_ACCEPT_INCOMPLETE && t.neg_state != SPNEGO_REQUEST_MIC &&
		     t.neg_state != SPNEGO_STATE_ABSENT))
			return STATUS_INVALID_PARAMETER;
		st = make_authenticate(c, t.token, t.token_len, out);
		if (st != STATUS_SUCCESS)
			return st;
		c->state = CL_SENT_AUTHENTICATE;
		return STATUS_MORE_PROCESSING_REQUIRED;
	case CL_SENT_AUTHENTICATE:
		/* Some servers finish with an empty buffer: nothing to check. */
		if (!in || n == 0) {
			c->state = CL_DONE;
			return STATUS_SUCCESS;
		}
		if (!spnego_decode(in, n, &t) || t.is_init)
			return STATUS_INVALID_PARAMETER;
		if (t.neg_state != SPNEGO_ACCEPT_COMPLETED)
			return STATUS_LOGON_FAILURE;
		if (t.mic) {
			uint8_t want[16];
			if (!c->has_key)
				return STATUS_INVALID_PARAMETER;
			if (ntlm_sign(c->exported, c->flags, false, 0, c->mech_types.p, c->mech_types.len,
				      want) != 0)
				return STATUS_INTERNAL_ERROR;
			if (t.mic_len != 16 || CRYPTO_memcmp(want, t.mic, 16) != 0)
				return STATUS_LOGON_FAILURE;
		}
		c->state = CL_DONE;
		return STATUS_SUCCESS;
	default:
		return STATUS_INVALID_PARAMETER;
	}
}

NTSTATUS auth_client_step(struct auth_client *c, const uint8_t *in, size_t n, struct buf *out)
{
	if (!c)
		return STATUS_INVALID_PARAMETER;
	NTSTATUS st = client_step(c, in, n, out);
	if (st != STATUS_SUCCESS && st != STATUS_MORE_PROCESSING_REQUIRED) {
		c->state = CL_FAILED;
		c->has_key = false;
		OPENSSL_cleanse(c->exported, sizeof(c->exported));
	}
	return st;
}
