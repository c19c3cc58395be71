/* //HOST[:PORT]/SHARE[/PATH] parsing, -U strings, sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "client/url.h"
#include "daxsmb.h"

static void ok(const char *s, const char *host, unsigned port, const char *share, const char *path)
{
	struct smb_url u;
	char err[128];
	assert_int_equal(smb_url_parse(s, &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, host);
	assert_int_equal(u.port, port);
	assert_string_equal(u.share, share);
	assert_string_equal(u.path, path);
}

static void bad(const char *s)
{
	struct smb_url u;
	char err[128] = "";
	assert_int_equal(smb_url_parse(s, &u, err, sizeof(err)), -1);
	assert_true(err[0] != 0);
}

static void test_forms(void **state)
{
	ok("//127.0.0.1/share", "127.0.0.1", 0, "share", "");
	ok("//127.0.0.1:4450/share", "127.0.0.1", 4450, "share", "");
	ok("//host:445/share/", "host", 445, "share", "");
	ok("//host/share/a/b.txt", "host", 0, "share", "a/b.txt");
	ok("//host/share//a///b/", "host", 0, "share", "a/b");
	ok("\\\\host\\share\\dir\\f", "host", 0, "share", "dir/f");
	ok("smb://srv.example.org:1445/s/x", "srv.example.org", 1445, "s", "x");
	ok("//[::1]:4450/share/p", "::1", 4450, "share", "p");
	ok("//[fe80::1]/share", "fe80::1", 0, "share", "");
}

static void test_refused(void **state)
{
	bad("host/share");
	bad("//");
	bad("//host");
	bad("//host/");
	bad("//host:/share");
	bad("//host:0/share");
	bad("//host:65536/share");
	bad("//host:44x/share");
	bad("//[::1/share");
	bad("//:445/share");
	char longhost[400];
	memset(longhost, 'a', sizeof(longhost));
	memcpy(longhost, "//", 2);
	strcpy(longhost + 300, "/share");
	bad(longhost);
}

static void test_target(void **state)
{
	struct smb_url u;
	char out[300];
	assert_int_equal(smb_url_parse("//[::1]:4450/share/x", &u, NULL, 0), 0);
	smb_url_target(&u, out, sizeof(out));
	assert_string_equal(out, "//[::1]:4450/share");
	assert_int_equal(smb_url_parse("//h/s", &u, NULL, 0), 0);
	smb_url_target(&u, out, sizeof(out));
	assert_string_equal(out, "//h/s");
}

static void test_user(void **state)
{
	char buf[128];
	const char *d, *u, *p;
	assert_int_equal(smb_parse_user("alice%Secret-1", buf, sizeof(buf), &d, &u, &p), 0);
	assert_string_equal(d, "");
	assert_string_equal(u, "alice");
	assert_string_equal(p, "Secret-1");
	assert_int_equal(smb_parse_user("DOM\\bob%a%b", buf, sizeof(buf), &d, &u, &p), 0);
	assert_string_equal(d, "DOM");
	assert_string_equal(u, "bob");
	assert_string_equal(p, "a%b");
	assert_int_equal(smb_parse_user("DOM/carol", buf, sizeof(buf), &d, &u, &p), 0);
	assert_string_equal(d, "DOM");
	assert_string_equal(u, "carol");
	assert_null(p);
	assert_int_equal(smb_parse_user("%pw", buf, sizeof(buf), &d, &u, &p), -1);
	assert_int_equal(smb_parse_user("x", buf, 1, &d, &u, &p), -1);
}

static void test_size(void **state)
{
	assert_int_equal(parse_size("4096"), 4096);
	assert_int_equal(parse_size("4k"), 4096);
	assert_int_equal(parse_size("64M"), 64 << 20);
	assert_int_equal(parse_size("64MiB"), 64 << 20);
	assert_int_equal(parse_size("1G"), 1 << 30);
	assert_int_equal(parse_size(""), -1);
	assert_int_equal(parse_size("-1"), -1);
	assert_int_equal(parse_size("12Q"), -1);
	assert_int_equal(parse_size("99999999999999999999G"), -1);
}

static void test_names(void **state)
{
	char b[32];
	assert_string_equal(dsmb_status_name(0xC000006Du), "STATUS_LOGON_FAILURE");
	assert_string_equal(dsmb_status_str(0xC0000034u, b), "STATUS_OBJECT_NAME_NOT_FOUND");
	assert_null(dsmb_status_name(0xC0DEC0DEu));
	assert_string_equal(dsmb_status_str(0xC0DEC0DEu, b), "NTSTATUS 0xC0DEC0DE");
	assert_int_equal(dsmb_dialect_parse("SMB3_11"), 0x0311);
	assert_int_equal(dsmb_dialect_parse("smb2_02"), 0x0202);
	assert_int_equal(dsmb_dialect_parse("SMB3"), 0x0311);
	assert_int_equal(dsmb_dialect_parse("NT1"), 0);
	assert_string_equal(dsmb_dialect_name(0x0302), "3.0.2");
	assert_true(dsmb_ok(0));
	assert_true(dsmb_ok(0x80000006u));
	assert_false(dsmb_ok(0xC0000022u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),  cmocka_unit_test(test_refused), cmocka_unit_test(test_target),
		cmocka_unit_test(test_user),   cmocka_unit_test(test_size),    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
