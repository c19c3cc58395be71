/* Shared helpers for the auth unit tests. */
#ifndef DAX_AUTHTEST_H
#define DAX_AUTHTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/auth_int.h"
#include "hex.h"

/* A passdb in a fresh temp dir with user "User"/"Password" and
 * "alice"/"Secret1".  path must hold 256 bytes. */
static inline struct passdb *test_db(char path[256])
{
	char dir[] = "/tmp/daxauthXXXXXX";
	char err[256];
	if (!mkdtemp(dir))
		abort();
	snprintf(path, 256, "%s/passdb", dir);
	if (passdb_add_user(path, "User", "Password", err, sizeof(err)) ||
	    passdb_add_user(path, "alice", "Secret1", err, sizeof(err)))
		abort();
	struct passdb *db = passdb_open(path, err, sizeof(err));
	if (!db)
		abort();
	return db;
}

static inline void test_db_remove(struct passdb *db, const char *path)
{
	char dir[256];
	passdb_close(db);
	unlink(path);
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	rmdir(dir);
}

/* One full exchange.  mut (if set) may change the token of leg 1..4
 * (1 = client NegTokenInit, 2 = server challenge, 3 = client
 * authenticate, 4 = server final) before it is delivered. */
struct hs_result {
	NTSTATUS server;       /* status of the last server step run */
	NTSTATUS client;       /* status of the last client step run */
	int legs;              /* tokens delivered */
	struct auth_identity id;
	bool client_key_ok;
	uint8_t client_key[16];
	struct buf tok[5];     /* copies of the tokens as delivered */
};

typedef void (*hs_mut)(int leg, struct buf *tok, void *arg);

static inline void hs_free(struct hs_result *r)
{
	for (int i = 0; i < 5; i++)
		buf_free(&r->tok[i]);
}

static inline void hs_run(struct passdb *db, const char *user, const char *domain, const char *pw,
			  bool raw, hs_mut mut, void *arg, struct hs_result *r)
{
	struct auth_client *c = auth_client_start(user, domain, pw, "WS1");
	struct auth_ctx *s = auth_start(db, "daxtest", "daxtest.example.com");
	struct buf t;
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 5; i++)
		buf_init(&r->tok[i], AUTH_MAX_TOKEN);
	if (raw)
		auth_client_test_raw(c);
	buf_init(&t, AUTH_MAX_TOKEN);
	r->client = auth_client_step(c, NULL, 0, &t);
	for (int leg = 1; leg <= 4; leg++) {
		if (mut)
			mut(leg, &t, arg);
		buf_bytes(&r->tok[leg], t.p, t.len);
		r->legs = leg;
		struct buf next;
		buf_init(&next, AUTH_MAX_TOKEN);
		if (leg % 2) {
			r->server = auth_step(s, t.p, t.len, &next);
			if (r->server != STATUS_MORE_PROCESSING_REQUIRED &&
			    r->server != STATUS_SUCCESS) {
				buf_free(&next);
				break;
			}
			if (r->server == STATUS_SUCCESS && raw) {
				buf_free(&next);
				break;
			}
		} else {
			r->client = auth_client_step(c, t.p, t.len, &next);
			if (r->client != STATUS_MORE_PROCESSING_REQUIRED &&
			    r->client != STATUS_SUCCESS) {
				buf_free(&next);
				break;
			}
		}
		buf_free(&t);
		t = next;
	}
	buf_free(&t);
	r->id = *auth_identity(s);
	r->client_key_ok = auth_client_session_key(c, r->client_key);
	auth_free(s);
	auth_client_free(c);
}

#endif
