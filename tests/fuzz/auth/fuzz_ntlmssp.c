/* Raw NTLMSSP AUTHENTICATE against a server that has sent a real
 * CHALLENGE (in answer to our client's NEGOTIATE). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct buf neg_tok;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	struct auth_client *c = auth_client_start("alice", "DOM", "Secret1", "WS");
	auth_client_test_raw(c);
	buf_init(&neg_tok, AUTH_MAX_TOKEN);
	auth_client_step(c, NULL, 0, &neg_tok);
	auth_client_free(c);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t chal[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct auth_ctx *a = auth_start(fuzz_db, "FUZZ", "fuzz.example");
	struct buf out;
	buf_init(&out, AUTH_MAX_TOKEN);
	auth_test_set_challenge(a, chal);
	if (auth_step(a, neg_tok.p, neg_tok.len, &out) == STATUS_MORE_PROCESSING_REQUIRED) {
		buf_reset(&out);
		(void)auth_step(a, data, size, &out);
	}
	buf_free(&out);
	auth_free(a);
	return 0;
}
