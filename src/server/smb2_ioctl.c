/* IOCTL (MS-SMB2 3.3.5.15): validate negotiate, pipe transceive, object
 * ids, server-side copy (3.3.5.15.5, 3.3.5.15.6 with the limits of 3.3.3),
 * sparse files (MS-FSCC 2.3.64, 2.3.67, 2.3.51), reparse points, network
 * interfaces (3.3.5.15.11).
 *
 * A copy runs on the worker pool when the request may go async: the
 * handler checks everything a client can get wrong first (limits, access,
 * end of file, byte-range locks) and answers those failures itself, with
 * the SRV_COPYCHUNK_RESPONSE the client expects beside the error; the
 * worker only moves bytes, through handles both held by the async record
 * (the target by srv_go_async, the source by the job, released on the
 * loop thread by srv_async_finish). */
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "crypto/crypto.h"
#include "server/fsctl.h"
#include "server/lock.h"
#include "server/srv.h"
#include "server/wtime.h"

/* MS-ERREF 2.3.1 values common/ntstatus.h does not have yet. */
#ifndef STATUS_INVALID_VIEW_SIZE
#define STATUS_INVALID_VIEW_SIZE 0xC000001Fu
#endif

/* MS-FSCC 2.3: codes smb2.h does not define. */
#define FSCTL_GET_COMPRESSION_CODE 0x0009003Cu
#define FSCTL_SET_COMPRESSION_CODE 0x0009C040u
#define COMPRESSION_FORMAT_NONE 0x0000u

/* Link speed reported when the kernel does not know it (lo, bonds). */
#define DEFAULT_LINK_SPEED (10ull * 1000 * 1000 * 1000)
#define MAX_NET_IFACES 64
/* Ranges one QUERY_ALLOCATED_RANGES reply may hold at most. */
#define MAX_QAR_RANGES 65536u

static NTSTATUS validate_negotiate(struct srv_req *r, const struct smb2_ioctl_req *rq,
				   struct buf *data)
{
	struct srv_conn *c = r->conn;
	struct smb2_validate_negotiate_req v;
	if (c->dialect == SMB2_DIALECT_311) {
		/* 3.1.1 relies on preauth integrity instead (3.3.5.15.12). */
		c->closing = true;
		return STATUS_ACCESS_DENIED;
	}
	if (smb2_decode_validate_negotiate_req(rq->input, rq->input_count, &v) < 0)
		return STATUS_INVALID_PARAMETER;
	/* Any mismatch means the negotiate was tampered with: disconnect. */
	bool ok = v.capabilities == c->client_caps && !memcmp(v.guid, c->client_guid, 16) &&
		  v.security_mode == c->client_sec_mode && v.dialect_count == c->nclient_dialects &&
		  !memcmp(v.dialects, c->client_dialects, v.dialect_count * sizeof(uint16_t));
	if (!ok) {
		LOG_WARN("%s: VALIDATE_NEGOTIATE_INFO mismatch; disconnecting", c->peer);
		c->closing = true;
		return STATUS_ACCESS_DENIED;
	}
	struct smb2_validate_negotiate_resp rs;
	rs.capabilities = c->server_caps;
	memcpy(rs.guid, c->srv->guid, 16);
	rs.security_mode = c->server_sec_mode;
	rs.dialect = c->dialect;
	smb2_encode_validate_negotiate_resp(data, &rs);
	return STATUS_SUCCESS;
}

static NTSTATUS transceive(struct srv_open *o, const struct smb2_ioctl_req *rq, struct buf *data,
			   bool *overflow)
{
	if (!o || !o->pipe)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (rpc_pipe_write(o->pipe, rq->input, rq->input_count) < 0)
		return STATUS_INVALID_PARAMETER;
	size_t pending = rpc_pipe_pending(o->pipe);
	size_t n = pending < rq->max_output_response ? pending : rq->max_output_response;
	uint8_t *dst = buf_reserve_uninit(data, n);
	if (!dst && n)
		return STATUS_INSUFFICIENT_RESOURCES;
	size_t got = rpc_pipe_read(o->pipe, dst, n);
	data->len -= n - got;
	*overflow = got == rq->max_output_response && rpc_pipe_pending(o->pipe) != 0;
	return STATUS_SUCCESS;
}

static NTSTATUS object_id(struct srv_open *o, struct buf *data)
{
	/* FILE_OBJECTID_BUFFER (MS-FSCC 2.1.3): a stable id made from the
	 * file's (device, inode); nothing is stored. */
	struct vfs_stat vst;
	if (!o->h)
		return STATUS_INVALID_DEVICE_REQUEST;
	NTSTATUS st = o->vfs->ops->fstat(o->h, &vst);
	if (st)
		return st;
	uint8_t id[64] = {0};
	put_le64(id, vst.file_id);
	put_le64(id + 8, vst.dev);
	put_le64(id + 16, vst.dev);      /* BirthVolumeId */
	memcpy(id + 32, id, 16);         /* BirthObjectId */
	buf_bytes(data, id, sizeof(id));
	return STATUS_SUCCESS;
}

/* ---- server-side copy (3.3.5.15.5, 3.3.5.15.6) ---- */

/* The resume key names an open of this connection: SessionId, the open's
 * id, and a random nonce kept with the open, so that a key cannot be
 * guessed from the ids a client sees. */
static NTSTATUS request_resume_key(struct srv_req *r, struct srv_open *o,
				   const struct smb2_ioctl_req *rq, struct buf *data)
{
	if (!o->h)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (rq->max_output_response < FSCTL_RESUME_KEY_RESP_LEN)
		return STATUS_INVALID_PARAMETER;
	while (!o->resume_nonce)
		crypto_random(&o->resume_nonce, sizeof(o->resume_nonce));
	uint8_t key[FSCTL_RESUME_KEY_LEN];
	put_le64(key, r->sess->id);
	put_le64(key + 8, o->id);
	put_le64(key + 16, o->resume_nonce);
	fsctl_encode_resume_key(data, key);
	return STATUS_SUCCESS;
}

static struct srv_open *resume_key_lookup(struct srv_conn *c, const uint8_t key[FSCTL_RESUME_KEY_LEN])
{
	uint64_t nonce = get_le64(key + 16);
	struct srv_session *s = srv_session_lookup(c, get_le64(key));
	if (!s || s->state != SESS_VALID || !nonce)
		return NULL;
	struct srv_open *o = idtab_get(&s->opens, get_le64(key + 8));
	if (!o || o->resume_nonce != nonce || !o->h || !o->tree || o->orphan)
		return NULL;
	return o;
}

struct copy_job {
	struct srv_open *src;          /* held (refs) while async, until release */
	struct vfs_handle *sh, *dh;
	const struct vfs_ops *sops, *dops;
	bool same_file;
	uint32_t ctl_code;
	struct smb2_fileid fid;
	uint32_t n;
	uint32_t written;              /* chunks copied */
	uint64_t total;                /* bytes copied */
	atomic_bool cancel;
	/* Who the worker runs the copy as: the request's identity (streams
	 * and EAs are xattrs, checked against the caller on every call). */
	struct srv_identity who;
	bool has_who;
	struct fsctl_chunk chunks[];
};

static bool ranges_overlap(uint64_t a, uint64_t b, uint64_t len)
{
	return a < b + len && b < a + len;
}

/* One chunk: copy_file_range underneath when the backend has it, else
 * through a buffer holding the whole chunk (so overlapping ranges of one
 * file copy as if read before written). */
static NTSTATUS copy_one(struct copy_job *j, const struct fsctl_chunk *c, uint8_t **bounce)
{
	uint64_t done = 0;
	bool overlap = j->same_file && ranges_overlap(c->src_off, c->dst_off, c->len);
	if (!overlap && j->sops == j->dops && j->sops->copy_range) {
		NTSTATUS st = j->sops->copy_range(j->sh, c->src_off, j->dh, c->dst_off, c->len, &done);
		if (st == STATUS_SUCCESS)
			return done == c->len ? STATUS_SUCCESS : STATUS_INVALID_VIEW_SIZE;
		if (st != STATUS_NOT_SUPPORTED)
			return st;
	}
	if (!*bounce && !(*bounce = malloc(FSCTL_COPYCHUNK_MAX_CHUNK_SIZE)))
		return STATUS_NO_MEMORY;
	size_t want = (size_t)(c->len - done), got = 0;
	while (got < want) {
		size_t n = 0;
		NTSTATUS st = j->sops->pread(j->sh, *bounce + got, want - got,
					     c->src_off + done + got, &n);
		if (st)
			return st;
		if (n == 0)
			return STATUS_INVALID_VIEW_SIZE; /* the source shrank meanwhile */
		got += n;
	}
	return j->dops->pwrite(j->dh, *bounce, want, c->dst_off + done, false);
}

/* Copies chunks [written, n); on a worker thread or inline. */
static NTSTATUS copy_run(struct copy_job *j)
{
	uint8_t *bounce = NULL;
	NTSTATUS st = STATUS_SUCCESS;
	for (; j->written < j->n; j->written++) {
		if (atomic_load(&j->cancel)) {
			st = STATUS_CANCELLED;
			break;
		}
		st = copy_one(j, &j->chunks[j->written], &bounce);
		if (st)
			break;
		j->total += j->chunks[j->written].len;
	}
	free(bounce);
	return st;
}

/* The IOCTL response body with output at hdr_off's offsets. */
static void encode_resp(struct buf *b, size_t hdr_off, uint32_t ctl_code,
			const struct smb2_fileid *fid, const struct buf *data)
{
	struct smb2_ioctl_resp rs = {ctl_code, *fid, data->p, (uint32_t)data->len, 0};
	smb2_encode_ioctl_resp(b, hdr_off, &rs);
}

static void copy_work(struct srv_async *a)
{
	struct copy_job *j = a->work_arg;
	if (srv_identity_enter(j->has_who ? &j->who : NULL) < 0) {
		a->status = STATUS_ACCESS_DENIED;
		return;
	}
	a->status = copy_run(j);
	(void)srv_identity_enter(NULL); /* the pool's own identity again */
	if (a->status)
		return; /* an I/O error: no body (limits and EOF were checked) */
	/* The body as srv_async_finish places it: right after a header. */
	struct buf out, data;
	buf_init(&out, 4096);
	buf_init(&data, 64);
	fsctl_encode_copychunk_resp(&data, j->written, 0, (uint32_t)j->total);
	buf_zero(&out, SMB2_HDR_SIZE);
	encode_resp(&out, 0, j->ctl_code, &j->fid, &data);
	if (buf_ok(&out) && buf_ok(&data))
		buf_bytes(&a->body, out.p + SMB2_HDR_SIZE, out.len - SMB2_HDR_SIZE);
	if (!buf_ok(&a->body))
		a->status = STATUS_INSUFFICIENT_RESOURCES;
	buf_free(&out);
	buf_free(&data);
}

static void copy_cancel(struct srv_async *a)
{
	struct copy_job *j = a->work_arg;
	atomic_store(&j->cancel, true);
}

/* On the loop thread (srv_async_finish), whether the work ran or not. */
static void copy_release(struct srv_async *a)
{
	struct copy_job *j = a->work_arg;
	if (j->src)
		srv_open_put(j->src);
	free(j);
	a->work_arg = NULL;
}

/* What a copy answers when limits are exceeded (3.3.5.15.6.2): the
 * limits themselves. */
static NTSTATUS copy_limits(struct buf *data, bool *body)
{
	fsctl_encode_copychunk_resp(data, FSCTL_COPYCHUNK_MAX_CHUNKS,
				    FSCTL_COPYCHUNK_MAX_CHUNK_SIZE, FSCTL_COPYCHUNK_MAX_DATA);
	*body = true;
	return STATUS_INVALID_PARAMETER;
}

static NTSTATUS copychunk(struct srv_req *r, struct srv_open *dst, const struct smb2_ioctl_req *rq,
			  struct buf *data, bool *body)
{
	if (!dst->h || dst->is_dir)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (rq->max_output_response < FSCTL_COPYCHUNK_RESP_LEN)
		return STATUS_INVALID_PARAMETER;
	struct fsctl_copychunk cc;
	if (fsctl_decode_copychunk(rq->input, rq->input_count, &cc) < 0)
		return copy_limits(data, body);
	struct srv_open *src = resume_key_lookup(r->conn, cc.key);
	if (!src)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (cc.count > FSCTL_COPYCHUNK_MAX_CHUNKS || !fsctl_copychunk_complete(&cc))
		return copy_limits(data, body);
	uint64_t sum = 0;
	for (uint32_t i = 0; i < cc.count; i++) {
		struct fsctl_chunk ch;
		fsctl_copychunk_get(&cc, i, &ch);
		if (ch.len == 0 || ch.len > FSCTL_COPYCHUNK_MAX_CHUNK_SIZE)
			return copy_limits(data, body);
		sum += ch.len;
	}
	if (sum > FSCTL_COPYCHUNK_MAX_DATA)
		return copy_limits(data, body);
	/* COPYCHUNK reads the target too (3.3.5.15.6); COPYCHUNK_WRITE not. */
	if (!(dst->access & FILE_WRITE_DATA) ||
	    (rq->ctl_code == FSCTL_SRV_COPYCHUNK && !(dst->access & FILE_READ_DATA)))
		return STATUS_ACCESS_DENIED;
	if (!(src->access & (FILE_READ_DATA | FILE_EXECUTE)) || src->is_dir)
		return STATUS_ACCESS_DENIED;

	struct copy_job *j = calloc(1, sizeof(*j) + (size_t)cc.count * sizeof(j->chunks[0]));
	if (!j)
		return STATUS_NO_MEMORY;
	j->sh = src->h;
	j->dh = dst->h;
	j->sops = src->vfs->ops;
	j->dops = dst->vfs->ops;
	j->ctl_code = rq->ctl_code;
	j->fid = rq->file_id;
	struct vfs_stat ss, ds;
	NTSTATUS st = j->sops->fstat(j->sh, &ss);
	if (!st)
		st = j->dops->fstat(j->dh, &ds);
	if (st) {
		free(j);
		return st;
	}
	j->same_file = ss.dev == ds.dev && ss.file_id == ds.file_id;

	/* What fails for a chunk is found here, so that the reply can say
	 * how far the copy went: chunks before the first bad one are copied,
	 * then its status returned with the response (as Windows and Samba). */
	NTSTATUS bad = STATUS_SUCCESS;
	uint64_t src_size = ss.size;
	for (uint32_t i = 0; i < cc.count && !bad; i++) {
		struct fsctl_chunk *ch = &j->chunks[i];
		fsctl_copychunk_get(&cc, i, ch);
		if (ch->src_off > src_size || ch->len > src_size - ch->src_off)
			bad = STATUS_INVALID_VIEW_SIZE;
		else if (ch->dst_off > (uint64_t)INT64_MAX - ch->len)
			bad = STATUS_DISK_FULL; /* past the largest file offset */
		else if (srv_lock_check_io(src, ch->src_off, ch->len, false) ||
			 srv_lock_check_io(dst, ch->dst_off, ch->len, true))
			bad = STATUS_FILE_LOCK_CONFLICT;
		else
			j->n = i + 1;
		/* A copy within one file grows what later chunks can read. */
		if (!bad && j->same_file && ch->dst_off + ch->len > src_size)
			src_size = ch->dst_off + ch->len;
	}
	if (j->n) {
		/* wtime.c: the target is written (its time shows later, so it
		 * may be marked before the bytes move). */
		srv_wtime_write_begin(dst);
		srv_wtime_write_end(dst, true);
	}
	struct srv_async *a = NULL;
	if (!bad && j->n)
		a = srv_go_async(r, copy_work, dst);
	if (a) {
		/* As the dispatcher chose it for this request. */
		const struct srv_identity *who =
			&r->conn->srv->share_ident[r->tree->share - r->conn->srv->cfg->shares];
		if (!who->valid)
			who = &r->sess->unix_ident;
		j->who = *who;
		j->has_who = true;
		src->refs++;
		j->src = src;
		a->work_arg = j;
		a->release = copy_release;
		a->cancel = copy_cancel;
		return STATUS_PENDING;
	}
	st = copy_run(j);
	if (!st)
		st = bad;
	fsctl_encode_copychunk_resp(data, j->written, 0, (uint32_t)j->total);
	*body = true;
	free(j);
	return st;
}

/* ---- sparse files (MS-FSCC 2.3.64, 2.3.67, 2.3.51) ---- */

static NTSTATUS set_sparse(struct srv_open *o, const struct smb2_ioctl_req *rq)
{
	if (!o->h)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (o->is_dir)
		return STATUS_INVALID_PARAMETER;
	/* MS-FSA 2.1.5.9.33: any of these rights is enough. */
	if (!(o->access & (FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | FILE_APPEND_DATA)))
		return STATUS_ACCESS_DENIED;
	const struct vfs_ops *ops = o->vfs->ops;
	if (!ops->set_sparse)
		return STATUS_INVALID_DEVICE_REQUEST;
	/* FILE_SET_SPARSE_BUFFER: absent means TRUE; longer input is fine. */
	bool sparse = rq->input_count == 0 || rq->input[0] != 0;
	return ops->set_sparse(o->h, sparse);
}

static NTSTATUS zero_data(struct srv_open *o, const struct smb2_ioctl_req *rq)
{
	if (!o->h)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (o->is_dir)
		return STATUS_INVALID_PARAMETER;
	if (!(o->access & FILE_WRITE_DATA))
		return STATUS_ACCESS_DENIED;
	uint64_t off, beyond;
	if (fsctl_decode_range(rq->input, rq->input_count, &off, &beyond) < 0 ||
	    off > INT64_MAX || beyond > INT64_MAX || off > beyond)
		return STATUS_INVALID_PARAMETER;
	if (off == beyond)
		return STATUS_SUCCESS;
	if (srv_lock_check_io(o, off, beyond - off, true))
		return STATUS_FILE_LOCK_CONFLICT;
	const struct vfs_ops *ops = o->vfs->ops;
	struct vfs_stat st;
	NTSTATUS s = ops->fstat(o->h, &st);
	if (s)
		return s;
	/* Zeroing never extends the file. */
	if (off >= st.size)
		return STATUS_SUCCESS;
	uint64_t end = beyond < st.size ? beyond : st.size;
	srv_wtime_write_begin(o); /* wtime.c: a write like any other */
	s = ops->zero_range ? ops->zero_range(o->h, off, end - off) : STATUS_NOT_SUPPORTED;
	if (s == STATUS_NOT_SUPPORTED) {
		static const uint8_t zeros[65536];
		s = STATUS_SUCCESS;
		for (uint64_t p = off; p < end && !s;) {
			size_t n = end - p < sizeof(zeros) ? (size_t)(end - p) : sizeof(zeros);
			s = ops->pwrite(o->h, zeros, n, p, false);
			p += n;
		}
	}
	srv_wtime_write_end(o, s == STATUS_SUCCESS);
	return s;
}

static NTSTATUS allocated_ranges(struct srv_open *o, const struct smb2_ioctl_req *rq,
				 struct buf *data, bool *overflow)
{
	if (!o->h)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (o->is_dir)
		return STATUS_INVALID_PARAMETER;
	if (!(o->access & FILE_READ_DATA))
		return STATUS_ACCESS_DENIED;
	uint64_t off, len;
	if (fsctl_decode_range(rq->input, rq->input_count, &off, &len) < 0 || off > INT64_MAX ||
	    len > INT64_MAX)
		return STATUS_INVALID_PARAMETER;
	const struct vfs_ops *ops = o->vfs->ops;
	if (!ops->alloc_ranges)
		return STATUS_INVALID_DEVICE_REQUEST;
	size_t max = rq->max_output_response / FSCTL_RANGE_LEN;
	if (max > MAX_QAR_RANGES)
		max = MAX_QAR_RANGES;
	struct vfs_range one, *v = max > 1 ? calloc(max, sizeof(*v)) : &one;
	if (!v)
		return STATUS_NO_MEMORY;
	size_t count = 0;
	bool more = false;
	NTSTATUS st = ops->alloc_ranges(o->h, off, len, v, max, &count, &more);
	if (!st && more && count == 0)
		st = STATUS_BUFFER_TOO_SMALL;
	for (size_t i = 0; !st && i < count; i++)
		fsctl_encode_range(data, v[i].off, v[i].len);
	/* MS-FSCC 2.3.52: what fits, with STATUS_BUFFER_OVERFLOW. */
	if (!st && more)
		*overflow = true;
	if (v != &one)
		free(v);
	return st;
}

/* FSCTL_GET_COMPRESSION / SET_COMPRESSION on a file system without
 * compression: NONE is the state and the only format accepted (as
 * WS2016 ReFS answers; smbtorture compress_notsup_*). */
static NTSTATUS compression(struct srv_open *o, const struct smb2_ioctl_req *rq, struct buf *data)
{
	if (!o->h)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (rq->ctl_code == FSCTL_GET_COMPRESSION_CODE) {
		if (rq->max_output_response < 2)
			return STATUS_INVALID_PARAMETER;
		buf_le16(data, COMPRESSION_FORMAT_NONE);
		return STATUS_SUCCESS;
	}
	if (rq->input_count < 2)
		return STATUS_INVALID_PARAMETER;
	if (!(o->access & (FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES)))
		return STATUS_ACCESS_DENIED;
	return get_le16(rq->input) == COMPRESSION_FORMAT_NONE ? STATUS_SUCCESS
							     : STATUS_NOT_SUPPORTED;
}

/* ---- FSCTL_QUERY_NETWORK_INTERFACE_INFO (3.3.5.15.11) ---- */

static uint64_t link_speed(const char *ifname)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/class/net/%s/speed", ifname);
	FILE *f = fopen(path, "re");
	long mbit = -1;
	if (f) {
		if (fscanf(f, "%ld", &mbit) != 1)
			mbit = -1;
		fclose(f);
	}
	return mbit > 0 ? (uint64_t)mbit * 1000 * 1000 : DEFAULT_LINK_SPEED;
}

static bool iface_seen(const struct fsctl_net_iface *v, size_t n, const struct fsctl_net_iface *f)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].ipv6 == f->ipv6 && !memcmp(v[i].addr, f->addr, 16))
			return true;
	return false;
}

/* The addresses daxsmbd listens on: each configured address, or for a
 * wildcard every address of that family on an interface that is up. */
static NTSTATUS network_interfaces(struct srv_req *r, struct buf *data)
{
	if (r->conn->dialect < SMB2_DIALECT_300)
		return STATUS_INVALID_DEVICE_REQUEST;
	const struct srv_config *cfg = r->conn->srv->cfg;
	struct ifaddrs *ifs = NULL;
	if (getifaddrs(&ifs) < 0)
		return STATUS_INSUFFICIENT_RESOURCES;
	struct fsctl_net_iface v[MAX_NET_IFACES];
	size_t n = 0;
	for (size_t a = 0; a < cfg->naddrs; a++) {
		struct in6_addr want6;
		struct in_addr want4;
		bool is6 = inet_pton(AF_INET6, cfg->addrs[a], &want6) == 1;
		if (!is6 && inet_pton(AF_INET, cfg->addrs[a], &want4) != 1)
			continue;
		bool any = is6 ? IN6_IS_ADDR_UNSPECIFIED(&want6) : want4.s_addr == INADDR_ANY;
		for (struct ifaddrs *i = ifs; i && n < MAX_NET_IFACES; i = i->ifa_next) {
			if (!i->ifa_addr || !(i->ifa_flags & IFF_UP))
				continue;
			struct fsctl_net_iface f = {0};
			if (is6 && i->ifa_addr->sa_family == AF_INET6) {
				const struct sockaddr_in6 *s6 = (const void *)i->ifa_addr;
				if (!any && memcmp(&s6->sin6_addr, &want6, 16))
					continue;
				f.ipv6 = true;
				memcpy(f.addr, &s6->sin6_addr, 16);
				f.scope_id = s6->sin6_scope_id;
			} else if (!is6 && i->ifa_addr->sa_family == AF_INET) {
				const struct sockaddr_in *s4 = (const void *)i->ifa_addr;
				if (!any && s4->sin_addr.s_addr != want4.s_addr)
					continue;
				memcpy(f.addr, &s4->sin_addr, 4);
			} else {
				continue;
			}
			if (any && (i->ifa_flags & IFF_LOOPBACK))
				continue; /* a wildcard offers the real interfaces */
			f.if_index = if_nametoindex(i->ifa_name);
			f.link_speed = link_speed(i->ifa_name);
			if (!iface_seen(v, n, &f))
				v[n++] = f;
		}
	}
	freeifaddrs(ifs);
	if (n == 0)
		return STATUS_NOT_SUPPORTED;
	fsctl_encode_net_ifaces(data, v, n);
	return STATUS_SUCCESS;
}

/* ---- the handler ---- */

NTSTATUS smb2_ioctl(struct srv_req *r)
{
	struct smb2_ioctl_req rq;
	if (smb2_decode_ioctl_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	uint32_t io = r->conn->srv->cfg->max_io;
	if (rq.input_count > io || rq.max_output_response > io || rq.max_input_response > io)
		return STATUS_INVALID_PARAMETER;
	uint64_t payload = rq.input_count > rq.max_output_response ? rq.input_count
								   : rq.max_output_response;
	if (!srv_charge_ok(r, payload))
		return STATUS_INVALID_PARAMETER;
	if (!(rq.flags & SMB2_0_IOCTL_IS_FSCTL))
		return STATUS_NOT_SUPPORTED;

	struct buf data;
	buf_init(&data, (size_t)io + 4096);
	NTSTATUS st;
	bool overflow = false;
	bool body_on_error = false;    /* the output stands beside an error */
	struct srv_open *o = NULL;
	switch (rq.ctl_code) {
	case FSCTL_VALIDATE_NEGOTIATE_INFO:
		st = validate_negotiate(r, &rq, &data);
		break;
	case FSCTL_QUERY_NETWORK_INTERFACE_INFO:
		/* Not about a file: the FileId must be all ones (3.3.5.15.11). */
		if (rq.file_id.persistent != UINT64_MAX || rq.file_id.volatile_ != UINT64_MAX)
			st = STATUS_INVALID_PARAMETER;
		else
			st = network_interfaces(r, &data);
		break;
	case FSCTL_DFS_GET_REFERRALS:
	case 0x000601B0u: /* FSCTL_DFS_GET_REFERRALS_EX */
		st = STATUS_FS_DRIVER_REQUIRED;
		break;
	default:
		o = srv_open_lookup(r, &rq.file_id);
		if (!o) {
			st = srv_open_miss(r);
			break;
		}
		switch (rq.ctl_code) {
		case FSCTL_PIPE_TRANSCEIVE:
			st = transceive(o, &rq, &data, &overflow);
			break;
		case FSCTL_GET_OBJECT_ID:
		case FSCTL_CREATE_OR_GET_OBJECT_ID:
			st = object_id(o, &data);
			break;
		case FSCTL_SRV_REQUEST_RESUME_KEY:
			st = request_resume_key(r, o, &rq, &data);
			break;
		case FSCTL_SRV_COPYCHUNK:
		case FSCTL_SRV_COPYCHUNK_WRITE:
			st = copychunk(r, o, &rq, &data, &body_on_error);
			break;
		case FSCTL_SET_SPARSE:
			st = set_sparse(o, &rq);
			break;
		case FSCTL_SET_ZERO_DATA:
			st = zero_data(o, &rq);
			break;
		case FSCTL_QUERY_ALLOCATED_RANGES:
			st = allocated_ranges(o, &rq, &data, &overflow);
			break;
		case FSCTL_GET_REPARSE_POINT:
			st = o->h ? STATUS_NOT_A_REPARSE_POINT : STATUS_INVALID_DEVICE_REQUEST;
			break;
		case FSCTL_GET_COMPRESSION_CODE:
		case FSCTL_SET_COMPRESSION_CODE:
			st = compression(o, &rq, &data);
			break;
		default:
			/* Windows answers an FSCTL it does not know so. */
			st = STATUS_INVALID_DEVICE_REQUEST;
			break;
		}
		break;
	}
	if (st == STATUS_SUCCESS || (body_on_error && st != STATUS_PENDING)) {
		if (data.len > rq.max_output_response) {
			buf_free(&data);
			return STATUS_BUFFER_TOO_SMALL;
		}
		encode_resp(r->out, r->rsp_off, rq.ctl_code, &rq.file_id, &data);
		if (st != STATUS_SUCCESS) {
			r->keep_body = true;
		} else if (overflow) {
			r->keep_body = true;
			st = STATUS_BUFFER_OVERFLOW;
		}
	}
	buf_free(&data);
	return st;
}
