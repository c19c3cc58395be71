/* NEGOTIATE with 3.1.1 contexts, and the context bodies. */
#include "helpers.h"

static const uint8_t SALT[32] = {0xA5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
				 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const uint8_t NETNAME[] = {'s', 0, 'r', 0, 'v', 0};
static uint8_t preauth_blob[64], enc_blob[16];
static size_t preauth_len, enc_len;

static struct smb2_negotiate_req req311;
static struct smb2_negotiate_resp resp311;
static struct smb2_negotiate_req o_req;
static struct smb2_negotiate_resp o_resp;

static void enc_req(struct buf *b, size_t h, const void *a) { smb2_encode_negotiate_req(b, h, a); }
static void enc_resp(struct buf *b, size_t h, const void *a) { smb2_encode_negotiate_resp(b, h, a); }
static int dec_req(struct cur *c) { return smb2_decode_negotiate_req(c, &o_req); }
static int dec_resp(struct cur *c) { return smb2_decode_negotiate_resp(c, &o_resp); }

static int setup(void **state)
{
	(void)state;
	struct buf b;
	struct smb2_preauth_ctx pa = {.hash_count = 1, .hash_algs = {SMB2_PREAUTH_HASH_SHA512},
				      .salt = SALT, .salt_len = 32};
	struct smb2_id_list_ctx enc = {.count = 2, .ids = {SMB2_ENC_AES128_GCM, SMB2_ENC_AES128_CCM}};
	buf_init(&b, 4096);
	smb2_encode_preauth_ctx(&b, &pa);
	memcpy(preauth_blob, b.p, b.len);
	preauth_len = b.len;
	buf_reset(&b);
	smb2_encode_id_list_ctx(&b, &enc);
	memcpy(enc_blob, b.p, b.len);
	enc_len = b.len;
	buf_free(&b);

	/* 5 dialects (10 bytes) make the contexts start after padding. */
	req311 = (struct smb2_negotiate_req){
		.dialect_count = 5, .security_mode = 1, .capabilities = 0x7F,
		.client_guid = {0xC1}, .dialects = {0x202, 0x210, 0x300, 0x302, 0x311},
		.context_count = 3};
	req311.contexts[0] = (struct smb2_neg_context){SMB2_PREAUTH_INTEGRITY_CAPABILITIES,
						       preauth_blob, (uint16_t)preauth_len};
	req311.contexts[1] = (struct smb2_neg_context){SMB2_ENCRYPTION_CAPABILITIES, enc_blob,
						       (uint16_t)enc_len};
	req311.contexts[2] = (struct smb2_neg_context){SMB2_NETNAME_NEGOTIATE_CONTEXT_ID, NETNAME,
						       sizeof(NETNAME)};
	resp311 = (struct smb2_negotiate_resp){
		.security_mode = 1, .dialect = 0x311, .server_guid = {0x5E},
		.capabilities = 0x2F, .max_transact = 1 << 23, .max_read = 1 << 23,
		.max_write = 1 << 23, .system_time = 133000000000000000ull,
		.security_buffer = SALT, .security_buffer_len = 13, .context_count = 2};
	resp311.contexts[0] = (struct smb2_neg_context){SMB2_PREAUTH_INTEGRITY_CAPABILITIES,
							preauth_blob, (uint16_t)preauth_len};
	resp311.contexts[1] = (struct smb2_neg_context){SMB2_ENCRYPTION_CAPABILITIES, enc_blob, 4};
	return 0;
}

static void build(struct buf *b, body_enc_fn enc, const void *arg)
{
	buf_init(b, 1 << 16);
	build_msg(b, SMB2_NEGOTIATE, enc, arg);
}

static void test_req_311(void **state)
{
	(void)state;
	struct buf m;
	build(&m, enc_req, &req311);
	/* body: 36 fixed + 10 dialects = offset 110, contexts at 112 */
	assert_int_equal(get_le32(m.p + 64 + 28), 112);
	assert_int_equal(get_le16(m.p + 64 + 32), 3);
	/* preauth 38 bytes at 112..158, enc at 160 (8-aligned), netname at 176 */
	size_t end = 112 + 8 + preauth_len;
	end = (end + 7) & ~(size_t)7;
	end += 8 + enc_len;
	end = (end + 7) & ~(size_t)7;
	end += 8 + sizeof(NETNAME);
	assert_int_equal(m.len, end); /* no padding after the last */

	assert_int_equal(decode_msg(m.p, m.len, dec_req), 0);
	assert_int_equal(o_req.dialect_count, 5);
	assert_int_equal(o_req.dialects[4], 0x311);
	assert_true(o_req.client_start_time == 0);
	assert_int_equal(o_req.context_count, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(o_req.contexts[i].type, req311.contexts[i].type);
		assert_int_equal(o_req.contexts[i].data_len, req311.contexts[i].data_len);
		assert_memory_equal(o_req.contexts[i].data, req311.contexts[i].data,
				    req311.contexts[i].data_len);
	}
	struct smb2_preauth_ctx pa;
	assert_int_equal(smb2_decode_preauth_ctx(o_req.contexts[0].data, o_req.contexts[0].data_len, &pa), 0);
	assert_int_equal(pa.hash_count, 1);
	assert_int_equal(pa.hash_algs[0], SMB2_PREAUTH_HASH_SHA512);
	assert_int_equal(pa.salt_len, 32);
	assert_memory_equal(pa.salt, SALT, 32);
	struct smb2_id_list_ctx il;
	assert_int_equal(smb2_decode_id_list_ctx(o_req.contexts[1].data, o_req.contexts[1].data_len, &il), 0);
	assert_int_equal(il.count, 2);
	assert_int_equal(il.ids[0], SMB2_ENC_AES128_GCM);
	assert_int_equal(il.ids[1], SMB2_ENC_AES128_CCM);

	check_truncations(m.p, m.len, dec_req);
	check_structure_size(m.p, m.len, dec_req);

	uint8_t *f = m.p + 64;
	/* Too many contexts (over the cap) and more than the message holds. */
	put_le16(f + 32, SMB2_MAX_NEG_CONTEXTS + 1);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), -1);
	put_le16(f + 32, 4);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), -1);
	put_le16(f + 32, 0xFFFF);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), -1);
	put_le16(f + 32, 3);
	/* Offsets: misaligned, over the dialects, past the end, huge. */
	const uint32_t bad_off[] = {0, 64, 104, 113, 116, (uint32_t)m.len, (uint32_t)m.len + 8,
				    0xFFFFFFF8u};
	for (size_t i = 0; i < sizeof(bad_off) / sizeof(bad_off[0]); i++) {
		put_le32(f + 28, bad_off[i]);
		assert_int_equal(decode_msg(m.p, m.len, dec_req), -1);
	}
	put_le32(f + 28, 112);
	/* A context whose DataLength overruns the message. */
	put_le16(m.p + 112 + 2, 0xFFFF);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), -1);
	put_le16(m.p + 112 + 2, (uint16_t)preauth_len);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), 0);
	/* Last context one byte too long. */
	put_le16(m.p + m.len - sizeof(NETNAME) - 6, sizeof(NETNAME) + 1);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), -1);
	put_le16(m.p + m.len - sizeof(NETNAME) - 6, sizeof(NETNAME));
	/* Dialect count 0, above the cap, or more than the message holds. */
	const uint16_t bad_dc[] = {0, SMB2_MAX_DIALECTS + 1, 0xFFFF};
	for (size_t i = 0; i < 3; i++) {
		put_le16(f + 2, bad_dc[i]);
		assert_int_equal(decode_msg(m.p, m.len, dec_req), -1);
	}
	put_le16(f + 2, 5);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), 0);
	/* Without 0x0311 the 8 bytes are ClientStartTime and contexts are not
	 * looked at, whatever they say. */
	put_le16(f + 36 + 8, 0x300);
	put_le32(f + 28, 0xFFFFFFFFu);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), 0);
	assert_int_equal(o_req.context_count, 0);
	assert_true(o_req.client_start_time == (0xFFFFFFFFull | (uint64_t)get_le32(f + 32) << 32));
	buf_free(&m);

	/* 0x0311 offered but no contexts. */
	struct smb2_negotiate_req nc = req311;
	nc.context_count = 0;
	build(&m, enc_req, &nc);
	assert_int_equal(m.len, 64 + 36 + 10);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), 0);
	assert_int_equal(o_req.context_count, 0);
	buf_free(&m);
}

static void test_req_max_contexts(void **state)
{
	(void)state;
	struct smb2_negotiate_req r = req311;
	struct buf m;
	r.context_count = SMB2_MAX_NEG_CONTEXTS;
	for (int i = 0; i < SMB2_MAX_NEG_CONTEXTS; i++)
		r.contexts[i] = (struct smb2_neg_context){(uint16_t)(0x100 + i), NETNAME,
							  (uint16_t)(i % 7)};
	build(&m, enc_req, &r);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), 0);
	assert_int_equal(o_req.context_count, SMB2_MAX_NEG_CONTEXTS);
	for (int i = 0; i < SMB2_MAX_NEG_CONTEXTS; i++) {
		assert_int_equal(o_req.contexts[i].type, 0x100 + i);
		assert_int_equal(o_req.contexts[i].data_len, i % 7);
	}
	buf_free(&m);
}

static void test_resp_311(void **state)
{
	(void)state;
	struct buf m;
	build(&m, enc_resp, &resp311);
	uint8_t *f = m.p + 64;
	assert_int_equal(get_le16(f), 65);
	assert_int_equal(get_le16(f + 56), 0x80);
	assert_int_equal(get_le16(f + 58), 13);
	assert_int_equal(get_le16(f + 6), 2);
	/* 0x80 + 13 = 141, contexts at 144 */
	assert_int_equal(get_le32(f + 60), 144);
	size_t end = 144 + 8 + preauth_len;
	end = ((end + 7) & ~(size_t)7) + 8 + 4;
	assert_int_equal(m.len, end);

	assert_int_equal(decode_msg(m.p, m.len, dec_resp), 0);
	assert_int_equal(o_resp.security_mode, 1);
	assert_int_equal(o_resp.dialect, 0x311);
	assert_memory_equal(o_resp.server_guid, resp311.server_guid, 16);
	assert_int_equal(o_resp.capabilities, 0x2F);
	assert_int_equal(o_resp.max_transact, 1 << 23);
	assert_int_equal(o_resp.max_read, 1 << 23);
	assert_int_equal(o_resp.max_write, 1 << 23);
	assert_true(o_resp.system_time == resp311.system_time);
	assert_true(o_resp.server_start_time == 0);
	assert_int_equal(o_resp.security_buffer_len, 13);
	assert_memory_equal(o_resp.security_buffer, SALT, 13);
	assert_int_equal(o_resp.context_count, 2);
	assert_int_equal(o_resp.contexts[1].type, SMB2_ENCRYPTION_CAPABILITIES);
	assert_int_equal(o_resp.contexts[1].data_len, 4);
	assert_memory_equal(o_resp.contexts[1].data, enc_blob, 4);

	check_truncations(m.p, m.len, dec_resp);
	check_structure_size(m.p, m.len, dec_resp);
	check_var_field(m.p, m.len, dec_resp, 128, 56, 2, 58, 2);

	put_le16(f + 6, SMB2_MAX_NEG_CONTEXTS + 1);
	assert_int_equal(decode_msg(m.p, m.len, dec_resp), -1);
	put_le16(f + 6, 3);
	assert_int_equal(decode_msg(m.p, m.len, dec_resp), -1);
	put_le16(f + 6, 2);
	const uint32_t bad_off[] = {0, 64, 120, 145, (uint32_t)m.len, 0xFFFFFFF8u};
	for (size_t i = 0; i < sizeof(bad_off) / sizeof(bad_off[0]); i++) {
		put_le32(f + 60, bad_off[i]);
		assert_int_equal(decode_msg(m.p, m.len, dec_resp), -1);
	}
	buf_free(&m);

	/* No security buffer, no contexts: offset 0, a 65-byte body. */
	struct smb2_negotiate_resp bare = {.dialect = 0x210};
	build(&m, enc_resp, &bare);
	assert_int_equal(m.len, 64 + 65);
	assert_int_equal(get_le16(m.p + 64 + 56), 0);
	assert_int_equal(decode_msg(m.p, m.len, dec_resp), 0);
	assert_null(o_resp.security_buffer);
	buf_free(&m);

	/* 3.1.1 without a security buffer: contexts right at 0x80. */
	struct smb2_negotiate_resp nosec = resp311;
	nosec.security_buffer = NULL;
	nosec.security_buffer_len = 0;
	build(&m, enc_resp, &nosec);
	assert_int_equal(get_le32(m.p + 64 + 60), 0x80);
	assert_int_equal(decode_msg(m.p, m.len, dec_resp), 0);
	assert_int_equal(o_resp.context_count, 2);
	buf_free(&m);
}

static void test_ctx_bodies(void **state)
{
	(void)state;
	struct smb2_preauth_ctx pa;
	struct smb2_id_list_ctx il;
	struct buf b;

	for (size_t l = 0; l < preauth_len; l++)
		assert_int_equal(smb2_decode_preauth_ctx(preauth_blob, l, &pa), -1);
	/* Extra bytes after the fields are tolerated (3.3.5.4 checks "less"). */
	uint8_t big[80] = {0};
	memcpy(big, preauth_blob, preauth_len);
	assert_int_equal(smb2_decode_preauth_ctx(big, sizeof(big), &pa), 0);
	/* Lying counts. */
	put_le16(big, 0xFFFF);
	assert_int_equal(smb2_decode_preauth_ctx(big, sizeof(big), &pa), -1);
	memcpy(big, preauth_blob, preauth_len);
	put_le16(big + 2, 0xFFFF);
	assert_int_equal(smb2_decode_preauth_ctx(big, sizeof(big), &pa), -1);

	for (size_t l = 0; l < enc_len; l++)
		assert_int_equal(smb2_decode_id_list_ctx(enc_blob, l, &il), -1);
	put_le16(big, 3);
	assert_int_equal(smb2_decode_id_list_ctx(big, 7, &il), -1);
	assert_int_equal(smb2_decode_id_list_ctx(big, 8, &il), 0);
	assert_int_equal(il.count, 3);

	/* 20 ids offered: the first 16 kept, not an error. */
	buf_init(&b, 4096);
	buf_le16(&b, 20);
	for (uint16_t i = 0; i < 20; i++)
		buf_le16(&b, i);
	assert_int_equal(smb2_decode_id_list_ctx(b.p, b.len, &il), 0);
	assert_int_equal(il.count, SMB2_MAX_CTX_IDS);
	assert_int_equal(il.ids[15], 15);
	/* Same for the hash algorithms. */
	buf_reset(&b);
	buf_le16(&b, 20);
	buf_le16(&b, 4);
	for (uint16_t i = 0; i < 20; i++)
		buf_le16(&b, i);
	buf_bytes(&b, "salt", 4);
	assert_int_equal(smb2_decode_preauth_ctx(b.p, b.len, &pa), 0);
	assert_int_equal(pa.hash_count, SMB2_MAX_CTX_IDS);
	assert_memory_equal(pa.salt, "salt", 4);
	/* Signing list round trip and the encoder's cap. */
	buf_reset(&b);
	struct smb2_id_list_ctx sg = {.count = 3, .ids = {SMB2_SIGN_AES_GMAC, SMB2_SIGN_AES_CMAC,
							  SMB2_SIGN_HMAC_SHA256}};
	smb2_encode_id_list_ctx(&b, &sg);
	assert_int_equal(b.len, 8);
	assert_int_equal(smb2_decode_id_list_ctx(b.p, b.len, &il), 0);
	assert_int_equal(il.count, 3);
	assert_int_equal(il.ids[0], SMB2_SIGN_AES_GMAC);
	buf_reset(&b);
	sg.count = 40;
	smb2_encode_id_list_ctx(&b, &sg);
	assert_int_equal(b.len, 2 + 2 * SMB2_MAX_CTX_IDS);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_311),
		cmocka_unit_test(test_req_max_contexts),
		cmocka_unit_test(test_resp_311),
		cmocka_unit_test(test_ctx_bodies),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
