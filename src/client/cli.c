/* daxsmb ls, get, put, cp, rm, mkdir, rmdir, mv over libdaxsmb. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
#include "common/nttime.h"
#include "common/ntstatus.h"
#include "proto/smb2.h"

#define XFER_QD 4
#define XFER_CHUNK (1u << 20)

void cli_error(struct dsmb_conn *c, dsmb_status st, const char *fmt, ...)
{
	char name[32], what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	const char *detail = c ? dsmb_errmsg(c) : "";
	if (detail[0])
		fprintf(stderr, "daxsmb: %s: %s (%s)\n", what, dsmb_status_str(st, name), detail);
	else
		fprintf(stderr, "daxsmb: %s: %s\n", what, dsmb_status_str(st, name));
}

static double parse_seconds(const char *s)
{
	char *e;
	double v = strtod(s, &e);
	return (e == s || *e || v < 0) ? -1 : v;
}

int cli_parse(int argc, char **argv, struct cli_opts *co)
{
	memset(co, 0, sizeof(*co));
	dsmb_options_init(&co->o);
	co->seconds = 3;
	co->file_size = 64 << 20;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
#define OPTVAL(name)                                                                     \
	((!strcmp(a, name) && i + 1 < argc && (val = argv[++i])) ||                     \
	 (!strncmp(a, name "=", strlen(name) + 1) && (val = a + strlen(name) + 1)))
		if (OPTVAL("-U") || OPTVAL("--user")) {
			const char *d, *u, *p;
			if (smb_parse_user(val, co->userbuf, sizeof(co->userbuf), &d, &u, &p) < 0) {
				fprintf(stderr, "daxsmb: bad -U value (want [DOMAIN\\]USER[%%PASSWORD])\n");
				return 2;
			}
			co->o.domain = d;
			co->o.user = u;
			co->o.password = p;
			co->have_user = true;
		} else if (!strcmp(a, "-N") || !strcmp(a, "--no-pass")) {
			co->guest = true;
		} else if (OPTVAL("-m") || OPTVAL("--max-protocol")) {
			co->o.max_dialect = dsmb_dialect_parse(val);
			if (!co->o.max_dialect) {
				fprintf(stderr, "daxsmb: unknown protocol \"%s\" (SMB2_02, SMB2_10, SMB3_00, SMB3_02, SMB3_11)\n", val);
				return 2;
			}
		} else if (OPTVAL("--min-protocol")) {
			co->o.min_dialect = dsmb_dialect_parse(val);
			if (!co->o.min_dialect) {
				fprintf(stderr, "daxsmb: unknown protocol \"%s\"\n", val);
				return 2;
			}
		} else if (!strcmp(a, "--sign") || !strcmp(a, "--client-protection=sign")) {
			co->o.signing = DSMB_SIGNING_REQUIRED;
		} else if (OPTVAL("--timeout")) {
			double t = parse_seconds(val);
			if (t < 0) {
				fprintf(stderr, "daxsmb: bad --timeout\n");
				return 2;
			}
			co->o.timeout_ms = (int)(t * 1000);
		} else if (OPTVAL("--seconds")) {
			co->seconds = parse_seconds(val);
			if (co->seconds <= 0) {
				fprintf(stderr, "daxsmb: bad --seconds\n");
				return 2;
			}
		} else if (OPTVAL("--file-size")) {
			co->file_size = parse_size(val);
			if (co->file_size < (1 << 20)) {
				fprintf(stderr, "daxsmb: bad --file-size (at least 1M)\n");
				return 2;
			}
		} else if (!strcmp(a, "--json")) {
			co->json = true;
		} else if (OPTVAL("--idle")) {
			co->idle = atoi(val);
			if (co->idle <= 0) {
				fprintf(stderr, "daxsmb: bad --idle\n");
				return 2;
			}
		} else if (OPTVAL("--hold")) {
			co->hold = parse_seconds(val);
			if (co->hold <= 0) {
				fprintf(stderr, "daxsmb: bad --hold\n");
				return 2;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "daxsmb: unknown option %s\n", a);
			return 2;
		} else {
			if (co->npos == CLI_MAX_POS) {
				fprintf(stderr, "daxsmb: too many arguments\n");
				return 2;
			}
			co->pos[co->npos++] = a;
		}
#undef OPTVAL
	}
	if (co->guest) {
		co->o.user = NULL;
		co->o.password = NULL;
		co->have_user = false;
	}
	return 0;
}

static int read_password(char *buf, size_t n)
{
	const char *env = getenv("PASSWD");
	if (env) {
		snprintf(buf, n, "%s", env);
		return 0;
	}
	if (!isatty(STDIN_FILENO))
		return -1;
	struct termios old, noecho;
	fprintf(stderr, "Password: ");
	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return -1;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	char *r = fgets(buf, (int)n, stdin);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (!r)
		return -1;
	buf[strcspn(buf, "\r\n")] = 0;
	return 0;
}

int cli_url(const char *s, struct smb_url *u)
{
	char err[128];
	if (smb_url_parse(s, u, err, sizeof(err)) < 0) {
		fprintf(stderr, "daxsmb: %s: %s\n", s, err);
		return 2;
	}
	return 0;
}

int cli_session(const struct smb_url *u, struct cli_opts *co, struct dsmb_conn **cp,
		struct dsmb_tree **tp)
{
	static char pw[256]; /* the command line's own state, not the library's */
	*cp = NULL;
	*tp = NULL;
	if (co->have_user && !co->o.password) {
		if (read_password(pw, sizeof(pw)) < 0) {
			fprintf(stderr, "daxsmb: no password (use -U USER%%PASS, $PASSWD, or a terminal)\n");
			return 1;
		}
		co->o.password = pw;
	}
	struct dsmb_conn *c = dsmb_conn_new(&co->o);
	if (!c) {
		fprintf(stderr, "daxsmb: out of memory\n");
		return 1;
	}
	dsmb_status st = dsmb_connect(c, u->host, u->port);
	if (st) {
		cli_error(c, st, "connect to %s", u->host);
		dsmb_conn_free(c);
		return 1;
	}
	st = dsmb_login(c);
	if (st) {
		cli_error(c, st, "login as %s", co->o.user && co->o.user[0] ? co->o.user : "guest");
		dsmb_conn_free(c);
		return 1;
	}
	st = dsmb_tree_connect(c, u->share, tp);
	if (st) {
		cli_error(c, st, "connect to share %s", u->share);
		dsmb_conn_free(c);
		return 1;
	}
	*cp = c;
	return 0;
}

void cli_close(struct dsmb_conn *c, struct dsmb_tree *t)
{
	if (t)
		dsmb_tree_disconnect(t);
	dsmb_conn_free(c);
}

/* ---- progress ---- */

struct progress {
	bool on;
	uint64_t total, done;
	struct timespec start, last;
};

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_start(struct progress *p, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->on = isatty(STDERR_FILENO);
	p->total = total;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

static void progress_draw(struct progress *p, bool final)
{
	if (!p->on)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && ts_diff(&p->last, &now) < 0.1)
		return;
	p->last = now;
	double t = ts_diff(&p->start, &now);
	double pct = p->total ? 100.0 * (double)p->done / (double)p->total : 100.0;
	int w = 30, fill = (int)(pct * w / 100);
	char bar[40];
	for (int i = 0; i < w; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[w] = 0;
	fprintf(stderr, "\r[%s] %5.1f%% %8.1f MB/s", bar, pct, t > 0 ? (double)p->done / t / 1e6 : 0.0);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* ---- ls ---- */

struct lsent {
	char *name;
	struct dsmb_stat st;
};
struct lslist {
	struct lsent *v;
	size_t n, cap;
};

static int ls_collect(const struct dsmb_dirent *e, void *arg)
{
	struct lslist *l = arg;
	if (!strcmp(e->name, ".") || !strcmp(e->name, ".."))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct lsent *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return 1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].name = strdup(e->name);
	l->v[l->n].st = e->st;
	if (l->v[l->n].name)
		l->n++;
	return 0;
}

static int ls_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lsent *)a)->name, ((const struct lsent *)b)->name);
}

static void ls_print(const char *name, const struct dsmb_stat *st)
{
	struct timespec ts = nttime_to_timespec(st->last_write_time);
	struct tm tm;
	char when[32] = "";
	time_t tt = ts.tv_sec;
	if (localtime_r(&tt, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	char attr[8];
	int k = 0;
	attr[k++] = st->is_dir ? 'D' : '-';
	attr[k++] = (st->attributes & FILE_ATTRIBUTE_READONLY) ? 'R' : '-';
	attr[k++] = (st->attributes & FILE_ATTRIBUTE_HIDDEN) ? 'H' : '-';
	attr[k++] = (st->attributes & FILE_ATTRIBUTE_ARCHIVE) ? 'A' : '-';
	attr[k] = 0;
	printf("%s %14llu  %s  %s%s\n", attr, (unsigned long long)st->size, when, name,
	       st->is_dir ? "/" : "");
}

int cmd_ls(struct cli_opts *co)
{
	if (co->npos != 1) {
		fprintf(stderr, "usage: daxsmb ls //HOST[:PORT]/SHARE[/PATH] [-U USER%%PASS | -N]\n");
		return 2;
	}
	struct smb_url u;
	int rc = cli_url(co->pos[0], &u);
	struct dsmb_conn *c;
	struct dsmb_tree *t;
	if (rc || (rc = cli_session(&u, co, &c, &t)))
		return rc;
	/* A last component with a wildcard is a pattern. */
	char dir[sizeof(u.path)], pat[sizeof(u.path)] = "*";
	snprintf(dir, sizeof(dir), "%s", u.path);
	char *slash = strrchr(dir, '/');
	char *last = slash ? slash + 1 : dir;
	if (strpbrk(last, "*?")) {
		snprintf(pat, sizeof(pat), "%s", last);
		*last = 0;
		if (slash)
			*slash = 0;
	} else if (dir[0]) {
		struct dsmb_stat st;
		dsmb_status s = dsmb_stat(t, dir, &st);
		if (s) {
			cli_error(c, s, "ls %s", co->pos[0]);
			cli_close(c, t);
			return 1;
		}
		if (!st.is_dir) {
			ls_print(last, &st);
			cli_close(c, t);
			return 0;
		}
	}
	struct lslist l = {0};
	dsmb_status s = dsmb_list(t, dir, pat, ls_collect, &l);
	if (s) {
		cli_error(c, s, "ls %s", co->pos[0]);
		rc = 1;
	} else {
		if (l.n)
			qsort(l.v, l.n, sizeof(l.v[0]), ls_cmp);
		for (size_t i = 0; i < l.n; i++)
			ls_print(l.v[i].name, &l.v[i].st);
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].name);
	free(l.v);
	cli_close(c, t);
	return rc;
}

/* ---- get / put ---- */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

int cmd_get(struct cli_opts *co)
{
	if (co->npos != 2) {
		fprintf(stderr, "usage: daxsmb get //HOST[:PORT]/SHARE/PATH LOCAL [-U USER%%PASS | -N]\n");
		return 2;
	}
	struct smb_url u;
	int rc = cli_url(co->pos[0], &u);
	if (rc)
		return rc;
	if (!u.path[0]) {
		fprintf(stderr, "daxsmb: get needs a file path after the share\n");
		return 2;
	}
	char local[4096];
	struct stat lst;
	if (stat(co->pos[1], &lst) == 0 && S_ISDIR(lst.st_mode))
		snprintf(local, sizeof(local), "%s/%s", co->pos[1], base_name(u.path));
	else
		snprintf(local, sizeof(local), "%s", co->pos[1]);
	struct dsmb_conn *c;
	struct dsmb_tree *t;
	if ((rc = cli_session(&u, co, &c, &t)))
		return rc;
	struct dsmb_file *f = NULL;
	struct dsmb_stat st;
	uint8_t *bufs = NULL;
	int fd = -1;
	dsmb_status s = dsmb_open(t, u.path, DSMB_O_READ, &f);
	if (!s)
		s = dsmb_fstat(f, &st);
	if (s) {
		cli_error(c, s, "open %s", co->pos[0]);
		rc = 1;
		goto out;
	}
	if (st.is_dir) {
		fprintf(stderr, "daxsmb: %s is a directory\n", co->pos[0]);
		rc = 1;
		goto out;
	}
	fd = open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "daxsmb: %s: %s\n", local, strerror(errno));
		rc = 1;
		goto out;
	}
	struct dsmb_conn_info ci;
	dsmb_conn_get_info(c, &ci);
	uint32_t chunk = ci.max_read < XFER_CHUNK ? ci.max_read : XFER_CHUNK;
	bufs = malloc((size_t)XFER_QD * chunk);
	if (!bufs) {
		fprintf(stderr, "daxsmb: out of memory\n");
		rc = 1;
		goto out;
	}
	struct progress pg;
	progress_start(&pg, st.size);
	uint64_t next = 0, offs[XFER_QD];
	unsigned inflight = 0;
	for (unsigned i = 0; i < XFER_QD && next < st.size; i++) {
		uint32_t n = st.size - next < chunk ? (uint32_t)(st.size - next) : chunk;
		offs[i] = next;
		if ((s = dsmb_submit_read(f, next, bufs + (size_t)i * chunk, n, i)))
			break;
		next += n;
		inflight++;
	}
	while (!s && inflight) {
		struct dsmb_completion cp;
		if ((s = dsmb_wait_one(c, &cp)))
			break;
		inflight--;
		if (cp.status && cp.status != STATUS_END_OF_FILE) {
			s = cp.status;
			break;
		}
		unsigned i = (unsigned)cp.tag;
		if (cp.bytes && pwrite(fd, bufs + (size_t)i * chunk, cp.bytes, (off_t)offs[i]) != (ssize_t)cp.bytes) {
			fprintf(stderr, "daxsmb: %s: %s\n", local, strerror(errno));
			rc = 1;
			break;
		}
		pg.done += cp.bytes;
		progress_draw(&pg, false);
		if (next < st.size) {
			uint32_t n = st.size - next < chunk ? (uint32_t)(st.size - next) : chunk;
			offs[i] = next;
			if ((s = dsmb_submit_read(f, next, bufs + (size_t)i * chunk, n, i)))
				break;
			next += n;
			inflight++;
		}
	}
	while (inflight && dsmb_outstanding(c)) { /* drain after an error */
		struct dsmb_completion cp;
		if (dsmb_wait_one(c, &cp))
			break;
		inflight--;
	}
	progress_draw(&pg, true);
	if (s) {
		cli_error(c, s, "read %s", co->pos[0]);
		rc = 1;
	} else if (!rc && pg.done != st.size) {
		fprintf(stderr, "daxsmb: %s: short read (%llu of %llu bytes)\n", co->pos[0],
			(unsigned long long)pg.done, (unsigned long long)st.size);
		rc = 1;
	}
	if (close(fd) < 0 && !rc) {
		fprintf(stderr, "daxsmb: %s: %s\n", local, strerror(errno));
		rc = 1;
	}
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(bufs);
	if (f)
		dsmb_close(f);
	cli_close(c, t);
	return rc;
}

int cmd_put(struct cli_opts *co)
{
	if (co->npos != 2) {
		fprintf(stderr, "usage: daxsmb put LOCAL //HOST[:PORT]/SHARE/PATH [-U USER%%PASS | -N]\n");
		return 2;
	}
	struct smb_url u;
	int rc = cli_url(co->pos[1], &u);
	if (rc)
		return rc;
	int fd = open(co->pos[0], O_RDONLY | O_CLOEXEC);
	struct stat lst;
	if (fd < 0 || fstat(fd, &lst) < 0) {
		fprintf(stderr, "daxsmb: %s: %s\n", co->pos[0], strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (!u.path[0])
		snprintf(u.path, sizeof(u.path), "%s", base_name(co->pos[0]));
	struct dsmb_conn *c;
	struct dsmb_tree *t;
	if ((rc = cli_session(&u, co, &c, &t))) {
		close(fd);
		return rc;
	}
	/* A remote directory: put into it under the local name. */
	struct dsmb_stat rst;
	if (dsmb_stat(t, u.path, &rst) == STATUS_SUCCESS && rst.is_dir) {
		size_t l = strlen(u.path);
		snprintf(u.path + l, sizeof(u.path) - l, "/%s", base_name(co->pos[0]));
	}
	struct dsmb_file *f = NULL;
	uint8_t *bufs = NULL;
	dsmb_status s = dsmb_open(t, u.path, DSMB_O_WRITE | DSMB_O_CREATE | DSMB_O_TRUNC, &f);
	if (s) {
		cli_error(c, s, "create %s", co->pos[1]);
		rc = 1;
		goto out;
	}
	struct dsmb_conn_info ci;
	dsmb_conn_get_info(c, &ci);
	uint32_t chunk = ci.max_write < XFER_CHUNK ? ci.max_write : XFER_CHUNK;
	bufs = malloc(chunk);
	if (!bufs) {
		fprintf(stderr, "daxsmb: out of memory\n");
		rc = 1;
		goto out;
	}
	struct progress pg;
	progress_start(&pg, (uint64_t)lst.st_size);
	uint64_t off = 0;
	unsigned inflight = 0;
	for (;;) {
		ssize_t n = read(fd, bufs, chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "daxsmb: %s: %s\n", co->pos[0], strerror(errno));
			rc = 1;
			break;
		}
		if (n == 0)
			break;
		if (inflight == XFER_QD) {
			struct dsmb_completion cp;
			if ((s = dsmb_wait_one(c, &cp)) || (s = cp.status))
				break;
			inflight--;
			pg.done += cp.bytes;
			progress_draw(&pg, false);
		}
		/* The payload is on the wire when submit returns: bufs is reusable. */
		if ((s = dsmb_submit_write(f, off, bufs, (uint32_t)n, 0, off)))
			break;
		inflight++;
		off += (uint64_t)n;
	}
	while (inflight) {
		struct dsmb_completion cp;
		dsmb_status w = dsmb_wait_one(c, &cp);
		if (w) {
			if (!s)
				s = w;
			break;
		}
		inflight--;
		if (cp.status && !s)
			s = cp.status;
		pg.done += cp.bytes;
	}
	progress_draw(&pg, true);
	if (s) {
		cli_error(c, s, "write %s", co->pos[1]);
		rc = 1;
	}
out:
	close(fd);
	free(bufs);
	if (f) {
		dsmb_status cs = dsmb_close(f);
		if (cs && !rc) {
			cli_error(c, cs, "close %s", co->pos[1]);
			rc = 1;
		}
	}
	cli_close(c, t);
	return rc;
}

/* ---- cp: server-side copy within a share ---- */

static void cp_progress(uint64_t done, uint64_t total, void *arg)
{
	struct progress *p = arg;
	p->done = done;
	p->total = total;
	progress_draw(p, false);
}

int cmd_cp(struct cli_opts *co)
{
	if (co->npos != 2) {
		fprintf(stderr, "usage: daxsmb cp //HOST[:PORT]/SHARE/PATH NEWPATH [-U USER%%PASS | -N]\n"
				"  NEWPATH: a path in the same share, or its full //HOST[:PORT]/SHARE/PATH;\n"
				"  an existing directory gets the file under its own name; a file is replaced\n");
		return 2;
	}
	struct smb_url u, v;
	int rc = cli_url(co->pos[0], &u);
	if (rc)
		return rc;
	if (!u.path[0]) {
		fprintf(stderr, "daxsmb: cp needs a file path after the share\n");
		return 2;
	}
	const char *to = co->pos[1];
	if ((to[0] == '/' && to[1] == '/') || (to[0] == '\\' && to[1] == '\\') || !strncmp(to, "smb://", 6)) {
		if ((rc = cli_url(to, &v)))
			return rc;
		/* The server copies between two opens of one session. */
		if (strcasecmp(u.host, v.host) || u.port != v.port || strcasecmp(u.share, v.share)) {
			fprintf(stderr, "daxsmb: cp copies within one share: %s and %s differ\n", co->pos[0], to);
			return 2;
		}
		to = v.path;
	}
	char dst[sizeof(u.path) + 2];
	snprintf(dst, sizeof(dst), "%s", to);
	struct dsmb_conn *c;
	struct dsmb_tree *t;
	if ((rc = cli_session(&u, co, &c, &t)))
		return rc;
	/* Into an existing directory (or the share root) under the source's name. */
	struct dsmb_stat dst_st;
	bool into_dir = !dst[strspn(dst, "/\\")] ||
			(dsmb_stat(t, dst, &dst_st) == STATUS_SUCCESS && dst_st.is_dir);
	if (into_dir) {
		size_t l = strlen(dst);
		if (l + 1 + strlen(base_name(u.path)) >= sizeof(dst)) {
			fprintf(stderr, "daxsmb: destination path too long\n");
			cli_close(c, t);
			return 2;
		}
		snprintf(dst + l, sizeof(dst) - l, "/%s", base_name(u.path));
	}
	struct progress pg;
	progress_start(&pg, 0);
	uint64_t copied = 0;
	dsmb_status s = dsmb_copy(t, u.path, dst, true, cp_progress, &pg, &copied);
	progress_draw(&pg, true);
	if (s) {
		cli_error(c, s, "cp %s to %s (%llu bytes copied)", co->pos[0], dst, (unsigned long long)copied);
		rc = 1;
	}
	cli_close(c, t);
	return rc;
}

/* ---- rm, mkdir, rmdir, mv ---- */

static int path_cmd(struct cli_opts *co, const char *name, int which)
{
	if (co->npos != (which == 3 ? 2 : 1)) {
		fprintf(stderr, which == 3 ? "usage: daxsmb mv //HOST[:PORT]/SHARE/PATH NEWPATH\n"
					   : "usage: daxsmb %s //HOST[:PORT]/SHARE/PATH [-U USER%%PASS | -N]\n",
			name);
		return 2;
	}
	struct smb_url u;
	int rc = cli_url(co->pos[0], &u);
	if (rc)
		return rc;
	if (!u.path[0]) {
		fprintf(stderr, "daxsmb: %s needs a path after the share\n", name);
		return 2;
	}
	struct dsmb_conn *c;
	struct dsmb_tree *t;
	if ((rc = cli_session(&u, co, &c, &t)))
		return rc;
	dsmb_status s;
	switch (which) {
	case 0:
		s = dsmb_unlink(t, u.path);
		if (s == STATUS_FILE_IS_A_DIRECTORY)
			s = dsmb_rmdir(t, u.path);
		break;
	case 1: s = dsmb_mkdir(t, u.path); break;
	case 2: s = dsmb_rmdir(t, u.path); break;
	default: {
		/* NEWPATH: a full URL on the same share, or a share-relative path */
		struct smb_url v;
		const char *to = co->pos[1];
		if ((to[0] == '/' && to[1] == '/') || !strncmp(to, "smb://", 6)) {
			if (cli_url(to, &v)) {
				cli_close(c, t);
				return 2;
			}
			to = v.path;
		}
		s = dsmb_rename(t, u.path, to, false);
		break;
	}
	}
	if (s) {
		cli_error(c, s, "%s %s", name, co->pos[0]);
		rc = 1;
	}
	cli_close(c, t);
	return rc;
}

int cmd_rm(struct cli_opts *co) { return path_cmd(co, "rm", 0); }
int cmd_mkdir(struct cli_opts *co) { return path_cmd(co, "mkdir", 1); }
int cmd_rmdir(struct cli_opts *co) { return path_cmd(co, "rmdir", 2); }
int cmd_mv(struct cli_opts *co) { return path_cmd(co, "mv", 3); }
