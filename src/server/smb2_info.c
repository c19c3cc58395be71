/* QUERY_INFO and SET_INFO (MS-SMB2 3.3.5.20, 3.3.5.21). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/utf16.h"
#include "proto/fscc.h"
#include "server/acl.h"
#include "server/oplock.h"
#include "server/srv.h"
#include "server/wtime.h"

void srv_file_info(const struct srv_open *o, const struct vfs_stat *st, struct fscc_file_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->creation_time = st->creation_time;
	fi->last_access_time = st->access_time;
	fi->last_write_time = st->write_time;
	fi->change_time = st->change_time;
	fi->allocation_size = st->alloc;
	fi->end_of_file = st->is_dir ? 0 : st->size;
	fi->attributes = st->attributes;
	fi->ea_size = st->ea_size;
	fi->nlink = st->nlink;
	/* A file whose delete is pending has one link less (as Windows and
	 * Samba report it; smbtorture smb2.setinfo). */
	if (o && o->file && o->file->delete_pending && fi->nlink)
		fi->nlink--;
	fi->is_dir = st->is_dir;
	fi->file_id = st->file_id;
	fi->volume_id = st->dev;
	fi->delete_pending = o && o->file ? o->file->delete_pending : false;
	fi->access_mask = o ? o->access : 0;
	fi->position = o ? o->position : 0;
	fi->mode = o ? o->mode : 0;
}

/* The fixed part of the classes with a variable part: a buffer smaller
 * than this gets INFO_LENGTH_MISMATCH; one that holds the fixed part but
 * not all gets what fits and STATUS_BUFFER_OVERFLOW (MS-SMB2 3.3.5.20.1).
 * Fixed-size classes have no variable part: 0 here. */
static size_t file_fixed_part(int cls)
{
	switch (cls) {
	/* What Windows demands before it returns partial data: the fixed
	 * fields plus the first bytes of the name (seen from smbtorture's
	 * qfile_buffercheck, which Windows passes). */
	case FileAllInformation:
		return 104;
	case FileNameInformation:
	case FileNormalizedNameInformation:
		return 4;
	case FileAlternateNameInformation:
		return 8;
	case FileStreamInformation:
		return 32;
	default:
		return 0;
	}
}

static size_t fs_fixed_part(int cls)
{
	switch (cls) {
	case FileFsVolumeInformation:
		return 24;
	case FileFsAttributeInformation:
		return 16;
	default:
		return 0;
	}
}

static NTSTATUS finish_output(struct srv_req *r, struct buf *data, uint32_t max, size_t fixed)
{
	NTSTATUS st = STATUS_SUCCESS;
	if (data->len > max) {
		if (!fixed || max < fixed)
			return STATUS_INFO_LENGTH_MISMATCH;
		data->len = max;
		st = STATUS_BUFFER_OVERFLOW;
		r->keep_body = true;
	}
	struct smb2_output_resp rs = {data->p, (uint32_t)data->len};
	smb2_encode_output_resp(r->out, r->rsp_off, &rs);
	return st;
}

static NTSTATUS query_file(struct srv_req *r, struct srv_open *o, const struct smb2_query_info_req *rq,
			   struct buf *data)
{
	int cls = rq->file_info_class;
	struct vfs_stat st;
	memset(&st, 0, sizeof(st));
	char *name = NULL;
	if (o->h) {
		NTSTATUS s = srv_fstat(o, &st); /* wtime.c: the times shown */
		if (s)
			return s;
	} else {
		st.alloc = 4096;
		st.nlink = 1;
		st.attributes = FILE_ATTRIBUTE_NORMAL;
	}
	/* The rights each class needs (MS-SMB2 3.3.5.20.1). */
	if ((cls == FileBasicInformation || cls == FileAllInformation ||
	     cls == FileNetworkOpenInformation || cls == FileAttributeTagInformation ||
	     cls == FilePipeInformation || cls == FilePipeLocalInformation) &&
	    !(o->access & FILE_READ_ATTRIBUTES))
		return STATUS_ACCESS_DENIED;
	if (cls == FileFullEaInformation)
		return o->h ? srv_ea_query(o, rq, data) : STATUS_INVALID_PARAMETER;
	/* MS-SMB2 3.3.5.20.1: FileNormalizedNameInformation needs 3.1.1. */
	if (cls == FileNormalizedNameInformation && r->conn->dialect < SMB2_DIALECT_311)
		return STATUS_NOT_SUPPORTED;
	if (cls == FileStreamInformation && o->h)
		return srv_stream_info(o, data);
	struct fscc_file_info fi;
	srv_file_info(o, &st, &fi);
	if (cls == FileAlternateNameInformation) {
		/* Short names are off: the alternate name of a file is its own
		 * last component (what smbtorture's getinfo_access accepts). */
		const char *p = o->h ? o->tree->vfs->ops->path(o->h) : "";
		const char *slash = strrchr(p, '/');
		name = strdup(slash ? slash + 1 : p);
		if (!name)
			return STATUS_NO_MEMORY;
		fi.name = name;
	} else if (cls == FileAllInformation || cls == FileNameInformation ||
	    cls == FileNormalizedNameInformation) {
		const char *p = o->h ? o->tree->vfs->ops->path(o->h) : "";
		const char *sn = srv_stream_name(o); /* "file:stream" for a stream */
		size_t n = strlen(p), sl = sn ? strlen(sn) + 1 : 0;
		name = malloc(n + sl + 2);
		if (!name)
			return STATUS_NO_MEMORY;
		/* FileNormalizedNameInformation is share-relative without a lead. */
		size_t k = 0;
		if (cls != FileNormalizedNameInformation)
			name[k++] = '\\';
		for (size_t i = 0; i < n; i++)
			name[k++] = p[i] == '/' ? '\\' : p[i];
		if (sn) {
			name[k++] = ':';
			memcpy(name + k, sn, sl - 1);
			k += sl - 1;
		}
		name[k] = 0;
		fi.name = name;
	}
	if (cls == FileStreamInformation && !o->h)
		fi.is_dir = true;
	int rc = fscc_encode_file_info(data, cls, &fi);
	free(name);
	return rc < 0 ? STATUS_INVALID_INFO_CLASS : STATUS_SUCCESS;
}

static NTSTATUS query_fs(struct srv_req *r, struct srv_open *o, const struct smb2_query_info_req *rq,
			 struct buf *data)
{
	if (!o->h)
		return STATUS_INVALID_PARAMETER;
	struct vfs_statfs sf;
	NTSTATUS s = o->tree->vfs->ops->statfs(o->tree->vfs, &sf);
	if (s)
		return s;
	struct fscc_fs_info fs;
	memset(&fs, 0, sizeof(fs));
	uint64_t bs = sf.block_size ? sf.block_size : 4096;
	fs.bytes_per_sector = 512;
	fs.sectors_per_unit = (uint32_t)(bs / 512 ? bs / 512 : 1);
	fs.total_units = sf.total_blocks;
	fs.caller_avail_units = sf.avail_blocks;
	fs.actual_avail_units = sf.free_blocks;
	fs.volume_creation_time = r->conn->srv->start_time;
	/* A stable serial number from the share name. */
	uint32_t h = 2166136261u;
	for (const char *p = o->tree->share->name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	fs.volume_serial = h;
	fs.volume_label = o->tree->share->name;
	fs.fs_name = "NTFS";
	/* CASE_PRESERVED_NAMES | UNICODE_ON_DISK | CASE_SENSITIVE_SEARCH */
	fs.fs_attributes = 0x00000001 | 0x00000002 | 0x00000004 | 0x00000040; /* + SUPPORTS_SPARSE_FILES */
	fs.max_name_len = sf.max_name_len ? sf.max_name_len : 255;
	fs.device_type = 0x00000007; /* FILE_DEVICE_DISK */
	fs.device_characteristics = 0x00000020; /* FILE_DEVICE_IS_MOUNTED */
	memcpy(fs.object_id, &sf.fs_id, sizeof(sf.fs_id));
	int rc = fscc_encode_fs_info(data, rq->file_info_class, &fs);
	if (rc < 0)
		return rq->file_info_class <= 11 ? STATUS_NOT_SUPPORTED : STATUS_INVALID_INFO_CLASS;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_query_info(struct srv_req *r)
{
	struct smb2_query_info_req rq;
	if (smb2_decode_query_info_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	if (rq.output_buffer_length > r->conn->srv->cfg->max_io ||
	    !srv_charge_ok(r, rq.output_buffer_length > rq.input_len ? rq.output_buffer_length
								     : rq.input_len))
		return STATUS_INVALID_PARAMETER;
	struct buf data;
	buf_init(&data, 1 << 20);
	NTSTATUS st;
	size_t fixed = 0;
	switch (rq.info_type) {
	case SMB2_0_INFO_FILE:
		st = query_file(r, o, &rq, &data);
		fixed = file_fixed_part(rq.file_info_class);
		if (st == STATUS_BUFFER_OVERFLOW && rq.file_info_class == FileFullEaInformation) {
			/* ea.c returned the EAs that fit: the body stands. */
			struct smb2_output_resp rs = {data.p, (uint32_t)data.len};
			smb2_encode_output_resp(r->out, r->rsp_off, &rs);
			r->keep_body = true;
			buf_free(&data);
			return st;
		}
		break;
	case SMB2_0_INFO_FILESYSTEM:
		st = query_fs(r, o, &rq, &data);
		fixed = fs_fixed_part(rq.file_info_class);
		break;
	case SMB2_0_INFO_SECURITY: {
		if (!(o->access & READ_CONTROL)) {
			st = STATUS_ACCESS_DENIED;
			break;
		}
		/* acl.c: the stored SD, or one from the POSIX owner and mode. */
		st = srv_acl_query(r, o, rq.additional_information, &data);
		if (st == STATUS_SUCCESS && data.len > rq.output_buffer_length) {
			/* MS-SMB2 3.3.5.20.3: say how much is needed. */
			uint8_t need[4];
			put_le32(need, (uint32_t)data.len);
			buf_free(&data);
			r->out->len = r->rsp_off + SMB2_HDR_SIZE;
			smb2_encode_error_resp(r->out, need, 4);
			r->keep_body = true;
			return STATUS_BUFFER_TOO_SMALL;
		}
		break;
	}
	case SMB2_0_INFO_QUOTA:
		st = STATUS_NOT_SUPPORTED;
		break;
	default:
		st = STATUS_INVALID_PARAMETER;
	}
	if (st == STATUS_SUCCESS)
		st = finish_output(r, &data, rq.output_buffer_length, fixed);
	buf_free(&data);
	return st;
}

static NTSTATUS set_basic(struct srv_open *o, const uint8_t *p, size_t n)
{
	struct fscc_basic_info bi;
	if (fscc_decode_basic_info(p, n, &bi) < 0)
		return STATUS_INFO_LENGTH_MISMATCH;
	if (!(o->access & FILE_WRITE_ATTRIBUTES))
		return STATUS_ACCESS_DENIED;
	const struct vfs_ops *ops = o->tree->vfs->ops;
	/* 0 and -1 both leave a time alone here. */
	struct vfs_times t = {
		bi.creation_time == UINT64_MAX ? 0 : bi.creation_time,
		bi.last_access_time == UINT64_MAX ? 0 : bi.last_access_time,
		bi.last_write_time == UINT64_MAX ? 0 : bi.last_write_time,
		bi.change_time == UINT64_MAX ? 0 : bi.change_time,
	};
	/* wtime.c: shows a pending write time, applies -1 / -2 / a set to
	 * LastWriteTime and ChangeTime; a frozen ChangeTime is stored again. */
	t.change_time = srv_wtime_set_basic(o, bi.last_write_time, bi.change_time);
	if (t.creation_time || t.access_time || t.write_time || t.change_time) {
		NTSTATUS st = ops->set_times(o->h, &t);
		if (st)
			return st;
	}
	if (bi.attributes) {
		if ((bi.attributes & FILE_ATTRIBUTE_DIRECTORY) && !o->is_dir)
			return STATUS_INVALID_PARAMETER;
		/* MS-FSA 2.1.5.15.1: a directory cannot be TEMPORARY. */
		if ((bi.attributes & FILE_ATTRIBUTE_TEMPORARY) && o->is_dir)
			return STATUS_INVALID_PARAMETER;
		uint32_t a = bi.attributes & ~(FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_NORMAL);
		return ops->set_attributes(o->h, a);
	}
	return STATUS_SUCCESS;
}

static NTSTATUS set_disposition(struct srv_open *o, uint8_t del)
{
	if (!(o->access & DELETE))
		return STATUS_ACCESS_DENIED;
	if (del & 1) {
		struct vfs_stat st;
		NTSTATUS s = o->tree->vfs->ops->fstat(o->h, &st);
		if (s)
			return s;
		if (st.attributes & FILE_ATTRIBUTE_READONLY)
			return STATUS_CANNOT_DELETE;
		if (o->is_dir) {
			bool empty = false;
			s = o->tree->vfs->ops->is_empty_dir(o->h, &empty);
			if (s)
				return s;
			if (!empty)
				return STATUS_DIRECTORY_NOT_EMPTY;
		}
		if (!o->tree->vfs->ops->path(o->h)[0])
			return STATUS_CANNOT_DELETE; /* the share root */
	}
	/* DeletePending belongs to the file: any open may set or clear it,
	 * and the last close acts on it (MS-FSA 2.1.5.14.3). */
	pthread_mutex_lock(&o->file->mu);
	o->file->delete_pending = del & 1;
	pthread_mutex_unlock(&o->file->mu);
	return STATUS_SUCCESS;
}

/* The file (dev, ino) of the directory that would hold path, and of the
 * entry path names there (*tgt NULL when absent); the caller puts both. */
static void rename_files(struct srv_open *o, const char *path, struct srv_file **dir,
			 struct srv_file **tgt)
{
	*dir = *tgt = NULL;
	const struct vfs_ops *ops = o->vfs->ops;
	const char *slash = strrchr(path, '/');
	char *parent = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
	if (!parent)
		return;
	struct vfs_open_args a = {.path = parent, .disposition = FILE_OPEN, .directory = true};
	struct vfs_handle *h = NULL;
	uint32_t action;
	if (ops->open(o->vfs, &a, &h, &action) == STATUS_SUCCESS) {
		struct vfs_stat st;
		if (ops->fstat(h, &st) == STATUS_SUCCESS)
			*dir = srv_file_get(st.dev, st.file_id);
		if (ops->stat_child(h, slash ? slash + 1 : path, &st) == STATUS_SUCCESS)
			*tgt = srv_file_get(st.dev, st.file_id);
		ops->close(h);
	}
	free(parent);
}

/* The checks a rename makes against other opens (MS-FSA 2.1.5.15.11, as
 * Windows answers; smbtorture smb2.rename, smb2.oplock.exclusive6 and
 * batch19).  No break is sent for any of them. */
static NTSTATUS rename_opens_check(struct srv_open *o, const char *path, bool replace)
{
	struct srv_file *f = o->file;
	NTSTATUS st = STATUS_SUCCESS;
	/* Every other open of the file must share delete. */
	pthread_mutex_lock(&f->mu);
	for (const struct srv_open *x = f->opens; x && !st; x = x->fnext) {
		if (x != o && (x->access & (FILE_READ_DATA | FILE_EXECUTE | FILE_WRITE_DATA |
					    FILE_APPEND_DATA | DELETE)) &&
		    !(x->share_access & FILE_SHARE_DELETE))
			st = STATUS_SHARING_VIOLATION;
	}
	pthread_mutex_unlock(&f->mu);
	if (st)
		return st;
	/* A directory with open files below it keeps its name. */
	if (o->is_dir && srv_file_open_below(o->vfs, o->vfs->ops->path(o->h), o))
		return STATUS_ACCESS_DENIED;
	/* The rename opens the target's directory to add an entry, sharing
	 * read and write only: an open of that directory with delete access,
	 * or one that does not share write, is a sharing violation. */
	struct srv_file *dir, *tgt;
	rename_files(o, path, &dir, &tgt);
	if (dir) {
		uint32_t access = SYNCHRONIZE | (o->is_dir ? FILE_ADD_SUBDIRECTORY : FILE_ADD_FILE);
		pthread_mutex_lock(&dir->mu);
		st = srv_file_share_check(dir, access, FILE_SHARE_READ | FILE_SHARE_WRITE);
		pthread_mutex_unlock(&dir->mu);
	}
	/* An existing target that is open is not replaced. */
	if (!st && tgt && tgt != f && replace) {
		pthread_mutex_lock(&tgt->mu);
		if (tgt->opens)
			st = STATUS_ACCESS_DENIED;
		pthread_mutex_unlock(&tgt->mu);
	}
	srv_file_put(dir);
	srv_file_put(tgt);
	return st;
}

/* MS-SMB2 3.3.5.21.1: with RootDirectory 0 a rename or link target is a
 * full pathname (MS-FSCC 2.1.5), which may lead with one '\' (smbclient's
 * hardlink sends that); share-relative either way.  UTF-16LE. */
static void skip_leading_backslash(const uint8_t **name, uint32_t *len)
{
	if (*len >= 2 && (*name)[0] == '\\' && (*name)[1] == 0) {
		*name += 2;
		*len -= 2;
	}
}

static NTSTATUS set_rename(struct srv_req *r, struct srv_open *o, const uint8_t *p, size_t n)
{
	struct fscc_rename_info ri;
	if (fscc_decode_rename_info(p, n, &ri) < 0)
		return STATUS_INFO_LENGTH_MISMATCH;
	if (!(o->access & DELETE))
		return STATUS_ACCESS_DENIED;
	if (ri.root_directory)
		return STATUS_INVALID_PARAMETER;
	/* streams.c: ":name" renames a stream within its file; a file with
	 * open streams is not renamed (MS-FSA 2.1.5.15.11). */
	if (o->stream || (ri.name_len >= 2 && ri.name[0] == ':' && ri.name[1] == 0))
		return srv_stream_rename(o, ri.name, ri.name_len, ri.replace_if_exists);
	if (o->file) {
		struct vfs_stat vst;
		NTSTATUS s = o->tree->vfs->ops->fstat(o->h, &vst);
		if (s)
			return s;
		if (srv_streams_open(vst.dev, vst.file_id))
			return STATUS_ACCESS_DENIED;
	}
	const uint8_t *name = ri.name;
	uint32_t name_len = ri.name_len;
	skip_leading_backslash(&name, &name_len);
	char *path;
	NTSTATUS st = srv_path_from_wire(name, name_len, &path);
	if (st)
		return st == STATUS_INVALID_PARAMETER ? STATUS_OBJECT_NAME_INVALID : st;
	if (!path[0]) {
		free(path);
		return STATUS_ACCESS_DENIED;
	}
	if (o->file) {
		st = rename_opens_check(o, path, ri.replace_if_exists);
		/* Other opens' handle caching goes first; the rename may wait
		 * for it (STATUS_PENDING: run again later). */
		if (!st)
			st = srv_oplock_break_handles(r, o);
		if (st) {
			free(path);
			return st;
		}
		/* Under the file's lock: other threads read this handle's path
		 * there (srv_file_open_below). */
		pthread_mutex_lock(&o->file->mu);
	}
	st = o->tree->vfs->ops->rename(o->h, path, ri.replace_if_exists);
	if (o->file) {
		/* Other opens of the file learn its new name; each applies it on
		 * its own thread (srv_open_sync_path). */
		for (struct srv_open *x = o->file->opens; !st && x; x = x->fnext) {
			if (x == o)
				continue;
			free(x->pending_path);
			x->pending_path = strdup(path);
		}
		pthread_mutex_unlock(&o->file->mu);
	}
	free(path);
	return st;
}

/* What a link to path meets (as a CREATE would find path): the srv_file
 * of the directory to hold it (*dir) and of the file it names now (*tgt,
 * NULL when absent, its stat in *tst).  The caller puts both. */
static void link_target(struct srv_open *o, const char *path, struct srv_file **dir,
			struct srv_file **tgt, struct vfs_stat *tst)
{
	*dir = *tgt = NULL;
	const struct vfs_ops *ops = o->vfs->ops;
	const char *slash = strrchr(path, '/');
	char *parent = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
	if (!parent)
		return;
	struct vfs_open_args a = {.path = parent, .disposition = FILE_OPEN, .directory = true};
	struct vfs_handle *h = NULL;
	uint32_t action;
	struct vfs_stat st;
	if (ops->open(o->vfs, &a, &h, &action) == STATUS_SUCCESS) {
		if (ops->fstat(h, &st) == STATUS_SUCCESS)
			*dir = srv_file_get(st.dev, st.file_id);
		ops->close(h);
	}
	free(parent);
	struct vfs_open_args t = {.path = path, .disposition = FILE_OPEN};
	if (ops->open(o->vfs, &t, &h, &action) == STATUS_SUCCESS) {
		if (ops->fstat(h, tst) == STATUS_SUCCESS)
			*tgt = srv_file_get(tst->dev, tst->file_id);
		ops->close(h);
	}
}

/* The checks a link makes against other opens and the file it would
 * replace (MS-FSA 2.1.5.15.6; the same rules as a rename's target). */
static NTSTATUS link_opens_check(struct srv_open *o, const char *path, bool replace, bool *same)
{
	struct srv_file *dir, *tgt;
	struct vfs_stat tst;
	link_target(o, path, &dir, &tgt, &tst);
	*same = tgt && tgt == o->file;
	NTSTATUS st = STATUS_SUCCESS;
	/* The link opens the new name's directory to add an entry, sharing
	 * read and write only (as a rename does). */
	if (dir) {
		pthread_mutex_lock(&dir->mu);
		st = srv_file_share_check(dir, SYNCHRONIZE | FILE_ADD_FILE,
					  FILE_SHARE_READ | FILE_SHARE_WRITE);
		pthread_mutex_unlock(&dir->mu);
	}
	/* Replacing deletes the file the name links to now: never a directory
	 * or a read-only file, never one that is open (as Windows answers);
	 * and only through a handle that may delete (Windows needs no access
	 * right for the link itself, but a handle opened to read must not
	 * remove another file: ksmbd's fix for the same hole). */
	if (!st && tgt && replace && tgt != o->file) {
		if (tst.is_dir || (tst.attributes & FILE_ATTRIBUTE_READONLY) ||
		    !(o->access & DELETE) || srv_streams_open(tst.dev, tst.file_id)) {
			st = STATUS_ACCESS_DENIED;
		} else {
			pthread_mutex_lock(&tgt->mu);
			if (tgt->opens)
				st = STATUS_ACCESS_DENIED;
			pthread_mutex_unlock(&tgt->mu);
		}
	}
	srv_file_put(dir);
	srv_file_put(tgt);
	return st;
}

#define SRV_MAX_LINKS 1024u

/* FileLinkInformation (MS-FSCC 2.4.27.2, MS-FSA 2.1.5.15.6): a new name
 * (hard link) for the open's file.  The name follows a rename's rules;
 * inotify reports the new entry to CHANGE_NOTIFY (FILE_ACTION_ADDED). */
static NTSTATUS set_link(struct srv_open *o, const uint8_t *p, size_t n)
{
	struct fscc_rename_info li;
	if (fscc_decode_rename_info(p, n, &li) < 0)
		return STATUS_INFO_LENGTH_MISMATCH;
	if (li.root_directory)
		return STATUS_INVALID_PARAMETER;
	if (o->stream)
		return STATUS_INVALID_PARAMETER;
	if (o->is_dir)
		return STATUS_FILE_IS_A_DIRECTORY;
	const struct vfs_ops *ops = o->vfs->ops;
	if (!ops->link)
		return STATUS_NOT_SUPPORTED;
	if (o->file) {
		pthread_mutex_lock(&o->file->mu);
		bool deleted = o->file->delete_pending;
		pthread_mutex_unlock(&o->file->mu);
		if (deleted)
			return STATUS_ACCESS_DENIED; /* Open.Link.IsDeleted */
	}
	/* NTFS's limit, which MS-FSA asks for (the file system's may be
	 * higher; the vfs answers the same when it is lower). */
	struct vfs_stat vst;
	NTSTATUS st = ops->fstat(o->h, &vst);
	if (st)
		return st;
	if (vst.nlink >= SRV_MAX_LINKS)
		return STATUS_TOO_MANY_LINKS;
	const uint8_t *name = li.name;
	uint32_t name_len = li.name_len;
	skip_leading_backslash(&name, &name_len);
	struct srv_name nm;
	bool same = false;
	st = srv_name_from_wire(name, name_len, &nm);
	if (st)
		return st == STATUS_INVALID_PARAMETER ? STATUS_OBJECT_NAME_INVALID : st;
	if (nm.stream)
		st = STATUS_INVALID_PARAMETER; /* no links to or from streams */
	else if (!nm.path[0])
		st = STATUS_OBJECT_NAME_INVALID;
	else
		st = link_opens_check(o, nm.path, li.replace_if_exists, &same);
	if (!st && !(same && li.replace_if_exists)) {
		/* Without DELETE the backend is never asked to remove a name:
		 * one the checks above could not see (a symlink) is refused
		 * all the same. */
		bool may_replace = li.replace_if_exists && (o->access & DELETE);
		st = ops->link(o->h, nm.path, may_replace);
		if (st == STATUS_OBJECT_NAME_COLLISION && li.replace_if_exists && !may_replace)
			st = STATUS_ACCESS_DENIED;
	}
	srv_name_free(&nm);
	return st;
}

NTSTATUS smb2_set_info(struct srv_req *r)
{
	struct smb2_set_info_req rq;
	if (smb2_decode_set_info_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	struct srv_open *o = srv_open_lookup(r, &rq.file_id);
	if (!o)
		return srv_open_miss(r);
	if (rq.buffer_len > r->conn->srv->cfg->max_io || !srv_charge_ok(r, rq.buffer_len))
		return STATUS_INVALID_PARAMETER;
	if (!o->h)
		return STATUS_NOT_SUPPORTED; /* pipes */
	NTSTATUS st;
	uint64_t v64;
	uint32_t v32;
	uint8_t v8;
	const struct vfs_ops *ops = o->tree->vfs->ops;
	if (rq.info_type == SMB2_0_INFO_FILE) {
		if (r->tree->read_only && rq.file_info_class != FilePositionInformation &&
		    rq.file_info_class != FileModeInformation)
			return STATUS_ACCESS_DENIED;
		switch (rq.file_info_class) {
		case FileBasicInformation:
			st = set_basic(o, rq.buffer, rq.buffer_len);
			break;
		case FileEndOfFileInformation:
			if (fscc_decode_u64_info(rq.buffer, rq.buffer_len, &v64) < 0)
				return STATUS_INFO_LENGTH_MISMATCH;
			if (!(o->access & FILE_WRITE_DATA))
				return STATUS_ACCESS_DENIED;
			if (o->is_dir)
				return STATUS_INVALID_PARAMETER;
			if (v64 > INT64_MAX)
				return STATUS_INVALID_PARAMETER;
			srv_oplock_contend(o);
			srv_wtime_write_begin(o);
			st = ops->truncate(o->h, v64);
			if (st == STATUS_SUCCESS)
				srv_wtime_eof(o); /* shows at once, even to the same size */
			else
				srv_wtime_write_end(o, false);
			break;
		case FileAllocationInformation: {
			if (fscc_decode_u64_info(rq.buffer, rq.buffer_len, &v64) < 0)
				return STATUS_INFO_LENGTH_MISMATCH;
			if (!(o->access & FILE_WRITE_DATA))
				return STATUS_ACCESS_DENIED;
			if (o->is_dir)
				return STATUS_INVALID_PARAMETER;
			if (v64 > INT64_MAX)
				return STATUS_INVALID_PARAMETER;
			struct vfs_stat vst;
			st = ops->fstat(o->h, &vst);
			if (st)
				return st;
			srv_oplock_contend(o);
			/* A smaller allocation truncates the file (MS-FSCC 2.4.4). */
			st = v64 < vst.size ? ops->truncate(o->h, v64) : ops->allocate(o->h, v64);
			break;
		}
		case FileDispositionInformation:
			if (fscc_decode_u8_info(rq.buffer, rq.buffer_len, &v8) < 0)
				return STATUS_INFO_LENGTH_MISMATCH;
			st = set_disposition(o, v8);
			break;
		case FileDispositionInformationEx:
			if (fscc_decode_u32_info(rq.buffer, rq.buffer_len, &v32) < 0)
				return STATUS_INFO_LENGTH_MISMATCH;
			st = set_disposition(o, (uint8_t)(v32 & 1));
			break;
		case FileRenameInformation:
			st = set_rename(r, o, rq.buffer, rq.buffer_len);
			break;
		case FilePositionInformation:
			if (fscc_decode_u64_info(rq.buffer, rq.buffer_len, &v64) < 0)
				return STATUS_INFO_LENGTH_MISMATCH;
			o->position = v64;
			st = STATUS_SUCCESS;
			break;
		case FileModeInformation:
			if (fscc_decode_u32_info(rq.buffer, rq.buffer_len, &v32) < 0)
				return STATUS_INFO_LENGTH_MISMATCH;
			if (v32 & ~(FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY |
				    FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT))
				return STATUS_INVALID_PARAMETER;
			o->mode = (o->mode & FILE_DELETE_ON_CLOSE) | v32;
			st = STATUS_SUCCESS;
			break;
		case FileFullEaInformation:
			st = srv_ea_set_info(o, rq.buffer, rq.buffer_len);
			break;
		case FileLinkInformation:
			st = set_link(o, rq.buffer, rq.buffer_len);
			break;
		default:
			st = STATUS_INVALID_INFO_CLASS;
		}
	} else if (rq.info_type == SMB2_0_INFO_FILESYSTEM) {
		st = r->tree->read_only ? STATUS_ACCESS_DENIED : STATUS_NOT_SUPPORTED;
	} else if (rq.info_type == SMB2_0_INFO_SECURITY) {
		st = srv_acl_set(r, o, rq.additional_information, rq.buffer, rq.buffer_len);
	} else {
		st = STATUS_INVALID_PARAMETER;
	}
	if (st == STATUS_SUCCESS)
		smb2_encode_set_info_resp(r->out);
	return st;
}
