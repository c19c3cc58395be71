/* Hex helper for known-answer tests. */
#ifndef DAX_TEST_HEX_H
#define DAX_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	while (s[0] && s[1]) {
		unsigned v;
		char t[3] = { s[0], s[1], 0 };
		if (s[0] == ' ') {
			s++;
			continue;
		}
		sscanf(t, "%2x", &v);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

#endif
