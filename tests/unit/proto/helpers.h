/* Shared helpers for the proto codec tests: build a message (header +
 * body), decode it from an exactly-sized heap copy (so ASan sees any read
 * past the end), and the generic hostile-input checks every decoder gets:
 * every truncation, a wrong StructureSize, lying offsets and lengths. */
#ifndef DAX_TEST_PROTO_HELPERS_H
#define DAX_TEST_PROTO_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/smb2.h"

typedef void (*body_enc_fn)(struct buf *b, size_t hdr_off, const void *arg);
/* Decodes the body at c (positioned at 64); returns the decoder's result. */
typedef int (*body_dec_fn)(struct cur *c);

static inline void build_msg(struct buf *b, uint16_t cmd, body_enc_fn enc, const void *arg)
{
	struct smb2_hdr h = {0};
	size_t hdr_off = b->len;

	h.command = cmd;
	h.message_id = 7;
	h.session_id = 0x1122334455667788ull;
	h.tree_id = 5;
	smb2_encode_hdr(b, &h);
	enc(b, hdr_off, arg);
	assert_true(buf_ok(b));
}

/* Decodes header + body from a heap copy of exactly n bytes.  The copy
 * lives until the next call, so pointers in the decoded struct stay valid
 * for the caller's checks. */
static uint8_t *decode_copy;
static inline int decode_msg(const uint8_t *p, size_t n, body_dec_fn dec)
{
	free(decode_copy);
	decode_copy = malloc(n ? n : 1);
	assert_non_null(decode_copy);
	if (n)
		memcpy(decode_copy, p, n);
	struct cur c;
	struct smb2_hdr h;
	cur_init(&c, decode_copy, n);
	int rc = smb2_decode_hdr(&c, &h);
	if (rc == 0)
		rc = dec(&c);
	return rc;
}

/* Every strict prefix of a valid message must be refused: callers pass
 * messages whose last byte is needed (no optional trailing padding). */
static inline void check_truncations(const uint8_t *p, size_t n, body_dec_fn dec)
{
	assert_int_equal(decode_msg(p, n, dec), 0);
	for (size_t l = 0; l < n; l++) {
		if (decode_msg(p, l, dec) != -1)
			fail_msg("prefix of %zu/%zu bytes accepted", l, n);
	}
}

static inline void check_structure_size(const uint8_t *p, size_t n, body_dec_fn dec)
{
	uint8_t *m = malloc(n);
	assert_non_null(m);
	memcpy(m, p, n);
	uint16_t good = get_le16(m + SMB2_HDR_SIZE);
	const uint16_t bad[] = {(uint16_t)(good + 1), (uint16_t)(good - 1), 0, 0xFFFF};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_le16(m + SMB2_HDR_SIZE, bad[i]);
		assert_int_equal(decode_msg(m, n, dec), -1);
	}
	put_le16(m + SMB2_HDR_SIZE, good);
	assert_int_equal(decode_msg(m, n, dec), 0);
	free(m);
}

static inline uint64_t get_w(const uint8_t *p, int w)
{
	return w == 1 ? p[0] : w == 2 ? get_le16(p) : get_le32(p);
}

static inline void put_w(uint8_t *p, int w, uint64_t v)
{
	if (w == 1)
		p[0] = (uint8_t)v;
	else if (w == 2)
		put_le16(p, (uint16_t)v);
	else
		put_le32(p, (uint32_t)v);
}

static inline uint64_t max_w(int w)
{
	return w == 1 ? 0xFF : w == 2 ? 0xFFFF : 0xFFFFFFFFu;
}

/* One (offset, length) pair of a valid message, at body-relative positions
 * (min_off: where the variable part may start, from the header);
 * the field must be non-empty in p.  Every lie must be refused. */
static inline void check_var_field(const uint8_t *p, size_t n, body_dec_fn dec, size_t min_off,
				   size_t off_pos, int off_w, size_t len_pos, int len_w)
{
	uint8_t *m = malloc(n);
	assert_non_null(m);
	uint8_t *fo = m + SMB2_HDR_SIZE + off_pos, *fl = m + SMB2_HDR_SIZE + len_pos;
	memcpy(m, p, n);
	uint64_t o = get_w(fo, off_w), l = get_w(fl, len_w);
	assert_true(l > 0);
	assert_true(o + l <= n);

	struct {
		uint64_t off, len;
	} lies[] = {
		{0, l},                        /* into the header */
		{SMB2_HDR_SIZE, l},            /* into the fixed part */
		{min_off - 1, l},              /* overlaps the last fixed byte */
		{n, l},                        /* past the end */
		{n - l + 1, l},                /* overruns by one */
		{o, n - o + 1},                /* length one too long */
		{o, max_w(len_w)},             /* huge length */
		{max_w(off_w), l},             /* huge offset */
		{max_w(off_w), max_w(len_w)},  /* both huge: 64-bit sum */
		{o, max_w(len_w) - o + 1},     /* o + len wraps to 0 in len_w bits */
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		if (lies[i].off > max_w(off_w) || lies[i].len > max_w(len_w) || lies[i].len == 0)
			continue;
		memcpy(m, p, n);
		put_w(fo, off_w, lies[i].off);
		put_w(fl, len_w, lies[i].len);
		if (decode_msg(m, n, dec) != -1)
			fail_msg("lie %zu (off %llu len %llu) accepted", i,
				 (unsigned long long)lies[i].off, (unsigned long long)lies[i].len);
	}
	free(m);
}

#endif
