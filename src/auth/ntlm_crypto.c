/* NTLM computations shared by server and client (MS-NLMP 3.3.2, 3.4.4,
 * 3.4.5) and the NT hash. */
#include "auth/auth_int.h"

#include <openssl/crypto.h>
#include <string.h>

#include "common/utf16.h"
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

const uint8_t ntlmssp_signature[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

int ntlm_nt_hash(const char *password, uint8_t out[16])
{
	struct buf u;
	int rc = -1;
	if (!password || crypto_init() != 0)
		return -1;
	buf_init(&u, 4096);
	if (buf_put_utf16le(&u, password, strlen(password)) && buf_ok(&u))
		rc = crypto_md4(u.p ? u.p : (const uint8_t *)"", u.len, out);
	if (u.p)
		OPENSSL_cleanse(u.p, u.cap);
	buf_free(&u);
	return rc;
}

int ntlm_ntowfv2(const uint8_t nt_hash[16], const char *user, const uint8_t *domain_u16,
		 size_t domain_len, uint8_t out[16])
{
	/* UPPER(User) in UTF-16LE, then the domain as the client sent it. */
	struct buf u;
	const char *s = user, *end = user + strlen(user);
	int rc = -1;
	buf_init(&u, 4096);
	while (s < end) {
		uint32_t c = utf8_next(&s, end);
		if (c == 0xFFFFFFFFu)
			goto out;
		c = unicode_toupper(c);
		if (c >= 0x10000) {
			c -= 0x10000;
			buf_le16(&u, (uint16_t)(0xD800 + (c >> 10)));
			buf_le16(&u, (uint16_t)(0xDC00 + (c & 0x3FF)));
		} else {
			buf_le16(&u, (uint16_t)c);
		}
	}
	if (!buf_ok(&u))
		goto out;
	struct iovec iov[] = { { u.p, u.len }, { (void *)domain_u16, domain_len } };
	rc = crypto_hmac_md5(nt_hash, 16, iov, 2, out);
out:
	buf_free(&u);
	return rc;
}

int ntlm_proof(const uint8_t ntowf[16], const uint8_t server_challenge[8], const uint8_t *temp,
	       size_t temp_len, uint8_t out[16])
{
	struct iovec iov[] = { { (void *)server_challenge, 8 }, { (void *)temp, temp_len } };
	return crypto_hmac_md5(ntowf, 16, iov, 2, out);
}

/* MS-NLMP 3.4.5.2 SIGNKEY and 3.4.5.3 SEALKEY, extended session security. */
static int direction_keys(const uint8_t exported[16], uint32_t flags, bool c2s, uint8_t sign[16],
			  uint8_t seal[16])
{
	static const char sign_c2s[] = "session key to client-to-server signing key magic constant";
	static const char sign_s2c[] = "session key to server-to-client signing key magic constant";
	static const char seal_c2s[] = "session key to client-to-server sealing key magic constant";
	static const char seal_s2c[] = "session key to server-to-client sealing key magic constant";
	/* The constants are hashed with their terminating NUL. */
	struct iovec s[] = { { (void *)exported, 16 },
			     { (void *)(c2s ? sign_c2s : sign_s2c), sizeof(sign_c2s) } };
	size_t seal_len = flags & NTLMSSP_NEGOTIATE_128 ? 16 : flags & NTLMSSP_NEGOTIATE_56 ? 7 : 5;
	struct iovec z[] = { { (void *)exported, seal_len },
			     { (void *)(c2s ? seal_c2s : seal_s2c), sizeof(seal_c2s) } };
	if (crypto_md5(s, 2, sign) != 0 || crypto_md5(z, 2, seal) != 0)
		return -1;
	return 0;
}

int ntlm_sign(const uint8_t exported_key[16], uint32_t flags, bool client_to_server, uint32_t seq,
	      const uint8_t *msg, size_t n, uint8_t sig[16])
{
	uint8_t sign_key[16], seal_key[16], mac[16], seq_le[4];
	int rc = -1;
	if (direction_keys(exported_key, flags, client_to_server, sign_key, seal_key) != 0)
		goto out;
	put_le32(seq_le, seq);
	struct iovec iov[] = { { seq_le, 4 }, { (void *)msg, n } };
	if (crypto_hmac_md5(sign_key, 16, iov, 2, mac) != 0)
		goto out;
	/* With KEY_EXCH the checksum is sealed with the direction's RC4
	 * handle; here each handle signs exactly one message (the SPNEGO
	 * mechListMIC), so a fresh key stream is the handle's state. */
	if ((flags & NTLMSSP_NEGOTIATE_KEY_EXCH) && crypto_rc4(seal_key, 16, mac, 8, mac) != 0)
		goto out;
	put_le32(sig, 1);
	memcpy(sig + 4, mac, 8);
	put_le32(sig + 12, seq);
	rc = 0;
out:
	OPENSSL_cleanse(sign_key, sizeof(sign_key));
	OPENSSL_cleanse(seal_key, sizeof(seal_key));
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}

bool ntlm_av_walk(const uint8_t *p, size_t n,
		  bool (*cb)(uint16_t id, const uint8_t *val, uint16_t len, void *arg), void *arg)
{
	struct cur c;
	cur_init(&c, p, n);
	for (;;) {
		uint16_t id = cur_le16(&c);
		uint16_t len = cur_le16(&c);
		const uint8_t *val = cur_take(&c, len);
		if (!cur_ok(&c))
			return false;
		if (id == MSV_AV_EOL)
			return true;
		if (cb && !cb(id, val, len, arg))
			return false;
	}
}
