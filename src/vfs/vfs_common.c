/* Shared pieces of the vfs backends: the one errno -> NTSTATUS map (STYLE 5),
 * DOS attribute storage format, stat conversion, beneath-the-root opens. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/nttime.h"
#include "common/utf16.h"
#include "proto/smb2.h"
#include "vfs/vfs_internal.h"

NTSTATUS vfs_errno_to_status(int err)
{
	switch (err) {
	case 0:
		return STATUS_SUCCESS;
	case ENOENT:
	case ELOOP: /* a symlink loop: clients do not understand STOPPED_ON_SYMLINK */
		return STATUS_OBJECT_NAME_NOT_FOUND;
	case ENOTDIR: /* a component of the parent path is not a directory */
		return STATUS_OBJECT_PATH_NOT_FOUND;
	case EEXIST:
		return STATUS_OBJECT_NAME_COLLISION;
	case EACCES:
	case EPERM:
	case EXDEV: /* RESOLVE_BENEATH refused an escape from the share */
		return STATUS_ACCESS_DENIED;
	case EISDIR:
		return STATUS_FILE_IS_A_DIRECTORY;
	case ENOTEMPTY:
		return STATUS_DIRECTORY_NOT_EMPTY;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return STATUS_DISK_FULL;
	case EROFS:
		return STATUS_MEDIA_WRITE_PROTECTED;
	case ENAMETOOLONG:
		return STATUS_OBJECT_NAME_INVALID;
	case EMFILE:
	case ENFILE:
		return STATUS_TOO_MANY_OPENED_FILES;
	case EINVAL:
		return STATUS_INVALID_PARAMETER;
	case ENOMEM:
		return STATUS_NO_MEMORY;
	case EBADF:
		return STATUS_INVALID_HANDLE;
	case ETXTBSY:
	case EBUSY:
		return STATUS_SHARING_VIOLATION;
	case EOPNOTSUPP:
	case ENOSYS:
		return STATUS_NOT_SUPPORTED;
	default:
		return STATUS_UNSUCCESSFUL;
	}
}

void vfs_dirents_free(struct vfs_dirent *d, size_t count)
{
	if (!d)
		return;
	for (size_t i = 0; i < count; i++)
		free(d[i].name);
	free(d);
}

uint32_t vfs_settable_attributes(void)
{
	return FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM |
	       FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_OFFLINE |
	       FILE_ATTRIBUTE_NOT_CONTENT_INDEXED;
}

bool vfs_dosattrib_decode(const void *p, size_t n, struct vfs_dosattrib *out)
{
	const uint8_t *b = p;
	memset(out, 0, sizeof(*out));
	if (n == 4) {
		out->valid = VFS_DOSATTRIB_HAS_ATTRIBUTES;
		out->attributes = get_le32(b);
		return true;
	}
	if (n != VFS_DOSATTRIB_LEN && n != VFS_DOSATTRIB_LEN_V1)
		return false;
	out->attributes = get_le32(b);
	out->valid = get_le32(b + 4) & (VFS_DOSATTRIB_HAS_ATTRIBUTES | VFS_DOSATTRIB_HAS_CRTIME);
	out->creation_time = get_le64(b + 8);
	if (n == VFS_DOSATTRIB_LEN && (get_le32(b + 4) & VFS_DOSATTRIB_HAS_CHANGE)) {
		out->valid |= VFS_DOSATTRIB_HAS_CHANGE;
		out->change_time = get_le64(b + 16);
		out->change_stamp = get_le64(b + 24);
	}
	return true;
}

size_t vfs_dosattrib_encode(const struct vfs_dosattrib *d, uint8_t out[VFS_DOSATTRIB_LEN])
{
	put_le32(out, d->attributes);
	put_le32(out + 4, d->valid);
	put_le64(out + 8, d->creation_time);
	/* The short form unless a change time is kept: the value then still
	 * fits the inode's own xattr space on ext4, where a spill to an
	 * xattr block would show as allocation of an empty file. */
	if (!(d->valid & VFS_DOSATTRIB_HAS_CHANGE))
		return VFS_DOSATTRIB_LEN_V1;
	put_le64(out + 16, d->change_time);
	put_le64(out + 24, d->change_stamp);
	return VFS_DOSATTRIB_LEN;
}

static uint64_t nt_of(const struct statx_timestamp *t)
{
	struct timespec ts = { .tv_sec = t->tv_sec, .tv_nsec = t->tv_nsec };
	return nttime_from_timespec(&ts);
}

void vfs_stat_from_statx(struct vfs_stat *st, const struct statx *stx,
			 const struct vfs_dosattrib *d)
{
	memset(st, 0, sizeof(*st));
	st->size = stx->stx_size;
	/* Directories report no allocation, as on NTFS (and in Samba). */
	st->alloc = S_ISDIR(stx->stx_mode) ? 0 : stx->stx_blocks * 512;
	st->file_id = stx->stx_ino;
	st->dev = makedev(stx->stx_dev_major, stx->stx_dev_minor);
	st->nlink = stx->stx_nlink;
	st->mode = stx->stx_mode;
	st->uid = stx->stx_uid;
	st->gid = stx->stx_gid;
	st->is_dir = S_ISDIR(stx->stx_mode);
	st->access_time = nt_of(&stx->stx_atime);
	st->write_time = nt_of(&stx->stx_mtime);
	/* Linux cannot set ctime: a ChangeTime the client set is kept in the
	 * xattr with the mtime it was set at, and stands until the next write
	 * moves mtime on (a write changes ChangeTime on Windows too). */
	st->change_time = nt_of(&stx->stx_ctime);
	if ((d->valid & VFS_DOSATTRIB_HAS_CHANGE) && d->change_stamp == st->write_time)
		st->change_time = d->change_time;
	if (d->valid & VFS_DOSATTRIB_HAS_CRTIME)
		st->creation_time = d->creation_time;
	else if (stx->stx_mask & STATX_BTIME)
		st->creation_time = nt_of(&stx->stx_btime);
	else
		st->creation_time = st->write_time < st->change_time ? st->write_time
								       : st->change_time;

	bool stored = d->valid & VFS_DOSATTRIB_HAS_ATTRIBUTES;
	uint32_t a = stored ? d->attributes & (vfs_settable_attributes() | FILE_ATTRIBUTE_SPARSE_FILE) : 0;
	if (st->is_dir) {
		/* No mode-derived READONLY on directories: a directory without
		 * the write bit is a permission matter, and Windows reads
		 * READONLY on a folder as "has a desktop.ini". */
		st->attributes = a | FILE_ATTRIBUTE_DIRECTORY;
		return;
	}
	if (!stored)
		a = FILE_ATTRIBUTE_ARCHIVE;
	if (!(stx->stx_mode & S_IWUSR))
		a |= FILE_ATTRIBUTE_READONLY;
	st->attributes = a ? a : FILE_ATTRIBUTE_NORMAL;
}

int vfs_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	/* openat2 rejects O_NOCTTY and friends with O_PATH; add it otherwise
	 * so that a tty node in a share never becomes our terminal. */
	if (!(flags & O_PATH))
		how.flags |= O_NOCTTY;
	if (path[0] == '\0')
		path = ".";
	for (int again = 0;;) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			if (++again < 64)
				continue;
			errno = EXDEV;
		}
		return -1;
	}
}

bool vfs_utf8_valid(const char *s)
{
	const char *end = s + strlen(s);
	while (s < end)
		if (utf8_next(&s, end) == 0xFFFFFFFFu)
			return false;
	return true;
}
