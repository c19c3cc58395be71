/* LOCK (MS-SMB2 3.3.5.14): an array of unlocks, or an array of locks that
 * is granted whole or not at all; a single blocking lock may wait. */
#include "common/log.h"
#include "server/lock.h"
#include "server/oplock.h"
#include "server/srv.h"

#define LOCK_SEQ_BUCKETS 64

/* The valid flag combinations of a lock element (3.3.5.14.2). */
static bool lock_flags_valid(uint32_t fl)
{
	switch (fl) {
	case SMB2_LOCKFLAG_SHARED_LOCK:
	case SMB2_LOCKFLAG_EXCLUSIVE_LOCK:
	case SMB2_LOCKFLAG_SHARED_LOCK | SMB2_LOCKFLAG_FAIL_IMMEDIATELY:
	case SMB2_LOCKFLAG_EXCLUSIVE_LOCK | SMB2_LOCKFLAG_FAIL_IMMEDIATELY:
		return true;
	default:
		return false;
	}
}

/* 3.3.5.14.1: unlocks in order; the first failure ends the request and
 * what went before stays unlocked. */
static NTSTATUS do_unlocks(struct srv_file *f, struct srv_open *o, const struct smb2_lock_req *rq)
{
	NTSTATUS st = STATUS_SUCCESS;
	bool any = false;
	for (uint16_t i = 0; i < rq->lock_count && !st; i++) {
		const struct smb2_lock_element *el = &rq->locks[i];
		if (el->flags != SMB2_LOCKFLAG_UNLOCK)
			st = STATUS_INVALID_PARAMETER;
		else if (!brl_range_valid(el->offset, el->length))
			st = STATUS_INVALID_LOCK_RANGE;
		else if (!brl_remove(&f->locks, o, el->offset, el->length))
			st = STATUS_RANGE_NOT_LOCKED;
		else
			any = true;
	}
	if (any)
		srv_lock_wake(f);
	return st;
}

/* 3.3.5.14.2: locks in order; a failure takes back what this request
 * granted.  A lone lock without FAIL_IMMEDIATELY waits instead of
 * failing. */
static NTSTATUS do_locks(struct srv_req *r, struct srv_file *f, struct srv_open *o,
			 const struct smb2_lock_req *rq, uint32_t seq_index, uint32_t seq_num)
{
	uint16_t i;
	NTSTATUS st = STATUS_SUCCESS;
	for (i = 0; i < rq->lock_count; i++) {
		const struct smb2_lock_element *el = &rq->locks[i];
		bool excl = el->flags & SMB2_LOCKFLAG_EXCLUSIVE_LOCK;
		bool wait = !(el->flags & SMB2_LOCKFLAG_FAIL_IMMEDIATELY);
		if (!lock_flags_valid(el->flags) || (wait && rq->lock_count > 1)) {
			st = STATUS_INVALID_PARAMETER;
			break;
		}
		if (!brl_range_valid(el->offset, el->length)) {
			st = STATUS_INVALID_LOCK_RANGE;
			break;
		}
		if (brl_conflicts(f->locks, o, el->offset, el->length, excl, true)) {
			/* SMB2 always answers LOCK_NOT_GRANTED, never the SMB1
			 * FILE_LOCK_CONFLICT of a repeated failure (smbtorture
			 * smb2.lock.errorcode). */
			if (wait)
				return srv_lock_wait(r, o, el->offset, el->length, excl, seq_index,
						     seq_num);
			st = STATUS_LOCK_NOT_GRANTED;
			break;
		}
		if (!brl_add(&f->locks, o, el->offset, el->length, excl)) {
			st = STATUS_INSUFFICIENT_RESOURCES;
			break;
		}
	}
	if (st) {
		while (i--) {
			const struct smb2_lock_element *el = &rq->locks[i];
			brl_remove_exact(&f->locks, o, el->offset, el->length,
					 el->flags & SMB2_LOCKFLAG_EXCLUSIVE_LOCK);
		}
	}
	return st;
}

/* Lock sequence checks (3.3.5.14): the spec of SMB 3.x checks them on
 * every handle, as Samba does (smbtorture's replay_smb3_specification
 * tests); 2.1 only on resilient handles, which this server does not hand
 * out yet, and 2.0.2 never. */
static bool lock_seq_applies(const struct srv_conn *c)
{
	return c->dialect >= SMB2_DIALECT_300 && c->dialect != SMB2_DIALECT_WILDCARD;
}

NTSTATUS smb2_lock(struct srv_req *r)
{
	struct smb2_lock_req rq;
	if (smb2_decode_lock_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	if (o->pipe)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (o->is_dir || !o->file)
		return STATUS_INVALID_PARAMETER; /* MS-FSA 2.1.5.8: no locks on directories */

	/* LockSequenceNumber (low 4 bits) and LockSequenceIndex (the rest):
	 * a request whose number matches the last one that succeeded in its
	 * bucket is a replay and succeeds without doing anything again. */
	uint32_t seq_index = 0, seq_num = rq.lock_sequence & 0xF;
	uint32_t idx = rq.lock_sequence >> 4;
	if (lock_seq_applies(r->conn) && idx >= 1 && idx <= LOCK_SEQ_BUCKETS)
		seq_index = idx;

	/* MS-FSA 2.1.5.8: a lock request breaks level II oplocks and read
	 * leases of the file to none (without waiting). */
	bool unlock = rq.locks[0].flags & SMB2_LOCKFLAG_UNLOCK;
	if (!unlock)
		srv_oplock_contend(o);

	struct srv_file *f = o->file;
	NTSTATUS st;
	pthread_mutex_lock(&f->mu);
	if (seq_index && o->lock_seq[seq_index - 1] == seq_num + 1) {
		pthread_mutex_unlock(&f->mu);
		LOG_DEBUG("%s: lock sequence %u/%u replayed", r->conn->peer, seq_index, seq_num);
		smb2_encode_empty4(r->out);
		return STATUS_SUCCESS;
	}
	if (seq_index)
		o->lock_seq[seq_index - 1] = 0; /* invalid until this one succeeds */
	if (unlock)
		st = do_unlocks(f, o, &rq);
	else
		st = do_locks(r, f, o, &rq, seq_index, seq_num);
	if (st == STATUS_SUCCESS && seq_index)
		o->lock_seq[seq_index - 1] = (uint8_t)(seq_num + 1);
	pthread_mutex_unlock(&f->mu);
	if (st == STATUS_SUCCESS)
		smb2_encode_empty4(r->out);
	return st;
}
