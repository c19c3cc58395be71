#include "rpc/ndr.h"

#include <stdlib.h>
#include <string.h>

#include "common/utf16.h"

uint32_t ndr_get_u32(struct cur *c)
{
	cur_align(c, 4);
	return cur_le32(c);
}

void ndr_get_wstring(struct cur *c, uint32_t max_units, char **out)
{
	if (out)
		*out = NULL;
	uint32_t max_count = ndr_get_u32(c);
	uint32_t offset = cur_le32(c);
	uint32_t actual = cur_le32(c);
	/* C706 14.3.3.4: actual_count never exceeds max_count; [string]
	 * arrays are sent whole, so the offset is 0. */
	if (!cur_ok(c) || offset != 0 || actual > max_count || actual > max_units) {
		c->err = true;
		return;
	}
	const uint8_t *p = cur_take(c, (size_t)actual * 2);
	if (!p || !out)
		return;
	size_t n = (size_t)actual * 2;
	if (n >= 2 && p[n - 2] == 0 && p[n - 1] == 0)
		n -= 2;
	*out = utf16le_to_utf8(p, n, (size_t)max_units * 3, NULL);
}

void ndr_skip_byte_array(struct cur *c)
{
	uint32_t n = ndr_get_u32(c);
	cur_skip(c, n);
}

void ndr_w_init(struct ndr_w *w, size_t max)
{
	buf_init(&w->b, max);
	/* Any non-zero, distinct value will do (C706 14.3.11.3); this is the
	 * sequence Windows uses, which makes captures easy to compare. */
	w->next_ref = 0x00020000u;
}

void ndr_w_free(struct ndr_w *w)
{
	buf_free(&w->b);
}

void ndr_put_u32(struct ndr_w *w, uint32_t v)
{
	buf_align(&w->b, 0, 4);
	buf_le32(&w->b, v);
}

void ndr_put_ptr(struct ndr_w *w, bool present)
{
	if (!present) {
		ndr_put_u32(w, 0);
		return;
	}
	ndr_put_u32(w, w->next_ref);
	w->next_ref += 4;
}

static size_t utf8_units(const char *s, size_t *len)
{
	*len = s ? strlen(s) : 0;
	size_t n = *len ? utf16le_size(s, *len) : 0;
	if (n == SIZE_MAX) {
		*len = 0;
		n = 0;
	}
	return n / 2 + 1;
}

void ndr_put_wstring(struct ndr_w *w, const char *s)
{
	size_t len;
	size_t units = utf8_units(s, &len);
	if (units > UINT32_MAX) {
		w->b.err = true;
		return;
	}
	ndr_put_u32(w, (uint32_t)units);
	buf_le32(&w->b, 0);
	buf_le32(&w->b, (uint32_t)units);
	if (len)
		buf_put_utf16le(&w->b, s, len);
	buf_le16(&w->b, 0);
}

size_t ndr_wstring_size(const char *s)
{
	size_t len;
	size_t units = utf8_units(s, &len);
	size_t n = 12 + units * 2;
	return (n + 3) & ~(size_t)3;
}
