/* posix backend: dispositions, I/O, directories, unlink, rename, read-only
 * shares, the errno map. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <grp.h>

#include <cmocka.h>

#include "vfs_test.h"

/* ---- dispositions ---- */

static void test_file_dispositions_missing(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	expect_open(s, "a", FILE_OPEN, false, false, STATUS_OBJECT_NAME_NOT_FOUND, 0);
	expect_open(s, "a", FILE_OVERWRITE, false, false, STATUS_OBJECT_NAME_NOT_FOUND, 0);
	assert_false(exists(in_share(f, "a")));
	expect_open(s, "a", FILE_SUPERSEDE, false, false, STATUS_SUCCESS, FILE_CREATED);
	expect_open(s, "b", FILE_CREATE, false, true, STATUS_SUCCESS, FILE_CREATED);
	expect_open(s, "c", FILE_OPEN_IF, false, false, STATUS_SUCCESS, FILE_CREATED);
	expect_open(s, "d", FILE_OVERWRITE_IF, false, false, STATUS_SUCCESS, FILE_CREATED);
	const char *names[] = { "a", "b", "c", "d" };
	for (int i = 0; i < 4; i++) {
		struct stat sb;
		assert_int_equal(lstat(in_share(f, names[i]), &sb), 0);
		assert_true(S_ISREG(sb.st_mode));
		assert_int_equal(sb.st_size, 0);
	}
}

static void test_file_dispositions_existing(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	static const struct {
		uint32_t disp;
		NTSTATUS st;
		uint32_t action;
		bool truncated;
	} t[] = {
		{ FILE_OPEN, STATUS_SUCCESS, FILE_OPENED, false },
		{ FILE_OPEN_IF, STATUS_SUCCESS, FILE_OPENED, false },
		{ FILE_CREATE, STATUS_OBJECT_NAME_COLLISION, 0, false },
		{ FILE_OVERWRITE, STATUS_SUCCESS, FILE_OVERWRITTEN, true },
		{ FILE_OVERWRITE_IF, STATUS_SUCCESS, FILE_OVERWRITTEN, true },
		{ FILE_SUPERSEDE, STATUS_SUCCESS, FILE_SUPERSEDED, true },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		put_file(in_share(f, "f"), "content");
		expect_open(s, "f", t[i].disp, false, false, t[i].st, t[i].action);
		assert_string_equal(get_file(in_share(f, "f")), t[i].truncated ? "" : "content");
		/* non_directory changes nothing for a file */
		put_file(in_share(f, "f"), "content");
		expect_open(s, "f", t[i].disp, false, true, t[i].st, t[i].action);
		/* directory on a file: NOT_A_DIRECTORY, except where the
		 * disposition alone is invalid for a directory */
		put_file(in_share(f, "f"), "content");
		bool bad = t[i].truncated;
		expect_open(s, "f", t[i].disp, true, false,
			    bad ? STATUS_INVALID_PARAMETER
				: t[i].disp == FILE_CREATE ? STATUS_OBJECT_NAME_COLLISION
							   : STATUS_NOT_A_DIRECTORY, 0);
		assert_string_equal(get_file(in_share(f, "f")), "content");
	}
}

static void test_dir_dispositions(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	struct stat sb;
	/* missing */
	expect_open(s, "d", FILE_OPEN, true, false, STATUS_OBJECT_NAME_NOT_FOUND, 0);
	expect_open(s, "d", FILE_SUPERSEDE, true, false, STATUS_INVALID_PARAMETER, 0);
	expect_open(s, "d", FILE_OVERWRITE, true, false, STATUS_INVALID_PARAMETER, 0);
	expect_open(s, "d", FILE_OVERWRITE_IF, true, false, STATUS_INVALID_PARAMETER, 0);
	assert_false(exists(in_share(f, "d")));
	expect_open(s, "d", FILE_CREATE, true, false, STATUS_SUCCESS, FILE_CREATED);
	assert_int_equal(stat(in_share(f, "d"), &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	expect_open(s, "e", FILE_OPEN_IF, true, false, STATUS_SUCCESS, FILE_CREATED);
	assert_int_equal(stat(in_share(f, "e"), &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	/* existing */
	expect_open(s, "d", FILE_OPEN, true, false, STATUS_SUCCESS, FILE_OPENED);
	expect_open(s, "d", FILE_OPEN_IF, true, false, STATUS_SUCCESS, FILE_OPENED);
	expect_open(s, "d", FILE_CREATE, true, false, STATUS_OBJECT_NAME_COLLISION, 0);
	expect_open(s, "d", FILE_SUPERSEDE, true, false, STATUS_INVALID_PARAMETER, 0);
	expect_open(s, "d", FILE_OPEN, false, false, STATUS_SUCCESS, FILE_OPENED);
	expect_open(s, "d", FILE_OPEN, false, true, STATUS_FILE_IS_A_DIRECTORY, 0);
	expect_open(s, "d", FILE_OPEN_IF, false, true, STATUS_FILE_IS_A_DIRECTORY, 0);
	expect_open(s, "d", FILE_CREATE, false, true, STATUS_OBJECT_NAME_COLLISION, 0);
	/* neither flag: a directory is never overwritten either */
	expect_open(s, "d", FILE_OVERWRITE_IF, false, false, STATUS_INVALID_PARAMETER, 0);
	expect_open(s, "d", FILE_SUPERSEDE, false, false, STATUS_INVALID_PARAMETER, 0);
	assert_int_equal(stat(in_share(f, "d"), &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	/* both flags */
	expect_open(s, "d", FILE_OPEN, true, true, STATUS_INVALID_PARAMETER, 0);
	/* the root */
	expect_open(s, "", FILE_OPEN, true, false, STATUS_SUCCESS, FILE_OPENED);
	expect_open(s, "", FILE_OPEN_IF, false, false, STATUS_SUCCESS, FILE_OPENED);
	expect_open(s, "", FILE_CREATE, true, false, STATUS_OBJECT_NAME_COLLISION, 0);

	struct vfs_handle *h = NULL;
	struct vfs_stat vs;
	assert_int_equal(vopen(s, "d", FILE_OPEN, false, false, true, false, &h, NULL), 0);
	assert_int_equal(s->ops->fstat(h, &vs), 0);
	assert_true(vs.is_dir);
	assert_int_equal(vs.attributes & FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_DIRECTORY);
	assert_int_equal(vs.file_id, sb.st_ino);
	s->ops->close(h);
}

static void test_missing_parent(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	put_file(in_share(f, "file"), "x");
	const char *paths[] = { "nodir/x", "nodir/deeper/x", "file/x" };
	for (int i = 0; i < 3; i++) {
		expect_open(s, paths[i], FILE_OPEN, false, false, STATUS_OBJECT_PATH_NOT_FOUND, 0);
		expect_open(s, paths[i], FILE_CREATE, false, false, STATUS_OBJECT_PATH_NOT_FOUND, 0);
		expect_open(s, paths[i], FILE_OPEN_IF, true, false, STATUS_OBJECT_PATH_NOT_FOUND, 0);
	}
	assert_false(exists(in_share(f, "nodir")));
	assert_int_equal(mkdir(in_share(f, "dir"), 0755), 0);
	expect_open(s, "dir/x", FILE_OPEN, false, false, STATUS_OBJECT_NAME_NOT_FOUND, 0);
	expect_open(s, "dir/x", FILE_CREATE, false, false, STATUS_SUCCESS, FILE_CREATED);
	expect_open(s, "dir/sub", FILE_CREATE, true, false, STATUS_SUCCESS, FILE_CREATED);
	expect_open(s, "dir/sub/y", FILE_CREATE, false, false, STATUS_SUCCESS, FILE_CREATED);
	assert_true(exists(in_share(f, "dir/sub/y")));
}

static void test_new_file_mode(void **state)
{
	struct fixture *f = *state;
	mode_t old = umask(022);
	expect_open(f->s, "m", FILE_CREATE, false, false, STATUS_SUCCESS, FILE_CREATED);
	expect_open(f->s, "md", FILE_CREATE, true, false, STATUS_SUCCESS, FILE_CREATED);
	umask(old);
	struct stat sb;
	assert_int_equal(stat(in_share(f, "m"), &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(stat(in_share(f, "md"), &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0755);
}

/* ---- data ---- */

static void test_io_round_trip(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	const struct vfs_ops *o = s->ops;
	struct vfs_handle *h = NULL;
	char buf[64];
	size_t done = 99;

	assert_int_equal(vopen(s, "io", FILE_CREATE, false, true, true, true, &h, NULL), 0);
	assert_int_equal(o->pwrite(h, "hello", 5, 0, false), 0);
	assert_int_equal(o->pwrite(h, "world", 5, 10, true), 0);
	assert_int_equal(o->pread(h, buf, sizeof(buf), 0, &done), 0);
	assert_int_equal(done, 15);
	assert_memory_equal(buf, "hello\0\0\0\0\0world", 15);
	assert_int_equal(o->pread(h, buf, 4, 11, &done), 0);
	assert_int_equal(done, 4);
	assert_memory_equal(buf, "orld", 4);
	assert_int_equal(o->pread(h, buf, 4, 15, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(o->pread(h, buf, 4, 1000, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(o->flush(h), 0);
	assert_string_equal(get_file(in_share(f, "io")), "hello");

	struct vfs_stat vs;
	struct stat sb;
	assert_int_equal(o->fstat(h, &vs), 0);
	assert_int_equal(stat(in_share(f, "io"), &sb), 0);
	assert_int_equal(vs.size, 15);
	assert_int_equal(vs.file_id, sb.st_ino);
	assert_int_equal(vs.nlink, 1);
	assert_false(vs.is_dir);
	assert_int_equal(vs.alloc, (uint64_t)sb.st_blocks * 512);
	assert_int_equal(vs.attributes, FILE_ATTRIBUTE_ARCHIVE);
	struct timespec mt = sb.st_mtim;
	assert_int_equal(vs.write_time, nttime_from_timespec(&mt));
	assert_true(vs.creation_time != 0 && vs.creation_time <= vs.write_time);

	assert_int_equal(o->truncate(h, 3), 0);
	assert_int_equal(o->fstat(h, &vs), 0);
	assert_int_equal(vs.size, 3);
	assert_int_equal(o->truncate(h, 100000), 0);
	assert_int_equal(o->fstat(h, &vs), 0);
	assert_int_equal(vs.size, 100000);
	assert_int_equal(o->allocate(h, 1 << 20), 0);
	assert_int_equal(o->fstat(h, &vs), 0);
	assert_int_equal(vs.size, 100000); /* KEEP_SIZE */
	assert_int_equal(o->pwrite(h, "x", 1, UINT64_MAX - 1, false), STATUS_DISK_FULL);
	o->close(h);

	/* a large transfer, read back through a fresh read-only handle */
	size_t n = 3 << 20;
	char *big = malloc(n), *back = malloc(n);
	assert_non_null(big);
	assert_non_null(back);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)(i * 131 + (i >> 12));
	assert_int_equal(vopen(s, "big", FILE_OVERWRITE_IF, false, true, true, true, &h, NULL), 0);
	assert_int_equal(o->pwrite(h, big, n, 4096, true), 0);
	o->close(h);
	assert_int_equal(vopen(s, "big", FILE_OPEN, false, true, true, false, &h, NULL), 0);
	assert_int_equal(o->pread(h, back, n, 4096, &done), 0);
	assert_int_equal(done, n);
	assert_memory_equal(big, back, n);
	/* a read-only handle cannot write */
	assert_int_not_equal(o->pwrite(h, "x", 1, 0, false), 0);
	o->close(h);
	free(big);
	free(back);

	/* flush on a directory handle and on the root */
	assert_int_equal(vopen(s, "", FILE_OPEN, true, false, true, false, &h, NULL), 0);
	assert_int_equal(o->flush(h), 0);
	assert_string_equal(o->path(h), "");
	o->close(h);
}

/* ---- directories ---- */

static int cmp_dirent(const void *a, const void *b)
{
	return strcmp(((const struct vfs_dirent *)a)->name, ((const struct vfs_dirent *)b)->name);
}

static void test_readdir(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	const struct vfs_ops *o = s->ops;
	char name[64];
	assert_int_equal(mkdir(in_share(f, "big"), 0755), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "big/f%04d", i);
		put_file(in_share(f, name), i % 2 ? "odd" : "even!");
	}
	assert_int_equal(mkdir(in_share(f, "big/zsub"), 0755), 0);
	/* not UTF-8: never listed */
	put_file(in_share(f, "big/bad\xff\xfename"), "");

	struct vfs_handle *h = NULL;
	struct vfs_dirent *d = NULL;
	size_t count = 0;
	assert_int_equal(vopen(s, "big", FILE_OPEN, true, false, true, false, &h, NULL), 0);
	assert_int_equal(o->readdir(h, &d, &count, 5000), 0);
	assert_int_equal(count, 1001);
	qsort(d, count, sizeof(*d), cmp_dirent);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "f%04d", i);
		assert_string_equal(d[i].name, name);
		assert_int_equal(d[i].st.size, i % 2 ? 3 : 5);
		assert_false(d[i].st.is_dir);
		assert_int_equal(d[i].st.attributes, FILE_ATTRIBUTE_ARCHIVE);
	}
	assert_string_equal(d[1000].name, "zsub");
	assert_true(d[1000].st.is_dir);
	assert_int_equal(d[1000].st.attributes, FILE_ATTRIBUTE_DIRECTORY);
	vfs_dirents_free(d, count);

	/* twice from the same handle: the handle's own position is untouched */
	assert_int_equal(o->readdir(h, &d, &count, 5000), 0);
	assert_int_equal(count, 1001);
	vfs_dirents_free(d, count);

	/* the limit */
	assert_int_equal(o->readdir(h, &d, &count, 1001), 0);
	vfs_dirents_free(d, count);
	assert_int_equal(o->readdir(h, &d, &count, 1000), STATUS_INSUFFICIENT_RESOURCES);
	assert_null(d);
	assert_int_equal(count, 0);

	bool empty = true;
	assert_int_equal(o->is_empty_dir(h, &empty), 0);
	assert_false(empty);
	o->close(h);

	assert_int_equal(vopen(s, "big/zsub", FILE_OPEN, true, false, false, false, &h, NULL), 0);
	assert_int_equal(o->is_empty_dir(h, &empty), 0);
	assert_true(empty);
	assert_int_equal(o->readdir(h, &d, &count, 10), 0);
	assert_int_equal(count, 0);
	vfs_dirents_free(d, count);
	o->close(h);

	assert_int_equal(vopen(s, "big/f0001", FILE_OPEN, false, false, true, false, &h, NULL), 0);
	assert_int_equal(o->readdir(h, &d, &count, 10), STATUS_NOT_A_DIRECTORY);
	assert_int_equal(o->is_empty_dir(h, &empty), STATUS_NOT_A_DIRECTORY);
	o->close(h);
}

/* ---- unlink ---- */

static void test_unlink(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	const struct vfs_ops *o = s->ops;
	struct vfs_handle *h = NULL;
	put_file(in_share(f, "file"), "x");
	assert_int_equal(mkdir(in_share(f, "full"), 0755), 0);
	put_file(in_share(f, "full/inner"), "y");
	assert_int_equal(mkdir(in_share(f, "empty"), 0755), 0);

	assert_int_equal(vopen(s, "file", FILE_OPEN, false, false, false, false, &h, NULL), 0);
	assert_int_equal(o->unlink(h), 0);
	assert_false(exists(in_share(f, "file")));
	o->close(h);

	assert_int_equal(vopen(s, "full", FILE_OPEN, true, false, false, false, &h, NULL), 0);
	assert_int_equal(o->unlink(h), STATUS_DIRECTORY_NOT_EMPTY);
	assert_string_equal(get_file(in_share(f, "full/inner")), "y");
	o->close(h);

	assert_int_equal(vopen(s, "empty", FILE_OPEN, true, false, false, false, &h, NULL), 0);
	assert_int_equal(o->unlink(h), 0);
	assert_false(exists(in_share(f, "empty")));
	bool empty;
	assert_int_equal(o->is_empty_dir(h, &empty), STATUS_OBJECT_NAME_NOT_FOUND);
	o->close(h);

	assert_int_equal(vopen(s, "", FILE_OPEN, true, false, false, false, &h, NULL), 0);
	assert_int_equal(o->unlink(h), STATUS_ACCESS_DENIED);
	o->close(h);
	assert_true(exists(f->root));
}

/* ---- rename ---- */

static void test_rename(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	const struct vfs_ops *o = s->ops;
	struct vfs_handle *h = NULL;
	char buf[16];
	size_t done;
	put_file(in_share(f, "a"), "AAA");
	put_file(in_share(f, "b"), "BBB");
	assert_int_equal(mkdir(in_share(f, "dir"), 0755), 0);
	assert_int_equal(mkdir(in_share(f, "dir2"), 0755), 0);

	assert_int_equal(vopen(s, "a", FILE_OPEN, false, true, true, true, &h, NULL), 0);
	/* without replace onto an existing file */
	assert_int_equal(o->rename(h, "b", false), STATUS_OBJECT_NAME_COLLISION);
	assert_string_equal(get_file(in_share(f, "a")), "AAA");
	assert_string_equal(get_file(in_share(f, "b")), "BBB");
	/* onto a directory, with or without replace */
	assert_int_equal(o->rename(h, "dir", true), STATUS_ACCESS_DENIED);
	assert_int_equal(o->rename(h, "dir", false), STATUS_OBJECT_NAME_COLLISION);
	/* into a missing directory */
	assert_int_equal(o->rename(h, "nodir/a", false), STATUS_OBJECT_PATH_NOT_FOUND);
	assert_int_equal(o->rename(h, "b/a", false), STATUS_OBJECT_PATH_NOT_FOUND);
	/* onto the root */
	assert_int_equal(o->rename(h, "", true), STATUS_ACCESS_DENIED);
	/* to itself */
	assert_int_equal(o->rename(h, "a", false), 0);
	assert_string_equal(o->path(h), "a");
	/* to a new name, into a directory */
	assert_int_equal(o->rename(h, "dir/moved", false), 0);
	assert_string_equal(o->path(h), "dir/moved");
	assert_false(exists(in_share(f, "a")));
	assert_string_equal(get_file(in_share(f, "dir/moved")), "AAA");
	assert_int_equal(o->pread(h, buf, sizeof(buf), 0, &done), 0);
	assert_int_equal(done, 3);
	/* the handle keeps working by its new path */
	assert_int_equal(o->rename(h, "moved2", false), 0);
	assert_string_equal(o->path(h), "moved2");
	/* with replace onto an existing file */
	assert_int_equal(o->rename(h, "b", true), 0);
	assert_string_equal(o->path(h), "b");
	assert_string_equal(get_file(in_share(f, "b")), "AAA");
	assert_false(exists(in_share(f, "moved2")));
	assert_int_equal(o->unlink(h), 0);
	assert_false(exists(in_share(f, "b")));
	o->close(h);

	/* a directory: moved with its content; never onto a directory */
	put_file(in_share(f, "dir/inner"), "I");
	assert_int_equal(vopen(s, "dir", FILE_OPEN, true, false, false, false, &h, NULL), 0);
	assert_int_equal(o->rename(h, "dir2", true), STATUS_ACCESS_DENIED);
	assert_int_equal(o->rename(h, "dir2", false), STATUS_OBJECT_NAME_COLLISION);
	assert_int_equal(o->rename(h, "dir2/dir", false), 0);
	assert_string_equal(get_file(in_share(f, "dir2/dir/inner")), "I");
	/* into itself */
	assert_int_not_equal(o->rename(h, "dir2/dir/self", false), 0);
	o->close(h);

	assert_int_equal(vopen(s, "", FILE_OPEN, true, false, false, false, &h, NULL), 0);
	assert_int_equal(o->rename(h, "newroot", false), STATUS_ACCESS_DENIED);
	o->close(h);
}

/* ---- read-only shares ---- */

static void test_read_only_share(void **state)
{
	struct fixture *f = *state;
	put_file(in_share(f, "file"), "keep");
	assert_int_equal(mkdir(in_share(f, "dir"), 0755), 0);
	put_file(in_share(f, "dir/inner"), "inner");
	struct stat before, after;
	assert_int_equal(stat(in_share(f, "file"), &before), 0);

	char err[128];
	struct vfs_share *s = vfs_posix_share_open(f->root, true, err, sizeof(err));
	assert_non_null(s);
	assert_true(s->read_only);
	const struct vfs_ops *o = s->ops;
	struct vfs_handle *h = NULL;

	static const uint32_t creating[] = { FILE_CREATE, FILE_OPEN_IF, FILE_OVERWRITE_IF,
					     FILE_SUPERSEDE };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(vopen(s, "new", creating[i], false, false, true, false, &h, NULL),
				 STATUS_ACCESS_DENIED);
		bool mk = creating[i] == FILE_CREATE || creating[i] == FILE_OPEN_IF;
		assert_int_equal(vopen(s, "newdir", creating[i], mk, false, false, false, &h, NULL),
				 STATUS_ACCESS_DENIED);
	}
	assert_false(exists(in_share(f, "new")));
	assert_false(exists(in_share(f, "newdir")));
	assert_int_equal(vopen(s, "file", FILE_OPEN, false, false, true, true, &h, NULL),
			 STATUS_ACCESS_DENIED);
	assert_int_equal(vopen(s, "file", FILE_OVERWRITE, false, false, true, false, &h, NULL),
			 STATUS_ACCESS_DENIED);
	assert_int_equal(vopen(s, "file", FILE_SUPERSEDE, false, false, true, false, &h, NULL),
			 STATUS_ACCESS_DENIED);
	assert_int_equal(vopen(s, "dir", FILE_OPEN, true, false, true, true, &h, NULL),
			 STATUS_ACCESS_DENIED);
	assert_int_equal(vopen(s, "file", FILE_CREATE, false, false, true, false, &h, NULL),
			 STATUS_OBJECT_NAME_COLLISION);

	/* reading works, every modifying call is refused */
	char buf[16];
	size_t done;
	assert_int_equal(vopen(s, "file", FILE_OPEN_IF, false, false, true, false, &h, NULL), 0);
	assert_int_equal(o->pread(h, buf, sizeof(buf), 0, &done), 0);
	assert_int_equal(done, 4);
	assert_int_equal(o->pwrite(h, "x", 1, 0, false), STATUS_ACCESS_DENIED);
	assert_int_equal(o->pwrite(h, "x", 1, 0, true), STATUS_ACCESS_DENIED);
	assert_int_equal(o->truncate(h, 0), STATUS_ACCESS_DENIED);
	assert_int_equal(o->allocate(h, 4096), STATUS_ACCESS_DENIED);
	struct vfs_times t = { .write_time = 116444736000000000ULL, .access_time = 1 };
	assert_int_equal(o->set_times(h, &t), STATUS_ACCESS_DENIED);
	assert_int_equal(o->set_attributes(h, FILE_ATTRIBUTE_HIDDEN), STATUS_ACCESS_DENIED);
	assert_int_equal(o->unlink(h), STATUS_ACCESS_DENIED);
	assert_int_equal(o->rename(h, "renamed", false), STATUS_ACCESS_DENIED);
	assert_int_equal(o->rename(h, "renamed", true), STATUS_ACCESS_DENIED);
	assert_int_equal(o->flush(h), 0);
	o->close(h);

	assert_int_equal(vopen(s, "dir", FILE_OPEN, true, false, true, false, &h, NULL), 0);
	assert_int_equal(o->unlink(h), STATUS_ACCESS_DENIED);
	assert_int_equal(o->rename(h, "dir3", false), STATUS_ACCESS_DENIED);
	struct vfs_dirent *d;
	size_t count;
	assert_int_equal(o->readdir(h, &d, &count, 10), 0);
	assert_int_equal(count, 1);
	vfs_dirents_free(d, count);
	o->close(h);
	s->ops->share_close(s);

	assert_string_equal(get_file(in_share(f, "file")), "keep");
	assert_string_equal(get_file(in_share(f, "dir/inner")), "inner");
	assert_int_equal(stat(in_share(f, "file"), &after), 0);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	assert_int_equal(after.st_mode, before.st_mode);
	assert_false(exists(in_share(f, "renamed")));
}

static void test_share_open_errors(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	assert_null(vfs_posix_share_open(in_share(f, "missing"), false, err, sizeof(err)));
	assert_non_null(strstr(err, "missing"));
	put_file(in_share(f, "plain"), "");
	assert_null(vfs_posix_share_open(in_share(f, "plain"), false, err, sizeof(err)));
	assert_null(vfs_posix_share_open(in_share(f, "plain"), false, NULL, 0));

	struct vfs_statfs sf;
	assert_int_equal(f->s->ops->statfs(f->s, &sf), 0);
	assert_true(sf.block_size > 0);
	assert_true(sf.total_blocks > 0);
	assert_true(sf.max_name_len >= 255);
	assert_string_equal(f->s->ops->name, "posix");
}

/* Without read permission (as an unprivileged user): an attributes-only
 * open falls back to O_PATH, a data open is refused. */
static void test_attributes_only_fallback(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip();
	put_file(in_share(f, "secret"), "12345");
	assert_int_equal(chmod(in_share(f, "secret"), 0), 0);
	assert_int_equal(mkdir(in_share(f, "closed"), 0), 0);
	assert_int_equal(chmod(f->top, 0755), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad = 0;
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(90);
		struct vfs_share *s = vfs_posix_share_open(f->root, false, NULL, 0);
		if (!s)
			_exit(91);
		struct vfs_open_args a = { .path = "secret", .disposition = FILE_OPEN };
		struct vfs_handle *h = NULL;
		struct vfs_stat vs;
		uint32_t act;
		if (s->ops->open(s, &a, &h, &act) || s->ops->fstat(h, &vs) || vs.size != 5 ||
		    !(vs.attributes & FILE_ATTRIBUTE_READONLY))
			bad |= 1;
		if (h) {
			size_t done;
			char c;
			if (s->ops->pread(h, &c, 1, 0, &done) == 0 || s->ops->flush(h) != 0)
				bad |= 2;
			s->ops->close(h);
		}
		h = NULL;
		a.read = true;
		if (s->ops->open(s, &a, &h, &act) != STATUS_ACCESS_DENIED || h)
			bad |= 4;
		a.read = false;
		a.path = "closed";
		a.directory = true;
		if (s->ops->open(s, &a, &h, &act) || !h)
			bad |= 8;
		else
			s->ops->close(h);
		s->ops->share_close(s);
		_exit(bad);
	}
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 0);
}

static void test_errno_map(void **state)
{
	(void)state;
	static const struct {
		int e;
		NTSTATUS st;
	} t[] = {
		{ 0, STATUS_SUCCESS },
		{ ENOENT, STATUS_OBJECT_NAME_NOT_FOUND },
		{ ENOTDIR, STATUS_OBJECT_PATH_NOT_FOUND },
		{ EEXIST, STATUS_OBJECT_NAME_COLLISION },
		{ EACCES, STATUS_ACCESS_DENIED },
		{ EPERM, STATUS_ACCESS_DENIED },
		{ EXDEV, STATUS_ACCESS_DENIED },
		{ EISDIR, STATUS_FILE_IS_A_DIRECTORY },
		{ ENOTEMPTY, STATUS_DIRECTORY_NOT_EMPTY },
		{ ENOSPC, STATUS_DISK_FULL },
		{ EDQUOT, STATUS_DISK_FULL },
		{ EFBIG, STATUS_DISK_FULL },
		{ EROFS, STATUS_MEDIA_WRITE_PROTECTED },
		{ ENAMETOOLONG, STATUS_OBJECT_NAME_INVALID },
		{ ELOOP, STATUS_OBJECT_NAME_NOT_FOUND },
		{ EMFILE, STATUS_TOO_MANY_OPENED_FILES },
		{ ENFILE, STATUS_TOO_MANY_OPENED_FILES },
		{ EINVAL, STATUS_INVALID_PARAMETER },
		{ ENOMEM, STATUS_NO_MEMORY },
		{ EBADF, STATUS_INVALID_HANDLE },
		{ ETXTBSY, STATUS_SHARING_VIOLATION },
		{ EIO, STATUS_UNSUCCESSFUL },
		{ 12345, STATUS_UNSUCCESSFUL },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (vfs_errno_to_status(t[i].e) != t[i].st)
			fail_msg("errno %d -> 0x%08x", t[i].e, vfs_errno_to_status(t[i].e));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_rw, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_file_dispositions_missing),
		T(test_file_dispositions_existing),
		T(test_dir_dispositions),
		T(test_missing_parent),
		T(test_new_file_mode),
		T(test_io_round_trip),
		T(test_readdir),
		T(test_unlink),
		T(test_rename),
		T(test_read_only_share),
		T(test_share_open_errors),
		T(test_attributes_only_fallback),
		cmocka_unit_test(test_errno_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
