/* pmem backend: data through libpmem2 mappings (growth in place and across
 * reservations, shrink, one mapping per file, truncation behind our back,
 * the posix fallback, durable writes), metadata through posix. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vfs_test.h"
#include "vfs/pmem.h"

#define BLK 4096u

/* ---- fixture: the vfs_test.h directory with a pmem share on it ---- */

static int setup_pmem(void **state)
{
	struct fixture *f = fixture_new(false);
	char err[256] = "";
	f->s->ops->share_close(f->s);
	f->s = vfs_pmem_share_open(f->root, false, err, sizeof(err));
	if (!f->s)
		fail_msg("vfs_pmem_share_open: %s", err);
	*state = f;
	return 0;
}

static int teardown_pmem(void **state)
{
	vfs_pmem_set_min_reservation(0);
	vfs_pmem_test_fail_mappings(false);
	fixture_free(*state);
	return 0;
}

/* ---- numbered blocks: index, pattern, checksum ---- */

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void make_block(uint8_t *b, uint64_t idx)
{
	uint64_t x = idx * 0x9e3779b97f4a7c15ull + 1;
	memcpy(b, &idx, 8);
	for (size_t i = 8; i < BLK - 8; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		b[i] = (uint8_t)x;
	}
	uint64_t c = fnv(b, BLK - 8);
	memcpy(b + BLK - 8, &c, 8);
}

/* True if b is block idx, intact. */
static bool block_ok(const uint8_t *b, uint64_t idx)
{
	uint64_t got, c;
	memcpy(&got, b, 8);
	memcpy(&c, b + BLK - 8, 8);
	return got == idx && c == fnv(b, BLK - 8);
}

static struct vfs_handle *popen_rw(struct vfs_share *s, const char *path, uint32_t disp)
{
	struct vfs_handle *h = NULL;
	assert_int_equal(vopen(s, path, disp, false, true, true, true, &h, NULL), STATUS_SUCCESS);
	return h;
}

static void write_ok(struct vfs_share *s, struct vfs_handle *h, const void *p, size_t n,
		     uint64_t off, bool durable)
{
	NTSTATUS st = s->ops->pwrite(h, p, n, off, durable);
	if (st)
		fail_msg("pwrite(%zu at %llu) = 0x%08x", n, (unsigned long long)off, st);
}

static size_t read_n(struct vfs_share *s, struct vfs_handle *h, void *p, size_t n, uint64_t off)
{
	size_t done = 0;
	NTSTATUS st = s->ops->pread(h, p, n, off, &done);
	if (st)
		fail_msg("pread(%zu at %llu) = 0x%08x", n, (unsigned long long)off, st);
	return done;
}

static struct vfs_pmem_file_info info_of(struct vfs_handle *h)
{
	struct vfs_pmem_file_info i;
	assert_true(vfs_pmem_file_info(h, &i));
	return i;
}

/* ---- growth ---- */

static void test_append_growth_across_reservations(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	vfs_pmem_set_min_reservation(1u << 20);
	struct vfs_handle *h = popen_rw(s, "grow", FILE_CREATE);
	uint8_t b[BLK], r[BLK];
	const uint64_t n = 3000; /* 12 MB: several reservation switches */
	const void *first_base = NULL;
	for (uint64_t i = 0; i < n; i++) {
		make_block(b, i);
		write_ok(s, h, b, BLK, i * BLK, i % 64 == 0);
		if (i == 0)
			first_base = info_of(h).base;
	}
	/* Small appends reach the mapping in chunks (the rest through the
	 * fd); a zero-copy read maps what it needs. */
	struct vfs_pmem_file_info in = info_of(h);
	assert_true(in.mapped_path);
	assert_true(in.mapped <= n * BLK && in.mapped >= n * BLK - (2u << 20));
	assert_true(in.base != first_base); /* it moved to a bigger reservation */
	assert_true(in.pieces <= 16);
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(read_n(s, h, r, BLK, i * BLK), BLK);
		if (!block_ok(r, i))
			fail_msg("block %llu torn", (unsigned long long)i);
		const void *p;
		size_t done;
		void *hold;
		assert_int_equal(s->ops->read_map(h, i * BLK, BLK, &p, &done, &hold),
				 STATUS_SUCCESS);
		assert_int_equal(done, BLK);
		assert_true(block_ok(p, i));
		s->ops->read_release(h, hold);
	}
	in = info_of(h);
	assert_int_equal(in.mapped, n * BLK);
	assert_true(in.reservation >= n * BLK);
	/* Unaligned appends: the partial last page goes through the fd. */
	uint64_t off = n * BLK;
	for (int i = 0; i < 300; i++) {
		memset(b, 'a' + i % 26, 1000);
		write_ok(s, h, b, 1000, off, i % 7 == 0);
		off += 1000;
		size_t done = read_n(s, h, r, 1000, off - 1000);
		assert_int_equal(done, 1000);
		assert_memory_equal(r, b, 1000);
		assert_int_equal(read_n(s, h, r, 10, off), 0);
	}
	struct vfs_stat st;
	assert_int_equal(s->ops->fstat(h, &st), STATUS_SUCCESS);
	assert_int_equal(st.size, off);
	assert_true(info_of(h).mapped <= off - off % BLK);
	/* read_map across the partial last page: a copy, still exact */
	const void *p;
	size_t done;
	void *hold;
	assert_int_equal(s->ops->read_map(h, off - 3000, 5000, &p, &done, &hold), STATUS_SUCCESS);
	assert_int_equal(done, 3000);
	assert_memory_equal((const char *)p + 2000, b, 1000);
	s->ops->read_release(h, hold);
	s->ops->close(h);
}

static void test_growth_past_default_reservation(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	struct vfs_handle *h = popen_rw(s, "big", FILE_CREATE);
	uint8_t b[BLK], r[BLK];
	make_block(b, 7);
	write_ok(s, h, b, BLK, 0, true);
	struct vfs_pmem_file_info a = info_of(h);
	assert_int_equal(a.reservation, 1ull << 30);
	/* Sparse: costs no space; lands past the first 1 GiB reservation. */
	uint64_t far = (1ull << 30) + 5 * BLK;
	make_block(b, 8);
	write_ok(s, h, b, BLK, far, true);
	struct vfs_pmem_file_info c = info_of(h);
	assert_true(c.reservation > (1ull << 30));
	assert_int_equal(c.mapped, far + BLK);
	assert_int_equal(read_n(s, h, r, BLK, 0), BLK);
	assert_true(block_ok(r, 7));
	assert_int_equal(read_n(s, h, r, BLK, far), BLK);
	assert_true(block_ok(r, 8));
	assert_int_equal(read_n(s, h, r, BLK, far - BLK), BLK);
	for (size_t i = 0; i < BLK; i++)
		assert_int_equal(r[i], 0);
	s->ops->close(h);
}

/* ---- a reader while the file grows ---- */

struct race {
	struct vfs_share *s;
	struct vfs_handle *h;
	atomic_uint_fast64_t published; /* blocks whose pwrite returned */
	atomic_bool done;
	uint64_t maps, preads, bad;
};

static void *reader(void *arg)
{
	struct race *rc = arg;
	struct vfs_share *s = rc->s;
	uint8_t buf[BLK];
	uint64_t x = 88172645463325252ull;
	/* Keep a few holds out across growth, so that retired reservations
	 * must stay mapped until released. */
	struct {
		const void *p;
		void *hold;
		uint64_t idx;
	} ring[8] = { 0 };
	unsigned ri = 0;
	while (!atomic_load(&rc->done)) {
		uint64_t n = atomic_load(&rc->published);
		if (!n)
			continue;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t i = (x % 4 == 0) ? n - 1 : x % n;
		const void *p;
		size_t done;
		void *hold;
		if (ring[ri].hold) {
			if (!block_ok(ring[ri].p, ring[ri].idx))
				rc->bad++;
			s->ops->read_release(rc->h, ring[ri].hold);
			ring[ri].hold = NULL;
		}
		if (s->ops->read_map(rc->h, i * BLK, BLK, &p, &done, &hold) == STATUS_SUCCESS &&
		    done == BLK) {
			if (!block_ok(p, i))
				rc->bad++;
			ring[ri].p = p;
			ring[ri].hold = hold;
			ring[ri].idx = i;
			ri = (ri + 1) % 8;
			rc->maps++;
		} else {
			rc->bad++;
		}
		size_t got = 0;
		if (s->ops->pread(rc->h, buf, BLK, i * BLK, &got) || got != BLK || !block_ok(buf, i))
			rc->bad++;
		rc->preads++;
	}
	for (unsigned k = 0; k < 8; k++) {
		if (ring[k].hold) {
			if (!block_ok(ring[k].p, ring[k].idx))
				rc->bad++;
			s->ops->read_release(rc->h, ring[k].hold);
		}
	}
	return NULL;
}

static void test_reader_during_growth(void **state)
{
	struct fixture *f = *state;
	vfs_pmem_set_min_reservation(2u << 20);
	struct race rc = { .s = f->s };
	atomic_init(&rc.published, 0);
	atomic_init(&rc.done, false);
	struct vfs_handle *w = popen_rw(f->s, "race", FILE_CREATE);
	rc.h = popen_rw(f->s, "race", FILE_OPEN);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, reader, &rc), 0);
	uint8_t b[BLK];
	for (uint64_t i = 0; i < 6000; i++) {
		make_block(b, i);
		write_ok(f->s, w, b, BLK, i * BLK, false);
		atomic_store(&rc.published, i + 1);
	}
	atomic_store(&rc.done, true);
	pthread_join(t, NULL);
	assert_int_equal(rc.bad, 0);
	assert_true(rc.maps > 0 && rc.preads > 0);
	assert_int_equal(f->s->ops->flush(w), STATUS_SUCCESS);
	f->s->ops->close(rc.h);
	f->s->ops->close(w);
}

/* ---- one mapping per file ---- */

static void test_two_opens_share_mapping(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	struct vfs_handle *a = popen_rw(s, "shared", FILE_CREATE);
	uint8_t b[BLK], r[BLK];
	make_block(b, 1);
	write_ok(s, a, b, BLK, 0, false);
	struct vfs_handle *rd = NULL;
	assert_int_equal(vopen(s, "shared", FILE_OPEN, false, true, true, false, &rd, NULL),
			 STATUS_SUCCESS);
	/* a second share on the same directory: the table is per process */
	char err[256];
	struct vfs_share *s2 = vfs_pmem_share_open(f->root, true, err, sizeof(err));
	assert_non_null(s2);
	struct vfs_handle *c = NULL;
	assert_int_equal(vopen(s2, "SHARED", FILE_OPEN, false, true, true, false, &c, NULL),
			 STATUS_SUCCESS);
	struct vfs_pmem_file_info ia = info_of(a), ir = info_of(rd), ic = info_of(c);
	assert_non_null(ia.base);
	assert_ptr_equal(ia.base, ir.base);
	assert_ptr_equal(ia.base, ic.base);
	assert_int_equal(ia.opens, 3);
	assert_true(ir.writable); /* one writable mapping serves read-only opens */
	make_block(b, 2);
	write_ok(s, a, b, BLK, BLK, false);
	assert_int_equal(read_n(s, rd, r, BLK, BLK), BLK);
	assert_true(block_ok(r, 2));
	assert_int_equal(read_n(s2, c, r, BLK, BLK), BLK);
	assert_true(block_ok(r, 2));
	/* a read-only share refuses writes whatever the mapping allows */
	assert_int_equal(s2->ops->pwrite(c, b, BLK, 0, false), STATUS_ACCESS_DENIED);
	s2->ops->close(c);
	s2->ops->share_close(s2);
	s->ops->close(rd);
	assert_int_equal(info_of(a).opens, 1);
	s->ops->close(a);
	/* all closed: a new open builds a new entry */
	a = popen_rw(s, "shared", FILE_OPEN);
	assert_int_equal(info_of(a).opens, 1);
	assert_int_equal(read_n(s, a, r, BLK, 0), BLK);
	assert_true(block_ok(r, 1));
	s->ops->close(a);
}

/* ---- shrink ---- */

static void test_truncate_shrink(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	struct vfs_handle *h = popen_rw(s, "shrink", FILE_CREATE);
	uint8_t b[16 * BLK], r[16 * BLK];
	for (unsigned i = 0; i < 16; i++)
		make_block(b + i * BLK, i);
	write_ok(s, h, b, sizeof(b), 0, false);
	assert_int_equal(info_of(h).mapped, 16 * BLK);
	/* shrink without holds: unmapped at once */
	assert_int_equal(s->ops->truncate(h, 10000), STATUS_SUCCESS);
	assert_true(info_of(h).mapped <= 8192);
	assert_int_equal(read_n(s, h, r, sizeof(r), 0), 10000);
	assert_memory_equal(r, b, 10000);
	assert_int_equal(read_n(s, h, r, 100, 20000), 0);
	/* shrink with a hold out: the held bytes stay readable */
	const void *p;
	size_t done;
	void *hold;
	assert_int_equal(s->ops->read_map(h, 0, 8192, &p, &done, &hold), STATUS_SUCCESS);
	assert_int_equal(done, 8192);
	const void *old_base = info_of(h).base;
	assert_int_equal(s->ops->truncate(h, 4096), STATUS_SUCCESS);
	assert_null(info_of(h).base); /* retired, rebuilt on the next access */
	assert_memory_equal(p, b, 4096);
	assert_int_equal(read_n(s, h, r, sizeof(r), 0), 4096);
	assert_memory_equal(r, b, 4096);
	assert_true(info_of(h).base != old_base);
	s->ops->read_release(h, hold);
	/* and grow again: a hole reads as zeros */
	write_ok(s, h, b, BLK, 100 * BLK, true);
	assert_int_equal(read_n(s, h, r, BLK, 50 * BLK), BLK);
	for (size_t i = 0; i < BLK; i++)
		assert_int_equal(r[i], 0);
	assert_int_equal(read_n(s, h, r, BLK, 100 * BLK), BLK);
	assert_memory_equal(r, b, BLK);
	/* truncate to zero: nothing mapped */
	assert_int_equal(s->ops->truncate(h, 0), STATUS_SUCCESS);
	assert_int_equal(info_of(h).mapped, 0);
	assert_int_equal(read_n(s, h, r, BLK, 0), 0);
	s->ops->close(h);
}

/* ---- truncation behind the server's back ---- */

static void test_external_truncate(void **state)
{
	struct fixture *f = *state;
	/* cmocka installs its own SIGBUS handler around each test: a share
	 * opened here puts the backend's back (chaining cmocka's). */
	char err[256];
	f->s->ops->share_close(f->s);
	f->s = vfs_pmem_share_open(f->root, false, err, sizeof(err));
	assert_non_null(f->s);
	struct vfs_share *s = f->s;
	struct vfs_handle *h = popen_rw(s, "ext", FILE_CREATE);
	uint8_t b[16 * BLK], r[16 * BLK];
	for (unsigned i = 0; i < 16; i++)
		make_block(b + i * BLK, i);
	write_ok(s, h, b, sizeof(b), 0, false);
	assert_int_equal(read_n(s, h, r, sizeof(r), 0), sizeof(r));
	int fd = open(in_share(f, "ext"), O_RDWR);
	assert_true(fd >= 0);

	/* read after an outside truncate: an error for that request */
	assert_int_equal(ftruncate(fd, 0), 0);
	size_t done = 1;
	NTSTATUS st = s->ops->pread(h, r, sizeof(r), 0, &done);
	assert_true(st == STATUS_FILE_CORRUPT_ERROR || (st == STATUS_SUCCESS && done == 0));
	/* then the server knows the new size */
	assert_int_equal(read_n(s, h, r, sizeof(r), 0), 0);

	/* write after an outside truncate */
	write_ok(s, h, b, sizeof(b), 0, false);
	assert_int_equal(ftruncate(fd, BLK), 0);
	st = s->ops->pwrite(h, b, BLK, 8 * BLK, false);
	assert_int_equal(st, STATUS_FILE_CORRUPT_ERROR);
	write_ok(s, h, b, BLK, 8 * BLK, true); /* next one extends as usual */
	assert_int_equal(read_n(s, h, r, sizeof(r), 0), 9 * BLK);
	assert_memory_equal(r, b, BLK);
	assert_memory_equal(r + 8 * BLK, b, BLK);

	/* a zero-copy pointer read by the server after an outside truncate:
	 * a zero page, not a crash */
	const void *p;
	void *hold;
	assert_int_equal(s->ops->read_map(h, 0, 8 * BLK, &p, &done, &hold), STATUS_SUCCESS);
	assert_int_equal(done, 8 * BLK);
	assert_int_equal(ftruncate(fd, 0), 0);
	volatile const uint8_t *vp = p;
	uint8_t sum = 0;
	for (size_t i = 0; i < 8 * BLK; i += BLK)
		sum |= vp[i + 1];
	assert_int_equal(sum, 0);
	s->ops->read_release(h, hold);
	assert_int_equal(read_n(s, h, r, sizeof(r), 0), 0);

	/* growth behind our back is seen too */
	assert_int_equal(pwrite(fd, b, 3 * BLK, 0), 3 * BLK);
	assert_int_equal(read_n(s, h, r, sizeof(r), 0), 3 * BLK);
	assert_memory_equal(r, b, 3 * BLK);
	close(fd);
	s->ops->close(h);
}

/* ---- fallback ---- */

static void test_unmappable_fallback(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	/* an empty file maps nothing until it has a page */
	struct vfs_handle *h = popen_rw(s, "empty", FILE_CREATE);
	uint8_t b[BLK], r[BLK];
	assert_int_equal(read_n(s, h, r, BLK, 0), 0);
	assert_true(info_of(h).mapped_path);
	assert_int_equal(info_of(h).mapped, 0);
	write_ok(s, h, "x", 1, 0, true);
	assert_int_equal(info_of(h).mapped, 0); /* less than a page: through the fd */
	assert_int_equal(read_n(s, h, r, BLK, 0), 1);
	assert_int_equal(r[0], 'x');
	s->ops->close(h);

	vfs_pmem_test_fail_mappings(true);
	h = popen_rw(s, "nomap", FILE_CREATE);
	for (uint64_t i = 0; i < 8; i++) {
		make_block(b, i);
		write_ok(s, h, b, BLK, i * BLK, i & 1);
	}
	struct vfs_pmem_file_info in = info_of(h);
	assert_false(in.mapped_path);
	assert_int_equal(in.mapped, 0);
	assert_int_equal(s->ops->flush(h), STATUS_SUCCESS);
	assert_int_equal(s->ops->persist_range(h, 0, 8 * BLK), STATUS_SUCCESS);
	for (uint64_t i = 0; i < 8; i++) {
		assert_int_equal(read_n(s, h, r, BLK, i * BLK), BLK);
		assert_true(block_ok(r, i));
		const void *p;
		size_t done;
		void *hold;
		assert_int_equal(s->ops->read_map(h, i * BLK, BLK, &p, &done, &hold),
				 STATUS_SUCCESS);
		assert_int_equal(done, BLK);
		assert_true(block_ok(p, i));
		s->ops->read_release(h, hold);
	}
	assert_int_equal(s->ops->truncate(h, BLK), STATUS_SUCCESS);
	assert_int_equal(read_n(s, h, r, BLK, BLK), 0);
	s->ops->close(h);
	vfs_pmem_test_fail_mappings(false);
}

/* ---- durability and metadata ---- */

static void test_durable_reopen(void **state)
{
	struct fixture *f = *state;
	struct vfs_handle *h = popen_rw(f->s, "dur", FILE_CREATE);
	uint8_t b[BLK], r[BLK];
	for (uint64_t i = 0; i < 64; i++) {
		make_block(b, i);
		write_ok(f->s, h, b, BLK, i * BLK, true);
	}
	write_ok(f->s, h, "tail", 4, 64 * BLK, true);
	/* overwrite in place, not durable, then FLUSH */
	make_block(b, 1000);
	write_ok(f->s, h, b, BLK, 3 * BLK, false);
	assert_int_equal(f->s->ops->flush(h), STATUS_SUCCESS);
	make_block(b, 1001);
	write_ok(f->s, h, b, BLK, 5 * BLK, false);
	assert_int_equal(f->s->ops->persist_range(h, 5 * BLK, BLK), STATUS_SUCCESS);
	f->s->ops->close(h);
	f->s->ops->share_close(f->s);
	char err[256];
	f->s = vfs_pmem_share_open(f->root, false, err, sizeof(err));
	assert_non_null(f->s);
	h = popen_rw(f->s, "dur", FILE_OPEN);
	for (uint64_t i = 0; i < 64; i++) {
		assert_int_equal(read_n(f->s, h, r, BLK, i * BLK), BLK);
		uint64_t want = i == 3 ? 1000 : i == 5 ? 1001 : i;
		assert_true(block_ok(r, want));
	}
	assert_int_equal(read_n(f->s, h, r, BLK, 64 * BLK), 4);
	assert_memory_equal(r, "tail", 4);
	f->s->ops->close(h);
	/* and through the file system directly */
	int fd = open(in_share(f, "dur"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, r, BLK, 7 * BLK), BLK);
	assert_true(block_ok(r, 7));
	close(fd);
}

static void test_metadata_through_posix(void **state)
{
	struct fixture *f = *state;
	struct vfs_share *s = f->s;
	assert_string_equal(s->ops->name, "pmem");
	const char *g = vfs_pmem_share_granularity(s);
	assert_true(!strcmp(g, "byte") || !strcmp(g, "cache line") || !strcmp(g, "page"));
	print_message("granularity on %s: %s, 4 KiB copy+persist %llu ns\n", f->root, g,
		      (unsigned long long)vfs_pmem_share_persist_ns(s));
	struct vfs_handle *d = NULL;
	assert_int_equal(vopen(s, "dir", FILE_CREATE, true, false, true, false, &d, NULL),
			 STATUS_SUCCESS);
	struct vfs_pmem_file_info in;
	assert_false(vfs_pmem_file_info(d, &in)); /* directories are never mapped */
	struct vfs_handle *h = popen_rw(s, "dir/a", FILE_CREATE);
	uint8_t b[BLK];
	make_block(b, 3);
	write_ok(s, h, b, BLK, 0, false);
	struct vfs_dirent *ents;
	size_t n;
	assert_int_equal(s->ops->readdir(d, &ents, &n, 100), STATUS_SUCCESS);
	assert_int_equal(n, 1);
	assert_string_equal(ents[0].name, "a");
	assert_int_equal(ents[0].st.size, BLK);
	vfs_dirents_free(ents, n);
	bool empty = true;
	assert_int_equal(s->ops->is_empty_dir(d, &empty), STATUS_SUCCESS);
	assert_false(empty);
	/* rename keeps the mapping working */
	assert_int_equal(s->ops->rename(h, "dir/b", false), STATUS_SUCCESS);
	assert_string_equal(s->ops->path(h), "dir/b");
	uint8_t r[BLK];
	assert_int_equal(read_n(s, h, r, BLK, 0), BLK);
	assert_true(block_ok(r, 3));
	struct vfs_stat st;
	assert_int_equal(s->ops->stat_child(d, "b", &st), STATUS_SUCCESS);
	assert_int_equal(st.size, BLK);
	assert_int_equal(s->ops->set_attributes(h, FILE_ATTRIBUTE_HIDDEN), STATUS_SUCCESS);
	assert_int_equal(s->ops->fstat(h, &st), STATUS_SUCCESS);
	assert_true(st.attributes & FILE_ATTRIBUTE_HIDDEN);
	assert_int_equal(s->ops->allocate(h, 1 << 20), STATUS_SUCCESS);
	assert_int_equal(s->ops->unlink(h), STATUS_SUCCESS);
	assert_false(exists(in_share(f, "dir/b")));
	assert_int_equal(read_n(s, h, r, BLK, 0), BLK); /* still open */
	s->ops->close(h);
	struct vfs_statfs sf;
	assert_int_equal(s->ops->statfs(s, &sf), STATUS_SUCCESS);
	s->ops->close(d);
	/* not found, as posix says */
	expect_open(s, "nope", FILE_OPEN, false, false, STATUS_OBJECT_NAME_NOT_FOUND, 0);
}

static void test_granularity_dev_shm(void **state)
{
	(void)state;
	char dir[] = "/dev/shm/daxpmem-XXXXXX";
	if (!mkdtemp(dir))
		skip();
	char err[256];
	struct vfs_share *s = vfs_pmem_share_open(dir, false, err, sizeof(err));
	assert_non_null(s);
	print_message("granularity on /dev/shm: %s, 4 KiB copy+persist %llu ns\n",
		      vfs_pmem_share_granularity(s),
		      (unsigned long long)vfs_pmem_share_persist_ns(s));
	struct vfs_handle *h = popen_rw(s, "f", FILE_CREATE);
	uint8_t b[BLK], r[BLK];
	make_block(b, 9);
	write_ok(s, h, b, BLK, 0, true);
	assert_int_equal(read_n(s, h, r, BLK, 0), BLK);
	assert_true(block_ok(r, 9));
	s->ops->close(h);
	s->ops->share_close(s);
	char p[64];
	snprintf(p, sizeof(p), "%s/f", dir);
	unlink(p);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_growth_across_reservations,
						setup_pmem, teardown_pmem),
		cmocka_unit_test_setup_teardown(test_growth_past_default_reservation,
						setup_pmem, teardown_pmem),
		cmocka_unit_test_setup_teardown(test_reader_during_growth, setup_pmem,
						teardown_pmem),
		cmocka_unit_test_setup_teardown(test_two_opens_share_mapping, setup_pmem,
						teardown_pmem),
		cmocka_unit_test_setup_teardown(test_truncate_shrink, setup_pmem, teardown_pmem),
		cmocka_unit_test_setup_teardown(test_external_truncate, setup_pmem, teardown_pmem),
		cmocka_unit_test_setup_teardown(test_unmappable_fallback, setup_pmem,
						teardown_pmem),
		cmocka_unit_test_setup_teardown(test_durable_reopen, setup_pmem, teardown_pmem),
		cmocka_unit_test_setup_teardown(test_metadata_through_posix, setup_pmem,
						teardown_pmem),
		cmocka_unit_test(test_granularity_dev_shm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
