/* NDR helpers and the srvsvc / wkssvc operations, called directly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rpc/rpc_iface.h"
#include "rpc_test_util.h"
#include "rpc_vectors.h"

static void test_wstring_encode(void **state)
{
	struct ndr_w w;
	ndr_w_init(&w, 4096);
	buf_u8(&w.b, 0xee);	/* misaligned on purpose */
	ndr_put_wstring(&w, "ab");
	ndr_put_wstring(&w, NULL);
	static const uint8_t want[] = {
		0xee, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 'a', 0, 'b', 0, 0, 0,
		0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
	};
	assert_int_equal(w.b.len, sizeof(want));
	assert_memory_equal(w.b.p, want, sizeof(want));
	assert_int_equal(ndr_wstring_size("ab"), 20);
	assert_int_equal(ndr_wstring_size(""), 16);
	ndr_put_ptr(&w, true);
	ndr_put_ptr(&w, false);
	ndr_put_ptr(&w, true);
	assert_int_equal(get_le32(w.b.p + w.b.len - 12), 0x20000);
	assert_int_equal(get_le32(w.b.p + w.b.len - 8), 0);
	assert_int_equal(get_le32(w.b.p + w.b.len - 4), 0x20004);
	ndr_w_free(&w);
}

static void test_wstring_decode(void **state)
{
	static const uint8_t ok[] = { 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 'h', 0, 'i', 0, 0, 0 };
	struct cur c;
	char *s;
	cur_init(&c, ok, sizeof(ok));
	ndr_get_wstring(&c, 10, &s);
	assert_true(cur_end(&c));
	assert_string_equal(s, "hi");
	free(s);
	/* over the caller's bound, offset != 0, actual > max, short input */
	cur_init(&c, ok, sizeof(ok));
	ndr_get_wstring(&c, 2, &s);
	assert_false(cur_ok(&c));
	assert_null(s);
	uint8_t bad[sizeof(ok)];
	memcpy(bad, ok, sizeof(ok));
	bad[4] = 1;
	cur_init(&c, bad, sizeof(bad));
	ndr_get_wstring(&c, 10, &s);
	assert_false(cur_ok(&c));
	memcpy(bad, ok, sizeof(ok));
	bad[8] = 4;
	cur_init(&c, bad, sizeof(bad));
	ndr_get_wstring(&c, 10, &s);
	assert_false(cur_ok(&c));
	cur_init(&c, ok, sizeof(ok) - 1);
	ndr_get_wstring(&c, 10, &s);
	assert_false(cur_ok(&c));
	assert_null(s);
	/* well-formed NDR, invalid UTF-16 (lone surrogate): NULL, cursor good */
	static const uint8_t sur[] = { 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x00, 0xd8, 0, 0 };
	cur_init(&c, sur, sizeof(sur));
	ndr_get_wstring(&c, 10, &s);
	assert_true(cur_end(&c));
	assert_null(s);
	/* empty string */
	static const uint8_t empty[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	cur_init(&c, empty, sizeof(empty));
	ndr_get_wstring(&c, 10, &s);
	assert_true(cur_end(&c));
	assert_string_equal(s, "");
	free(s);
}

/* The stub of an enum request for level with the impacket ServerName. */
static size_t enum_stub(uint8_t *out, uint32_t level)
{
	size_t n = sizeof(enum1_req) - 24;
	memcpy(out, enum1_req + 24, n);
	put_le32(out + 36, level);
	put_le32(out + 40, level);
	return n;
}

static uint32_t call(const struct rpc_iface *i, uint16_t op, const uint8_t *stub, size_t len,
		     struct ndr_w *w)
{
	ndr_w_init(w, RPC_MAX_RESPONSE_STUB);
	return rpc_iface_call(i, &test_env, op, stub, len, w);
}

/* Every enum level: the entry size matches the IDL's field count and
 * the strings come back. */
static void test_enum_levels(void **state)
{
	static const struct { uint32_t level, fields, strings; } lv[] = {
		{ 0, 1, 1 }, { 1, 3, 2 }, { 2, 8, 3 }, { 501, 4, 2 }, { 502, 10, 3 },
		{ 503, 11, 4 },
	};
	for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
		uint8_t stub[128];
		size_t n = enum_stub(stub, lv[i].level);
		struct ndr_w w;
		assert_int_equal(call(&rpc_srvsvc_iface, 15, stub, n, &w), 0);
		struct cur c;
		cur_init(&c, w.b.p, w.b.len);
		assert_int_equal(ndr_get_u32(&c), lv[i].level);
		assert_int_equal(ndr_get_u32(&c), lv[i].level);
		cur_skip(&c, 4);
		assert_int_equal(ndr_get_u32(&c), 3);
		cur_skip(&c, 4);
		assert_int_equal(ndr_get_u32(&c), 3);
		cur_skip(&c, 3 * 4 * lv[i].fields);
		char *s;
		for (int e = 0; e < 3; e++) {
			ndr_get_wstring(&c, 100, &s);
			assert_string_equal(s, test_shares[e].name);
			free(s);
			for (uint32_t k = 1; k < lv[i].strings; k++)
				ndr_get_wstring(&c, 100, NULL);
		}
		assert_int_equal(ndr_get_u32(&c), 3);
		cur_skip(&c, 8);
		assert_int_equal(ndr_get_u32(&c), 0);
		assert_true(cur_end(&c));
		ndr_w_free(&w);
	}
	/* a tag with no arm cannot be unmarshalled; level != tag is bad NDR */
	uint8_t stub[128];
	size_t n = enum_stub(stub, 1005);
	struct ndr_w w;
	assert_int_equal(call(&rpc_srvsvc_iface, 15, stub, n, &w), 0x1c000006);
	ndr_w_free(&w);
	n = enum_stub(stub, 1);
	put_le32(stub + 36, 2);
	assert_int_equal(call(&rpc_srvsvc_iface, 15, stub, n, &w), 0x6f7);
	ndr_w_free(&w);
}

/* An [in,out] container that arrives filled in is skipped properly. */
static void test_enum_filled_container(void **state)
{
	struct ndr_w in;
	ndr_w_init(&in, 4096);
	ndr_put_ptr(&in, false);	/* ServerName */
	ndr_put_u32(&in, 502);
	ndr_put_u32(&in, 502);
	ndr_put_ptr(&in, true);
	ndr_put_u32(&in, 2);		/* EntriesRead */
	ndr_put_ptr(&in, true);
	ndr_put_u32(&in, 2);
	for (int e = 0; e < 2; e++) {
		ndr_put_ptr(&in, true);		/* netname */
		ndr_put_u32(&in, 0);
		ndr_put_ptr(&in, e == 0);	/* remark */
		for (int k = 0; k < 3; k++)
			ndr_put_u32(&in, 0);
		ndr_put_ptr(&in, true);		/* path */
		ndr_put_ptr(&in, false);	/* passwd */
		ndr_put_u32(&in, 3);		/* reserved */
		ndr_put_ptr(&in, true);		/* security descriptor */
	}
	for (int e = 0; e < 2; e++) {
		ndr_put_wstring(&in, "x");
		if (e == 0)
			ndr_put_wstring(&in, "remark");
		ndr_put_wstring(&in, "C:\\");
		ndr_put_u32(&in, 3);
		buf_bytes(&in.b, "sd!", 3);
	}
	ndr_put_u32(&in, 0xffffffff);
	ndr_put_ptr(&in, false);		/* no ResumeHandle */
	struct ndr_w w;
	assert_int_equal(call(&rpc_srvsvc_iface, 15, in.b.p, in.b.len, &w), 0);
	/* TotalEntries, NULL ResumeHandle, WERR_OK at the end */
	assert_int_equal(get_le32(w.b.p + w.b.len - 12), 3);
	assert_int_equal(get_le32(w.b.p + w.b.len - 8), 0);
	assert_int_equal(get_le32(w.b.p + w.b.len - 4), 0);
	ndr_w_free(&w);
	/* a conformance that differs from EntriesRead */
	put_le32(in.b.p + 24, 7);
	assert_int_equal(call(&rpc_srvsvc_iface, 15, in.b.p, in.b.len, &w), 0x6f7);
	ndr_w_free(&w);
	/* an entry count the stub cannot hold */
	put_le32(in.b.p + 16, 0x40000000);
	put_le32(in.b.p + 24, 0x40000000);
	assert_int_equal(call(&rpc_srvsvc_iface, 15, in.b.p, in.b.len, &w), 0x6f7);
	ndr_w_free(&w);
	ndr_w_free(&in);
}

static void test_getinfo_levels(void **state)
{
	static const struct { uint32_t level; size_t flat; } lv[] = {
		{ 0, 4 }, { 1, 12 }, { 2, 32 }, { 501, 16 }, { 502, 40 }, { 503, 44 }, { 1005, 4 },
	};
	for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
		uint8_t stub[sizeof(getinfo_data_1_stub)];
		memcpy(stub, getinfo_data_1_stub, sizeof(stub));
		put_le32(stub + 28, lv[i].level);
		struct ndr_w w;
		assert_int_equal(call(&rpc_srvsvc_iface, 16, stub, sizeof(stub), &w), 0);
		assert_int_equal(get_le32(w.b.p), lv[i].level);
		assert_int_not_equal(get_le32(w.b.p + 4), 0);
		assert_int_equal(get_le32(w.b.p + w.b.len - 4), 0);
		if (lv[i].level == 1005)
			assert_int_equal(w.b.len, 16);
		else
			assert_true(w.b.len > 12 + lv[i].flat);
		ndr_w_free(&w);
	}
	/* the IPC$ share by a differently-cased name, level 1: type IPC */
	struct ndr_w in, w;
	ndr_w_init(&in, 256);
	ndr_put_ptr(&in, false);
	ndr_put_wstring(&in, "ipc$");
	ndr_put_u32(&in, 1);
	assert_int_equal(call(&rpc_srvsvc_iface, 16, in.b.p, in.b.len, &w), 0);
	assert_int_equal(get_le32(w.b.p + 12), RPC_SHARE_IPC);
	ndr_w_free(&w);
	ndr_w_free(&in);
	/* NetName with a lone surrogate: not found, not a fault */
	static const uint8_t sur[] = { 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
				       0x00, 0xdc, 0, 0, 1, 0, 0, 0 };
	assert_int_equal(call(&rpc_srvsvc_iface, 16, sur, sizeof(sur), &w), 0);
	assert_int_equal(get_le32(w.b.p + w.b.len - 4), 2310);
	ndr_w_free(&w);
}

static void test_server_getinfo_levels(void **state)
{
	uint8_t stub[8] = { 0 };
	struct ndr_w w;
	put_le32(stub + 4, 100);
	assert_int_equal(call(&rpc_srvsvc_iface, 21, stub, 8, &w), 0);
	assert_int_equal(get_le32(w.b.p + 8), 500);
	assert_int_equal(get_le32(w.b.p + w.b.len - 4), 0);
	ndr_w_free(&w);
	put_le32(stub + 4, 102);
	assert_int_equal(call(&rpc_srvsvc_iface, 21, stub, 8, &w), 0);
	static const uint8_t bad[] = { 102, 0, 0, 0, 124, 0, 0, 0 };
	assert_int_equal(w.b.len, sizeof(bad));
	assert_memory_equal(w.b.p, bad, sizeof(bad));
	ndr_w_free(&w);
}

static void test_wkssvc(void **state)
{
	uint8_t stub[8] = { 0 };
	struct ndr_w w;
	put_le32(stub + 4, 100);
	assert_int_equal(call(&rpc_wkssvc_iface, 0, stub, 8, &w), 0);
	struct cur c;
	cur_init(&c, w.b.p, w.b.len);
	assert_int_equal(ndr_get_u32(&c), 100);
	cur_skip(&c, 4);
	assert_int_equal(ndr_get_u32(&c), 500);
	cur_skip(&c, 8);
	assert_int_equal(ndr_get_u32(&c), 10);
	assert_int_equal(ndr_get_u32(&c), 0);
	char *s;
	ndr_get_wstring(&c, 100, &s);
	assert_string_equal(s, "DAXSMB");
	free(s);
	ndr_get_wstring(&c, 100, &s);
	assert_string_equal(s, "WORKGROUP");
	free(s);
	assert_int_equal(ndr_get_u32(&c), 0);
	assert_true(cur_end(&c));
	ndr_w_free(&w);
	put_le32(stub + 4, 101);
	assert_int_equal(call(&rpc_wkssvc_iface, 0, stub, 8, &w), 0);
	assert_int_equal(get_le32(w.b.p + 4), 124);
	ndr_w_free(&w);
	assert_int_equal(call(&rpc_wkssvc_iface, 1, stub, 8, &w), 0x1c010002);
	ndr_w_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wstring_encode),
		cmocka_unit_test(test_wstring_decode),
		cmocka_unit_test(test_enum_levels),
		cmocka_unit_test(test_enum_filled_container),
		cmocka_unit_test(test_getinfo_levels),
		cmocka_unit_test(test_server_getinfo_levels),
		cmocka_unit_test(test_wkssvc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
