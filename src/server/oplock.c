/* Oplocks and leases: grants at CREATE, breaks to holders on any
 * connection, acknowledgments, break timeouts, and CREATEs that wait for a
 * break (see oplock.h).
 *
 * Locks: a file's caching state (its opens' oplocks, its leases' state,
 * its waiters) is under f->mu.  The lease table (lease_mu) and the watch
 * list of the timeout thread (watch_mu) nest inside a file's mutex, never
 * the other way round. */
#include "server/oplock.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "server/durable.h"
#include "server/loop.h"
#include "server/srv.h"

#define R SMB2_LEASE_READ
#define H SMB2_LEASE_HANDLE
#define W SMB2_LEASE_WRITE

struct srv_lease {
	struct srv_lease *next;        /* lease table (lease_mu) */
	uint32_t refs;                 /* opens + transient holds (lease_mu) */
	uint8_t guid[16];              /* ClientGuid */
	uint8_t key[16];
	struct srv_file *file;         /* the one file of this key; a reference */
	/* under file->mu */
	uint16_t version;
	uint16_t epoch;
	uint32_t state;
	bool breaking;
	uint32_t to_requested;         /* BreakToLeaseState sent */
	uint32_t to_required;          /* what the conflict needs at least */
	uint64_t deadline;             /* monotonic ms */
	bool has_parent;
	uint8_t parent[16];
};

/* A CREATE waiting for a break: an async request no worker runs (its
 * record comes first), the request saved to run again. */
struct srv_oplock_waiter {
	struct srv_async a;
	struct srv_task task;          /* the retry, on the opener's loop */
	struct srv_oplock_waiter *fnext;  /* f->oplock_waiters (f->mu) */
	struct srv_oplock_waiter *cnext;  /* conn->oplock_waiters (its loop) */
	struct srv_file *f;            /* a reference */
	bool parked;                   /* on f's list (f->mu) */
	bool gone;                     /* its connection went (its loop) */
	uint64_t conn_id;
	uint8_t *msg;                  /* the CREATE, header and body */
	size_t len;
};

static pthread_mutex_t lease_mu = PTHREAD_MUTEX_INITIALIZER;
static struct srv_lease *leases;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the watch list: files with breaks in flight or waiters ---- */

static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static struct watch {
	struct watch *next;
	struct srv_file *f;
} *watched;
static pthread_once_t timer_once = PTHREAD_ONCE_INIT;

static void *timer_main(void *arg);

static void timer_start(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, timer_main, NULL) == 0)
		pthread_detach(t);
	else
		LOG_ERR("cannot start the oplock break timer");
}

/* Under f->mu. */
static void watch(struct srv_file *f)
{
	if (f->oplock_watched)
		return;
	struct watch *w = malloc(sizeof(*w));
	if (!w)
		return;
	w->f = srv_file_get(f->dev, f->ino);
	if (w->f != f) {
		srv_file_put(w->f);
		free(w);
		return;
	}
	f->oplock_watched = true;
	pthread_once(&timer_once, timer_start);
	pthread_mutex_lock(&watch_mu);
	w->next = watched;
	watched = w;
	pthread_mutex_unlock(&watch_mu);
}

/* ---- caching states ---- */

static uint32_t oplock_to_lease(uint8_t level)
{
	switch (level) {
	case SMB2_OPLOCK_LEVEL_BATCH:
		return R | W | H;
	case SMB2_OPLOCK_LEVEL_EXCLUSIVE:
		return R | W;
	case SMB2_OPLOCK_LEVEL_II:
		return R;
	default:
		return 0;
	}
}

static uint8_t lease_to_oplock(uint32_t state)
{
	if (state == (R | W | H))
		return SMB2_OPLOCK_LEVEL_BATCH;
	if (state == (R | W))
		return SMB2_OPLOCK_LEVEL_EXCLUSIVE;
	if (state & R)
		return SMB2_OPLOCK_LEVEL_II;
	return SMB2_OPLOCK_LEVEL_NONE;
}

static uint32_t open_state(const struct srv_open *o)
{
	return o->lease ? o->lease->state : oplock_to_lease(o->oplock);
}

/* Opens that read no data never break nor are granted by conflicts
 * (Samba's is_oplock_stat_open / is_lease_stat_open). */
static bool oplock_stat_open(uint32_t access)
{
	return !(access & ~(SYNCHRONIZE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES));
}

static bool lease_stat_open(uint32_t access)
{
	return !(access & ~(SYNCHRONIZE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | READ_CONTROL));
}

static bool same_key(const struct srv_lease *l, const uint8_t *guid, const uint8_t *key)
{
	return !memcmp(l->guid, guid, 16) && !memcmp(l->key, key, 16);
}

/* ---- the lease table ---- */

/* A held reference to the lease (guid, key), or NULL. */
static struct srv_lease *lease_find(const uint8_t *guid, const uint8_t *key)
{
	pthread_mutex_lock(&lease_mu);
	struct srv_lease *l;
	for (l = leases; l; l = l->next)
		if (same_key(l, guid, key))
			break;
	if (l)
		l->refs++;
	pthread_mutex_unlock(&lease_mu);
	return l;
}

static void lease_put(struct srv_lease *l)
{
	pthread_mutex_lock(&lease_mu);
	bool last = --l->refs == 0;
	if (last) {
		for (struct srv_lease **p = &leases; *p; p = &(*p)->next) {
			if (*p == l) {
				*p = l->next;
				break;
			}
		}
	}
	pthread_mutex_unlock(&lease_mu);
	if (last) {
		srv_file_put(l->file);
		free(l);
	}
}

/* ---- the connections of each client (ClientGuid) ----
 * A lease belongs to a client, not to a connection: its break goes to the
 * client's first connection that still stands (as Windows and Samba send
 * it; smbtorture smb2.lease.v2_complex1), whichever connection's open
 * holds the lease.  Connections join when they first ask for a lease and
 * leave as they go (srv_oplock_conn_gone).  reg_mu nests inside a file's
 * mutex. */

struct client_conn {
	struct client_conn *next;      /* oldest first */
	uint8_t guid[16];
	struct srv_loop *loop;
	uint64_t conn_id;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct client_conn *client_conns;

static void client_conn_join(struct srv_conn *c)
{
	pthread_mutex_lock(&reg_mu);
	struct client_conn **p = &client_conns;
	for (; *p; p = &(*p)->next)
		if ((*p)->conn_id == c->id && (*p)->loop == c->loop)
			break;
	if (!*p) {
		struct client_conn *e = calloc(1, sizeof(*e));
		if (e) {
			memcpy(e->guid, c->client_guid, 16);
			e->loop = c->loop;
			e->conn_id = c->id;
			*p = e;
		}
	}
	pthread_mutex_unlock(&reg_mu);
}

static void client_conn_leave(struct srv_conn *c)
{
	pthread_mutex_lock(&reg_mu);
	for (struct client_conn **p = &client_conns; *p; p = &(*p)->next) {
		if ((*p)->conn_id == c->id && (*p)->loop == c->loop) {
			struct client_conn *e = *p;
			*p = e->next;
			free(e);
			break;
		}
	}
	pthread_mutex_unlock(&reg_mu);
}

void srv_oplock_conn_moved(struct srv_conn *c, struct srv_loop *to)
{
	pthread_mutex_lock(&reg_mu);
	for (struct client_conn *e = client_conns; e; e = e->next)
		if (e->conn_id == c->id && e->loop == c->loop)
			e->loop = to;
	pthread_mutex_unlock(&reg_mu);
}

/* The client's first connection, or false. */
static bool client_conn_first(const uint8_t *guid, struct srv_loop **loop, uint64_t *conn_id)
{
	bool found = false;
	pthread_mutex_lock(&reg_mu);
	for (struct client_conn *e = client_conns; e; e = e->next) {
		if (!memcmp(e->guid, guid, 16)) {
			*loop = e->loop;
			*conn_id = e->conn_id;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&reg_mu);
	return found;
}

/* ---- break notifications, on the holder's loop ---- */

struct break_note {
	struct srv_task task;
	struct srv_loop *loop;
	uint64_t conn_id;
	struct srv_loop *fb_loop;      /* where to go if conn_id is gone */
	uint64_t fb_conn_id;
	uint64_t session_id;
	bool lease;
	bool encrypt;
	size_t len;
	uint8_t body[48];
};

/* MS-SMB2 3.3.4.6 / 3.3.4.7: an unsolicited OPLOCK_BREAK with MessageId
 * all ones and no credits; a lease break names no session. */
static void break_note_run(struct srv_task *t)
{
	struct break_note *n = (struct break_note *)t;
	struct srv_conn *c = srv_loop_find_conn(n->loop, n->conn_id);
	if ((!c || c->dead) && n->fb_loop) {
		/* The client's first connection went: the holder's then. */
		n->loop = n->fb_loop;
		n->conn_id = n->fb_conn_id;
		n->fb_loop = NULL;
		srv_loop_post(n->loop, &n->task);
		return;
	}
	if (!c || c->dead) {
		free(n);
		return;
	}
	struct srv_session *s = srv_session_lookup(c, n->session_id);
	srv_begin_frame(c);
	size_t off = c->out.len;
	struct smb2_hdr h = {0};
	h.command = SMB2_OPLOCK_BREAK;
	h.flags = SMB2_FLAGS_SERVER_TO_REDIR;
	h.message_id = UINT64_MAX;
	h.session_id = n->lease ? 0 : n->session_id;
	smb2_encode_hdr(&c->out, &h);
	buf_bytes(&c->out, n->body, n->len);
	if (n->encrypt && s && s->has_key) {
		if (srv_encrypt_frame(c, s) < 0) {
			c->out.len = c->frame_start;
			free(n);
			return;
		}
	} else if (!n->lease && s && s->has_key && s->signing_required && buf_ok(&c->out)) {
		struct iovec iov = {c->out.p + off, c->out.len - off};
		put_le32(c->out.p + off + 16, get_le32(c->out.p + off + 16) | SMB2_FLAGS_SIGNED);
		enum crypto_sign_alg alg;
		const uint8_t *key = srv_session_signing_key(s, c, &alg);
		crypto_smb2_sign(alg, key, &iov, 1);
	}
	srv_end_frame(c);
	free(n);
}

/* Breaks a rename sends to its own loop wait here, on that loop's
 * thread, until the request's frame is answered, and go out before the
 * replies to any later request (srv_oplock_flush_notes): a client that
 * sends the rename and then another request sees the break before that
 * reply, as from Windows and Samba (smbtorture smb2.lease.rename_wait). */
static __thread struct srv_loop *defer_loop;
static __thread struct srv_task *deferred; /* newest first */

void srv_oplock_flush_notes(void)
{
	struct srv_task *t = deferred;
	deferred = NULL;
	defer_loop = NULL;
	srv_tasks_run(t);
}

static void post_note(const struct srv_open *o, bool lease, const struct buf *body)
{
	if (!o->loop || !buf_ok(body) || body->len > sizeof(((struct break_note *)0)->body))
		return;
	struct break_note *n = calloc(1, sizeof(*n));
	if (!n)
		return;
	n->task.fn = break_note_run;
	n->loop = o->loop;
	n->conn_id = o->conn_id;
	n->session_id = o->session_id;
	n->lease = lease;
	n->encrypt = o->break_encrypt;
	n->len = body->len;
	memcpy(n->body, body->p, body->len);
	/* A lease break goes to the client's first connection (unencrypted
	 * breaks only: an encrypted one needs the holder's session key). */
	if (lease && o->lease && !o->break_encrypt &&
	    client_conn_first(o->lease->guid, &n->loop, &n->conn_id)) {
		n->fb_loop = o->loop;
		n->fb_conn_id = o->conn_id;
	}
	if (defer_loop && n->loop == defer_loop) {
		n->task.next = deferred;
		deferred = &n->task;
		return;
	}
	srv_loop_post(n->loop, &n->task);
}

static void notify_oplock(const struct srv_open *o, uint8_t level)
{
	struct buf b;
	buf_init(&b, 64);
	struct smb2_oplock_break ob = {level, {srv_durable_pid(o), o->id}};
	smb2_encode_oplock_break(&b, &ob);
	post_note(o, false, &b);
	buf_free(&b);
}

/* Under f->mu: the lease break notification goes to the connection of one
 * of the lease's opens. */
static void notify_lease(struct srv_file *f, struct srv_lease *l, uint32_t from, uint32_t to,
			 bool ack)
{
	const struct srv_open *holder = NULL;
	for (const struct srv_open *o = f->opens; o; o = o->fnext)
		if (o->lease == l) {
			holder = o;
			break;
		}
	if (!holder)
		return;
	struct smb2_lease_break_notify nb = {0};
	nb.new_epoch = l->version == 2 ? l->epoch : 0;
	nb.flags = ack ? SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED : 0;
	memcpy(nb.key, l->key, 16);
	nb.current_state = from;
	nb.new_state = to;
	struct buf b;
	buf_init(&b, 64);
	smb2_encode_lease_break_notify(&b, &nb);
	post_note(holder, true, &b);
	buf_free(&b);
}

/* ---- waking waiters ---- */

/* Under f->mu: every waiting CREATE of f runs again on its loop. */
static void wake_waiters(struct srv_file *f)
{
	struct srv_oplock_waiter *w = f->oplock_waiters;
	f->oplock_waiters = NULL;
	while (w) {
		struct srv_oplock_waiter *next = w->fnext;
		w->parked = false;
		w->fnext = NULL;
		srv_loop_post(w->a.loop, &w->task);
		w = next;
	}
}

/* ---- breaking (MS-SMB2 3.3.4.6, 3.3.4.7; Samba's break processing) ---- */

/* Under f->mu: lowers l towards `to`. */
static void break_lease(struct srv_file *f, struct srv_lease *l, uint32_t to)
{
	to &= l->state;
	if (l->breaking) {
		l->to_required &= to;
		return;
	}
	if (l->state == to)
		return;
	uint32_t from = l->state;
	l->epoch++;
	if (from == R) {
		/* Read caching goes without an acknowledgment. */
		l->state = 0;
		notify_lease(f, l, from, 0, false);
		return;
	}
	l->breaking = true;
	l->to_requested = l->to_required = to;
	l->deadline = now_ms() + SRV_OPLOCK_BREAK_TIMEOUT_MS;
	notify_lease(f, l, from, to, true);
	watch(f);
}

/* Under f->mu: breaks e's caching to `to` (lease bits). */
static void break_open(struct srv_file *f, struct srv_open *e, uint32_t to)
{
	if (!e->loop) {
		/* durable.c: a disconnected durable open (no loop) cannot
		 * acknowledge; its caching goes at once (MS-SMB2 3.3.4.6,
		 * 3.3.4.7). */
		if (e->lease && !e->lease->breaking && (e->lease->state & ~to)) {
			e->lease->state &= to;
			e->lease->epoch++;
		} else if (!e->lease) {
			e->oplock = (to & R) && e->oplock ? SMB2_OPLOCK_LEVEL_II : SMB2_OPLOCK_LEVEL_NONE;
		}
		return;
	}
	if (e->lease) {
		break_lease(f, e->lease, to);
		return;
	}
	if (e->oplock_breaking)
		return;
	uint32_t from = oplock_to_lease(e->oplock);
	if (!from || from == to)
		return;
	uint8_t level = (to & R) ? SMB2_OPLOCK_LEVEL_II : SMB2_OPLOCK_LEVEL_NONE;
	if (from == R && level == SMB2_OPLOCK_LEVEL_NONE) {
		/* Level II to none needs no acknowledgment. */
		e->oplock = SMB2_OPLOCK_LEVEL_NONE;
		notify_oplock(e, level);
		return;
	}
	e->oplock_breaking = true;
	e->oplock_break_to = level;
	e->oplock_deadline = now_ms() + SRV_OPLOCK_BREAK_TIMEOUT_MS;
	notify_oplock(e, level);
	watch(f);
}

/* ---- CREATE ---- */

static const struct smb2_create_context *find_ctx(const struct smb2_create_req *rq, const char *tag)
{
	for (uint16_t i = 0; i < rq->context_count; i++) {
		const struct smb2_create_context *x = &rq->contexts[i];
		if (x->name_len == 4 && !memcmp(x->name, tag, 4))
			return x;
	}
	return NULL;
}

NTSTATUS srv_oplock_parse(const struct srv_req *r, const struct smb2_create_req *rq,
			  struct srv_oplock_req *q)
{
	memset(q, 0, sizeof(*q));
	q->level = rq->oplock_level;
	if (q->level != SMB2_OPLOCK_LEVEL_LEASE)
		return STATUS_SUCCESS;
	q->level = SMB2_OPLOCK_LEVEL_NONE;
	const struct smb2_create_context *x = find_ctx(rq, "RqLs");
	uint16_t dialect = r->conn->dialect;
	if (!x || dialect < SMB2_DIALECT_210 || dialect == SMB2_DIALECT_WILDCARD)
		return STATUS_SUCCESS;
	size_t n = x->data_len;
	/* Before 3.0 only the first version exists: a longer context is read
	 * as version 1. */
	if (n == SMB2_LEASE_V2_SIZE && dialect < SMB2_DIALECT_300)
		n = SMB2_LEASE_V1_SIZE;
	if (smb2_decode_lease_ctx(x->data, n, &q->lease) < 0)
		return STATUS_INVALID_PARAMETER;
	q->lease.state &= R | H | W;
	q->level = SMB2_OPLOCK_LEVEL_LEASE;
	q->want_lease = true;
	return STATUS_SUCCESS;
}

/* Parks the CREATE of r on f (under f->mu): the first time it goes async
 * with its request saved; a retry parks the same waiter again. */
static bool park(struct srv_req *r, struct srv_file *f);

static void waiter_cancel(struct srv_async *a);
static void waiter_retry(struct srv_task *t);

NTSTATUS srv_oplock_check(struct srv_req *r, struct srv_file *f, struct srv_open *o,
			  struct srv_oplock_req *q, uint32_t disposition)
{
	struct srv_conn *c = r->conn;
	o->loop = c->loop;
	o->conn_id = c->id;
	o->session_id = r->sess->id;
	o->break_encrypt = r->enc_sess || r->sess->encrypt || r->tree->encrypt;
	bool violation = srv_file_share_check(f, o->access, o->share_access) != STATUS_SUCCESS;
	struct srv_lease *mine = NULL;
	if (q->want_lease) {
		client_conn_join(c);
		/* One lease key names one file, directories included. */
		mine = lease_find(c->client_guid, q->lease.key);
		if (mine && mine->file != f) {
			lease_put(mine);
			return STATUS_INVALID_PARAMETER;
		}
		if (mine && o->is_dir) {
			lease_put(mine);
			mine = NULL;
		}
	}
	bool first = r->oplock_wait == NULL;
	bool delay = false, got_handle = false, got_oplock = false, other = false;

	bool overwrite = disposition == FILE_SUPERSEDE || disposition == FILE_OVERWRITE ||
			 disposition == FILE_OVERWRITE_IF;
	/* Truncating writes data, whatever access was asked for. */
	uint32_t access = o->access | (overwrite ? FILE_WRITE_DATA : 0);
	bool stat_open = oplock_stat_open(access);
	if (!stat_open) {
		uint32_t mask = violation ? H : W;
		for (struct srv_open *e = f->opens; e; e = e->fnext) {
			if (e->lease && mine && e->lease == mine)
				continue;
			/* An open that reads no data and caches nothing takes
			 * no part (smbtorture smb2.lease.statopen3). */
			if (!e->lease && !e->oplock && oplock_stat_open(e->access))
				continue;
			uint32_t et = open_state(e);
			bool breaking = e->lease ? e->lease->breaking : e->oplock_breaking;
			got_handle |= (et & H) != 0;
			got_oplock |= e->lease == NULL;
			other = true;
			if (e->lease && lease_stat_open(access))
				continue;
			uint32_t to = et & ~mask;
			/* A file opened to be deleted on close loses other
			 * holders' handle caching, without waiting for it
			 * (smbtorture smb2.lease.unlink). */
			if (o->delete_on_close)
				to &= ~H;
			if (overwrite)
				to &= ~(H | R);
			if ((et & ~to) == 0) {
				if (breaking)
					delay = true;
				continue;
			}
			if (overwrite)
				to &= ~(R | W);
			if (!e->lease)
				to &= ~(H | W);
			break_open(f, e, to);
			if (open_state(e) & mask)
				delay = true; /* the break waits for an acknowledgment */
			if (breaking && !first)
				delay = true;
		}
	}
	if (delay) {
		if (park(r, f)) {
			if (mine)
				lease_put(mine);
			return STATUS_PENDING;
		}
		/* Cannot wait (not the last of a compound): go on without. */
	}
	if (violation) {
		if (mine)
			lease_put(mine);
		return STATUS_SHARING_VIOLATION;
	}

	uint32_t granted;
	if (q->want_lease) {
		granted = q->lease.state;
		if (!(granted & (R | W)) || granted == W || granted == (W | H))
			granted = 0;
	} else {
		/* An open that reads no data gets an oplock only alone. */
		granted = stat_open && f->opens ? 0 : oplock_to_lease(q->level);
	}
	if (other)
		granted &= ~W;
	if (o->is_dir)
		granted = 0;

	if (!q->want_lease || o->is_dir) {
		if (got_handle)
			granted = 0;
		o->oplock = o->is_dir ? SMB2_OPLOCK_LEVEL_NONE : lease_to_oplock(granted);
		q->granted = oplock_to_lease(o->oplock);
		return STATUS_SUCCESS;
	}
	if (got_oplock)
		granted &= ~H;
	q->granted = granted;
	if (mine) {
		/* The client's lease on this file: upgraded only to a strict
		 * superset that nothing else prevents, never while breaking. */
		uint32_t existing = mine->state, requested = q->lease.state;
		if ((existing & requested) == existing && granted != existing && granted == requested &&
		    !mine->breaking) {
			mine->state = granted;
			mine->epoch++;
		}
		o->lease = mine; /* the reference lease_find took */
		return STATUS_SUCCESS;
	}
	struct srv_lease *l = calloc(1, sizeof(*l));
	if (!l)
		return STATUS_INSUFFICIENT_RESOURCES;
	l->refs = 1;
	memcpy(l->guid, c->client_guid, 16);
	memcpy(l->key, q->lease.key, 16);
	l->file = srv_file_get(f->dev, f->ino);
	l->version = q->lease.version;
	l->epoch = (uint16_t)(q->lease.epoch + 1);
	l->state = granted;
	if (q->lease.version == 2 && (q->lease.flags & SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET)) {
		l->has_parent = true;
		memcpy(l->parent, q->lease.parent_key, 16);
	}
	pthread_mutex_lock(&lease_mu);
	l->next = leases;
	leases = l;
	pthread_mutex_unlock(&lease_mu);
	o->lease = l;
	return STATUS_SUCCESS;
}

void srv_oplock_drop(struct srv_open *o)
{
	if (o->lease)
		lease_put(o->lease);
	o->lease = NULL;
	o->oplock = SMB2_OPLOCK_LEVEL_NONE;
}

uint8_t srv_oplock_resp_level(const struct srv_open *o)
{
	return o->lease ? SMB2_OPLOCK_LEVEL_LEASE : o->oplock;
}

bool srv_oplock_resp_ctx(const struct srv_open *o, uint8_t *data, struct smb2_create_context *out)
{
	struct srv_lease *l = o->lease;
	if (!l || !o->file)
		return false;
	struct smb2_lease rs = {0};
	pthread_mutex_lock(&o->file->mu);
	rs.version = l->version;
	memcpy(rs.key, l->key, 16);
	rs.state = l->state;
	rs.flags = l->breaking ? SMB2_LEASE_FLAG_BREAK_IN_PROGRESS : 0;
	if (l->version == 2) {
		rs.epoch = l->epoch;
		if (l->has_parent) {
			rs.flags |= SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET;
			memcpy(rs.parent_key, l->parent, 16);
		}
	}
	pthread_mutex_unlock(&o->file->mu);
	struct buf b;
	buf_init(&b, 64);
	smb2_encode_lease_ctx(&b, &rs);
	bool ok = buf_ok(&b);
	if (ok)
		memcpy(data, b.p, b.len);
	*out = (struct smb2_create_context){(const uint8_t *)"RqLs", 4, data, (uint32_t)b.len};
	buf_free(&b);
	return ok;
}

void srv_oplock_release(struct srv_file *f, struct srv_open *o)
{
	bool had = o->lease || o->oplock;
	if (o->lease) {
		/* f keeps the lease's file reference valid: o holds one too. */
		lease_put(o->lease);
		o->lease = NULL;
	}
	o->oplock = SMB2_OPLOCK_LEVEL_NONE;
	o->oplock_breaking = false;
	(void)had;
	wake_waiters(f);
}

void srv_oplock_contend(struct srv_open *o)
{
	struct srv_file *f = o->file;
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	if (!(open_state(o) & W)) {
		for (struct srv_open *e = f->opens; e; e = e->fnext) {
			/* Every level II, the writer's own too; not its own lease. */
			if (e->lease && e->lease == o->lease)
				continue;
			uint32_t et = open_state(e);
			if ((et & R) && !(et & W))
				break_open(f, e, 0);
		}
	}
	pthread_mutex_unlock(&f->mu);
}

NTSTATUS srv_oplock_break_handles(struct srv_req *r, struct srv_open *o)
{
	struct srv_file *f = o->file;
	if (!f)
		return STATUS_SUCCESS;
	defer_loop = r->conn->loop;
	pthread_mutex_lock(&f->mu);
	bool delay = false;
	for (struct srv_open *e = f->opens; e; e = e->fnext) {
		if (e == o || (e->lease && e->lease == o->lease))
			continue;
		uint32_t et = open_state(e);
		if (!(et & H))
			continue;
		break_open(f, e, et & ~H);
		if (open_state(e) & H)
			delay = true; /* the break waits for an acknowledgment */
	}
	NTSTATUS st = STATUS_SUCCESS;
	if (delay && park(r, f))
		st = STATUS_PENDING;
	pthread_mutex_unlock(&f->mu);
	return st;
}

/* ---- waiting CREATEs (and renames) ---- */

static bool park(struct srv_req *r, struct srv_file *f)
{
	struct srv_oplock_waiter *w = r->oplock_wait;
	if (!w) {
		struct srv_async *a = srv_go_async_waiter(r, sizeof(*w), waiter_cancel);
		if (!a)
			return false;
		w = (struct srv_oplock_waiter *)a;
		w->task.fn = waiter_retry;
		w->msg = malloc(r->msg.len);
		if (w->msg) {
			memcpy(w->msg, r->msg.base, r->msg.len);
			w->len = r->msg.len;
		}
		w->conn_id = r->conn->id;
		w->f = srv_file_get(f->dev, f->ino);
		w->cnext = r->conn->oplock_waiters;
		r->conn->oplock_waiters = w;
	}
	w->parked = true;
	w->fnext = f->oplock_waiters;
	f->oplock_waiters = w;
	watch(f);
	return true;
}

/* On the opener's loop: w is off every file list; ends it with st (the
 * body stands for a success).  w is freed with its reply. */
static void waiter_finish(struct srv_oplock_waiter *w, struct srv_conn *c, NTSTATUS st)
{
	if (c) {
		for (struct srv_oplock_waiter **p = &c->oplock_waiters; *p; p = &(*p)->cnext) {
			if (*p == w) {
				*p = w->cnext;
				break;
			}
		}
	}
	free(w->msg);
	w->msg = NULL;
	if (w->f)
		srv_file_put(w->f);
	w->f = NULL;
	w->a.status = st;
	if (st == STATUS_SUCCESS && !w->a.body.len)
		w->a.status = STATUS_INTERNAL_ERROR;
	srv_async_complete(&w->a);
}

static struct srv_conn *conn_by_id(struct srv_loop *l, uint64_t id)
{
	for (struct srv_conn *c = l->conns; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

/* The retry of a waiting CREATE, on its loop: run it again from the saved
 * request, as its user; it may wait again. */
static void waiter_retry(struct srv_task *t)
{
	struct srv_oplock_waiter *w =
		(struct srv_oplock_waiter *)((char *)t - offsetof(struct srv_oplock_waiter, task));
	struct srv_conn *c = conn_by_id(w->a.loop, w->conn_id);
	if (!c || c->closing || w->gone || atomic_load(&w->a.cancelled) || !w->msg) {
		waiter_finish(w, c, STATUS_CANCELLED);
		return;
	}
	struct srv_session *s = srv_session_lookup(c, w->a.req.session_id);
	struct srv_tree *tree = s && s->state == SESS_VALID ? srv_tree_lookup(s, w->a.req.tree_id) : NULL;
	if (!tree) {
		waiter_finish(w, c, s ? STATUS_NETWORK_NAME_DELETED : STATUS_USER_SESSION_DELETED);
		return;
	}
	struct buf out;
	buf_init(&out, 1 << 20);
	buf_zero(&out, SMB2_HDR_SIZE);
	struct smb2_fileid cfid = {UINT64_MAX, UINT64_MAX};
	int cfid_state = CFID_NONE;
	struct srv_req r;
	memset(&r, 0, sizeof(r));
	r.conn = c;
	r.out = &out;
	r.rsp_off = 0;
	r.sess = s;
	r.tree = tree;
	r.compound_fid = &cfid;
	r.compound_fid_state = &cfid_state;
	r.can_async = true;
	r.sign_response = w->a.sign;
	r.enc_sess = w->a.encrypt ? s : NULL;
	r.oplock_wait = w;
	cur_init(&r.msg, w->msg, w->len);
	NTSTATUS st;
	if (smb2_decode_hdr(&r.msg, &r.hdr) < 0) {
		st = STATUS_INVALID_PARAMETER;
	} else {
		r.hdr.session_id = w->a.req.session_id;
		r.hdr.tree_id = w->a.req.tree_id;
		cur_seek(&r.msg, SMB2_HDR_SIZE);
		const struct srv_identity *who = &c->srv->share_ident[tree->share - c->srv->cfg->shares];
		if (!who->valid)
			who = &s->unix_ident;
		if (srv_identity_enter(who) < 0)
			st = STATUS_ACCESS_DENIED;
		else if (r.hdr.command == SMB2_SET_INFO)
			st = smb2_set_info(&r); /* a rename (srv_oplock_break_handles) */
		else
			st = smb2_create(&r);
	}
	if (st == STATUS_PENDING) {
		/* Waits again (another retry is posted when it may go on), or
		 * was woken already between parking and here: the posted retry
		 * runs. */
		buf_free(&out);
		srv_oplock_flush_notes();
		return;
	}
	if (st == STATUS_SUCCESS && buf_ok(&out))
		buf_bytes(&w->a.body, out.p + SMB2_HDR_SIZE, out.len - SMB2_HDR_SIZE);
	buf_free(&out);
	waiter_finish(w, c, st);
	srv_oplock_flush_notes();
}

/* CANCEL of a waiting CREATE (its loop). */
static void waiter_cancel(struct srv_async *a)
{
	struct srv_oplock_waiter *w = (struct srv_oplock_waiter *)a;
	struct srv_file *f = w->f;
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	bool was = w->parked;
	if (was) {
		for (struct srv_oplock_waiter **p = &f->oplock_waiters; *p; p = &(*p)->fnext) {
			if (*p == w) {
				*p = w->fnext;
				break;
			}
		}
		w->parked = false;
	}
	pthread_mutex_unlock(&f->mu);
	/* Not parked: a retry is posted and sees the cancel. */
	if (was)
		waiter_finish(w, a->conn, STATUS_CANCELLED);
}

void srv_oplock_conn_gone(struct srv_conn *c)
{
	client_conn_leave(c);
	struct srv_oplock_waiter *w = c->oplock_waiters;
	c->oplock_waiters = NULL;
	while (w) {
		struct srv_oplock_waiter *next = w->cnext;
		w->cnext = NULL;
		w->gone = true;
		struct srv_file *f = w->f;
		bool was = false;
		if (f) {
			pthread_mutex_lock(&f->mu);
			was = w->parked;
			if (was) {
				for (struct srv_oplock_waiter **p = &f->oplock_waiters; *p;
				     p = &(*p)->fnext) {
					if (*p == w) {
						*p = w->fnext;
						break;
					}
				}
				w->parked = false;
			}
			pthread_mutex_unlock(&f->mu);
		}
		if (was)
			waiter_finish(w, NULL, STATUS_CANCELLED);
		w = next;
	}
}

/* ---- acknowledgments ---- */

/* MS-SMB2 3.3.5.22.1, with Samba's statuses where Windows' differ. */
static NTSTATUS ack_oplock(struct srv_req *r)
{
	struct smb2_oplock_break rq;
	if (smb2_decode_oplock_break(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	struct srv_file *f = o->file;
	if (!f)
		return STATUS_INVALID_OPLOCK_PROTOCOL;
	NTSTATUS st = STATUS_SUCCESS;
	pthread_mutex_lock(&f->mu);
	if (!o->oplock_breaking) {
		st = STATUS_INVALID_OPLOCK_PROTOCOL;
	} else if (rq.oplock_level != SMB2_OPLOCK_LEVEL_NONE &&
		   rq.oplock_level != SMB2_OPLOCK_LEVEL_II) {
		o->oplock = SMB2_OPLOCK_LEVEL_NONE;
		o->oplock_breaking = false;
		st = STATUS_INVALID_PARAMETER;
	} else if (rq.oplock_level == SMB2_OPLOCK_LEVEL_II &&
		   o->oplock_break_to == SMB2_OPLOCK_LEVEL_NONE) {
		o->oplock = SMB2_OPLOCK_LEVEL_NONE;
		o->oplock_breaking = false;
		st = STATUS_INVALID_OPLOCK_PROTOCOL;
	} else {
		o->oplock = rq.oplock_level;
		o->oplock_breaking = false;
	}
	uint8_t level = o->oplock;
	wake_waiters(f);
	pthread_mutex_unlock(&f->mu);
	if (st)
		return st;
	struct smb2_oplock_break rs = {level, rq.file_id};
	smb2_encode_oplock_break(r->out, &rs);
	return STATUS_SUCCESS;
}

/* MS-SMB2 3.3.5.22.2. */
static NTSTATUS ack_lease(struct srv_req *r)
{
	struct smb2_lease_break_ack rq;
	if (smb2_decode_lease_break_ack(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	if (r->conn->dialect < SMB2_DIALECT_210)
		return STATUS_INVALID_PARAMETER;
	struct srv_lease *l = lease_find(r->conn->client_guid, rq.key);
	if (!l)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	struct srv_file *f = l->file;
	NTSTATUS st = STATUS_SUCCESS;
	pthread_mutex_lock(&f->mu);
	if (!l->breaking) {
		st = STATUS_UNSUCCESSFUL;
	} else if (rq.state & ~l->to_requested) {
		st = STATUS_REQUEST_NOT_ACCEPTED;
	} else if (rq.state & ~l->to_required) {
		/* More than the conflict allows now: break on from here, in
		 * steps as Windows does (smbtorture smb2.lease.breaking3): a
		 * state with handle or write caching goes to read first, read
		 * goes to none without an acknowledgment.  The epoch moved
		 * with the first break of the sequence only. */
		uint32_t from = rq.state;
		l->state = rq.state;
		l->to_requested = l->to_required;
		if (from & ~R) {
			l->to_requested |= R;
			l->deadline = now_ms() + SRV_OPLOCK_BREAK_TIMEOUT_MS;
			notify_lease(f, l, from, l->to_requested, true);
		} else {
			l->state = l->to_required;
			l->breaking = false;
			l->to_requested = l->to_required = 0;
			notify_lease(f, l, from, l->state, false);
		}
	} else {
		l->state = rq.state;
		l->breaking = false;
		l->to_requested = l->to_required = 0;
	}
	wake_waiters(f);
	pthread_mutex_unlock(&f->mu);
	lease_put(l);
	if (st)
		return st;
	struct smb2_lease_break_ack rs = {0};
	memcpy(rs.key, rq.key, 16);
	rs.state = rq.state;
	smb2_encode_lease_break_ack(r->out, &rs);
	return STATUS_SUCCESS;
}

NTSTATUS srv_oplock_ack(struct srv_req *r)
{
	switch (smb2_break_body_size(&r->msg)) {
	case 24:
		return ack_oplock(r);
	case 36:
		return ack_lease(r);
	default:
		return STATUS_INVALID_PARAMETER;
	}
}

/* ---- break timeouts ---- */

/* Under f->mu: lowers what was not acknowledged in time; whether f still
 * needs watching. */
static bool expire(struct srv_file *f, uint64_t now)
{
	bool changed = false, busy = false;
	for (struct srv_open *e = f->opens; e; e = e->fnext) {
		if (e->oplock_breaking) {
			if (now >= e->oplock_deadline) {
				LOG_INFO("oplock break not acknowledged in time: lowered");
				e->oplock = e->oplock_break_to;
				e->oplock_breaking = false;
				changed = true;
			} else {
				busy = true;
			}
		}
		struct srv_lease *l = e->lease;
		if (l && l->breaking) {
			if (now >= l->deadline) {
				/* MS-SMB2 3.3.2.5: the lease is gone (None), as
				 * Windows and Samba do (smbtorture smb2.lease.timeout). */
				LOG_INFO("lease break not acknowledged in time: lease dropped");
				l->state = 0;
				l->breaking = false;
				l->to_requested = l->to_required = 0;
				changed = true;
			} else {
				busy = true;
			}
		}
	}
	if (changed)
		wake_waiters(f);
	return busy || f->oplock_waiters;
}

static void *timer_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&watch_mu);
		struct watch *list = watched;
		pthread_mutex_unlock(&watch_mu);
		/* Entries are only removed here, so the list stays valid. */
		uint64_t now = now_ms();
		for (struct watch *w = list, *next; w; w = next) {
			next = w->next;
			struct srv_file *f = w->f;
			pthread_mutex_lock(&f->mu);
			bool keep = expire(f, now);
			if (!keep)
				f->oplock_watched = false;
			pthread_mutex_unlock(&f->mu);
			if (keep)
				continue;
			pthread_mutex_lock(&watch_mu);
			for (struct watch **p = &watched; *p; p = &(*p)->next) {
				if (*p == w) {
					*p = w->next;
					break;
				}
			}
			pthread_mutex_unlock(&watch_mu);
			srv_file_put(f);
			free(w);
		}
	}
	return NULL;
}

/* ---- durable handles (durable.c) ---- */

uint32_t srv_oplock_state(const struct srv_open *o)
{
	return open_state(o);
}

bool srv_oplock_lease_is(const struct srv_open *o, const uint8_t *guid, const uint8_t *key)
{
	return o->lease && same_key(o->lease, guid, key);
}

bool srv_oplock_breaking(const struct srv_open *o)
{
	return o->lease ? o->lease->breaking : o->oplock_breaking;
}
