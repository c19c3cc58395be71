/* AllocationSize from the posix backend's fstat: the data's extents, not
 * st_blocks, once ext4 has moved a file's xattrs (DOS attributes, ACL,
 * streams) out of the inode into a block of their own (smbtorture
 * smb2.setinfo: FileAllocationInformation 0 must read back as 0). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/xattr.h>

#include <cmocka.h>

#include "vfs_test.h"

static void test_alloc_ignores_xattr_block(void **state)
{
	struct fixture *f = *state;
	const struct vfs_ops *o = f->s->ops;
	struct vfs_handle *h = NULL;
	uint32_t act;
	assert_int_equal(vopen(f->s, "a", FILE_CREATE, false, true, true, true, &h, &act), 0);
	/* Too big for the inode: on ext4 this takes an xattr block. */
	static char big[3000];
	memset(big, 'x', sizeof(big));
	assert_int_equal(setxattr(in_share(f, "a"), "user.test.big", big, sizeof(big), 0), 0);
	struct stat sb;
	assert_int_equal(stat(in_share(f, "a"), &sb), 0);
	struct vfs_stat vs;
	assert_int_equal(o->fstat(h, &vs), 0);
	assert_int_equal(vs.size, 0);
	assert_int_equal(vs.alloc, 0);  /* whatever st_blocks says */
	/* Preallocation past the end counts, the xattr block still not. */
	assert_int_equal(o->allocate(h, 4096), 0);
	assert_int_equal(o->fstat(h, &vs), 0);
	assert_int_equal(vs.size, 0);
	assert_int_equal(vs.alloc, 4096);
	/* Data: one block. */
	assert_int_equal(o->truncate(h, 0), 0);
	assert_int_equal(o->pwrite(h, "x", 1, 0, false), 0);
	assert_int_equal(o->flush(h), 0);
	assert_int_equal(o->fstat(h, &vs), 0);
	assert_int_equal(vs.size, 1);
	assert_true(vs.alloc == 4096 || vs.alloc == 0 || vs.alloc == 1); /* 0/1: inline data */
	assert_true(vs.alloc <= (uint64_t)sb.st_blksize);
	o->close(h);
}

/* A file whose blocks all hold data reports st_blocks as before. */
static void test_alloc_plain(void **state)
{
	struct fixture *f = *state;
	const struct vfs_ops *o = f->s->ops;
	struct vfs_handle *h = NULL;
	uint32_t act;
	assert_int_equal(vopen(f->s, "b", FILE_CREATE, false, true, true, true, &h, &act), 0);
	static char data[10000];
	assert_int_equal(o->pwrite(h, data, sizeof(data), 0, true), 0);
	struct vfs_stat vs;
	struct stat sb;
	assert_int_equal(o->fstat(h, &vs), 0);
	assert_int_equal(stat(in_share(f, "b"), &sb), 0);
	assert_int_equal(vs.alloc, (uint64_t)sb.st_blocks * 512);
	o->close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alloc_ignores_xattr_block, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_plain, setup_rw, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
