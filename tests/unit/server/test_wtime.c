/* Lazy LastWriteTime rules (server/wtime.h), driven with a fake clock
 * through the scenarios of smbtorture smb2.timestamps and MS-FSA's
 * -1 / -2: a model file keeps the inode's mtime as the kernel and the
 * server's stores would leave it, and what a client is shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/wtime.h"

#define SEC 10000000ull /* NT ticks */
#define FREEZE UINT64_MAX
#define THAW (UINT64_MAX - 1)

/* A file with two opens, and a clock: ms (monotonic) and nt (wall). */
struct model {
	struct wt_file f;
	struct wt_open o[2];
	uint64_t inode;      /* the inode's mtime */
	uint64_t ctime;      /* the inode's ChangeTime (kernel ctime or pinned) */
	uint64_t ms, nt;
};

static void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->ms = 1000;
	m->nt = 100 * SEC;
	m->inode = m->nt; /* created now */
	m->ctime = m->nt;
}

static void tick(struct model *m, uint64_t ms)
{
	m->ms += ms;
	m->nt += ms * 10000u;
}

/* As the server's store_time(): mtime t, and ChangeTime change pinned or
 * moved by the kernel to now. */
static void store(struct model *m, uint64_t t, uint64_t change)
{
	m->inode = t;
	m->ctime = change ? change : m->nt;
}

/* As the server's show(): store t, every open clean. */
static void show(struct model *m, uint64_t t)
{
	if (!t)
		return;
	store(m, t, wt_kept_change(&m->f));
	wt_shown(&m->f);
	wt_open_shown(&m->o[0]);
	wt_open_shown(&m->o[1]);
}

static void settle(struct model *m)
{
	show(m, wt_due(&m->f, m->ms));
}

static uint64_t shown(struct model *m)
{
	settle(m);
	return m->f.hold ? m->f.write : m->inode;
}

static uint64_t shown_change(struct model *m)
{
	settle(m);
	return m->f.hold ? m->f.change : m->ctime;
}

static void write_(struct model *m, int i)
{
	settle(m);
	if (wt_need_hold(&m->f))
		wt_hold(&m->f, m->inode, m->ctime);
	m->inode = m->nt; /* the kernel moves mtime and ctime */
	m->ctime = m->nt;
	wt_written(&m->f, &m->o[i], m->ms, m->nt);
}

static void flush(struct model *m)
{
	settle(m);
	show(m, wt_flush(&m->f, m->nt));
}

static void eof(struct model *m, int i)
{
	settle(m);
	if (wt_need_hold(&m->f))
		wt_hold(&m->f, m->inode, m->ctime);
	m->inode = m->nt;
	m->ctime = m->nt;
	show(m, wt_eof(&m->f, &m->o[i], m->ms, m->nt));
}

/* As smb2_info.c's set_basic with srv_wtime_set_basic. */
static void set_basic2(struct model *m, int i, uint64_t write_time, uint64_t change_time)
{
	settle(m);
	show(m, wt_set_basic(&m->f, m->nt));
	uint64_t pin = m->ctime;
	bool pinned = wt_set_basic_after(&m->f, &m->o[i], write_time, change_time);
	bool set_w = write_time && write_time != FREEZE && write_time != THAW;
	bool set_c = change_time && change_time != FREEZE && change_time != THAW;
	if (set_w || set_c || pinned) /* set_times */
		store(m, set_w ? write_time : m->inode,
		      set_c ? change_time : pinned ? pin : 0);
}

static void set_basic(struct model *m, int i, uint64_t write_time)
{
	set_basic2(m, i, write_time, 0);
}

static uint64_t close_(struct model *m, int i)
{
	settle(m);
	switch (wt_close(&m->o[i])) {
	case WT_CLOSE_NOW:
		show(m, m->nt);
		break;
	case WT_CLOSE_RESTORE:
		store(m, m->f.write, wt_kept_change(&m->f));
		wt_open_shown(&m->o[i]);
		if (!m->f.due_ms && !m->o[!i].dirty)
			wt_shown(&m->f);
		break;
	case WT_CLOSE_NONE:
		break;
	}
	uint64_t t = shown(m);
	memset(&m->o[i], 0, sizeof(m->o[i]));
	return t;
}

/* delayed-1write: the first write shows WT_DELAY_MS later, as that time;
 * a close with nothing written since shows no newer time. */
static void test_first_write_delayed(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	uint64_t created = m.inode;
	tick(&m, 1000);
	write_(&m, 0);
	uint64_t due = m.nt + WT_DELAY_MS * 10000ull;
	assert_int_equal(shown(&m), created);
	tick(&m, WT_DELAY_MS - 1);
	assert_int_equal(shown(&m), created);       /* not yet */
	tick(&m, 1);
	assert_int_equal(shown(&m), due);           /* due: shows as its time */
	assert_int_equal(m.inode, due);             /* and is stored */
	tick(&m, 1000);
	assert_int_equal(close_(&m, 0), due);
}

/* delayed-2write: after the delayed update, writes stay hidden until the
 * close, which shows the close time. */
static void test_later_writes_until_close(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	write_(&m, 0);
	tick(&m, 3000);
	uint64_t first = shown(&m);
	assert_true(first > 100 * SEC);
	write_(&m, 0);
	tick(&m, 3000);
	assert_int_equal(shown(&m), first);
	assert_true(m.inode > first);               /* the kernel's, hidden */
	tick(&m, 2000);
	uint64_t at_close = m.nt;
	assert_int_equal(close_(&m, 0), at_close);
}

/* Writes before the update is due are covered by it: no second delay and
 * no update at close. */
static void test_writes_before_due_covered(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	write_(&m, 0);
	uint64_t due = m.nt + WT_DELAY_MS * 10000ull;
	tick(&m, 500);
	write_(&m, 0);
	write_(&m, 1);                              /* another open too */
	tick(&m, WT_DELAY_MS);
	assert_int_equal(shown(&m), due);
	tick(&m, 5000);
	assert_int_equal(close_(&m, 0), due);
	assert_int_equal(close_(&m, 1), due);
}

/* A close before the update is due shows the close time at once. */
static void test_close_before_due(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	uint64_t created = m.inode;
	tick(&m, 100);
	write_(&m, 0);
	tick(&m, 100);
	assert_int_equal(shown(&m), created);
	assert_int_equal(close_(&m, 0), m.nt);
	assert_int_equal(m.f.due_ms, 0);
	assert_false(m.f.hold);
}

/* delayed-write-vs-flush: FLUSH shows a pending update; the close after
 * it changes nothing. */
static void test_flush_shows(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	uint64_t created = m.inode;
	tick(&m, 1000);
	write_(&m, 0);
	assert_int_equal(shown(&m), created);
	tick(&m, 10);
	flush(&m);
	uint64_t flushed = m.nt;
	assert_int_equal(shown(&m), flushed);
	tick(&m, 5000);
	assert_int_equal(close_(&m, 0), flushed);
	/* With nothing hidden FLUSH changes nothing. */
	model_init(&m);
	tick(&m, 10);
	flush(&m);
	assert_int_equal(shown(&m), 100 * SEC);
}

/* delayed-write-vs-seteof: the end of file shows at once; a time set
 * through another open then stands through the first open's close. */
static void test_eof_then_set_elsewhere(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	uint64_t created = m.inode;
	tick(&m, 1000);
	write_(&m, 0);
	assert_int_equal(shown(&m), created);
	tick(&m, 10);
	eof(&m, 0);
	assert_int_equal(shown(&m), m.nt);
	uint64_t set = m.nt + 86400 * SEC;
	set_basic(&m, 1, set);
	assert_int_equal(close_(&m, 1), set);
	assert_int_equal(close_(&m, 0), set);
}

/* delayed-write-vs-setbasic: any FileBasicInformation, even all 0, shows
 * a pending update; a set time then wins. */
static void test_set_basic_shows(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	uint64_t created = m.inode;
	tick(&m, 20);
	write_(&m, 0);
	assert_int_equal(shown(&m), created);
	tick(&m, 20);
	set_basic(&m, 0, 0);
	assert_int_equal(shown(&m), m.nt);
	assert_false(m.o[0].sticky);                /* 0 leaves it alone */

	model_init(&m);
	write_(&m, 0);
	tick(&m, 20);
	set_basic(&m, 0, 5 * SEC);
	assert_int_equal(shown(&m), 5 * SEC);
	assert_true(m.o[0].sticky);
}

/* -1 freezes: writes through the open never move the time, its close
 * puts it back over the kernel's; -2 thaws. */
static void test_freeze_thaw(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	uint64_t created = m.inode;
	set_basic(&m, 0, FREEZE);
	assert_true(m.o[0].sticky);
	tick(&m, 1000);
	write_(&m, 0);
	tick(&m, 5000);
	assert_int_equal(shown(&m), created);
	assert_int_equal(m.f.due_ms, 0);           /* nothing scheduled */
	eof(&m, 0);                                /* hidden too */
	assert_int_equal(shown(&m), created);
	assert_int_equal(close_(&m, 0), created);
	assert_int_equal(m.inode, created);        /* restored */

	model_init(&m);
	set_basic(&m, 0, FREEZE);
	set_basic(&m, 0, THAW);
	assert_false(m.o[0].sticky);
	tick(&m, 1000);
	write_(&m, 0);
	tick(&m, WT_DELAY_MS);
	assert_true(shown(&m) > created);
}

/* A set time on a sticky open that writes stays the time, and a write
 * through another open is still an update of its own. */
static void test_set_then_write(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	uint64_t set = 7 * SEC;
	set_basic(&m, 0, set);
	write_(&m, 0);
	tick(&m, 5000);
	assert_int_equal(shown(&m), set);
	write_(&m, 1);                             /* not sticky: due later */
	tick(&m, WT_DELAY_MS);
	uint64_t t = shown(&m);
	assert_true(t > set);
	assert_int_equal(close_(&m, 0), t);        /* nothing left to restore */
}

/* A failed write's hold is dropped only by the server (no dirty open, no
 * due): the rules never let hold outlive both. */
static void test_hold_first_wins(void **state)
{
	(void)state;
	struct wt_file f = {0};
	assert_true(wt_need_hold(&f));
	wt_hold(&f, 1, 2);
	assert_false(wt_need_hold(&f));
	wt_hold(&f, 3, 4);
	assert_int_equal(f.write, 1);
	assert_int_equal(f.change, 2);
	wt_shown(&f);
	assert_true(wt_need_hold(&f));
}

/* MS-FSA 2.1.5.14.2 for ChangeTime: -1 freezes it for writes through the
 * open, past the delayed update and the close; -2 thaws. */
static void test_change_freeze_thaw(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	uint64_t created = m.ctime;
	tick(&m, 1000);
	set_basic2(&m, 0, 0, FREEZE);
	assert_true(m.o[0].sticky_change);
	assert_false(m.o[0].sticky);
	assert_int_equal(shown_change(&m), created); /* pinned as it was */
	tick(&m, 1000);
	write_(&m, 0);
	assert_int_equal(shown_change(&m), created);
	tick(&m, WT_DELAY_MS);
	uint64_t w = shown(&m);
	assert_true(w > created);                    /* LastWriteTime moves */
	assert_int_equal(shown_change(&m), created); /* ChangeTime does not */
	tick(&m, 10);
	write_(&m, 0);
	eof(&m, 0);
	tick(&m, 1000);
	close_(&m, 0);
	assert_true(shown(&m) > w);
	assert_int_equal(shown_change(&m), created);

	/* -2 thaws: the next write moves ChangeTime with its update. */
	model_init(&m);
	set_basic2(&m, 0, 0, FREEZE);
	set_basic2(&m, 0, 0, THAW);
	assert_false(m.o[0].sticky_change);
	tick(&m, 1000);
	write_(&m, 0);
	tick(&m, WT_DELAY_MS);
	assert_true(shown_change(&m) > created);
}

/* A write through an open not frozen for ChangeTime moves it even when a
 * frozen open wrote too; a set ChangeTime is the frozen value. */
static void test_change_other_open_moves(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	uint64_t set = 9 * SEC;
	set_basic2(&m, 0, 0, set);
	assert_true(m.o[0].sticky_change);
	assert_int_equal(shown_change(&m), set);
	tick(&m, 100);
	write_(&m, 0);
	tick(&m, WT_DELAY_MS);
	assert_int_equal(shown_change(&m), set);     /* kept past the update */
	write_(&m, 1);
	write_(&m, 0);
	tick(&m, 10);
	flush(&m);
	assert_int_equal(shown_change(&m), m.nt);    /* moved by open 1 */
	assert_false(m.f.change_moved);              /* reset once shown */
	/* 0 leaves the freeze alone; the pin is stored again. */
	assert_true(wt_set_basic_after(&m.f, &m.o[0], 0, 0));
	assert_false(wt_set_basic_after(&m.f, &m.o[1], 0, 0));
	assert_false(wt_set_basic_after(&m.f, &m.o[0], 0, THAW));
}

/* The held-file table a directory listing looks in: counted per key. */
static void test_held_table(void **state)
{
	(void)state;
	assert_false(wt_held(1, 2));
	wt_held_add(1, 2);
	wt_held_add(1, 2);
	wt_held_add(3, 2);
	assert_true(wt_held(1, 2));
	assert_true(wt_held(3, 2));
	assert_false(wt_held(2, 1));
	wt_held_del(1, 2);
	assert_true(wt_held(1, 2));
	wt_held_del(1, 2);
	assert_false(wt_held(1, 2));
	wt_held_del(1, 2);                           /* unknown: no effect */
	assert_true(wt_held(3, 2));
	wt_held_del(3, 2);
	assert_false(wt_held(3, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_write_delayed),
		cmocka_unit_test(test_later_writes_until_close),
		cmocka_unit_test(test_writes_before_due_covered),
		cmocka_unit_test(test_close_before_due),
		cmocka_unit_test(test_flush_shows),
		cmocka_unit_test(test_eof_then_set_elsewhere),
		cmocka_unit_test(test_set_basic_shows),
		cmocka_unit_test(test_freeze_thaw),
		cmocka_unit_test(test_set_then_write),
		cmocka_unit_test(test_hold_first_wins),
		cmocka_unit_test(test_change_freeze_thaw),
		cmocka_unit_test(test_change_other_open_moves),
		cmocka_unit_test(test_held_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
