/* libdaxsmb: an SMB 2.0.2-3.1.1 client library.
 *
 * One dsmb_conn is one TCP connection carrying one session; trees and
 * opens hang off it.  All handles are opaque; every call that talks to
 * the server returns an NTSTATUS (dsmb_status): the server's status, or
 * one of the local ones listed below for failures on this side.  There
 * is no global state: handles of different connections may be used from
 * different threads, one connection from one thread at a time.
 *
 * A typical sequence:
 *   struct dsmb_options o; dsmb_options_init(&o); o.user = "alice"; ...
 *   struct dsmb_conn *c = dsmb_conn_new(&o);
 *   dsmb_connect(c, "127.0.0.1", 445);      TCP + NEGOTIATE
 *   dsmb_login(c);                          SESSION_SETUP (NTLMv2 / anonymous)
 *   dsmb_tree_connect(c, "share", &t);      TREE_CONNECT
 *   dsmb_open(t, "dir/file", DSMB_O_READ, &f); dsmb_read(f, ...); dsmb_close(f);
 *   dsmb_tree_disconnect(t); dsmb_conn_free(c);   (LOGOFF and close)
 *
 * Pipelining: dsmb_submit_read/dsmb_submit_write queue a request and
 * return as soon as it is on the wire (bounded by the credits the server
 * granted); dsmb_wait_one returns the next completion.  Synchronous calls
 * may be mixed in; completions that arrive meanwhile are kept in order. */
#ifndef DAXSMB_H
#define DAXSMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t dsmb_status;

#define DSMB_STATUS_SUCCESS 0x00000000u
#define DSMB_STATUS_NO_MORE_FILES 0x80000006u
#define DSMB_STATUS_END_OF_FILE 0xC0000011u
#define DSMB_STATUS_LOGON_FAILURE 0xC000006Du
#define DSMB_STATUS_OBJECT_NAME_NOT_FOUND 0xC0000034u
#define DSMB_STATUS_OBJECT_NAME_COLLISION 0xC0000035u
/* Local failures (never sent by a server in these situations): */
#define DSMB_STATUS_NO_MEMORY 0xC0000017u
#define DSMB_STATUS_INVALID_PARAMETER 0xC000000Du
#define DSMB_STATUS_CONNECTION_REFUSED 0xC0000236u
#define DSMB_STATUS_CONNECTION_DISCONNECTED 0xC000020Cu
#define DSMB_STATUS_BAD_NETWORK_PATH 0xC00000BEu      /* host name not resolved */
#define DSMB_STATUS_INVALID_NETWORK_RESPONSE 0xC00000C3u
#define DSMB_STATUS_INVALID_SIGNATURE 0xC000A000u
#define DSMB_STATUS_IO_TIMEOUT 0xC00000B5u
#define DSMB_STATUS_NOT_SUPPORTED 0xC00000BBu
#define DSMB_STATUS_INSUFFICIENT_RESOURCES 0xC000009Au /* no credit / queue full */

/* "STATUS_LOGON_FAILURE" etc., or NULL for a status it does not know. */
const char *dsmb_status_name(dsmb_status st);
/* The name, or "0xC00000XX" when unknown, written to buf; returns buf. */
const char *dsmb_status_str(dsmb_status st, char buf[32]);
static inline bool dsmb_ok(dsmb_status st) { return (st >> 30) != 3; }

/* Dialects as on the wire. */
#define DSMB_SMB2_02 0x0202
#define DSMB_SMB2_10 0x0210
#define DSMB_SMB3_00 0x0300
#define DSMB_SMB3_02 0x0302
#define DSMB_SMB3_11 0x0311
/* "SMB2_02", "SMB2", "SMB3_11", "SMB3", "NT1"-less names as smbclient -m.
 * Returns the dialect or 0 when unknown.  "SMB2" = 2.1, "SMB3" = 3.1.1. */
uint16_t dsmb_dialect_parse(const char *name);
/* "3.1.1" etc. */
const char *dsmb_dialect_name(uint16_t dialect);

enum dsmb_signing {
	DSMB_SIGNING_IF_REQUIRED = 0, /* sign when the server requires it */
	DSMB_SIGNING_REQUIRED = 1,    /* always sign; fail a login that cannot be signed */
};

struct dsmb_options {
	uint16_t min_dialect;     /* default 2.0.2 */
	uint16_t max_dialect;     /* default 3.1.1 */
	int signing;              /* enum dsmb_signing */
	const char *user;         /* NULL or "" = anonymous (guest where the share allows) */
	const char *domain;       /* "" by default */
	const char *password;
	const char *workstation;  /* "DAXSMB" by default */
	unsigned credits_target;  /* credits to keep granted; default 256 */
	int timeout_ms;           /* per wait for the server; default 60000, <0 none */
};
void dsmb_options_init(struct dsmb_options *o);

struct dsmb_conn;
struct dsmb_tree;
struct dsmb_file;

/* Copies the options (and the strings). NULL on allocation failure. */
struct dsmb_conn *dsmb_conn_new(const struct dsmb_options *o);
/* host: IPv4, IPv6 (with or without brackets) or a name; port 0 = 445.
 * Connects and negotiates. */
dsmb_status dsmb_connect(struct dsmb_conn *c, const char *host, uint16_t port);
/* SESSION_SETUP with NTLMv2 over SPNEGO (anonymous when no user). */
dsmb_status dsmb_login(struct dsmb_conn *c);
dsmb_status dsmb_echo(struct dsmb_conn *c);
dsmb_status dsmb_logoff(struct dsmb_conn *c);
/* Logs off if logged in, closes the socket, frees c.  Trees and files
 * still open are freed too (without a round trip). */
void dsmb_conn_free(struct dsmb_conn *c);
/* The last error in words (never NULL; "" when none). */
const char *dsmb_errmsg(const struct dsmb_conn *c);

struct dsmb_conn_info {
	uint16_t dialect;
	uint16_t server_security_mode;
	uint32_t server_capabilities;
	uint32_t max_read, max_write, max_transact;
	bool signing;             /* requests and responses are signed */
	int sign_alg;             /* 0 HMAC-SHA256, 1 AES-CMAC, 2 AES-GMAC */
	bool guest, anonymous;    /* SESSION_FLAG_IS_GUEST / IS_NULL */
	unsigned credits;         /* granted and not yet used */
	unsigned outstanding;     /* requests in flight */
};
void dsmb_conn_get_info(const struct dsmb_conn *c, struct dsmb_conn_info *out);

/* ---- trees ---- */

/* share: the share name ("share"); the UNC path uses the connected host. */
dsmb_status dsmb_tree_connect(struct dsmb_conn *c, const char *share, struct dsmb_tree **out);
/* TREE_DISCONNECT and free (freed even when the round trip fails). */
dsmb_status dsmb_tree_disconnect(struct dsmb_tree *t);

/* ---- opens ---- */

/* Paths are relative to the share; '/' and '\' both separate; "" or "/"
 * is the share root. */
struct dsmb_create_args {
	uint32_t desired_access;   /* FILE_READ_DATA, GENERIC_WRITE, DELETE, ... */
	uint32_t file_attributes;  /* FILE_ATTRIBUTE_NORMAL when 0 */
	uint32_t share_access;     /* FILE_SHARE_* */
	uint32_t disposition;      /* FILE_OPEN, FILE_CREATE, FILE_OPEN_IF, FILE_OVERWRITE_IF ... */
	uint32_t options;          /* FILE_NON_DIRECTORY_FILE, FILE_DELETE_ON_CLOSE, ... */
};
struct dsmb_stat {
	uint64_t creation_time, last_access_time, last_write_time, change_time; /* NT time */
	uint64_t allocation_size, size;
	uint32_t attributes;
	bool is_dir;
};

dsmb_status dsmb_create(struct dsmb_tree *t, const char *path, const struct dsmb_create_args *a,
			struct dsmb_file **out, uint32_t *create_action, struct dsmb_stat *st);
/* Shorthands over dsmb_create. */
#define DSMB_O_READ 0x1   /* read data */
#define DSMB_O_WRITE 0x2  /* write data */
#define DSMB_O_CREATE 0x4 /* create if missing (FILE_OPEN_IF) */
#define DSMB_O_TRUNC 0x8  /* with CREATE: FILE_OVERWRITE_IF */
#define DSMB_O_EXCL 0x10  /* with CREATE: FILE_CREATE */
#define DSMB_O_DIR 0x20   /* must be a directory */
dsmb_status dsmb_open(struct dsmb_tree *t, const char *path, int flags, struct dsmb_file **out);
/* CLOSE and free (freed even when the round trip fails). */
dsmb_status dsmb_close(struct dsmb_file *f);

/* One READ of at most max_read bytes (fewer near the end of file);
 * *got = bytes read; reading at or after EOF gives STATUS_END_OF_FILE. */
dsmb_status dsmb_read(struct dsmb_file *f, uint64_t off, void *buf, size_t len, size_t *got);
/* As many READs as needed; *got < len only at end of file (then SUCCESS). */
dsmb_status dsmb_pread(struct dsmb_file *f, uint64_t off, void *buf, size_t len, size_t *got);
#define DSMB_WRITE_THROUGH 0x1u /* SMB2_WRITEFLAG_WRITE_THROUGH */
/* As many WRITEs as needed (each <= max_write). */
dsmb_status dsmb_write(struct dsmb_file *f, uint64_t off, const void *buf, size_t len,
		       uint32_t flags, size_t *written);
dsmb_status dsmb_flush(struct dsmb_file *f);
/* QUERY_INFO FileNetworkOpenInformation on the open. */
dsmb_status dsmb_fstat(struct dsmb_file *f, struct dsmb_stat *st);
/* QUERY_INFO FileAllInformation on the open (adds the link count and the
 * delete-pending flag to the same fields). */
dsmb_status dsmb_fstat_all(struct dsmb_file *f, struct dsmb_stat *st, uint32_t *nlink,
			   bool *delete_pending);
/* Path forms: CREATE (read attributes) + QUERY_INFO + CLOSE. */
dsmb_status dsmb_stat(struct dsmb_tree *t, const char *path, struct dsmb_stat *st);
dsmb_status dsmb_unlink(struct dsmb_tree *t, const char *path); /* delete on close */
dsmb_status dsmb_mkdir(struct dsmb_tree *t, const char *path);
dsmb_status dsmb_rmdir(struct dsmb_tree *t, const char *path);
/* SET_INFO FileRenameInformation; to is relative to the share too. */
dsmb_status dsmb_rename(struct dsmb_tree *t, const char *from, const char *to, bool replace);

/* Server-side copy of the file `from` to `to`, both in t (MS-SMB2
 * 3.2.4.20.3): the data moves within the server, never over the network.
 * Opens from for reading, asks for its resume key
 * (FSCTL_SRV_REQUEST_RESUME_KEY), creates to (FILE_CREATE, or
 * FILE_OVERWRITE_IF when replace), then sends FSCTL_SRV_COPYCHUNK_WRITE
 * requests within the limits of MS-SMB2 3.3.3 (16 chunks of 1 MiB each);
 * a server that answers STATUS_INVALID_PARAMETER with smaller limits of
 * its own (3.3.5.15.6) gets the same request again within those.  On a
 * failure after to was created, to is deleted.  progress (may be NULL) is
 * called after each request with the bytes copied so far and the size;
 * *copied (may be NULL) gets the bytes copied. */
typedef void (*dsmb_progress_cb)(uint64_t done, uint64_t total, void *arg);
dsmb_status dsmb_copy(struct dsmb_tree *t, const char *from, const char *to, bool replace,
		      dsmb_progress_cb progress, void *arg, uint64_t *copied);

/* QUERY_DIRECTORY FileIdBothDirectoryInformation over the whole
 * directory (pattern NULL = "*"); "." and ".." are passed on as the
 * server sends them.  cb returning non-zero stops the walk (SUCCESS).
 * The entry is valid during the call only, and cb must not issue requests
 * on the same connection (collect, then act). */
struct dsmb_dirent {
	const char *name; /* UTF-8 */
	uint64_t file_id;
	struct dsmb_stat st;
};
typedef int (*dsmb_list_cb)(const struct dsmb_dirent *e, void *arg);
dsmb_status dsmb_list(struct dsmb_tree *t, const char *dir, const char *pattern, dsmb_list_cb cb,
		      void *arg);

/* ---- pipelined READ/WRITE ---- */

enum dsmb_op { DSMB_OP_READ = 1, DSMB_OP_WRITE = 2 };
struct dsmb_completion {
	uint64_t tag;        /* as given to submit */
	int op;              /* enum dsmb_op */
	dsmb_status status;
	uint32_t bytes;      /* read or written */
};
/* len <= max_write / max_read.  Waits for credits when none are left
 * while requests are in flight (completions that arrive are queued).
 * submit_write: data is on the wire (or copied) when it returns.
 * submit_read: buf must stay valid until the completion is reaped. */
dsmb_status dsmb_submit_write(struct dsmb_file *f, uint64_t off, const void *data, uint32_t len,
			      uint32_t flags, uint64_t tag);
dsmb_status dsmb_submit_read(struct dsmb_file *f, uint64_t off, void *buf, uint32_t len,
			     uint64_t tag);
/* Blocks for the next completion (oldest first).  Returns the status of
 * the wait itself (a broken connection, a timeout, or
 * STATUS_INSUFFICIENT_RESOURCES when nothing is in flight); the request's
 * own status is in out->status. */
dsmb_status dsmb_wait_one(struct dsmb_conn *c, struct dsmb_completion *out);
unsigned dsmb_outstanding(const struct dsmb_conn *c);

#ifdef __cplusplus
}
#endif

#endif
