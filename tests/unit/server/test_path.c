/* SMB names to share paths, wildcards, the id table, address limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/srv.h"

/* UTF-16LE of an ASCII string. */
static size_t u16(const char *s, uint8_t *out)
{
	size_t n = 0;
	for (; *s; s++) {
		out[n++] = (uint8_t)*s;
		out[n++] = 0;
	}
	return n;
}

static NTSTATUS conv(const char *in, char **out)
{
	uint8_t b[1024];
	size_t n = u16(in, b);
	return srv_path_from_wire(b, n, out);
}

static void test_paths(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		NTSTATUS st;
		const char *out;
	} t[] = {
		{"", STATUS_SUCCESS, ""},
		{"a", STATUS_SUCCESS, "a"},
		{"dir\\sub\\file.txt", STATUS_SUCCESS, "dir/sub/file.txt"},
		{"dir\\", STATUS_SUCCESS, "dir"},
		{"file::$DATA", STATUS_SUCCESS, "file"},
		{"\\abs", STATUS_INVALID_PARAMETER, NULL},
		{"a\\\\b", STATUS_OBJECT_NAME_INVALID, NULL},
		{"a\\.\\b", STATUS_OBJECT_NAME_INVALID, NULL},
		{"..", STATUS_OBJECT_PATH_SYNTAX_BAD, NULL},
		{"a\\..\\..\\etc", STATUS_OBJECT_PATH_SYNTAX_BAD, NULL},
		{"a/b", STATUS_SUCCESS, "a/b"},         /* '/' separates, as in Samba */
		{"a*", STATUS_OBJECT_NAME_INVALID, NULL},
		{"a?", STATUS_OBJECT_NAME_INVALID, NULL},
		{"x:stream", STATUS_OBJECT_NAME_INVALID, NULL},
		{"a|b", STATUS_OBJECT_NAME_INVALID, NULL},
		{"a<b", STATUS_OBJECT_NAME_INVALID, NULL},
		{"a\"b", STATUS_OBJECT_NAME_INVALID, NULL},
		{"tab\there", STATUS_OBJECT_NAME_INVALID, NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *out = NULL;
		NTSTATUS st = conv(t[i].in, &out);
		if (st != t[i].st)
			fail_msg("'%s': 0x%08x, expected 0x%08x", t[i].in, st, t[i].st);
		if (t[i].out)
			assert_string_equal(out, t[i].out);
		else
			assert_null(out);
		free(out);
	}
}

/* Stream suffixes (MS-FSCC 2.1.5.1). */
static void test_stream_names(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		NTSTATUS st;
		const char *path, *stream;
		bool data;
	} t[] = {
		{"f:s", STATUS_SUCCESS, "f", "s", false},
		{"d\\f:Stream One:$DaTa", STATUS_SUCCESS, "d/f", "Stream One", false},
		{"f::$DATA", STATUS_SUCCESS, "f", NULL, true},
		{"f:\x05Stream\n One", STATUS_SUCCESS, "f", "\x05Stream\n One", false},
		{"f:?Stream*", STATUS_SUCCESS, "f", "?Stream*", false},
		{"f:", STATUS_OBJECT_NAME_INVALID, NULL, NULL, false},
		{"f:s:", STATUS_OBJECT_NAME_INVALID, NULL, NULL, false},
		{"f:s:$FOO", STATUS_OBJECT_NAME_INVALID, NULL, NULL, false},
		{"f:s:?D*a", STATUS_OBJECT_NAME_INVALID, NULL, NULL, false},
		{"f:s:$DATA:x", STATUS_OBJECT_NAME_INVALID, NULL, NULL, false},
		{"f:a/b", STATUS_OBJECT_NAME_INVALID, NULL, NULL, false},
		{"f:a\\b", STATUS_OBJECT_NAME_INVALID, NULL, NULL, false},
		{"d:x\\f", STATUS_OBJECT_NAME_INVALID, NULL, NULL, false},
		{"d\\f*:s", STATUS_OBJECT_NAME_INVALID, NULL, NULL, false},
		{":s", STATUS_OBJECT_NAME_INVALID, NULL, NULL, false},
		{"f::$INDEX_ALLOCATION", STATUS_OBJECT_NAME_INVALID, NULL, NULL, false},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t b[1024];
		size_t n = u16(t[i].in, b);
		struct srv_name nm;
		NTSTATUS st = srv_name_from_wire(b, n, &nm);
		if (st != t[i].st)
			fail_msg("'%s': 0x%08x, expected 0x%08x", t[i].in, st, t[i].st);
		if (!st) {
			assert_string_equal(nm.path, t[i].path);
			if (t[i].stream)
				assert_string_equal(nm.stream, t[i].stream);
			else
				assert_null(nm.stream);
			assert_int_equal(nm.data_suffix, t[i].data);
		} else {
			assert_null(nm.path);
			assert_null(nm.stream);
		}
		srv_name_free(&nm);
	}
	/* The old entry point refuses named streams. */
	char *out = NULL;
	assert_int_equal(conv("f:s", &out), STATUS_OBJECT_NAME_INVALID);
	assert_null(out);
	/* A stream name that cannot fit an xattr name. */
	char big[300] = "f:";
	memset(big + 2, 's', 240);
	big[242] = 0;
	uint8_t b[1024];
	struct srv_name nm;
	assert_int_equal(srv_name_from_wire(b, u16(big, b), &nm), STATUS_OBJECT_NAME_INVALID);
}

static void test_path_bad_utf16(void **state)
{
	(void)state;
	char *out = NULL;
	static const uint8_t lone[] = {'a', 0, 0x00, 0xD8, 'b', 0};  /* lone high surrogate */
	assert_int_equal(srv_path_from_wire(lone, sizeof(lone), &out), STATUS_OBJECT_NAME_INVALID);
	static const uint8_t nul[] = {'a', 0, 0, 0, 'b', 0};
	assert_int_equal(srv_path_from_wire(nul, sizeof(nul), &out), STATUS_OBJECT_NAME_INVALID);
	static const uint8_t odd[] = {'a', 0, 'b'};
	assert_int_equal(srv_path_from_wire(odd, sizeof(odd), &out), STATUS_OBJECT_NAME_INVALID);
	/* A component longer than 255 bytes. */
	char big[600];
	memset(big, 'x', 300);
	big[300] = 0;
	assert_int_equal(conv(big, &out), STATUS_OBJECT_NAME_INVALID);
	assert_null(out);
}

static void test_wildcards(void **state)
{
	(void)state;
	static const struct {
		const char *pat, *name;
		bool match;
	} t[] = {
		{"*", "anything", true},
		{"*.*", "noext", true},
		{"*.txt", "a.txt", true},
		{"*.txt", "a.TXT", true},
		{"*.txt", "a.txt.bak", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"ABC", "abc", true},
		{"abc", "abd", false},
		{"<.txt", "file.txt", true},       /* DOS_STAR */
		{"file>", "file", true},           /* DOS_QM at end matches nothing */
		{"file>", "fileX", true},
		{"file\"txt", "file.txt", true},   /* DOS_DOT */
		{"*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"\xc3\xa9*", "\xc3\x89t\xc3\xa9", true}, /* é* vs Été, case-insensitive */
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (srv_wildcard_match(t[i].pat, t[i].name) != t[i].match)
			fail_msg("'%s' vs '%s'", t[i].pat, t[i].name);
}

static void test_idtab(void **state)
{
	(void)state;
	struct idtab t;
	idtab_init(&t, 100);
	int objs[150];
	uint64_t ids[150];
	for (int i = 0; i < 100; i++) {
		ids[i] = idtab_add(&t, &objs[i]);
		assert_true(ids[i] != 0);
	}
	assert_int_equal(idtab_add(&t, &objs[100]), 0); /* full */
	for (int i = 0; i < 100; i++)
		assert_ptr_equal(idtab_get(&t, ids[i]), &objs[i]);
	idtab_del(&t, ids[7]);
	assert_null(idtab_get(&t, ids[7]));
	uint64_t again = idtab_add(&t, &objs[120]);
	assert_true(again != 0 && again != ids[7]); /* same slot, new generation */
	assert_null(idtab_get(&t, ids[7]));         /* the stale id misses */
	assert_null(idtab_get(&t, 0));
	assert_null(idtab_get(&t, UINT64_MAX));
	assert_null(idtab_get(&t, 1000));
	idtab_free(&t);
}

static void test_addr_limits(void **state)
{
	(void)state;
	struct addr_limits *l = addr_limits_new(3);
	assert_non_null(l);
	for (int i = 0; i < 3; i++)
		assert_true(addr_limits_acquire(l, "10.0.0.1"));
	assert_false(addr_limits_acquire(l, "10.0.0.1"));
	assert_true(addr_limits_acquire(l, "10.0.0.2"));
	addr_limits_release(l, "10.0.0.1");
	assert_true(addr_limits_acquire(l, "10.0.0.1"));
	addr_limits_release(l, "never-seen");
	addr_limits_free(l);
}

static void test_map_generic(void **state)
{
	(void)state;
	uint32_t a = srv_map_generic(GENERIC_READ);
	assert_true(a & FILE_READ_DATA);
	assert_false(a & FILE_WRITE_DATA);
	assert_false(a & GENERIC_READ);
	assert_int_equal(srv_map_generic(GENERIC_ALL) & FILE_ALL_ACCESS, FILE_ALL_ACCESS);
	assert_true(srv_map_generic(GENERIC_WRITE) & FILE_APPEND_DATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_path_bad_utf16),
		cmocka_unit_test(test_stream_names),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_idtab),
		cmocka_unit_test(test_addr_limits),
		cmocka_unit_test(test_map_generic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
