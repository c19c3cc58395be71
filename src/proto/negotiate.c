/* NEGOTIATE request and response with their negotiate contexts
 * (MS-SMB2 2.2.3, 2.2.3.1, 2.2.4). */
#include "proto/proto_int.h"
#include "proto/smb2.h"

#define NEG_REQ_FIXED 36
#define NEG_RESP_FIXED 64

/* A variable field (offset from the header, length) of this message:
 * empty is always fine; otherwise it must start after the fixed part
 * (min_off) and lie inside the message.  Checked once, in 64-bit. */

/* MS-SMB2 2.2.3.1: contexts start 8-aligned at off, each one 8-aligned
 * after the previous; walked through a sub-cursor over [off, end of the
 * message).  Every context consumes at least 8 bytes, so the walk ends. */
static int decode_neg_contexts(const struct cur *c, size_t min_off, uint32_t off, uint16_t count,
			       struct smb2_neg_context *out, uint16_t *out_count)
{
	struct cur sub;

	*out_count = 0;
	if (count > SMB2_MAX_NEG_CONTEXTS)
		return -1;
	if (count == 0)
		return 0;
	if (off < min_off || off % 8 || !cur_range(c, off, (uint64_t)c->len - off, &sub))
		return -1;
	for (uint16_t i = 0; i < count; i++) {
		cur_align(&sub, 8);
		out[i].type = cur_le16(&sub);
		out[i].data_len = cur_le16(&sub);
		cur_skip(&sub, 4); /* Reserved */
		out[i].data = cur_take(&sub, out[i].data_len);
		if (!cur_ok(&sub))
			return -1;
		if (out[i].data_len == 0)
			out[i].data = NULL;
	}
	*out_count = count;
	return 0;
}

/* Writes the contexts at the next 8-aligned offset from hdr_off and
 * returns that offset (relative to the header); no padding after the last. */
static uint32_t encode_neg_contexts(struct buf *b, size_t hdr_off, const struct smb2_neg_context *in,
				    uint16_t count)
{
	buf_align(b, hdr_off, 8);
	uint32_t start = (uint32_t)(b->len - hdr_off);
	for (uint16_t i = 0; i < count; i++) {
		if (i)
			buf_align(b, hdr_off, 8);
		buf_le16(b, in[i].type);
		buf_le16(b, in[i].data_len);
		buf_le32(b, 0);
		buf_bytes(b, in[i].data, in[i].data_len);
	}
	return start;
}

static bool has_311(const uint16_t *d, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		if (d[i] == SMB2_DIALECT_311)
			return true;
	return false;
}

static uint16_t clamp16(uint16_t v, uint16_t max)
{
	return v > max ? max : v;
}

int smb2_decode_negotiate_req(struct cur *c, struct smb2_negotiate_req *r)
{
	uint16_t size = cur_le16(c);

	r->dialect_count = cur_le16(c);
	r->security_mode = cur_le16(c);
	cur_skip(c, 2); /* Reserved */
	r->capabilities = cur_le32(c);
	cur_bytes(c, r->client_guid, sizeof(r->client_guid));
	struct cur ctx_fields = *c; /* same 8 bytes, two meanings */
	uint64_t start_time = cur_le64(c);
	uint32_t ctx_off = cur_le32(&ctx_fields);
	uint16_t ctx_count = cur_le16(&ctx_fields);
	r->context_count = 0;
	r->client_start_time = 0;
	if (!cur_ok(c) || size != NEG_REQ_FIXED || r->dialect_count == 0 ||
	    r->dialect_count > SMB2_MAX_DIALECTS)
		return -1;
	for (uint16_t i = 0; i < r->dialect_count; i++)
		r->dialects[i] = cur_le16(c);
	if (!cur_ok(c))
		return -1;
	if (!has_311(r->dialects, r->dialect_count)) {
		r->client_start_time = start_time;
		return 0;
	}
	/* The contexts may not overlap the fixed part or the dialects. */
	return decode_neg_contexts(c, c->pos, ctx_off, ctx_count, r->contexts, &r->context_count);
}

void smb2_encode_negotiate_req(struct buf *b, size_t hdr_off, const struct smb2_negotiate_req *r)
{
	uint16_t nd = clamp16(r->dialect_count, SMB2_MAX_DIALECTS);
	uint16_t nc = clamp16(r->context_count, SMB2_MAX_NEG_CONTEXTS);
	bool v311 = has_311(r->dialects, nd);

	buf_le16(b, NEG_REQ_FIXED);
	buf_le16(b, nd);
	buf_le16(b, r->security_mode);
	buf_le16(b, 0);
	buf_le32(b, r->capabilities);
	buf_bytes(b, r->client_guid, sizeof(r->client_guid));
	size_t ctx_fields = b->len;
	if (v311) {
		buf_le32(b, 0); /* NegotiateContextOffset, patched */
		buf_le16(b, nc);
		buf_le16(b, 0);
	} else {
		buf_le64(b, r->client_start_time);
	}
	for (uint16_t i = 0; i < nd; i++)
		buf_le16(b, r->dialects[i]);
	if (v311 && nc) {
		uint32_t off = encode_neg_contexts(b, hdr_off, r->contexts, nc);
		buf_set_le32(b, ctx_fields, off);
	}
}

int smb2_decode_negotiate_resp(struct cur *c, struct smb2_negotiate_resp *r)
{
	size_t body = c->pos;
	uint16_t size = cur_le16(c);

	r->security_mode = cur_le16(c);
	r->dialect = cur_le16(c);
	uint16_t ctx_count = cur_le16(c);
	cur_bytes(c, r->server_guid, sizeof(r->server_guid));
	r->capabilities = cur_le32(c);
	r->max_transact = cur_le32(c);
	r->max_read = cur_le32(c);
	r->max_write = cur_le32(c);
	r->system_time = cur_le64(c);
	r->server_start_time = cur_le64(c);
	uint16_t sec_off = cur_le16(c);
	r->security_buffer_len = cur_le16(c);
	uint32_t ctx_off = cur_le32(c);
	r->context_count = 0;
	if (!cur_ok(c) || size != NEG_RESP_FIXED + 1)
		return -1;
	size_t min_off = body + NEG_RESP_FIXED;
	if (body_var(c, min_off, sec_off, r->security_buffer_len, &r->security_buffer))
		return -1;
	if (r->dialect != SMB2_DIALECT_311)
		return 0;
	return decode_neg_contexts(c, min_off, ctx_off, ctx_count, r->contexts, &r->context_count);
}

/* MS-SMB2 2.2.4: the security buffer at 0x80 (right after the fixed part),
 * contexts (3.1.1 only) at the next 8-aligned offset after it. */
void smb2_encode_negotiate_resp(struct buf *b, size_t hdr_off, const struct smb2_negotiate_resp *r)
{
	bool v311 = r->dialect == SMB2_DIALECT_311;
	uint16_t nc = v311 ? clamp16(r->context_count, SMB2_MAX_NEG_CONTEXTS) : 0;

	buf_le16(b, NEG_RESP_FIXED + 1);
	buf_le16(b, r->security_mode);
	buf_le16(b, r->dialect);
	buf_le16(b, nc);
	buf_bytes(b, r->server_guid, sizeof(r->server_guid));
	buf_le32(b, r->capabilities);
	buf_le32(b, r->max_transact);
	buf_le32(b, r->max_read);
	buf_le32(b, r->max_write);
	buf_le64(b, r->system_time);
	buf_le64(b, r->server_start_time);
	buf_le16(b, r->security_buffer_len ? SMB2_HDR_SIZE + NEG_RESP_FIXED : 0);
	buf_le16(b, r->security_buffer_len);
	size_t ctx_field = b->len;
	buf_le32(b, 0); /* NegotiateContextOffset, patched */
	buf_bytes(b, r->security_buffer, r->security_buffer_len);
	if (nc) {
		uint32_t off = encode_neg_contexts(b, hdr_off, r->contexts, nc);
		buf_set_le32(b, ctx_field, off);
	} else if (!r->security_buffer_len) {
		buf_u8(b, 0); /* the body is at least StructureSize bytes */
	}
}

/* MS-SMB2 2.2.3.1.1: HashAlgorithmCount, SaltLength, algorithms, salt.
 * DataLength may exceed what the fields need (3.3.5.4 only checks for
 * "less than"); ids beyond SMB2_MAX_CTX_IDS are skipped, not kept. */
int smb2_decode_preauth_ctx(const uint8_t *p, size_t n, struct smb2_preauth_ctx *out)
{
	struct cur c;

	cur_init(&c, p, n);
	uint16_t count = cur_le16(&c);
	out->salt_len = cur_le16(&c);
	out->hash_count = 0;
	for (uint32_t i = 0; i < count && cur_ok(&c); i++) {
		uint16_t id = cur_le16(&c);
		if (i < SMB2_MAX_CTX_IDS)
			out->hash_algs[out->hash_count++] = id;
	}
	out->salt = cur_take(&c, out->salt_len);
	if (!cur_ok(&c)) {
		out->hash_count = 0;
		return -1;
	}
	if (!out->salt_len)
		out->salt = NULL;
	return 0;
}

void smb2_encode_preauth_ctx(struct buf *b, const struct smb2_preauth_ctx *in)
{
	uint16_t n = clamp16(in->hash_count, SMB2_MAX_CTX_IDS);

	buf_le16(b, n);
	buf_le16(b, in->salt_len);
	for (uint16_t i = 0; i < n; i++)
		buf_le16(b, in->hash_algs[i]);
	buf_bytes(b, in->salt, in->salt_len);
}

/* MS-SMB2 2.2.3.1.2 (CipherCount, Ciphers) and 2.2.3.1.7
 * (SigningAlgorithmCount, SigningAlgorithms). */
int smb2_decode_id_list_ctx(const uint8_t *p, size_t n, struct smb2_id_list_ctx *out)
{
	struct cur c;

	cur_init(&c, p, n);
	uint16_t count = cur_le16(&c);
	out->count = 0;
	for (uint32_t i = 0; i < count && cur_ok(&c); i++) {
		uint16_t id = cur_le16(&c);
		if (i < SMB2_MAX_CTX_IDS)
			out->ids[out->count++] = id;
	}
	if (!cur_ok(&c)) {
		out->count = 0;
		return -1;
	}
	return 0;
}

void smb2_encode_id_list_ctx(struct buf *b, const struct smb2_id_list_ctx *in)
{
	uint16_t n = clamp16(in->count, SMB2_MAX_CTX_IDS);

	buf_le16(b, n);
	for (uint16_t i = 0; i < n; i++)
		buf_le16(b, in->ids[i]);
}
