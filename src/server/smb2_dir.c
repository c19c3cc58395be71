/* QUERY_DIRECTORY (MS-SMB2 3.3.5.18). */
#include <stdlib.h>
#include <string.h>

#include "common/utf16.h"
#include "proto/fscc.h"
#include "server/srv.h"
#include "server/wtime.h"

static NTSTATUS load_listing(struct srv_open *o, size_t max)
{
	vfs_dirents_free(o->ents, o->nents);
	o->ents = NULL;
	o->nents = 0;
	o->pos = 0;
	o->listed = false;
	NTSTATUS st = o->tree->vfs->ops->readdir(o->h, &o->ents, &o->nents, max);
	if (st)
		return st;
	o->listed = true;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_query_directory(struct srv_req *r)
{
	struct smb2_query_directory_req rq;
	if (smb2_decode_query_directory_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	if (!o->h || !o->is_dir)
		return STATUS_INVALID_PARAMETER;
	if (!(o->access & FILE_LIST_DIRECTORY))
		return STATUS_ACCESS_DENIED;
	if (!fscc_dirent_class_ok(rq.info_class))
		return STATUS_INVALID_INFO_CLASS;
	if (rq.output_buffer_length > r->conn->srv->cfg->max_io ||
	    !srv_charge_ok(r, rq.output_buffer_length))
		return STATUS_INVALID_PARAMETER;

	bool restart = rq.flags & (SMB2_RESTART_SCANS | SMB2_REOPEN);
	bool first = false;
	if (restart || !o->listed) {
		char *pat;
		if (rq.pattern_len) {
			pat = utf16le_to_utf8(rq.pattern, rq.pattern_len, 1024, NULL);
			if (!pat || strchr(pat, '\\') || strchr(pat, '/')) {
				free(pat);
				return STATUS_OBJECT_NAME_INVALID;
			}
		} else {
			pat = strdup("*");
			if (!pat)
				return STATUS_NO_MEMORY;
		}
		free(o->pattern);
		o->pattern = pat;
		NTSTATUS st = load_listing(o, r->conn->srv->cfg->max_dir_entries);
		if (st)
			return st;
		first = true;
	}

	const struct vfs_ops *ops = o->tree->vfs->ops;
	struct vfs_stat self;
	NTSTATUS st = ops->fstat(o->h, &self);
	if (st)
		return st;

	struct buf data;
	buf_init(&data, (size_t)rq.output_buffer_length + 65536);
	size_t prev = SIZE_MAX, count = 0;
	bool full = false;
	while (o->pos < o->nents + 2 && !full) {
		const char *name;
		struct vfs_stat *vst;
		if (o->pos < 2) {
			name = o->pos == 0 ? "." : "..";
			vst = &self;
		} else {
			name = o->ents[o->pos - 2].name;
			vst = &o->ents[o->pos - 2].st;
		}
		if (!srv_wildcard_match(o->pattern, name)) {
			o->pos++;
			continue;
		}
		/* A later call of an enumeration sees the directory as it is
		 * now: entries removed since the listing was taken are skipped,
		 * the others restatted (smbtorture smb2.dir.fixed). */
		if (!first && o->pos >= 2) {
			NTSTATUS s = ops->stat_child(o->h, name, vst);
			if (s == STATUS_OBJECT_NAME_NOT_FOUND) {
				o->pos++;
				continue;
			}
		}
		/* wtime.c: a file whose write time is held back shows the
		 * times its opens show (one atomic load while none is). */
		if (o->pos >= 2 && srv_wtime_listed(vst))
			(void)ops->stat_child(o->h, name, vst);
		struct fscc_file_info fi;
		srv_file_info(o, vst, &fi);
		buf_align(&data, 0, 8);
		size_t start = data.len;
		if (start > rq.output_buffer_length) {
			data.len = prev == SIZE_MAX ? 0 : data.len;
			break;
		}
		if (fscc_encode_dirent(&data, rq.info_class, &fi, name, 0) < 0) {
			buf_free(&data);
			return STATUS_INVALID_INFO_CLASS;
		}
		if (!buf_ok(&data) || data.len > rq.output_buffer_length) {
			data.err = false;
			data.len = start;
			full = true;
			break;
		}
		if (prev != SIZE_MAX)
			fscc_dirent_link(&data, prev, start);
		prev = start;
		count++;
		o->pos++;
		if (rq.flags & SMB2_RETURN_SINGLE_ENTRY)
			break;
	}
	if (count == 0) {
		buf_free(&data);
		if (full)
			return STATUS_INFO_LENGTH_MISMATCH;
		return first ? STATUS_NO_SUCH_FILE : STATUS_NO_MORE_FILES;
	}
	/* Trailing padding after the last entry is not part of the output. */
	struct smb2_output_resp rs = {data.p, (uint32_t)data.len};
	smb2_encode_output_resp(r->out, r->rsp_off, &rs);
	buf_free(&data);
	return STATUS_SUCCESS;
}
