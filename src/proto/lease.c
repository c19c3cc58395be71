/* Lease create contexts and the lease break notification, acknowledgment
 * and response (MS-SMB2 2.2.13.2.8, 2.2.13.2.10, 2.2.14.2.10, 2.2.14.2.11,
 * 2.2.23.2, 2.2.24.2, 2.2.25.2). */
#include <string.h>

#include "proto/smb2.h"

#define LEASE_NOTIFY_SIZE 44
#define LEASE_ACK_SIZE 36

int smb2_decode_lease_ctx(const uint8_t *p, size_t n, struct smb2_lease *out)
{
	struct cur c;

	if (n != SMB2_LEASE_V1_SIZE && n != SMB2_LEASE_V2_SIZE)
		return -1;
	memset(out, 0, sizeof(*out));
	cur_init(&c, p, n);
	out->version = n == SMB2_LEASE_V2_SIZE ? 2 : 1;
	cur_bytes(&c, out->key, 16);
	out->state = cur_le32(&c);
	out->flags = cur_le32(&c);
	out->duration = cur_le64(&c);
	if (out->version == 2) {
		cur_bytes(&c, out->parent_key, 16);
		out->epoch = cur_le16(&c);
		cur_skip(&c, 2);
	}
	return cur_ok(&c) && cur_end(&c) ? 0 : -1;
}

void smb2_encode_lease_ctx(struct buf *b, const struct smb2_lease *in)
{
	buf_bytes(b, in->key, 16);
	buf_le32(b, in->state);
	buf_le32(b, in->flags);
	buf_le64(b, in->duration);
	if (in->version == 2) {
		buf_bytes(b, in->parent_key, 16);
		buf_le16(b, in->epoch);
		buf_le16(b, 0);
	}
}

int smb2_decode_lease_break_notify(struct cur *c, struct smb2_lease_break_notify *r)
{
	uint16_t size = cur_le16(c);

	r->new_epoch = cur_le16(c);
	r->flags = cur_le32(c);
	cur_bytes(c, r->key, 16);
	r->current_state = cur_le32(c);
	r->new_state = cur_le32(c);
	r->break_reason = cur_le32(c);
	r->access_mask_hint = cur_le32(c);
	r->share_mask_hint = cur_le32(c);
	return cur_ok(c) && size == LEASE_NOTIFY_SIZE ? 0 : -1;
}

void smb2_encode_lease_break_notify(struct buf *b, const struct smb2_lease_break_notify *r)
{
	buf_le16(b, LEASE_NOTIFY_SIZE);
	buf_le16(b, r->new_epoch);
	buf_le32(b, r->flags);
	buf_bytes(b, r->key, 16);
	buf_le32(b, r->current_state);
	buf_le32(b, r->new_state);
	buf_le32(b, r->break_reason);
	buf_le32(b, r->access_mask_hint);
	buf_le32(b, r->share_mask_hint);
}

int smb2_decode_lease_break_ack(struct cur *c, struct smb2_lease_break_ack *r)
{
	uint16_t size = cur_le16(c);

	cur_skip(c, 2);
	r->flags = cur_le32(c);
	cur_bytes(c, r->key, 16);
	r->state = cur_le32(c);
	r->duration = cur_le64(c);
	return cur_ok(c) && size == LEASE_ACK_SIZE ? 0 : -1;
}

void smb2_encode_lease_break_ack(struct buf *b, const struct smb2_lease_break_ack *r)
{
	buf_le16(b, LEASE_ACK_SIZE);
	buf_le16(b, 0);
	buf_le32(b, r->flags);
	buf_bytes(b, r->key, 16);
	buf_le32(b, r->state);
	buf_le64(b, r->duration);
}

uint16_t smb2_break_body_size(const struct cur *c)
{
	if (c->err || c->len - c->pos < 2)
		return 0;
	return get_le16(c->base + c->pos);
}
