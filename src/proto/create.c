/* CREATE request and response and the create context chain
 * (MS-SMB2 2.2.13, 2.2.13.2, 2.2.14). */
#include <string.h>

#include "proto/proto_int.h"
#include "proto/smb2.h"

#define CREATE_REQ_FIXED 56
#define CREATE_RESP_FIXED 88
#define CTX_HDR 16


/* MS-SMB2 2.2.13.2: Next(4) NameOffset(2) NameLength(2) Reserved(2)
 * DataOffset(2) DataLength(4) Buffer.  Offsets are relative to the
 * element; Next is 8-aligned and at least one element header, so every
 * step moves forward and the walk ends.  Name and data must lie inside
 * their own element (not in the next one). */
int smb2_decode_create_contexts(const uint8_t *blob, size_t n, struct smb2_create_context *out,
				uint16_t *count)
{
	struct cur all;
	size_t pos = 0;
	uint16_t k = 0;

	*count = 0;
	cur_init(&all, blob, n);
	while (pos < n) {
		struct cur el;
		if (k == SMB2_MAX_CREATE_CONTEXTS)
			return -1;
		if (!cur_range(&all, pos, n - pos, &el))
			return -1;
		uint32_t next = cur_le32(&el);
		uint16_t name_off = cur_le16(&el);
		uint16_t name_len = cur_le16(&el);
		cur_skip(&el, 2);
		uint16_t data_off = cur_le16(&el);
		uint32_t data_len = cur_le32(&el);
		if (!cur_ok(&el))
			return -1;
		uint64_t el_len = n - pos;
		if (next) {
			if (next % 8 || next < CTX_HDR || next >= el_len)
				return -1;
			el_len = next;
		}
		cur_range(&all, pos, el_len, &el); /* the element alone */
		struct cur f;
		if (name_len == 0 || name_off < CTX_HDR || !cur_range(&el, name_off, name_len, &f))
			return -1;
		out[k].name = f.base;
		out[k].name_len = name_len;
		out[k].data = NULL;
		out[k].data_len = data_len;
		if (data_len) {
			if (data_off < CTX_HDR || !cur_range(&el, data_off, data_len, &f))
				return -1;
			out[k].data = f.base;
		}
		k++;
		if (!next)
			break;
		pos += next;
	}
	*count = k;
	return 0;
}

/* Each element 8-aligned from the start of the chain, the name at 16, the
 * data 8-aligned after it, no padding after the last element. */
void smb2_encode_create_contexts(struct buf *b, const struct smb2_create_context *in, uint16_t count)
{
	size_t start = b->len;
	size_t prev = 0;

	if (count > SMB2_MAX_CREATE_CONTEXTS)
		count = SMB2_MAX_CREATE_CONTEXTS;
	for (uint16_t i = 0; i < count; i++) {
		if (i) {
			buf_align(b, start, 8);
			buf_set_le32(b, prev, (uint32_t)(b->len - prev));
		}
		size_t el = b->len;
		uint32_t data_off = 0;
		if (in[i].data_len) {
			data_off = CTX_HDR + in[i].name_len;
			data_off = (data_off + 7) & ~7u;
		}
		buf_le32(b, 0); /* Next, patched */
		buf_le16(b, CTX_HDR);
		buf_le16(b, in[i].name_len);
		buf_le16(b, 0);
		buf_le16(b, (uint16_t)data_off);
		buf_le32(b, in[i].data_len);
		buf_bytes(b, in[i].name, in[i].name_len);
		if (in[i].data_len) {
			buf_align(b, el, 8);
			buf_bytes(b, in[i].data, in[i].data_len);
		}
		prev = el;
	}
}

/* The chain at (off, len) of the message: after the fixed part, inside,
 * then walked on its own. */
static int decode_ctx_field(const struct cur *c, size_t min_off, uint32_t off, uint32_t len,
			    struct smb2_create_context *out, uint16_t *count)
{
	const uint8_t *blob;

	*count = 0;
	if (body_var(c, min_off, off, len, &blob))
		return -1;
	if (!len)
		return 0;
	return smb2_decode_create_contexts(blob, len, out, count);
}

int smb2_decode_create_req(struct cur *c, struct smb2_create_req *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	r->security_flags = cur_u8(c);
	r->oplock_level = cur_u8(c);
	r->impersonation_level = cur_le32(c);
	r->create_flags = cur_le64(c);
	cur_skip(c, 8); /* Reserved */
	r->desired_access = cur_le32(c);
	r->file_attributes = cur_le32(c);
	r->share_access = cur_le32(c);
	r->create_disposition = cur_le32(c);
	r->create_options = cur_le32(c);
	uint16_t name_off = cur_le16(c);
	r->name_len = cur_le16(c);
	uint32_t ctx_off = cur_le32(c);
	uint32_t ctx_len = cur_le32(c);
	r->context_count = 0;
	r->name = NULL;
	if (!cur_ok(c) || size != CREATE_REQ_FIXED + 1)
		return -1;
	size_t min_off = body + CREATE_REQ_FIXED;
	if (body_var(c, min_off, name_off, r->name_len, &r->name))
		return -1;
	return decode_ctx_field(c, min_off, ctx_off, ctx_len, r->contexts, &r->context_count);
}

void smb2_encode_create_req(struct buf *b, size_t hdr_off, const struct smb2_create_req *r)
{
	size_t body = b->len;

	buf_le16(b, CREATE_REQ_FIXED + 1);
	buf_u8(b, r->security_flags);
	buf_u8(b, r->oplock_level);
	buf_le32(b, r->impersonation_level);
	buf_le64(b, r->create_flags);
	buf_le64(b, 0);
	buf_le32(b, r->desired_access);
	buf_le32(b, r->file_attributes);
	buf_le32(b, r->share_access);
	buf_le32(b, r->create_disposition);
	buf_le32(b, r->create_options);
	buf_le16(b, (uint16_t)(body + CREATE_REQ_FIXED - hdr_off)); /* NameOffset */
	buf_le16(b, r->name_len);
	size_t ctx_fields = b->len;
	buf_le32(b, 0);
	buf_le32(b, 0);
	buf_bytes(b, r->name, r->name_len);
	if (r->context_count) {
		buf_align(b, hdr_off, 8);
		size_t start = b->len;
		smb2_encode_create_contexts(b, r->contexts, r->context_count);
		buf_set_le32(b, ctx_fields, (uint32_t)(start - hdr_off));
		buf_set_le32(b, ctx_fields + 4, (uint32_t)(b->len - start));
	} else if (!r->name_len) {
		buf_u8(b, 0); /* the body is at least StructureSize bytes */
	}
}

int smb2_decode_create_resp(struct cur *c, struct smb2_create_resp *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	r->oplock_level = cur_u8(c);
	r->flags = cur_u8(c);
	r->create_action = cur_le32(c);
	r->creation_time = cur_le64(c);
	r->last_access_time = cur_le64(c);
	r->last_write_time = cur_le64(c);
	r->change_time = cur_le64(c);
	r->allocation_size = cur_le64(c);
	r->end_of_file = cur_le64(c);
	r->file_attributes = cur_le32(c);
	cur_skip(c, 4); /* Reserved2 */
	r->file_id.persistent = cur_le64(c);
	r->file_id.volatile_ = cur_le64(c);
	uint32_t ctx_off = cur_le32(c);
	uint32_t ctx_len = cur_le32(c);
	r->context_count = 0;
	if (!cur_ok(c) || size != CREATE_RESP_FIXED + 1)
		return -1;
	return decode_ctx_field(c, body + CREATE_RESP_FIXED, ctx_off, ctx_len, r->contexts,
				&r->context_count);
}

/* Contexts 8-aligned after the fixed part (152 from the header); both
 * fields 0 when there are none. */
void smb2_encode_create_resp(struct buf *b, size_t hdr_off, const struct smb2_create_resp *r)
{
	buf_le16(b, CREATE_RESP_FIXED + 1);
	buf_u8(b, r->oplock_level);
	buf_u8(b, r->flags);
	buf_le32(b, r->create_action);
	buf_le64(b, r->creation_time);
	buf_le64(b, r->last_access_time);
	buf_le64(b, r->last_write_time);
	buf_le64(b, r->change_time);
	buf_le64(b, r->allocation_size);
	buf_le64(b, r->end_of_file);
	buf_le32(b, r->file_attributes);
	buf_le32(b, 0);
	buf_le64(b, r->file_id.persistent);
	buf_le64(b, r->file_id.volatile_);
	size_t ctx_fields = b->len;
	buf_le32(b, 0);
	buf_le32(b, 0);
	if (r->context_count) {
		buf_align(b, hdr_off, 8);
		size_t start = b->len;
		smb2_encode_create_contexts(b, r->contexts, r->context_count);
		buf_set_le32(b, ctx_fields, (uint32_t)(start - hdr_off));
		buf_set_le32(b, ctx_fields + 4, (uint32_t)(b->len - start));
	} else {
		buf_u8(b, 0);
	}
}

/* ---- create context payloads (2.2.13.2.3, 2.2.13.2.13, 2.2.13.2.15) ---- */

const uint8_t smb2_ctx_app_instance_id[16] = {0x45, 0xBC, 0xA6, 0x6A, 0xEF, 0xA7, 0xF7, 0x4A,
					      0x90, 0x08, 0xFA, 0x46, 0x2E, 0x14, 0x4D, 0x74};
const uint8_t smb2_ctx_app_instance_version[16] = {0xB9, 0x82, 0xD0, 0xB7, 0x3B, 0x56, 0x07, 0x4F,
						   0xA0, 0x7B, 0x52, 0x4A, 0x81, 0x16, 0xA0, 0x10};

#define APP_INSTANCE_ID_SIZE 20
#define APP_INSTANCE_VERSION_SIZE 24

const struct smb2_create_context *smb2_find_create_context(const struct smb2_create_context *x,
							    uint16_t count, const void *name,
							    size_t name_len)
{
	for (uint16_t i = 0; i < count; i++)
		if (x[i].name_len == name_len && !memcmp(x[i].name, name, name_len))
			return &x[i];
	return NULL;
}

/* StructureSize(2) = 20, Reserved(2), AppInstanceId(16). */
int smb2_decode_app_instance_id(const uint8_t *p, size_t n, uint8_t id[16])
{
	struct cur c;

	cur_init(&c, p, n);
	uint16_t size = cur_le16(&c);
	cur_skip(&c, 2);
	cur_bytes(&c, id, 16);
	return cur_ok(&c) && cur_end(&c) && size == APP_INSTANCE_ID_SIZE ? 0 : -1;
}

void smb2_encode_app_instance_id(struct buf *b, const uint8_t id[16])
{
	buf_le16(b, APP_INSTANCE_ID_SIZE);
	buf_le16(b, 0);
	buf_bytes(b, id, 16);
}

/* StructureSize(2) = 24, Reserved(2), Padding(4), High(8), Low(8). */
int smb2_decode_app_instance_version(const uint8_t *p, size_t n,
				     struct smb2_app_instance_version *out)
{
	struct cur c;

	cur_init(&c, p, n);
	uint16_t size = cur_le16(&c);
	cur_skip(&c, 6);
	out->high = cur_le64(&c);
	out->low = cur_le64(&c);
	return cur_ok(&c) && cur_end(&c) && size == APP_INSTANCE_VERSION_SIZE ? 0 : -1;
}

void smb2_encode_app_instance_version(struct buf *b, const struct smb2_app_instance_version *v)
{
	buf_le16(b, APP_INSTANCE_VERSION_SIZE);
	buf_le16(b, 0);
	buf_le32(b, 0);
	buf_le64(b, v->high);
	buf_le64(b, v->low);
}

/* "AlSi": AllocationSize(8). */
int smb2_decode_alloc_size_ctx(const uint8_t *p, size_t n, uint64_t *size)
{
	struct cur c;

	cur_init(&c, p, n);
	*size = cur_le64(&c);
	return cur_ok(&c) && cur_end(&c) ? 0 : -1;
}

void smb2_encode_alloc_size_ctx(struct buf *b, uint64_t size)
{
	buf_le64(b, size);
}

/* "TWrp": Timestamp(8), the NT time of the snapshot asked for. */
int smb2_decode_timewarp_ctx(const uint8_t *p, size_t n, uint64_t *when)
{
	return smb2_decode_alloc_size_ctx(p, n, when); /* the same 8-byte layout */
}

void smb2_encode_timewarp_ctx(struct buf *b, uint64_t when)
{
	buf_le64(b, when);
}
