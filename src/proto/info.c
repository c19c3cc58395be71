/* QUERY_DIRECTORY, QUERY_INFO, SET_INFO and the output response body they
 * share with CHANGE_NOTIFY (MS-SMB2 2.2.33-2.2.34, 2.2.37-2.2.40). */
#include "proto/proto_int.h"
#include "proto/smb2.h"

#define OUTPUT_RESP_FIXED 8
#define QDIR_REQ_FIXED 32
#define QINFO_REQ_FIXED 40
#define SINFO_REQ_FIXED 32
#define SINFO_RESP_SIZE 2


/* ---- StructureSize 9 + OutputBufferOffset + OutputBufferLength ---- */

int smb2_decode_output_resp(struct cur *c, struct smb2_output_resp *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);
	uint16_t off = cur_le16(c);

	r->data_len = cur_le32(c);
	if (!cur_ok(c) || size != OUTPUT_RESP_FIXED + 1)
		return -1;
	return body_var(c, body + OUTPUT_RESP_FIXED, off, r->data_len, &r->data);
}

/* Data at 72 right after the fixed part; one zero byte when empty, so the
 * body is always at least StructureSize bytes. */
void smb2_encode_output_resp(struct buf *b, size_t hdr_off, const struct smb2_output_resp *r)
{
	size_t body = b->len;

	buf_le16(b, OUTPUT_RESP_FIXED + 1);
	buf_le16(b, (uint16_t)(body + OUTPUT_RESP_FIXED - hdr_off));
	buf_le32(b, r->data_len);
	if (r->data_len)
		buf_bytes(b, r->data, r->data_len);
	else
		buf_u8(b, 0);
}

/* ---- QUERY_DIRECTORY (2.2.33) ---- */

int smb2_decode_query_directory_req(struct cur *c, struct smb2_query_directory_req *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	r->info_class = cur_u8(c);
	r->flags = cur_u8(c);
	r->file_index = cur_le32(c);
	r->file_id.persistent = cur_le64(c);
	r->file_id.volatile_ = cur_le64(c);
	uint16_t off = cur_le16(c);
	r->pattern_len = cur_le16(c);
	r->output_buffer_length = cur_le32(c);
	if (!cur_ok(c) || size != QDIR_REQ_FIXED + 1)
		return -1;
	return body_var(c, body + QDIR_REQ_FIXED, off, r->pattern_len, &r->pattern);
}

void smb2_encode_query_directory_req(struct buf *b, size_t hdr_off, const struct smb2_query_directory_req *r)
{
	size_t body = b->len;

	buf_le16(b, QDIR_REQ_FIXED + 1);
	buf_u8(b, r->info_class);
	buf_u8(b, r->flags);
	buf_le32(b, r->file_index);
	buf_le64(b, r->file_id.persistent);
	buf_le64(b, r->file_id.volatile_);
	buf_le16(b, (uint16_t)(body + QDIR_REQ_FIXED - hdr_off));
	buf_le16(b, r->pattern_len);
	buf_le32(b, r->output_buffer_length);
	if (r->pattern_len)
		buf_bytes(b, r->pattern, r->pattern_len);
	else
		buf_u8(b, 0);
}

/* ---- QUERY_INFO (2.2.37) ---- */

int smb2_decode_query_info_req(struct cur *c, struct smb2_query_info_req *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	r->info_type = cur_u8(c);
	r->file_info_class = cur_u8(c);
	r->output_buffer_length = cur_le32(c);
	uint16_t off = cur_le16(c);
	cur_skip(c, 2);
	r->input_len = cur_le32(c);
	r->additional_information = cur_le32(c);
	r->flags = cur_le32(c);
	r->file_id.persistent = cur_le64(c);
	r->file_id.volatile_ = cur_le64(c);
	if (!cur_ok(c) || size != QINFO_REQ_FIXED + 1)
		return -1;
	return body_var(c, body + QINFO_REQ_FIXED, off, r->input_len, &r->input);
}

void smb2_encode_query_info_req(struct buf *b, size_t hdr_off, const struct smb2_query_info_req *r)
{
	size_t body = b->len;

	buf_le16(b, QINFO_REQ_FIXED + 1);
	buf_u8(b, r->info_type);
	buf_u8(b, r->file_info_class);
	buf_le32(b, r->output_buffer_length);
	buf_le16(b, r->input_len ? (uint16_t)(body + QINFO_REQ_FIXED - hdr_off) : 0);
	buf_le16(b, 0);
	buf_le32(b, r->input_len);
	buf_le32(b, r->additional_information);
	buf_le32(b, r->flags);
	buf_le64(b, r->file_id.persistent);
	buf_le64(b, r->file_id.volatile_);
	if (r->input_len)
		buf_bytes(b, r->input, r->input_len);
	else
		buf_u8(b, 0);
}

/* ---- SET_INFO (2.2.39, 2.2.40) ---- */

int smb2_decode_set_info_req(struct cur *c, struct smb2_set_info_req *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	r->info_type = cur_u8(c);
	r->file_info_class = cur_u8(c);
	r->buffer_len = cur_le32(c);
	uint16_t off = cur_le16(c);
	cur_skip(c, 2);
	r->additional_information = cur_le32(c);
	r->file_id.persistent = cur_le64(c);
	r->file_id.volatile_ = cur_le64(c);
	if (!cur_ok(c) || size != SINFO_REQ_FIXED + 1)
		return -1;
	return body_var(c, body + SINFO_REQ_FIXED, off, r->buffer_len, &r->buffer);
}

void smb2_encode_set_info_req(struct buf *b, size_t hdr_off, const struct smb2_set_info_req *r)
{
	size_t body = b->len;

	buf_le16(b, SINFO_REQ_FIXED + 1);
	buf_u8(b, r->info_type);
	buf_u8(b, r->file_info_class);
	buf_le32(b, r->buffer_len);
	buf_le16(b, (uint16_t)(body + SINFO_REQ_FIXED - hdr_off));
	buf_le16(b, 0);
	buf_le32(b, r->additional_information);
	buf_le64(b, r->file_id.persistent);
	buf_le64(b, r->file_id.volatile_);
	if (r->buffer_len)
		buf_bytes(b, r->buffer, r->buffer_len);
	else
		buf_u8(b, 0);
}

int smb2_decode_set_info_resp(struct cur *c)
{
	uint16_t size = cur_le16(c);
	return cur_ok(c) && size == SINFO_RESP_SIZE ? 0 : -1;
}

void smb2_encode_set_info_resp(struct buf *b)
{
	buf_le16(b, SINFO_RESP_SIZE);
}
