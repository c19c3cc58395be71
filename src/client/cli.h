/* The daxsmb command line: shared option parsing and session set-up. */
#ifndef DAX_CLIENT_CLI_H
#define DAX_CLIENT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "daxsmb.h"
#include "client/url.h"

#define CLI_MAX_POS 8

struct cli_opts {
	struct dsmb_options o;
	char userbuf[512];
	bool have_user, guest;
	/* bench */
	double seconds;
	int64_t file_size;
	bool json;
	int idle;
	double hold;
	const char *pos[CLI_MAX_POS];
	int npos;
};

/* Parses the common options (-U, -N, -m, --min-protocol, --sign,
 * --timeout, and the bench ones) anywhere among argv; the rest are
 * positionals.  Returns 0, or 2 after printing a usage error. */
int cli_parse(int argc, char **argv, struct cli_opts *co);
/* Connects, logs in and connects the tree of u, printing an error
 * (with the NTSTATUS name) on failure.  Returns 0 or the exit code. */
int cli_session(const struct smb_url *u, struct cli_opts *co, struct dsmb_conn **c,
		struct dsmb_tree **t);
/* "daxsmb: <what>: STATUS_NAME (detail)" on stderr. */
void cli_error(struct dsmb_conn *c, dsmb_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Parses a positional as an SMB URL, printing the error.  0 or 2. */
int cli_url(const char *s, struct smb_url *u);
void cli_close(struct dsmb_conn *c, struct dsmb_tree *t);

int cmd_ls(struct cli_opts *co);
int cmd_get(struct cli_opts *co);
int cmd_put(struct cli_opts *co);
int cmd_rm(struct cli_opts *co);
int cmd_mkdir(struct cli_opts *co);
int cmd_rmdir(struct cli_opts *co);
int cmd_mv(struct cli_opts *co);
int cmd_cp(struct cli_opts *co);
int cmd_bench(struct cli_opts *co);

#endif
