/* Table-driven dispatch of one frame: compound splitting, the message id
 * window and credits, session/tree lookup, signature checks, and the one
 * place where error responses are built (STYLE 4, 5, 6). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "proto/transform.h"
#include "server/durable.h"
#include "server/srv.h"

struct cmd_row {
	NTSTATUS (*fn)(struct srv_req *r);
	uint16_t struct_size;   /* 0: checked by the decoder (two sizes) */
	bool needs_session;
	bool needs_tree;
	const char *name;
};

static const struct cmd_row cmd_table[SMB2_NCOMMANDS] = {
	[SMB2_NEGOTIATE] = {smb2_negotiate, 36, false, false, "NEGOTIATE"},
	[SMB2_SESSION_SETUP] = {smb2_session_setup, 25, false, false, "SESSION_SETUP"},
	[SMB2_LOGOFF] = {smb2_logoff, 4, true, false, "LOGOFF"},
	[SMB2_TREE_CONNECT] = {smb2_tree_connect, 9, true, false, "TREE_CONNECT"},
	[SMB2_TREE_DISCONNECT] = {smb2_tree_disconnect, 4, true, true, "TREE_DISCONNECT"},
	[SMB2_CREATE] = {smb2_create, 57, true, true, "CREATE"},
	[SMB2_CLOSE] = {smb2_close, 24, true, true, "CLOSE"},
	[SMB2_FLUSH] = {smb2_flush, 24, true, true, "FLUSH"},
	[SMB2_READ] = {smb2_read, 49, true, true, "READ"},
	[SMB2_WRITE] = {smb2_write, 49, true, true, "WRITE"},
	[SMB2_LOCK] = {smb2_lock, 48, true, true, "LOCK"},
	[SMB2_IOCTL] = {smb2_ioctl, 57, true, true, "IOCTL"},
	[SMB2_CANCEL] = {smb2_cancel, 4, false, false, "CANCEL"},
	[SMB2_ECHO] = {smb2_echo, 4, false, false, "ECHO"},
	[SMB2_QUERY_DIRECTORY] = {smb2_query_directory, 33, true, true, "QUERY_DIRECTORY"},
	[SMB2_CHANGE_NOTIFY] = {smb2_change_notify, 32, true, true, "CHANGE_NOTIFY"},
	[SMB2_QUERY_INFO] = {smb2_query_info, 41, true, true, "QUERY_INFO"},
	[SMB2_SET_INFO] = {smb2_set_info, 33, true, true, "SET_INFO"},
	[SMB2_OPLOCK_BREAK] = {smb2_oplock_break, 0, true, true, "OPLOCK_BREAK"},
};

struct srv_session *srv_session_lookup(struct srv_conn *c, uint64_t id)
{
	for (uint32_t i = 0; i < c->nsessions; i++)
		if (c->sessions[i]->id == id && c->sessions[i]->state != SESS_LOGGED_OFF)
			return c->sessions[i];
	return NULL;
}

struct srv_tree *srv_tree_lookup(struct srv_session *s, uint32_t id)
{
	for (uint32_t i = 0; i < s->ntrees; i++)
		if (s->trees[i]->id == id)
			return s->trees[i];
	return NULL;
}

struct srv_open *srv_open_lookup(struct srv_req *r, const struct smb2_fileid *fid)
{
	struct smb2_fileid f = *fid;
	/* MS-SMB2 3.3.5.2.7.2: in a related compound, all-ones means the
	 * FileId of the previous operation; with none, INVALID_HANDLE. */
	bool related = (r->hdr.flags & SMB2_FLAGS_RELATED_OPERATIONS) && r->compound_fid;
	if (related && f.persistent == UINT64_MAX && f.volatile_ == UINT64_MAX) {
		if (*r->compound_fid_state == CFID_NONE) {
			r->fid_unset = true;
			return NULL;
		}
		if (*r->compound_fid_state == CFID_INVALID)
			return NULL;
		f = *r->compound_fid;
	}
	/* An unrelated request naming a file that is not open leaves nothing
	 * for the related requests after it (smbtorture compound.invalid3). */
	if (!related && r->compound_fid)
		*r->compound_fid_state = CFID_INVALID;
	if (!r->sess)
		return NULL;
	struct srv_open *o = idtab_get(&r->sess->opens, f.volatile_);
	if (!o || o->tree != r->tree || f.persistent != srv_durable_pid(o))
		return NULL;
	if (o->pending_path)
		srv_open_sync_path(o);
	if (r->compound_fid) {
		*r->compound_fid = f;
		*r->compound_fid_state = CFID_SET;
	}
	return o;
}

NTSTATUS srv_open_miss(const struct srv_req *r)
{
	return r->fid_unset ? STATUS_INVALID_HANDLE : STATUS_FILE_CLOSED;
}

/* ---- message ids and credits (MS-SMB2 3.3.1.1, 3.3.5.2.3) ---- */

static bool seq_is_used(const struct srv_conn *c, uint64_t id)
{
	uint32_t b = (uint32_t)(id % c->seq_bits);
	return c->seq_used[b / 8] & (1u << (b % 8));
}

static void seq_set(struct srv_conn *c, uint64_t id, bool used)
{
	uint32_t b = (uint32_t)(id % c->seq_bits);
	if (used)
		c->seq_used[b / 8] |= (uint8_t)(1u << (b % 8));
	else
		c->seq_used[b / 8] &= (uint8_t)~(1u << (b % 8));
}

/* Consumes ids [mid, mid + charge); false if any is outside the granted
 * window or used already. */
static bool seq_consume(struct srv_conn *c, uint64_t mid, uint16_t charge)
{
	if (mid < c->seq_low || mid >= c->seq_high || charge > c->seq_high - mid)
		return false;
	for (uint64_t i = mid; i < mid + charge; i++)
		if (seq_is_used(c, i))
			return false;
	for (uint64_t i = mid; i < mid + charge; i++)
		seq_set(c, i, true);
	while (c->seq_low < c->seq_high && seq_is_used(c, c->seq_low)) {
		seq_set(c, c->seq_low, false);
		c->seq_low++;
	}
	return true;
}

static uint16_t seq_grant(struct srv_conn *c, uint16_t requested, uint16_t charge)
{
	uint32_t want = requested ? requested : 1;
	uint64_t window = c->seq_high - c->seq_low;   /* granted, not yet retired */
	uint32_t max = c->srv->cfg->max_credits;
	uint64_t room = window < max ? max - window : 0;
	/* The bitmap must cover every id between low and high. */
	uint64_t bitroom = c->seq_bits > window ? c->seq_bits - window : 0;
	if (room > bitroom)
		room = bitroom;
	if (want > room)
		want = (uint32_t)room;
	/* Never leave a client with no credit at all. */
	if (want == 0 && window == 0 && bitroom)
		want = 1;
	(void)charge;
	c->seq_high += want;
	return (uint16_t)want;
}

/* ---- signing ---- */

/* Signs the message out[off, end), with any spliced data inside it. */
static void sign_message(struct srv_conn *c, struct srv_session *s, size_t off, size_t end)
{
	struct iovec iov[2 * SRV_MAX_SPLICES + 1];
	int n = 0;
	size_t pos = off;
	for (unsigned i = 0; i < c->nsplices; i++) {
		const struct srv_splice *sp = &c->splices[i];
		if (sp->at < off || sp->at > end || (sp->at == end && end != c->out.len))
			continue;
		iov[n++] = (struct iovec){c->out.p + pos, sp->at - pos};
		iov[n++] = (struct iovec){(void *)sp->p, sp->len};
		pos = sp->at;
	}
	iov[n++] = (struct iovec){c->out.p + pos, end - pos};
	uint8_t *msg = c->out.p + off;
	put_le32(msg + 16, get_le32(msg + 16) | SMB2_FLAGS_SIGNED);
	enum crypto_sign_alg alg;
	const uint8_t *key = srv_session_signing_key(s, c, &alg); /* this channel's */
	crypto_smb2_sign(alg, key, iov, n);
}

static bool verify_message(struct srv_conn *c, struct srv_session *s, const uint8_t *msg,
			   size_t len)
{
	struct iovec iov = {(void *)msg, len};
	enum crypto_sign_alg alg;
	const uint8_t *key = srv_session_signing_key(s, c, &alg);
	return crypto_smb2_verify(alg, key, &iov, 1);
}

/* ---- one frame ---- */

struct rsp_info {
	size_t off;
	struct srv_session *sign_with;
	uint8_t *preauth;              /* hash to extend with the response (3.1.1) */
};

#define MAX_COMPOUND 64

static void close_conn(struct srv_conn *c, const char *why)
{
	LOG_INFO("%s: closing connection: %s", c->peer, why);
	c->closing = true;
}

void srv_begin_frame(struct srv_conn *c)
{
	c->frame_start = c->out.len;
	buf_zero(&c->out, 4); /* direct TCP header, patched at the end */
}

void srv_end_frame(struct srv_conn *c)
{
	size_t n = c->out.len - c->frame_start - 4 + srv_splice_bytes(c, c->frame_start + 4);
	if (!buf_ok(&c->out) || n > 0xFFFFFF) {
		close_conn(c, "response too large");
		return;
	}
	buf_set_be32(&c->out, c->frame_start, (uint32_t)n);
	srv_conn_send(c);
}

static void smb1_upgrade(struct srv_conn *c, const uint8_t *frame, size_t len)
{
	int wildcard = 0;
	if (c->negotiated || smb1_negotiate_wants_smb2(frame, len, &wildcard) != 1) {
		close_conn(c, "SMB1 is not served");
		return;
	}
	srv_begin_frame(c);
	if (smb2_negotiate_smb1_upgrade(c, &c->out, wildcard) != STATUS_SUCCESS) {
		close_conn(c, "SMB1 upgrade failed");
		return;
	}
	srv_end_frame(c);
}

/* Encrypts the frame being built (from frame_start) for session s:
 * NBSS header, TRANSFORM_HEADER, cipher text (MS-SMB2 3.3.4.1.4). */
int srv_encrypt_frame(struct srv_conn *c, struct srv_session *s)
{
	size_t start = c->frame_start + 4;
	size_t n = c->out.len - start;
	if (!buf_ok(&c->out) || n == 0 || n > CRYPTO_SMB2_MAX_MSG)
		return -1;
	buf_reset(&c->plain);
	buf_bytes(&c->plain, c->out.p + start, n);
	if (!buf_ok(&c->plain))
		return -1;
	c->out.len = start;
	struct smb2_transform_hdr th;
	memset(&th, 0, sizeof(th));
	crypto_smb2_nonce((enum crypto_cipher)c->cipher, th.nonce);
	th.original_size = (uint32_t)n;
	th.flags = SMB2_TRANSFORM_FLAG_ENCRYPTED;
	th.session_id = s->id;
	smb2_encode_transform_hdr(&c->out, &th);
	uint8_t *ct = buf_reserve_uninit(&c->out, n);
	if (!ct || !buf_ok(&c->out))
		return -1;
	struct iovec iov = {c->plain.p, n};
	int rc = crypto_smb2_encrypt((enum crypto_cipher)c->cipher, s->keys.encryption,
				     c->out.p + start, &iov, 1, ct);
	if (c->plain.cap > 256 * 1024)
		buf_free(&c->plain);
	return rc;
}

static void process_smb2(struct srv_conn *c, const uint8_t *frame, size_t len,
			 struct srv_session *enc_sess);

/* An encrypted frame: decrypted with the key of the session its transform
 * header names, then processed like any other (MS-SMB2 3.3.5.2.1). */
static void process_transform(struct srv_conn *c, const uint8_t *frame, size_t len)
{
	struct cur cu;
	struct smb2_transform_hdr th;
	cur_init(&cu, frame, len);
	if (!c->cipher || smb2_decode_transform_hdr(&cu, &th) < 0) {
		close_conn(c, c->cipher ? "bad transform header" : "transform header not negotiated");
		return;
	}
	size_t n = len - SMB2_TRANSFORM_HDR_SIZE;
	struct srv_session *s = srv_session_lookup(c, th.session_id);
	if (th.flags != SMB2_TRANSFORM_FLAG_ENCRYPTED || th.original_size != n || n < SMB2_HDR_SIZE ||
	    !s || (s->state != SESS_VALID && s->state != SESS_EXPIRED) || !s->has_key) {
		close_conn(c, "encrypted frame for no usable session");
		return;
	}
	buf_reset(&c->plain);
	uint8_t *p = buf_reserve_uninit(&c->plain, n);
	if (!p || crypto_smb2_decrypt((enum crypto_cipher)c->cipher, s->keys.decryption, frame,
				       frame + SMB2_TRANSFORM_HDR_SIZE, n, p) < 0) {
		close_conn(c, "decryption failed");
		return;
	}
	/* Process from a copy: c->plain is reused to encrypt the reply. */
	uint8_t *copy = malloc(n);
	if (!copy) {
		close_conn(c, "out of memory");
		return;
	}
	memcpy(copy, p, n);
	if (c->plain.cap > 256 * 1024)
		buf_free(&c->plain);
	if (get_le32(copy) != SMB2_PROTO_ID)
		close_conn(c, "encrypted frame does not hold SMB2");
	else
		process_smb2(c, copy, n, s);
	free(copy);
}

void srv_process_frame(struct srv_conn *c, const uint8_t *frame, size_t len)
{
	if (len < 4) {
		close_conn(c, "runt frame");
		return;
	}
	uint32_t proto = get_le32(frame);
	if (proto == SMB1_PROTO_ID) {
		smb1_upgrade(c, frame, len);
		return;
	}
	if (proto == SMB2_TRANSFORM_ID) {
		process_transform(c, frame, len);
		return;
	}
	if (proto != SMB2_PROTO_ID) {
		/* Compression is never negotiated here. */
		close_conn(c, proto == SMB2_COMPRESSION_ID ? "compression not negotiated"
							   : "not an SMB2 frame");
		return;
	}
	process_smb2(c, frame, len, NULL);
}

static void process_smb2(struct srv_conn *c, const uint8_t *frame, size_t len,
			 struct srv_session *enc_sess)
{
	srv_begin_frame(c);
	struct rsp_info rsp[MAX_COMPOUND];
	size_t nrsp = 0;
	size_t pos = 0, off, mlen;
	int rc;
	uint64_t prev_sid = 0;
	uint32_t prev_tid = 0;
	NTSTATUS related_err = STATUS_SUCCESS;
	struct smb2_fileid cfid = {UINT64_MAX, UINT64_MAX};
	int cfid_state = CFID_NONE;
	bool prev_sess_failed = false;

	while ((rc = smb2_next_message(frame, len, &pos, &off, &mlen)) == 1) {
		struct srv_req r;
		memset(&r, 0, sizeof(r));
		r.conn = c;
		r.out = &c->out;
		r.compound_fid = &cfid;
		r.compound_fid_state = &cfid_state;
		r.enc_sess = enc_sess;
		cur_init(&r.msg, frame + off, mlen);
		if (smb2_decode_hdr(&r.msg, &r.hdr) < 0) {
			close_conn(c, "bad SMB2 header");
			return;
		}
		if (r.hdr.flags & SMB2_FLAGS_SERVER_TO_REDIR) {
			close_conn(c, "response sent to the server");
			return;
		}
		if (nrsp == MAX_COMPOUND) {
			close_conn(c, "too many compounded requests");
			return;
		}
		bool related = r.hdr.flags & SMB2_FLAGS_RELATED_OPERATIONS;
		uint16_t cmd = r.hdr.command;

		if (cmd == SMB2_CANCEL) {
			/* Cancel consumes no credit and gets no response. */
			if (r.hdr.flags & SMB2_FLAGS_SIGNED) {
				struct srv_session *s = srv_session_lookup(c, r.hdr.session_id);
				if (s && s->has_key && !verify_message(c, s, frame + off, mlen))
					continue;
			}
			srv_async_cancel(c, &r.hdr);
			continue;
		}

		uint16_t charge = r.hdr.credit_charge;
		if (c->dialect == SMB2_DIALECT_202 || !(c->server_caps & SMB2_GLOBAL_CAP_LARGE_MTU) ||
		    charge == 0)
			charge = 1;
		if (!seq_consume(c, r.hdr.message_id, charge)) {
			close_conn(c, "message id outside the granted window or reused");
			return;
		}

		/* The response header. */
		if (nrsp) {
			buf_align(&c->out, c->frame_start + 4, 8);
			buf_set_le32(&c->out, rsp[nrsp - 1].off + 20,
				     (uint32_t)(c->out.len - rsp[nrsp - 1].off));
		}
		r.rsp_off = c->out.len;
		buf_zero(&c->out, SMB2_HDR_SIZE);
		rsp[nrsp].off = r.rsp_off;
		rsp[nrsp].sign_with = NULL;
		rsp[nrsp].preauth = NULL;

		NTSTATUS st = STATUS_SUCCESS;
		const struct cmd_row *row = cmd < SMB2_NCOMMANDS ? &cmd_table[cmd] : NULL;
		uint64_t sid = r.hdr.session_id;
		uint32_t tid = r.hdr.tree_id;
		if (related) {
			if (nrsp == 0) {
				st = STATUS_INVALID_PARAMETER;
			} else if (prev_sess_failed) {
				/* The previous request had no session to pass on. */
				st = STATUS_INVALID_PARAMETER;
			} else {
				sid = prev_sid;
				tid = prev_tid;
				if (related_err)
					st = related_err;
			}
		}
		/* An unknown command is answered INVALID_PARAMETER and the
		 * connection goes on, as Windows and Samba do (smbtorture
		 * smb2.compound.invalid4). */
		if (!st && (!row || !row->fn))
			st = STATUS_INVALID_PARAMETER;
		if (!st && !c->negotiated && cmd != SMB2_NEGOTIATE)
			st = STATUS_INVALID_PARAMETER;
		/* The length first: a bare header has no StructureSize to read
		 * (found by fuzz_server: a 2-byte over-read). */
		if (!st && mlen < SMB2_HDR_SIZE + 2)
			st = STATUS_INVALID_PARAMETER;
		if (!st && row->struct_size &&
		    get_le16(frame + off + SMB2_HDR_SIZE) != row->struct_size)
			st = STATUS_INVALID_PARAMETER;

		/* Session: looked up and checked for every command anew (STYLE 6). */
		if (!st && (row->needs_session || (cmd == SMB2_SESSION_SETUP && sid))) {
			r.sess = srv_session_lookup(c, sid);
			if (r.sess)
				srv_session_check_expiry(r.sess);
			/* SESSION_SETUP answers a miss itself: a binding names
			 * a session of another connection (smb2_session.c). */
			if (!r.sess && cmd != SMB2_SESSION_SETUP) {
				st = STATUS_USER_SESSION_DELETED;
				/* Another connection's session: signed with
				 * its key when the request was. */
				if (r.hdr.flags & SMB2_FLAGS_SIGNED)
					srv_session_sign_foreign(&r, NULL);
			} else if (row->needs_session && r.sess->state != SESS_VALID &&
				 !(r.sess->state == SESS_EXPIRED &&
				   (cmd == SMB2_LOGOFF || cmd == SMB2_CLOSE)))
				st = r.sess->state == SESS_EXPIRED ? STATUS_NETWORK_SESSION_EXPIRED
								   : STATUS_USER_SESSION_DELETED;
		} else if (!st && sid && (cmd == SMB2_ECHO)) {
			r.sess = srv_session_lookup(c, sid);
		}
		if (!st && enc_sess && r.sess && r.sess != enc_sess) {
			close_conn(c, "encrypted request for another session");
			return;
		}
		/* An expired session keeps its keys: its requests are still
		 * checked (MS-SMB2 3.3.5.2.4) and answers still signed. */
		bool keyed = r.sess && (r.sess->state == SESS_VALID || r.sess->state == SESS_EXPIRED);
		if (!st && r.sess && r.sess->encrypt && !enc_sess && keyed)
			st = STATUS_ACCESS_DENIED; /* EncryptData: plain text is refused */
		if (!st && !enc_sess && keyed && r.sess->has_key) {
			bool is_signed = r.hdr.flags & SMB2_FLAGS_SIGNED;
			if (is_signed) {
				if (!verify_message(c, r.sess, frame + off, mlen)) {
					LOG_INFO("%s: bad signature on %s", c->peer, row->name);
					st = STATUS_ACCESS_DENIED;
					/* Signed with the session's key on a bound
					 * channel: answered with that key. */
					srv_session_sign_foreign(&r, r.sess);
				}
			} else if (r.sess->signing_required) {
				st = STATUS_ACCESS_DENIED;
			}
			if (!st && (is_signed || r.sess->signing_required))
				r.sign_response = true;
		}
		if (!st && row->needs_tree) {
			r.tree = srv_tree_lookup(r.sess, tid);
			if (!r.tree)
				st = STATUS_NETWORK_NAME_DELETED;
			else if (r.tree->encrypt && !enc_sess)
				st = STATUS_ACCESS_DENIED;
		}
		r.hdr.session_id = sid;
		r.hdr.tree_id = tid;
		r.can_async = r.hdr.next_command == 0;
		if (!st) {
			cur_seek(&r.msg, SMB2_HDR_SIZE);
			/* File work runs as the share's forced account or the
			 * session's user; everything else as the server. */
			const struct srv_identity *who = NULL;
			if (row->needs_tree && r.tree) {
				who = &c->srv->share_ident[r.tree->share - c->srv->cfg->shares];
				if (!who->valid)
					who = &r.sess->unix_ident;
			}
			if (srv_identity_enter(who) < 0) {
				LOG_ERR("%s: cannot switch identity", c->peer);
				st = STATUS_ACCESS_DENIED;
			} else {
				st = row->fn(&r);
			}
		}
		if (cmd == SMB2_CREATE)
			related_err = st;

		/* Build the header; an error replaces whatever body was written. */
		if (st && !r.keep_body) {
			c->out.len = r.rsp_off + SMB2_HDR_SIZE;
			smb2_encode_error_resp(&c->out, NULL, 0);
		}
		struct smb2_hdr h = {0};
		h.credit_charge = r.hdr.credit_charge;
		h.status = st;
		h.command = cmd;
		h.credits = seq_grant(c, r.hdr.credits, charge);
		h.flags = SMB2_FLAGS_SERVER_TO_REDIR | (r.hdr.flags & SMB2_FLAGS_RELATED_OPERATIONS) |
			  (r.hdr.flags & SMB2_FLAGS_PRIORITY_MASK);
		h.message_id = r.hdr.message_id;
		if (st == STATUS_PENDING && r.async) {
			/* The interim reply: the final one comes from the worker. */
			c->out.len = r.rsp_off + SMB2_HDR_SIZE;
			smb2_encode_error_resp(&c->out, NULL, 0);
			h.flags |= SMB2_FLAGS_ASYNC_COMMAND;
			h.async_id = r.async->async_id;
			r.sign_response = false;
			r.async->req.session_id = sid;
		}
		h.process_id = r.hdr.process_id;
		h.tree_id = r.hdr.tree_id;
		h.session_id = r.hdr.session_id;
		if (cmd == SMB2_TREE_CONNECT && r.tree && !st)
			h.tree_id = r.tree->id;
		if (cmd == SMB2_SESSION_SETUP && r.sess)
			h.session_id = r.sess->id;
		struct buf hb;
		buf_init(&hb, SMB2_HDR_SIZE);
		smb2_encode_hdr(&hb, &h);
		if (buf_ok(&hb) && hb.len == SMB2_HDR_SIZE && buf_ok(&c->out))
			memcpy(c->out.p + r.rsp_off, hb.p, SMB2_HDR_SIZE);
		buf_free(&hb);
		rsp[nrsp].preauth = r.preauth_rsp;

		if (r.sign_final_session_setup && r.sign_sess)
			rsp[nrsp].sign_with = r.sign_sess;
		else if (r.sign_response && r.sess && r.sess->has_key &&
			 st != STATUS_USER_SESSION_DELETED)
			rsp[nrsp].sign_with = r.sess;
		nrsp++;
		if (st == STATUS_PENDING && r.async)
			srv_async_submit(r.async);
		prev_sid = h.session_id;
		prev_tid = h.tree_id;
		/* A chain that starts with a related request has nothing to
		 * relate to: every related request after it fails the same
		 * way (MS-SMB2 3.3.5.2.7.2; smbtorture compound.related9). */
		prev_sess_failed = st == STATUS_USER_SESSION_DELETED ||
				   (related && st == STATUS_INVALID_PARAMETER &&
				    (prev_sess_failed || nrsp == 1));
		if (c->closing)
			return;
		LOG_DEBUG("%s: %s mid=%llu -> 0x%08x", c->peer, row ? row->name : "?",
			  (unsigned long long)r.hdr.message_id, st);
	}
	if (rc < 0) {
		close_conn(c, "malformed compound chain");
		return;
	}
	/* Every response of a compound ends on an 8-byte boundary, the last
	 * one too (MS-SMB2 3.3.4.1.3; Windows and Samba pad it, smbtorture
	 * compound.compound-padding); a lone response is not padded.  Spliced
	 * data (only ever in the last response) counts, the padding follows it. */
	if (nrsp > 1) {
		size_t body = c->out.len - (c->frame_start + 4) + srv_splice_bytes(c, c->frame_start + 4);
		if (body % 8)
			buf_zero(&c->out, 8 - body % 8);
	}
	if (!buf_ok(&c->out)) {
		close_conn(c, "response buffer limit");
		return;
	}
	/* Sign once every NextCommand and padding is final; an encrypted
	 * reply is authenticated by its encryption instead. */
	for (size_t i = 0; i < nrsp && !enc_sess; i++) {
		if (!rsp[i].sign_with)
			continue;
		size_t end = i + 1 < nrsp ? rsp[i + 1].off : c->out.len;
		sign_message(c, rsp[i].sign_with, rsp[i].off, end);
	}
	/* 3.1.1: a SESSION_SETUP response extends the hash as the client
	 * receives it, signed (an intermediate answer to a binding is). */
	for (size_t i = 0; i < nrsp; i++) {
		if (!rsp[i].preauth)
			continue;
		size_t end = i + 1 < nrsp ? rsp[i + 1].off : c->out.len;
		struct iovec iov = {c->out.p + rsp[i].off, end - rsp[i].off};
		crypto_preauth_update(rsp[i].preauth, &iov, 1);
	}
	if (nrsp && enc_sess && srv_encrypt_frame(c, enc_sess) < 0) {
		close_conn(c, "encryption failed");
		return;
	}
	if (nrsp)
		srv_end_frame(c);
	else
		c->out.len = c->frame_start; /* a lone CANCEL: nothing to send */
	/* Sessions logged off in this frame go once their responses are signed. */
	for (uint32_t i = 0; i < c->nsessions;) {
		if (c->sessions[i]->state == SESS_LOGGED_OFF)
			srv_session_destroy(c, c->sessions[i]);
		else
			i++;
	}
}
