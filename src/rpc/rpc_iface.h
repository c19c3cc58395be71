/* Internal to src/rpc: the interfaces a pipe can serve, and the fault
 * codes an operation may end with. */
#ifndef DAX_RPC_IFACE_H
#define DAX_RPC_IFACE_H

#include <stddef.h>
#include <stdint.h>

#include "rpc/ndr.h"
#include "rpc/rpc.h"

/* Fault status codes (C706 appendix E, MS-RPCE 2.2.2.11 / 3.1.1.5.5). */
#define NCA_S_OP_RNG_ERROR	0x1C010002u
#define NCA_S_UNK_IF		0x1C010003u
#define NCA_S_PROTO_ERROR	0x1C01000Bu
#define NCA_S_FAULT_INVALID_TAG	0x1C000006u
#define NCA_S_FAULT_REMOTE_NO_MEMORY 0x1C000016u
#define NCA_S_FAULT_NDR		0x000006F7u	/* RPC_X_BAD_STUB_DATA */

/* Win32 error codes returned as NET_API_STATUS (MS-ERREF 2.2). */
#define WERR_OK			0u
#define WERR_INVALID_LEVEL	124u
#define WERR_MORE_DATA		234u
#define WERR_NET_NAME_NOT_FOUND	2310u

/* Largest response stub an operation may produce. */
#define RPC_MAX_RESPONSE_STUB	(1024u * 1024u)

struct rpc_syntax {
	uint8_t uuid[16];	/* wire (NDR little-endian) byte order */
	uint16_t major, minor;
};

/* Decodes the request stub (in, positioned at the stub start) and writes
 * the response stub to out.  Returns 0, or a fault status: then out is
 * discarded. */
typedef uint32_t (*rpc_op_fn)(const struct rpc_env *env, struct cur *in, struct ndr_w *out);

struct rpc_iface {
	const char *pipe_name;		/* "srvsvc" */
	const char *sec_addr;		/* "\\PIPE\\srvsvc" for the bind_ack */
	struct rpc_syntax syntax;
	const rpc_op_fn *ops;		/* indexed by opnum, NULL = not served */
	size_t op_count;
};

extern const struct rpc_iface rpc_srvsvc_iface;
extern const struct rpc_iface rpc_wkssvc_iface;

/* Runs opnum of iface; returns 0 or a fault status (NCA_S_OP_RNG_ERROR for
 * an opnum that is not served). */
uint32_t rpc_iface_call(const struct rpc_iface *iface, const struct rpc_env *env,
			uint16_t opnum, const uint8_t *stub, size_t len, struct ndr_w *out);

#endif
