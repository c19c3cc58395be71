/* SMB2 TRANSFORM_HEADER codec (MS-SMB2 2.2.41). */
#include "proto/transform.h"

int smb2_decode_transform_hdr(struct cur *c, struct smb2_transform_hdr *h)
{
	uint32_t proto = cur_le32(c);

	cur_bytes(c, h->signature, sizeof(h->signature));
	cur_bytes(c, h->nonce, sizeof(h->nonce));
	h->original_size = cur_le32(c);
	cur_skip(c, 2); /* Reserved */
	h->flags = cur_le16(c);
	h->session_id = cur_le64(c);
	if (!cur_ok(c) || proto != SMB2_TRANSFORM_ID)
		return -1;
	return 0;
}

void smb2_encode_transform_hdr(struct buf *b, const struct smb2_transform_hdr *h)
{
	buf_le32(b, SMB2_TRANSFORM_ID);
	buf_bytes(b, h->signature, sizeof(h->signature));
	buf_bytes(b, h->nonce, sizeof(h->nonce));
	buf_le32(b, h->original_size);
	buf_le16(b, 0);
	buf_le16(b, h->flags);
	buf_le64(b, h->session_id);
}
