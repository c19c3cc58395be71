/* Header, compound splitter, error response, SMB1 negotiate upgrade. */
#include "helpers.h"

static void test_hdr_round_trip(void **state)
{
	(void)state;
	struct smb2_hdr in = {.credit_charge = 3, .status = 0xC0000022, .command = SMB2_CREATE,
			      .credits = 64, .flags = SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_SIGNED,
			      .next_command = 128, .message_id = 0x1122334455667788ull,
			      .process_id = 0xFEFF, .tree_id = 9, .session_id = 0xAABBCCDDEEFF0011ull,
			      .signature = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
	struct smb2_hdr out;
	struct buf b;
	struct cur c;

	buf_init(&b, 4096);
	smb2_encode_hdr(&b, &in);
	assert_int_equal(b.len, 64);
	assert_memory_equal(b.p, "\xfeSMB\x40\x00", 6);
	cur_init(&c, b.p, b.len);
	assert_int_equal(smb2_decode_hdr(&c, &out), 0);
	assert_true(cur_end(&c));
	assert_int_equal(out.credit_charge, 3);
	assert_int_equal(out.status, 0xC0000022);
	assert_int_equal(out.command, SMB2_CREATE);
	assert_int_equal(out.credits, 64);
	assert_int_equal(out.flags, in.flags);
	assert_int_equal(out.next_command, 128);
	assert_true(out.message_id == in.message_id);
	assert_int_equal(out.process_id, 0xFEFF);
	assert_int_equal(out.tree_id, 9);
	assert_true(out.session_id == in.session_id);
	assert_memory_equal(out.signature, in.signature, 16);
	assert_true(out.async_id == 0);

	for (size_t l = 0; l < 64; l++) {
		cur_init(&c, b.p, l);
		assert_int_equal(smb2_decode_hdr(&c, &out), -1);
	}
	/* Wrong protocol id (SMB1, transform) or StructureSize. */
	b.p[0] = 0xFF;
	cur_init(&c, b.p, b.len);
	assert_int_equal(smb2_decode_hdr(&c, &out), -1);
	b.p[0] = 0xFD;
	cur_init(&c, b.p, b.len);
	assert_int_equal(smb2_decode_hdr(&c, &out), -1);
	b.p[0] = 0xFE;
	put_le16(b.p + 4, 65);
	cur_init(&c, b.p, b.len);
	assert_int_equal(smb2_decode_hdr(&c, &out), -1);
	buf_free(&b);

	/* Async form: AsyncId replaces ProcessId/TreeId. */
	in.flags |= SMB2_FLAGS_ASYNC_COMMAND;
	in.async_id = 0x0102030405060708ull;
	buf_init(&b, 4096);
	smb2_encode_hdr(&b, &in);
	assert_int_equal(b.len, 64);
	assert_true(get_le64(b.p + 32) == in.async_id);
	cur_init(&c, b.p, b.len);
	assert_int_equal(smb2_decode_hdr(&c, &out), 0);
	assert_true(out.async_id == in.async_id);
	assert_int_equal(out.process_id, 0);
	assert_int_equal(out.tree_id, 0);
	assert_true(out.session_id == in.session_id);
	buf_free(&b);
}

static void put_hdr(uint8_t *p, uint32_t next)
{
	memset(p, 0, 64);
	memcpy(p, "\xfeSMB", 4);
	put_le16(p + 4, 64);
	put_le32(p + 20, next);
}

static void test_next_message(void **state)
{
	(void)state;
	uint8_t f[64 * 5 + 40];
	size_t pos = 0, off, len;

	/* Three messages: 72 (64 + 8 body), 136, and the rest. */
	memset(f, 0, sizeof(f));
	put_hdr(f, 72);
	put_hdr(f + 72, 136);
	put_hdr(f + 208, 0);
	size_t n = 208 + 100;
	assert_int_equal(smb2_next_message(f, n, &pos, &off, &len), 1);
	assert_int_equal(off, 0);
	assert_int_equal(len, 72);
	assert_int_equal(smb2_next_message(f, n, &pos, &off, &len), 1);
	assert_int_equal(off, 72);
	assert_int_equal(len, 136);
	assert_int_equal(smb2_next_message(f, n, &pos, &off, &len), 1);
	assert_int_equal(off, 208);
	assert_int_equal(len, 100);
	assert_int_equal(smb2_next_message(f, n, &pos, &off, &len), 0);
	assert_int_equal(smb2_next_message(f, n, &pos, &off, &len), 0);

	/* A single message. */
	pos = 0;
	put_hdr(f, 0);
	assert_int_equal(smb2_next_message(f, 64, &pos, &off, &len), 1);
	assert_int_equal(len, 64);
	assert_int_equal(smb2_next_message(f, 64, &pos, &off, &len), 0);

	/* Malformed NextCommand values. */
	const uint32_t bad[] = {4, 8, 56, 63, 65, 76, 100, 264, 0xFFFFFFF8u, 0x80000000u};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_hdr(f, bad[i]);
		put_hdr(f + 64, 0);
		pos = 0;
		int rc = smb2_next_message(f, 200, &pos, &off, &len);
		assert_int_equal(rc, -1);
	}
	/* NextCommand pointing exactly at the end: no room for the next one. */
	put_hdr(f, 128);
	put_hdr(f + 64, 0);
	pos = 0;
	assert_int_equal(smb2_next_message(f, 128, &pos, &off, &len), -1);
	/* Next points at a truncated header. */
	put_hdr(f, 64);
	pos = 0;
	assert_int_equal(smb2_next_message(f, 100, &pos, &off, &len), -1);
	/* Second message malformed: first one is still produced. */
	put_hdr(f, 64);
	put_hdr(f + 64, 8);
	pos = 0;
	assert_int_equal(smb2_next_message(f, 200, &pos, &off, &len), 1);
	assert_int_equal(smb2_next_message(f, 200, &pos, &off, &len), -1);
	/* Frames shorter than a header, and an empty frame. */
	for (size_t l = 1; l < 64; l++) {
		pos = 0;
		assert_int_equal(smb2_next_message(f, l, &pos, &off, &len), -1);
	}
	pos = 0;
	assert_int_equal(smb2_next_message(f, 0, &pos, &off, &len), -1);
	pos = 500;
	assert_int_equal(smb2_next_message(f, 200, &pos, &off, &len), -1);
}

/* Walks a chain of 200 minimal messages: the iterator terminates. */
static void test_next_message_long_chain(void **state)
{
	(void)state;
	size_t n = 200 * 64;
	uint8_t *f = calloc(1, n);
	for (size_t i = 0; i < 200; i++)
		put_hdr(f + i * 64, i == 199 ? 0 : 64);
	size_t pos = 0, off, len, k = 0;
	int rc;
	while ((rc = smb2_next_message(f, n, &pos, &off, &len)) == 1) {
		assert_int_equal(off, k * 64);
		k++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(k, 200);
	free(f);
}

static void test_error_resp(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4096);
	smb2_encode_error_resp(&b, NULL, 0);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.p, "\x09\x00\x00\x00\x00\x00\x00\x00\x00", 9);
	buf_reset(&b);
	smb2_encode_error_resp(&b, (const uint8_t *)"abcd", 4);
	assert_int_equal(b.len, 12);
	assert_int_equal(get_le16(b.p), 9);
	assert_int_equal(b.p[2], 0);
	assert_int_equal(get_le32(b.p + 4), 4);
	assert_memory_equal(b.p + 8, "abcd", 4);
	buf_free(&b);
}

static void test_empty4(void **state)
{
	(void)state;
	struct buf b;
	struct cur c;
	buf_init(&b, 64);
	smb2_encode_empty4(&b);
	assert_int_equal(b.len, 4);
	cur_init(&c, b.p, 4);
	assert_int_equal(smb2_decode_empty4(&c), 0);
	for (size_t l = 0; l < 4; l++) {
		cur_init(&c, b.p, l);
		assert_int_equal(smb2_decode_empty4(&c), -1);
	}
	put_le16(b.p, 5);
	cur_init(&c, b.p, 4);
	assert_int_equal(smb2_decode_empty4(&c), -1);
	buf_free(&b);
}

/* An SMB1 negotiate with the given dialect strings (each without 0x02). */
static size_t smb1_neg(uint8_t *m, size_t cap, const char *const *d, size_t nd)
{
	memset(m, 0, cap);
	memcpy(m, "\xffSMB", 4);
	m[4] = 0x72;
	size_t p = 35;
	for (size_t i = 0; i < nd; i++) {
		m[p++] = 0x02;
		size_t l = strlen(d[i]) + 1;
		memcpy(m + p, d[i], l);
		p += l;
	}
	put_le16(m + 33, (uint16_t)(p - 35));
	return p;
}

static int smb1_heap(const uint8_t *m, size_t n, int *w)
{
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, m, n);
	int rc = smb1_negotiate_wants_smb2(copy, n, w);
	free(copy);
	return rc;
}

static void test_smb1(void **state)
{
	(void)state;
	uint8_t m[512];
	int w;
	const char *const win[] = {"PC NETWORK PROGRAM 1.0", "LANMAN1.0", "NT LM 0.12",
				   "SMB 2.002", "SMB 2.???"};
	const char *const only202[] = {"NT LM 0.12", "SMB 2.002"};
	const char *const none[] = {"NT LM 0.12", "SMB 2.00", "SMB 2.0020", "SMB 2.?"};
	const char *const wild[] = {"SMB 2.???"};

	size_t n = smb1_neg(m, sizeof(m), win, 5);
	assert_int_equal(smb1_heap(m, n, &w), 1);
	assert_int_equal(w, 1);
	/* Every truncation is malformed (ByteCount then overruns). */
	for (size_t l = 0; l < n; l++)
		assert_int_equal(smb1_heap(m, l, &w), -1);

	n = smb1_neg(m, sizeof(m), only202, 2);
	assert_int_equal(smb1_heap(m, n, &w), 1);
	assert_int_equal(w, 0);

	n = smb1_neg(m, sizeof(m), none, 4);
	assert_int_equal(smb1_heap(m, n, &w), 0);
	assert_int_equal(w, 0);

	n = smb1_neg(m, sizeof(m), wild, 1);
	assert_int_equal(smb1_heap(m, n, &w), 1);
	assert_int_equal(w, 1);

	/* No dialects at all: well-formed, no SMB2. */
	n = smb1_neg(m, sizeof(m), NULL, 0);
	assert_int_equal(smb1_heap(m, n, &w), 0);

	/* Last string not terminated inside ByteCount (the NUL lies past it). */
	n = smb1_neg(m, sizeof(m), wild, 1);
	put_le16(m + 33, (uint16_t)(n - 35 - 1));
	assert_int_equal(smb1_heap(m, n, &w), -1);
	/* ByteCount larger than the message. */
	put_le16(m + 33, (uint16_t)(n - 35 + 1));
	assert_int_equal(smb1_heap(m, n, &w), -1);
	put_le16(m + 33, 0xFFFF);
	assert_int_equal(smb1_heap(m, n, &w), -1);
	/* Wrong buffer format, nonzero WordCount. */
	n = smb1_neg(m, sizeof(m), wild, 1);
	m[35] = 0x03;
	assert_int_equal(smb1_heap(m, n, &w), -1);
	n = smb1_neg(m, sizeof(m), wild, 1);
	m[32] = 1;
	assert_int_equal(smb1_heap(m, n, &w), -1);
	/* A format byte with nothing after it. */
	n = smb1_neg(m, sizeof(m), NULL, 0);
	m[35] = 0x02;
	put_le16(m + 33, 1);
	assert_int_equal(smb1_heap(m, 36, &w), -1);

	/* Another SMB1 command: not malformed, just not a negotiate. */
	n = smb1_neg(m, sizeof(m), wild, 1);
	m[4] = 0x73;
	assert_int_equal(smb1_heap(m, n, &w), 0);
	/* Not SMB1 at all. */
	n = smb1_neg(m, sizeof(m), wild, 1);
	m[0] = 0xFE;
	assert_int_equal(smb1_heap(m, n, &w), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_round_trip),
		cmocka_unit_test(test_next_message),
		cmocka_unit_test(test_next_message_long_chain),
		cmocka_unit_test(test_error_resp),
		cmocka_unit_test(test_empty4),
		cmocka_unit_test(test_smb1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
