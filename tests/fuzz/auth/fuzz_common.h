/* Shared set-up for the auth fuzz targets: a passdb with one user. */
#ifndef DAX_FUZZ_AUTH_COMMON_H
#define DAX_FUZZ_AUTH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/auth_int.h"
#include "crypto/crypto.h"

static struct passdb *fuzz_db __attribute__((unused));

__attribute__((unused)) static void fuzz_setup(void)
{
	char dir[] = "/tmp/daxfuzzXXXXXX", path[64], err[128];
	if (crypto_init() != 0 || !mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/passdb", dir);
	if (passdb_add_user(path, "alice", "Secret1", err, sizeof(err)) != 0)
		abort();
	fuzz_db = passdb_open(path, err, sizeof(err));
	/* The file stays for the lookup's stat(); remove the copy at exit is
	 * not needed for a fuzz run. */
	if (!fuzz_db)
		abort();
}

#endif
