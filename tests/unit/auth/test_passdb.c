/* passdb: admin add/del/list, mode 0600, reload on change, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "authtest.h"
#include "crypto/crypto.h"

static char dir[64], path[256];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/daxpassdbXXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/passdb", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void write_file(const char *content)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void collect(const char *name, void *arg)
{
	char *s = arg;
	strcat(s, name);
	strcat(s, ",");
}

static void test_missing_file(void **state)
{
	char err[256];
	uint8_t h[16];
	unlink(path);
	struct passdb *db = passdb_open(path, err, sizeof(err));
	assert_non_null(db);
	assert_false(passdb_lookup(db, "anyone", h));
	/* Created later: picked up on the next lookup. */
	assert_int_equal(passdb_add_user(path, "bob", "pw", err, sizeof(err)), 0);
	assert_true(passdb_lookup(db, "BOB", h));
	uint8_t want[16];
	ntlm_nt_hash("pw", want);
	assert_memory_equal(h, want, 16);
	/* Removed: empty again. */
	unlink(path);
	assert_false(passdb_lookup(db, "bob", h));
	passdb_close(db);
	assert_false(passdb_lookup(NULL, "bob", h));
}

static void test_add_list_del(void **state)
{
	char err[256], names[256] = "";
	struct stat st;
	unlink(path);
	assert_int_equal(passdb_add_user(path, "alice", "a", err, sizeof(err)), 0);
	assert_int_equal(passdb_add_user(path, "Bob", "b", err, sizeof(err)), 0);
	assert_int_equal(passdb_add_user(path, "Zoë", "c", err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(passdb_list_users(path, collect, names, err, sizeof(err)), 0);
	assert_string_equal(names, "alice,Bob,Zoë,");

	/* Replace (case-insensitive) keeps one entry. */
	assert_int_equal(passdb_add_user(path, "ALICE", "new", err, sizeof(err)), 0);
	names[0] = 0;
	passdb_list_users(path, collect, names, err, sizeof(err));
	assert_string_equal(names, "ALICE,Bob,Zoë,");
	struct passdb *db = passdb_open(path, err, sizeof(err));
	uint8_t h[16], want[16];
	assert_true(passdb_lookup(db, "alice", h));
	ntlm_nt_hash("new", want);
	assert_memory_equal(h, want, 16);
	assert_true(passdb_lookup(db, "ZOË", h));

	assert_int_equal(passdb_del_user(path, "bob", err, sizeof(err)), 0);
	assert_int_equal(passdb_del_user(path, "bob", err, sizeof(err)), -1);
	assert_false(passdb_lookup(db, "bob", h));   /* reloaded */
	assert_true(passdb_lookup(db, "alice", h));
	names[0] = 0;
	passdb_list_users(path, collect, names, err, sizeof(err));
	assert_string_equal(names, "ALICE,Zoë,");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	passdb_close(db);
}

static void test_reload_same_size(void **state)
{
	/* Rewritten in place with the same size: mtime (ns) still differs. */
	char err[256];
	uint8_t h[16];
	write_file("user1:00112233445566778899aabbccddeeff\n");
	struct passdb *db = passdb_open(path, err, sizeof(err));
	assert_non_null(db);
	assert_true(passdb_lookup(db, "user1", h));
	assert_int_equal(h[0], 0x00);
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	write_file("user2:ffeeddccbbaa99887766554433221100\n");
	assert_false(passdb_lookup(db, "user1", h));
	assert_true(passdb_lookup(db, "USER2", h));
	assert_int_equal(h[0], 0xff);
	/* A later malformed file keeps the last good contents. */
	nanosleep(&ts, NULL);
	write_file("garbage\n");
	assert_true(passdb_lookup(db, "user2", h));
	passdb_close(db);
}

static void test_malformed(void **state)
{
	static const char *bad[] = {
		"nocolon\n",
		"u:0011\n",
		"u:00112233445566778899aabbccddeeffa\n",
		"u:0011223344556677889xaabbccddeeff\n",
		":00112233445566778899aabbccddeeff\n",
		"a:b:00112233445566778899aabbccddeeff\n",
		"tab\tname:00112233445566778899aabbccddeeff\n",
		"\xff\xfe:00112233445566778899aabbccddeeff\n",
		"a234567890123456789012345678901234567890123456789012345678901234:"
		"00112233445566778899aabbccddeeff\n",
		"ok:00112233445566778899aabbccddeeff\nbad line\n",
	};
	char err[256];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i]);
		err[0] = 0;
		struct passdb *db = passdb_open(path, err, sizeof(err));
		assert_null(db);
		assert_true(err[0] != 0);
		/* Admin edits refuse to clobber a malformed file too. */
		assert_int_equal(passdb_add_user(path, "x", "y", err, sizeof(err)), -1);
	}
	/* Comments, blank lines and CRLF are tolerated. */
	write_file("# users\n\nok:00112233445566778899AABBCCDDEEFF\r\n");
	struct passdb *db = passdb_open(path, err, sizeof(err));
	assert_non_null(db);
	uint8_t h[16];
	assert_true(passdb_lookup(db, "OK", h));
	assert_int_equal(h[15], 0xff);
	passdb_close(db);
	/* A directory is not a passdb. */
	assert_null(passdb_open(dir, err, sizeof(err)));
}

static void test_bad_names(void **state)
{
	char err[256];
	static const char *names[] = { "", "a:b", "a\nb", "a\rb", "a\x7f", "\x01x",
				       "a234567890123456789012345678901234567890123456789012345678901234",
				       "\xc3\x28" };
	unlink(path);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(passdb_add_user(path, names[i], "pw", err, sizeof(err)), -1);
	assert_int_equal(access(path, F_OK), -1);
	/* 63 bytes is the longest accepted. */
	assert_int_equal(passdb_add_user(path,
					 "a23456789012345678901234567890123456789012345678901234567890123",
					 "pw", err, sizeof(err)), 0);
	assert_int_equal(passdb_add_user(path, "u", "\xff", err, sizeof(err)), -1);
}

static void test_no_temp_left(void **state)
{
	char err[256], cmd[256];
	unlink(path);
	for (int i = 0; i < 5; i++)
		assert_int_equal(passdb_add_user(path, "u", "p", err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd), "test $(ls '%s' | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	if (crypto_init() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_list_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_same_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_temp_left, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
