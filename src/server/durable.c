/* Durable handles v1 and v2 (MS-SMB2 3.3.5.9.6, 3.3.5.9.7, 3.3.5.9.10,
 * 3.3.5.9.12) and PreviousSessionId (3.3.5.5.3).
 *
 * Every durable open is registered in one process-wide table (durable_mu)
 * with its persistent id.  While its connection lives, the open belongs to
 * its connection's loop thread and only the record's constant fields are
 * read by others.  Once the connection goes, the open is detached (no
 * session, no tree, no loop) and belongs to the table: whoever removes it
 * from the table (a reconnect, the scavenger, a conflicting open) owns it. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "proto/fscc.h"
#include "server/durable.h"
#include "server/loop.h"
#include "server/notify.h"
#include "server/oplock.h"
#include "server/srv.h"
#include "server/wtime.h"

#define DH_V1_TIMEOUT_MS 16000u        /* Samba and Windows: 16 s */
#define DH_V2_DEFAULT_MS 60000u        /* a DH2Q Timeout of 0 */
#define DH_V2_MAX_MS 300000u           /* the cap on a requested timeout */
#define DH_RECONNECT_WAIT_MS 1000u     /* for the old connection's teardown */

struct srv_durable {
	struct srv_durable *next;      /* the table (durable_mu) */
	struct srv_open *o;
	uint64_t pid;                  /* persistent FileId, process-wide */
	bool v2;
	uint8_t create_guid[16];
	uint8_t client_guid[16];
	uint32_t timeout_ms;
	char user[64];                 /* the owner: same user may reconnect */
	char domain[64];
	bool uid_valid;
	uid_t uid;
	const struct share_cfg *share;
	bool has_app_id;               /* MS-SMB2 3.3.5.9.13 */
	uint8_t app_id[16];
	bool has_app_version;
	struct smb2_app_instance_version app_version;
	/* durable_mu */
	uint64_t vid;                  /* the open's volatile id while attached */
	bool detached;
	uint64_t deadline;             /* monotonic ms, while detached */
	struct srv_loop *loop;         /* while attached */
	uint64_t conn_id;
	uint64_t session_id;
};

static pthread_mutex_t durable_mu = PTHREAD_MUTEX_INITIALIZER;
static struct srv_durable *table;
static atomic_uint_fast64_t next_pid = 1;
static pthread_once_t scavenger_once = PTHREAD_ONCE_INIT;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const struct smb2_create_context *find_ctx(const struct smb2_create_req *rq,
						  const char *tag)
{
	for (uint16_t i = 0; i < rq->context_count; i++)
		if (rq->contexts[i].name_len == 4 && !memcmp(rq->contexts[i].name, tag, 4))
			return &rq->contexts[i];
	return NULL;
}

/* Under durable_mu. */
static void table_del(struct srv_durable *d)
{
	for (struct srv_durable **p = &table; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			return;
		}
}

/* ---- the scavenger: detached opens whose timeout ran out close ---- */

static void *scavenger_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = {0, 250 * 1000000L};
		nanosleep(&ts, NULL);
		uint64_t now = now_ms();
		struct srv_durable *gone = NULL;
		pthread_mutex_lock(&durable_mu);
		for (struct srv_durable **p = &table; *p;) {
			struct srv_durable *d = *p;
			if (d->detached && d->deadline <= now) {
				*p = d->next;
				d->next = gone;
				gone = d;
			} else {
				p = &d->next;
			}
		}
		pthread_mutex_unlock(&durable_mu);
		while (gone) {
			struct srv_durable *d = gone;
			gone = d->next;
			struct srv_open *o = d->o;
			LOG_INFO("durable handle %llx timed out", (unsigned long long)d->pid);
			o->durable = NULL;
			free(d);
			srv_open_close_detached(o);
		}
	}
	return NULL;
}

static void scavenger_start(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, scavenger_main, NULL) == 0)
		pthread_detach(t);
	else
		LOG_ERR("cannot start the durable handle scavenger");
}

/* ---- CREATE ---- */

NTSTATUS srv_durable_parse(const struct srv_req *r, const struct smb2_create_req *rq,
			   struct srv_durable_req *dq)
{
	memset(dq, 0, sizeof(*dq));
	/* v1 exists from SMB 2.0.2 on; v2 from 3.0. */
	const struct smb2_create_context *dhnq = find_ctx(rq, "DHnQ");
	const struct smb2_create_context *dhnc = find_ctx(rq, "DHnC");
	const struct smb2_create_context *dh2q = NULL, *dh2c = NULL;
	if (r->conn->dialect >= SMB2_DIALECT_300) {
		dh2q = find_ctx(rq, "DH2Q");
		dh2c = find_ctx(rq, "DH2C");
	}
	/* MS-SMB2 3.3.5.9: v1 and v2 contexts do not mix, nor do a request
	 * and a reconnect of v2. */
	if ((dh2q || dh2c) && (dhnq || dhnc))
		return STATUS_INVALID_PARAMETER;
	if (dh2q && dh2c)
		return STATUS_INVALID_PARAMETER;
	if (dhnc) {
		if (dhnc->data_len < 16)
			return STATUS_INVALID_PARAMETER;
		dq->reconnect = true;
		dq->persistent = get_le64(dhnc->data);
		return STATUS_SUCCESS; /* 3.3.5.9.7: a DHnQ beside it is ignored */
	}
	if (dh2c) {
		if (dh2c->data_len != 36)
			return STATUS_INVALID_PARAMETER;
		dq->reconnect = dq->reconnect_v2 = true;
		dq->persistent = get_le64(dh2c->data);
		memcpy(dq->create_guid, dh2c->data + 16, 16);
		dq->flags = get_le32(dh2c->data + 32);
		return STATUS_SUCCESS; /* 3.3.5.9.13: app instance ignored */
	}
	/* MS-SMB2 2.2.13.2.13 / 2.2.13.2.15: the application instance. */
	if (r->conn->dialect >= SMB2_DIALECT_300) {
		const struct smb2_create_context *ai =
			smb2_find_create_context(rq->contexts, rq->context_count,
						 smb2_ctx_app_instance_id, 16);
		if (ai) {
			if (smb2_decode_app_instance_id(ai->data, ai->data_len, dq->app_id) < 0)
				return STATUS_INVALID_PARAMETER;
			dq->has_app_id = true;
		}
	}
	if (r->conn->dialect >= SMB2_DIALECT_311) {
		const struct smb2_create_context *av =
			smb2_find_create_context(rq->contexts, rq->context_count,
						 smb2_ctx_app_instance_version, 16);
		if (av) {
			if (smb2_decode_app_instance_version(av->data, av->data_len,
							     &dq->app_version) < 0)
				return STATUS_INVALID_PARAMETER;
			dq->has_app_version = true;
		}
	}
	if (dh2q) {
		if (dh2q->data_len != 32)
			return STATUS_INVALID_PARAMETER;
		dq->v2 = true;
		dq->timeout_ms = get_le32(dh2q->data);
		dq->flags = get_le32(dh2q->data + 4);
		memcpy(dq->create_guid, dh2q->data + 16, 16);
		return STATUS_SUCCESS;
	}
	if (dhnq) {
		if (dhnq->data_len < 16)
			return STATUS_INVALID_PARAMETER;
		dq->v1 = true;
	}
	return STATUS_SUCCESS;
}

static bool same_user(const struct srv_durable *d, const struct srv_session *s)
{
	if (d->uid_valid && s->unix_ident.valid)
		return d->uid == s->unix_ident.uid;
	return !strcasecmp(d->user, s->ident.user) && !strcasecmp(d->domain, s->ident.domain);
}

/* Whether rq names the file o has open. */
static bool same_name(struct srv_open *o, const struct smb2_create_req *rq)
{
	struct srv_name nm;
	if (srv_name_from_wire(rq->name, rq->name_len, &nm))
		return false;
	srv_open_sync_path(o);
	const char *mine = o->vfs->ops->path(o->h);
	const char *stream = srv_stream_name(o);
	bool same = mine && !strcasecmp(mine, nm.path) &&
		    (!stream == !nm.stream) && (!stream || !strcasecmp(stream, nm.stream));
	srv_name_free(&nm);
	return same;
}

/* The CREATE response of an open that exists already, with the times its
 * QUERY_INFO shows (wtime.c: a write time may be held back). */
static NTSTATUS answer_open(struct srv_req *r, struct srv_open *o, bool v2, uint32_t timeout_ms)
{
	struct vfs_stat vst;
	NTSTATUS st = srv_fstat(o, &vst);
	if (st)
		return st;
	struct smb2_create_resp rs;
	memset(&rs, 0, sizeof(rs));
	rs.oplock_level = srv_oplock_resp_level(o);
	rs.create_action = FILE_OPENED;
	rs.creation_time = vst.creation_time;
	rs.last_access_time = vst.access_time;
	rs.last_write_time = vst.write_time;
	rs.change_time = vst.change_time;
	rs.allocation_size = vst.alloc;
	rs.end_of_file = vst.is_dir ? 0 : vst.size;
	rs.file_attributes = vst.attributes;
	rs.file_id.persistent = srv_durable_pid(o);
	rs.file_id.volatile_ = o->id;
	*r->compound_fid = rs.file_id;
	*r->compound_fid_state = CFID_SET;
	uint8_t dh[8] = {0}, rqls[SMB2_LEASE_V2_SIZE];
	if (v2) {
		put_le32(dh, timeout_ms);
		rs.contexts[rs.context_count++] =
			(struct smb2_create_context){(const uint8_t *)"DH2Q", 4, dh, 8};
	}
	if (srv_oplock_resp_ctx(o, rqls, &rs.contexts[rs.context_count]))
		rs.context_count++;
	smb2_encode_create_resp(r->out, r->rsp_off, &rs);
	return STATUS_SUCCESS;
}

/* Under durable_mu. */
static struct srv_durable *find_pid(uint64_t pid)
{
	for (struct srv_durable *d = table; d; d = d->next)
		if (d->pid == pid)
			return d;
	return NULL;
}

/* MS-SMB2 3.3.5.9.10: a replayed DH2Q create on the connection that made
 * the open returns that open. */
static NTSTATUS replay(struct srv_req *r, const struct srv_durable_req *dq, bool *handled)
{
	struct srv_open *o = NULL;
	uint32_t timeout = 0;
	pthread_mutex_lock(&durable_mu);
	for (struct srv_durable *d = table; d; d = d->next)
		if (d->v2 && !d->detached && !memcmp(d->create_guid, dq->create_guid, 16) &&
		    !memcmp(d->client_guid, r->conn->client_guid, 16) &&
		    d->conn_id == r->conn->id && d->session_id == r->sess->id) {
			o = d->o;
			timeout = d->timeout_ms;
			break;
		}
	pthread_mutex_unlock(&durable_mu);
	if (!o || o->tree != r->tree)
		return STATUS_SUCCESS;
	*handled = true;
	return answer_open(r, o, true, timeout);
}

NTSTATUS srv_durable_reconnect(struct srv_req *r, const struct smb2_create_req *rq,
			       const struct srv_durable_req *dq, bool *handled)
{
	*handled = false;
	if (dq->v2 && (r->hdr.flags & SMB2_FLAGS_REPLAY_OPERATION))
		return replay(r, dq, handled);
	if (!dq->reconnect)
		return STATUS_SUCCESS;
	*handled = true;
	const struct smb2_create_context *rqls = find_ctx(rq, "RqLs");
	struct smb2_lease lease;
	/* The RqLs context counts whatever the oplock level says. */
	bool want_lease = rqls && smb2_decode_lease_ctx(rqls->data, rqls->data_len, &lease) == 0;

	/* The old connection may still be going down on its own thread. */
	struct srv_durable *d = NULL;
	uint64_t until = now_ms() + DH_RECONNECT_WAIT_MS;
	for (;;) {
		pthread_mutex_lock(&durable_mu);
		d = find_pid(dq->persistent);
		if (!d || d->detached || d->loop == r->conn->loop || now_ms() >= until)
			break;
		pthread_mutex_unlock(&durable_mu);
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	/* 3.3.5.9.7 / 3.3.5.9.12: each mismatch is "not found". */
	NTSTATUS st = STATUS_SUCCESS;
	if (!d || !d->detached)
		st = STATUS_OBJECT_NAME_NOT_FOUND;
	else if (dq->reconnect_v2 && memcmp(d->create_guid, dq->create_guid, 16))
		st = STATUS_OBJECT_NAME_NOT_FOUND;
	else if (d->share != r->tree->share)
		st = STATUS_OBJECT_NAME_NOT_FOUND;
	else if (!same_user(d, r->sess))
		st = STATUS_ACCESS_DENIED;
	if (!st) {
		struct srv_open *o = d->o;
		bool has_lease = srv_oplock_resp_level(o) == SMB2_OPLOCK_LEVEL_LEASE;
		if (has_lease != want_lease)
			st = STATUS_OBJECT_NAME_NOT_FOUND;
		else if (has_lease) {
			pthread_mutex_lock(&o->file->mu);
			if (!srv_oplock_lease_is(o, r->conn->client_guid, lease.key))
				st = STATUS_OBJECT_NAME_NOT_FOUND;
			pthread_mutex_unlock(&o->file->mu);
			/* With a lease the name must be the open's (Samba, Windows;
			 * an oplock reconnect ignores it). */
			if (!st && !same_name(o, rq))
				st = STATUS_INVALID_PARAMETER;
		}
	}
	if (st) {
		pthread_mutex_unlock(&durable_mu);
		return st;
	}
	struct srv_open *o = d->o;
	uint64_t id = idtab_add(&r->sess->opens, o);
	if (!id) {
		pthread_mutex_unlock(&durable_mu);
		return STATUS_TOO_MANY_OPENED_FILES;
	}
	d->detached = false;
	d->loop = r->conn->loop;
	d->conn_id = r->conn->id;
	d->session_id = r->sess->id;
	d->vid = id;
	pthread_mutex_unlock(&durable_mu);

	o->id = id;
	o->tree = r->tree;
	pthread_mutex_lock(&o->file->mu);
	o->loop = r->conn->loop;
	o->conn_id = r->conn->id;
	o->session_id = r->sess->id;
	o->break_encrypt = r->enc_sess || r->sess->encrypt || r->tree->encrypt;
	pthread_mutex_unlock(&o->file->mu);
	LOG_INFO("%s: durable handle %llx reconnected", r->conn->peer, (unsigned long long)d->pid);
	st = answer_open(r, o, false, 0);
	if (st)
		srv_open_close(r->sess, o);
	return st;
}

void srv_durable_grant(struct srv_req *r, struct srv_open *o, const struct srv_durable_req *dq,
		       struct smb2_create_resp *rs, uint8_t *ctxbuf)
{
	if ((!dq->v1 && !dq->v2) || !o->file || !o->h)
		return;
	struct srv_durable *d = calloc(1, sizeof(*d));
	if (!d)
		return;
	/* 3.3.5.9.6 / 3.3.5.9.10: only an open whose handle the client may
	 * cache (batch oplock, or a lease with H) is durable. */
	pthread_mutex_lock(&o->file->mu);
	uint32_t state = srv_oplock_state(o);
	bool ok = (state & SMB2_LEASE_HANDLE) &&
		  (o->lease || o->oplock == SMB2_OPLOCK_LEVEL_BATCH);
	if (ok) {
		d->o = o;
		d->pid = atomic_fetch_add(&next_pid, 1);
		o->durable = d;
	}
	pthread_mutex_unlock(&o->file->mu);
	if (!ok) {
		free(d);
		return;
	}
	d->v2 = dq->v2;
	memcpy(d->create_guid, dq->create_guid, 16);
	memcpy(d->client_guid, r->conn->client_guid, 16);
	if (dq->v2)
		d->timeout_ms = dq->timeout_ms == 0 ? DH_V2_DEFAULT_MS
				: dq->timeout_ms > DH_V2_MAX_MS ? DH_V2_MAX_MS : dq->timeout_ms;
	else
		d->timeout_ms = DH_V1_TIMEOUT_MS;
	snprintf(d->user, sizeof(d->user), "%s", r->sess->ident.user);
	snprintf(d->domain, sizeof(d->domain), "%s", r->sess->ident.domain);
	d->uid_valid = r->sess->unix_ident.valid;
	d->uid = r->sess->unix_ident.uid;
	d->share = r->tree->share;
	d->has_app_id = dq->has_app_id;
	memcpy(d->app_id, dq->app_id, 16);
	d->has_app_version = dq->has_app_version;
	d->app_version = dq->app_version;
	d->loop = r->conn->loop;
	d->conn_id = r->conn->id;
	d->session_id = r->sess->id;
	d->vid = o->id;
	pthread_mutex_lock(&durable_mu);
	d->next = table;
	table = d;
	pthread_mutex_unlock(&durable_mu);
	pthread_once(&scavenger_once, scavenger_start);

	rs->file_id.persistent = d->pid;
	*r->compound_fid = rs->file_id;
	if (rs->context_count >= SMB2_MAX_CREATE_CONTEXTS)
		return;
	memset(ctxbuf, 0, 8);
	if (dq->v2) {
		/* Flags: no persistent handles (no continuously available shares). */
		put_le32(ctxbuf, d->timeout_ms);
		rs->contexts[rs->context_count++] =
			(struct smb2_create_context){(const uint8_t *)"DH2Q", 4, ctxbuf, 8};
	} else {
		rs->contexts[rs->context_count++] =
			(struct smb2_create_context){(const uint8_t *)"DHnQ", 4, ctxbuf, 8};
	}
}

unsigned srv_durable_purge(struct srv_file *f, uint32_t access, uint32_t share,
			   uint32_t disposition)
{
	bool overwrite = disposition == FILE_SUPERSEDE || disposition == FILE_OVERWRITE ||
			 disposition == FILE_OVERWRITE_IF;
	if (!overwrite && !(access & ~(SYNCHRONIZE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES)))
		return 0; /* a stat open breaks nothing */
	unsigned n = 0;
	struct srv_durable *gone = NULL;
	pthread_mutex_lock(&durable_mu);
	for (struct srv_durable **p = &table; *p;) {
		struct srv_durable *d = *p;
		bool drop = false;
		if (d->detached && d->o->file == f) {
			pthread_mutex_lock(&f->mu);
			uint32_t et = srv_oplock_state(d->o);
			bool violation = srv_file_share_check(f, access, share) != STATUS_SUCCESS;
			pthread_mutex_unlock(&f->mu);
			/* What srv_oplock_check would break; a disconnected holder
			 * cannot acknowledge, so its open goes (MS-SMB2 3.3.4.6). */
			drop = (et & SMB2_LEASE_WRITE) || overwrite ||
			       ((et & SMB2_LEASE_HANDLE) && violation);
		}
		if (drop) {
			*p = d->next;
			d->next = gone;
			gone = d;
		} else {
			p = &d->next;
		}
	}
	pthread_mutex_unlock(&durable_mu);
	while (gone) {
		struct srv_durable *d = gone;
		gone = d->next;
		struct srv_open *o = d->o;
		o->durable = NULL;
		free(d);
		srv_open_close_detached(o);
		n++;
	}
	return n;
}

/* ---- application instances (MS-SMB2 3.3.5.9.13) ---- */

/* Closes the attached open (pid) of conn_id/session_id on loop: run on
 * that loop's thread, where the open lives. */
static void close_attached(struct srv_loop *loop, uint64_t conn_id, uint64_t session_id,
			   uint64_t vid, uint64_t pid)
{
	struct srv_conn *c = srv_loop_find_conn(loop, conn_id);
	struct srv_session *s = c ? srv_session_lookup(c, session_id) : NULL;
	struct srv_open *o = s ? idtab_get(&s->opens, vid) : NULL;
	/* Still the same open: it may have been closed, and its id reused,
	 * between the look-up and now. */
	if (o && o->durable && o->durable->pid == pid) {
		LOG_INFO("durable handle %llx closed for a new open of its application instance",
			 (unsigned long long)pid);
		srv_open_close(s, o);
	}
}

struct app_close_task {
	struct srv_task task;
	struct srv_loop *loop;
	uint64_t conn_id, session_id, vid, pid;
};

static void app_close_run(struct srv_task *t)
{
	struct app_close_task *a = (struct app_close_task *)t;
	close_attached(a->loop, a->conn_id, a->session_id, a->vid, a->pid);
	free(a);
}

static bool older_version_wins(const struct srv_durable *d, const struct srv_durable_req *dq)
{
	if (!dq->has_app_version || !d->has_app_version ||
	    (!d->app_version.high && !d->app_version.low))
		return false;
	return d->app_version.high > dq->app_version.high ||
	       (d->app_version.high == dq->app_version.high &&
		d->app_version.low >= dq->app_version.low);
}

NTSTATUS srv_durable_app_instance(struct srv_req *r, struct srv_file *f,
				  const struct srv_durable_req *dq, unsigned *closed)
{
	*closed = 0;
	if (!dq->has_app_id)
		return STATUS_SUCCESS;
	/* At most a few rounds: each closes at least one open or ends. */
	for (int round = 0; round < 16; round++) {
		struct srv_durable *gone = NULL;
		struct app_close_task *remote = NULL;
		bool local = false;
		struct app_close_task here;
		NTSTATUS st = STATUS_SUCCESS;
		pthread_mutex_lock(&durable_mu);
		for (struct srv_durable **p = &table; *p; p = &(*p)->next) {
			struct srv_durable *d = *p;
			if (!d->has_app_id || memcmp(d->app_id, dq->app_id, 16) ||
			    d->o->file != f || d->share != r->tree->share ||
			    !memcmp(d->client_guid, r->conn->client_guid, 16))
				continue;
			if (r->conn->dialect >= SMB2_DIALECT_311 && older_version_wins(d, dq)) {
				st = STATUS_FILE_FORCED_CLOSED;
				break;
			}
			if (d->detached) {
				/* The table owns it: closed here. */
				*p = d->next;
				gone = d;
			} else if (d->loop == r->conn->loop) {
				here = (struct app_close_task){.loop = d->loop, .conn_id = d->conn_id,
							       .session_id = d->session_id,
							       .vid = d->vid, .pid = d->pid};
				local = true;
			} else if ((remote = calloc(1, sizeof(*remote)))) {
				*remote = (struct app_close_task){.loop = d->loop, .conn_id = d->conn_id,
								  .session_id = d->session_id,
								  .vid = d->vid, .pid = d->pid};
			} else {
				st = STATUS_INSUFFICIENT_RESOURCES;
			}
			break;
		}
		pthread_mutex_unlock(&durable_mu);
		if (st)
			return st;
		if (gone) {
			struct srv_open *o = gone->o;
			o->durable = NULL;
			free(gone);
			srv_open_close_detached(o);
		} else if (local) {
			close_attached(here.loop, here.conn_id, here.session_id, here.vid, here.pid);
			pthread_mutex_lock(&durable_mu);
			bool still = find_pid(here.pid) != NULL;
			pthread_mutex_unlock(&durable_mu);
			if (still)
				return STATUS_SUCCESS; /* not closable now: share modes decide */
		} else if (remote) {
			/* The open's own loop closes it; this create waits (as a
			 * reconnect waits for a teardown) until it is gone. */
			uint64_t pid = remote->pid;
			remote->task.fn = app_close_run;
			srv_loop_post(remote->loop, &remote->task);
			uint64_t until = now_ms() + DH_RECONNECT_WAIT_MS;
			for (;;) {
				pthread_mutex_lock(&durable_mu);
				bool still = find_pid(pid) != NULL;
				pthread_mutex_unlock(&durable_mu);
				if (!still)
					break;
				if (now_ms() >= until)
					return STATUS_SHARING_VIOLATION;
				struct timespec ts = {0, 5 * 1000000L};
				nanosleep(&ts, NULL);
			}
		} else {
			return STATUS_SUCCESS; /* none left */
		}
		(*closed)++;
	}
	return STATUS_SUCCESS;
}

/* On the session's loop thread: detaches every durable open of s. */
void srv_durable_session_lost(struct srv_session *s)
{
	for (uint32_t i = 0; i < s->opens.cap; i++) {
		struct srv_open *o = s->opens.obj[i];
		if (!o || !o->durable || o->refs || o->orphan || !o->file)
			continue;
		/* A holder that cannot acknowledge a break in flight loses the
		 * open: the opener waiting for the break goes on at once. */
		pthread_mutex_lock(&o->file->mu);
		bool breaking = srv_oplock_breaking(o);
		if (!breaking) {
			o->loop = NULL; /* breaks for it go nowhere */
			o->conn_id = 0;
			o->session_id = 0;
		}
		pthread_mutex_unlock(&o->file->mu);
		if (breaking)
			continue; /* closed with its session */
		idtab_del(&s->opens, o->id);
		notify_open_close(o);
		o->tree = NULL;
		struct srv_durable *d = o->durable;
		pthread_mutex_lock(&durable_mu);
		d->detached = true;
		d->loop = NULL;
		d->conn_id = 0;
		d->session_id = 0;
		d->deadline = now_ms() + d->timeout_ms;
		pthread_mutex_unlock(&durable_mu);
		LOG_INFO("durable handle %llx kept for %u ms", (unsigned long long)d->pid,
			 d->timeout_ms);
	}
}

void srv_durable_conn_lost(struct srv_conn *c)
{
	for (uint32_t i = 0; i < c->nsessions; i++)
		srv_durable_session_lost(c->sessions[i]);
}

void srv_durable_forget(struct srv_open *o)
{
	struct srv_durable *d = o->durable;
	if (!d)
		return;
	pthread_mutex_lock(&durable_mu);
	table_del(d);
	pthread_mutex_unlock(&durable_mu);
	o->durable = NULL;
	free(d);
}

uint64_t srv_durable_pid(const struct srv_open *o)
{
	return o->durable ? o->durable->pid : o->id;
}

/* ---- PreviousSessionId ---- */

/* Every established session, by id: where PreviousSessionId finds it. */
#define SESS_BUCKETS 256
static struct sess_ref {
	struct sess_ref *next;
	uint64_t id;
	struct srv_loop *loop;
	uint64_t conn_id;
} *sess_tab[SESS_BUCKETS];
static pthread_mutex_t sess_mu = PTHREAD_MUTEX_INITIALIZER;

void srv_durable_session_register(struct srv_conn *c, struct srv_session *s)
{
	srv_durable_session_register_id(c, s->id);
}

void srv_durable_session_register_id(struct srv_conn *c, uint64_t id)
{
	struct sess_ref *e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->id = id;
	e->loop = c->loop;
	e->conn_id = c->id;
	pthread_mutex_lock(&sess_mu);
	struct sess_ref **b = &sess_tab[id % SESS_BUCKETS];
	e->next = *b;
	*b = e;
	pthread_mutex_unlock(&sess_mu);
}

void srv_durable_session_unregister(uint64_t id)
{
	pthread_mutex_lock(&sess_mu);
	for (struct sess_ref **p = &sess_tab[id % SESS_BUCKETS]; *p; p = &(*p)->next)
		if ((*p)->id == id) {
			struct sess_ref *e = *p;
			*p = e->next;
			free(e);
			break;
		}
	pthread_mutex_unlock(&sess_mu);
}

struct prev_task {
	struct srv_task task;
	struct srv_loop *loop;
	uint64_t conn_id;
	uint64_t session_id;
	char user[64];
	char domain[64];
};

static void prev_run(struct srv_task *t)
{
	struct prev_task *p = (struct prev_task *)t;
	struct srv_conn *c = srv_loop_find_conn(p->loop, p->conn_id);
	struct srv_session *s = c && !c->dead ? srv_session_lookup(c, p->session_id) : NULL;
	if (s && s->state == SESS_VALID && !strcasecmp(s->ident.user, p->user) &&
	    !strcasecmp(s->ident.domain, p->domain)) {
		srv_durable_session_lost(s);
		srv_session_destroy(c, s);
	}
	free(p);
}

void srv_durable_prev_session(struct srv_session *s, uint64_t prev_id)
{
	if (!prev_id || prev_id == s->id || s->ident.anonymous || s->ident.guest)
		return;
	struct srv_loop *loop = NULL;
	uint64_t conn_id = 0;
	pthread_mutex_lock(&sess_mu);
	for (struct sess_ref *e = sess_tab[prev_id % SESS_BUCKETS]; e; e = e->next)
		if (e->id == prev_id) {
			loop = e->loop;
			conn_id = e->conn_id;
			break;
		}
	pthread_mutex_unlock(&sess_mu);
	if (!loop)
		return;
	struct prev_task *p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->task.fn = prev_run;
	p->loop = loop;
	p->conn_id = conn_id;
	p->session_id = prev_id;
	snprintf(p->user, sizeof(p->user), "%s", s->ident.user);
	snprintf(p->domain, sizeof(p->domain), "%s", s->ident.domain);
	srv_loop_post(loop, &p->task);
}
