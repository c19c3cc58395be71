/* libdaxsmb: trees, opens, data and metadata commands, and the pipelined
 * READ/WRITE submissions (MS-SMB2 3.2.4.2 - 3.2.4.14). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/utf16.h"
#include "proto/fscc.h"

/* ---- trees ---- */

dsmb_status dsmb_tree_connect(struct dsmb_conn *c, const char *share, struct dsmb_tree **out)
{
	*out = NULL;
	if (!c->logged_in)
		return cl_fail(c, STATUS_INVALID_PARAMETER, "not logged in");
	char unc[600];
	int n = snprintf(unc, sizeof(unc), "\\\\%s\\%s", c->host ? c->host : "", share);
	if (n < 0 || (size_t)n >= sizeof(unc))
		return cl_fail(c, STATUS_INVALID_PARAMETER, "share name too long");
	struct buf path;
	buf_init(&path, 4096);
	if (!buf_put_utf16le(&path, unc, (size_t)n) || !buf_ok(&path)) {
		buf_free(&path);
		return cl_fail(c, STATUS_INVALID_PARAMETER, "share name is not valid UTF-8");
	}
	cl_begin(c);
	struct smb2_tree_connect_req q = {.path = path.p, .path_len = (uint16_t)path.len};
	smb2_encode_tree_connect_req(&c->tx, CL_HDR, &q);
	buf_free(&path);
	NTSTATUS st = cl_call(c, SMB2_TREE_CONNECT, 0);
	if (st != STATUS_SUCCESS)
		return c->broken ? st : cl_fail(c, st, "TREE_CONNECT to %s refused", unc);
	struct cur cur;
	struct smb2_tree_connect_resp r;
	struct smb2_hdr h;
	cur_init(&cur, c->reply.p, c->reply.len);
	if (smb2_decode_hdr(&cur, &h) < 0 || smb2_decode_tree_connect_resp(&cur, &r) < 0)
		return cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "malformed TREE_CONNECT reply");
	if (r.share_flags & SMB2_SHAREFLAG_ENCRYPT_DATA)
		return cl_fail(c, STATUS_NOT_SUPPORTED, "share %s requires encryption, which this client does not do", share);
	struct dsmb_tree *t = calloc(1, sizeof(*t));
	if (!t)
		return STATUS_NO_MEMORY;
	t->c = c;
	t->tid = h.tree_id;
	t->next = c->trees;
	c->trees = t;
	*out = t;
	return STATUS_SUCCESS;
}

static void tree_unlink(struct dsmb_tree *t)
{
	struct dsmb_tree **pp = &t->c->trees;
	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	while (t->files) {
		struct dsmb_file *f = t->files;
		t->files = f->next;
		free(f);
	}
	free(t);
}

dsmb_status dsmb_tree_disconnect(struct dsmb_tree *t)
{
	if (!t)
		return STATUS_INVALID_PARAMETER;
	struct dsmb_conn *c = t->c;
	cl_begin(c);
	smb2_encode_empty4(&c->tx);
	NTSTATUS st = cl_call(c, SMB2_TREE_DISCONNECT, t->tid);
	tree_unlink(t);
	return st;
}

void cl_forget_trees(struct dsmb_conn *c)
{
	while (c->trees)
		tree_unlink(c->trees);
}

/* ---- create / close ---- */

dsmb_status dsmb_create(struct dsmb_tree *t, const char *path, const struct dsmb_create_args *a,
			struct dsmb_file **out, uint32_t *create_action, struct dsmb_stat *st_out)
{
	struct dsmb_conn *c = t->c;
	*out = NULL;
	struct dsmb_create_args args = *a;
	if (!args.file_attributes)
		args.file_attributes = FILE_ATTRIBUTE_NORMAL;
	cl_begin(c);
	if (!cl_build_create(&c->tx, CL_HDR, path, &args))
		return cl_fail(c, STATUS_OBJECT_NAME_INVALID, "invalid path \"%s\"", path);
	NTSTATUS st = cl_call(c, SMB2_CREATE, t->tid);
	if (st != STATUS_SUCCESS)
		return c->broken ? st : cl_fail(c, st, "CREATE \"%s\" failed", path);
	struct cur cur;
	struct smb2_create_resp r;
	cl_reply_body(c, &cur);
	if (smb2_decode_create_resp(&cur, &r) < 0)
		return cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "malformed CREATE reply");
	struct dsmb_file *f = calloc(1, sizeof(*f));
	if (!f)
		return STATUS_NO_MEMORY;
	f->t = t;
	f->id = r.file_id;
	f->next = t->files;
	if (t->files)
		t->files->prev = f;
	t->files = f;
	if (create_action)
		*create_action = r.create_action;
	if (st_out) {
		memset(st_out, 0, sizeof(*st_out));
		st_out->creation_time = r.creation_time;
		st_out->last_access_time = r.last_access_time;
		st_out->last_write_time = r.last_write_time;
		st_out->change_time = r.change_time;
		st_out->allocation_size = r.allocation_size;
		st_out->size = r.end_of_file;
		st_out->attributes = r.file_attributes;
		st_out->is_dir = (r.file_attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
	}
	*out = f;
	return STATUS_SUCCESS;
}

dsmb_status dsmb_open(struct dsmb_tree *t, const char *path, int flags, struct dsmb_file **out)
{
	struct dsmb_create_args a = {0};
	a.desired_access = FILE_READ_ATTRIBUTES | SYNCHRONIZE;
	if (flags & DSMB_O_READ)
		a.desired_access |= FILE_READ_DATA | FILE_READ_EA;
	if (flags & DSMB_O_WRITE)
		a.desired_access |= FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA;
	a.share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
	if (flags & DSMB_O_CREATE)
		a.disposition = (flags & DSMB_O_EXCL)    ? FILE_CREATE
				: (flags & DSMB_O_TRUNC) ? FILE_OVERWRITE_IF
							 : FILE_OPEN_IF;
	else
		a.disposition = (flags & DSMB_O_TRUNC) ? FILE_OVERWRITE : FILE_OPEN;
	if (flags & DSMB_O_DIR)
		a.options = FILE_DIRECTORY_FILE;
	else if (flags & (DSMB_O_WRITE | DSMB_O_CREATE))
		a.options = FILE_NON_DIRECTORY_FILE;
	return dsmb_create(t, path, &a, out, NULL, NULL);
}

static void file_unlink(struct dsmb_file *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		f->t->files = f->next;
	if (f->next)
		f->next->prev = f->prev;
	free(f);
}

dsmb_status dsmb_close(struct dsmb_file *f)
{
	if (!f)
		return STATUS_INVALID_PARAMETER;
	struct dsmb_conn *c = f->t->c;
	cl_begin(c);
	struct smb2_close_req q = {.file_id = f->id};
	smb2_encode_close_req(&c->tx, &q);
	NTSTATUS st = cl_call(c, SMB2_CLOSE, f->t->tid);
	file_unlink(f);
	if (st != STATUS_SUCCESS && !c->broken)
		cl_fail(c, st, "CLOSE failed");
	return st;
}

/* ---- READ / WRITE ---- */

static NTSTATUS submit_read(struct dsmb_file *f, uint64_t off, void *buf, uint32_t len,
			    bool pipelined, uint64_t tag, struct cl_slot **s)
{
	struct dsmb_conn *c = f->t->c;
	if (len == 0 || len > c->max_read)
		return cl_fail(c, STATUS_INVALID_PARAMETER, "read of %u bytes (max %u)", len, c->max_read);
	cl_begin(c);
	struct smb2_read_req q = {0};
	q.length = len;
	q.offset = off;
	q.file_id = f->id;
	smb2_encode_read_req(&c->tx, CL_HDR, &q);
	struct cl_req r = {.cmd = SMB2_READ, .tid = f->t->tid, .charge = cl_credit_charge(&c->cr, len),
			   .kind = SLOT_READ, .pipelined = pipelined, .tag = tag, .dest = buf, .dest_len = len};
	return cl_send(c, &r, s);
}

static NTSTATUS submit_write(struct dsmb_file *f, uint64_t off, const void *data, uint32_t len,
			     uint32_t flags, bool pipelined, uint64_t tag, struct cl_slot **s)
{
	struct dsmb_conn *c = f->t->c;
	if (len > c->max_write)
		return cl_fail(c, STATUS_INVALID_PARAMETER, "write of %u bytes (max %u)", len, c->max_write);
	cl_begin(c);
	cl_build_write_fixed(&c->tx, CL_HDR, &f->id, off, len, flags);
	struct cl_req r = {.cmd = SMB2_WRITE, .tid = f->t->tid, .charge = cl_credit_charge(&c->cr, len),
			   .data = data, .data_len = len, .kind = SLOT_WRITE, .pipelined = pipelined, .tag = tag};
	return cl_send(c, &r, s);
}

dsmb_status dsmb_read(struct dsmb_file *f, uint64_t off, void *buf, size_t len, size_t *got)
{
	struct dsmb_conn *c = f->t->c;
	*got = 0;
	uint32_t n = cl_io_size(c, c->max_read, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);
	struct cl_slot *s;
	NTSTATUS st = submit_read(f, off, buf, n, false, 0, &s);
	if (st) {
		if (s && s->done)
			cl_wait(c, s, NULL);
		return st;
	}
	uint32_t bytes = 0;
	st = cl_wait(c, s, &bytes);
	if (st == STATUS_SUCCESS)
		*got = bytes;
	return st;
}

dsmb_status dsmb_pread(struct dsmb_file *f, uint64_t off, void *buf, size_t len, size_t *got)
{
	*got = 0;
	while (*got < len) {
		size_t n;
		NTSTATUS st = dsmb_read(f, off + *got, (uint8_t *)buf + *got, len - *got, &n);
		if (st == STATUS_END_OF_FILE)
			return STATUS_SUCCESS;
		if (st)
			return st;
		if (n == 0)
			break;
		*got += n;
	}
	return STATUS_SUCCESS;
}

dsmb_status dsmb_write(struct dsmb_file *f, uint64_t off, const void *buf, size_t len,
		       uint32_t flags, size_t *written)
{
	struct dsmb_conn *c = f->t->c;
	size_t done = 0;
	if (written)
		*written = 0;
	do {
		size_t want = len - done;
		uint32_t n = cl_io_size(c, c->max_write, want > UINT32_MAX ? UINT32_MAX : (uint32_t)want);
		struct cl_slot *s;
		NTSTATUS st = submit_write(f, off + done, (const uint8_t *)buf + done, n, flags, false, 0, &s);
		if (st) {
			if (s && s->done)
				cl_wait(c, s, NULL);
			return st;
		}
		uint32_t bytes = 0;
		st = cl_wait(c, s, &bytes);
		if (st)
			return c->broken ? st : cl_fail(c, st, "WRITE at %llu failed", (unsigned long long)(off + done));
		if (bytes == 0 && n)
			return cl_fail(c, STATUS_DISK_FULL, "server wrote 0 bytes");
		done += bytes;
		if (written)
			*written = done;
	} while (done < len);
	return STATUS_SUCCESS;
}

dsmb_status dsmb_submit_write(struct dsmb_file *f, uint64_t off, const void *data, uint32_t len,
			      uint32_t flags, uint64_t tag)
{
	struct cl_slot *s;
	return submit_write(f, off, data, len, flags, true, tag, &s);
}

dsmb_status dsmb_submit_read(struct dsmb_file *f, uint64_t off, void *buf, uint32_t len,
			     uint64_t tag)
{
	struct cl_slot *s;
	return submit_read(f, off, buf, len, true, tag, &s);
}

dsmb_status dsmb_flush(struct dsmb_file *f)
{
	struct dsmb_conn *c = f->t->c;
	cl_begin(c);
	struct smb2_flush_req q = {.file_id = f->id};
	smb2_encode_flush_req(&c->tx, &q);
	return cl_call(c, SMB2_FLUSH, f->t->tid);
}

/* ---- QUERY_INFO / SET_INFO ---- */

static NTSTATUS query_info(struct dsmb_file *f, uint8_t type, uint8_t cls, uint32_t out_len,
			   struct smb2_output_resp *r)
{
	struct dsmb_conn *c = f->t->c;
	cl_begin(c);
	struct smb2_query_info_req q = {0};
	q.info_type = type;
	q.file_info_class = cls;
	q.output_buffer_length = out_len;
	q.file_id = f->id;
	smb2_encode_query_info_req(&c->tx, CL_HDR, &q);
	NTSTATUS st = cl_call(c, SMB2_QUERY_INFO, f->t->tid);
	if (st != STATUS_SUCCESS && st != STATUS_BUFFER_OVERFLOW)
		return st;
	struct cur cur;
	cl_reply_body(c, &cur);
	if (smb2_decode_output_resp(&cur, r) < 0)
		return cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "malformed QUERY_INFO reply");
	return st;
}

dsmb_status dsmb_fstat(struct dsmb_file *f, struct dsmb_stat *st)
{
	struct smb2_output_resp r;
	NTSTATUS s = query_info(f, SMB2_0_INFO_FILE, FileNetworkOpenInformation, 56, &r);
	if (s)
		return s;
	if (cl_parse_network_open(r.data, r.data_len, st) < 0)
		return cl_fail(f->t->c, STATUS_INVALID_NETWORK_RESPONSE, "short FileNetworkOpenInformation");
	return STATUS_SUCCESS;
}

dsmb_status dsmb_fstat_all(struct dsmb_file *f, struct dsmb_stat *st, uint32_t *nlink,
			   bool *delete_pending)
{
	struct smb2_output_resp r;
	NTSTATUS s = query_info(f, SMB2_0_INFO_FILE, FileAllInformation, 4096, &r);
	if (s != STATUS_SUCCESS && s != STATUS_BUFFER_OVERFLOW)
		return s;
	if (cl_parse_all_info(r.data, r.data_len, st, nlink, delete_pending) < 0)
		return cl_fail(f->t->c, STATUS_INVALID_NETWORK_RESPONSE, "short FileAllInformation");
	return STATUS_SUCCESS;
}

static NTSTATUS set_info(struct dsmb_file *f, uint8_t cls, const uint8_t *p, uint32_t n)
{
	struct dsmb_conn *c = f->t->c;
	cl_begin(c);
	struct smb2_set_info_req q = {0};
	q.info_type = SMB2_0_INFO_FILE;
	q.file_info_class = cls;
	q.buffer = p;
	q.buffer_len = n;
	q.file_id = f->id;
	smb2_encode_set_info_req(&c->tx, CL_HDR, &q);
	return cl_call(c, SMB2_SET_INFO, f->t->tid);
}

/* ---- path operations ---- */

static NTSTATUS open_close(struct dsmb_tree *t, const char *path, uint32_t access, uint32_t disp,
			   uint32_t options, struct dsmb_stat *st)
{
	struct dsmb_create_args a = {.desired_access = access,
				     .share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
				     .disposition = disp,
				     .options = options};
	struct dsmb_file *f;
	NTSTATUS s = dsmb_create(t, path, &a, &f, NULL, st);
	if (s)
		return s;
	return dsmb_close(f);
}

dsmb_status dsmb_stat(struct dsmb_tree *t, const char *path, struct dsmb_stat *st)
{
	struct dsmb_create_args a = {.desired_access = FILE_READ_ATTRIBUTES,
				     .share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
				     .disposition = FILE_OPEN};
	struct dsmb_file *f;
	NTSTATUS s = dsmb_create(t, path, &a, &f, NULL, NULL);
	if (s)
		return s;
	s = dsmb_fstat(f, st);
	NTSTATUS s2 = dsmb_close(f);
	return s ? s : s2;
}

dsmb_status dsmb_unlink(struct dsmb_tree *t, const char *path)
{
	return open_close(t, path, DELETE | FILE_READ_ATTRIBUTES, FILE_OPEN,
			  FILE_DELETE_ON_CLOSE | FILE_NON_DIRECTORY_FILE, NULL);
}

/* CREATE + SET_INFO FileDispositionInformation + CLOSE rather than
 * FILE_DELETE_ON_CLOSE at create: a non-empty directory then fails with
 * STATUS_DIRECTORY_NOT_EMPTY (MS-FSA 2.1.5.14.3) instead of silently
 * surviving the close. */
dsmb_status dsmb_rmdir(struct dsmb_tree *t, const char *path)
{
	struct dsmb_create_args a = {.desired_access = DELETE | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
				     .share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
				     .disposition = FILE_OPEN,
				     .options = FILE_DIRECTORY_FILE};
	struct dsmb_file *f;
	NTSTATUS s = dsmb_create(t, path, &a, &f, NULL, NULL);
	if (s)
		return s;
	uint8_t one = 1;
	s = set_info(f, FileDispositionInformation, &one, 1);
	if (s && !t->c->broken)
		cl_fail(t->c, s, "cannot remove directory \"%s\"", path);
	NTSTATUS s2 = dsmb_close(f);
	return s ? s : s2;
}

dsmb_status dsmb_mkdir(struct dsmb_tree *t, const char *path)
{
	return open_close(t, path, FILE_READ_ATTRIBUTES, FILE_CREATE, FILE_DIRECTORY_FILE, NULL);
}

dsmb_status dsmb_rename(struct dsmb_tree *t, const char *from, const char *to, bool replace)
{
	struct dsmb_conn *c = t->c;
	struct buf name, info;
	buf_init(&name, 65534);
	buf_init(&info, 65600);
	NTSTATUS s;
	if (!cl_put_path(&name, to)) {
		s = cl_fail(c, STATUS_OBJECT_NAME_INVALID, "invalid path \"%s\"", to);
		goto out;
	}
	struct fscc_rename_info ri = {.replace_if_exists = replace, .name = name.p, .name_len = (uint32_t)name.len};
	fscc_encode_rename_info(&info, &ri);
	struct dsmb_create_args a = {.desired_access = DELETE | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
				     .share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
				     .disposition = FILE_OPEN};
	struct dsmb_file *f;
	s = dsmb_create(t, from, &a, &f, NULL, NULL);
	if (s)
		goto out;
	s = set_info(f, FileRenameInformation, info.p, (uint32_t)info.len);
	if (s && !c->broken)
		cl_fail(c, s, "rename \"%s\" to \"%s\" failed", from, to);
	NTSTATUS s2 = dsmb_close(f);
	if (!s)
		s = s2;
out:
	buf_free(&name);
	buf_free(&info);
	return s;
}

/* ---- server-side copy (MS-SMB2 3.2.4.20.3) ---- */

/* MS-SMB2 3.3.3: the limits a client may assume (Windows' defaults). */
#define COPY_MAX_CHUNKS 256u
#define COPY_CHUNK (1u << 20)
#define COPY_MAX_DATA (16u << 20)

/* One FSCTL on f.  *body says whether the reply was an IOCTL response
 * (r filled, output pointing into c->reply): besides every success, some
 * failures carry one, like STATUS_INVALID_PARAMETER from a copy. */
static NTSTATUS fsctl_call(struct dsmb_file *f, uint32_t code, const struct buf *in,
			   uint32_t max_out, struct smb2_ioctl_resp *r, bool *body)
{
	struct dsmb_conn *c = f->t->c;
	*body = false;
	cl_begin(c);
	struct smb2_ioctl_req q = {.ctl_code = code,
				   .file_id = f->id,
				   .input = in ? in->p : NULL,
				   .input_count = in ? (uint32_t)in->len : 0,
				   .max_output_response = max_out,
				   .flags = SMB2_0_IOCTL_IS_FSCTL};
	smb2_encode_ioctl_req(&c->tx, CL_HDR, &q);
	buf_reset(&c->reply); /* a local failure leaves no old reply to decode */
	NTSTATUS st = cl_call(c, SMB2_IOCTL, f->t->tid);
	if (c->broken || c->reply.len == 0)
		return st;
	struct cur cur;
	cl_reply_body(c, &cur);
	if (smb2_decode_ioctl_resp(&cur, r) == 0)
		*body = true;
	else if (st == STATUS_SUCCESS)
		return cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "malformed IOCTL reply");
	return st;
}

struct copy_limits {
	uint32_t chunks, chunk, data;
};

/* Bytes the next request may carry within l. */
static uint64_t copy_span(const struct copy_limits *l)
{
	uint64_t by_chunks = (uint64_t)l->chunks * l->chunk;
	return by_chunks < l->data ? by_chunks : l->data;
}

/* After STATUS_INVALID_PARAMETER, the reply holds the server's limits
 * (MS-SMB2 2.2.32.1, 3.3.5.15.6.2): take them, never above ours.  False
 * when they are unusable or what was just refused. */
static bool copy_adopt(struct copy_limits *l, const struct cl_copychunk_resp *m)
{
	if (!m->chunks_written || !m->chunk_bytes_written || !m->total_bytes_written)
		return false;
	struct copy_limits n = {
		m->chunks_written < COPY_MAX_CHUNKS ? m->chunks_written : COPY_MAX_CHUNKS,
		m->chunk_bytes_written < COPY_CHUNK ? m->chunk_bytes_written : COPY_CHUNK,
		m->total_bytes_written < COPY_MAX_DATA ? m->total_bytes_written : COPY_MAX_DATA,
	};
	if (n.chunks == l->chunks && n.chunk == l->chunk && n.data == l->data)
		return false;
	*l = n;
	return true;
}

dsmb_status dsmb_copy(struct dsmb_tree *t, const char *from, const char *to, bool replace,
		      dsmb_progress_cb progress, void *arg, uint64_t *copied)
{
	struct dsmb_conn *c = t->c;
	if (copied)
		*copied = 0;
	/* The source shares reading only, so that nobody writes it during the
	 * copy, and a copy onto itself fails instead of truncating it. */
	struct dsmb_create_args sa = {.desired_access = FILE_READ_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
				      .share_access = FILE_SHARE_READ | FILE_SHARE_DELETE,
				      .disposition = FILE_OPEN,
				      .options = FILE_NON_DIRECTORY_FILE};
	struct dsmb_create_args da = {.desired_access = FILE_WRITE_DATA | FILE_READ_ATTRIBUTES |
						       FILE_WRITE_ATTRIBUTES | DELETE | SYNCHRONIZE,
				      .share_access = FILE_SHARE_READ,
				      .disposition = replace ? FILE_OVERWRITE_IF : FILE_CREATE,
				      .options = FILE_NON_DIRECTORY_FILE};
	struct dsmb_file *src = NULL, *dst = NULL;
	struct dsmb_stat st;
	struct buf in;
	buf_init(&in, 32 + 24 * COPY_MAX_CHUNKS);
	uint8_t key[CL_RESUME_KEY_LEN];
	struct smb2_ioctl_resp r;
	bool body;
	NTSTATUS s = dsmb_create(t, from, &sa, &src, NULL, &st);
	if (s)
		goto out;
	s = fsctl_call(src, FSCTL_SRV_REQUEST_RESUME_KEY, NULL, 32, &r, &body);
	if (s) {
		if (!c->broken)
			cl_fail(c, s, "FSCTL_SRV_REQUEST_RESUME_KEY on \"%s\" failed", from);
		goto out;
	}
	if (cl_parse_resume_key(r.output, r.output_count, key) < 0) {
		s = cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "resume key of %u bytes", r.output_count);
		goto out;
	}
	s = dsmb_create(t, to, &da, &dst, NULL, NULL);
	if (s)
		goto out;
	struct copy_limits lim = {COPY_MAX_DATA / COPY_CHUNK, COPY_CHUNK, COPY_MAX_DATA};
	uint64_t off = 0;
	unsigned refusals = 0;
	while (off < st.size) {
		uint64_t want = st.size - off;
		if (want > copy_span(&lim))
			want = copy_span(&lim);
		buf_reset(&in);
		cl_build_copychunk(&in, key, off, off, want, lim.chunk);
		if (!buf_ok(&in)) {
			s = cl_fail(c, STATUS_NO_MEMORY, "copy request too large");
			break;
		}
		s = fsctl_call(dst, FSCTL_SRV_COPYCHUNK_WRITE, &in, 12, &r, &body);
		struct cl_copychunk_resp m;
		bool have_m = body && cl_parse_copychunk_resp(r.output, r.output_count, &m) == 0;
		if (s == STATUS_INVALID_PARAMETER && have_m && refusals < 3 && copy_adopt(&lim, &m)) {
			refusals++;
			continue; /* the same range again, within the server's limits */
		}
		refusals = 0;
		if (s) {
			if (!c->broken)
				cl_fail(c, s, "FSCTL_SRV_COPYCHUNK_WRITE at %llu of \"%s\" failed",
					(unsigned long long)off, to);
			break;
		}
		if (!have_m || m.total_bytes_written == 0 || m.total_bytes_written > want) {
			s = cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE,
				    "copy of %llu bytes answered with %u written",
				    (unsigned long long)want, have_m ? m.total_bytes_written : 0);
			break;
		}
		/* Fewer bytes than asked (a server may stop early): go on from there. */
		off += m.total_bytes_written;
		if (copied)
			*copied = off;
		if (progress)
			progress(off, st.size, arg);
	}
out:
	buf_free(&in);
	if (src) {
		NTSTATUS s2 = dsmb_close(src);
		if (!s && !c->broken)
			s = s2;
	}
	if (dst) {
		if (s && !c->broken) {
			uint8_t one = 1; /* no half copy left behind */
			(void)set_info(dst, FileDispositionInformation, &one, 1);
		}
		NTSTATUS s2 = dsmb_close(dst);
		if (!s)
			s = s2;
	}
	return s;
}

/* ---- directory listing ---- */

dsmb_status dsmb_list(struct dsmb_tree *t, const char *dir, const char *pattern, dsmb_list_cb cb,
		      void *arg)
{
	struct dsmb_conn *c = t->c;
	struct dsmb_create_args a = {.desired_access = FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
				     .share_access = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
				     .disposition = FILE_OPEN,
				     .options = FILE_DIRECTORY_FILE};
	struct dsmb_file *f;
	NTSTATUS s = dsmb_create(t, dir, &a, &f, NULL, NULL);
	if (s)
		return s;
	struct buf pat;
	buf_init(&pat, 4096);
	const char *p = pattern && *pattern ? pattern : "*";
	buf_put_utf16le(&pat, p, strlen(p));
	uint32_t out_len = c->max_transact < 65536 ? c->max_transact : 65536;
	bool first = true;
	for (;;) {
		cl_begin(c);
		struct smb2_query_directory_req q = {0};
		q.info_class = FileIdBothDirectoryInformation;
		q.flags = first ? SMB2_RESTART_SCANS : 0;
		q.file_id = f->id;
		q.pattern = pat.p;
		q.pattern_len = (uint16_t)pat.len;
		q.output_buffer_length = out_len;
		smb2_encode_query_directory_req(&c->tx, CL_HDR, &q);
		first = false;
		s = cl_call(c, SMB2_QUERY_DIRECTORY, t->tid);
		if (s == STATUS_NO_MORE_FILES) {
			s = STATUS_SUCCESS;
			break;
		}
		if (s) {
			if (!c->broken)
				cl_fail(c, s, "QUERY_DIRECTORY on \"%s\" failed", dir);
			break;
		}
		struct cur cur;
		struct smb2_output_resp r;
		cl_reply_body(c, &cur);
		if (smb2_decode_output_resp(&cur, &r) < 0) {
			s = cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "malformed QUERY_DIRECTORY reply");
			break;
		}
		if (r.data_len == 0)
			break;
		/* The entries live in c->reply; the callback may not issue
		 * requests (documented), so they stay put while we walk. */
		int rc = cl_parse_id_both_dir(r.data, r.data_len, cb, arg);
		if (rc < 0) {
			s = cl_fail(c, STATUS_INVALID_NETWORK_RESPONSE, "malformed directory entries");
			break;
		}
		if (rc > 0)
			break;
	}
	buf_free(&pat);
	NTSTATUS s2 = dsmb_close(f);
	return s ? s : s2;
}
