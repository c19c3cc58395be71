/* The request engine against a scripted peer on a socketpair: pipelined
 * submissions, replies out of order, interim STATUS_PENDING then the async
 * final reply, credits, multi-credit charges, signing both ways, and a
 * peer that lies or goes away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client_int.h"
#include "proto/fscc.h"

struct env {
	struct dsmb_conn *c;
	struct dsmb_tree *t;
	struct dsmb_file *f;
	int peer;
};

static struct env setup_env(void)
{
	struct env e;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	e.c = dsmb_conn_new(NULL);
	assert_non_null(e.c);
	cl_test_attach(e.c, sv[0], SMB2_DIALECT_311, 1 << 20);
	e.c->cr.avail = 64;
	e.peer = sv[1];
	e.t = calloc(1, sizeof(*e.t));
	e.t->c = e.c;
	e.t->tid = 7;
	e.c->trees = e.t;
	e.f = calloc(1, sizeof(*e.f));
	e.f->t = e.t;
	e.f->id = (struct smb2_fileid){0xA, 0xB};
	e.t->files = e.f;
	return e;
}

static void teardown_env(struct env *e)
{
	close(e->peer);
	dsmb_conn_free(e->c);
}

static void read_full(int fd, void *p, size_t n)
{
	uint8_t *q = p;
	while (n) {
		ssize_t r = read(fd, q, n);
		assert_true(r > 0);
		q += r;
		n -= (size_t)r;
	}
}

/* Reads one request; returns its header, the message in *msg (malloc'd). */
static struct smb2_hdr peer_read(int fd, uint8_t **msg, size_t *len)
{
	uint8_t nb[4];
	read_full(fd, nb, 4);
	assert_int_equal(nb[0], 0);
	*len = (size_t)nb[1] << 16 | (size_t)nb[2] << 8 | nb[3];
	*msg = malloc(*len);
	read_full(fd, *msg, *len);
	struct cur c;
	struct smb2_hdr h;
	cur_init(&c, *msg, *len);
	assert_int_equal(smb2_decode_hdr(&c, &h), 0);
	return h;
}

struct reply {
	uint16_t cmd;
	uint64_t mid;
	uint32_t status;
	uint16_t credits;
	bool async;
	uint64_t async_id;
	const uint8_t *key; /* sign with AES-CMAC when set */
	bool corrupt;       /* flip a bit after signing */
};

static void peer_send(int fd, const struct reply *r, const struct buf *bodyb)
{
	struct buf b;
	buf_init(&b, 1 << 21);
	buf_zero(&b, 4);
	struct smb2_hdr h = {0};
	h.command = r->cmd;
	h.message_id = r->mid;
	h.status = r->status;
	h.credits = r->credits;
	h.flags = SMB2_FLAGS_SERVER_TO_REDIR | (r->async ? SMB2_FLAGS_ASYNC_COMMAND : 0) |
		  (r->key ? SMB2_FLAGS_SIGNED : 0);
	h.async_id = r->async_id;
	h.tree_id = 7;
	h.session_id = 0x55;
	smb2_encode_hdr(&b, &h);
	buf_bytes(&b, bodyb->p, bodyb->len);
	size_t n = b.len - 4;
	b.p[1] = (uint8_t)(n >> 16);
	b.p[2] = (uint8_t)(n >> 8);
	b.p[3] = (uint8_t)n;
	if (r->key) {
		struct iovec iov = {b.p + 4, n};
		assert_int_equal(crypto_smb2_sign(CRYPTO_SIGN_AES_CMAC, r->key, &iov, 1), 0);
	}
	if (r->corrupt)
		b.p[b.len - 1] ^= 1;
	assert_int_equal(write(fd, b.p, b.len), (ssize_t)b.len);
	buf_free(&b);
}

static void body_read(struct buf *b, const uint8_t *data, uint32_t n)
{
	buf_init(b, 1 << 21);
	struct smb2_read_resp r = {.data_length = n};
	smb2_encode_read_resp_fixed(b, &r);
	buf_bytes(b, data, n);
}

static void body_write(struct buf *b, uint32_t count)
{
	buf_init(b, 64);
	struct smb2_write_resp w = {.count = count};
	smb2_encode_write_resp(b, &w);
}

static void body_error(struct buf *b)
{
	buf_init(b, 64);
	smb2_encode_error_resp(b, NULL, 0);
}

static void test_pipeline(void **state)
{
	struct env e = setup_env();
	static uint8_t rb[3][4096];
	uint8_t wdata[100];
	memset(wdata, 0x5A, sizeof(wdata));
	memset(rb, 0, sizeof(rb));
	for (int i = 0; i < 3; i++)
		assert_int_equal(dsmb_submit_read(e.f, (uint64_t)i * 4096, rb[i], 4096, 10 + (uint64_t)i), 0);
	assert_int_equal(dsmb_submit_write(e.f, 777, wdata, sizeof(wdata), DSMB_WRITE_THROUGH, 13), 0);
	assert_int_equal(dsmb_outstanding(e.c), 4);
	assert_int_equal(e.c->cr.avail, 60);

	uint64_t mids[4];
	for (int i = 0; i < 4; i++) {
		uint8_t *m;
		size_t n;
		struct smb2_hdr h = peer_read(e.peer, &m, &n);
		mids[i] = h.message_id;
		assert_int_equal(h.message_id, (uint64_t)i);
		assert_int_equal(h.credit_charge, 1);
		assert_int_equal(h.tree_id, 7);
		assert_int_equal(h.session_id, 0x55);
		assert_false(h.flags & SMB2_FLAGS_SIGNED);
		struct cur c;
		cur_init(&c, m, n);
		cur_seek(&c, 64);
		if (i < 3) {
			struct smb2_read_req r;
			assert_int_equal(h.command, SMB2_READ);
			assert_int_equal(smb2_decode_read_req(&c, &r), 0);
			assert_int_equal(r.length, 4096);
			assert_int_equal(r.offset, (uint64_t)i * 4096);
			assert_int_equal(r.file_id.persistent, 0xA);
		} else {
			struct smb2_write_req w;
			assert_int_equal(h.command, SMB2_WRITE);
			assert_int_equal(smb2_decode_write_req(&c, &w), 0);
			assert_int_equal(w.length, 100);
			assert_int_equal(w.offset, 777);
			assert_int_equal(w.flags, SMB2_WRITEFLAG_WRITE_THROUGH);
			assert_memory_equal(w.data, wdata, 100);
		}
		free(m);
	}
	struct buf b;
	uint8_t d0[1000], d1[4096], d2[4096];
	memset(d0, 'a', sizeof(d0));
	memset(d1, 'b', sizeof(d1));
	memset(d2, 'c', sizeof(d2));
	/* mid 1: interim first */
	body_error(&b);
	peer_send(e.peer, &(struct reply){SMB2_READ, mids[1], STATUS_PENDING, 5, true, 99}, &b);
	buf_free(&b);
	body_write(&b, 100);
	peer_send(e.peer, &(struct reply){SMB2_WRITE, mids[3], 0, 1}, &b);
	buf_free(&b);
	body_read(&b, d2, sizeof(d2));
	peer_send(e.peer, &(struct reply){SMB2_READ, mids[2], 0, 1}, &b);
	buf_free(&b);
	/* an oplock break notification in between is ignored */
	buf_init(&b, 64);
	struct smb2_oplock_break ob = {.oplock_level = 0};
	smb2_encode_oplock_break(&b, &ob);
	peer_send(e.peer, &(struct reply){SMB2_OPLOCK_BREAK, UINT64_MAX, 0, 0}, &b);
	buf_free(&b);
	body_read(&b, d0, sizeof(d0));
	peer_send(e.peer, &(struct reply){SMB2_READ, mids[0], 0, 1}, &b);
	buf_free(&b);
	body_read(&b, d1, sizeof(d1));
	peer_send(e.peer, &(struct reply){SMB2_READ, mids[1], 0, 0, true, 99}, &b);
	buf_free(&b);

	struct dsmb_completion cp;
	uint64_t want_tag[] = {13, 12, 10, 11};
	uint32_t want_bytes[] = {100, 4096, 1000, 4096};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(dsmb_wait_one(e.c, &cp), 0);
		assert_int_equal(cp.tag, want_tag[i]);
		assert_int_equal(cp.status, 0);
		assert_int_equal(cp.bytes, want_bytes[i]);
		assert_int_equal(cp.op, i == 0 ? DSMB_OP_WRITE : DSMB_OP_READ);
	}
	assert_memory_equal(rb[0], d0, sizeof(d0));
	assert_memory_equal(rb[1], d1, sizeof(d1));
	assert_memory_equal(rb[2], d2, sizeof(d2));
	assert_int_equal(dsmb_outstanding(e.c), 0);
	assert_int_equal(e.c->cr.avail, 60 + 5 + 1 + 1 + 1 + 0);
	assert_int_equal(e.c->cr.in_flight, 0);
	assert_int_equal(dsmb_wait_one(e.c, &cp), STATUS_INSUFFICIENT_RESOURCES);
	teardown_env(&e);
}

static void test_multi_credit_and_exhaustion(void **state)
{
	struct env e = setup_env();
	static uint8_t big[1 << 20];
	e.c->cr.next_mid = 5;
	e.c->cr.avail = 20;
	assert_int_equal(dsmb_submit_read(e.f, 0, big, sizeof(big), 1), 0);
	uint8_t *m;
	size_t n;
	struct smb2_hdr h = peer_read(e.peer, &m, &n);
	free(m);
	assert_int_equal(h.message_id, 5);
	assert_int_equal(h.credit_charge, 16);
	assert_int_equal(e.c->cr.next_mid, 21);
	assert_int_equal(e.c->cr.avail, 4);
	/* Too large for a single request. */
	assert_int_equal(dsmb_submit_read(e.f, 0, big, (1 << 20) + 1, 2), STATUS_INVALID_PARAMETER);
	/* No credits and nothing in flight: refused, not a hang. */
	struct dsmb_completion cp;
	struct buf b;
	body_read(&b, big, 10);
	peer_send(e.peer, &(struct reply){SMB2_READ, 5, 0, 0}, &b);
	buf_free(&b);
	assert_int_equal(dsmb_wait_one(e.c, &cp), 0);
	assert_int_equal(cp.bytes, 10);
	e.c->cr.avail = 0;
	assert_int_equal(dsmb_submit_read(e.f, 0, big, 4096, 3), STATUS_INSUFFICIENT_RESOURCES);
	teardown_env(&e);
}

static void test_signing(void **state)
{
	struct env e = setup_env();
	static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	e.c->keyed = e.c->signing = true;
	e.c->sign_alg = CRYPTO_SIGN_AES_CMAC;
	memcpy(e.c->keys.signing, key, 16);
	uint8_t data[64] = {7};
	assert_int_equal(dsmb_submit_write(e.f, 0, data, sizeof(data), 0, 1), 0);
	uint8_t *m;
	size_t n;
	struct smb2_hdr h = peer_read(e.peer, &m, &n);
	assert_true(h.flags & SMB2_FLAGS_SIGNED);
	struct iovec iov = {m, n};
	assert_true(crypto_smb2_verify(CRYPTO_SIGN_AES_CMAC, key, &iov, 1)); /* payload covered */
	free(m);
	struct buf b;
	body_write(&b, 64);
	peer_send(e.peer, &(struct reply){SMB2_WRITE, h.message_id, 0, 1, .key = key}, &b);
	struct dsmb_completion cp;
	assert_int_equal(dsmb_wait_one(e.c, &cp), 0);
	assert_int_equal(cp.status, 0);
	assert_int_equal(cp.bytes, 64);

	/* An interim reply is not signed and is fine; a tampered final is not. */
	assert_int_equal(dsmb_submit_write(e.f, 0, data, sizeof(data), 0, 2), 0);
	h = peer_read(e.peer, &m, &n);
	free(m);
	struct buf eb;
	body_error(&eb);
	peer_send(e.peer, &(struct reply){SMB2_WRITE, h.message_id, STATUS_PENDING, 1, true, 5}, &eb);
	buf_free(&eb);
	peer_send(e.peer, &(struct reply){SMB2_WRITE, h.message_id, 0, 1, true, 5, key, true}, &b);
	assert_int_equal(dsmb_wait_one(e.c, &cp), 0);
	assert_int_equal(cp.status, STATUS_INVALID_SIGNATURE);
	assert_true(strstr(dsmb_errmsg(e.c), "signature") != NULL);
	/* The connection is unusable from then on. */
	assert_int_equal(dsmb_submit_write(e.f, 0, data, sizeof(data), 0, 3), STATUS_CONNECTION_DISCONNECTED);
	buf_free(&b);
	teardown_env(&e);
}

static void test_unsigned_reply_refused(void **state)
{
	struct env e = setup_env();
	e.c->keyed = e.c->signing = true;
	e.c->sign_alg = CRYPTO_SIGN_AES_CMAC;
	uint8_t data[8] = {0};
	assert_int_equal(dsmb_submit_write(e.f, 0, data, sizeof(data), 0, 1), 0);
	uint8_t *m;
	size_t n;
	struct smb2_hdr h = peer_read(e.peer, &m, &n);
	free(m);
	struct buf b;
	body_write(&b, 8);
	peer_send(e.peer, &(struct reply){SMB2_WRITE, h.message_id, 0, 1}, &b);
	buf_free(&b);
	struct dsmb_completion cp;
	assert_int_equal(dsmb_wait_one(e.c, &cp), 0);
	assert_int_equal(cp.status, STATUS_INVALID_SIGNATURE);
	teardown_env(&e);
}

static void test_peer_lies_or_leaves(void **state)
{
	/* A reply for a message id never sent. */
	struct env e = setup_env();
	uint8_t buf[4096];
	assert_int_equal(dsmb_submit_read(e.f, 0, buf, sizeof(buf), 1), 0);
	uint8_t *m;
	size_t n;
	peer_read(e.peer, &m, &n);
	free(m);
	struct buf b;
	body_read(&b, buf, 1);
	peer_send(e.peer, &(struct reply){SMB2_READ, 999, 0, 1}, &b);
	buf_free(&b);
	struct dsmb_completion cp;
	assert_int_equal(dsmb_wait_one(e.c, &cp), 0);
	assert_int_equal(cp.status, STATUS_INVALID_NETWORK_RESPONSE);
	teardown_env(&e);

	/* A read reply whose DataOffset/Length lie. */
	e = setup_env();
	assert_int_equal(dsmb_submit_read(e.f, 0, buf, sizeof(buf), 1), 0);
	struct smb2_hdr h = peer_read(e.peer, &m, &n);
	free(m);
	body_read(&b, buf, 16);
	put_le32(b.p + 4, 100000); /* DataLength beyond the message */
	peer_send(e.peer, &(struct reply){SMB2_READ, h.message_id, 0, 1}, &b);
	buf_free(&b);
	assert_int_equal(dsmb_wait_one(e.c, &cp), 0);
	assert_int_equal(cp.status, STATUS_INVALID_NETWORK_RESPONSE);
	teardown_env(&e);

	/* A frame claiming more than the cap. */
	e = setup_env();
	assert_int_equal(dsmb_submit_read(e.f, 0, buf, sizeof(buf), 1), 0);
	uint8_t huge[4] = {0, 0xFF, 0xFF, 0xFF};
	assert_int_equal(write(e.peer, huge, 4), 4);
	assert_int_equal(dsmb_wait_one(e.c, &cp), 0);
	assert_int_equal(cp.status, STATUS_INVALID_NETWORK_RESPONSE);
	teardown_env(&e);

	/* The peer goes away. */
	e = setup_env();
	assert_int_equal(dsmb_submit_read(e.f, 0, buf, sizeof(buf), 1), 0);
	shutdown(e.peer, SHUT_RDWR);
	assert_int_equal(dsmb_wait_one(e.c, &cp), 0);
	assert_int_equal(cp.status, STATUS_CONNECTION_DISCONNECTED);
	assert_true(strstr(dsmb_errmsg(e.c), "closed") != NULL);
	teardown_env(&e);
}

/* ---- dsmb_copy against a scripted server in a child process ---- */

struct copy_peer {
	uint64_t size;                   /* of the source, in the CREATE reply */
	struct cl_copychunk_resp limits; /* larger requests are refused with these */
	/* What the peer saw, sent back through a pipe. */
	unsigned refusals, copies, deletes, closes, creates;
	uint32_t most_chunks, biggest_chunk, most_bytes;
	uint64_t copied;                 /* contiguous bytes copied from 0 */
	bool bad;                        /* a request the peer did not expect */
};

static void peer_body(struct buf *out, struct buf *enc)
{
	/* Bodies are encoded after a blank header so that offsets come out
	 * right; peer_send wants the body alone. */
	*out = (struct buf){.p = enc->p + SMB2_HDR_SIZE, .len = enc->len - SMB2_HDR_SIZE};
}

static void copy_peer_run(int fd, struct copy_peer *p)
{
	static const uint8_t key[CL_RESUME_KEY_LEN] = {[0] = 0x5A, [23] = 0xA5};
	for (;;) {
		uint8_t *m;
		size_t n;
		struct smb2_hdr h = peer_read(fd, &m, &n);
		struct cur c;
		cur_init(&c, m, n);
		cur_seek(&c, SMB2_HDR_SIZE);
		struct buf enc, body;
		buf_init(&enc, 1 << 16);
		buf_zero(&enc, SMB2_HDR_SIZE);
		uint32_t status = 0;
		bool done = false;
		switch (h.command) {
		case SMB2_CREATE: {
			struct smb2_create_resp r = {0};
			r.end_of_file = p->creates == 0 ? p->size : 0;
			r.file_attributes = FILE_ATTRIBUTE_ARCHIVE;
			r.file_id = (struct smb2_fileid){p->creates + 1, p->creates + 1};
			p->creates++;
			smb2_encode_create_resp(&enc, 0, &r);
			break;
		}
		case SMB2_IOCTL: {
			struct smb2_ioctl_req q;
			if (smb2_decode_ioctl_req(&c, &q) < 0) {
				p->bad = true;
				break;
			}
			struct buf out;
			buf_init(&out, 64);
			if (q.ctl_code == FSCTL_SRV_REQUEST_RESUME_KEY) {
				buf_bytes(&out, key, sizeof(key));
				buf_zero(&out, 8);
			} else if (q.ctl_code == FSCTL_SRV_COPYCHUNK_WRITE && q.input_count >= 32 &&
				   !memcmp(q.input, key, sizeof(key))) {
				struct cur in;
				cur_init(&in, q.input, q.input_count);
				cur_skip(&in, 24);
				uint32_t count = cur_le32(&in), biggest = 0;
				cur_skip(&in, 4);
				uint64_t sum = 0, at = p->copied;
				for (uint32_t i = 0; i < count; i++) {
					uint64_t so = cur_le64(&in), dof = cur_le64(&in);
					uint32_t len = cur_le32(&in);
					cur_skip(&in, 4);
					if (so != at || dof != at || !len)
						p->bad = true;
					at += len;
					sum += len;
					biggest = len > biggest ? len : biggest;
				}
				if (!cur_ok(&in) || in.pos != q.input_count || at > p->size)
					p->bad = true;
				if (count > p->limits.chunks_written || biggest > p->limits.chunk_bytes_written ||
				    sum > p->limits.total_bytes_written) {
					p->refusals++;
					status = STATUS_INVALID_PARAMETER;
					buf_le32(&out, p->limits.chunks_written);
					buf_le32(&out, p->limits.chunk_bytes_written);
					buf_le32(&out, p->limits.total_bytes_written);
				} else {
					p->copies++;
					p->copied = at;
					p->most_chunks = count > p->most_chunks ? count : p->most_chunks;
					p->biggest_chunk = biggest > p->biggest_chunk ? biggest : p->biggest_chunk;
					p->most_bytes = sum > p->most_bytes ? (uint32_t)sum : p->most_bytes;
					buf_le32(&out, count);
					buf_le32(&out, 0);
					buf_le32(&out, (uint32_t)sum);
				}
			} else {
				p->bad = true;
			}
			struct smb2_ioctl_resp r = {q.ctl_code, q.file_id, out.p, (uint32_t)out.len, 0};
			smb2_encode_ioctl_resp(&enc, 0, &r);
			buf_free(&out);
			break;
		}
		case SMB2_SET_INFO: {
			struct smb2_set_info_req q;
			if (smb2_decode_set_info_req(&c, &q) == 0 && q.file_info_class == FileDispositionInformation &&
			    q.buffer_len >= 1 && q.buffer[0] == 1)
				p->deletes++;
			smb2_encode_set_info_resp(&enc);
			break;
		}
		case SMB2_CLOSE: {
			struct smb2_close_resp r = {0};
			smb2_encode_close_resp(&enc, &r);
			done = ++p->closes == 2;
			break;
		}
		default:
			p->bad = true;
			break;
		}
		free(m);
		if (p->bad) {
			buf_free(&enc);
			return;
		}
		peer_body(&body, &enc);
		peer_send(fd, &(struct reply){h.command, h.message_id, status, 1}, &body);
		buf_free(&enc);
		if (done)
			return;
	}
}

/* Runs dsmb_copy("a", "b") against the peer; returns its status and
 * fills *seen with what the peer saw. */
static dsmb_status copy_against(struct copy_peer *seen, uint64_t *copied)
{
	struct env e = setup_env();
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		copy_peer_run(e.peer, seen);
		_exit(write(pfd[1], seen, sizeof(*seen)) == (ssize_t)sizeof(*seen) ? 0 : 1);
	}
	close(pfd[1]);
	dsmb_status st = dsmb_copy(e.t, "a", "b", true, NULL, NULL, copied);
	shutdown(e.peer, SHUT_RDWR); /* a peer still waiting gives up */
	struct copy_peer got;
	assert_int_equal(read(pfd[0], &got, sizeof(got)), (ssize_t)sizeof(got));
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	close(pfd[0]);
	*seen = got;
	teardown_env(&e);
	return st;
}

static void test_copy_limits(void **state)
{
	(void)state;
	/* A server that takes the MS-SMB2 3.3.3 defaults: 16 MiB requests of
	 * 1 MiB chunks, none refused. */
	struct copy_peer p = {.size = 40u * 1024 * 1024 + 5, .limits = {256, 1 << 20, 16 << 20}};
	uint64_t copied = 0;
	assert_int_equal(copy_against(&p, &copied), STATUS_SUCCESS);
	assert_false(p.bad);
	assert_int_equal(p.refusals, 0);
	assert_int_equal(p.copies, 3);
	assert_int_equal(p.most_chunks, 16);
	assert_int_equal(p.biggest_chunk, 1 << 20);
	assert_int_equal(p.copied, p.size);
	assert_int_equal(copied, p.size);
	assert_int_equal(p.deletes, 0);

	/* Smaller limits: refused once, then every request within them. */
	p = (struct copy_peer){.size = 600 * 1024 + 3, .limits = {4, 64 * 1024, 200 * 1024}};
	assert_int_equal(copy_against(&p, &copied), STATUS_SUCCESS);
	assert_false(p.bad);
	assert_int_equal(p.refusals, 1);
	assert_int_equal(p.copied, p.size);
	assert_true(p.most_chunks <= 4 && p.biggest_chunk <= 64 * 1024 && p.most_bytes <= 200 * 1024);
	assert_int_equal(p.copies, 4); /* 600 KiB + 3 in requests of 200 KiB */
	assert_int_equal(p.deletes, 0);

	/* Limits that refuse even what they announce: no endless retry; the
	 * half-made copy is deleted. */
	p = (struct copy_peer){.size = 3 << 20, .limits = {0, 0, 0}};
	assert_int_equal(copy_against(&p, &copied), STATUS_INVALID_PARAMETER);
	assert_false(p.bad);
	assert_int_equal(p.refusals, 1);
	assert_int_equal(copied, 0);
	assert_int_equal(p.deletes, 1);

	/* An empty source: nothing to copy, the target made all the same. */
	p = (struct copy_peer){.size = 0, .limits = {256, 1 << 20, 16 << 20}};
	assert_int_equal(copy_against(&p, &copied), STATUS_SUCCESS);
	assert_false(p.bad);
	assert_int_equal(p.copies + p.refusals, 0);
	assert_int_equal(p.creates, 2);
}

int main(void)
{
	assert_int_equal(crypto_init(), 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_multi_credit_and_exhaustion),
		cmocka_unit_test(test_signing),
		cmocka_unit_test(test_unsigned_reply_refused),
		cmocka_unit_test(test_peer_lies_or_leaves),
		cmocka_unit_test(test_copy_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
