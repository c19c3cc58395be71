/* NDR 2.0 transfer syntax (C706 chapter 14), little-endian only: the few
 * constructs srvsvc and wkssvc need.
 *
 * Reads go through a struct cur whose base is the first byte of the stub,
 * so cur_align() aligns relative to the stub start as C706 14.2.2 requires
 * (the stub begins 8-aligned in every request PDU).  Writes go to a
 * struct ndr_w whose buffer likewise holds the stub only. */
#ifndef DAX_RPC_NDR_H
#define DAX_RPC_NDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"

/* Longest [string] wchar_t* we decode, in UTF-16 units including the NUL.
 * Share and server names are far shorter (MS-SRVS: NNLEN 80). */
#define NDR_MAX_STRING_UNITS 1024u

/* ---- reading ---- */

/* Aligned 32-bit little-endian integer. */
uint32_t ndr_get_u32(struct cur *c);
/* A unique or full pointer's referent id: 0 means NULL. */
static inline uint32_t ndr_get_ptr(struct cur *c) { return ndr_get_u32(c); }
/* A conformant varying [string] of wchar_t (C706 14.3.4.2): max_count,
 * offset (must be 0), actual_count (<= max_count, <= max_units) and the
 * units.  If out is not NULL it receives a malloc'd UTF-8 copy without the
 * terminating NUL, or NULL when the text is not valid UTF-16 (the cursor
 * then stays good: the wire form was well formed).  Sets the cursor error
 * on malformed NDR. */
void ndr_get_wstring(struct cur *c, uint32_t max_units, char **out);
/* A conformant array of bytes ([size_is] unsigned char *): max_count and
 * the bytes.  Skipped. */
void ndr_skip_byte_array(struct cur *c);

/* ---- writing ---- */

struct ndr_w {
	struct buf b;
	uint32_t next_ref;	/* next referent id for a non-NULL pointer */
};

void ndr_w_init(struct ndr_w *w, size_t max);
void ndr_w_free(struct ndr_w *w);
void ndr_put_u32(struct ndr_w *w, uint32_t v);
/* A unique pointer: a fresh non-zero referent id if present, else 0. */
void ndr_put_ptr(struct ndr_w *w, bool present);
/* The deferred referent of a [string] wchar_t* (conformant varying):
 * max_count = actual_count = units including the NUL, offset 0, the
 * UTF-16LE text and its NUL.  s NULL is written as "".  Invalid UTF-8 is
 * written as "" too (names come from our own config, already checked). */
void ndr_put_wstring(struct ndr_w *w, const char *s);
/* Bytes ndr_put_wstring() would append at a 4-aligned position, with the
 * padding that follows (used to honour PreferedMaximumLength). */
size_t ndr_wstring_size(const char *s);

#endif
