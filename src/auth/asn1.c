/* Minimal DER reader and writer for SPNEGO (ITU-T X.690 8.1). */
#include "auth/auth_int.h"

bool asn1_read(struct cur *c, uint8_t *tag, struct cur *val, const uint8_t **raw, size_t *raw_len)
{
	size_t start = c->pos;
	uint8_t t = cur_u8(c);
	uint8_t l0 = cur_u8(c);
	uint64_t len;
	/* High-tag-number form (low five bits all set) is never used by
	 * SPNEGO; refuse it rather than parse multi-byte tags. */
	if (!cur_ok(c) || (t & 0x1f) == 0x1f)
		goto bad;
	if (l0 < 0x80) {
		len = l0;
	} else {
		unsigned nb = l0 & 0x7f;
		/* nb == 0 is the indefinite form (BER only, X.690 8.1.3.6). */
		if (nb == 0 || nb > 4)
			goto bad;
		len = 0;
		for (unsigned i = 0; i < nb; i++)
			len = len << 8 | cur_u8(c);
		if (!cur_ok(c))
			goto bad;
	}
	if (len > cur_left(c))
		goto bad;
	const uint8_t *p = cur_take(c, (size_t)len);
	if (!p && len)
		goto bad;
	cur_init(val, p, (size_t)len);
	if (tag)
		*tag = t;
	if (raw) {
		*raw = c->base + start;
		*raw_len = c->pos - start;
	}
	return true;
bad:
	c->err = true;
	cur_init(val, NULL, 0);
	val->err = true;
	return false;
}

bool asn1_expect(struct cur *c, uint8_t tag, struct cur *val)
{
	uint8_t t;
	if (!asn1_read(c, &t, val, NULL, NULL))
		return false;
	if (t != tag) {
		c->err = true;
		return false;
	}
	return true;
}

static bool validate(struct cur *c, int depth)
{
	if (depth > ASN1_MAX_DEPTH)
		return false;
	while (cur_left(c)) {
		uint8_t tag;
		struct cur v;
		if (!asn1_read(c, &tag, &v, NULL, NULL))
			return false;
		if ((tag & 0x20) && !validate(&v, depth + 1))
			return false;
	}
	return cur_ok(c);
}

bool asn1_validate(const uint8_t *p, size_t n)
{
	struct cur c;
	cur_init(&c, p, n);
	return n > 0 && validate(&c, 0);
}

void asn1_put_hdr(struct buf *b, uint8_t tag, size_t len)
{
	buf_u8(b, tag);
	if (len < 0x80) {
		buf_u8(b, (uint8_t)len);
	} else if (len <= 0xff) {
		buf_u8(b, 0x81);
		buf_u8(b, (uint8_t)len);
	} else if (len <= 0xffff) {
		buf_u8(b, 0x82);
		buf_be16(b, (uint16_t)len);
	} else if (len <= 0xffffff) {
		buf_u8(b, 0x83);
		buf_u8(b, (uint8_t)(len >> 16));
		buf_be16(b, (uint16_t)len);
	} else {
		b->err = true;   /* tokens never come near 16 MiB */
	}
}

void asn1_put(struct buf *b, uint8_t tag, const void *val, size_t n)
{
	asn1_put_hdr(b, tag, n);
	buf_bytes(b, val, n);
}

void asn1_wrap(struct buf *b, uint8_t tag, const struct buf *src)
{
	if (src->err) {
		b->err = true;
		return;
	}
	asn1_put(b, tag, src->p, src->len);
}
