/* Writes the seed corpus for the proto fuzz targets, built with the codec's
 * own encoders (valid messages the fuzzer then mutates).  Run from
 * tests/fuzz/proto: it writes corpus/<target>/<name>. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "proto/fscc.h"
#include "proto/secdesc.h"
#include "proto/smb2.h"

static const uint8_t NAME[] = {'a', 0, '\\', 0, 'b', 0};
static const uint8_t DATA[48] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

static void save(const char *target, const char *name, const struct buf *b)
{
	char path[256];
	snprintf(path, sizeof(path), "corpus/%s", target);
	mkdir("corpus", 0755);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "corpus/%s/%s", target, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b->p, 1, b->len, f) != b->len) {
		perror(path);
		return;
	}
	fclose(f);
}

static void hdr(struct buf *b, uint16_t cmd, uint32_t flags)
{
	struct smb2_hdr h = {.command = cmd, .flags = flags, .credits = 1, .message_id = 1};
	smb2_encode_hdr(b, &h);
}

static void negotiate_req(struct buf *b, bool v311)
{
	struct smb2_negotiate_req r = {.dialect_count = v311 ? 5 : 4, .security_mode = 1,
				       .capabilities = 0x7F, .dialects = {0x202, 0x210, 0x300, 0x302, 0x311}};
	struct buf ctx;
	uint8_t pa[64], enc[16], sg[16];
	size_t pan, encn, sgn;
	buf_init(&ctx, 4096);
	struct smb2_preauth_ctx p = {.hash_count = 1, .hash_algs = {1}, .salt = DATA, .salt_len = 32};
	smb2_encode_preauth_ctx(&ctx, &p);
	memcpy(pa, ctx.p, pan = ctx.len);
	buf_reset(&ctx);
	struct smb2_id_list_ctx e = {.count = 4, .ids = {4, 3, 2, 1}};
	smb2_encode_id_list_ctx(&ctx, &e);
	memcpy(enc, ctx.p, encn = ctx.len);
	buf_reset(&ctx);
	struct smb2_id_list_ctx s = {.count = 3, .ids = {2, 1, 0}};
	smb2_encode_id_list_ctx(&ctx, &s);
	memcpy(sg, ctx.p, sgn = ctx.len);
	buf_free(&ctx);
	r.context_count = v311 ? 3 : 0;
	r.contexts[0] = (struct smb2_neg_context){1, pa, (uint16_t)pan};
	r.contexts[1] = (struct smb2_neg_context){2, enc, (uint16_t)encn};
	r.contexts[2] = (struct smb2_neg_context){8, sg, (uint16_t)sgn};
	smb2_encode_negotiate_req(b, b->len - SMB2_HDR_SIZE, &r);
}

static void negotiate_resp(struct buf *b)
{
	struct smb2_negotiate_resp r = {.security_mode = 1, .dialect = 0x311, .capabilities = 0x2F,
					.max_transact = 1 << 23, .max_read = 1 << 23,
					.max_write = 1 << 23, .security_buffer = DATA,
					.security_buffer_len = 20, .context_count = 2};
	uint8_t pa[] = {1, 0, 4, 0, 1, 0, 9, 9, 9, 9};
	uint8_t enc[] = {1, 0, 2, 0};
	r.contexts[0] = (struct smb2_neg_context){1, pa, sizeof(pa)};
	r.contexts[1] = (struct smb2_neg_context){2, enc, sizeof(enc)};
	smb2_encode_negotiate_resp(b, b->len - SMB2_HDR_SIZE, &r);
}

static void create_req(struct buf *b, size_t h)
{
	struct smb2_create_req r = {.oplock_level = 0xFF, .impersonation_level = 2,
				    .desired_access = 0x12019F, .share_access = 7,
				    .create_disposition = 1, .name = NAME, .name_len = sizeof(NAME),
				    .context_count = 2};
	r.contexts[0] = (struct smb2_create_context){(const uint8_t *)"RqLs", 4, DATA, 32};
	r.contexts[1] = (struct smb2_create_context){(const uint8_t *)"MxAc", 4, NULL, 0};
	smb2_encode_create_req(b, h, &r);
}

int main(void)
{
	struct buf b;
	buf_init(&b, 1 << 16);

	/* fuzz_smb2_req: one seed per request command, and a compound. */
	hdr(&b, SMB2_NEGOTIATE, 0);
	negotiate_req(&b, true);
	save("fuzz_smb2_req", "negotiate311", &b);
	buf_reset(&b);
	hdr(&b, SMB2_NEGOTIATE, 0);
	negotiate_req(&b, false);
	save("fuzz_smb2_req", "negotiate302", &b);
	buf_reset(&b);
	hdr(&b, SMB2_SESSION_SETUP, 0);
	struct smb2_session_setup_req ss = {.security_mode = 1, .token = DATA, .token_len = 40};
	smb2_encode_session_setup_req(&b, 0, &ss);
	save("fuzz_smb2_req", "session_setup", &b);
	buf_reset(&b);
	hdr(&b, SMB2_TREE_CONNECT, 0);
	struct smb2_tree_connect_req tc = {.path = NAME, .path_len = sizeof(NAME)};
	smb2_encode_tree_connect_req(&b, 0, &tc);
	save("fuzz_smb2_req", "tree_connect", &b);
	buf_reset(&b);
	hdr(&b, SMB2_CREATE, 0);
	create_req(&b, 0);
	save("fuzz_smb2_req", "create", &b);
	buf_reset(&b);
	hdr(&b, SMB2_READ, 0);
	struct smb2_read_req rd = {.length = 4096, .file_id = {1, 2}};
	smb2_encode_read_req(&b, 0, &rd);
	save("fuzz_smb2_req", "read", &b);
	buf_reset(&b);
	hdr(&b, SMB2_WRITE, 0);
	struct smb2_write_req wr = {.length = 48, .offset = 10, .file_id = {1, 2}, .data = DATA};
	smb2_encode_write_req(&b, 0, &wr);
	save("fuzz_smb2_req", "write", &b);
	buf_reset(&b);
	hdr(&b, SMB2_LOCK, 0);
	struct smb2_lock_req lk = {.lock_count = 2, .locks = {{0, 10, 2}, {10, 10, 1}}};
	smb2_encode_lock_req(&b, &lk);
	save("fuzz_smb2_req", "lock", &b);
	buf_reset(&b);
	hdr(&b, SMB2_IOCTL, 0);
	struct buf vn;
	buf_init(&vn, 4096);
	struct smb2_validate_negotiate_req v = {.capabilities = 0x7F, .security_mode = 1,
						.dialect_count = 3, .dialects = {0x300, 0x302, 0x311}};
	smb2_encode_validate_negotiate_req(&vn, &v);
	struct smb2_ioctl_req io = {.ctl_code = FSCTL_VALIDATE_NEGOTIATE_INFO,
				    .file_id = {UINT64_MAX, UINT64_MAX}, .input = vn.p,
				    .input_count = (uint32_t)vn.len, .max_output_response = 24,
				    .flags = 1};
	smb2_encode_ioctl_req(&b, 0, &io);
	save("fuzz_smb2_req", "ioctl_vneg", &b);
	buf_free(&vn);
	buf_reset(&b);
	hdr(&b, SMB2_QUERY_DIRECTORY, 0);
	struct smb2_query_directory_req qd = {.info_class = 37, .pattern = (const uint8_t *)"*\0",
					      .pattern_len = 2, .output_buffer_length = 65536};
	smb2_encode_query_directory_req(&b, 0, &qd);
	save("fuzz_smb2_req", "query_directory", &b);
	buf_reset(&b);
	hdr(&b, SMB2_SET_INFO, 0);
	struct buf ri;
	buf_init(&ri, 4096);
	struct fscc_rename_info rn = {.replace_if_exists = 1, .name = NAME, .name_len = sizeof(NAME)};
	fscc_encode_rename_info(&ri, &rn);
	struct smb2_set_info_req si = {.info_type = 1, .file_info_class = 10, .buffer = ri.p,
				       .buffer_len = (uint32_t)ri.len};
	smb2_encode_set_info_req(&b, 0, &si);
	save("fuzz_smb2_req", "set_info_rename", &b);
	buf_free(&ri);
	buf_reset(&b);
	/* compound: create + query_info + close, related */
	hdr(&b, SMB2_CREATE, 0);
	create_req(&b, 0);
	buf_align(&b, 0, 8);
	size_t second = b.len;
	buf_set_le32(&b, 20, (uint32_t)second);
	hdr(&b, SMB2_QUERY_INFO, SMB2_FLAGS_RELATED_OPERATIONS);
	struct smb2_query_info_req qi = {.info_type = 1, .file_info_class = 18,
					 .output_buffer_length = 4096, .file_id = {UINT64_MAX, UINT64_MAX}};
	smb2_encode_query_info_req(&b, second, &qi);
	buf_align(&b, 0, 8);
	size_t third = b.len;
	buf_set_le32(&b, second + 20, (uint32_t)(third - second));
	hdr(&b, SMB2_CLOSE, SMB2_FLAGS_RELATED_OPERATIONS);
	struct smb2_close_req cl = {.flags = 1, .file_id = {UINT64_MAX, UINT64_MAX}};
	smb2_encode_close_req(&b, &cl);
	save("fuzz_smb2_req", "compound", &b);
	buf_reset(&b);

	/* fuzz_smb2_resp */
	hdr(&b, SMB2_NEGOTIATE, 1);
	negotiate_resp(&b);
	save("fuzz_smb2_resp", "negotiate", &b);
	buf_reset(&b);
	hdr(&b, SMB2_CREATE, 1);
	struct smb2_create_resp cr = {.create_action = 2, .file_id = {3, 4}, .context_count = 1};
	cr.contexts[0] = (struct smb2_create_context){(const uint8_t *)"MxAc", 4, DATA, 8};
	smb2_encode_create_resp(&b, 0, &cr);
	save("fuzz_smb2_resp", "create", &b);
	buf_reset(&b);
	hdr(&b, SMB2_READ, 1);
	struct smb2_read_resp rr = {.data_length = 16};
	smb2_encode_read_resp_fixed(&b, &rr);
	buf_bytes(&b, DATA, 16);
	save("fuzz_smb2_resp", "read", &b);
	buf_reset(&b);
	hdr(&b, SMB2_IOCTL, 1);
	struct smb2_ioctl_resp ior = {.ctl_code = FSCTL_VALIDATE_NEGOTIATE_INFO, .output = DATA,
				      .output_count = 24};
	smb2_encode_ioctl_resp(&b, 0, &ior);
	save("fuzz_smb2_resp", "ioctl", &b);
	buf_reset(&b);
	hdr(&b, SMB2_QUERY_INFO, 1);
	struct smb2_output_resp o = {.data = DATA, .data_len = 40};
	smb2_encode_output_resp(&b, 0, &o);
	save("fuzz_smb2_resp", "output", &b);
	buf_reset(&b);
	hdr(&b, SMB2_SESSION_SETUP, 1);
	struct smb2_session_setup_resp ssr = {.token = DATA, .token_len = 30};
	smb2_encode_session_setup_resp(&b, 0, &ssr);
	save("fuzz_smb2_resp", "session_setup", &b);
	buf_reset(&b);

	/* fuzz_create_ctx: a bare chain */
	struct smb2_create_context cc[3] = {
		{(const uint8_t *)"DH2Q", 4, DATA, 32},
		{(const uint8_t *)"MxAc", 4, NULL, 0},
		{(const uint8_t *)"\x93\xad\x25\x50\x9c\xb4\x11\xe7\xb4\x23\x83\xde\x96\x8b\xcd\x7c", 16, DATA, 8},
	};
	smb2_encode_create_contexts(&b, cc, 3);
	save("fuzz_create_ctx", "chain3", &b);
	buf_reset(&b);
	/* ... and one with the payloads the server decodes: app instance id
	 * and version, AlSi */
	struct buf pl[3];
	for (int i = 0; i < 3; i++)
		buf_init(&pl[i], 64);
	smb2_encode_app_instance_id(&pl[0], DATA);
	smb2_encode_app_instance_version(&pl[1], &(struct smb2_app_instance_version){1, 2});
	smb2_encode_alloc_size_ctx(&pl[2], 4096);
	struct smb2_create_context ca[3] = {
		{smb2_ctx_app_instance_id, 16, pl[0].p, (uint32_t)pl[0].len},
		{smb2_ctx_app_instance_version, 16, pl[1].p, (uint32_t)pl[1].len},
		{(const uint8_t *)"AlSi", 4, pl[2].p, (uint32_t)pl[2].len},
	};
	smb2_encode_create_contexts(&b, ca, 3);
	save("fuzz_create_ctx", "appinst", &b);
	buf_reset(&b);
	for (int i = 0; i < 3; i++)
		buf_free(&pl[i]);

	/* fuzz_neg_ctx: a NEGOTIATE body with contexts, and a response body */
	buf_zero(&b, SMB2_HDR_SIZE);
	negotiate_req(&b, true);
	struct buf body;
	buf_init(&body, 4096);
	buf_bytes(&body, b.p + SMB2_HDR_SIZE, b.len - SMB2_HDR_SIZE);
	save("fuzz_neg_ctx", "req311", &body);
	buf_reset(&b);
	buf_reset(&body);
	buf_zero(&b, SMB2_HDR_SIZE);
	negotiate_resp(&b);
	buf_bytes(&body, b.p + SMB2_HDR_SIZE, b.len - SMB2_HDR_SIZE);
	save("fuzz_neg_ctx", "resp311", &body);
	buf_free(&body);
	buf_reset(&b);

	/* fuzz_fscc: an EA list, a rename, a basic info */
	struct fscc_ea eas[2] = {{0, (const uint8_t *)"user.x", 6, DATA, 5},
				 {0x80, (const uint8_t *)"Y", 1, NULL, 0}};
	fscc_encode_ea_list(&b, eas, 2);
	save("fuzz_fscc", "ea2", &b);
	buf_reset(&b);
	fscc_encode_rename_info(&b, &(struct fscc_rename_info){.flags = 1, .name = NAME,
							       .name_len = sizeof(NAME)});
	save("fuzz_fscc", "rename", &b);
	buf_reset(&b);
	fscc_encode_basic_info(&b, &(struct fscc_basic_info){1, 2, 3, 4, 0x20});
	save("fuzz_fscc", "basic", &b);
	buf_reset(&b);

	/* fuzz_secdesc: owner, group and a DACL with an allow and a deny ACE */
	struct secdesc sd = {.control = SD_SELF_RELATIVE, .has_owner = true, .has_group = true,
			     .has_dacl = true};
	uint32_t owner_sub[2] = {1, 1000}, group_sub[2] = {2, 1000}, world_sub[1] = {0};
	sd_sid_make(&sd.owner, 22, 2, owner_sub);
	sd_sid_make(&sd.group, 22, 2, group_sub);
	struct sd_sid world;
	sd_sid_make(&world, 1, 1, world_sub);
	sd_acl_add(&sd.dacl, SD_ACE_ACCESS_DENIED, 0, 0x2, &world);
	sd_acl_add(&sd.dacl, SD_ACE_ACCESS_ALLOWED, SD_ACE_OBJECT_INHERIT | SD_ACE_CONTAINER_INHERIT,
		   0x1F01FF, &sd.owner);
	sd_encode(&b, &sd, SD_OWNER_SECURITY_INFORMATION | SD_GROUP_SECURITY_INFORMATION |
				   SD_DACL_SECURITY_INFORMATION);
	save("fuzz_secdesc", "owner_group_dacl", &b);
	buf_reset(&b);
	sd.dacl_null = true;
	sd_encode(&b, &sd, SD_DACL_SECURITY_INFORMATION);
	save("fuzz_secdesc", "null_dacl", &b);
	buf_reset(&b);
	sd_free(&sd);

	/* fuzz_smb1: Windows-style and Samba-style SMB1 negotiates */
	const char *sets[2][4] = {{"NT LM 0.12", "SMB 2.002", "SMB 2.???", NULL},
				  {"NT LANMAN 1.0", "NT LM 0.12", NULL, NULL}};
	for (int s = 0; s < 2; s++) {
		buf_reset(&b);
		buf_bytes(&b, "\xffSMB\x72", 5);
		buf_zero(&b, 27);
		buf_u8(&b, 0);
		size_t bc = b.len;
		buf_le16(&b, 0);
		for (int i = 0; sets[s][i]; i++) {
			buf_u8(&b, 2);
			buf_bytes(&b, sets[s][i], strlen(sets[s][i]) + 1);
		}
		buf_set_le16(&b, bc, (uint16_t)(b.len - bc - 2));
		save("fuzz_smb1", s ? "nt_only" : "windows", &b);
	}
	buf_free(&b);
	return 0;
}
