/* Oplocks and leases (MS-SMB2 3.3.5.9.8, 3.3.5.9.11, 3.3.4.6, 3.3.4.7,
 * 3.3.5.22; MS-FSA 2.1.5.17).
 *
 * Every open of a file has a caching state in lease terms: an oplock maps
 * to one (batch RWH, exclusive RW, level II R), a lease is shared by the
 * opens of one client (ClientGuid + LeaseKey) on one file.  All of it is
 * kept under the srv_file's mutex.  A CREATE that conflicts with another
 * open's caching breaks it: the holder gets a break notification on its
 * own connection (a task posted to its loop), and when the break needs an
 * acknowledgment the CREATE goes asynchronous (an interim STATUS_PENDING)
 * and is run again, from its saved request, when the holder acknowledges,
 * closes, or the break times out. */
#ifndef DAX_OPLOCK_H
#define DAX_OPLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ntstatus.h"
#include "proto/smb2.h"

struct srv_req;
struct srv_file;
struct srv_open;
struct srv_conn;

/* How long a holder has to acknowledge a break before the server lowers
 * its caching itself (Windows and Samba: 35 s).  Fixed: a configuration
 * parameter would need config.c. */
#define SRV_OPLOCK_BREAK_TIMEOUT_MS 35000u

/* What a CREATE asks for, and (after srv_oplock_check) what it gets. */
struct srv_oplock_req {
	uint8_t level;                 /* RequestedOplockLevel */
	bool want_lease;               /* level LEASE with a usable RqLs context */
	struct smb2_lease lease;       /* the RqLs request */
	uint32_t granted;              /* lease state / oplock as lease state */
};

/* Before the open: the requested level and the RqLs context (ignored
 * before SMB 2.1; version 2 only on 3.x).  STATUS_INVALID_PARAMETER for a
 * malformed context. */
NTSTATUS srv_oplock_parse(const struct srv_req *r, const struct smb2_create_req *rq,
			  struct srv_oplock_req *q);

/* Under f->mu, before o joins f->opens: the share access check with the
 * oplock and lease conflicts of MS-FSA 2.1.5.1.2 (as Samba orders them):
 * breaks are sent to the other opens' holders; then
 *  - STATUS_PENDING: the CREATE waits (an interim reply is under way and
 *    the request is saved; the caller undoes its open and returns),
 *  - STATUS_SHARING_VIOLATION, STATUS_INVALID_PARAMETER (a lease key
 *    in use on another file),
 *  - STATUS_SUCCESS: o holds the granted oplock or lease. */
NTSTATUS srv_oplock_check(struct srv_req *r, struct srv_file *f, struct srv_open *o,
			  struct srv_oplock_req *q, uint32_t disposition);
/* Undoes a successful check for an open that never joined its file. */
void srv_oplock_drop(struct srv_open *o);

/* The CREATE response: OplockLevel, and the RqLs response context into
 * data (SMB2_LEASE_V2_SIZE bytes); false when there is none. */
uint8_t srv_oplock_resp_level(const struct srv_open *o);
bool srv_oplock_resp_ctx(const struct srv_open *o, uint8_t *data, struct smb2_create_context *out);

/* Under f->mu, as o leaves f->opens (close): its oplock or lease share
 * goes, and CREATEs waiting on the file try again. */
void srv_oplock_release(struct srv_file *f, struct srv_open *o);

/* OPLOCK_BREAK requests: oplock (3.3.5.22.1) and lease (3.3.5.22.2)
 * break acknowledgments. */
NTSTATUS srv_oplock_ack(struct srv_req *r);

/* A data change through o (write, set end of file, byte-range lock):
 * every other level II oplock and read lease breaks to none, without
 * waiting (MS-FSA 2.1.4.12). */
void srv_oplock_contend(struct srv_open *o);

/* Before a rename through o (MS-FSA 2.1.5.15.11; Windows and Samba):
 * every other open's handle caching of the file breaks (a lease loses H,
 * a batch oplock goes to level II; o's own lease stays).  While such a
 * break waits for its acknowledgment the SET_INFO goes asynchronous and
 * STATUS_PENDING comes back: its request is saved and run again, like a
 * waiting CREATE's, on the acknowledgment, a close or the timeout.  A
 * request that cannot wait (inside a compound) goes on at once. */
NTSTATUS srv_oplock_break_handles(struct srv_req *r, struct srv_open *o);

/* On a loop's thread after each request frame (conn.c): sends the break
 * notifications a rename in that frame held back for its own loop. */
void srv_oplock_flush_notes(void);

/* On c's loop as it goes: its waiting CREATEs end. */
void srv_oplock_conn_gone(struct srv_conn *c);
/* c moves to loop to (a session binding, conn.c): the client's
 * connection registry follows, before c->loop changes. */
struct srv_loop;
void srv_oplock_conn_moved(struct srv_conn *c, struct srv_loop *to);

/* durable.c, under o->file->mu: o's caching in lease terms (RWH bits). */
uint32_t srv_oplock_state(const struct srv_open *o);
/* Whether o holds the lease (ClientGuid guid, LeaseKey key). */
bool srv_oplock_lease_is(const struct srv_open *o, const uint8_t *guid, const uint8_t *key);
/* Whether a break of o's caching waits for an acknowledgment. */
bool srv_oplock_breaking(const struct srv_open *o);

#endif
