/* ECHO, CANCEL, and the commands this version answers with a clear
 * status: LOCK, CHANGE_NOTIFY, OPLOCK_BREAK. */
#include "server/srv.h"

NTSTATUS smb2_echo(struct srv_req *r)
{
	if (smb2_decode_empty4(&r->msg) < 0)
		return STATUS_INVALID_PARAMETER;
	smb2_encode_empty4(r->out);
	return STATUS_SUCCESS;
}

NTSTATUS smb2_cancel(struct srv_req *r)
{
	/* Handled by the dispatcher (srv_async_cancel): CANCEL never gets a
	 * response of its own (3.3.5.16). */
	(void)r;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_lock(struct srv_req *r)
{
	struct smb2_lock_req rq;
	if (smb2_decode_lock_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	return STATUS_NOT_SUPPORTED;
}

NTSTATUS smb2_change_notify(struct srv_req *r)
{
	struct smb2_change_notify_req rq;
	if (smb2_decode_change_notify_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	if (!o->is_dir)
		return STATUS_INVALID_PARAMETER;
	return STATUS_NOT_SUPPORTED;
}

NTSTATUS smb2_oplock_break(struct srv_req *r)
{
	struct smb2_oplock_break rq;
	if (smb2_decode_oplock_break(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	/* No oplock or lease is ever granted, so no break can be acknowledged. */
	return STATUS_INVALID_OPLOCK_PROTOCOL;
}
