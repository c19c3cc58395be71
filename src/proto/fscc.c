/* MS-FSCC information classes: file (2.4), file system (2.5) and
 * directory entries, plus the SET_INFO input decoders. */
#include "proto/fscc.h"

#include <string.h>

#include "common/cursor.h"
#include "common/utf16.h"

#define FSCC_DIR_BASE 64 /* through FileNameLength of FileDirectoryInformation */
#define SHORT_NAME_BYTES 24
#define STREAM_DATA_NAME "::$DATA"
#define SSINFO_FLAGS_ALIGNED_DEVICE 0x00000001u
#define SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE 0x00000002u

/* UTF-16 size of a UTF-8 name (NULL is empty), or -1 when the name is not
 * valid UTF-8 or its UTF-16 form does not fit a 32-bit length. */
static int64_t name_size(const char *s)
{
	if (!s)
		return 0;
	size_t n = utf16le_size(s, strlen(s));
	if (n == SIZE_MAX || n > UINT32_MAX)
		return -1;
	return (int64_t)n;
}

static void put_name(struct buf *b, const char *s)
{
	if (s)
		(void)buf_put_utf16le(b, s, strlen(s)); /* validated by name_size */
}

/* FileNameInformation layout, also inside FileAllInformation (2.4.28). */
static void put_name_info(struct buf *b, const char *s, uint32_t n)
{
	buf_le32(b, n);
	put_name(b, s);
}

static void put_basic(struct buf *b, const struct fscc_file_info *fi)
{
	buf_le64(b, fi->creation_time);
	buf_le64(b, fi->last_access_time);
	buf_le64(b, fi->last_write_time);
	buf_le64(b, fi->change_time);
	buf_le32(b, fi->attributes);
	buf_le32(b, 0);
}

static void put_standard(struct buf *b, const struct fscc_file_info *fi)
{
	buf_le64(b, fi->allocation_size);
	buf_le64(b, fi->end_of_file);
	buf_le32(b, fi->nlink);
	buf_u8(b, fi->delete_pending);
	buf_u8(b, fi->is_dir);
	buf_le16(b, 0);
}

int fscc_encode_file_info(struct buf *b, int info_class, const struct fscc_file_info *fi)
{
	int64_t nlen;

	switch (info_class) {
	case FileBasicInformation: /* 2.4.7, 40 bytes */
		put_basic(b, fi);
		return 0;
	case FileStandardInformation: /* 2.4.41, 24 bytes */
		put_standard(b, fi);
		return 0;
	case FileInternalInformation: /* 2.4.22 */
		buf_le64(b, fi->file_id);
		return 0;
	case FileEaInformation: /* 2.4.12 */
		buf_le32(b, fi->ea_size);
		return 0;
	case FileAccessInformation: /* 2.4.1 */
		buf_le32(b, fi->access_mask);
		return 0;
	case FilePositionInformation: /* 2.4.35 */
		buf_le64(b, fi->position);
		return 0;
	case FileModeInformation: /* 2.4.26 */
		buf_le32(b, fi->mode);
		return 0;
	case FileAlignmentInformation: /* 2.4.3: FILE_BYTE_ALIGNMENT */
		buf_le32(b, 0);
		return 0;
	case FileNameInformation: /* 2.4.28 */
	case FileNormalizedNameInformation: /* 2.4.30 */
	case FileAlternateNameInformation: /* 2.4.5: same shape as 2.4.28 */
		if ((nlen = name_size(fi->name)) < 0)
			return -1;
		put_name_info(b, fi->name, (uint32_t)nlen);
		return 0;
	case FileAllInformation: /* 2.4.2 */
		if ((nlen = name_size(fi->name)) < 0)
			return -1;
		put_basic(b, fi);
		put_standard(b, fi);
		buf_le64(b, fi->file_id);
		buf_le32(b, fi->ea_size);
		buf_le32(b, fi->access_mask);
		buf_le64(b, fi->position);
		buf_le32(b, fi->mode);
		buf_le32(b, 0);
		put_name_info(b, fi->name, (uint32_t)nlen);
		return 0;
	case FileNetworkOpenInformation: /* 2.4.29, 56 bytes */
		buf_le64(b, fi->creation_time);
		buf_le64(b, fi->last_access_time);
		buf_le64(b, fi->last_write_time);
		buf_le64(b, fi->change_time);
		buf_le64(b, fi->allocation_size);
		buf_le64(b, fi->end_of_file);
		buf_le32(b, fi->attributes);
		buf_le32(b, 0);
		return 0;
	case FileAttributeTagInformation: /* 2.4.6: attributes, ReparseTag */
		buf_le32(b, fi->attributes);
		buf_le32(b, 0);
		return 0;
	case FileCompressionInformation: /* 2.4.9, 16 bytes, not compressed */
		buf_le64(b, fi->end_of_file);
		buf_le16(b, 0); /* COMPRESSION_FORMAT_NONE */
		buf_zero(b, 6);
		return 0;
	case FileIdInformation: /* 2.4.25: volume serial, 128-bit id */
		buf_le64(b, fi->volume_id);
		buf_le64(b, fi->file_id);
		buf_le64(b, 0);
		return 0;
	case FileStreamInformation: /* 2.4.44: the unnamed data stream */
		if (fi->is_dir)
			return 0;
		buf_le32(b, 0);
		buf_le32(b, (uint32_t)(sizeof(STREAM_DATA_NAME) - 1) * 2);
		buf_le64(b, fi->end_of_file);
		buf_le64(b, fi->allocation_size);
		put_name(b, STREAM_DATA_NAME);
		return 0;
	default:
		return -1;
	}
}

bool fscc_dirent_class_ok(int info_class)
{
	switch (info_class) {
	case FileDirectoryInformation:
	case FileFullDirectoryInformation:
	case FileBothDirectoryInformation:
	case FileIdBothDirectoryInformation:
	case FileIdFullDirectoryInformation:
	case FileNamesInformation:
		return true;
	default:
		return false;
	}
}

/* 2.4.10, 2.4.14, 2.4.8, 2.4.24, 2.4.23, 2.4.33.  All but Names share
 * the first 64 bytes; the short name is left empty (no 8.3 names). */
int fscc_encode_dirent(struct buf *b, int info_class, const struct fscc_file_info *fi,
		       const char *name_utf8, uint32_t file_index)
{
	if (!fscc_dirent_class_ok(info_class))
		return -1;
	int64_t nlen = name_size(name_utf8);
	if (nlen < 0)
		return -1;

	buf_le32(b, 0); /* NextEntryOffset, linked by the caller */
	buf_le32(b, file_index);
	if (info_class == FileNamesInformation) {
		buf_le32(b, (uint32_t)nlen);
		put_name(b, name_utf8);
		return 0;
	}
	buf_le64(b, fi->creation_time);
	buf_le64(b, fi->last_access_time);
	buf_le64(b, fi->last_write_time);
	buf_le64(b, fi->change_time);
	buf_le64(b, fi->end_of_file);
	buf_le64(b, fi->allocation_size);
	buf_le32(b, fi->attributes);
	buf_le32(b, (uint32_t)nlen);
	switch (info_class) {
	case FileFullDirectoryInformation:
		buf_le32(b, fi->ea_size);
		break;
	case FileBothDirectoryInformation:
	case FileIdBothDirectoryInformation:
		buf_le32(b, fi->ea_size);
		buf_u8(b, 0); /* ShortNameLength */
		buf_u8(b, 0);
		buf_zero(b, SHORT_NAME_BYTES);
		if (info_class == FileIdBothDirectoryInformation) {
			buf_le16(b, 0);
			buf_le64(b, fi->file_id);
		}
		break;
	case FileIdFullDirectoryInformation:
		buf_le32(b, fi->ea_size);
		buf_le32(b, 0);
		buf_le64(b, fi->file_id);
		break;
	default:
		break;
	}
	put_name(b, name_utf8);
	return 0;
}

void fscc_dirent_link(struct buf *b, size_t prev_off, size_t cur_off)
{
	/* cur_off must be a later entry already in the buffer. */
	if (cur_off <= prev_off || cur_off > b->len || cur_off - prev_off > UINT32_MAX) {
		b->err = true;
		return;
	}
	buf_set_le32(b, prev_off, (uint32_t)(cur_off - prev_off));
}

int fscc_encode_fs_info(struct buf *b, int info_class, const struct fscc_fs_info *fs)
{
	int64_t nlen;

	switch (info_class) {
	case FileFsVolumeInformation: /* 2.5.9 */
		if ((nlen = name_size(fs->volume_label)) < 0)
			return -1;
		buf_le64(b, fs->volume_creation_time);
		buf_le32(b, fs->volume_serial);
		buf_le32(b, (uint32_t)nlen);
		buf_u8(b, 0); /* SupportsObjects */
		buf_u8(b, 0);
		put_name(b, fs->volume_label);
		return 0;
	case FileFsSizeInformation: /* 2.5.8 */
		buf_le64(b, fs->total_units);
		buf_le64(b, fs->caller_avail_units);
		buf_le32(b, fs->sectors_per_unit);
		buf_le32(b, fs->bytes_per_sector);
		return 0;
	case FileFsFullSizeInformation: /* 2.5.4 */
		buf_le64(b, fs->total_units);
		buf_le64(b, fs->caller_avail_units);
		buf_le64(b, fs->actual_avail_units);
		buf_le32(b, fs->sectors_per_unit);
		buf_le32(b, fs->bytes_per_sector);
		return 0;
	case FileFsDeviceInformation: /* 2.5.10 */
		buf_le32(b, fs->device_type);
		buf_le32(b, fs->device_characteristics);
		return 0;
	case FileFsAttributeInformation: /* 2.5.1 */
		if ((nlen = name_size(fs->fs_name)) < 0)
			return -1;
		buf_le32(b, fs->fs_attributes);
		buf_le32(b, fs->max_name_len);
		buf_le32(b, (uint32_t)nlen);
		put_name(b, fs->fs_name);
		return 0;
	case FileFsSectorSizeInformation: /* 2.5.7, 28 bytes */
		buf_le32(b, fs->bytes_per_sector); /* Logical */
		buf_le32(b, fs->bytes_per_sector); /* PhysicalForAtomicity */
		buf_le32(b, fs->bytes_per_sector); /* PhysicalForPerformance */
		buf_le32(b, fs->bytes_per_sector); /* EffectivePhysicalForAtomicity */
		buf_le32(b, SSINFO_FLAGS_ALIGNED_DEVICE | SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE);
		buf_le32(b, 0); /* ByteOffsetForSectorAlignment */
		buf_le32(b, 0); /* ByteOffsetForPartitionAlignment */
		return 0;
	case FileFsControlInformation: /* 2.5.2, 48 bytes: no quotas */
		buf_le64(b, 0);          /* FreeSpaceStartFiltering */
		buf_le64(b, 0);          /* FreeSpaceThreshold */
		buf_le64(b, 0);          /* FreeSpaceStopFiltering */
		buf_le64(b, UINT64_MAX); /* DefaultQuotaThreshold: none */
		buf_le64(b, UINT64_MAX); /* DefaultQuotaLimit: none */
		buf_le32(b, 0);          /* FileSystemControlFlags */
		buf_le32(b, 0);          /* Padding */
		return 0;
	case FileFsObjectIdInformation: /* 2.5.6: ObjectId, ExtendedInfo[48] */
		buf_bytes(b, fs->object_id, sizeof(fs->object_id));
		buf_zero(b, 48);
		return 0;
	default:
		return -1;
	}
}

/* ---- SET_INFO inputs ---- */

/* 2.4.7: 40 bytes including the trailing Reserved. */
int fscc_decode_basic_info(const uint8_t *p, size_t n, struct fscc_basic_info *out)
{
	struct cur c;

	cur_init(&c, p, n);
	out->creation_time = cur_le64(&c);
	out->last_access_time = cur_le64(&c);
	out->last_write_time = cur_le64(&c);
	out->change_time = cur_le64(&c);
	out->attributes = cur_le32(&c);
	cur_skip(&c, 4);
	return cur_ok(&c) ? 0 : -1;
}

void fscc_encode_basic_info(struct buf *b, const struct fscc_basic_info *in)
{
	buf_le64(b, in->creation_time);
	buf_le64(b, in->last_access_time);
	buf_le64(b, in->last_write_time);
	buf_le64(b, in->change_time);
	buf_le32(b, in->attributes);
	buf_le32(b, 0);
}

/* 2.4.37 (SMB2 form) and 2.4.37.2 (Ex): the first 4 bytes are Flags in the
 * Ex form; in the plain form the first byte is ReplaceIfExists and the
 * rest is reserved.  Both are returned; the caller knows the class. */
int fscc_decode_rename_info(const uint8_t *p, size_t n, struct fscc_rename_info *out)
{
	struct cur c;

	cur_init(&c, p, n);
	out->flags = cur_le32(&c);
	out->replace_if_exists = (uint8_t)(out->flags & 0xFF);
	cur_skip(&c, 4);
	out->root_directory = cur_le64(&c);
	out->name_len = cur_le32(&c);
	out->name = cur_take(&c, out->name_len);
	if (!cur_ok(&c))
		return -1;
	if (!out->name_len)
		out->name = NULL;
	return 0;
}

void fscc_encode_rename_info(struct buf *b, const struct fscc_rename_info *in)
{
	/* Byte 0 is ReplaceIfExists in the plain form, and the low byte of
	 * Flags (FILE_RENAME_REPLACE_IF_EXISTS is 0x1) in the Ex form. */
	buf_le32(b, in->flags | in->replace_if_exists);
	buf_le32(b, 0);
	buf_le64(b, in->root_directory);
	buf_le32(b, in->name_len);
	buf_bytes(b, in->name, in->name_len);
}

int fscc_decode_u64_info(const uint8_t *p, size_t n, uint64_t *out)
{
	struct cur c;

	cur_init(&c, p, n);
	*out = cur_le64(&c);
	return cur_ok(&c) ? 0 : -1;
}

int fscc_decode_u32_info(const uint8_t *p, size_t n, uint32_t *out)
{
	struct cur c;

	cur_init(&c, p, n);
	*out = cur_le32(&c);
	return cur_ok(&c) ? 0 : -1;
}

int fscc_decode_u8_info(const uint8_t *p, size_t n, uint8_t *out)
{
	struct cur c;

	cur_init(&c, p, n);
	*out = cur_u8(&c);
	return cur_ok(&c) ? 0 : -1;
}

/* 2.4.15 FILE_FULL_EA_INFORMATION: NextEntryOffset(4) Flags(1)
 * EaNameLength(1) EaValueLength(2) EaName + NUL, EaValue.  Each entry is
 * read through a sub-cursor over itself; NextEntryOffset is 4-aligned and
 * covers the entry, so every step moves forward; the last entry (Next 0)
 * runs to the end of the buffer. */
int fscc_decode_ea_list(const uint8_t *p, size_t n, struct fscc_ea *out, size_t max, size_t *count)
{
	struct cur all;
	size_t pos = 0, k = 0;

	*count = 0;
	cur_init(&all, p, n);
	if (n == 0)
		return 0; /* an empty list */
	for (;;) {
		struct cur e;
		if (k == max || !cur_range(&all, pos, n - pos, &e))
			return -1;
		uint32_t next = cur_le32(&e);
		if (next) {
			if (next % 4 || next >= n - pos)
				return -1;
			cur_range(&all, pos, next, &e);
			cur_skip(&e, 4);
		}
		out[k].flags = cur_u8(&e);
		out[k].name_len = cur_u8(&e);
		out[k].value_len = cur_le16(&e);
		out[k].name = cur_take(&e, out[k].name_len);
		uint8_t nul = cur_u8(&e);
		out[k].value = cur_take(&e, out[k].value_len);
		if (!cur_ok(&e) || nul != 0)
			return -1;
		if (!out[k].value_len)
			out[k].value = NULL;
		k++;
		if (!next)
			break;
		pos += next;
	}
	*count = k;
	return 0;
}

void fscc_encode_ea_list(struct buf *b, const struct fscc_ea *in, size_t count)
{
	size_t start = b->len, prev = 0;

	for (size_t i = 0; i < count; i++) {
		if (i) {
			buf_align(b, start, 4);
			buf_set_le32(b, prev, (uint32_t)(b->len - prev));
		}
		prev = b->len;
		buf_le32(b, 0);
		buf_u8(b, in[i].flags);
		buf_u8(b, in[i].name_len);
		buf_le16(b, in[i].value_len);
		buf_bytes(b, in[i].name, in[i].name_len);
		buf_u8(b, 0);
		buf_bytes(b, in[i].value, in[i].value_len);
	}
}

void fscc_append_ea(struct buf *b, size_t start, size_t *prev, const struct fscc_ea *ea)
{
	if (*prev != SIZE_MAX) {
		buf_align(b, start, 4);
		buf_set_le32(b, *prev, (uint32_t)(b->len - *prev));
	}
	*prev = b->len;
	buf_le32(b, 0);
	buf_u8(b, ea->flags);
	buf_u8(b, ea->name_len);
	buf_le16(b, ea->value_len);
	buf_bytes(b, ea->name, ea->name_len);
	buf_u8(b, 0);
	buf_bytes(b, ea->value, ea->value_len);
}

/* 2.4.15.1 FILE_GET_EA_INFORMATION: NextEntryOffset(4) EaNameLength(1)
 * EaName + NUL, each entry through a sub-cursor over itself. */
int fscc_decode_get_ea_list(const uint8_t *p, size_t n, struct fscc_ea_name *out, size_t max,
			    size_t *count)
{
	struct cur all;
	size_t pos = 0, k = 0;

	*count = 0;
	cur_init(&all, p, n);
	if (n == 0)
		return 0;
	for (;;) {
		struct cur e;
		if (k == max || !cur_range(&all, pos, n - pos, &e))
			return -1;
		uint32_t next = cur_le32(&e);
		if (next) {
			if (next % 4 || next >= n - pos)
				return -1;
			cur_range(&all, pos, next, &e);
			cur_skip(&e, 4);
		}
		out[k].name_len = cur_u8(&e);
		out[k].name = cur_take(&e, out[k].name_len);
		uint8_t nul = cur_u8(&e);
		if (!cur_ok(&e) || nul != 0 || out[k].name_len == 0)
			return -1;
		k++;
		if (!next)
			break;
		pos += next;
	}
	*count = k;
	return 0;
}

void fscc_encode_get_ea_list(struct buf *b, const struct fscc_ea_name *in, size_t count)
{
	size_t start = b->len, prev = 0;

	for (size_t i = 0; i < count; i++) {
		if (i) {
			buf_align(b, start, 4);
			buf_set_le32(b, prev, (uint32_t)(b->len - prev));
		}
		prev = b->len;
		buf_le32(b, 0);
		buf_u8(b, in[i].name_len);
		buf_bytes(b, in[i].name, in[i].name_len);
		buf_u8(b, 0);
	}
}
