/* SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41): the 52-byte header in front of
 * an encrypted message.  Only the codec lives here; encryption itself is
 * crypto_smb2_encrypt/decrypt in crypto/crypto.h, which authenticates
 * bytes 20..51 of this header as AAD. */
#ifndef DAX_TRANSFORM_H
#define DAX_TRANSFORM_H

#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "proto/smb2.h"

#define SMB2_TRANSFORM_HDR_SIZE 52
/* Offsets inside the header (from the ProtocolId). */
#define SMB2_TRANSFORM_SIG_OFF 4
#define SMB2_TRANSFORM_NONCE_OFF 20
#define SMB2_TRANSFORM_AAD_OFF 20
#define SMB2_TRANSFORM_AAD_LEN 32
/* Flags (3.x: EncryptionAlgorithm): the only defined value. */
#define SMB2_TRANSFORM_FLAG_ENCRYPTED 0x0001

struct smb2_transform_hdr {
	uint8_t signature[16];   /* the AEAD tag */
	uint8_t nonce[16];       /* CCM uses 11 bytes, GCM 12; the rest is still AAD */
	uint32_t original_size;  /* OriginalMessageSize: plaintext length */
	uint16_t flags;          /* Flags/EncryptionAlgorithm */
	uint64_t session_id;
};

/* Reads one transform header at the cursor (the Reserved field is
 * ignored).  Returns 0, or -1 if fewer than 52 bytes remain or the
 * ProtocolId is not 0xFD 'S' 'M' 'B'.  Flags and sizes are the caller's
 * to check (MS-SMB2 3.3.5.2.1). */
int smb2_decode_transform_hdr(struct cur *c, struct smb2_transform_hdr *h);
/* Appends the 52-byte header (Reserved = 0). */
void smb2_encode_transform_hdr(struct buf *b, const struct smb2_transform_hdr *h);

#endif
