/* Byte-range locks: the range logic of MS-FSA 2.1.4.10 / 2.1.5.8 / 2.1.5.9,
 * the per-file lock list, I/O checks, and blocking locks that wait on the
 * file until an unlock or a close lets them in (see lock.h). */
#include "server/lock.h"

#include <stdlib.h>

#include "common/log.h"
#include "server/srv.h"

/* ---- the range logic ---- */

bool brl_range_valid(uint64_t offset, uint64_t length)
{
	return length == 0 || offset + length - 1 >= offset;
}

bool brl_overlaps(const struct srv_brl *l, uint64_t offset, uint64_t length)
{
	if (offset == 0 && length == 0)
		return false;
	if (l->offset == 0 && l->length == 0)
		return false;
	/* Last bytes, in the wrapping arithmetic of the spec: a zero-length
	 * range at X ends at X - 1, so it overlaps only what straddles X. */
	uint64_t last1 = offset + length - 1;
	uint64_t last2 = l->offset + l->length - 1;
	return offset <= last2 && last1 >= l->offset;
}

bool brl_conflicts(const struct srv_brl *locks, const void *owner, uint64_t offset,
		   uint64_t length, bool exclusive, bool lock_intent)
{
	for (const struct srv_brl *l = locks; l; l = l->next) {
		if (!brl_overlaps(l, offset, length))
			continue;
		if (l->exclusive) {
			if (l->owner != owner || (lock_intent && exclusive))
				return true;
		} else if (exclusive) {
			return true;
		}
	}
	return false;
}

bool brl_add(struct srv_brl **locks, const void *owner, uint64_t offset, uint64_t length,
	     bool exclusive)
{
	struct srv_brl *l = malloc(sizeof(*l));
	if (!l)
		return false;
	l->owner = owner;
	l->offset = offset;
	l->length = length;
	l->exclusive = exclusive;
	l->next = *locks;
	*locks = l;
	return true;
}

bool brl_remove(struct srv_brl **locks, const void *owner, uint64_t offset, uint64_t length)
{
	struct srv_brl **found = NULL;
	for (struct srv_brl **p = locks; *p; p = &(*p)->next) {
		struct srv_brl *l = *p;
		if (l->owner != owner || l->offset != offset || l->length != length)
			continue;
		found = p;
		if (l->exclusive)
			break;
	}
	if (!found)
		return false;
	struct srv_brl *l = *found;
	*found = l->next;
	free(l);
	return true;
}

void brl_remove_exact(struct srv_brl **locks, const void *owner, uint64_t offset,
		      uint64_t length, bool exclusive)
{
	for (struct srv_brl **p = locks; *p; p = &(*p)->next) {
		struct srv_brl *l = *p;
		if (l->owner == owner && l->offset == offset && l->length == length &&
		    l->exclusive == exclusive) {
			*p = l->next;
			free(l);
			return;
		}
	}
}

bool brl_remove_owner(struct srv_brl **locks, const void *owner)
{
	bool any = false;
	for (struct srv_brl **p = locks; *p;) {
		struct srv_brl *l = *p;
		if (l->owner == owner) {
			*p = l->next;
			free(l);
			any = true;
		} else {
			p = &l->next;
		}
	}
	return any;
}

void brl_free_all(struct srv_brl **locks)
{
	while (*locks) {
		struct srv_brl *l = *locks;
		*locks = l->next;
		free(l);
	}
}

/* ---- I/O against locks ---- */

NTSTATUS srv_lock_check_io(struct srv_open *o, uint64_t offset, uint64_t length, bool write)
{
	struct srv_file *f = o->file;
	if (!f || length == 0)
		return STATUS_SUCCESS;
	pthread_mutex_lock(&f->mu);
	bool conflict = f->locks && brl_conflicts(f->locks, o, offset, length, write, false);
	pthread_mutex_unlock(&f->mu);
	return conflict ? STATUS_FILE_LOCK_CONFLICT : STATUS_SUCCESS;
}

/* ---- waiters ---- */

/* Under f->mu: takes w off the file's waiters and queues its final reply
 * to its event loop (srv_async_finish runs there, never inside the frame
 * another request is building). */
static void waiter_complete(struct srv_file *f, struct srv_lock_waiter *w, NTSTATUS st)
{
	for (struct srv_lock_waiter **p = &f->lock_waiters; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	w->next = NULL;
	atomic_store(&w->done, true);
	w->a.status = st;
	if (st == STATUS_SUCCESS)
		smb2_encode_empty4(&w->a.body); /* the LOCK response (2.2.27) */
	srv_async_complete(&w->a);
}

void srv_lock_wake(struct srv_file *f)
{
	for (struct srv_lock_waiter *w = f->lock_waiters, *next; w; w = next) {
		next = w->next;
		if (brl_conflicts(f->locks, w->o, w->offset, w->length, w->exclusive, true))
			continue;
		if (!brl_add(&f->locks, w->o, w->offset, w->length, w->exclusive))
			continue; /* out of memory: it waits on */
		if (w->seq_index)
			w->o->lock_seq[w->seq_index - 1] = (uint8_t)(w->seq_num + 1);
		LOG_DEBUG("blocking lock %llu+%llu granted",
			  (unsigned long long)w->offset, (unsigned long long)w->length);
		waiter_complete(f, w, STATUS_SUCCESS);
	}
}

/* CANCEL (3.3.5.16), on the waiter's own thread.  While not done, the
 * waiter's open is still open (its close would have completed it, on
 * this same thread), so the file is still there. */
static void waiter_cancel(struct srv_async *a)
{
	struct srv_lock_waiter *w = (struct srv_lock_waiter *)a;
	if (atomic_load(&w->done))
		return; /* granted: its reply is on the way */
	struct srv_file *f = w->f;
	pthread_mutex_lock(&f->mu);
	if (!atomic_load(&w->done))
		waiter_complete(f, w, STATUS_CANCELLED);
	pthread_mutex_unlock(&f->mu);
}

NTSTATUS srv_lock_wait(struct srv_req *r, struct srv_open *o, uint64_t offset,
		       uint64_t length, bool exclusive, uint32_t seq_index, uint32_t seq_num)
{
	struct srv_async *a = srv_go_async_waiter(r, sizeof(struct srv_lock_waiter), waiter_cancel);
	if (!a)
		return STATUS_LOCK_NOT_GRANTED; /* mid-compound: it cannot wait */
	struct srv_lock_waiter *w = (struct srv_lock_waiter *)a;
	struct srv_file *f = o->file;
	w->o = o;
	w->f = f;
	w->offset = offset;
	w->length = length;
	w->exclusive = exclusive;
	w->seq_index = seq_index;
	w->seq_num = seq_num;
	/* Oldest first: grants go in arrival order. */
	struct srv_lock_waiter **p = &f->lock_waiters;
	while (*p)
		p = &(*p)->next;
	*p = w;
	return STATUS_PENDING;
}

void srv_lock_close_open(struct srv_open *o)
{
	struct srv_file *f = o->file;
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	for (struct srv_lock_waiter *w = f->lock_waiters, *next; w; w = next) {
		next = w->next;
		if (w->o == o)
			waiter_complete(f, w, STATUS_RANGE_NOT_LOCKED);
	}
	if (brl_remove_owner(&f->locks, o))
		srv_lock_wake(f);
	pthread_mutex_unlock(&f->mu);
}
