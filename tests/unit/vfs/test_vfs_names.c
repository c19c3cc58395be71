/* posix backend: case-insensitive lookup, DOS attributes, times. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/xattr.h>

#include <cmocka.h>

#include "vfs_test.h"

static void expect_path(struct vfs_share *s, const char *asked, const char *real,
			const char *content)
{
	struct vfs_handle *h = NULL;
	char buf[32];
	size_t done;
	NTSTATUS st = vopen(s, asked, FILE_OPEN, false, false, true, false, &h, NULL);
	if (st)
		fail_msg("open %s: 0x%08x", asked, st);
	assert_string_equal(s->ops->path(h), real);
	if (content) {
		assert_int_equal(s->ops->pread(h, buf, sizeof(buf) - 1, 0, &done), 0);
		buf[done] = 0;
		assert_string_equal(buf, content);
	}
	s->ops->close(h);
}

static void test_case_insensitive(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	assert_false(s->case_sensitive);
	put_file(in_share(f, "Hello.TXT"), "hello");
	assert_int_equal(mkdir(in_share(f, "sub"), 0755), 0);
	put_file(in_share(f, "sub/x"), "x");
	assert_int_equal(mkdir(in_share(f, "sub/Deeper"), 0755), 0);
	put_file(in_share(f, "sub/Deeper/Äpfel"), "apples");

	expect_path(s, "Hello.TXT", "Hello.TXT", "hello");
	expect_path(s, "hello.txt", "Hello.TXT", "hello");
	expect_path(s, "HELLO.txt", "Hello.TXT", "hello");
	expect_path(s, "SUB/x", "sub/x", "x");
	expect_path(s, "SUB/X", "sub/x", "x");
	expect_path(s, "sub/deeper/äPFEL", "sub/Deeper/Äpfel", "apples");
	expect_path(s, "Sub", "sub", NULL);

	expect_open(s, "hello.txt", FILE_CREATE, false, false, STATUS_OBJECT_NAME_COLLISION, 0);
	expect_open(s, "SUB", FILE_CREATE, true, false, STATUS_OBJECT_NAME_COLLISION, 0);
	expect_open(s, "NOPE/x", FILE_OPEN, false, false, STATUS_OBJECT_PATH_NOT_FOUND, 0);
	expect_open(s, "SUB/nope", FILE_OPEN, false, false, STATUS_OBJECT_NAME_NOT_FOUND, 0);
	expect_open(s, "SUB/X/y", FILE_OPEN, false, false, STATUS_OBJECT_PATH_NOT_FOUND, 0);

	/* new names keep the client's case, in the directory's real spelling */
	expect_open(s, "NewFile.Txt", FILE_CREATE, false, false, STATUS_SUCCESS, FILE_CREATED);
	assert_true(exists(in_share(f, "NewFile.Txt")));
	expect_open(s, "SUB/NewDir", FILE_OPEN_IF, true, false, STATUS_SUCCESS, FILE_CREATED);
	assert_true(exists(in_share(f, "sub/NewDir")));
	assert_false(exists(in_share(f, "SUB")));
	expect_open(s, "newfile.txt", FILE_OPEN_IF, false, false, STATUS_SUCCESS, FILE_OPENED);

	/* a change of case only, and a rename onto another case of an
	 * existing name */
	struct vfs_handle *h = NULL;
	assert_int_equal(vopen(s, "hello.txt", FILE_OPEN, false, false, false, false, &h, NULL), 0);
	assert_int_equal(s->ops->rename(h, "HELLO.TXT", false), 0);
	assert_string_equal(s->ops->path(h), "HELLO.TXT");
	assert_true(exists(in_share(f, "HELLO.TXT")));
	assert_false(exists(in_share(f, "Hello.TXT")));
	assert_int_equal(s->ops->rename(h, "NEWFILE.TXT", false), STATUS_OBJECT_NAME_COLLISION);
	assert_int_equal(s->ops->rename(h, "Sub/moved", false), 0);
	assert_string_equal(s->ops->path(h), "sub/moved");
	s->ops->close(h);

	/* case-sensitive: no fallback */
	s->case_sensitive = true;
	expect_open(s, "newfile.txt", FILE_OPEN, false, false, STATUS_OBJECT_NAME_NOT_FOUND, 0);
	expect_open(s, "SUB/x", FILE_OPEN, false, false, STATUS_OBJECT_PATH_NOT_FOUND, 0);
	expect_open(s, "sub/x", FILE_OPEN, false, false, STATUS_SUCCESS, FILE_OPENED);
}

static bool fs_has_user_xattrs(struct fixture *f)
{
	put_file(in_share(f, ".probe"), "");
	int r = setxattr(in_share(f, ".probe"), "user.probe", "1", 1, 0);
	unlink(in_share(f, ".probe"));
	return r == 0;
}

static uint32_t attrs_of(struct vfs_share *s, struct vfs_handle *h)
{
	struct vfs_stat vs;
	assert_int_equal(s->ops->fstat(h, &vs), 0);
	return vs.attributes;
}

static uint32_t listed_attrs(struct vfs_share *s, const char *name)
{
	struct vfs_handle *h = NULL;
	struct vfs_dirent *d;
	size_t n;
	uint32_t a = 0xFFFFFFFF;
	assert_int_equal(vopen(s, "", FILE_OPEN, true, false, true, false, &h, NULL), 0);
	assert_int_equal(s->ops->readdir(h, &d, &n, 100), 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(d[i].name, name))
			a = d[i].st.attributes;
	vfs_dirents_free(d, n);
	s->ops->close(h);
	return a;
}

static void check_dos_attributes(struct fixture *f, bool xattrs)
{
	struct vfs_share *s = f->s;
	const struct vfs_ops *o = s->ops;
	struct vfs_handle *h = NULL;
	struct stat sb;
	const uint32_t HS = FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM;

	assert_int_equal(vopen(s, "f", FILE_CREATE, false, true, true, true, &h, NULL), 0);
	assert_int_equal(attrs_of(s, h), FILE_ATTRIBUTE_ARCHIVE);
	assert_int_equal(o->set_attributes(h, HS), 0);
	if (xattrs) {
		assert_int_equal(attrs_of(s, h), HS);
		assert_int_equal(listed_attrs(s, "f"), HS);
		/* NORMAL (or 0) clears: a file with nothing set is NORMAL */
		assert_int_equal(o->set_attributes(h, FILE_ATTRIBUTE_NORMAL), 0);
		assert_int_equal(attrs_of(s, h), FILE_ATTRIBUTE_NORMAL);
		assert_int_equal(o->set_attributes(h, FILE_ATTRIBUTE_READONLY |
						      FILE_ATTRIBUTE_ARCHIVE |
						      FILE_ATTRIBUTE_DIRECTORY), 0);
		assert_int_equal(attrs_of(s, h), FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_ARCHIVE);
		assert_int_equal(listed_attrs(s, "f"),
				 FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_ARCHIVE);
		assert_int_equal(stat(in_share(f, "f"), &sb), 0);
		assert_true(sb.st_mode & S_IWUSR); /* kept in the xattr only */
	} else {
		/* HIDDEN and SYSTEM are dropped silently */
		assert_int_equal(attrs_of(s, h), FILE_ATTRIBUTE_ARCHIVE);
		assert_int_equal(o->set_attributes(h, FILE_ATTRIBUTE_READONLY | HS), 0);
		assert_int_equal(attrs_of(s, h), FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_READONLY);
		assert_int_equal(listed_attrs(s, "f"),
				 FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_READONLY);
		assert_int_equal(stat(in_share(f, "f"), &sb), 0);
		assert_int_equal(sb.st_mode & 0222, 0);
	}
	/* a READONLY file refuses writable opens, also to root */
	struct vfs_handle *h2 = NULL;
	assert_int_equal(vopen(s, "f", FILE_OPEN, false, false, true, true, &h2, NULL),
			 STATUS_ACCESS_DENIED);
	assert_int_equal(vopen(s, "f", FILE_OVERWRITE_IF, false, false, true, false, &h2, NULL),
			 STATUS_ACCESS_DENIED);
	assert_int_equal(vopen(s, "f", FILE_OPEN, false, false, true, false, &h2, NULL), 0);
	o->close(h2);
	/* clearing READONLY makes the file writable again in both modes */
	assert_int_equal(o->set_attributes(h, FILE_ATTRIBUTE_ARCHIVE), 0);
	assert_int_equal(attrs_of(s, h), FILE_ATTRIBUTE_ARCHIVE);
	assert_int_equal(stat(in_share(f, "f"), &sb), 0);
	assert_true(sb.st_mode & S_IWUSR);
	assert_int_equal(vopen(s, "f", FILE_OPEN, false, false, true, true, &h2, NULL), 0);
	o->close(h2);
	o->close(h);

	/* directories */
	assert_int_equal(vopen(s, "d", FILE_CREATE, true, false, false, false, &h, NULL), 0);
	assert_int_equal(attrs_of(s, h), FILE_ATTRIBUTE_DIRECTORY);
	assert_int_equal(o->set_attributes(h, FILE_ATTRIBUTE_HIDDEN), 0);
	assert_int_equal(attrs_of(s, h), FILE_ATTRIBUTE_DIRECTORY |
					  (xattrs ? FILE_ATTRIBUTE_HIDDEN : 0));
	assert_int_equal(stat(in_share(f, "d"), &sb), 0);
	assert_true(sb.st_mode & S_IWUSR);
	o->close(h);

	/* attributes given at creation */
	struct vfs_open_args a = { .path = "created", .disposition = FILE_CREATE,
				   .write = true, .attributes = FILE_ATTRIBUTE_HIDDEN |
				   FILE_ATTRIBUTE_ARCHIVE, .allocation = 65536 };
	uint32_t action;
	assert_int_equal(o->open(s, &a, &h, &action), 0);
	assert_int_equal(attrs_of(s, h), xattrs ? FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_ARCHIVE
						: FILE_ATTRIBUTE_ARCHIVE);
	o->close(h);
	/* supersede replaces them, overwrite adds */
	a.disposition = FILE_OVERWRITE;
	a.attributes = FILE_ATTRIBUTE_SYSTEM;
	assert_int_equal(o->open(s, &a, &h, &action), 0);
	assert_int_equal(action, FILE_OVERWRITTEN);
	if (xattrs)
		assert_int_equal(attrs_of(s, h), HS | FILE_ATTRIBUTE_ARCHIVE);
	o->close(h);
	a.disposition = FILE_SUPERSEDE;
	assert_int_equal(o->open(s, &a, &h, &action), 0);
	assert_int_equal(action, FILE_SUPERSEDED);
	if (xattrs)
		assert_int_equal(attrs_of(s, h), FILE_ATTRIBUTE_SYSTEM | FILE_ATTRIBUTE_ARCHIVE);
	o->close(h);
}

/* Whichever the file system offers: xattrs, or the READONLY fallback. */
static void test_dos_attributes(void **state)
{
	struct fixture *f = *state;
	bool x = fs_has_user_xattrs(f);
	print_message("user xattrs on %s: %s\n", f->root, x ? "yes" : "no (READONLY fallback)");
	check_dos_attributes(f, x);
}

/* "store dos attributes = no": always the fallback. */
static void test_dos_attributes_not_stored(void **state)
{
	struct fixture *f = *state;
	vfs_posix_set_store_dos_attributes(f->s, false);
	check_dos_attributes(f, false);
}

static void test_dosattrib_format(void **state)
{
	(void)state;
	struct vfs_dosattrib d = { .valid = 3, .attributes = 0x22,
				   .creation_time = 0x0123456789abcdefULL }, e;
	uint8_t b[VFS_DOSATTRIB_LEN];
	vfs_dosattrib_encode(&d, b);
	assert_int_equal(b[0], 0x22);
	assert_int_equal(b[4], 3);
	assert_int_equal(b[8], 0xef);
	assert_true(vfs_dosattrib_decode(b, sizeof(b), &e));
	assert_memory_equal(&d, &e, sizeof(d));
	assert_true(vfs_dosattrib_decode("\x02\0\0\0", 4, &e));
	assert_int_equal(e.valid, VFS_DOSATTRIB_HAS_ATTRIBUTES);
	assert_int_equal(e.attributes, FILE_ATTRIBUTE_HIDDEN);
	/* Samba's "0x20" string form and its NDR blobs are not ours */
	assert_false(vfs_dosattrib_decode("0x20", 5, &e));
	assert_int_equal(e.valid, 0);
	assert_false(vfs_dosattrib_decode(b, 15, &e));
}

static void test_times(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	const struct vfs_ops *o = s->ops;
	struct vfs_handle *h = NULL;
	struct vfs_stat before, after;
	const uint64_t T1 = 132000000000000000ULL + 1234567; /* 2019, 100 ns resolution */
	const uint64_t T2 = 131000000000000000ULL;

	assert_int_equal(vopen(s, "t", FILE_CREATE, false, true, true, true, &h, NULL), 0);
	assert_int_equal(o->fstat(h, &before), 0);
	struct vfs_times t = { .write_time = T1 };
	assert_int_equal(o->set_times(h, &t), 0);
	assert_int_equal(o->fstat(h, &after), 0);
	assert_int_equal(after.write_time, T1);
	assert_int_equal(after.access_time, before.access_time); /* 0: unchanged */
	t = (struct vfs_times){ .access_time = T2, .write_time = UINT64_MAX };
	assert_int_equal(o->set_times(h, &t), 0);
	assert_int_equal(o->fstat(h, &after), 0);
	assert_int_equal(after.access_time, T2);
	assert_int_equal(after.write_time, T1); /* -1: unchanged */
	struct stat sb;
	assert_int_equal(stat(in_share(f, "t"), &sb), 0);
	assert_int_equal(sb.st_mtim.tv_sec, 1555526400 + 0); /* 132e15 -> 2019-04-17T18:40:00Z */

	t = (struct vfs_times){ .creation_time = T2 };
	assert_int_equal(o->set_times(h, &t), 0);
	assert_int_equal(o->fstat(h, &after), 0);
	if (fs_has_user_xattrs(f))
		assert_int_equal(after.creation_time, T2);
	else
		assert_int_equal(after.creation_time, before.creation_time);
	/* the creation time survives setting attributes, and vice versa */
	assert_int_equal(o->set_attributes(h, FILE_ATTRIBUTE_HIDDEN), 0);
	struct vfs_stat again;
	assert_int_equal(o->fstat(h, &again), 0);
	assert_int_equal(again.creation_time, after.creation_time);
	o->close(h);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_rw, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_case_insensitive),
		T(test_dos_attributes),
		T(test_dos_attributes_not_stored),
		T(test_times),
		cmocka_unit_test(test_dosattrib_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
