/* Asynchronous requests: a small worker pool runs the blocking part of a
 * request; its final reply is built back on the connection's event-loop
 * thread (DESIGN "Threads"). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "server/loop.h"
#include "server/srv.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct srv_async *head, *tail;
	pthread_t *threads;
	unsigned n;
	bool stop;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, NULL, 0, false};

static void post_done(struct srv_async *a)
{
	struct srv_loop *l = a->loop;
	pthread_mutex_lock(&l->mu);
	a->job_next = l->done;
	l->done = a;
	pthread_mutex_unlock(&l->mu);
	uint64_t one = 1;
	if (write(l->wakefd, &one, sizeof(one)) < 0)
		LOG_ERR("cannot wake event loop");
}

static void *worker_main(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&pool.mu);
		while (!pool.head && !pool.stop)
			pthread_cond_wait(&pool.cv, &pool.mu);
		if (!pool.head) {
			pthread_mutex_unlock(&pool.mu);
			return NULL;
		}
		struct srv_async *a = pool.head;
		pool.head = a->job_next;
		if (!pool.head)
			pool.tail = NULL;
		pthread_mutex_unlock(&pool.mu);
		if (atomic_load(&a->cancelled))
			a->status = STATUS_CANCELLED;
		else
			a->work(a);
		post_done(a);
	}
}

int srv_workers_start(unsigned n)
{
	pool.threads = calloc(n, sizeof(*pool.threads));
	if (!pool.threads)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		if (pthread_create(&pool.threads[i], NULL, worker_main, NULL))
			return -1;
		pool.n++;
	}
	return 0;
}

void srv_workers_stop(void)
{
	pthread_mutex_lock(&pool.mu);
	pool.stop = true;
	pthread_cond_broadcast(&pool.cv);
	pthread_mutex_unlock(&pool.mu);
	for (unsigned i = 0; i < pool.n; i++)
		pthread_join(pool.threads[i], NULL);
	free(pool.threads);
	pool.threads = NULL;
	pool.n = 0;
}

struct srv_async *srv_go_async(struct srv_req *r, void (*work)(struct srv_async *a),
			       struct srv_open *o)
{
	if (!r->can_async || !pool.n)
		return NULL;
	struct srv_async *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	struct srv_conn *c = r->conn;
	a->conn = c;
	a->loop = c->loop;
	a->async_id = ++c->next_async_id;
	a->req = r->hdr;
	a->sign = r->sign_response;
	a->encrypt = r->enc_sess != NULL;
	a->work = work;
	a->open = o;
	buf_init(&a->body, 1 << 20);
	if (o)
		o->refs++;
	a->next = c->asyncs;
	c->asyncs = a;
	c->nasync++;
	r->async = a;
	return a;
}

void srv_async_submit(struct srv_async *a)
{
	if (!a->work)
		return; /* a waiter (lock.c): srv_async_complete ends it */
	pthread_mutex_lock(&pool.mu);
	a->job_next = NULL;
	if (pool.tail)
		pool.tail->job_next = a;
	else
		pool.head = a;
	pool.tail = a;
	pthread_cond_signal(&pool.cv);
	pthread_mutex_unlock(&pool.mu);
}

void srv_async_cancel(struct srv_conn *c, const struct smb2_hdr *h)
{
	bool by_async = h->flags & SMB2_FLAGS_ASYNC_COMMAND;
	for (struct srv_async *a = c->asyncs; a; a = a->next) {
		if (by_async ? a->async_id == h->async_id : a->req.message_id == h->message_id) {
			atomic_store(&a->cancelled, true);
			if (a->cancel)
				a->cancel(a); /* a waiter (lock.c) */
			return;
		}
	}
}

static void unlink_async(struct srv_conn *c, struct srv_async *a)
{
	for (struct srv_async **p = &c->asyncs; *p; p = &(*p)->next) {
		if (*p == a) {
			*p = a->next;
			break;
		}
	}
	c->nasync--;
}

void srv_async_finish(struct srv_async *a)
{
	struct srv_conn *c = a->conn;
	unlink_async(c, a);
	if (a->open)
		srv_open_put(a->open);
	if (a->release)
		a->release(a); /* the work's own holds (smb2_ioctl.c) */
	if (!c->dead && !c->closing) {
		srv_begin_frame(c);
		size_t off = c->out.len;
		buf_zero(&c->out, SMB2_HDR_SIZE);
		if (a->status == STATUS_SUCCESS && a->body.len)
			buf_bytes(&c->out, a->body.p, a->body.len);
		else
			smb2_encode_error_resp(&c->out, NULL, 0);
		struct smb2_hdr h = {0};
		h.credit_charge = a->req.credit_charge;
		h.status = a->status;
		h.command = a->req.command;
		h.credits = 0; /* granted with the interim reply */
		h.flags = SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_ASYNC_COMMAND;
		h.message_id = a->req.message_id;
		h.async_id = a->async_id;
		h.session_id = a->req.session_id;
		struct buf hb;
		buf_init(&hb, SMB2_HDR_SIZE);
		smb2_encode_hdr(&hb, &h);
		if (buf_ok(&hb) && buf_ok(&c->out))
			memcpy(c->out.p + off, hb.p, SMB2_HDR_SIZE);
		buf_free(&hb);
		struct srv_session *s = srv_session_lookup(c, a->req.session_id);
		if (a->encrypt) {
			if (!s || srv_encrypt_frame(c, s) < 0) {
				c->out.len = c->frame_start; /* no key left: no reply */
				goto done;
			}
		} else if (a->sign && s && s->has_key && buf_ok(&c->out)) {
			struct iovec iov = {c->out.p + off, c->out.len - off};
			put_le32(c->out.p + off + 16, get_le32(c->out.p + off + 16) | SMB2_FLAGS_SIGNED);
			enum crypto_sign_alg alg;
			const uint8_t *key = srv_session_signing_key(s, c, &alg);
			crypto_smb2_sign(alg, key, &iov, 1);
		}
		srv_end_frame(c);
	}
done:
	buf_free(&a->body);
	free(a);
}

/* ---- waiters (lock.c): async requests that no worker runs ----
 * Another request (an unlock, a close) completes a waiter, on any thread,
 * through srv_async_complete; the reply then goes out like a worker's. */

struct srv_async *srv_go_async_waiter(struct srv_req *r, size_t size,
				      void (*cancel)(struct srv_async *a))
{
	if (!r->can_async || size < sizeof(struct srv_async))
		return NULL;
	struct srv_async *a = calloc(1, size);
	if (!a)
		return NULL;
	struct srv_conn *c = r->conn;
	a->conn = c;
	a->loop = c->loop;
	a->async_id = ++c->next_async_id;
	a->req = r->hdr;
	a->sign = r->sign_response;
	a->encrypt = r->enc_sess != NULL;
	a->cancel = cancel;
	buf_init(&a->body, 1 << 16);
	a->next = c->asyncs;
	c->asyncs = a;
	c->nasync++;
	r->async = a;
	return a;
}

void srv_async_complete(struct srv_async *a)
{
	post_done(a);
}
