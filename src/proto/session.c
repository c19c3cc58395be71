/* SESSION_SETUP request and response (MS-SMB2 2.2.5, 2.2.6).  LOGOFF uses
 * the empty4 body in hdr.c. */
#include "proto/proto_int.h"
#include "proto/smb2.h"

#define SESS_REQ_FIXED 24
#define SESS_RESP_FIXED 8

/* See negotiate.c: an empty field is fine, otherwise after the fixed
 * part and inside the message, checked once in 64-bit. */

int smb2_decode_session_setup_req(struct cur *c, struct smb2_session_setup_req *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	r->flags = cur_u8(c);
	r->security_mode = cur_u8(c);
	r->capabilities = cur_le32(c);
	r->channel = cur_le32(c);
	uint16_t off = cur_le16(c);
	r->token_len = cur_le16(c);
	r->previous_session_id = cur_le64(c);
	if (!cur_ok(c) || size != SESS_REQ_FIXED + 1)
		return -1;
	return body_var(c, body + SESS_REQ_FIXED, off, r->token_len, &r->token);
}

void smb2_encode_session_setup_req(struct buf *b, size_t hdr_off, const struct smb2_session_setup_req *r)
{
	size_t body = b->len;

	buf_le16(b, SESS_REQ_FIXED + 1);
	buf_u8(b, r->flags);
	buf_u8(b, r->security_mode);
	buf_le32(b, r->capabilities);
	buf_le32(b, r->channel);
	buf_le16(b, (uint16_t)(body + SESS_REQ_FIXED - hdr_off)); /* SecurityBufferOffset */
	buf_le16(b, r->token_len);
	buf_le64(b, r->previous_session_id);
	if (r->token_len)
		buf_bytes(b, r->token, r->token_len);
	else
		buf_u8(b, 0);
}

int smb2_decode_session_setup_resp(struct cur *c, struct smb2_session_setup_resp *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	r->session_flags = cur_le16(c);
	uint16_t off = cur_le16(c);
	r->token_len = cur_le16(c);
	if (!cur_ok(c) || size != SESS_RESP_FIXED + 1)
		return -1;
	return body_var(c, body + SESS_RESP_FIXED, off, r->token_len, &r->token);
}

void smb2_encode_session_setup_resp(struct buf *b, size_t hdr_off, const struct smb2_session_setup_resp *r)
{
	size_t body = b->len;

	buf_le16(b, SESS_RESP_FIXED + 1);
	buf_le16(b, r->session_flags);
	buf_le16(b, (uint16_t)(body + SESS_RESP_FIXED - hdr_off)); /* SecurityBufferOffset */
	buf_le16(b, r->token_len);
	if (r->token_len)
		buf_bytes(b, r->token, r->token_len);
	else
		buf_u8(b, 0);
}
