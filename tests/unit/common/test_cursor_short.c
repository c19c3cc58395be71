/* cursor.h: "a short read sets the sticky error and returns zeros".
 * cur_le64 once read two le32 halves and, with 4..7 bytes left, returned
 * the low half; this guards the fix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/cursor.h"

static void test_le64_short_returns_zero(void **state)
{
	(void)state;
	static const uint8_t b[7] = {1, 2, 3, 4, 5, 6, 7};
	struct cur c;
	for (size_t n = 0; n < sizeof(b); n++) {
		cur_init(&c, b, n);
		assert_true(cur_le64(&c) == 0);
		assert_false(cur_ok(&c));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_le64_short_returns_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
