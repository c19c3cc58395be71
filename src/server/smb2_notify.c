/* CHANGE_NOTIFY (MS-SMB2 3.3.5.19): the request's checks; the watching is
 * notify.c's. */
#include "server/notify.h"
#include "server/srv.h"

NTSTATUS smb2_change_notify(struct srv_req *r)
{
	struct smb2_change_notify_req rq;
	if (smb2_decode_change_notify_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	/* The reply must fit what the client may receive. */
	if (rq.output_buffer_length > r->conn->srv->cfg->max_io)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	if (!o->is_dir || !o->h)
		return STATUS_INVALID_PARAMETER;
	/* MS-FSA 2.1.5.11: watching lists the directory. */
	if (!(o->access & FILE_LIST_DIRECTORY))
		return STATUS_ACCESS_DENIED;
	return notify_request(r, o, &rq);
}
