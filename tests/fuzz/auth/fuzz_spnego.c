/* Server auth_step on arbitrary tokens.  Byte 0 picks the mode:
 * even: a real NegTokenInit from our client, then the input as the second
 *       token (NegTokenResp with the AUTHENTICATE);
 * odd:  two tokens from the input (2-byte big-endian length of the first). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct buf init_tok;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	struct auth_client *c = auth_client_start("alice", "DOM", "Secret1", "WS");
	buf_init(&init_tok, AUTH_MAX_TOKEN);
	auth_client_step(c, NULL, 0, &init_tok);
	auth_client_free(c);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct auth_ctx *a = auth_start(fuzz_db, "FUZZ", "fuzz.example");
	struct buf out;
	buf_init(&out, AUTH_MAX_TOKEN);
	const uint8_t *t1, *t2;
	size_t n1, n2;
	if (!(data[0] & 1)) {
		t1 = init_tok.p, n1 = init_tok.len;
		t2 = data + 1, n2 = size - 1;
	} else {
		if (size < 3)
			goto out;
		n1 = (size_t)data[1] << 8 | data[2];
		if (n1 > size - 3)
			n1 = size - 3;
		t1 = data + 3;
		t2 = t1 + n1, n2 = size - 3 - n1;
	}
	NTSTATUS st = auth_step(a, t1, n1, &out);
	if (st == STATUS_MORE_PROCESSING_REQUIRED) {
		buf_reset(&out);
		st = auth_step(a, t2, n2, &out);
		if (st == STATUS_MORE_PROCESSING_REQUIRED) {
			buf_reset(&out);
			(void)auth_step(a, t2, n2, &out);
		}
	}
	(void)auth_identity(a);
out:
	buf_free(&out);
	auth_free(a);
	return 0;
}
