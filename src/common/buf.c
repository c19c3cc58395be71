#include "common/buf.h"

#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->err = false;
}

void buf_free(struct buf *b)
{
	free(b->p);
	buf_init(b, b->max);
}

uint8_t *buf_reserve(struct buf *b, size_t n)
{
	uint8_t *p = buf_reserve_uninit(b, n);
	if (p && n)
		memset(p, 0, n);
	return p;
}

uint8_t *buf_reserve_uninit(struct buf *b, size_t n)
{
	/* Nothing to reserve: no pointer arithmetic on a buffer that may have
	 * no storage yet (found by fuzz_server). */
	if (n == 0)
		return b->err || !b->p ? NULL : b->p + b->len;
	if (b->err || n > b->max - b->len) {
		b->err = true;
		return NULL;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		if (cap > b->max)
			cap = b->max;
		uint8_t *p = realloc(b->p, cap);
		if (!p) {
			b->err = true;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	uint8_t *p = b->p + b->len;
	b->len += n;
	return p;
}

void buf_u8(struct buf *b, uint8_t v)
{
	uint8_t *p = buf_reserve(b, 1);
	if (p)
		p[0] = v;
}

void buf_le16(struct buf *b, uint16_t v)
{
	uint8_t *p = buf_reserve(b, 2);
	if (p)
		put_le16(p, v);
}

void buf_le32(struct buf *b, uint32_t v)
{
	uint8_t *p = buf_reserve(b, 4);
	if (p)
		put_le32(p, v);
}

void buf_le64(struct buf *b, uint64_t v)
{
	uint8_t *p = buf_reserve(b, 8);
	if (p)
		put_le64(p, v);
}

void buf_be16(struct buf *b, uint16_t v)
{
	uint8_t *p = buf_reserve(b, 2);
	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

void buf_be32(struct buf *b, uint32_t v)
{
	uint8_t *p = buf_reserve(b, 4);
	if (p) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

void buf_bytes(struct buf *b, const void *src, size_t n)
{
	if (!n)
		return;
	uint8_t *p = buf_reserve(b, n);
	if (p)
		memcpy(p, src, n);
}

void buf_zero(struct buf *b, size_t n)
{
	(void)buf_reserve(b, n);
}

void buf_align(struct buf *b, size_t from, size_t a)
{
	if (b->len < from)
		return;
	size_t r = (b->len - from) % a;
	if (r)
		buf_zero(b, a - r);
}

static bool in_range(struct buf *b, size_t off, size_t n)
{
	if (b->err || off > b->len || n > b->len - off) {
		b->err = true;
		return false;
	}
	return true;
}

void buf_set_u8(struct buf *b, size_t off, uint8_t v)
{
	if (in_range(b, off, 1))
		b->p[off] = v;
}

void buf_set_le16(struct buf *b, size_t off, uint16_t v)
{
	if (in_range(b, off, 2))
		put_le16(b->p + off, v);
}

void buf_set_le32(struct buf *b, size_t off, uint32_t v)
{
	if (in_range(b, off, 4))
		put_le32(b->p + off, v);
}

void buf_set_le64(struct buf *b, size_t off, uint64_t v)
{
	if (in_range(b, off, 8))
		put_le64(b->p + off, v);
}

void buf_set_be32(struct buf *b, size_t off, uint32_t v)
{
	if (in_range(b, off, 4)) {
		b->p[off] = (uint8_t)(v >> 24);
		b->p[off + 1] = (uint8_t)(v >> 16);
		b->p[off + 2] = (uint8_t)(v >> 8);
		b->p[off + 3] = (uint8_t)v;
	}
}
