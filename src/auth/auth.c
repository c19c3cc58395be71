/* SESSION_SETUP acceptor: SPNEGO (RFC 4178, MS-SPNG) around NTLMSSP, or
 * raw NTLMSSP, one security buffer per auth_step call. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/ntlmssp.h"
#include "crypto/crypto.h"

enum auth_state {
	AUTH_START,
	AUTH_WAIT_NEGOTIATE,   /* SPNEGO chose NTLMSSP; its NEGOTIATE comes next */
	AUTH_WAIT_AUTHENTICATE,
	AUTH_DONE,
	AUTH_FAILED,
};

struct auth_ctx {
	struct passdb *db;
	enum auth_state state;
	bool spnego;
	struct buf mech_types;   /* the client's MechTypeList, DER as sent */
	struct ntlm_server ntlm;
	struct auth_identity id;
	struct auth_identity none;
};

static bool is_ntlmssp(const uint8_t *p, size_t n)
{
	return n >= 8 && memcmp(p, ntlmssp_signature, 8) == 0;
}

struct auth_ctx *auth_start(struct passdb *db, const char *netbios_name, const char *dns_name)
{
	if (crypto_init() != 0)
		return NULL;
	struct auth_ctx *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->db = db;
	buf_init(&a->mech_types, AUTH_MAX_TOKEN);
	ntlm_server_init(&a->ntlm, netbios_name, dns_name);
	return a;
}

void auth_test_set_challenge(struct auth_ctx *a, const uint8_t challenge[8])
{
	memcpy(a->ntlm.challenge, challenge, 8);
}

const struct auth_identity *auth_identity(const struct auth_ctx *a)
{
	return a->state == AUTH_DONE ? &a->id : &a->none;
}

void auth_free(struct auth_ctx *a)
{
	if (!a)
		return;
	ntlm_server_free(&a->ntlm);
	buf_free(&a->mech_types);
	OPENSSL_cleanse(&a->id, sizeof(a->id));
	free(a);
}

/* First SPNEGO token: a NegTokenInit offering NTLMSSP. */
static NTSTATUS step_init(struct auth_ctx *a, const uint8_t *in, size_t n, struct buf *reply)
{
	struct spnego_tok t;
	if (!spnego_decode(in, n, &t) || !t.is_init)
		return STATUS_INVALID_PARAMETER;
	if (!t.has_ntlm)
		return STATUS_NOT_SUPPORTED;
	buf_bytes(&a->mech_types, t.mech_types, t.mech_types_len);
	a->spnego = true;
	if (t.token && is_ntlmssp(t.token, t.token_len)) {
		struct buf chal;
		buf_init(&chal, AUTH_MAX_TOKEN);
		NTSTATUS st = ntlm_server_negotiate(&a->ntlm, t.token, t.token_len, &chal);
		if (st == STATUS_MORE_PROCESSING_REQUIRED)
			spnego_encode_resp(reply, SPNEGO_ACCEPT_INCOMPLETE, true, chal.p, chal.len, NULL, 0);
		buf_free(&chal);
		a->state = AUTH_WAIT_AUTHENTICATE;
		return st;
	}
	/* The optimistic token (if any) is for another mech: select NTLMSSP
	 * and wait for its NEGOTIATE (RFC 4178 3.2 step 2). */
	spnego_encode_resp(reply, SPNEGO_ACCEPT_INCOMPLETE, true, NULL, 0, NULL, 0);
	a->state = AUTH_WAIT_NEGOTIATE;
	return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS step_negotiate(struct auth_ctx *a, const uint8_t *in, size_t n, struct buf *reply)
{
	struct spnego_tok t;
	if (!spnego_decode(in, n, &t) || t.is_init || !t.token || !is_ntlmssp(t.token, t.token_len))
		return STATUS_INVALID_PARAMETER;
	struct buf chal;
	buf_init(&chal, AUTH_MAX_TOKEN);
	NTSTATUS st = ntlm_server_negotiate(&a->ntlm, t.token, t.token_len, &chal);
	if (st == STATUS_MORE_PROCESSING_REQUIRED)
		spnego_encode_resp(reply, SPNEGO_ACCEPT_INCOMPLETE, false, chal.p, chal.len, NULL, 0);
	buf_free(&chal);
	a->state = AUTH_WAIT_AUTHENTICATE;
	return st;
}

static NTSTATUS step_authenticate(struct auth_ctx *a, const uint8_t *in, size_t n, struct buf *reply)
{
	if (!a->spnego) {
		if (!is_ntlmssp(in, n))
			return STATUS_INVALID_PARAMETER;
		return ntlm_server_authenticate(&a->ntlm, a->db, in, n, &a->id);
	}
	struct spnego_tok t;
	if (!spnego_decode(in, n, &t) || t.is_init || !t.token || !is_ntlmssp(t.token, t.token_len))
		return STATUS_INVALID_PARAMETER;
	NTSTATUS st = ntlm_server_authenticate(&a->ntlm, a->db, t.token, t.token_len, &a->id);
	if (st != STATUS_SUCCESS)
		return st;
	/* mechListMIC (RFC 4178 5, MS-SPNG 3.1.5.1): when the client sent one
	 * it must verify, and ours goes back in accept-completed.  Guest and
	 * anonymous sessions have no key to check it with. */
	if (t.mic && a->id.has_session_key) {
		uint8_t want[16], ours[16];
		if (ntlm_sign(a->id.session_key, a->ntlm.flags, true, 0, a->mech_types.p,
			      a->mech_types.len, want) != 0 ||
		    ntlm_sign(a->id.session_key, a->ntlm.flags, false, 0, a->mech_types.p,
			      a->mech_types.len, ours) != 0)
			return STATUS_INTERNAL_ERROR;
		if (t.mic_len != 16 || CRYPTO_memcmp(want, t.mic, 16) != 0)
			return STATUS_LOGON_FAILURE;
		spnego_encode_resp(reply, SPNEGO_ACCEPT_COMPLETED, false, NULL, 0, ours, 16);
	} else {
		spnego_encode_resp(reply, SPNEGO_ACCEPT_COMPLETED, false, NULL, 0, NULL, 0);
	}
	return STATUS_SUCCESS;
}

NTSTATUS auth_step(struct auth_ctx *a, const uint8_t *in, size_t n, struct buf *out)
{
	NTSTATUS st;
	struct buf reply;
	if (!a)
		return STATUS_INVALID_PARAMETER;
	if (!in || n == 0 || n > AUTH_MAX_TOKEN) {
		st = STATUS_INVALID_PARAMETER;
		goto fail;
	}
	buf_init(&reply, AUTH_MAX_TOKEN);
	switch (a->state) {
	case AUTH_START:
		if (is_ntlmssp(in, n)) {
			st = ntlm_server_negotiate(&a->ntlm, in, n, &reply);
			a->state = AUTH_WAIT_AUTHENTICATE;
		} else if (in[0] == 0x60) {
			st = step_init(a, in, n, &reply);
		} else {
			st = STATUS_INVALID_PARAMETER;
		}
		break;
	case AUTH_WAIT_NEGOTIATE:
		st = step_negotiate(a, in, n, &reply);
		break;
	case AUTH_WAIT_AUTHENTICATE:
		st = step_authenticate(a, in, n, &reply);
		if (st == STATUS_SUCCESS)
			a->state = AUTH_DONE;
		break;
	default:
		st = STATUS_INVALID_PARAMETER;
		break;
	}
	if (st == STATUS_SUCCESS || st == STATUS_MORE_PROCESSING_REQUIRED) {
		if (!buf_ok(&reply)) {
			st = STATUS_INTERNAL_ERROR;
		} else {
			buf_bytes(out, reply.p, reply.len);
			if (!buf_ok(out))
				st = STATUS_INSUFFICIENT_RESOURCES;
		}
	}
	buf_free(&reply);
	if (st == STATUS_SUCCESS || st == STATUS_MORE_PROCESSING_REQUIRED)
		return st;
fail:
	/* One failure ends the exchange; the identity is never half filled. */
	a->state = AUTH_FAILED;
	OPENSSL_cleanse(&a->id, sizeof(a->id));
	return st;
}

NTSTATUS auth_reauth_check(const char *owner, const char *owner_domain,
			   const struct auth_identity *id)
{
	if (id->anonymous)
		return STATUS_SUCCESS;
	if (id->guest)
		return owner[0] ? STATUS_LOGON_FAILURE : STATUS_SUCCESS;
	if (!owner[0] || strcasecmp(id->user, owner) != 0)
		return STATUS_ACCESS_DENIED;
	if (id->domain[0] && owner_domain[0] && strcasecmp(id->domain, owner_domain) != 0)
		return STATUS_ACCESS_DENIED;
	return STATUS_SUCCESS;
}
