/* bench/local.c: the local table, in the shape of the founding comparison:
 * 4K random writes, 1 thread: IOPS, average latency in ns, MB/s.
 *
 *   block: pwrite 4 KiB at a random 4 KiB-aligned offset, then fdatasync.
 *   dax:   the same file mapped with libpmem2; pmem2 memcpy of 4 KiB at a
 *          random offset (PMEM2_F_MEM_NOFLUSH), then the pmem2 persist
 *          function over those 4 KiB.  Where libpmem2 reports page
 *          granularity (no DAX: tmpfs, a page-cache file system) persist is
 *          msync; on cache-line or byte granularity it is cache flushes (or
 *          nothing) plus a fence.
 *
 * Usage: local DIR [--seconds N] [--file-size SIZE] [--json]
 * The file (DIR/daxsmb-local-PID.dat) is preallocated and written once
 * before timing, and removed at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpmem2.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct lat {
	uint64_t *v;
	size_t n, cap;
};

static void lat_add(struct lat *l, uint64_t ns)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1 << 20;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v) {
			fprintf(stderr, "local: out of memory\n");
			exit(1);
		}
	}
	l->v[l->n++] = ns;
}

struct result {
	uint64_t ops;
	double iops, mean_ns, p50_ns, p99_ns, mbps;
};

static double pct(const struct lat *l, double p)
{
	if (!l->n)
		return 0;
	size_t i = (size_t)ceil(p * (double)l->n);
	i = i ? i - 1 : 0;
	if (i >= l->n)
		i = l->n - 1;
	return (double)l->v[i];
}

static void finish(struct lat *l, uint64_t elapsed, struct result *r)
{
	long double sum = 0;
	for (size_t i = 0; i < l->n; i++)
		sum += l->v[i];
	qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
	double secs = (double)elapsed / 1e9;
	r->ops = l->n;
	r->iops = secs > 0 ? (double)l->n / secs : 0;
	r->mbps = secs > 0 ? (double)l->n * 4096 / secs / 1e6 : 0;
	r->mean_ns = l->n ? (double)(sum / l->n) : 0;
	r->p50_ns = pct(l, 0.5);
	r->p99_ns = pct(l, 0.99);
	l->n = 0;
}

static const char *gran_name(enum pmem2_granularity g)
{
	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		return "byte";
	case PMEM2_GRANULARITY_CACHE_LINE:
		return "cache line";
	case PMEM2_GRANULARITY_PAGE:
		return "page";
	}
	return "?";
}

static void print_result(const char *name, const struct result *r, bool json, bool first,
			 const char *extra)
{
	if (json)
		printf("%s\"%s\": {\"ops\": %" PRIu64 ", \"iops\": %.1f, \"mean_ns\": %.0f, "
		       "\"mean_us\": %.3f, \"p50_us\": %.3f, \"p99_us\": %.3f, \"mbps\": %.2f%s}",
		       first ? "" : ", ", name, r->ops, r->iops, r->mean_ns, r->mean_ns / 1000,
		       r->p50_ns / 1000, r->p99_ns / 1000, r->mbps, extra);
	else
		printf("%-7s %12.0f %14.0f %12.0f %12.0f %10.1f\n", name, r->iops, r->mean_ns, r->p50_ns,
		       r->p99_ns, r->mbps);
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	double seconds = 3;
	uint64_t fsize = 64ull << 20;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--file-size") && i + 1 < argc) {
			char *end;
			fsize = strtoull(argv[++i], &end, 0);
			if (*end == 'k' || *end == 'K')
				fsize <<= 10;
			else if (*end == 'm' || *end == 'M')
				fsize <<= 20;
			else if (*end == 'g' || *end == 'G')
				fsize <<= 30;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] != '-' && !dir) {
			dir = argv[i];
		} else {
			dir = NULL;
			break;
		}
	}
	fsize &= ~(uint64_t)4095;
	if (!dir || fsize < 4096) {
		fprintf(stderr, "usage: local DIR [--seconds N] [--file-size SIZE] [--json]\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/daxsmb-local-%d.dat", dir, (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		fprintf(stderr, "local: %s: %s\n", path, strerror(errno));
		return 1;
	}
	int rc = 1;
	uint8_t *buf = aligned_alloc(4096, 1 << 20);
	uint64_t rng = now_ns() | 1;
	struct lat l = {0};
	struct result blk, dax;
	struct pmem2_config *cfg = NULL;
	struct pmem2_source *src = NULL;
	struct pmem2_map *map = NULL;
	if (!buf)
		goto out;
	for (size_t i = 0; i < (1 << 20); i++)
		buf[i] = (uint8_t)rng_next(&rng);
	/* Preallocate, and write every block once so that no timed write
	 * allocates or converts an unwritten extent. */
	if ((errno = posix_fallocate(fd, 0, (off_t)fsize))) {
		fprintf(stderr, "local: fallocate: %s\n", strerror(errno));
		goto out;
	}
	for (uint64_t off = 0; off < fsize; off += 1 << 20) {
		size_t n = fsize - off < (1 << 20) ? (size_t)(fsize - off) : (1 << 20);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n) {
			fprintf(stderr, "local: fill: %s\n", strerror(errno));
			goto out;
		}
	}
	if (fsync(fd) < 0)
		goto out;
	uint64_t nblocks = fsize / 4096;

	/* block: pwrite + fdatasync */
	uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9), last = start;
	for (uint64_t i = 0;; i++) {
		uint64_t off = (rng_next(&rng) % nblocks) * 4096;
		const uint8_t *p = buf + (i % 256) * 4096;
		uint64_t t0 = now_ns();
		if (pwrite(fd, p, 4096, (off_t)off) != 4096 || fdatasync(fd) < 0) {
			fprintf(stderr, "local: pwrite/fdatasync: %s\n", strerror(errno));
			goto out;
		}
		uint64_t t1 = now_ns();
		lat_add(&l, t1 - t0);
		last = t1;
		if (t1 >= end)
			break;
	}
	finish(&l, last - start, &blk);

	/* dax: libpmem2 memcpy + persist */
	if (pmem2_config_new(&cfg) || pmem2_source_from_fd(&src, fd) ||
	    pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmem2_map_new(&map, cfg, src)) {
		fprintf(stderr, "local: libpmem2: %s\n", pmem2_errormsg());
		goto out;
	}
	enum pmem2_granularity gran = pmem2_map_get_store_granularity(map);
	pmem2_memcpy_fn pcpy = pmem2_get_memcpy_fn(map);
	pmem2_persist_fn persist = pmem2_get_persist_fn(map);
	uint8_t *base = pmem2_map_get_address(map);
	/* Touch every page once so that no timed copy takes a fault on a page
	 * the file has but the mapping has not seen yet. */
	for (uint64_t off = 0; off < fsize; off += 4096)
		((volatile uint8_t *)base)[off];
	start = now_ns();
	end = start + (uint64_t)(seconds * 1e9);
	last = start;
	for (uint64_t i = 0;; i++) {
		uint64_t off = (rng_next(&rng) % nblocks) * 4096;
		const uint8_t *p = buf + (i % 256) * 4096;
		uint64_t t0 = now_ns();
		pcpy(base + off, p, 4096, PMEM2_F_MEM_NOFLUSH);
		persist(base + off, 4096);
		uint64_t t1 = now_ns();
		lat_add(&l, t1 - t0);
		last = t1;
		if (t1 >= end)
			break;
	}
	finish(&l, last - start, &dax);

	char extra[128];
	snprintf(extra, sizeof(extra), ", \"granularity\": \"%s\"", gran_name(gran));
	if (json) {
		printf("{\"dir\": \"%s\", \"file_size\": %" PRIu64 ", \"results\": {", dir, fsize);
		print_result("block", &blk, true, true, ", \"method\": \"pwrite + fdatasync\"");
		print_result("dax", &dax, true, false, extra);
		printf("}}\n");
	} else {
		printf("4K random writes, 1 thread, on %s (%" PRIu64 " MiB file, %.3g s each)\n", dir,
		       fsize >> 20, seconds);
		printf("%-7s %12s %14s %12s %12s %10s\n", "mode", "IOPS", "avg lat (ns)", "p50 (ns)",
		       "p99 (ns)", "MB/s");
		print_result("block", &blk, false, true, "");
		print_result("dax", &dax, false, false, "");
		printf("block = pwrite + fdatasync; dax = pmem2 memcpy + persist (store granularity: %s)\n",
		       gran_name(gran));
	}
	rc = 0;
out:
	if (map)
		pmem2_map_delete(&map);
	if (src)
		pmem2_source_delete(&src);
	if (cfg)
		pmem2_config_delete(&cfg);
	close(fd);
	unlink(path);
	free(buf);
	free(l.v);
	return rc;
}
