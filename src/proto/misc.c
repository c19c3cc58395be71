/* CHANGE_NOTIFY request and the oplock break notification, acknowledgment
 * and response (MS-SMB2 2.2.35, 2.2.23.1, 2.2.24.1, 2.2.25.1).  The
 * CHANGE_NOTIFY response is the output response in info.c. */
#include "proto/smb2.h"

#define NOTIFY_REQ_SIZE 32
#define OPLOCK_BREAK_SIZE 24

int smb2_decode_change_notify_req(struct cur *c, struct smb2_change_notify_req *r)
{
	uint16_t size = cur_le16(c);

	r->flags = cur_le16(c);
	r->output_buffer_length = cur_le32(c);
	r->file_id.persistent = cur_le64(c);
	r->file_id.volatile_ = cur_le64(c);
	r->completion_filter = cur_le32(c);
	cur_skip(c, 4);
	return cur_ok(c) && size == NOTIFY_REQ_SIZE ? 0 : -1;
}

void smb2_encode_change_notify_req(struct buf *b, const struct smb2_change_notify_req *r)
{
	buf_le16(b, NOTIFY_REQ_SIZE);
	buf_le16(b, r->flags);
	buf_le32(b, r->output_buffer_length);
	buf_le64(b, r->file_id.persistent);
	buf_le64(b, r->file_id.volatile_);
	buf_le32(b, r->completion_filter);
	buf_le32(b, 0);
}

/* The three oplock break bodies share one layout: StructureSize 24,
 * OplockLevel, Reserved(1), Reserved2(4), FileId.  Lease breaks (sizes 44
 * and 36) are a different body and are refused here. */
int smb2_decode_oplock_break(struct cur *c, struct smb2_oplock_break *r)
{
	uint16_t size = cur_le16(c);

	r->oplock_level = cur_u8(c);
	cur_skip(c, 1 + 4);
	r->file_id.persistent = cur_le64(c);
	r->file_id.volatile_ = cur_le64(c);
	return cur_ok(c) && size == OPLOCK_BREAK_SIZE ? 0 : -1;
}

void smb2_encode_oplock_break(struct buf *b, const struct smb2_oplock_break *r)
{
	buf_le16(b, OPLOCK_BREAK_SIZE);
	buf_u8(b, r->oplock_level);
	buf_u8(b, 0);
	buf_le32(b, 0);
	buf_le64(b, r->file_id.persistent);
	buf_le64(b, r->file_id.volatile_);
}
