/* libFuzzer: a frame of SMB2 requests.  Splits it with smb2_next_message,
 * decodes each header, then runs every request decoder on the body and
 * re-encodes what decoded (so encoders see hostile values too), plus the
 * nested decoders a handler would call next. */
#include <stddef.h>
#include <stdint.h>

#include "proto/fscc.h"
#include "proto/smb2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct buf out;

static void nested_neg(const struct smb2_negotiate_req *r)
{
	for (uint16_t i = 0; i < r->context_count; i++) {
		struct smb2_preauth_ctx pa;
		struct smb2_id_list_ctx il;
		const struct smb2_neg_context *x = &r->contexts[i];
		if (smb2_decode_preauth_ctx(x->data, x->data_len, &pa) == 0)
			smb2_encode_preauth_ctx(&out, &pa);
		if (smb2_decode_id_list_ctx(x->data, x->data_len, &il) == 0)
			smb2_encode_id_list_ctx(&out, &il);
	}
}

static void nested_set_info(const struct smb2_set_info_req *r)
{
	struct fscc_basic_info bi;
	struct fscc_rename_info ri;
	struct fscc_ea eas[FSCC_MAX_EAS];
	size_t n;
	uint64_t u64;
	uint32_t u32;
	uint8_t u8;
	if (fscc_decode_basic_info(r->buffer, r->buffer_len, &bi) == 0)
		fscc_encode_basic_info(&out, &bi);
	if (fscc_decode_rename_info(r->buffer, r->buffer_len, &ri) == 0)
		fscc_encode_rename_info(&out, &ri);
	if (fscc_decode_ea_list(r->buffer, r->buffer_len, eas, FSCC_MAX_EAS, &n) == 0)
		fscc_encode_ea_list(&out, eas, n);
	(void)fscc_decode_u64_info(r->buffer, r->buffer_len, &u64);
	(void)fscc_decode_u32_info(r->buffer, r->buffer_len, &u32);
	(void)fscc_decode_u8_info(r->buffer, r->buffer_len, &u8);
}

static void body(const uint8_t *msg, size_t len)
{
	struct cur c;
	union {
		struct smb2_negotiate_req neg;
		struct smb2_session_setup_req ss;
		struct smb2_tree_connect_req tc;
		struct smb2_create_req cr;
		struct smb2_close_req cl;
		struct smb2_flush_req fl;
		struct smb2_read_req rd;
		struct smb2_write_req wr;
		struct smb2_lock_req lk;
		struct smb2_ioctl_req io;
		struct smb2_query_directory_req qd;
		struct smb2_change_notify_req cn;
		struct smb2_query_info_req qi;
		struct smb2_set_info_req si;
		struct smb2_oplock_break ob;
		struct smb2_validate_negotiate_req vn;
	} u;

#define TRY(dec, enc_stmt)                     \
	do {                                       \
		cur_init(&c, msg, len);                \
		cur_seek(&c, SMB2_HDR_SIZE);           \
		if (dec == 0) {                        \
			buf_reset(&out);                   \
			enc_stmt;                          \
		}                                      \
	} while (0)

	TRY(smb2_decode_negotiate_req(&c, &u.neg),
	    (smb2_encode_negotiate_req(&out, 0, &u.neg), nested_neg(&u.neg)));
	TRY(smb2_decode_session_setup_req(&c, &u.ss), smb2_encode_session_setup_req(&out, 0, &u.ss));
	TRY(smb2_decode_empty4(&c), smb2_encode_empty4(&out));
	TRY(smb2_decode_tree_connect_req(&c, &u.tc), smb2_encode_tree_connect_req(&out, 0, &u.tc));
	TRY(smb2_decode_create_req(&c, &u.cr), smb2_encode_create_req(&out, 0, &u.cr));
	TRY(smb2_decode_close_req(&c, &u.cl), smb2_encode_close_req(&out, &u.cl));
	TRY(smb2_decode_flush_req(&c, &u.fl), smb2_encode_flush_req(&out, &u.fl));
	TRY(smb2_decode_read_req(&c, &u.rd), smb2_encode_read_req(&out, 0, &u.rd));
	TRY(smb2_decode_write_req(&c, &u.wr), smb2_encode_write_req(&out, 0, &u.wr));
	TRY(smb2_decode_lock_req(&c, &u.lk), smb2_encode_lock_req(&out, &u.lk));
	TRY(smb2_decode_ioctl_req(&c, &u.io), smb2_encode_ioctl_req(&out, 0, &u.io));
	cur_init(&c, msg, len);
	cur_seek(&c, SMB2_HDR_SIZE);
	if (smb2_decode_ioctl_req(&c, &u.io) == 0) {
		const uint8_t *in = u.io.input;
		uint32_t n = u.io.input_count;
		if (smb2_decode_validate_negotiate_req(in, n, &u.vn) == 0)
			smb2_encode_validate_negotiate_req(&out, &u.vn);
	}
	TRY(smb2_decode_query_directory_req(&c, &u.qd), smb2_encode_query_directory_req(&out, 0, &u.qd));
	TRY(smb2_decode_change_notify_req(&c, &u.cn), smb2_encode_change_notify_req(&out, &u.cn));
	TRY(smb2_decode_query_info_req(&c, &u.qi), smb2_encode_query_info_req(&out, 0, &u.qi));
	TRY(smb2_decode_set_info_req(&c, &u.si),
	    (smb2_encode_set_info_req(&out, 0, &u.si), nested_set_info(&u.si)));
	TRY(smb2_decode_oplock_break(&c, &u.ob), smb2_encode_oplock_break(&out, &u.ob));
#undef TRY
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0, off, len;
	int k = 0;

	if (!out.max)
		buf_init(&out, 1 << 20);
	while (smb2_next_message(data, size, &pos, &off, &len) == 1) {
		struct cur c;
		struct smb2_hdr h;
		if (++k > 1000)
			__builtin_trap(); /* the splitter must make progress */
		cur_init(&c, data + off, len);
		if (smb2_decode_hdr(&c, &h) != 0)
			continue;
		buf_reset(&out);
		smb2_encode_hdr(&out, &h);
		body(data + off, len);
	}
	return 0;
}
