/* libdaxsmb internals: the connection, its request slots and the
 * request builders shared by conn.c (transport, session) and file.c
 * (tree and file commands). */
#ifndef DAX_CLIENT_INT_H
#define DAX_CLIENT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "daxsmb.h"

#include "client/credits.h"
#include "common/buf.h"
#include "common/ntstatus.h"
#include "crypto/crypto.h"
#include "proto/smb2.h"

#define CL_MAX_SLOTS 512                 /* requests in flight per connection */
#define CL_MAX_IO (8u << 20)             /* largest READ/WRITE we issue */
#define CL_MAX_FRAME (CL_MAX_IO + 65536) /* cap before allocating (STYLE 9) */
#define CL_NBSS 4                        /* direct-TCP length prefix */
#define CL_HDR CL_NBSS                   /* where the SMB2 header starts in tx */

#ifndef STATUS_CONNECTION_DISCONNECTED
#define STATUS_CONNECTION_DISCONNECTED 0xC000020Cu
#endif
#ifndef STATUS_CONNECTION_REFUSED
#define STATUS_CONNECTION_REFUSED 0xC0000236u
#endif
#ifndef STATUS_INVALID_SIGNATURE
#define STATUS_INVALID_SIGNATURE 0xC000A000u
#endif

enum cl_slot_kind { SLOT_FREE = 0, SLOT_SYNC, SLOT_READ, SLOT_WRITE };

struct cl_slot {
	uint8_t kind;
	bool done;
	bool pipelined;    /* completion goes to the queue, not to a waiter */
	bool has_async;
	uint16_t command;
	uint16_t charge;
	uint64_t mid;
	uint64_t async_id;
	uint64_t tag;
	uint8_t *dest;     /* READ: where the data goes */
	uint32_t dest_len;
	uint32_t bytes;
	NTSTATUS status;
};

struct dsmb_tree;
struct dsmb_file;

struct dsmb_conn {
	struct dsmb_options o;
	char *user, *domain, *password, *workstation;
	char *host;
	int fd;
	bool broken;
	char err[256];

	/* NEGOTIATE */
	uint16_t dialect;
	uint16_t srv_secmode;
	uint32_t srv_caps;
	uint32_t max_read, max_write, max_transact;
	uint8_t client_guid[16];
	uint8_t preauth[64];      /* connection preauth hash (3.1.1) */
	int sign_alg;             /* enum crypto_sign_alg */

	/* session */
	uint64_t session_id;
	bool logged_in, signing, guest, anonymous;
	bool keyed;               /* a signing key exists (not guest/anonymous) */
	struct smb2_keys keys;

	/* requests */
	struct cl_credits cr;
	struct cl_slot slots[CL_MAX_SLOTS];
	uint16_t free_idx[CL_MAX_SLOTS];
	unsigned nfree;
	uint16_t used_idx[CL_MAX_SLOTS]; /* compact list of slots in use */
	unsigned nused;
	struct dsmb_completion cq[CL_MAX_SLOTS];
	unsigned cq_head, cq_count;
	unsigned pipelined;       /* submitted, not yet reaped */

	/* buffers, reused for every request (STYLE 8) */
	struct buf tx;            /* NBSS + header + body */
	struct buf hdr;           /* scratch for smb2_encode_hdr */
	struct buf reply;         /* copy of the last synchronous reply message */
	uint8_t *rx;
	size_t rx_len, rx_cap;

	struct dsmb_tree *trees;
};

struct dsmb_tree {
	struct dsmb_conn *c;
	uint32_t tid;
	struct dsmb_tree *next;
	struct dsmb_file *files;
};

struct dsmb_file {
	struct dsmb_tree *t;
	struct smb2_fileid id;
	struct dsmb_file *prev, *next;
};

/* ---- conn.c: the request engine ---- */

/* Sets c->err (printf style) and returns st. */
NTSTATUS cl_fail(struct dsmb_conn *c, NTSTATUS st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Starts a request in c->tx: NBSS prefix and a header placeholder; the
 * body is then appended by the codec with hdr_off CL_HDR. */
void cl_begin(struct dsmb_conn *c);
/* Sends what cl_begin + the encoder built, plus `data` (WRITE payload
 * sent from the caller's memory, already counted in the body's Length
 * field), as command cmd on tree tid with the given charge.  Waits for
 * credits when needed.  Fills *slot_out with the slot in use. */
struct cl_req {
	uint16_t cmd;
	uint32_t tid;
	uint16_t charge;
	const void *data;      /* WRITE payload, sent after tx */
	uint32_t data_len;
	enum cl_slot_kind kind;
	bool pipelined;
	uint64_t tag;
	void *dest;            /* READ destination */
	uint32_t dest_len;
};
NTSTATUS cl_send(struct dsmb_conn *c, const struct cl_req *r, struct cl_slot **slot_out);
/* Waits for the slot's final reply and releases the slot.  For SYNC slots
 * the reply message is in c->reply; *bytes (may be NULL) gets what a
 * READ/WRITE moved.  Returns the reply's status, or a local failure. */
NTSTATUS cl_wait(struct dsmb_conn *c, struct cl_slot *s, uint32_t *bytes);
/* Send + wait for a synchronous request built in c->tx. */
NTSTATUS cl_call(struct dsmb_conn *c, uint16_t cmd, uint32_t tid);
/* A cursor over c->reply positioned at the body. */
void cl_reply_body(struct dsmb_conn *c, struct cur *cur);
/* Largest payload one READ/WRITE may carry now, from the negotiated
 * maximum and the credits at hand (at least 1 credit's worth). */
uint32_t cl_io_size(struct dsmb_conn *c, uint32_t max, uint32_t want);

/* Frees every tree and open of c without a round trip (file.c). */
void cl_forget_trees(struct dsmb_conn *c);
/* For unit tests: adopts a connected socket as if NEGOTIATE and
 * SESSION_SETUP had happened (no signing; the test may set it up). */
void cl_test_attach(struct dsmb_conn *c, int fd, uint16_t dialect, uint32_t max_io);

/* ---- build.c: pure request builders (unit-tested) ---- */

/* The dialects between min and max, ascending; returns the count. */
unsigned cl_dialect_list(uint16_t min, uint16_t max, uint16_t out[8]);
/* Appends a NEGOTIATE body (contexts for 3.1.1: preauth SHA-512 with
 * salt, signing AES-GMAC then AES-CMAC). */
void cl_build_negotiate(struct buf *b, size_t hdr_off, uint16_t min, uint16_t max,
			bool require_signing, const uint8_t guid[16], const uint8_t salt[32]);
/* Converts a share-relative UTF-8 path to the UTF-16LE name CREATE wants:
 * '/' becomes '\', leading/trailing separators and repeats go.  Returns
 * false on invalid UTF-8 or a ".." component. */
bool cl_put_path(struct buf *b, const char *path);
/* Appends the CREATE body for path. */
bool cl_build_create(struct buf *b, size_t hdr_off, const char *path,
		     const struct dsmb_create_args *a);
/* WRITE fixed part for a payload sent separately (Length = len, the
 * data follows right after the 48-byte fixed part). */
void cl_build_write_fixed(struct buf *b, size_t hdr_off, const struct smb2_fileid *id,
			  uint64_t off, uint32_t len, uint32_t flags);
/* Decodes one FileIdBothDirectoryInformation buffer; calls cb for each
 * entry.  Returns 0, 1 when cb stopped the walk, -1 when malformed. */
int cl_parse_id_both_dir(const uint8_t *p, size_t n, dsmb_list_cb cb, void *arg);
/* Server-side copy buffers (MS-SMB2 2.2.31.1, 2.2.32.1, 2.2.32.3). */
#define CL_RESUME_KEY_LEN 24
/* SRV_COPYCHUNK_COPY for len bytes (> 0) from src_off to dst_off, cut into
 * consecutive chunks of `chunk` bytes (the last one shorter). */
void cl_build_copychunk(struct buf *b, const uint8_t key[CL_RESUME_KEY_LEN], uint64_t src_off,
			uint64_t dst_off, uint64_t len, uint32_t chunk);
/* SRV_COPYCHUNK_RESPONSE: after a success, what was written; after
 * STATUS_INVALID_PARAMETER, the server's limits (3.3.5.15.6.2). */
struct cl_copychunk_resp {
	uint32_t chunks_written;      /* or the largest chunk count */
	uint32_t chunk_bytes_written; /* or the largest chunk */
	uint32_t total_bytes_written; /* or the most bytes per request */
};
int cl_parse_copychunk_resp(const uint8_t *p, size_t n, struct cl_copychunk_resp *r);
/* SRV_REQUEST_RESUME_KEY output: the 24-byte key first. */
int cl_parse_resume_key(const uint8_t *p, size_t n, uint8_t key[CL_RESUME_KEY_LEN]);

/* FileNetworkOpenInformation (56 bytes) / FileAllInformation prefix. */
int cl_parse_network_open(const uint8_t *p, size_t n, struct dsmb_stat *st);
int cl_parse_all_info(const uint8_t *p, size_t n, struct dsmb_stat *st, uint32_t *nlink,
		      bool *delete_pending);

#endif
