/* The pmem storage backend (DESIGN "Storage and durability"): metadata
 * through the posix backend (an inner posix share; every pmem handle wraps
 * a posix handle), data through libpmem2 mappings of the files.
 *
 * One mapping per file.  A process-wide table keyed by (dev, ino) holds a
 * struct pmem_file per open file, shared by every handle on it (any share,
 * any thread) and reference counted by opens.
 *
 * Growth in place.  Each file gets a virtual memory reservation
 * (pmem2_vm_reservation, max(1 GiB, 2x size)) and the file is mapped into
 * it at identical offsets: file byte x is at base + x.  libpmem2 maps whole
 * pages and refuses to map past the file size, so [0, mapped) with mapped =
 * the size rounded down to a page is mapped; the partial last page, if any,
 * goes through pread/pwrite on the file (coherent with the mapping: both go
 * through the same page cache, or on DAX to the same media).  When the file
 * grows (ftruncate first, then map), the new whole pages are mapped as a new
 * pmem2 mapping at their offset in the reservation: nothing already mapped
 * moves, so pointers handed out earlier stay valid and a concurrent reader
 * never sees an unmapped or torn range.  A pmem2_map_new costs ~15 us, so
 * the mapping follows the file in chunks (max(1 MiB, 1/8 of what is
 * mapped)); bytes appended since go through the fd, and a zero-copy read
 * maps what it needs at once.  While no hold is out, trailing mappings are
 * merged (unmapped and mapped again as one) once they add up to half the one
 * before them; past MAX_PIECES the file is mapped again as one (see there
 * for why the count of pmem2 mappings must stay small).
 *
 * Switching reservations.  When the file outgrows its reservation, a bigger
 * one is made and the file mapped into it whole; the old one is "retired":
 * destroyed at once if no read_map hold refers to it, else when its last
 * hold is released (holds are counted per reservation).  Shrinking works the
 * same way: without holds the mappings past the new end are unmapped before
 * anything else touches the file; with holds the reservation is retired and
 * a fresh one is built on the next access.
 *
 * Locks.  pmem_file.lock (rwlock): copies in and out of the mapping run
 * under the read side; changing what is mapped (grow, merge, shrink,
 * switch) under the write side.  pmem_file.mu (mutex): hold counts, the
 * retired flag, the dirty range.  table_mu: the file table and open counts.
 *
 * Truncation behind our back (another process, a posix share of the same
 * directory).  An access past the real end of file raises SIGBUS.  Every
 * access of ours (pread's copy out, pwrite's copy in) runs with a
 * thread-local sigjmp_buf armed; the handler jumps back and that one request
 * fails with STATUS_FILE_CORRUPT_ERROR, and the file's size and mappings are
 * revalidated before the next request.  A fault outside such a guard but
 * inside one of our reservations (the server reading a read_map pointer,
 * for signing or encryption) gets a zero page mapped over the faulting page,
 * so the server is not brought down (that response carries zeros), and the
 * affected files are revalidated.  Zero-copy sends, where the kernel reads
 * the mapping, get EFAULT from sendmsg instead of a signal.
 *
 * Durability.  Non-durable writes copy with PMEM2_F_MEM_NODRAIN (cache line
 * and byte granularity: flushed, not drained) or PMEM2_F_MEM_NOFLUSH (page
 * granularity, where any flush is an msync) and record the written range; a
 * durable write or FLUSH persists it.  On page granularity the persist is
 * msync(MS_SYNC), called here rather than through pmem2_get_persist_fn()'s
 * function, which does the same msync but drops its error (an EIO must fail
 * the write).  A size change (extension, truncate) and bytes written through
 * the fd are made durable with fdatasync. */
#include <errno.h>
#include <fcntl.h>
#include <libpmem2.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "proto/smb2.h"
#include "vfs/pmem.h"
#include "vfs/vfs_internal.h"

#define DEFAULT_MIN_RESERVATION (1ull << 30)
#define RESERVATION_ALIGN (2ull << 20)
#define TABLE_BUCKETS 256
#define FAULT_SLOTS 1024
#define PROBE_ROUNDS 16
/* libpmem2 1.12 gives every pmem2_map a pthread key (its data mover's
 * per-thread buffers) and deletes it with the map.  Past PTHREAD_KEYS_MAX
 * (1024, shared with everything else in the process) key creation fails
 * and the later delete removes key 0 instead -- libpmem2's own error
 * message key -- which crashes the next thread exit.  So the number of live
 * mappings is capped well below that: at most MAX_PIECES per reservation,
 * and MAX_LIVE_MAPS in all (beyond it, files' data goes through the fd). */
#define MAX_PIECES 16
#define MAX_LIVE_MAPS 768
#define GROW_MIN (1ull << 20)

enum hold_kind { HOLD_MAP = 0x70a1, HOLD_COPY = 0x70a2 };

struct piece {
	uint64_t off, len;
	struct pmem2_map *map;
};

/* A virtual reservation with the file mapped into [0, mapped of pieces). */
struct rsv {
	uint32_t kind; /* HOLD_MAP: a rsv * is the read_map hold */
	struct pmem_file *file;
	struct pmem2_vm_reservation *vm;
	char *base;
	uint64_t size;
	struct piece *pieces;
	size_t npieces, cap;
	unsigned holds;  /* under file->mu */
	bool retired;    /* under file->mu */
	int slot;        /* in fault_slots, -1 if none */
};

/* A read_map of bytes that are not mapped (the partial last page, or a file
 * on the fallback path): a copy. */
struct copy_hold {
	uint32_t kind; /* HOLD_COPY */
	char data[];
};

struct pmem_file {
	struct pmem_file *next;  /* table bucket chain */
	dev_t dev;
	ino_t ino;
	unsigned opens;          /* under table_mu */
	char *name;              /* for the log */

	pthread_rwlock_t lock;
	int fd;                  /* our own fd; -1: posix fallback */
	bool writable;           /* fd is O_RDWR, mapping is writable */
	bool unmappable;         /* libpmem2 refused it: posix fallback */
	struct pmem2_source *src;
	struct rsv *cur;         /* NULL until first mapped */
	uint64_t mapped;         /* [0, mapped) mapped in cur; page multiple */
	uint64_t size;           /* file size as we know it */
	enum pmem2_granularity gran;
	pmem2_memcpy_fn memcpy_fn;
	pmem2_persist_fn persist_fn;
	atomic_bool stale;       /* size must be re-read (a fault was seen) */
	atomic_ulong faults_seen;

	pthread_mutex_t mu;
	unsigned holds;          /* over all reservations */
	bool orphan;             /* out of the table, waiting for holds */
	uint64_t dirty_lo, dirty_hi; /* mapped bytes written since the last persist */
	bool fd_dirty;           /* size changes or fd writes since the last fdatasync */
};

struct pmem_share {
	struct vfs_share pub;
	struct vfs_share *inner; /* the posix share doing metadata */
	const char *gran_name;
	uint64_t persist_ns;
};

struct pmem_handle {
	struct pmem_share *share;
	struct vfs_handle *inner;
	struct pmem_file *file;  /* NULL: no data path of ours */
};

static const struct vfs_ops pmem_ops;

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pmem_file *table[TABLE_BUCKETS];
static uint64_t min_reservation = DEFAULT_MIN_RESERVATION;
static atomic_bool fail_mappings;
static atomic_uint live_maps;
static uint64_t page_size;

/* ---- SIGBUS ---- */

static __thread sigjmp_buf *tl_guard;
static struct {
	_Atomic uintptr_t lo, hi;
} fault_slots[FAULT_SLOTS];
static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_ulong unguarded_faults;
static struct sigaction prev_bus;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static bool in_reservation(uintptr_t a)
{
	for (size_t i = 0; i < FAULT_SLOTS; i++) {
		uintptr_t lo = atomic_load(&fault_slots[i].lo);
		if (lo && a >= lo && a < atomic_load(&fault_slots[i].hi))
			return true;
	}
	return false;
}

static void bus_handler(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *g = tl_guard;
	if (g) {
		tl_guard = NULL;
		siglongjmp(*g, 1);
	}
	uintptr_t a = (uintptr_t)si->si_addr;
	if (si->si_code == BUS_ADRERR && in_reservation(a)) {
		/* An unguarded read of a mapping past EOF: put a zero page
		 * there (pmem2 replaces it when it unmaps the range) and carry
		 * on; the files are revalidated before their next request. */
		void *pg = (void *)(a & ~(uintptr_t)(page_size - 1));
		if (mmap(pg, page_size, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED) {
			atomic_fetch_add(&unguarded_faults, 1);
			return;
		}
	}
	/* Not ours: whoever was there before, or the default action when
	 * the faulting access is retried. */
	if ((prev_bus.sa_flags & SA_SIGINFO) && prev_bus.sa_sigaction) {
		prev_bus.sa_sigaction(sig, si, uc);
		return;
	}
	if (prev_bus.sa_handler != SIG_DFL && prev_bus.sa_handler != SIG_IGN) {
		prev_bus.sa_handler(sig);
		return;
	}
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGBUS, &dfl, NULL);
}

static void global_init(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	page_size = ps > 0 ? (uint64_t)ps : 4096;
}

/* (Re)installs the SIGBUS handler at every share open: something may have
 * replaced it since (a test harness does); the one found is chained. */
static void install_bus_handler(void)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	struct sigaction cur;
	pthread_mutex_lock(&mu);
	if (sigaction(SIGBUS, NULL, &cur) == 0 &&
	    !((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == bus_handler)) {
		/* SA_NODEFER: the guard jumps out of the handler with
		 * sigsetjmp(, 0), so SIGBUS must not stay blocked. */
		struct sigaction sa = { .sa_sigaction = bus_handler,
					.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK };
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGBUS, &sa, &prev_bus) < 0)
			LOG_ERR("pmem: cannot install the SIGBUS handler: %s", strerror(errno));
	}
	pthread_mutex_unlock(&mu);
}

static int slot_register(uintptr_t lo, uintptr_t hi)
{
	int got = -1;
	pthread_mutex_lock(&slots_mu);
	for (int i = 0; i < FAULT_SLOTS; i++) {
		if (!atomic_load(&fault_slots[i].lo)) {
			atomic_store(&fault_slots[i].hi, hi);
			atomic_store(&fault_slots[i].lo, lo);
			got = i;
			break;
		}
	}
	pthread_mutex_unlock(&slots_mu);
	return got;
}

static void slot_unregister(int i)
{
	if (i < 0)
		return;
	pthread_mutex_lock(&slots_mu);
	atomic_store(&fault_slots[i].lo, 0);
	atomic_store(&fault_slots[i].hi, 0);
	pthread_mutex_unlock(&slots_mu);
}

/* Copies n bytes with the SIGBUS guard armed; false if the copy faulted.
 * fn NULL: libc memcpy. */
static __attribute__((noinline)) bool guarded_copy(pmem2_memcpy_fn fn, void *dst,
						   const void *src, size_t n, unsigned flags)
{
	sigjmp_buf jb;
	if (sigsetjmp(jb, 0)) {
		tl_guard = NULL;
		return false;
	}
	tl_guard = &jb;
	if (fn)
		fn(dst, src, n, flags);
	else
		memcpy(dst, src, n);
	tl_guard = NULL;
	return true;
}

/* ---- helpers ---- */

static struct pmem_handle *ph(struct vfs_handle *h)
{
	return (struct pmem_handle *)h;
}

static const struct vfs_ops *inner_ops(struct pmem_handle *h)
{
	return h->share->inner->ops;
}

static uint64_t round_down(uint64_t x, uint64_t a)
{
	return x - x % a;
}

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return round_down(x + a - 1, a);
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
	return "unknown";
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static NTSTATUS fd_datasync(int fd)
{
	while (fdatasync(fd) < 0)
		if (errno != EINTR)
			return vfs_errno_to_status(errno);
	return STATUS_SUCCESS;
}

/* pwrite/pread of the whole range on our fd (the partial last page). */
static NTSTATUS fd_write(int fd, const void *src, size_t len, uint64_t off)
{
	size_t put = 0;
	while (put < len) {
		ssize_t n = pwrite(fd, (const char *)src + put, len - put, (off_t)(off + put));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vfs_errno_to_status(errno);
		}
		if (n == 0)
			return STATUS_DISK_FULL;
		put += (size_t)n;
	}
	return STATUS_SUCCESS;
}

static NTSTATUS fd_read(int fd, void *dst, size_t len, uint64_t off, size_t *done)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (char *)dst + got, len - got, (off_t)(off + got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (got)
				break;
			return vfs_errno_to_status(errno);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*done = got;
	return STATUS_SUCCESS;
}

/* ---- reservations (file->lock held for writing) ---- */

static void log_fallback(struct pmem_file *f, const char *why)
{
	LOG_INFO("pmem: %s: %s; its data goes through pread/pwrite", f->name, why);
}

static void rsv_unmap_from(struct rsv *r, size_t i)
{
	while (r->npieces > i) {
		struct piece *p = &r->pieces[--r->npieces];
			int e = pmem2_map_delete(&p->map);
			if (!e)
			atomic_fetch_sub(&live_maps, 1);
		else
			LOG_ERR("pmem: pmem2_map_delete: %s", pmem2_errormsg());
	}
}

static void rsv_destroy(struct rsv *r)
{
	rsv_unmap_from(r, 0);
	slot_unregister(r->slot);
	int e = pmem2_vm_reservation_delete(&r->vm);
	if (e)
		LOG_ERR("pmem: pmem2_vm_reservation_delete: %s", pmem2_errormsg());
	free(r->pieces);
	free(r);
}

static struct rsv *rsv_new(struct pmem_file *f, uint64_t want)
{
	uint64_t size = want * 2 > min_reservation ? want * 2 : min_reservation;
	size = round_up(size, RESERVATION_ALIGN);
	struct rsv *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	int e = pmem2_vm_reservation_new(&r->vm, NULL, size);
	if (e) {
		LOG_WARN("pmem: %s: cannot reserve %llu bytes: %s", f->name,
			 (unsigned long long)size, pmem2_errormsg());
		free(r);
		return NULL;
	}
	r->kind = HOLD_MAP;
	r->file = f;
	r->base = pmem2_vm_reservation_get_address(r->vm);
	r->size = pmem2_vm_reservation_get_size(r->vm);
	r->slot = slot_register((uintptr_t)r->base, (uintptr_t)r->base + r->size);
	return r;
}

/* Maps file bytes [off, off + len) at base + off.  0 or a pmem2 error. */
static int rsv_map(struct pmem_file *f, struct rsv *r, uint64_t off, uint64_t len)
{
	if (atomic_load(&fail_mappings))
		return PMEM2_E_NOSUPP;
	if (atomic_load(&live_maps) >= MAX_LIVE_MAPS)
		return -EAGAIN; /* the rest goes through the fd for now */
	if (r->npieces == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 8;
		struct piece *np = realloc(r->pieces, ncap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		r->pieces = np;
		r->cap = ncap;
	}
	struct pmem2_config *cfg;
	int e = pmem2_config_new(&cfg);
	if (e)
		return e;
	/* PAGE is the weakest requirement: take whatever the medium gives
	 * and ask the map what that was. */
	pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE);
	pmem2_config_set_protection(cfg, f->writable ? PMEM2_PROT_READ | PMEM2_PROT_WRITE
						     : PMEM2_PROT_READ);
	pmem2_config_set_offset(cfg, off);
	pmem2_config_set_length(cfg, len);
	pmem2_config_set_vm_reservation(cfg, r->vm, off);
	struct pmem2_map *m = NULL;
	e = pmem2_map_new(&m, cfg, f->src);
	pmem2_config_delete(&cfg);
	if (e)
		return e;
	atomic_fetch_add(&live_maps, 1);
	if (!f->memcpy_fn) {
		f->gran = pmem2_map_get_store_granularity(m);
		f->memcpy_fn = pmem2_get_memcpy_fn(m);
		f->persist_fn = pmem2_get_persist_fn(m);
	}
	r->pieces[r->npieces++] = (struct piece){ .off = off, .len = len, .map = m };
	return 0;
}

/* Merges trailing pieces once they add up to half the piece before them
 * (see the top comment).  Only with no hold on r. */
static void rsv_merge_tail(struct pmem_file *f, struct rsv *r)
{
	if (r->npieces < 2)
		return;
	size_t i = r->npieces - 1;
	uint64_t acc = r->pieces[i].len;
	while (i > 0 && r->pieces[i - 1].len <= 2 * acc) {
		i--;
		acc += r->pieces[i].len;
	}
	if (i == r->npieces - 1)
		return;
	uint64_t off = r->pieces[i].off;
	rsv_unmap_from(r, i);
	if (rsv_map(f, r, off, acc))
		f->mapped = off; /* mapped again on the next access */
}

static unsigned holds_of(struct pmem_file *f, struct rsv *r)
{
	pthread_mutex_lock(&f->mu);
	unsigned n = r->holds;
	pthread_mutex_unlock(&f->mu);
	return n;
}

/* Drops cur: destroyed now if no hold refers to it, else by the last
 * read_release.  Its unpersisted writes are left to fdatasync. */
static void retire_cur(struct pmem_file *f)
{
	struct rsv *r = f->cur;
	if (!r)
		return;
	f->cur = NULL;
	f->mapped = 0;
	pthread_mutex_lock(&f->mu);
	bool now = r->holds == 0;
	r->retired = true;
	if (f->dirty_hi > f->dirty_lo)
		f->fd_dirty = true;
	f->dirty_lo = f->dirty_hi = 0;
	pthread_mutex_unlock(&f->mu);
	if (now)
		rsv_destroy(r);
}

/* Whether the whole pages below EOF not yet mapped are worth a new
 * mapping: each pmem2_map_new costs some 15 us (it probes the device), so
 * small appends go through the fd until a chunk of max(1 MiB, 1/8 of what
 * is mapped) has accumulated. */
static bool map_due(struct pmem_file *f)
{
	uint64_t target = round_down(f->size, page_size);
	if (f->unmappable || target <= f->mapped)
		return false;
	uint64_t step = f->mapped / 8 > GROW_MIN ? f->mapped / 8 : GROW_MIN;
	return f->mapped == 0 || target - f->mapped >= step;
}

/* Maps every whole page below the file size when that is due, or when the
 * bytes below need must be mapped (a zero-copy read).  Returns false if the
 * file cannot be mapped (then its data goes through the fd). */
static bool ensure_mapped(struct pmem_file *f, uint64_t need)
{
	if (f->unmappable)
		return false;
	uint64_t target = round_down(f->size, page_size);
	if (target <= f->mapped)
		return true;
	if (!map_due(f) && round_down(need, page_size) <= f->mapped)
		return true;
	struct rsv *r = f->cur;
	int e;
	if (!r || target > r->size) {
		retire_cur(f);
		r = rsv_new(f, target);
		if (!r)
			return false;
		e = rsv_map(f, r, 0, target);
		if (e) {
			rsv_destroy(r);
			goto refused;
		}
		f->cur = r;
		f->mapped = target;
		return true;
	}
	if (r->npieces >= MAX_PIECES) {
		/* Too many mappings: one mapping of the whole file, in place
		 * when nothing holds the reservation, else in a new one. */
		if (holds_of(f, r) == 0) {
			rsv_unmap_from(r, 0);
			f->mapped = 0;
			e = rsv_map(f, r, 0, target);
			if (e)
				goto refused;
			f->mapped = target;
			return true;
		}
		retire_cur(f);
		return ensure_mapped(f, need);
	}
	e = rsv_map(f, r, f->mapped, target - f->mapped);
	if (e)
		goto refused;
	f->mapped = target;
	if (holds_of(f, r) == 0)
		rsv_merge_tail(f, r);
	return true;
refused:
	/* Refused outright (type, flags, test hook): fall back for good.
	 * Anything else (no memory): try again next time. */
	if (e != -ENOMEM && e != -EAGAIN) {
		f->unmappable = true;
		char why[160];
		snprintf(why, sizeof(why), "libpmem2 cannot map it (%s)", pmem2_errormsg());
		log_fallback(f, why);
	}
	return false;
}

/* The file is now size bytes long: nothing stays mapped past it. */
static void shrink_to(struct pmem_file *f, uint64_t size)
{
	uint64_t keep = round_down(size, page_size);
	struct rsv *r = f->cur;
	if (!r || f->mapped <= keep)
		return;
	if (holds_of(f, r)) {
		retire_cur(f);
		return;
	}
	size_t i = 0;
	while (i < r->npieces && r->pieces[i].off + r->pieces[i].len <= keep)
		i++;
	if (i < r->npieces) {
		rsv_unmap_from(r, i);
		f->mapped = i ? r->pieces[i - 1].off + r->pieces[i - 1].len : 0;
	}
	pthread_mutex_lock(&f->mu);
	if (f->dirty_hi > f->mapped) {
		f->fd_dirty = true;
		f->dirty_hi = f->mapped;
		if (f->dirty_lo > f->dirty_hi)
			f->dirty_lo = f->dirty_hi;
	}
	pthread_mutex_unlock(&f->mu);
}

/* Re-reads the size from the file (after a fault, or to see growth by
 * someone else) and drops mappings past it. */
static NTSTATUS revalidate(struct pmem_file *f)
{
	struct stat sb;
	if (fstat(f->fd, &sb) < 0)
		return vfs_errno_to_status(errno);
	uint64_t size = (uint64_t)sb.st_size;
	shrink_to(f, size);
	f->size = size;
	atomic_store(&f->stale, false);
	return STATUS_SUCCESS;
}

static bool needs_revalidate(struct pmem_file *f)
{
	unsigned long n = atomic_load(&unguarded_faults);
	if (atomic_load(&f->faults_seen) != n) {
		atomic_store(&f->faults_seen, n);
		atomic_store(&f->stale, true);
	}
	return atomic_load(&f->stale);
}

/* ---- the file table ---- */

static void file_destroy(struct pmem_file *f)
{
	if (f->cur)
		rsv_destroy(f->cur);
	pmem2_source_delete(&f->src);
	if (f->fd >= 0)
		close(f->fd);
	pthread_rwlock_destroy(&f->lock);
	pthread_mutex_destroy(&f->mu);
	free(f->name);
	free(f);
}

static struct pmem_file **bucket(dev_t dev, ino_t ino)
{
	return &table[((uint64_t)ino ^ ((uint64_t)dev * 0x9e3779b97f4a7c15ull)) % TABLE_BUCKETS];
}

/* A new file entry with our own fd on path (checked to be dev/ino). */
static struct pmem_file *file_new(struct pmem_share *s, const char *path, dev_t dev, ino_t ino)
{
	struct pmem_file *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->dev = dev;
	f->ino = ino;
	f->fd = -1;
	f->name = strdup(path[0] ? path : ".");
	pthread_rwlock_init(&f->lock, NULL);
	pthread_mutex_init(&f->mu, NULL);
	atomic_init(&f->stale, false);
	atomic_init(&f->faults_seen, atomic_load(&unguarded_faults));
	if (!f->name) {
		file_destroy(f);
		return NULL;
	}
	/* Our own fd: O_RDWR when allowed, so that one writable mapping
	 * serves read-only and read-write opens alike. */
	int fd = -1;
	if (!s->pub.read_only) {
		fd = vfs_openat2(s->pub.root_fd, path, O_RDWR | O_NONBLOCK, 0);
		f->writable = fd >= 0;
	}
	if (fd < 0)
		fd = vfs_openat2(s->pub.root_fd, path, O_RDONLY | O_NONBLOCK, 0);
	struct stat sb;
	if (fd >= 0 && (fstat(fd, &sb) < 0 || sb.st_dev != dev || sb.st_ino != ino ||
			!S_ISREG(sb.st_mode))) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		log_fallback(f, "cannot reopen it for mapping");
		f->writable = false;
		f->unmappable = true;
		return f;
	}
	f->fd = fd;
	f->size = (uint64_t)sb.st_size;
	int e = pmem2_source_from_fd(&f->src, fd);
	if (e) {
		char why[160];
		snprintf(why, sizeof(why), "libpmem2 refuses the file (%s)", pmem2_errormsg());
		log_fallback(f, why);
		f->unmappable = true;
	}
	return f;
}

static struct pmem_file *file_get(struct pmem_share *s, const char *path, dev_t dev, ino_t ino)
{
	pthread_mutex_lock(&table_mu);
	struct pmem_file **b = bucket(dev, ino), *f;
	for (f = *b; f; f = f->next)
		if (f->dev == dev && f->ino == ino)
			break;
	if (f) {
		f->opens++;
		pthread_mutex_unlock(&table_mu);
		/* The open may have truncated it (overwrite, supersede). */
		pthread_rwlock_wrlock(&f->lock);
		if (f->fd >= 0)
			(void)revalidate(f);
		pthread_rwlock_unlock(&f->lock);
		return f;
	}
	pthread_mutex_unlock(&table_mu);

	struct pmem_file *nf = file_new(s, path, dev, ino);
	if (!nf)
		return NULL;
	pthread_mutex_lock(&table_mu);
	for (f = *b; f; f = f->next)
		if (f->dev == dev && f->ino == ino)
			break;
	if (f) { /* someone was quicker */
		f->opens++;
		pthread_mutex_unlock(&table_mu);
		file_destroy(nf);
		return f;
	}
	nf->opens = 1;
	nf->next = *b;
	*b = nf;
	pthread_mutex_unlock(&table_mu);
	return nf;
}

static void file_put(struct pmem_file *f)
{
	pthread_mutex_lock(&table_mu);
	bool last = --f->opens == 0;
	if (last) {
		struct pmem_file **p = bucket(f->dev, f->ino);
		while (*p != f)
			p = &(*p)->next;
		*p = f->next;
	}
	pthread_mutex_unlock(&table_mu);
	if (!last)
		return;
	pthread_mutex_lock(&f->mu);
	bool now = f->holds == 0;
	f->orphan = true;
	pthread_mutex_unlock(&f->mu);
	if (now)
		file_destroy(f);
}

/* ---- handles ---- */

static NTSTATUS pmem_open(struct vfs_share *vs, const struct vfs_open_args *args,
			  struct vfs_handle **out, uint32_t *action)
{
	struct pmem_share *s = (struct pmem_share *)vs;
	/* The server sets these on our share after open. */
	s->inner->case_sensitive = s->pub.case_sensitive;
	s->inner->read_only = s->pub.read_only;
	*out = NULL;
	struct pmem_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return STATUS_NO_MEMORY;
	h->share = s;
	NTSTATUS st = s->inner->ops->open(s->inner, args, &h->inner, action);
	if (st) {
		free(h);
		return st;
	}
	/* A named stream lives in an xattr: its data goes through posix. */
	bool data = !args->stream &&
		    (args->read || args->write || args->disposition == FILE_SUPERSEDE ||
		     args->disposition == FILE_OVERWRITE || args->disposition == FILE_OVERWRITE_IF);
	struct vfs_stat vst;
	/* Directories are never mapped; FIFOs and devices never get here with
	 * data access (the posix open refuses them). */
	if (data && s->inner->ops->fstat(h->inner, &vst) == STATUS_SUCCESS && !vst.is_dir &&
	    S_ISREG(vst.mode)) {
		h->file = file_get(s, s->inner->ops->path(h->inner), (dev_t)vst.dev,
				   (ino_t)vst.file_id);
		if (!h->file) {
			s->inner->ops->close(h->inner);
			free(h);
			return STATUS_NO_MEMORY;
		}
	}
	*out = (struct vfs_handle *)h;
	return STATUS_SUCCESS;
}

static void pmem_close(struct vfs_handle *vh)
{
	struct pmem_handle *h = ph(vh);
	if (!h)
		return;
	inner_ops(h)->close(h->inner);
	if (h->file)
		file_put(h->file);
	free(h);
}

static NTSTATUS pmem_fstat(struct vfs_handle *h, struct vfs_stat *st)
{
	return inner_ops(ph(h))->fstat(ph(h)->inner, st);
}

/* Takes f->lock with f->size current when end goes past it, the mapping
 * grown if due, and [0, need) mapped if it can be.  Returns with the lock
 * held (read or write, *wr says which). */
static void lock_for(struct pmem_file *f, uint64_t end, uint64_t need, bool *wr)
{
	pthread_rwlock_rdlock(&f->lock);
	*wr = false;
	uint64_t n = need < f->size ? need : f->size;
	if (!needs_revalidate(f) && end <= f->size && !map_due(f) &&
	    (f->unmappable || round_down(n, page_size) <= f->mapped))
		return;
	pthread_rwlock_unlock(&f->lock);
	pthread_rwlock_wrlock(&f->lock);
	*wr = true;
	if (atomic_load(&f->stale) || end > f->size)
		(void)revalidate(f);
	(void)ensure_mapped(f, need < f->size ? need : f->size);
}

static void fault_seen(struct pmem_file *f)
{
	atomic_store(&f->stale, true);
	LOG_WARN("pmem: %s: access past the end of file (truncated behind the server's back?)",
		 f->name);
}

/* Copies [off, off + len) of the file (already clamped to its size) into
 * dst: the mapped part from the mapping, the rest from the fd.  Lock held. */
static NTSTATUS copy_out(struct pmem_file *f, void *dst, size_t len, uint64_t off, size_t *done)
{
	size_t m = 0;
	*done = 0;
	if (f->cur && off < f->mapped) {
		m = f->mapped - off < len ? (size_t)(f->mapped - off) : len;
		if (!guarded_copy(NULL, dst, f->cur->base + off, m, 0)) {
			fault_seen(f);
			return STATUS_FILE_CORRUPT_ERROR;
		}
	}
	size_t got = 0;
	NTSTATUS st = STATUS_SUCCESS;
	if (m < len)
		st = fd_read(f->fd, (char *)dst + m, len - m, off + m, &got);
	*done = m + got;
	return m && st ? STATUS_SUCCESS : st;
}

static NTSTATUS pmem_pread(struct vfs_handle *vh, void *dst, size_t len, uint64_t off,
			   size_t *done)
{
	struct pmem_handle *h = ph(vh);
	struct pmem_file *f = h->file;
	if (!f || f->fd < 0)
		return inner_ops(h)->pread(h->inner, dst, len, off, done);
	*done = 0;
	if (off > INT64_MAX)
		return STATUS_INVALID_PARAMETER;
	if (len > INT64_MAX - off)
		len = (size_t)(INT64_MAX - off);
	bool wr;
	lock_for(f, off + len, 0, &wr);
	NTSTATUS st = STATUS_SUCCESS;
	if (off < f->size) {
		size_t n = f->size - off < len ? (size_t)(f->size - off) : len;
		st = copy_out(f, dst, n, off, done);
	}
	pthread_rwlock_unlock(&f->lock);
	return st;
}

static void mark_dirty(struct pmem_file *f, uint64_t lo, uint64_t hi)
{
	pthread_mutex_lock(&f->mu);
	if (f->dirty_hi <= f->dirty_lo) {
		f->dirty_lo = lo;
		f->dirty_hi = hi;
	} else {
		if (lo < f->dirty_lo)
			f->dirty_lo = lo;
		if (hi > f->dirty_hi)
			f->dirty_hi = hi;
	}
	pthread_mutex_unlock(&f->mu);
}

/* Makes mapped bytes [lo, hi) durable.  Lock held; hi <= f->mapped. */
static NTSTATUS persist_mapped(struct pmem_file *f, uint64_t lo, uint64_t hi)
{
	if (hi <= lo || !f->cur)
		return STATUS_SUCCESS;
	if (f->gran != PMEM2_GRANULARITY_PAGE) {
		f->persist_fn(f->cur->base + lo, hi - lo);
		return STATUS_SUCCESS;
	}
	uint64_t a = round_down(lo, page_size);
	while (msync(f->cur->base + a, round_up(hi, page_size) - a, MS_SYNC) < 0)
		if (errno != EINTR)
			return vfs_errno_to_status(errno);
	return STATUS_SUCCESS;
}

static NTSTATUS pmem_pwrite(struct vfs_handle *vh, const void *src, size_t len, uint64_t off,
			    bool durable)
{
	struct pmem_handle *h = ph(vh);
	struct pmem_file *f = h->file;
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	if (!f || f->fd < 0 || len == 0)
		return inner_ops(h)->pwrite(h->inner, src, len, off, durable);
	if (!f->writable) {
		/* A read-only mapping (our fd could not be O_RDWR): write
		 * through the posix handle; FLUSH then owes an fdatasync. */
		NTSTATUS ist = inner_ops(h)->pwrite(h->inner, src, len, off, durable);
		if (!ist && !durable) {
			pthread_mutex_lock(&f->mu);
			f->fd_dirty = true;
			pthread_mutex_unlock(&f->mu);
		}
		return ist;
	}
	if (off > INT64_MAX || len > INT64_MAX - off)
		return STATUS_DISK_FULL;
	uint64_t end = off + len;
	bool wr, extended = false;
	NTSTATUS st = STATUS_SUCCESS;
	lock_for(f, end, 0, &wr);
	if (end > f->size) {
		/* Extend first, then map: the mapping never runs past EOF. */
		if (!wr) {
			pthread_rwlock_unlock(&f->lock);
			pthread_rwlock_wrlock(&f->lock);
			wr = true;
		}
		if (end > f->size) {
			while (ftruncate(f->fd, (off_t)end) < 0) {
				if (errno != EINTR) {
					st = vfs_errno_to_status(errno);
					goto out;
				}
			}
			f->size = end;
			extended = true;
			pthread_mutex_lock(&f->mu);
			f->fd_dirty = true;
			pthread_mutex_unlock(&f->mu);
		}
		(void)ensure_mapped(f, 0);
	}
	/* The mapped part through the mapping, the partial last page (or an
	 * unmappable file) through the fd. */
	uint64_t mend = f->cur && f->mapped > off ? (f->mapped < end ? f->mapped : end) : off;
	bool cpu = f->gran != PMEM2_GRANULARITY_PAGE;
	if (mend > off) {
		unsigned flags = durable ? (cpu ? 0 : PMEM2_F_MEM_NOFLUSH)
					 : (cpu ? PMEM2_F_MEM_NODRAIN : PMEM2_F_MEM_NOFLUSH);
		if (!guarded_copy(f->memcpy_fn, f->cur->base + off, src, (size_t)(mend - off),
				  flags)) {
			fault_seen(f);
			st = STATUS_FILE_CORRUPT_ERROR;
			goto out;
		}
		if (durable && !cpu)
			st = persist_mapped(f, off, mend);
		else if (!durable)
			mark_dirty(f, off, mend);
		if (st)
			goto out;
	}
	if (mend < end) {
		st = fd_write(f->fd, (const char *)src + (mend - off), (size_t)(end - mend), mend);
		if (st)
			goto out;
		if (!durable) {
			pthread_mutex_lock(&f->mu);
			f->fd_dirty = true;
			pthread_mutex_unlock(&f->mu);
		}
	}
	/* A new size, or bytes written through the fd, need fdatasync. */
	if (durable && (extended || mend < end))
		st = fd_datasync(f->fd);
out:
	pthread_rwlock_unlock(&f->lock);
	if (!st)
		vfs_posix_note_write(h->inner); /* ARCHIVE, as a posix write */
	return st;
}

static NTSTATUS pmem_flush(struct vfs_handle *vh)
{
	struct pmem_handle *h = ph(vh);
	struct pmem_file *f = h->file;
	if (!f || f->fd < 0)
		return inner_ops(h)->flush(h->inner);
	pthread_rwlock_rdlock(&f->lock);
	pthread_mutex_lock(&f->mu);
	uint64_t lo = f->dirty_lo, hi = f->dirty_hi;
	bool sync = f->fd_dirty;
	f->dirty_lo = f->dirty_hi = 0;
	f->fd_dirty = false;
	pthread_mutex_unlock(&f->mu);
	if (hi > f->mapped)
		hi = f->mapped; /* shrink_to handed the rest to fdatasync */
	NTSTATUS st = persist_mapped(f, lo, hi);
	if (!st && sync)
		st = fd_datasync(f->fd);
	pthread_rwlock_unlock(&f->lock);
	if (st) {
		/* Keep it owed: a later FLUSH must try again. */
		pthread_mutex_lock(&f->mu);
		f->fd_dirty = true;
		pthread_mutex_unlock(&f->mu);
	}
	return st;
}

static NTSTATUS pmem_persist_range(struct vfs_handle *vh, uint64_t off, uint64_t len)
{
	struct pmem_handle *h = ph(vh);
	struct pmem_file *f = h->file;
	if (!f || f->fd < 0)
		return inner_ops(h)->flush(h->inner);
	if (off > INT64_MAX || len > INT64_MAX - off)
		return STATUS_INVALID_PARAMETER;
	pthread_rwlock_rdlock(&f->lock);
	uint64_t end = off + len;
	uint64_t hi = end < f->mapped ? end : f->mapped;
	NTSTATUS st = off < hi ? persist_mapped(f, off, hi) : STATUS_SUCCESS;
	pthread_mutex_lock(&f->mu);
	bool sync = f->fd_dirty;
	pthread_mutex_unlock(&f->mu);
	pthread_rwlock_unlock(&f->lock);
	/* Part of the range is not mapped (the partial last page), or the
	 * size changed: that needs the file system. */
	if (!st && (sync || end > hi))
		st = pmem_flush(vh);
	return st;
}

static NTSTATUS pmem_truncate(struct vfs_handle *vh, uint64_t size)
{
	struct pmem_handle *h = ph(vh);
	struct pmem_file *f = h->file;
	if (!f || f->fd < 0)
		return inner_ops(h)->truncate(h->inner, size);
	pthread_rwlock_wrlock(&f->lock);
	NTSTATUS st = inner_ops(h)->truncate(h->inner, size);
	if (!st) {
		/* Shrinking: unmap what is now past EOF before anyone can touch
		 * it (or retire the reservation if a hold still points in). */
		shrink_to(f, size);
		f->size = size;
		pthread_mutex_lock(&f->mu);
		f->fd_dirty = true;
		pthread_mutex_unlock(&f->mu);
	} else {
		(void)revalidate(f);
	}
	pthread_rwlock_unlock(&f->lock);
	return st;
}

static NTSTATUS pmem_read_map(struct vfs_handle *vh, uint64_t off, size_t len, const void **ptr,
			      size_t *done, void **hold)
{
	struct pmem_handle *h = ph(vh);
	struct pmem_file *f = h->file;
	*ptr = NULL;
	*done = 0;
	*hold = NULL;
	if (off > INT64_MAX)
		return STATUS_INVALID_PARAMETER;
	if (len > INT64_MAX - off)
		len = (size_t)(INT64_MAX - off);
	if (f && f->fd >= 0) {
		bool wr;
		lock_for(f, off + len, off + len, &wr);
		size_t n = off < f->size ? (f->size - off < len ? (size_t)(f->size - off) : len) : 0;
		if (n && f->cur && off + n <= f->mapped) {
			struct rsv *r = f->cur;
			pthread_mutex_lock(&f->mu);
			r->holds++;
			f->holds++;
			pthread_mutex_unlock(&f->mu);
			*ptr = r->base + off;
			*done = n;
			*hold = r;
		}
		pthread_rwlock_unlock(&f->lock);
		if (!n || *hold)
			return STATUS_SUCCESS;
		len = n;
	}
	/* Not (all) mapped: a copy, which the hold owns. */
	if (len == 0)
		return STATUS_SUCCESS;
	struct copy_hold *c = malloc(sizeof(*c) + len);
	if (!c)
		return STATUS_NO_MEMORY;
	c->kind = HOLD_COPY;
	size_t got = 0;
	NTSTATUS st = pmem_pread(vh, c->data, len, off, &got);
	if (st || !got) {
		free(c);
		return st;
	}
	*ptr = c->data;
	*done = got;
	*hold = c;
	return STATUS_SUCCESS;
}

static void pmem_read_release(struct vfs_handle *vh, void *hold)
{
	(void)vh;
	if (!hold)
		return;
	if (*(uint32_t *)hold == HOLD_COPY) {
		free(hold);
		return;
	}
	struct rsv *r = hold;
	struct pmem_file *f = r->file;
	pthread_mutex_lock(&f->mu);
	r->holds--;
	f->holds--;
	bool free_r = r->retired && r->holds == 0;
	bool free_f = f->orphan && f->holds == 0;
	pthread_mutex_unlock(&f->mu);
	if (free_r)
		rsv_destroy(r);
	if (free_f)
		file_destroy(f);
}

/* ---- metadata: the posix backend ---- */

static NTSTATUS pmem_allocate(struct vfs_handle *h, uint64_t size)
{
	return inner_ops(ph(h))->allocate(ph(h)->inner, size);
}

static NTSTATUS pmem_set_times(struct vfs_handle *h, const struct vfs_times *t)
{
	return inner_ops(ph(h))->set_times(ph(h)->inner, t);
}

static NTSTATUS pmem_set_attributes(struct vfs_handle *h, uint32_t attributes)
{
	return inner_ops(ph(h))->set_attributes(ph(h)->inner, attributes);
}

static NTSTATUS pmem_readdir(struct vfs_handle *h, struct vfs_dirent **out, size_t *count,
			     size_t max)
{
	return inner_ops(ph(h))->readdir(ph(h)->inner, out, count, max);
}

static NTSTATUS pmem_stat_child(struct vfs_handle *h, const char *name, struct vfs_stat *st)
{
	return inner_ops(ph(h))->stat_child(ph(h)->inner, name, st);
}

static NTSTATUS pmem_unlink(struct vfs_handle *h)
{
	return inner_ops(ph(h))->unlink(ph(h)->inner);
}

static NTSTATUS pmem_rename(struct vfs_handle *h, const char *new_path, bool replace)
{
	return inner_ops(ph(h))->rename(ph(h)->inner, new_path, replace);
}

/* A new name of the same inode: the mapping table is keyed by (dev, ino),
 * so opens through either name share one mapping. */
static NTSTATUS pmem_link(struct vfs_handle *h, const char *new_path, bool replace)
{
	const struct vfs_ops *in = inner_ops(ph(h));
	return in->link ? in->link(ph(h)->inner, new_path, replace) : STATUS_NOT_SUPPORTED;
}

static NTSTATUS pmem_is_empty_dir(struct vfs_handle *h, bool *empty)
{
	return inner_ops(ph(h))->is_empty_dir(ph(h)->inner, empty);
}

static NTSTATUS pmem_statfs(struct vfs_share *s, struct vfs_statfs *out)
{
	struct vfs_share *in = ((struct pmem_share *)s)->inner;
	return in->ops->statfs(in, out);
}

static const char *pmem_path(struct vfs_handle *h)
{
	return inner_ops(ph(h))->path(ph(h)->inner);
}

static NTSTATUS pmem_set_path(struct vfs_handle *h, const char *path)
{
	return inner_ops(ph(h))->set_path(ph(h)->inner, path);
}

static NTSTATUS pmem_list_streams(struct vfs_handle *h, struct vfs_stream_info **out,
				  size_t *count)
{
	return inner_ops(ph(h))->list_streams(ph(h)->inner, out, count);
}

static NTSTATUS pmem_rename_stream(struct vfs_handle *h, const char *name, bool replace)
{
	return inner_ops(ph(h))->rename_stream(ph(h)->inner, name, replace);
}

static NTSTATUS pmem_drop_streams(struct vfs_handle *h)
{
	return inner_ops(ph(h))->drop_streams(ph(h)->inner);
}

static NTSTATUS pmem_get_eas(struct vfs_handle *h, struct vfs_ea **out, size_t *count)
{
	return inner_ops(ph(h))->get_eas(ph(h)->inner, out, count);
}

static NTSTATUS pmem_set_ea(struct vfs_handle *h, const char *name, const void *value, size_t len)
{
	return inner_ops(ph(h))->set_ea(ph(h)->inner, name, value, len);
}

static NTSTATUS pmem_get_ntacl(struct vfs_handle *h, uint8_t **out, size_t *len)
{
	return inner_ops(ph(h))->get_ntacl(ph(h)->inner, out, len);
}

static NTSTATUS pmem_set_ntacl(struct vfs_handle *h, const void *sd, size_t len)
{
	return inner_ops(ph(h))->set_ntacl(ph(h)->inner, sd, len);
}

static NTSTATUS pmem_set_owner(struct vfs_handle *h, uint32_t uid, uint32_t gid)
{
	return inner_ops(ph(h))->set_owner(ph(h)->inner, uid, gid);
}

static NTSTATUS pmem_set_mode(struct vfs_handle *h, uint32_t mode)
{
	return inner_ops(ph(h))->set_mode(ph(h)->inner, mode);
}

static void pmem_share_close(struct vfs_share *vs)
{
	struct pmem_share *s = (struct pmem_share *)vs;
	if (!s)
		return;
	s->inner->ops->share_close(s->inner);
	free(s);
}

/* ---- server-side copy, sparse files, change notify (issue 6) ----
 * Data changed beside the mapping (copy_file_range, hole punching) goes
 * through the posix handle with the file's lock held for writing; the size
 * is re-read after, and FLUSH then owes an fdatasync. */

static void pmem_fd_changed(struct pmem_file *f)
{
	(void)revalidate(f);
	pthread_mutex_lock(&f->mu);
	f->fd_dirty = true;
	pthread_mutex_unlock(&f->mu);
}

static NTSTATUS pmem_copy_range(struct vfs_handle *src, uint64_t src_off, struct vfs_handle *dst,
				uint64_t dst_off, uint64_t len, uint64_t *done)
{
	struct pmem_handle *s = ph(src), *d = ph(dst);
	*done = 0;
	if (d->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	const struct vfs_ops *in = inner_ops(d);
	if (!in->copy_range)
		return STATUS_NOT_SUPPORTED;
	struct pmem_file *f = d->file && d->file->fd >= 0 ? d->file : NULL;
	if (f)
		pthread_rwlock_wrlock(&f->lock);
	NTSTATUS st = in->copy_range(s->inner, src_off, d->inner, dst_off, len, done);
	if (f) {
		if (*done)
			pmem_fd_changed(f);
		pthread_rwlock_unlock(&f->lock);
	}
	return st;
}

static NTSTATUS pmem_zero_range(struct vfs_handle *vh, uint64_t off, uint64_t len)
{
	struct pmem_handle *h = ph(vh);
	if (h->share->pub.read_only)
		return STATUS_ACCESS_DENIED;
	const struct vfs_ops *in = inner_ops(h);
	if (!in->zero_range)
		return STATUS_NOT_SUPPORTED;
	struct pmem_file *f = h->file && h->file->fd >= 0 ? h->file : NULL;
	if (f)
		pthread_rwlock_wrlock(&f->lock);
	NTSTATUS st = in->zero_range(h->inner, off, len);
	if (f) {
		if (!st)
			pmem_fd_changed(f);
		pthread_rwlock_unlock(&f->lock);
	}
	return st;
}

static NTSTATUS pmem_alloc_ranges(struct vfs_handle *h, uint64_t off, uint64_t len,
				  struct vfs_range *out, size_t max, size_t *count, bool *more)
{
	const struct vfs_ops *in = inner_ops(ph(h));
	*count = 0;
	*more = false;
	if (!in->alloc_ranges)
		return STATUS_NOT_SUPPORTED;
	return in->alloc_ranges(ph(h)->inner, off, len, out, max, count, more);
}

static NTSTATUS pmem_set_sparse(struct vfs_handle *h, bool sparse)
{
	const struct vfs_ops *in = inner_ops(ph(h));
	return in->set_sparse ? in->set_sparse(ph(h)->inner, sparse) : STATUS_NOT_SUPPORTED;
}

static NTSTATUS pmem_watch(struct vfs_handle *h, const char *sub, bool tree, int ifd,
			   uint32_t mask, void (*added)(void *arg, int wd, const char *path),
			   void *arg)
{
	const struct vfs_ops *in = inner_ops(ph(h));
	if (!in->watch)
		return STATUS_NOT_SUPPORTED;
	return in->watch(ph(h)->inner, sub, tree, ifd, mask, added, arg);
}

static const struct vfs_ops pmem_ops = {
	.name = "pmem",
	.open = pmem_open,
	.close = pmem_close,
	.fstat = pmem_fstat,
	.pread = pmem_pread,
	.pwrite = pmem_pwrite,
	.flush = pmem_flush,
	.truncate = pmem_truncate,
	.allocate = pmem_allocate,
	.set_times = pmem_set_times,
	.set_attributes = pmem_set_attributes,
	.readdir = pmem_readdir,
	.stat_child = pmem_stat_child,
	.unlink = pmem_unlink,
	.rename = pmem_rename,
	.link = pmem_link,
	.is_empty_dir = pmem_is_empty_dir,
	.statfs = pmem_statfs,
	.read_map = pmem_read_map,
	.read_release = pmem_read_release,
	.persist_range = pmem_persist_range,
	.path = pmem_path,
	.set_path = pmem_set_path,
	.share_close = pmem_share_close,
	.list_streams = pmem_list_streams,
	.rename_stream = pmem_rename_stream,
	.drop_streams = pmem_drop_streams,
	.get_eas = pmem_get_eas,
	.set_ea = pmem_set_ea,
	.copy_range = pmem_copy_range,
	.zero_range = pmem_zero_range,
	.alloc_ranges = pmem_alloc_ranges,
	.set_sparse = pmem_set_sparse,
	.watch = pmem_watch,
	.get_ntacl = pmem_get_ntacl,
	.set_ntacl = pmem_set_ntacl,
	.set_owner = pmem_set_owner,
	.set_mode = pmem_set_mode,
};

/* ---- the share ---- */

/* Maps an unnamed scratch file in the share's file system to learn the
 * store granularity, and times a 4 KiB copy + persist there. */
static void probe_granularity(struct pmem_share *s, const char *dir)
{
	s->gran_name = "unknown";
	int fd = openat(s->pub.root_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		LOG_WARN("pmem share %s: cannot probe the store granularity (%s); it is logged "
			 "per file instead", dir, strerror(errno));
		return;
	}
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *m = NULL;
	size_t len = PROBE_ROUNDS * page_size;
	if (ftruncate(fd, (off_t)len) < 0 || pmem2_source_from_fd(&src, fd) ||
	    pmem2_config_new(&cfg) ||
	    pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmem2_map_new(&m, cfg, src)) {
		LOG_WARN("pmem share %s: libpmem2 cannot map files here (%s); data will go "
			 "through pread/pwrite", dir, pmem2_errormsg());
		goto out;
	}
	enum pmem2_granularity g = pmem2_map_get_store_granularity(m);
	s->gran_name = gran_name(g);
	pmem2_memcpy_fn cp = pmem2_get_memcpy_fn(m);
	char *base = pmem2_map_get_address(m);
	char buf[4096];
	memset(buf, 0x5a, sizeof(buf));
	uint64_t t0 = now_ns();
	for (int i = 0; i < PROBE_ROUNDS; i++)
		cp(base + (size_t)i * page_size, buf, sizeof(buf), 0);
	s->persist_ns = (now_ns() - t0) / PROBE_ROUNDS;
	LOG_WARN("pmem share %s: store granularity %s: a persist is %s (4 KiB copy + persist "
		 "~%llu ns)", dir, s->gran_name,
		 g == PMEM2_GRANULARITY_PAGE ? "msync(2) of the pages (not persistent memory)"
		 : g == PMEM2_GRANULARITY_CACHE_LINE ? "a CPU cache flush of the lines (DAX)"
						      : "a store fence (DAX with eADR)",
		 (unsigned long long)s->persist_ns);
out:
	if (m)
		pmem2_map_delete(&m);
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	close(fd);
}

struct vfs_share *vfs_pmem_share_open(const char *dir, bool read_only, char *err, size_t errlen)
{
	pthread_once(&init_once, global_init);
	install_bus_handler();
	struct vfs_share *in = vfs_posix_share_open(dir, read_only, err, errlen);
	if (!in)
		return NULL;
	struct pmem_share *s = calloc(1, sizeof(*s));
	if (!s) {
		in->ops->share_close(in);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", dir);
		return NULL;
	}
	s->inner = in;
	s->pub.ops = &pmem_ops;
	s->pub.root_fd = in->root_fd; /* owned by the inner share */
	s->pub.read_only = read_only;
	s->pub.case_sensitive = in->case_sensitive;
	probe_granularity(s, dir);
	return &s->pub;
}

/* ---- hooks (pmem.h) ---- */

bool vfs_pmem_file_info(struct vfs_handle *vh, struct vfs_pmem_file_info *out)
{
	struct pmem_handle *h = ph(vh);
	if (!h || h->share->pub.ops != &pmem_ops || !h->file)
		return false;
	struct pmem_file *f = h->file;
	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&f->lock);
	out->mapped_path = f->fd >= 0 && !f->unmappable;
	out->writable = f->writable;
	if (f->cur) {
		out->base = f->cur->base;
		out->reservation = f->cur->size;
		out->pieces = f->cur->npieces;
	}
	out->mapped = f->mapped;
	pthread_rwlock_unlock(&f->lock);
	pthread_mutex_lock(&table_mu);
	out->opens = f->opens;
	pthread_mutex_unlock(&table_mu);
	return true;
}

void vfs_pmem_set_min_reservation(uint64_t bytes)
{
	pthread_once(&init_once, global_init);
	min_reservation = bytes ? round_up(bytes, RESERVATION_ALIGN) : DEFAULT_MIN_RESERVATION;
}

void vfs_pmem_test_fail_mappings(bool on)
{
	atomic_store(&fail_mappings, on);
}

const char *vfs_pmem_share_granularity(struct vfs_share *s)
{
	return s && s->ops == &pmem_ops ? ((struct pmem_share *)s)->gran_name : "unknown";
}

uint64_t vfs_pmem_share_persist_ns(struct vfs_share *s)
{
	return s && s->ops == &pmem_ops ? ((struct pmem_share *)s)->persist_ns : 0;
}
