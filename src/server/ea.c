/* Extended attributes: SET_INFO and QUERY_INFO of FileFullEaInformation,
 * and the EA list of a CREATE ("ExtA").  MS-FSCC 2.4.15, MS-FSA 2.1.5.11.8
 * (query) and 2.1.5.15.4 (set).  Storage is the vfs' (user xattrs); names
 * are kept upper case, as NTFS does, so that they compare without case. */
#include <stdlib.h>
#include <string.h>

#include "proto/fscc.h"
#include "server/srv.h"

#ifndef STATUS_NO_MORE_EAS
#define STATUS_NO_MORE_EAS 0x80000012u
#endif
#ifndef STATUS_INVALID_EA_NAME
#define STATUS_INVALID_EA_NAME 0x80000013u
#endif
#ifndef STATUS_EA_LIST_INCONSISTENT
#define STATUS_EA_LIST_INCONSISTENT 0x80000014u
#endif

/* QUERY_INFO flags for EA scans (MS-SMB2 2.2.37). */
#define SL_RESTART_SCAN 0x01u
#define SL_RETURN_SINGLE_ENTRY 0x02u
#define SL_INDEX_SPECIFIED 0x04u

#define FILE_NEED_EA 0x80u

/* MS-FSCC 2.4.15: EaName characters; these are refused (as NTFS does). */
static bool ea_name_ok(const uint8_t *n, size_t len)
{
	if (len == 0 || len > VFS_EA_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (n[i] < 0x20 || n[i] >= 0x7f || strchr("\"*+,/:;<=>?[\\]|", n[i]))
			return false;
	return true;
}

/* The stored (upper case) spelling of an EA name; NULL when out of memory. */
static char *ea_key(const uint8_t *n, size_t len)
{
	char *k = malloc(len + 1);
	if (!k)
		return NULL;
	for (size_t i = 0; i < len; i++)
		k[i] = (char)(n[i] >= 'a' && n[i] <= 'z' ? n[i] - 'a' + 'A' : n[i]);
	k[len] = 0;
	return k;
}

NTSTATUS srv_ea_check_list(const uint8_t *p, size_t n)
{
	struct fscc_ea *v = calloc(FSCC_MAX_EAS, sizeof(*v));
	if (!v)
		return STATUS_NO_MEMORY;
	size_t count;
	NTSTATUS st = STATUS_SUCCESS;
	if (fscc_decode_ea_list(p, n, v, FSCC_MAX_EAS, &count) < 0) {
		st = STATUS_EA_LIST_INCONSISTENT;
	} else {
		for (size_t i = 0; i < count && !st; i++) {
			if (!ea_name_ok(v[i].name, v[i].name_len))
				st = STATUS_INVALID_EA_NAME;
			else if (v[i].flags & ~FILE_NEED_EA)
				st = STATUS_INVALID_PARAMETER;
		}
	}
	free(v);
	return st;
}

NTSTATUS srv_ea_apply_list(struct srv_open *o, const uint8_t *p, size_t n)
{
	struct fscc_ea *v = calloc(FSCC_MAX_EAS, sizeof(*v));
	if (!v)
		return STATUS_NO_MEMORY;
	size_t count = 0;
	NTSTATUS st = STATUS_SUCCESS;
	if (fscc_decode_ea_list(p, n, v, FSCC_MAX_EAS, &count) < 0)
		st = STATUS_EA_LIST_INCONSISTENT;
	for (size_t i = 0; i < count && !st; i++) {
		char *k = ea_key(v[i].name, v[i].name_len);
		if (!k) {
			st = STATUS_NO_MEMORY;
			break;
		}
		st = o->vfs->ops->set_ea(o->h, k, v[i].value, v[i].value_len);
		free(k);
	}
	free(v);
	return st;
}

NTSTATUS srv_ea_set_info(struct srv_open *o, const uint8_t *p, size_t n)
{
	if (!(o->access & FILE_WRITE_EA))
		return STATUS_ACCESS_DENIED;
	if (n == 0)
		return STATUS_INVALID_PARAMETER;
	NTSTATUS st = srv_ea_check_list(p, n);
	if (st)
		return st;
	return srv_ea_apply_list(o, p, n);
}

static const struct vfs_ea *find_ea(const struct vfs_ea *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, key))
			return &v[i];
	return NULL;
}

/* Appends one entry if it fits max: false when it does not. */
static bool put_entry(struct buf *b, size_t *prev, uint32_t max, const char *name,
		      const struct vfs_ea *ea)
{
	size_t save = b->len, save_prev = *prev;
	struct fscc_ea e = {
		.name = (const uint8_t *)name,
		.name_len = (uint8_t)strlen(name),
		.value = ea ? ea->value : NULL,
		.value_len = ea ? (uint16_t)ea->len : 0,
	};
	fscc_append_ea(b, 0, prev, &e);
	if (!buf_ok(b) || b->len > max) {
		b->err = false;
		b->len = save;
		if (save_prev != SIZE_MAX)
			buf_set_le32(b, save_prev, 0);
		*prev = save_prev;
		return false;
	}
	return true;
}

NTSTATUS srv_ea_query(struct srv_open *o, const struct smb2_query_info_req *rq, struct buf *data)
{
	if (!(o->access & FILE_READ_EA))
		return STATUS_ACCESS_DENIED;
	struct vfs_ea *v = NULL;
	size_t n = 0;
	NTSTATUS st = o->vfs->ops->get_eas(o->h, &v, &n);
	if (st)
		return st;
	uint32_t max = rq->output_buffer_length;
	bool single = rq->flags & SL_RETURN_SINGLE_ENTRY;
	size_t prev = SIZE_MAX, put = 0;
	bool full = false;

	if (rq->input_len) {
		/* The EAs named in the input, in its order; a missing one is
		 * returned with an empty value (MS-FSA 2.1.5.11.8). */
		struct fscc_ea_name *names = calloc(FSCC_MAX_EAS, sizeof(*names));
		size_t k = 0;
		if (!names)
			st = STATUS_NO_MEMORY;
		else if (fscc_decode_get_ea_list(rq->input, rq->input_len, names, FSCC_MAX_EAS,
						 &k) < 0)
			st = STATUS_EA_LIST_INCONSISTENT;
		for (size_t i = 0; i < k && !st && !full; i++) {
			if (!ea_name_ok(names[i].name, names[i].name_len)) {
				st = STATUS_INVALID_EA_NAME;
				break;
			}
			char *key = ea_key(names[i].name, names[i].name_len);
			if (!key) {
				st = STATUS_NO_MEMORY;
				break;
			}
			full = !put_entry(data, &prev, max, key, find_ea(v, n, key));
			free(key);
			if (!full)
				put++;
			if (single && put)
				break;
		}
		free(names);
	} else {
		size_t start = o->ea_index;
		if (rq->flags & SL_RESTART_SCAN)
			start = 0;
		if (rq->flags & SL_INDEX_SPECIFIED) {
			/* EaIndex is 1-based. */
			start = rq->additional_information ? rq->additional_information - 1 : 0;
			if (n && start >= n)
				st = STATUS_NONEXISTENT_EA_ENTRY;
		}
		if (!st && n == 0)
			st = STATUS_NO_EAS_ON_FILE;
		else if (!st && start >= n)
			st = STATUS_NO_MORE_EAS;
		for (size_t i = start; i < n && !st && !full; i++) {
			full = !put_entry(data, &prev, max, v[i].name, &v[i]);
			if (!full)
				put++;
			if (single && put)
				break;
		}
		if (!st)
			o->ea_index = (uint32_t)(start + put);
	}
	vfs_eas_free(v, n);
	if (st)
		return st;
	if (full)
		return put ? STATUS_BUFFER_OVERFLOW : STATUS_BUFFER_TOO_SMALL;
	return STATUS_SUCCESS;
}
