/* SPNEGO token codec (RFC 4178 4.2, MS-SPNG 2.2). */
#include "auth/auth_int.h"

#include <string.h>

static const uint8_t spnego_oid[6] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 }; /* 1.3.6.1.5.5.2 */
const uint8_t spnego_ntlm_oid[10] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };
/* MS-SPNG 3.2.5.2: what Windows and Samba send as the hint. */
static const char neg_hint_name[] = "not_defined_in_RFC4178@please_ignore";

#define TAG_SEQ 0x30
#define TAG_OID 0x06
#define TAG_OCTETS 0x04
#define TAG_ENUM 0x0a
#define TAG_BITS 0x03
#define TAG_GENSTR 0x1b
#define CTX(n) (0xa0 | (n))

static bool is_ntlm_oid(const struct cur *oid)
{
	return oid->len == sizeof(spnego_ntlm_oid) && memcmp(oid->base, spnego_ntlm_oid, oid->len) == 0;
}

/* Reads an [n] EXPLICIT OCTET STRING into p/len. */
static bool read_octets(struct cur *ctx, const uint8_t **p, size_t *len)
{
	struct cur os;
	if (!asn1_expect(ctx, TAG_OCTETS, &os) || !cur_end(ctx))
		return false;
	*p = os.base ? os.base : (const uint8_t *)"";
	*len = os.len;
	return true;
}

static bool decode_mech_types(struct cur *ctx, struct spnego_tok *t)
{
	struct cur list, oid;
	if (!asn1_read(ctx, NULL, &list, &t->mech_types, &t->mech_types_len) || !cur_end(ctx) ||
	    t->mech_types[0] != TAG_SEQ)
		return false;
	for (int i = 0; cur_left(&list); i++) {
		if (!asn1_expect(&list, TAG_OID, &oid))
			return false;
		if (is_ntlm_oid(&oid) && !t->has_ntlm) {
			t->has_ntlm = true;
			t->ntlm_first = i == 0;
		}
	}
	return cur_ok(&list);
}

static bool decode_init(struct cur *c, struct spnego_tok *t)
{
	struct cur app, oid, choice, seq, ctx;
	uint8_t tag;
	int last = -1;
	if (!asn1_expect(c, 0x60, &app) || !cur_end(c))
		return false;
	if (!asn1_expect(&app, TAG_OID, &oid) || oid.len != sizeof(spnego_oid) ||
	    memcmp(oid.base, spnego_oid, sizeof(spnego_oid)) != 0)
		return false;
	if (!asn1_expect(&app, CTX(0), &choice) || !cur_end(&app))
		return false;
	if (!asn1_expect(&choice, TAG_SEQ, &seq) || !cur_end(&choice))
		return false;
	t->is_init = true;
	while (cur_left(&seq)) {
		if (!asn1_read(&seq, &tag, &ctx, NULL, NULL))
			return false;
		int n = tag - CTX(0);
		/* Fields come in ascending order, each at most once. */
		if (n <= last || n > 4)
			return false;
		last = n;
		switch (n) {
		case 0:
			if (!decode_mech_types(&ctx, t))
				return false;
			break;
		case 1: {
			struct cur bits;
			if (!asn1_expect(&ctx, TAG_BITS, &bits) || !cur_end(&ctx))
				return false;
			break;
		}
		case 2:
			if (!read_octets(&ctx, &t->token, &t->token_len))
				return false;
			break;
		case 3: {
			/* RFC 4178 mechListMIC, or MS-SPNG NegTokenInit2 negHints. */
			struct cur v;
			if (!asn1_read(&ctx, &tag, &v, NULL, NULL) || !cur_end(&ctx))
				return false;
			if (tag == TAG_OCTETS) {
				t->mic = v.base ? v.base : (const uint8_t *)"";
				t->mic_len = v.len;
			} else if (tag != TAG_SEQ || (v.len && !asn1_validate(v.base, v.len))) {
				return false;
			}
			break;
		}
		case 4:
			if (!read_octets(&ctx, &t->mic, &t->mic_len))
				return false;
			break;
		}
	}
	/* mechTypes is the one mandatory field. */
	return cur_ok(&seq) && t->mech_types;
}

static bool decode_resp(struct cur *c, struct spnego_tok *t)
{
	struct cur outer, seq, ctx;
	uint8_t tag;
	int last = -1;
	if (!asn1_expect(c, CTX(1), &outer) || !cur_end(c))
		return false;
	if (!asn1_expect(&outer, TAG_SEQ, &seq) || !cur_end(&outer))
		return false;
	while (cur_left(&seq)) {
		if (!asn1_read(&seq, &tag, &ctx, NULL, NULL))
			return false;
		int n = tag - CTX(0);
		if (n <= last || n > 3)
			return false;
		last = n;
		switch (n) {
		case 0: {
			struct cur e;
			if (!asn1_expect(&ctx, TAG_ENUM, &e) || !cur_end(&ctx) || e.len != 1)
				return false;
			uint8_t v = cur_u8(&e);
			if (v > SPNEGO_REQUEST_MIC)
				return false;
			t->neg_state = v;
			break;
		}
		case 1: {
			struct cur oid;
			if (!asn1_expect(&ctx, TAG_OID, &oid) || !cur_end(&ctx))
				return false;
			t->has_supported_mech = true;
			t->supported_is_ntlm = is_ntlm_oid(&oid);
			break;
		}
		case 2:
			if (!read_octets(&ctx, &t->token, &t->token_len))
				return false;
			break;
		case 3:
			if (!read_octets(&ctx, &t->mic, &t->mic_len))
				return false;
			break;
		}
	}
	return cur_ok(&seq);
}

bool spnego_decode(const uint8_t *p, size_t n, struct spnego_tok *t)
{
	struct cur c;
	memset(t, 0, sizeof(*t));
	t->neg_state = SPNEGO_STATE_ABSENT;
	if (!p || n == 0 || n > AUTH_MAX_TOKEN)
		return false;
	cur_init(&c, p, n);
	if (p[0] == 0x60)
		return decode_init(&c, t);
	if (p[0] == CTX(1))
		return decode_resp(&c, t);
	return false;
}

void spnego_encode_init(struct buf *out, const uint8_t *tok, size_t tok_len, struct buf *mech_types)
{
	struct buf mt, fields, seq, choice, app, tmp;
	buf_init(&mt, AUTH_MAX_TOKEN);
	buf_init(&fields, AUTH_MAX_TOKEN);
	buf_init(&seq, AUTH_MAX_TOKEN);
	buf_init(&choice, AUTH_MAX_TOKEN);
	buf_init(&app, AUTH_MAX_TOKEN);
	buf_init(&tmp, AUTH_MAX_TOKEN);

	asn1_put_hdr(&mt, TAG_SEQ, 2 + sizeof(spnego_ntlm_oid));
	asn1_put(&mt, TAG_OID, spnego_ntlm_oid, sizeof(spnego_ntlm_oid));
	if (mech_types)
		buf_bytes(mech_types, mt.p, mt.len);
	asn1_wrap(&fields, CTX(0), &mt);
	if (tok) {
		buf_reset(&tmp);
		asn1_put(&tmp, TAG_OCTETS, tok, tok_len);
		asn1_wrap(&fields, CTX(2), &tmp);
	} else {
		/* negHints [3] SEQUENCE { hintName [0] GeneralString } */
		struct buf hint;
		buf_init(&hint, 256);
		buf_reset(&tmp);
		asn1_put(&tmp, TAG_GENSTR, neg_hint_name, sizeof(neg_hint_name) - 1);
		asn1_wrap(&hint, CTX(0), &tmp);
		buf_reset(&tmp);
		asn1_wrap(&tmp, TAG_SEQ, &hint);
		asn1_wrap(&fields, CTX(3), &tmp);
		buf_free(&hint);
	}
	asn1_wrap(&seq, TAG_SEQ, &fields);
	asn1_wrap(&choice, CTX(0), &seq);
	asn1_put(&app, TAG_OID, spnego_oid, sizeof(spnego_oid));
	buf_bytes(&app, choice.p, choice.len);
	if (choice.err)
		app.err = true;
	asn1_wrap(out, 0x60, &app);

	buf_free(&mt);
	buf_free(&fields);
	buf_free(&seq);
	buf_free(&choice);
	buf_free(&app);
	buf_free(&tmp);
}

void spnego_encode_resp(struct buf *out, int neg_state, bool supported_mech, const uint8_t *tok,
			size_t tok_len, const uint8_t *mic, size_t mic_len)
{
	struct buf fields, tmp, seq;
	buf_init(&fields, AUTH_MAX_TOKEN);
	buf_init(&tmp, AUTH_MAX_TOKEN);
	buf_init(&seq, AUTH_MAX_TOKEN);
	if (neg_state != SPNEGO_STATE_ABSENT) {
		uint8_t v = (uint8_t)neg_state;
		asn1_put(&tmp, TAG_ENUM, &v, 1);
		asn1_wrap(&fields, CTX(0), &tmp);
	}
	if (supported_mech) {
		buf_reset(&tmp);
		asn1_put(&tmp, TAG_OID, spnego_ntlm_oid, sizeof(spnego_ntlm_oid));
		asn1_wrap(&fields, CTX(1), &tmp);
	}
	if (tok) {
		buf_reset(&tmp);
		asn1_put(&tmp, TAG_OCTETS, tok, tok_len);
		asn1_wrap(&fields, CTX(2), &tmp);
	}
	if (mic) {
		buf_reset(&tmp);
		asn1_put(&tmp, TAG_OCTETS, mic, mic_len);
		asn1_wrap(&fields, CTX(3), &tmp);
	}
	asn1_wrap(&seq, TAG_SEQ, &fields);
	asn1_wrap(out, CTX(1), &seq);
	buf_free(&fields);
	buf_free(&tmp);
	buf_free(&seq);
}

void auth_negotiate_hint(struct buf *out)
{
	spnego_encode_init(out, NULL, 0, NULL);
}
