/* IOCTL (MS-SMB2 3.3.5.15). */
#include <string.h>

#include "common/log.h"
#include "server/srv.h"

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
	struct srv_open *o = NULL;
	switch (rq.ctl_code) {
	case FSCTL_VALIDATE_NEGOTIATE_INFO:
		st = validate_negotiate(r, &rq, &data);
		break;
	case FSCTL_PIPE_TRANSCEIVE:
		o = srv_open_lookup(r, &rq.file_id);
		st = o ? transceive(o, &rq, &data, &overflow) : srv_open_miss(r);
		break;
	case FSCTL_GET_OBJECT_ID:
	case FSCTL_CREATE_OR_GET_OBJECT_ID: {
		/* FILE_OBJECTID_BUFFER (MS-FSCC 2.1.3): a stable id made from the
		 * file's (device, inode); nothing is stored. */
		o = srv_open_lookup(r, &rq.file_id);
		struct vfs_stat vst;
		if (!o) {
			st = srv_open_miss(r);
		} else if (!o->h) {
			st = STATUS_INVALID_DEVICE_REQUEST;
		} else if ((st = o->tree->vfs->ops->fstat(o->h, &vst)) == STATUS_SUCCESS) {
			uint8_t id[64] = {0};
			put_le64(id, vst.file_id);
			put_le64(id + 8, vst.dev);
			put_le64(id + 16, vst.dev);      /* BirthVolumeId */
			memcpy(id + 32, id, 16);         /* BirthObjectId */
			buf_bytes(&data, id, sizeof(id));
		}
		break;
	}
	case FSCTL_DFS_GET_REFERRALS:
	case 0x000601B0u: /* FSCTL_DFS_GET_REFERRALS_EX */
		st = STATUS_FS_DRIVER_REQUIRED;
		break;
	default:
		o = srv_open_lookup(r, &rq.file_id);
		st = o ? STATUS_INVALID_DEVICE_REQUEST : srv_open_miss(r);
		break;
	}
	if (st == STATUS_SUCCESS) {
		if (data.len > rq.max_output_response) {
			buf_free(&data);
			return STATUS_BUFFER_TOO_SMALL;
		}
		struct smb2_ioctl_resp rs = {rq.ctl_code, rq.file_id, data.p, (uint32_t)data.len, 0};
		smb2_encode_ioctl_resp(r->out, r->rsp_off, &rs);
		if (overflow) {
			r->keep_body = true;
			st = STATUS_BUFFER_OVERFLOW;
		}
	}
	buf_free(&data);
	return st;
}
