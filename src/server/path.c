/* SMB names to share-relative paths, and Windows wildcard matching. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/utf16.h"
#include "server/srv.h"

#define MAX_PATH_BYTES 4096
#define MAX_COMPONENT 255

/* The default data stream's suffix and type (MS-FSCC 2.1.5). */
#define DATA_TYPE "$DATA"
/* A stream name becomes part of an xattr name (user.DAXSMB.stream.NAME,
 * at most XATTR_NAME_MAX = 255 bytes in all): names are capped below. */
#define MAX_STREAM_BYTES 236

/* Splits "name:stream:type" (MS-FSCC 2.1.5.1 / MS-FSA 2.1.5.1): the
 * stream part may hold anything but ':', '/', '\\' and NUL; the type, if
 * given, must be $DATA (any case).  "file:" and "file:s:" (empty type),
 * "file:s:$FOO" and a ':' in a directory component are
 * OBJECT_NAME_INVALID.  *colon is cut to end the file part. */
static NTSTATUS split_stream(char *colon, struct srv_name *out)
{
	*colon = 0;
	char *sname = colon + 1;
	if (strchr(sname, '\\') || strchr(sname, '/'))
		return STATUS_OBJECT_NAME_INVALID;
	char *type = strchr(sname, ':');
	if (type) {
		*type++ = 0;
		if (strcasecmp(type, DATA_TYPE))
			return STATUS_OBJECT_NAME_INVALID;
	}
	if (!*sname) {
		if (!type)
			return STATUS_OBJECT_NAME_INVALID; /* "file:" */
		out->data_suffix = true;           /* "file::$DATA" */
		return STATUS_SUCCESS;
	}
	if (strlen(sname) > MAX_STREAM_BYTES)
		return STATUS_OBJECT_NAME_INVALID;
	out->stream = strdup(sname);
	return out->stream ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

void srv_name_free(struct srv_name *n)
{
	free(n->path);
	free(n->stream);
	memset(n, 0, sizeof(*n));
}

NTSTATUS srv_name_from_wire(const uint8_t *name, size_t len, struct srv_name *out)
{
	memset(out, 0, sizeof(*out));
	if (len % 2)
		return STATUS_OBJECT_NAME_INVALID;
	if (len == 0) {
		out->path = strdup("");
		return out->path ? STATUS_SUCCESS : STATUS_NO_MEMORY;
	}
	size_t n;
	char *p = utf16le_to_utf8(name, len, MAX_PATH_BYTES, &n);
	if (!p)
		return len / 2 * 3 > MAX_PATH_BYTES ? STATUS_NAME_TOO_LONG : STATUS_OBJECT_NAME_INVALID;
	/* MS-SMB2 3.3.5.9: a name may not start with a separator. */
	if (p[0] == '\\' || p[0] == '/') {
		free(p);
		return STATUS_INVALID_PARAMETER;
	}
	NTSTATUS st;
	char *colon = strchr(p, ':');
	if (colon) {
		st = split_stream(colon, out);
		if (st)
			goto fail;
		n = strlen(p);
	}
	/* A trailing separator names the same object. */
	while (n && (p[n - 1] == '\\' || p[n - 1] == '/'))
		p[--n] = 0;
	if (!n && colon) {
		st = STATUS_OBJECT_NAME_INVALID; /* ":stream" of nothing */
		goto fail;
	}
	size_t comp = 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned char ch = (unsigned char)p[i];
		/* '/' separates like '\\' (as Samba does for SMB2 names). */
		if (ch == '\\' || ch == '/' || ch == 0) {
			size_t start = i - comp;
			st = STATUS_OBJECT_NAME_INVALID;
			if (comp == 0 && n)
				goto fail;
			if (comp == 1 && p[start] == '.')
				goto fail;
			if (comp == 2 && p[start] == '.' && p[start + 1] == '.') {
				st = STATUS_OBJECT_PATH_SYNTAX_BAD;
				goto fail;
			}
			if (comp > MAX_COMPONENT)
				goto fail;
			if (ch)
				p[i] = '/';
			comp = 0;
			continue;
		}
		if (ch < 0x20 || strchr("\"*:<>?|", ch)) {
			st = STATUS_OBJECT_NAME_INVALID;
			goto fail;
		}
		comp++;
	}
	out->path = p;
	return STATUS_SUCCESS;
fail:
	free(p);
	srv_name_free(out);
	return st;
}

NTSTATUS srv_path_from_wire(const uint8_t *name, size_t len, char **out)
{
	struct srv_name nm;
	*out = NULL;
	NTSTATUS st = srv_name_from_wire(name, len, &nm);
	if (st)
		return st;
	if (nm.stream) {
		srv_name_free(&nm);
		return STATUS_OBJECT_NAME_INVALID;
	}
	*out = nm.path;
	return STATUS_SUCCESS;
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
