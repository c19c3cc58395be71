/* NTLMSSP acceptor (MS-NLMP 3.2.5): NEGOTIATE -> CHALLENGE, then the
 * NTLMv2 AUTHENTICATE checked against the passdb. */
#include "auth/ntlmssp.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/nttime.h"
#include "common/utf16.h"
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

/* One (Len, MaxLen, Offset) field of MS-NLMP 2.2.1. */
struct ntlm_field {
	uint16_t len;
	uint32_t off;
};

static void read_field(struct cur *c, struct ntlm_field *f)
{
	f->len = cur_le16(c);
	(void)cur_le16(c);   /* MaxLen: "MUST be ignored on receipt" (2.2.1.1) */
	f->off = cur_le32(c);
}

/* The field's bytes inside the whole message, checked once (STYLE 2). */
static bool field_bytes(const struct cur *msg, const struct ntlm_field *f, struct cur *out)
{
	return cur_range(msg, f->off, f->len, out);
}

static bool check_header(struct cur *c, uint32_t type)
{
	uint8_t sig[8];
	cur_bytes(c, sig, 8);
	uint32_t t = cur_le32(c);
	return cur_ok(c) && memcmp(sig, ntlmssp_signature, 8) == 0 && t == type;
}

static void put_av(struct buf *b, uint16_t id, const char *s)
{
	size_t n = utf16le_size(s, strlen(s));
	if (n == SIZE_MAX || n > 0xffff) {
		b->err = true;
		return;
	}
	buf_le16(b, id);
	buf_le16(b, (uint16_t)n);
	buf_put_utf16le(b, s, strlen(s));
}

static void put_version(struct buf *b)
{
	/* MS-NLMP 2.2.2.10: 10.0, build 20348, NTLMSSP_REVISION_W2K3. */
	buf_u8(b, 10);
	buf_u8(b, 0);
	buf_le16(b, 20348);
	buf_zero(b, 3);
	buf_u8(b, 0x0f);
}

void ntlm_server_init(struct ntlm_server *s, const char *netbios_name, const char *dns_name)
{
	memset(s, 0, sizeof(*s));
	buf_init(&s->neg_msg, AUTH_MAX_TOKEN);
	buf_init(&s->chal_msg, AUTH_MAX_TOKEN);
	snprintf(s->nb_name, sizeof(s->nb_name), "%s", netbios_name && *netbios_name ? netbios_name : "DAXSMB");
	for (char *p = s->nb_name; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	if (dns_name && *dns_name) {
		snprintf(s->dns_name, sizeof(s->dns_name), "%s", dns_name);
	} else {
		snprintf(s->dns_name, sizeof(s->dns_name), "%s", s->nb_name);
		for (char *p = s->dns_name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
	}
	crypto_random(s->challenge, 8);
}

void ntlm_server_free(struct ntlm_server *s)
{
	buf_free(&s->neg_msg);
	buf_free(&s->chal_msg);
	OPENSSL_cleanse(s->exported_key, sizeof(s->exported_key));
}

NTSTATUS ntlm_server_negotiate(struct ntlm_server *s, const uint8_t *in, size_t n, struct buf *out)
{
	struct cur c;
	if (n > AUTH_MAX_TOKEN)
		return STATUS_INVALID_PARAMETER;
	cur_init(&c, in, n);
	if (!check_header(&c, NTLM_NEGOTIATE))
		return STATUS_INVALID_PARAMETER;
	uint32_t cf = cur_le32(&c);
	if (!cur_ok(&c))
		return STATUS_INVALID_PARAMETER;
	/* The domain/workstation fields (when present) carry nothing we use;
	 * the message is kept whole for the MIC. */
	buf_reset(&s->neg_msg);
	buf_bytes(&s->neg_msg, in, n);

	uint32_t f = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_NTLM |
		     NTLMSSP_TARGET_TYPE_SERVER | NTLMSSP_NEGOTIATE_TARGET_INFO |
		     NTLMSSP_NEGOTIATE_VERSION;
	f |= cf & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
		   NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_128 |
		   NTLMSSP_NEGOTIATE_56 | NTLMSSP_NEGOTIATE_KEY_EXCH);
	s->chal_flags = f;

	/* Target info: standalone server, so the NetBIOS "domain" is our own
	 * name (as Samba does for a standalone server). */
	struct buf ti;
	buf_init(&ti, 4096);
	const char *dot = strchr(s->dns_name, '.');
	put_av(&ti, MSV_AV_NB_DOMAIN_NAME, s->nb_name);
	put_av(&ti, MSV_AV_NB_COMPUTER_NAME, s->nb_name);
	put_av(&ti, MSV_AV_DNS_DOMAIN_NAME, dot && dot[1] ? dot + 1 : s->dns_name);
	put_av(&ti, MSV_AV_DNS_COMPUTER_NAME, s->dns_name);
	buf_le16(&ti, MSV_AV_TIMESTAMP);
	buf_le16(&ti, 8);
	buf_le64(&ti, nttime_now());
	buf_le32(&ti, 0);   /* MsvAvEOL */

	struct buf name;
	buf_init(&name, 1024);
	buf_put_utf16le(&name, s->nb_name, strlen(s->nb_name));

	struct buf *m = &s->chal_msg;
	const uint32_t hdr = 56;
	buf_reset(m);
	buf_bytes(m, ntlmssp_signature, 8);
	buf_le32(m, NTLM_CHALLENGE);
	buf_le16(m, (uint16_t)name.len);
	buf_le16(m, (uint16_t)name.len);
	buf_le32(m, hdr);
	buf_le32(m, f);
	buf_bytes(m, s->challenge, 8);
	buf_zero(m, 8);
	buf_le16(m, (uint16_t)ti.len);
	buf_le16(m, (uint16_t)ti.len);
	buf_le32(m, hdr + (uint32_t)name.len);
	put_version(m);
	buf_bytes(m, name.p, name.len);
	buf_bytes(m, ti.p, ti.len);
	bool ok = buf_ok(&ti) && buf_ok(&name) && buf_ok(m);
	buf_free(&ti);
	buf_free(&name);
	if (!ok)
		return STATUS_INTERNAL_ERROR;
	buf_bytes(out, m->p, m->len);
	s->state = NTLM_SRV_SENT_CHALLENGE;
	return buf_ok(out) ? STATUS_MORE_PROCESSING_REQUIRED : STATUS_INSUFFICIENT_RESOURCES;
}

struct av_scan {
	uint32_t flags;
	bool has_flags;
};

static bool av_scan_cb(uint16_t id, const uint8_t *val, uint16_t len, void *arg)
{
	struct av_scan *a = arg;
	if (id == MSV_AV_FLAGS) {
		if (len != 4)
			return false;
		a->flags = get_le32(val);
		a->has_flags = true;
	}
	return true;
}

/* UTF-16LE field -> bounded UTF-8 into dst (63 bytes + NUL). */
static bool field_utf8(const struct cur *f, char dst[64])
{
	size_t len;
	char *s = utf16le_to_utf8(f->base, f->len, 63, &len);
	if (!s)
		return false;
	memcpy(dst, s, len + 1);
	free(s);
	return true;
}

static NTSTATUS verify_mic(struct ntlm_server *s, const uint8_t *msg, size_t n)
{
	uint8_t mic[16], *copy;
	if (n < NTLM_AUTH_MIC_OFFSET + 16)
		return STATUS_INVALID_PARAMETER;
	copy = malloc(n);
	if (!copy)
		return STATUS_NO_MEMORY;
	memcpy(copy, msg, n);
	memset(copy + NTLM_AUTH_MIC_OFFSET, 0, 16);
	struct iovec iov[] = {
		{ s->neg_msg.p, s->neg_msg.len },
		{ s->chal_msg.p, s->chal_msg.len },
		{ copy, n },
	};
	int rc = crypto_hmac_md5(s->exported_key, 16, iov, 3, mic);
	free(copy);
	if (rc != 0)
		return STATUS_INTERNAL_ERROR;
	return CRYPTO_memcmp(mic, msg + NTLM_AUTH_MIC_OFFSET, 16) == 0 ? STATUS_SUCCESS
									 : STATUS_LOGON_FAILURE;
}

NTSTATUS ntlm_server_authenticate(struct ntlm_server *s, struct passdb *db, const uint8_t *in,
				  size_t n, struct auth_identity *id)
{
	struct cur c, lm, nt, dom, user, ws, ekey;
	struct ntlm_field f_lm, f_nt, f_dom, f_user, f_ws, f_key;
	uint8_t nt_hash[16], ntowf[16], proof[16], base_key[16];
	NTSTATUS st = STATUS_LOGON_FAILURE;

	memset(id, 0, sizeof(*id));
	if (s->state != NTLM_SRV_SENT_CHALLENGE || n > AUTH_MAX_TOKEN)
		return STATUS_INVALID_PARAMETER;
	s->state = NTLM_SRV_DONE;
	cur_init(&c, in, n);
	if (!check_header(&c, NTLM_AUTHENTICATE))
		return STATUS_INVALID_PARAMETER;
	read_field(&c, &f_lm);
	read_field(&c, &f_nt);
	read_field(&c, &f_dom);
	read_field(&c, &f_user);
	read_field(&c, &f_ws);
	read_field(&c, &f_key);
	uint32_t af = cur_le32(&c);
	if (!cur_ok(&c) || !field_bytes(&c, &f_lm, &lm) || !field_bytes(&c, &f_nt, &nt) ||
	    !field_bytes(&c, &f_dom, &dom) || !field_bytes(&c, &f_user, &user) ||
	    !field_bytes(&c, &f_ws, &ws) || !field_bytes(&c, &f_key, &ekey))
		return STATUS_INVALID_PARAMETER;
	/* We only offered Unicode; names are UTF-16LE (2.2.1.3). */
	if (!field_utf8(&user, id->user) || !field_utf8(&dom, id->domain))
		return STATUS_INVALID_PARAMETER;
	if (ws.len % 2)
		return STATUS_INVALID_PARAMETER;
	uint32_t flags = s->chal_flags & af;
	s->flags = flags;

	/* Anonymous (MS-NLMP 3.2.5.1.2, 3.3.1): an empty NtChallengeResponse
	 * with an empty or Z(1) LmChallengeResponse is an anonymous logon,
	 * whatever user name came with it (smbclient -N sends its Unix
	 * login name).  No password was proven: the name is dropped. */
	if (nt.len == 0 && (lm.len == 0 || (lm.len == 1 && lm.base[0] == 0))) {
		id->anonymous = true;
		id->user[0] = 0;
		id->domain[0] = 0;
		/* A client that did not say NTLMSSP_ANONYMOUS believes it
		 * logged on as the user it named, with a key. */
		if (!(af & NTLMSSP_ANONYMOUS) && (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) &&
		    ekey.len == 16) {
			static const uint8_t zero_key[16];
			if (crypto_rc4(zero_key, 16, ekey.base, 16, id->session_key) != 0)
				return STATUS_INTERNAL_ERROR;
			id->anonymous_key = true;
		}
		return STATUS_SUCCESS;
	}
	if (id->user[0] == 0)
		return STATUS_LOGON_FAILURE;
	if (nt.len == 24 || nt.len == 0)
		return STATUS_LOGON_FAILURE;   /* NTLMv1 or LM only: refused */
	if (nt.len < 16 + NTLM_CLIENT_CHALLENGE_HDR)
		return STATUS_INVALID_PARAMETER;

	const uint8_t *temp = nt.base + 16;
	size_t temp_len = nt.len - 16;
	struct av_scan av = { 0 };
	if (!ntlm_av_walk(temp + NTLM_CLIENT_CHALLENGE_HDR, temp_len - NTLM_CLIENT_CHALLENGE_HDR,
			  av_scan_cb, &av))
		return STATUS_INVALID_PARAMETER;
	if ((flags & NTLMSSP_NEGOTIATE_KEY_EXCH) && ekey.len != 16)
		return STATUS_INVALID_PARAMETER;

	if (!passdb_lookup(db, id->user, nt_hash)) {
		/* Unknown user: mapped to guest, without a session key. */
		id->guest = true;
		return STATUS_SUCCESS;
	}

	/* Clients differ in the domain they hash: try what was sent, then
	 * the empty domain. */
	bool match = false;
	for (int pass = 0; pass < 2 && !match; pass++) {
		if (pass == 1 && dom.len == 0)
			break;
		if (ntlm_ntowfv2(nt_hash, id->user, pass ? NULL : dom.base, pass ? 0 : dom.len, ntowf) ||
		    ntlm_proof(ntowf, s->challenge, temp, temp_len, proof)) {
			st = STATUS_INTERNAL_ERROR;
			goto out;
		}
		match = CRYPTO_memcmp(proof, nt.base, 16) == 0;
	}
	if (!match)
		goto out;

	/* SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr); for NTLMv2 the
	 * KeyExchangeKey is the SessionBaseKey (3.4.5.1). */
	struct iovec iov = { proof, 16 };
	if (crypto_hmac_md5(ntowf, 16, &iov, 1, base_key) != 0) {
		st = STATUS_INTERNAL_ERROR;
		goto out;
	}
	if (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
		if (crypto_rc4(base_key, 16, ekey.base, 16, s->exported_key) != 0) {
			st = STATUS_INTERNAL_ERROR;
			goto out;
		}
	} else {
		memcpy(s->exported_key, base_key, 16);
	}
	if (av.has_flags && (av.flags & MSV_AV_FLAG_MIC_PRESENT)) {
		st = verify_mic(s, in, n);
		if (st != STATUS_SUCCESS)
			goto out;
	}
	memcpy(id->session_key, s->exported_key, 16);
	id->has_session_key = true;
	s->has_key = true;
	st = STATUS_SUCCESS;
out:
	OPENSSL_cleanse(nt_hash, sizeof(nt_hash));
	OPENSSL_cleanse(ntowf, sizeof(ntowf));
	OPENSSL_cleanse(base_key, sizeof(base_key));
	if (st != STATUS_SUCCESS)
		OPENSSL_cleanse(s->exported_key, sizeof(s->exported_key));
	return st;
}
