/* Helpers shared by the codec's files; not part of the codec's API. */
#ifndef DAX_PROTO_INT_H
#define DAX_PROTO_INT_H

#include "common/cursor.h"

/* A variable field given by (off, len) from the wire, relative to the
 * message: checked once, in 64-bit, against the whole message and against
 * min_off (the end of the fixed part).  A zero length is no field (*p =
 * NULL).  0, or -1 when the range is not inside. */
static inline int body_var(const struct cur *c, size_t min_off, uint64_t off, uint64_t len,
			   const uint8_t **p)
{
	struct cur sub;

	*p = NULL;
	if (len == 0)
		return 0;
	if (off < min_off || !cur_range(c, off, len, &sub))
		return -1;
	*p = sub.base;
	return 0;
}

#endif
