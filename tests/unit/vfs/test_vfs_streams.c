/* Named streams and EAs of the posix backend (xattr_streams.c): create,
 * open without case, read/write/truncate, size limits, rename, delete,
 * listing, overwrite dropping streams, streams of directories, EAs and
 * their EaSize, the ChangeTime kept in the DOS attribute xattr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vfs_test.h"

static NTSTATUS sopen(struct vfs_share *s, const char *path, const char *stream, uint32_t disp,
		      struct vfs_handle **h, uint32_t *action)
{
	struct vfs_open_args a = { .path = path, .stream = stream, .disposition = disp,
				   .read = true, .write = true };
	uint32_t act;
	*h = NULL;
	return s->ops->open(s, &a, h, action ? action : &act);
}

static void test_stream_io(void **state)
{
	struct fixture *f = *state;
	const struct vfs_ops *ops = f->s->ops;
	struct vfs_handle *h, *b;
	uint32_t action;
	/* Opening a missing stream of a missing file. */
	assert_int_equal(sopen(f->s, "f.txt", "s1", FILE_OPEN, &h, NULL),
			 STATUS_OBJECT_NAME_NOT_FOUND);
	assert_false(exists(in_share(f, "f.txt")));
	/* Creating it creates the file as well. */
	assert_int_equal(sopen(f->s, "f.txt", "Stream One", FILE_CREATE, &h, &action), 0);
	assert_int_equal(action, FILE_CREATED);
	assert_true(exists(in_share(f, "f.txt")));
	assert_int_equal(ops->pwrite(h, "test data", 9, 0, false), 0);
	assert_int_equal(ops->pwrite(h, "MORE", 4, 5, true), 0);
	struct vfs_stat st;
	assert_int_equal(ops->fstat(h, &st), 0);
	assert_int_equal(st.size, 9);
	assert_false(st.is_dir);
	char buf[32] = "";
	size_t done;
	assert_int_equal(ops->pread(h, buf, sizeof(buf), 0, &done), 0);
	assert_int_equal(done, 9);
	assert_memory_equal(buf, "test MORE", 9);
	assert_int_equal(ops->pread(h, buf, 4, 7, &done), 0);
	assert_int_equal(done, 2);
	assert_int_equal(ops->pread(h, buf, 4, 9, &done), 0);
	assert_int_equal(done, 0);
	/* Past the end leaves zeros; truncate both ways. */
	assert_int_equal(ops->pwrite(h, "z", 1, 12, false), 0);
	assert_int_equal(ops->pread(h, buf, sizeof(buf), 0, &done), 0);
	assert_int_equal(done, 13);
	assert_memory_equal(buf + 9, "\0\0\0z", 4);
	assert_int_equal(ops->truncate(h, 4), 0);
	assert_int_equal(ops->fstat(h, &st), 0);
	assert_int_equal(st.size, 4);
	/* The file's own data is untouched. */
	assert_string_equal(get_file(in_share(f, "f.txt")), "");
	ops->close(h);
	/* Names compare without case; CREATE of an existing stream collides. */
	assert_int_equal(sopen(f->s, "f.txt", "STREAM ONE", FILE_OPEN, &h, &action), 0);
	assert_int_equal(action, FILE_OPENED);
	ops->close(h);
	assert_int_equal(sopen(f->s, "f.txt", "stream one", FILE_CREATE, &h, NULL),
			 STATUS_OBJECT_NAME_COLLISION);
	/* Overwrite empties the stream. */
	assert_int_equal(sopen(f->s, "f.txt", "stream one", FILE_OVERWRITE, &h, &action), 0);
	assert_int_equal(action, FILE_OVERWRITTEN);
	assert_int_equal(ops->fstat(h, &st), 0);
	assert_int_equal(st.size, 0);
	/* Past the limit: disk full, and nothing changed. */
	static char big[VFS_STREAM_MAX + 1];
	assert_int_equal(ops->pwrite(h, big, sizeof(big), 0, false), STATUS_DISK_FULL);
	assert_int_equal(ops->pwrite(h, "x", 1, VFS_STREAM_MAX, false), STATUS_DISK_FULL);
	assert_int_equal(ops->truncate(h, (uint64_t)VFS_STREAM_MAX + 1), STATUS_DISK_FULL);
	assert_int_equal(ops->fstat(h, &st), 0);
	assert_int_equal(st.size, 0);
	ops->close(h);
	/* The file itself lists its streams. */
	assert_int_equal(vopen(f->s, "f.txt", FILE_OPEN, false, false, true, true, &b, NULL), 0);
	struct vfs_stream_info *v;
	size_t n;
	assert_int_equal(ops->list_streams(b, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, "Stream One");
	vfs_streams_free(v, n);
	/* Dropping them (overwrite of the file). */
	assert_int_equal(ops->drop_streams(b), 0);
	assert_int_equal(ops->list_streams(b, &v, &n), 0);
	assert_int_equal(n, 0);
	vfs_streams_free(v, n);
	ops->close(b);
}

static void test_stream_rename_delete(void **state)
{
	struct fixture *f = *state;
	const struct vfs_ops *ops = f->s->ops;
	struct vfs_handle *a, *b;
	put_file(in_share(f, "g"), "data");
	assert_int_equal(sopen(f->s, "g", "one", FILE_CREATE, &a, NULL), 0);
	assert_int_equal(ops->pwrite(a, "1111", 4, 0, false), 0);
	assert_int_equal(sopen(f->s, "g", "two", FILE_CREATE, &b, NULL), 0);
	assert_int_equal(ops->pwrite(b, "22", 2, 0, false), 0);
	ops->close(b);
	/* Onto an existing stream: only with replace. */
	assert_int_equal(ops->rename_stream(a, "TWO", false), STATUS_OBJECT_NAME_COLLISION);
	assert_int_equal(ops->rename_stream(a, "three", false), 0);
	assert_int_equal(ops->rename_stream(a, "THREE", false), 0); /* itself */
	assert_int_equal(ops->rename_stream(a, "two", true), 0);
	char buf[8];
	size_t done;
	assert_int_equal(ops->pread(a, buf, sizeof(buf), 0, &done), 0);
	assert_int_equal(done, 4);
	struct vfs_stream_info *v;
	size_t n;
	assert_int_equal(ops->list_streams(a, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, "two");
	assert_int_equal(v[0].size, 4);
	vfs_streams_free(v, n);
	/* A file handle cannot rename a stream; a stream handle no file. */
	struct vfs_handle *fh;
	assert_int_equal(vopen(f->s, "g", FILE_OPEN, false, false, true, true, &fh, NULL), 0);
	assert_int_equal(ops->rename_stream(fh, "x", false), STATUS_INVALID_PARAMETER);
	assert_int_equal(ops->rename(a, "h", false), STATUS_INVALID_PARAMETER);
	/* Unlink of a stream handle removes the stream, not the file. */
	assert_int_equal(ops->unlink(a), 0);
	assert_true(exists(in_share(f, "g")));
	assert_string_equal(get_file(in_share(f, "g")), "data");
	assert_int_equal(sopen(f->s, "g", "two", FILE_OPEN, &b, NULL), STATUS_OBJECT_NAME_NOT_FOUND);
	ops->close(a);
	ops->close(fh);
	/* A failed stream create does not leave a new file behind. */
	assert_int_equal(sopen(f->s, "new", "s", FILE_OVERWRITE, &a, NULL),
			 STATUS_OBJECT_NAME_NOT_FOUND);
	assert_false(exists(in_share(f, "new")));
}

static void test_stream_of_directory(void **state)
{
	struct fixture *f = *state;
	const struct vfs_ops *ops = f->s->ops;
	struct vfs_handle *h;
	assert_int_equal(mkdir(in_share(f, "d"), 0755), 0);
	struct vfs_open_args a = { .path = "d", .stream = "s", .disposition = FILE_CREATE,
				   .directory = true };
	uint32_t action;
	assert_int_equal(f->s->ops->open(f->s, &a, &h, &action), STATUS_NOT_A_DIRECTORY);
	assert_int_equal(sopen(f->s, "d", "s", FILE_CREATE, &h, NULL), 0);
	struct vfs_stat st;
	assert_int_equal(ops->fstat(h, &st), 0);
	assert_false(st.is_dir);
	assert_false(st.attributes & FILE_ATTRIBUTE_DIRECTORY);
	assert_int_equal(ops->pwrite(h, "abc", 3, 0, false), 0);
	ops->close(h);
}

static void test_read_only_share(void **state)
{
	struct fixture *f = *state;
	put_file(in_share(f, "r"), "x");
	struct vfs_handle *h;
	assert_int_equal(sopen(f->s, "r", "s", FILE_CREATE, &h, NULL), 0);
	f->s->ops->close(h);
	f->s->read_only = true;
	struct vfs_open_args a = { .path = "r", .stream = "t", .disposition = FILE_OPEN_IF,
				   .read = true };
	uint32_t action;
	assert_int_equal(f->s->ops->open(f->s, &a, &h, &action), STATUS_ACCESS_DENIED);
	a.stream = "S";
	a.disposition = FILE_OPEN;
	assert_int_equal(f->s->ops->open(f->s, &a, &h, &action), 0);
	assert_int_equal(f->s->ops->unlink(h), STATUS_ACCESS_DENIED);
	f->s->ops->close(h);
	f->s->read_only = false;
}

static void test_eas(void **state)
{
	struct fixture *f = *state;
	const struct vfs_ops *ops = f->s->ops;
	struct vfs_handle *h;
	put_file(in_share(f, "e"), "x");
	assert_int_equal(vopen(f->s, "e", FILE_OPEN, false, false, true, true, &h, NULL), 0);
	struct vfs_stat st;
	assert_int_equal(ops->fstat(h, &st), 0);
	assert_int_equal(st.ea_size, 0);
	assert_int_equal(ops->set_ea(h, "EAONE", "VALUE1", 6), 0);
	assert_int_equal(ops->set_ea(h, "SECONDEA", "ValueTwo", 8), 0);
	struct vfs_ea *v;
	size_t n;
	assert_int_equal(ops->get_eas(h, &v, &n), 0);
	assert_int_equal(n, 2);
	size_t nl[2], vl[2];
	for (size_t i = 0; i < n; i++) {
		nl[i] = strlen(v[i].name);
		vl[i] = v[i].len;
		if (!strcmp(v[i].name, "EAONE"))
			assert_memory_equal(v[i].value, "VALUE1", 6);
		else
			assert_string_equal(v[i].name, "SECONDEA");
	}
	vfs_eas_free(v, n);
	/* EaSize: the FILE_FULL_EA_INFORMATION list: 20 -> 20 padded, 25. */
	assert_int_equal(vfs_ea_list_size(nl, vl, 2), 45);
	assert_int_equal(ops->fstat(h, &st), 0);
	assert_int_equal(st.ea_size, 45);
	/* And in a directory listing. */
	struct vfs_handle *d;
	assert_int_equal(vopen(f->s, "", FILE_OPEN, true, false, true, false, &d, NULL), 0);
	struct vfs_dirent *ents;
	assert_int_equal(ops->readdir(d, &ents, &n, 100), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ents[0].st.ea_size, 45);
	vfs_dirents_free(ents, n);
	ops->close(d);
	/* A stream handle sees the file's EAs. */
	struct vfs_handle *s;
	assert_int_equal(sopen(f->s, "e", "s", FILE_CREATE, &s, NULL), 0);
	assert_int_equal(ops->fstat(s, &st), 0);
	assert_int_equal(st.ea_size, 45);
	ops->close(s);
	/* Empty value removes; removing a missing one is fine. */
	assert_int_equal(ops->set_ea(h, "EAONE", NULL, 0), 0);
	assert_int_equal(ops->set_ea(h, "EAONE", NULL, 0), 0);
	assert_int_equal(ops->get_eas(h, &v, &n), 0);
	assert_int_equal(n, 1);
	vfs_eas_free(v, n);
	/* Names longer than an xattr name can hold. */
	char longname[VFS_EA_NAME_MAX + 2];
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	assert_int_equal(ops->set_ea(h, longname, "v", 1), STATUS_OBJECT_NAME_INVALID);
	ops->close(h);
}

static void test_change_time(void **state)
{
	struct fixture *f = *state;
	const struct vfs_ops *ops = f->s->ops;
	struct vfs_handle *h;
	put_file(in_share(f, "t"), "x");
	assert_int_equal(vopen(f->s, "t", FILE_OPEN, false, false, true, true, &h, NULL), 0);
	const uint64_t wt = 132000000000000000ull, ct = 131000000000000000ull;
	struct vfs_times t = { .write_time = wt, .change_time = ct };
	assert_int_equal(ops->set_times(h, &t), 0);
	struct vfs_stat st;
	assert_int_equal(ops->fstat(h, &st), 0);
	assert_int_equal(st.write_time, wt);
	assert_int_equal(st.change_time, ct);
	/* A write moves mtime: the stored change time no longer holds. */
	assert_int_equal(ops->pwrite(h, "y", 1, 0, false), 0);
	assert_int_equal(ops->fstat(h, &st), 0);
	assert_true(st.change_time > wt);
	ops->close(h);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_rw, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_stream_io),
		T(test_stream_rename_delete),
		T(test_stream_of_directory),
		T(test_read_only_share),
		T(test_eas),
		T(test_change_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
