/* READ, WRITE, FLUSH, CLOSE and LOCK (MS-SMB2 2.2.15-2.2.22, 2.2.26). */
#include "proto/proto_int.h"
#include "proto/smb2.h"

#define CLOSE_REQ_SIZE 24
#define CLOSE_RESP_SIZE 60
#define FLUSH_REQ_SIZE 24
#define READ_REQ_FIXED 48
#define READ_RESP_FIXED 16
#define READ_RESP_DATA_OFF 0x50
#define WRITE_REQ_FIXED 48
#define WRITE_RESP_SIZE 17
#define LOCK_REQ_FIXED 24
#define LOCK_ELEMENT 24


static void get_fileid(struct cur *c, struct smb2_fileid *f)
{
	f->persistent = cur_le64(c);
	f->volatile_ = cur_le64(c);
}

static void put_fileid(struct buf *b, const struct smb2_fileid *f)
{
	buf_le64(b, f->persistent);
	buf_le64(b, f->volatile_);
}

/* ---- CLOSE (2.2.15, 2.2.16) ---- */

int smb2_decode_close_req(struct cur *c, struct smb2_close_req *r)
{
	uint16_t size = cur_le16(c);

	r->flags = cur_le16(c);
	cur_skip(c, 4);
	get_fileid(c, &r->file_id);
	return cur_ok(c) && size == CLOSE_REQ_SIZE ? 0 : -1;
}

void smb2_encode_close_req(struct buf *b, const struct smb2_close_req *r)
{
	buf_le16(b, CLOSE_REQ_SIZE);
	buf_le16(b, r->flags);
	buf_le32(b, 0);
	put_fileid(b, &r->file_id);
}

int smb2_decode_close_resp(struct cur *c, struct smb2_close_resp *r)
{
	uint16_t size = cur_le16(c);

	r->flags = cur_le16(c);
	cur_skip(c, 4);
	r->creation_time = cur_le64(c);
	r->last_access_time = cur_le64(c);
	r->last_write_time = cur_le64(c);
	r->change_time = cur_le64(c);
	r->allocation_size = cur_le64(c);
	r->end_of_file = cur_le64(c);
	r->file_attributes = cur_le32(c);
	return cur_ok(c) && size == CLOSE_RESP_SIZE ? 0 : -1;
}

void smb2_encode_close_resp(struct buf *b, const struct smb2_close_resp *r)
{
	buf_le16(b, CLOSE_RESP_SIZE);
	buf_le16(b, r->flags);
	buf_le32(b, 0);
	buf_le64(b, r->creation_time);
	buf_le64(b, r->last_access_time);
	buf_le64(b, r->last_write_time);
	buf_le64(b, r->change_time);
	buf_le64(b, r->allocation_size);
	buf_le64(b, r->end_of_file);
	buf_le32(b, r->file_attributes);
}

/* ---- FLUSH (2.2.17) ---- */

int smb2_decode_flush_req(struct cur *c, struct smb2_flush_req *r)
{
	uint16_t size = cur_le16(c);

	cur_skip(c, 2 + 4);
	get_fileid(c, &r->file_id);
	return cur_ok(c) && size == FLUSH_REQ_SIZE ? 0 : -1;
}

void smb2_encode_flush_req(struct buf *b, const struct smb2_flush_req *r)
{
	buf_le16(b, FLUSH_REQ_SIZE);
	buf_le16(b, 0);
	buf_le32(b, 0);
	put_fileid(b, &r->file_id);
}

/* ---- READ (2.2.19, 2.2.20) ---- */

int smb2_decode_read_req(struct cur *c, struct smb2_read_req *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	r->padding = cur_u8(c);
	r->flags = cur_u8(c);
	r->length = cur_le32(c);
	r->offset = cur_le64(c);
	get_fileid(c, &r->file_id);
	r->minimum_count = cur_le32(c);
	r->channel = cur_le32(c);
	r->remaining_bytes = cur_le32(c);
	uint16_t ci_off = cur_le16(c);
	r->channel_info_len = cur_le16(c);
	if (!cur_ok(c) || size != READ_REQ_FIXED + 1)
		return -1;
	return body_var(c, body + READ_REQ_FIXED, ci_off, r->channel_info_len, &r->channel_info);
}

void smb2_encode_read_req(struct buf *b, size_t hdr_off, const struct smb2_read_req *r)
{
	size_t body = b->len;

	buf_le16(b, READ_REQ_FIXED + 1);
	buf_u8(b, r->padding);
	buf_u8(b, r->flags);
	buf_le32(b, r->length);
	buf_le64(b, r->offset);
	put_fileid(b, &r->file_id);
	buf_le32(b, r->minimum_count);
	buf_le32(b, r->channel);
	buf_le32(b, r->remaining_bytes);
	buf_le16(b, r->channel_info_len ? (uint16_t)(body + READ_REQ_FIXED - hdr_off) : 0);
	buf_le16(b, r->channel_info_len);
	if (r->channel_info_len)
		buf_bytes(b, r->channel_info, r->channel_info_len);
	else
		buf_u8(b, 0); /* Buffer: at least one byte */
}

int smb2_decode_read_resp(struct cur *c, struct smb2_read_resp *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);
	uint8_t off = cur_u8(c);

	cur_skip(c, 1);
	r->data_length = cur_le32(c);
	r->data_remaining = cur_le32(c);
	r->flags = cur_le32(c);
	if (!cur_ok(c) || size != READ_RESP_FIXED + 1)
		return -1;
	return body_var(c, body + READ_RESP_FIXED, off, r->data_length, &r->data);
}

/* The fixed part only; the caller sends the data right after it, at 0x50. */
void smb2_encode_read_resp_fixed(struct buf *b, const struct smb2_read_resp *r)
{
	buf_le16(b, READ_RESP_FIXED + 1);
	buf_u8(b, READ_RESP_DATA_OFF);
	buf_u8(b, 0);
	buf_le32(b, r->data_length);
	buf_le32(b, r->data_remaining);
	buf_le32(b, r->flags);
}

/* ---- WRITE (2.2.21, 2.2.22) ---- */

int smb2_decode_write_req(struct cur *c, struct smb2_write_req *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);
	uint16_t data_off = cur_le16(c);

	r->length = cur_le32(c);
	r->offset = cur_le64(c);
	get_fileid(c, &r->file_id);
	r->channel = cur_le32(c);
	r->remaining_bytes = cur_le32(c);
	uint16_t ci_off = cur_le16(c);
	r->channel_info_len = cur_le16(c);
	r->flags = cur_le32(c);
	if (!cur_ok(c) || size != WRITE_REQ_FIXED + 1)
		return -1;
	size_t min_off = body + WRITE_REQ_FIXED;
	if (body_var(c, min_off, data_off, r->length, &r->data))
		return -1;
	return body_var(c, min_off, ci_off, r->channel_info_len, &r->channel_info);
}

/* Data at 0x70 right after the fixed part, then the channel info. */
void smb2_encode_write_req(struct buf *b, size_t hdr_off, const struct smb2_write_req *r)
{
	size_t body = b->len;
	uint16_t data_off = (uint16_t)(body + WRITE_REQ_FIXED - hdr_off);

	buf_le16(b, WRITE_REQ_FIXED + 1);
	buf_le16(b, data_off);
	buf_le32(b, r->length);
	buf_le64(b, r->offset);
	put_fileid(b, &r->file_id);
	buf_le32(b, r->channel);
	buf_le32(b, r->remaining_bytes);
	buf_le16(b, r->channel_info_len ? (uint16_t)(data_off + r->length) : 0);
	buf_le16(b, r->channel_info_len);
	buf_le32(b, r->flags);
	buf_bytes(b, r->data, r->length);
	buf_bytes(b, r->channel_info, r->channel_info_len);
	if (!r->length && !r->channel_info_len)
		buf_u8(b, 0);
}

int smb2_decode_write_resp(struct cur *c, struct smb2_write_resp *r)
{
	uint16_t size = cur_le16(c);

	cur_skip(c, 2);
	r->count = cur_le32(c);
	r->remaining = cur_le32(c);
	cur_skip(c, 4); /* WriteChannelInfoOffset/Length */
	return cur_ok(c) && size == WRITE_RESP_SIZE ? 0 : -1;
}

void smb2_encode_write_resp(struct buf *b, const struct smb2_write_resp *r)
{
	buf_le16(b, WRITE_RESP_SIZE);
	buf_le16(b, 0);
	buf_le32(b, r->count);
	buf_le32(b, r->remaining);
	buf_le16(b, 0);
	buf_le16(b, 0);
}

/* ---- LOCK (2.2.26) ---- */

/* StructureSize 48 counts the fixed 24 bytes and one lock element. */
int smb2_decode_lock_req(struct cur *c, struct smb2_lock_req *r)
{
	uint16_t size = cur_le16(c);

	r->lock_count = cur_le16(c);
	r->lock_sequence = cur_le32(c);
	get_fileid(c, &r->file_id);
	if (!cur_ok(c) || size != LOCK_REQ_FIXED + LOCK_ELEMENT || r->lock_count == 0 ||
	    r->lock_count > SMB2_MAX_LOCKS)
		return -1;
	for (uint16_t i = 0; i < r->lock_count; i++) {
		r->locks[i].offset = cur_le64(c);
		r->locks[i].length = cur_le64(c);
		r->locks[i].flags = cur_le32(c);
		cur_skip(c, 4);
	}
	return cur_ok(c) ? 0 : -1;
}

void smb2_encode_lock_req(struct buf *b, const struct smb2_lock_req *r)
{
	uint16_t n = r->lock_count > SMB2_MAX_LOCKS ? SMB2_MAX_LOCKS : r->lock_count;

	buf_le16(b, LOCK_REQ_FIXED + LOCK_ELEMENT);
	buf_le16(b, n);
	buf_le32(b, r->lock_sequence);
	put_fileid(b, &r->file_id);
	for (uint16_t i = 0; i < n; i++) {
		buf_le64(b, r->locks[i].offset);
		buf_le64(b, r->locks[i].length);
		buf_le32(b, r->locks[i].flags);
		buf_le32(b, 0);
	}
}
