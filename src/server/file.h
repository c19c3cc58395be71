/* The process-wide table of open files (MS-FSA's Open.File): every open of
 * one file, from any connection or thread, hangs off one srv_file, which
 * decides share modes and delete-pending for all of them. */
#ifndef DAX_FILE_H
#define DAX_FILE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/ntstatus.h"
#include "server/wtime.h"

struct srv_open;

struct srv_file {
	struct srv_file *hnext;        /* hash chain (table lock) */
	uint64_t dev, ino;
	uint32_t refs;                 /* table lock */
	pthread_mutex_t mu;            /* guards everything below */
	struct srv_open *opens;        /* linked through srv_open.fnext */
	uint32_t nopens;
	bool delete_pending;           /* the last close removes the file */
	struct srv_brl *locks;         /* byte-range locks of every open (lock.h) */
	struct srv_lock_waiter *lock_waiters;  /* blocking locks waiting, oldest first */
	/* oplock.c */
	struct srv_oplock_waiter *oplock_waiters;  /* CREATEs waiting for breaks */
	bool oplock_watched;           /* on the break-timeout watch list */
	struct wt_file wt;             /* wtime.c: the lazy LastWriteTime */
};

/* The file (dev, ino), created on first use; each get is one reference. */
struct srv_file *srv_file_get(uint64_t dev, uint64_t ino);
void srv_file_put(struct srv_file *f);

/* Under f->mu: may an open with (access, share) join the file's opens?
 * MS-FSA 2.1.5.1.2 (share access check): STATUS_SHARING_VIOLATION. */
NTSTATUS srv_file_share_check(const struct srv_file *f, uint32_t access, uint32_t share);

/* Whether an open other than skip, through the share vfs, names a path
 * strictly below dir (a directory with open files below it is not renamed,
 * MS-FSA 2.1.5.15.11).  Takes each file's mutex in turn: call it with
 * none held. */
struct vfs_share;
bool srv_file_open_below(const struct vfs_share *vfs, const char *dir, const struct srv_open *skip);

#endif
