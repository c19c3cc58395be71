/* Growable output buffer for wire encoding, with a hard cap.  Writes past
 * the cap set a sticky error instead of growing.  Pointers into p are
 * invalidated by later appends: keep offsets, patch with buf_set_*. */
#ifndef DAX_BUF_H
#define DAX_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max;
	bool err;
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
static inline void buf_reset(struct buf *b) { b->len = 0; b->err = false; }
/* Appends n zero bytes and returns a pointer to them, or NULL on error. */
uint8_t *buf_reserve(struct buf *b, size_t n);
/* Like buf_reserve, without zeroing (the caller fills all n bytes). */
uint8_t *buf_reserve_uninit(struct buf *b, size_t n);
void buf_u8(struct buf *b, uint8_t v);
void buf_le16(struct buf *b, uint16_t v);
void buf_le32(struct buf *b, uint32_t v);
void buf_le64(struct buf *b, uint64_t v);
void buf_be16(struct buf *b, uint16_t v);
void buf_be32(struct buf *b, uint32_t v);
void buf_bytes(struct buf *b, const void *p, size_t n);
void buf_zero(struct buf *b, size_t n);
/* Pads with zeros until (len - from) is a multiple of a. */
void buf_align(struct buf *b, size_t from, size_t a);
void buf_set_u8(struct buf *b, size_t off, uint8_t v);
void buf_set_le16(struct buf *b, size_t off, uint16_t v);
void buf_set_le32(struct buf *b, size_t off, uint32_t v);
void buf_set_le64(struct buf *b, size_t off, uint64_t v);
void buf_set_be32(struct buf *b, size_t off, uint32_t v);
static inline bool buf_ok(const struct buf *b) { return !b->err; }

static inline void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void put_le64(uint8_t *p, uint64_t v) { put_le32(p, (uint32_t)v); put_le32(p + 4, (uint32_t)(v >> 32)); }
static inline uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get_le64(const uint8_t *p) { return get_le32(p) | (uint64_t)get_le32(p + 4) << 32; }

#endif
