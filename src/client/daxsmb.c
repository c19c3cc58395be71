/* daxsmb: the command line.  Admin commands (user add|del|list) and,
 * over libdaxsmb, file transfer (ls, get, put, cp, rm, mkdir, rmdir, mv) and
 * bench. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auth/auth.h"
#include "client/cli.h"
#include "crypto/crypto.h"

static void usage(FILE *f)
{
	fprintf(f, "usage:\n"
		   "  daxsmb ls //HOST[:PORT]/SHARE[/PATH]\n"
		   "  daxsmb get //HOST[:PORT]/SHARE/PATH LOCAL\n"
		   "  daxsmb put LOCAL //HOST[:PORT]/SHARE[/PATH]\n"
		   "  daxsmb rm|mkdir|rmdir //HOST[:PORT]/SHARE/PATH\n"
		   "  daxsmb mv //HOST[:PORT]/SHARE/PATH NEWPATH\n"
		   "  daxsmb cp //HOST[:PORT]/SHARE/PATH NEWPATH   (server-side copy within the share)\n"
		   "  daxsmb bench //HOST[:PORT]/SHARE[/DIR] [--seconds 3] [--file-size 64M] [--json]\n"
		   "  daxsmb bench //HOST[:PORT]/SHARE --idle N [--hold SECONDS]\n"
		   "    common options: -U [DOMAIN\\]USER[%%PASS] | -N (guest), -m SMB3_11 (max protocol),\n"
		   "    --min-protocol SMB2_02, --sign (require signing), --timeout SECONDS\n"
		   "    (no %%PASS: $PASSWD or a prompt on a terminal)\n"
		   "  daxsmb user add NAME --passdb FILE   (password from stdin, or prompted)\n"
		   "  daxsmb user del NAME --passdb FILE\n"
		   "  daxsmb user list --passdb FILE\n");
}

/* Reads one line; strips the newline.  Returns 0 or -1. */
static int read_line(FILE *f, char *buf, size_t n)
{
	if (!fgets(buf, (int)n, f))
		return -1;
	size_t l = strlen(buf);
	if (l && buf[l - 1] == '\n')
		buf[--l] = 0;
	else if (l == n - 1)
		return -1; /* too long */
	if (l && buf[l - 1] == '\r')
		buf[--l] = 0;
	return 0;
}

static int prompt(const char *what, char *buf, size_t n)
{
	struct termios old, noecho;
	fprintf(stderr, "%s", what);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return -1;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	int rc = read_line(stdin, buf, n);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

static int get_password(char *pw, size_t n)
{
	if (!isatty(STDIN_FILENO)) {
		if (read_line(stdin, pw, n) < 0) {
			fprintf(stderr, "daxsmb: no password on standard input\n");
			return -1;
		}
		return 0;
	}
	char again[256];
	if (prompt("New password: ", pw, n) < 0 || prompt("Retype password: ", again, sizeof(again)) < 0)
		return -1;
	int same = !strcmp(pw, again);
	OPENSSL_cleanse(again, sizeof(again));
	if (!same) {
		fprintf(stderr, "daxsmb: passwords do not match\n");
		return -1;
	}
	return 0;
}

static void print_name(const char *name, void *arg)
{
	(void)arg;
	printf("%s\n", name);
}

static int cmd_user(int argc, char **argv)
{
	const char *passdb = NULL, *name = NULL, *verb = argc > 0 ? argv[0] : NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--passdb") && i + 1 < argc)
			passdb = argv[++i];
		else if (!strncmp(argv[i], "--passdb=", 9))
			passdb = argv[i] + 9;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (!verb || !passdb) {
		usage(stderr);
		return 2;
	}
	char err[256] = "";
	if (!strcmp(verb, "list")) {
		if (passdb_list_users(passdb, print_name, NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "daxsmb: %s\n", err);
			return 1;
		}
		return 0;
	}
	if (!name) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(verb, "add")) {
		char pw[256];
		if (get_password(pw, sizeof(pw)) < 0)
			return 1;
		int rc = passdb_add_user(passdb, name, pw, err, sizeof(err));
		OPENSSL_cleanse(pw, sizeof(pw));
		if (rc < 0) {
			fprintf(stderr, "daxsmb: %s\n", err);
			return 1;
		}
		return 0;
	}
	if (!strcmp(verb, "del")) {
		if (passdb_del_user(passdb, name, err, sizeof(err)) < 0) {
			fprintf(stderr, "daxsmb: %s\n", err);
			return 1;
		}
		return 0;
	}
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (crypto_init() < 0) {
		fprintf(stderr, "daxsmb: cannot initialise OpenSSL\n");
		return 1;
	}
	if (!strcmp(argv[1], "user"))
		return cmd_user(argc - 2, argv + 2);
	static const struct {
		const char *name;
		int (*fn)(struct cli_opts *);
	} cmds[] = {
		{"ls", cmd_ls},       {"get", cmd_get},     {"put", cmd_put}, {"rm", cmd_rm},
		{"mkdir", cmd_mkdir}, {"rmdir", cmd_rmdir}, {"mv", cmd_mv},   {"cp", cmd_cp},
		{"bench", cmd_bench},
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		struct cli_opts co;
		int rc = cli_parse(argc - 2, argv + 2, &co);
		return rc ? rc : cmds[i].fn(&co);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
