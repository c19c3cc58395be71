/* Server objects: connection, session, tree connect, open; and the request
 * context every handler receives (DESIGN "server/"). */
#ifndef DAX_SRV_H
#define DAX_SRV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth/auth.h"
#include "common/buf.h"
#include "common/cursor.h"
#include "common/ntstatus.h"
#include "crypto/crypto.h"
#include "proto/smb2.h"
#include "rpc/rpc.h"
#include "server/config.h"
#include "server/file.h"
#include "server/identity.h"
#include "vfs/vfs.h"

struct srv_loop;

struct srv {
	struct srv_config *cfg;
	struct passdb *passdb;
	struct vfs_share **vfs;        /* per config share index; NULL for IPC$ */
	struct rpc_env rpc_env;
	struct rpc_share *rpc_shares;
	uint8_t guid[16];
	uint64_t start_time;
	atomic_uint nconns;
	atomic_uint_fast64_t next_conn_id;
	atomic_uint_fast64_t next_session_id;
	char dns_name[256];
	struct srv_identity *share_ident;  /* per share: its force user */
	struct srv_identity guest_ident;   /* the guest account */
	struct addr_limits *addrs;         /* connections per client address */
};

/* limits.c: connections per client address (issue 4 limits). */
struct addr_limits *addr_limits_new(uint32_t max_per_addr);
/* Counts a connection from addr; false (nothing counted) over the limit. */
bool addr_limits_acquire(struct addr_limits *l, const char *addr);
void addr_limits_release(struct addr_limits *l, const char *addr);
void addr_limits_free(struct addr_limits *l);

/* A table of objects addressed by 64-bit ids that are never reused soon:
 * the low 32 bits index a slot, the high 32 bits are the slot's
 * generation.  Lookups check the generation, so stale ids miss. */
struct idtab {
	void **obj;
	uint32_t *gen;
	uint32_t cap;
	uint32_t count;
	uint32_t max;
};
void idtab_init(struct idtab *t, uint32_t max);
void idtab_free(struct idtab *t);
/* Returns the new id, or 0 when full (count == max) or out of memory. */
uint64_t idtab_add(struct idtab *t, void *obj);
void *idtab_get(const struct idtab *t, uint64_t id);
void idtab_del(struct idtab *t, uint64_t id);
/* Iteration: for (uint32_t i = 0; i < t->cap; i++) if (t->obj[i]) ... */

struct srv_tree {
	uint32_t id;
	const struct share_cfg *share;
	struct vfs_share *vfs;         /* NULL for IPC$ */
	uint32_t maximal_access;
	bool read_only;
	bool encrypt;                  /* EncryptData: requests must come encrypted */
};

struct srv_durable;
struct srv_open {
	uint64_t id;                   /* volatile id == persistent id */
	struct srv_tree *tree;         /* NULL once orphaned */
	struct vfs_share *vfs;         /* outlives the tree */
	uint32_t refs;                 /* async requests using the open */
	bool orphan;                   /* closed while refs > 0 */
	struct srv_file *file;         /* NULL for pipes */
	struct srv_open *fnext;        /* the file's opens (file->mu) */
	char *pending_path;            /* renamed through another open (file->mu) */
	struct vfs_handle *h;          /* disk shares */
	struct rpc_pipe *pipe;         /* IPC$ */
	uint32_t access;               /* granted access mask */
	uint32_t create_options;
	uint32_t share_access;
	bool is_dir;
	bool delete_on_close;
	uint64_t position;             /* FilePositionInformation */
	uint8_t lock_seq[64];          /* LockSequenceArray (3.3.5.14): number + 1, 0 unset (file->mu) */
	uint32_t mode;                 /* FileModeInformation */
	/* directory enumeration state (QUERY_DIRECTORY) */
	struct vfs_dirent *ents;
	size_t nents;
	size_t pos;                    /* next entry; 0,1 are "." and ".." */
	char *pattern;                 /* UTF-8 pattern of this enumeration */
	bool listed;                   /* ents is loaded */
	struct srv_stream *stream;     /* an open of a named stream (streams.c) */
	uint32_t ea_index;             /* next EA of a FileFullEaInformation scan (ea.c) */
	/* oplock.c: caching granted to this open (under file->mu) */
	uint8_t oplock;                /* SMB2_OPLOCK_LEVEL_* held (never LEASE) */
	uint8_t oplock_break_to;       /* the level a break waits to be acked at */
	bool oplock_breaking;
	uint64_t oplock_deadline;      /* break timeout, monotonic ms */
	struct srv_lease *lease;       /* the lease this open holds, or NULL */
	struct srv_loop *loop;         /* where breaks for this open are sent */
	uint64_t conn_id;
	uint64_t session_id;
	bool break_encrypt;            /* breaks go out encrypted */
	/* IOCTL and CHANGE_NOTIFY (smb2_ioctl.c, notify.c) */
	uint64_t resume_nonce;         /* FSCTL_SRV_REQUEST_RESUME_KEY; 0: none issued */
	struct notify_watch *notify;   /* CHANGE_NOTIFY state, NULL until the first */
	struct srv_durable *durable;   /* durable.c: NULL unless durable */
	struct wt_open wt;             /* wtime.c: write-time state (file->mu) */
};

enum sess_state { SESS_IN_PROGRESS, SESS_VALID, SESS_EXPIRED, SESS_LOGGED_OFF };

/* One entry of Session.ChannelList (MS-SMB2 3.3.1.8): a connection the
 * session is bound to, with that channel's signing key.  Every channel
 * of a session lives on the session's event-loop thread (a connection
 * that binds is handed over to it first, conn.c), so the list and the
 * connections it names are only touched there. */
#define SRV_MAX_CHANNELS 32
struct srv_channel {
	struct srv_conn *conn;
	uint8_t signing_key[16];
	enum crypto_sign_alg sign_alg;
	bool bound;                    /* false: the session's own key */
};

struct srv_session {
	uint64_t id;
	enum sess_state state;
	struct auth_ctx *auth;
	struct auth_identity ident;
	bool has_key;                  /* a real user with a session key */
	bool signing_required;
	struct smb2_keys keys;
	enum crypto_sign_alg sign_alg;
	uint8_t preauth[64];
	struct srv_tree *trees[64];
	uint32_t ntrees;
	uint32_t next_tree_id;
	struct idtab opens;
	time_t started;
	struct srv_identity unix_ident;  /* the Unix account of the user */
	bool encrypt;                  /* EncryptData for the whole session */
	/* Re-authentication (smb2_session.c, MS-SMB2 3.3.5.5.2): the user
	 * who established the session ("" for anonymous or guest); a later
	 * exchange may come back as that user or drop to anonymous, never
	 * become someone else (auth_reauth_check). */
	char owner[64];
	char owner_domain[64];
	bool reauth;                   /* s->auth is a re-authentication */
	time_t expires;                /* SESS_EXPIRED from then on; 0: never */
	bool published;                /* in the global session table (objects.c) */
	/* Session.ChannelList: [0] is the connection that established it
	 * (its key is keys.signing); the others bound to it later. */
	struct srv_channel chans[SRV_MAX_CHANNELS];
	uint32_t nchans;
};

struct srv_async;
struct notify_watch;
struct srv_lease;
struct srv_oplock_waiter;

/* Bytes sent straight from storage (a pmem mapping) in the middle of the
 * output stream: inserted before out[at], released once sent. */
#define SRV_MAX_SPLICES 8
struct srv_splice {
	size_t at;
	const uint8_t *p;
	size_t len;
	struct srv_open *o;            /* held (refs) until released */
	void *hold;                    /* the vfs read_map hold */
};

struct srv_conn {
	struct srv *srv;
	struct srv_loop *loop;
	struct srv_conn *next, *prev;  /* the loop's list */
	uint64_t id;                   /* unique for the server's lifetime */
	int fd;
	char peer[64];
	char peer_addr[64];            /* the address alone, for limits */
	time_t created;
	bool closing;
	/* input: frames are read into rbuf (4-byte header + body) */
	uint8_t *rbuf;
	size_t rcap, rlen;
	/* output: frames queued in one buffer, sent in order */
	struct buf out;
	size_t out_sent;
	size_t frame_start;
	bool want_write;
	bool defer_send;               /* batching replies (conn.c) */
	struct srv_splice splices[SRV_MAX_SPLICES];
	unsigned nsplices;
	/* asynchronous requests (STATUS_PENDING) of this connection */
	struct srv_async *asyncs;
	uint32_t nasync;
	uint64_t next_async_id;
	bool dead;                     /* closed, waiting for its async work */
	/* negotiate state */
	bool negotiated;
	bool smb1_upgraded;            /* answered an SMB1 negotiate with 2.??? */
	uint16_t dialect;
	uint32_t client_caps;
	uint32_t server_caps;
	uint16_t client_sec_mode;
	uint16_t server_sec_mode;
	uint8_t client_guid[16];
	uint16_t client_dialects[SMB2_MAX_DIALECTS];
	uint16_t nclient_dialects;
	enum crypto_sign_alg sign_alg;
	uint16_t cipher;               /* negotiated cipher id, 0: none */
	struct buf plain;              /* decrypted requests / responses to encrypt */
	uint8_t preauth[64];
	/* credits and the message id window (MS-SMB2 3.3.1.1) */
	uint64_t seq_low;              /* lowest id not yet used */
	uint64_t seq_high;             /* first id not yet granted */
	uint8_t *seq_used;             /* bitmap, indexed by id % seq_bits */
	uint32_t seq_bits;
	/* sessions */
	struct srv_session *sessions[64];
	uint32_t nsessions;
	bool any_valid_session;
	/* smb2_session.c: signs the answer to a refused session binding, or
	 * to a request signed with a session key that is not this
	 * channel's, with that key (allocated on first use) */
	struct srv_session *bind_sign;
	/* smb2_session.c: a session binding in progress on this connection
	 * (its own authentication and, for 3.1.1, its own preauth hash). */
	struct srv_bind *bind;
	/* conn.c: the loop this connection moves to before its next frame
	 * (a binding to a session of that loop, smb2_session.c) */
	struct srv_loop *move_to;
	/* oplock.c: CREATEs of this connection waiting for breaks */
	struct srv_oplock_waiter *oplock_waiters;
};

/* The FileId a related request may inherit (MS-SMB2 3.3.5.2.7.2). */
enum { CFID_NONE, CFID_SET, CFID_INVALID };

/* One request of a (possibly compound) frame. */
struct srv_req {
	struct srv_conn *conn;
	struct smb2_hdr hdr;
	struct cur msg;                /* the whole message, positioned at the body */
	struct srv_session *sess;      /* looked up by the dispatcher when needed */
	struct srv_tree *tree;
	struct buf *out;
	size_t rsp_off;                /* offset of this response's header in out */
	bool keep_body;                /* non-success status but the body stands */
	bool no_response;              /* CANCEL */
	bool sign_response;
	bool sign_final_session_setup; /* sign with the key just established */
	struct srv_session *sign_sess;
	uint8_t *preauth_rsp;          /* hash to extend with the response (3.1.1) */
	/* related compound state (MS-SMB2 3.3.5.2.7.2) */
	struct smb2_fileid *compound_fid;
	int *compound_fid_state;       /* CFID_* below */
	bool fid_unset;                /* lookup asked for an unset related id */
	bool can_async;                /* last of its compound: may go async */
	struct srv_session *enc_sess;  /* the request came encrypted for it */
	struct srv_async *async;       /* set by srv_go_async */
	struct srv_oplock_waiter *oplock_wait;  /* a CREATE retried after a break (oplock.c) */
};

/* A request answered later (MS-SMB2 3.3.4.2): an interim STATUS_PENDING
 * reply now, the final reply when its work has run on a worker thread. */
struct srv_async {
	struct srv_async *next;        /* the connection's list */
	struct srv_async *job_next;    /* worker queue / completion list */
	struct srv_conn *conn;
	struct srv_loop *loop;
	uint64_t async_id;
	struct smb2_hdr req;           /* the request's header */
	bool sign;
	bool encrypt;                  /* the request came encrypted */
	atomic_bool cancelled;
	bool started;
	NTSTATUS status;
	struct buf body;               /* response body written by work */
	struct srv_open *open;         /* held (refs) while the work runs */
	void (*work)(struct srv_async *a);  /* on a worker thread */
	void (*cancel)(struct srv_async *a);  /* a waiter's CANCEL (lock.c), on its loop */
	/* The work's own data (smb2_ioctl.c: a server-side copy) and its
	 * release, called on the loop thread by srv_async_finish whether the
	 * work ran or not (a CANCEL can skip it). */
	void *work_arg;
	void (*release)(struct srv_async *a);
};

/* async.c */
int srv_workers_start(unsigned n);
void srv_workers_stop(void);
/* Turns r into an async request whose work runs on a worker; the handler
 * then returns STATUS_PENDING.  Returns NULL when r cannot go async (not
 * the last of its compound, or out of memory): do the work inline. */
struct srv_async *srv_go_async(struct srv_req *r, void (*work)(struct srv_async *a),
			       struct srv_open *o);
/* Queues a's work once the interim reply is built (dispatch.c). */
void srv_async_submit(struct srv_async *a);
/* On the loop thread: sends the final reply and releases a. */
void srv_async_finish(struct srv_async *a);
/* A waiter (lock.c): an async request that no worker runs; another
 * request completes it.  size >= sizeof(struct srv_async), the caller's
 * struct starting with the record; cancel runs on CANCEL.  NULL when r
 * cannot go async. */
struct srv_async *srv_go_async_waiter(struct srv_req *r, size_t size,
				      void (*cancel)(struct srv_async *a));
/* From any thread: queues a waiter's final reply (a->status, a->body)
 * to its loop, which sends it with srv_async_finish. */
void srv_async_complete(struct srv_async *a);
/* CANCEL of an async id or of a pending message id (3.3.5.16). */
void srv_async_cancel(struct srv_conn *c, const struct smb2_hdr *h);
/* Drops a's hold on its open (closing an orphan). */
void srv_open_put(struct srv_open *o);
/* Frames: appended to c->out after whatever is still being sent. */
void srv_begin_frame(struct srv_conn *c);
void srv_end_frame(struct srv_conn *c);

/* dispatch.c */
void srv_process_frame(struct srv_conn *c, const uint8_t *frame, size_t len);
struct srv_session *srv_session_lookup(struct srv_conn *c, uint64_t id);
struct srv_tree *srv_tree_lookup(struct srv_session *s, uint32_t id);
/* Resolves a FileId from a request (honouring the compound's last id). */
struct srv_open *srv_open_lookup(struct srv_req *r, const struct smb2_fileid *fid);
/* The status for a failed srv_open_lookup: STATUS_INVALID_HANDLE for a
 * related all-ones FileId with nothing before it, else FILE_CLOSED. */
NTSTATUS srv_open_miss(const struct srv_req *r);

/* objects.c: lifetime of sessions, trees and opens */
struct srv_session *srv_session_new(struct srv_conn *c);
/* The GlobalSessionTable (MS-SMB2 3.3.1.5) as other connections see it:
 * what a SESSION_SETUP with the BINDING flag is checked against.  A
 * session is published once valid and withdrawn as it is destroyed. */
struct srv_session_pub {
	uint64_t id;
	uint64_t conn_id;
	uint16_t dialect;
	uint16_t cipher;
	enum crypto_sign_alg sign_alg;
	uint8_t signing_key[16];
	bool has_key;
	bool anonymous, guest;
	uint8_t client_guid[16];
	char user[64];
	/* The session's loop; sess may be dereferenced on that loop's
	 * thread only, and only while the entry stands. */
	struct srv_loop *loop;
	struct srv_session *sess;
};
void srv_session_publish(struct srv_conn *c, struct srv_session *s);
/* Copies the entry of session id into out; false when there is none. */
bool srv_session_find_global(uint64_t id, struct srv_session_pub *out);
/* c takes its sessions to c's (new) loop (conn.c): what the tables need
 * of each is copied first, then the tables follow. */
struct srv_session_move {
	uint64_t id;
	bool published;
	bool valid;
};
void srv_session_move_prepare(const struct srv_session *s, struct srv_session_move *m);
void srv_session_moved(const struct srv_session_move *m, struct srv_conn *c);
/* The channel of s that is connection c, or NULL. */
struct srv_channel *srv_session_channel(struct srv_session *s, const struct srv_conn *c);
/* Adds c as a channel of s (MS-SMB2 3.3.5.5.3); false when full. */
bool srv_session_add_channel(struct srv_session *s, struct srv_conn *c, const uint8_t key[16],
			     enum crypto_sign_alg alg);
/* The signing key and algorithm for messages of s on connection c. */
const uint8_t *srv_session_signing_key(struct srv_session *s, const struct srv_conn *c,
				       enum crypto_sign_alg *alg);
/* conn.c: true when frame (a binding SESSION_SETUP for a session of
 * another loop) must first move c to that loop (c->move_to set). */
bool srv_bind_needs_move(struct srv_conn *c, const uint8_t *frame, size_t len);
/* smb2_session.c: the error answering r, a request signed with the key
 * of session s (or, s NULL, of the session its header names, not one of
 * this connection) rather than this channel's, is signed with that key:
 * the client checks the answer with the key it signed with. */
void srv_session_sign_foreign(struct srv_req *r, struct srv_session *s);
/* smb2_session.c: drops a binding in progress (connection teardown). */
void srv_bind_free(struct srv_conn *c);
/* smb2_session.c: a SESSION_SETUP with SMB2_SESSION_FLAG_BINDING. */
struct smb2_session_setup_req;
NTSTATUS srv_session_bind(struct srv_req *r, const struct smb2_session_setup_req *rq);
/* When a session established now expires (`session expiry` seconds),
 * 0 for never. */
time_t srv_session_expiry(const struct srv_config *cfg);
/* dispatch.c: a valid session past its expiry turns SESS_EXPIRED. */
void srv_session_check_expiry(struct srv_session *s);
void srv_session_destroy(struct srv_conn *c, struct srv_session *s);
void srv_tree_destroy(struct srv_session *s, struct srv_tree *t);
void srv_open_close(struct srv_session *s, struct srv_open *o);
void srv_conn_cleanup(struct srv_conn *c);

/* handlers (smb2_*.c) */
NTSTATUS smb2_negotiate(struct srv_req *r);
NTSTATUS smb2_session_setup(struct srv_req *r);
NTSTATUS smb2_logoff(struct srv_req *r);
NTSTATUS smb2_tree_connect(struct srv_req *r);
NTSTATUS smb2_tree_disconnect(struct srv_req *r);
NTSTATUS smb2_create(struct srv_req *r);
NTSTATUS smb2_close(struct srv_req *r);
NTSTATUS smb2_flush(struct srv_req *r);
NTSTATUS smb2_read(struct srv_req *r);
NTSTATUS smb2_write(struct srv_req *r);
NTSTATUS smb2_lock(struct srv_req *r);
NTSTATUS smb2_ioctl(struct srv_req *r);
NTSTATUS smb2_cancel(struct srv_req *r);
NTSTATUS smb2_echo(struct srv_req *r);
NTSTATUS smb2_query_directory(struct srv_req *r);
NTSTATUS smb2_change_notify(struct srv_req *r);
NTSTATUS smb2_query_info(struct srv_req *r);
NTSTATUS smb2_set_info(struct srv_req *r);
NTSTATUS smb2_oplock_break(struct srv_req *r);

/* negotiate.c: builds a negotiate response for an SMB1 upgrade too */
NTSTATUS smb2_negotiate_smb1_upgrade(struct srv_conn *c, struct buf *out, bool wildcard);

/* path.c: an SMB name (UTF-16LE, '\'-separated) to a validated UTF-8
 * share-relative path ('/'-separated; "" for the root). */
NTSTATUS srv_path_from_wire(const uint8_t *name, size_t len, char **out);
/* The same, keeping a stream suffix (MS-FSCC 2.1.5.1): "file:name" and
 * "file:name:$DATA" name a stream, "file::$DATA" the file itself. */
struct srv_name {
	char *path;
	char *stream;                  /* the stream's name; NULL for the file */
	bool data_suffix;              /* "::$DATA" was given */
};
NTSTATUS srv_name_from_wire(const uint8_t *name, size_t len, struct srv_name *out);
void srv_name_free(struct srv_name *n);
/* Windows wildcard match (MS-FSCC 2.1.4.4: * ? < > "), case-insensitive. */
bool srv_wildcard_match(const char *pattern, const char *name);

/* smb2_info.c: the FSCC view of a file */
struct fscc_file_info;
void srv_file_info(const struct srv_open *o, const struct vfs_stat *st, struct fscc_file_info *fi);
/* Checks a multi-credit request's CreditCharge covers its payload
 * (MS-SMB2 3.3.5.2.5). */
bool srv_charge_ok(const struct srv_req *r, uint64_t payload);

/* conn.c */
void srv_conn_send(struct srv_conn *c);
/* Appends len bytes at p to the output without copying them (at the
 * current end of c->out); false when the table is full. */
bool srv_conn_splice(struct srv_conn *c, const void *p, size_t len, struct srv_open *o, void *hold);
/* Total spliced bytes at or after out offset from. */
size_t srv_splice_bytes(const struct srv_conn *c, size_t from);
/* Releases every splice (after sending, or when the connection goes). */
void srv_splices_release(struct srv_conn *c);
/* dispatch.c: encrypts the frame being built for session s. 0 or -1. */
int srv_encrypt_frame(struct srv_conn *c, struct srv_session *s);

/* Applies a rename done through another open of the same file (the
 * owning thread calls this before using o->h). */
void srv_open_sync_path(struct srv_open *o);

/* streams.c: opens of named streams.  A stream open has its own srv_file
 * (share modes and delete-on-close per stream) and counts as an open of
 * its base file, whose delete waits for the last stream open to close. */
/* The srv_file of stream name of file (dev, ino), one reference. */
struct srv_file *srv_file_get_stream(uint64_t dev, uint64_t ino, const char *name);
/* Joins o (an open of stream name) to its base file: DELETE_PENDING if
 * the base is being deleted. */
NTSTATUS srv_stream_attach(struct srv_open *o, uint64_t dev, uint64_t ino, const char *name);
/* Leaves the base at o's close (objects.c), removing a base file whose
 * delete was pending on this last stream open. */
void srv_stream_detach(struct srv_open *o);
/* An open of the base file with DELETE access: SHARING_VIOLATION if a
 * stream of it is open without FILE_SHARE_DELETE (MS-FSA 2.1.5.1.2). */
NTSTATUS srv_streams_check_delete(uint64_t dev, uint64_t ino);
/* Whether any stream of the file is open (a rename of it is refused). */
bool srv_streams_open(uint64_t dev, uint64_t ino);
/* FileRenameInformation of a stream open to ":name[:$DATA]". */
NTSTATUS srv_stream_rename(struct srv_open *o, const uint8_t *name, size_t len, bool replace);
/* FileStreamInformation (MS-FSCC 2.4.44): ::$DATA first (files only),
 * then every named stream with its size. */
NTSTATUS srv_stream_info(struct srv_open *o, struct buf *data);
/* The stream name of a stream open, NULL for a file. */
const char *srv_stream_name(const struct srv_open *o);

/* ea.c: extended attributes (MS-FSCC 2.4.15, MS-FSA 2.1.5.11.x). */
/* Validates a FILE_FULL_EA_INFORMATION list (the CREATE "ExtA" context or
 * SET_INFO input): STATUS_INVALID_EA_NAME, STATUS_EA_LIST_INCONSISTENT. */
NTSTATUS srv_ea_check_list(const uint8_t *p, size_t n);
/* Stores a checked list on the open's file (empty values remove). */
NTSTATUS srv_ea_apply_list(struct srv_open *o, const uint8_t *p, size_t n);
/* QUERY_INFO FileFullEaInformation: the entries that fit the output
 * buffer into data; STATUS_BUFFER_OVERFLOW when only some did (the body
 * stands), BUFFER_TOO_SMALL when none, NO_EAS_ON_FILE, NO_MORE_EAS. */
NTSTATUS srv_ea_query(struct srv_open *o, const struct smb2_query_info_req *rq, struct buf *data);
/* SET_INFO FileFullEaInformation. */
NTSTATUS srv_ea_set_info(struct srv_open *o, const uint8_t *p, size_t n);

/* Maps GENERIC_* bits to file-specific rights (MS-SMB2 3.3.5.9). */
uint32_t srv_map_generic(uint32_t access);

#define SRV_FILE_WRITE_MASK (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | \
			     FILE_WRITE_ATTRIBUTES | DELETE | WRITE_DAC | WRITE_OWNER | \
			     FILE_DELETE_CHILD)

#endif
