/* FILE_GET_EA_INFORMATION lists (MS-FSCC 2.4.15.1) and EA entries built
 * one at a time (fscc_append_ea): round trips, truncations, lying lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/fscc.h"

/* Decodes from an exactly-sized heap copy, so ASan sees any overread. */
static uint8_t *copy;
static int dec(const uint8_t *p, size_t n, struct fscc_ea_name *out, size_t max, size_t *count)
{
	free(copy);
	copy = malloc(n ? n : 1);
	if (n)
		memcpy(copy, p, n);
	return fscc_decode_get_ea_list(copy, n, out, max, count);
}

static void test_get_ea_list(void **state)
{
	(void)state;
	struct fscc_ea_name in[3] = {
		{(const uint8_t *)"EAONE", 5},
		{(const uint8_t *)"B", 1},
		{(const uint8_t *)"SECONDEA", 8},
	};
	struct fscc_ea_name out[8];
	size_t n;
	struct buf b;
	buf_init(&b, 4096);
	fscc_encode_get_ea_list(&b, in, 3);
	/* 4+1+5+1=11 -> 12, 4+1+1+1=7 -> 8, 4+1+8+1=14 */
	assert_int_equal(b.len, 12 + 8 + 14);
	assert_int_equal(get_le32(b.p), 12);
	assert_int_equal(get_le32(b.p + 12), 8);
	assert_int_equal(get_le32(b.p + 20), 0);
	assert_int_equal(dec(b.p, b.len, out, 8, &n), 0);
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(out[i].name_len, in[i].name_len);
		assert_memory_equal(out[i].name, in[i].name, in[i].name_len);
	}
	/* Every truncation fails. */
	for (size_t l = 1; l < b.len; l++)
		if (dec(b.p, l, out, 8, &n) != -1)
			fail_msg("prefix %zu accepted", l);
	assert_int_equal(dec(b.p, 0, out, 8, &n), 0);
	assert_int_equal(n, 0);
	/* Lying lengths and missing terminators. */
	const struct {
		size_t pos;
		int w;
		uint32_t v;
	} lies[] = {
		{0, 4, 2},          /* Next misaligned */
		{0, 4, 8},          /* Next inside the entry */
		{0, 4, 0xFFFFFFFC}, /* Next far past the end */
		{0, 4, 36},         /* Next past the end */
		{4, 1, 7},          /* name runs into the next entry */
		{4, 1, 0},          /* empty name */
		{10, 1, 'x'},       /* no NUL after the name */
		{20 + 4, 1, 200},   /* last name past the end */
	};
	uint8_t *m = malloc(b.len);
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		memcpy(m, b.p, b.len);
		if (lies[i].w == 1)
			m[lies[i].pos] = (uint8_t)lies[i].v;
		else
			put_le32(m + lies[i].pos, lies[i].v);
		if (dec(m, b.len, out, 8, &n) != -1)
			fail_msg("lie %zu accepted", i);
	}
	free(m);
	/* More entries than max. */
	assert_int_equal(dec(b.p, b.len, out, 2, &n), -1);
	buf_free(&b);
	free(copy);
	copy = NULL;
}

static void test_append_ea(void **state)
{
	(void)state;
	struct fscc_ea in[2] = {
		{0, (const uint8_t *)"EAONE", 5, (const uint8_t *)"VALUE1", 6},
		{0, (const uint8_t *)"SECONDEA", 8, (const uint8_t *)"ValueTwo", 8},
	};
	struct buf a, b;
	buf_init(&a, 4096);
	buf_init(&b, 4096);
	buf_le32(&a, 0xAAAAAAAA); /* a list need not start the buffer */
	size_t prev = SIZE_MAX;
	for (int i = 0; i < 2; i++)
		fscc_append_ea(&a, 4, &prev, &in[i]);
	fscc_encode_ea_list(&b, in, 2);
	assert_int_equal(a.len - 4, b.len);
	assert_memory_equal(a.p + 4, b.p, b.len);
	/* 8+5+1+6=20, then 8+8+1+8=25 */
	assert_int_equal(b.len, 45);
	struct fscc_ea out[4];
	size_t n;
	assert_int_equal(fscc_decode_ea_list(a.p + 4, a.len - 4, out, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out[1].value, "ValueTwo", 8);
	buf_free(&a);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_ea_list),
		cmocka_unit_test(test_append_ea),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
