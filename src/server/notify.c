/* CHANGE_NOTIFY on inotify: see notify.h for the threads and rules. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/log.h"
#include "common/utf16.h"
#include "server/file.h"
#include "server/fsctl.h"
#include "server/loop.h"
#include "server/notify.h"

/* Every watch gets the same mask: inotify keeps one mask per inode and
 * instance, and the filters are applied here. */
#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | \
		    IN_ATTRIB | IN_DELETE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)
#define EVENT_BUF (64 * 1024)
/* Changes kept for the next request at most (also capped by max_io). */
#define MAX_BUFFER (1024u * 1024u)
/* Directories a tree watch may still have to add at once. */
#define MAX_PENDING_DIRS 4096u

/* One inotify watch descriptor serving one handle's watch, for the
 * directory prefix below the handle's ("" for the handle's own). */
struct notify_reg {
	int wd;
	struct notify_watch *w;
	char *prefix;
};

struct notify_req;

struct notify_watch {
	struct notify_watch *next;     /* nt.watches (nt.mu) */
	unsigned refs;                 /* the open's, queued tasks' (nt.mu) */
	bool dead;                     /* the open closed (nt.mu) */
	struct srv_loop *loop;
	uint32_t filter;
	bool tree;
	uint32_t max_buffer;
	struct srv_identity who;       /* the tree's file identity */
	/* buffered changes, shared with the watcher (nt.mu) */
	struct buf changes;            /* FILE_NOTIFY_INFORMATION entries */
	size_t last;                   /* offset of the last entry */
	bool overflow;
	bool deleted;                  /* the directory itself went */
	bool posted;                   /* a flush task is queued */
	unsigned waiting;              /* requests waiting (a copy of the loop's) */
	size_t cut;                    /* end of the first change seen while a
					* request waited: it alone answers it */
	size_t cut_last;               /* that change's offset */
	char **dirs;                   /* WATCH_TREE: new directories to watch */
	size_t ndirs;
	/* the owning loop only */
	struct srv_open *open;
	struct notify_req *pending;    /* waiting requests, oldest first */
};

/* A waiting CHANGE_NOTIFY; the async record first (srv_async_finish
 * frees the whole). */
struct notify_req {
	struct srv_async a;
	struct notify_req *next;
	struct notify_watch *w;
	uint32_t max_out;
	bool done;
};

struct notify_task {
	struct srv_task t;             /* first: the task is the notify_task */
	struct notify_watch *w;
};

static struct {
	pthread_mutex_t mu;
	pthread_once_t once;
	int fd;
	struct notify_reg *regs;
	size_t nregs, cap;
	struct notify_watch *watches;
	uint32_t moved_cookie;         /* watcher thread: a paired rename's cookie */
} nt = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_ONCE_INIT, -1, NULL, 0, 0, NULL, 0};

/* ---- registrations (nt.mu) ---- */

static bool wd_used(int wd)
{
	for (size_t i = 0; i < nt.nregs; i++)
		if (nt.regs[i].wd == wd)
			return true;
	return false;
}

static void reg_remove_at(size_t i)
{
	free(nt.regs[i].prefix);
	nt.regs[i] = nt.regs[--nt.nregs];
}

/* Drops w's registrations; a descriptor nobody uses any more goes. */
static void regs_drop_watch(struct notify_watch *w)
{
	for (size_t i = 0; i < nt.nregs;) {
		if (nt.regs[i].w != w) {
			i++;
			continue;
		}
		int wd = nt.regs[i].wd;
		reg_remove_at(i);
		if (!wd_used(wd))
			(void)inotify_rm_watch(nt.fd, wd);
	}
}

/* The vfs watch op's callback, on the loop thread. */
static void reg_added(void *arg, int wd, const char *path)
{
	struct notify_watch *w = arg;
	pthread_mutex_lock(&nt.mu);
	for (size_t i = 0; i < nt.nregs; i++) {
		if (nt.regs[i].wd == wd && nt.regs[i].w == w) {
			/* The same directory again (renamed within the tree). */
			char *p = strdup(path);
			if (p) {
				free(nt.regs[i].prefix);
				nt.regs[i].prefix = p;
			}
			pthread_mutex_unlock(&nt.mu);
			return;
		}
	}
	if (nt.nregs == nt.cap) {
		size_t cap = nt.cap ? nt.cap * 2 : 64;
		struct notify_reg *r = realloc(nt.regs, cap * sizeof(*r));
		if (!r)
			goto out;
		nt.regs = r;
		nt.cap = cap;
	}
	char *p = strdup(path);
	if (p)
		nt.regs[nt.nregs++] = (struct notify_reg){wd, w, p};
out:
	pthread_mutex_unlock(&nt.mu);
}

/* ---- watches ---- */

static void watch_put_locked(struct notify_watch *w)
{
	if (--w->refs)
		return;
	buf_free(&w->changes);
	for (size_t i = 0; i < w->ndirs; i++)
		free(w->dirs[i]);
	free(w->dirs);
	free(w);
}

static void flush_task(struct srv_task *t);

/* nt.mu held: makes w's loop look at it soon. */
static void schedule(struct notify_watch *w)
{
	if (w->posted || w->dead)
		return;
	struct notify_task *t = calloc(1, sizeof(*t));
	if (!t)
		return; /* the next event tries again */
	t->t.fn = flush_task;
	t->w = w;
	w->posted = true;
	w->refs++;
	srv_loop_post(w->loop, &t->t);
}

/* nt.mu held: buffers one change of w, named prefix/name. */
static void append_change(struct notify_watch *w, uint32_t action, const char *prefix,
			  const char *name)
{
	if (w->overflow) {
		schedule(w);
		return;
	}
	struct buf n16;
	buf_init(&n16, 4096);
	if (*prefix) {
		(void)buf_put_utf16le(&n16, prefix, strlen(prefix));
		buf_le16(&n16, '/');
	}
	bool ok = buf_put_utf16le(&n16, name, strlen(name)) && buf_ok(&n16);
	/* SMB names are '\'-separated. */
	for (size_t i = 0; ok && i + 1 < n16.len; i += 2)
		if (get_le16(n16.p + i) == '/')
			put_le16(n16.p + i, '\\');
	if (ok) {
		size_t need = fsctl_notify_entry_size(n16.len);
		if (w->changes.len && get_le32(w->changes.p + w->last + 4) == action &&
		    get_le32(w->changes.p + w->last + 8) == n16.len &&
		    !memcmp(w->changes.p + w->last + 12, n16.p, n16.len)) {
			/* The same change again (a write, then its mtime): once. */
		} else if (w->changes.len + need > w->max_buffer) {
			w->overflow = true; /* MS-SMB2 3.3.5.19: STATUS_NOTIFY_ENUM_DIR */
			buf_reset(&w->changes);
			w->last = 0;
			w->cut = 0;
		} else {
			bool first = w->changes.len == 0;
			size_t at = fsctl_encode_notify_entry(&w->changes, action, n16.p, n16.len);
			if (!first)
				fsctl_notify_chain(&w->changes, w->last, at);
			w->last = at;
			/* A waiting request completes with the first change, as
			 * Windows answers it; later ones wait for the next. */
			if (w->waiting && !w->cut) {
				w->cut = w->changes.len;
				w->cut_last = at;
			}
			if (!buf_ok(&w->changes)) {
				w->overflow = true;
				buf_reset(&w->changes);
				w->last = 0;
				w->cut = 0;
			}
		}
	}
	buf_free(&n16);
	schedule(w);
}

static void queue_dir(struct notify_watch *w, const char *prefix, const char *name)
{
	if (w->ndirs >= MAX_PENDING_DIRS)
		return;
	size_t a = strlen(prefix), b = strlen(name);
	char *p = malloc(a + b + 2);
	char **d = realloc(w->dirs, (w->ndirs + 1) * sizeof(*d));
	if (!p || !d) {
		free(p);
		if (d)
			w->dirs = d;
		return;
	}
	w->dirs = d;
	if (a) {
		memcpy(p, prefix, a);
		p[a++] = '/';
	}
	memcpy(p + a, name, b + 1);
	w->dirs[w->ndirs++] = p;
}

/* ---- the watcher thread ---- */

/* nt.mu held.  next: the event after e in the same read, or NULL. */
static void handle_event(const struct inotify_event *e, const struct inotify_event *next)
{
	if (e->mask & IN_Q_OVERFLOW) {
		for (struct notify_watch *w = nt.watches; w; w = w->next) {
			w->overflow = true;
			buf_reset(&w->changes);
			w->last = 0;
			w->cut = 0;
			schedule(w);
		}
		return;
	}
	if (e->mask & IN_IGNORED) {
		for (size_t i = 0; i < nt.nregs;)
			if (nt.regs[i].wd == e->wd)
				reg_remove_at(i);
			else
				i++;
		return;
	}
	if (e->mask & IN_DELETE_SELF) {
		for (size_t i = 0; i < nt.nregs; i++) {
			struct notify_watch *w = nt.regs[i].w;
			if (nt.regs[i].wd == e->wd && !nt.regs[i].prefix[0] && !w->dead) {
				w->deleted = true;
				schedule(w);
			}
		}
		return;
	}
	if (!e->len || !e->name[0])
		return; /* the watched directory itself: reported by its parent */
	bool dir = e->mask & IN_ISDIR;
	uint32_t namebit = dir ? FILE_NOTIFY_CHANGE_DIR_NAME : FILE_NOTIFY_CHANGE_FILE_NAME;
	uint32_t action, filter = namebit;
	bool appears = false;
	if (e->mask & IN_CREATE) {
		action = FILE_ACTION_ADDED;
		appears = true;
	} else if (e->mask & IN_DELETE) {
		action = FILE_ACTION_REMOVED;
	} else if (e->mask & IN_MOVED_FROM) {
		/* A rename within one directory pairs with the next event; a
		 * move to another directory is a removal here and an addition
		 * there, as Windows reports it. */
		bool paired = next && (next->mask & IN_MOVED_TO) && next->cookie == e->cookie &&
			      next->wd == e->wd;
		action = paired ? FILE_ACTION_RENAMED_OLD_NAME : FILE_ACTION_REMOVED;
		nt.moved_cookie = paired ? e->cookie : 0;
	} else if (e->mask & IN_MOVED_TO) {
		bool paired = nt.moved_cookie && e->cookie == nt.moved_cookie;
		action = paired ? FILE_ACTION_RENAMED_NEW_NAME : FILE_ACTION_ADDED;
		nt.moved_cookie = 0;
		appears = true;
	} else if (e->mask & IN_MODIFY) {
		action = FILE_ACTION_MODIFIED;
		filter = FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE;
	} else if (e->mask & IN_ATTRIB) {
		/* chmod, times, ownership and xattrs (DOS attributes, EAs,
		 * streams, ACLs) all look alike to inotify. */
		action = FILE_ACTION_MODIFIED;
		filter = FILE_NOTIFY_CHANGE_ATTRIBUTES | FILE_NOTIFY_CHANGE_LAST_WRITE |
			 FILE_NOTIFY_CHANGE_LAST_ACCESS | FILE_NOTIFY_CHANGE_CREATION |
			 FILE_NOTIFY_CHANGE_EA | FILE_NOTIFY_CHANGE_SECURITY;
	} else {
		return;
	}
	for (size_t i = 0; i < nt.nregs; i++) {
		const struct notify_reg *g = &nt.regs[i];
		struct notify_watch *w = g->w;
		if (g->wd != e->wd || w->dead)
			continue;
		if (w->tree && dir && appears)
			queue_dir(w, g->prefix, e->name);
		if (filter & w->filter)
			append_change(w, action, g->prefix, e->name);
	}
}

/* nt.mu held: reads and handles every event queued now.  Reads happen
 * only under the lock, so once a caller holds it, every change the kernel
 * queued before is in the buffers (a request that follows a change made
 * through SMB sees that change, as in Windows). */
static bool drain_events(void)
{
	static char buf[EVENT_BUF] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(nt.fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return true;
			LOG_ERR("change notify: reading inotify failed: %s", strerror(errno));
			return false;
		}
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *e = (const void *)(buf + off);
			off += (ssize_t)(sizeof(*e) + e->len);
			const struct inotify_event *next = NULL;
			if (off + (ssize_t)sizeof(struct inotify_event) <= n)
				next = (const void *)(buf + off);
			handle_event(e, next);
		}
	}
}

static void *watcher_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p = {nt.fd, POLLIN, 0};
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		pthread_mutex_lock(&nt.mu);
		bool ok = drain_events();
		pthread_mutex_unlock(&nt.mu);
		if (!ok)
			break;
	}
	return NULL;
}

static void start_once(void)
{
	nt.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (nt.fd < 0) {
		LOG_ERR("change notify: inotify_init1: %s", strerror(errno));
		return;
	}
	pthread_t t;
	if (pthread_create(&t, NULL, watcher_main, NULL)) {
		LOG_ERR("change notify: cannot start the watcher thread");
		close(nt.fd);
		nt.fd = -1;
		return;
	}
	pthread_detach(t);
}

/* ---- the owning loop ---- */

/* Completes q with status and, on success, the entries. */
static void complete(struct notify_req *q, NTSTATUS status, const struct buf *entries)
{
	q->done = true;
	q->a.status = status;
	if (status == STATUS_SUCCESS) {
		/* The body as srv_async_finish places it, right after a header. */
		struct buf out;
		buf_init(&out, SMB2_HDR_SIZE + 16 + (entries ? entries->len : 0));
		buf_zero(&out, SMB2_HDR_SIZE);
		struct smb2_output_resp rs = {entries ? entries->p : NULL,
					      entries ? (uint32_t)entries->len : 0};
		smb2_encode_output_resp(&out, 0, &rs);
		if (buf_ok(&out))
			buf_bytes(&q->a.body, out.p + SMB2_HDR_SIZE, out.len - SMB2_HDR_SIZE);
		if (!buf_ok(&out) || !buf_ok(&q->a.body))
			q->a.status = STATUS_NOTIFY_ENUM_DIR;
		buf_free(&out);
	}
	srv_async_complete(&q->a);
}

/* nt.mu held: moves the buffered changes (up to the cut, if any) into
 * *got; the rest stays buffered.  *enum_dir when they do not fit max_out
 * or were lost. */
static void take_changes(struct notify_watch *w, struct buf *got, bool *enum_dir,
			 uint32_t max_out)
{
	*enum_dir = w->overflow;
	size_t n = w->cut ? w->cut : w->changes.len;
	buf_init(got, n + 1);
	if (!w->overflow)
		buf_bytes(got, w->changes.p, n);
	if (w->cut && buf_ok(got) && got->len == n)
		buf_set_le32(got, w->cut_last, 0); /* the slice's last entry */
	struct buf rest;
	buf_init(&rest, w->max_buffer + 1);
	if (!w->overflow && n < w->changes.len)
		buf_bytes(&rest, w->changes.p + n, w->changes.len - n);
	w->last = w->cut && n < w->changes.len ? w->last - n : 0;
	buf_free(&w->changes);
	w->changes = rest;
	w->cut = 0;
	w->overflow = false;
	if (!buf_ok(got) || got->len > max_out)
		*enum_dir = true;
}

/* Hands the buffered changes to the oldest waiting request. */
static void deliver(struct notify_watch *w)
{
	while (w->pending) {
		struct notify_req *q = w->pending;
		pthread_mutex_lock(&nt.mu);
		if (w->deleted) {
			w->waiting--;
			pthread_mutex_unlock(&nt.mu);
			w->pending = q->next;
			complete(q, STATUS_DELETE_PENDING, NULL);
			continue;
		}
		if (!w->overflow && w->changes.len == 0) {
			pthread_mutex_unlock(&nt.mu);
			return;
		}
		struct buf got;
		bool enum_dir;
		take_changes(w, &got, &enum_dir, q->max_out);
		w->waiting--;
		pthread_mutex_unlock(&nt.mu);
		w->pending = q->next;
		complete(q, enum_dir ? STATUS_NOTIFY_ENUM_DIR : STATUS_SUCCESS, &got);
		buf_free(&got);
	}
}

static void flush_task(struct srv_task *t)
{
	struct notify_watch *w = ((struct notify_task *)t)->w;
	free(t);
	pthread_mutex_lock(&nt.mu);
	w->posted = false;
	bool dead = w->dead;
	char **dirs = w->dirs;
	size_t ndirs = w->ndirs;
	w->dirs = NULL;
	w->ndirs = 0;
	pthread_mutex_unlock(&nt.mu);
	if (!dead && ndirs && w->open && w->open->h) {
		/* New directories of a tree: watched as the tree's user. */
		const struct vfs_ops *ops = w->open->vfs->ops;
		if (srv_identity_enter(w->who.valid ? &w->who : NULL) == 0)
			for (size_t i = 0; i < ndirs; i++)
				(void)ops->watch(w->open->h, dirs[i], true, nt.fd, WATCH_MASK,
						 reg_added, w);
	}
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	if (!dead)
		deliver(w);
	pthread_mutex_lock(&nt.mu);
	watch_put_locked(w);
	pthread_mutex_unlock(&nt.mu);
}

/* CANCEL (3.3.5.16), on the loop. */
static void notify_cancel(struct srv_async *a)
{
	struct notify_req *q = (struct notify_req *)a;
	if (q->done)
		return;
	for (struct notify_req **p = &q->w->pending; *p; p = &(*p)->next) {
		if (*p == q) {
			*p = q->next;
			break;
		}
	}
	pthread_mutex_lock(&nt.mu);
	q->w->waiting--;
	if (!q->w->waiting)
		q->w->cut = 0;
	pthread_mutex_unlock(&nt.mu);
	complete(q, STATUS_CANCELLED, NULL);
}

static void watch_end(struct srv_open *o);

static NTSTATUS watch_new(struct srv_req *r, struct srv_open *o,
			  const struct smb2_change_notify_req *rq)
{
	pthread_once(&nt.once, start_once);
	if (nt.fd < 0)
		return STATUS_NOT_SUPPORTED;
	const struct vfs_ops *ops = o->vfs->ops;
	if (!ops->watch)
		return STATUS_NOT_SUPPORTED;
	struct notify_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return STATUS_NO_MEMORY;
	uint32_t max = r->conn->srv->cfg->max_io < MAX_BUFFER ? r->conn->srv->cfg->max_io
							     : MAX_BUFFER;
	w->refs = 1; /* the open's */
	w->loop = r->conn->loop;
	w->filter = rq->completion_filter;
	w->tree = rq->flags & SMB2_WATCH_TREE;
	w->max_buffer = rq->output_buffer_length < max ? rq->output_buffer_length : max;
	buf_init(&w->changes, w->max_buffer + 1);
	const struct srv_identity *who =
		&r->conn->srv->share_ident[r->tree->share - r->conn->srv->cfg->shares];
	if (!who->valid)
		who = &r->sess->unix_ident;
	w->who = *who;
	w->open = o;
	pthread_mutex_lock(&nt.mu);
	w->next = nt.watches;
	nt.watches = w;
	pthread_mutex_unlock(&nt.mu);
	/* Under the file's lock: another loop's close may look (below). */
	if (o->file)
		pthread_mutex_lock(&o->file->mu);
	o->notify = w;
	if (o->file)
		pthread_mutex_unlock(&o->file->mu);
	NTSTATUS st = ops->watch(o->h, "", w->tree, nt.fd, WATCH_MASK, reg_added, w);
	if (st) {
		watch_end(o);
		return st;
	}
	return STATUS_SUCCESS;
}

NTSTATUS notify_request(struct srv_req *r, struct srv_open *o,
			const struct smb2_change_notify_req *rq)
{
	if (!o->notify) {
		NTSTATUS st = watch_new(r, o, rq);
		if (st)
			return st;
	}
	struct notify_watch *w = o->notify;
	/* A directory whose delete is pending answers STATUS_DELETE_PENDING
	 * (as Windows does), also when the delete came before this request:
	 * another connection's delete may reach the server first, and then
	 * no close would ever complete the request (smbtorture
	 * smb2.notify.rmdir3/4 hung so).  file_deleting sets delete_pending
	 * before it looks for watches, both under f->mu, so a watch it
	 * missed sees the flag here. */
	if (o->file) {
		pthread_mutex_lock(&o->file->mu);
		bool pending_delete = o->file->delete_pending;
		pthread_mutex_unlock(&o->file->mu);
		if (pending_delete) {
			pthread_mutex_lock(&nt.mu);
			if (!w->deleted) {
				w->deleted = true;
				schedule(w); /* requests already waiting end too */
			}
			pthread_mutex_unlock(&nt.mu);
		}
	}
	if (!w->pending) {
		/* What happened since the last request answers this one. */
		pthread_mutex_lock(&nt.mu);
		(void)drain_events();
		bool deleted = w->deleted;
		bool have = w->overflow || w->changes.len;
		struct buf got = {0};
		bool enum_dir = false;
		if (have && !deleted) {
			w->cut = 0; /* nobody waited: all of it answers */
			take_changes(w, &got, &enum_dir, rq->output_buffer_length);
		}
		pthread_mutex_unlock(&nt.mu);
		if (deleted)
			return STATUS_DELETE_PENDING;
		if (have) {
			NTSTATUS st = STATUS_NOTIFY_ENUM_DIR;
			if (!enum_dir) {
				struct smb2_output_resp rs = {got.p, (uint32_t)got.len};
				smb2_encode_output_resp(r->out, r->rsp_off, &rs);
				st = STATUS_SUCCESS;
			}
			buf_free(&got);
			return st;
		}
	}
	struct srv_async *a = srv_go_async_waiter(r, sizeof(struct notify_req), notify_cancel);
	if (!a)
		return STATUS_INTERNAL_ERROR; /* not the last of its compound */
	struct notify_req *q = (struct notify_req *)a;
	q->w = w;
	q->max_out = rq->output_buffer_length;
	pthread_mutex_lock(&nt.mu);
	w->waiting++;
	pthread_mutex_unlock(&nt.mu);
	struct notify_req **p = &w->pending;
	while (*p)
		p = &(*p)->next;
	*p = q;
	return STATUS_PENDING;
}

/* A directory becomes delete-pending as o closes: the handles watching
 * it, on any loop, end their requests with STATUS_DELETE_PENDING
 * (MS-FSA 2.1.5.4), without waiting for its last close. */
static void file_deleting(struct srv_open *o)
{
	struct srv_file *f = o->file;
	pthread_mutex_lock(&f->mu);
	/* objects.c sets the flag too as o leaves the file, a moment later;
	 * set here, under the same lock as the search below, a request on a
	 * handle not yet watching sees it (notify_request). */
	if (o->delete_on_close)
		f->delete_pending = true;
	if (f->delete_pending) {
		for (struct srv_open *x = f->opens; x; x = x->fnext) {
			struct notify_watch *w = x->notify; /* set and cleared under f->mu */
			if (x == o || !w)
				continue;
			pthread_mutex_lock(&nt.mu);
			w->deleted = true;
			schedule(w);
			pthread_mutex_unlock(&nt.mu);
		}
	}
	pthread_mutex_unlock(&f->mu);
}

/* Ends o's watch and its waiting requests. */
static void watch_end(struct srv_open *o)
{
	struct notify_watch *w = o->notify;
	if (!w)
		return;
	if (o->file)
		pthread_mutex_lock(&o->file->mu);
	o->notify = NULL;
	if (o->file)
		pthread_mutex_unlock(&o->file->mu);
	/* MS-SMB2 3.3.5.10: waiting requests of a closed handle. */
	while (w->pending) {
		struct notify_req *q = w->pending;
		w->pending = q->next;
		complete(q, STATUS_NOTIFY_CLEANUP, NULL);
	}
	w->open = NULL;
	pthread_mutex_lock(&nt.mu);
	w->dead = true;
	for (struct notify_watch **p = &nt.watches; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	regs_drop_watch(w);
	watch_put_locked(w);
	pthread_mutex_unlock(&nt.mu);
}

void notify_open_close(struct srv_open *o)
{
	/* Only a handle that really closes (its tree already gone) deletes:
	 * a durable handle detached from its lost session keeps its
	 * delete-on-close for its eventual close (durable.c). */
	if (o->is_dir && o->file && !o->tree)
		file_deleting(o);
	watch_end(o);
}
