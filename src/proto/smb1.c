/* Recognising an SMB1 NEGOTIATE that offers SMB2, so the server can answer
 * with an SMB2 NEGOTIATE response (MS-SMB2 3.3.5.3, MS-CIFS 2.2.4.52.1). */
#include <string.h>

#include "proto/smb2.h"

#define SMB1_HDR_SIZE 32
#define SMB1_COM_NEGOTIATE 0x72
#define SMB1_DIALECT_FORMAT 0x02

int smb1_negotiate_wants_smb2(const uint8_t *msg, size_t n, int *wildcard)
{
	struct cur c;

	*wildcard = 0;
	cur_init(&c, msg, n);
	uint32_t proto = cur_le32(&c);
	uint8_t cmd = cur_u8(&c);
	if (!cur_ok(&c) || proto != SMB1_PROTO_ID || n < SMB1_HDR_SIZE)
		return -1;
	if (cmd != SMB1_COM_NEGOTIATE)
		return 0;
	cur_seek(&c, SMB1_HDR_SIZE);
	uint8_t words = cur_u8(&c);
	uint16_t nbytes = cur_le16(&c);
	if (!cur_ok(&c) || words != 0)
		return -1;
	/* The dialect strings: exactly ByteCount bytes, inside the message. */
	const uint8_t *bytes = cur_take(&c, nbytes);
	if (!bytes)
		return -1;

	struct cur d;
	bool smb2 = false, wild = false;
	cur_init(&d, bytes, nbytes);
	while (cur_left(&d)) {
		if (cur_u8(&d) != SMB1_DIALECT_FORMAT)
			return -1;
		const uint8_t *s = d.base + d.pos;
		const uint8_t *nul = memchr(s, 0, cur_left(&d));
		if (!nul)
			return -1;
		size_t len = (size_t)(nul - s);
		cur_skip(&d, len + 1);
		if (len == 9 && !memcmp(s, "SMB 2.002", 9))
			smb2 = true;
		else if (len == 9 && !memcmp(s, "SMB 2.???", 9))
			wild = true;
	}
	if (!cur_ok(&d))
		return -1;
	if (wild) {
		*wildcard = 1;
		return 1;
	}
	return smb2 ? 1 : 0;
}
