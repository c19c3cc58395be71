/* DCE/RPC pipe: bind, requests, fragmentation and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "common/cursor.h"
#include "rpc/ndr.h"
#include "rpc_test_util.h"
#include "rpc_vectors.h"

static void assert_bind_ack(const uint8_t *got, size_t n, const uint8_t *want, size_t wn)
{
	assert_int_equal(n, wn);
	assert_memory_equal(got, want, 20);
	assert_true(get_le32(got + 20) != 0);	/* assoc_group_id assigned */
	assert_memory_equal(got + 24, want + 24, wn - 24);
}

static void test_open(void **state)
{
	struct rpc_pipe *p = rpc_pipe_open("SrvSvc", &test_env);
	assert_non_null(p);
	rpc_pipe_close(p);
	p = rpc_pipe_open("wkssvc", &test_env);
	assert_non_null(p);
	rpc_pipe_close(p);
	assert_null(rpc_pipe_open("lsarpc", &test_env));
	assert_null(rpc_pipe_open("srvsvc", NULL));
	assert_int_equal(rpc_pipe_pending(NULL), 0);
	rpc_pipe_close(NULL);
}

static void test_bind_ack_bytes(void **state)
{
	struct rpc_pipe *p = rpc_pipe_open("srvsvc", &test_env);
	assert_int_equal(rpc_pipe_write(p, bind_srvsvc, sizeof(bind_srvsvc)), 0);
	uint8_t *o;
	size_t n = t_read_all(p, &o);
	assert_bind_ack(o, n, bind_ack_srvsvc, sizeof(bind_ack_srvsvc));
	free(o);
	rpc_pipe_close(p);
}

/* NDR64 rejected (reason 2), NDR accepted, bind time features answered
 * with negotiate_ack, wkssvc on the srvsvc pipe rejected (reason 1). */
static void test_bind_contexts(void **state)
{
	struct rpc_pipe *p = rpc_pipe_open("srvsvc", &test_env);
	assert_int_equal(rpc_pipe_write(p, bind_multi, sizeof(bind_multi)), 0);
	uint8_t *o;
	size_t n = t_read_all(p, &o);
	assert_bind_ack(o, n, bind_multi_ack, sizeof(bind_multi_ack));
	free(o);
	/* context 1 (the accepted one) serves requests, context 0 does not */
	struct buf b;
	buf_init(&b, 4096);
	t_request(&b, 3, 5, 1, OP_SERVER_GETINFO, server_getinfo_101_stub,
		  sizeof(server_getinfo_101_stub));
	t_request(&b, 3, 6, 0, OP_SERVER_GETINFO, server_getinfo_101_stub,
		  sizeof(server_getinfo_101_stub));
	assert_int_equal(rpc_pipe_write(p, b.p, b.len), 0);
	buf_free(&b);
	n = t_read_all(p, &o);
	struct t_pdu pdus[2];
	assert_int_equal(t_split(o, n, pdus, 2), 2);
	assert_int_equal(pdus[0].ptype, 2);
	assert_int_equal(pdus[1].ptype, 3);
	assert_int_equal(get_le32(pdus[1].p + 24), 0x1c010003);
	free(o);
	rpc_pipe_close(p);
}

static void test_enum_smbclient(void **state)
{
	struct rpc_pipe *p = rpc_pipe_open("srvsvc", &test_env);
	assert_int_equal(rpc_pipe_write(p, bind_srvsvc, sizeof(bind_srvsvc)), 0);
	uint8_t *o;
	size_t n = t_read_all(p, &o);
	free(o);
	assert_int_equal(rpc_pipe_write(p, enum1_req, sizeof(enum1_req)), 0);
	n = t_read_all(p, &o);
	assert_int_equal(n, sizeof(enum1_resp));
	assert_memory_equal(o, enum1_resp, n);

	/* decode the fields back */
	struct cur c;
	cur_init(&c, o + 24, n - 24);
	assert_int_equal(ndr_get_u32(&c), 1);		/* Level */
	assert_int_equal(ndr_get_u32(&c), 1);		/* switch */
	assert_int_not_equal(ndr_get_ptr(&c), 0);	/* container */
	assert_int_equal(ndr_get_u32(&c), 3);		/* EntriesRead */
	assert_int_not_equal(ndr_get_ptr(&c), 0);	/* Buffer */
	assert_int_equal(ndr_get_u32(&c), 3);		/* conformance */
	static const uint32_t types[] = { RPC_SHARE_IPC, RPC_SHARE_DISK, RPC_SHARE_DISK };
	uint32_t refs[6];
	for (int i = 0; i < 3; i++) {
		refs[2 * i] = ndr_get_ptr(&c);
		assert_int_equal(ndr_get_u32(&c), types[i]);
		refs[2 * i + 1] = ndr_get_ptr(&c);
	}
	for (int i = 0; i < 6; i++)
		for (int k = 0; k < i; k++)
			assert_int_not_equal(refs[i], refs[k]);	/* distinct referents */
	static const char *const want[] = { "IPC$", "IPC Service (daxsmb)", "data", "Data share",
					    test_shares[2].name, "" };
	for (int i = 0; i < 6; i++) {
		char *s;
		ndr_get_wstring(&c, 100, &s);
		assert_non_null(s);
		assert_string_equal(s, want[i]);
		free(s);
	}
	assert_int_equal(ndr_get_u32(&c), 3);		/* TotalEntries */
	assert_int_not_equal(ndr_get_ptr(&c), 0);	/* ResumeHandle */
	assert_int_equal(ndr_get_u32(&c), 0);
	assert_int_equal(ndr_get_u32(&c), 0);		/* WERR_OK */
	assert_true(cur_end(&c));
	free(o);
	rpc_pipe_close(p);
}

static void test_getinfo(void **state)
{
	struct rpc_pipe *p = t_open_bound(4280);
	uint8_t *o;
	uint32_t fault;
	struct cur c;
	char *s;

	/* present, level 1, name matched case-insensitively */
	size_t n = t_call(p, OP_SHARE_GETINFO, getinfo_data_1_stub, sizeof(getinfo_data_1_stub),
			  &o, &fault);
	assert_int_equal(fault, 0);
	cur_init(&c, o, n);
	assert_int_equal(ndr_get_u32(&c), 1);
	assert_int_not_equal(ndr_get_ptr(&c), 0);
	assert_int_not_equal(ndr_get_ptr(&c), 0);
	assert_int_equal(ndr_get_u32(&c), RPC_SHARE_DISK);
	assert_int_not_equal(ndr_get_ptr(&c), 0);
	ndr_get_wstring(&c, 100, &s);
	assert_string_equal(s, "data");
	free(s);
	ndr_get_wstring(&c, 100, &s);
	assert_string_equal(s, "Data share");
	free(s);
	assert_int_equal(ndr_get_u32(&c), 0);
	assert_true(cur_end(&c));
	free(o);

	/* absent share */
	n = t_call(p, OP_SHARE_GETINFO, getinfo_absent_2_stub, sizeof(getinfo_absent_2_stub),
		   &o, &fault);
	assert_int_equal(fault, 0);
	static const uint8_t absent[] = { 2, 0, 0, 0, 0, 0, 0, 0, 0x06, 0x09, 0, 0 };
	assert_int_equal(n, sizeof(absent));
	assert_memory_equal(o, absent, n);
	free(o);

	/* unknown level: empty default arm, ERROR_INVALID_LEVEL */
	n = t_call(p, OP_SHARE_GETINFO, getinfo_data_7_stub, sizeof(getinfo_data_7_stub),
		   &o, &fault);
	assert_int_equal(fault, 0);
	static const uint8_t badlevel[] = { 7, 0, 0, 0, 124, 0, 0, 0 };
	assert_int_equal(n, sizeof(badlevel));
	assert_memory_equal(o, badlevel, n);
	free(o);
	rpc_pipe_close(p);
}

static void test_server_getinfo(void **state)
{
	struct rpc_pipe *p = t_open_bound(4280);
	uint8_t *o;
	uint32_t fault;
	size_t n = t_call(p, OP_SERVER_GETINFO, server_getinfo_101_stub,
			  sizeof(server_getinfo_101_stub), &o, &fault);
	assert_int_equal(fault, 0);
	struct cur c;
	cur_init(&c, o, n);
	assert_int_equal(ndr_get_u32(&c), 101);
	assert_int_not_equal(ndr_get_ptr(&c), 0);
	assert_int_equal(ndr_get_u32(&c), 500);
	assert_int_not_equal(ndr_get_ptr(&c), 0);
	assert_int_equal(ndr_get_u32(&c), 10);
	assert_int_equal(ndr_get_u32(&c), 0);
	assert_int_equal(ndr_get_u32(&c), 0x9003);
	assert_int_not_equal(ndr_get_ptr(&c), 0);
	char *s;
	ndr_get_wstring(&c, 100, &s);
	assert_string_equal(s, "DAXSMB");
	free(s);
	ndr_get_wstring(&c, 100, &s);
	assert_non_null(s);
	free(s);
	assert_int_equal(ndr_get_u32(&c), 0);
	assert_true(cur_end(&c));
	free(o);
	rpc_pipe_close(p);
}

static void test_faults(void **state)
{
	struct rpc_pipe *p = rpc_pipe_open("srvsvc", &test_env);
	uint8_t *o;
	uint32_t fault;
	/* a request before any bind */
	t_call(p, OP_SERVER_GETINFO, server_getinfo_101_stub, sizeof(server_getinfo_101_stub),
	       &o, &fault);
	assert_int_equal(fault, 0x1c010003);
	free(o);
	rpc_pipe_close(p);

	p = t_open_bound(4280);
	t_call(p, 99, NULL, 0, &o, &fault);
	assert_int_equal(fault, 0x1c010002);	/* nca_op_rng_error */
	free(o);
	t_call(p, 0, NULL, 0, &o, &fault);
	assert_int_equal(fault, 0x1c010002);
	free(o);
	/* truncated stub, trailing junk */
	t_call(p, OP_SHARE_GETINFO, getinfo_data_1_stub, 20, &o, &fault);
	assert_int_equal(fault, 0x6f7);
	free(o);
	uint8_t big[64] = { 0 };
	memcpy(big, server_getinfo_101_stub, 8);
	t_call(p, OP_SERVER_GETINFO, big, sizeof(big), &o, &fault);
	assert_int_equal(fault, 0x6f7);
	free(o);
	/* unknown union tag in the enum request */
	uint8_t e[sizeof(enum1_req) - 24];
	memcpy(e, enum1_req + 24, sizeof(e));
	put_le32(e + 36, 7);
	put_le32(e + 40, 7);
	t_call(p, OP_SHARE_ENUM, e, sizeof(e), &o, &fault);
	assert_int_equal(fault, 0x1c000006);
	free(o);

	/* bogus context id */
	struct buf b;
	buf_init(&b, 4096);
	t_request(&b, 3, 77, 0x1234, OP_SERVER_GETINFO, server_getinfo_101_stub, 8);
	assert_int_equal(rpc_pipe_write(p, b.p, b.len), 0);
	size_t n = t_read_all(p, &o);
	assert_int_equal(n, 32);
	assert_int_equal(o[2], 3);
	assert_int_equal(o[3], 0x23);		/* first | last | did_not_execute */
	assert_int_equal(get_le32(o + 12), 77);
	assert_int_equal(get_le16(o + 20), 0x1234);
	assert_int_equal(get_le32(o + 24), 0x1c010003);
	free(o);
	buf_free(&b);
	rpc_pipe_close(p);
}

/* A 303-share list through 256-byte fragments: flags, alloc_hint, 8-byte
 * multiples, and every entry back after reassembly. */
static void test_fragmented_response(void **state)
{
	enum { EXTRA = 300 };
	struct rpc_share *sh = calloc(3 + EXTRA, sizeof(*sh));
	memcpy(sh, test_shares, sizeof(test_shares));
	char (*names)[24] = calloc(EXTRA, 24);
	for (int i = 0; i < EXTRA; i++) {
		snprintf(names[i], 24, "share%04d", i);
		sh[3 + i] = (struct rpc_share){ names[i], RPC_SHARE_DISK, "comment", "/x" };
	}
	struct rpc_env env = { "DAXSMB", sh, 3 + EXTRA };
	struct rpc_pipe *p = rpc_pipe_open("srvsvc", &env);
	struct buf b;
	buf_init(&b, 1 << 16);
	t_bind(&b, 1, 4280, 256);
	t_request(&b, 3, 2, 0, OP_SHARE_ENUM, enum1_req + 24, sizeof(enum1_req) - 24);
	assert_int_equal(rpc_pipe_write(p, b.p, b.len), 0);
	buf_free(&b);
	uint8_t *o;
	size_t n = t_read_all(p, &o);
	struct t_pdu pdus[1024] = { 0 };
	size_t k = t_split(o, n, pdus, 1024);
	assert_true(k > 20);
	assert_int_equal(pdus[0].ptype, 12);
	assert_int_equal(get_le16(pdus[0].p + 16), 256);	/* max_xmit_frag */
	uint8_t *stub = malloc(n);
	size_t sl = 0, total = 0;
	for (size_t i = 1; i < k; i++) {
		assert_int_equal(pdus[i].ptype, 2);
		assert_true(pdus[i].frag_len <= 256);
		assert_int_equal(!!(pdus[i].flags & 1), i == 1);
		assert_int_equal(!!(pdus[i].flags & 2), i == k - 1);
		size_t len = pdus[i].frag_len - 24u;
		if (i < k - 1)
			assert_int_equal(len % 8, 0);
		if (i == 1)
			total = get_le32(pdus[i].p + 16);
		assert_int_equal(get_le32(pdus[i].p + 16), total - sl);	/* alloc_hint */
		memcpy(stub + sl, pdus[i].p + 24, len);
		sl += len;
	}
	assert_int_equal(sl, total);
	struct cur c;
	cur_init(&c, stub, sl);
	cur_skip(&c, 12);
	assert_int_equal(ndr_get_u32(&c), 3 + EXTRA);
	cur_skip(&c, 8 + 12 * (3 + EXTRA));
	for (int i = 0; i < 3 + EXTRA; i++) {
		char *s;
		ndr_get_wstring(&c, 100, &s);
		assert_string_equal(s, sh[i].name);
		free(s);
		ndr_get_wstring(&c, 100, NULL);
	}
	assert_int_equal(ndr_get_u32(&c), 3 + EXTRA);
	cur_skip(&c, 8);
	assert_int_equal(ndr_get_u32(&c), 0);
	assert_true(cur_end(&c));
	free(stub);
	free(o);

	/* PreferedMaximumLength and ResumeHandle: walk the list in pages */
	uint8_t req[sizeof(enum1_req) - 24];
	memcpy(req, enum1_req + 24, sizeof(req));
	put_le32(req + 56, 1000);	/* PreferedMaximumLength */
	uint32_t resume = 0, seen = 0, rounds = 0;
	do {
		put_le32(req + 64, resume);
		uint32_t fault;
		uint8_t *r;
		size_t rl = t_call(p, OP_SHARE_ENUM, req, sizeof(req), &r, &fault);
		assert_int_equal(fault, 0);
		cur_init(&c, r, rl);
		cur_skip(&c, 12);
		uint32_t cnt = ndr_get_u32(&c);
		assert_true(cnt >= 1 && cnt < 3 + EXTRA);
		seen += cnt;
		cur_seek(&c, rl - 16);
		assert_int_equal(ndr_get_u32(&c), 3 + EXTRA);
		assert_int_not_equal(ndr_get_ptr(&c), 0);
		resume = ndr_get_u32(&c);
		uint32_t werr = ndr_get_u32(&c);
		assert_int_equal(werr, seen < 3 + EXTRA ? 234 : 0);
		assert_int_equal(resume, seen < 3 + EXTRA ? seen : 0);
		free(r);
		rounds++;
	} while (resume);
	assert_int_equal(seen, 3 + EXTRA);
	assert_true(rounds > 5);
	rpc_pipe_close(p);
	free(names);
	free(sh);
}

/* The same conversation written whole, byte by byte and in odd pieces
 * gives the same bytes back. */
static void test_split_writes(void **state)
{
	uint8_t conv[sizeof(bind_srvsvc) + sizeof(enum1_req)];
	memcpy(conv, bind_srvsvc, sizeof(bind_srvsvc));
	memcpy(conv + sizeof(bind_srvsvc), enum1_req, sizeof(enum1_req));
	static const size_t steps[] = { sizeof(conv), 1, 3, 7, 16, 17, 50 };
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct rpc_pipe *p = rpc_pipe_open("srvsvc", &test_env);
		for (size_t off = 0; off < sizeof(conv); off += steps[s]) {
			size_t m = sizeof(conv) - off < steps[s] ? sizeof(conv) - off : steps[s];
			assert_int_equal(rpc_pipe_write(p, conv + off, m), 0);
		}
		uint8_t *o;
		size_t n = t_read_all(p, &o);
		assert_int_equal(n, sizeof(bind_ack_srvsvc) + sizeof(enum1_resp));
		assert_memory_equal(o + sizeof(bind_ack_srvsvc), enum1_resp, sizeof(enum1_resp));
		free(o);
		rpc_pipe_close(p);
	}
}

/* A request stub sent in three fragments; a stray continuation; a request
 * beyond the reassembly cap. */
static void test_fragmented_request(void **state)
{
	struct rpc_pipe *p = t_open_bound(4280);
	const uint8_t *stub = enum1_req + 24;
	size_t sl = sizeof(enum1_req) - 24;
	struct buf b;
	buf_init(&b, 1 << 16);
	t_request(&b, 1, 1, 0, OP_SHARE_ENUM, stub, 16);
	t_request(&b, 0, 1, 0, OP_SHARE_ENUM, stub + 16, 24);
	t_request(&b, 2, 1, 0, OP_SHARE_ENUM, stub + 40, sl - 40);
	assert_int_equal(rpc_pipe_write(p, b.p, b.len), 0);
	uint8_t *o;
	size_t n = t_read_all(p, &o);
	assert_int_equal(n, sizeof(enum1_resp));
	assert_memory_equal(o, enum1_resp, n);
	free(o);

	/* a middle fragment of a call never started */
	buf_reset(&b);
	t_request(&b, 0, 42, 0, OP_SHARE_ENUM, stub, 16);
	t_request(&b, 2, 42, 0, OP_SHARE_ENUM, stub, 16);	/* dropped quietly */
	assert_int_equal(rpc_pipe_write(p, b.p, b.len), 0);
	n = t_read_all(p, &o);
	assert_int_equal(n, 32);
	assert_int_equal(get_le32(o + 24), 0x1c01000b);
	free(o);

	/* 17 fragments of 65000 bytes: over 1 MiB, one fault, then the
	 * remaining fragments are ignored and the pipe still works */
	static uint8_t chunk[65000];
	for (int i = 0; i < 17; i++) {
		buf_reset(&b);
		t_request(&b, i == 0 ? 1 : i == 16 ? 2 : 0, 50, 0, OP_SHARE_ENUM, chunk,
			  sizeof(chunk));
		assert_int_equal(rpc_pipe_write(p, b.p, b.len), 0);
	}
	n = t_read_all(p, &o);
	assert_int_equal(n, 32);
	assert_int_equal(get_le32(o + 24), 0x1c000016);
	free(o);
	buf_reset(&b);
	t_request(&b, 3, 51, 0, OP_SHARE_ENUM, stub, sl);
	assert_int_equal(rpc_pipe_write(p, b.p, b.len), 0);
	n = t_read_all(p, &o);
	assert_int_equal(n, sizeof(enum1_resp));
	free(o);
	buf_free(&b);
	rpc_pipe_close(p);
}

/* Every prefix of a bind and of a request, and every PDU cut short with
 * its frag_length patched to match: never a crash, never a reply to a
 * partial PDU. */
static void test_truncated(void **state)
{
	for (size_t i = 0; i < sizeof(bind_multi); i++) {
		struct rpc_pipe *p = rpc_pipe_open("srvsvc", &test_env);
		assert_int_equal(rpc_pipe_write(p, bind_multi, i), 0);
		assert_int_equal(rpc_pipe_pending(p), 0);
		rpc_pipe_close(p);
	}
	for (size_t i = 16; i <= sizeof(bind_multi); i++) {
		uint8_t pdu[sizeof(bind_multi)];
		memcpy(pdu, bind_multi, i);
		put_le16(pdu + 8, (uint16_t)i);
		struct rpc_pipe *p = rpc_pipe_open("srvsvc", &test_env);
		assert_int_equal(rpc_pipe_write(p, pdu, i), 0);
		uint8_t *o;
		size_t n = t_read_all(p, &o);
		assert_true(n >= 16);
		assert_true(o[2] == 12 || o[2] == 13);	/* ack or nak */
		free(o);
		rpc_pipe_close(p);
	}
	struct rpc_pipe *p = t_open_bound(4280);
	for (size_t i = 16; i <= sizeof(enum1_req); i++) {
		uint8_t pdu[sizeof(enum1_req)];
		memcpy(pdu, enum1_req, i);
		put_le16(pdu + 8, (uint16_t)i);
		assert_int_equal(rpc_pipe_write(p, pdu, i), 0);
		uint8_t *o;
		size_t n = t_read_all(p, &o);
		assert_true(n >= 16);
		assert_true(o[2] == 2 || o[2] == 3);
		if (i < sizeof(enum1_req) - 7)
			assert_int_equal(o[2], 3);
		free(o);
	}
	rpc_pipe_close(p);
}

static void test_lying_lengths(void **state)
{
	struct rpc_pipe *p = t_open_bound(4280);
	uint8_t pdu[sizeof(enum1_req)];
	uint8_t *o;
	size_t n;

	/* frag_length below the header: a violation, then a fresh bind works */
	memcpy(pdu, enum1_req, sizeof(pdu));
	put_le16(pdu + 8, 10);
	assert_int_equal(rpc_pipe_write(p, pdu, sizeof(pdu)), -1);
	assert_int_equal(rpc_pipe_pending(p), 0);
	assert_int_equal(rpc_pipe_write(p, bind_srvsvc, sizeof(bind_srvsvc)), 0);
	n = t_read_all(p, &o);
	assert_int_equal(o[2], 12);
	free(o);

	/* frag_length larger than what is sent: waits for more */
	memcpy(pdu, enum1_req, sizeof(pdu));
	put_le16(pdu + 8, 0xffff);
	assert_int_equal(rpc_pipe_write(p, pdu, sizeof(pdu)), 0);
	assert_int_equal(rpc_pipe_pending(p), 0);
	rpc_pipe_close(p);

	/* auth_length beyond the PDU: fault */
	p = t_open_bound(4280);
	memcpy(pdu, enum1_req, sizeof(pdu));
	put_le16(pdu + 10, 0xfff0);
	assert_int_equal(rpc_pipe_write(p, pdu, sizeof(pdu)), 0);
	n = t_read_all(p, &o);
	assert_int_equal(n, 32);
	assert_int_equal(o[2], 3);
	free(o);

	/* alloc_hint of 4 GiB: only a hint */
	memcpy(pdu, enum1_req, sizeof(pdu));
	put_le32(pdu + 16, 0xffffffff);
	assert_int_equal(rpc_pipe_write(p, pdu, sizeof(pdu)), 0);
	n = t_read_all(p, &o);
	assert_int_equal(n, sizeof(enum1_resp));
	free(o);

	/* ServerName max_count / offset / actual_count lies: NDR fault */
	static const struct { size_t off; uint32_t v; } lies[] = {
		{ 28, 8 }, { 28, 0 }, { 32, 1 }, { 32, 0xffffffff }, { 36, 10 },
		{ 36, 0xffffffff }, { 36, 0x7fffffff }, { 72, 0x40000000 },
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		memcpy(pdu, enum1_req, sizeof(pdu));
		put_le32(pdu + lies[i].off, lies[i].v);
		if (lies[i].off == 72)	/* EntriesRead with a Buffer pointer */
			put_le32(pdu + 76, 0x20000);
		assert_int_equal(rpc_pipe_write(p, pdu, sizeof(pdu)), 0);
		n = t_read_all(p, &o);
		assert_int_equal(o[2], 3);
		assert_int_equal(get_le32(o + 24), 0x6f7);
		free(o);
	}
	rpc_pipe_close(p);

	/* bind: lying context count, zero contexts, tiny fragments, auth */
	static const struct { size_t off; uint8_t v; uint8_t want; } binds[] = {
		{ 24, 200, 13 }, { 24, 0, 13 }, { 16, 10, 13 }, { 18, 10, 13 }, { 10, 8, 13 },
		{ 1, 7, 13 }, { 4, 0x00, 13 }, { 29, 0, 12 }, { 30, 0, 12 }, { 30, 100, 13 },
	};
	for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
		uint8_t bb[sizeof(bind_srvsvc)];
		memcpy(bb, bind_srvsvc, sizeof(bb));
		bb[binds[i].off] = binds[i].v;
		if (binds[i].off == 16 || binds[i].off == 18)
			bb[binds[i].off + 1] = 0;
		if (binds[i].off == 4)	/* big-endian: frag_length is big-endian too */
			put_le16(bb + 8, (uint16_t)(sizeof(bb) << 8));
		p = rpc_pipe_open("srvsvc", &test_env);
		assert_int_equal(rpc_pipe_write(p, bb, sizeof(bb)), 0);
		n = t_read_all(p, &o);
		assert_true(n >= 16);
		assert_int_equal(o[2], binds[i].want);
		free(o);
		rpc_pipe_close(p);
	}
}

/* Server-to-client packet types and an unknown rpc_vers are violations. */
static void test_violations(void **state)
{
	static const uint8_t types[] = { 2, 3, 12, 13, 15, 17, 20, 255 };
	for (size_t i = 0; i < sizeof(types); i++) {
		struct rpc_pipe *p = t_open_bound(4280);
		uint8_t pdu[sizeof(enum1_req)];
		memcpy(pdu, enum1_req, sizeof(pdu));
		pdu[2] = types[i];
		assert_int_equal(rpc_pipe_write(p, pdu, sizeof(pdu)), -1);
		/* the association is gone */
		uint8_t *o;
		uint32_t fault;
		t_call(p, OP_SERVER_GETINFO, server_getinfo_101_stub, 8, &o, &fault);
		assert_int_equal(fault, 0x1c010003);
		free(o);
		rpc_pipe_close(p);
	}
	struct rpc_pipe *p = rpc_pipe_open("srvsvc", &test_env);
	uint8_t bb[sizeof(bind_srvsvc)];
	memcpy(bb, bind_srvsvc, sizeof(bb));
	bb[0] = 4;
	assert_int_equal(rpc_pipe_write(p, bb, sizeof(bb)), -1);
	/* orphaned, co_cancel and auth3 are accepted and ignored */
	static const uint8_t quiet[] = { 16, 18, 19 };
	for (size_t i = 0; i < sizeof(quiet); i++) {
		memcpy(bb, bind_srvsvc, sizeof(bb));
		bb[2] = quiet[i];
		assert_int_equal(rpc_pipe_write(p, bb, sizeof(bb)), 0);
	}
	assert_int_equal(rpc_pipe_pending(p), 0);
	rpc_pipe_close(p);
}

/* A client that writes without reading hits a bound, not the heap. */
static void test_pending_cap(void **state)
{
	struct rpc_pipe *p = t_open_bound(4280);
	int rc = 0;
	int i;
	for (i = 0; i < 100000 && rc == 0; i++)
		rc = rpc_pipe_write(p, enum1_req, sizeof(enum1_req));
	assert_int_equal(rc, -1);
	assert_true(rpc_pipe_pending(p) <= 3u * 1024 * 1024);
	uint8_t buf[16];
	/* reads stop at a PDU boundary */
	assert_int_equal(rpc_pipe_read(p, buf, 16), 16);
	uint8_t big[1024];
	assert_int_equal(rpc_pipe_read(p, big, sizeof(big)), sizeof(enum1_resp) - 16);
	rpc_pipe_close(p);
}

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Random PDUs after a bind: plausible headers with random bodies, random
 * mutations of the good PDUs, and plain noise. */
static void test_garbage(void **state)
{
	uint8_t pdu[2048];
	for (int iter = 0; iter < 20000; iter++) {
		struct rpc_pipe *p = t_open_bound(iter % 3 ? 4280 : 64);
		for (int k = 0; k < 4; k++) {
			size_t len;
			switch (rnd() % 3) {
			case 0:
				len = 16 + rnd() % 200;
				for (size_t i = 0; i < len; i++)
					pdu[i] = (uint8_t)rnd();
				pdu[0] = 5;
				pdu[1] = rnd() % 2;
				pdu[2] = (uint8_t)(rnd() % 20);
				pdu[4] = 0x10;
				put_le16(pdu + 8, (uint16_t)len);
				if (rnd() % 2)
					put_le16(pdu + 10, 0);
				if (rnd() % 2)
					put_le16(pdu + 20, 0);
				break;
			case 1: {
				const uint8_t *src = rnd() % 2 ? enum1_req : bind_multi;
				len = src == enum1_req ? sizeof(enum1_req) : sizeof(bind_multi);
				memcpy(pdu, src, len);
				for (int m = 1 + rnd() % 4; m > 0; m--)
					pdu[16 + rnd() % (len - 16)] = (uint8_t)rnd();
				break;
			}
			default:
				len = rnd() % 300;
				for (size_t i = 0; i < len; i++)
					pdu[i] = (uint8_t)rnd();
				break;
			}
			(void)rpc_pipe_write(p, pdu, len);
			assert_true(rpc_pipe_pending(p) < 4u * 1024 * 1024);
			uint8_t *o;
			size_t n = t_read_all(p, &o);
			free(o);
			(void)n;
		}
		rpc_pipe_close(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_bind_ack_bytes),
		cmocka_unit_test(test_bind_contexts),
		cmocka_unit_test(test_enum_smbclient),
		cmocka_unit_test(test_getinfo),
		cmocka_unit_test(test_server_getinfo),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_fragmented_response),
		cmocka_unit_test(test_split_writes),
		cmocka_unit_test(test_fragmented_request),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_violations),
		cmocka_unit_test(test_pending_cap),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
