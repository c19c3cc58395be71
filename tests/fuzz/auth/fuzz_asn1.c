/* The DER/SPNEGO decoders, and the client side consuming an arbitrary
 * server reply (CHALLENGE parsing, AV pairs, final token). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (crypto_init() != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spnego_tok t;
	(void)asn1_validate(data, size);
	if (spnego_decode(data, size, &t) && t.token) {
		/* Tokens point into the input. */
		volatile uint8_t x = 0;
		for (size_t i = 0; i < t.token_len; i++)
			x ^= t.token[i];
		for (size_t i = 0; i < t.mic_len; i++)
			x ^= t.mic[i];
		(void)x;
	}

	struct auth_client *c = auth_client_start("alice", "DOM", "Secret1", "WS");
	struct buf out;
	buf_init(&out, AUTH_MAX_TOKEN);
	auth_client_step(c, NULL, 0, &out);
	buf_reset(&out);
	if (size && (data[0] & 0x80) == 0 && size > 1) {
		/* Raw CHALLENGE parsing. */
		auth_client_test_raw(c);
	}
	NTSTATUS st = auth_client_step(c, data, size, &out);
	if (st == STATUS_MORE_PROCESSING_REQUIRED) {
		buf_reset(&out);
		(void)auth_client_step(c, data, size, &out);
	}
	buf_free(&out);
	auth_client_free(c);
	return 0;
}
