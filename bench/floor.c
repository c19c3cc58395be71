/* bench/floor.c: the floor.  A raw request/response over loopback TCP with
 * no server work: a server process that reads length-prefixed requests and
 * answers each with a fixed-size response, and a client that measures the
 * request/response latency, in the shapes of the SMB requests `daxsmb
 * bench` times.  Framing is that of SMB2 over direct TCP: a 4-byte length
 * prefix (0x00 + 24-bit big-endian length) before every message, and
 * TCP_NODELAY on both ends.
 *
 * Usage: floor [--seconds N] [--json]
 *
 * Each request's first 4 body bytes give the response size, so one server
 * loop serves every shape.  The server does nothing else: read a whole
 * request, write a whole response (one send).  Latency is per request, from
 * just before its send to the end of the read of its response
 * (CLOCK_MONOTONIC); at QD > 1 the client keeps QD requests in flight. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXMSG ((1u << 20) + 4096)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* The server: one connection at a time, each served to its end. */
static void serve(int lfd)
{
	uint8_t *in = malloc(MAXMSG), *out = calloc(1, MAXMSG);
	if (!in || !out)
		_exit(1);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		nodelay(fd);
		for (;;) {
			uint8_t hdr[4];
			if (read_full(fd, hdr, 4) < 0)
				break;
			uint32_t len = (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
			if (len < 4 || len > MAXMSG - 4 || read_full(fd, in, len) < 0)
				break;
			uint32_t rlen;
			memcpy(&rlen, in, 4);
			if (rlen > MAXMSG - 4)
				break;
			out[0] = 0;
			out[1] = (uint8_t)(rlen >> 16);
			out[2] = (uint8_t)(rlen >> 8);
			out[3] = (uint8_t)rlen;
			if (write_full(fd, out, 4 + (size_t)rlen) < 0)
				break;
		}
		close(fd);
	}
}

struct shape {
	const char *name; /* the daxsmb bench test it stands for */
	uint32_t req, resp; /* body sizes, without the 4-byte prefix */
	unsigned qd;
	unsigned trips; /* sequential round trips per operation (create+close: 2) */
	bool payload_in; /* MB/s counts the request body (writes) or the response (reads) */
	uint32_t payload;
};

static const struct shape shapes[] = {
	/* (a) 4 KiB request + 64-byte response: a 4 KiB WRITE */
	{"write4k_wt_qd1", 4096, 64, 1, 1, true, 4096},
	{"write4k_qd1", 4096, 64, 1, 1, true, 4096},
	{"write4k_qd32", 4096, 64, 32, 1, true, 4096},
	/* (b) 64-byte request + 4 KiB response: a 4 KiB READ */
	{"read4k_qd1", 64, 4096, 1, 1, false, 4096},
	{"read4k_qd32", 64, 4096, 32, 1, false, 4096},
	/* 1 MiB READ and WRITE at QD4, as daxsmb bench runs them */
	{"seqread1m", 64, 1u << 20, 4, 1, false, 1u << 20},
	{"seqwrite1m", 1u << 20, 64, 4, 1, true, 1u << 20},
	/* CREATE+CLOSE and CREATE+QUERY_INFO+CLOSE: 2 and 3 small round trips */
	{"create_close", 64, 64, 1, 2, false, 0},
	{"stat", 64, 64, 1, 3, false, 0},
	/* (c) 64 + 64: an ECHO */
	{"echo", 64, 64, 1, 1, false, 0},
};

struct result {
	uint64_t ops;
	double iops, mean_us, p50_us, p99_us, mbps;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t i = (size_t)ceil(p * (double)n);
	i = i ? i - 1 : 0;
	if (i >= n)
		i = n - 1;
	return (double)v[i] / 1000.0;
}

static int connect_to(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	nodelay(fd);
	return fd;
}

static void run_shape(uint16_t port, const struct shape *s, double seconds, struct result *r)
{
	int fd = connect_to(port);
	uint8_t *req = calloc(1, 4 + (size_t)s->req), *resp = malloc(4 + (size_t)s->resp);
	size_t cap = 1 << 20, n = 0;
	uint64_t *lat = malloc(cap * sizeof(*lat));
	if (!req || !resp || !lat)
		die("malloc");
	req[1] = (uint8_t)(s->req >> 16);
	req[2] = (uint8_t)(s->req >> 8);
	req[3] = (uint8_t)s->req;
	memcpy(req + 4, &s->resp, 4);
	for (size_t i = 8; i < 4 + (size_t)s->req; i++)
		req[i] = (uint8_t)(i * 131);

	/* A short warm-up, untimed. */
	for (int i = 0; i < 100; i++)
		if (write_full(fd, req, 4 + (size_t)s->req) < 0 || read_full(fd, resp, 4 + (size_t)s->resp) < 0)
			die("warm-up");

	/* Responses come back in order (one server loop), so a ring of
	 * submit times indexed by sequence number is enough. */
	uint64_t sub[64];
	unsigned qd = s->qd > 64 ? 64 : s->qd, inflight = 0;
	uint64_t sent = 0, done = 0;
	uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9), last = start;
	bool stop = false;
	for (;;) {
		while (!stop && inflight < qd) {
			sub[sent % 64] = now_ns();
			for (unsigned t = 0; t + 1 < s->trips; t++) /* the earlier round trips of an op */
				if (write_full(fd, req, 4 + (size_t)s->req) < 0 ||
				    read_full(fd, resp, 4 + (size_t)s->resp) < 0)
					die("round trip");
			if (write_full(fd, req, 4 + (size_t)s->req) < 0)
				die("send");
			sent++;
			inflight++;
		}
		if (!inflight)
			break;
		if (read_full(fd, resp, 4 + (size_t)s->resp) < 0)
			die("receive");
		uint64_t t = now_ns();
		if (n == cap) {
			cap *= 2;
			lat = realloc(lat, cap * sizeof(*lat));
			if (!lat)
				die("realloc");
		}
		lat[n++] = t - sub[done % 64];
		done++;
		inflight--;
		last = t;
		if (t >= end)
			stop = true;
	}
	close(fd);
	double secs = (double)(last - start) / 1e9;
	long double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += lat[i];
	qsort(lat, n, sizeof(*lat), cmp_u64);
	r->ops = n;
	r->iops = secs > 0 ? (double)n / secs : 0;
	r->mbps = secs > 0 ? (double)n * s->payload / secs / 1e6 : 0;
	r->mean_us = n ? (double)(sum / n) / 1000.0 : 0;
	r->p50_us = pct(lat, n, 0.50);
	r->p99_us = pct(lat, n, 0.99);
	free(lat);
	free(req);
	free(resp);
}

int main(int argc, char **argv)
{
	double seconds = 3;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else {
			fprintf(stderr, "usage: floor [--seconds N] [--json]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof(a);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0)
		die("listen");
	uint16_t port = ntohs(a.sin_port);
	fflush(stdout);
	pid_t srv = fork();
	if (srv < 0)
		die("fork");
	if (srv == 0)
		serve(lfd); /* does not return */
	close(lfd);

	size_t ns = sizeof(shapes) / sizeof(shapes[0]);
	struct result res[sizeof(shapes) / sizeof(shapes[0])];
	for (size_t i = 0; i < ns; i++)
		run_shape(port, &shapes[i], seconds, &res[i]);
	kill(srv, SIGKILL);
	waitpid(srv, NULL, 0);

	if (json) {
		printf("{\"target\": \"floor: loopback TCP, 4-byte length prefix, TCP_NODELAY, no server work\", "
		       "\"results\": {");
		for (size_t i = 0; i < ns; i++)
			printf("%s\"%s\": {\"ops\": %" PRIu64 ", \"iops\": %.1f, \"mean_us\": %.2f, "
			       "\"p50_us\": %.2f, \"p99_us\": %.2f, \"mbps\": %.2f, \"req_bytes\": %u, "
			       "\"resp_bytes\": %u, \"qd\": %u, \"round_trips\": %u}",
			       i ? ", " : "", shapes[i].name, res[i].ops, res[i].iops, res[i].mean_us,
			       res[i].p50_us, res[i].p99_us, res[i].mbps, shapes[i].req, shapes[i].resp,
			       shapes[i].qd, shapes[i].trips);
		printf("}}\n");
	} else {
		printf("floor: loopback TCP, 4-byte length prefix, TCP_NODELAY, no server work, %.3g s per shape\n",
		       seconds);
		printf("%-16s %8s %8s %3s %10s %11s %10s %10s %10s %10s\n", "shape", "req", "resp", "qd",
		       "ops", "iops", "mean_us", "p50_us", "p99_us", "MB/s");
		for (size_t i = 0; i < ns; i++)
			printf("%-16s %8u %8u %3u %10" PRIu64 " %11.1f %10.1f %10.1f %10.1f %10.2f\n",
			       shapes[i].name, shapes[i].req, shapes[i].resp, shapes[i].qd, res[i].ops,
			       res[i].iops, res[i].mean_us, res[i].p50_us, res[i].p99_us, res[i].mbps);
	}
	return 0;
}
