/* The user database: a text file of "name:32-hex-NT-hash" lines, mode
 * 0600, re-read when it changes on disk, rewritten atomically. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "common/utf16.h"

#define PASSDB_MAX_FILE (16u << 20)
#define PASSDB_MAX_NAME 63

struct passdb_entry {
	char name[PASSDB_MAX_NAME + 1];
	uint8_t hash[16];
};

struct passdb_list {
	struct passdb_entry *e;
	size_t n;
};

struct passdb {
	char *path;
	pthread_mutex_t mu;
	struct passdb_list list;
	/* Identity of the file last loaded; exists false when it was absent. */
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void list_free(struct passdb_list *l)
{
	if (l->e)
		OPENSSL_cleanse(l->e, l->n * sizeof(*l->e));
	free(l->e);
	l->e = NULL;
	l->n = 0;
}

/* 1..63 bytes of valid UTF-8, no ':' and no control characters. */
static bool valid_name(const char *s, size_t len)
{
	if (len == 0 || len > PASSDB_MAX_NAME)
		return false;
	const char *p = s, *end = s + len;
	while (p < end) {
		uint32_t c = utf8_next(&p, end);
		if (c == 0xFFFFFFFFu || c < 0x20 || c == 0x7f || c == ':' || (c >= 0x80 && c < 0xa0))
			return false;
	}
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool parse_line(const char *line, size_t len, struct passdb_entry *e)
{
	const char *colon = memchr(line, ':', len);
	if (!colon || !valid_name(line, (size_t)(colon - line)))
		return false;
	const char *h = colon + 1;
	if ((size_t)(line + len - h) != 32)
		return false;
	for (int i = 0; i < 16; i++) {
		int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		e->hash[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(e->name, line, (size_t)(colon - line));
	e->name[colon - line] = 0;
	return true;
}

/* Parses a whole file image.  Empty lines and '#' comments are skipped. */
static int parse_file(const char *data, size_t n, struct passdb_list *out, char *err, size_t errlen)
{
	struct passdb_list l = { 0 };
	size_t cap = 0, lineno = 0;
	const char *p = data, *end = data + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t len = (size_t)(le - p);
		lineno++;
		if (len && p[len - 1] == '\r')
			len--;
		if (len && p[0] != '#') {
			if (l.n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct passdb_entry *ne = realloc(l.e, ncap * sizeof(*ne));
				if (!ne) {
					list_free(&l);
					seterr(err, errlen, "out of memory");
					return -1;
				}
				l.e = ne;
				cap = ncap;
			}
			if (!parse_line(p, len, &l.e[l.n])) {
				list_free(&l);
				seterr(err, errlen, "malformed line %zu", lineno);
				return -1;
			}
			l.n++;
		}
		p = nl ? nl + 1 : end;
	}
	*out = l;
	return 0;
}

/* Reads path into out.  A missing file gives an empty list and *exists
 * false.  st gets the file's identity. */
static int load(const char *path, struct passdb_list *out, bool *exists, struct stat *st, char *err,
		size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	memset(out, 0, sizeof(*out));
	if (fd < 0) {
		if (errno == ENOENT) {
			*exists = false;
			memset(st, 0, sizeof(*st));
			return 0;
		}
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *data = NULL;
	int rc = -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st->st_size > PASSDB_MAX_FILE) {
		seterr(err, errlen, "%s: too large", path);
		goto out;
	}
	size_t n = (size_t)st->st_size, got = 0;
	data = malloc(n + 1);
	if (!data) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	while (got < n) {
		ssize_t r = read(fd, data + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (parse_file(data, got, out, err, errlen) != 0)
		goto out;
	*exists = true;
	rc = 0;
out:
	if (data) {
		OPENSSL_cleanse(data, st->st_size > 0 ? (size_t)st->st_size : 0);
		free(data);
	}
	close(fd);
	return rc;
}

static void remember(struct passdb *db, bool exists, const struct stat *st)
{
	db->exists = exists;
	db->dev = st->st_dev;
	db->ino = st->st_ino;
	db->size = st->st_size;
	db->mtime = st->st_mtim;
}

struct passdb *passdb_open(const char *path, char *err, size_t errlen)
{
	struct passdb *db = calloc(1, sizeof(*db));
	struct stat st;
	bool exists;
	if (!db || !(db->path = strdup(path))) {
		free(db);
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	if (load(path, &db->list, &exists, &st, err, errlen) != 0) {
		free(db->path);
		free(db);
		return NULL;
	}
	remember(db, exists, &st);
	pthread_mutex_init(&db->mu, NULL);
	return db;
}

/* Called with db->mu held. */
static void refresh(struct passdb *db)
{
	struct stat st;
	bool exists = stat(db->path, &st) == 0;
	if (exists == db->exists &&
	    (!exists || (st.st_dev == db->dev && st.st_ino == db->ino && st.st_size == db->size &&
			 st.st_mtim.tv_sec == db->mtime.tv_sec &&
			 st.st_mtim.tv_nsec == db->mtime.tv_nsec)))
		return;
	struct passdb_list l;
	char err[256];
	/* A file that became unreadable or malformed keeps the last good
	 * contents; the admin tools only ever replace it whole. */
	if (load(db->path, &l, &exists, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "daxsmb: passdb reload failed: %s\n", err);
		return;
	}
	list_free(&db->list);
	db->list = l;
	remember(db, exists, &st);
}

bool passdb_lookup(struct passdb *db, const char *user, uint8_t nt_hash[16])
{
	bool found = false;
	if (!db || !user)
		return false;
	pthread_mutex_lock(&db->mu);
	refresh(db);
	for (size_t i = 0; i < db->list.n; i++) {
		if (utf8_casecmp(db->list.e[i].name, user) == 0) {
			memcpy(nt_hash, db->list.e[i].hash, 16);
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&db->mu);
	return found;
}

void passdb_close(struct passdb *db)
{
	if (!db)
		return;
	list_free(&db->list);
	pthread_mutex_destroy(&db->mu);
	free(db->path);
	free(db);
}

/* Writes l to path through a temp file in the same directory: write,
 * fsync, rename, fsync the directory. */
static int store(const char *path, const struct passdb_list *l, char *err, size_t errlen)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16), *dircopy = strdup(path);
	int fd = -1, rc = -1;
	FILE *f = NULL;
	if (!tmp || !dircopy) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);   /* created 0600 */
	if (fd < 0) {
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || !(f = fdopen(fd, "w"))) {
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	fd = -1;
	for (size_t i = 0; i < l->n; i++) {
		fprintf(f, "%s:", l->e[i].name);
		for (int j = 0; j < 16; j++)
			fprintf(f, "%02x", l->e[i].hash[j]);
		fputc('\n', f);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	if (fclose(f) != 0) {
		f = NULL;
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		seterr(err, errlen, "rename %s: %s", path, strerror(errno));
		goto out_unlink;
	}
	int dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
	goto out;
out_unlink:
	unlink(tmp);
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(dircopy);
	return rc;
}

static int load_for_edit(const char *path, struct passdb_list *l, char *err, size_t errlen)
{
	bool exists;
	struct stat st;
	return load(path, l, &exists, &st, err, errlen);
}

int passdb_add_user(const char *path, const char *user, const char *password, char *err, size_t errlen)
{
	struct passdb_entry e;
	struct passdb_list l;
	int rc = -1;
	if (!user || !valid_name(user, strlen(user))) {
		seterr(err, errlen, "invalid user name");
		return -1;
	}
	if (!password || ntlm_nt_hash(password, e.hash) != 0) {
		seterr(err, errlen, "invalid password (not UTF-8?)");
		return -1;
	}
	snprintf(e.name, sizeof(e.name), "%s", user);
	if (load_for_edit(path, &l, err, errlen) != 0)
		goto out;
	size_t i;
	for (i = 0; i < l.n; i++)
		if (utf8_casecmp(l.e[i].name, user) == 0)
			break;
	if (i == l.n) {
		struct passdb_entry *ne = realloc(l.e, (l.n + 1) * sizeof(*ne));
		if (!ne) {
			seterr(err, errlen, "out of memory");
			list_free(&l);
			goto out;
		}
		l.e = ne;
		l.n++;
	}
	l.e[i] = e;
	rc = store(path, &l, err, errlen);
	list_free(&l);
out:
	OPENSSL_cleanse(&e, sizeof(e));
	return rc;
}

int passdb_del_user(const char *path, const char *user, char *err, size_t errlen)
{
	struct passdb_list l;
	if (!user || load_for_edit(path, &l, err, errlen) != 0)
		return -1;
	size_t j = 0;
	for (size_t i = 0; i < l.n; i++)
		if (utf8_casecmp(l.e[i].name, user) != 0)
			l.e[j++] = l.e[i];
	if (j == l.n) {
		seterr(err, errlen, "no such user: %s", user);
		list_free(&l);
		return -1;
	}
	l.n = j;
	int rc = store(path, &l, err, errlen);
	list_free(&l);
	return rc;
}

int passdb_list_users(const char *path, void (*cb)(const char *name, void *arg), void *arg,
		      char *err, size_t errlen)
{
	struct passdb_list l;
	if (load_for_edit(path, &l, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		cb(l.e[i].name, arg);
	list_free(&l);
	return 0;
}
