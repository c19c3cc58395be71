/* Connection-oriented DCE/RPC (C706 chapter 12, MS-RPCE 2.2.2 / 3.3) over
 * a named pipe: PDU framing, bind and alter_context, request reassembly,
 * response fragmentation and faults.
 *
 * The pipe is a byte stream in which the client writes whole PDUs, maybe
 * split across writes; we answer each with zero or more PDUs queued on
 * the output side, which is read back a PDU at a time (the pipe is in
 * message mode: one read never spans two fragments).
 *
 * Only little-endian NDR 2.0 is served and no RPC-level authentication
 * (the SMB session already authenticated the caller). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rpc/rpc.h"
#include "rpc/rpc_iface.h"

/* C706 12.6.4 packet types. */
enum {
	PTYPE_REQUEST = 0,
	PTYPE_RESPONSE = 2,
	PTYPE_FAULT = 3,
	PTYPE_BIND = 11,
	PTYPE_BIND_ACK = 12,
	PTYPE_BIND_NAK = 13,
	PTYPE_ALTER_CONTEXT = 14,
	PTYPE_ALTER_CONTEXT_RESP = 15,
	PTYPE_AUTH3 = 16,
	PTYPE_SHUTDOWN = 17,
	PTYPE_CO_CANCEL = 18,
	PTYPE_ORPHANED = 19,
};

/* C706 12.6.3.1 pfc_flags. */
#define PFC_FIRST_FRAG		0x01
#define PFC_LAST_FRAG		0x02
#define PFC_DID_NOT_EXECUTE	0x20
#define PFC_OBJECT_UUID		0x80

/* p_cont_def_result_t (C706 12.6.3.1, MS-RPCE 2.2.2.4). */
#define RESULT_ACCEPTANCE		0
#define RESULT_PROVIDER_REJECTION	2
#define RESULT_NEGOTIATE_ACK		3
/* p_provider_reason_t */
#define REASON_NONE				0
#define REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED	1
#define REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED	2
#define REASON_LOCAL_LIMIT_EXCEEDED		3
/* p_reject_reason_t for bind_nak (MS-RPCE 2.2.2.5). */
#define NAK_REASON_NOT_SPECIFIED	0
#define NAK_LOCAL_LIMIT_EXCEEDED	2
#define NAK_PROTOCOL_VERSION_NOT_SUPPORTED 4
#define NAK_AUTH_TYPE_NOT_RECOGNIZED	8

/* MS-RPCE 2.2.2.14: the one feature we can honour, since an orphaned
 * call never closes the pipe here. */
#define BTFN_KEEP_CONNECTION_ON_ORPHAN	0x02

#define RPC_HDR_LEN		16
#define RPC_REQ_HDR_LEN		24	/* header + alloc_hint, p_cont_id, opnum */
#define RPC_RESP_HDR_LEN	24
#define RPC_FAULT_LEN		32
/* Fragment sizes we accept from the client's bind; below the floor not
 * even a fault PDU plus some stub would fit. */
#define RPC_SERVER_MAX_FRAG	4280u
#define RPC_MIN_FRAG		64u
/* A reassembled request stub is capped; so is the unread output, so that
 * a client that writes without reading cannot grow it without bound. */
#define RPC_MAX_REQUEST_STUB	(1024u * 1024u)
#define RPC_MAX_PENDING_OUT	(2u * 1024u * 1024u)
#define RPC_OUT_CAP		(4u * 1024u * 1024u)
#define RPC_MAX_CONTEXTS	8

/* 8a885d04-1ceb-11c9-9fe8-08002b104860 v2 (C706 appendix I). */
static const struct rpc_syntax ndr20_syntax = {
	{ 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	  0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 }, 2, 0 };
/* 6cb71c2c-9812-4540-: bind time feature negotiation prefix (MS-RPCE
 * 3.3.1.5.3); the remaining 8 octets are the feature bitmask. */
static const uint8_t btfn_prefix[8] = { 0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45 };

static const struct rpc_iface *const rpc_ifaces[] = {
	&rpc_srvsvc_iface,
	&rpc_wkssvc_iface,
};

struct rpc_hdr {
	uint8_t vers, minor, ptype, flags;
	bool le;
	uint16_t frag_len, auth_len;
	uint32_t call_id;
};

struct rpc_ctx {
	uint16_t id;
	const struct rpc_iface *iface;
};

struct rpc_pipe {
	const struct rpc_env *env;
	const struct rpc_iface *iface;	/* what this pipe serves */

	/* Association state, set by bind (C706 12.6.4.3). */
	bool bound;
	uint8_t minor;
	uint16_t max_xmit, max_recv;
	uint32_t assoc_group;
	struct rpc_ctx ctx[RPC_MAX_CONTEXTS];
	size_t nctx;

	/* A request being reassembled from fragments. */
	bool rq_active;
	uint32_t rq_call;
	uint16_t rq_ctx, rq_opnum;
	struct buf rq;
	/* A call whose remaining fragments are dropped after a fault. */
	bool rq_discard;
	uint32_t rq_discard_call;

	struct ndr_w resp;		/* response stub, reused */
	struct buf out;			/* queued response PDUs */
	size_t out_rd;			/* read position in out */
	size_t msg_left;		/* unread bytes of the PDU at out_rd */

	size_t in_len, in_need;		/* in_need 0: header not decoded */
	uint8_t in[UINT16_MAX];		/* one PDU: frag_length is 16 bits */
};

static atomic_uint_least32_t next_assoc_group = 0x00012340u;

/* ---- output ---- */

static size_t put_hdr(struct rpc_pipe *p, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
	struct buf *o = &p->out;
	size_t start = o->len;
	buf_u8(o, 5);
	buf_u8(o, p->minor);
	buf_u8(o, ptype);
	buf_u8(o, flags);
	buf_le32(o, 0x00000010u);	/* drep: little-endian, ASCII, IEEE */
	buf_le16(o, 0);			/* frag_length, patched by end_pdu */
	buf_le16(o, 0);			/* auth_length */
	buf_le32(o, call_id);
	return start;
}

/* Patches frag_length; on any failure drops what was queued since mark. */
static bool end_pdu(struct rpc_pipe *p, size_t start, size_t mark)
{
	struct buf *o = &p->out;
	if (buf_ok(o) && o->len - start <= UINT16_MAX) {
		buf_set_le16(o, start + 8, (uint16_t)(o->len - start));
		return true;
	}
	o->len = mark;
	o->err = false;
	return false;
}

static void put_fault(struct rpc_pipe *p, uint32_t call_id, uint16_t ctx_id, uint32_t status)
{
	size_t start = put_hdr(p, PTYPE_FAULT, PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_DID_NOT_EXECUTE,
			       call_id);
	buf_le32(&p->out, RPC_FAULT_LEN);	/* alloc_hint */
	buf_le16(&p->out, ctx_id);
	buf_u8(&p->out, 0);			/* cancel_count */
	buf_u8(&p->out, 0);
	buf_le32(&p->out, status);
	buf_le32(&p->out, 0);
	end_pdu(p, start, start);
}

static void put_bind_nak(struct rpc_pipe *p, uint32_t call_id, uint16_t reason)
{
	size_t start = put_hdr(p, PTYPE_BIND_NAK, PFC_FIRST_FRAG | PFC_LAST_FRAG, call_id);
	buf_le16(&p->out, reason);
	buf_u8(&p->out, 1);		/* n_protocols */
	buf_u8(&p->out, 5);		/* rpc_vers */
	buf_u8(&p->out, 0);		/* rpc_vers_minor */
	buf_align(&p->out, start, 4);
	end_pdu(p, start, start);
}

/* Fragments a response stub to the client's max_recv_frag (C706 12.6.4.10):
 * every fragment but the last carries a multiple of 8 stub bytes, and
 * alloc_hint counts the stub bytes still to come. */
static void put_response(struct rpc_pipe *p, uint32_t call_id, uint16_t ctx_id,
			 const uint8_t *stub, size_t len)
{
	size_t mark = p->out.len;
	size_t per = ((size_t)p->max_xmit - RPC_RESP_HDR_LEN) & ~(size_t)7;
	size_t off = 0;
	do {
		size_t chunk = len - off < per ? len - off : per;
		uint8_t flags = (off == 0 ? PFC_FIRST_FRAG : 0) |
				(off + chunk == len ? PFC_LAST_FRAG : 0);
		size_t start = put_hdr(p, PTYPE_RESPONSE, flags, call_id);
		buf_le32(&p->out, (uint32_t)(len - off));
		buf_le16(&p->out, ctx_id);
		buf_u8(&p->out, 0);	/* cancel_count */
		buf_u8(&p->out, 0);
		buf_bytes(&p->out, stub + off, chunk);
		if (!end_pdu(p, start, mark)) {
			put_fault(p, call_id, ctx_id, NCA_S_FAULT_REMOTE_NO_MEMORY);
			return;
		}
		off += chunk;
	} while (off < len);
}

/* ---- association state ---- */

static void drop_request(struct rpc_pipe *p)
{
	p->rq_active = false;
	p->rq_discard = false;
	/* Do not hold on to a large reassembly buffer between calls. */
	if (p->rq.cap > 65536)
		buf_free(&p->rq);
	buf_reset(&p->rq);
}

static void reset_association(struct rpc_pipe *p)
{
	p->bound = false;
	p->nctx = 0;
	p->assoc_group = 0;
	drop_request(p);
}

static const struct rpc_iface *ctx_lookup(const struct rpc_pipe *p, uint16_t id)
{
	for (size_t i = 0; i < p->nctx; i++)
		if (p->ctx[i].id == id)
			return p->ctx[i].iface;
	return NULL;
}

/* ---- bind, alter_context ---- */

struct ctx_result {
	uint16_t result, reason;
	const struct rpc_syntax *ts;	/* NULL: all zeros */
};

static bool syntax_eq(const uint8_t *wire, const struct rpc_syntax *s)
{
	uint32_t ver = get_le32(wire + 16);
	return memcmp(wire, s->uuid, 16) == 0 && (uint16_t)ver == s->major &&
	       (uint16_t)(ver >> 16) <= s->minor;
}

static bool decode_hdr(const uint8_t *b, struct rpc_hdr *h)
{
	struct cur c;
	cur_init(&c, b, RPC_HDR_LEN);
	h->vers = cur_u8(&c);
	h->minor = cur_u8(&c);
	h->ptype = cur_u8(&c);
	h->flags = cur_u8(&c);
	uint8_t drep0 = cur_u8(&c);
	cur_skip(&c, 3);
	/* C706 14.1: integer representation in the high nibble of drep[0],
	 * 1 little-endian, 0 big-endian.  The lengths are needed either way
	 * to skip the PDU; big-endian bodies are then refused. */
	h->le = (drep0 >> 4) == 1;
	if (h->le) {
		h->frag_len = cur_le16(&c);
		h->auth_len = cur_le16(&c);
		h->call_id = cur_le32(&c);
	} else {
		h->frag_len = cur_be16(&c);
		h->auth_len = cur_be16(&c);
		h->call_id = cur_be32(&c);
	}
	return cur_end(&c) && h->vers == 5 && (drep0 >> 4) <= 1 && h->frag_len >= RPC_HDR_LEN;
}

static void put_bind_ack(struct rpc_pipe *p, const struct rpc_hdr *h, bool alter,
			 const struct ctx_result *res, size_t n)
{
	size_t start = put_hdr(p, alter ? PTYPE_ALTER_CONTEXT_RESP : PTYPE_BIND_ACK,
			       PFC_FIRST_FRAG | PFC_LAST_FRAG, h->call_id);
	struct buf *o = &p->out;
	buf_le16(o, p->max_xmit);
	buf_le16(o, p->max_recv);
	buf_le32(o, p->assoc_group);
	/* port_any_t sec_addr, NUL included; empty in alter_context_resp. */
	if (alter) {
		buf_le16(o, 0);
	} else {
		size_t len = strlen(p->iface->sec_addr) + 1;
		buf_le16(o, (uint16_t)len);
		buf_bytes(o, p->iface->sec_addr, len);
	}
	buf_align(o, start, 4);
	buf_u8(o, (uint8_t)n);
	buf_u8(o, 0);
	buf_le16(o, 0);
	for (size_t i = 0; i < n; i++) {
		buf_le16(o, res[i].result);
		buf_le16(o, res[i].reason);
		if (res[i].ts) {
			buf_bytes(o, res[i].ts->uuid, 16);
			buf_le32(o, (uint32_t)res[i].ts->major | (uint32_t)res[i].ts->minor << 16);
		} else {
			buf_zero(o, 20);
		}
	}
	end_pdu(p, start, start);
}

/* Refuses a bind (nak) or an alter_context (fault) as a whole. */
static int refuse_bind(struct rpc_pipe *p, const struct rpc_hdr *h, bool alter, uint16_t reason)
{
	if (alter) {
		put_fault(p, h->call_id, 0, NCA_S_PROTO_ERROR);
		return 0;
	}
	reset_association(p);
	put_bind_nak(p, h->call_id, reason);
	return 0;
}

/* C706 12.6.4.3 bind / 12.6.4.1 alter_context, answered per presentation
 * context (p_cont_elem_t): NDR 2.0 accepted for our interface, the bind
 * time feature pseudo-syntax acknowledged (MS-RPCE 3.3.1.5.3), anything
 * else rejected with the matching provider reason. */
static int on_bind(struct rpc_pipe *p, const struct rpc_hdr *h, const uint8_t *pdu, size_t len)
{
	bool alter = h->ptype == PTYPE_ALTER_CONTEXT;
	if (!h->le)
		return refuse_bind(p, h, alter, NAK_REASON_NOT_SPECIFIED);
	if (h->minor > 1)
		return refuse_bind(p, h, alter, NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
	if (h->auth_len)
		return refuse_bind(p, h, alter, NAK_AUTH_TYPE_NOT_RECOGNIZED);
	if (alter && !p->bound)
		return refuse_bind(p, h, alter, 0);

	struct cur c;
	cur_init(&c, pdu, len);
	cur_skip(&c, RPC_HDR_LEN);
	uint16_t max_xmit = cur_le16(&c);
	uint16_t max_recv = cur_le16(&c);
	uint32_t assoc = cur_le32(&c);
	uint8_t n = cur_u8(&c);
	cur_skip(&c, 3);
	if (!cur_ok(&c) || n == 0)
		return refuse_bind(p, h, alter, NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
	if (!alter && (max_recv < RPC_MIN_FRAG || max_xmit < RPC_MIN_FRAG))
		return refuse_bind(p, h, alter, NAK_LOCAL_LIMIT_EXCEEDED);

	struct ctx_result res[UINT8_MAX];
	struct rpc_ctx ctx[RPC_MAX_CONTEXTS];
	size_t nctx = 0;
	if (alter) {
		memcpy(ctx, p->ctx, p->nctx * sizeof(ctx[0]));
		nctx = p->nctx;
	}
	bool btfn_seen = false;
	for (size_t i = 0; i < n; i++) {
		uint16_t id = cur_le16(&c);
		uint8_t n_ts = cur_u8(&c);
		cur_skip(&c, 1);
		const uint8_t *abs = cur_take(&c, 20);
		const uint8_t *ts = cur_take(&c, (size_t)n_ts * 20);
		if (!cur_ok(&c))
			return refuse_bind(p, h, alter, NAK_PROTOCOL_VERSION_NOT_SUPPORTED);

		struct ctx_result *r = &res[i];
		*r = (struct ctx_result){ RESULT_PROVIDER_REJECTION,
					  REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED, NULL };
		if (n_ts == 1 && !btfn_seen && memcmp(ts, btfn_prefix, 8) == 0) {
			/* The reason field carries the features we support
			 * out of those offered (MS-RPCE 2.2.2.14). */
			btfn_seen = true;
			r->result = RESULT_NEGOTIATE_ACK;
			r->reason = ts[8] & BTFN_KEEP_CONNECTION_ON_ORPHAN;
			continue;
		}
		if (!syntax_eq(abs, &p->iface->syntax)) {
			r->reason = REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED;
			continue;
		}
		bool ndr = false;
		for (size_t k = 0; k < n_ts && !ndr; k++)
			ndr = memcmp(ts + k * 20, ndr20_syntax.uuid, 16) == 0 &&
			      get_le32(ts + k * 20 + 16) == ndr20_syntax.major;
		if (!ndr)
			continue;	/* NDR64 and the rest */
		size_t slot = 0;
		while (slot < nctx && ctx[slot].id != id)
			slot++;
		if (slot == RPC_MAX_CONTEXTS) {
			r->reason = REASON_LOCAL_LIMIT_EXCEEDED;
			continue;
		}
		ctx[slot] = (struct rpc_ctx){ id, p->iface };
		if (slot == nctx)
			nctx++;
		*r = (struct ctx_result){ RESULT_ACCEPTANCE, REASON_NONE, &ndr20_syntax };
	}

	if (!alter) {
		/* A new bind starts a new association (lenient: C706 would
		 * call a second bind a protocol error). */
		drop_request(p);
		p->minor = h->minor;
		p->max_xmit = max_recv < RPC_SERVER_MAX_FRAG ? max_recv : RPC_SERVER_MAX_FRAG;
		p->max_recv = max_xmit < RPC_SERVER_MAX_FRAG ? max_xmit : RPC_SERVER_MAX_FRAG;
		p->assoc_group = assoc ? assoc : atomic_fetch_add(&next_assoc_group, 1);
		p->bound = true;
	}
	memcpy(p->ctx, ctx, nctx * sizeof(ctx[0]));
	p->nctx = nctx;
	put_bind_ack(p, h, alter, res, n);
	return 0;
}

/* ---- request ---- */

uint32_t rpc_iface_call(const struct rpc_iface *iface, const struct rpc_env *env,
			uint16_t opnum, const uint8_t *stub, size_t len, struct ndr_w *out)
{
	if (opnum >= iface->op_count || !iface->ops[opnum])
		return NCA_S_OP_RNG_ERROR;
	struct cur c;
	cur_init(&c, stub, len);
	uint32_t status = iface->ops[opnum](env, &c, out);
	if (status == 0 && !buf_ok(&out->b))
		status = NCA_S_FAULT_REMOTE_NO_MEMORY;
	return status;
}

static void dispatch(struct rpc_pipe *p, uint32_t call_id, uint16_t ctx_id, uint16_t opnum,
		     const uint8_t *stub, size_t len)
{
	const struct rpc_iface *iface = ctx_lookup(p, ctx_id);
	if (!iface) {
		put_fault(p, call_id, ctx_id, NCA_S_UNK_IF);
		return;
	}
	buf_reset(&p->resp.b);
	p->resp.next_ref = 0x00020000u;
	uint32_t status = rpc_iface_call(iface, p->env, opnum, stub, len, &p->resp);
	if (status)
		put_fault(p, call_id, ctx_id, status);
	else
		put_response(p, call_id, ctx_id, p->resp.b.p, p->resp.b.len);
}

/* C706 12.6.4.9.  A request whose stub spans fragments is collected into
 * p->rq (capped) and run when its last fragment arrives; a one-fragment
 * request runs straight from the input buffer. */
static int on_request(struct rpc_pipe *p, const struct rpc_hdr *h, const uint8_t *pdu, size_t len)
{
	if (h->minor > 1)
		return -1;
	struct cur c;
	cur_init(&c, pdu, len);
	cur_skip(&c, RPC_HDR_LEN);
	(void)cur_le32(&c);		/* alloc_hint: a hint, never trusted */
	uint16_t ctx_id = cur_le16(&c);
	uint16_t opnum = cur_le16(&c);
	if (h->flags & PFC_OBJECT_UUID)
		cur_skip(&c, 16);
	if (!cur_ok(&c) || !h->le || h->auth_len || !p->bound) {
		/* Malformed, big-endian, or signed although no security
		 * context was ever set up. */
		if (h->flags & PFC_FIRST_FRAG)
			drop_request(p);
		put_fault(p, h->call_id, ctx_id, p->bound ? NCA_S_PROTO_ERROR : NCA_S_UNK_IF);
		return 0;
	}
	const uint8_t *stub = pdu + c.pos;
	size_t stub_len = len - c.pos;
	bool last = h->flags & PFC_LAST_FRAG;

	if (h->flags & PFC_FIRST_FRAG) {
		drop_request(p);
		if (!ctx_lookup(p, ctx_id)) {
			put_fault(p, h->call_id, ctx_id, NCA_S_UNK_IF);
			p->rq_discard = !last;
			p->rq_discard_call = h->call_id;
			return 0;
		}
		if (last) {
			dispatch(p, h->call_id, ctx_id, opnum, stub, stub_len);
			return 0;
		}
		p->rq_active = true;
		p->rq_call = h->call_id;
		p->rq_ctx = ctx_id;
		p->rq_opnum = opnum;
		buf_bytes(&p->rq, stub, stub_len);
		return 0;
	}

	if (p->rq_discard && h->call_id == p->rq_discard_call) {
		if (last)
			p->rq_discard = false;
		return 0;
	}
	if (!p->rq_active || h->call_id != p->rq_call) {
		drop_request(p);
		put_fault(p, h->call_id, ctx_id, NCA_S_PROTO_ERROR);
		p->rq_discard = !last;
		p->rq_discard_call = h->call_id;
		return 0;
	}
	buf_bytes(&p->rq, stub, stub_len);
	if (!buf_ok(&p->rq)) {
		drop_request(p);
		put_fault(p, h->call_id, ctx_id, NCA_S_FAULT_REMOTE_NO_MEMORY);
		p->rq_discard = !last;
		p->rq_discard_call = h->call_id;
		return 0;
	}
	if (last) {
		dispatch(p, p->rq_call, p->rq_ctx, p->rq_opnum, p->rq.p, p->rq.len);
		drop_request(p);
	}
	return 0;
}

/* One complete PDU of h->frag_len bytes. */
static int process_pdu(struct rpc_pipe *p, const uint8_t *pdu, size_t len)
{
	struct rpc_hdr h;
	if (!decode_hdr(pdu, &h) || h.frag_len != len)
		return -1;
	if (p->out.len - p->out_rd > RPC_MAX_PENDING_OUT)
		return -1;	/* the client writes but never reads */
	switch (h.ptype) {
	case PTYPE_BIND:
	case PTYPE_ALTER_CONTEXT:
		return on_bind(p, &h, pdu, len);
	case PTYPE_REQUEST:
		return on_request(p, &h, pdu, len);
	case PTYPE_ORPHANED:
		if (p->rq_active && h.call_id == p->rq_call)
			drop_request(p);
		return 0;
	case PTYPE_AUTH3:	/* no security context: nothing to finish */
	case PTYPE_CO_CANCEL:	/* calls run to completion at once */
		return 0;
	default:		/* server-to-client types, unknown types */
		return -1;
	}
}

/* ---- the pipe ---- */

struct rpc_pipe *rpc_pipe_open(const char *name, const struct rpc_env *env)
{
	if (!name || !env)
		return NULL;
	const struct rpc_iface *iface = NULL;
	for (size_t i = 0; i < sizeof(rpc_ifaces) / sizeof(rpc_ifaces[0]); i++)
		if (strcasecmp(name, rpc_ifaces[i]->pipe_name) == 0)
			iface = rpc_ifaces[i];
	if (!iface)
		return NULL;
	struct rpc_pipe *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->env = env;
	p->iface = iface;
	p->max_xmit = p->max_recv = RPC_SERVER_MAX_FRAG;
	buf_init(&p->rq, RPC_MAX_REQUEST_STUB);
	ndr_w_init(&p->resp, RPC_MAX_RESPONSE_STUB);
	buf_init(&p->out, RPC_OUT_CAP);
	return p;
}

int rpc_pipe_write(struct rpc_pipe *p, const uint8_t *data, size_t n)
{
	if (!p || (!data && n))
		return -1;
	while (n > 0) {
		size_t need = p->in_need ? p->in_need : RPC_HDR_LEN;
		size_t take = need - p->in_len < n ? need - p->in_len : n;
		memcpy(p->in + p->in_len, data, take);
		p->in_len += take;
		data += take;
		n -= take;
		if (p->in_len < need)
			return 0;
		if (!p->in_need) {
			struct rpc_hdr h;
			if (!decode_hdr(p->in, &h))
				goto violation;
			p->in_need = h.frag_len;
			if (p->in_len < p->in_need)
				continue;
		}
		int rc = process_pdu(p, p->in, p->in_len);
		p->in_len = 0;
		p->in_need = 0;
		if (rc < 0)
			goto violation;
	}
	return 0;

violation:
	/* The stream cannot be resynchronised: drop it and the association;
	 * a new bind starts afresh.  Replies already queued stay. */
	p->in_len = 0;
	p->in_need = 0;
	reset_association(p);
	return -1;
}

size_t rpc_pipe_pending(const struct rpc_pipe *p)
{
	return p ? p->out.len - p->out_rd : 0;
}

size_t rpc_pipe_read(struct rpc_pipe *p, uint8_t *out, size_t max)
{
	if (!p || !max || p->out_rd == p->out.len)
		return 0;
	if (!p->msg_left)	/* our own header: frag_length at offset 8 */
		p->msg_left = get_le16(p->out.p + p->out_rd + 8);
	size_t n = max < p->msg_left ? max : p->msg_left;
	memcpy(out, p->out.p + p->out_rd, n);
	p->out_rd += n;
	p->msg_left -= n;
	if (p->out_rd == p->out.len) {
		p->out.len = 0;
		p->out_rd = 0;
	} else if (p->out_rd >= 65536 && p->out_rd >= p->out.len / 2) {
		memmove(p->out.p, p->out.p + p->out_rd, p->out.len - p->out_rd);
		p->out.len -= p->out_rd;
		p->out_rd = 0;
	}
	return n;
}

void rpc_pipe_close(struct rpc_pipe *p)
{
	if (!p)
		return;
	buf_free(&p->rq);
	ndr_w_free(&p->resp);
	buf_free(&p->out);
	free(p);
}
