/* wkssvc (MS-WKST): NetrWkstaGetInfo level 100, which some clients ask for
 * while browsing. */
#include "rpc/rpc_iface.h"

#define PLATFORM_ID_NT	500u
#define WKSSVC_LANGROUP	"WORKGROUP"

/* MS-WKST 3.2.4.1 NetrWkstaGetInfo (opnum 0); WKSTA_INFO_100 (2.2.5.1). */
static uint32_t wkssvc_wksta_get_info(const struct rpc_env *env, struct cur *in,
				      struct ndr_w *out)
{
	if (ndr_get_ptr(in))	/* [in, string, unique] ServerName */
		ndr_get_wstring(in, NDR_MAX_STRING_UNITS, NULL);
	uint32_t level = ndr_get_u32(in);
	if (!cur_ok(in) || cur_left(in) >= 8)
		return NCA_S_FAULT_NDR;

	ndr_put_u32(out, level);	/* union discriminant */
	if (level != 100) {
		ndr_put_u32(out, WERR_INVALID_LEVEL);	/* empty [default] arm */
		return 0;
	}
	ndr_put_ptr(out, true);
	ndr_put_u32(out, PLATFORM_ID_NT);
	ndr_put_ptr(out, true);		/* wki100_computername */
	ndr_put_ptr(out, true);		/* wki100_langroup */
	ndr_put_u32(out, 10);		/* version 10.0 */
	ndr_put_u32(out, 0);
	ndr_put_wstring(out, env->server_name ? env->server_name : "");
	ndr_put_wstring(out, WKSSVC_LANGROUP);
	ndr_put_u32(out, WERR_OK);
	return 0;
}

static const rpc_op_fn wkssvc_ops[] = {
	[0] = wkssvc_wksta_get_info,
};

const struct rpc_iface rpc_wkssvc_iface = {
	.pipe_name = "wkssvc",
	.sec_addr = "\\PIPE\\wkssvc",
	/* 6bffd098-a112-3610-9833-46c3f87e345a v1.0 */
	.syntax = { { 0x98, 0xd0, 0xff, 0x6b, 0x12, 0xa1, 0x10, 0x36,
		      0x98, 0x33, 0x46, 0xc3, 0xf8, 0x7e, 0x34, 0x5a }, 1, 0 },
	.ops = wkssvc_ops,
	.op_count = sizeof(wkssvc_ops) / sizeof(wkssvc_ops[0]),
};
