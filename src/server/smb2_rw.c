/* READ, WRITE and FLUSH (MS-SMB2 3.3.5.11, 3.3.5.12, 3.3.5.13). */
#include <string.h>

#include "common/log.h"
#include "server/lock.h"
#include "server/oplock.h"
#include "server/srv.h"
#include "server/wtime.h"

#define SRV_MAX_FILE_SIZE 0xfffffff0000ULL

bool srv_charge_ok(const struct srv_req *r, uint64_t payload)
{
	const struct srv_conn *c = r->conn;
	if (c->dialect == SMB2_DIALECT_202 || !(c->server_caps & SMB2_GLOBAL_CAP_LARGE_MTU))
		return payload <= 65536;
	uint64_t charge = r->hdr.credit_charge ? r->hdr.credit_charge : 1;
	return (payload + 65535) / 65536 <= charge;
}

static NTSTATUS read_pipe(struct srv_req *r, struct srv_open *o, const struct smb2_read_req *rq)
{
	size_t pending = rpc_pipe_pending(o->pipe);
	if (!pending)
		return STATUS_PIPE_EMPTY;
	size_t n = pending < rq->length ? pending : rq->length;
	struct smb2_read_resp rs = {(uint32_t)n, 0, 0, NULL};
	smb2_encode_read_resp_fixed(r->out, &rs);
	uint8_t *dst = buf_reserve_uninit(r->out, n);
	if (!dst)
		return STATUS_INSUFFICIENT_RESOURCES;
	/* One PDU per read (a message-mode pipe); a full buffer with more
	 * waiting means the message goes on. */
	size_t got = rpc_pipe_read(o->pipe, dst, n);
	r->out->len -= n - got;
	buf_set_le32(r->out, r->out->len - got - 16 + 4, (uint32_t)got);
	if (got == rq->length && rpc_pipe_pending(o->pipe)) {
		r->keep_body = true;
		return STATUS_BUFFER_OVERFLOW;
	}
	return STATUS_SUCCESS;
}

NTSTATUS smb2_read(struct srv_req *r)
{
	struct smb2_read_req rq;
	if (smb2_decode_read_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	if (rq.length > r->conn->srv->cfg->max_io || !srv_charge_ok(r, rq.length))
		return STATUS_INVALID_PARAMETER;
	if (o->pipe)
		return read_pipe(r, o, &rq);
	if (o->is_dir)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (!(o->access & (FILE_READ_DATA | FILE_EXECUTE)))
		return STATUS_ACCESS_DENIED;
	/* Offsets are signed 64-bit in NTFS: nothing may reach past
	 * INT64_MAX (smbtorture smb2.rw.invalid, as Windows answers). */
	if (rq.offset > INT64_MAX || rq.length > INT64_MAX - rq.offset)
		return STATUS_INVALID_PARAMETER;
	NTSTATUS lst = srv_lock_check_io(o, rq.offset, rq.length, false);
	if (lst)
		return lst;

	size_t fixed = r->out->len;
	struct smb2_read_resp rs = {0, 0, 0, NULL};
	const struct vfs_ops *vops = o->tree->vfs->ops;
	/* From a mapping, the reply carries the file's bytes without a copy:
	 * only for the last reply of a frame that is not encrypted. */
	if (vops->read_map && r->can_async && !r->enc_sess && rq.length >= 4096 &&
	    r->conn->nsplices < SRV_MAX_SPLICES) {
		const void *ptr;
		size_t got = 0;
		void *hold = NULL;
		NTSTATUS ms = vops->read_map(o->h, rq.offset, rq.length, &ptr, &got, &hold);
		if (ms == STATUS_SUCCESS) {
			if (got == 0 || got < rq.minimum_count) {
				vops->read_release(o->h, hold);
				return STATUS_END_OF_FILE;
			}
			rs.data_length = (uint32_t)got;
			smb2_encode_read_resp_fixed(r->out, &rs);
			srv_conn_splice(r->conn, ptr, got, o, hold);
			o->position = rq.offset + got;
			return STATUS_SUCCESS;
		}
	}
	smb2_encode_read_resp_fixed(r->out, &rs);
	/* The data lands straight in the response buffer. */
	uint8_t *dst = buf_reserve_uninit(r->out, rq.length);
	if (!dst && rq.length)
		return STATUS_INSUFFICIENT_RESOURCES;
	size_t done = 0;
	NTSTATUS st = STATUS_SUCCESS;
	if (rq.length)
		st = o->tree->vfs->ops->pread(o->h, dst, rq.length, rq.offset, &done);
	if (st)
		return st;
	r->out->len = fixed + 16 + done;
	/* Nothing at or past the end, or less than MinimumCount. */
	if ((done == 0 && rq.length) || done < rq.minimum_count)
		return STATUS_END_OF_FILE;
	buf_set_le32(r->out, fixed + 4, (uint32_t)done);
	o->position = rq.offset + done; /* the current byte offset moves on */
	return STATUS_SUCCESS;
}

NTSTATUS smb2_write(struct srv_req *r)
{
	struct smb2_write_req rq;
	if (smb2_decode_write_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	if (rq.length > r->conn->srv->cfg->max_io || !srv_charge_ok(r, rq.length))
		return STATUS_INVALID_PARAMETER;
	struct smb2_write_resp rs = {rq.length, 0};
	if (o->pipe) {
		if (rpc_pipe_write(o->pipe, rq.data, rq.length) < 0)
			return STATUS_INVALID_PARAMETER;
		smb2_encode_write_resp(r->out, &rs);
		return STATUS_SUCCESS;
	}
	if (o->is_dir)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (!(o->access & (FILE_WRITE_DATA | FILE_APPEND_DATA)) || r->tree->read_only)
		return STATUS_ACCESS_DENIED;
	uint64_t off = rq.offset;
	const struct vfs_ops *ops = o->tree->vfs->ops;
	if (off > INT64_MAX || rq.length > INT64_MAX - off)
		return STATUS_INVALID_PARAMETER;
	/* The largest file NTFS allows; Windows refuses writes starting at or
	 * past it and reports a full disk for writes reaching it. */
	if (rq.length && off >= SRV_MAX_FILE_SIZE)
		return STATUS_INVALID_PARAMETER;
	if (rq.length && off + rq.length >= SRV_MAX_FILE_SIZE)
		return STATUS_DISK_FULL;
	if (!(o->access & FILE_WRITE_DATA)) {
		/* A handle with only append access writes at the end. */
		struct vfs_stat st;
		NTSTATUS s = ops->fstat(o->h, &st);
		if (s)
			return s;
		off = st.size;
	}
	NTSTATUS lst = srv_lock_check_io(o, off, rq.length, true);
	if (lst)
		return lst;
	bool durable = (rq.flags & SMB2_WRITEFLAG_WRITE_THROUGH) ||
		       (o->create_options & FILE_WRITE_THROUGH);
	NTSTATUS st = STATUS_SUCCESS;
	/* Other opens caching reads (level II, read leases) lose them. */
	if (rq.length)
		srv_oplock_contend(o);
	if (rq.length) {
		/* wtime.c: the write's LastWriteTime shows later (Windows). */
		srv_wtime_write_begin(o);
		st = ops->pwrite(o->h, rq.data, rq.length, off, durable);
		srv_wtime_write_end(o, st == STATUS_SUCCESS);
	}
	if (st)
		return st;
	o->position = off + rq.length;
	smb2_encode_write_resp(r->out, &rs);
	return STATUS_SUCCESS;
}

/* On a worker: fdatasync can take long on block storage. */
static void flush_work(struct srv_async *a)
{
	a->status = a->open->vfs->ops->flush(a->open->h);
	if (a->status == STATUS_SUCCESS)
		smb2_encode_empty4(&a->body);
}

NTSTATUS smb2_flush(struct srv_req *r)
{
	struct smb2_flush_req rq;
	if (smb2_decode_flush_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	if (o->h) {
		if (!(o->access & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
			return STATUS_ACCESS_DENIED;
		srv_wtime_flush(o); /* a pending LastWriteTime shows now */
		if (srv_go_async(r, flush_work, o))
			return STATUS_PENDING;
		NTSTATUS st = o->tree->vfs->ops->flush(o->h);
		if (st)
			return st;
	}
	smb2_encode_empty4(r->out);
	return STATUS_SUCCESS;
}
