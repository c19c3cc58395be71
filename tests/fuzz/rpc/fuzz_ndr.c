/* libFuzzer: srvsvc / wkssvc request stub decoding and response encoding.
 * Input: opnum (1 byte, high bit picks wkssvc), then the stub. */
#include <stddef.h>
#include <stdint.h>

#include "rpc/rpc_iface.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rpc_share shares[] = {
	{ "IPC$", RPC_SHARE_IPC, "IPC Service", "" },
	{ "data", RPC_SHARE_DISK, "Data", "/srv/data" },
	{ "x\xc3\xa9", RPC_SHARE_DISK, NULL, NULL },
};
static const struct rpc_env env = { "FUZZ", shares, 3 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const struct rpc_iface *iface = data[0] & 0x80 ? &rpc_wkssvc_iface : &rpc_srvsvc_iface;
	uint16_t opnum = data[0] & 0x7f;
	struct ndr_w w;
	ndr_w_init(&w, RPC_MAX_RESPONSE_STUB);
	uint32_t st = rpc_iface_call(iface, &env, opnum, data + 1, size - 1, &w);
	/* a successful call ends with a 4-byte status, 4-aligned */
	if (st == 0 && (w.b.len < 8 || w.b.len % 4))
		__builtin_trap();
	ndr_w_free(&w);
	return 0;
}
