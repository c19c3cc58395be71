/* One bounds-checked cursor for every wire read (STYLE 1, 2).
 *
 * Reads never run past the end: a short read sets the sticky error and
 * returns zeros, so a decoder may read a whole fixed structure and check
 * cur_ok() once.  (offset, length) pairs from the wire are checked once,
 * in 64-bit arithmetic, by cur_range(), which yields a sub-cursor. */
#ifndef DAX_CURSOR_H
#define DAX_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cur {
	const uint8_t *base;
	size_t len;
	size_t pos;
	bool err;
};

void cur_init(struct cur *c, const void *p, size_t len);
uint8_t cur_u8(struct cur *c);
uint16_t cur_le16(struct cur *c);
uint32_t cur_le32(struct cur *c);
uint64_t cur_le64(struct cur *c);
uint16_t cur_be16(struct cur *c);
uint32_t cur_be32(struct cur *c);
/* Copies n bytes into dst (zero-filled on error). */
void cur_bytes(struct cur *c, void *dst, size_t n);
/* Returns a pointer to the next n bytes of the input and advances, or NULL
 * (and sets the error) if fewer than n remain. */
const uint8_t *cur_take(struct cur *c, size_t n);
void cur_skip(struct cur *c, size_t n);
/* Moves to an absolute position; past the end is an error. */
void cur_seek(struct cur *c, size_t pos);
/* Advances to the next multiple of a (relative to base); past end is error. */
void cur_align(struct cur *c, size_t a);
size_t cur_left(const struct cur *c);
static inline bool cur_ok(const struct cur *c) { return !c->err; }
/* True when no error occurred and the whole input was consumed. */
bool cur_end(const struct cur *c);
/* Sub-cursor over [off, off+len) of c's whole input (not from pos).
 * Returns false (and leaves sub empty) if the range is not inside. */
bool cur_range(const struct cur *c, uint64_t off, uint64_t len, struct cur *sub);

#endif
