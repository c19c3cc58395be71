/* CHANGE_NOTIFY (MS-SMB2 3.3.5.19) on inotify.
 *
 * Threads: one watcher thread owns the server's single inotify fd and
 * blocks reading it.  It turns each event into FILE_NOTIFY_INFORMATION
 * entries (MS-FSCC 2.7.1) buffered on every watch the event concerns,
 * under one mutex, and posts a task to the watch's event loop
 * (srv_loop_post), which completes the oldest waiting request of the
 * handle with them.  Requests, cancels and closes only ever run on the
 * loop that owns the handle, so a watch's waiting requests are touched by
 * that loop alone; the buffered changes are shared and locked.
 *
 * A handle's first CHANGE_NOTIFY sets its filter and WATCH_TREE (as
 * Windows does); changes seen while no request waits are kept for the
 * next one, up to the first request's OutputBufferLength, past which the
 * next request gets STATUS_NOTIFY_ENUM_DIR.  Changes made through SMB
 * reach the file system and so come back through inotify like any other. */
#ifndef DAX_NOTIFY_H
#define DAX_NOTIFY_H

#include "server/srv.h"

/* MS-ERREF 2.3.1 (common/ntstatus.h lacks it). */
#ifndef STATUS_NOTIFY_CLEANUP
#define STATUS_NOTIFY_CLEANUP 0x0000010Bu
#endif

/* SMB2_WATCH_TREE (MS-SMB2 2.2.35). */
#define SMB2_WATCH_TREE 0x0001u

/* CompletionFilter bits (MS-SMB2 2.2.35). */
#define FILE_NOTIFY_CHANGE_FILE_NAME 0x001u
#define FILE_NOTIFY_CHANGE_DIR_NAME 0x002u
#define FILE_NOTIFY_CHANGE_ATTRIBUTES 0x004u
#define FILE_NOTIFY_CHANGE_SIZE 0x008u
#define FILE_NOTIFY_CHANGE_LAST_WRITE 0x010u
#define FILE_NOTIFY_CHANGE_LAST_ACCESS 0x020u
#define FILE_NOTIFY_CHANGE_CREATION 0x040u
#define FILE_NOTIFY_CHANGE_EA 0x080u
#define FILE_NOTIFY_CHANGE_SECURITY 0x100u
#define FILE_NOTIFY_CHANGE_STREAM_NAME 0x200u
#define FILE_NOTIFY_CHANGE_STREAM_SIZE 0x400u
#define FILE_NOTIFY_CHANGE_STREAM_WRITE 0x800u

/* On o's loop, for a CHANGE_NOTIFY on directory o (checked by the
 * caller): answers at once from buffered changes, or makes r wait
 * (STATUS_PENDING). */
NTSTATUS notify_request(struct srv_req *r, struct srv_open *o,
			const struct smb2_change_notify_req *rq);

/* On o's loop, when o closes (its close, tree disconnect, logoff,
 * disconnect) or a durable o is detached from its session: waiting
 * requests end with STATUS_NOTIFY_CLEANUP and the watches go.  When o
 * really closes (o->tree already NULL) with delete-on-close, or its
 * directory's delete is pending, the other handles' requests end with
 * STATUS_DELETE_PENDING. */
void notify_open_close(struct srv_open *o);

#endif
