/* libFuzzer: the SMB2 TRANSFORM_HEADER decoder and SMB3 decryption
 * (MS-SMB2 2.2.41, 3.3.5.2.1) with a fixed key.
 *
 * The input is a transform message: 52-byte header, then cipher text.
 * Bits 0..1 of its last nonce byte (never part of a CCM or GCM nonce)
 * pick the cipher.  A forged message must always be refused; then the
 * same bytes are sealed for real and must open again, and a flipped byte
 * must make them fail, so both outcomes of every path are reached. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "proto/transform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t KEY[32] = { 0x42, 0x13, 0x37, 0x99, 0x01, 0x02, 0x03, 0x04,
				 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
				 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14,
				 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smb2_transform_hdr h, h2;
	struct cur c;
	struct buf b;

	cur_init(&c, data, size);
	if (smb2_decode_transform_hdr(&c, &h) != 0)
		return 0;

	/* The header round-trips (Reserved aside). */
	buf_init(&b, 64);
	smb2_encode_transform_hdr(&b, &h);
	cur_init(&c, b.p, b.len);
	if (!buf_ok(&b) || smb2_decode_transform_hdr(&c, &h2) != 0 || !cur_end(&c) ||
	    memcmp(&h.signature, &h2.signature, 16) || memcmp(&h.nonce, &h2.nonce, 16) ||
	    h.original_size != h2.original_size || h.flags != h2.flags ||
	    h.session_id != h2.session_id)
		__builtin_trap();
	buf_free(&b);

	enum crypto_cipher ciph = (enum crypto_cipher)(1 + (h.nonce[15] & 3));
	size_t n = size - SMB2_TRANSFORM_HDR_SIZE;
	/* Exactly-sized copies so ASan sees any over-read or over-write. */
	uint8_t *hdr = malloc(SMB2_TRANSFORM_HDR_SIZE);
	uint8_t *ct = malloc(n ? n : 1), *out = malloc(n ? n : 1);
	if (!hdr || !ct || !out)
		goto done;
	memcpy(hdr, data, SMB2_TRANSFORM_HDR_SIZE);
	memcpy(ct, data + SMB2_TRANSFORM_HDR_SIZE, n);

	/* Nobody forges a 128-bit tag by mutation: any success here is a bug
	 * (unless the input is a seed sealed under KEY, which the corpus
	 * does not hold). */
	if (crypto_smb2_decrypt(ciph, KEY, hdr, ct, n, out) == 0) {
		/* possible only for a sealed seed: then it must re-seal alike */
		uint8_t tag[16];
		memcpy(tag, hdr + 4, 16);
		struct iovec iov = { out, n };
		if (crypto_smb2_encrypt(ciph, KEY, hdr, &iov, 1, ct) != 0 ||
		    memcmp(tag, hdr + 4, 16) || memcmp(ct, data + SMB2_TRANSFORM_HDR_SIZE, n))
			__builtin_trap();
		goto done;
	}

	/* Seal the bytes for real under the same header fields. */
	put_le32(hdr + 36, (uint32_t)n);
	hdr[42] = 1;
	hdr[43] = 0;
	struct iovec iov[2] = { { (void *)(data + SMB2_TRANSFORM_HDR_SIZE), n / 3 },
				{ (void *)(data + SMB2_TRANSFORM_HDR_SIZE + n / 3), n - n / 3 } };
	int r = crypto_smb2_encrypt(ciph, KEY, hdr, iov, 2, ct);
	if (n == 0 || n > CRYPTO_SMB2_MAX_MSG) {
		if (r != -1)
			__builtin_trap();
		goto done;
	}
	if (r != 0 || crypto_smb2_decrypt(ciph, KEY, hdr, ct, n, out) != 0 ||
	    memcmp(out, data + SMB2_TRANSFORM_HDR_SIZE, n))
		__builtin_trap();
	/* One flipped bit, chosen by the data, anywhere in AAD, tag or text. */
	size_t span = 48 + n, at = (h.session_id ^ h.original_size) % span;
	uint8_t *p = at < 48 ? hdr + 4 + at : ct + (at - 48);
	*p ^= (uint8_t)(1u << (h.nonce[14] & 7));
	if (crypto_smb2_decrypt(ciph, KEY, hdr, ct, n, out) != -1)
		__builtin_trap();
done:
	free(hdr);
	free(ct);
	free(out);
	return 0;
}
