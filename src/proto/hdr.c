/* SMB2 header, compound splitting, and the bodies shared by several
 * commands: the error response and the StructureSize-4 "empty" body
 * (MS-SMB2 2.2.1, 2.2.2, 2.2.7, 2.2.8, 2.2.10, 2.2.28). */
#include "proto/smb2.h"

/* MS-SMB2 2.2.1.1 / 2.2.1.2: one 64-byte header, sync or async form. */
int smb2_decode_hdr(struct cur *c, struct smb2_hdr *h)
{
	uint32_t proto = cur_le32(c);
	uint16_t size = cur_le16(c);

	h->credit_charge = cur_le16(c);
	h->status = cur_le32(c);
	h->command = cur_le16(c);
	h->credits = cur_le16(c);
	h->flags = cur_le32(c);
	h->next_command = cur_le32(c);
	h->message_id = cur_le64(c);
	if (h->flags & SMB2_FLAGS_ASYNC_COMMAND) {
		h->async_id = cur_le64(c);
		h->process_id = 0;
		h->tree_id = 0;
	} else {
		h->async_id = 0;
		h->process_id = cur_le32(c);
		h->tree_id = cur_le32(c);
	}
	h->session_id = cur_le64(c);
	cur_bytes(c, h->signature, sizeof(h->signature));
	if (!cur_ok(c) || proto != SMB2_PROTO_ID || size != SMB2_HDR_SIZE)
		return -1;
	return 0;
}

void smb2_encode_hdr(struct buf *b, const struct smb2_hdr *h)
{
	buf_le32(b, SMB2_PROTO_ID);
	buf_le16(b, SMB2_HDR_SIZE);
	buf_le16(b, h->credit_charge);
	buf_le32(b, h->status);
	buf_le16(b, h->command);
	buf_le16(b, h->credits);
	buf_le32(b, h->flags);
	buf_le32(b, h->next_command);
	buf_le64(b, h->message_id);
	if (h->flags & SMB2_FLAGS_ASYNC_COMMAND) {
		buf_le64(b, h->async_id);
	} else {
		buf_le32(b, h->process_id);
		buf_le32(b, h->tree_id);
	}
	buf_le64(b, h->session_id);
	buf_bytes(b, h->signature, sizeof(h->signature));
}

/* MS-SMB2 3.3.5.2.7: NextCommand is the offset of the next header from
 * this one, 8-aligned; 0 marks the last message, which runs to the end of
 * the frame.  A NextCommand that leaves no room for a whole next header
 * is refused too, so the loop always ends and every message holds at
 * least a header. */
int smb2_next_message(const uint8_t *frame, size_t frame_len, size_t *pos, size_t *off,
		      size_t *len)
{
	size_t p = *pos;

	if (p > frame_len)
		return -1;
	if (p == frame_len && p != 0)
		return 0;
	if (frame_len - p < SMB2_HDR_SIZE)
		return -1;

	struct cur c;
	cur_init(&c, frame + p, frame_len - p);
	cur_seek(&c, 20); /* NextCommand */
	uint32_t next = cur_le32(&c);
	if (!cur_ok(&c))
		return -1;

	size_t left = frame_len - p;
	if (next == 0) {
		*off = p;
		*len = left;
		*pos = frame_len;
		return 1;
	}
	if (next % 8 || next < SMB2_HDR_SIZE || next > left || left - next < SMB2_HDR_SIZE)
		return -1;
	*off = p;
	*len = next;
	*pos = p + next;
	return 1;
}

/* MS-SMB2 2.2.2: StructureSize 9; ErrorData has at least one byte. */
void smb2_encode_error_resp(struct buf *b, const uint8_t *data, uint32_t data_len)
{
	buf_le16(b, 9);
	buf_u8(b, 0); /* ErrorContextCount */
	buf_u8(b, 0); /* Reserved */
	buf_le32(b, data_len);
	if (data_len)
		buf_bytes(b, data, data_len);
	else
		buf_u8(b, 0);
}

int smb2_decode_empty4(struct cur *c)
{
	uint16_t size = cur_le16(c);
	cur_skip(c, 2); /* Reserved */
	return cur_ok(c) && size == 4 ? 0 : -1;
}

void smb2_encode_empty4(struct buf *b)
{
	buf_le16(b, 4);
	buf_le16(b, 0);
}
