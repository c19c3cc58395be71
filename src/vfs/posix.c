/* The posix storage backend (DESIGN "vfs/"): handle based; every path is
 * resolved below the share's root fd with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS), so neither a symlink nor a concurrent rename
 * inside the share can make an open land outside it.  Operations on a name
 * (mkdir, unlink, rename) go through the parent directory opened that way
 * and an *at() call on the final component.  errno becomes NTSTATUS here
 * and nowhere else (STYLE 5). */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/random.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/nttime.h"
#include "common/utf16.h"
#include "proto/smb2.h"
#include "vfs/vfs_internal.h"

#define STATX_WANT (STATX_BASIC_STATS | STATX_BTIME)
/* Times that mean "leave alone" in an NT time field besides 0 (MS-FSCC
 * 2.4.7: -1 and -2 suspend/resume automatic updates, which we do not do). */
#define NT_TIME_KEEP_1 UINT64_MAX
#define NT_TIME_KEEP_2 (UINT64_MAX - 1)
/* Attempts of an open whose target changes type or identity under us. */
#define OPEN_ATTEMPTS 8

struct posix_share {
	struct vfs_share pub; /* first: a vfs_share * is a posix_share * */
	bool store_dos_attributes;
};

struct vfs_handle {
	struct posix_share *share;
	int fd;
	bool is_dir;
	bool is_opath;  /* O_PATH fd: attributes only */
	char *path;     /* share-relative, on-disk spelling */
	char *stream_x; /* a named stream's xattr name; NULL for the file */
	bool archived;  /* ARCHIVE was set at this handle's first write */
};

static const struct vfs_ops posix_ops;

static struct posix_share *pshare(struct vfs_share *s)
{
	return (struct posix_share *)s;
}

static NTSTATUS errno_status(void)
{
	return vfs_errno_to_status(errno);
}

static void proc_fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* ---- paths ---- */

static char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);
	if (!p)
		return NULL;
	if (a) {
		memcpy(p, dir, a);
		p[a++] = '/';
	}
	memcpy(p + a, name, b + 1);
	return p;
}

/* Opens the parent directory of path (O_PATH, beneath the root) and points
 * *name at the final component.  A missing or non-directory parent is
 * OBJECT_PATH_NOT_FOUND. */
static NTSTATUS open_parent(int root_fd, const char *path, int *pfd, const char **name)
{
	const char *slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	/* The server never passes these; refuse them here too rather than
	 * hand "." or ".." to mkdirat/unlinkat/renameat2. */
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, ".."))
		return STATUS_OBJECT_NAME_INVALID;
	int fd;
	if (!slash) {
		fd = vfs_openat2(root_fd, "", O_PATH | O_DIRECTORY, 0);
	} else {
		char *parent = strndup(path, (size_t)(slash - path));
		if (!parent)
			return STATUS_NO_MEMORY;
		fd = vfs_openat2(root_fd, parent, O_PATH | O_DIRECTORY, 0);
		free(parent);
	}
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? STATUS_OBJECT_PATH_NOT_FOUND
							   : errno_status();
	*pfd = fd;
	return STATUS_SUCCESS;
}

/* Finds in directory dir (share-relative, on-disk spelling) an entry equal
 * to name ignoring case.  0 with *found malloc'd, or -errno (-ENOENT when
 * there is none). */
/* ---- case-insensitive lookups: a per-directory index of names ----
 * A lookup that misses on the exact name asks whether the directory holds
 * the name in another case.  Scanning the directory every time makes
 * creating n files in one directory cost n^2; instead each directory's
 * names are indexed by their upper-cased form, valid while the
 * directory's mtime is what it was when the index was built, and kept
 * current by our own creates (ci_note_created).  A change from outside
 * moves the mtime and the next miss rebuilds the index. */

#define CI_MAX_DIRS 64

struct ci_name {
	struct ci_name *next;
	uint32_t h;
	char *real;
};

struct ci_dir {
	struct ci_dir *next;
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	uint64_t used;
	size_t nb, count;
	struct ci_name **b;
};

static pthread_mutex_t ci_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ci_dir *ci_dirs;
static size_t ci_ndirs;
static uint64_t ci_clock;

static uint32_t ci_hash(const char *s)
{
	const char *end = s + strlen(s);
	uint32_t h = 2166136261u;
	while (s < end) {
		uint32_t c = utf8_next(&s, end);
		if (c == 0xFFFFFFFFu)
			break;
		c = unicode_toupper(c);
		h = (h ^ c) * 16777619u;
	}
	return h;
}

static void ci_dir_free(struct ci_dir *d)
{
	for (size_t i = 0; i < d->nb; i++) {
		for (struct ci_name *n = d->b[i], *next; n; n = next) {
			next = n->next;
			free(n->real);
			free(n);
		}
	}
	free(d->b);
	free(d);
}

static void ci_insert(struct ci_dir *d, const char *real)
{
	if (d->count >= d->nb) {
		size_t nb = d->nb ? d->nb * 2 : 64;
		struct ci_name **b = calloc(nb, sizeof(*b));
		if (!b)
			return;
		for (size_t i = 0; i < d->nb; i++) {
			for (struct ci_name *n = d->b[i], *next; n; n = next) {
				next = n->next;
				n->next = b[n->h % nb];
				b[n->h % nb] = n;
			}
		}
		free(d->b);
		d->b = b;
		d->nb = nb;
	}
	struct ci_name *n = malloc(sizeof(*n));
	if (!n || !(n->real = strdup(real))) {
		free(n);
		return;
	}
	n->h = ci_hash(real);
	n->next = d->b[n->h % d->nb];
	d->b[n->h % d->nb] = n;
	d->count++;
}

static const char *ci_lookup(const struct ci_dir *d, const char *name)
{
	if (!d->nb)
		return NULL;
	uint32_t h = ci_hash(name);
	for (const struct ci_name *n = d->b[h % d->nb]; n; n = n->next)
		if (n->h == h && utf8_casecmp(n->real, name) == 0)
			return n->real;
	return NULL;
}

/* Under ci_mu: the index of (dev, ino), or NULL. */
static struct ci_dir **ci_slot(dev_t dev, ino_t ino)
{
	for (struct ci_dir **p = &ci_dirs; *p; p = &(*p)->next)
		if ((*p)->dev == dev && (*p)->ino == ino)
			return p;
	return NULL;
}

static bool ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Installs d in place of any older index of its directory, evicting the
 * least recently used index beyond CI_MAX_DIRS.  Under ci_mu. */
static void ci_install(struct ci_dir *d)
{
	struct ci_dir **old = ci_slot(d->dev, d->ino);
	if (old) {
		struct ci_dir *o = *old;
		*old = o->next;
		ci_dir_free(o);
		ci_ndirs--;
	}
	if (ci_ndirs == CI_MAX_DIRS) {
		struct ci_dir **lru = &ci_dirs;
		for (struct ci_dir **p = &ci_dirs; *p; p = &(*p)->next)
			if ((*p)->used < (*lru)->used)
				lru = p;
		struct ci_dir *o = *lru;
		*lru = o->next;
		ci_dir_free(o);
		ci_ndirs--;
	}
	d->next = ci_dirs;
	ci_dirs = d;
	ci_ndirs++;
}

/* After we created `name` in the directory pfd: record it, if the index
 * was current just before (before = the directory's mtime then). */
static void ci_note_created(int pfd, const struct timespec *before, const char *name)
{
	struct stat st;
	if (fstat(pfd, &st) < 0)
		return;
	pthread_mutex_lock(&ci_mu);
	struct ci_dir **p = ci_slot(st.st_dev, st.st_ino);
	if (p && ts_eq((*p)->mtime, *before)) {
		ci_insert(*p, name);
		(*p)->mtime = st.st_mtim;
	}
	pthread_mutex_unlock(&ci_mu);
}

static int ci_find(int root_fd, const char *dir, const char *name, char **found)
{
	int fd = vfs_openat2(root_fd, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	int ret = -ENOENT;
	pthread_mutex_lock(&ci_mu);
	struct ci_dir **p = ci_slot(st.st_dev, st.st_ino);
	if (p && ts_eq((*p)->mtime, st.st_mtim)) {
		(*p)->used = ++ci_clock;
		const char *real = ci_lookup(*p, name);
		if (real) {
			*found = strdup(real);
			ret = *found ? 0 : -ENOMEM;
		}
		pthread_mutex_unlock(&ci_mu);
		close(fd);
		return ret;
	}
	pthread_mutex_unlock(&ci_mu);
	/* Build the index from a scan; the mtime read before the scan makes
	 * any change during it invalidate the index. */
	struct ci_dir *d = calloc(1, sizeof(*d));
	DIR *dd = d ? fdopendir(fd) : NULL;
	if (!dd) {
		int e = d ? errno : ENOMEM;
		free(d);
		close(fd);
		return -e;
	}
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->mtime = st.st_mtim;
	struct dirent *de;
	while ((de = readdir(dd))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ci_insert(d, de->d_name);
	}
	closedir(dd);
	pthread_mutex_lock(&ci_mu);
	const char *real = ci_lookup(d, name);
	if (real) {
		*found = strdup(real);
		ret = *found ? 0 : -ENOMEM;
	}
	d->used = ++ci_clock;
	ci_install(d);
	pthread_mutex_unlock(&ci_mu);
	return ret;
}

/* The on-disk spelling of path.  On a case-insensitive share, a path that
 * does not resolve as given is walked component by component from the
 * root, each missing component replaced by an entry equal ignoring case;
 * from the first one with no match on, the client's spelling is kept (so
 * a new file keeps the case it was created with).  Every prefix is
 * resolved from the root, so symlinks behave as in a direct open.  The
 * cost is paid only on a miss.  NULL only when out of memory. */
static char *resolve_path(struct posix_share *ps, const char *path)
{
	int root = ps->pub.root_fd;
	if (ps->pub.case_sensitive || !path[0])
		return strdup(path);
	int fd = vfs_openat2(root, path, O_PATH, 0);
	if (fd >= 0 || errno != ENOENT) {
		if (fd >= 0)
			close(fd);
		return strdup(path);
	}
	char *real = strdup("");
	bool lost = false;
	const char *p = path;
	while (real && *p) {
		size_t n = strcspn(p, "/");
		char *comp = strndup(p, n);
		char *next = NULL;
		if (comp)
			next = path_join(real, comp);
		if (next && !lost) {
			fd = vfs_openat2(root, next, O_PATH, 0);
			if (fd >= 0) {
				close(fd);
			} else if (errno == ENOENT) {
				char *m = NULL;
				int r = ci_find(root, real, comp, &m);
				if (r == 0) {
					free(next);
					next = path_join(real, m);
					free(m);
				} else if (r == -ENOMEM) {
					free(next);
					next = NULL;
				} else {
					lost = true;
				}
			} else {
				lost = true; /* the real call reports this error */
			}
		}
		free(comp);
		free(real);
		real = next;
		p += n;
		if (*p == '/')
			p++;
	}
	return real;
}

/* The handle's inode for xattr calls (xattr_streams.c); p receives the
 * /proc path of an O_PATH fd. */
static struct vfs_xt handle_xt(const struct vfs_handle *h, char p[64])
{
	if (h->is_opath) {
		proc_fd_path(p, 64, h->fd);
		return (struct vfs_xt){ .fd = -1, .path = p, .follow = true };
	}
	return (struct vfs_xt){ .fd = h->fd };
}

/* ---- DOS attributes ---- */

static void load_dosattrib(struct vfs_handle *h, struct vfs_dosattrib *d)
{
	uint8_t buf[VFS_DOSATTRIB_LEN + 1];
	ssize_t n;
	memset(d, 0, sizeof(*d));
	if (!h->share->store_dos_attributes)
		return;
	if (h->is_opath) {
		char p[64];
		proc_fd_path(p, sizeof(p), h->fd);
		n = getxattr(p, VFS_DOSATTRIB_XATTR, buf, sizeof(buf));
	} else {
		n = fgetxattr(h->fd, VFS_DOSATTRIB_XATTR, buf, sizeof(buf));
	}
	/* Absent, unsupported, or a foreign (e.g. Samba) blob: nothing stored. */
	if (n > 0 && !vfs_dosattrib_decode(buf, (size_t)n, d))
		memset(d, 0, sizeof(*d));
}

/* 0, or -errno; -EOPNOTSUPP when user xattrs are off or refused. */
static int store_dosattrib(struct vfs_handle *h, const struct vfs_dosattrib *d)
{
	uint8_t buf[VFS_DOSATTRIB_LEN];
	int r;
	if (!h->share->store_dos_attributes)
		return -EOPNOTSUPP;
	size_t n = vfs_dosattrib_encode(d, buf);
	if (h->is_opath) {
		char p[64];
		proc_fd_path(p, sizeof(p), h->fd);
		r = setxattr(p, VFS_DOSATTRIB_XATTR, buf, n, 0);
	} else {
		r = fsetxattr(h->fd, VFS_DOSATTRIB_XATTR, buf, n, 0);
	}
	return r < 0 ? -errno : 0;
}

static int handle_chmod(struct vfs_handle *h, mode_t mode)
{
	if (!h->is_opath)
		return fchmod(h->fd, mode);
	char p[64];
	proc_fd_path(p, sizeof(p), h->fd);
	return fchmodat(AT_FDCWD, p, mode, 0);
}

/* Stores attributes (already masked).  Where xattrs are unavailable,
 * READONLY is kept as the absence of write bits and the rest is dropped;
 * either way, clearing READONLY gives a file its owner write bit back,
 * since fstat reports a file without it as READONLY. */
static NTSTATUS apply_attributes(struct vfs_handle *h, uint32_t attributes)
{
	struct vfs_dosattrib d;
	load_dosattrib(h, &d);
	d.valid |= VFS_DOSATTRIB_HAS_ATTRIBUTES;
	/* FSCTL_SET_SPARSE owns the sparse flag: SET_INFO keeps it. */
	d.attributes = attributes | (d.attributes & FILE_ATTRIBUTE_SPARSE_FILE);
	int r = store_dosattrib(h, &d);
	bool fallback = r == -EOPNOTSUPP;
	if (r < 0 && !fallback)
		return vfs_errno_to_status(-r);
	if (h->is_dir)
		return STATUS_SUCCESS;
	struct stat sb;
	if (fstat(h->fd, &sb) < 0)
		return errno_status();
	mode_t mode = sb.st_mode & 07777;
	if (attributes & FILE_ATTRIBUTE_READONLY) {
		if (fallback)
			mode &= ~(mode_t)(S_IWUSR | S_IWGRP | S_IWOTH);
	} else {
		mode |= S_IWUSR;
	}
	if (mode != (sb.st_mode & 07777) && handle_chmod(h, mode) < 0)
		return errno_status();
	return STATUS_SUCCESS;
}

/* MS-FSA 2.1.5.3: writing a file's data sets its ARCHIVE attribute; once
 * per handle is enough (only a client clears it).  Without a stored value
 * fstat reports ARCHIVE already. */
void vfs_posix_note_write(struct vfs_handle *h)
{
	if (h->archived || h->is_dir)
		return;
	h->archived = true;
	struct vfs_dosattrib d;
	load_dosattrib(h, &d);
	if ((d.valid & VFS_DOSATTRIB_HAS_ATTRIBUTES) && !(d.attributes & FILE_ATTRIBUTE_ARCHIVE)) {
		d.attributes |= FILE_ATTRIBUTE_ARCHIVE;
		(void)store_dosattrib(h, &d);
	}
}

/* ---- open ---- */

static NTSTATUS new_handle(struct posix_share *ps, int fd, bool is_dir, bool is_opath,
			   const char *path, struct vfs_handle **out)
{
	struct vfs_handle *h = calloc(1, sizeof(*h));
	char *p = strdup(path);
	if (!h || !p) {
		free(h);
		free(p);
		return STATUS_NO_MEMORY; /* fd stays the caller's */
	}
	h->share = ps;
	h->fd = fd;
	h->is_dir = is_dir;
	h->is_opath = is_opath;
	h->path = p;
	*out = h;
	return STATUS_SUCCESS;
}

static void allocate_hint(int fd, uint64_t allocation)
{
	if (allocation && allocation <= INT64_MAX)
		(void)fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)allocation);
}

static bool truncating(uint32_t disposition)
{
	return disposition == FILE_SUPERSEDE || disposition == FILE_OVERWRITE ||
	       disposition == FILE_OVERWRITE_IF;
}

/* Creates the missing final component of path.  *retry when the name
 * appeared meanwhile and the disposition allows opening it instead. */
static NTSTATUS create_new(struct posix_share *ps, const char *path,
			   const struct vfs_open_args *a, struct vfs_handle **out, bool *retry)
{
	int pfd, fd;
	const char *name;
	NTSTATUS st = open_parent(ps->pub.root_fd, path, &pfd, &name);
	if (st)
		return st;
	struct stat pst;
	bool have_before = !ps->pub.case_sensitive && fstat(pfd, &pst) == 0;
	if (a->directory) {
		if (mkdirat(pfd, name, 0777) < 0) {
			int e = errno;
			close(pfd);
			if (e == EEXIST && a->disposition != FILE_CREATE)
				*retry = true;
			return vfs_errno_to_status(e);
		}
		fd = vfs_openat2(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
			*retry = true; /* replaced right after mkdir */
	} else {
		int acc = a->write || truncating(a->disposition) ? O_RDWR : O_RDONLY;
		fd = vfs_openat2(pfd, name, O_CREAT | O_EXCL | acc, 0666);
		if (fd < 0 && errno == EEXIST && a->disposition != FILE_CREATE)
			*retry = true;
	}
	int e = errno;
	if (fd >= 0 && have_before)
		ci_note_created(pfd, &pst.st_mtim, name);
	close(pfd);
	if (fd < 0)
		return vfs_errno_to_status(e);
	st = new_handle(ps, fd, a->directory, false, path, out);
	if (st) {
		close(fd);
		return st;
	}
	/* Best effort: the file exists now, failing the open would leave it
	 * behind for nothing. */
	uint32_t attrs = a->attributes & vfs_settable_attributes();
	/* A new file is ARCHIVE whatever else it was created with (MS-FSA
	 * 2.1.5.1.1: "FileAttributes ... | FILE_ATTRIBUTE_ARCHIVE"). */
	if (attrs && !a->directory)
		attrs |= FILE_ATTRIBUTE_ARCHIVE;
	if (attrs)
		(void)apply_attributes(*out, attrs);
	if (!a->directory)
		allocate_hint(fd, a->allocation);
	return STATUS_SUCCESS;
}

/* Opens the existing object the probe pfd (O_PATH) found at path. */
static NTSTATUS open_existing(struct posix_share *ps, const char *path, int pfd,
			      const struct stat *pst, const struct vfs_open_args *a,
			      struct vfs_handle **out, uint32_t *action, bool *retry)
{
	bool is_dir = S_ISDIR(pst->st_mode);
	bool trunc = truncating(a->disposition);
	NTSTATUS st;

	if (a->disposition == FILE_CREATE)
		return STATUS_OBJECT_NAME_COLLISION;
	if (is_dir && a->non_directory)
		return STATUS_FILE_IS_A_DIRECTORY;
	if (!is_dir && a->directory)
		return STATUS_NOT_A_DIRECTORY;
	if (is_dir && trunc)
		return STATUS_INVALID_PARAMETER; /* directories are never overwritten */
	if (ps->pub.read_only && (a->write || trunc))
		return STATUS_ACCESS_DENIED;

	int fd;
	bool want_data = a->read || a->write || trunc;
	if (is_dir) {
		fd = vfs_openat2(ps->pub.root_fd, path, O_RDONLY | O_DIRECTORY, 0);
	} else if (!S_ISREG(pst->st_mode)) {
		/* FIFOs, sockets, device nodes: never opened for data, their
		 * open may block or touch hardware. */
		if (want_data)
			return STATUS_ACCESS_DENIED;
		st = new_handle(ps, pfd, false, true, path, out);
		if (!st)
			*action = FILE_OPENED;
		return st;
	} else {
		/* A READONLY file refuses writes (MS-FSA 2.1.5.1.2.1), also to
		 * root, and also when the flag is only in the xattr. */
		if (a->write || trunc) {
			struct vfs_handle tmp = { .share = ps, .fd = pfd, .is_opath = true };
			struct vfs_dosattrib d;
			load_dosattrib(&tmp, &d);
			if (!(pst->st_mode & S_IWUSR) ||
			    ((d.valid & VFS_DOSATTRIB_HAS_ATTRIBUTES) &&
			     (d.attributes & FILE_ATTRIBUTE_READONLY)))
				return STATUS_ACCESS_DENIED;
		}
		/* O_NONBLOCK: if a FIFO is swapped in after the probe, the open
		 * must not hang; the identity check below then retries. */
		int flags = (a->write || trunc ? O_RDWR : O_RDONLY) | O_NONBLOCK |
			    (trunc ? O_TRUNC : 0);
		fd = vfs_openat2(ps->pub.root_fd, path, flags, 0);
		if (fd < 0 && errno == EACCES && !a->read && (flags & O_RDWR))
			fd = vfs_openat2(ps->pub.root_fd, path,
					 (flags & ~O_RDWR) | O_WRONLY, 0);
	}
	if (fd < 0) {
		int e = errno;
		if (e == EACCES && !want_data) {
			/* Attributes only: the probe is enough. */
			st = new_handle(ps, pfd, is_dir, true, path, out);
			if (!st)
				*action = FILE_OPENED;
			return st;
		}
		if (e == ENOENT || e == ENOTDIR || e == EISDIR)
			*retry = true; /* changed between probe and open */
		return vfs_errno_to_status(e);
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || sb.st_dev != pst->st_dev || sb.st_ino != pst->st_ino) {
		close(fd);
		*retry = true;
		return STATUS_ACCESS_DENIED;
	}
	if (!is_dir) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	st = new_handle(ps, fd, is_dir, false, path, out);
	if (st) {
		close(fd);
		return st;
	}
	close(pfd);
	*action = FILE_OPENED;
	if (trunc) {
		*action = a->disposition == FILE_SUPERSEDE ? FILE_SUPERSEDED : FILE_OVERWRITTEN;
		uint32_t attrs = a->attributes & vfs_settable_attributes();
		if (attrs) {
			/* MS-FSA 2.1.5.1.2.1: supersede replaces the attributes,
			 * overwrite adds to them. */
			if (a->disposition != FILE_SUPERSEDE) {
				struct vfs_stat vs;
				struct vfs_dosattrib d;
				struct statx stx;
				load_dosattrib(*out, &d);
				if (statx(fd, "", AT_EMPTY_PATH, STATX_WANT, &stx) == 0) {
					vfs_stat_from_statx(&vs, &stx, &d);
					attrs |= vs.attributes & vfs_settable_attributes();
				}
			}
			(void)apply_attributes(*out, attrs | FILE_ATTRIBUTE_ARCHIVE);
		}
		allocate_hint(fd, a->allocation);
	}
	return STATUS_SUCCESS;
}

static NTSTATUS open_once(struct posix_share *ps, const char *path,
			  const struct vfs_open_args *a, struct vfs_handle **out,
			  uint32_t *action, bool *retry, bool resolved)
{
	int root = ps->pub.root_fd;
	/* The probe: O_PATH follows symlinks beneath the root, opens nothing
	 * for I/O and needs no permission on the object itself. */
	int pfd = vfs_openat2(root, path, O_PATH, 0);
	if (pfd >= 0) {
		struct stat sb;
		NTSTATUS st;
		if (fstat(pfd, &sb) < 0)
			st = errno_status();
		else
			st = open_existing(ps, path, pfd, &sb, a, out, action, retry);
		/* On success pfd was closed or became the handle's fd; on
		 * failure it is still ours. */
		if (st)
			close(pfd);
		return st;
	}
	if (errno != ENOENT)
		return errno_status();

	/* Missing as spelled: on a case-insensitive share, look for the
	 * on-disk spelling before concluding anything (in particular before
	 * creating a second name that differs only in case). */
	if (!ps->pub.case_sensitive && !resolved) {
		char *real = resolve_path(ps, path);
		if (!real)
			return STATUS_NO_MEMORY;
		NTSTATUS st = open_once(ps, real, a, out, action, retry, true);
		free(real);
		return st;
	}

	/* Missing: distinguish a missing parent from a missing name. */
	int dfd;
	const char *name;
	NTSTATUS st = open_parent(root, path, &dfd, &name);
	if (st == STATUS_OBJECT_NAME_INVALID && !path[0])
		st = STATUS_OBJECT_NAME_NOT_FOUND; /* the root vanished */
	if (st)
		return st;
	close(dfd);
	if (a->disposition == FILE_OPEN || a->disposition == FILE_OVERWRITE)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (ps->pub.read_only)
		return STATUS_ACCESS_DENIED;
	st = create_new(ps, path, a, out, retry);
	if (!st)
		*action = FILE_CREATED;
	return st;
}

static NTSTATUS open_stream(struct posix_share *ps, const struct vfs_open_args *a,
			   struct vfs_handle **out, uint32_t *action);

static NTSTATUS posix_open(struct vfs_share *s, const struct vfs_open_args *a,
			   struct vfs_handle **out, uint32_t *action)
{
	struct posix_share *ps = pshare(s);
	*out = NULL;
	if (a->stream)
		return open_stream(ps, a, out, action);
	if (a->disposition > FILE_OVERWRITE_IF || (a->directory && a->non_directory))
		return STATUS_INVALID_PARAMETER;
	/* MS-FSA 2.1.5.1: a directory cannot be superseded or overwritten. */
	if (a->directory && truncating(a->disposition))
		return STATUS_INVALID_PARAMETER;
	NTSTATUS st = STATUS_ACCESS_DENIED;
	for (int i = 0; i < OPEN_ATTEMPTS; i++) {
		bool retry = false;
		st = open_once(ps, a->path, a, out, action, &retry, false);
		if (!retry)
			break;
	}
	return st;
}

static void posix_close(struct vfs_handle *h)
{
	if (!h)
		return;
	close(h->fd);
	free(h->path);
	free(h->stream_x);
	free(h);
}

static NTSTATUS posix_unlink(struct vfs_handle *h);

/* A named stream: its file is opened (or created as a plain file) with the
 * same access, then the disposition is applied to the stream's xattr.  A
 * file created here for nothing (the stream open failed) is removed again. */
static NTSTATUS open_stream(struct posix_share *ps, const struct vfs_open_args *a,
			    struct vfs_handle **out, uint32_t *action)
{
	if (a->directory)
		return STATUS_NOT_A_DIRECTORY; /* a stream is never a directory */
	if (a->disposition > FILE_OVERWRITE_IF)
		return STATUS_INVALID_PARAMETER;
	struct vfs_open_args b = *a;
	b.stream = NULL;
	b.non_directory = false; /* directories have named streams too */
	b.allocation = 0;
	b.disposition = a->disposition == FILE_OPEN || a->disposition == FILE_OVERWRITE
				? FILE_OPEN : FILE_OPEN_IF;
	struct vfs_handle *h;
	uint32_t base_action;
	NTSTATUS st = posix_open(&ps->pub, &b, &h, &base_action);
	if (st)
		return st;
	char p[64];
	struct vfs_xt t = handle_xt(h, p);
	char *x = NULL;
	st = vfs_stream_find(&t, a->stream, &x);
	if (st == STATUS_SUCCESS) {
		*action = FILE_OPENED;
		if (a->disposition == FILE_CREATE) {
			st = STATUS_OBJECT_NAME_COLLISION;
		} else if (truncating(a->disposition)) {
			st = ps->pub.read_only ? STATUS_ACCESS_DENIED : vfs_stream_truncate(&t, x, 0);
			*action = a->disposition == FILE_SUPERSEDE ? FILE_SUPERSEDED
								   : FILE_OVERWRITTEN;
		}
	} else if (st == STATUS_OBJECT_NAME_NOT_FOUND && a->disposition != FILE_OPEN &&
		   a->disposition != FILE_OVERWRITE) {
		st = ps->pub.read_only ? STATUS_ACCESS_DENIED : vfs_stream_create(&t, a->stream, &x);
		*action = FILE_CREATED;
	}
	if (st) {
		free(x);
		if (base_action == FILE_CREATED)
			(void)posix_unlink(h);
		posix_close(h);
		return st;
	}
	h->stream_x = x;
	*out = h;
	return STATUS_SUCCESS;
}

/* ---- data and metadata ---- */

/* The bytes the file's data occupies: its extents (FIEMAP), preallocation
 * past the end included.  st_blocks counts more on ext4 once the xattrs
 * (DOS attributes, ACL, streams) spill out of the inode into a block of
 * their own, which NTFS would never show as AllocationSize.  false when
 * the file system cannot tell. */
static bool data_allocation(int fd, uint64_t *out)
{
	enum { N = 32 };
	uint64_t buf[(sizeof(struct fiemap) + N * sizeof(struct fiemap_extent)) / 8 + 1];
	struct fiemap *fm = (struct fiemap *)buf;
	uint64_t sum = 0, start = 0;
	for (int round = 0; round < 64; round++) {
		memset(buf, 0, sizeof(buf));
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_extent_count = N;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0)
			return false;
		if (fm->fm_mapped_extents == 0 || fm->fm_mapped_extents > N)
			break;
		for (uint32_t i = 0; i < fm->fm_mapped_extents; i++) {
			const struct fiemap_extent *e = &fm->fm_extents[i];
			sum += e->fe_length;
			if (e->fe_flags & FIEMAP_EXTENT_LAST) {
				*out = sum;
				return true;
			}
		}
		const struct fiemap_extent *last = &fm->fm_extents[fm->fm_mapped_extents - 1];
		start = last->fe_logical + last->fe_length;
		if (start >= FIEMAP_MAX_OFFSET)
			break;
	}
	if (fm->fm_mapped_extents != 0)
		return false; /* too fragmented to count: st_blocks stands */
	*out = sum;
	return true;
}

static NTSTATUS posix_fstat(struct vfs_handle *h, struct vfs_stat *st)
{
	struct statx stx;
	struct vfs_dosattrib d;
	char p[64];
	if (statx(h->fd, "", AT_EMPTY_PATH, STATX_WANT, &stx) < 0)
		return errno_status();
	load_dosattrib(h, &d);
	vfs_stat_from_statx(st, &stx, &d);
	/* More blocks than the data needs: preallocation, or an xattr block
	 * (data_allocation).  Only then is it worth counting the extents. */
	uint64_t blk = stx.stx_blksize ? stx.stx_blksize : 4096;
	uint64_t alloc;
	if (!st->is_dir && !h->stream_x && !h->is_opath && st->size <= UINT64_MAX - blk &&
	    st->alloc > (st->size + blk - 1) / blk * blk && data_allocation(h->fd, &alloc) &&
	    alloc < st->alloc)
		st->alloc = alloc;
	struct vfs_xt t = handle_xt(h, p);
	st->ea_size = vfs_ea_size(&t);
	if (h->stream_x) {
		/* The file's metadata, the stream's size; a stream of a
		 * directory is a plain data stream. */
		NTSTATUS s = vfs_stream_size(&t, h->stream_x, &st->size);
		if (s)
			return s;
		st->alloc = (st->size + 4095) & ~(uint64_t)4095;
		st->is_dir = false;
		st->attributes &= ~(uint32_t)FILE_ATTRIBUTE_DIRECTORY;
		if (!st->attributes)
			st->attributes = FILE_ATTRIBUTE_NORMAL;
	}
	return STATUS_SUCCESS;
}

static NTSTATUS posix_pread(struct vfs_handle *h, void *dst, size_t len, uint64_t off,
			    size_t *done)
{
	size_t got = 0;
	*done = 0;
	if (off > INT64_MAX)
		return STATUS_INVALID_PARAMETER;
	if (h->stream_x) {
		char p[64];
		struct vfs_xt t = handle_xt(h, p);
		return vfs_stream_read(&t, h->stream_x, dst, len, off, done);
	}
	while (got < len) {
		if (off + got > INT64_MAX)
			break;
		ssize_t n = pread(h->fd, (char *)dst + got, len - got, (off_t)(off + got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (got)
				break; /* report what was read */
			return errno_status();
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*done = got;
	return STATUS_SUCCESS;
}

static NTSTATUS posix_pwrite(struct vfs_handle *h, const void *src, size_t len, uint64_t off,
			     bool durable)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	if (off > INT64_MAX || len > INT64_MAX - off)
		return STATUS_DISK_FULL; /* past the largest file offset */
	if (h->stream_x) {
		char p[64];
		struct vfs_xt t = handle_xt(h, p);
		NTSTATUS st = vfs_stream_write(&t, h->stream_x, src, len, off);
		if (!st)
			vfs_posix_note_write(h);
		/* xattrs are metadata: fsync, not fdatasync. */
		if (!st && durable && !h->is_opath)
			while (fsync(h->fd) < 0)
				if (errno != EINTR)
					return errno_status();
		return st;
	}
	size_t put = 0;
	if (durable && len) {
		/* One syscall for a durable write: the data and what is needed
		 * to read it back are on stable storage when it returns. */
		struct iovec iov = {(void *)src, len};
		ssize_t n;
		do
			n = pwritev2(h->fd, &iov, 1, (off_t)off, RWF_DSYNC);
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)len) {
			vfs_posix_note_write(h);
			return STATUS_SUCCESS;
		}
		if (n < 0 && errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL)
			return errno_status();
		if (n > 0)
			put = (size_t)n; /* the rest below, then fdatasync */
	}
	while (put < len) {
		ssize_t n = pwrite(h->fd, (const char *)src + put, len - put, (off_t)(off + put));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno_status();
		}
		if (n == 0)
			return STATUS_DISK_FULL;
		put += (size_t)n;
	}
	vfs_posix_note_write(h);
	if (durable) {
		while (fdatasync(h->fd) < 0)
			if (errno != EINTR)
				return errno_status();
	}
	return STATUS_SUCCESS;
}

static NTSTATUS posix_flush(struct vfs_handle *h)
{
	for (;;) {
		int r = h->is_dir || h->stream_x ? fsync(h->fd) : fdatasync(h->fd);
		if (r == 0)
			return STATUS_SUCCESS;
		if (errno == EINTR)
			continue;
		/* Nothing of ours to flush behind an O_PATH fd or on a file
		 * system without fsync for directories. */
		if ((errno == EBADF || errno == EINVAL) && (h->is_opath || h->is_dir))
			return STATUS_SUCCESS;
		return errno_status();
	}
}

static NTSTATUS posix_truncate(struct vfs_handle *h, uint64_t size)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	if (size > INT64_MAX)
		return STATUS_DISK_FULL;
	if (h->stream_x) {
		char p[64];
		struct vfs_xt t = handle_xt(h, p);
		return vfs_stream_truncate(&t, h->stream_x, size);
	}
	while (ftruncate(h->fd, (off_t)size) < 0)
		if (errno != EINTR)
			return errno_status();
	vfs_posix_note_write(h);
	return STATUS_SUCCESS;
}

static NTSTATUS posix_allocate(struct vfs_handle *h, uint64_t size)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	if (size == 0 || h->stream_x)
		return STATUS_SUCCESS; /* a hint; streams have no allocation */
	if (size > INT64_MAX)
		return STATUS_DISK_FULL;
	while (fallocate(h->fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)size) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EOPNOTSUPP || errno == ENOSYS)
			return STATUS_SUCCESS; /* a hint only */
		return errno_status();
	}
	return STATUS_SUCCESS;
}

static bool nt_time_set(uint64_t t)
{
	return t != 0 && t != NT_TIME_KEEP_1 && t != NT_TIME_KEEP_2;
}

static struct timespec ts_or_omit(uint64_t t)
{
	if (!nt_time_set(t))
		return (struct timespec){ .tv_nsec = UTIME_OMIT };
	return nttime_to_timespec(t);
}

static NTSTATUS posix_set_times(struct vfs_handle *h, const struct vfs_times *t)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	if (nt_time_set(t->access_time) || nt_time_set(t->write_time)) {
		struct timespec ts[2] = { ts_or_omit(t->access_time), ts_or_omit(t->write_time) };
		int r;
		if (h->is_opath) {
			char p[64];
			proc_fd_path(p, sizeof(p), h->fd);
			r = utimensat(AT_FDCWD, p, ts, 0);
		} else {
			r = futimens(h->fd, ts);
		}
		if (r < 0)
			return errno_status();
	}
	/* Linux cannot set the birth time nor ctime: keep the client's values
	 * in the attribute xattr when we can, else drop them.  A change time
	 * is kept with the mtime it was set at (vfs_stat_from_statx). */
	if (nt_time_set(t->creation_time) || nt_time_set(t->change_time)) {
		struct vfs_dosattrib d;
		struct statx stx;
		load_dosattrib(h, &d);
		if (nt_time_set(t->creation_time)) {
			d.valid |= VFS_DOSATTRIB_HAS_CRTIME;
			d.creation_time = t->creation_time;
		}
		if (nt_time_set(t->change_time) &&
		    statx(h->fd, "", AT_EMPTY_PATH, STATX_MTIME, &stx) == 0) {
			struct timespec m = { .tv_sec = stx.stx_mtime.tv_sec,
					      .tv_nsec = stx.stx_mtime.tv_nsec };
			d.valid |= VFS_DOSATTRIB_HAS_CHANGE;
			d.change_time = t->change_time;
			d.change_stamp = nttime_from_timespec(&m);
		}
		int r = store_dosattrib(h, &d);
		if (r < 0 && r != -EOPNOTSUPP)
			return vfs_errno_to_status(-r);
	}
	return STATUS_SUCCESS;
}

static NTSTATUS posix_set_attributes(struct vfs_handle *h, uint32_t attributes)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	return apply_attributes(h, attributes & vfs_settable_attributes());
}

/* ---- directories ---- */

/* A fresh open of the handle's directory, so that its own position is
 * untouched and a rename of the directory by anyone does not matter. */
static DIR *reopen_dir(struct vfs_handle *h, NTSTATUS *st)
{
	if (!h->is_dir) {
		*st = STATUS_NOT_A_DIRECTORY;
		return NULL;
	}
	int fd = vfs_openat2(h->fd, "", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		*st = errno_status();
		return NULL;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		*st = errno_status();
		close(fd);
	}
	return d;
}

/* Stats one entry.  A symlink is reported as its target when the target
 * resolves beneath the root (as an open through it would), else as the
 * link itself; nothing outside the share is ever looked at.  -errno. */
static int stat_entry(struct vfs_handle *h, int dfd, const char *name, struct vfs_stat *st)
{
	struct statx stx;
	struct vfs_dosattrib d = { 0 };
	uint8_t buf[VFS_DOSATTRIB_LEN + 1];
	char p[PATH_MAX];
	ssize_t n = -1;

	if (statx(dfd, name, AT_SYMLINK_NOFOLLOW, STATX_WANT, &stx) < 0)
		return -errno;
	if (S_ISLNK(stx.stx_mode)) {
		char *rel = path_join(h->path, name);
		if (!rel)
			return -ENOMEM;
		int fd = vfs_openat2(h->share->pub.root_fd, rel, O_PATH, 0);
		free(rel);
		if (fd >= 0) {
			struct statx t;
			if (statx(fd, "", AT_EMPTY_PATH, STATX_WANT, &t) == 0) {
				stx = t;
				if (h->share->store_dos_attributes) {
					proc_fd_path(p, sizeof(p), fd);
					n = getxattr(p, VFS_DOSATTRIB_XATTR, buf, sizeof(buf));
				}
			}
			close(fd);
		}
	} else if (h->share->store_dos_attributes) {
		/* By name under our directory fd; lgetxattr never follows. */
		if ((size_t)snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, name) < sizeof(p))
			n = lgetxattr(p, VFS_DOSATTRIB_XATTR, buf, sizeof(buf));
	}
	if (n > 0 && !vfs_dosattrib_decode(buf, (size_t)n, &d))
		memset(&d, 0, sizeof(d));
	vfs_stat_from_statx(st, &stx, &d);
	/* EaSize by the entry's name under our directory fd (the entry
	 * itself, never a symlink's target outside the share). */
	if ((size_t)snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, name) < sizeof(p)) {
		struct vfs_xt t = { .fd = -1, .path = p, .follow = false };
		st->ea_size = vfs_ea_size(&t);
	}
	return 0;
}

static NTSTATUS posix_readdir(struct vfs_handle *h, struct vfs_dirent **out, size_t *count,
			      size_t max)
{
	NTSTATUS st = STATUS_SUCCESS;
	struct vfs_dirent *v = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*count = 0;
	DIR *d = reopen_dir(h, &st);
	if (!d)
		return st;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				st = errno_status();
			break;
		}
		const char *name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, "..") || !vfs_utf8_valid(name))
			continue;
		if (n == max) {
			st = STATUS_INSUFFICIENT_RESOURCES;
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			if (ncap > max)
				ncap = max;
			struct vfs_dirent *nv = realloc(v, ncap * sizeof(*v));
			if (!nv) {
				st = STATUS_NO_MEMORY;
				break;
			}
			v = nv;
			cap = ncap;
		}
		int r = stat_entry(h, dirfd(d), name, &v[n].st);
		if (r == -ENOENT)
			continue; /* removed while we listed */
		if (r < 0) {
			st = vfs_errno_to_status(-r);
			break;
		}
		v[n].name = strdup(name);
		if (!v[n].name) {
			st = STATUS_NO_MEMORY;
			break;
		}
		n++;
	}
	closedir(d);
	if (st) {
		vfs_dirents_free(v, n);
		return st;
	}
	*out = v;
	*count = n;
	return STATUS_SUCCESS;
}

static NTSTATUS posix_stat_child(struct vfs_handle *h, const char *name, struct vfs_stat *st)
{
	if (!h->is_dir)
		return STATUS_NOT_A_DIRECTORY;
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return STATUS_OBJECT_NAME_INVALID;
	int r = stat_entry(h, h->fd, name, st);
	return r < 0 ? vfs_errno_to_status(-r) : STATUS_SUCCESS;
}

static NTSTATUS posix_is_empty_dir(struct vfs_handle *h, bool *empty)
{
	NTSTATUS st = STATUS_SUCCESS;
	struct stat sb;
	/* A removed directory can still be opened as "." through the
	 * handle; it no longer exists by name. */
	if (fstat(h->fd, &sb) == 0 && sb.st_nlink == 0)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	DIR *d = reopen_dir(h, &st);
	if (!d)
		return st;
	*empty = true;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				st = errno_status();
			break;
		}
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			*empty = false;
			break;
		}
	}
	closedir(d);
	return st;
}

/* ---- namespace ---- */

static NTSTATUS posix_unlink(struct vfs_handle *h)
{
	struct posix_share *ps = h->share;
	if (ps->pub.read_only)
		return STATUS_ACCESS_DENIED;
	if (h->stream_x) {
		char p[64];
		struct vfs_xt t = handle_xt(h, p);
		return vfs_stream_remove(&t, h->stream_x);
	}
	if (!h->path[0])
		return STATUS_ACCESS_DENIED;
	int pfd;
	const char *name;
	NTSTATUS st = open_parent(ps->pub.root_fd, h->path, &pfd, &name);
	if (st)
		return st;
	/* The entry's own type decides: a handle opened through a symlink to a
	 * directory removes the link, not the directory. */
	struct stat sb;
	struct stat hb;
	if (fstatat(pfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		st = errno_status();
	} else if (!S_ISLNK(sb.st_mode) && fstat(h->fd, &hb) == 0 &&
		   (sb.st_ino != hb.st_ino || sb.st_dev != hb.st_dev)) {
		/* The name now belongs to another file: never remove that one. */
		st = STATUS_OBJECT_NAME_NOT_FOUND;
	} else if (unlinkat(pfd, name, S_ISDIR(sb.st_mode) ? AT_REMOVEDIR : 0) < 0) {
		/* rmdir(2) may say EEXIST for a non-empty directory. */
		st = errno == EEXIST ? STATUS_DIRECTORY_NOT_EMPTY : errno_status();
	}
	close(pfd);
	return st;
}

/* Decides the final name of a rename or link target on a case-insensitive
 * share: an existing entry equal ignoring case is the target, unless it is
 * the renamed file itself (a change of case only; self_ok).  A link names
 * such an entry as it is (self_ok false): it already exists. */
static NTSTATUS target_name(struct vfs_handle *h, int npfd, const char *ndir,
			    const char *name, bool self_ok, char **out)
{
	struct stat sb, self;
	if (h->share->pub.case_sensitive ||
	    fstatat(npfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) {
		*out = strdup(name);
		return *out ? STATUS_SUCCESS : STATUS_NO_MEMORY;
	}
	char *m = NULL;
	int r = ci_find(h->share->pub.root_fd, ndir, name, &m);
	if (r == 0 && fstatat(npfd, m, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (!self_ok || (fstat(h->fd, &self) == 0 &&
			  (sb.st_dev != self.st_dev || sb.st_ino != self.st_ino)))) {
		*out = m;
		return STATUS_SUCCESS;
	}
	free(m);
	if (r == -ENOMEM)
		return STATUS_NO_MEMORY;
	*out = strdup(name);
	return *out ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

/* The directory new_path would be in, opened beneath the root (O_PATH), in
 * its on-disk spelling (*ndir, malloc'd), and the final name settled
 * against it (*final, malloc'd; see target_name). */
static NTSTATUS open_target(struct vfs_handle *h, const char *new_path, bool self_ok, int *npfd,
			    char **ndir, char **final)
{
	struct posix_share *ps = h->share;
	const char *slash = strrchr(new_path, '/');
	const char *nname;
	char *real = NULL;
	*npfd = -1;
	*ndir = *final = NULL;
	char *dir_in = slash ? strndup(new_path, (size_t)(slash - new_path)) : strdup("");
	if (dir_in)
		*ndir = resolve_path(ps, dir_in);
	free(dir_in);
	if (*ndir)
		real = path_join(*ndir, slash ? slash + 1 : new_path);
	NTSTATUS st = real ? open_parent(ps->pub.root_fd, real, npfd, &nname) : STATUS_NO_MEMORY;
	if (!st)
		st = target_name(h, *npfd, *ndir, nname, self_ok, final);
	free(real);
	if (st) {
		if (*npfd >= 0)
			close(*npfd);
		*npfd = -1;
		free(*ndir);
		*ndir = NULL;
	}
	return st;
}

static NTSTATUS posix_rename(struct vfs_handle *h, const char *new_path, bool replace)
{
	struct posix_share *ps = h->share;
	int root = ps->pub.root_fd;
	if (ps->pub.read_only || !h->path[0] || !new_path[0])
		return STATUS_ACCESS_DENIED;
	if (h->stream_x)
		return STATUS_INVALID_PARAMETER; /* rename_stream */

	int opfd = -1, npfd;
	const char *oname;
	char *final, *ndir, *newrel = NULL;

	/* The target's directories in their on-disk spelling; the final name
	 * is settled against the opened parent (it may differ from an
	 * existing name only in case: then it is that name, or a change of
	 * case of the file itself). */
	NTSTATUS st = open_target(h, new_path, true, &npfd, &ndir, &final);
	if (st)
		return st;
	newrel = path_join(ndir, final);
	if (!newrel) {
		st = STATUS_NO_MEMORY;
		goto out;
	}
	st = open_parent(root, h->path, &opfd, &oname);
	if (st)
		goto out;
	if (!strcmp(newrel, h->path))
		goto done; /* same name: nothing to do */

	struct stat tb;
	bool target = fstatat(npfd, final, &tb, AT_SYMLINK_NOFOLLOW) == 0;
	if (target && !replace) {
		st = STATUS_OBJECT_NAME_COLLISION;
		goto out;
	}
	if (target && S_ISDIR(tb.st_mode)) {
		st = STATUS_ACCESS_DENIED; /* a directory is never replaced */
		goto out;
	}
	/* Replace only what was checked: a name that was absent a moment ago
	 * is not overwritten (rename(2) would replace an empty directory). */
	if (renameat2(opfd, oname, npfd, final, target ? 0 : RENAME_NOREPLACE) < 0) {
		switch (errno) {
		case EEXIST:
			st = STATUS_OBJECT_NAME_COLLISION;
			break;
		case EISDIR:    /* a directory appeared at the target */
		case ENOTDIR:   /* directory onto a non-directory */
		case ENOTEMPTY:
			st = STATUS_ACCESS_DENIED;
			break;
		case EXDEV:     /* across mounts inside the share */
			st = STATUS_NOT_SAME_DEVICE;
			break;
		case ENOENT:    /* the source went away */
			st = STATUS_OBJECT_NAME_NOT_FOUND;
			break;
		default:
			st = errno_status();
		}
		goto out;
	}
done:
	free(h->path);
	h->path = newrel;
	newrel = NULL;
out:
	if (opfd >= 0)
		close(opfd);
	close(npfd);
	free(final);
	free(ndir);
	free(newrel);
	return st;
}

static NTSTATUS link_errno_status(int fd, int err)
{
	struct stat self;
	switch (err) {
	case EEXIST:
		return STATUS_OBJECT_NAME_COLLISION;
	case EMLINK:
		return STATUS_TOO_MANY_LINKS;
	case EXDEV: /* the target directory is on another mount */
		return STATUS_NOT_SAME_DEVICE;
	case EISDIR: /* a directory took the name meanwhile */
		return STATUS_ACCESS_DENIED;
	case ENOENT: /* the file lost its last name, or the directory went */
		return fstat(fd, &self) == 0 && self.st_nlink == 0 ? STATUS_ACCESS_DENIED
								   : STATUS_OBJECT_PATH_NOT_FOUND;
	default:
		errno = err;
		return errno_status();
	}
}

/* Replaces the existing name `final` in dirfd with a link to fd, atomically:
 * the link is made under a fresh temporary name and renamed over the old
 * one, so a failure (no space, a full link count) leaves the old file in
 * place, and a reader never finds the name missing. */
static NTSTATUS link_replace(int fd, int dirfd, const char *final)
{
	char src[64], tmp[48];
	proc_fd_path(src, sizeof(src), fd);
	for (int tries = 0; tries < 16; tries++) {
		uint64_t r;
		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return STATUS_INTERNAL_ERROR;
		snprintf(tmp, sizeof(tmp), ".daxsmb-link-%016llx", (unsigned long long)r);
		if (linkat(AT_FDCWD, src, dirfd, tmp, AT_SYMLINK_FOLLOW) == 0)
			break;
		if (errno != EEXIST)
			return link_errno_status(fd, errno);
		tmp[0] = 0;
	}
	if (!tmp[0])
		return STATUS_OBJECT_NAME_COLLISION;
	/* rename(2) will not put a file over a directory (EISDIR). */
	if (renameat(dirfd, tmp, dirfd, final) < 0) {
		int err = errno;
		unlinkat(dirfd, tmp, 0);
		return link_errno_status(fd, err);
	}
	return STATUS_SUCCESS;
}

/* MS-FSA 2.1.5.15.6.  The source is the open file itself, through its
 * /proc/self/fd magic link (linkat(AT_EMPTY_PATH) would need
 * CAP_DAC_READ_SEARCH): never a name looked up again, so a rename or a
 * symlink swapped in meanwhile cannot make us link another file.  The new
 * name is made with linkat relative to its directory opened beneath the
 * root, so it cannot land outside the share. */
static NTSTATUS posix_link(struct vfs_handle *h, const char *new_path, bool replace)
{
	struct posix_share *ps = h->share;
	if (ps->pub.read_only || !new_path[0])
		return STATUS_ACCESS_DENIED;
	if (h->stream_x)
		return STATUS_INVALID_PARAMETER;
	struct stat self;
	if (fstat(h->fd, &self) < 0)
		return errno_status();
	if (h->is_dir || S_ISDIR(self.st_mode))
		return STATUS_FILE_IS_A_DIRECTORY;
	if (!S_ISREG(self.st_mode))
		return STATUS_ACCESS_DENIED;
	if (self.st_nlink == 0)
		return STATUS_ACCESS_DENIED; /* MS-FSA: Open.Link.IsDeleted */

	int npfd;
	char *ndir, *final;
	NTSTATUS st = open_target(h, new_path, false, &npfd, &ndir, &final);
	if (st)
		return st;
	struct stat tb, pst;
	bool have_before = !ps->pub.case_sensitive && fstat(npfd, &pst) == 0;
	if (fstatat(npfd, final, &tb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!replace) {
			st = STATUS_OBJECT_NAME_COLLISION;
		} else if (S_ISDIR(tb.st_mode)) {
			st = STATUS_ACCESS_DENIED; /* a directory is never replaced */
		} else if (tb.st_dev == self.st_dev && tb.st_ino == self.st_ino) {
			goto out; /* already a name of this file */
		} else {
			st = link_replace(h->fd, npfd, final);
		}
		goto out;
	} else if (errno != ENOENT) {
		st = errno_status();
		goto out;
	}
	char src[64];
	proc_fd_path(src, sizeof(src), h->fd);
	if (linkat(AT_FDCWD, src, npfd, final, AT_SYMLINK_FOLLOW) < 0) {
		st = link_errno_status(h->fd, errno);
		goto out;
	}
	if (have_before)
		ci_note_created(npfd, &pst.st_mtim, final);
out:
	close(npfd);
	free(ndir);
	free(final);
	return st;
}

static NTSTATUS posix_statfs(struct vfs_share *s, struct vfs_statfs *out)
{
	struct statfs sf;
	if (fstatfs(s->root_fd, &sf) < 0)
		return errno_status();
	uint64_t id;
	memcpy(&id, &sf.f_fsid, sizeof(id) < sizeof(sf.f_fsid) ? sizeof(id) : sizeof(sf.f_fsid));
	*out = (struct vfs_statfs){
		.block_size = (uint64_t)sf.f_bsize,
		.total_blocks = sf.f_blocks,
		.free_blocks = sf.f_bfree,
		.avail_blocks = sf.f_bavail,
		.max_name_len = (uint32_t)sf.f_namelen,
		.fs_id = id,
	};
	return STATUS_SUCCESS;
}

static NTSTATUS posix_set_path(struct vfs_handle *h, const char *path)
{
	char *p = strdup(path);
	if (!p)
		return STATUS_NO_MEMORY;
	free(h->path);
	h->path = p;
	return STATUS_SUCCESS;
}

static const char *posix_path(struct vfs_handle *h)
{
	return h->path;
}

static void posix_share_close(struct vfs_share *s)
{
	if (!s)
		return;
	close(s->root_fd);
	free(pshare(s));
}

/* ---- streams and EAs (xattr_streams.c) ---- */

static NTSTATUS posix_list_streams(struct vfs_handle *h, struct vfs_stream_info **out,
				   size_t *count)
{
	char p[64];
	struct vfs_xt t = handle_xt(h, p);
	return vfs_streams_list(&t, out, count);
}

static NTSTATUS posix_rename_stream(struct vfs_handle *h, const char *name, bool replace)
{
	if (!h->stream_x)
		return STATUS_INVALID_PARAMETER;
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	char p[64];
	struct vfs_xt t = handle_xt(h, p);
	char *nx;
	NTSTATUS st = vfs_stream_rename(&t, h->stream_x, name, replace, &nx);
	if (st)
		return st;
	free(h->stream_x);
	h->stream_x = nx;
	return STATUS_SUCCESS;
}

static NTSTATUS posix_drop_streams(struct vfs_handle *h)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	char p[64];
	struct vfs_xt t = handle_xt(h, p);
	return vfs_streams_drop(&t);
}

static NTSTATUS posix_get_eas(struct vfs_handle *h, struct vfs_ea **out, size_t *count)
{
	char p[64];
	struct vfs_xt t = handle_xt(h, p);
	return vfs_eas_get(&t, out, count);
}

static NTSTATUS posix_set_ea(struct vfs_handle *h, const char *name, const void *value,
			     size_t len)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	char p[64];
	struct vfs_xt t = handle_xt(h, p);
	return vfs_ea_set(&t, name, value, len);
}

/* ---- NT security descriptors (issue 6; the server's side is
 * server/acl.c).  The SD is one xattr of the file; streams share it. ---- */

static NTSTATUS posix_get_ntacl(struct vfs_handle *h, uint8_t **out, size_t *len)
{
	char p[64];
	struct vfs_xt t = handle_xt(h, p);
	uint8_t *b = malloc(VFS_NTACL_MAX);
	if (!b)
		return STATUS_NO_MEMORY;
	ssize_t n = t.path ? getxattr(t.path, VFS_NTACL_XATTR, b, VFS_NTACL_MAX)
			   : fgetxattr(t.fd, VFS_NTACL_XATTR, b, VFS_NTACL_MAX);
	if (n < 0) {
		int e = errno;
		free(b);
		/* No SD stored, or no user xattrs here: the caller synthesizes. */
		if (e == ENODATA || e == ENOTSUP || e == ERANGE)
			return STATUS_OBJECT_NAME_NOT_FOUND;
		return vfs_errno_to_status(e);
	}
	*out = b;
	*len = (size_t)n;
	return STATUS_SUCCESS;
}

static NTSTATUS posix_set_ntacl(struct vfs_handle *h, const void *sd, size_t len)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	if (len > VFS_NTACL_MAX)
		return STATUS_INVALID_PARAMETER;
	char p[64];
	struct vfs_xt t = handle_xt(h, p);
	int rc;
	if (!len) {
		rc = t.path ? removexattr(t.path, VFS_NTACL_XATTR) : fremovexattr(t.fd, VFS_NTACL_XATTR);
		if (rc < 0 && errno == ENODATA)
			rc = 0;
	} else {
		rc = t.path ? setxattr(t.path, VFS_NTACL_XATTR, sd, len, 0)
			    : fsetxattr(t.fd, VFS_NTACL_XATTR, sd, len, 0);
	}
	if (rc < 0)
		return errno == ENOTSUP ? STATUS_NOT_SUPPORTED : errno_status();
	return STATUS_SUCCESS;
}

static NTSTATUS posix_set_owner(struct vfs_handle *h, uint32_t uid, uint32_t gid)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	if (fchownat(h->fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) < 0)
		return errno == EPERM ? STATUS_ACCESS_DENIED : errno_status();
	return STATUS_SUCCESS;
}

static NTSTATUS posix_set_mode(struct vfs_handle *h, uint32_t mode)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	char p[64];
	proc_fd_path(p, sizeof(p), h->fd);
	/* chmod of /proc/self/fd/N works for O_PATH fds too. */
	if (chmod(p, (mode_t)(mode & 07777)) < 0)
		return errno == EPERM ? STATUS_ACCESS_DENIED : errno_status();
	return STATUS_SUCCESS;
}

/* ---- server-side copy, sparse files, change notify (issue 6: IOCTL and
 * CHANGE_NOTIFY; the server's side is smb2_ioctl.c and notify.c) ---- */
#include <sys/inotify.h>

/* Only a plain file's own data can be copied or punched in place. */
static bool posix_data_fd(const struct vfs_handle *h)
{
	return !h->stream_x && !h->is_opath && !h->is_dir;
}

/* FSCTL_SET_SPARSE's mark, kept with the DOS attributes. */
static bool posix_marked_sparse(struct vfs_handle *h)
{
	struct vfs_dosattrib d;
	load_dosattrib(h, &d);
	return (d.valid & VFS_DOSATTRIB_HAS_ATTRIBUTES) &&
	       (d.attributes & FILE_ATTRIBUTE_SPARSE_FILE);
}

static NTSTATUS posix_copy_range(struct vfs_handle *src, uint64_t src_off,
				 struct vfs_handle *dst, uint64_t dst_off, uint64_t len,
				 uint64_t *done)
{
	*done = 0;
	if (dst->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	if (!posix_data_fd(src) || !posix_data_fd(dst))
		return STATUS_NOT_SUPPORTED;
	if (src_off > INT64_MAX || len > INT64_MAX - src_off)
		return STATUS_INVALID_PARAMETER;
	if (dst_off > INT64_MAX || len > INT64_MAX - dst_off)
		return STATUS_DISK_FULL;
	while (*done < len) {
		loff_t in = (loff_t)(src_off + *done), out = (loff_t)(dst_off + *done);
		ssize_t n = copy_file_range(src->fd, &in, dst->fd, &out, (size_t)(len - *done), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Across file systems (older kernels), or a file system
			 * without it: the server copies through pread/pwrite. */
			if (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
			    errno == EOPNOTSUPP)
				return STATUS_NOT_SUPPORTED;
			return errno_status();
		}
		if (n == 0)
			break; /* src's end of file */
		*done += (uint64_t)n;
	}
	return STATUS_SUCCESS;
}

static NTSTATUS posix_zero_range(struct vfs_handle *h, uint64_t off, uint64_t len)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	if (!posix_data_fd(h))
		return STATUS_NOT_SUPPORTED;
	if (len == 0 || off > INT64_MAX)
		return STATUS_SUCCESS;
	if (len > INT64_MAX - off)
		len = INT64_MAX - off;
	/* NTFS deallocates zeroed ranges of sparse files only; the others
	 * stay allocated. */
	static const int modes[] = { FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				     FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE };
	for (size_t i = posix_marked_sparse(h) ? 0 : 1; i < sizeof(modes) / sizeof(modes[0]); i++) {
		for (;;) {
			if (fallocate(h->fd, modes[i], (off_t)off, (off_t)len) == 0)
				return STATUS_SUCCESS;
			if (errno != EINTR)
				break;
		}
		if (errno != EOPNOTSUPP && errno != ENOSYS)
			return errno_status();
	}
	return STATUS_NOT_SUPPORTED; /* the server writes zeros */
}

static NTSTATUS posix_alloc_ranges(struct vfs_handle *h, uint64_t off, uint64_t len,
				   struct vfs_range *out, size_t max, size_t *count, bool *more)
{
	*count = 0;
	*more = false;
	if (!posix_data_fd(h))
		return STATUS_NOT_SUPPORTED;
	struct stat sb;
	if (fstat(h->fd, &sb) < 0)
		return errno_status();
	uint64_t size = (uint64_t)sb.st_size;
	if (off >= size || len == 0)
		return STATUS_SUCCESS;
	uint64_t end = len > size - off ? size : off + len;
	if (!posix_marked_sparse(h)) {
		/* As NTFS: a file not marked sparse is allocated throughout. */
		if (max == 0) {
			*more = true;
			return STATUS_SUCCESS;
		}
		out[(*count)++] = (struct vfs_range){ off, end - off };
		return STATUS_SUCCESS;
	}
	uint64_t pos = off;
	while (pos < end) {
		off_t d = lseek(h->fd, (off_t)pos, SEEK_DATA);
		if (d < 0 && errno == ENXIO)
			break; /* only a hole up to the end of file */
		if (d < 0 && errno != EINVAL)
			return errno_status();
		off_t e = d < 0 ? (off_t)end : lseek(h->fd, d, SEEK_HOLE);
		if (d < 0)
			d = (off_t)pos; /* no SEEK_DATA here: all of it is data */
		if (e < 0)
			return errno_status();
		if ((uint64_t)d >= end)
			break;
		uint64_t stop = (uint64_t)e < end ? (uint64_t)e : end;
		if (*count == max) {
			*more = true;
			break;
		}
		out[(*count)++] = (struct vfs_range){ (uint64_t)d, stop - (uint64_t)d };
		pos = stop;
	}
	return STATUS_SUCCESS;
}

static NTSTATUS posix_set_sparse(struct vfs_handle *h, bool sparse)
{
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	struct vfs_dosattrib d;
	load_dosattrib(h, &d);
	if (!(d.valid & VFS_DOSATTRIB_HAS_ATTRIBUTES)) {
		/* Keep what the file reports now (ARCHIVE by default). */
		struct vfs_stat st;
		NTSTATUS s = posix_fstat(h, &st);
		if (s)
			return s;
		d.attributes = st.attributes & vfs_settable_attributes();
		d.valid |= VFS_DOSATTRIB_HAS_ATTRIBUTES;
	}
	if (sparse)
		d.attributes |= FILE_ATTRIBUTE_SPARSE_FILE;
	else
		d.attributes &= ~(uint32_t)FILE_ATTRIBUTE_SPARSE_FILE;
	int r = store_dosattrib(h, &d);
	/* Without xattrs there is nowhere to keep it: every Linux file may
	 * have holes anyway. */
	if (r < 0 && r != -EOPNOTSUPP)
		return vfs_errno_to_status(-r);
	return STATUS_SUCCESS;
}

#define WATCH_MAX_DEPTH 64
#define WATCH_MAX_DIRS 65536u

/* Watches the directory fd (an O_PATH fd is enough) as rel, then, with
 * tree, every directory below it.  Errors below the top are skipped: a
 * subdirectory the user cannot read is simply not watched. */
static NTSTATUS watch_dir(int fd, const char *rel, bool tree, int ifd, uint32_t mask,
			  void (*added)(void *arg, int wd, const char *path), void *arg,
			  unsigned depth, unsigned *budget)
{
	char p[64];
	proc_fd_path(p, sizeof(p), fd);
	int wd = inotify_add_watch(ifd, p, mask);
	if (wd < 0)
		return errno_status();
	added(arg, wd, rel);
	if (!tree || depth >= WATCH_MAX_DEPTH)
		return STATUS_SUCCESS;
	int lfd = vfs_openat2(fd, "", O_RDONLY | O_DIRECTORY, 0);
	if (lfd < 0)
		return STATUS_SUCCESS;
	DIR *d = fdopendir(lfd);
	if (!d) {
		close(lfd);
		return STATUS_SUCCESS;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL && *budget) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		int cfd = vfs_openat2(dirfd(d), e->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
		if (cfd < 0)
			continue;
		char *crel = path_join(rel, e->d_name);
		if (crel) {
			(*budget)--;
			(void)watch_dir(cfd, crel, true, ifd, mask, added, arg, depth + 1, budget);
			free(crel);
		}
		close(cfd);
	}
	closedir(d);
	return STATUS_SUCCESS;
}

static NTSTATUS posix_watch(struct vfs_handle *h, const char *sub, bool tree, int ifd,
			    uint32_t mask, void (*added)(void *arg, int wd, const char *path),
			    void *arg)
{
	if (!h->is_dir || h->stream_x)
		return STATUS_NOT_A_DIRECTORY;
	int fd = vfs_openat2(h->fd, sub, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		return errno_status();
	unsigned budget = WATCH_MAX_DIRS;
	NTSTATUS st = watch_dir(fd, sub, tree, ifd, mask, added, arg, 0, &budget);
	close(fd);
	return st;
}

static const struct vfs_ops posix_ops = {
	.name = "posix",
	.open = posix_open,
	.close = posix_close,
	.fstat = posix_fstat,
	.pread = posix_pread,
	.pwrite = posix_pwrite,
	.flush = posix_flush,
	.truncate = posix_truncate,
	.allocate = posix_allocate,
	.set_times = posix_set_times,
	.set_attributes = posix_set_attributes,
	.readdir = posix_readdir,
	.stat_child = posix_stat_child,
	.unlink = posix_unlink,
	.rename = posix_rename,
	.link = posix_link,
	.is_empty_dir = posix_is_empty_dir,
	.statfs = posix_statfs,
	.path = posix_path,
	.set_path = posix_set_path,
	.share_close = posix_share_close,
	.list_streams = posix_list_streams,
	.rename_stream = posix_rename_stream,
	.drop_streams = posix_drop_streams,
	.get_eas = posix_get_eas,
	.set_ea = posix_set_ea,
	.copy_range = posix_copy_range,
	.zero_range = posix_zero_range,
	.alloc_ranges = posix_alloc_ranges,
	.set_sparse = posix_set_sparse,
	.watch = posix_watch,
	.get_ntacl = posix_get_ntacl,
	.set_ntacl = posix_set_ntacl,
	.set_owner = posix_set_owner,
	.set_mode = posix_set_mode,
};

struct vfs_share *vfs_posix_share_open(const char *dir, bool read_only, char *err, size_t errlen)
{
	/* The one path not resolved beneath a root: the root itself, from the
	 * administrator's configuration. */
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	struct posix_share *ps = calloc(1, sizeof(*ps));
	if (!ps) {
		close(fd);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", dir);
		return NULL;
	}
	ps->pub.ops = &posix_ops;
	ps->pub.root_fd = fd;
	ps->pub.read_only = read_only;
	/* Windows clients expect names to match ignoring case (Samba's
	 * default for them too); the server may set this from the config. */
	ps->pub.case_sensitive = false;
	ps->store_dos_attributes = true;
	return &ps->pub;
}

void vfs_posix_set_store_dos_attributes(struct vfs_share *s, bool on)
{
	if (s && s->ops == &posix_ops)
		pshare(s)->store_dos_attributes = on;
}
