/* Request builders checked by decoding them with the proto codec, and the
 * response-payload parsers fed encoder output, truncations and lies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/client_int.h"
#include "common/utf16.h"
#include "proto/fscc.h"

/* A message = header + body, decoded from an exact-size heap copy. */
static uint8_t *copy;

static void start(struct buf *b, uint16_t cmd)
{
	struct smb2_hdr h = {0};
	buf_init(b, 1 << 20);
	h.command = cmd;
	smb2_encode_hdr(b, &h);
}

static struct cur body(struct buf *b)
{
	struct cur c;
	free(copy);
	copy = malloc(b->len);
	memcpy(copy, b->p, b->len);
	cur_init(&c, copy, b->len);
	cur_seek(&c, SMB2_HDR_SIZE);
	return c;
}

static void test_dialects(void **state)
{
	uint16_t d[8];
	assert_int_equal(cl_dialect_list(0x0202, 0x0311, d), 5);
	assert_int_equal(d[0], 0x0202);
	assert_int_equal(d[4], 0x0311);
	assert_int_equal(cl_dialect_list(0x0300, 0x0302, d), 2);
	assert_int_equal(d[0], 0x0300);
	assert_int_equal(d[1], 0x0302);
	assert_int_equal(cl_dialect_list(0x0311, 0x0202, d), 0);
}

static void test_negotiate_311(void **state)
{
	uint8_t guid[16], salt[32];
	memset(guid, 0xAB, sizeof(guid));
	for (int i = 0; i < 32; i++)
		salt[i] = (uint8_t)i;
	struct buf b;
	start(&b, SMB2_NEGOTIATE);
	cl_build_negotiate(&b, 0, 0x0202, 0x0311, true, guid, salt);
	assert_true(buf_ok(&b));
	struct cur c = body(&b);
	struct smb2_negotiate_req r;
	assert_int_equal(smb2_decode_negotiate_req(&c, &r), 0);
	assert_int_equal(r.dialect_count, 5);
	assert_int_equal(r.dialects[4], 0x0311);
	assert_int_equal(r.security_mode, SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED);
	assert_true(r.capabilities & SMB2_GLOBAL_CAP_LARGE_MTU);
	assert_memory_equal(r.client_guid, guid, 16);
	assert_int_equal(r.context_count, 2);
	bool pre = false, sig = false;
	for (int i = 0; i < r.context_count; i++) {
		if (r.contexts[i].type == SMB2_PREAUTH_INTEGRITY_CAPABILITIES) {
			struct smb2_preauth_ctx p;
			assert_int_equal(smb2_decode_preauth_ctx(r.contexts[i].data, r.contexts[i].data_len, &p), 0);
			assert_int_equal(p.hash_count, 1);
			assert_int_equal(p.hash_algs[0], SMB2_PREAUTH_HASH_SHA512);
			assert_int_equal(p.salt_len, 32);
			assert_memory_equal(p.salt, salt, 32);
			pre = true;
		} else if (r.contexts[i].type == SMB2_SIGNING_CAPABILITIES) {
			struct smb2_id_list_ctx s;
			assert_int_equal(smb2_decode_id_list_ctx(r.contexts[i].data, r.contexts[i].data_len, &s), 0);
			assert_int_equal(s.count, 2);
			assert_int_equal(s.ids[0], SMB2_SIGN_AES_GMAC);
			assert_int_equal(s.ids[1], SMB2_SIGN_AES_CMAC);
			sig = true;
		}
	}
	assert_true(pre && sig);
	buf_free(&b);
}

static void test_negotiate_2x(void **state)
{
	uint8_t guid[16] = {1}, salt[32] = {0};
	struct buf b;
	start(&b, SMB2_NEGOTIATE);
	cl_build_negotiate(&b, 0, 0x0202, 0x0202, false, guid, salt);
	struct cur c = body(&b);
	struct smb2_negotiate_req r;
	assert_int_equal(smb2_decode_negotiate_req(&c, &r), 0);
	assert_int_equal(r.dialect_count, 1);
	assert_int_equal(r.dialects[0], 0x0202);
	assert_int_equal(r.security_mode, SMB2_NEGOTIATE_SIGNING_ENABLED);
	assert_int_equal(r.capabilities, 0);
	assert_int_equal(r.context_count, 0);
	buf_free(&b);
}

static void expect_path(const char *in, const char *want_utf8)
{
	struct buf b;
	buf_init(&b, 4096);
	assert_true(cl_put_path(&b, in));
	char *s = b.len ? utf16le_to_utf8(b.p, b.len, 4096, NULL) : strdup("");
	assert_non_null(s);
	assert_string_equal(s, want_utf8);
	free(s);
	buf_free(&b);
}

static void test_paths(void **state)
{
	expect_path("", "");
	expect_path("/", "");
	expect_path("a", "a");
	expect_path("/a/b//c/", "a\\b\\c");
	expect_path("a\\b", "a\\b");
	expect_path("./a/./b", "a\\b");
	expect_path("d\xC3\xA9j\xC3\xA0/\xE2\x82\xAC", "d\xC3\xA9j\xC3\xA0\\\xE2\x82\xAC");
	struct buf b;
	buf_init(&b, 4096);
	assert_false(cl_put_path(&b, "a/../b"));
	buf_reset(&b);
	assert_false(cl_put_path(&b, ".."));
	buf_reset(&b);
	assert_false(cl_put_path(&b, "bad\xFF"));
	buf_free(&b);
}

static void test_create(void **state)
{
	struct buf b;
	start(&b, SMB2_CREATE);
	struct dsmb_create_args a = {.desired_access = DELETE | FILE_READ_ATTRIBUTES,
				     .file_attributes = FILE_ATTRIBUTE_NORMAL,
				     .share_access = FILE_SHARE_READ | FILE_SHARE_DELETE,
				     .disposition = FILE_OPEN_IF,
				     .options = FILE_DELETE_ON_CLOSE | FILE_NON_DIRECTORY_FILE};
	assert_true(cl_build_create(&b, 0, "dir/file.txt", &a));
	struct cur c = body(&b);
	struct smb2_create_req r;
	assert_int_equal(smb2_decode_create_req(&c, &r), 0);
	assert_int_equal(r.desired_access, a.desired_access);
	assert_int_equal(r.share_access, a.share_access);
	assert_int_equal(r.create_disposition, FILE_OPEN_IF);
	assert_int_equal(r.create_options, a.options);
	assert_int_equal(r.oplock_level, SMB2_OPLOCK_LEVEL_NONE);
	assert_int_equal(r.context_count, 0);
	char *name = utf16le_to_utf8(r.name, r.name_len, 4096, NULL);
	assert_string_equal(name, "dir\\file.txt");
	free(name);
	buf_free(&b);
	/* The share root: an empty name. */
	start(&b, SMB2_CREATE);
	assert_true(cl_build_create(&b, 0, "/", &a));
	c = body(&b);
	assert_int_equal(smb2_decode_create_req(&c, &r), 0);
	assert_int_equal(r.name_len, 0);
	buf_free(&b);
}

static void test_write_fixed(void **state)
{
	struct smb2_fileid id = {0x1111, 0x2222};
	uint8_t data[5000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	struct buf b;
	start(&b, SMB2_WRITE);
	cl_build_write_fixed(&b, 0, &id, 12345, sizeof(data), SMB2_WRITEFLAG_WRITE_THROUGH);
	assert_int_equal(b.len, SMB2_HDR_SIZE + 48); /* no placeholder byte: data follows */
	buf_bytes(&b, data, sizeof(data));             /* what writev sends after it */
	struct cur c = body(&b);
	struct smb2_write_req w;
	assert_int_equal(smb2_decode_write_req(&c, &w), 0);
	assert_int_equal(w.length, sizeof(data));
	assert_int_equal(w.offset, 12345);
	assert_int_equal(w.flags, SMB2_WRITEFLAG_WRITE_THROUGH);
	assert_int_equal(w.file_id.persistent, 0x1111);
	assert_int_equal(w.file_id.volatile_, 0x2222);
	assert_memory_equal(w.data, data, sizeof(data));
	buf_free(&b);
	/* A zero-length write keeps the codec's one-byte Buffer. */
	start(&b, SMB2_WRITE);
	cl_build_write_fixed(&b, 0, &id, 0, 0, 0);
	c = body(&b);
	assert_int_equal(smb2_decode_write_req(&c, &w), 0);
	assert_int_equal(w.length, 0);
	buf_free(&b);
}

struct seen {
	char names[8][32];
	uint64_t sizes[8];
	bool dir[8];
	int n, stop_at;
};

static int collect(const struct dsmb_dirent *e, void *arg)
{
	struct seen *s = arg;
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", e->name);
	s->sizes[s->n] = e->st.size;
	s->dir[s->n] = e->st.is_dir;
	s->n++;
	return s->n == s->stop_at;
}

static void dir_buf(struct buf *b)
{
	buf_init(b, 1 << 16);
	struct fscc_file_info fi = {0};
	const char *names[] = {".", "sub", "file-\xC3\xA9.txt"};
	size_t prev = 0;
	for (int i = 0; i < 3; i++) {
		fi.is_dir = i < 2;
		fi.attributes = fi.is_dir ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_ARCHIVE;
		fi.end_of_file = (uint64_t)i * 1000;
		fi.file_id = 100 + (uint64_t)i;
		buf_align(b, 0, 8);
		size_t cur = b->len;
		assert_int_equal(fscc_encode_dirent(b, FileIdBothDirectoryInformation, &fi, names[i], (uint32_t)i), 0);
		if (i)
			fscc_dirent_link(b, prev, cur);
		prev = cur;
	}
	assert_true(buf_ok(b));
}

static void test_dir_parse(void **state)
{
	struct buf b;
	dir_buf(&b);
	struct seen s = {0};
	assert_int_equal(cl_parse_id_both_dir(b.p, b.len, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], ".");
	assert_string_equal(s.names[1], "sub");
	assert_true(s.dir[1]);
	assert_string_equal(s.names[2], "file-\xC3\xA9.txt");
	assert_false(s.dir[2]);
	assert_int_equal(s.sizes[2], 2000);
	/* the callback may stop the walk */
	struct seen s2 = {.stop_at = 2};
	assert_int_equal(cl_parse_id_both_dir(b.p, b.len, collect, &s2), 1);
	assert_int_equal(s2.n, 2);
	buf_free(&b);
}

static void test_dir_hostile(void **state)
{
	struct buf b;
	dir_buf(&b);
	/* Every truncation fails (or stops early) without reading outside. */
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, b.p, n);
		struct seen s = {0};
		assert_int_equal(cl_parse_id_both_dir(p, n, collect, &s), -1);
		free(p);
	}
	/* A NextEntryOffset pointing past the buffer, into the entry itself,
	 * or a name length larger than the entry. */
	uint32_t lies[] = {0xFFFFFFF8u, 8, 1};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		uint8_t *p = malloc(b.len);
		memcpy(p, b.p, b.len);
		put_le32(p, lies[i]);
		struct seen s = {0};
		assert_int_equal(cl_parse_id_both_dir(p, b.len, collect, &s), -1);
		free(p);
	}
	uint8_t *p = malloc(b.len);
	memcpy(p, b.p, b.len);
	put_le32(p + 60, 0x7FFFFFFF); /* FileNameLength */
	struct seen s = {0};
	assert_int_equal(cl_parse_id_both_dir(p, b.len, collect, &s), -1);
	free(p);
	buf_free(&b);
}

static void test_info_parse(void **state)
{
	struct fscc_file_info fi = {0};
	fi.creation_time = 1;
	fi.last_access_time = 2;
	fi.last_write_time = 3;
	fi.change_time = 4;
	fi.allocation_size = 8192;
	fi.end_of_file = 5000;
	fi.attributes = FILE_ATTRIBUTE_ARCHIVE;
	fi.nlink = 2;
	fi.delete_pending = true;
	fi.name = "\\a";
	struct buf b;
	buf_init(&b, 4096);
	assert_int_equal(fscc_encode_file_info(&b, FileNetworkOpenInformation, &fi), 0);
	struct dsmb_stat st;
	assert_int_equal(cl_parse_network_open(b.p, b.len, &st), 0);
	assert_int_equal(st.last_write_time, 3);
	assert_int_equal(st.size, 5000);
	assert_int_equal(st.allocation_size, 8192);
	assert_false(st.is_dir);
	assert_int_equal(cl_parse_network_open(b.p, b.len - 1, &st), -1);
	buf_reset(&b);
	assert_int_equal(fscc_encode_file_info(&b, FileAllInformation, &fi), 0);
	uint32_t nlink = 0;
	bool dp = false;
	assert_int_equal(cl_parse_all_info(b.p, b.len, &st, &nlink, &dp), 0);
	assert_int_equal(st.size, 5000);
	assert_int_equal(st.change_time, 4);
	assert_int_equal(nlink, 2);
	assert_true(dp);
	assert_int_equal(cl_parse_all_info(b.p, 50, &st, &nlink, &dp), -1);
	buf_free(&b);
}

static int teardown(void **state)
{
	free(copy);
	copy = NULL;
	return 0;
}

/* SRV_COPYCHUNK_COPY (MS-SMB2 2.2.31.1) and the two replies a copy reads. */
static void test_copychunk(void **state)
{
	(void)state;
	uint8_t key[CL_RESUME_KEY_LEN];
	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	struct buf b;
	buf_init(&b, 4096);
	cl_build_copychunk(&b, key, 1000, 5000, 2 * 4096 + 10, 4096);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, 32 + 3 * 24);
	assert_memory_equal(b.p, key, sizeof(key));
	assert_int_equal(get_le32(b.p + 24), 3);
	assert_int_equal(get_le32(b.p + 28), 0);
	const uint8_t *last = b.p + 32 + 2 * 24;
	assert_int_equal(get_le64(b.p + 32), 1000);
	assert_int_equal(get_le64(b.p + 40), 5000);
	assert_int_equal(get_le32(b.p + 48), 4096);
	assert_int_equal(get_le64(last), 1000 + 8192);
	assert_int_equal(get_le64(last + 8), 5000 + 8192);
	assert_int_equal(get_le32(last + 16), 10);
	assert_int_equal(get_le32(last + 20), 0);
	/* Nothing to copy, or a zero chunk size, is an error, not an empty request. */
	buf_reset(&b);
	cl_build_copychunk(&b, key, 0, 0, 0, 4096);
	assert_false(buf_ok(&b));
	buf_reset(&b);
	cl_build_copychunk(&b, key, 0, 0, 10, 0);
	assert_false(buf_ok(&b));
	buf_free(&b);

	uint8_t resp[12] = {16, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 1};
	struct cl_copychunk_resp r;
	assert_int_equal(cl_parse_copychunk_resp(resp, 12, &r), 0);
	assert_int_equal(r.chunks_written, 16);
	assert_int_equal(r.chunk_bytes_written, 0x100000);
	assert_int_equal(r.total_bytes_written, 0x1000000);
	assert_int_equal(cl_parse_copychunk_resp(resp, 11, &r), -1);
	uint8_t k2[CL_RESUME_KEY_LEN];
	uint8_t out[32] = {0};
	memcpy(out, key, sizeof(key));
	assert_int_equal(cl_parse_resume_key(out, 32, k2), 0);
	assert_memory_equal(k2, key, sizeof(key));
	assert_int_equal(cl_parse_resume_key(out, 23, k2), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dialects),    cmocka_unit_test(test_negotiate_311),
		cmocka_unit_test(test_negotiate_2x), cmocka_unit_test(test_paths),
		cmocka_unit_test(test_create),      cmocka_unit_test(test_write_fixed),
		cmocka_unit_test(test_dir_parse),   cmocka_unit_test(test_dir_hostile),
		cmocka_unit_test(test_info_parse),  cmocka_unit_test(test_copychunk),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
