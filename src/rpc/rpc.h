/* DCE/RPC (MS-RPCE, C706) over the IPC$ named pipes: srvsvc (MS-SRVS)
 * answering NetShareEnumAll and NetShareGetInfo, so that smbclient -L and
 * Windows Explorer list the shares. */
#ifndef DAX_RPC_H
#define DAX_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPC_SHARE_DISK 0x00000000u
#define RPC_SHARE_IPC 0x80000003u  /* STYPE_IPC | STYPE_SPECIAL */

struct rpc_share {
	const char *name;
	uint32_t type;
	const char *comment;
	const char *path;      /* shown as C:\... style is not required; may be "" */
};

/* What the pipes serve; must outlive every pipe. */
struct rpc_env {
	const char *server_name;   /* NetBIOS-ish name, e.g. "DAXSMB" */
	const struct rpc_share *shares;
	size_t share_count;
};

struct rpc_pipe;

/* name is the pipe name as opened over SMB2 ("srvsvc", case-insensitive, no
 * leading "\\PIPE\\").  NULL if the pipe is not served. */
struct rpc_pipe *rpc_pipe_open(const char *name, const struct rpc_env *env);
/* Feeds bytes written by the client (one or more PDUs, possibly split
 * across calls).  Returns 0, or -1 on a protocol violation (the server then
 * answers the write with an error and the pipe stays usable for a new bind).
 * Fragments larger than 64 KiB are refused before allocation. */
int rpc_pipe_write(struct rpc_pipe *p, const uint8_t *data, size_t n);
/* Bytes of response waiting to be read. */
size_t rpc_pipe_pending(const struct rpc_pipe *p);
/* Copies up to max pending bytes into out and consumes them; returns the
 * count. */
size_t rpc_pipe_read(struct rpc_pipe *p, uint8_t *out, size_t max);
void rpc_pipe_close(struct rpc_pipe *p);

#endif
