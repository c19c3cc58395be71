/* Parsing of the command line's SMB URLs, user strings and sizes. */
#include "client/url.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

static int is_sep(char c)
{
	return c == '/' || c == '\\';
}

int smb_url_parse(const char *s, struct smb_url *u, char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	if (!strncmp(s, "smb://", 6))
		s += 6;
	else if (is_sep(s[0]) && is_sep(s[1]))
		s += 2;
	else
		return fail(err, errlen, "expected //HOST[:PORT]/SHARE[/PATH]");

	/* host, [v6] or name/v4 */
	const char *h = s, *hend;
	if (*s == '[') {
		hend = strchr(s, ']');
		if (!hend)
			return fail(err, errlen, "unterminated [ in host");
		h = s + 1;
		s = hend + 1;
	} else {
		while (*s && !is_sep(*s) && *s != ':')
			s++;
		hend = s;
	}
	size_t hl = (size_t)(hend - h);
	if (hl == 0 || hl >= sizeof(u->host))
		return fail(err, errlen, "missing or too long host");
	memcpy(u->host, h, hl);
	u->host[hl] = 0;

	if (*s == ':') {
		s++;
		char *end;
		long p = strtol(s, &end, 10);
		if (end == s || p <= 0 || p > 65535 || (*end && !is_sep(*end)))
			return fail(err, errlen, "bad port");
		u->port = (uint16_t)p;
		s = end;
	}
	if (!is_sep(*s))
		return fail(err, errlen, "missing share name");
	while (is_sep(*s))
		s++;
	const char *sh = s;
	while (*s && !is_sep(*s))
		s++;
	size_t sl = (size_t)(s - sh);
	if (sl == 0 || sl >= sizeof(u->share))
		return fail(err, errlen, "missing or too long share name");
	memcpy(u->share, sh, sl);
	u->share[sl] = 0;

	/* path: collapse separators to single '/' */
	size_t o = 0;
	while (*s) {
		while (is_sep(*s))
			s++;
		if (!*s)
			break;
		if (o) {
			if (o + 1 >= sizeof(u->path))
				return fail(err, errlen, "path too long");
			u->path[o++] = '/';
		}
		while (*s && !is_sep(*s)) {
			if (o + 1 >= sizeof(u->path))
				return fail(err, errlen, "path too long");
			u->path[o++] = *s++;
		}
	}
	u->path[o] = 0;
	return 0;
}

void smb_url_target(const struct smb_url *u, char *out, size_t n)
{
	int v6 = strchr(u->host, ':') != NULL;
	if (u->port)
		snprintf(out, n, v6 ? "//[%s]:%u/%s" : "//%s:%u/%s", u->host, u->port, u->share);
	else
		snprintf(out, n, v6 ? "//[%s]/%s" : "//%s/%s", u->host, u->share);
}

int smb_parse_user(const char *s, char *buf, size_t n, const char **domain, const char **user,
		   const char **pass)
{
	size_t l = strlen(s);
	if (l + 1 > n)
		return -1;
	memcpy(buf, s, l + 1);
	*domain = "";
	*pass = NULL;
	char *pct = strchr(buf, '%');
	if (pct) {
		*pct = 0;
		*pass = pct + 1;
	}
	char *sep = strpbrk(buf, "\\/");
	if (sep) {
		*sep = 0;
		*domain = buf;
		*user = sep + 1;
	} else {
		*user = buf;
	}
	return **user ? 0 : -1;
}

int64_t parse_size(const char *s)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	switch (tolower((unsigned char)*end)) {
	case 0: break;
	case 'k': shift = 10; end++; break;
	case 'm': shift = 20; end++; break;
	case 'g': shift = 30; end++; break;
	default: return -1;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || v > (1ULL << 40))
		return -1;
	return (int64_t)(v << shift);
}
