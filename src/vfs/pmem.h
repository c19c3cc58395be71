/* Diagnostics and test hooks of the pmem backend (src/vfs/pmem.c).  The
 * server's contract is vfs.h; nothing here is needed to serve files. */
#ifndef DAX_VFS_PMEM_H
#define DAX_VFS_PMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfs/vfs.h"

/* What the data path of one open file looks like right now. */
struct vfs_pmem_file_info {
	bool mapped_path;      /* data through a mapping (false: posix fallback) */
	bool writable;         /* the mapping takes writes */
	const void *base;      /* the current reservation's base, NULL if none */
	uint64_t mapped;       /* bytes [0, mapped) mapped in it */
	uint64_t reservation;  /* its size */
	size_t pieces;         /* pmem2 mappings it holds */
	unsigned opens;        /* handles sharing this file's mapping */
};

/* False if h has no data path of its own (a directory, an attribute-only
 * open, or a handle of another backend). */
bool vfs_pmem_file_info(struct vfs_handle *h, struct vfs_pmem_file_info *out);

/* The smallest virtual reservation made for a file (default 1 GiB); 0
 * restores the default.  Tests lower it to exercise reservation switches. */
void vfs_pmem_set_min_reservation(uint64_t bytes);

/* Tests: while on, every new mapping attempt fails as if libpmem2 refused
 * the file, so the posix fallback is taken. */
void vfs_pmem_test_fail_mappings(bool on);

/* "byte", "cache line", "page" or "unknown": the store granularity libpmem2
 * reported for the share's file system at share open. */
const char *vfs_pmem_share_granularity(struct vfs_share *s);

/* Mean cost of one 4 KiB copy + persist measured at share open (ns), 0 if
 * it could not be measured. */
uint64_t vfs_pmem_share_persist_ns(struct vfs_share *s);

#endif
