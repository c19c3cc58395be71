#include "common/utf16.h"

#include <stdlib.h>
#include <string.h>

static size_t utf8_len_of(uint32_t c)
{
	return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

static size_t put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | c >> 12);
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | c >> 18);
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

char *utf16le_to_utf8(const uint8_t *in, size_t n, size_t max_out, size_t *out_len)
{
	if (n % 2)
		return NULL;
	/* Each UTF-16 unit yields at most 3 UTF-8 bytes (a pair yields 4). */
	if (n / 2 > (SIZE_MAX - 1) / 3)
		return NULL;
	size_t cap = n / 2 * 3 + 1;
	if (cap - 1 > max_out)
		cap = max_out + 1;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 2) {
		uint32_t c = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;
		if (c >= 0xD800 && c <= 0xDBFF) {
			if (i + 3 >= n)
				goto bad;
			uint32_t d = (uint32_t)in[i + 2] | (uint32_t)in[i + 3] << 8;
			if (d < 0xDC00 || d > 0xDFFF)
				goto bad;
			c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
			i += 2;
		} else if ((c >= 0xDC00 && c <= 0xDFFF) || c == 0) {
			goto bad;
		}
		if (utf8_len_of(c) > cap - 1 - o)
			goto bad;
		o += put_utf8(out + o, c);
	}
	out[o] = 0;
	if (out_len)
		*out_len = o;
	return out;
bad:
	free(out);
	return NULL;
}

uint32_t utf8_next(const char **sp, const char *end)
{
	const unsigned char *s = (const unsigned char *)*sp;
	const unsigned char *e = (const unsigned char *)end;
	if (s >= e)
		return 0xFFFFFFFFu;
	uint32_t c = s[0];
	size_t n;
	uint32_t min;
	if (c < 0x80) {
		*sp += 1;
		return c;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2, c &= 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, c &= 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0xFFFFFFFFu;
	}
	if ((size_t)(e - s) < n)
		return 0xFFFFFFFFu;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0xFFFFFFFFu;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0xFFFFFFFFu;
	*sp += n;
	return c;
}

size_t utf16le_size(const char *s, size_t len)
{
	const char *end = s + len;
	size_t n = 0;
	while (s < end) {
		uint32_t c = utf8_next(&s, end);
		if (c == 0xFFFFFFFFu)
			return SIZE_MAX;
		n += c >= 0x10000 ? 4 : 2;
	}
	return n;
}

bool buf_put_utf16le(struct buf *b, const char *s, size_t len)
{
	const char *end = s + len;
	while (s < end) {
		uint32_t c = utf8_next(&s, end);
		if (c == 0xFFFFFFFFu)
			return false;
		if (c >= 0x10000) {
			c -= 0x10000;
			buf_le16(b, (uint16_t)(0xD800 + (c >> 10)));
			buf_le16(b, (uint16_t)(0xDC00 + (c & 0x3FF)));
		} else {
			buf_le16(b, (uint16_t)c);
		}
	}
	return true;
}

uint32_t unicode_toupper(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 32;
	if (c < 0xE0)
		return c;
	if ((c >= 0xE0 && c <= 0xFE && c != 0xF7))
		return c - 32;
	if (c == 0xFF)
		return 0x178;
	if (c >= 0x100 && c <= 0x17F) {
		/* Latin Extended-A: mostly pairs (even upper, odd lower). */
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
			return (c % 2 == 0) ? c - 1 : c;
		if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F)
			return c;
		return (c % 2 == 1) ? c - 1 : c;
	}
	if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
		return c - 32;
	if (c >= 0x430 && c <= 0x44F)
		return c - 32;
	if (c >= 0x450 && c <= 0x45F)
		return c - 80;
	if (c >= 0xFF41 && c <= 0xFF5A)
		return c - 32;
	return c;
}

int utf8_casecmp(const char *a, const char *b)
{
	const char *ae = a + strlen(a), *be = b + strlen(b);
	while (a < ae && b < be) {
		uint32_t x = utf8_next(&a, ae), y = utf8_next(&b, be);
		if (x == 0xFFFFFFFFu || y == 0xFFFFFFFFu)
			return x == y ? strcmp(a, b) : (x < y ? -1 : 1);
		x = unicode_toupper(x);
		y = unicode_toupper(y);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return (a < ae) - (b < be);
}
