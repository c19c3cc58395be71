/* Byte-range lock logic (server/lock.h): ranges up to 2^64, zero-length
 * locks, conflicts between owners and kinds, unlock order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/lock.h"

static const int owner_a, owner_b;
#define A ((const void *)&owner_a)
#define B ((const void *)&owner_b)

static void test_range_valid(void **state)
{
	(void)state;
	assert_true(brl_range_valid(0, 0));
	assert_true(brl_range_valid(UINT64_MAX, 0));
	assert_true(brl_range_valid(UINT64_MAX, 1));       /* the last byte */
	assert_false(brl_range_valid(UINT64_MAX, 2));
	assert_false(brl_range_valid(UINT64_MAX, UINT64_MAX));
	assert_true(brl_range_valid(0, UINT64_MAX));
	assert_true(brl_range_valid(1, UINT64_MAX));       /* ends at 2^64 - 1 */
	assert_false(brl_range_valid(2, UINT64_MAX));
	assert_true(brl_range_valid(UINT32_MAX, UINT32_MAX));
	assert_true(brl_range_valid((uint64_t)1 << 63, (uint64_t)1 << 63));
}

static bool ov(uint64_t o1, uint64_t l1, uint64_t o2, uint64_t l2)
{
	struct srv_brl l = {NULL, A, o1, l1, true};
	return brl_overlaps(&l, o2, l2);
}

static void test_overlap(void **state)
{
	(void)state;
	assert_true(ov(0, 4, 2, 4));
	assert_false(ov(0, 4, 4, 4));                       /* adjacent */
	assert_false(ov(4, 4, 0, 4));
	assert_true(ov(UINT64_MAX, 1, UINT64_MAX, 1));
	assert_true(ov(0, UINT64_MAX, UINT64_MAX - 1, 1));
	assert_false(ov(0, UINT64_MAX, UINT64_MAX, 1));     /* byte 2^64 - 1 is outside */
	/* A zero-length lock at 10 (smbtorture smb2.lock.zerobytelength). */
	assert_false(ov(10, 0, 10, 0));
	assert_false(ov(10, 0, 9, 1));
	assert_false(ov(10, 0, 10, 1));
	assert_false(ov(10, 0, 11, 1));
	assert_true(ov(10, 0, 9, 2));
	assert_false(ov(10, 0, 10, 2));
	assert_true(ov(10, 0, 9, 3));
	/* ... and the other way round. */
	assert_false(ov(9, 1, 10, 0));
	assert_true(ov(9, 2, 10, 0));
	assert_true(ov(100, 10, 102, 0));
	/* {0, 0} overlaps nothing, not even a range starting at 0. */
	assert_false(ov(0, 0, 0, 10));
	assert_false(ov(0, 10, 0, 0));
	assert_false(ov(UINT64_MAX, 0, UINT64_MAX, 1));
}

static void test_conflicts(void **state)
{
	(void)state;
	struct srv_brl *locks = NULL;
	assert_true(brl_add(&locks, A, 0, 10, true));
	/* Another owner: everything that touches the range conflicts. */
	assert_true(brl_conflicts(locks, B, 5, 1, false, true));
	assert_true(brl_conflicts(locks, B, 5, 1, true, true));
	assert_true(brl_conflicts(locks, B, 5, 1, false, false)); /* read */
	assert_true(brl_conflicts(locks, B, 5, 1, true, false));  /* write */
	assert_false(brl_conflicts(locks, B, 10, 5, true, true));
	/* The owner reads, writes and stacks shared locks, but two exclusive
	 * locks do not stack. */
	assert_false(brl_conflicts(locks, A, 5, 1, false, false));
	assert_false(brl_conflicts(locks, A, 5, 1, true, false));
	assert_false(brl_conflicts(locks, A, 5, 1, false, true));
	assert_true(brl_conflicts(locks, A, 5, 1, true, true));
	brl_free_all(&locks);

	assert_true(brl_add(&locks, A, 0, 10, false));
	/* A shared lock: reads and shared locks pass, writes and exclusive
	 * locks do not, from its own owner either. */
	assert_false(brl_conflicts(locks, B, 0, 10, false, false));
	assert_false(brl_conflicts(locks, B, 0, 10, false, true));
	assert_true(brl_conflicts(locks, B, 0, 10, true, false));
	assert_true(brl_conflicts(locks, A, 0, 10, true, false));
	assert_true(brl_conflicts(locks, A, 0, 10, true, true));
	assert_false(brl_conflicts(locks, A, 0, 10, false, true));
	brl_free_all(&locks);
}

static void test_unlock(void **state)
{
	(void)state;
	struct srv_brl *locks = NULL;
	assert_true(brl_add(&locks, A, 10, 10, true));
	assert_true(brl_add(&locks, A, 10, 10, false));
	/* Only an exact match of the owner's ranges unlocks. */
	assert_false(brl_remove(&locks, B, 10, 10));
	assert_false(brl_remove(&locks, A, 10, 5));
	assert_false(brl_remove(&locks, A, 5, 10));
	/* The exclusive lock goes first: B may then take a shared lock. */
	assert_true(brl_remove(&locks, A, 10, 10));
	assert_false(brl_conflicts(locks, B, 5, 10, false, true));
	assert_true(brl_conflicts(locks, B, 5, 10, true, true));
	assert_true(brl_remove(&locks, A, 10, 10));
	assert_false(brl_remove(&locks, A, 10, 10));
	assert_null(locks);

	/* Zero-length locks unlock like any other. */
	assert_true(brl_add(&locks, A, 10, 0, true));
	assert_false(brl_remove(&locks, A, 10, 1));
	assert_true(brl_remove(&locks, A, 10, 0));

	/* Rolling back one grant of a failed request, and closing. */
	assert_true(brl_add(&locks, A, 0, 1, false));
	assert_true(brl_add(&locks, A, 0, 1, true));
	assert_true(brl_add(&locks, B, 5, 1, true));
	brl_remove_exact(&locks, A, 0, 1, false);
	assert_true(brl_conflicts(locks, B, 0, 1, false, true)); /* the exclusive stays */
	assert_true(brl_remove_owner(&locks, A));
	assert_false(brl_remove_owner(&locks, A));
	assert_non_null(locks);
	assert_true(brl_remove_owner(&locks, B));
	assert_null(locks);
}

/* smbtorture smb2.lock.range: locks spread over the 64-bit space. */
static void test_spread(void **state)
{
	(void)state;
	struct srv_brl *locks = NULL;
	uint64_t off = 0;
	for (int i = 0; i < 100; i++) {
		off += UINT64_MAX / 100;
		assert_false(brl_conflicts(locks, A, off - 1, 1, true, true));
		assert_true(brl_add(&locks, A, off - 1, 1, true));
		assert_false(brl_conflicts(locks, B, off - 2, 1, true, true));
		assert_true(brl_add(&locks, B, off - 2, 1, true));
	}
	off = 0;
	for (int i = 0; i < 100; i++) {
		off += UINT64_MAX / 100;
		assert_true(brl_conflicts(locks, A, off - 1, 1, true, true));
		assert_true(brl_conflicts(locks, A, off - 2, 1, true, true));
		assert_true(brl_conflicts(locks, B, off - 1, 1, true, true));
		assert_true(brl_conflicts(locks, B, off - 2, 1, true, true));
	}
	brl_free_all(&locks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_valid), cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_conflicts),   cmocka_unit_test(test_unlock),
		cmocka_unit_test(test_spread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
