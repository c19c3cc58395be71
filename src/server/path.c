/* SMB names to share-relative paths, and Windows wildcard matching. */
#include <stdlib.h>
#include <string.h>

#include "common/utf16.h"
#include "server/srv.h"

#define MAX_PATH_BYTES 4096
#define MAX_COMPONENT 255

NTSTATUS srv_path_from_wire(const uint8_t *name, size_t len, char **out)
{
	*out = NULL;
	if (len % 2)
		return STATUS_OBJECT_NAME_INVALID;
	if (len == 0) {
		*out = strdup("");
		return *out ? STATUS_SUCCESS : STATUS_NO_MEMORY;
	}
	size_t n;
	char *p = utf16le_to_utf8(name, len, MAX_PATH_BYTES, &n);
	if (!p)
		return len / 2 * 3 > MAX_PATH_BYTES ? STATUS_NAME_TOO_LONG : STATUS_OBJECT_NAME_INVALID;
	/* MS-SMB2 3.3.5.9: a name may not start with a separator. */
	if (p[0] == '\\') {
		free(p);
		return STATUS_INVALID_PARAMETER;
	}
	/* A trailing separator names the same object. */
	while (n && p[n - 1] == '\\')
		p[--n] = 0;
	/* A stream suffix naming the default data stream is the file itself. */
	if (n >= 7 && !strcmp(p + n - 7, "::$DATA")) {
		n -= 7;
		p[n] = 0;
	}
	size_t comp = 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (ch == '\\' || ch == 0) {
			size_t start = i - comp;
			if (comp == 0 && n)
				goto invalid;
			if (comp == 1 && p[start] == '.')
				goto invalid;
			if (comp == 2 && p[start] == '.' && p[start + 1] == '.') {
				free(p);
				return STATUS_OBJECT_PATH_SYNTAX_BAD;
			}
			if (comp > MAX_COMPONENT)
				goto invalid;
			if (ch == '\\')
				p[i] = '/';
			comp = 0;
			continue;
		}
		if (ch < 0x20 || strchr("\"*/:<>?|", ch))
			goto invalid;
		comp++;
	}
	*out = p;
	return STATUS_SUCCESS;
invalid:
	free(p);
	return STATUS_OBJECT_NAME_INVALID;
}

#define DOS_STAR '<'
#define DOS_QM '>'
#define DOS_DOT '"'

static size_t decode(const char *s, uint32_t *out, size_t max)
{
	const char *end = s + strlen(s);
	size_t n = 0;
	while (s < end && n < max) {
		uint32_t c = utf8_next(&s, end);
		if (c == 0xFFFFFFFFu)
			break;
		out[n++] = unicode_toupper(c);
	}
	return n;
}

/* Failed (pattern, name) suffix pairs, so that patterns with many stars
 * cost O(pattern * name) instead of exponential time. */
struct memo {
	uint8_t failed[(MAX_COMPONENT + 2) * (MAX_COMPONENT + 2) / 8 + 1];
};

static bool match(struct memo *m, const uint32_t *p, size_t pn, const uint32_t *s, size_t sn);

static bool match_memo(struct memo *m, const uint32_t *p, size_t pn, const uint32_t *s, size_t sn)
{
	size_t k = pn * (MAX_COMPONENT + 2) + sn;
	if (m->failed[k / 8] & (1u << (k % 8)))
		return false;
	if (match(m, p, pn, s, sn))
		return true;
	m->failed[k / 8] |= (uint8_t)(1u << (k % 8));
	return false;
}

/* MS-FSCC 2.1.4.4 (FsRtlIsNameInExpression semantics). */
static bool match(struct memo *m, const uint32_t *p, size_t pn, const uint32_t *s, size_t sn)
{
	while (pn) {
		uint32_t pc = p[0];
		if (pc == '*') {
			if (pn == 1)
				return true;
			for (size_t k = 0; k <= sn; k++)
				if (match_memo(m, p + 1, pn - 1, s + k, sn - k))
					return true;
			return false;
		}
		if (pc == DOS_STAR) {
			/* Zero or more characters up to the final '.' of the name. */
			size_t last_dot = sn;
			for (size_t k = 0; k < sn; k++)
				if (s[k] == '.')
					last_dot = k;
			for (size_t k = 0; k <= sn; k++) {
				if (k > last_dot && last_dot != sn)
					break;
				if (match_memo(m, p + 1, pn - 1, s + k, sn - k))
					return true;
			}
			return false;
		}
		if (pc == DOS_QM) {
			if (sn == 0 || s[0] == '.')
				return match_memo(m, p + 1, pn - 1, s, sn);
			if (match_memo(m, p + 1, pn - 1, s + 1, sn - 1))
				return true;
			return false;
		}
		if (pc == DOS_DOT) {
			if (sn == 0)
				return match_memo(m, p + 1, pn - 1, s, sn);
			if (s[0] == '.')
				return match_memo(m, p + 1, pn - 1, s + 1, sn - 1);
			return false;
		}
		if (sn == 0)
			return false;
		if (pc != '?' && pc != s[0])
			return false;
		p++, pn--, s++, sn--;
	}
	return sn == 0;
}

bool srv_wildcard_match(const char *pattern, const char *name)
{
	if (!strcmp(pattern, "*") || !strcmp(pattern, "*.*") || !strcmp(pattern, "<.*"))
		return true;
	if (!strpbrk(pattern, "*?<>\""))
		return utf8_casecmp(pattern, name) == 0;
	uint32_t p[MAX_COMPONENT + 1], s[MAX_COMPONENT + 1];
	size_t pn = decode(pattern, p, MAX_COMPONENT + 1);
	size_t sn = decode(name, s, MAX_COMPONENT + 1);
	struct memo *m = calloc(1, sizeof(*m));
	if (!m)
		return false;
	bool ok = match(m, p, pn, s, sn);
	free(m);
	return ok;
}
