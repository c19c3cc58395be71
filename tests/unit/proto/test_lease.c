/* Lease create contexts and lease break bodies: round trips, every
 * truncation, wrong StructureSize, wrong context lengths. */
#include "helpers.h"

static const struct smb2_lease_break_notify NOTIFY = {
	.new_epoch = 7, .flags = SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED,
	.key = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
	.current_state = SMB2_LEASE_READ | SMB2_LEASE_WRITE | SMB2_LEASE_HANDLE,
	.new_state = SMB2_LEASE_READ | SMB2_LEASE_HANDLE, .break_reason = 0,
	.access_mask_hint = 0x11, .share_mask_hint = 0x22};
static const struct smb2_lease_break_ack ACK = {
	.flags = 0, .key = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1},
	.state = SMB2_LEASE_READ, .duration = 0};

static void enc_notify(struct buf *b, size_t hdr_off, const void *arg)
{
	(void)hdr_off;
	smb2_encode_lease_break_notify(b, arg);
}

static struct smb2_lease_break_notify got_notify;
static int dec_notify(struct cur *c)
{
	return smb2_decode_lease_break_notify(c, &got_notify);
}

static void enc_ack(struct buf *b, size_t hdr_off, const void *arg)
{
	(void)hdr_off;
	smb2_encode_lease_break_ack(b, arg);
}

static struct smb2_lease_break_ack got_ack;
static int dec_ack(struct cur *c)
{
	return smb2_decode_lease_break_ack(c, &got_ack);
}

static void test_notify(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4096);
	build_msg(&b, SMB2_OPLOCK_BREAK, enc_notify, &NOTIFY);
	assert_int_equal(b.len, SMB2_HDR_SIZE + 44);
	assert_int_equal(decode_msg(b.p, b.len, dec_notify), 0);
	assert_memory_equal(&got_notify, &NOTIFY, sizeof(NOTIFY));
	check_truncations(b.p, b.len, dec_notify);
	check_structure_size(b.p, b.len, dec_notify);
	buf_free(&b);
}

static void test_ack(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4096);
	build_msg(&b, SMB2_OPLOCK_BREAK, enc_ack, &ACK);
	assert_int_equal(b.len, SMB2_HDR_SIZE + 36);
	assert_int_equal(decode_msg(b.p, b.len, dec_ack), 0);
	assert_memory_equal(&got_ack, &ACK, sizeof(ACK));
	check_truncations(b.p, b.len, dec_ack);
	check_structure_size(b.p, b.len, dec_ack);
	/* The oplock acknowledgment decoder refuses a lease body. */
	struct cur c;
	cur_init(&c, b.p + SMB2_HDR_SIZE, b.len - SMB2_HDR_SIZE);
	assert_int_equal(smb2_break_body_size(&c), 36);
	struct smb2_oplock_break ob;
	assert_int_equal(smb2_decode_oplock_break(&c, &ob), -1);
	cur_init(&c, b.p, 1);
	assert_int_equal(smb2_break_body_size(&c), 0);
	buf_free(&b);
}

static void roundtrip_ctx(const struct smb2_lease *in, size_t want)
{
	struct buf b;
	buf_init(&b, 4096);
	smb2_encode_lease_ctx(&b, in);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, want);
	struct smb2_lease out;
	assert_int_equal(smb2_decode_lease_ctx(b.p, b.len, &out), 0);
	assert_int_equal(out.version, in->version);
	assert_memory_equal(out.key, in->key, 16);
	assert_int_equal(out.state, in->state);
	assert_int_equal(out.flags, in->flags);
	assert_int_equal(out.duration, in->duration);
	assert_memory_equal(out.parent_key, in->parent_key, 16);
	assert_int_equal(out.epoch, in->epoch);
	/* Any other length is refused, shorter or longer. */
	for (size_t n = 0; n < want + 8; n++) {
		if (n == SMB2_LEASE_V1_SIZE || n == SMB2_LEASE_V2_SIZE)
			continue;
		uint8_t *m = malloc(n ? n : 1);
		assert_non_null(m);
		memcpy(m, b.p, n < b.len ? n : b.len);
		if (n > b.len)
			memset(m + b.len, 0, n - b.len);
		assert_int_equal(smb2_decode_lease_ctx(m, n, &out), -1);
		free(m);
	}
	buf_free(&b);
}

static void test_lease_ctx(void **state)
{
	(void)state;
	struct smb2_lease v1 = {.version = 1, .key = {9, 9, 9}, .state = 7, .flags = 0,
				.duration = 0};
	roundtrip_ctx(&v1, SMB2_LEASE_V1_SIZE);
	struct smb2_lease v2 = {.version = 2, .key = {1, 2}, .state = 5,
				.flags = SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET, .duration = 0,
				.parent_key = {3, 4, 5}, .epoch = 0x1234};
	roundtrip_ctx(&v2, SMB2_LEASE_V2_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_lease_ctx),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(decode_copy);
	return rc;
}
