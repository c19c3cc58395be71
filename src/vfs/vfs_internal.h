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
 * time (NT).  A bare 4-byte value is read as attributes only.  Any other
 * length (for instance a blob written by Samba under the same name) is
 * ignored rather than misread. */
#define VFS_DOSATTRIB_XATTR "user.DOSATTRIB"
#define VFS_DOSATTRIB_LEN 16
#define VFS_DOSATTRIB_HAS_ATTRIBUTES 0x1u
#define VFS_DOSATTRIB_HAS_CRTIME 0x2u

struct vfs_dosattrib {
	uint32_t valid;          /* VFS_DOSATTRIB_HAS_* */
	uint32_t attributes;
	uint64_t creation_time;
};

/* The attributes a client may store (MS-FSCC 2.6); DIRECTORY, NORMAL,
 * SPARSE, REPARSE_POINT, COMPRESSED and ENCRYPTED describe the file and
 * are computed, never stored. */
uint32_t vfs_settable_attributes(void);

bool vfs_dosattrib_decode(const void *p, size_t n, struct vfs_dosattrib *out);
void vfs_dosattrib_encode(const struct vfs_dosattrib *d, uint8_t out[VFS_DOSATTRIB_LEN]);

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

#endif
