/* CREATE request/response and the create context chain. */
#include "helpers.h"

static const uint8_t NAME[] = {'d', 0, 'i', 0, 'r', 0, '\\', 0, 'f', 0, '.', 0, 't', 0};
static uint8_t DH2Q[32];
static struct smb2_create_req req;
static struct smb2_create_resp resp;
static struct smb2_create_req o_req;
static struct smb2_create_resp o_resp;

static void enc_req(struct buf *b, size_t h, const void *a) { smb2_encode_create_req(b, h, a); }
static void enc_resp(struct buf *b, size_t h, const void *a) { smb2_encode_create_resp(b, h, a); }
static int dec_req(struct cur *c) { return smb2_decode_create_req(c, &o_req); }
static int dec_resp(struct cur *c) { return smb2_decode_create_resp(c, &o_resp); }

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(DH2Q); i++)
		DH2Q[i] = (uint8_t)(0x40 + i);
	req = (struct smb2_create_req){
		.security_flags = 0, .oplock_level = SMB2_OPLOCK_LEVEL_LEASE,
		.impersonation_level = 2, .create_flags = 0, .desired_access = 0x0012019F,
		.file_attributes = FILE_ATTRIBUTE_NORMAL, .share_access = 7,
		.create_disposition = FILE_OPEN_IF, .create_options = FILE_NON_DIRECTORY_FILE,
		.name = NAME, .name_len = sizeof(NAME), .context_count = 3};
	req.contexts[0] = (struct smb2_create_context){(const uint8_t *)"DH2Q", 4, DH2Q, 32};
	req.contexts[1] = (struct smb2_create_context){(const uint8_t *)"MxAc", 4, NULL, 0};
	req.contexts[2] = (struct smb2_create_context){(const uint8_t *)"QFid", 4, DH2Q, 5};
	resp = (struct smb2_create_resp){
		.oplock_level = SMB2_OPLOCK_LEVEL_BATCH, .flags = 0, .create_action = FILE_CREATED,
		.creation_time = 1, .last_access_time = 2, .last_write_time = 3, .change_time = 4,
		.allocation_size = 8192, .end_of_file = 5000, .file_attributes = 0x20,
		.file_id = {0xAA, 0xBB}, .context_count = 2};
	resp.contexts[0] = (struct smb2_create_context){(const uint8_t *)"MxAc", 4, DH2Q, 8};
	resp.contexts[1] = (struct smb2_create_context){(const uint8_t *)"QFid", 4, DH2Q, 32};
	return 0;
}

static void build(struct buf *b, body_enc_fn enc, const void *arg)
{
	buf_init(b, 1 << 16);
	build_msg(b, SMB2_CREATE, enc, arg);
}

static void cmp_contexts(const struct smb2_create_context *a, const struct smb2_create_context *b,
			 uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		assert_int_equal(a[i].name_len, b[i].name_len);
		assert_memory_equal(a[i].name, b[i].name, b[i].name_len);
		assert_int_equal(a[i].data_len, b[i].data_len);
		if (b[i].data_len)
			assert_memory_equal(a[i].data, b[i].data, b[i].data_len);
		else
			assert_null(a[i].data);
	}
}

static void test_req(void **state)
{
	(void)state;
	struct buf m;
	build(&m, enc_req, &req);
	uint8_t *f = m.p + 64;
	assert_int_equal(get_le16(f + 44), 120); /* NameOffset */
	assert_int_equal(get_le32(f + 48), 136); /* 120 + 14 -> 8-aligned */
	assert_int_equal(get_le32(f + 48) + get_le32(f + 52), m.len);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), 0);
	assert_int_equal(o_req.oplock_level, SMB2_OPLOCK_LEVEL_LEASE);
	assert_int_equal(o_req.impersonation_level, 2);
	assert_true(o_req.create_flags == 0);
	assert_int_equal(o_req.desired_access, 0x0012019F);
	assert_int_equal(o_req.file_attributes, FILE_ATTRIBUTE_NORMAL);
	assert_int_equal(o_req.share_access, 7);
	assert_int_equal(o_req.create_disposition, FILE_OPEN_IF);
	assert_int_equal(o_req.create_options, FILE_NON_DIRECTORY_FILE);
	assert_int_equal(o_req.name_len, sizeof(NAME));
	assert_memory_equal(o_req.name, NAME, sizeof(NAME));
	assert_int_equal(o_req.context_count, 3);
	cmp_contexts(o_req.contexts, req.contexts, 3);

	check_truncations(m.p, m.len, dec_req);
	check_structure_size(m.p, m.len, dec_req);
	check_var_field(m.p, m.len, dec_req, 120, 44, 2, 46, 2);
	check_var_field(m.p, m.len, dec_req, 120, 48, 4, 52, 4);
	buf_free(&m);

	/* No name and no contexts: NameOffset still 120, a 57-byte body. */
	struct smb2_create_req root = req;
	root.name = NULL;
	root.name_len = 0;
	root.context_count = 0;
	build(&m, enc_req, &root);
	assert_int_equal(m.len, 64 + 57);
	assert_int_equal(get_le32(m.p + 64 + 48), 0);
	assert_int_equal(decode_msg(m.p, m.len, dec_req), 0);
	assert_null(o_req.name);
	assert_int_equal(o_req.context_count, 0);
	buf_free(&m);
}

static void test_resp(void **state)
{
	(void)state;
	struct buf m;
	build(&m, enc_resp, &resp);
	uint8_t *f = m.p + 64;
	assert_int_equal(get_le16(f), 89);
	assert_int_equal(get_le32(f + 80), 152);
	assert_int_equal(152 + get_le32(f + 84), m.len);
	/* Second context 8-aligned: first is 16 + 4 name -> data at 24, 8 bytes -> 32. */
	assert_int_equal(get_le32(m.p + 152), 32);
	assert_int_equal(get_le16(m.p + 152 + 10), 24);
	assert_int_equal(decode_msg(m.p, m.len, dec_resp), 0);
	assert_int_equal(o_resp.oplock_level, SMB2_OPLOCK_LEVEL_BATCH);
	assert_int_equal(o_resp.create_action, FILE_CREATED);
	assert_true(o_resp.creation_time == 1 && o_resp.last_access_time == 2 &&
		    o_resp.last_write_time == 3 && o_resp.change_time == 4);
	assert_true(o_resp.allocation_size == 8192 && o_resp.end_of_file == 5000);
	assert_int_equal(o_resp.file_attributes, 0x20);
	assert_true(o_resp.file_id.persistent == 0xAA && o_resp.file_id.volatile_ == 0xBB);
	assert_int_equal(o_resp.context_count, 2);
	cmp_contexts(o_resp.contexts, resp.contexts, 2);
	check_truncations(m.p, m.len, dec_resp);
	check_structure_size(m.p, m.len, dec_resp);
	check_var_field(m.p, m.len, dec_resp, 152, 80, 4, 84, 4);
	buf_free(&m);

	struct smb2_create_resp none = resp;
	none.context_count = 0;
	build(&m, enc_resp, &none);
	assert_int_equal(get_le32(m.p + 64 + 80), 0);
	assert_int_equal(get_le32(m.p + 64 + 84), 0);
	assert_int_equal(m.len, 64 + 89);
	assert_int_equal(decode_msg(m.p, m.len, dec_resp), 0);
	assert_int_equal(o_resp.context_count, 0);
	buf_free(&m);
}

/* A create request inside a compound: offsets are from its own header. */
static void test_compound(void **state)
{
	(void)state;
	struct buf m;
	buf_init(&m, 1 << 16);
	build_msg(&m, SMB2_CREATE, enc_req, &req);
	buf_align(&m, 0, 8);
	size_t second = m.len;
	buf_set_le32(&m, 20, (uint32_t)second);
	build_msg(&m, SMB2_CREATE, enc_req, &req);
	assert_int_equal(get_le16(m.p + second + 64 + 44), 120);
	size_t pos = 0, off, len;
	int k = 0;
	while (smb2_next_message(m.p, m.len, &pos, &off, &len) == 1) {
		assert_int_equal(decode_msg(m.p + off, len, dec_req), 0);
		assert_int_equal(o_req.context_count, 3);
		cmp_contexts(o_req.contexts, req.contexts, 3);
		k++;
	}
	assert_int_equal(k, 2);
	/* The first message may not reach into the second. */
	size_t first_len = second;
	uint8_t *p = m.p;
	put_le32(p + 64 + 52, get_le32(p + 64 + 52) + 8);
	assert_int_equal(decode_msg(p, first_len, dec_req), -1);
	buf_free(&m);
}

static int dec_chain(const uint8_t *p, size_t n, uint16_t *count)
{
	struct smb2_create_context out[SMB2_MAX_CREATE_CONTEXTS];
	uint8_t *copy = malloc(n ? n : 1);
	if (n)
		memcpy(copy, p, n);
	int rc = smb2_decode_create_contexts(copy, n, out, count);
	free(copy);
	return rc;
}

/* One element: Next, NameOffset 16, name "ABCD", data at 24. */
static size_t put_elem(uint8_t *p, uint32_t next, uint16_t data_len)
{
	memset(p, 0, 24 + data_len);
	put_le32(p, next);
	put_le16(p + 4, 16);
	put_le16(p + 6, 4);
	put_le16(p + 10, data_len ? 24 : 0);
	put_le32(p + 12, data_len);
	memcpy(p + 16, "ABCD", 4);
	return 24 + data_len;
}

static void test_chain(void **state)
{
	(void)state;
	uint8_t b[512];
	uint16_t n;
	struct buf e;

	/* Encoder/decoder agree; every truncation of the chain fails. */
	buf_init(&e, 4096);
	smb2_encode_create_contexts(&e, req.contexts, 3);
	assert_int_equal(dec_chain(e.p, e.len, &n), 0);
	assert_int_equal(n, 3);
	for (size_t l = 1; l < e.len; l++)
		assert_int_equal(dec_chain(e.p, l, &n), -1);
	assert_int_equal(dec_chain(e.p, 0, &n), 0);
	assert_int_equal(n, 0);
	buf_free(&e);

	/* Next = 0 ends the chain; trailing bytes belong to the last one. */
	put_elem(b, 0, 8);
	assert_int_equal(dec_chain(b, 40, &n), 0);
	assert_int_equal(n, 1);

	/* Next misaligned, smaller than an element header, at/past the end,
	 * huge (32-bit wrap). */
	const uint32_t bad_next[] = {1, 8, 12, 33, 36, 40, 48, 0xFFFFFFF8u};
	for (size_t i = 0; i < sizeof(bad_next) / sizeof(bad_next[0]); i++) {
		put_elem(b, bad_next[i], 8);
		put_elem(b + 32, 0, 8);
		assert_int_equal(dec_chain(b, 64, &n), -1);
		assert_int_equal(n, 0);
	}
	put_elem(b, 32, 8);
	put_elem(b + 32, 0, 8);
	assert_int_equal(dec_chain(b, 64, &n), 0);
	assert_int_equal(n, 2);
	/* A Next that lands on itself or leaves no room for a header. */
	put_elem(b, 56, 8);
	assert_int_equal(dec_chain(b, 64, &n), -1);

	/* Name/data outside their element (into the next one) or before the
	 * element header. */
	put_elem(b, 32, 8);
	put_elem(b + 32, 0, 8);
	put_le32(b + 12, 9);
	assert_int_equal(dec_chain(b, 64, &n), -1);
	put_le32(b + 12, 8);
	put_le16(b + 10, 8);
	assert_int_equal(dec_chain(b, 64, &n), -1);
	put_le16(b + 10, 0xFFFF);
	assert_int_equal(dec_chain(b, 64, &n), -1);
	put_le16(b + 10, 24);
	put_le16(b + 4, 0);
	assert_int_equal(dec_chain(b, 64, &n), -1);
	put_le16(b + 4, 30);
	assert_int_equal(dec_chain(b, 64, &n), -1);
	put_le16(b + 4, 16);
	put_le16(b + 6, 0);
	assert_int_equal(dec_chain(b, 64, &n), -1); /* no name */
	put_le16(b + 6, 0xFFFF);
	assert_int_equal(dec_chain(b, 64, &n), -1);
	put_le16(b + 6, 4);
	put_le32(b + 12, 0xFFFFFFFFu);
	assert_int_equal(dec_chain(b, 64, &n), -1);
	put_le32(b + 12, 8);
	assert_int_equal(dec_chain(b, 64, &n), 0);
	/* Header shorter than 16 bytes. */
	for (size_t l = 1; l < 16; l++)
		assert_int_equal(dec_chain(b, l, &n), -1);

	/* Exactly MAX contexts pass, one more fails. */
	uint8_t *big = calloc(SMB2_MAX_CREATE_CONTEXTS + 1, 24);
	for (int i = 0; i <= SMB2_MAX_CREATE_CONTEXTS; i++)
		put_elem(big + i * 24, i == SMB2_MAX_CREATE_CONTEXTS ? 0 : 24, 0);
	assert_int_equal(dec_chain(big, (SMB2_MAX_CREATE_CONTEXTS + 1) * 24, &n), -1);
	put_le32(big + (SMB2_MAX_CREATE_CONTEXTS - 1) * 24, 0);
	assert_int_equal(dec_chain(big, SMB2_MAX_CREATE_CONTEXTS * 24, &n), 0);
	assert_int_equal(n, SMB2_MAX_CREATE_CONTEXTS);
	free(big);
}

/* AppInstanceId: round trip; every truncation, one byte too many and a
 * lying StructureSize fail. */
static void test_app_instance_id(void **state)
{
	(void)state;
	uint8_t id[16], got[16];
	for (int i = 0; i < 16; i++)
		id[i] = (uint8_t)(0xA0 + i);
	struct buf b;
	buf_init(&b, 64);
	smb2_encode_app_instance_id(&b, id);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, 20);
	assert_int_equal(get_le16(b.p), 20);
	assert_int_equal(smb2_decode_app_instance_id(b.p, b.len, got), 0);
	assert_memory_equal(got, id, 16);
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(smb2_decode_app_instance_id(b.p, n, got), -1);
	uint8_t longer[21];
	memcpy(longer, b.p, 20);
	longer[20] = 0;
	assert_int_equal(smb2_decode_app_instance_id(longer, 21, got), -1);
	put_le16(b.p, 24); /* StructureSize lies */
	assert_int_equal(smb2_decode_app_instance_id(b.p, b.len, got), -1);
	put_le16(b.p, 0);
	assert_int_equal(smb2_decode_app_instance_id(b.p, b.len, got), -1);
	buf_free(&b);
}

static void test_app_instance_version(void **state)
{
	(void)state;
	struct smb2_app_instance_version v = {0x1122334455667788ull, 0x99AABBCCDDEEFF00ull}, got;
	struct buf b;
	buf_init(&b, 64);
	smb2_encode_app_instance_version(&b, &v);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, 24);
	assert_int_equal(get_le16(b.p), 24);
	assert_int_equal(get_le64(b.p + 8), v.high);
	assert_int_equal(get_le64(b.p + 16), v.low);
	assert_int_equal(smb2_decode_app_instance_version(b.p, b.len, &got), 0);
	assert_true(got.high == v.high && got.low == v.low);
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(smb2_decode_app_instance_version(b.p, n, &got), -1);
	uint8_t longer[32] = {0};
	memcpy(longer, b.p, 24);
	assert_int_equal(smb2_decode_app_instance_version(longer, 32, &got), -1);
	put_le16(b.p, 20); /* the size of the other context */
	assert_int_equal(smb2_decode_app_instance_version(b.p, b.len, &got), -1);
	buf_free(&b);
}

/* AlSi and TWrp: exactly 8 bytes. */
static void test_alloc_size(void **state)
{
	(void)state;
	uint64_t got = 0;
	struct buf b;
	buf_init(&b, 64);
	smb2_encode_alloc_size_ctx(&b, 0x123456789ull);
	assert_int_equal(b.len, 8);
	assert_int_equal(smb2_decode_alloc_size_ctx(b.p, b.len, &got), 0);
	assert_true(got == 0x123456789ull);
	for (size_t n = 0; n < 8; n++)
		assert_int_equal(smb2_decode_alloc_size_ctx(b.p, n, &got), -1);
	uint8_t longer[9] = {0};
	assert_int_equal(smb2_decode_alloc_size_ctx(longer, 9, &got), -1);
	/* TWrp has the same 8-byte layout */
	buf_reset(&b);
	smb2_encode_timewarp_ctx(&b, 0x01D9000000000000ull);
	assert_int_equal(b.len, 8);
	assert_int_equal(smb2_decode_timewarp_ctx(b.p, b.len, &got), 0);
	assert_true(got == 0x01D9000000000000ull);
	for (size_t n = 0; n < 8; n++)
		assert_int_equal(smb2_decode_timewarp_ctx(b.p, n, &got), -1);
	assert_int_equal(smb2_decode_timewarp_ctx(longer, 9, &got), -1);
	buf_free(&b);
}

/* Contexts are found by their whole name: a GUID tag and a 4-letter tag
 * that is its prefix do not match each other. */
static void test_find_context(void **state)
{
	(void)state;
	struct smb2_create_context x[3] = {
		{(const uint8_t *)"\x45\xBC\xA6\x6A", 4, NULL, 0},
		{smb2_ctx_app_instance_id, 16, DH2Q, 20},
		{(const uint8_t *)"AlSi", 4, DH2Q, 8},
	};
	assert_ptr_equal(smb2_find_create_context(x, 3, smb2_ctx_app_instance_id, 16), &x[1]);
	assert_ptr_equal(smb2_find_create_context(x, 3, "AlSi", 4), &x[2]);
	assert_null(smb2_find_create_context(x, 3, smb2_ctx_app_instance_version, 16));
	assert_null(smb2_find_create_context(x, 3, "MxAc", 4));
	assert_null(smb2_find_create_context(x, 0, "AlSi", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req),
		cmocka_unit_test(test_resp),
		cmocka_unit_test(test_compound),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_app_instance_id),
		cmocka_unit_test(test_app_instance_version),
		cmocka_unit_test(test_alloc_size),
		cmocka_unit_test(test_find_context),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
