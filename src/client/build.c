/* Pure request builders and response-payload parsers of libdaxsmb,
 * over the proto/ codec.  No I/O; unit-tested in tests/unit/client. */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/cursor.h"
#include "common/utf16.h"
#include "proto/fscc.h"

static const uint16_t all_dialects[] = {SMB2_DIALECT_202, SMB2_DIALECT_210, SMB2_DIALECT_300,
					SMB2_DIALECT_302, SMB2_DIALECT_311};

unsigned cl_dialect_list(uint16_t min, uint16_t max, uint16_t out[8])
{
	unsigned n = 0;
	for (size_t i = 0; i < sizeof(all_dialects) / sizeof(all_dialects[0]); i++)
		if (all_dialects[i] >= min && all_dialects[i] <= max)
			out[n++] = all_dialects[i];
	return n;
}

/* MS-SMB2 2.2.3: the dialects in range; for 3.1.1 the preauth integrity
 * context (SHA-512, a 32-byte salt) and the signing capabilities context
 * (AES-GMAC preferred, AES-CMAC), 2.2.3.1.1 and 2.2.3.1.7. */
void cl_build_negotiate(struct buf *b, size_t hdr_off, uint16_t min, uint16_t max,
			bool require_signing, const uint8_t guid[16], const uint8_t salt[32])
{
	struct smb2_negotiate_req r;
	memset(&r, 0, sizeof(r));
	uint16_t d[8];
	r.dialect_count = (uint16_t)cl_dialect_list(min, max, d);
	memcpy(r.dialects, d, r.dialect_count * sizeof(d[0]));
	r.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED |
			  (require_signing ? SMB2_NEGOTIATE_SIGNING_REQUIRED : 0);
	r.capabilities = max >= SMB2_DIALECT_210 ? SMB2_GLOBAL_CAP_LARGE_MTU : 0;
	memcpy(r.client_guid, guid, 16);

	struct buf pre, sig;
	buf_init(&pre, 256);
	buf_init(&sig, 64);
	if (max >= SMB2_DIALECT_311) {
		struct smb2_preauth_ctx p = {.hash_count = 1, .salt = salt, .salt_len = 32};
		p.hash_algs[0] = SMB2_PREAUTH_HASH_SHA512;
		smb2_encode_preauth_ctx(&pre, &p);
		struct smb2_id_list_ctx s = {.count = 2};
		s.ids[0] = SMB2_SIGN_AES_GMAC;
		s.ids[1] = SMB2_SIGN_AES_CMAC;
		smb2_encode_id_list_ctx(&sig, &s);
		r.contexts[0] = (struct smb2_neg_context){SMB2_PREAUTH_INTEGRITY_CAPABILITIES, pre.p,
							  (uint16_t)pre.len};
		r.contexts[1] = (struct smb2_neg_context){SMB2_SIGNING_CAPABILITIES, sig.p,
							  (uint16_t)sig.len};
		r.context_count = 2;
		if (!buf_ok(&pre) || !buf_ok(&sig))
			b->err = true;
	}
	smb2_encode_negotiate_req(b, hdr_off, &r);
	buf_free(&pre);
	buf_free(&sig);
}

bool cl_put_path(struct buf *b, const char *path)
{
	const char *s = path;
	bool first = true;
	while (*s) {
		while (*s == '/' || *s == '\\')
			s++;
		if (!*s)
			break;
		const char *e = s;
		while (*e && *e != '/' && *e != '\\')
			e++;
		size_t n = (size_t)(e - s);
		if ((n == 2 && !memcmp(s, "..", 2)))
			return false;
		if (!(n == 1 && *s == '.')) {
			if (!first)
				buf_le16(b, '\\');
			if (!buf_put_utf16le(b, s, n))
				return false;
			first = false;
		}
		s = e;
	}
	return buf_ok(b);
}

bool cl_build_create(struct buf *b, size_t hdr_off, const char *path,
		     const struct dsmb_create_args *a)
{
	struct buf name;
	buf_init(&name, 65534);
	if (!cl_put_path(&name, path)) {
		buf_free(&name);
		return false;
	}
	struct smb2_create_req r;
	memset(&r, 0, sizeof(r));
	r.oplock_level = SMB2_OPLOCK_LEVEL_NONE;
	r.impersonation_level = 2; /* Impersonation */
	r.desired_access = a->desired_access;
	r.file_attributes = a->file_attributes;
	r.share_access = a->share_access;
	r.create_disposition = a->disposition;
	r.create_options = a->options;
	r.name = name.p;
	r.name_len = (uint16_t)name.len;
	smb2_encode_create_req(b, hdr_off, &r);
	buf_free(&name);
	return buf_ok(b);
}

/* The codec's WRITE encoder copies the data; for a payload sent from the
 * caller's memory (writev) we encode with no data and patch Length, then
 * drop the one-byte Buffer placeholder the encoder adds for an empty
 * write (MS-SMB2 2.2.21: data at DataOffset 0x70, right after). */
void cl_build_write_fixed(struct buf *b, size_t hdr_off, const struct smb2_fileid *id,
			  uint64_t off, uint32_t len, uint32_t flags)
{
	size_t body = b->len;
	struct smb2_write_req w;
	memset(&w, 0, sizeof(w));
	w.length = 0;
	w.offset = off;
	w.file_id = *id;
	w.flags = flags;
	smb2_encode_write_req(b, hdr_off, &w);
	if (!buf_ok(b))
		return;
	if (len) {
		b->len = body + 48;
		buf_set_le32(b, body + 4, len);
	}
}

/* MS-FSCC 2.4.17 FileIdBothDirectoryInformation: 104 fixed bytes and the
 * name; entries chained by NextEntryOffset, which must move forward and
 * stay inside the buffer. */
int cl_parse_id_both_dir(const uint8_t *p, size_t n, dsmb_list_cb cb, void *arg)
{
	size_t pos = 0;
	for (;;) {
		struct cur c, e;
		cur_init(&c, p, n);
		if (!cur_range(&c, pos, n - pos, &e))
			return -1;
		uint32_t next = cur_le32(&e);
		cur_skip(&e, 4); /* FileIndex */
		struct dsmb_dirent d;
		memset(&d, 0, sizeof(d));
		d.st.creation_time = cur_le64(&e);
		d.st.last_access_time = cur_le64(&e);
		d.st.last_write_time = cur_le64(&e);
		d.st.change_time = cur_le64(&e);
		d.st.size = cur_le64(&e);
		d.st.allocation_size = cur_le64(&e);
		d.st.attributes = cur_le32(&e);
		uint32_t name_len = cur_le32(&e);
		cur_skip(&e, 4 + 1 + 1 + 24 + 2); /* EaSize, ShortNameLength, Reserved1, ShortName, Reserved2 */
		d.file_id = cur_le64(&e);
		const uint8_t *name = cur_take(&e, name_len);
		if (!cur_ok(&e) || (next && (next < 104 + (uint64_t)name_len || next > n - pos)))
			return -1;
		char *u8 = utf16le_to_utf8(name, name_len, 4 * 1024, NULL);
		if (!u8)
			return -1;
		d.name = u8;
		d.st.is_dir = (d.st.attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
		int stop = cb(&d, arg);
		free(u8);
		if (stop)
			return 1;
		if (!next)
			return 0;
		pos += next;
	}
}

/* MS-FSCC 2.4.29 FileNetworkOpenInformation. */
int cl_parse_network_open(const uint8_t *p, size_t n, struct dsmb_stat *st)
{
	struct cur c;
	cur_init(&c, p, n);
	memset(st, 0, sizeof(*st));
	st->creation_time = cur_le64(&c);
	st->last_access_time = cur_le64(&c);
	st->last_write_time = cur_le64(&c);
	st->change_time = cur_le64(&c);
	st->allocation_size = cur_le64(&c);
	st->size = cur_le64(&c);
	st->attributes = cur_le32(&c);
	cur_skip(&c, 4);
	st->is_dir = (st->attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
	return cur_ok(&c) ? 0 : -1;
}

/* MS-FSCC 2.4.2 FileAllInformation: Basic (40: 4 times + attributes +
 * reserved), Standard (24), then the rest, of which we need nothing. */
int cl_parse_all_info(const uint8_t *p, size_t n, struct dsmb_stat *st, uint32_t *nlink,
		      bool *delete_pending)
{
	struct cur c;
	cur_init(&c, p, n);
	memset(st, 0, sizeof(*st));
	st->creation_time = cur_le64(&c);
	st->last_access_time = cur_le64(&c);
	st->last_write_time = cur_le64(&c);
	st->change_time = cur_le64(&c);
	st->attributes = cur_le32(&c);
	cur_skip(&c, 4);
	st->allocation_size = cur_le64(&c);
	st->size = cur_le64(&c);
	uint32_t links = cur_le32(&c);
	uint8_t dp = cur_u8(&c);
	uint8_t dir = cur_u8(&c);
	if (!cur_ok(&c))
		return -1;
	st->is_dir = dir || (st->attributes & FILE_ATTRIBUTE_DIRECTORY);
	if (nlink)
		*nlink = links;
	if (delete_pending)
		*delete_pending = dp != 0;
	return 0;
}

/* MS-SMB2 2.2.31.1 SRV_COPYCHUNK_COPY: SourceKey (24), ChunkCount,
 * Reserved, then SRV_COPYCHUNK entries (SourceOffset, TargetOffset,
 * Length, Reserved). */
void cl_build_copychunk(struct buf *b, const uint8_t key[CL_RESUME_KEY_LEN], uint64_t src_off,
			uint64_t dst_off, uint64_t len, uint32_t chunk)
{
	uint64_t count = chunk ? (len + chunk - 1) / chunk : 0;
	if (!chunk || !len || count > UINT32_MAX) {
		b->err = true;
		return;
	}
	buf_bytes(b, key, CL_RESUME_KEY_LEN);
	buf_le32(b, (uint32_t)count);
	buf_le32(b, 0);
	for (uint64_t done = 0; done < len;) {
		uint32_t n = len - done < chunk ? (uint32_t)(len - done) : chunk;
		buf_le64(b, src_off + done);
		buf_le64(b, dst_off + done);
		buf_le32(b, n);
		buf_le32(b, 0);
		done += n;
	}
}

/* 2.2.32.1 SRV_COPYCHUNK_RESPONSE: three 32-bit counts. */
int cl_parse_copychunk_resp(const uint8_t *p, size_t n, struct cl_copychunk_resp *r)
{
	struct cur c;
	cur_init(&c, p, n);
	r->chunks_written = cur_le32(&c);
	r->chunk_bytes_written = cur_le32(&c);
	r->total_bytes_written = cur_le32(&c);
	return cur_ok(&c) ? 0 : -1;
}

/* 2.2.32.3 SRV_REQUEST_RESUME_KEY response: ResumeKey, ContextLength,
 * Context; only the key matters to the client. */
int cl_parse_resume_key(const uint8_t *p, size_t n, uint8_t key[CL_RESUME_KEY_LEN])
{
	struct cur c;
	cur_init(&c, p, n);
	const uint8_t *k = cur_take(&c, CL_RESUME_KEY_LEN);
	if (!cur_ok(&c))
		return -1;
	memcpy(key, k, CL_RESUME_KEY_LEN);
	return 0;
}
