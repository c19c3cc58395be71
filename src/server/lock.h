/* Byte-range locks (MS-FSA 2.1.4.10, 2.1.5.8, 2.1.5.9; MS-SMB2 3.3.5.14).
 *
 * Every lock of a file, from any open on any connection, sits in one list
 * on its srv_file (file->locks, under file->mu), so that every open sees
 * every other open's locks.  A lock belongs to the open that took it; the
 * open's close drops its locks.  A blocking lock that cannot be granted
 * waits on the file (file->lock_waiters) as an asynchronous request: the
 * unlock or close that makes it grantable grants it, on whatever thread
 * that runs, and hands the final reply to the waiter's event loop. */
#ifndef DAX_LOCK_H
#define DAX_LOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/ntstatus.h"
#include "server/srv.h"

/* MS-ERREF 2.3: a lock range past 2^64 - 1 (common/ntstatus.h lacks it). */
#ifndef STATUS_INVALID_LOCK_RANGE
#define STATUS_INVALID_LOCK_RANGE 0xC00001A1u
#endif

/* One granted lock. */
struct srv_brl {
	struct srv_brl *next;
	const void *owner;             /* the srv_open that holds it (identity only) */
	uint64_t offset;
	uint64_t length;               /* may be 0 */
	bool exclusive;
};

/* ---- the range logic (pure; unit tested) ---- */

/* MS-FSA 2.1.5.8: a range with a byte past 2^64 - 1 is invalid
 * (STATUS_INVALID_LOCK_RANGE); zero-length ranges are always valid. */
bool brl_range_valid(uint64_t offset, uint64_t length);

/* MS-FSA 2.1.4.10: do (offset, length) and lock l share a byte?  The
 * {0, 0} range overlaps nothing; a zero-length range at X overlaps a
 * range that holds bytes on both sides of X. */
bool brl_overlaps(const struct srv_brl *l, uint64_t offset, uint64_t length);

/* MS-FSA 2.1.4.10: does an access by owner conflict with the locks?
 * exclusive: a write or an exclusive lock; lock_intent: a lock request
 * (else I/O).  An exclusive lock conflicts with every other owner, and
 * with its own owner's exclusive lock requests; a shared lock conflicts
 * with every exclusive access, its owner's too. */
bool brl_conflicts(const struct srv_brl *locks, const void *owner, uint64_t offset,
		   uint64_t length, bool exclusive, bool lock_intent);

/* Adds a lock at the head of *locks; false when out of memory. */
bool brl_add(struct srv_brl **locks, const void *owner, uint64_t offset, uint64_t length,
	     bool exclusive);

/* MS-FSA 2.1.5.9: removes owner's lock of exactly (offset, length), an
 * exclusive one before any shared one; false if there is none. */
bool brl_remove(struct srv_brl **locks, const void *owner, uint64_t offset, uint64_t length);

/* Removes owner's most recent lock of exactly (offset, length, exclusive):
 * undoes a grant of this request when a later element fails. */
void brl_remove_exact(struct srv_brl **locks, const void *owner, uint64_t offset,
		      uint64_t length, bool exclusive);

/* Removes every lock of owner; true if any went. */
bool brl_remove_owner(struct srv_brl **locks, const void *owner);

void brl_free_all(struct srv_brl **locks);

/* ---- the server side (lock.c) ---- */

/* READ/WRITE of (offset, length) through o against the file's locks
 * (MS-SMB2 3.3.5.12, 3.3.5.13): STATUS_FILE_LOCK_CONFLICT or success.
 * Zero-length I/O never conflicts. */
NTSTATUS srv_lock_check_io(struct srv_open *o, uint64_t offset, uint64_t length, bool write);

/* On the open's own thread, when o closes: drops its locks, ends its
 * waiting lock requests (STATUS_RANGE_NOT_LOCKED) and grants whatever
 * waiters of other opens that makes grantable. */
void srv_lock_close_open(struct srv_open *o);

/* ---- shared by lock.c and smb2_lock.c ---- */

/* A blocking lock request waiting on its file.  The async record comes
 * first: srv_async_finish frees the whole waiter. */
struct srv_lock_waiter {
	struct srv_async a;
	struct srv_lock_waiter *next;  /* file->lock_waiters (file->mu) */
	struct srv_open *o;            /* alive while on the list */
	struct srv_file *f;
	uint64_t offset, length;
	bool exclusive;
	uint32_t seq_index;            /* LockSequenceIndex to record, 0: none */
	uint32_t seq_num;
	atomic_bool done;              /* off the list, final reply queued */
};

/* Under o->file->mu: makes r wait for (offset, length): STATUS_PENDING,
 * or STATUS_LOCK_NOT_GRANTED when r cannot go async. */
NTSTATUS srv_lock_wait(struct srv_req *r, struct srv_open *o, uint64_t offset,
		       uint64_t length, bool exclusive, uint32_t seq_index, uint32_t seq_num);

/* Under f->mu, after locks went: grants the waiters that now fit. */
void srv_lock_wake(struct srv_file *f);

#endif
