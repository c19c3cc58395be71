/* MS-FSCC encoders (exact sizes and layouts) and SET_INFO decoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/fscc.h"

static const struct fscc_file_info FI = {
	.creation_time = 0x1111, .last_access_time = 0x2222, .last_write_time = 0x3333,
	.change_time = 0x4444, .allocation_size = 8192, .end_of_file = 5000,
	.attributes = 0x20, .nlink = 2, .delete_pending = true, .is_dir = false,
	.file_id = 0xDEADBEEF, .volume_id = 0x77, .ea_size = 12, .access_mask = 0x1F01FF,
	.position = 99, .mode = 0x20, .name = "\\dir\\f\xc3\xa9.txt"};

static size_t enc_file(int cls, const struct fscc_file_info *fi, struct buf *b)
{
	buf_init(b, 1 << 16);
	assert_int_equal(fscc_encode_file_info(b, cls, fi), 0);
	assert_true(buf_ok(b));
	return b->len;
}

static void test_file_info_sizes(void **state)
{
	(void)state;
	struct buf b;
	/* "\dir\fé.txt" is 11 UTF-16 units = 22 bytes */
	const struct {
		int cls;
		size_t size;
	} fixed[] = {
		{FileBasicInformation, 40}, {FileStandardInformation, 24},
		{FileInternalInformation, 8}, {FileEaInformation, 4},
		{FileAccessInformation, 4}, {FilePositionInformation, 8},
		{FileModeInformation, 4}, {FileAlignmentInformation, 4},
		{FileNetworkOpenInformation, 56}, {FileAttributeTagInformation, 8},
		{FileCompressionInformation, 16}, {FileIdInformation, 24},
		{FileNameInformation, 4 + 22}, {FileNormalizedNameInformation, 4 + 22},
		{FileAllInformation, 40 + 24 + 8 + 4 + 4 + 8 + 4 + 4 + 4 + 22},
		{FileStreamInformation, 24 + 14},
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (enc_file(fixed[i].cls, &FI, &b) != fixed[i].size)
			fail_msg("class %d: %zu bytes, want %zu", fixed[i].cls, b.len, fixed[i].size);
		buf_free(&b);
	}
	assert_int_equal(fscc_encode_file_info(&b, 200, &FI), -1);
	assert_int_equal(fscc_encode_file_info(&b, FileRenameInformation, &FI), -1);
	assert_int_equal(fscc_encode_file_info(&b, FileFullEaInformation, &FI), -1);
}

static void test_file_info_layout(void **state)
{
	(void)state;
	struct buf b;

	enc_file(FileStandardInformation, &FI, &b);
	assert_true(get_le64(b.p) == 8192 && get_le64(b.p + 8) == 5000);
	assert_int_equal(get_le32(b.p + 16), 2);
	assert_int_equal(b.p[20], 1); /* DeletePending */
	assert_int_equal(b.p[21], 0); /* Directory */
	buf_free(&b);

	enc_file(FileAllInformation, &FI, &b);
	assert_true(get_le64(b.p) == 0x1111 && get_le64(b.p + 24) == 0x4444);
	assert_int_equal(get_le32(b.p + 32), 0x20);
	assert_true(get_le64(b.p + 40) == 8192);     /* Standard */
	assert_true(get_le64(b.p + 64) == 0xDEADBEEF); /* Internal */
	assert_int_equal(get_le32(b.p + 72), 12);     /* EaSize */
	assert_int_equal(get_le32(b.p + 76), 0x1F01FF); /* Access */
	assert_true(get_le64(b.p + 80) == 99);       /* Position */
	assert_int_equal(get_le32(b.p + 88), 0x20);   /* Mode */
	assert_int_equal(get_le32(b.p + 92), 0);      /* Alignment */
	assert_int_equal(get_le32(b.p + 96), 22);     /* FileNameLength */
	assert_memory_equal(b.p + 100, "\\\0d\0i\0r\0\\\0f\0\xe9\0", 14);
	buf_free(&b);

	enc_file(FileNetworkOpenInformation, &FI, &b);
	assert_true(get_le64(b.p + 32) == 8192 && get_le64(b.p + 40) == 5000);
	assert_int_equal(get_le32(b.p + 48), 0x20);
	buf_free(&b);

	enc_file(FileIdInformation, &FI, &b);
	assert_true(get_le64(b.p) == 0x77 && get_le64(b.p + 8) == 0xDEADBEEF);
	buf_free(&b);

	enc_file(FileStreamInformation, &FI, &b);
	assert_int_equal(get_le32(b.p), 0);
	assert_int_equal(get_le32(b.p + 4), 14);
	assert_true(get_le64(b.p + 8) == 5000 && get_le64(b.p + 16) == 8192);
	assert_memory_equal(b.p + 24, ":\0:\0$\0D\0A\0T\0A\0", 14);
	buf_free(&b);

	/* A directory has no streams; a NULL name is empty. */
	struct fscc_file_info d = FI;
	d.is_dir = true;
	d.name = NULL;
	assert_int_equal(enc_file(FileStreamInformation, &d, &b), 0);
	buf_free(&b);
	assert_int_equal(enc_file(FileNameInformation, &d, &b), 4);
	buf_free(&b);
	enc_file(FileStandardInformation, &d, &b);
	assert_int_equal(b.p[21], 1);
	buf_free(&b);

	/* Invalid UTF-8 name: refused, nothing written. */
	d.name = "bad\xff";
	buf_init(&b, 4096);
	assert_int_equal(fscc_encode_file_info(&b, FileAllInformation, &d), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_dirents(void **state)
{
	(void)state;
	struct buf b;
	const char *name = "f\xf0\x9f\x98\x80"; /* f + U+1F600: 6 bytes UTF-16 */
	const struct {
		int cls;
		size_t fixed;
	} cls[] = {
		{FileDirectoryInformation, 64}, {FileFullDirectoryInformation, 68},
		{FileBothDirectoryInformation, 94}, {FileIdBothDirectoryInformation, 104},
		{FileIdFullDirectoryInformation, 80}, {FileNamesInformation, 12},
	};
	for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++) {
		buf_init(&b, 4096);
		assert_true(fscc_dirent_class_ok(cls[i].cls));
		assert_int_equal(fscc_encode_dirent(&b, cls[i].cls, &FI, name, 5), 0);
		if (b.len != cls[i].fixed + 6)
			fail_msg("class %d: %zu bytes", cls[i].cls, b.len);
		assert_int_equal(get_le32(b.p), 0);
		assert_int_equal(get_le32(b.p + 4), 5);
		size_t nl_off = cls[i].cls == FileNamesInformation ? 8 : 60;
		assert_int_equal(get_le32(b.p + nl_off), 6);
		assert_memory_equal(b.p + cls[i].fixed, "f\0\x3d\xd8\x00\xde", 6);
		if (cls[i].cls != FileNamesInformation) {
			assert_true(get_le64(b.p + 40) == 5000); /* EndOfFile */
			assert_true(get_le64(b.p + 48) == 8192); /* AllocationSize */
			assert_int_equal(get_le32(b.p + 56), 0x20);
		}
		if (cls[i].cls == FileIdBothDirectoryInformation) {
			assert_int_equal(get_le32(b.p + 64), 12); /* EaSize */
			assert_int_equal(b.p[68], 0);            /* ShortNameLength */
			assert_true(get_le64(b.p + 96) == 0xDEADBEEF);
		}
		if (cls[i].cls == FileIdFullDirectoryInformation)
			assert_true(get_le64(b.p + 72) == 0xDEADBEEF);
		buf_free(&b);
	}
	assert_false(fscc_dirent_class_ok(FileBasicInformation));
	buf_init(&b, 4096);
	assert_int_equal(fscc_encode_dirent(&b, FileBasicInformation, &FI, name, 0), -1);
	assert_int_equal(fscc_encode_dirent(&b, FileDirectoryInformation, &FI, "\xc3", 0), -1);
	assert_int_equal(b.len, 0);

	/* Linking: 8-aligned entries, NextEntryOffset = distance. */
	size_t first = b.len;
	fscc_encode_dirent(&b, FileIdBothDirectoryInformation, &FI, "a", 0);
	buf_align(&b, 0, 8);
	size_t second = b.len;
	fscc_encode_dirent(&b, FileIdBothDirectoryInformation, &FI, "bb", 0);
	fscc_dirent_link(&b, first, second);
	assert_int_equal(get_le32(b.p), 112);
	assert_int_equal(get_le32(b.p + second), 0);
	assert_true(buf_ok(&b));
	fscc_dirent_link(&b, second, b.len + 100); /* out of range: sticky error */
	assert_false(buf_ok(&b));
	buf_free(&b);
}

static void test_fs_info(void **state)
{
	(void)state;
	struct fscc_fs_info fs = {
		.total_units = 1000, .caller_avail_units = 500, .actual_avail_units = 600,
		.sectors_per_unit = 8, .bytes_per_sector = 512, .volume_creation_time = 42,
		.volume_serial = 0xCAFE, .volume_label = "data", .fs_name = "NTFS",
		.fs_attributes = 0x0700FF, .max_name_len = 255, .device_type = 7,
		.device_characteristics = 0x20, .object_id = {1, 2, 3}};
	const struct {
		int cls;
		size_t size;
	} t[] = {
		{FileFsVolumeInformation, 18 + 8}, {FileFsSizeInformation, 24},
		{FileFsFullSizeInformation, 32}, {FileFsDeviceInformation, 8},
		{FileFsAttributeInformation, 12 + 8}, {FileFsSectorSizeInformation, 28},
		{FileFsObjectIdInformation, 64},
	};
	struct buf b;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_init(&b, 4096);
		assert_int_equal(fscc_encode_fs_info(&b, t[i].cls, &fs), 0);
		if (b.len != t[i].size)
			fail_msg("fs class %d: %zu bytes", t[i].cls, b.len);
		buf_free(&b);
	}
	buf_init(&b, 4096);
	fscc_encode_fs_info(&b, FileFsVolumeInformation, &fs);
	assert_true(get_le64(b.p) == 42);
	assert_int_equal(get_le32(b.p + 8), 0xCAFE);
	assert_int_equal(get_le32(b.p + 12), 8);
	assert_int_equal(b.p[16], 0);
	assert_memory_equal(b.p + 18, "d\0a\0t\0a\0", 8);
	buf_reset(&b);
	fscc_encode_fs_info(&b, FileFsAttributeInformation, &fs);
	assert_int_equal(get_le32(b.p), 0x0700FF);
	assert_int_equal(get_le32(b.p + 4), 255);
	assert_int_equal(get_le32(b.p + 8), 8);
	assert_memory_equal(b.p + 12, "N\0T\0F\0S\0", 8);
	buf_reset(&b);
	fscc_encode_fs_info(&b, FileFsFullSizeInformation, &fs);
	assert_true(get_le64(b.p) == 1000 && get_le64(b.p + 8) == 500 && get_le64(b.p + 16) == 600);
	assert_int_equal(get_le32(b.p + 24), 8);
	assert_int_equal(get_le32(b.p + 28), 512);
	buf_reset(&b);
	fscc_encode_fs_info(&b, FileFsSectorSizeInformation, &fs);
	assert_int_equal(get_le32(b.p), 512);
	buf_reset(&b);
	assert_int_equal(fscc_encode_fs_info(&b, FileFsControlInformation, &fs), 0);
	assert_int_equal(b.len, 48); /* MS-FSCC 2.5.2: no quotas */
	assert_true(get_le64(b.p + 24) == UINT64_MAX);
	buf_reset(&b);
	assert_int_equal(fscc_encode_fs_info(&b, 99, &fs), -1);
	fs.volume_label = NULL;
	assert_int_equal(fscc_encode_fs_info(&b, FileFsVolumeInformation, &fs), 0);
	assert_int_equal(b.len, 18);
	buf_free(&b);
}

static void test_set_info_decoders(void **state)
{
	(void)state;
	struct buf b;
	struct fscc_basic_info bi = {1, 2, 3, 4, 0x21}, bo;
	buf_init(&b, 4096);
	fscc_encode_basic_info(&b, &bi);
	assert_int_equal(b.len, 40);
	assert_int_equal(fscc_decode_basic_info(b.p, b.len, &bo), 0);
	assert_true(bo.creation_time == 1 && bo.last_access_time == 2 &&
		    bo.last_write_time == 3 && bo.change_time == 4);
	assert_int_equal(bo.attributes, 0x21);
	for (size_t l = 0; l < 40; l++)
		assert_int_equal(fscc_decode_basic_info(b.p, l, &bo), -1);
	buf_free(&b);

	const uint8_t nm[] = {'n', 0, 'e', 0, 'w', 0};
	struct fscc_rename_info ri = {.replace_if_exists = 1, .flags = 0x41,
				      .root_directory = 0, .name = nm, .name_len = 6}, ro;
	buf_init(&b, 4096);
	fscc_encode_rename_info(&b, &ri);
	assert_int_equal(b.len, 20 + 6);
	assert_int_equal(fscc_decode_rename_info(b.p, b.len, &ro), 0);
	assert_int_equal(ro.replace_if_exists, 0x41);
	assert_int_equal(ro.flags, 0x41);
	assert_true(ro.root_directory == 0);
	assert_int_equal(ro.name_len, 6);
	assert_memory_equal(ro.name, nm, 6);
	for (size_t l = 0; l < b.len; l++)
		assert_int_equal(fscc_decode_rename_info(b.p, l, &ro), -1);
	/* Lying name lengths. */
	const uint32_t lies[] = {7, 0x7FFFFFFF, 0xFFFFFFFF, 0xFFFFFFEC};
	for (size_t i = 0; i < 4; i++) {
		put_le32(b.p + 16, lies[i]);
		assert_int_equal(fscc_decode_rename_info(b.p, b.len, &ro), -1);
	}
	buf_free(&b);
	/* The plain form: ReplaceIfExists byte then 7 reserved. */
	uint8_t plain[24] = {1};
	put_le32(plain + 16, 4);
	assert_int_equal(fscc_decode_rename_info(plain, 24, &ro), 0);
	assert_int_equal(ro.replace_if_exists, 1);

	uint8_t v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint64_t u64;
	uint32_t u32;
	uint8_t u8;
	assert_int_equal(fscc_decode_u64_info(v, 8, &u64), 0);
	assert_true(u64 == 0x0807060504030201ull);
	assert_int_equal(fscc_decode_u64_info(v, 7, &u64), -1);
	assert_int_equal(fscc_decode_u32_info(v, 4, &u32), 0);
	assert_int_equal(u32, 0x04030201);
	assert_int_equal(fscc_decode_u32_info(v, 3, &u32), -1);
	assert_int_equal(fscc_decode_u8_info(v, 1, &u8), 0);
	assert_int_equal(u8, 1);
	assert_int_equal(fscc_decode_u8_info(v, 0, &u8), -1);
}

/* Decodes from an exactly-sized heap copy that lives until the next call
 * (out points into it). */
static uint8_t *ea_copy;
static int dec_eas(const uint8_t *p, size_t n, struct fscc_ea *out, size_t *count)
{
	free(ea_copy);
	ea_copy = malloc(n ? n : 1);
	if (n)
		memcpy(ea_copy, p, n);
	return fscc_decode_ea_list(ea_copy, n, out, FSCC_MAX_EAS, count);
}

static void test_ea_list(void **state)
{
	(void)state;
	struct fscc_ea in[3] = {
		{0, (const uint8_t *)"user.a", 6, (const uint8_t *)"12345", 5},
		{0x80, (const uint8_t *)"B", 1, NULL, 0},
		{0, (const uint8_t *)"longer.name", 11, (const uint8_t *)"v", 1},
	};
	struct fscc_ea out[FSCC_MAX_EAS];
	size_t n;
	struct buf b;
	buf_init(&b, 4096);
	fscc_encode_ea_list(&b, in, 3);
	/* 8+6+1+5=20, then 8+1+1=10 ->pad 12, then 8+11+1+1=21 */
	assert_int_equal(b.len, 20 + 12 + 21);
	assert_int_equal(get_le32(b.p), 20);
	assert_int_equal(get_le32(b.p + 20), 12);
	assert_int_equal(dec_eas(b.p, b.len, out, &n), 0);
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(out[i].flags, in[i].flags);
		assert_int_equal(out[i].name_len, in[i].name_len);
		assert_memory_equal(out[i].name, in[i].name, in[i].name_len);
		assert_int_equal(out[i].value_len, in[i].value_len);
		if (in[i].value_len)
			assert_memory_equal(out[i].value, in[i].value, in[i].value_len);
	}
	/* Every truncation fails (the last entry needs all its bytes). */
	for (size_t l = 1; l < b.len; l++) {
		if (dec_eas(b.p, l, out, &n) != -1)
			fail_msg("ea prefix %zu accepted", l);
	}
	assert_int_equal(dec_eas(b.p, 0, out, &n), 0);
	assert_int_equal(n, 0);
	/* Lying lengths. */
	uint8_t *m = malloc(b.len);
	const struct {
		size_t pos;
		int w;
		uint32_t v;
	} lies[] = {
		{0, 4, 2},           /* Next misaligned */
		{0, 4, 16},          /* Next inside the entry */
		{0, 4, 0xFFFFFFFC},  /* Next far past the end */
		{0, 4, 52},          /* Next at the last few bytes */
		{5, 1, 7},           /* name overruns into the NUL */
		{5, 1, 255},         /* name past the end */
		{6, 2, 6},           /* value overruns the entry */
		{6, 2, 0xFFFF},
		{20, 4, 33},         /* second entry's Next to the end */
		{32 + 6, 2, 2},      /* last value past the end */
		{32 + 4 + 1 + 11 + 1, 1, 0}, /* no: value byte; harmless */
	};
	for (size_t i = 0; i + 1 < sizeof(lies) / sizeof(lies[0]); i++) {
		memcpy(m, b.p, b.len);
		if (lies[i].w == 1)
			m[lies[i].pos] = (uint8_t)lies[i].v;
		else if (lies[i].w == 2)
			put_le16(m + lies[i].pos, (uint16_t)lies[i].v);
		else
			put_le32(m + lies[i].pos, lies[i].v);
		if (dec_eas(m, b.len, out, &n) != -1)
			fail_msg("ea lie %zu accepted", i);
	}
	/* The name's NUL terminator is required. */
	memcpy(m, b.p, b.len);
	m[8 + 6] = 'x';
	assert_int_equal(dec_eas(m, b.len, out, &n), -1);
	free(m);
	/* More entries than max. */
	assert_int_equal(fscc_decode_ea_list(b.p, b.len, out, 2, &n), -1);
	buf_free(&b);
	free(ea_copy);
	ea_copy = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_info_sizes),
		cmocka_unit_test(test_file_info_layout),
		cmocka_unit_test(test_dirents),
		cmocka_unit_test(test_fs_info),
		cmocka_unit_test(test_set_info_decoders),
		cmocka_unit_test(test_ea_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
