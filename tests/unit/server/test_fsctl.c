/* FSCTL buffers and FILE_NOTIFY_INFORMATION (src/server/fsctl.c): round
 * trips, and decoders fed short and lying input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/fsctl.h"

static void test_copychunk_round_trip(void **state)
{
	(void)state;
	uint8_t key[FSCTL_RESUME_KEY_LEN];
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7);
	struct fsctl_chunk in[3] = {{0, 4096, 100}, {1ull << 40, 7, 1u << 20}, {5, 5, 1}};
	struct buf b;
	buf_init(&b, 4096);
	fsctl_encode_copychunk(&b, key, in, 3);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, FSCTL_COPYCHUNK_FIXED + 3 * FSCTL_COPYCHUNK_ENTRY);
	struct fsctl_copychunk cc;
	assert_int_equal(fsctl_decode_copychunk(b.p, b.len, &cc), 0);
	assert_memory_equal(cc.key, key, sizeof(key));
	assert_int_equal(cc.count, 3);
	assert_true(fsctl_copychunk_complete(&cc));
	for (uint32_t i = 0; i < 3; i++) {
		struct fsctl_chunk c;
		fsctl_copychunk_get(&cc, i, &c);
		assert_int_equal(c.src_off, in[i].src_off);
		assert_int_equal(c.dst_off, in[i].dst_off);
		assert_int_equal(c.len, in[i].len);
	}
	/* Every truncation: short fixed part fails, a short array is incomplete. */
	for (size_t n = 0; n < b.len; n++) {
		int rc = fsctl_decode_copychunk(b.p, n, &cc);
		if (n < FSCTL_COPYCHUNK_FIXED)
			assert_int_equal(rc, -1);
		else
			assert_false(fsctl_copychunk_complete(&cc));
	}
	/* A count that lies (2^32 - 1 chunks in 3 entries' bytes). */
	put_le32(b.p + 24, UINT32_MAX);
	assert_int_equal(fsctl_decode_copychunk(b.p, b.len, &cc), 0);
	assert_false(fsctl_copychunk_complete(&cc));
	buf_free(&b);
}

static void test_small_structs(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4096);
	uint8_t key[FSCTL_RESUME_KEY_LEN] = {1, 2, 3};
	fsctl_encode_resume_key(&b, key);
	assert_int_equal(b.len, FSCTL_RESUME_KEY_RESP_LEN);
	assert_memory_equal(b.p, key, sizeof(key));
	assert_int_equal(get_le32(b.p + 24), 0);
	buf_reset(&b);
	fsctl_encode_copychunk_resp(&b, 256, 1u << 20, 16u << 20);
	assert_int_equal(b.len, FSCTL_COPYCHUNK_RESP_LEN);
	assert_int_equal(get_le32(b.p), 256);
	assert_int_equal(get_le32(b.p + 4), 1u << 20);
	assert_int_equal(get_le32(b.p + 8), 16u << 20);
	buf_reset(&b);
	fsctl_encode_range(&b, 12345, 1ull << 50);
	uint64_t x, y;
	assert_int_equal(fsctl_decode_range(b.p, b.len, &x, &y), 0);
	assert_int_equal(x, 12345);
	assert_int_equal(y, 1ull << 50);
	for (size_t n = 0; n < FSCTL_RANGE_LEN; n++)
		assert_int_equal(fsctl_decode_range(b.p, n, &x, &y), -1);
	buf_free(&b);
}

static void test_net_ifaces(void **state)
{
	(void)state;
	struct fsctl_net_iface v[2] = {
		{.if_index = 1, .link_speed = 10000000000ull, .addr = {127, 0, 0, 1}},
		{.if_index = 2, .capability = FSCTL_IFACE_RSS_CAPABLE, .link_speed = 1000,
		 .ipv6 = true, .addr = {0xfe, 0x80, [15] = 1}, .scope_id = 2},
	};
	struct buf b;
	buf_init(&b, 4096);
	fsctl_encode_net_ifaces(&b, v, 2);
	assert_int_equal(b.len, 2 * FSCTL_NET_IFACE_LEN);
	assert_int_equal(get_le32(b.p), FSCTL_NET_IFACE_LEN); /* Next */
	assert_int_equal(get_le32(b.p + 4), 1);
	assert_int_equal(get_le64(b.p + 16), 10000000000ull);
	assert_int_equal(get_le16(b.p + 24), 2);              /* AF_INET */
	assert_memory_equal(b.p + 28, v[0].addr, 4);
	const uint8_t *e = b.p + FSCTL_NET_IFACE_LEN;
	assert_int_equal(get_le32(e), 0);                      /* last */
	assert_int_equal(get_le32(e + 8), FSCTL_IFACE_RSS_CAPABLE);
	assert_int_equal(get_le16(e + 24), 0x17);             /* AF_INET6 */
	assert_memory_equal(e + 32, v[1].addr, 16);
	assert_int_equal(get_le32(e + 48), 2);
	buf_free(&b);
}

static void test_notify_entries(void **state)
{
	(void)state;
	static const uint8_t a[] = {'a', 0};
	static const uint8_t bc[] = {'b', 0, '\\', 0, 'c', 0};
	struct buf b;
	buf_init(&b, 4096);
	size_t e0 = fsctl_encode_notify_entry(&b, FILE_ACTION_ADDED, a, sizeof(a));
	size_t e1 = fsctl_encode_notify_entry(&b, FILE_ACTION_RENAMED_NEW_NAME, bc, sizeof(bc));
	fsctl_notify_chain(&b, e0, e1);
	assert_int_equal(e1, fsctl_notify_entry_size(sizeof(a)));
	assert_int_equal(e1 % 4, 0);
	assert_int_equal(b.len % 4, 0);
	size_t pos = 0;
	uint32_t action, len;
	const uint8_t *name;
	assert_int_equal(fsctl_decode_notify_entry(b.p, b.len, &pos, &action, &name, &len), 1);
	assert_int_equal(action, FILE_ACTION_ADDED);
	assert_int_equal(len, sizeof(a));
	assert_memory_equal(name, a, len);
	assert_int_equal(fsctl_decode_notify_entry(b.p, b.len, &pos, &action, &name, &len), 1);
	assert_int_equal(action, FILE_ACTION_RENAMED_NEW_NAME);
	assert_memory_equal(name, bc, len);
	assert_int_equal(fsctl_decode_notify_entry(b.p, b.len, &pos, &action, &name, &len), 0);
	/* A name length past the end, and a NextEntryOffset inside the entry. */
	pos = 0;
	put_le32(b.p + 8, 1000);
	assert_int_equal(fsctl_decode_notify_entry(b.p, b.len, &pos, &action, &name, &len), -1);
	put_le32(b.p + 8, sizeof(a));
	put_le32(b.p, 4);
	pos = 0;
	assert_int_equal(fsctl_decode_notify_entry(b.p, b.len, &pos, &action, &name, &len), -1);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copychunk_round_trip),
		cmocka_unit_test(test_small_structs),
		cmocka_unit_test(test_net_ifaces),
		cmocka_unit_test(test_notify_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
