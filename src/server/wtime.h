/* When LastWriteTime moves: Windows' lazy write-time update, as Windows
 * Server 2016 and Samba 4.17 show it (smbtorture smb2.timestamps).
 *
 * - The first write through an open does not change the time a client
 *   sees; the update shows WT_DELAY_MS later (a timer in NTFS; here it is
 *   noticed the next time anyone looks, and shows as the time it was due).
 * - Later writes through that open stay hidden until it closes; the close
 *   shows the close time.
 * - FLUSH, SET_INFO of the end of file or of FileBasicInformation (even
 *   with every time 0) show a hidden update at once.
 * - An open on which the client set LastWriteTime, or froze it with -1
 *   (MS-FSA 2.1.5.14.2, Open.UserSetModificationTime), never moves it by
 *   writing; -2 thaws it.  Its close puts the set time back in the inode.
 * - ChangeTime follows the same rules per open (Open.UserSetChangeTime):
 *   while held it shows the held value like LastWriteTime; when the update
 *   shows, it keeps that value if only frozen opens wrote.  Linux cannot
 *   set ctime: a kept or frozen ChangeTime is stored in the attribute
 *   xattr with the mtime it goes with (vfs set_times), which lasts until a
 *   write moves mtime on.
 * - Every view of the file shows the same times: QUERY_INFO and CLOSE
 *   (srv_fstat), the CREATE reply of another open and a durable
 *   reconnect's (srv_wtime_opened, srv_fstat), directory listings
 *   (srv_wtime_listed, which finds held files by (dev, ino) in a small
 *   table of their own and costs nothing while none is held).
 *
 * The inode's mtime stays the store of record: every update that shows is
 * written to it (futimens), and the kernel's own moves of mtime on write
 * are what the held values hide.  After a crash the inode simply shows
 * the last write.
 *
 * The wt_* functions are the rules, with the clock passed in (unit
 * tested); srv_wtime_* apply them to a srv_open under its file's lock. */
#ifndef DAX_WTIME_H
#define DAX_WTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ntstatus.h"

#define WT_DELAY_MS 2000u

/* Per file (srv_file, under its mu). */
struct wt_file {
	bool hold;          /* report write/change below instead of the inode's */
	uint64_t write;     /* NT times shown while held */
	uint64_t change;
	uint64_t due_ms;    /* 0, or when the pending update shows (monotonic ms) */
	uint64_t due_nt;    /* ... as this time (NT) */
	bool change_moved;  /* held, and an open not frozen for ChangeTime wrote */
};

/* Per open (srv_open, under its file's mu). */
struct wt_open {
	bool triggered;     /* its first write has scheduled its delayed update */
	bool dirty;         /* written since the last update that showed */
	bool sticky;        /* LastWriteTime set or frozen (-1) on this open */
	bool sticky_change; /* ChangeTime set or frozen (-1) on this open */
};

/* ---- the rules ---- */

/* Before a write: true if the times as they are now must be captured
 * (wt_hold) so the write's own move of mtime stays hidden. */
bool wt_need_hold(const struct wt_file *f);
void wt_hold(struct wt_file *f, uint64_t write, uint64_t change);

/* After a successful write of data through o. */
void wt_written(struct wt_file *f, struct wt_open *o, uint64_t now_ms, uint64_t now_nt);

/* A delayed update that has come due: returns its time (to store and show,
 * after which every open of the file is clean: wt_shown) or 0. */
uint64_t wt_due(const struct wt_file *f, uint64_t now_ms);

/* An update showed (its time is now in the inode): nothing is hidden or
 * pending any more.  Call wt_open_shown for every open of the file. */
void wt_shown(struct wt_file *f);
void wt_open_shown(struct wt_open *o);

/* What the close of o does: WT_CLOSE_NONE, WT_CLOSE_NOW (show the close
 * time, for every open), WT_CLOSE_RESTORE (a sticky open that wrote: put
 * the held time back in the inode; the hold stays while another open is
 * dirty or an update is due). */
enum wt_close { WT_CLOSE_NONE, WT_CLOSE_NOW, WT_CLOSE_RESTORE };
enum wt_close wt_close(const struct wt_open *o);

/* FLUSH: the time of a hidden update to show now (now_nt), or 0. */
uint64_t wt_flush(const struct wt_file *f, uint64_t now_nt);

/* When an update shows (write time stored): the ChangeTime to store with
 * it, the held one when only opens frozen for ChangeTime wrote, or 0 (the
 * kernel's, moved by the writes, stands). */
uint64_t wt_kept_change(const struct wt_file *f);

/* A change of the end of file through o (a write of its own): the time to
 * show now, or 0 on a sticky open (where it stays hidden: wt_written). */
uint64_t wt_eof(struct wt_file *f, struct wt_open *o, uint64_t now_ms, uint64_t now_nt);

/* SET_INFO FileBasicInformation through o with LastWriteTime write_time:
 * returns the time of a hidden update to show first (Windows Server 2016
 * shows it even when every time is 0), or 0.  Then, after that update
 * has shown: wt_set_basic_after applies 0 (leave), -1 (freeze), -2
 * (thaw) or a set (o sticky from now on) to LastWriteTime and ChangeTime
 * (MS-FSA 2.1.5.14.2).  It returns true when o's ChangeTime is frozen
 * without a new value: the current one must be stored (pinned), since
 * the kernel moves ctime with any change of the inode. */
uint64_t wt_set_basic(const struct wt_file *f, uint64_t now_nt);
bool wt_set_basic_after(struct wt_file *f, struct wt_open *o, uint64_t write_time,
			uint64_t change_time);

/* ---- the server's side ---- */

struct srv_open;
struct vfs_stat;

/* Around a write of data (WRITE, copy-chunk target, zero data): begin
 * captures the times if needed, end records a successful write. */
void srv_wtime_write_begin(struct srv_open *o);
void srv_wtime_write_end(struct srv_open *o, bool ok);
/* FLUSH and a change of the end of file or allocation: a hidden update
 * shows now (eof: even if nothing was hidden, unless o is sticky). */
void srv_wtime_flush(struct srv_open *o);
void srv_wtime_eof(struct srv_open *o);
/* FileBasicInformation: shows what is hidden, then applies the freeze /
 * thaw / set rules of LastWriteTime and ChangeTime.  Call before storing
 * the client's times; returns the ChangeTime to store with them (0:
 * none): the client's, or the current one of an open frozen by -1. */
uint64_t srv_wtime_set_basic(struct srv_open *o, uint64_t write_time, uint64_t change_time);
/* The close of o (any path; harmless twice). */
void srv_wtime_close(struct srv_open *o);
/* fstat of o's handle with the times a client is to see. */
NTSTATUS srv_fstat(struct srv_open *o, struct vfs_stat *st);
/* The CREATE reply of o (linked to its file already): st was read from
 * the new handle.  An overwrite (truncated) shows a hidden update now;
 * otherwise st gets the times held for the file, as srv_fstat shows. */
NTSTATUS srv_wtime_opened(struct srv_open *o, bool truncated, struct vfs_stat *st);
/* A directory listing's entry st (read from the inode by name): the times
 * an open of the file shows.  No cost but one atomic load while no file
 * is held.  Returns true when a due update was stored just now: st is
 * stale, stat the entry again. */
bool srv_wtime_listed(struct vfs_stat *st);

/* The table of held files (dev, ino), counted: add when a file's hold
 * begins, del when it ends (exposed for the unit tests). */
void wt_held_add(uint64_t dev, uint64_t ino);
void wt_held_del(uint64_t dev, uint64_t ino);
bool wt_held(uint64_t dev, uint64_t ino);

#endif
