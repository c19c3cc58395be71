/* Helpers shared by the rpc unit tests: a share list, PDU builders and a
 * reader that splits the pipe's output into PDUs. */
#ifndef RPC_TEST_UTIL_H
#define RPC_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "rpc/rpc.h"

static const struct rpc_share test_shares[] = {
	{ "IPC$", RPC_SHARE_IPC, "IPC Service (daxsmb)", "" },
	{ "data", RPC_SHARE_DISK, "Data share", "/srv/data" },
	{ "\xc3\x9c" "n" "\xc3\xaf" "c" "\xc3\xb8" "d" "\xc3\xa9", RPC_SHARE_DISK, NULL, "/srv/u" },
};

static const struct rpc_env test_env = { "DAXSMB", test_shares, 3 };

#define OP_SHARE_ENUM	15
#define OP_SHARE_GETINFO 16
#define OP_SERVER_GETINFO 21

static const uint8_t uuid_srvsvc[20] = {
	0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01, 0x12, 0x78, 0x5a, 0x47,
	0xbf, 0x6e, 0xe1, 0x88, 0x03, 0x00, 0x00, 0x00 };
static const uint8_t uuid_ndr20[20] = {
	0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00,
	0x2b, 0x10, 0x48, 0x60, 0x02, 0x00, 0x00, 0x00 };

static inline size_t t_hdr(struct buf *b, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
	size_t start = b->len;
	buf_u8(b, 5);
	buf_u8(b, 0);
	buf_u8(b, ptype);
	buf_u8(b, flags);
	buf_le32(b, 0x10);
	buf_le16(b, 0);
	buf_le16(b, 0);
	buf_le32(b, call_id);
	return start;
}

static inline void t_end(struct buf *b, size_t start)
{
	buf_set_le16(b, start + 8, (uint16_t)(b->len - start));
}

/* A bind for srvsvc / NDR 2.0 on context 0. */
static inline void t_bind(struct buf *b, uint32_t call_id, uint16_t max_xmit, uint16_t max_recv)
{
	size_t s = t_hdr(b, 11, 3, call_id);
	buf_le16(b, max_xmit);
	buf_le16(b, max_recv);
	buf_le32(b, 0);
	buf_u8(b, 1);
	buf_zero(b, 3);
	buf_le16(b, 0);		/* p_cont_id */
	buf_u8(b, 1);
	buf_u8(b, 0);
	buf_bytes(b, uuid_srvsvc, 20);
	buf_bytes(b, uuid_ndr20, 20);
	t_end(b, s);
}

static inline void t_request(struct buf *b, uint8_t flags, uint32_t call_id, uint16_t ctx,
			     uint16_t opnum, const void *stub, size_t len)
{
	size_t s = t_hdr(b, 0, flags, call_id);
	buf_le32(b, (uint32_t)len);
	buf_le16(b, ctx);
	buf_le16(b, opnum);
	buf_bytes(b, stub, len);
	t_end(b, s);
}

struct t_pdu {
	uint8_t ptype, flags;
	uint16_t frag_len;
	uint32_t call_id;
	const uint8_t *p;	/* whole PDU */
};

/* Reads everything pending, a PDU per read as the pipe promises. */
static inline size_t t_read_all(struct rpc_pipe *p, uint8_t **out)
{
	size_t len = 0, cap = 0;
	uint8_t *o = NULL;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap * 2 + 65536;
			o = realloc(o, cap);
		}
		size_t n = rpc_pipe_read(p, o + len, 65536);
		if (!n)
			break;
		/* a read never spans two PDUs */
		if (n >= 10)
			assert_int_equal(get_le16(o + len + 8), n);
		len += n;
	}
	*out = o;
	return len;
}

/* Splits a stream of PDUs; returns the count (at most max). */
static inline size_t t_split(const uint8_t *b, size_t len, struct t_pdu *pdus, size_t max)
{
	size_t n = 0, off = 0;
	while (off + 16 <= len && n < max) {
		struct t_pdu *d = &pdus[n++];
		d->p = b + off;
		d->ptype = b[off + 2];
		d->flags = b[off + 3];
		d->frag_len = get_le16(b + off + 8);
		d->call_id = get_le32(b + off + 12);
		assert_true(d->frag_len >= 16 && off + d->frag_len <= len);
		off += d->frag_len;
	}
	assert_int_equal(off, len);
	return n;
}

/* Opens srvsvc on test_env and binds context 0 with the given fragment
 * sizes; checks the bind_ack. */
static inline struct rpc_pipe *t_open_bound(uint16_t max_frag)
{
	struct rpc_pipe *p = rpc_pipe_open("srvsvc", &test_env);
	assert_non_null(p);
	struct buf b;
	buf_init(&b, 1 << 16);
	t_bind(&b, 1, max_frag, max_frag);
	assert_int_equal(rpc_pipe_write(p, b.p, b.len), 0);
	buf_free(&b);
	uint8_t *o;
	size_t n = t_read_all(p, &o);
	assert_true(n >= 16);
	assert_int_equal(o[2], 12);	/* bind_ack */
	free(o);
	return p;
}

/* Runs one single-fragment request and returns the whole response stub
 * (reassembled), or the fault status in *fault. */
static inline size_t t_call(struct rpc_pipe *p, uint16_t opnum, const void *stub, size_t len,
			    uint8_t **out, uint32_t *fault)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	t_request(&b, 3, 9, 0, opnum, stub, len);
	assert_int_equal(rpc_pipe_write(p, b.p, b.len), 0);
	buf_free(&b);
	uint8_t *o;
	size_t n = t_read_all(p, &o);
	struct t_pdu pdus[4096];
	size_t k = t_split(o, n, pdus, 4096);
	assert_true(k >= 1);
	*fault = 0;
	uint8_t *stubs = malloc(n + 1);
	size_t sl = 0;
	for (size_t i = 0; i < k; i++) {
		assert_int_equal(pdus[i].call_id, 9);
		if (pdus[i].ptype == 3) {
			assert_int_equal(k, 1);
			assert_int_equal(pdus[i].frag_len, 32);
			*fault = get_le32(pdus[i].p + 24);
			break;
		}
		assert_int_equal(pdus[i].ptype, 2);
		assert_int_equal(!!(pdus[i].flags & 1), i == 0);
		assert_int_equal(!!(pdus[i].flags & 2), i == k - 1);
		memcpy(stubs + sl, pdus[i].p + 24, pdus[i].frag_len - 24u);
		sl += pdus[i].frag_len - 24u;
	}
	free(o);
	*out = stubs;
	return sl;
}

#endif
