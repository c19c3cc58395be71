/* The open-file table (server/file.h): share access between opens of one
 * file, and the opens below a directory that keep it from being renamed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/smb2.h"
#include "server/file.h"
#include "server/srv.h"
#include "vfs/vfs.h"

/* A handle is its path here: the fake share's path op returns it. */
static const char *fake_path(struct vfs_handle *h)
{
	return (const char *)h;
}

static const struct vfs_ops fake_ops = {.name = "fake", .path = fake_path};
static struct vfs_share share_a = {.ops = &fake_ops};
static struct vfs_share share_b = {.ops = &fake_ops};

/* Joins a new open of (dev, ino) named path to its file. */
static struct srv_open *join(uint64_t ino, struct vfs_share *vfs, const char *path,
			     uint32_t access, uint32_t share)
{
	struct srv_open *o = calloc(1, sizeof(*o));
	assert_non_null(o);
	o->file = srv_file_get(1, ino);
	assert_non_null(o->file);
	o->vfs = vfs;
	o->h = (struct vfs_handle *)path;
	o->access = access;
	o->share_access = share;
	pthread_mutex_lock(&o->file->mu);
	o->fnext = o->file->opens;
	o->file->opens = o;
	o->file->nopens++;
	pthread_mutex_unlock(&o->file->mu);
	return o;
}

static void leave(struct srv_open *o)
{
	struct srv_file *f = o->file;
	pthread_mutex_lock(&f->mu);
	for (struct srv_open **p = &f->opens; *p; p = &(*p)->fnext) {
		if (*p == o) {
			*p = o->fnext;
			f->nopens--;
			break;
		}
	}
	pthread_mutex_unlock(&f->mu);
	free(o->pending_path);
	srv_file_put(f);
	free(o);
}

#define RWD (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

static void test_share_check(void **state)
{
	(void)state;
	struct srv_open *dir = join(10, &share_a, "d", DELETE | FILE_READ_DATA, RWD);
	struct srv_file *f = dir->file;
	/* A rename into d adds an entry sharing read and write only: the
	 * directory's open with delete access refuses it. */
	assert_int_equal(srv_file_share_check(f, SYNCHRONIZE | FILE_ADD_FILE,
					      FILE_SHARE_READ | FILE_SHARE_WRITE),
			 STATUS_SHARING_VIOLATION);
	assert_int_equal(srv_file_share_check(f, SYNCHRONIZE | FILE_ADD_FILE, RWD), STATUS_SUCCESS);
	leave(dir);
	/* Without delete access, but not sharing write: still refused. */
	dir = join(10, &share_a, "d", FILE_READ_DATA | FILE_WRITE_DATA, 0);
	assert_int_equal(srv_file_share_check(dir->file, SYNCHRONIZE | FILE_ADD_FILE,
					      FILE_SHARE_READ | FILE_SHARE_WRITE),
			 STATUS_SHARING_VIOLATION);
	leave(dir);
	/* An open that reads attributes only conflicts with nothing. */
	dir = join(10, &share_a, "d", SYNCHRONIZE | FILE_READ_ATTRIBUTES, 0);
	assert_int_equal(srv_file_share_check(dir->file, SYNCHRONIZE | FILE_ADD_FILE,
					      FILE_SHARE_READ | FILE_SHARE_WRITE),
			 STATUS_SUCCESS);
	leave(dir);
}

static void test_open_below(void **state)
{
	(void)state;
	struct srv_open *d = join(20, &share_a, "a/dir", DELETE, 0);
	assert_false(srv_file_open_below(&share_a, "a/dir", d));
	struct srv_open *x = join(21, &share_a, "a/dir/sub/x.txt", FILE_READ_DATA, RWD);
	assert_true(srv_file_open_below(&share_a, "a/dir", d));
	assert_true(srv_file_open_below(&share_a, "a", d));
	/* A sibling whose name starts the same is not below. */
	assert_false(srv_file_open_below(&share_a, "a/di", d));
	assert_false(srv_file_open_below(&share_a, "a/dir/sub/x.txt", d));
	/* Opens through another share name other paths. */
	assert_false(srv_file_open_below(&share_b, "a/dir", NULL));
	/* The root is never renamed. */
	assert_false(srv_file_open_below(&share_a, "", d));
	/* A rename through another open, not yet applied, counts. */
	x->pending_path = strdup("elsewhere/x.txt");
	assert_non_null(x->pending_path);
	assert_false(srv_file_open_below(&share_a, "a/dir", d));
	assert_true(srv_file_open_below(&share_a, "elsewhere", d));
	leave(x);
	assert_false(srv_file_open_below(&share_a, "elsewhere", d));
	leave(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_share_check),
		cmocka_unit_test(test_open_below),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
