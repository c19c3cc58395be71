/* SMB2 message signing (MS-SMB2 3.1.4.1) and verification. */
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

#include <openssl/crypto.h>
#include <string.h>

#include "common/buf.h"

#define SMB2_HDR_LEN 64
#define SMB2_SIG_OFF 48
#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define SMB2_CANCEL 0x000C

static int compute_mac(enum crypto_sign_alg alg, const uint8_t key[16], const struct iovec *iov,
		       int iovcnt, uint8_t mac[16])
{
	const uint8_t *hdr = iov[0].iov_base;
	switch (alg) {
	case CRYPTO_SIGN_HMAC_SHA256: {
		uint8_t full[32];
		int rc = crypto_hmac_sha256(key, 16, iov, iovcnt, full);
		memcpy(mac, full, 16);
		OPENSSL_cleanse(full, sizeof(full));
		return rc;
	}
	case CRYPTO_SIGN_AES_CMAC:
		return crypto_cmac_aes128(key, iov, iovcnt, mac);
	case CRYPTO_SIGN_AES_GMAC: {
		/* Nonce: MessageId, then 4 bytes whose least significant bit is
		 * set when the server sends, and the next bit for a CANCEL
		 * request (MS-SMB2 3.1.4.1). */
		uint8_t nonce[12];
		uint32_t flags = get_le32(hdr + 16);
		uint16_t command = get_le16(hdr + 12);
		bool response = flags & SMB2_FLAGS_SERVER_TO_REDIR;
		uint32_t role = (response ? 1u : 0u) | (!response && command == SMB2_CANCEL ? 2u : 0u);
		memcpy(nonce, hdr + 24, 8);
		put_le32(nonce + 8, role);
		return crypto_gmac_aes128(key, nonce, iov, iovcnt, mac);
	}
	}
	return -1;
}

int crypto_smb2_sign(enum crypto_sign_alg alg, const uint8_t key[16], struct iovec *iov, int iovcnt)
{
	if (iovcnt < 1 || iov[0].iov_len < SMB2_HDR_LEN)
		return -1;
	uint8_t *sig = (uint8_t *)iov[0].iov_base + SMB2_SIG_OFF;
	uint8_t mac[16];
	memset(sig, 0, 16);
	if (compute_mac(alg, key, iov, iovcnt, mac) != 0)
		return -1;
	memcpy(sig, mac, 16);
	return 0;
}

bool crypto_smb2_verify(enum crypto_sign_alg alg, const uint8_t key[16], struct iovec *iov, int iovcnt)
{
	if (iovcnt < 1 || iov[0].iov_len < SMB2_HDR_LEN)
		return false;
	uint8_t *sig = (uint8_t *)iov[0].iov_base + SMB2_SIG_OFF;
	uint8_t got[16], mac[16];
	memcpy(got, sig, 16);
	memset(sig, 0, 16);
	int rc = compute_mac(alg, key, iov, iovcnt, mac);
	memcpy(sig, got, 16);
	return rc == 0 && CRYPTO_memcmp(mac, got, 16) == 0;
}
