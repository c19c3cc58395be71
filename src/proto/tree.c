/* TREE_CONNECT request and response (MS-SMB2 2.2.9, 2.2.10).  TREE_DISCONNECT
 * uses the empty4 body in hdr.c. */
#include "proto/smb2.h"

#define TCON_REQ_FIXED 8
#define TCON_RESP_SIZE 16

int smb2_decode_tree_connect_req(struct cur *c, struct smb2_tree_connect_req *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	r->flags = cur_le16(c);
	uint16_t off = cur_le16(c);
	r->path_len = cur_le16(c);
	r->path = NULL;
	if (!cur_ok(c) || size != TCON_REQ_FIXED + 1)
		return -1;
	if (r->path_len == 0)
		return 0;
	/* The path, checked once in 64-bit: after the fixed part, inside. */
	struct cur sub;
	if (off < body + TCON_REQ_FIXED || !cur_range(c, off, r->path_len, &sub))
		return -1;
	r->path = sub.base;
	return 0;
}

void smb2_encode_tree_connect_req(struct buf *b, size_t hdr_off, const struct smb2_tree_connect_req *r)
{
	size_t body = b->len;

	buf_le16(b, TCON_REQ_FIXED + 1);
	buf_le16(b, r->flags);
	buf_le16(b, (uint16_t)(body + TCON_REQ_FIXED - hdr_off)); /* PathOffset */
	buf_le16(b, r->path_len);
	if (r->path_len)
		buf_bytes(b, r->path, r->path_len);
	else
		buf_u8(b, 0);
}

int smb2_decode_tree_connect_resp(struct cur *c, struct smb2_tree_connect_resp *r)
{
	uint16_t size = cur_le16(c);

	r->share_type = cur_u8(c);
	cur_skip(c, 1);
	r->share_flags = cur_le32(c);
	r->capabilities = cur_le32(c);
	r->maximal_access = cur_le32(c);
	return cur_ok(c) && size == TCON_RESP_SIZE ? 0 : -1;
}

void smb2_encode_tree_connect_resp(struct buf *b, const struct smb2_tree_connect_resp *r)
{
	buf_le16(b, TCON_RESP_SIZE);
	buf_u8(b, r->share_type);
	buf_u8(b, 0);
	buf_le32(b, r->share_flags);
	buf_le32(b, r->capabilities);
	buf_le32(b, r->maximal_access);
}
