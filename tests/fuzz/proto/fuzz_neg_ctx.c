/* libFuzzer: negotiate contexts.  The input is used three ways: as a
 * context body (preauth, id list), and as the body of a NEGOTIATE request
 * and response behind a fixed header, so the context chain walker sees
 * arbitrary offsets, counts and lengths. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/smb2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct buf out;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smb2_preauth_ctx pa;
	struct smb2_id_list_ctx il;
	struct smb2_negotiate_req rq;
	struct smb2_negotiate_resp rs;
	struct smb2_hdr h = {.command = SMB2_NEGOTIATE};
	struct cur c;

	if (!out.max)
		buf_init(&out, 1 << 20);
	buf_reset(&out);
	if (smb2_decode_preauth_ctx(data, size, &pa) == 0)
		smb2_encode_preauth_ctx(&out, &pa);
	if (smb2_decode_id_list_ctx(data, size, &il) == 0)
		smb2_encode_id_list_ctx(&out, &il);

	/* header + input, in an exactly-sized buffer */
	uint8_t *msg = malloc(SMB2_HDR_SIZE + size);
	if (!msg)
		return 0;
	buf_reset(&out);
	smb2_encode_hdr(&out, &h);
	memcpy(msg, out.p, SMB2_HDR_SIZE);
	memcpy(msg + SMB2_HDR_SIZE, data, size);

	cur_init(&c, msg, SMB2_HDR_SIZE + size);
	cur_seek(&c, SMB2_HDR_SIZE);
	if (smb2_decode_negotiate_req(&c, &rq) == 0) {
		buf_reset(&out);
		smb2_encode_hdr(&out, &h);
		smb2_encode_negotiate_req(&out, 0, &rq);
		struct smb2_negotiate_req rq2;
		cur_init(&c, out.p, out.len);
		cur_seek(&c, SMB2_HDR_SIZE);
		if (buf_ok(&out) && (smb2_decode_negotiate_req(&c, &rq2) != 0 ||
				     rq2.context_count != rq.context_count ||
				     rq2.dialect_count != rq.dialect_count))
			__builtin_trap();
	}
	cur_init(&c, msg, SMB2_HDR_SIZE + size);
	cur_seek(&c, SMB2_HDR_SIZE);
	if (smb2_decode_negotiate_resp(&c, &rs) == 0) {
		buf_reset(&out);
		smb2_encode_hdr(&out, &h);
		smb2_encode_negotiate_resp(&out, 0, &rs);
		struct smb2_negotiate_resp rs2;
		cur_init(&c, out.p, out.len);
		cur_seek(&c, SMB2_HDR_SIZE);
		if (buf_ok(&out) && (smb2_decode_negotiate_resp(&c, &rs2) != 0 ||
				     rs2.context_count != rs.context_count ||
				     rs2.security_buffer_len != rs.security_buffer_len))
			__builtin_trap();
	}
	free(msg);
	return 0;
}
