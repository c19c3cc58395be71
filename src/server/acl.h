/* NT security descriptors of files (issue 6): stored as a self-relative
 * SD in the xattr VFS_NTACL_XATTR, synthesized from the POSIX owner, group
 * and mode when none is stored, checked at CREATE (MS-DTYP 2.5.3.2) and
 * inherited by new files and directories (MS-DTYP 2.5.3.4).  The kernel's
 * own checks still apply underneath: file work runs with the user's fsuid. */
#ifndef DAX_SRV_ACL_H
#define DAX_SRV_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/ntstatus.h"
#include "vfs/vfs.h"

struct srv_req;
struct srv_open;

/* QUERY_INFO SMB2_0_INFO_SECURITY: the SD of o's file, the parts secinfo
 * names, appended to out. */
NTSTATUS srv_acl_query(struct srv_req *r, struct srv_open *o, uint32_t secinfo, struct buf *out);
/* SET_INFO SMB2_0_INFO_SECURITY (MS-SMB2 3.3.5.21.3). */
NTSTATUS srv_acl_set(struct srv_req *r, struct srv_open *o, uint32_t secinfo, const uint8_t *p,
		     size_t n);
/* CREATE of an existing file: when it has a stored DACL, *access (mapped,
 * without MAXIMUM_ALLOWED) must be granted by it; want_max adds what the
 * DACL allows, truncating (overwrite, supersede) needs FILE_WRITE_DATA.
 * *maximal gets the maximal access (MxAc); it is left alone when no DACL
 * is stored (the kernel's checks decide then). */
NTSTATUS srv_acl_check_open(struct srv_req *r, struct vfs_handle *h, const struct vfs_stat *st,
			    bool want_max, bool truncating, uint32_t *access, uint32_t *maximal);
/* A SecD create context: valid or STATUS_INVALID_SECURITY_DESCR. */
NTSTATUS srv_acl_check_secd(const uint8_t *p, size_t n);
/* A file or directory just created at h: gives it the inheritable ACEs of
 * its parent's stored DACL and the SD of a SecD context (p, n; NULL for
 * none), and maps the result to its mode. */
NTSTATUS srv_acl_new_file(struct srv_req *r, struct vfs_handle *h, const uint8_t *p, size_t n);

#endif
