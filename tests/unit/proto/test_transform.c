/* SMB2 TRANSFORM_HEADER codec (MS-SMB2 2.2.41). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto/transform.h"

/* The header of Microsoft's SMB 3.1.1 AES-128-GCM WRITE vector ("SMB
 * 3.1.1 Encryption in Windows 10", Open Specifications blog, 2015). */
static const uint8_t BLOG_HDR[52] = {
	0xFD, 0x53, 0x4D, 0x42, 0xBD, 0x73, 0xD9, 0x7D, 0x2B, 0xC9, 0x00, 0x1B, 0xCA,
	0xFA, 0xC0, 0xFD, 0xFF, 0x5F, 0xEE, 0xBC, 0xC7, 0xD6, 0x82, 0x2D, 0x26, 0x9C,
	0xAF, 0x48, 0x90, 0x4C, 0x66, 0x4C, 0x00, 0x00, 0x00, 0x00, 0x87, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x25, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
};

/* Decodes from an exactly-sized heap copy so ASan sees any over-read. */
static int decode_copy(const uint8_t *p, size_t n, struct smb2_transform_hdr *h, bool *end)
{
	uint8_t *q = malloc(n ? n : 1);
	struct cur c;
	memcpy(q, p, n);
	cur_init(&c, q, n);
	int r = smb2_decode_transform_hdr(&c, h);
	if (end)
		*end = cur_end(&c);
	free(q);
	return r;
}

static void test_decode_blog(void **state)
{
	struct smb2_transform_hdr h;
	bool end;
	assert_int_equal(decode_copy(BLOG_HDR, 52, &h, &end), 0);
	assert_true(end);
	assert_memory_equal(h.signature, BLOG_HDR + 4, 16);
	assert_memory_equal(h.nonce, BLOG_HDR + 20, 16);
	assert_int_equal(h.original_size, 0x87);
	assert_int_equal(h.flags, SMB2_TRANSFORM_FLAG_ENCRYPTED);
	assert_true(h.session_id == 0x100000000025ull);

	/* And back, byte for byte. */
	struct buf b;
	buf_init(&b, 4096);
	smb2_encode_transform_hdr(&b, &h);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, SMB2_TRANSFORM_HDR_SIZE);
	assert_memory_equal(b.p, BLOG_HDR, 52);
	buf_free(&b);
}

static void test_round_trip(void **state)
{
	struct smb2_transform_hdr in, out;
	struct buf b;
	struct cur c;
	for (int i = 0; i < 16; i++) {
		in.signature[i] = (uint8_t)(0xA0 + i);
		in.nonce[i] = (uint8_t)(0x10 + i);
	}
	in.original_size = 0xFEDCBA98u;
	in.flags = 0xFFFF;
	in.session_id = 0x0102030405060708ull;

	buf_init(&b, 4096);
	buf_u8(&b, 0x77); /* not at offset 0 */
	smb2_encode_transform_hdr(&b, &in);
	assert_int_equal(b.len, 1 + SMB2_TRANSFORM_HDR_SIZE);
	assert_memory_equal(b.p + 1, "\xfdSMB", 4);
	assert_memory_equal(b.p + 1 + 40, "\0\0", 2); /* Reserved */
	cur_init(&c, b.p, b.len);
	cur_skip(&c, 1);
	assert_int_equal(smb2_decode_transform_hdr(&c, &out), 0);
	assert_true(cur_end(&c));
	assert_memory_equal(out.signature, in.signature, 16);
	assert_memory_equal(out.nonce, in.nonce, 16);
	assert_int_equal(out.original_size, in.original_size);
	assert_int_equal(out.flags, in.flags);
	assert_true(out.session_id == in.session_id);

	/* Reserved is ignored on decode. */
	b.p[1 + 40] = 0x5A;
	cur_init(&c, b.p + 1, 52);
	assert_int_equal(smb2_decode_transform_hdr(&c, &out), 0);

	/* A capped buffer that cannot hold it reports the error. */
	struct buf small;
	buf_init(&small, 51);
	smb2_encode_transform_hdr(&small, &in);
	assert_false(buf_ok(&small));
	buf_free(&small);
	buf_free(&b);
}

static void test_truncated(void **state)
{
	struct smb2_transform_hdr h;
	for (size_t n = 0; n < 52; n++)
		assert_int_equal(decode_copy(BLOG_HDR, n, &h, NULL), -1);
	/* More than the header is fine: the cipher text follows it. */
	uint8_t longer[60] = { 0 };
	memcpy(longer, BLOG_HDR, 52);
	bool end;
	assert_int_equal(decode_copy(longer, sizeof(longer), &h, &end), 0);
	assert_false(end);
}

static void test_wrong_protocol(void **state)
{
	static const uint8_t ids[][4] = {
		{ 0xFE, 'S', 'M', 'B' }, /* plain SMB2 */
		{ 0xFC, 'S', 'M', 'B' }, /* compression transform */
		{ 0xFF, 'S', 'M', 'B' }, /* SMB1 */
		{ 0xFD, 's', 'M', 'B' },
		{ 0xFD, 'S', 'M', 'b' },
		{ 0, 0, 0, 0 },
	};
	uint8_t m[52];
	struct smb2_transform_hdr h;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		memcpy(m, BLOG_HDR, 52);
		memcpy(m, ids[i], 4);
		assert_int_equal(decode_copy(m, 52, &h, NULL), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_blog),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_wrong_protocol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
