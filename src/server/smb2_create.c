/* CREATE and CLOSE (MS-SMB2 3.3.5.9, 3.3.5.10). */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/utf16.h"
#include "proto/fscc.h"
#include "server/acl.h"
#include "server/durable.h"
#include "server/oplock.h"
#include "server/srv.h"
#include "server/wtime.h"

/* Access bits that no request may ask for (MS-SMB2 3.3.5.9). */
#define ACCESS_RESERVED 0x0CE0FE00u
#define FILE_CREATE_TREE_CONNECTION 0x00000080u /* MS-SMB2 2.2.13 */
/* FileAttributes Windows refuses with STATUS_INVALID_PARAMETER: VOLUME
 * (0x8), DEVICE (0x40), INTEGRITY_STREAM and every bit above 0xFFFF
 * (MS-FSA 2.1.5.1; the masks smbtorture smb2.create.gentest records from
 * Windows). */
#define ATTR_REFUSED (0x00000008u | 0x00000040u | FILE_ATTRIBUTE_INTEGRITY_STREAM | 0xFFFF0000u)

/* MS-FSA 2.1.5.1.2: an overwrite or supersede of an existing file that is
 * HIDDEN or SYSTEM must ask for that attribute again (else
 * STATUS_ACCESS_DENIED; smbtorture smb2.dosmode). */
static bool overwrite_hides(uint32_t existing, uint32_t requested)
{
	uint32_t keep = existing & (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM);
	return (keep & requested) != keep;
}

static bool ctx_named(const struct smb2_create_context *x, const char *tag)
{
	return x->name_len == 4 && !memcmp(x->name, tag, 4);
}

static NTSTATUS open_pipe(struct srv_req *r, const struct smb2_create_req *rq)
{
	char *name = utf16le_to_utf8(rq->name, rq->name_len, 256, NULL);
	if (!name)
		return STATUS_OBJECT_NAME_INVALID;
	const char *n = name;
	if (!strncasecmp(n, "\\pipe\\", 6))
		n += 6;
	struct rpc_pipe *p = rpc_pipe_open(n, &r->conn->srv->rpc_env);
	free(name);
	if (!p)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	struct srv_open *o = calloc(1, sizeof(*o));
	if (!o) {
		rpc_pipe_close(p);
		return STATUS_NO_MEMORY;
	}
	o->pipe = p;
	o->tree = r->tree;
	o->vfs = r->tree->vfs;
	o->access = srv_map_generic(rq->desired_access);
	o->id = idtab_add(&r->sess->opens, o);
	if (!o->id) {
		rpc_pipe_close(p);
		free(o);
		return STATUS_TOO_MANY_OPENED_FILES;
	}
	struct smb2_create_resp rs;
	memset(&rs, 0, sizeof(rs));
	rs.create_action = FILE_OPENED;
	rs.file_attributes = FILE_ATTRIBUTE_NORMAL;
	rs.allocation_size = 4096;
	rs.file_id.persistent = rs.file_id.volatile_ = o->id;
	*r->compound_fid = rs.file_id;
	*r->compound_fid_state = CFID_SET;
	smb2_encode_create_resp(r->out, r->rsp_off, &rs);
	return STATUS_SUCCESS;
}

NTSTATUS smb2_create(struct srv_req *r)
{
	struct smb2_create_req rq;
	if (smb2_decode_create_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	/* durable.c: DHnQ/DH2Q asked for; a DHnC/DH2C reconnect (whose other
	 * fields are ignored, MS-SMB2 3.3.5.9.7) or a replayed DH2Q create is
	 * answered there. */
	struct srv_durable_req dq;
	bool dh_done;
	NTSTATUS dst = r->tree->share->ipc ? STATUS_SUCCESS : srv_durable_parse(r, &rq, &dq);
	if (dst)
		return dst;
	if (r->tree->share->ipc)
		memset(&dq, 0, sizeof(dq));
	dst = srv_durable_reconnect(r, &rq, &dq, &dh_done);
	if (dh_done)
		return dst;
	if (rq.impersonation_level > 3)
		return STATUS_BAD_IMPERSONATION_LEVEL;
	if (rq.create_disposition > FILE_OVERWRITE_IF)
		return STATUS_INVALID_PARAMETER;
	if ((rq.create_options & FILE_DIRECTORY_FILE) && (rq.create_options & FILE_NON_DIRECTORY_FILE))
		return STATUS_INVALID_PARAMETER;
	if (rq.desired_access & ACCESS_RESERVED)
		return STATUS_ACCESS_DENIED;
	if (rq.share_access & ~(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE))
		return STATUS_INVALID_PARAMETER;
	if (rq.oplock_level != 0 && rq.oplock_level != 1 && rq.oplock_level != 8 &&
	    rq.oplock_level != 9 && rq.oplock_level != 0xFF)
		return STATUS_INVALID_PARAMETER;
	if (rq.create_options & 0xFF000000u)
		return STATUS_INVALID_PARAMETER;
	if (rq.file_attributes & ATTR_REFUSED)
		return STATUS_INVALID_PARAMETER;
	/* MS-SMB2 3.3.5.9: FILE_RESERVE_OPFILTER and FILE_CREATE_TREE_CONNECTION
	 * are not supported, nor are opens by file id here. */
	if (rq.create_options & (FILE_OPEN_BY_FILE_ID | FILE_CREATE_TREE_CONNECTION |
				 FILE_RESERVE_OPFILTER))
		return STATUS_NOT_SUPPORTED;
	/* A create context name is at least 4 bytes (Windows refuses shorter
	 * ones with INVALID_PARAMETER; smbtorture smb2.create.blob). */
	for (uint16_t i = 0; i < rq.context_count; i++)
		if (rq.contexts[i].name_len < 4)
			return STATUS_INVALID_PARAMETER;
	if (r->tree->share->ipc)
		return open_pipe(r, &rq);
	/* oplock.c: the oplock or lease (RqLs) asked for. */
	struct srv_oplock_req oq;
	NTSTATUS ost = srv_oplock_parse(r, &rq, &oq);
	if (ost)
		return ost;

	bool is_dir_req = rq.create_options & FILE_DIRECTORY_FILE;
	if (is_dir_req && rq.create_disposition != FILE_CREATE && rq.create_disposition != FILE_OPEN &&
	    rq.create_disposition != FILE_OPEN_IF)
		return STATUS_INVALID_PARAMETER;

	/* streams.c / ea.c: "file:stream" names a stream; "::$DATA" forces a
	 * file; an "ExtA" context is an EA list checked before anything is
	 * created. */
	struct srv_name nm;
	NTSTATUS st = srv_name_from_wire(rq.name, rq.name_len, &nm);
	if (st)
		return st;
	char *path = nm.path, *stream = nm.stream;
	if ((stream || nm.data_suffix) && is_dir_req) {
		srv_name_free(&nm);
		return STATUS_NOT_A_DIRECTORY;
	}
	const struct smb2_create_context *exta = NULL;
	for (uint16_t i = 0; i < rq.context_count; i++)
		if (ctx_named(&rq.contexts[i], "ExtA"))
			exta = &rq.contexts[i];
	if (exta && (st = srv_ea_check_list(exta->data, exta->data_len))) {
		srv_name_free(&nm);
		return st;
	}
	/* acl.c: a "SecD" context is the new file's security descriptor. */
	const struct smb2_create_context *secd = NULL;
	for (uint16_t i = 0; i < rq.context_count; i++)
		if (ctx_named(&rq.contexts[i], "SecD"))
			secd = &rq.contexts[i];
	if (secd && (st = srv_acl_check_secd(secd->data, secd->data_len))) {
		srv_name_free(&nm);
		return st;
	}

	uint32_t access = rq.desired_access;
	bool want_max = access & MAXIMUM_ALLOWED;
	if (access & MAXIMUM_ALLOWED)
		access = (access & ~MAXIMUM_ALLOWED) | r->tree->maximal_access;
	access = srv_map_generic(access);
	if ((rq.create_options & FILE_DELETE_ON_CLOSE) && !(access & DELETE)) {
		srv_name_free(&nm);
		return STATUS_ACCESS_DENIED;
	}
	bool truncating = rq.create_disposition == FILE_SUPERSEDE ||
			  rq.create_disposition == FILE_OVERWRITE ||
			  rq.create_disposition == FILE_OVERWRITE_IF;
	if (r->tree->read_only && ((access & SRV_FILE_WRITE_MASK) || truncating ||
				   (rq.create_options & FILE_DELETE_ON_CLOSE))) {
		srv_name_free(&nm);
		return STATUS_ACCESS_DENIED;
	}
	if (r->sess->opens.count >= r->sess->opens.max) {
		srv_name_free(&nm);
		return STATUS_TOO_MANY_OPENED_FILES;
	}

	/* "TWrp" asks for the file as a snapshot had it (MS-SMB2 3.3.5.9.4):
	 * no previous versions are kept, so there is no such file. */
	const struct smb2_create_context *twrp =
		smb2_find_create_context(rq.contexts, rq.context_count, "TWrp", 4);
	if (twrp) {
		uint64_t when;
		st = smb2_decode_timewarp_ctx(twrp->data, twrp->data_len, &when) < 0
			     ? STATUS_INVALID_PARAMETER
			     : STATUS_OBJECT_NAME_NOT_FOUND;
		srv_name_free(&nm);
		return st;
	}
	/* "AlSi": the initial allocation of a new or overwritten file
	 * (MS-SMB2 2.2.13.2.6; a hint to the file system). */
	uint64_t alloc_hint = 0;
	const struct smb2_create_context *alsi =
		smb2_find_create_context(rq.contexts, rq.context_count, "AlSi", 4);
	if (alsi && smb2_decode_alloc_size_ctx(alsi->data, alsi->data_len, &alloc_hint) < 0) {
		srv_name_free(&nm);
		return STATUS_INVALID_PARAMETER;
	}

	/* Truncating dispositions open without truncating first: the share
	 * modes of other opens must be checked before any data is lost. */
	uint32_t disp = rq.create_disposition;
	uint32_t vdisp = disp == FILE_OVERWRITE ? FILE_OPEN
			 : (disp == FILE_SUPERSEDE || disp == FILE_OVERWRITE_IF) ? FILE_OPEN_IF : disp;
	struct vfs_open_args a = {
		.path = path,
		.disposition = vdisp,
		.directory = is_dir_req,
		.non_directory = (rq.create_options & FILE_NON_DIRECTORY_FILE) || nm.data_suffix,
		.read = access & (FILE_READ_DATA | FILE_EXECUTE),
		.write = (access & (FILE_WRITE_DATA | FILE_APPEND_DATA)) || truncating,
		.attributes = rq.file_attributes,
		.stream = stream,
		.allocation = alloc_hint,
	};
	struct vfs_share *vs = r->tree->vfs;
	bool retried = false;
again:;
	struct vfs_handle *h = NULL;
	uint32_t action = 0;
	st = vs->ops->open(vs, &a, &h, &action);
	if (st) {
		srv_name_free(&nm);
		return st;
	}
	struct vfs_stat vst;
	st = vs->ops->fstat(h, &vst);
	if (!st && truncating && vst.is_dir)
		st = STATUS_INVALID_PARAMETER;
	if (!st && (rq.create_options & FILE_DELETE_ON_CLOSE) &&
	    (vst.attributes & FILE_ATTRIBUTE_READONLY))
		st = STATUS_CANNOT_DELETE;
	if (!st && truncating && action == FILE_OPENED && !stream &&
	    overwrite_hides(vst.attributes, rq.file_attributes))
		st = STATUS_ACCESS_DENIED;
	/* acl.c: a stored DACL of an existing file decides the access and the
	 * maximal access (MS-DTYP 2.5.3.2). */
	uint32_t maximal = r->tree->maximal_access;
	if (!st && action == FILE_OPENED) {
		uint32_t acc = want_max ? srv_map_generic(rq.desired_access & ~MAXIMUM_ALLOWED)
					: access;
		st = srv_acl_check_open(r, h, &vst, want_max, truncating, &acc, &maximal);
		if (!st)
			access = acc;
	}
	struct srv_open *o = st ? NULL : calloc(1, sizeof(*o));
	/* A stream open is its own file for sharing (streams.c). */
	struct srv_file *f = !o ? NULL : stream ? srv_file_get_stream(vst.dev, vst.file_id, stream)
						: srv_file_get(vst.dev, vst.file_id);
	if (!f) {
		free(o);
		/* A file refused right after it was created is not left
		 * behind (smbtorture smb2.delete-on-close-perms.READONLY). */
		if (st && action == FILE_CREATED && !stream)
			(void)vs->ops->unlink(h);
		vs->ops->close(h);
		srv_name_free(&nm);
		return st ? st : STATUS_NO_MEMORY;
	}
	o->tree = r->tree;
	o->vfs = vs;
	o->h = h;
	o->access = access;
	o->create_options = rq.create_options;
	o->share_access = rq.share_access;
	o->is_dir = vst.is_dir;
	o->delete_on_close = rq.create_options & FILE_DELETE_ON_CLOSE;
	o->mode = rq.create_options & (FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY |
				       FILE_NO_INTERMEDIATE_BUFFERING | FILE_SYNCHRONOUS_IO_ALERT |
				       FILE_SYNCHRONOUS_IO_NONALERT | FILE_DELETE_ON_CLOSE);
	/* streams.c: a stream joins its base file (DELETE_PENDING there). */
	if (stream)
		st = srv_stream_attach(o, vst.dev, vst.file_id, stream);
	/* durable.c: an older open of the same application instance from
	 * another client goes without a break (MS-SMB2 3.3.5.9.13), and so do
	 * disconnected durable opens this open would break (3.3.4.6). */
	unsigned closed = 0;
	if (!st)
		st = srv_durable_app_instance(r, f, &dq, &closed);
	closed += srv_durable_purge(f, access, rq.share_access, disp);
	/* A closed open that was delete-on-close took the file we opened
	 * with it: open again, once, and find the name free (smbtorture
	 * smb2.durable-open.delete_on_close1). */
	struct vfs_stat now;
	if (!st && closed && action == FILE_OPENED && !retried &&
	    vs->ops->fstat(h, &now) == STATUS_SUCCESS && now.nlink == 0) {
		retried = true;
		srv_file_put(f);
		srv_stream_detach(o);
		vs->ops->close(h);
		free(o);
		goto again;
	}
	srv_name_free(&nm);
	pthread_mutex_lock(&f->mu);
	if (!st && f->delete_pending)
		st = STATUS_DELETE_PENDING;
	else if (!st)
		st = srv_oplock_check(r, f, o, &oq, disp); /* share modes, oplocks, leases */
	/* DELETE access to a file needs every open stream of it to share
	 * delete (streams.c). */
	if (!st && !o->stream && (access & DELETE))
		st = srv_streams_check_delete(vst.dev, vst.file_id);
	if (!st && truncating && action == FILE_OPENED) {
		/* Overwrite or supersede an existing file, now that it may be;
		 * its named streams go with its data (MS-FSA 2.1.5.1.2.1). */
		st = vs->ops->truncate(h, 0);
		if (!st && !o->stream)
			st = vs->ops->drop_streams(h);
		/* The AlSi allocation applies to the overwritten file as to a
		 * new one (smbtorture smb2.create.blob). */
		if (!st && alloc_hint && !o->stream && vs->ops->allocate)
			(void)vs->ops->allocate(h, alloc_hint);
		if (!st && rq.file_attributes) {
			uint32_t attrs = rq.file_attributes | FILE_ATTRIBUTE_ARCHIVE;
			if (disp != FILE_SUPERSEDE)
				attrs |= vst.attributes & ~FILE_ATTRIBUTE_DIRECTORY;
			vs->ops->set_attributes(h, attrs & ~FILE_ATTRIBUTE_NORMAL);
		}
		action = disp == FILE_SUPERSEDE ? FILE_SUPERSEDED : FILE_OVERWRITTEN;
		if (!st)
			st = vs->ops->fstat(h, &vst);
	}
	if (!st) {
		o->file = f;
		o->fnext = f->opens;
		f->opens = o;
		f->nopens++;
	}
	pthread_mutex_unlock(&f->mu);
	if (st) {
		srv_oplock_drop(o); /* STATUS_PENDING: oplock.c runs it again later */
		srv_file_put(f);
		srv_stream_detach(o);
		vs->ops->close(h);
		free(o);
		return st;
	}
	o->id = idtab_add(&r->sess->opens, o);
	if (!o->id) {
		srv_open_close(r->sess, o);
		return STATUS_TOO_MANY_OPENED_FILES;
	}
	/* ea.c: a new or overwritten file gets the EAs of "ExtA". */
	if (exta && action != FILE_OPENED) {
		st = srv_ea_apply_list(o, exta->data, exta->data_len);
		if (st) {
			srv_open_close(r->sess, o);
			return st;
		}
	}
	/* acl.c: a new file inherits from its parent's DACL and takes SecD. */
	if (action == FILE_CREATED && !o->stream) {
		st = srv_acl_new_file(r, h, secd ? secd->data : NULL, secd ? secd->data_len : 0);
		if (st) {
			srv_open_close(r->sess, o);
			return st;
		}
	}

	/* wtime.c: the times other opens of the file show, not the inode's. */
	st = srv_wtime_opened(o, action == FILE_OVERWRITTEN || action == FILE_SUPERSEDED, &vst);
	if (st) {
		srv_open_close(r->sess, o);
		return st;
	}

	struct smb2_create_resp rs;
	memset(&rs, 0, sizeof(rs));
	rs.oplock_level = srv_oplock_resp_level(o);
	rs.create_action = action;
	rs.creation_time = vst.creation_time;
	rs.last_access_time = vst.access_time;
	rs.last_write_time = vst.write_time;
	rs.change_time = vst.change_time;
	rs.allocation_size = vst.alloc;
	rs.end_of_file = vst.is_dir ? 0 : vst.size;
	rs.file_attributes = vst.attributes;
	rs.file_id.persistent = rs.file_id.volatile_ = o->id;
	*r->compound_fid = rs.file_id;
	*r->compound_fid_state = CFID_SET;

	/* Create contexts we answer: MxAc (maximal access), QFid (on-disk id). */
	uint8_t mxac[8], qfid[32];
	for (uint16_t i = 0; i < rq.context_count; i++) {
		const struct smb2_create_context *x = &rq.contexts[i];
		struct smb2_create_context *y = &rs.contexts[rs.context_count];
		if (ctx_named(x, "MxAc")) {
			put_le32(mxac, STATUS_SUCCESS);
			put_le32(mxac + 4, maximal);
			*y = (struct smb2_create_context){x->name, 4, mxac, 8};
			rs.context_count++;
		} else if (ctx_named(x, "QFid")) {
			memset(qfid, 0, sizeof(qfid));
			put_le64(qfid, vst.file_id);
			put_le64(qfid + 8, vst.dev);
			*y = (struct smb2_create_context){x->name, 4, qfid, 32};
			rs.context_count++;
		}
	}
	uint8_t dh[8]; /* durable.c: the DHnQ/DH2Q response */
	srv_durable_grant(r, o, &dq, &rs, dh);
	uint8_t rqls[SMB2_LEASE_V2_SIZE]; /* oplock.c: the granted lease */
	if (rs.context_count < SMB2_MAX_CREATE_CONTEXTS &&
	    srv_oplock_resp_ctx(o, rqls, &rs.contexts[rs.context_count]))
		rs.context_count++;
	smb2_encode_create_resp(r->out, r->rsp_off, &rs);
	return STATUS_SUCCESS;
}

NTSTATUS smb2_close(struct srv_req *r)
{
	struct smb2_close_req rq;
	if (smb2_decode_close_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	struct smb2_close_resp rs;
	memset(&rs, 0, sizeof(rs));
	srv_wtime_close(o); /* wtime.c: a hidden write time shows now */
	if ((rq.flags & SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB) && o->h) {
		struct vfs_stat st;
		if (srv_fstat(o, &st) == STATUS_SUCCESS) {
			rs.flags = SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB;
			rs.creation_time = st.creation_time;
			rs.last_access_time = st.access_time;
			rs.last_write_time = st.write_time;
			rs.change_time = st.change_time;
			rs.allocation_size = st.alloc;
			rs.end_of_file = st.is_dir ? 0 : st.size;
			rs.file_attributes = st.attributes;
		}
	}
	srv_open_close(r->sess, o);
	smb2_encode_close_resp(r->out, &rs);
	return STATUS_SUCCESS;
}
