/* Every request and response codec, table-driven: round trip, every
 * truncation, wrong StructureSize, lying (offset, length) pairs; then a
 * field-by-field comparison per codec and the codec-specific rules. */
#include "helpers.h"

static const uint8_t TOKEN[] = "NTLMSSP\0\1\0\0\0\x97\x82";
static const uint8_t PATH[] = {'\\', 0, '\\', 0, 's', 0, 'r', 0, 'v', 0, '\\', 0, 'x', 0};
static const uint8_t PATTERN[] = {'*', 0, '.', 0, 'c', 0};
static uint8_t DATA[300];
static const uint8_t CHANINFO[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const struct smb2_fileid FID = {0x0102030405060708ull, 0x1112131415161718ull};

static const struct smb2_session_setup_req ss_req = {
	.flags = SMB2_SESSION_FLAG_BINDING, .security_mode = 1, .capabilities = 0x44,
	.channel = 0, .previous_session_id = 0xABCDEF, .token = TOKEN, .token_len = sizeof(TOKEN)};
static const struct smb2_session_setup_resp ss_resp = {
	.session_flags = SMB2_SESSION_FLAG_IS_GUEST, .token = TOKEN, .token_len = 9};
static const struct smb2_tree_connect_req tc_req = {.flags = 0, .path = PATH, .path_len = sizeof(PATH)};
static const struct smb2_tree_connect_resp tc_resp = {
	.share_type = SMB2_SHARE_TYPE_DISK, .share_flags = SMB2_SHAREFLAG_NO_CACHING,
	.capabilities = SMB2_SHARE_CAP_DFS, .maximal_access = FILE_ALL_ACCESS};
static const struct smb2_close_req cl_req = {.flags = SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB, .file_id = FID};
static const struct smb2_close_resp cl_resp = {
	.flags = 1, .creation_time = 11, .last_access_time = 12, .last_write_time = 13,
	.change_time = 14, .allocation_size = 4096, .end_of_file = 100, .file_attributes = 0x20};
static const struct smb2_flush_req fl_req = {.file_id = FID};
static const struct smb2_read_req rd_req = {
	.padding = 0x50, .flags = 1, .length = 65536, .offset = 1ull << 40, .file_id = FID,
	.minimum_count = 1, .channel = 0, .remaining_bytes = 3, .channel_info = CHANINFO,
	.channel_info_len = sizeof(CHANINFO)};
static const struct smb2_read_resp rd_resp = {.data_length = 200, .data_remaining = 9, .flags = 0};
static struct smb2_write_req wr_req = {
	.length = 100, .offset = 12345, .file_id = FID, .channel = 0, .remaining_bytes = 0,
	.flags = SMB2_WRITEFLAG_WRITE_THROUGH};
static struct smb2_write_req wr_req_ci = {
	.length = 100, .offset = 12345, .file_id = FID, .channel = 2,
	.channel_info = CHANINFO, .channel_info_len = sizeof(CHANINFO)};
static const struct smb2_write_resp wr_resp = {.count = 100, .remaining = 0};
static const struct smb2_lock_req lk_req = {
	.lock_count = 3, .lock_sequence = 0x12, .file_id = FID,
	.locks = {{0, 10, SMB2_LOCKFLAG_SHARED_LOCK},
		  {100, 1, SMB2_LOCKFLAG_EXCLUSIVE_LOCK | SMB2_LOCKFLAG_FAIL_IMMEDIATELY},
		  {UINT64_MAX - 1, 1, SMB2_LOCKFLAG_UNLOCK}}};
static struct smb2_ioctl_req io_req = {
	.ctl_code = FSCTL_VALIDATE_NEGOTIATE_INFO, .file_id = {UINT64_MAX, UINT64_MAX},
	.input_count = 24, .max_input_response = 0, .max_output_response = 64,
	.flags = SMB2_0_IOCTL_IS_FSCTL};
static struct smb2_ioctl_resp io_resp = {
	.ctl_code = FSCTL_PIPE_TRANSCEIVE, .file_id = FID, .output_count = 30, .flags = 0};
static const struct smb2_query_directory_req qd_req = {
	.info_class = 37, .flags = SMB2_RESTART_SCANS, .file_index = 0, .file_id = FID,
	.pattern = PATTERN, .pattern_len = sizeof(PATTERN), .output_buffer_length = 65536};
static struct smb2_query_info_req qi_req = {
	.info_type = SMB2_0_INFO_FILE, .file_info_class = 15, .output_buffer_length = 4096,
	.input_len = 8, .additional_information = 7, .flags = 1, .file_id = FID};
static struct smb2_set_info_req si_req = {
	.info_type = SMB2_0_INFO_FILE, .file_info_class = 4, .buffer_len = 40,
	.additional_information = 0, .file_id = FID};
static struct smb2_output_resp out_resp = {.data_len = 50};
static const struct smb2_change_notify_req cn_req = {
	.flags = 1, .output_buffer_length = 4096, .file_id = FID, .completion_filter = 0x17};
static const struct smb2_oplock_break ob = {.oplock_level = SMB2_OPLOCK_LEVEL_II, .file_id = FID};
static const uint16_t dialects_old[] = {0x202, 0x210, 0x300, 0x302};
static struct smb2_negotiate_req neg_req_old = {
	.dialect_count = 4, .security_mode = 1, .capabilities = 0x7F,
	.client_guid = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
	.client_start_time = 0x0123456789ABCDEFull};
static struct smb2_negotiate_resp neg_resp_302 = {
	.security_mode = 1, .dialect = 0x302, .server_guid = {9}, .capabilities = 0x2F,
	.max_transact = 8 << 20, .max_read = 8 << 20, .max_write = 8 << 20, .system_time = 1,
	.server_start_time = 0, .security_buffer = TOKEN, .security_buffer_len = 14};

/* decode outputs */
static struct smb2_session_setup_req o_ss_req;
static struct smb2_session_setup_resp o_ss_resp;
static struct smb2_tree_connect_req o_tc_req;
static struct smb2_tree_connect_resp o_tc_resp;
static struct smb2_close_req o_cl_req;
static struct smb2_close_resp o_cl_resp;
static struct smb2_flush_req o_fl_req;
static struct smb2_read_req o_rd_req;
static struct smb2_read_resp o_rd_resp;
static struct smb2_write_req o_wr_req;
static struct smb2_write_resp o_wr_resp;
static struct smb2_lock_req o_lk_req;
static struct smb2_ioctl_req o_io_req;
static struct smb2_ioctl_resp o_io_resp;
static struct smb2_query_directory_req o_qd_req;
static struct smb2_query_info_req o_qi_req;
static struct smb2_set_info_req o_si_req;
static struct smb2_output_resp o_out_resp;
static struct smb2_change_notify_req o_cn_req;
static struct smb2_oplock_break o_ob;
static struct smb2_negotiate_req o_neg_req;
static struct smb2_negotiate_resp o_neg_resp;

#define WITH_HDR(name, fn, type)                                                   \
	static void enc_##name(struct buf *b, size_t h, const void *a) { fn(b, h, (const type *)a); }
#define NO_HDR(name, fn, type)                                                     \
	static void enc_##name(struct buf *b, size_t h, const void *a) { (void)h; fn(b, (const type *)a); }
#define DEC(name, fn, out)                                                         \
	static int dec_##name(struct cur *c) { return fn(c, &out); }

WITH_HDR(ss_req, smb2_encode_session_setup_req, struct smb2_session_setup_req)
WITH_HDR(ss_resp, smb2_encode_session_setup_resp, struct smb2_session_setup_resp)
WITH_HDR(tc_req, smb2_encode_tree_connect_req, struct smb2_tree_connect_req)
NO_HDR(tc_resp, smb2_encode_tree_connect_resp, struct smb2_tree_connect_resp)
NO_HDR(cl_req, smb2_encode_close_req, struct smb2_close_req)
NO_HDR(cl_resp, smb2_encode_close_resp, struct smb2_close_resp)
NO_HDR(fl_req, smb2_encode_flush_req, struct smb2_flush_req)
WITH_HDR(rd_req, smb2_encode_read_req, struct smb2_read_req)
WITH_HDR(wr_req, smb2_encode_write_req, struct smb2_write_req)
NO_HDR(wr_resp, smb2_encode_write_resp, struct smb2_write_resp)
NO_HDR(lk_req, smb2_encode_lock_req, struct smb2_lock_req)
WITH_HDR(io_req, smb2_encode_ioctl_req, struct smb2_ioctl_req)
WITH_HDR(io_resp, smb2_encode_ioctl_resp, struct smb2_ioctl_resp)
WITH_HDR(qd_req, smb2_encode_query_directory_req, struct smb2_query_directory_req)
WITH_HDR(qi_req, smb2_encode_query_info_req, struct smb2_query_info_req)
WITH_HDR(si_req, smb2_encode_set_info_req, struct smb2_set_info_req)
WITH_HDR(out_resp, smb2_encode_output_resp, struct smb2_output_resp)
NO_HDR(cn_req, smb2_encode_change_notify_req, struct smb2_change_notify_req)
NO_HDR(ob, smb2_encode_oplock_break, struct smb2_oplock_break)
WITH_HDR(neg_req, smb2_encode_negotiate_req, struct smb2_negotiate_req)
WITH_HDR(neg_resp, smb2_encode_negotiate_resp, struct smb2_negotiate_resp)

/* The read response's data is sent separately; the test appends it. */
static void enc_rd_resp(struct buf *b, size_t h, const void *a)
{
	const struct smb2_read_resp *r = a;
	(void)h;
	smb2_encode_read_resp_fixed(b, r);
	buf_bytes(b, DATA, r->data_length);
}
static void enc_empty4(struct buf *b, size_t h, const void *a) { (void)h; (void)a; smb2_encode_empty4(b); }
static void enc_si_resp(struct buf *b, size_t h, const void *a) { (void)h; (void)a; smb2_encode_set_info_resp(b); }

DEC(ss_req, smb2_decode_session_setup_req, o_ss_req)
DEC(ss_resp, smb2_decode_session_setup_resp, o_ss_resp)
DEC(tc_req, smb2_decode_tree_connect_req, o_tc_req)
DEC(tc_resp, smb2_decode_tree_connect_resp, o_tc_resp)
DEC(cl_req, smb2_decode_close_req, o_cl_req)
DEC(cl_resp, smb2_decode_close_resp, o_cl_resp)
DEC(fl_req, smb2_decode_flush_req, o_fl_req)
DEC(rd_req, smb2_decode_read_req, o_rd_req)
DEC(rd_resp, smb2_decode_read_resp, o_rd_resp)
DEC(wr_req, smb2_decode_write_req, o_wr_req)
DEC(wr_resp, smb2_decode_write_resp, o_wr_resp)
DEC(lk_req, smb2_decode_lock_req, o_lk_req)
DEC(io_req, smb2_decode_ioctl_req, o_io_req)
DEC(io_resp, smb2_decode_ioctl_resp, o_io_resp)
DEC(qd_req, smb2_decode_query_directory_req, o_qd_req)
DEC(qi_req, smb2_decode_query_info_req, o_qi_req)
DEC(si_req, smb2_decode_set_info_req, o_si_req)
DEC(out_resp, smb2_decode_output_resp, o_out_resp)
DEC(cn_req, smb2_decode_change_notify_req, o_cn_req)
DEC(ob, smb2_decode_oplock_break, o_ob)
DEC(neg_req, smb2_decode_negotiate_req, o_neg_req)
DEC(neg_resp, smb2_decode_negotiate_resp, o_neg_resp)
static int dec_empty4(struct cur *c) { return smb2_decode_empty4(c); }
static int dec_si_resp(struct cur *c) { return smb2_decode_set_info_resp(c); }

struct var_field {
	size_t min_off, off_pos;
	int off_w;
	size_t len_pos;
	int len_w;
};

struct codec {
	const char *name;
	uint16_t cmd;
	body_enc_fn enc;
	body_dec_fn dec;
	const void *arg;
	struct var_field fields[2];
	int nfields;
};

static const struct codec CODECS[] = {
	{"negotiate_req", SMB2_NEGOTIATE, enc_neg_req, dec_neg_req, &neg_req_old, {{0}}, 0},
	{"negotiate_resp", SMB2_NEGOTIATE, enc_neg_resp, dec_neg_resp, &neg_resp_302,
	 {{128, 56, 2, 58, 2}}, 1},
	{"session_setup_req", SMB2_SESSION_SETUP, enc_ss_req, dec_ss_req, &ss_req, {{88, 12, 2, 14, 2}}, 1},
	{"session_setup_resp", SMB2_SESSION_SETUP, enc_ss_resp, dec_ss_resp, &ss_resp, {{72, 4, 2, 6, 2}}, 1},
	{"empty4", SMB2_LOGOFF, enc_empty4, dec_empty4, NULL, {{0}}, 0},
	{"tree_connect_req", SMB2_TREE_CONNECT, enc_tc_req, dec_tc_req, &tc_req, {{72, 4, 2, 6, 2}}, 1},
	{"tree_connect_resp", SMB2_TREE_CONNECT, enc_tc_resp, dec_tc_resp, &tc_resp, {{0}}, 0},
	{"close_req", SMB2_CLOSE, enc_cl_req, dec_cl_req, &cl_req, {{0}}, 0},
	{"close_resp", SMB2_CLOSE, enc_cl_resp, dec_cl_resp, &cl_resp, {{0}}, 0},
	{"flush_req", SMB2_FLUSH, enc_fl_req, dec_fl_req, &fl_req, {{0}}, 0},
	{"read_req", SMB2_READ, enc_rd_req, dec_rd_req, &rd_req, {{112, 44, 2, 46, 2}}, 1},
	{"read_resp", SMB2_READ, enc_rd_resp, dec_rd_resp, &rd_resp, {{80, 2, 1, 4, 4}}, 1},
	{"write_req", SMB2_WRITE, enc_wr_req, dec_wr_req, &wr_req, {{112, 2, 2, 4, 4}}, 1},
	{"write_req_chaninfo", SMB2_WRITE, enc_wr_req, dec_wr_req, &wr_req_ci,
	 {{112, 2, 2, 4, 4}, {112, 40, 2, 42, 2}}, 2},
	{"write_resp", SMB2_WRITE, enc_wr_resp, dec_wr_resp, &wr_resp, {{0}}, 0},
	{"lock_req", SMB2_LOCK, enc_lk_req, dec_lk_req, &lk_req, {{0}}, 0},
	{"ioctl_req", SMB2_IOCTL, enc_io_req, dec_io_req, &io_req, {{120, 24, 4, 28, 4}}, 1},
	{"ioctl_resp", SMB2_IOCTL, enc_io_resp, dec_io_resp, &io_resp, {{112, 32, 4, 36, 4}}, 1},
	{"query_directory_req", SMB2_QUERY_DIRECTORY, enc_qd_req, dec_qd_req, &qd_req,
	 {{96, 24, 2, 26, 2}}, 1},
	{"query_info_req", SMB2_QUERY_INFO, enc_qi_req, dec_qi_req, &qi_req, {{104, 8, 2, 12, 4}}, 1},
	{"set_info_req", SMB2_SET_INFO, enc_si_req, dec_si_req, &si_req, {{96, 8, 2, 4, 4}}, 1},
	{"set_info_resp", SMB2_SET_INFO, enc_si_resp, dec_si_resp, NULL, {{0}}, 0},
	{"output_resp", SMB2_QUERY_INFO, enc_out_resp, dec_out_resp, &out_resp, {{72, 2, 2, 4, 4}}, 1},
	{"change_notify_req", SMB2_CHANGE_NOTIFY, enc_cn_req, dec_cn_req, &cn_req, {{0}}, 0},
	{"oplock_break", SMB2_OPLOCK_BREAK, enc_ob, dec_ob, &ob, {{0}}, 0},
};
#define NCODECS (sizeof(CODECS) / sizeof(CODECS[0]))

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(DATA); i++)
		DATA[i] = (uint8_t)(i * 7 + 1);
	wr_req.data = DATA;
	wr_req_ci.data = DATA;
	io_req.input = DATA;
	io_resp.output = DATA + 1;
	qi_req.input = DATA + 2;
	si_req.buffer = DATA + 3;
	out_resp.data = DATA + 4;
	neg_req_old.dialect_count = 4;
	memcpy(neg_req_old.dialects, dialects_old, sizeof(dialects_old));
	return 0;
}

static void build(const struct codec *k, struct buf *b)
{
	buf_init(b, 1 << 20);
	build_msg(b, k->cmd, k->enc, k->arg);
}

static void test_generic(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCODECS; i++) {
		const struct codec *k = &CODECS[i];
		struct buf b;
		print_message("  %s\n", k->name);
		build(k, &b);
		assert_int_equal(get_le16(b.p + 12), k->cmd);
		check_truncations(b.p, b.len, k->dec);
		check_structure_size(b.p, b.len, k->dec);
		for (int f = 0; f < k->nfields; f++) {
			const struct var_field *v = &k->fields[f];
			check_var_field(b.p, b.len, k->dec, v->min_off, v->off_pos, v->off_w,
					v->len_pos, v->len_w);
		}
		/* A message that runs on (compound padding) is still fine. */
		buf_zero(&b, 7);
		assert_int_equal(decode_msg(b.p, b.len, k->dec), 0);
		buf_free(&b);
	}
}

/* Round-trips one codec and leaves the decoded fields in its o_* struct;
 * pointers in it refer to *msg, which the caller frees. */
static void round_trip(const char *name, struct buf *msg)
{
	for (size_t i = 0; i < NCODECS; i++) {
		if (strcmp(CODECS[i].name, name))
			continue;
		build(&CODECS[i], msg);
		struct cur c;
		struct smb2_hdr h;
		cur_init(&c, msg->p, msg->len);
		assert_int_equal(smb2_decode_hdr(&c, &h), 0);
		assert_int_equal(CODECS[i].dec(&c), 0);
		return;
	}
	fail_msg("no codec %s", name);
}

#define ASSERT_BYTES(p, q, n) assert_memory_equal(p, q, n)
#define ASSERT_FID(a, b)                                                  \
	do {                                                              \
		assert_true((a).persistent == (b).persistent);            \
		assert_true((a).volatile_ == (b).volatile_);              \
	} while (0)

static void test_session_setup(void **state)
{
	struct buf m;
	(void)state;
	round_trip("session_setup_req", &m);
	assert_int_equal(o_ss_req.flags, ss_req.flags);
	assert_int_equal(o_ss_req.security_mode, ss_req.security_mode);
	assert_int_equal(o_ss_req.capabilities, ss_req.capabilities);
	assert_int_equal(o_ss_req.channel, ss_req.channel);
	assert_true(o_ss_req.previous_session_id == ss_req.previous_session_id);
	assert_int_equal(o_ss_req.token_len, ss_req.token_len);
	ASSERT_BYTES(o_ss_req.token, TOKEN, ss_req.token_len);
	assert_int_equal(get_le16(m.p + 64 + 12), 88); /* SecurityBufferOffset */
	buf_free(&m);

	round_trip("session_setup_resp", &m);
	assert_int_equal(o_ss_resp.session_flags, ss_resp.session_flags);
	assert_int_equal(o_ss_resp.token_len, 9);
	ASSERT_BYTES(o_ss_resp.token, TOKEN, 9);
	assert_int_equal(get_le16(m.p + 64 + 4), 72);
	buf_free(&m);

	/* No token: still a StructureSize-sized body; decodes to NULL/0. */
	struct smb2_session_setup_resp empty = {.session_flags = 2};
	buf_init(&m, 4096);
	smb2_encode_session_setup_resp(&m, 0, &empty);
	assert_int_equal(m.len, 9);
	struct cur c;
	uint8_t msg[64 + 9] = {0};
	memcpy(msg + 64, m.p, 9);
	cur_init(&c, msg, sizeof(msg));
	cur_seek(&c, 64);
	assert_int_equal(smb2_decode_session_setup_resp(&c, &o_ss_resp), 0);
	assert_null(o_ss_resp.token);
	assert_int_equal(o_ss_resp.token_len, 0);
	buf_free(&m);
}

static void test_tree_connect(void **state)
{
	struct buf m;
	(void)state;
	round_trip("tree_connect_req", &m);
	assert_int_equal(o_tc_req.flags, tc_req.flags);
	assert_int_equal(o_tc_req.path_len, sizeof(PATH));
	ASSERT_BYTES(o_tc_req.path, PATH, sizeof(PATH));
	buf_free(&m);
	round_trip("tree_connect_resp", &m);
	assert_int_equal(m.len, 64 + 16);
	assert_int_equal(o_tc_resp.share_type, tc_resp.share_type);
	assert_int_equal(o_tc_resp.share_flags, tc_resp.share_flags);
	assert_int_equal(o_tc_resp.capabilities, tc_resp.capabilities);
	assert_int_equal(o_tc_resp.maximal_access, tc_resp.maximal_access);
	buf_free(&m);
}

static void test_close_flush(void **state)
{
	struct buf m;
	(void)state;
	round_trip("close_req", &m);
	assert_int_equal(m.len, 64 + 24);
	assert_int_equal(o_cl_req.flags, cl_req.flags);
	ASSERT_FID(o_cl_req.file_id, FID);
	buf_free(&m);
	round_trip("close_resp", &m);
	assert_int_equal(m.len, 64 + 60);
	assert_int_equal(o_cl_resp.flags, cl_resp.flags);
	assert_true(o_cl_resp.creation_time == 11 && o_cl_resp.last_access_time == 12 &&
		    o_cl_resp.last_write_time == 13 && o_cl_resp.change_time == 14);
	assert_true(o_cl_resp.allocation_size == 4096 && o_cl_resp.end_of_file == 100);
	assert_int_equal(o_cl_resp.file_attributes, 0x20);
	buf_free(&m);
	round_trip("flush_req", &m);
	assert_int_equal(m.len, 64 + 24);
	ASSERT_FID(o_fl_req.file_id, FID);
	buf_free(&m);
}

static void test_read(void **state)
{
	struct buf m;
	(void)state;
	round_trip("read_req", &m);
	assert_int_equal(o_rd_req.padding, rd_req.padding);
	assert_int_equal(o_rd_req.flags, rd_req.flags);
	assert_int_equal(o_rd_req.length, rd_req.length);
	assert_true(o_rd_req.offset == rd_req.offset);
	ASSERT_FID(o_rd_req.file_id, FID);
	assert_int_equal(o_rd_req.minimum_count, 1);
	assert_int_equal(o_rd_req.channel, 0);
	assert_int_equal(o_rd_req.remaining_bytes, 3);
	assert_int_equal(o_rd_req.channel_info_len, 16);
	ASSERT_BYTES(o_rd_req.channel_info, CHANINFO, 16);
	buf_free(&m);

	/* Without channel info the body is 49 bytes (one pad byte). */
	struct smb2_read_req plain = rd_req;
	plain.channel_info = NULL;
	plain.channel_info_len = 0;
	buf_init(&m, 4096);
	smb2_encode_read_req(&m, 0, &plain);
	assert_int_equal(m.len, 49);
	buf_free(&m);

	round_trip("read_resp", &m);
	assert_int_equal(o_rd_resp.data_length, 200);
	assert_int_equal(o_rd_resp.data_remaining, 9);
	assert_int_equal(o_rd_resp.flags, 0);
	ASSERT_BYTES(o_rd_resp.data, DATA, 200);
	buf_free(&m);

	/* The fixed part: exactly 16 bytes, StructureSize 17, DataOffset 0x50. */
	buf_init(&m, 4096);
	smb2_encode_read_resp_fixed(&m, &rd_resp);
	assert_int_equal(m.len, 16);
	assert_int_equal(get_le16(m.p), 17);
	assert_int_equal(m.p[2], 0x50);
	assert_int_equal(get_le32(m.p + 4), 200);
	buf_free(&m);
}

static void test_write(void **state)
{
	struct buf m;
	(void)state;
	round_trip("write_req", &m);
	assert_int_equal(get_le16(m.p + 64 + 2), 0x70);
	assert_int_equal(m.len, 0x70 + 100);
	assert_int_equal(o_wr_req.length, 100);
	assert_true(o_wr_req.offset == 12345);
	ASSERT_FID(o_wr_req.file_id, FID);
	assert_int_equal(o_wr_req.flags, SMB2_WRITEFLAG_WRITE_THROUGH);
	ASSERT_BYTES(o_wr_req.data, DATA, 100);
	assert_int_equal(o_wr_req.channel_info_len, 0);
	assert_null(o_wr_req.channel_info);
	buf_free(&m);

	round_trip("write_req_chaninfo", &m);
	assert_int_equal(o_wr_req.channel, 2);
	assert_int_equal(o_wr_req.channel_info_len, 16);
	ASSERT_BYTES(o_wr_req.channel_info, CHANINFO, 16);
	ASSERT_BYTES(o_wr_req.data, DATA, 100);
	buf_free(&m);

	/* Data may not start inside the fixed part (offset 64+48 at least). */
	round_trip("write_req", &m);
	put_le16(m.p + 64 + 2, 0x6F);
	assert_int_equal(decode_msg(m.p, m.len, dec_wr_req), -1);
	buf_free(&m);

	round_trip("write_resp", &m);
	assert_int_equal(m.len, 64 + 16);
	assert_int_equal(o_wr_resp.count, 100);
	assert_int_equal(o_wr_resp.remaining, 0);
	buf_free(&m);
}

static void test_lock(void **state)
{
	struct buf m;
	(void)state;
	round_trip("lock_req", &m);
	assert_int_equal(m.len, 64 + 24 + 3 * 24);
	assert_int_equal(o_lk_req.lock_count, 3);
	assert_int_equal(o_lk_req.lock_sequence, 0x12);
	ASSERT_FID(o_lk_req.file_id, FID);
	for (int i = 0; i < 3; i++) {
		assert_true(o_lk_req.locks[i].offset == lk_req.locks[i].offset);
		assert_true(o_lk_req.locks[i].length == lk_req.locks[i].length);
		assert_int_equal(o_lk_req.locks[i].flags, lk_req.locks[i].flags);
	}
	/* LockCount 0, more than the cap, or more than the message holds. */
	const uint16_t bad[] = {0, SMB2_MAX_LOCKS + 1, 4, 0xFFFF};
	for (size_t i = 0; i < 4; i++) {
		put_le16(m.p + 64 + 2, bad[i]);
		assert_int_equal(decode_msg(m.p, m.len, dec_lk_req), -1);
	}
	buf_free(&m);
}

static void test_ioctl(void **state)
{
	struct buf m;
	(void)state;
	round_trip("ioctl_req", &m);
	assert_int_equal(o_io_req.ctl_code, FSCTL_VALIDATE_NEGOTIATE_INFO);
	ASSERT_FID(o_io_req.file_id, io_req.file_id);
	assert_int_equal(o_io_req.input_count, 24);
	ASSERT_BYTES(o_io_req.input, DATA, 24);
	assert_int_equal(o_io_req.max_input_response, 0);
	assert_int_equal(o_io_req.max_output_response, 64);
	assert_int_equal(o_io_req.flags, SMB2_0_IOCTL_IS_FSCTL);
	assert_int_equal(get_le32(m.p + 64 + 24), 120);
	/* The unused output buffer of a request may not lie either. */
	put_le32(m.p + 64 + 36, 120);
	put_le32(m.p + 64 + 40, 25);
	assert_int_equal(decode_msg(m.p, m.len, dec_io_req), -1);
	put_le32(m.p + 64 + 40, 24);
	assert_int_equal(decode_msg(m.p, m.len, dec_io_req), 0);
	put_le32(m.p + 64 + 36, 0xFFFFFFFF);
	assert_int_equal(decode_msg(m.p, m.len, dec_io_req), -1);
	buf_free(&m);

	round_trip("ioctl_resp", &m);
	assert_int_equal(get_le32(m.p + 64 + 24), 0); /* InputOffset */
	assert_int_equal(get_le32(m.p + 64 + 28), 0);
	assert_int_equal(get_le32(m.p + 64 + 32), 112); /* OutputOffset, 8-aligned */
	assert_int_equal(o_io_resp.ctl_code, FSCTL_PIPE_TRANSCEIVE);
	ASSERT_FID(o_io_resp.file_id, FID);
	assert_int_equal(o_io_resp.output_count, 30);
	ASSERT_BYTES(o_io_resp.output, DATA + 1, 30);
	/* A lying input buffer in a response is refused. */
	put_le32(m.p + 64 + 24, 112);
	put_le32(m.p + 64 + 28, 31);
	assert_int_equal(decode_msg(m.p, m.len, dec_io_resp), -1);
	buf_free(&m);

	/* IOCTL response with the header elsewhere in the buffer (compound). */
	buf_init(&m, 4096);
	buf_zero(&m, 8);
	build_msg(&m, SMB2_IOCTL, enc_io_resp, &io_resp);
	assert_int_equal(get_le32(m.p + 8 + 64 + 32), 112);
	assert_int_equal(decode_msg(m.p + 8, m.len - 8, dec_io_resp), 0);
	buf_free(&m);
}

static void test_validate_negotiate(void **state)
{
	(void)state;
	struct smb2_validate_negotiate_req in = {.capabilities = 0x7F, .guid = {1, 2, 3},
						 .security_mode = 1, .dialect_count = 5,
						 .dialects = {0x202, 0x210, 0x300, 0x302, 0x311}};
	struct smb2_validate_negotiate_req out;
	struct buf b;
	buf_init(&b, 4096);
	smb2_encode_validate_negotiate_req(&b, &in);
	assert_int_equal(b.len, 24 + 10);
	assert_int_equal(smb2_decode_validate_negotiate_req(b.p, b.len, &out), 0);
	assert_int_equal(out.capabilities, 0x7F);
	assert_memory_equal(out.guid, in.guid, 16);
	assert_int_equal(out.security_mode, 1);
	assert_int_equal(out.dialect_count, 5);
	assert_memory_equal(out.dialects, in.dialects, 10);
	for (size_t l = 0; l < b.len; l++)
		assert_int_equal(smb2_decode_validate_negotiate_req(b.p, l, &out), -1);
	put_le16(b.p + 22, 0);
	assert_int_equal(smb2_decode_validate_negotiate_req(b.p, b.len, &out), -1);
	put_le16(b.p + 22, SMB2_MAX_DIALECTS + 1);
	assert_int_equal(smb2_decode_validate_negotiate_req(b.p, b.len, &out), -1);
	put_le16(b.p + 22, 6);
	assert_int_equal(smb2_decode_validate_negotiate_req(b.p, b.len, &out), -1);
	buf_free(&b);

	struct smb2_validate_negotiate_resp rin = {.capabilities = 0x44, .guid = {9, 8, 7},
						   .security_mode = 2, .dialect = 0x311};
	struct smb2_validate_negotiate_resp rout;
	buf_init(&b, 4096);
	smb2_encode_validate_negotiate_resp(&b, &rin);
	assert_int_equal(b.len, 24);
	assert_int_equal(smb2_decode_validate_negotiate_resp(b.p, b.len, &rout), 0);
	assert_int_equal(rout.capabilities, 0x44);
	assert_memory_equal(rout.guid, rin.guid, 16);
	assert_int_equal(rout.security_mode, 2);
	assert_int_equal(rout.dialect, 0x311);
	for (size_t l = 0; l < b.len; l++)
		assert_int_equal(smb2_decode_validate_negotiate_resp(b.p, l, &rout), -1);
	buf_free(&b);
}

static void test_query_set(void **state)
{
	struct buf m;
	(void)state;
	round_trip("query_directory_req", &m);
	assert_int_equal(o_qd_req.info_class, 37);
	assert_int_equal(o_qd_req.flags, SMB2_RESTART_SCANS);
	assert_int_equal(o_qd_req.file_index, 0);
	ASSERT_FID(o_qd_req.file_id, FID);
	assert_int_equal(o_qd_req.pattern_len, sizeof(PATTERN));
	ASSERT_BYTES(o_qd_req.pattern, PATTERN, sizeof(PATTERN));
	assert_int_equal(o_qd_req.output_buffer_length, 65536);
	buf_free(&m);

	round_trip("query_info_req", &m);
	assert_int_equal(o_qi_req.info_type, SMB2_0_INFO_FILE);
	assert_int_equal(o_qi_req.file_info_class, 15);
	assert_int_equal(o_qi_req.output_buffer_length, 4096);
	assert_int_equal(o_qi_req.input_len, 8);
	ASSERT_BYTES(o_qi_req.input, DATA + 2, 8);
	assert_int_equal(o_qi_req.additional_information, 7);
	assert_int_equal(o_qi_req.flags, 1);
	ASSERT_FID(o_qi_req.file_id, FID);
	buf_free(&m);

	round_trip("set_info_req", &m);
	assert_int_equal(o_si_req.info_type, SMB2_0_INFO_FILE);
	assert_int_equal(o_si_req.file_info_class, 4);
	assert_int_equal(o_si_req.buffer_len, 40);
	ASSERT_BYTES(o_si_req.buffer, DATA + 3, 40);
	ASSERT_FID(o_si_req.file_id, FID);
	buf_free(&m);

	round_trip("set_info_resp", &m);
	assert_int_equal(m.len, 64 + 2);
	buf_free(&m);

	round_trip("change_notify_req", &m);
	assert_int_equal(m.len, 64 + 32);
	assert_int_equal(o_cn_req.flags, 1);
	assert_int_equal(o_cn_req.output_buffer_length, 4096);
	ASSERT_FID(o_cn_req.file_id, FID);
	assert_int_equal(o_cn_req.completion_filter, 0x17);
	buf_free(&m);

	round_trip("oplock_break", &m);
	assert_int_equal(m.len, 64 + 24);
	assert_int_equal(o_ob.oplock_level, SMB2_OPLOCK_LEVEL_II);
	ASSERT_FID(o_ob.file_id, FID);
	buf_free(&m);

	round_trip("empty4", &m);
	assert_int_equal(m.len, 64 + 4);
	buf_free(&m);
}

static void test_output_resp(void **state)
{
	struct buf m;
	(void)state;
	round_trip("output_resp", &m);
	assert_int_equal(get_le16(m.p + 64), 9);
	assert_int_equal(get_le16(m.p + 64 + 2), 72);
	assert_int_equal(o_out_resp.data_len, 50);
	ASSERT_BYTES(o_out_resp.data, DATA + 4, 50);
	assert_int_equal(m.len, 72 + 50);
	buf_free(&m);

	/* Empty: offset still 72, one zero byte, so the body is 9 bytes. */
	struct smb2_output_resp empty = {0};
	buf_init(&m, 4096);
	build_msg(&m, SMB2_QUERY_DIRECTORY, enc_out_resp, &empty);
	assert_int_equal(m.len, 64 + 9);
	assert_int_equal(get_le16(m.p + 64 + 2), 72);
	assert_int_equal(get_le32(m.p + 64 + 4), 0);
	assert_int_equal(m.p[72], 0);
	assert_int_equal(decode_msg(m.p, m.len, dec_out_resp), 0);
	assert_int_equal(o_out_resp.data_len, 0);
	assert_null(o_out_resp.data);
	buf_free(&m);
}

static void test_negotiate_resp_nocontexts(void **state)
{
	struct buf m;
	(void)state;
	round_trip("negotiate_resp", &m);
	assert_int_equal(get_le16(m.p + 64), 65);
	assert_int_equal(get_le16(m.p + 64 + 56), 0x80);
	assert_int_equal(get_le32(m.p + 64 + 60), 0); /* no contexts below 3.1.1 */
	assert_int_equal(o_neg_resp.dialect, 0x302);
	assert_int_equal(o_neg_resp.security_buffer_len, 14);
	ASSERT_BYTES(o_neg_resp.security_buffer, TOKEN, 14);
	assert_int_equal(o_neg_resp.context_count, 0);
	assert_int_equal(o_neg_resp.max_read, 8 << 20);
	assert_int_equal(o_neg_resp.capabilities, 0x2F);
	buf_free(&m);

	round_trip("negotiate_req", &m);
	assert_int_equal(o_neg_req.dialect_count, 4);
	assert_memory_equal(o_neg_req.dialects, dialects_old, sizeof(dialects_old));
	assert_true(o_neg_req.client_start_time == 0x0123456789ABCDEFull);
	assert_int_equal(o_neg_req.context_count, 0);
	assert_int_equal(o_neg_req.security_mode, 1);
	assert_int_equal(o_neg_req.capabilities, 0x7F);
	assert_memory_equal(o_neg_req.client_guid, neg_req_old.client_guid, 16);
	buf_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_session_setup),
		cmocka_unit_test(test_tree_connect),
		cmocka_unit_test(test_close_flush),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_ioctl),
		cmocka_unit_test(test_validate_negotiate),
		cmocka_unit_test(test_query_set),
		cmocka_unit_test(test_output_resp),
		cmocka_unit_test(test_negotiate_resp_nocontexts),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
