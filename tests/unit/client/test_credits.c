/* Credit and message-id accounting (MS-SMB2 3.2.4.1.5, 3.2.5.1.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "client/credits.h"

static void test_charge(void **state)
{
	struct cl_credits cr;
	cl_credits_init(&cr, 256);
	assert_int_equal(cl_credit_charge(&cr, 1 << 20), 1); /* no LARGE_MTU yet */
	cr.multi = true;
	assert_int_equal(cl_credit_charge(&cr, 0), 1);
	assert_int_equal(cl_credit_charge(&cr, 1), 1);
	assert_int_equal(cl_credit_charge(&cr, 65536), 1);
	assert_int_equal(cl_credit_charge(&cr, 65537), 2);
	assert_int_equal(cl_credit_charge(&cr, 1 << 20), 16);
	assert_int_equal(cl_credit_charge(&cr, 8u << 20), 128);
}

static void test_negotiate_then_top_up(void **state)
{
	struct cl_credits cr;
	uint64_t mid;
	uint16_t req;
	cl_credits_init(&cr, 256);
	assert_int_equal(cr.avail, 1);
	assert_int_equal(cl_credits_take(&cr, 0, &mid, &req), 0);
	assert_int_equal(mid, 0);
	assert_int_equal(req, 256); /* 1 for the charge + 255 to reach the target */
	assert_int_equal(cl_credits_take(&cr, 1, &mid, &req), -1); /* none left */
	cl_credits_grant(&cr, 1, 1, true);                         /* server gave 1 */
	assert_int_equal(cr.avail, 1);
	assert_int_equal(cr.in_flight, 0);
	assert_int_equal(cl_credits_take(&cr, 1, &mid, &req), 0);
	assert_int_equal(mid, 1);
	assert_int_equal(req, 256);
	cl_credits_grant(&cr, 256, 1, true);
	assert_int_equal(cr.avail, 256);
	/* At the target: each request only asks its charge back. */
	assert_int_equal(cl_credits_take(&cr, 1, &mid, &req), 0);
	assert_int_equal(mid, 2);
	assert_int_equal(req, 1);
}

static void test_multi_credit_ids(void **state)
{
	struct cl_credits cr;
	uint64_t mid;
	uint16_t req;
	cl_credits_init(&cr, 64);
	cr.multi = true;
	cr.avail = 64;
	cr.next_mid = 10;
	assert_int_equal(cl_credits_take(&cr, 16, &mid, &req), 0);
	assert_int_equal(mid, 10);
	assert_int_equal(req, 16);
	assert_int_equal(cr.next_mid, 26); /* a charge of 16 uses 16 ids */
	assert_int_equal(cl_credits_take(&cr, 16, &mid, &req), 0);
	assert_int_equal(mid, 26);
	assert_int_equal(cl_credits_take(&cr, 16, &mid, &req), 0);
	assert_int_equal(cl_credits_take(&cr, 16, &mid, &req), 0);
	assert_int_equal(cr.avail, 0);
	assert_int_equal(cr.in_flight, 64);
	assert_int_equal(cl_credits_take(&cr, 1, &mid, &req), -1);
	assert_int_equal(cr.next_mid, 74); /* a refused take changes nothing */
	/* An interim reply grants but keeps the request in flight. */
	cl_credits_grant(&cr, 16, 16, false);
	assert_int_equal(cr.avail, 16);
	assert_int_equal(cr.in_flight, 64);
	cl_credits_grant(&cr, 0, 16, true); /* the final reply grants nothing more */
	assert_int_equal(cr.in_flight, 48);
	cl_credits_forget(&cr, 100);       /* never underflows */
	assert_int_equal(cr.in_flight, 0);
}

static void test_request_capped(void **state)
{
	struct cl_credits cr;
	uint64_t mid;
	uint16_t req;
	cl_credits_init(&cr, 60000);
	assert_int_equal(cl_credits_take(&cr, 1, &mid, &req), 0);
	assert_int_equal(req, 8192);
	/* Above the target a request still asks at least its charge. */
	cl_credits_init(&cr, 4);
	cr.avail = 100;
	assert_int_equal(cl_credits_take(&cr, 3, &mid, &req), 0);
	assert_int_equal(req, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_charge),
		cmocka_unit_test(test_negotiate_then_top_up),
		cmocka_unit_test(test_multi_credit_ids),
		cmocka_unit_test(test_request_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
