/* daxsmb bench: request latency and throughput against one share, on
 * one connection, plus --idle N (N authenticated idle connections for
 * the server's memory measurement).
 *
 * Every test runs for --seconds on a file the bench creates and removes.
 * Latency is measured per request, from just before the submit to the
 * reaping of its completion (CLOCK_MONOTONIC). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
#include "proto/smb2.h"

struct lat {
	uint64_t *v;
	size_t n, cap;
};

static bool lat_add(struct lat *l, uint64_t ns)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 65536;
		uint64_t *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ns;
	return true;
}

struct result {
	const char *name;
	uint64_t ops;
	double iops, mean_us, p50_us, p99_us, mbps;
	bool ran;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(const struct lat *l, double p)
{
	if (!l->n)
		return 0;
	size_t i = (size_t)ceil(p * (double)l->n) - 1;
	if (i >= l->n)
		i = l->n - 1;
	return (double)l->v[i] / 1000.0;
}

static void finish(struct result *r, struct lat *l, uint64_t elapsed_ns, uint64_t bytes)
{
	r->ran = true;
	r->ops = l->n;
	double secs = (double)elapsed_ns / 1e9;
	r->iops = secs > 0 ? (double)l->n / secs : 0;
	r->mbps = secs > 0 ? (double)bytes / secs / 1e6 : 0;
	if (l->n) {
		long double sum = 0;
		for (size_t i = 0; i < l->n; i++)
			sum += l->v[i];
		r->mean_us = (double)(sum / l->n) / 1000.0;
		qsort(l->v, l->n, sizeof(l->v[0]), cmp_u64);
		r->p50_us = pct(l, 0.50);
		r->p99_us = pct(l, 0.99);
	}
	l->n = 0;
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

struct bench {
	struct cli_opts *co;
	struct dsmb_conn *c;
	struct dsmb_tree *t;
	struct dsmb_file *f;
	char fname[1200], dname[1200];
	uint64_t fsize;
	uint64_t rng;
	uint8_t *wbuf;   /* write payload (shared: sent before submit returns) */
	uint8_t *rbufs;  /* one read destination per queue slot */
	struct lat lat;
	const char *failed;
	dsmb_status fst;
};

/* READ/WRITE at queue depth qd for the configured time.  seq: sequential
 * offsets (wrapping), else random block-aligned ones. */
static int run_io(struct bench *b, struct result *r, bool write, uint32_t size, unsigned qd,
		  bool seq, uint32_t wflags)
{
	uint64_t t_sub[64];
	uint64_t nblocks = b->fsize / size, seqpos = 0, bytes = 0;
	uint64_t start = now_ns(), end = start + (uint64_t)(b->co->seconds * 1e9), last = start;
	unsigned inflight = 0;
	dsmb_status st = 0;
	bool stop = false;
	if (qd > 64)
		qd = 64;
	for (unsigned k = 0; k < 64; k++)
		t_sub[k] = UINT64_MAX;
	for (;;) {
		while (!stop && inflight < qd) {
			unsigned slot = 0;
			while (t_sub[slot] != UINT64_MAX) /* a free tag exists: inflight < qd */
				slot++;
			uint64_t blk = seq ? (seqpos++ % nblocks) : rng_next(&b->rng) % nblocks;
			uint64_t off = blk * size;
			t_sub[slot] = now_ns();
			if (write)
				st = dsmb_submit_write(b->f, off, b->wbuf, size, wflags, slot);
			else
				st = dsmb_submit_read(b->f, off, b->rbufs + (size_t)slot * size, size, slot);
			if (st) {
				t_sub[slot] = UINT64_MAX;
				stop = true;
				break;
			}
			inflight++;
		}
		if (!inflight)
			break;
		struct dsmb_completion cp;
		dsmb_status w = dsmb_wait_one(b->c, &cp);
		if (w) {
			st = w;
			break;
		}
		uint64_t t = now_ns();
		inflight--;
		if (cp.status) {
			st = cp.status;
			stop = true;
		} else {
			lat_add(&b->lat, t - t_sub[cp.tag]);
			bytes += cp.bytes;
			last = t;
		}
		t_sub[cp.tag] = UINT64_MAX;
		if (t >= end)
			stop = true;
	}
	finish(r, &b->lat, last - start, bytes);
	if (st) {
		b->fst = st;
		return -1;
	}
	return 0;
}

static int run_create_close(struct bench *b, struct result *r, uint64_t *created)
{
	uint64_t start = now_ns(), end = start + (uint64_t)(b->co->seconds * 1e9), last = start;
	struct dsmb_create_args a = {.desired_access = FILE_READ_DATA | FILE_WRITE_DATA | FILE_READ_ATTRIBUTES,
				     .share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
				     .disposition = FILE_CREATE,
				     .options = FILE_NON_DIRECTORY_FILE};
	char name[1300];
	for (;;) {
		snprintf(name, sizeof(name), "%s/f%" PRIu64, b->dname, *created);
		uint64_t t0 = now_ns();
		struct dsmb_file *f;
		dsmb_status st = dsmb_create(b->t, name, &a, &f, NULL, NULL);
		if (!st) {
			(*created)++;
			st = dsmb_close(f);
		}
		uint64_t t1 = now_ns();
		if (st) {
			finish(r, &b->lat, last - start, 0);
			b->fst = st;
			return -1;
		}
		lat_add(&b->lat, t1 - t0);
		last = t1;
		if (t1 >= end)
			break;
	}
	finish(r, &b->lat, last - start, 0);
	return 0;
}

/* stat = CREATE (FILE_READ_ATTRIBUTES) + QUERY_INFO FileNetworkOpenInformation
 * + CLOSE on the bench file: three round trips, a path stat as a client
 * without a cached handle does it. */
static int run_stat(struct bench *b, struct result *r)
{
	uint64_t start = now_ns(), end = start + (uint64_t)(b->co->seconds * 1e9), last = start;
	for (;;) {
		struct dsmb_stat st;
		uint64_t t0 = now_ns();
		dsmb_status s = dsmb_stat(b->t, b->fname, &st);
		uint64_t t1 = now_ns();
		if (s) {
			finish(r, &b->lat, last - start, 0);
			b->fst = s;
			return -1;
		}
		lat_add(&b->lat, t1 - t0);
		last = t1;
		if (t1 >= end)
			break;
	}
	finish(r, &b->lat, last - start, 0);
	return 0;
}

static int run_echo(struct bench *b, struct result *r)
{
	uint64_t start = now_ns(), end = start + (uint64_t)(b->co->seconds * 1e9), last = start;
	for (;;) {
		uint64_t t0 = now_ns();
		dsmb_status s = dsmb_echo(b->c);
		uint64_t t1 = now_ns();
		if (s) {
			finish(r, &b->lat, last - start, 0);
			b->fst = s;
			return -1;
		}
		lat_add(&b->lat, t1 - t0);
		last = t1;
		if (t1 >= end)
			break;
	}
	finish(r, &b->lat, last - start, 0);
	return 0;
}

/* Fills the file once (untimed) so reads hit written data. */
static int fill_file(struct bench *b)
{
	struct dsmb_conn_info ci;
	dsmb_conn_get_info(b->c, &ci);
	uint32_t chunk = ci.max_write < (1u << 20) ? ci.max_write : (1u << 20);
	uint64_t off = 0;
	unsigned inflight = 0;
	while (off < b->fsize || inflight) {
		if (off < b->fsize && inflight < 4) {
			uint32_t n = b->fsize - off < chunk ? (uint32_t)(b->fsize - off) : chunk;
			dsmb_status s = dsmb_submit_write(b->f, off, b->wbuf, n, 0, 0);
			if (s) {
				b->fst = s;
				return -1;
			}
			off += n;
			inflight++;
			continue;
		}
		struct dsmb_completion cp;
		dsmb_status s = dsmb_wait_one(b->c, &cp);
		if (!s)
			s = cp.status;
		if (s) {
			b->fst = s;
			return -1;
		}
		inflight--;
	}
	dsmb_status s = dsmb_flush(b->f);
	if (s)
		b->fst = s;
	return s ? -1 : 0;
}

enum { T_WT1, T_W1, T_W32, T_R1, T_R32, T_SR, T_SW, T_CC, T_STAT, T_ECHO, T_N };
static const char *const test_names[T_N] = {
	"write4k_wt_qd1", "write4k_qd1", "write4k_qd32", "read4k_qd1", "read4k_qd32",
	"seqread1m",      "seqwrite1m",  "create_close", "stat",       "echo",
};

static void print_json(const char *target, const struct dsmb_conn_info *ci,
		       const struct result *res)
{
	printf("{\"target\": \"%s\", \"dialect\": \"%s\", \"signing\": %s, \"results\": {", target,
	       dsmb_dialect_name(ci->dialect), ci->signing ? "true" : "false");
	for (int i = 0; i < T_N; i++) {
		const struct result *r = &res[i];
		printf("%s\"%s\": {\"ops\": %" PRIu64 ", \"iops\": %.1f, \"mean_us\": %.2f, "
		       "\"p50_us\": %.2f, \"p99_us\": %.2f, \"mbps\": %.2f}",
		       i ? ", " : "", test_names[i], r->ops, r->iops, r->mean_us, r->p50_us, r->p99_us,
		       r->mbps);
	}
	printf("}}\n");
}

static void print_table(const char *target, const struct dsmb_conn_info *ci,
			const struct result *res, const struct cli_opts *co)
{
	static const char *const algs[] = {"HMAC-SHA256", "AES-CMAC", "AES-GMAC"};
	printf("daxsmb bench %s  dialect %s  signing %s  file %" PRId64 " MiB  %.3g s per test\n", target,
	       dsmb_dialect_name(ci->dialect),
	       ci->signing ? algs[ci->sign_alg >= 0 && ci->sign_alg < 3 ? ci->sign_alg : 0] : "off",
	       co->file_size >> 20, co->seconds);
	printf("%-16s %10s %11s %10s %10s %10s %10s\n", "test", "ops", "iops", "mean_us", "p50_us",
	       "p99_us", "MB/s");
	for (int i = 0; i < T_N; i++) {
		const struct result *r = &res[i];
		if (!r->ran) {
			printf("%-16s %10s\n", test_names[i], "not run");
			continue;
		}
		printf("%-16s %10" PRIu64 " %11.1f %10.1f %10.1f %10.1f %10.2f\n", test_names[i], r->ops,
		       r->iops, r->mean_us, r->p50_us, r->p99_us, r->mbps);
	}
	printf("stat = CREATE + QUERY_INFO(FileNetworkOpenInformation) + CLOSE by path (3 round trips); "
	       "create_close = CREATE(new file) + CLOSE (2); seq* at QD4; latency per request.\n");
}

static int bench_idle(struct cli_opts *co, const struct smb_url *u);

int cmd_bench(struct cli_opts *co)
{
	if (co->npos != 1) {
		fprintf(stderr, "usage: daxsmb bench //HOST[:PORT]/SHARE [-U USER%%PASS | -N] [--seconds N]\n"
				"                    [--file-size 64M] [--json] [--idle N [--hold SECONDS]]\n");
		return 2;
	}
	struct smb_url u;
	int rc = cli_url(co->pos[0], &u);
	if (rc)
		return rc;
	if (co->idle)
		return bench_idle(co, &u);
	char target[600];
	smb_url_target(&u, target, sizeof(target));

	struct bench b = {.co = co, .fsize = (uint64_t)co->file_size};
	b.fsize &= ~(uint64_t)((1u << 20) - 1);
	if ((rc = cli_session(&u, co, &b.c, &b.t)))
		return rc;
	struct dsmb_conn_info ci;
	dsmb_conn_get_info(b.c, &ci);
	b.rng = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ull;
	if (!b.rng)
		b.rng = 1;
	unsigned tag = (unsigned)(rng_next(&b.rng) & 0xFFFFFF);
	const char *base = u.path[0] ? u.path : "";
	snprintf(b.fname, sizeof(b.fname), "%s%sdaxsmb-bench-%d-%06x.dat", base, *base ? "/" : "",
		 (int)getpid(), tag);
	snprintf(b.dname, sizeof(b.dname), "%s%sdaxsmb-bench-%d-%06x.d", base, *base ? "/" : "",
		 (int)getpid(), tag);
	b.wbuf = malloc(1u << 20);
	b.rbufs = malloc((size_t)32 * 4096 + (size_t)4 * (1u << 20));
	if (!b.wbuf || !b.rbufs) {
		fprintf(stderr, "daxsmb: out of memory\n");
		cli_close(b.c, b.t);
		return 1;
	}
	for (size_t i = 0; i < (1u << 20); i++)
		b.wbuf[i] = (uint8_t)rng_next(&b.rng);

	struct result res[T_N];
	memset(res, 0, sizeof(res));
	uint64_t created = 0;
	bool dir_made = false;
	struct dsmb_create_args a = {.desired_access = FILE_READ_DATA | FILE_WRITE_DATA | FILE_READ_ATTRIBUTES |
						       FILE_WRITE_ATTRIBUTES | DELETE | SYNCHRONIZE,
				     .share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
				     .disposition = FILE_OVERWRITE_IF,
				     .options = FILE_NON_DIRECTORY_FILE};
	dsmb_status st = dsmb_create(b.t, b.fname, &a, &b.f, NULL, NULL);
	if (st) {
		b.failed = "create the bench file";
		b.fst = st;
		goto out;
	}
	if (fill_file(&b) < 0) {
		b.failed = "fill the bench file";
		goto out;
	}
	struct {
		int id;
		bool write;
		uint32_t size;
		unsigned qd;
		bool seq;
		uint32_t flags;
	} io[] = {
		{T_WT1, true, 4096, 1, false, DSMB_WRITE_THROUGH},
		{T_W1, true, 4096, 1, false, 0},
		{T_W32, true, 4096, 32, false, 0},
		{T_R1, false, 4096, 1, false, 0},
		{T_R32, false, 4096, 32, false, 0},
		{T_SR, false, 1u << 20, 4, true, 0},
		{T_SW, true, 1u << 20, 4, true, 0},
	};
	for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++) {
		uint32_t size = io[i].size;
		if (size > ci.max_read || size > ci.max_write)
			size = ci.max_read < ci.max_write ? ci.max_read : ci.max_write;
		res[io[i].id].name = test_names[io[i].id];
		if (run_io(&b, &res[io[i].id], io[i].write, size, io[i].qd, io[i].seq, io[i].flags) < 0) {
			b.failed = test_names[io[i].id];
			goto out;
		}
	}
	st = dsmb_mkdir(b.t, b.dname);
	if (st) {
		b.failed = "mkdir for create_close";
		b.fst = st;
		goto out;
	}
	dir_made = true;
	if (run_create_close(&b, &res[T_CC], &created) < 0) {
		b.failed = "create_close";
		goto out;
	}
	if (run_stat(&b, &res[T_STAT]) < 0) {
		b.failed = "stat";
		goto out;
	}
	if (run_echo(&b, &res[T_ECHO]) < 0) {
		b.failed = "echo";
		goto out;
	}
out:
	if (b.failed) {
		cli_error(b.c, b.fst, "bench: %s", b.failed);
		rc = 1;
	}
	/* Clean up (untimed); after a broken connection there is nothing to do. */
	while (dsmb_outstanding(b.c)) {
		struct dsmb_completion cp;
		if (dsmb_wait_one(b.c, &cp))
			break;
	}
	if (b.f) {
		dsmb_close(b.f);
		dsmb_unlink(b.t, b.fname);
	}
	for (uint64_t i = 0; i < created; i++) {
		char name[1300];
		snprintf(name, sizeof(name), "%s/f%" PRIu64, b.dname, i);
		if (dsmb_unlink(b.t, name) == DSMB_STATUS_CONNECTION_DISCONNECTED)
			break;
	}
	if (dir_made)
		dsmb_rmdir(b.t, b.dname);
	if (!rc) {
		if (co->json)
			print_json(target, &ci, res);
		else
			print_table(target, &ci, res, co);
	}
	free(b.wbuf);
	free(b.rbufs);
	free(b.lat.v);
	cli_close(b.c, b.t);
	return rc;
}

/* --idle N: N connections, each logged in and tree-connected, held until
 * stdin reaches end of file or --hold seconds pass. */
static int bench_idle(struct cli_opts *co, const struct smb_url *u)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)co->idle + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct dsmb_conn **cs = calloc((size_t)co->idle, sizeof(*cs));
	struct dsmb_tree **ts = calloc((size_t)co->idle, sizeof(*ts));
	int rc = 0, n = 0;
	if (!cs || !ts) {
		fprintf(stderr, "daxsmb: out of memory\n");
		free(cs);
		free(ts);
		return 1;
	}
	for (; n < co->idle; n++) {
		if ((rc = cli_session(u, co, &cs[n], &ts[n]))) {
			fprintf(stderr, "daxsmb: --idle: connection %d of %d failed\n", n + 1, co->idle);
			break;
		}
	}
	if (!rc) {
		printf("READY\n");
		fflush(stdout);
		struct stat sst;
		bool watch = fstat(STDIN_FILENO, &sst) == 0 &&
			     (S_ISFIFO(sst.st_mode) || S_ISSOCK(sst.st_mode) || isatty(STDIN_FILENO));
		uint64_t end = co->hold > 0 ? now_ns() + (uint64_t)(co->hold * 1e9) : UINT64_MAX;
		for (;;) {
			uint64_t t = now_ns();
			if (t >= end)
				break;
			uint64_t left_ms = (end - t) / 1000000 + 1;
			int to = end == UINT64_MAX ? -1 : (int)(left_ms > 60000 ? 60000 : left_ms);
			struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
			int pr = poll(&p, watch ? 1 : 0, to);
			if (pr < 0 && errno != EINTR)
				break;
			if (pr > 0) {
				char junk[4096];
				ssize_t r = read(STDIN_FILENO, junk, sizeof(junk));
				if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
					break;
			}
		}
	}
	for (int i = 0; i < n; i++)
		cli_close(cs[i], ts[i]);
	free(cs);
	free(ts);
	return rc;
}
