/* The storage interface (DESIGN "vfs/").  The server calls these through
 * a share's ops table; backends never know about SMB2 commands.  Every
 * error leaves a backend as an NTSTATUS (errno is mapped once, at the
 * bottom of the posix backend: vfs_errno_to_status). */
#ifndef DAX_VFS_H
#define DAX_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/ntstatus.h"

struct vfs_share;
struct vfs_handle;

struct vfs_stat {
	uint64_t size;
	uint64_t alloc;        /* bytes allocated (st_blocks * 512) */
	uint64_t file_id;      /* stable 64-bit id: the inode */
	uint64_t dev;
	uint32_t nlink;
	uint32_t mode;         /* st_mode */
	uint32_t uid, gid;     /* st_uid, st_gid */
	bool is_dir;
	uint64_t creation_time;  /* NT times (100 ns since 1601) */
	uint64_t access_time;
	uint64_t write_time;
	uint64_t change_time;
	uint32_t attributes;   /* DOS attributes (FILE_ATTRIBUTE_*) */
	uint32_t ea_size;      /* size of the file's EAs as a FILE_FULL_EA_INFORMATION list */
};

/* Arguments of an open.  path is UTF-8, '/'-separated, relative to the
 * share root, already validated by the server (no "..", no empty or "."
 * components, no ':'); "" is the share root itself. */
struct vfs_open_args {
	const char *path;
	uint32_t disposition;   /* FILE_SUPERSEDE .. FILE_OVERWRITE_IF */
	bool directory;         /* FILE_DIRECTORY_FILE: must be / create a dir */
	bool non_directory;     /* FILE_NON_DIRECTORY_FILE: must not be a dir */
	bool read;              /* needs read access to data */
	bool write;             /* needs write access to data (or truncation) */
	uint32_t attributes;    /* FileAttributes for a new file */
	uint64_t allocation;    /* initial allocation hint (0 = none) */
	/* A named data stream of path (see "Streams" below), NULL for the
	 * file itself.  The disposition applies to the stream; the file is
	 * created (as a plain file) if missing and the disposition creates. */
	const char *stream;
};

/* Streams.  A named data stream lives in an xattr of its file
 * (user.DAXSMB.stream.NAME, value = the stream's bytes), so a stream is at
 * most VFS_STREAM_MAX bytes and the file system may allow less (ext4
 * without ea_inode keeps all of a file's xattrs in one block, ~4 KiB):
 * writes past either limit fail with STATUS_DISK_FULL.  Names compare
 * without case; a stream handle reads, writes, truncates and unlinks the
 * stream, and its metadata calls (times, attributes, EAs) act on the file.
 * Its fstat is the file's with size and alloc of the stream. */
#define VFS_STREAM_MAX 65536u
struct vfs_stream_info {
	char *name;             /* UTF-8, as created */
	uint64_t size;
};

/* Extended attributes (MS-FSCC 2.4.15), in xattrs user.DAXSMB.ea.NAME;
 * names are stored upper case (EA names compare without case). */
#define VFS_EA_NAME_MAX 240u
struct vfs_ea {
	char *name;
	uint8_t *value;
	size_t len;
};

/* One entry of a directory listing ("." and ".." are not included). */
struct vfs_dirent {
	char *name;             /* UTF-8, malloc'd */
	struct vfs_stat st;
};

struct vfs_statfs {
	uint64_t block_size;
	uint64_t total_blocks;
	uint64_t free_blocks;
	uint64_t avail_blocks;
	uint32_t max_name_len;
	uint64_t fs_id;
};

/* A byte range (alloc_ranges). */
struct vfs_range {
	uint64_t off, len;
};

/* Time fields in set_times: 0 means "do not change". */
struct vfs_times {
	uint64_t creation_time, access_time, write_time, change_time;
};

struct vfs_ops {
	const char *name;
	/* Opens or creates per args.  *action gets FILE_OPENED, FILE_CREATED,
	 * FILE_OVERWRITTEN or FILE_SUPERSEDED. Errors: OBJECT_NAME_NOT_FOUND,
	 * OBJECT_PATH_NOT_FOUND (a missing parent), OBJECT_NAME_COLLISION
	 * (FILE_CREATE of an existing name), FILE_IS_A_DIRECTORY,
	 * NOT_A_DIRECTORY, ACCESS_DENIED, ... */
	NTSTATUS (*open)(struct vfs_share *s, const struct vfs_open_args *args,
			 struct vfs_handle **out, uint32_t *action);
	void (*close)(struct vfs_handle *h);
	NTSTATUS (*fstat)(struct vfs_handle *h, struct vfs_stat *st);
	/* Reads up to len bytes at off into dst; *done gets the count (0 at or
	 * past end of file, which the caller turns into END_OF_FILE). */
	NTSTATUS (*pread)(struct vfs_handle *h, void *dst, size_t len, uint64_t off, size_t *done);
	/* Writes all len bytes at off.  durable: return only once the data is
	 * on stable storage (DESIGN "Storage and durability"). */
	NTSTATUS (*pwrite)(struct vfs_handle *h, const void *src, size_t len, uint64_t off,
			   bool durable);
	/* Makes all written data of the file durable. */
	NTSTATUS (*flush)(struct vfs_handle *h);
	NTSTATUS (*truncate)(struct vfs_handle *h, uint64_t size);
	NTSTATUS (*allocate)(struct vfs_handle *h, uint64_t size);
	NTSTATUS (*set_times)(struct vfs_handle *h, const struct vfs_times *t);
	/* Stores the DOS attributes (READONLY, HIDDEN, SYSTEM, ARCHIVE, ...). */
	NTSTATUS (*set_attributes)(struct vfs_handle *h, uint32_t attributes);
	/* Lists the whole directory into a malloc'd array (freed with
	 * vfs_dirents_free).  At most max entries (the server's limit): more is
	 * STATUS_INSUFFICIENT_RESOURCES. */
	NTSTATUS (*readdir)(struct vfs_handle *h, struct vfs_dirent **out, size_t *count, size_t max);
	/* Stats one entry of the handle's directory by name, as readdir would
	 * (OBJECT_NAME_NOT_FOUND once it is gone). */
	NTSTATUS (*stat_child)(struct vfs_handle *h, const char *name, struct vfs_stat *st);
	/* Removes the file or (empty) directory this handle names; a non-empty
	 * directory is DIRECTORY_NOT_EMPTY. */
	NTSTATUS (*unlink)(struct vfs_handle *h);
	/* Renames the handle's file to new_path (same validation as open).
	 * Existing target: OBJECT_NAME_COLLISION unless replace; a directory
	 * target is never replaced (ACCESS_DENIED).  The handle keeps working
	 * and reports the new path. */
	NTSTATUS (*rename)(struct vfs_handle *h, const char *new_path, bool replace);
	/* Makes new_path (same validation as open) another name of the
	 * handle's file, a hard link: the file is the one the handle has open,
	 * whatever its names are now, and the new name's directory is resolved
	 * below the share root as for open.  Existing target:
	 * OBJECT_NAME_COLLISION unless replace; a directory target is never
	 * replaced (ACCESS_DENIED); a name that already links to this file
	 * stays as it is.  A directory handle is FILE_IS_A_DIRECTORY, a stream
	 * handle INVALID_PARAMETER, a file with no name left (unlinked)
	 * ACCESS_DENIED, too many links TOO_MANY_LINKS.  The handle's path is
	 * unchanged.  Optional: NULL answers STATUS_NOT_SUPPORTED. */
	NTSTATUS (*link)(struct vfs_handle *h, const char *new_path, bool replace);
	/* Probes whether path would be a directory without opening it for I/O
	 * (used by the server for checks such as delete-on-close of a non-empty
	 * directory). Returns OBJECT_NAME_NOT_FOUND when absent. */
	NTSTATUS (*is_empty_dir)(struct vfs_handle *h, bool *empty);
	NTSTATUS (*statfs)(struct vfs_share *s, struct vfs_statfs *out);
	/* Optional (NULL in backends without a mapping): zero-copy READ.
	 * Points *ptr at the file's bytes [off, off + *done) with *done <= len
	 * (0 at or past the end of file).  The bytes stay valid until
	 * read_release(h, hold) even if the file grows or shrinks meanwhile. */
	NTSTATUS (*read_map)(struct vfs_handle *h, uint64_t off, size_t len, const void **ptr,
			     size_t *done, void **hold);
	void (*read_release)(struct vfs_handle *h, void *hold);
	/* Optional: makes [off, off + len) durable (the push-mode commit). */
	NTSTATUS (*persist_range)(struct vfs_handle *h, uint64_t off, uint64_t len);
	/* The handle's current share-relative path (UTF-8, "" for the root). */
	const char *(*path)(struct vfs_handle *h);
	/* Tells a handle its file was renamed through another handle. */
	NTSTATUS (*set_path)(struct vfs_handle *h, const char *path);
	void (*share_close)(struct vfs_share *s);
	/* Lists the named streams of the handle's file (not "::$DATA"). */
	NTSTATUS (*list_streams)(struct vfs_handle *h, struct vfs_stream_info **out, size_t *count);
	/* Renames the stream of a stream handle to name; an existing stream
	 * of that name is OBJECT_NAME_COLLISION unless replace. */
	NTSTATUS (*rename_stream)(struct vfs_handle *h, const char *name, bool replace);
	/* Removes every named stream of the file (overwrite, supersede). */
	NTSTATUS (*drop_streams)(struct vfs_handle *h);
	/* The file's EAs, in storage order (freed with vfs_eas_free).
	 * STATUS_EAS_NOT_SUPPORTED when the file system has no user xattrs. */
	NTSTATUS (*get_eas)(struct vfs_handle *h, struct vfs_ea **out, size_t *count);
	/* Sets EA name (upper case, valid) to value; len 0 removes it. */
	NTSTATUS (*set_ea)(struct vfs_handle *h, const char *name, const void *value, size_t len);
	/* ---- server-side copy, sparse files, change notify (smb2_ioctl.c,
	 * notify.c).  Optional: the server falls back when an op is NULL or
	 * answers STATUS_NOT_SUPPORTED. ---- */
	/* Copies up to len bytes of src at src_off to dst at dst_off inside
	 * the file system (copy_file_range); *done gets the count, short only
	 * at src's end of file.  Both handles are of this backend; ranges of
	 * one file must not overlap (the server copies those itself). */
	NTSTATUS (*copy_range)(struct vfs_handle *src, uint64_t src_off, struct vfs_handle *dst,
			       uint64_t dst_off, uint64_t len, uint64_t *done);
	/* Makes [off, off + len) read as zeros without changing the size
	 * (FSCTL_SET_ZERO_DATA): deallocated in a file marked sparse, still
	 * allocated in others (as NTFS). */
	NTSTATUS (*zero_range)(struct vfs_handle *h, uint64_t off, uint64_t len);
	/* The allocated ranges (SEEK_DATA/SEEK_HOLE) that meet [off, off +
	 * len), clipped to it and to the end of file, in order: at most max
	 * into out; *count gets how many, *more whether others follow.  A
	 * file not marked sparse is one range (as NTFS reports it). */
	NTSTATUS (*alloc_ranges)(struct vfs_handle *h, uint64_t off, uint64_t len,
				 struct vfs_range *out, size_t max, size_t *count, bool *more);
	/* Sets or clears FILE_ATTRIBUTE_SPARSE_FILE, kept with the DOS
	 * attributes (a client's SET_INFO cannot set it). */
	NTSTATUS (*set_sparse)(struct vfs_handle *h, bool sparse);
	/* Adds inotify watches (mask) on the inotify instance ifd: on the
	 * directory sub below the handle's directory ("" for itself), and with
	 * tree on every directory below that (symlinks not followed).  Each
	 * watch is reported through added(arg, wd, path below the handle's
	 * directory, "" for itself). */
	NTSTATUS (*watch)(struct vfs_handle *h, const char *sub, bool tree, int ifd, uint32_t mask,
			  void (*added)(void *arg, int wd, const char *path), void *arg);
	/* ---- NT security descriptors (server/acl.c).  Optional. ---- */
	/* The stored self-relative SD (xattr VFS_NTACL_XATTR) into a malloc'd
	 * *out; OBJECT_NAME_NOT_FOUND when the file has none. */
	NTSTATUS (*get_ntacl)(struct vfs_handle *h, uint8_t **out, size_t *len);
	/* Stores it (len 0 removes it). */
	NTSTATUS (*set_ntacl)(struct vfs_handle *h, const void *sd, size_t len);
	/* chown (uid or gid (uint32_t)-1: unchanged) and chmod of the file. */
	NTSTATUS (*set_owner)(struct vfs_handle *h, uint32_t uid, uint32_t gid);
	NTSTATUS (*set_mode)(struct vfs_handle *h, uint32_t mode);
};

#define VFS_NTACL_XATTR "user.DAXSMB.ntacl"
#define VFS_NTACL_MAX 65536u

/* A share's storage root. */
struct vfs_share {
	const struct vfs_ops *ops;
	int root_fd;          /* O_PATH|O_DIRECTORY fd of the share root */
	bool read_only;       /* refuse every modifying call (ACCESS_DENIED) */
	bool case_sensitive;  /* false: fall back to a case-insensitive lookup */
};

/* Opens a posix-backend share rooted at dir.  NULL (with a message in err)
 * if dir does not exist or is not a directory. */
struct vfs_share *vfs_posix_share_open(const char *dir, bool read_only, char *err, size_t errlen);

/* Opens a pmem-backend share (DESIGN "Storage and durability"): metadata
 * through the posix backend, data through one libpmem2 mapping per file.
 * The granularity libpmem2 reports is logged at start-up. */
struct vfs_share *vfs_pmem_share_open(const char *dir, bool read_only, char *err, size_t errlen);

NTSTATUS vfs_errno_to_status(int err);
void vfs_dirents_free(struct vfs_dirent *d, size_t count);
void vfs_streams_free(struct vfs_stream_info *s, size_t count);
void vfs_eas_free(struct vfs_ea *e, size_t count);
/* The size of EAs (names of the given lengths, values of the given sizes)
 * as a FILE_FULL_EA_INFORMATION list: what EaSize reports. */
uint32_t vfs_ea_list_size(const size_t *name_len, const size_t *value_len, size_t count);

#endif
