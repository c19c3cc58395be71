/* ECHO, CANCEL, and the commands this version answers with a clear
 * status: LOCK, CHANGE_NOTIFY, OPLOCK_BREAK. */
#include "server/oplock.h"
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

NTSTATUS smb2_oplock_break(struct srv_req *r)
{
	/* Oplock and lease break acknowledgments (oplock.c). */
	return srv_oplock_ack(r);
}
