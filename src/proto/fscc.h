/* MS-FSCC information classes: encoders for QUERY_INFO / QUERY_DIRECTORY
 * output and decoders for SET_INFO input.  Pure codec, like smb2.h. */
#ifndef DAX_FSCC_H
#define DAX_FSCC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* File information classes (MS-FSCC 2.4) */
#define FileDirectoryInformation 1
#define FileFullDirectoryInformation 2
#define FileBothDirectoryInformation 3
#define FileBasicInformation 4
#define FileStandardInformation 5
#define FileInternalInformation 6
#define FileEaInformation 7
#define FileAccessInformation 8
#define FileNameInformation 9
#define FileRenameInformation 10
#define FileLinkInformation 11
#define FileNamesInformation 12
#define FileDispositionInformation 13
#define FilePositionInformation 14
#define FileFullEaInformation 15
#define FileModeInformation 16
#define FileAlignmentInformation 17
#define FileAllInformation 18
#define FileAllocationInformation 19
#define FileEndOfFileInformation 20
#define FileAlternateNameInformation 21
#define FileStreamInformation 22
#define FilePipeInformation 23
#define FilePipeLocalInformation 24
#define FileCompressionInformation 28
#define FileNetworkOpenInformation 34
#define FileAttributeTagInformation 35
#define FileIdBothDirectoryInformation 37
#define FileIdFullDirectoryInformation 38
#define FileValidDataLengthInformation 39
#define FileNormalizedNameInformation 48
#define FileIdInformation 59
#define FileDispositionInformationEx 64
#define FileRenameInformationEx 65

/* File system information classes (MS-FSCC 2.5) */
#define FileFsVolumeInformation 1
#define FileFsLabelInformation 2
#define FileFsSizeInformation 3
#define FileFsDeviceInformation 4
#define FileFsAttributeInformation 5
#define FileFsControlInformation 6
#define FileFsFullSizeInformation 7
#define FileFsObjectIdInformation 8
#define FileFsSectorSizeInformation 11

/* Everything a file-info encoder may need, in host order. */
struct fscc_file_info {
	uint64_t creation_time;
	uint64_t last_access_time;
	uint64_t last_write_time;
	uint64_t change_time;
	uint64_t allocation_size;
	uint64_t end_of_file;
	uint32_t attributes;
	uint32_t nlink;
	bool delete_pending;
	bool is_dir;
	uint64_t file_id;      /* IndexNumber */
	uint64_t volume_id;    /* for FileIdInformation */
	uint32_t ea_size;
	uint32_t access_mask;  /* FileAccessInformation */
	uint64_t position;     /* FilePositionInformation */
	uint32_t mode;         /* FileModeInformation */
	const char *name;      /* UTF-8: FileNameInformation / FileAll (path, with leading '\') */
};

/* Encodes one fixed-or-named file information class (basic, standard,
 * internal, ea, access, name, position, mode, alignment, all,
 * network-open, attribute-tag, compression, id, normalized-name,
 * stream (a single ::$DATA stream for files, none for directories)).
 * Returns 0, or -1 for a class it does not know (the caller answers
 * STATUS_INVALID_INFO_CLASS).  Output is not truncated here; the caller
 * compares against OutputBufferLength. */
int fscc_encode_file_info(struct buf *b, int info_class, const struct fscc_file_info *fi);

/* One directory entry of a QUERY_DIRECTORY class (directory, full, both,
 * id-both, id-full, names).  NextEntryOffset is written as 0; the caller
 * chains entries with fscc_dirent_link().  Entries are 8-aligned by the
 * caller.  Returns 0 or -1 for an unknown class. */
int fscc_encode_dirent(struct buf *b, int info_class, const struct fscc_file_info *fi,
		       const char *name_utf8, uint32_t file_index);
/* Sets NextEntryOffset of the entry at prev_off to (cur_off - prev_off). */
void fscc_dirent_link(struct buf *b, size_t prev_off, size_t cur_off);
/* True if the class is one fscc_encode_dirent knows. */
bool fscc_dirent_class_ok(int info_class);

struct fscc_fs_info {
	uint64_t total_units;        /* allocation units */
	uint64_t caller_avail_units;
	uint64_t actual_avail_units;
	uint32_t sectors_per_unit;
	uint32_t bytes_per_sector;
	uint64_t volume_creation_time;
	uint32_t volume_serial;
	const char *volume_label;    /* UTF-8 */
	const char *fs_name;         /* UTF-8, e.g. "NTFS" */
	uint32_t fs_attributes;
	uint32_t max_name_len;
	uint32_t device_type;        /* FILE_DEVICE_DISK 0x07 */
	uint32_t device_characteristics;
	uint8_t object_id[16];
};
/* volume, size, full-size, device, attribute, sector-size, object-id.
 * Returns 0 or -1 for an unknown class. */
int fscc_encode_fs_info(struct buf *b, int info_class, const struct fscc_fs_info *fs);

/* SET_INFO inputs. Each returns 0 or -1 when the buffer is too short or
 * lies (a name length past the buffer). */
struct fscc_basic_info {
	uint64_t creation_time, last_access_time, last_write_time, change_time;
	uint32_t attributes;
};
int fscc_decode_basic_info(const uint8_t *p, size_t n, struct fscc_basic_info *out);
void fscc_encode_basic_info(struct buf *b, const struct fscc_basic_info *in);

/* FileRenameInformation / FileLinkInformation (SMB2 form: RootDirectory is
 * 8 bytes). name points into p (UTF-16LE). */
struct fscc_rename_info {
	uint8_t replace_if_exists;
	uint32_t flags;   /* RenameInformationEx flags */
	uint64_t root_directory;
	const uint8_t *name;
	uint32_t name_len;
};
int fscc_decode_rename_info(const uint8_t *p, size_t n, struct fscc_rename_info *out);
void fscc_encode_rename_info(struct buf *b, const struct fscc_rename_info *in);

/* 8-byte values: EndOfFile, Allocation, Position; 1-byte disposition;
 * 4-byte mode.  Decoders check the minimum size. */
int fscc_decode_u64_info(const uint8_t *p, size_t n, uint64_t *out);
int fscc_decode_u32_info(const uint8_t *p, size_t n, uint32_t *out);
int fscc_decode_u8_info(const uint8_t *p, size_t n, uint8_t *out);

/* FileFullEaInformation list (MS-FSCC 2.4.15), walked with a cursor that
 * must make progress; used for validation now and EAs later. */
struct fscc_ea {
	uint8_t flags;
	const uint8_t *name;
	uint8_t name_len;
	const uint8_t *value;
	uint16_t value_len;
};
#define FSCC_MAX_EAS 128
int fscc_decode_ea_list(const uint8_t *p, size_t n, struct fscc_ea *out, size_t max, size_t *count);
void fscc_encode_ea_list(struct buf *b, const struct fscc_ea *in, size_t count);
/* Appends one FILE_FULL_EA_INFORMATION entry to a list being built from
 * start (entries 4-aligned from start; *prev the previous entry's offset,
 * SIZE_MAX for none, updated).  The caller checks the size. */
void fscc_append_ea(struct buf *b, size_t start, size_t *prev, const struct fscc_ea *ea);

/* FILE_GET_EA_INFORMATION list (MS-FSCC 2.4.15.1): the EA names a QUERY_INFO
 * of FileFullEaInformation asks for.  Same walking rules as above. */
struct fscc_ea_name {
	const uint8_t *name;
	uint8_t name_len;
};
int fscc_decode_get_ea_list(const uint8_t *p, size_t n, struct fscc_ea_name *out, size_t max,
			    size_t *count);
void fscc_encode_get_ea_list(struct buf *b, const struct fscc_ea_name *in, size_t count);

#endif
