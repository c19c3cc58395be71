/* UTF-16LE <-> UTF-8: round trips, surrogates, refusals, max_out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/utf16.h"

static void round_trip(const char *s, size_t want_u16)
{
	struct buf b;
	size_t n;
	buf_init(&b, 4096);
	assert_int_equal(utf16le_size(s, strlen(s)), want_u16);
	assert_true(buf_put_utf16le(&b, s, strlen(s)));
	assert_int_equal(b.len, want_u16);
	char *back = utf16le_to_utf8(b.p, b.len, 4096, &n);
	assert_non_null(back);
	assert_int_equal(n, strlen(s));
	assert_string_equal(back, s);
	free(back);
	buf_free(&b);
}

static void test_round_trips(void **state)
{
	(void)state;
	round_trip("", 0);
	round_trip("hello", 10);
	round_trip("caf\xc3\xa9", 8);                 /* é: 2-byte UTF-8 */
	round_trip("\xe2\x82\xac", 2);                 /* €: 3-byte */
	round_trip("\xef\xbf\xbf", 2);                 /* U+FFFF */
	round_trip("a\xf0\x9f\x98\x80z", 8);           /* U+1F600: surrogate pair */
	round_trip("\xf0\x90\x80\x80", 4);             /* U+10000 */
	round_trip("\xf4\x8f\xbf\xbf", 4);             /* U+10FFFF */
	round_trip("\\dir\\\xe4\xb8\xad\xe6\x96\x87.txt", 22);

	/* Known encoding of a surrogate pair. */
	struct buf b;
	buf_init(&b, 64);
	buf_put_utf16le(&b, "\xf0\x9f\x98\x80", 4);
	assert_memory_equal(b.p, "\x3d\xd8\x00\xde", 4);
	buf_free(&b);
}

static void test_invalid_utf16(void **state)
{
	(void)state;
	const struct {
		const char *p;
		size_t n;
	} bad[] = {
		{"a", 1},                 /* odd length */
		{"a\0b", 3},
		{"\0\0", 2},              /* embedded NUL */
		{"a\0\0\0b\0", 6},
		{"\x3d\xd8", 2},          /* lone high surrogate at the end */
		{"\x3d\xd8" "a\0", 4},    /* high followed by a non-low */
		{"\x3d\xd8\x3d\xd8", 4},  /* high, high */
		{"\x00\xde", 2},          /* lone low surrogate */
		{"a\0\x00\xdc", 4},
		{"\x3d\xd8\x00", 3},      /* high + odd byte */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *copy = malloc(bad[i].n);
		memcpy(copy, bad[i].p, bad[i].n);
		if (utf16le_to_utf8(copy, bad[i].n, 100, NULL) != NULL)
			fail_msg("bad utf16 %zu accepted", i);
		free(copy);
	}
	/* Empty input is the empty string. */
	size_t n = 99;
	char *e = utf16le_to_utf8((const uint8_t *)"", 0, 0, &n);
	assert_non_null(e);
	assert_int_equal(n, 0);
	assert_string_equal(e, "");
	free(e);
}

static void test_max_out(void **state)
{
	(void)state;
	const uint8_t abc[] = {'a', 0, 'b', 0, 'c', 0};
	char *s = utf16le_to_utf8(abc, 6, 3, NULL);
	assert_non_null(s);
	assert_string_equal(s, "abc");
	free(s);
	assert_null(utf16le_to_utf8(abc, 6, 2, NULL));
	assert_null(utf16le_to_utf8(abc, 6, 0, NULL));
	/* é is 2 UTF-8 bytes; a pair is 4 */
	const uint8_t e[] = {0xE9, 0};
	assert_null(utf16le_to_utf8(e, 2, 1, NULL));
	s = utf16le_to_utf8(e, 2, 2, NULL);
	assert_non_null(s);
	free(s);
	const uint8_t pair[] = {0x3d, 0xd8, 0x00, 0xde};
	assert_null(utf16le_to_utf8(pair, 4, 3, NULL));
	s = utf16le_to_utf8(pair, 4, 4, NULL);
	assert_non_null(s);
	assert_string_equal(s, "\xf0\x9f\x98\x80");
	free(s);
	s = utf16le_to_utf8(abc, 6, SIZE_MAX, NULL);
	assert_non_null(s);
	free(s);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	const char *bad[] = {
		"\xff", "\xc3", "\xc3(", "\xe2\x82", "\xc0\xaf",    /* overlong '/' */
		"\xe0\x80\xaf", "\xed\xa0\x80",                     /* encoded surrogate */
		"\xf4\x90\x80\x80",                                 /* > U+10FFFF */
		"\xf8\x88\x80\x80\x80", "\x80",
	};
	struct buf b;
	buf_init(&b, 64);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(utf16le_size(bad[i], strlen(bad[i])), SIZE_MAX);
		assert_false(buf_put_utf16le(&b, bad[i], strlen(bad[i])));
		assert_true(buf_ok(&b)); /* not a buffer error */
	}
	buf_free(&b);
	/* utf8_next on an empty range */
	const char *p = "";
	assert_int_equal(utf8_next(&p, p), 0xFFFFFFFFu);
	p = "\xc3\xa9x";
	assert_int_equal(utf8_next(&p, p + 3), 0xE9);
	assert_int_equal(utf8_next(&p, p + 1), 'x');
}

static void test_case(void **state)
{
	(void)state;
	assert_int_equal(unicode_toupper('a'), 'A');
	assert_int_equal(unicode_toupper('Z'), 'Z');
	assert_int_equal(unicode_toupper(0xE9), 0xC9);
	assert_int_equal(unicode_toupper(0xF7), 0xF7); /* division sign */
	assert_int_equal(utf8_casecmp("Caf\xc3\xa9", "CAF\xc3\x89"), 0);
	assert_int_not_equal(utf8_casecmp("abc", "abd"), 0);
	assert_int_not_equal(utf8_casecmp("abc", "ab"), 0);
	assert_int_equal(utf8_casecmp("", ""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_invalid_utf16),
		cmocka_unit_test(test_max_out),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_case),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
