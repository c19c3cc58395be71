/* Durable handles v1 and v2 (MS-SMB2 3.3.5.9.6, 3.3.5.9.7, 3.3.5.9.10,
 * 3.3.5.9.12).
 *
 * A durable open survives the loss of its connection: it is detached from
 * its session and tree and kept, with its vfs handle, share mode entry,
 * byte-range locks and oplock or lease, in a process-wide table keyed by
 * its persistent id until its timeout runs out (then it is closed) or the
 * same user reconnects to it from a new session (DHnC / DH2C). */
#ifndef DAX_DURABLE_H
#define DAX_DURABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ntstatus.h"
#include "proto/smb2.h"

struct srv_req;
struct srv_open;
struct srv_conn;
struct srv_file;
struct srv_session;

/* What a CREATE asks about durability (its DHnQ, DHnC, DH2Q, DH2C). */
struct srv_durable_req {
	bool v1, v2;                   /* DHnQ / DH2Q */
	bool reconnect;                /* DHnC or DH2C */
	bool reconnect_v2;
	uint64_t persistent;           /* the FileId of a reconnect */
	uint8_t create_guid[16];
	uint32_t timeout_ms;           /* DH2Q Timeout */
	uint32_t flags;                /* DH2Q / DH2C Flags */
	bool has_app_id;               /* SMB2_CREATE_APP_INSTANCE_ID (3.x) */
	uint8_t app_id[16];
	bool has_app_version;          /* SMB2_CREATE_APP_INSTANCE_VERSION (3.1.1) */
	struct smb2_app_instance_version app_version;
};

/* Parses the durable contexts (v2 only on 3.x) and the application
 * instance ones (3.x; the version on 3.1.1 only):
 * STATUS_INVALID_PARAMETER for malformed or contradictory ones. */
NTSTATUS srv_durable_parse(const struct srv_req *r, const struct smb2_create_req *rq,
			   struct srv_durable_req *dq);

/* A reconnect (DHnC/DH2C) or a replay of a DH2Q create: answers the CREATE
 * entirely.  *handled false: a normal create follows. */
NTSTATUS srv_durable_reconnect(struct srv_req *r, const struct smb2_create_req *rq,
			       const struct srv_durable_req *dq, bool *handled);

/* After a successful open: grants durability when the open's caching
 * allows it (batch oplock, or a lease with handle caching), fixes the
 * response's persistent id and adds the response context. */
void srv_durable_grant(struct srv_req *r, struct srv_open *o, const struct srv_durable_req *dq,
		       struct smb2_create_resp *rs, uint8_t *ctxbuf);

/* Before an open of f checks share modes: disconnected durable opens of f
 * whose caching this open would break are closed (MS-SMB2 3.3.4.6).
 * Returns how many were closed. */
unsigned srv_durable_purge(struct srv_file *f, uint32_t access, uint32_t share,
			   uint32_t disposition);

/* MS-SMB2 3.3.5.9.13: a CREATE carrying an AppInstanceId closes, without
 * any break, the durable opens of the same file (f) on the same share
 * that carry the same AppInstanceId and come from another client
 * (ClientGuid); on whatever connection or loop they live, or detached.
 * STATUS_FILE_FORCED_CLOSED when the older open's AppInstanceVersion is
 * not below the request's (3.1.1).  *closed counts the opens closed.  Only
 * durable opens remember an AppInstanceId: the identifier exists for
 * clustered clients that fail over with durable v2 handles. */
NTSTATUS srv_durable_app_instance(struct srv_req *r, struct srv_file *f,
				  const struct srv_durable_req *dq, unsigned *closed);

/* srv_conn_cleanup: the durable opens of c's sessions are detached and
 * kept; the rest is then torn down as usual. */
void srv_durable_conn_lost(struct srv_conn *c);
/* The same for one session: PreviousSessionId (MS-SMB2 3.3.5.5.3), and
 * LOGOFF, which keeps durable opens for their timeout too (3.3.5.6: "If
 * Open.IsDurable is TRUE ... set Open.Session, Open.Connection and
 * Open.TreeConnect to NULL" and start the scavenger): smb2_logoff calls
 * it before it destroys the session's trees. */
void srv_durable_session_lost(struct srv_session *s);

/* srv_open_close: o stops being durable (a CLOSE, a LOGOFF). */
void srv_durable_forget(struct srv_open *o);

/* The persistent FileId of o. */
uint64_t srv_durable_pid(const struct srv_open *o);

/* SESSION_SETUP with PreviousSessionId: the previous session of the same
 * user, on whatever connection, is logged off (on its own loop, soon
 * after), its durable opens kept. */
void srv_durable_prev_session(struct srv_session *s, uint64_t prev_id);

/* The table of established sessions PreviousSessionId looks in
 * (smb2_session.c once a session is valid; objects.c as it goes). */
void srv_durable_session_register(struct srv_conn *c, struct srv_session *s);
/* The same by id: a session whose connection moved to another loop
 * (or whose first channel went) is found on connection c now. */
void srv_durable_session_register_id(struct srv_conn *c, uint64_t id);
void srv_durable_session_unregister(uint64_t id);

/* objects.c: closes an open that no session holds any more (its locks,
 * share mode entry, caching and handle go). */
void srv_open_close_detached(struct srv_open *o);

#endif
