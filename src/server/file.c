#include "server/file.h"

#include <stdlib.h>
#include <string.h>

#include "proto/smb2.h"
#include "server/srv.h"

#define FILE_BUCKETS 4096

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static struct srv_file *table[FILE_BUCKETS];

static uint32_t bucket(uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino * 0x9E3779B97F4A7C15ULL) ^ (dev * 0xC2B2AE3D27D4EB4FULL);
	return (uint32_t)(h >> 32) % FILE_BUCKETS;
}

struct srv_file *srv_file_get(uint64_t dev, uint64_t ino)
{
	uint32_t b = bucket(dev, ino);
	pthread_mutex_lock(&table_mu);
	struct srv_file *f;
	for (f = table[b]; f; f = f->hnext)
		if (f->dev == dev && f->ino == ino)
			break;
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (f) {
			f->dev = dev;
			f->ino = ino;
			pthread_mutex_init(&f->mu, NULL);
			f->hnext = table[b];
			table[b] = f;
		}
	}
	if (f)
		f->refs++;
	pthread_mutex_unlock(&table_mu);
	return f;
}

void srv_file_put(struct srv_file *f)
{
	if (!f)
		return;
	uint32_t b = bucket(f->dev, f->ino);
	pthread_mutex_lock(&table_mu);
	if (--f->refs == 0) {
		for (struct srv_file **p = &table[b]; *p; p = &(*p)->hnext) {
			if (*p == f) {
				*p = f->hnext;
				break;
			}
		}
		pthread_mutex_destroy(&f->mu);
		free(f);
	}
	pthread_mutex_unlock(&table_mu);
}

/* Access that takes part in sharing: data and delete. */
#define SHARED_READ (FILE_READ_DATA | FILE_EXECUTE)
#define SHARED_WRITE (FILE_WRITE_DATA | FILE_APPEND_DATA)

static bool conflicts(uint32_t access, uint32_t other_share)
{
	return ((access & SHARED_READ) && !(other_share & FILE_SHARE_READ)) ||
	       ((access & SHARED_WRITE) && !(other_share & FILE_SHARE_WRITE)) ||
	       ((access & DELETE) && !(other_share & FILE_SHARE_DELETE));
}

NTSTATUS srv_file_share_check(const struct srv_file *f, uint32_t access, uint32_t share)
{
	/* An open asking for no data or delete access never conflicts. */
	if (!(access & (SHARED_READ | SHARED_WRITE | DELETE)))
		return STATUS_SUCCESS;
	for (const struct srv_open *o = f->opens; o; o = o->fnext) {
		if (!(o->access & (SHARED_READ | SHARED_WRITE | DELETE)))
			continue;
		if (conflicts(access, o->share_access) || conflicts(o->access, share))
			return STATUS_SHARING_VIOLATION;
	}
	return STATUS_SUCCESS;
}

/* Under f->mu: x's current share-relative path (a rename through another
 * open is pending until x's own thread applies it; srv_open_sync_path
 * applies it under f->mu, so the handle's path is stable here). */
static const char *open_path(const struct srv_open *x)
{
	if (x->pending_path)
		return x->pending_path;
	return x->h ? x->vfs->ops->path(x->h) : NULL;
}

bool srv_file_open_below(const struct vfs_share *vfs, const char *dir, const struct srv_open *skip)
{
	size_t dl = strlen(dir);
	if (!dl)
		return false; /* the share root is never renamed */
	/* References to every file, taken under the table lock; the files'
	 * mutexes are taken afterwards (oplock.c takes the table lock inside
	 * a file's mutex). */
	pthread_mutex_lock(&table_mu);
	size_t n = 0, cap = 64;
	struct srv_file **all = malloc(cap * sizeof(*all));
	for (uint32_t b = 0; all && b < FILE_BUCKETS; b++) {
		for (struct srv_file *f = table[b]; f; f = f->hnext) {
			if (n == cap) {
				struct srv_file **m = realloc(all, 2 * cap * sizeof(*all));
				if (!m)
					break;
				all = m;
				cap *= 2;
			}
			f->refs++;
			all[n++] = f;
		}
	}
	pthread_mutex_unlock(&table_mu);
	bool below = false;
	for (size_t i = 0; i < n; i++) {
		struct srv_file *f = all[i];
		pthread_mutex_lock(&f->mu);
		for (const struct srv_open *x = f->opens; x && !below; x = x->fnext) {
			if (x == skip || x->vfs != vfs)
				continue;
			const char *p = open_path(x);
			below = p && strlen(p) > dl && !strncmp(p, dir, dl) && p[dl] == '/';
		}
		pthread_mutex_unlock(&f->mu);
	}
	for (size_t i = 0; i < n; i++)
		srv_file_put(all[i]);
	free(all);
	return below;
}
