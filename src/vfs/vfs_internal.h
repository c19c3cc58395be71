/* Helpers shared by the vfs backends (posix, and pmem which uses posix for
 * metadata).  Not part of the server's contract: that is vfs.h. */
#ifndef DAX_VFS_INTERNAL_H
#define DAX_VFS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "vfs/vfs.h"

/* DOS attributes and creation time live in one small xattr per file.
 * Layout (little endian): le32 attributes, le32 valid flags, le64 creation
 * time (NT), le64 change time, le64 the mtime (NT) when that change time
 * was set: it holds only while mtime has not moved.  The 16-byte form
 * without the change time is read too, and a bare 4-byte value as
 * attributes only.  Any other length (for instance a blob written by
 * Samba under the same name) is ignored rather than misread. */
#define VFS_DOSATTRIB_XATTR "user.DOSATTRIB"
#define VFS_DOSATTRIB_LEN 32
#define VFS_DOSATTRIB_LEN_V1 16
#define VFS_DOSATTRIB_HAS_ATTRIBUTES 0x1u
#define VFS_DOSATTRIB_HAS_CRTIME 0x2u
#define VFS_DOSATTRIB_HAS_CHANGE 0x4u

struct vfs_dosattrib {
	uint32_t valid;          /* VFS_DOSATTRIB_HAS_* */
	uint32_t attributes;
	uint64_t creation_time;
	uint64_t change_time;    /* set by a client ... */
	uint64_t change_stamp;   /* ... when mtime was this */
};

/* The attributes a client may store (MS-FSCC 2.6); DIRECTORY, NORMAL,
 * SPARSE, REPARSE_POINT, COMPRESSED and ENCRYPTED describe the file and
 * are computed, never stored. */
uint32_t vfs_settable_attributes(void);

bool vfs_dosattrib_decode(const void *p, size_t n, struct vfs_dosattrib *out);
/* Returns the length written: VFS_DOSATTRIB_LEN_V1 without a change time. */
size_t vfs_dosattrib_encode(const struct vfs_dosattrib *d, uint8_t out[VFS_DOSATTRIB_LEN]);

/* Fills st from a statx result and the stored DOS attributes (d may have
 * valid == 0). */
void vfs_stat_from_statx(struct vfs_stat *st, const struct statx *stx,
			 const struct vfs_dosattrib *d);

/* openat2(dirfd, path, flags | O_CLOEXEC, RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS).  "" means dirfd itself.  Retries EINTR and the
 * kernel's EAGAIN (a concurrent rename it could not rule out); when those
 * retries run out, fails with EXDEV as for an escape.  Returns the fd or -1
 * with errno set. */
int vfs_openat2(int dirfd, const char *path, int flags, mode_t mode);

/* True if s is valid UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF). */
bool vfs_utf8_valid(const char *s);

/* Samba's "store dos attributes": on by default; off, DOS attributes are
 * not kept in xattrs and READONLY maps to the owner write bit (the same as
 * when the file system refuses user xattrs).  Posix shares only. */
void vfs_posix_set_store_dos_attributes(struct vfs_share *s, bool on);

/* Tells a posix handle its file's data was written some other way (the
 * pmem backend's mapping): ARCHIVE is set as for a write (MS-FSA 2.1.5.3). */
void vfs_posix_note_write(struct vfs_handle *h);

/* ---- xattr_streams.c: streams and EAs in xattrs (vfs.h) ---- */

/* The inode whose xattrs are meant: fd, or path when path is set
 * (follow: the path's symlinks are followed, as for /proc/self/fd/N of
 * an O_PATH fd; else the entry itself, as for a directory entry). */
struct vfs_xt {
	int fd;
	const char *path;
	bool follow;
};
/* A stream name's longest UTF-8 form: its xattr name must fit 255 bytes. */
#define VFS_STREAM_NAME_MAX 236u

/* The xattr name of stream name (malloc'd), matched without case;
 * OBJECT_NAME_NOT_FOUND when there is none. */
NTSTATUS vfs_stream_find(const struct vfs_xt *t, const char *name, char **xname);
/* Creates the empty stream name; OBJECT_NAME_COLLISION if it exists. */
NTSTATUS vfs_stream_create(const struct vfs_xt *t, const char *name, char **xname);
const char *vfs_stream_xname_to_name(const char *xname);
NTSTATUS vfs_stream_size(const struct vfs_xt *t, const char *xname, uint64_t *size);
NTSTATUS vfs_stream_read(const struct vfs_xt *t, const char *xname, void *dst, size_t len,
			 uint64_t off, size_t *done);
NTSTATUS vfs_stream_write(const struct vfs_xt *t, const char *xname, const void *src, size_t len,
			  uint64_t off);
NTSTATUS vfs_stream_truncate(const struct vfs_xt *t, const char *xname, uint64_t size);
NTSTATUS vfs_stream_remove(const struct vfs_xt *t, const char *xname);
NTSTATUS vfs_stream_rename(const struct vfs_xt *t, const char *xname, const char *name,
			   bool replace, char **new_xname);
NTSTATUS vfs_streams_list(const struct vfs_xt *t, struct vfs_stream_info **out, size_t *count);
NTSTATUS vfs_streams_drop(const struct vfs_xt *t);
/* EaSize of the inode's EAs (0 when none or unreadable). */
uint32_t vfs_ea_size(const struct vfs_xt *t);
NTSTATUS vfs_eas_get(const struct vfs_xt *t, struct vfs_ea **out, size_t *count);
NTSTATUS vfs_ea_set(const struct vfs_xt *t, const char *name, const void *value, size_t len);

#endif
