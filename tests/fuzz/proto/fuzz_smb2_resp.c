/* libFuzzer: one SMB2 response message (header + body); every response
 * decoder runs on the body, and what decodes is re-encoded. */
#include <stddef.h>
#include <stdint.h>

#include "proto/smb2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct buf out;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur c;
	struct smb2_hdr h;
	union {
		struct smb2_negotiate_resp neg;
		struct smb2_session_setup_resp ss;
		struct smb2_tree_connect_resp tc;
		struct smb2_create_resp cr;
		struct smb2_close_resp cl;
		struct smb2_read_resp rd;
		struct smb2_write_resp wr;
		struct smb2_ioctl_resp io;
		struct smb2_output_resp o;
		struct smb2_oplock_break ob;
		struct smb2_validate_negotiate_resp vn;
	} u;

	if (!out.max)
		buf_init(&out, 1 << 20);
	cur_init(&c, data, size);
	if (smb2_decode_hdr(&c, &h) != 0)
		return 0;

#define TRY(dec, enc_stmt)                     \
	do {                                       \
		cur_init(&c, data, size);              \
		cur_seek(&c, SMB2_HDR_SIZE);           \
		if (dec == 0) {                        \
			buf_reset(&out);                   \
			enc_stmt;                          \
		}                                      \
	} while (0)

	TRY(smb2_decode_negotiate_resp(&c, &u.neg), smb2_encode_negotiate_resp(&out, 0, &u.neg));
	TRY(smb2_decode_session_setup_resp(&c, &u.ss), smb2_encode_session_setup_resp(&out, 0, &u.ss));
	TRY(smb2_decode_empty4(&c), smb2_encode_empty4(&out));
	TRY(smb2_decode_tree_connect_resp(&c, &u.tc), smb2_encode_tree_connect_resp(&out, &u.tc));
	TRY(smb2_decode_create_resp(&c, &u.cr), smb2_encode_create_resp(&out, 0, &u.cr));
	TRY(smb2_decode_close_resp(&c, &u.cl), smb2_encode_close_resp(&out, &u.cl));
	TRY(smb2_decode_read_resp(&c, &u.rd), smb2_encode_read_resp_fixed(&out, &u.rd));
	TRY(smb2_decode_write_resp(&c, &u.wr), smb2_encode_write_resp(&out, &u.wr));
	TRY(smb2_decode_ioctl_resp(&c, &u.io), smb2_encode_ioctl_resp(&out, 0, &u.io));
	cur_init(&c, data, size);
	cur_seek(&c, SMB2_HDR_SIZE);
	if (smb2_decode_ioctl_resp(&c, &u.io) == 0 &&
	    smb2_decode_validate_negotiate_resp(u.io.output, u.io.output_count, &u.vn) == 0)
		smb2_encode_validate_negotiate_resp(&out, &u.vn);
	TRY(smb2_decode_output_resp(&c, &u.o), smb2_encode_output_resp(&out, 0, &u.o));
	TRY(smb2_decode_set_info_resp(&c), smb2_encode_set_info_resp(&out));
	TRY(smb2_decode_oplock_break(&c, &u.ob), smb2_encode_oplock_break(&out, &u.ob));
#undef TRY
	if (h.status != 0) {
		buf_reset(&out);
		smb2_encode_error_resp(&out, data, (uint32_t)(size > 64 ? 64 : size));
	}
	return 0;
}
