#include "common/cursor.h"
#include "common/buf.h"

#include <string.h>

void cur_init(struct cur *c, const void *p, size_t len)
{
	c->base = p;
	c->len = p ? len : 0;
	c->pos = 0;
	c->err = false;
}

const uint8_t *cur_take(struct cur *c, size_t n)
{
	if (c->err || n > c->len - c->pos) {
		c->err = true;
		return NULL;
	}
	const uint8_t *p = c->base + c->pos;
	c->pos += n;
	return p;
}

void cur_bytes(struct cur *c, void *dst, size_t n)
{
	const uint8_t *p = cur_take(c, n);
	if (p)
		memcpy(dst, p, n);
	else if (n)
		memset(dst, 0, n);
}

uint8_t cur_u8(struct cur *c)
{
	const uint8_t *p = cur_take(c, 1);
	return p ? p[0] : 0;
}

uint16_t cur_le16(struct cur *c)
{
	const uint8_t *p = cur_take(c, 2);
	return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t cur_le32(struct cur *c)
{
	const uint8_t *p = cur_take(c, 4);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			   (uint32_t)p[3] << 24
		 : 0;
}

uint64_t cur_le64(struct cur *c)
{
	const uint8_t *p = cur_take(c, 8);
	return p ? get_le64(p) : 0;
}

uint16_t cur_be16(struct cur *c)
{
	const uint8_t *p = cur_take(c, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t cur_be32(struct cur *c)
{
	const uint8_t *p = cur_take(c, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
			   (uint32_t)p[3]
		 : 0;
}

void cur_skip(struct cur *c, size_t n)
{
	(void)cur_take(c, n);
}

void cur_seek(struct cur *c, size_t pos)
{
	if (c->err || pos > c->len) {
		c->err = true;
		return;
	}
	c->pos = pos;
}

void cur_align(struct cur *c, size_t a)
{
	size_t r = c->pos % a;
	if (r)
		cur_skip(c, a - r);
}

size_t cur_left(const struct cur *c)
{
	return c->err ? 0 : c->len - c->pos;
}

bool cur_end(const struct cur *c)
{
	return !c->err && c->pos == c->len;
}

bool cur_range(const struct cur *c, uint64_t off, uint64_t len, struct cur *sub)
{
	/* Both operands are at most 2^64-1; compare without overflow. */
	if (off > c->len || len > (uint64_t)c->len - off) {
		cur_init(sub, NULL, 0);
		sub->err = true;
		return false;
	}
	cur_init(sub, c->base + off, (size_t)len);
	return true;
}
