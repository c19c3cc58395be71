/* smb.conf parsing: Samba's names, defaults, errors and warnings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/config.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/daxsmb-cfg-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

static struct srv_config *parse(const char *fmt, char *err, size_t n)
{
	char text[4096];
	snprintf(text, sizeof(text), fmt, dir, dir);
	return config_parse(text, "test.conf", err, n);
}

static void test_full(void **state)
{
	(void)state;
	char err[256] = "";
	struct srv_config *c = parse(
		"# comment\n[global]\n  smb ports = 4450 4451\n  interfaces = 127.0.0.1, ::1\n"
		"  passdb file = /x/passdb\n  server signing = mandatory\n"
		"  server min protocol = SMB2_10\n  server max protocol = SMB3_02\n"
		"  log level = 3\n  Max Connections = 10\n  server multi channel support = no\n"
		"[Data]\n  path = %s\n  read only = no\n  guest ok = yes\n"
		"  valid users = alice, bob\n  browseable = no\n  comment = the data\n"
		"[ro]\n  path = %s\n  force user = nobody\n",
		err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->nports, 2);
	assert_int_equal(c->ports[1], 4451);
	assert_int_equal(c->naddrs, 2);
	assert_string_equal(c->addrs[1], "::1");
	assert_string_equal(c->passdb_file, "/x/passdb");
	assert_int_equal(c->signing, CFG_SIGNING_MANDATORY);
	assert_int_equal(c->min_proto, 0x0210);
	assert_int_equal(c->max_proto, 0x0302);
	assert_int_equal(c->log_level, 3);
	assert_int_equal(c->max_connections, 10);
	assert_false(c->multi_channel);
	const struct share_cfg *s = config_find_share(c, "data");
	assert_non_null(s);
	assert_false(s->read_only);
	assert_true(s->guest_ok);
	assert_false(s->browseable);
	assert_string_equal(s->comment, "the data");
	assert_string_equal(s->valid_users[0], "alice");
	assert_string_equal(s->valid_users[1], "bob");
	assert_null(s->valid_users[2]);
	const struct share_cfg *r = config_find_share(c, "RO");
	assert_non_null(r);
	assert_true(r->read_only); /* Samba's default */
	assert_string_equal(r->force_user, "nobody");
	assert_non_null(config_find_share(c, "IPC$"));
	config_free(c);
}

static void test_errors(void **state)
{
	(void)state;
	char err[256];
	static const char *bad[] = {
		"[s]\n read only = no\n",                     /* no path */
		"[s]\n path = /nonexistent/daxsmb\n",          /* missing dir */
		"[global]\n smb ports = 70000\n",              /* port range */
		"[global]\n server signing = sometimes\n",
		"[global]\n server max protocol = NT1\n",      /* SMB1 is not served */
		"[global]\n server min protocol = SMB3_11\n server max protocol = SMB2_10\n",
		"[global]\n log level = eleven\n",
		"[s\n path = /tmp\n",                          /* unterminated section */
		"[s]\n path /tmp\n",                           /* no '=' */
		"[s]\n path = /tmp\n[S]\n path = /tmp\n",      /* defined twice */
		"[a/b]\n path = /tmp\n",                       /* bad name */
		"[s]\n path = /tmp\n read only = maybe\n",
		"[global]\n interfaces = no-such-if0\n",
		"[global]\n server multi channel support = sometimes\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		struct srv_config *c = config_parse(bad[i], "t.conf", err, sizeof(err));
		if (c)
			fail_msg("accepted: %s", bad[i]);
		assert_true(strlen(err) > 0);
		assert_non_null(strstr(err, "t.conf"));
	}
}

static void test_unknown_is_warning(void **state)
{
	(void)state;
	char err[256] = "";
	struct srv_config *c = parse("[global]\n frobnicate = 1\n[s]\n path = %s\n wibble = 2\n", err,
				     sizeof(err));
	assert_non_null(c);
	assert_true(c->multi_channel); /* `server multi channel support` defaults to yes */
	config_free(c);
}

static void test_protocol_names(void **state)
{
	(void)state;
	assert_int_equal(config_proto_from_name("SMB2_02", false), 0x0202);
	assert_int_equal(config_proto_from_name("smb3_11", true), 0x0311);
	assert_int_equal(config_proto_from_name("SMB2", true), 0x0210);
	assert_int_equal(config_proto_from_name("SMB2", false), 0x0202);
	assert_int_equal(config_proto_from_name("SMB3", true), 0x0311);
	assert_int_equal(config_proto_from_name("NT1", true), 0);
}

static void test_continuation_and_case(void **state)
{
	(void)state;
	char err[256] = "";
	struct srv_config *c = parse("[GLOBAL]\n SMB PORTS = \\\n  5555\n[x]\n PATH = %s\n ReadOnly = No\n",
				     err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->ports[0], 5555);
	assert_false(config_find_share(c, "x")->read_only);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unknown_is_warning),
		cmocka_unit_test(test_protocol_names),
		cmocka_unit_test(test_continuation_and_case),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
