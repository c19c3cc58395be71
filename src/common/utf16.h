/* UTF-16LE (wire) <-> UTF-8 (host) conversion.  Invalid input (unpaired
 * surrogates, embedded NUL, odd byte counts) is refused, never repaired. */
#ifndef DAX_UTF16_H
#define DAX_UTF16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Converts n bytes of UTF-16LE into a malloc'd NUL-terminated UTF-8 string.
 * Returns NULL if n is odd, the input is invalid, contains U+0000, or the
 * result would exceed max_out bytes.  *out_len gets strlen if not NULL. */
char *utf16le_to_utf8(const uint8_t *in, size_t n, size_t max_out, size_t *out_len);
/* Appends the UTF-16LE form of len bytes of UTF-8 (no terminator). Returns
 * false on invalid UTF-8 (b's error is not set for that). */
bool buf_put_utf16le(struct buf *b, const char *s, size_t len);
/* Number of bytes the UTF-16LE form of s would take, or SIZE_MAX if invalid. */
size_t utf16le_size(const char *s, size_t len);
/* Simple Unicode upper-casing for case-insensitive name matching (ASCII and
 * Latin-1/Latin Extended-A/Greek/Cyrillic basics). */
uint32_t unicode_toupper(uint32_t c);
/* Decodes one UTF-8 code point at *s (advancing it); returns 0xFFFFFFFF on
 * invalid input. */
uint32_t utf8_next(const char **s, const char *end);
/* Case-insensitive comparison of two UTF-8 strings; 0 when equal. */
int utf8_casecmp(const char *a, const char *b);

#endif
