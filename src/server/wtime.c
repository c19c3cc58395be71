/* Windows' lazy LastWriteTime update (see wtime.h). */
#include "server/wtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/nttime.h"
#include "server/file.h"
#include "server/srv.h"

/* FileBasicInformation's special times (MS-FSCC 2.4.7, MS-FSA 2.1.5.14.2). */
#define WT_FREEZE UINT64_MAX
#define WT_THAW (UINT64_MAX - 1)

/* ---- the rules ---- */

bool wt_need_hold(const struct wt_file *f)
{
	return !f->hold;
}

void wt_hold(struct wt_file *f, uint64_t write, uint64_t change)
{
	if (f->hold)
		return;
	f->hold = true;
	f->write = write;
	f->change = change;
}

/* A write or change of size through o: ChangeTime moves unless o froze it. */
static void change_by(struct wt_file *f, const struct wt_open *o)
{
	if (!o->sticky_change)
		f->change_moved = true;
}

void wt_written(struct wt_file *f, struct wt_open *o, uint64_t now_ms, uint64_t now_nt)
{
	o->dirty = true;
	change_by(f, o);
	if (o->sticky || o->triggered)
		return;
	/* The first write through this open: its update shows later, unless
	 * one is already on its way (which then covers this write too). */
	o->triggered = true;
	if (!f->due_ms) {
		f->due_ms = now_ms + WT_DELAY_MS;
		f->due_nt = now_nt + (uint64_t)WT_DELAY_MS * 10000u;
	}
}

uint64_t wt_due(const struct wt_file *f, uint64_t now_ms)
{
	return f->due_ms && now_ms >= f->due_ms ? f->due_nt : 0;
}

void wt_shown(struct wt_file *f)
{
	memset(f, 0, sizeof(*f));
}

void wt_open_shown(struct wt_open *o)
{
	o->dirty = false;
}

enum wt_close wt_close(const struct wt_open *o)
{
	if (!o->dirty)
		return WT_CLOSE_NONE;
	return o->sticky ? WT_CLOSE_RESTORE : WT_CLOSE_NOW;
}

uint64_t wt_kept_change(const struct wt_file *f)
{
	return f->hold && !f->change_moved ? f->change : 0;
}

uint64_t wt_flush(const struct wt_file *f, uint64_t now_nt)
{
	return f->hold ? now_nt : 0;
}

uint64_t wt_eof(struct wt_file *f, struct wt_open *o, uint64_t now_ms, uint64_t now_nt)
{
	if (o->sticky) {
		wt_written(f, o, now_ms, now_nt);
		return 0;
	}
	change_by(f, o);
	return now_nt;
}

uint64_t wt_set_basic(const struct wt_file *f, uint64_t now_nt)
{
	return f->hold ? now_nt : 0;
}

bool wt_set_basic_after(struct wt_file *f, struct wt_open *o, uint64_t write_time,
			uint64_t change_time)
{
	if (write_time == WT_THAW) {
		o->sticky = false;
	} else if (write_time) {
		o->sticky = true;
		if (write_time != WT_FREEZE && f->hold)
			f->write = write_time;
	}
	if (change_time == WT_THAW) {
		o->sticky_change = false;
	} else if (change_time) {
		o->sticky_change = true;
		if (change_time != WT_FREEZE && f->hold)
			f->change = change_time;
	}
	/* A frozen ChangeTime without a value of this call is re-stored:
	 * this very call may move mtime (a set LastWriteTime), and ctime with
	 * it. */
	return o->sticky_change && (change_time == 0 || change_time == WT_FREEZE);
}

/* ---- the server's side ---- */

/* The held files by (dev, ino), for directory listings, which see files
 * by name and must not pay a look-up in the open-file table per entry.
 * Counted per key: two srv_files never share a key, but a key outlives
 * nothing it should not (add and del pair under the file's mu). */
#define HELD_BUCKETS 256

struct held_key {
	struct held_key *next;
	uint64_t dev, ino;
	uint32_t n;
};

static pthread_mutex_t held_mu = PTHREAD_MUTEX_INITIALIZER;
static struct held_key *held_tab[HELD_BUCKETS];
static atomic_uint held_count; /* keys in held_tab */

static struct held_key **held_slot(uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino * 0x9E3779B97F4A7C15ULL) ^ (dev * 0xC2B2AE3D27D4EB4FULL);
	struct held_key **p = &held_tab[(h >> 32) % HELD_BUCKETS];
	while (*p && ((*p)->dev != dev || (*p)->ino != ino))
		p = &(*p)->next;
	return p;
}

void wt_held_add(uint64_t dev, uint64_t ino)
{
	pthread_mutex_lock(&held_mu);
	struct held_key **p = held_slot(dev, ino);
	if (*p) {
		(*p)->n++;
	} else {
		struct held_key *k = calloc(1, sizeof(*k));
		if (k) {
			k->dev = dev;
			k->ino = ino;
			k->n = 1;
			*p = k;
			atomic_fetch_add_explicit(&held_count, 1, memory_order_release);
		} else {
			LOG_WARN("no memory: listings show the inode's times of a held file");
		}
	}
	pthread_mutex_unlock(&held_mu);
}

void wt_held_del(uint64_t dev, uint64_t ino)
{
	pthread_mutex_lock(&held_mu);
	struct held_key **p = held_slot(dev, ino);
	struct held_key *k = *p;
	if (k && --k->n == 0) {
		*p = k->next;
		free(k);
		atomic_fetch_sub_explicit(&held_count, 1, memory_order_release);
	}
	pthread_mutex_unlock(&held_mu);
}

bool wt_held(uint64_t dev, uint64_t ino)
{
	if (!atomic_load_explicit(&held_count, memory_order_acquire))
		return false;
	pthread_mutex_lock(&held_mu);
	bool found = *held_slot(dev, ino) != NULL;
	pthread_mutex_unlock(&held_mu);
	return found;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Opens that take part: data opens of a file (not pipes, directories or
 * named streams, whose writes do not move the file's mtime). */
static struct srv_file *wt_file_of(const struct srv_open *o)
{
	if (!o->file || !o->h || o->is_dir || o->stream)
		return NULL;
	return o->file;
}

/* Under f->mu: writes LastWriteTime t (and ChangeTime change, unless 0)
 * to the inode (the store of record). */
static void store_time(struct srv_open *o, uint64_t t, uint64_t change)
{
	struct vfs_times vt = { 0, 0, t, change };
	NTSTATUS st = o->vfs->ops->set_times(o->h, &vt);
	if (st)
		LOG_DEBUG("write time of '%s' not stored: 0x%08x", o->vfs->ops->path(o->h), st);
}

/* Under f->mu: nothing is held any more. */
static void unhold(struct srv_file *f)
{
	if (f->wt.hold)
		wt_held_del(f->dev, f->ino);
	wt_shown(&f->wt);
}

/* Under f->mu: an update at time t shows (stored through o's handle). */
static void show(struct srv_open *o, struct srv_file *f, uint64_t t)
{
	store_time(o, t, wt_kept_change(&f->wt));
	unhold(f);
	for (struct srv_open *p = f->opens; p; p = p->fnext)
		wt_open_shown(&p->wt);
	wt_open_shown(&o->wt); /* o may have left the list already */
}

static void show_if(struct srv_open *o, struct srv_file *f, uint64_t t)
{
	if (t)
		show(o, f, t);
}

/* Under f->mu: a delayed update that has come due shows now. */
static void settle(struct srv_open *o, struct srv_file *f)
{
	show_if(o, f, wt_due(&f->wt, mono_ms()));
}

void srv_wtime_write_begin(struct srv_open *o)
{
	struct srv_file *f = wt_file_of(o);
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	settle(o, f);
	bool need = wt_need_hold(&f->wt);
	pthread_mutex_unlock(&f->mu);
	if (!need)
		return;
	/* The times as a client sees them before this write moves mtime.  A
	 * racing write that captured first wins (wt_hold keeps the first). */
	struct vfs_stat st;
	if (o->vfs->ops->fstat(o->h, &st))
		return;
	pthread_mutex_lock(&f->mu);
	if (!f->wt.hold)
		wt_held_add(f->dev, f->ino);
	wt_hold(&f->wt, st.write_time, st.change_time);
	pthread_mutex_unlock(&f->mu);
}

/* Under f->mu: is anything hidden that must stay so?  A hold with nothing
 * dirty and nothing due (a failed write) lets the inode show again. */
static void drop_idle_hold(struct srv_file *f)
{
	if (!f->wt.hold || f->wt.due_ms)
		return;
	for (struct srv_open *p = f->opens; p; p = p->fnext)
		if (p->wt.dirty)
			return;
	unhold(f);
}

void srv_wtime_write_end(struct srv_open *o, bool ok)
{
	struct srv_file *f = wt_file_of(o);
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	if (ok)
		wt_written(&f->wt, &o->wt, mono_ms(), nttime_now());
	else
		drop_idle_hold(f);
	pthread_mutex_unlock(&f->mu);
}

void srv_wtime_flush(struct srv_open *o)
{
	struct srv_file *f = wt_file_of(o);
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	settle(o, f);
	show_if(o, f, wt_flush(&f->wt, nttime_now()));
	pthread_mutex_unlock(&f->mu);
}

void srv_wtime_eof(struct srv_open *o)
{
	struct srv_file *f = wt_file_of(o);
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	settle(o, f);
	show_if(o, f, wt_eof(&f->wt, &o->wt, mono_ms(), nttime_now()));
	pthread_mutex_unlock(&f->mu);
}

uint64_t srv_wtime_set_basic(struct srv_open *o, uint64_t write_time, uint64_t change_time)
{
	uint64_t set = change_time == WT_FREEZE || change_time == WT_THAW ? 0 : change_time;
	struct srv_file *f = wt_file_of(o);
	if (!f)
		return set;
	pthread_mutex_lock(&f->mu);
	settle(o, f);
	show_if(o, f, wt_set_basic(&f->wt, nttime_now()));
	bool pin = wt_set_basic_after(&f->wt, &o->wt, write_time, change_time);
	pthread_mutex_unlock(&f->mu);
	if (!pin)
		return set;
	/* Nothing is held after wt_set_basic: the inode's ChangeTime is the
	 * one shown, to be kept from now on. */
	struct vfs_stat st;
	return o->vfs->ops->fstat(o->h, &st) ? 0 : st.change_time;
}

void srv_wtime_close(struct srv_open *o)
{
	struct srv_file *f = wt_file_of(o);
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	settle(o, f);
	switch (wt_close(&o->wt)) {
	case WT_CLOSE_NOW:
		show(o, f, nttime_now());
		break;
	case WT_CLOSE_RESTORE:
		/* The set (or frozen) time goes back over the kernel's. */
		store_time(o, f->wt.write, wt_kept_change(&f->wt));
		wt_open_shown(&o->wt);
		drop_idle_hold(f);
		break;
	case WT_CLOSE_NONE:
		break;
	}
	pthread_mutex_unlock(&f->mu);
}

NTSTATUS srv_fstat(struct srv_open *o, struct vfs_stat *st)
{
	struct srv_file *f = wt_file_of(o);
	if (f) {
		/* An update come due is stored before the inode is read. */
		pthread_mutex_lock(&f->mu);
		settle(o, f);
		pthread_mutex_unlock(&f->mu);
	}
	NTSTATUS s = o->vfs->ops->fstat(o->h, st);
	if (s || !f)
		return s;
	pthread_mutex_lock(&f->mu);
	if (f->wt.hold) {
		st->write_time = f->wt.write;
		st->change_time = f->wt.change;
	}
	pthread_mutex_unlock(&f->mu);
	return STATUS_SUCCESS;
}

NTSTATUS srv_wtime_opened(struct srv_open *o, bool truncated, struct vfs_stat *st)
{
	struct srv_file *f = wt_file_of(o);
	if (!f)
		return STATUS_SUCCESS;
	pthread_mutex_lock(&f->mu);
	bool held = f->wt.hold || f->wt.due_ms;
	/* An overwrite is a write of the new open's own that shows at once. */
	if (held && truncated)
		show(o, f, nttime_now());
	pthread_mutex_unlock(&f->mu);
	if (!held)
		return STATUS_SUCCESS;
	struct vfs_stat now;
	NTSTATUS s = srv_fstat(o, &now);
	if (!s)
		*st = now;
	return s;
}

bool srv_wtime_listed(struct vfs_stat *st)
{
	if (st->is_dir || !wt_held(st->dev, st->file_id))
		return false;
	struct srv_file *f = srv_file_get(st->dev, st->file_id);
	if (!f)
		return false;
	bool stale = false;
	pthread_mutex_lock(&f->mu);
	/* A due update is stored through any data open of the file, as
	 * srv_fstat on it would. */
	uint64_t due = wt_due(&f->wt, mono_ms());
	for (struct srv_open *p = f->opens; due && p; p = p->fnext) {
		if (wt_file_of(p) == f) {
			show(p, f, due);
			stale = true;
			break;
		}
	}
	if (f->wt.hold) {
		st->write_time = f->wt.write;
		st->change_time = f->wt.change;
	}
	pthread_mutex_unlock(&f->mu);
	srv_file_put(f);
	return stale;
}
