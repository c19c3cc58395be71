/* Connection I/O on an event-loop thread: reading direct-TCP frames with
 * the size cap checked before any allocation, writing responses, and the
 * loop itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "server/loop.h"
#include "server/oplock.h"
#include "server/srv.h"
#include "transport/tp.h"

void srv_tasks_run(struct srv_task *t)
{
	struct srv_task *rev = NULL;
	while (t) {
		struct srv_task *next = t->next;
		t->next = rev;
		rev = t;
		t = next;
	}
	while (rev) {
		struct srv_task *next = rev->next;
		rev->fn(rev);
		rev = next;
	}
}

#define RBUF_MIN (64 * 1024)  /* read many small requests per recv */
#define OUT_BATCH (256 * 1024) /* replies sent together at most */
#define RBUF_KEEP (128 * 1024)
#define OBUF_KEEP (256 * 1024)

static void conn_release(struct srv_conn *c)
{
	free(c->rbuf);
	free(c->seq_used);
	buf_free(&c->out);
	buf_free(&c->plain);
	atomic_fetch_sub(&c->srv->nconns, 1);
	addr_limits_release(c->srv->addrs, c->peer_addr);
	free(c);
}

/* Closes the socket and drops every session; the memory goes once no
 * async work refers to the connection any more. */
static void conn_free(struct srv_conn *c)
{
	struct srv_loop *l = c->loop;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv_splices_release(c);
	srv_conn_cleanup(c);
	LOG_INFO("%s: disconnected", c->peer);
	if (c->nasync) {
		c->dead = true;
		l->ndead++;
		return;
	}
	conn_release(c);
}

void srv_loop_post(struct srv_loop *l, struct srv_task *t)
{
	pthread_mutex_lock(&l->mu);
	t->next = l->tasks;
	l->tasks = t;
	pthread_mutex_unlock(&l->mu);
	uint64_t one = 1;
	if (write(l->wakefd, &one, sizeof(one)) < 0)
		LOG_ERR("cannot wake event loop");
}

struct srv_conn *srv_loop_find_conn(struct srv_loop *l, uint64_t id)
{
	for (struct srv_conn *c = l->conns; c; c = c->next)
		if (c->id == id && !c->closing)
			return c;
	return NULL;
}

/* Final replies of async work and posted tasks, on the loop thread. */
static void drain_done(struct srv_loop *l)
{
	pthread_mutex_lock(&l->mu);
	struct srv_async *a = l->done;
	l->done = NULL;
	struct srv_task *t = l->tasks;
	l->tasks = NULL;
	pthread_mutex_unlock(&l->mu);
	srv_tasks_run(t);
	while (a) {
		struct srv_async *next = a->job_next;
		struct srv_conn *c = a->conn;
		srv_async_finish(a);
		if (c->dead) {
			if (!c->nasync) {
				l->ndead--;
				conn_release(c);
			}
		} else if (c->closing) {
			/* Freed by the event this raises, never inside a batch of
			 * events that may still name the connection. */
			shutdown(c->fd, SHUT_RDWR);
		}
		a = next;
	}
}

static void set_events(struct srv_conn *c)
{
	struct epoll_event ev = {.events = c->want_write ? EPOLLOUT : EPOLLIN, .data.ptr = c};
	epoll_ctl(c->loop->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

bool srv_conn_splice(struct srv_conn *c, const void *p, size_t len, struct srv_open *o, void *hold)
{
	if (c->nsplices == SRV_MAX_SPLICES)
		return false;
	struct srv_splice *sp = &c->splices[c->nsplices++];
	sp->at = c->out.len;
	sp->p = p;
	sp->len = len;
	sp->o = o;
	sp->hold = hold;
	o->refs++;
	LOG_DEBUG("%s: %zu bytes go out straight from the mapping", c->peer, len);
	return true;
}

size_t srv_splice_bytes(const struct srv_conn *c, size_t from)
{
	size_t n = 0;
	for (unsigned i = 0; i < c->nsplices; i++)
		if (c->splices[i].at >= from)
			n += c->splices[i].len;
	return n;
}

void srv_splices_release(struct srv_conn *c)
{
	for (unsigned i = 0; i < c->nsplices; i++) {
		struct srv_splice *sp = &c->splices[i];
		sp->o->vfs->ops->read_release(sp->o->h, sp->hold);
		srv_open_put(sp->o);
	}
	c->nsplices = 0;
}

/* The unsent part of the output (buffer with splices in place) as iovecs. */
static int pending_iov(const struct srv_conn *c, struct iovec *iov, int max)
{
	int n = 0;
	size_t skip = c->out_sent, outpos = 0;
	for (unsigned i = 0; i <= c->nsplices && n < max; i++) {
		size_t end = i < c->nsplices ? c->splices[i].at : c->out.len;
		const uint8_t *seg[2] = {c->out.p + outpos, i < c->nsplices ? c->splices[i].p : NULL};
		size_t len[2] = {end - outpos, i < c->nsplices ? c->splices[i].len : 0};
		for (int k = 0; k < 2 && n < max; k++) {
			if (skip >= len[k]) {
				skip -= len[k];
				continue;
			}
			iov[n].iov_base = (void *)(seg[k] + skip);
			iov[n].iov_len = len[k] - skip;
			skip = 0;
			n++;
		}
		outpos = end;
	}
	return n;
}

void srv_conn_send(struct srv_conn *c)
{
	if (c->defer_send)
		return; /* process_buffered sends once the batch is done */
	size_t total = c->out.len + srv_splice_bytes(c, 0);
	while (c->out_sent < total) {
		struct iovec iov[2 * SRV_MAX_SPLICES + 1];
		int niov = pending_iov(c, iov, 2 * SRV_MAX_SPLICES + 1);
		ssize_t n = tp_stream_ops.sendv(c->fd, iov, niov);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (!c->want_write) {
					c->want_write = true;
					set_events(c);
				}
				return;
			}
			c->closing = true;
			return;
		}
		c->out_sent += (size_t)n;
	}
	srv_splices_release(c);
	buf_reset(&c->out);
	c->out_sent = 0;
	c->frame_start = 0;
	if (c->out.cap > OBUF_KEEP)
		buf_free(&c->out);
	if (c->want_write) {
		c->want_write = false;
		set_events(c);
	}
}

/* Processes every complete frame already buffered; stops while output is
 * pending so that a client that does not read cannot make us queue. */
/* Bytes queued and not sent yet (buffer plus spliced data). */
static size_t out_pending(const struct srv_conn *c)
{
	return c->out.len + srv_splice_bytes(c, 0) - c->out_sent;
}

static void process_buffered(struct srv_conn *c)
{
	size_t off = 0;
	/* The replies to every request read in one go leave in one send. */
	c->defer_send = true;
	while (!c->closing && !c->want_write && !c->move_to && c->rlen - off >= 4) {
		if (out_pending(c) >= OUT_BATCH) {
			c->defer_send = false;
			srv_conn_send(c);
			c->defer_send = true;
			if (c->want_write || c->closing)
				break;
		}
		long flen = tp_frame_len(c->rbuf + off);
		uint32_t limit = c->any_valid_session ? c->srv->cfg->max_frame
						      : c->srv->cfg->max_frame_unauth;
		if (flen < 0 || (uint64_t)flen > limit) {
			LOG_INFO("%s: frame of %ld bytes refused (limit %u)", c->peer, flen, limit);
			c->closing = true;
			break;
		}
		if (c->rlen - off < 4 + (size_t)flen)
			break;
		/* A binding to a session of another loop: the frame waits, and
		 * is processed there once the connection has moved. */
		if (srv_bind_needs_move(c, c->rbuf + off + 4, (size_t)flen))
			break;
		srv_process_frame(c, c->rbuf + off + 4, (size_t)flen);
		srv_oplock_flush_notes(); /* breaks held back by the frame */
		off += 4 + (size_t)flen;
	}
	c->defer_send = false;
	if (!c->closing && out_pending(c))
		srv_conn_send(c);
	if (off) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	if (c->rlen == 0 && c->rcap > RBUF_KEEP) {
		free(c->rbuf);
		c->rbuf = NULL;
		c->rcap = 0;
	}
}

/* Makes room for the frame being read: its announced size is checked
 * against the limit before anything is allocated. */
static bool ensure_room(struct srv_conn *c)
{
	size_t need = RBUF_MIN;
	if (c->rlen >= 4) {
		long flen = tp_frame_len(c->rbuf);
		uint32_t limit = c->any_valid_session ? c->srv->cfg->max_frame
						      : c->srv->cfg->max_frame_unauth;
		if (flen < 0 || (uint64_t)flen > limit) {
			LOG_INFO("%s: frame of %ld bytes refused (limit %u)", c->peer, flen, limit);
			return false;
		}
		if (4 + (size_t)flen > need)
			need = 4 + (size_t)flen;
	}
	if (c->rcap >= need && c->rcap > c->rlen)
		return true;
	if (need <= c->rlen)
		need = c->rlen + RBUF_MIN;
	uint8_t *p = realloc(c->rbuf, need);
	if (!p)
		return false;
	c->rbuf = p;
	c->rcap = need;
	return true;
}

static void on_readable(struct srv_conn *c)
{
	while (!c->closing && !c->want_write && !c->move_to) {
		if (!ensure_room(c)) {
			c->closing = true;
			break;
		}
		ssize_t n = tp_stream_ops.recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
		if (n == 0) {
			c->closing = true;
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->closing = true;
			/* An idle connection holds no read buffer. */
			if (c->rlen == 0) {
				free(c->rbuf);
				c->rbuf = NULL;
				c->rcap = 0;
			}
			break;
		}
		size_t room = c->rcap - c->rlen;
		c->rlen += (size_t)n;
		process_buffered(c);
		/* A short read drained the socket: epoll is level-triggered and
		 * calls again when more comes, so no recv just to see EAGAIN. */
		if ((size_t)n < room) {
			if (c->rlen == 0) {
				free(c->rbuf);
				c->rbuf = NULL;
				c->rcap = 0;
			}
			break;
		}
	}
}

/* ---- session binding across loops ----
 * Every channel of a session lives on the session's event-loop thread,
 * so that sessions, trees and opens keep being touched by one thread
 * only (no locks).  A connection whose next frame binds it to a session
 * of another loop is handed over to that loop first; it may move only
 * while nothing of it is tied to this loop: no opens, no channel of a
 * session here, no async work, no CREATE waiting for a break, no
 * spliced output. */
static bool conn_movable(const struct srv_conn *c)
{
	if (c->nasync || c->oplock_waiters || c->nsplices)
		return false;
	for (uint32_t i = 0; i < c->nsessions; i++) {
		const struct srv_session *s = c->sessions[i];
		if (s->nchans != 1 || s->opens.count)
			return false;
	}
	return true;
}

bool srv_bind_needs_move(struct srv_conn *c, const uint8_t *frame, size_t len)
{
	/* A lone SMB2 SESSION_SETUP (not encrypted, not compounded) with
	 * SMB2_SESSION_FLAG_BINDING and a SessionId. */
	if (!c->srv->cfg->multi_channel || c->dialect < SMB2_DIALECT_300 ||
	    len < SMB2_HDR_SIZE + 4 || get_le32(frame) != SMB2_PROTO_ID ||
	    get_le16(frame + 12) != SMB2_SESSION_SETUP || get_le32(frame + 20) != 0 ||
	    !(frame[SMB2_HDR_SIZE + 2] & SMB2_SESSION_FLAG_BINDING))
		return false;
	uint64_t sid = get_le64(frame + 40);
	struct srv_session_pub p;
	if (!sid || !srv_session_find_global(sid, &p))
		return false;
	struct srv_loop *to = p.loop;
	OPENSSL_cleanse(&p, sizeof(p));
	if (!to || to == c->loop || !conn_movable(c))
		return false;
	c->move_to = to;
	return true;
}

/* Hands c over to c->move_to: off this loop's epoll and list, its
 * sessions' table entries pointing at the new loop, then queued there
 * like a new connection (its buffered frames are processed on arrival). */
static void conn_move(struct srv_conn *c)
{
	struct srv_loop *from = c->loop, *to = c->move_to;
	epoll_ctl(from->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->prev)
		c->prev->next = c->next;
	else
		from->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
	srv_oplock_conn_moved(c, to);
	c->loop = to;
	/* Once the table names the new loop, that loop's thread may take
	 * a session of c: the tables are updated from a copy. */
	struct srv_session_move mv[sizeof(c->sessions) / sizeof(c->sessions[0])];
	uint32_t n = c->nsessions;
	for (uint32_t i = 0; i < n; i++)
		srv_session_move_prepare(c->sessions[i], &mv[i]);
	for (uint32_t i = 0; i < n; i++)
		srv_session_moved(&mv[i], c);
	LOG_INFO("%s: moves to the loop of the session it binds to", c->peer);
	srv_loop_adopt(to, c); /* from here on, c is the other thread's */
}

static void check_timeouts(struct srv_loop *l)
{
	time_t now = time(NULL);
	for (struct srv_conn *c = l->conns, *next; c; c = next) {
		next = c->next;
		if (!c->any_valid_session && now - c->created > (time_t)l->srv->cfg->auth_timeout_sec) {
			LOG_INFO("%s: no session after %us", c->peer, l->srv->cfg->auth_timeout_sec);
			conn_free(c);
		}
	}
}

static void *loop_main(void *arg)
{
	struct srv_loop *l = arg;
	struct epoll_event evs[64];
	time_t last_check = time(NULL);
	while (!atomic_load(&l->stop)) {
		uint32_t spin = l->srv->cfg->busy_poll_us;
		int n = spin ? epoll_wait(l->epfd, evs, 64, 0) : 0;
		/* `busy poll`: spin for a bounded time before sleeping, trading a
		 * core for the wake-up latency of a request that is about to come. */
		if (n == 0 && spin) {
			struct timespec t0, t1;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			do {
				n = epoll_wait(l->epfd, evs, 64, 0);
				clock_gettime(CLOCK_MONOTONIC, &t1);
			} while (n == 0 && (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000L +
						      (t1.tv_nsec - t0.tv_nsec)) <
						  (uint64_t)l->srv->cfg->busy_poll_us * 1000u);
		}
		if (n == 0)
			n = epoll_wait(l->epfd, evs, 64, 1000);
		if (n < 0)
			n = 0;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				uint64_t v;
				if (read(l->wakefd, &v, sizeof(v)) < 0) {
					/* spurious wake-up */
				}
				pthread_mutex_lock(&l->mu);
				struct srv_conn *in = l->incoming;
				l->incoming = NULL;
				pthread_mutex_unlock(&l->mu);
				while (in) {
					struct srv_conn *c = in;
					in = in->next;
					c->prev = NULL;
					c->next = l->conns;
					if (l->conns)
						l->conns->prev = c;
					l->conns = c;
					struct epoll_event ev = {.events = c->want_write ? EPOLLOUT : EPOLLIN,
								 .data.ptr = c};
					if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
						c->closing = true;
					/* A connection moved here (conn_move) brings the
					 * frame that made it move. */
					c->move_to = NULL;
					if (!c->closing && !c->want_write && c->rlen)
						process_buffered(c);
					if (c->closing)
						conn_free(c);
					else if (c->move_to)
						conn_move(c);
				}
				drain_done(l);
				continue;
			}
			struct srv_conn *c = evs[i].data.ptr;
			if (evs[i].events & (EPOLLERR | EPOLLHUP) && !(evs[i].events & EPOLLIN))
				c->closing = true;
			if (!c->closing && (evs[i].events & EPOLLOUT)) {
				srv_conn_send(c);
				if (!c->want_write)
					process_buffered(c);
			}
			if (!c->closing && !c->move_to && (evs[i].events & EPOLLIN))
				on_readable(c);
			if (c->closing)
				conn_free(c);
			else if (c->move_to)
				conn_move(c);
		}
		time_t now = time(NULL);
		if (now != last_check) {
			last_check = now;
			check_timeouts(l);
		}
	}
	while (l->conns)
		conn_free(l->conns);
	/* Connections closed with work still on the workers wait for it. */
	while (l->ndead) {
		uint64_t v;
		struct pollfd pfd = {l->wakefd, POLLIN, 0};
		if (poll(&pfd, 1, 1000) > 0 && read(l->wakefd, &v, sizeof(v)) < 0) {
			/* spurious wake-up */
		}
		drain_done(l);
	}
	return NULL;
}

int srv_loop_start(struct srv_loop *l, struct srv *srv)
{
	memset(l, 0, sizeof(*l));
	l->srv = srv;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epfd < 0 || l->wakefd < 0)
		return -1;
	pthread_mutex_init(&l->mu, NULL);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev) < 0)
		return -1;
	return pthread_create(&l->thread, NULL, loop_main, l) ? -1 : 0;
}

void srv_loop_adopt(struct srv_loop *l, struct srv_conn *c)
{
	c->loop = l;
	pthread_mutex_lock(&l->mu);
	c->next = l->incoming;
	l->incoming = c;
	pthread_mutex_unlock(&l->mu);
	uint64_t one = 1;
	if (write(l->wakefd, &one, sizeof(one)) < 0)
		LOG_ERR("cannot wake event loop");
}

void srv_loop_stop(struct srv_loop *l)
{
	atomic_store(&l->stop, true);
	uint64_t one = 1;
	if (write(l->wakefd, &one, sizeof(one)) < 0)
		LOG_ERR("cannot wake event loop");
	pthread_join(l->thread, NULL);
	close(l->epfd);
	close(l->wakefd);
	pthread_mutex_destroy(&l->mu);
}
