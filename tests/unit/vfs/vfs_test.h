/* Fixtures shared by the vfs unit tests: a fresh temporary directory per
 * test (mkdtemp under /tmp, removed afterwards), a posix share on it, and
 * small helpers that work on the directory directly with libc so that the
 * tests check the backend against the real file system. */
#ifndef DAX_TEST_VFS_H
#define DAX_TEST_VFS_H

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/nttime.h"
#include "proto/smb2.h"
#include "vfs/vfs.h"
#include "vfs/vfs_internal.h"

struct fixture {
	char top[64];        /* mkdtemp dir holding share/ and outside/ */
	char root[128];      /* the share's directory */
	char out[128];       /* a directory next to the share, never served */
	struct vfs_share *s;
};

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

static inline struct fixture *fixture_new(bool read_only)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256] = "";
	assert_non_null(f);
	strcpy(f->top, "/tmp/daxvfs-XXXXXX");
	assert_non_null(mkdtemp(f->top));
	snprintf(f->root, sizeof(f->root), "%s/share", f->top);
	snprintf(f->out, sizeof(f->out), "%s/outside", f->top);
	assert_int_equal(mkdir(f->root, 0755), 0);
	assert_int_equal(mkdir(f->out, 0755), 0);
	f->s = vfs_posix_share_open(f->root, read_only, err, sizeof(err));
	assert_non_null(f->s);
	return f;
}

static inline void fixture_free(struct fixture *f)
{
	if (!f)
		return;
	if (f->s)
		f->s->ops->share_close(f->s);
	nftw(f->top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
}

static inline int setup_rw(void **state)
{
	*state = fixture_new(false);
	return 0;
}

static inline int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* Absolute path of a name inside the share (test side only). */
static inline const char *in_share(struct fixture *f, const char *rel)
{
	static __thread char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s/%s", f->root, rel);
	return buf;
}

static inline void put_file(const char *abs, const char *content)
{
	int fd = open(abs, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	size_t n = strlen(content);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	close(fd);
}

/* Whole content of a file, NUL-terminated, or NULL if it does not exist. */
static inline char *get_file(const char *abs)
{
	static __thread char buf[4096];
	int fd = open(abs, O_RDONLY);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = 0;
	return buf;
}

static inline bool exists(const char *abs)
{
	struct stat sb;
	return lstat(abs, &sb) == 0;
}

/* Opens through the vfs; returns the status, *h the handle (or NULL). */
static inline NTSTATUS vopen(struct vfs_share *s, const char *path, uint32_t disp,
			     bool dir, bool nondir, bool rd, bool wr,
			     struct vfs_handle **h, uint32_t *action)
{
	struct vfs_open_args a = {
		.path = path, .disposition = disp, .directory = dir,
		.non_directory = nondir, .read = rd, .write = wr,
	};
	uint32_t act = 0xdead;
	NTSTATUS st = s->ops->open(s, &a, h, action ? action : &act);
	if (st)
		assert_null(*h);
	else
		assert_non_null(*h);
	return st;
}

/* Open, expect st; close any handle.  For table-like tests. */
static inline void expect_open(struct vfs_share *s, const char *path, uint32_t disp,
			       bool dir, bool nondir, NTSTATUS want, uint32_t want_action)
{
	struct vfs_handle *h = NULL;
	uint32_t action = 0xdead;
	NTSTATUS st = vopen(s, path, disp, dir, nondir, true, !s->read_only, &h, &action);
	if (st != want)
		fail_msg("open(%s, disp %u, dir %d, nondir %d) = 0x%08x, want 0x%08x", path,
			 disp, dir, nondir, st, want);
	if (!st) {
		assert_int_equal(action, want_action);
		s->ops->close(h);
	}
}

#endif
