/* srvsvc (MS-SRVS): share enumeration and lookup, and the server's own
 * description, enough for smbclient -L, net view and Explorer.
 *
 * The SHARE_INFO_* structures differ only in which fields they carry, so
 * one table of field lists (share_levels) drives both encoding them and
 * skipping them in requests (an [in,out] container may, in principle,
 * arrive filled in). */
#include <stdlib.h>
#include <string.h>

#include "common/utf16.h"
#include "rpc/rpc_iface.h"

/* MS-SRVS 2.2.2.4 (platform id), 2.2.2.7 (server types). */
#define PLATFORM_ID_NT		500u
#define SV_TYPE_WORKSTATION	0x00000001u
#define SV_TYPE_SERVER		0x00000002u
#define SV_TYPE_NT		0x00001000u
#define SV_TYPE_SERVER_NT	0x00008000u
#define SHI_USES_UNLIMITED	0xFFFFFFFFu
#define MAX_PREFERRED_LENGTH	0xFFFFFFFFu
#define SERVER_COMMENT		"daxsmb"

enum share_field {
	F_END,
	F_NETNAME, F_TYPE, F_REMARK, F_PERMISSIONS, F_MAX_USES, F_CURRENT_USES,
	F_PATH, F_PASSWD, F_SERVERNAME, F_RESERVED, F_SD, F_FLAGS,
};

struct share_level {
	uint32_t level;
	bool in_enum;			/* has a SHARE_ENUM_UNION arm */
	enum share_field fields[12];	/* F_END terminated */
};

/* MS-SRVS 2.2.4.22 .. 2.2.4.29. */
static const struct share_level share_levels[] = {
	{ 0, true, { F_NETNAME } },
	{ 1, true, { F_NETNAME, F_TYPE, F_REMARK } },
	{ 2, true, { F_NETNAME, F_TYPE, F_REMARK, F_PERMISSIONS, F_MAX_USES,
		     F_CURRENT_USES, F_PATH, F_PASSWD } },
	{ 501, true, { F_NETNAME, F_TYPE, F_REMARK, F_FLAGS } },
	{ 502, true, { F_NETNAME, F_TYPE, F_REMARK, F_PERMISSIONS, F_MAX_USES,
		       F_CURRENT_USES, F_PATH, F_PASSWD, F_RESERVED, F_SD } },
	{ 503, true, { F_NETNAME, F_TYPE, F_REMARK, F_PERMISSIONS, F_MAX_USES,
		       F_CURRENT_USES, F_PATH, F_PASSWD, F_SERVERNAME, F_RESERVED,
		       F_SD } },
	{ 1005, false, { F_FLAGS } },
};

static const struct share_level *share_level_find(uint32_t level)
{
	for (size_t i = 0; i < sizeof(share_levels) / sizeof(share_levels[0]); i++)
		if (share_levels[i].level == level)
			return &share_levels[i];
	return NULL;
}

static bool field_is_string(enum share_field f)
{
	return f == F_NETNAME || f == F_REMARK || f == F_PATH || f == F_PASSWD ||
	       f == F_SERVERNAME;
}

static bool field_is_ptr(enum share_field f)
{
	return field_is_string(f) || f == F_SD;
}

/* The string a pointer field refers to; NULL for a NULL pointer.  We never
 * reveal share passwords (there are none) nor security descriptors. */
static const char *share_str(const struct rpc_share *s, enum share_field f)
{
	switch (f) {
	case F_NETNAME: return s->name ? s->name : "";
	case F_REMARK: return s->comment ? s->comment : "";
	case F_PATH: return s->path ? s->path : "";
	case F_SERVERNAME: return "*";	/* MS-SRVS 2.2.4.27: no scoped name */
	default: return NULL;
	}
}

static uint32_t share_u32(const struct rpc_share *s, enum share_field f)
{
	switch (f) {
	case F_TYPE: return s->type;
	case F_MAX_USES: return SHI_USES_UNLIMITED;
	default: return 0;	/* permissions, current uses, reserved, flags */
	}
}

/* Flat part of one SHARE_INFO_x (all fields are 4 bytes). */
static void put_share_flat(struct ndr_w *w, const struct share_level *lv,
			   const struct rpc_share *s)
{
	for (const enum share_field *f = lv->fields; *f != F_END; f++) {
		if (field_is_ptr(*f))
			ndr_put_ptr(w, share_str(s, *f) != NULL);
		else
			ndr_put_u32(w, share_u32(s, *f));
	}
}

/* Deferred referents of one SHARE_INFO_x, in field order (C706 14.3.12.3). */
static void put_share_deferred(struct ndr_w *w, const struct share_level *lv,
			       const struct rpc_share *s)
{
	for (const enum share_field *f = lv->fields; *f != F_END; f++) {
		const char *str = field_is_ptr(*f) ? share_str(s, *f) : NULL;
		if (str)
			ndr_put_wstring(w, str);
	}
}

static size_t share_wire_size(const struct share_level *lv, const struct rpc_share *s)
{
	size_t n = 0;
	for (const enum share_field *f = lv->fields; *f != F_END; f++) {
		n += 4;
		const char *str = field_is_ptr(*f) ? share_str(s, *f) : NULL;
		if (str)
			n += ndr_wstring_size(str);
	}
	return n;
}

/* Skips a SHARE_INFO_x_CONTAINER sent by the client: EntriesRead, then a
 * unique pointer to a conformant array of entries whose embedded pointers'
 * referents follow the flat entries. */
static void skip_share_container(struct cur *c, const struct share_level *lv)
{
	uint32_t count = ndr_get_u32(c);
	if (!ndr_get_ptr(c))
		return;
	uint32_t max_count = ndr_get_u32(c);
	size_t nfields = 0;
	while (lv->fields[nfields] != F_END)
		nfields++;
	if (!cur_ok(c) || max_count != count ||
	    (uint64_t)count * nfields * 4 > cur_left(c)) {
		c->err = true;
		return;
	}
	struct cur flat = *c;
	cur_skip(c, (size_t)count * nfields * 4);
	for (uint32_t i = 0; i < count && cur_ok(c); i++) {
		for (size_t k = 0; k < nfields; k++) {
			uint32_t v = cur_le32(&flat);
			if (!v || !field_is_ptr(lv->fields[k]))
				continue;
			if (lv->fields[k] == F_SD)
				ndr_skip_byte_array(c);
			else
				ndr_get_wstring(c, NDR_MAX_STRING_UNITS, NULL);
		}
	}
}

/* [in, string, unique] SRVSVC_HANDLE ServerName: validated, not used. */
static void skip_server_name(struct cur *c)
{
	if (ndr_get_ptr(c))
		ndr_get_wstring(c, NDR_MAX_STRING_UNITS, NULL);
}

/* Stubs may carry alignment padding at the end; anything more is not ours. */
static bool stub_done(const struct cur *c)
{
	return cur_ok(c) && cur_left(c) < 8;
}

/* MS-SRVS 3.1.4.8 NetrShareEnum (opnum 15; NetShareEnumAll to Samba). */
static uint32_t srvsvc_share_enum_all(const struct rpc_env *env, struct cur *in,
				      struct ndr_w *out)
{
	skip_server_name(in);
	uint32_t level = ndr_get_u32(in);
	uint32_t tag = ndr_get_u32(in);
	if (!cur_ok(in))
		return NCA_S_FAULT_NDR;
	const struct share_level *lv = share_level_find(tag);
	if (!lv || !lv->in_enum)
		return NCA_S_FAULT_INVALID_TAG;	/* no arm: cannot unmarshal */
	if (tag != level)
		return NCA_S_FAULT_NDR;
	if (ndr_get_ptr(in))
		skip_share_container(in, lv);
	uint32_t pref_max = ndr_get_u32(in);
	bool has_resume = ndr_get_ptr(in) != 0;
	uint32_t resume = has_resume ? ndr_get_u32(in) : 0;
	if (!stub_done(in))
		return NCA_S_FAULT_NDR;

	/* Pick entries from the resume point while they fit the client's
	 * preferred size (at least one, MS-SRVS 3.1.4.8) and our own cap. */
	size_t total = env->share_count;
	size_t first = resume < total ? resume : total;
	size_t n = 0, used = 64;
	for (size_t i = first; i < total; i++) {
		size_t sz = share_wire_size(lv, &env->shares[i]);
		if (used + sz > RPC_MAX_RESPONSE_STUB - 64)
			break;
		if (n > 0 && pref_max != MAX_PREFERRED_LENGTH && used + sz > pref_max)
			break;
		used += sz;
		n++;
	}
	bool more = first + n < total;

	ndr_put_u32(out, level);
	ndr_put_u32(out, level);		/* union discriminant */
	ndr_put_ptr(out, true);			/* SHARE_INFO_x_CONTAINER* */
	ndr_put_u32(out, (uint32_t)n);		/* EntriesRead */
	ndr_put_ptr(out, n > 0);		/* Buffer */
	if (n > 0) {
		ndr_put_u32(out, (uint32_t)n);	/* conformance */
		for (size_t i = 0; i < n; i++)
			put_share_flat(out, lv, &env->shares[first + i]);
		for (size_t i = 0; i < n; i++)
			put_share_deferred(out, lv, &env->shares[first + i]);
	}
	ndr_put_u32(out, (uint32_t)total);	/* TotalEntries */
	if (has_resume) {
		ndr_put_ptr(out, true);
		ndr_put_u32(out, more ? (uint32_t)(first + n) : 0);
	} else {
		ndr_put_ptr(out, false);
	}
	ndr_put_u32(out, more ? WERR_MORE_DATA : WERR_OK);
	return 0;
}

static const struct rpc_share *share_lookup(const struct rpc_env *env, const char *name)
{
	for (size_t i = 0; name && i < env->share_count; i++)
		if (env->shares[i].name && utf8_casecmp(env->shares[i].name, name) == 0)
			return &env->shares[i];
	return NULL;
}

/* MS-SRVS 3.1.4.10 NetrShareGetInfo (opnum 16). */
static uint32_t srvsvc_share_get_info(const struct rpc_env *env, struct cur *in,
				      struct ndr_w *out)
{
	skip_server_name(in);
	char *name = NULL;
	ndr_get_wstring(in, NDR_MAX_STRING_UNITS, &name);	/* [in, string] ref */
	uint32_t level = ndr_get_u32(in);
	if (!stub_done(in)) {
		free(name);
		return NCA_S_FAULT_NDR;
	}
	const struct share_level *lv = share_level_find(level);
	const struct rpc_share *s = share_lookup(env, name);
	free(name);

	ndr_put_u32(out, level);	/* union discriminant */
	if (!lv) {
		/* SHARE_INFO's [default] arm is empty. */
		ndr_put_u32(out, WERR_INVALID_LEVEL);
		return 0;
	}
	ndr_put_ptr(out, s != NULL);
	if (s) {
		put_share_flat(out, lv, s);
		put_share_deferred(out, lv, s);
	}
	ndr_put_u32(out, s ? WERR_OK : WERR_NET_NAME_NOT_FOUND);
	return 0;
}

/* MS-SRVS 3.1.4.17 NetrServerGetInfo (opnum 21): levels 100 and 101
 * (SERVER_INFO_100 / _101, 2.2.4.40 / 2.2.4.41). */
static uint32_t srvsvc_server_get_info(const struct rpc_env *env, struct cur *in,
				       struct ndr_w *out)
{
	skip_server_name(in);
	uint32_t level = ndr_get_u32(in);
	if (!stub_done(in))
		return NCA_S_FAULT_NDR;
	const char *name = env->server_name ? env->server_name : "";

	ndr_put_u32(out, level);
	if (level != 100 && level != 101) {
		/* Empty [default] arm, as for SHARE_INFO. */
		ndr_put_u32(out, WERR_INVALID_LEVEL);
		return 0;
	}
	ndr_put_ptr(out, true);
	ndr_put_u32(out, PLATFORM_ID_NT);
	ndr_put_ptr(out, true);		/* sv10x_name */
	if (level == 101) {
		ndr_put_u32(out, 10);	/* version 10.0 */
		ndr_put_u32(out, 0);
		ndr_put_u32(out, SV_TYPE_WORKSTATION | SV_TYPE_SERVER | SV_TYPE_NT |
				   SV_TYPE_SERVER_NT);
		ndr_put_ptr(out, true);	/* sv101_comment */
	}
	ndr_put_wstring(out, name);
	if (level == 101)
		ndr_put_wstring(out, SERVER_COMMENT);
	ndr_put_u32(out, WERR_OK);
	return 0;
}

static const rpc_op_fn srvsvc_ops[] = {
	[15] = srvsvc_share_enum_all,
	[16] = srvsvc_share_get_info,
	[21] = srvsvc_server_get_info,
};

const struct rpc_iface rpc_srvsvc_iface = {
	.pipe_name = "srvsvc",
	.sec_addr = "\\PIPE\\srvsvc",
	/* 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0 */
	.syntax = { { 0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01,
		      0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88 }, 3, 0 },
	.ops = srvsvc_ops,
	.op_count = sizeof(srvsvc_ops) / sizeof(srvsvc_ops[0]),
};
