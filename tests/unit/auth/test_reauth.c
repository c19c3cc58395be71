/* The re-authentication policy of an established session
 * (auth_reauth_check, MS-SMB2 3.3.5.5.2): who may replace whom. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"

static struct auth_identity user(const char *name, const char *domain)
{
	struct auth_identity id;
	memset(&id, 0, sizeof(id));
	snprintf(id.user, sizeof(id.user), "%s", name);
	snprintf(id.domain, sizeof(id.domain), "%s", domain);
	id.has_session_key = true;
	return id;
}

static struct auth_identity anonymous(void)
{
	struct auth_identity id;
	memset(&id, 0, sizeof(id));
	id.anonymous = true;
	return id;
}

static struct auth_identity guest(const char *name)
{
	struct auth_identity id = user(name, "");
	id.has_session_key = false;
	id.guest = true;
	return id;
}

static void test_same_user(void **state)
{
	(void)state;
	struct auth_identity id = user("alice", "DOM");
	assert_int_equal(auth_reauth_check("alice", "DOM", &id), STATUS_SUCCESS);
	id = user("ALICE", "dom");    /* names compare case-insensitively */
	assert_int_equal(auth_reauth_check("alice", "DOM", &id), STATUS_SUCCESS);
	id = user("alice", "");       /* an empty domain matches */
	assert_int_equal(auth_reauth_check("alice", "DOM", &id), STATUS_SUCCESS);
	id = user("alice", "DOM");
	assert_int_equal(auth_reauth_check("alice", "", &id), STATUS_SUCCESS);
}

static void test_other_user_refused(void **state)
{
	(void)state;
	struct auth_identity id = user("bob", "DOM");
	assert_int_equal(auth_reauth_check("alice", "DOM", &id), STATUS_ACCESS_DENIED);
	id = user("alice", "OTHER");  /* same name, another domain */
	assert_int_equal(auth_reauth_check("alice", "DOM", &id), STATUS_ACCESS_DENIED);
	id = user("alicex", "DOM");
	assert_int_equal(auth_reauth_check("alice", "DOM", &id), STATUS_ACCESS_DENIED);
	/* An anonymous or guest session never becomes a user's. */
	id = user("alice", "DOM");
	assert_int_equal(auth_reauth_check("", "", &id), STATUS_ACCESS_DENIED);
}

static void test_anonymous_allowed(void **state)
{
	(void)state;
	struct auth_identity id = anonymous();
	assert_int_equal(auth_reauth_check("alice", "DOM", &id), STATUS_SUCCESS);
	assert_int_equal(auth_reauth_check("", "", &id), STATUS_SUCCESS);
}

static void test_guest_mapping(void **state)
{
	(void)state;
	/* Unknown user on a user's session: a failed logon (smbtorture
	 * smb2.notify.invalid-reauth), on a guest session: guest again. */
	struct auth_identity id = guest("__none__");
	assert_int_equal(auth_reauth_check("alice", "DOM", &id), STATUS_LOGON_FAILURE);
	assert_int_equal(auth_reauth_check("", "", &id), STATUS_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_user),
		cmocka_unit_test(test_other_user_refused),
		cmocka_unit_test(test_anonymous_allowed),
		cmocka_unit_test(test_guest_mapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
