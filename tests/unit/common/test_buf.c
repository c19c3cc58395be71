/* The output buffer: growth, the hard cap, patching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"

static void test_put(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1024);
	buf_u8(&b, 0x01);
	buf_le16(&b, 0x0302);
	buf_le32(&b, 0x07060504);
	buf_le64(&b, 0x0F0E0D0C0B0A0908ull);
	buf_be16(&b, 0x1011);
	buf_be32(&b, 0x12131415);
	buf_bytes(&b, "\x16\x17", 2);
	buf_bytes(&b, NULL, 0);
	buf_zero(&b, 3);
	const uint8_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
				0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0, 0, 0};
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.p, want, sizeof(want));
	assert_true(buf_ok(&b));

	/* align relative to a start offset */
	buf_align(&b, 2, 8); /* len 26: (26-2)%8 == 0, no change */
	assert_int_equal(b.len, 26);
	buf_align(&b, 0, 8);
	assert_int_equal(b.len, 32);
	buf_align(&b, 100, 8); /* from beyond len: no change */
	assert_int_equal(b.len, 32);

	uint8_t *r = buf_reserve(&b, 4);
	assert_non_null(r);
	assert_memory_equal(r, "\0\0\0\0", 4);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_true(buf_ok(&b));
	buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.max, 1024);
}

static void test_growth(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1 << 20);
	for (uint32_t i = 0; i < 100000; i++)
		buf_le32(&b, i);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, 400000);
	assert_true(b.cap >= b.len && b.cap <= b.max);
	for (uint32_t i = 0; i < 100000; i += 997)
		assert_int_equal(get_le32(b.p + 4 * i), i);
	buf_free(&b);
}

static void test_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	buf_le64(&b, 1);
	buf_le16(&b, 2);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, 10);
	buf_u8(&b, 3);
	assert_false(buf_ok(&b));
	assert_int_equal(b.len, 10);
	/* sticky: nothing more is appended, even what would fit after reset */
	assert_null(buf_reserve(&b, 0));
	buf_free(&b);

	buf_init(&b, 100);
	assert_null(buf_reserve(&b, SIZE_MAX));
	assert_false(buf_ok(&b));
	buf_free(&b);
	buf_init(&b, 100);
	buf_zero(&b, 90);
	buf_bytes(&b, "0123456789A", 11);
	assert_false(buf_ok(&b));
	assert_int_equal(b.len, 90);
	buf_free(&b);
	/* A cap that is not a power of two is reached exactly. */
	buf_init(&b, 300);
	buf_zero(&b, 257);
	buf_zero(&b, 43);
	assert_true(buf_ok(&b));
	assert_int_equal(b.cap, 300);
	buf_free(&b);
}

static void test_patch(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 64);
	buf_zero(&b, 16);
	buf_set_u8(&b, 0, 0xAA);
	buf_set_le16(&b, 1, 0x0102);
	buf_set_le32(&b, 3, 0x03040506);
	buf_set_le64(&b, 8, 0x0708090A0B0C0D0Eull);
	buf_set_be32(&b, 12, 0x11223344); /* overwrites part of the le64 */
	assert_true(buf_ok(&b));
	const uint8_t want[] = {0xAA, 0x02, 0x01, 0x06, 0x05, 0x04, 0x03, 0,
				0x0E, 0x0D, 0x0C, 0x0B, 0x11, 0x22, 0x33, 0x44};
	assert_memory_equal(b.p, want, 16);

	/* Out of range: each sets the sticky error and writes nothing. */
	for (int i = 0; i < 6; i++) {
		buf_reset(&b);
		buf_zero(&b, 16);
		switch (i) {
		case 0: buf_set_u8(&b, 16, 1); break;
		case 1: buf_set_le16(&b, 15, 1); break;
		case 2: buf_set_le32(&b, 13, 1); break;
		case 3: buf_set_le64(&b, 9, 1); break;
		case 4: buf_set_be32(&b, SIZE_MAX - 1, 1); break;
		case 5: buf_set_le64(&b, SIZE_MAX, 1); break;
		}
		assert_false(buf_ok(&b));
		for (int k = 0; k < 16; k++)
			assert_int_equal(b.p[k], 0);
	}
	buf_free(&b);
	/* Patching an empty buffer. */
	buf_init(&b, 64);
	buf_set_le32(&b, 0, 1);
	assert_false(buf_ok(&b));
	buf_free(&b);
}

static void test_inline_helpers(void **state)
{
	(void)state;
	uint8_t p[8];
	put_le16(p, 0xBEEF);
	assert_int_equal(get_le16(p), 0xBEEF);
	put_le32(p, 0xDEADBEEF);
	assert_int_equal(get_le32(p), 0xDEADBEEF);
	assert_int_equal(p[0], 0xEF);
	put_le64(p, 0x0123456789ABCDEFull);
	assert_true(get_le64(p) == 0x0123456789ABCDEFull);
	assert_int_equal(p[7], 0x01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_inline_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
