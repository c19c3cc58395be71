/* libdaxsmb: the connection and its request engine.
 *
 * One non-blocking socket; requests are encoded into one reused buffer
 * and sent with writev (WRITE payloads straight from the caller's
 * memory); replies are read into one reused receive buffer and matched to
 * request slots by message id (MS-SMB2 3.2.5.1).  While sending, replies
 * that arrive are processed too, so a long pipelined send never blocks
 * against a server that is itself blocked writing replies.  Credits are
 * tracked in credits.c; interim STATUS_PENDING replies keep the slot
 * waiting for the async final reply (3.2.5.1.5). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auth/auth.h"
#include "client/client_int.h"

#define TX_MAX (CL_MAX_IO + 65536)

NTSTATUS cl_fail(struct dsmb_conn *c, NTSTATUS st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return st;
}

void dsmb_options_init(struct dsmb_options *o)
{
	memset(o, 0, sizeof(*o));
	o->min_dialect = SMB2_DIALECT_202;
	o->max_dialect = SMB2_DIALECT_311;
	o->signing = DSMB_SIGNING_IF_REQUIRED;
	o->credits_target = 256;
	o->timeout_ms = 60000;
}

static char *dup_opt(const char *s, const char *def)
{
	return strdup(s ? s : def);
}

struct dsmb_conn *dsmb_conn_new(const struct dsmb_options *o)
{
	struct dsmb_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (o)
		c->o = *o;
	else
		dsmb_options_init(&c->o);
	if (!c->o.min_dialect)
		c->o.min_dialect = SMB2_DIALECT_202;
	if (!c->o.max_dialect)
		c->o.max_dialect = SMB2_DIALECT_311;
	if (!c->o.timeout_ms)
		c->o.timeout_ms = 60000;
	c->user = dup_opt(c->o.user, "");
	c->domain = dup_opt(c->o.domain, "");
	c->password = dup_opt(c->o.password, "");
	c->workstation = dup_opt(c->o.workstation, "DAXSMB");
	c->o.user = c->user;
	c->o.domain = c->domain;
	c->o.password = c->password;
	c->o.workstation = c->workstation;
	c->fd = -1;
	cl_credits_init(&c->cr, c->o.credits_target);
	for (unsigned i = 0; i < CL_MAX_SLOTS; i++)
		c->free_idx[i] = (uint16_t)(CL_MAX_SLOTS - 1 - i);
	c->nfree = CL_MAX_SLOTS;
	buf_init(&c->tx, TX_MAX);
	buf_init(&c->hdr, SMB2_HDR_SIZE);
	buf_init(&c->reply, CL_MAX_FRAME);
	if (!c->user || !c->domain || !c->password || !c->workstation) {
		dsmb_conn_free(c);
		return NULL;
	}
	return c;
}

const char *dsmb_errmsg(const struct dsmb_conn *c)
{
	return c ? c->err : "no connection";
}

/* ---- slots ---- */

static struct cl_slot *slot_get(struct dsmb_conn *c)
{
	if (!c->nfree)
		return NULL;
	uint16_t i = c->free_idx[--c->nfree];
	struct cl_slot *s = &c->slots[i];
	memset(s, 0, sizeof(*s));
	c->used_idx[c->nused++] = i;
	return s;
}

static void slot_put(struct dsmb_conn *c, struct cl_slot *s)
{
	uint16_t i = (uint16_t)(s - c->slots);
	for (unsigned k = 0; k < c->nused; k++) {
		if (c->used_idx[k] == i) {
			c->used_idx[k] = c->used_idx[--c->nused];
			break;
		}
	}
	s->kind = SLOT_FREE;
	c->free_idx[c->nfree++] = i;
}

static struct cl_slot *slot_find(struct dsmb_conn *c, uint64_t mid)
{
	for (unsigned k = 0; k < c->nused; k++) {
		struct cl_slot *s = &c->slots[c->used_idx[k]];
		if (s->mid == mid && !s->done)
			return s;
	}
	return NULL;
}

/* A finished pipelined request goes to the completion queue, in the
 * order replies arrived. */
static void slot_complete(struct dsmb_conn *c, struct cl_slot *s)
{
	s->done = true;
	if (!s->pipelined)
		return;
	unsigned at = (c->cq_head + c->cq_count) % CL_MAX_SLOTS;
	c->cq[at] = (struct dsmb_completion){.tag = s->tag,
					     .op = s->kind == SLOT_READ ? DSMB_OP_READ : DSMB_OP_WRITE,
					     .status = s->status,
					     .bytes = s->bytes};
	c->cq_count++;
	slot_put(c, s);
}

/* The connection is unusable: every waiter gets the failure. */
static NTSTATUS conn_broken(struct dsmb_conn *c, NTSTATUS st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static NTSTATUS conn_broken(struct dsmb_conn *c, NTSTATUS st, const char *fmt, ...)
{
	if (!c->broken) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
	c->broken = true;
	for (unsigned k = c->nused; k-- > 0;) {
		struct cl_slot *s = &c->slots[c->used_idx[k]];
		if (!s->done) {
			s->status = st;
			slot_complete(c, s);
		}
	}
	return st;
}

/* ---- receiving ---- */

/* MS-SMB2 3.2.5.1.3: a signed reply is verified whenever the session has
 * a key; an unsigned one is refused when signing is in use. */
static bool check_signature(struct dsmb_conn *c, const struct smb2_hdr *h, uint8_t *m, size_t len)
{
	if (!c->keyed || h->session_id != c->session_id || h->command == SMB2_SESSION_SETUP)
		return true;
	if (!(h->flags & SMB2_FLAGS_SIGNED))
		return !c->signing;
	struct iovec iov = {m, len};
	return crypto_smb2_verify(c->sign_alg, c->keys.signing, &iov, 1);
}

/* One reply message (header + body) of a frame. */
static NTSTATUS process_message(struct dsmb_conn *c, uint8_t *m, size_t len)
{
	struct cur cur;
	struct smb2_hdr h;
	cur_init(&cur, m, len);
	if (smb2_decode_hdr(&cur, &h) < 0 || !(h.flags & SMB2_FLAGS_SERVER_TO_REDIR))
		return conn_broken(c, STATUS_INVALID_NETWORK_RESPONSE, "malformed SMB2 reply header");
	if (h.message_id == UINT64_MAX && h.command == SMB2_OPLOCK_BREAK)
		return STATUS_SUCCESS; /* we take no oplocks or leases: nothing to acknowledge */
	struct cl_slot *s = slot_find(c, h.message_id);
	if (!s || s->command != h.command)
		return conn_broken(c, STATUS_INVALID_NETWORK_RESPONSE,
				   "reply for unknown message id %llu (command %u)",
				   (unsigned long long)h.message_id, h.command);
	if (h.status == STATUS_PENDING && (h.flags & SMB2_FLAGS_ASYNC_COMMAND)) {
		/* Interim reply (3.2.5.1.5): credits now, the final reply later. */
		s->has_async = true;
		s->async_id = h.async_id;
		cl_credits_grant(&c->cr, h.credits, s->charge, false);
		return STATUS_SUCCESS;
	}
	cl_credits_grant(&c->cr, h.credits, s->charge, true);
	if (!check_signature(c, &h, m, len))
		return conn_broken(c, STATUS_INVALID_SIGNATURE,
				   "%s reply (message id %llu, status 0x%08X) failed signature verification",
				   (h.flags & SMB2_FLAGS_SIGNED) ? "signed" : "unsigned",
				   (unsigned long long)h.message_id, h.status);
	s->status = h.status;
	switch (s->kind) {
	case SLOT_READ:
		if (h.status == STATUS_SUCCESS || h.status == STATUS_BUFFER_OVERFLOW) {
			struct smb2_read_resp r;
			if (smb2_decode_read_resp(&cur, &r) < 0) {
				s->status = STATUS_INVALID_NETWORK_RESPONSE;
			} else {
				uint32_t n = r.data_length < s->dest_len ? r.data_length : s->dest_len;
				if (n)
					memcpy(s->dest, r.data, n);
				s->bytes = n;
			}
		}
		break;
	case SLOT_WRITE:
		if (h.status == STATUS_SUCCESS) {
			struct smb2_write_resp w;
			if (smb2_decode_write_resp(&cur, &w) < 0)
				s->status = STATUS_INVALID_NETWORK_RESPONSE;
			else
				s->bytes = w.count;
		}
		break;
	default:
		buf_reset(&c->reply);
		buf_bytes(&c->reply, m, len);
		if (!buf_ok(&c->reply))
			s->status = STATUS_NO_MEMORY;
		break;
	}
	slot_complete(c, s);
	return STATUS_SUCCESS;
}

/* Processes every complete frame in rx; keeps a partial one. */
static NTSTATUS process_rx(struct dsmb_conn *c)
{
	size_t pos = 0;
	NTSTATUS st = STATUS_SUCCESS;
	while (c->rx_len - pos >= CL_NBSS && !c->broken) {
		uint8_t *f = c->rx + pos;
		size_t flen = (size_t)f[1] << 16 | (size_t)f[2] << 8 | f[3];
		if (f[0] != 0) {
			/* NBSS keep-alive (0x85) and others carry no SMB */
			if (c->rx_len - pos < CL_NBSS + flen)
				break;
			pos += CL_NBSS + flen;
			continue;
		}
		if (flen + CL_NBSS > CL_MAX_FRAME) {
			st = conn_broken(c, STATUS_INVALID_NETWORK_RESPONSE, "frame of %zu bytes too large", flen);
			break;
		}
		if (c->rx_len - pos < CL_NBSS + flen)
			break;
		uint8_t *msg = f + CL_NBSS;
		if (flen >= 4 && get_le32(msg) != SMB2_PROTO_ID) {
			st = conn_broken(c, STATUS_NOT_SUPPORTED,
					 get_le32(msg) == SMB2_TRANSFORM_ID
						 ? "server sent an encrypted message (encryption is not supported by this client)"
						 : "not an SMB2 message (protocol id 0x%08X)",
					 get_le32(msg));
			break;
		}
		size_t mp = 0, off, ml;
		int r;
		while ((r = smb2_next_message(msg, flen, &mp, &off, &ml)) == 1) {
			st = process_message(c, msg + off, ml);
			if (c->broken)
				break;
		}
		if (r < 0 && !c->broken)
			st = conn_broken(c, STATUS_INVALID_NETWORK_RESPONSE, "malformed compound reply");
		pos += CL_NBSS + flen;
	}
	if (pos) {
		memmove(c->rx, c->rx + pos, c->rx_len - pos);
		c->rx_len -= pos;
	}
	return c->broken ? (st ? st : STATUS_CONNECTION_DISCONNECTED) : STATUS_SUCCESS;
}

/* Makes room for the frame being received (its size is known once the
 * 4-byte prefix is in). */
static bool rx_room(struct dsmb_conn *c)
{
	size_t need = 64 * 1024;
	if (c->rx_len >= CL_NBSS) {
		size_t flen = (size_t)c->rx[1] << 16 | (size_t)c->rx[2] << 8 | c->rx[3];
		if (flen + CL_NBSS > need)
			need = flen + CL_NBSS;
	}
	if (need > CL_MAX_FRAME)
		need = CL_MAX_FRAME;
	if (c->rx_cap >= need && c->rx_cap > c->rx_len)
		return true;
	size_t cap = (need + 0x3FFF) & ~(size_t)0x3FFF;
	if (cap <= c->rx_len)
		return false; /* a frame larger than the cap: process_rx refuses it */
	uint8_t *p = realloc(c->rx, cap);
	if (!p)
		return false;
	c->rx = p;
	c->rx_cap = cap;
	return true;
}

/* Reads what is there (non-blocking); 1 got bytes, 0 nothing, -1 broken. */
static int rx_read(struct dsmb_conn *c)
{
	if (!rx_room(c)) {
		conn_broken(c, STATUS_NO_MEMORY, "out of memory for the receive buffer");
		return -1;
	}
	ssize_t n = recv(c->fd, c->rx + c->rx_len, c->rx_cap - c->rx_len, 0);
	if (n > 0) {
		c->rx_len += (size_t)n;
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	conn_broken(c, STATUS_CONNECTION_DISCONNECTED, n == 0 ? "server closed the connection"
							      : "receive failed: %s", strerror(errno));
	return -1;
}

/* Blocks until something was received and processed (or timeout). */
static NTSTATUS pump(struct dsmb_conn *c)
{
	if (c->broken)
		return STATUS_CONNECTION_DISCONNECTED;
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	for (;;) {
		int r = rx_read(c);
		if (r < 0)
			return STATUS_CONNECTION_DISCONNECTED;
		if (r > 0)
			return process_rx(c);
		int pr = poll(&p, 1, c->o.timeout_ms < 0 ? -1 : c->o.timeout_ms);
		if (pr == 0)
			return conn_broken(c, STATUS_IO_TIMEOUT, "no reply from the server within %d ms",
					   c->o.timeout_ms);
		if (pr < 0 && errno != EINTR)
			return conn_broken(c, STATUS_CONNECTION_DISCONNECTED, "poll: %s", strerror(errno));
	}
}

/* ---- sending ---- */

static NTSTATUS send_all(struct dsmb_conn *c, struct iovec *iov, int n)
{
	while (n > 0) {
		/* sendmsg for MSG_NOSIGNAL: a library must not raise SIGPIPE */
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
		ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return conn_broken(c, STATUS_CONNECTION_DISCONNECTED, "send failed: %s",
						   strerror(errno));
			/* Meanwhile take in replies, so that neither side blocks. */
			struct pollfd p = {.fd = c->fd, .events = POLLOUT | POLLIN};
			int pr = poll(&p, 1, c->o.timeout_ms < 0 ? -1 : c->o.timeout_ms);
			if (pr == 0)
				return conn_broken(c, STATUS_IO_TIMEOUT, "send timed out");
			if (pr > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
				if (rx_read(c) < 0 || process_rx(c) != STATUS_SUCCESS)
					return STATUS_CONNECTION_DISCONNECTED;
			}
			continue;
		}
		size_t left = (size_t)w;
		while (n > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return STATUS_SUCCESS;
}

void cl_begin(struct dsmb_conn *c)
{
	buf_reset(&c->tx);
	buf_zero(&c->tx, CL_NBSS + SMB2_HDR_SIZE);
}

NTSTATUS cl_send(struct dsmb_conn *c, const struct cl_req *r, struct cl_slot **slot_out)
{
	uint16_t cmd = r->cmd, charge = r->charge;
	const void *data = r->data;
	uint32_t data_len = r->data_len;
	*slot_out = NULL;
	if (c->broken || c->fd < 0)
		return cl_fail(c, STATUS_CONNECTION_DISCONNECTED, "%s",
			       c->err[0] ? c->err : "not connected");
	if (!buf_ok(&c->tx))
		return cl_fail(c, STATUS_INVALID_PARAMETER, "request too large to encode");
	/* Credits: wait for replies while some are in flight. */
	while (c->cr.avail < (charge ? charge : 1u) || !c->nfree) {
		if (c->nused == 0 || c->cr.in_flight == 0)
			return cl_fail(c, STATUS_INSUFFICIENT_RESOURCES,
				       "no credits left (have %u, need %u)", c->cr.avail, charge);
		NTSTATUS st = pump(c);
		if (st)
			return st;
	}
	struct cl_slot *s = slot_get(c);
	struct smb2_hdr h;
	memset(&h, 0, sizeof(h));
	uint16_t request;
	cl_credits_take(&c->cr, charge, &h.message_id, &request);
	h.credit_charge = c->cr.multi ? (charge ? charge : 1) : 0;
	h.command = cmd;
	h.credits = request;
	h.tree_id = r->tid;
	h.process_id = 0xFEFF;
	h.session_id = c->session_id;
	/* MS-SMB2 3.2.4.2.4: on 3.1.1 the TREE_CONNECT is signed whenever
	 * the session has a key, even when signing is not otherwise in use. */
	bool sign = (c->signing && cmd != SMB2_NEGOTIATE && cmd != SMB2_SESSION_SETUP) ||
		    (cmd == SMB2_TREE_CONNECT && c->keyed && c->dialect == SMB2_DIALECT_311);
	if (sign)
		h.flags |= SMB2_FLAGS_SIGNED;
	buf_reset(&c->hdr);
	smb2_encode_hdr(&c->hdr, &h);
	memcpy(c->tx.p + CL_HDR, c->hdr.p, SMB2_HDR_SIZE);
	size_t total = c->tx.len - CL_NBSS + data_len;
	c->tx.p[0] = 0;
	c->tx.p[1] = (uint8_t)(total >> 16);
	c->tx.p[2] = (uint8_t)(total >> 8);
	c->tx.p[3] = (uint8_t)total;
	struct iovec iov[2] = {{c->tx.p + CL_HDR, c->tx.len - CL_HDR}, {(void *)data, data_len}};
	if (sign && crypto_smb2_sign(c->sign_alg, c->keys.signing, iov, data_len ? 2 : 1) != 0) {
		cl_credits_forget(&c->cr, charge);
		slot_put(c, s);
		return cl_fail(c, STATUS_INTERNAL_ERROR, "signing failed");
	}
	s->kind = (uint8_t)r->kind;
	s->command = cmd;
	s->charge = charge ? charge : 1;
	s->mid = h.message_id;
	s->pipelined = r->pipelined;
	s->tag = r->tag;
	s->dest = r->dest;
	s->dest_len = r->dest_len;
	iov[0].iov_base = c->tx.p;
	iov[0].iov_len = c->tx.len;
	*slot_out = s;
	if (r->pipelined)
		c->pipelined++;
	NTSTATUS st = send_all(c, iov, data_len ? 2 : 1);
	if (st != STATUS_SUCCESS)
		return st; /* conn_broken completed the slot */
	return STATUS_SUCCESS;
}

NTSTATUS cl_wait(struct dsmb_conn *c, struct cl_slot *s, uint32_t *bytes)
{
	while (!s->done) {
		NTSTATUS st = pump(c);
		if (st != STATUS_SUCCESS && !s->done)
			return st; /* timeout: the slot stays in use */
	}
	NTSTATUS st = s->status;
	if (bytes)
		*bytes = s->bytes;
	slot_put(c, s);
	return st;
}

NTSTATUS cl_call(struct dsmb_conn *c, uint16_t cmd, uint32_t tid)
{
	struct cl_slot *s;
	struct cl_req r = {.cmd = cmd, .tid = tid, .charge = 1, .kind = SLOT_SYNC};
	NTSTATUS st = cl_send(c, &r, &s);
	if (st != STATUS_SUCCESS) {
		if (s && s->done)
			slot_put(c, s);
		return st;
	}
	return cl_wait(c, s, NULL);
}

void cl_reply_body(struct dsmb_conn *c, struct cur *cur)
{
	cur_init(cur, c->reply.p, c->reply.len);
	cur_seek(cur, c->reply.len >= SMB2_HDR_SIZE ? SMB2_HDR_SIZE : c->reply.len);
}

uint32_t cl_io_size(struct dsmb_conn *c, uint32_t max, uint32_t want)
{
	uint32_t n = want < max ? want : max;
	if (c->cr.multi) {
		uint64_t by_credit = (uint64_t)(c->cr.avail ? c->cr.avail : 1) * 65536u;
		if (n > by_credit && c->cr.in_flight == 0)
			n = (uint32_t)by_credit;
	}
	return n;
}

/* ---- connect, negotiate ---- */

static NTSTATUS tcp_connect(struct dsmb_conn *c, const char *host, uint16_t port)
{
	char h[256], ps[8];
	size_t hl = strlen(host);
	if (hl >= sizeof(h))
		return cl_fail(c, STATUS_INVALID_PARAMETER, "host name too long");
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		memcpy(h, host + 1, hl - 2);
		h[hl - 2] = 0;
	} else {
		memcpy(h, host, hl + 1);
	}
	snprintf(ps, sizeof(ps), "%u", port ? port : 445);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai, *a;
	int gr = getaddrinfo(h, ps, &hints, &ai);
	if (gr != 0)
		return cl_fail(c, STATUS_BAD_NETWORK_PATH, "cannot resolve %s: %s", h, gai_strerror(gr));
	int err = 0;
	for (a = ai; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			int fl = fcntl(fd, F_GETFL);
			if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
				err = errno;
				close(fd);
				continue;
			}
			c->fd = fd;
			break;
		}
		err = errno;
		close(fd);
	}
	freeaddrinfo(ai);
	if (c->fd < 0)
		return cl_fail(c, err == ECONNREFUSED ? STATUS_CONNECTION_REFUSED : STATUS_CONNECTION_DISCONNECTED,
			       "cannot connect to %s port %s: %s", h, ps, strerror(err));
	c->host = strdup(h);
	return c->host ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

static void preauth_update(uint8_t hash[64], const uint8_t *m, size_t n)
{
	struct iovec iov = {(void *)m, n};
	crypto_preauth_update(hash, &iov, 1);
}

static NTSTATUS parse_neg_contexts(struct dsmb_conn *c, const struct smb2_negotiate_resp *r)
{
	bool have_preauth = false;
	c->sign_alg = CRYPTO_SIGN_AES_CMAC;
	for (unsigned i = 0; i < r->context_count; i++) {
		const struct smb2_neg_context *x = &r->contexts[i];
		if (x->type == SMB2_PREAUTH_INTEGRITY_CAPABILITIES) {
			struct smb2_preauth_ctx p;
			if (smb2_decode_preauth_ctx(x->data, x->data_len, &p) < 0 || p.hash_count != 1 ||
			    p.hash_algs[0] != SMB2_PREAUTH_HASH_SHA512)
				return cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "bad preauth integrity context");
			have_preauth = true;
		} else if (x->type == SMB2_SIGNING_CAPABILITIES) {
			struct smb2_id_list_ctx s;
			if (smb2_decode_id_list_ctx(x->data, x->data_len, &s) < 0 || s.count != 1 ||
			    (s.ids[0] != SMB2_SIGN_AES_GMAC && s.ids[0] != SMB2_SIGN_AES_CMAC &&
			     s.ids[0] != SMB2_SIGN_HMAC_SHA256))
				return cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "bad signing capabilities context");
			c->sign_alg = s.ids[0] == SMB2_SIGN_AES_GMAC   ? CRYPTO_SIGN_AES_GMAC
				      : s.ids[0] == SMB2_SIGN_AES_CMAC ? CRYPTO_SIGN_AES_CMAC
								       : CRYPTO_SIGN_HMAC_SHA256;
		}
	}
	if (!have_preauth)
		return cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "3.1.1 reply without a preauth integrity context");
	return STATUS_SUCCESS;
}

static NTSTATUS negotiate(struct dsmb_conn *c)
{
	uint8_t salt[32];
	crypto_random(c->client_guid, sizeof(c->client_guid));
	crypto_random(salt, sizeof(salt));
	if (c->o.min_dialect > c->o.max_dialect || !cl_dialect_list(c->o.min_dialect, c->o.max_dialect, (uint16_t[8]){0}))
		return cl_fail(c, STATUS_INVALID_PARAMETER, "no dialect between the minimum and maximum");
	cl_begin(c);
	cl_build_negotiate(&c->tx, CL_HDR, c->o.min_dialect, c->o.max_dialect,
			   c->o.signing == DSMB_SIGNING_REQUIRED, c->client_guid, salt);
	struct cl_slot *s;
	struct cl_req rq = {.cmd = SMB2_NEGOTIATE, .charge = 0, .kind = SLOT_SYNC};
	NTSTATUS st = cl_send(c, &rq, &s);
	if (st)
		return st;
	memset(c->preauth, 0, sizeof(c->preauth));
	preauth_update(c->preauth, c->tx.p + CL_HDR, c->tx.len - CL_HDR);
	st = cl_wait(c, s, NULL);
	if (st != STATUS_SUCCESS)
		return c->broken ? st : cl_fail(c, st, "NEGOTIATE refused");
	struct cur cur;
	struct smb2_negotiate_resp r;
	cl_reply_body(c, &cur);
	if (smb2_decode_negotiate_resp(&cur, &r) < 0)
		return cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "malformed NEGOTIATE reply");
	if (r.dialect < c->o.min_dialect || r.dialect > c->o.max_dialect ||
	    !cl_dialect_list(r.dialect, r.dialect, (uint16_t[8]){0}))
		return cl_fail(c, STATUS_NOT_SUPPORTED, "server chose dialect 0x%04x, outside what we offered",
			       r.dialect);
	c->dialect = r.dialect;
	c->srv_secmode = r.security_mode;
	c->srv_caps = r.capabilities;
	if (c->dialect == SMB2_DIALECT_311) {
		st = parse_neg_contexts(c, &r);
		if (st)
			return st;
		preauth_update(c->preauth, c->reply.p, c->reply.len);
	} else {
		c->sign_alg = c->dialect >= SMB2_DIALECT_300 ? CRYPTO_SIGN_AES_CMAC : CRYPTO_SIGN_HMAC_SHA256;
	}
	bool large = c->dialect > SMB2_DIALECT_202 && (c->srv_caps & SMB2_GLOBAL_CAP_LARGE_MTU);
	c->cr.multi = large;
	uint32_t cap = large ? CL_MAX_IO : 65536;
	c->max_read = r.max_read < cap ? r.max_read : cap;
	c->max_write = r.max_write < cap ? r.max_write : cap;
	c->max_transact = r.max_transact < cap ? r.max_transact : cap;
	if (c->max_read < 4096 || c->max_write < 4096 || c->max_transact < 4096)
		return cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "server limits too small");
	return STATUS_SUCCESS;
}

dsmb_status dsmb_connect(struct dsmb_conn *c, const char *host, uint16_t port)
{
	if (!c || !host || c->fd >= 0)
		return STATUS_INVALID_PARAMETER;
	c->err[0] = 0;
	if (crypto_init() != 0)
		return cl_fail(c, STATUS_INTERNAL_ERROR, "cannot initialise OpenSSL");
	NTSTATUS st = tcp_connect(c, host, port);
	if (st)
		return st;
	return negotiate(c);
}

/* ---- session ---- */

dsmb_status dsmb_login(struct dsmb_conn *c)
{
	if (!c || c->fd < 0 || !c->dialect || c->logged_in)
		return STATUS_INVALID_PARAMETER;
	bool anon = !c->user[0];
	struct auth_client *a = auth_client_start(anon ? NULL : c->user, c->domain, c->password,
						  c->workstation);
	if (!a)
		return cl_fail(c, STATUS_NO_MEMORY, "cannot start NTLM authentication");
	struct buf tok;
	buf_init(&tok, 65535);
	uint8_t hash[64];
	memcpy(hash, c->preauth, 64);
	NTSTATUS ast = auth_client_step(a, NULL, 0, &tok);
	NTSTATUS st = STATUS_SUCCESS;
	bool have_keys = false;
	for (int leg = 0; leg < 8; leg++) {
		if (ast != STATUS_MORE_PROCESSING_REQUIRED && ast != STATUS_SUCCESS) {
			st = cl_fail(c, ast, "NTLM client: cannot build a token");
			break;
		}
		cl_begin(c);
		struct smb2_session_setup_req q = {0};
		q.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED |
				  (c->o.signing == DSMB_SIGNING_REQUIRED ? SMB2_NEGOTIATE_SIGNING_REQUIRED : 0);
		q.token = tok.p;
		q.token_len = (uint16_t)tok.len;
		smb2_encode_session_setup_req(&c->tx, CL_HDR, &q);
		struct cl_slot *s;
		struct cl_req rq = {.cmd = SMB2_SESSION_SETUP, .charge = 1, .kind = SLOT_SYNC};
		st = cl_send(c, &rq, &s);
		if (st)
			break;
		if (c->dialect == SMB2_DIALECT_311)
			preauth_update(hash, c->tx.p + CL_HDR, c->tx.len - CL_HDR);
		/* The AUTHENTICATE is out: the keys are known now (3.2.5.3.1). */
		uint8_t skey[16];
		if (!have_keys && auth_client_session_key(a, skey)) {
			crypto_derive_keys(c->dialect, skey, hash, 16, &c->keys);
			have_keys = true;
		}
		st = cl_wait(c, s, NULL);
		struct cur cur;
		struct smb2_hdr h;
		cur_init(&cur, c->reply.p, c->reply.len);
		if (c->broken || smb2_decode_hdr(&cur, &h) < 0) {
			if (!c->broken)
				st = cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "malformed SESSION_SETUP reply");
			break;
		}
		if (st != STATUS_SUCCESS && st != STATUS_MORE_PROCESSING_REQUIRED) {
			cl_fail(c, st, "SESSION_SETUP refused (user \"%s\")", anon ? "(anonymous)" : c->user);
			break;
		}
		c->session_id = h.session_id;
		struct smb2_session_setup_resp r;
		if (smb2_decode_session_setup_resp(&cur, &r) < 0) {
			st = cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "malformed SESSION_SETUP reply");
			break;
		}
		if (st == STATUS_MORE_PROCESSING_REQUIRED) {
			if (c->dialect == SMB2_DIALECT_311)
				preauth_update(hash, c->reply.p, c->reply.len);
			buf_reset(&tok);
			ast = auth_client_step(a, r.token, r.token_len, &tok);
			if (ast == STATUS_SUCCESS && tok.len == 0) {
				st = cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "server wants more legs than NTLM has");
				break;
			}
			continue;
		}
		/* SUCCESS: the final leg. */
		c->guest = (r.session_flags & SMB2_SESSION_FLAG_IS_GUEST) != 0;
		c->anonymous = (r.session_flags & SMB2_SESSION_FLAG_IS_NULL) != 0 || anon;
		if (r.session_flags & SMB2_SESSION_FLAG_ENCRYPT_DATA) {
			st = cl_fail(c, STATUS_NOT_SUPPORTED, "the server requires encryption, which this client does not do");
			break;
		}
		if (!anon && r.token_len) {
			buf_reset(&tok);
			ast = auth_client_step(a, r.token, r.token_len, &tok);
			if (ast != STATUS_SUCCESS) {
				st = cl_fail(c, STATUS_LOGON_FAILURE, "the server's final SPNEGO token did not verify");
				break;
			}
		}
		bool keyed = have_keys && !c->guest && !c->anonymous;
		if (keyed && (h.flags & SMB2_FLAGS_SIGNED)) {
			struct iovec iov = {c->reply.p, c->reply.len};
			if (!crypto_smb2_verify(c->sign_alg, c->keys.signing, &iov, 1)) {
				st = cl_fail(c, STATUS_INVALID_SIGNATURE, "the final SESSION_SETUP reply's signature is wrong");
				break;
			}
		} else if (keyed && c->dialect == SMB2_DIALECT_311) {
			st = cl_fail(c, STATUS_INVALID_SIGNATURE, "the final SESSION_SETUP reply of 3.1.1 is not signed");
			break;
		}
		bool want = c->o.signing == DSMB_SIGNING_REQUIRED ||
			    (c->srv_secmode & SMB2_NEGOTIATE_SIGNING_REQUIRED);
		if (want && !keyed && c->o.signing == DSMB_SIGNING_REQUIRED) {
			st = cl_fail(c, STATUS_ACCESS_DENIED, "signing required but the session is %s",
				     c->guest ? "a guest session" : "anonymous");
			break;
		}
		c->signing = want && keyed;
		c->keyed = keyed;
		c->logged_in = true;
		st = STATUS_SUCCESS;
		break;
	}
	buf_free(&tok);
	auth_client_free(a);
	if (st != STATUS_SUCCESS)
		c->session_id = 0;
	return st;
}

dsmb_status dsmb_echo(struct dsmb_conn *c)
{
	cl_begin(c);
	smb2_encode_empty4(&c->tx);
	NTSTATUS st = cl_call(c, SMB2_ECHO, 0);
	return st;
}

dsmb_status dsmb_logoff(struct dsmb_conn *c)
{
	if (!c->logged_in)
		return STATUS_SUCCESS;
	cl_begin(c);
	smb2_encode_empty4(&c->tx);
	NTSTATUS st = cl_call(c, SMB2_LOGOFF, 0);
	c->logged_in = false;
	c->signing = false;
	c->keyed = false;
	c->session_id = 0;
	return st;
}

void dsmb_conn_get_info(const struct dsmb_conn *c, struct dsmb_conn_info *out)
{
	memset(out, 0, sizeof(*out));
	out->dialect = c->dialect;
	out->server_security_mode = c->srv_secmode;
	out->server_capabilities = c->srv_caps;
	out->max_read = c->max_read;
	out->max_write = c->max_write;
	out->max_transact = c->max_transact;
	out->signing = c->signing;
	out->sign_alg = c->sign_alg;
	out->guest = c->guest;
	out->anonymous = c->anonymous;
	out->credits = c->cr.avail;
	out->outstanding = c->nused;
}

void dsmb_conn_free(struct dsmb_conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0 && !c->broken && c->logged_in && c->pipelined == 0) {
		int saved = c->o.timeout_ms;
		c->o.timeout_ms = 5000;
		dsmb_logoff(c);
		c->o.timeout_ms = saved;
	}
	cl_forget_trees(c);
	if (c->fd >= 0)
		close(c->fd);
	OPENSSL_cleanse(c->password, strlen(c->password ? c->password : ""));
	OPENSSL_cleanse(&c->keys, sizeof(c->keys));
	free(c->user);
	free(c->domain);
	free(c->password);
	free(c->workstation);
	free(c->host);
	buf_free(&c->tx);
	buf_free(&c->hdr);
	buf_free(&c->reply);
	free(c->rx);
	free(c);
}

/* ---- pipelined completions ---- */

dsmb_status dsmb_wait_one(struct dsmb_conn *c, struct dsmb_completion *out)
{
	while (!c->cq_count) {
		if (c->pipelined == 0)
			return cl_fail(c, STATUS_INSUFFICIENT_RESOURCES, "nothing in flight");
		NTSTATUS st = pump(c);
		if (st && !c->cq_count)
			return st;
	}
	*out = c->cq[c->cq_head];
	c->cq_head = (c->cq_head + 1) % CL_MAX_SLOTS;
	c->cq_count--;
	c->pipelined--;
	return STATUS_SUCCESS;
}

unsigned dsmb_outstanding(const struct dsmb_conn *c)
{
	return c->pipelined;
}

void cl_test_attach(struct dsmb_conn *c, int fd, uint16_t dialect, uint32_t max_io)
{
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	c->fd = fd;
	c->dialect = dialect;
	c->srv_caps = SMB2_GLOBAL_CAP_LARGE_MTU;
	c->cr.multi = dialect > SMB2_DIALECT_202;
	c->max_read = c->max_write = c->max_transact = max_io;
	c->session_id = 0x55;
	c->logged_in = true;
	c->host = strdup("test");
}
