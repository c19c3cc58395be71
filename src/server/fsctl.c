/* FSCTL buffers and FILE_NOTIFY_INFORMATION (see fsctl.h).  Reads go
 * through the cursor (STYLE 1); every count is checked against the bytes
 * present before it is used (STYLE 2). */
#include <string.h>

#include "common/cursor.h"
#include "server/fsctl.h"

int fsctl_decode_copychunk(const uint8_t *p, size_t n, struct fsctl_copychunk *out)
{
	struct cur c;
	cur_init(&c, p, n);
	memset(out, 0, sizeof(*out));
	cur_bytes(&c, out->key, sizeof(out->key));
	out->count = cur_le32(&c);
	cur_skip(&c, 4); /* Reserved */
	if (!cur_ok(&c))
		return -1;
	out->chunks = p + FSCTL_COPYCHUNK_FIXED;
	out->chunks_len = n - FSCTL_COPYCHUNK_FIXED;
	return 0;
}

bool fsctl_copychunk_complete(const struct fsctl_copychunk *c)
{
	return (uint64_t)c->count * FSCTL_COPYCHUNK_ENTRY <= c->chunks_len;
}

void fsctl_copychunk_get(const struct fsctl_copychunk *c, uint32_t i, struct fsctl_chunk *out)
{
	struct cur cu;
	cur_init(&cu, c->chunks, c->chunks_len);
	cur_skip(&cu, (size_t)i * FSCTL_COPYCHUNK_ENTRY);
	out->src_off = cur_le64(&cu);
	out->dst_off = cur_le64(&cu);
	out->len = cur_le32(&cu);
	if (!cur_ok(&cu))
		memset(out, 0, sizeof(*out));
}

void fsctl_encode_copychunk(struct buf *b, const uint8_t key[FSCTL_RESUME_KEY_LEN],
			    const struct fsctl_chunk *chunks, uint32_t count)
{
	buf_bytes(b, key, FSCTL_RESUME_KEY_LEN);
	buf_le32(b, count);
	buf_le32(b, 0);
	for (uint32_t i = 0; i < count; i++) {
		buf_le64(b, chunks[i].src_off);
		buf_le64(b, chunks[i].dst_off);
		buf_le32(b, chunks[i].len);
		buf_le32(b, 0);
	}
}

void fsctl_encode_copychunk_resp(struct buf *b, uint32_t chunks_written,
				 uint32_t chunk_bytes_written, uint32_t total_bytes_written)
{
	buf_le32(b, chunks_written);
	buf_le32(b, chunk_bytes_written);
	buf_le32(b, total_bytes_written);
}

void fsctl_encode_resume_key(struct buf *b, const uint8_t key[FSCTL_RESUME_KEY_LEN])
{
	buf_bytes(b, key, FSCTL_RESUME_KEY_LEN);
	buf_le32(b, 0); /* ContextLength */
	buf_le32(b, 0); /* Context */
}

int fsctl_decode_range(const uint8_t *p, size_t n, uint64_t *a, uint64_t *b)
{
	struct cur c;
	cur_init(&c, p, n);
	*a = cur_le64(&c);
	*b = cur_le64(&c);
	return cur_ok(&c) ? 0 : -1;
}

void fsctl_encode_range(struct buf *b, uint64_t off, uint64_t len)
{
	buf_le64(b, off);
	buf_le64(b, len);
}

#define AF_INET_WIRE 0x0002
#define AF_INET6_WIRE 0x0017

void fsctl_encode_net_ifaces(struct buf *b, const struct fsctl_net_iface *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct fsctl_net_iface *f = &v[i];
		buf_le32(b, i + 1 < n ? FSCTL_NET_IFACE_LEN : 0); /* Next */
		buf_le32(b, f->if_index);
		buf_le32(b, f->capability);
		buf_le32(b, 0); /* Reserved */
		buf_le64(b, f->link_speed);
		/* SOCKADDR_STORAGE: 128 bytes, network byte order inside. */
		if (f->ipv6) {
			buf_le16(b, AF_INET6_WIRE);
			buf_le16(b, 0);        /* Port */
			buf_le32(b, 0);        /* FlowInfo */
			buf_bytes(b, f->addr, 16);
			buf_le32(b, f->scope_id);
			buf_zero(b, 128 - 28);
		} else {
			buf_le16(b, AF_INET_WIRE);
			buf_le16(b, 0);        /* Port */
			buf_bytes(b, f->addr, 4);
			buf_zero(b, 128 - 8);
		}
	}
}

#define NOTIFY_FIXED 12 /* NextEntryOffset, Action, FileNameLength */

size_t fsctl_notify_entry_size(size_t name_len)
{
	return (NOTIFY_FIXED + name_len + 3) & ~(size_t)3;
}

size_t fsctl_encode_notify_entry(struct buf *b, uint32_t action, const uint8_t *name,
				 size_t name_len)
{
	size_t at = b->len;
	buf_le32(b, 0);
	buf_le32(b, action);
	buf_le32(b, (uint32_t)name_len);
	buf_bytes(b, name, name_len);
	buf_zero(b, fsctl_notify_entry_size(name_len) - NOTIFY_FIXED - name_len);
	return at;
}

void fsctl_notify_chain(struct buf *b, size_t prev, size_t next)
{
	buf_set_le32(b, prev, (uint32_t)(next - prev));
}

int fsctl_decode_notify_entry(const uint8_t *p, size_t n, size_t *pos, uint32_t *action,
			      const uint8_t **name, uint32_t *name_len)
{
	if (*pos == SIZE_MAX || *pos >= n)
		return 0;
	struct cur c, e;
	cur_init(&c, p, n);
	if (!cur_range(&c, *pos, n - *pos, &e))
		return -1;
	uint32_t next = cur_le32(&e);
	*action = cur_le32(&e);
	*name_len = cur_le32(&e);
	*name = cur_take(&e, *name_len);
	if (!cur_ok(&e) || (next && (next < NOTIFY_FIXED + *name_len || next % 4)))
		return -1;
	*pos = next ? *pos + next : SIZE_MAX;
	return 1;
}
