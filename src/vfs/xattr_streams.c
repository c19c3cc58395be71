/* Named data streams and extended attributes kept in xattrs (vfs.h
 * "Streams", "Extended attributes"), for the posix backend and whoever
 * wraps it.  A stream is one xattr, user.DAXSMB.stream.NAME, holding the
 * stream's bytes; an EA is one xattr, user.DAXSMB.ea.NAME (NAME upper case).
 * Everything works through a struct vfs_xt, which names the inode by fd or
 * by path, so that O_PATH handles and directory entries work too.
 *
 * A stream is read and rewritten whole on every write: streams are small
 * (at most VFS_STREAM_MAX, XATTR_SIZE_MAX on Linux), and the file system
 * decides atomically which version wins. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "common/utf16.h"
#include "vfs/vfs_internal.h"

#define STREAM_PREFIX "user.DAXSMB.stream."
#define EA_PREFIX "user.DAXSMB.ea."
#define LIST_MAX (1u << 20)

static ssize_t xt_get(const struct vfs_xt *t, const char *name, void *buf, size_t n)
{
	if (!t->path)
		return fgetxattr(t->fd, name, buf, n);
	return t->follow ? getxattr(t->path, name, buf, n) : lgetxattr(t->path, name, buf, n);
}

static int xt_set(const struct vfs_xt *t, const char *name, const void *buf, size_t n, int flags)
{
	if (!t->path)
		return fsetxattr(t->fd, name, buf, n, flags);
	return t->follow ? setxattr(t->path, name, buf, n, flags)
			 : lsetxattr(t->path, name, buf, n, flags);
}

static int xt_remove(const struct vfs_xt *t, const char *name)
{
	if (!t->path)
		return fremovexattr(t->fd, name);
	return t->follow ? removexattr(t->path, name) : lremovexattr(t->path, name);
}

static ssize_t xt_list_raw(const struct vfs_xt *t, char *buf, size_t n)
{
	if (!t->path)
		return flistxattr(t->fd, buf, n);
	return t->follow ? listxattr(t->path, buf, n) : llistxattr(t->path, buf, n);
}

/* The xattr name list, malloc'd (NUL-separated, *len bytes); 0 or -errno.
 * No xattrs at all is an empty list. */
static int xt_list(const struct vfs_xt *t, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	for (int tries = 0; tries < 4; tries++) {
		ssize_t n = xt_list_raw(t, NULL, 0);
		if (n < 0)
			return errno == ENOTSUP ? 0 : -errno;
		if (n == 0)
			return 0;
		if ((size_t)n > LIST_MAX)
			return -E2BIG;
		char *b = malloc((size_t)n);
		if (!b)
			return -ENOMEM;
		ssize_t m = xt_list_raw(t, b, (size_t)n);
		if (m >= 0) {
			*out = b;
			*len = (size_t)m;
			return 0;
		}
		free(b);
		if (errno != ERANGE) /* grew meanwhile: again */
			return -errno;
	}
	return -ERANGE;
}

/* errno of a failed write of a stream or EA value, as NTSTATUS: a value
 * the file system cannot hold is a full disk. */
static NTSTATUS set_errno_status(int e)
{
	if (e == E2BIG || e == ENOSPC || e == ERANGE || e == EDQUOT)
		return STATUS_DISK_FULL;
	if (e == ENOTSUP)
		return STATUS_EAS_NOT_SUPPORTED;
	return vfs_errno_to_status(e);
}

static char *join(const char *prefix, const char *name)
{
	size_t a = strlen(prefix), b = strlen(name);
	char *p = malloc(a + b + 1);
	if (p) {
		memcpy(p, prefix, a);
		memcpy(p + a, name, b + 1);
	}
	return p;
}

/* ---- streams ---- */

NTSTATUS vfs_stream_find(const struct vfs_xt *t, const char *name, char **xname)
{
	*xname = NULL;
	if (!*name || strlen(name) > VFS_STREAM_NAME_MAX || strpbrk(name, ":/\\"))
		return STATUS_OBJECT_NAME_INVALID;
	char *x = join(STREAM_PREFIX, name);
	if (!x)
		return STATUS_NO_MEMORY;
	if (xt_get(t, x, NULL, 0) >= 0) {
		*xname = x;
		return STATUS_SUCCESS;
	}
	int e = errno;
	free(x);
	if (e == ENOTSUP)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (e != ENODATA)
		return vfs_errno_to_status(e);
	/* Not as spelled: names compare without case. */
	char *list;
	size_t len;
	int r = xt_list(t, &list, &len);
	if (r < 0)
		return vfs_errno_to_status(-r);
	NTSTATUS st = STATUS_OBJECT_NAME_NOT_FOUND;
	for (size_t i = 0; i < len; i += strlen(list + i) + 1) {
		const char *n = list + i;
		if (strncmp(n, STREAM_PREFIX, sizeof(STREAM_PREFIX) - 1) ||
		    utf8_casecmp(n + sizeof(STREAM_PREFIX) - 1, name))
			continue;
		*xname = strdup(n);
		st = *xname ? STATUS_SUCCESS : STATUS_NO_MEMORY;
		break;
	}
	free(list);
	return st;
}

const char *vfs_stream_xname_to_name(const char *xname)
{
	return xname + sizeof(STREAM_PREFIX) - 1;
}

NTSTATUS vfs_stream_create(const struct vfs_xt *t, const char *name, char **xname)
{
	*xname = join(STREAM_PREFIX, name);
	if (!*xname)
		return STATUS_NO_MEMORY;
	if (xt_set(t, *xname, "", 0, XATTR_CREATE) == 0)
		return STATUS_SUCCESS;
	int e = errno;
	free(*xname);
	*xname = NULL;
	return e == EEXIST ? STATUS_OBJECT_NAME_COLLISION : set_errno_status(e);
}

/* The whole value of a stream into a malloc'd buffer (NULL for empty). */
static NTSTATUS load(const struct vfs_xt *t, const char *xname, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	for (int tries = 0; tries < 4; tries++) {
		ssize_t n = xt_get(t, xname, NULL, 0);
		if (n < 0)
			return errno == ENODATA ? STATUS_OBJECT_NAME_NOT_FOUND : vfs_errno_to_status(errno);
		if (n == 0)
			return STATUS_SUCCESS;
		uint8_t *b = malloc((size_t)n);
		if (!b)
			return STATUS_NO_MEMORY;
		ssize_t m = xt_get(t, xname, b, (size_t)n);
		if (m >= 0) {
			*out = b;
			*len = (size_t)m;
			return STATUS_SUCCESS;
		}
		free(b);
		if (errno != ERANGE)
			return errno == ENODATA ? STATUS_OBJECT_NAME_NOT_FOUND
						: vfs_errno_to_status(errno);
	}
	return STATUS_UNSUCCESSFUL;
}

NTSTATUS vfs_stream_size(const struct vfs_xt *t, const char *xname, uint64_t *size)
{
	ssize_t n = xt_get(t, xname, NULL, 0);
	if (n < 0)
		return errno == ENODATA ? STATUS_OBJECT_NAME_NOT_FOUND : vfs_errno_to_status(errno);
	*size = (uint64_t)n;
	return STATUS_SUCCESS;
}

NTSTATUS vfs_stream_read(const struct vfs_xt *t, const char *xname, void *dst, size_t len,
			 uint64_t off, size_t *done)
{
	uint8_t *v;
	size_t n;
	*done = 0;
	NTSTATUS st = load(t, xname, &v, &n);
	if (st)
		return st;
	if (off < n) {
		*done = n - off < len ? n - (size_t)off : len;
		memcpy(dst, v + off, *done);
	}
	free(v);
	return STATUS_SUCCESS;
}

/* Rewrites the stream as [0, keep) of its value, zeros up to off, then
 * src[0, len) at off, resized to size (which covers all of it). */
static NTSTATUS rewrite(const struct vfs_xt *t, const char *xname, const void *src, size_t len,
			uint64_t off, uint64_t size)
{
	if (size > VFS_STREAM_MAX || off > size || len > size - off)
		return STATUS_DISK_FULL;
	uint8_t *v;
	size_t n;
	NTSTATUS st = load(t, xname, &v, &n);
	if (st)
		return st;
	uint8_t *nv = realloc(v, size ? (size_t)size : 1);
	if (!nv) {
		free(v);
		return STATUS_NO_MEMORY;
	}
	if (size > n)
		memset(nv + n, 0, (size_t)size - n);
	if (len)
		memcpy(nv + off, src, len);
	st = STATUS_SUCCESS;
	if (xt_set(t, xname, nv, (size_t)size, XATTR_REPLACE) < 0)
		st = errno == ENODATA ? STATUS_OBJECT_NAME_NOT_FOUND : set_errno_status(errno);
	free(nv);
	return st;
}

NTSTATUS vfs_stream_write(const struct vfs_xt *t, const char *xname, const void *src, size_t len,
			  uint64_t off)
{
	uint64_t cur;
	NTSTATUS st = vfs_stream_size(t, xname, &cur);
	if (st)
		return st;
	if (off > VFS_STREAM_MAX || len > VFS_STREAM_MAX - off)
		return STATUS_DISK_FULL;
	uint64_t end = off + len;
	return rewrite(t, xname, src, len, off, end > cur ? end : cur);
}

NTSTATUS vfs_stream_truncate(const struct vfs_xt *t, const char *xname, uint64_t size)
{
	return rewrite(t, xname, NULL, 0, 0, size);
}

NTSTATUS vfs_stream_remove(const struct vfs_xt *t, const char *xname)
{
	if (xt_remove(t, xname) == 0 || errno == ENODATA)
		return STATUS_SUCCESS;
	return vfs_errno_to_status(errno);
}

NTSTATUS vfs_streams_list(const struct vfs_xt *t, struct vfs_stream_info **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	char *list;
	size_t len;
	int r = xt_list(t, &list, &len);
	if (r < 0)
		return vfs_errno_to_status(-r);
	NTSTATUS st = STATUS_SUCCESS;
	struct vfs_stream_info *v = NULL;
	size_t k = 0, cap = 0;
	for (size_t i = 0; i < len; i += strlen(list + i) + 1) {
		const char *n = list + i;
		if (strncmp(n, STREAM_PREFIX, sizeof(STREAM_PREFIX) - 1))
			continue;
		ssize_t sz = xt_get(t, n, NULL, 0);
		if (sz < 0)
			continue; /* removed meanwhile */
		if (k == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct vfs_stream_info *nv = realloc(v, ncap * sizeof(*v));
			if (!nv) {
				st = STATUS_NO_MEMORY;
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[k].name = strdup(n + sizeof(STREAM_PREFIX) - 1);
		v[k].size = (uint64_t)sz;
		if (!v[k].name) {
			st = STATUS_NO_MEMORY;
			break;
		}
		k++;
	}
	free(list);
	if (st) {
		vfs_streams_free(v, k);
		return st;
	}
	*out = v;
	*count = k;
	return STATUS_SUCCESS;
}

NTSTATUS vfs_streams_drop(const struct vfs_xt *t)
{
	struct vfs_stream_info *v;
	size_t n;
	NTSTATUS st = vfs_streams_list(t, &v, &n);
	if (st)
		return st;
	for (size_t i = 0; i < n && !st; i++) {
		char *x = join(STREAM_PREFIX, v[i].name);
		st = x ? vfs_stream_remove(t, x) : STATUS_NO_MEMORY;
		free(x);
	}
	vfs_streams_free(v, n);
	return st;
}

NTSTATUS vfs_stream_rename(const struct vfs_xt *t, const char *xname, const char *name,
			   bool replace, char **new_xname)
{
	*new_xname = NULL;
	char *target;
	NTSTATUS st = vfs_stream_find(t, name, &target);
	if (st == STATUS_SUCCESS) {
		if (!strcmp(target, xname)) {
			/* The stream itself, maybe in another case. */
			free(target);
			target = NULL;
		} else if (!replace) {
			free(target);
			return STATUS_OBJECT_NAME_COLLISION;
		}
	} else if (st != STATUS_OBJECT_NAME_NOT_FOUND) {
		return st;
	} else {
		target = NULL;
	}
	char *nx = join(STREAM_PREFIX, name);
	if (!nx) {
		free(target);
		return STATUS_NO_MEMORY;
	}
	if (!strcmp(nx, xname)) {
		free(target);
		*new_xname = nx;
		return STATUS_SUCCESS;
	}
	uint8_t *v;
	size_t n;
	st = load(t, xname, &v, &n);
	if (!st && target && strcmp(target, nx))
		st = vfs_stream_remove(t, target); /* replaced, spelled otherwise */
	if (!st && xt_set(t, nx, v ? (const void *)v : "", n, 0) < 0)
		st = set_errno_status(errno);
	if (!st)
		st = vfs_stream_remove(t, xname);
	free(v);
	free(target);
	if (st) {
		free(nx);
		return st;
	}
	*new_xname = nx;
	return STATUS_SUCCESS;
}

void vfs_streams_free(struct vfs_stream_info *s, size_t count)
{
	if (!s)
		return;
	for (size_t i = 0; i < count; i++)
		free(s[i].name);
	free(s);
}

/* ---- EAs ---- */

uint32_t vfs_ea_list_size(const size_t *name_len, const size_t *value_len, size_t count)
{
	/* MS-FSCC 2.4.15: NextEntryOffset, Flags, EaNameLength, EaValueLength,
	 * the name and its NUL, the value; every entry but the last padded to
	 * 4 bytes. */
	uint64_t total = 0;
	for (size_t i = 0; i < count; i++) {
		uint64_t e = 8 + name_len[i] + 1 + value_len[i];
		if (i + 1 < count)
			e = (e + 3) & ~(uint64_t)3;
		total += e;
	}
	return total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
}

uint32_t vfs_ea_size(const struct vfs_xt *t)
{
	char *list;
	size_t len;
	if (xt_list(t, &list, &len) < 0 || !list)
		return 0;
	uint64_t total = 0;
	size_t last = 0;
	bool any = false;
	for (size_t i = 0; i < len; i += strlen(list + i) + 1) {
		const char *n = list + i;
		if (strncmp(n, EA_PREFIX, sizeof(EA_PREFIX) - 1))
			continue;
		ssize_t sz = xt_get(t, n, NULL, 0);
		if (sz < 0)
			continue;
		if (any)
			total = (total + 3) & ~(uint64_t)3; /* pad the one before */
		last = 8 + strlen(n) - (sizeof(EA_PREFIX) - 1) + 1 + (size_t)sz;
		total += last;
		any = true;
	}
	free(list);
	return total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
}

NTSTATUS vfs_eas_get(const struct vfs_xt *t, struct vfs_ea **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	char *list;
	size_t len;
	int r = xt_list(t, &list, &len);
	if (r < 0)
		return vfs_errno_to_status(-r);
	NTSTATUS st = STATUS_SUCCESS;
	struct vfs_ea *v = NULL;
	size_t k = 0, cap = 0;
	for (size_t i = 0; i < len; i += strlen(list + i) + 1) {
		const char *n = list + i;
		if (strncmp(n, EA_PREFIX, sizeof(EA_PREFIX) - 1))
			continue;
		uint8_t *val;
		size_t vlen;
		st = load(t, n, &val, &vlen);
		if (st == STATUS_OBJECT_NAME_NOT_FOUND) {
			st = STATUS_SUCCESS;
			continue;
		}
		if (st)
			break;
		if (k == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct vfs_ea *nv = realloc(v, ncap * sizeof(*v));
			if (!nv) {
				free(val);
				st = STATUS_NO_MEMORY;
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[k].name = strdup(n + sizeof(EA_PREFIX) - 1);
		v[k].value = val;
		v[k].len = vlen;
		if (!v[k].name) {
			free(val);
			st = STATUS_NO_MEMORY;
			break;
		}
		k++;
	}
	free(list);
	if (st) {
		vfs_eas_free(v, k);
		return st;
	}
	*out = v;
	*count = k;
	return STATUS_SUCCESS;
}

NTSTATUS vfs_ea_set(const struct vfs_xt *t, const char *name, const void *value, size_t len)
{
	if (!*name || strlen(name) > VFS_EA_NAME_MAX)
		return STATUS_OBJECT_NAME_INVALID;
	char *x = join(EA_PREFIX, name);
	if (!x)
		return STATUS_NO_MEMORY;
	NTSTATUS st = STATUS_SUCCESS;
	if (len == 0) {
		if (xt_remove(t, x) < 0 && errno != ENODATA)
			st = set_errno_status(errno);
	} else if (xt_set(t, x, value, len, 0) < 0) {
		st = set_errno_status(errno);
	}
	free(x);
	return st;
}

void vfs_eas_free(struct vfs_ea *e, size_t count)
{
	if (!e)
		return;
	for (size_t i = 0; i < count; i++) {
		free(e[i].name);
		free(e[i].value);
	}
	free(e);
}
