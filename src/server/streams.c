/* Opens of named data streams (MS-FSA 2.1.5.1, MS-FSCC 2.4.44).
 *
 * Identity.  An open of "file:name" is a separate file for sharing and
 * delete-on-close: it gets its own srv_file, found in the open-file table
 * under a key derived from (dev, ino, NAME) so that file.c needs no second
 * key: the device number with bit 63 set, xor-ed with a 63-bit hash of the
 * name in upper case (stream names compare without case).  Real device
 * numbers never have bit 63 set, so a stream never meets a file there.
 *
 * Base file.  Each stream open also holds its base file's srv_file and
 * counts in its nopens, so that a delete of the base while a stream is
 * open only marks it delete-pending (objects.c deletes on the last close;
 * with the stream counted, that close is the stream's, done here).  A
 * process-wide registry of stream opens answers the two questions the
 * base asks: may it be opened for DELETE (every stream open must share
 * delete), and may it be renamed (not while a stream is open). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/utf16.h"
#include "proto/fscc.h"
#include "server/srv.h"

#define STREAM_KEY_BIT (1ull << 63)
#define DATA_STREAM "::$DATA"

struct srv_stream {
	struct srv_stream *next;       /* registry (reg_mu) */
	struct srv_open *o;
	uint64_t dev, ino;
	uint32_t share_access;
	struct srv_file *base;         /* one reference */
	char *name;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct srv_stream *registry;

/* FNV-1a over the upper-cased code points. */
static uint64_t name_hash(const char *name)
{
	const char *s = name, *end = name + strlen(name);
	uint64_t h = 0xcbf29ce484222325ull;
	while (s < end) {
		uint32_t c = utf8_next(&s, end);
		if (c == 0xFFFFFFFFu)
			break;
		c = unicode_toupper(c);
		for (int i = 0; i < 4; i++) {
			h ^= (c >> (8 * i)) & 0xff;
			h *= 0x100000001b3ull;
		}
	}
	return h;
}

struct srv_file *srv_file_get_stream(uint64_t dev, uint64_t ino, const char *name)
{
	uint64_t key = (dev ^ (name_hash(name) & ~STREAM_KEY_BIT)) | STREAM_KEY_BIT;
	return srv_file_get(key, ino);
}

const char *srv_stream_name(const struct srv_open *o)
{
	return o->stream ? o->stream->name : NULL;
}

NTSTATUS srv_stream_attach(struct srv_open *o, uint64_t dev, uint64_t ino, const char *name)
{
	struct srv_stream *s = calloc(1, sizeof(*s));
	struct srv_file *base = s ? srv_file_get(dev, ino) : NULL;
	/* Names are reported as stored, not as this client spelled them. */
	struct vfs_stream_info *v = NULL;
	size_t n = 0;
	if (o->vfs->ops->list_streams(o->h, &v, &n) == STATUS_SUCCESS)
		for (size_t i = 0; i < n; i++)
			if (!utf8_casecmp(v[i].name, name))
				name = v[i].name;
	if (s)
		s->name = strdup(name);
	vfs_streams_free(v, n);
	if (!base || !s->name) {
		srv_file_put(base);
		if (s)
			free(s->name);
		free(s);
		return STATUS_NO_MEMORY;
	}
	pthread_mutex_lock(&base->mu);
	bool pending = base->delete_pending;
	if (!pending)
		base->nopens++;
	pthread_mutex_unlock(&base->mu);
	if (pending) {
		srv_file_put(base);
		free(s->name);
		free(s);
		return STATUS_DELETE_PENDING;
	}
	s->o = o;
	s->dev = dev;
	s->ino = ino;
	s->share_access = o->share_access;
	s->base = base;
	pthread_mutex_lock(&reg_mu);
	s->next = registry;
	registry = s;
	pthread_mutex_unlock(&reg_mu);
	o->stream = s;
	return STATUS_SUCCESS;
}

/* Removes the base file whose delete waited for its streams: opened again
 * by path, as the stream handle names the stream. */
static void delete_base(struct srv_open *o)
{
	struct vfs_share *vs = o->vfs;
	struct vfs_open_args a = {
		.path = vs->ops->path(o->h),
		.disposition = FILE_OPEN,
	};
	struct vfs_handle *h = NULL;
	uint32_t action;
	NTSTATUS st = vs->ops->open(vs, &a, &h, &action);
	if (!st) {
		st = vs->ops->unlink(h);
		vs->ops->close(h);
	}
	if (st)
		LOG_INFO("delete of '%s' failed: 0x%08x", a.path, st);
}

void srv_stream_detach(struct srv_open *o)
{
	struct srv_stream *s = o->stream;
	if (!s)
		return;
	pthread_mutex_lock(&reg_mu);
	for (struct srv_stream **p = &registry; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	pthread_mutex_unlock(&reg_mu);
	struct srv_file *base = s->base;
	pthread_mutex_lock(&base->mu);
	base->nopens--;
	if (base->nopens == 0 && base->delete_pending) {
		if (o->h)
			delete_base(o);
		base->delete_pending = false;
	}
	pthread_mutex_unlock(&base->mu);
	srv_file_put(base);
	free(s->name);
	free(s);
	o->stream = NULL;
}

NTSTATUS srv_streams_check_delete(uint64_t dev, uint64_t ino)
{
	NTSTATUS st = STATUS_SUCCESS;
	pthread_mutex_lock(&reg_mu);
	for (struct srv_stream *s = registry; s; s = s->next)
		if (s->dev == dev && s->ino == ino && !(s->share_access & FILE_SHARE_DELETE))
			st = STATUS_SHARING_VIOLATION;
	pthread_mutex_unlock(&reg_mu);
	return st;
}

bool srv_streams_open(uint64_t dev, uint64_t ino)
{
	bool any = false;
	pthread_mutex_lock(&reg_mu);
	for (struct srv_stream *s = registry; s && !any; s = s->next)
		any = s->dev == dev && s->ino == ino;
	pthread_mutex_unlock(&reg_mu);
	return any;
}

/* A stream renamed to the unnamed data stream (MS-FSA 2.1.5.15.11.1):
 * its bytes become the file's data, which must be empty unless replace;
 * the stream is gone afterwards. */
static NTSTATUS to_data_stream(struct srv_open *o, bool replace)
{
	const struct vfs_ops *ops = o->vfs->ops;
	struct vfs_open_args a = { .path = ops->path(o->h), .disposition = FILE_OPEN,
				   .read = true, .write = true, .non_directory = true };
	struct vfs_handle *bh = NULL;
	uint32_t action;
	struct vfs_stat bst, sst;
	NTSTATUS st = ops->open(o->vfs, &a, &bh, &action);
	if (st)
		return st;
	st = ops->fstat(bh, &bst);
	if (!st && bst.size && !replace)
		st = STATUS_OBJECT_NAME_COLLISION;
	if (!st)
		st = ops->fstat(o->h, &sst);
	uint8_t *data = NULL;
	size_t got = 0;
	if (!st && sst.size && !(data = malloc((size_t)sst.size)))
		st = STATUS_NO_MEMORY;
	if (!st && sst.size)
		st = ops->pread(o->h, data, (size_t)sst.size, 0, &got);
	if (!st)
		st = ops->truncate(bh, 0);
	if (!st && got)
		st = ops->pwrite(bh, data, got, 0, false);
	if (!st)
		st = ops->unlink(o->h);
	free(data);
	ops->close(bh);
	return st;
}

NTSTATUS srv_stream_rename(struct srv_open *o, const uint8_t *wire, size_t len, bool replace)
{
	/* MS-FSA 2.1.5.15.11.1: a stream is renamed within its file only, by
	 * a name that starts with ':'. */
	if (len < 2 || wire[0] != ':' || wire[1] != 0)
		return o->stream ? STATUS_SHARING_VIOLATION : STATUS_INVALID_PARAMETER;
	/* Parse "x:name[:$DATA]" with a placeholder file name. */
	uint8_t *buf = malloc(len + 2);
	if (!buf)
		return STATUS_NO_MEMORY;
	buf[0] = 'x';
	buf[1] = 0;
	memcpy(buf + 2, wire, len);
	struct srv_name nm;
	NTSTATUS st = srv_name_from_wire(buf, len + 2, &nm);
	free(buf);
	if (st)
		return st == STATUS_INVALID_PARAMETER ? STATUS_OBJECT_NAME_INVALID : st;
	if (!nm.stream) {
		srv_name_free(&nm);
		return o->stream ? to_data_stream(o, replace) : STATUS_SUCCESS;
	}
	if (!o->stream) {
		srv_name_free(&nm);
		return STATUS_INVALID_PARAMETER; /* the file's data to a stream */
	}
	/* Replacing a stream that is open elsewhere is not allowed. */
	const struct vfs_ops *ops = o->vfs->ops;
	if (replace && utf8_casecmp(nm.stream, o->stream->name)) {
		struct srv_file *t = srv_file_get_stream(o->stream->dev, o->stream->ino, nm.stream);
		if (!t) {
			srv_name_free(&nm);
			return STATUS_NO_MEMORY;
		}
		pthread_mutex_lock(&t->mu);
		bool busy = t->nopens > 0;
		pthread_mutex_unlock(&t->mu);
		srv_file_put(t);
		if (busy) {
			srv_name_free(&nm);
			return STATUS_ACCESS_DENIED;
		}
	}
	st = ops->rename_stream(o->h, nm.stream, replace);
	if (!st) {
		free(o->stream->name);
		o->stream->name = nm.stream;
		nm.stream = NULL;
	}
	srv_name_free(&nm);
	return st;
}

/* One FILE_STREAM_INFORMATION entry; prev is the previous entry's offset
 * (SIZE_MAX for none). */
static void put_stream(struct buf *b, size_t *prev, const char *name, uint64_t size,
		       uint64_t alloc)
{
	size_t nlen = utf16le_size(name, strlen(name));
	if (nlen == SIZE_MAX || nlen > UINT32_MAX)
		return; /* not representable: skipped */
	if (*prev != SIZE_MAX) {
		buf_align(b, 0, 8);
		buf_set_le32(b, *prev, (uint32_t)(b->len - *prev));
	}
	*prev = b->len;
	buf_le32(b, 0);
	buf_le32(b, (uint32_t)nlen);
	buf_le64(b, size);
	buf_le64(b, alloc);
	(void)buf_put_utf16le(b, name, strlen(name));
}

NTSTATUS srv_stream_info(struct srv_open *o, struct buf *data)
{
	const struct vfs_ops *ops = o->vfs->ops;
	struct vfs_stat st;
	NTSTATUS s = ops->fstat(o->h, &st);
	if (s)
		return s;
	struct vfs_stream_info *v = NULL;
	size_t n = 0;
	s = ops->list_streams(o->h, &v, &n);
	if (s)
		return s;
	size_t prev = SIZE_MAX;
	/* The unnamed stream of a file; directories have none.  A stream
	 * open reports its file's unnamed stream from the file's size. */
	bool dir = o->stream ? false : st.is_dir;
	if (o->stream) {
		struct vfs_open_args a = { .path = ops->path(o->h), .disposition = FILE_OPEN };
		struct vfs_handle *bh = NULL;
		uint32_t action;
		struct vfs_stat bst;
		if (ops->open(o->vfs, &a, &bh, &action) == STATUS_SUCCESS) {
			if (ops->fstat(bh, &bst) == STATUS_SUCCESS) {
				dir = bst.is_dir;
				st = bst;
			}
			ops->close(bh);
		}
	}
	if (!dir)
		put_stream(data, &prev, DATA_STREAM, st.size, st.alloc);
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(v[i].name);
		char *full = malloc(k + 8);
		if (!full) {
			vfs_streams_free(v, n);
			return STATUS_NO_MEMORY;
		}
		full[0] = ':';
		memcpy(full + 1, v[i].name, k);
		memcpy(full + 1 + k, ":$DATA", 7);
		put_stream(data, &prev, full, v[i].size, (v[i].size + 4095) & ~(uint64_t)4095);
		free(full);
	}
	vfs_streams_free(v, n);
	return STATUS_SUCCESS;
}
