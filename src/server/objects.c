/* Lifetime of sessions, tree connects and opens, and the id table that
 * addresses them.  A session belongs to the connections of its channel
 * list (one unless bound, MS-SMB2 3.3.5.5), all on one event-loop thread;
 * it, its trees and opens are only touched by that thread. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "server/durable.h"
#include "server/lock.h"
#include "server/notify.h"
#include "server/oplock.h"
#include "server/srv.h"
#include "server/wtime.h"

void idtab_init(struct idtab *t, uint32_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

void idtab_free(struct idtab *t)
{
	free(t->obj);
	free(t->gen);
	memset(t, 0, sizeof(*t));
}

uint64_t idtab_add(struct idtab *t, void *obj)
{
	if (t->count >= t->max)
		return 0;
	uint32_t i;
	for (i = 0; i < t->cap; i++)
		if (!t->obj[i])
			break;
	if (i == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;
		void **o = realloc(t->obj, cap * sizeof(*o));
		if (!o)
			return 0;
		t->obj = o;
		uint32_t *g = realloc(t->gen, cap * sizeof(*g));
		if (!g)
			return 0;
		t->gen = g;
		for (uint32_t j = t->cap; j < cap; j++) {
			t->obj[j] = NULL;
			t->gen[j] = 0;
		}
		t->cap = cap;
	}
	t->obj[i] = obj;
	t->gen[i]++;
	t->count++;
	/* Low half: slot + 1 (so no id is 0); high half: generation. */
	return (uint64_t)t->gen[i] << 32 | (uint64_t)(i + 1);
}

void *idtab_get(const struct idtab *t, uint64_t id)
{
	uint32_t slot = (uint32_t)id;
	if (slot == 0 || slot > t->cap)
		return NULL;
	slot--;
	if (!t->obj[slot] || t->gen[slot] != (uint32_t)(id >> 32))
		return NULL;
	return t->obj[slot];
}

void idtab_del(struct idtab *t, uint64_t id)
{
	if (!idtab_get(t, id))
		return;
	t->obj[(uint32_t)id - 1] = NULL;
	t->count--;
}

struct srv_session *srv_session_new(struct srv_conn *c)
{
	if (c->nsessions >= c->srv->cfg->max_sessions_per_conn ||
	    c->nsessions >= sizeof(c->sessions) / sizeof(c->sessions[0]))
		return NULL;
	struct srv_session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->id = atomic_fetch_add(&c->srv->next_session_id, 1);
	s->state = SESS_IN_PROGRESS;
	s->next_tree_id = 1;
	s->started = time(NULL);
	memcpy(s->preauth, c->preauth, sizeof(s->preauth));
	idtab_init(&s->opens, c->srv->cfg->max_opens_per_session);
	c->sessions[c->nsessions++] = s;
	s->chans[0].conn = c; /* its key is keys.signing (srv_session_signing_key) */
	s->nchans = 1;
	return s;
}

/* ---- channels (MS-SMB2 3.3.1.8) ---- */

struct srv_channel *srv_session_channel(struct srv_session *s, const struct srv_conn *c)
{
	for (uint32_t i = 0; i < s->nchans; i++)
		if (s->chans[i].conn == c)
			return &s->chans[i];
	return NULL;
}

bool srv_session_add_channel(struct srv_session *s, struct srv_conn *c, const uint8_t key[16],
			     enum crypto_sign_alg alg)
{
	if (s->nchans == SRV_MAX_CHANNELS || c->nsessions >= c->srv->cfg->max_sessions_per_conn ||
	    c->nsessions >= sizeof(c->sessions) / sizeof(c->sessions[0]))
		return false;
	struct srv_channel *ch = &s->chans[s->nchans++];
	ch->conn = c;
	memcpy(ch->signing_key, key, 16);
	ch->sign_alg = alg;
	ch->bound = true;
	c->sessions[c->nsessions++] = s;
	return true;
}

const uint8_t *srv_session_signing_key(struct srv_session *s, const struct srv_conn *c,
				       enum crypto_sign_alg *alg)
{
	struct srv_channel *ch = srv_session_channel(s, c);
	if (ch && ch->bound) {
		*alg = ch->sign_alg;
		return ch->signing_key;
	}
	*alg = s->sign_alg;
	return s->keys.signing;
}

static void conn_drop_session(struct srv_conn *c, struct srv_session *s)
{
	for (uint32_t i = 0; i < c->nsessions; i++) {
		if (c->sessions[i] == s) {
			c->sessions[i] = c->sessions[--c->nsessions];
			break;
		}
	}
}

/* Connection c of s is lost while another channel stands: the session,
 * its trees and opens stay (MS-SMB2 3.3.7.1); breaks for opens made on
 * c go to the channel that remains. */
static void session_lose_channel(struct srv_session *s, struct srv_conn *c)
{
	struct srv_channel *ch = srv_session_channel(s, c);
	if (ch) {
		OPENSSL_cleanse(ch->signing_key, sizeof(ch->signing_key));
		*ch = s->chans[--s->nchans];
	}
	conn_drop_session(c, s);
	struct srv_conn *rest = s->chans[0].conn;
	for (uint32_t i = 0; i < s->opens.cap; i++) {
		struct srv_open *o = s->opens.obj[i];
		if (!o || o->conn_id != c->id)
			continue;
		if (o->file)
			pthread_mutex_lock(&o->file->mu);
		o->conn_id = rest->id;
		if (o->file)
			pthread_mutex_unlock(&o->file->mu);
	}
	/* PreviousSessionId finds the session on a connection that stands. */
	if (s->state == SESS_VALID || s->state == SESS_EXPIRED) {
		srv_durable_session_unregister(s->id);
		srv_durable_session_register_id(rest, s->id);
	}
	LOG_INFO("%s: session %llx loses this channel, %u remain", c->peer,
		 (unsigned long long)s->id, s->nchans);
}

/* ---- the global session table ---- */

#define SESS_PUB_BUCKETS 256
struct pub_entry {
	struct pub_entry *next;
	struct srv_session_pub pub;
};
static struct pub_entry *pub_tab[SESS_PUB_BUCKETS];
static pthread_mutex_t pub_mu = PTHREAD_MUTEX_INITIALIZER;

void srv_session_publish(struct srv_conn *c, struct srv_session *s)
{
	struct pub_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return; /* binding to it is then refused as for an unknown session */
	e->pub.id = s->id;
	e->pub.conn_id = c->id;
	e->pub.dialect = c->dialect;
	e->pub.cipher = c->cipher;
	e->pub.sign_alg = s->has_key ? s->sign_alg : c->sign_alg;
	if (s->has_key)
		memcpy(e->pub.signing_key, s->keys.signing, 16);
	e->pub.has_key = s->has_key;
	e->pub.anonymous = s->ident.anonymous;
	e->pub.guest = s->ident.guest;
	memcpy(e->pub.client_guid, c->client_guid, 16);
	memcpy(e->pub.user, s->ident.user, sizeof(e->pub.user));
	e->pub.loop = c->loop;
	e->pub.sess = s;
	pthread_mutex_lock(&pub_mu);
	struct pub_entry **b = &pub_tab[s->id % SESS_PUB_BUCKETS];
	e->next = *b;
	*b = e;
	s->published = true;
	pthread_mutex_unlock(&pub_mu);
}

static void session_unpublish(struct srv_session *s)
{
	if (!s->published)
		return;
	pthread_mutex_lock(&pub_mu);
	for (struct pub_entry **p = &pub_tab[s->id % SESS_PUB_BUCKETS]; *p; p = &(*p)->next) {
		if ((*p)->pub.id == s->id) {
			struct pub_entry *e = *p;
			*p = e->next;
			OPENSSL_cleanse(e, sizeof(*e));
			free(e);
			break;
		}
	}
	s->published = false;
	pthread_mutex_unlock(&pub_mu);
}

void srv_session_move_prepare(const struct srv_session *s, struct srv_session_move *m)
{
	m->id = s->id;
	m->published = s->published;
	m->valid = s->state == SESS_VALID || s->state == SESS_EXPIRED;
}

void srv_session_moved(const struct srv_session_move *m, struct srv_conn *c)
{
	if (m->published) {
		pthread_mutex_lock(&pub_mu);
		for (struct pub_entry *e = pub_tab[m->id % SESS_PUB_BUCKETS]; e; e = e->next)
			if (e->pub.id == m->id)
				e->pub.loop = c->loop;
		pthread_mutex_unlock(&pub_mu);
	}
	if (m->valid) {
		srv_durable_session_unregister(m->id);
		srv_durable_session_register_id(c, m->id);
	}
}

bool srv_session_find_global(uint64_t id, struct srv_session_pub *out)
{
	bool found = false;
	pthread_mutex_lock(&pub_mu);
	for (struct pub_entry *e = pub_tab[id % SESS_PUB_BUCKETS]; e; e = e->next) {
		if (e->pub.id == id) {
			*out = e->pub;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&pub_mu);
	return found;
}

void srv_open_sync_path(struct srv_open *o)
{
	if (!o->file || !o->h)
		return;
	/* Under the file's lock: other threads read the handle's path there
	 * (srv_file_open_below). */
	pthread_mutex_lock(&o->file->mu);
	char *p = o->pending_path;
	o->pending_path = NULL;
	if (p)
		o->vfs->ops->set_path(o->h, p);
	pthread_mutex_unlock(&o->file->mu);
	free(p);
}

/* Leaves the file's opens; the last one out removes a file whose delete is
 * pending (MS-FSA 2.1.5.4), under the file's lock so that no new open can
 * slip in between. */
static void open_leave_file(struct srv_open *o)
{
	struct srv_file *f = o->file;
	if (!f)
		return;
	srv_open_sync_path(o);
	srv_wtime_close(o); /* wtime.c: its hidden write time shows */
	pthread_mutex_lock(&f->mu);
	for (struct srv_open **p = &f->opens; *p; p = &(*p)->fnext) {
		if (*p == o) {
			*p = o->fnext;
			f->nopens--;
			break;
		}
	}
	srv_oplock_release(f, o);
	if (o->delete_on_close)
		f->delete_pending = true;
	if (f->nopens == 0 && f->delete_pending) {
		NTSTATUS st = o->vfs->ops->unlink(o->h);
		if (st)
			LOG_INFO("delete of '%s' failed: 0x%08x", o->vfs->ops->path(o->h), st);
		f->delete_pending = false;
	}
	free(o->pending_path);
	o->pending_path = NULL;
	pthread_mutex_unlock(&f->mu);
	srv_file_put(f);
	o->file = NULL;
}

static void open_free(struct srv_open *o)
{
	if (o->h) {
		open_leave_file(o);
		srv_stream_detach(o); /* streams.c: a stream open leaves its base */
		o->vfs->ops->close(o->h);
	}
	if (o->pipe)
		rpc_pipe_close(o->pipe);
	vfs_dirents_free(o->ents, o->nents);
	free(o->pattern);
	free(o);
}

void srv_open_close(struct srv_session *s, struct srv_open *o)
{
	srv_durable_forget(o);  /* durable.c: a closed open is not kept */
	idtab_del(&s->opens, o->id);
	o->tree = NULL;
	srv_lock_close_open(o); /* byte-range locks go with the handle */
	notify_open_close(o);   /* waiting CHANGE_NOTIFYs end (notify.c) */
	if (o->refs) {
		/* Async work still uses the handle: the last put closes it. */
		o->orphan = true;
		return;
	}
	open_free(o);
}

/* durable.c: closes a durable open no session holds any more. */
void srv_open_close_detached(struct srv_open *o)
{
	srv_lock_close_open(o);
	notify_open_close(o);   /* its watch goes too (notify.c) */
	if (o->refs) {
		o->orphan = true;
		return;
	}
	open_free(o);
}

void srv_open_put(struct srv_open *o)
{
	if (--o->refs == 0 && o->orphan)
		open_free(o);
}

void srv_tree_destroy(struct srv_session *s, struct srv_tree *t)
{
	for (uint32_t i = 0; i < s->opens.cap; i++) {
		struct srv_open *o = s->opens.obj[i];
		if (o && o->tree == t)
			srv_open_close(s, o);
	}
	for (uint32_t i = 0; i < s->ntrees; i++) {
		if (s->trees[i] == t) {
			s->trees[i] = s->trees[--s->ntrees];
			break;
		}
	}
	free(t);
}

void srv_session_destroy(struct srv_conn *c, struct srv_session *s)
{
	srv_durable_session_unregister(s->id); /* durable.c: PreviousSessionId */
	session_unpublish(s);
	while (s->ntrees)
		srv_tree_destroy(s, s->trees[0]);
	idtab_free(&s->opens);
	if (s->auth)
		auth_free(s->auth);
	/* Gone from every channel at once (a LOGOFF on any of them). */
	for (uint32_t i = 0; i < s->nchans; i++)
		if (s->chans[i].conn != c)
			conn_drop_session(s->chans[i].conn, s);
	conn_drop_session(c, s);
	OPENSSL_cleanse(s->chans, sizeof(s->chans));
	OPENSSL_cleanse(&s->keys, sizeof(s->keys));
	OPENSSL_cleanse(&s->ident, sizeof(s->ident));
	free(s);
}

void srv_conn_cleanup(struct srv_conn *c)
{
	srv_bind_free(c);
	/* A session another channel still holds outlives this connection. */
	for (uint32_t i = 0; i < c->nsessions;) {
		struct srv_session *s = c->sessions[i];
		if (s->nchans > 1 && s->state != SESS_LOGGED_OFF && srv_session_channel(s, c))
			session_lose_channel(s, c);
		else
			i++;
	}
	srv_oplock_conn_gone(c);
	srv_durable_conn_lost(c); /* durable.c: durable opens outlive c */
	while (c->nsessions)
		srv_session_destroy(c, c->sessions[0]);
	if (c->bind_sign) {
		OPENSSL_cleanse(c->bind_sign, sizeof(*c->bind_sign));
		free(c->bind_sign);
		c->bind_sign = NULL;
	}
}

uint32_t srv_map_generic(uint32_t a)
{
	/* MS-SMB2 3.3.5.9 / MS-DTYP 2.4.3: generic to file-specific rights. */
	if (a & GENERIC_READ)
		a |= FILE_READ_DATA | FILE_READ_EA | FILE_READ_ATTRIBUTES | READ_CONTROL | SYNCHRONIZE;
	if (a & GENERIC_WRITE)
		a |= FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES |
		     READ_CONTROL | SYNCHRONIZE;
	if (a & GENERIC_EXECUTE)
		a |= FILE_EXECUTE | FILE_READ_ATTRIBUTES | READ_CONTROL | SYNCHRONIZE;
	if (a & GENERIC_ALL)
		a |= FILE_ALL_ACCESS;
	return a & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
}
