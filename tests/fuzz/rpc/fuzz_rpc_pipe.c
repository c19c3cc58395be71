/* libFuzzer: a srvsvc pipe fed a bind, then the input as client writes.
 * The first input byte picks the write size (to split PDUs across
 * writes) and the bind's max_recv_frag (to vary response fragmenting). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "rpc/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rpc_share shares[] = {
	{ "IPC$", RPC_SHARE_IPC, "IPC Service", "" },
	{ "data", RPC_SHARE_DISK, "Data", "/srv/data" },
	{ "x\xc3\xa9", RPC_SHARE_DISK, NULL, NULL },
};
static const struct rpc_env env = { "FUZZ", shares, 3 };

static const uint8_t bind[72] = {
	0x05, 0x00, 0x0b, 0x03, 0x10, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0xb8, 0x10, 0xb8, 0x10, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xc8, 0x4f, 0x32, 0x4b,
	0x70, 0x16, 0xd3, 0x01, 0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88,
	0x03, 0x00, 0x00, 0x00, 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 0x02, 0x00, 0x00, 0x00,
};

static void drain(struct rpc_pipe *p)
{
	static uint8_t out[65536];
	size_t n;
	while ((n = rpc_pipe_read(p, out, sizeof(out))) > 0) {
		/* each read is one whole PDU of ours */
		if (n < 16 || get_le16(out + 8) != n || out[0] != 5)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	struct rpc_pipe *p = rpc_pipe_open("srvsvc", &env);
	if (!p)
		return 0;
	uint8_t b[sizeof(bind)];
	memcpy(b, bind, sizeof(b));
	if (mode & 0x80)
		put_le16(b + 18, (uint16_t)(64 + (mode & 0x7f) * 8));
	(void)rpc_pipe_write(p, b, sizeof(b));
	drain(p);
	size_t step = (mode & 0x0f) ? (size_t)(mode & 0x0f) * 7 : size;
	for (size_t off = 0; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;
		(void)rpc_pipe_write(p, data + off, n);
		if (rpc_pipe_pending(p) > 4u * 1024 * 1024)
			__builtin_trap();
		if (mode & 0x40)
			drain(p);
	}
	drain(p);
	rpc_pipe_close(p);
	return 0;
}
