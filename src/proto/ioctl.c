/* IOCTL request and response and FSCTL_VALIDATE_NEGOTIATE_INFO
 * (MS-SMB2 2.2.31, 2.2.31.4, 2.2.32, 2.2.32.6). */
#include "proto/proto_int.h"
#include "proto/smb2.h"

#define IOCTL_REQ_FIXED 56
#define IOCTL_RESP_FIXED 48
#define VNEG_REQ_FIXED 24
#define VNEG_RESP_SIZE 24


int smb2_decode_ioctl_req(struct cur *c, struct smb2_ioctl_req *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	cur_skip(c, 2);
	r->ctl_code = cur_le32(c);
	r->file_id.persistent = cur_le64(c);
	r->file_id.volatile_ = cur_le64(c);
	uint32_t in_off = cur_le32(c);
	r->input_count = cur_le32(c);
	r->max_input_response = cur_le32(c);
	uint32_t out_off = cur_le32(c);
	uint32_t out_count = cur_le32(c);
	r->max_output_response = cur_le32(c);
	r->flags = cur_le32(c);
	cur_skip(c, 4);
	if (!cur_ok(c) || size != IOCTL_REQ_FIXED + 1)
		return -1;
	size_t min_off = body + IOCTL_REQ_FIXED;
	const uint8_t *out;
	/* A request's output buffer is unused but must not lie either. */
	if (body_var(c, min_off, out_off, out_count, &out))
		return -1;
	return body_var(c, min_off, in_off, r->input_count, &r->input);
}

void smb2_encode_ioctl_req(struct buf *b, size_t hdr_off, const struct smb2_ioctl_req *r)
{
	size_t body = b->len;

	buf_le16(b, IOCTL_REQ_FIXED + 1);
	buf_le16(b, 0);
	buf_le32(b, r->ctl_code);
	buf_le64(b, r->file_id.persistent);
	buf_le64(b, r->file_id.volatile_);
	buf_le32(b, (uint32_t)(body + IOCTL_REQ_FIXED - hdr_off)); /* InputOffset */
	buf_le32(b, r->input_count);
	buf_le32(b, r->max_input_response);
	buf_le32(b, 0); /* OutputOffset */
	buf_le32(b, 0); /* OutputCount */
	buf_le32(b, r->max_output_response);
	buf_le32(b, r->flags);
	buf_le32(b, 0);
	if (r->input_count)
		buf_bytes(b, r->input, r->input_count);
	else
		buf_u8(b, 0);
}

int smb2_decode_ioctl_resp(struct cur *c, struct smb2_ioctl_resp *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	cur_skip(c, 2);
	r->ctl_code = cur_le32(c);
	r->file_id.persistent = cur_le64(c);
	r->file_id.volatile_ = cur_le64(c);
	uint32_t in_off = cur_le32(c);
	uint32_t in_count = cur_le32(c);
	uint32_t out_off = cur_le32(c);
	r->output_count = cur_le32(c);
	r->flags = cur_le32(c);
	cur_skip(c, 4);
	if (!cur_ok(c) || size != IOCTL_RESP_FIXED + 1)
		return -1;
	size_t min_off = body + IOCTL_RESP_FIXED;
	const uint8_t *in;
	if (body_var(c, min_off, in_off, in_count, &in))
		return -1;
	return body_var(c, min_off, out_off, r->output_count, &r->output);
}

void smb2_encode_ioctl_resp(struct buf *b, size_t hdr_off, const struct smb2_ioctl_resp *r)
{
	buf_le16(b, IOCTL_RESP_FIXED + 1);
	buf_le16(b, 0);
	buf_le32(b, r->ctl_code);
	buf_le64(b, r->file_id.persistent);
	buf_le64(b, r->file_id.volatile_);
	buf_le32(b, 0); /* InputOffset */
	buf_le32(b, 0); /* InputCount */
	size_t out_field = b->len;
	buf_le32(b, 0); /* OutputOffset, patched */
	buf_le32(b, r->output_count);
	buf_le32(b, r->flags);
	buf_le32(b, 0);
	buf_align(b, hdr_off, 8);
	buf_set_le32(b, out_field, (uint32_t)(b->len - hdr_off));
	if (r->output_count)
		buf_bytes(b, r->output, r->output_count);
	else
		buf_u8(b, 0);
}

/* 2.2.31.4: Capabilities, Guid, SecurityMode, DialectCount, Dialects. */
int smb2_decode_validate_negotiate_req(const uint8_t *p, size_t n, struct smb2_validate_negotiate_req *r)
{
	struct cur c;

	cur_init(&c, p, n);
	r->capabilities = cur_le32(&c);
	cur_bytes(&c, r->guid, sizeof(r->guid));
	r->security_mode = cur_le16(&c);
	r->dialect_count = cur_le16(&c);
	if (!cur_ok(&c) || r->dialect_count == 0 || r->dialect_count > SMB2_MAX_DIALECTS)
		return -1;
	for (uint16_t i = 0; i < r->dialect_count; i++)
		r->dialects[i] = cur_le16(&c);
	return cur_ok(&c) ? 0 : -1;
}

void smb2_encode_validate_negotiate_req(struct buf *b, const struct smb2_validate_negotiate_req *r)
{
	uint16_t n = r->dialect_count > SMB2_MAX_DIALECTS ? SMB2_MAX_DIALECTS : r->dialect_count;

	buf_le32(b, r->capabilities);
	buf_bytes(b, r->guid, sizeof(r->guid));
	buf_le16(b, r->security_mode);
	buf_le16(b, n);
	for (uint16_t i = 0; i < n; i++)
		buf_le16(b, r->dialects[i]);
}

int smb2_decode_validate_negotiate_resp(const uint8_t *p, size_t n, struct smb2_validate_negotiate_resp *r)
{
	struct cur c;

	cur_init(&c, p, n);
	r->capabilities = cur_le32(&c);
	cur_bytes(&c, r->guid, sizeof(r->guid));
	r->security_mode = cur_le16(&c);
	r->dialect = cur_le16(&c);
	return cur_ok(&c) ? 0 : -1;
}

void smb2_encode_validate_negotiate_resp(struct buf *b, const struct smb2_validate_negotiate_resp *r)
{
	buf_le32(b, r->capabilities);
	buf_bytes(b, r->guid, sizeof(r->guid));
	buf_le16(b, r->security_mode);
	buf_le16(b, r->dialect);
}
