/* Manual interop driver (not in CI): hex tokens on stdin, "status hex" on
 * stdout.  auth_tool server PASSDB | auth_tool client USER DOMAIN PASSWORD [raw] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "auth/auth.h"
#include "auth/auth_int.h"
#include "crypto/crypto.h"

static size_t unhexs(const char *s, uint8_t *o) { size_t n=0; unsigned v; while (sscanf(s, "%2x", &v)==1) { o[n++]=(uint8_t)v; s+=2; } return n; }
static void out(NTSTATUS st, struct buf *b) { printf("%08x ", st); for (size_t i=0;i<b->len;i++) printf("%02x", b->p[i]); printf("\n"); fflush(stdout); }
int main(int argc, char **argv)
{
	static char line[300000]; static uint8_t tok[150000]; char err[256];
	crypto_init();
	if (!strcmp(argv[1], "server")) {
		struct passdb *db = passdb_open(argv[2], err, sizeof err);
		struct auth_ctx *a = auth_start(db, "DAXTEST", "daxtest.local");
		while (fgets(line, sizeof line, stdin)) {
			size_t n = unhexs(line, tok); struct buf b; buf_init(&b, 1<<20);
			NTSTATUS st = auth_step(a, tok, n, &b); out(st, &b);
			if (st == 0) { const struct auth_identity *id = auth_identity(a); printf("id %s %s guest=%d anon=%d key=", id->user, id->domain, id->guest, id->anonymous); for (int i=0;i<16;i++) printf("%02x", id->session_key[i]); printf("\n"); fflush(stdout);}
		}
	} else {
		struct auth_client *c = auth_client_start(argv[2], argv[3], argv[4], "WS");
		if (argc > 5) auth_client_test_raw(c);
		struct buf b; buf_init(&b, 1<<20);
		out(auth_client_step(c, NULL, 0, &b), &b);
		while (fgets(line, sizeof line, stdin)) {
			size_t n = unhexs(line, tok); buf_init(&b, 1<<20);
			NTSTATUS st = auth_client_step(c, tok, n, &b); out(st, &b);
			uint8_t k[16]; if (auth_client_session_key(c, k)) { printf("key "); for (int i=0;i<16;i++) printf("%02x", k[i]); printf("\n"); fflush(stdout); }
		}
	}
	return 0;
}
