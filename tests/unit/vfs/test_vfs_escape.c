/* posix backend: nothing outside the share root is ever opened, created,
 * written or renamed into, whatever symlinks or races the share holds. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "vfs_test.h"

/* outside/secret.txt plus links from the share to it. */
static void plant_links(struct fixture *f)
{
	char target[PATH_MAX];
	put_file(in_share(f, "../outside/secret.txt"), "secret");
	assert_int_equal(symlink("../outside", in_share(f, "evil_dir")), 0);
	assert_int_equal(symlink("../outside/secret.txt", in_share(f, "evil_file")), 0);
	assert_int_equal(symlink(f->out, in_share(f, "abs_dir")), 0);
	snprintf(target, sizeof(target), "%s/secret.txt", f->out);
	assert_int_equal(symlink(target, in_share(f, "abs_file")), 0);
	assert_int_equal(symlink("../outside/made.txt", in_share(f, "dangling")), 0);
	assert_int_equal(mkdir(in_share(f, "a"), 0755), 0);
	assert_int_equal(symlink("../../outside", in_share(f, "a/up2")), 0);
}

static void outside_untouched(struct fixture *f)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/secret.txt", f->out);
	assert_string_equal(get_file(p), "secret");
	DIR *d = opendir(f->out);
	assert_non_null(d);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	assert_int_equal(n, 1); /* nothing was created there */
}

static void test_symlinks_out(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	plant_links(f);
	static const char *const through[] = {
		"evil_dir/secret.txt", "evil_file", "abs_dir/secret.txt", "abs_file",
		"a/up2/secret.txt",
	};
	static const uint32_t disps[] = { FILE_OPEN, FILE_OPEN_IF, FILE_OVERWRITE,
					  FILE_OVERWRITE_IF, FILE_SUPERSEDE, FILE_CREATE };
	for (size_t i = 0; i < sizeof(through) / sizeof(through[0]); i++) {
		for (size_t j = 0; j < sizeof(disps) / sizeof(disps[0]); j++) {
			struct vfs_handle *h = NULL;
			NTSTATUS st = vopen(s, through[i], disps[j], false, false, true, true, &h,
					    NULL);
			/* also FILE_CREATE on a name that is such a link:
			 * the lookup of what it names is refused first */
			if (st != STATUS_ACCESS_DENIED)
				fail_msg("%s disp %u: 0x%08x", through[i], disps[j], st);
		}
		/* attributes only, and as a directory */
		struct vfs_handle *h = NULL;
		assert_int_equal(vopen(s, through[i], FILE_OPEN, false, false, false, false, &h,
				       NULL), STATUS_ACCESS_DENIED);
	}
	/* creating through a link to a directory outside */
	static const char *const create[] = { "evil_dir/new.txt", "abs_dir/new.txt",
					      "a/up2/new.txt", "dangling" };
	for (size_t i = 0; i < 4; i++) {
		expect_open(s, create[i], FILE_CREATE, false, false, STATUS_ACCESS_DENIED, 0);
		expect_open(s, create[i], FILE_OPEN_IF, false, false, STATUS_ACCESS_DENIED, 0);
		expect_open(s, create[i], FILE_OVERWRITE_IF, false, false, STATUS_ACCESS_DENIED, 0);
		expect_open(s, create[i], FILE_OPEN_IF, true, false, STATUS_ACCESS_DENIED, 0);
	}
	expect_open(s, "evil_dir", FILE_OPEN, true, false, STATUS_ACCESS_DENIED, 0);
	expect_open(s, "evil_dir/sub", FILE_CREATE, true, false, STATUS_ACCESS_DENIED, 0);

	/* rename into them */
	struct vfs_handle *h = NULL;
	put_file(in_share(f, "mine"), "mine");
	assert_int_equal(vopen(s, "mine", FILE_OPEN, false, false, true, true, &h, NULL), 0);
	assert_int_equal(s->ops->rename(h, "evil_dir/mine", false), STATUS_ACCESS_DENIED);
	assert_int_equal(s->ops->rename(h, "abs_dir/mine", true), STATUS_ACCESS_DENIED);
	assert_int_equal(s->ops->rename(h, "a/up2/mine", true), STATUS_ACCESS_DENIED);
	assert_string_equal(s->ops->path(h), "mine");
	/* replacing the link itself is fine: it replaces the link, not its target */
	assert_int_equal(s->ops->rename(h, "evil_file", true), 0);
	assert_string_equal(get_file(in_share(f, "evil_file")), "mine");
	s->ops->close(h);

	/* a listing shows the links themselves, never what is outside */
	struct stat out_sb;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/secret.txt", f->out);
	assert_int_equal(stat(p, &out_sb), 0);
	assert_int_equal(vopen(s, "", FILE_OPEN, true, false, true, false, &h, NULL), 0);
	struct vfs_dirent *d;
	size_t n;
	assert_int_equal(s->ops->readdir(h, &d, &n, 100), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(d[i].st.file_id, out_sb.st_ino);
		if (!strcmp(d[i].name, "evil_dir") || !strcmp(d[i].name, "abs_dir"))
			assert_false(d[i].st.is_dir);
	}
	vfs_dirents_free(d, n);
	s->ops->close(h);
	outside_untouched(f);
}

static void test_symlinks_inside(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	assert_int_equal(mkdir(in_share(f, "real"), 0755), 0);
	put_file(in_share(f, "real/data.txt"), "data");
	assert_int_equal(symlink("real", in_share(f, "good")), 0);
	assert_int_equal(symlink("real/data.txt", in_share(f, "goodf")), 0);
	assert_int_equal(mkdir(in_share(f, "sub"), 0755), 0);
	assert_int_equal(symlink("../real", in_share(f, "sub/up")), 0);
	assert_int_equal(symlink("loop", in_share(f, "loop")), 0);

	static const char *const paths[] = { "good/data.txt", "goodf", "sub/up/data.txt" };
	for (int i = 0; i < 3; i++) {
		struct vfs_handle *h = NULL;
		char buf[8];
		size_t done;
		assert_int_equal(vopen(s, paths[i], FILE_OPEN, false, true, true, true, &h, NULL), 0);
		assert_int_equal(s->ops->pread(h, buf, sizeof(buf), 0, &done), 0);
		assert_int_equal(done, 4);
		assert_memory_equal(buf, "data", 4);
		s->ops->close(h);
	}
	expect_open(s, "good", FILE_OPEN, true, false, STATUS_SUCCESS, FILE_OPENED);
	expect_open(s, "sub/up", FILE_OPEN, true, false, STATUS_SUCCESS, FILE_OPENED);
	expect_open(s, "good/new.txt", FILE_CREATE, false, false, STATUS_SUCCESS, FILE_CREATED);
	assert_true(exists(in_share(f, "real/new.txt")));
	expect_open(s, "loop", FILE_OPEN, false, false, STATUS_OBJECT_NAME_NOT_FOUND, 0);

	/* listing: a link that stays inside shows its target */
	struct vfs_handle *h = NULL;
	struct vfs_dirent *d;
	size_t n;
	assert_int_equal(vopen(s, "", FILE_OPEN, true, false, true, false, &h, NULL), 0);
	assert_int_equal(s->ops->readdir(h, &d, &n, 100), 0);
	bool seen = false;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(d[i].name, "good")) {
			assert_true(d[i].st.is_dir);
			seen = true;
		}
	assert_true(seen);
	vfs_dirents_free(d, n);
	s->ops->close(h);

	/* unlinking through a link removes the link, not its target */
	assert_int_equal(vopen(s, "good", FILE_OPEN, true, false, false, false, &h, NULL), 0);
	assert_int_equal(s->ops->unlink(h), 0);
	s->ops->close(h);
	assert_false(exists(in_share(f, "good")));
	assert_string_equal(get_file(in_share(f, "real/data.txt")), "data");
}

/* The server never passes these, but the backend refuses them anyway. */
static void test_dotdot_and_absolute(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	put_file(in_share(f, "../outside/secret.txt"), "secret");
	assert_int_equal(mkdir(in_share(f, "a"), 0755), 0);
	char abs[PATH_MAX];
	snprintf(abs, sizeof(abs), "%s/secret.txt", f->out);
	const char *bad[] = { "../outside/secret.txt", "a/../../outside/secret.txt", abs,
			      "a/../../outside/new.txt", "../outside/new", "/tmp" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (uint32_t disp = FILE_SUPERSEDE; disp <= FILE_OVERWRITE_IF; disp++)
			expect_open(s, bad[i], disp, false, false, STATUS_ACCESS_DENIED, 0);
		expect_open(s, bad[i], FILE_OPEN_IF, true, false, STATUS_ACCESS_DENIED, 0);
	}
	/* ".." that stays inside is resolved by openat2 and allowed */
	put_file(in_share(f, "x"), "x");
	expect_open(s, "a/../x", FILE_OPEN, false, false, STATUS_SUCCESS, FILE_OPENED);

	struct vfs_handle *h = NULL;
	assert_int_equal(vopen(s, "x", FILE_OPEN, false, false, true, true, &h, NULL), 0);
	assert_int_equal(s->ops->rename(h, "../outside/x", false), STATUS_ACCESS_DENIED);
	assert_int_equal(s->ops->rename(h, "a/../../outside/x", true), STATUS_ACCESS_DENIED);
	assert_int_equal(s->ops->rename(h, abs, true), STATUS_ACCESS_DENIED);
	assert_int_not_equal(s->ops->rename(h, "a/..", true), 0);
	assert_int_not_equal(s->ops->rename(h, "..", true), 0);
	s->ops->close(h);
	assert_true(exists(in_share(f, "x")));
	outside_untouched(f);
}

/* A thread keeps swapping share/dir (a real directory) with a symlink to
 * the outside directory while opens of "dir/file" run: none may ever land
 * on the outside file. */
struct swapper {
	struct fixture *f;
	atomic_bool stop;
	unsigned long swaps;
};

static void *swap_loop(void *arg)
{
	struct swapper *sw = arg;
	char a[PATH_MAX], b[PATH_MAX];
	snprintf(a, sizeof(a), "%s/dir", sw->f->root);
	snprintf(b, sizeof(b), "%s/link", sw->f->root);
	uint32_t x = 2463534242u;
	while (!atomic_load(&sw->stop)) {
		if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0)
			sw->swaps++;
		/* Hold each state for a varying while, from nothing up to a
		 * few opens' worth, so that opens meet every phase. */
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		for (volatile uint32_t spin = x % 20000; spin; spin--)
			;
	}
	return NULL;
}

static void test_swap_race(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	char p[PATH_MAX];
	struct stat out_sb;
	snprintf(p, sizeof(p), "%s/file", f->out);
	put_file(p, "outside");
	assert_int_equal(stat(p, &out_sb), 0);
	assert_int_equal(mkdir(in_share(f, "dir"), 0755), 0);
	put_file(in_share(f, "dir/file"), "inside");
	assert_int_equal(symlink("../outside", in_share(f, "link")), 0);

	struct swapper sw = { .f = f };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, swap_loop, &sw), 0);
	int ok = 0, denied = 0, other = 0, i;
	/* 2000 opens, and on until some landed inside (the swapper may be
	 * slow to get a CPU); none may ever land outside. */
	for (i = 0; i < 2000 || (ok == 0 && i < 1000000); i++) {
		/* alternate a read open and a truncating write open */
		bool wr = i % 2;
		struct vfs_handle *h = NULL;
		NTSTATUS st = vopen(s, "dir/file", wr ? FILE_OVERWRITE_IF : FILE_OPEN, false, true,
				    true, wr, &h, NULL);
		if (st == STATUS_SUCCESS) {
			struct vfs_stat vs;
			assert_int_equal(s->ops->fstat(h, &vs), 0);
			if (vs.file_id == out_sb.st_ino && vs.dev == out_sb.st_dev)
				fail_msg("open %d landed outside the share", i);
			if (wr)
				assert_int_equal(s->ops->pwrite(h, "inside", 6, 0, false), 0);
			s->ops->close(h);
			ok++;
		} else if (st == STATUS_ACCESS_DENIED) {
			denied++;
		} else {
			other++; /* e.g. not found while a rename is in flight */
		}
	}
	atomic_store(&sw.stop, true);
	pthread_join(t, NULL);
	print_message("swap race: %d opens: %d inside, %d denied, %d other; %lu swaps\n", i,
		      ok, denied, other, sw.swaps);
	assert_true(ok > 0);
	assert_string_equal(get_file(p), "outside");
	assert_int_equal(stat(p, &out_sb), 0);
	assert_int_equal(out_sb.st_nlink, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_rw, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_symlinks_out),
		T(test_symlinks_inside),
		T(test_dotdot_and_absolute),
		T(test_swap_race),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
