/* SMB2/3 wire codec (MS-SMB2 2.2): host-order structs and pure
 * encode/decode functions.  No I/O, no global state (STYLE 3).
 *
 * Conventions for every command:
 *  - A request/response "message" is one SMB2 header plus its body; in a
 *    compound it ends at NextCommand (or the end of the frame).
 *  - Decoders take a cursor over the WHOLE message (offsets in SMB2 are
 *    relative to the start of the header) positioned at the body (64), fill
 *    the struct, and return 0 or a negative value when the body is
 *    malformed (wrong StructureSize, truncated, offset/length outside the
 *    message).  Variable-length fields are returned as pointer+length into
 *    the message; they are only valid while the message buffer lives.
 *  - Encoders append the body to b; hdr_off is the offset in b where this
 *    message's 64-byte header starts, used to compute offsets.  They never
 *    fail except by the buf's sticky error.
 *  - Both directions exist (server decodes requests/encodes responses, the
 *    client library does the reverse), so every object round-trips. */
#ifndef DAX_SMB2_H
#define DAX_SMB2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"

#define SMB2_HDR_SIZE 64
#define SMB2_PROTO_ID 0x424D53FEu /* "\xfeSMB" read as le32 */
#define SMB2_TRANSFORM_ID 0x424D53FDu
#define SMB2_COMPRESSION_ID 0x424D53FCu
#define SMB1_PROTO_ID 0x424D53FFu

enum smb2_cmd {
	SMB2_NEGOTIATE = 0x00,
	SMB2_SESSION_SETUP = 0x01,
	SMB2_LOGOFF = 0x02,
	SMB2_TREE_CONNECT = 0x03,
	SMB2_TREE_DISCONNECT = 0x04,
	SMB2_CREATE = 0x05,
	SMB2_CLOSE = 0x06,
	SMB2_FLUSH = 0x07,
	SMB2_READ = 0x08,
	SMB2_WRITE = 0x09,
	SMB2_LOCK = 0x0A,
	SMB2_IOCTL = 0x0B,
	SMB2_CANCEL = 0x0C,
	SMB2_ECHO = 0x0D,
	SMB2_QUERY_DIRECTORY = 0x0E,
	SMB2_CHANGE_NOTIFY = 0x0F,
	SMB2_QUERY_INFO = 0x10,
	SMB2_SET_INFO = 0x11,
	SMB2_OPLOCK_BREAK = 0x12,
	SMB2_NCOMMANDS = 0x13,
};

/* Header flags (2.2.1) */
#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define SMB2_FLAGS_ASYNC_COMMAND 0x00000002u
#define SMB2_FLAGS_RELATED_OPERATIONS 0x00000004u
#define SMB2_FLAGS_SIGNED 0x00000008u
#define SMB2_FLAGS_PRIORITY_MASK 0x00000070u
#define SMB2_FLAGS_DFS_OPERATIONS 0x10000000u
#define SMB2_FLAGS_REPLAY_OPERATION 0x20000000u

/* Dialects */
#define SMB2_DIALECT_202 0x0202
#define SMB2_DIALECT_210 0x0210
#define SMB2_DIALECT_300 0x0300
#define SMB2_DIALECT_302 0x0302
#define SMB2_DIALECT_311 0x0311
#define SMB2_DIALECT_WILDCARD 0x02FF

/* Security mode */
#define SMB2_NEGOTIATE_SIGNING_ENABLED 0x0001
#define SMB2_NEGOTIATE_SIGNING_REQUIRED 0x0002

/* Capabilities */
#define SMB2_GLOBAL_CAP_DFS 0x00000001u
#define SMB2_GLOBAL_CAP_LEASING 0x00000002u
#define SMB2_GLOBAL_CAP_LARGE_MTU 0x00000004u
#define SMB2_GLOBAL_CAP_MULTI_CHANNEL 0x00000008u
#define SMB2_GLOBAL_CAP_PERSISTENT_HANDLES 0x00000010u
#define SMB2_GLOBAL_CAP_DIRECTORY_LEASING 0x00000020u
#define SMB2_GLOBAL_CAP_ENCRYPTION 0x00000040u

/* Negotiate context types (2.2.3.1) */
#define SMB2_PREAUTH_INTEGRITY_CAPABILITIES 0x0001
#define SMB2_ENCRYPTION_CAPABILITIES 0x0002
#define SMB2_COMPRESSION_CAPABILITIES 0x0003
#define SMB2_NETNAME_NEGOTIATE_CONTEXT_ID 0x0005
#define SMB2_TRANSPORT_CAPABILITIES 0x0006
#define SMB2_RDMA_TRANSFORM_CAPABILITIES 0x0007
#define SMB2_SIGNING_CAPABILITIES 0x0008
#define SMB2_POSIX_EXTENSIONS_CONTEXT 0x0100

#define SMB2_PREAUTH_HASH_SHA512 0x0001
#define SMB2_ENC_AES128_CCM 0x0001
#define SMB2_ENC_AES128_GCM 0x0002
#define SMB2_ENC_AES256_CCM 0x0003
#define SMB2_ENC_AES256_GCM 0x0004
#define SMB2_SIGN_HMAC_SHA256 0x0000
#define SMB2_SIGN_AES_CMAC 0x0001
#define SMB2_SIGN_AES_GMAC 0x0002

/* Session setup */
#define SMB2_SESSION_FLAG_BINDING 0x01
#define SMB2_SESSION_FLAG_IS_GUEST 0x0001
#define SMB2_SESSION_FLAG_IS_NULL 0x0002
#define SMB2_SESSION_FLAG_ENCRYPT_DATA 0x0004

/* Tree connect */
#define SMB2_SHARE_TYPE_DISK 0x01
#define SMB2_SHARE_TYPE_PIPE 0x02
#define SMB2_SHARE_TYPE_PRINT 0x03
#define SMB2_SHAREFLAG_MANUAL_CACHING 0x00000000u
#define SMB2_SHAREFLAG_NO_CACHING 0x00000030u
#define SMB2_SHAREFLAG_ENCRYPT_DATA 0x00008000u
#define SMB2_SHARE_CAP_DFS 0x00000008u
#define SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY 0x00000010u

/* Oplock levels */
#define SMB2_OPLOCK_LEVEL_NONE 0x00
#define SMB2_OPLOCK_LEVEL_II 0x01
#define SMB2_OPLOCK_LEVEL_EXCLUSIVE 0x08
#define SMB2_OPLOCK_LEVEL_BATCH 0x09
#define SMB2_OPLOCK_LEVEL_LEASE 0xFF

/* Access mask (MS-DTYP 2.4.3, MS-SMB2 2.2.13.1) */
#define FILE_READ_DATA 0x00000001u
#define FILE_LIST_DIRECTORY 0x00000001u
#define FILE_WRITE_DATA 0x00000002u
#define FILE_ADD_FILE 0x00000002u
#define FILE_APPEND_DATA 0x00000004u
#define FILE_ADD_SUBDIRECTORY 0x00000004u
#define FILE_READ_EA 0x00000008u
#define FILE_WRITE_EA 0x00000010u
#define FILE_EXECUTE 0x00000020u
#define FILE_TRAVERSE 0x00000020u
#define FILE_DELETE_CHILD 0x00000040u
#define FILE_READ_ATTRIBUTES 0x00000080u
#define FILE_WRITE_ATTRIBUTES 0x00000100u
#define DELETE 0x00010000u
#define READ_CONTROL 0x00020000u
#define WRITE_DAC 0x00040000u
#define WRITE_OWNER 0x00080000u
#define SYNCHRONIZE 0x00100000u
#define ACCESS_SYSTEM_SECURITY 0x01000000u
#define MAXIMUM_ALLOWED 0x02000000u
#define GENERIC_ALL 0x10000000u
#define GENERIC_EXECUTE 0x20000000u
#define GENERIC_WRITE 0x40000000u
#define GENERIC_READ 0x80000000u
#define FILE_ALL_ACCESS 0x001F01FFu

/* Share access */
#define FILE_SHARE_READ 0x1u
#define FILE_SHARE_WRITE 0x2u
#define FILE_SHARE_DELETE 0x4u

/* Create disposition */
#define FILE_SUPERSEDE 0u
#define FILE_OPEN 1u
#define FILE_CREATE 2u
#define FILE_OPEN_IF 3u
#define FILE_OVERWRITE 4u
#define FILE_OVERWRITE_IF 5u

/* Create action */
#define FILE_SUPERSEDED 0u
#define FILE_OPENED 1u
#define FILE_CREATED 2u
#define FILE_OVERWRITTEN 3u

/* Create options */
#define FILE_DIRECTORY_FILE 0x00000001u
#define FILE_WRITE_THROUGH 0x00000002u
#define FILE_SEQUENTIAL_ONLY 0x00000004u
#define FILE_NO_INTERMEDIATE_BUFFERING 0x00000008u
#define FILE_SYNCHRONOUS_IO_ALERT 0x00000010u
#define FILE_SYNCHRONOUS_IO_NONALERT 0x00000020u
#define FILE_NON_DIRECTORY_FILE 0x00000040u
#define FILE_COMPLETE_IF_OPLOCKED 0x00000100u
#define FILE_NO_EA_KNOWLEDGE 0x00000200u
#define FILE_RANDOM_ACCESS 0x00000800u
#define FILE_DELETE_ON_CLOSE 0x00001000u
#define FILE_OPEN_BY_FILE_ID 0x00002000u
#define FILE_OPEN_FOR_BACKUP_INTENT 0x00004000u
#define FILE_NO_COMPRESSION 0x00008000u
#define FILE_RESERVE_OPFILTER 0x00100000u
#define FILE_OPEN_REPARSE_POINT 0x00200000u
#define FILE_OPEN_NO_RECALL 0x00400000u
#define FILE_OPEN_FOR_FREE_SPACE_QUERY 0x00800000u

/* File attributes (MS-FSCC 2.6) */
#define FILE_ATTRIBUTE_READONLY 0x00000001u
#define FILE_ATTRIBUTE_HIDDEN 0x00000002u
#define FILE_ATTRIBUTE_SYSTEM 0x00000004u
#define FILE_ATTRIBUTE_DIRECTORY 0x00000010u
#define FILE_ATTRIBUTE_ARCHIVE 0x00000020u
#define FILE_ATTRIBUTE_NORMAL 0x00000080u
#define FILE_ATTRIBUTE_TEMPORARY 0x00000100u
#define FILE_ATTRIBUTE_SPARSE_FILE 0x00000200u
#define FILE_ATTRIBUTE_REPARSE_POINT 0x00000400u
#define FILE_ATTRIBUTE_COMPRESSED 0x00000800u
#define FILE_ATTRIBUTE_OFFLINE 0x00001000u
#define FILE_ATTRIBUTE_NOT_CONTENT_INDEXED 0x00002000u
#define FILE_ATTRIBUTE_ENCRYPTED 0x00004000u
#define FILE_ATTRIBUTE_INTEGRITY_STREAM 0x00008000u
#define FILE_ATTRIBUTE_NO_SCRUB_DATA 0x00020000u

/* Close flags */
#define SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB 0x0001

/* Read/write flags */
#define SMB2_READFLAG_READ_UNBUFFERED 0x01
#define SMB2_WRITEFLAG_WRITE_THROUGH 0x00000001u
#define SMB2_WRITEFLAG_WRITE_UNBUFFERED 0x00000002u
#define SMB2_CHANNEL_NONE 0x00000000u

/* Query directory flags */
#define SMB2_RESTART_SCANS 0x01
#define SMB2_RETURN_SINGLE_ENTRY 0x02
#define SMB2_INDEX_SPECIFIED 0x04
#define SMB2_REOPEN 0x10

/* Info types */
#define SMB2_0_INFO_FILE 0x01
#define SMB2_0_INFO_FILESYSTEM 0x02
#define SMB2_0_INFO_SECURITY 0x03
#define SMB2_0_INFO_QUOTA 0x04

/* IOCTL */
#define SMB2_0_IOCTL_IS_FSCTL 0x00000001u
#define FSCTL_DFS_GET_REFERRALS 0x00060194u
#define FSCTL_PIPE_PEEK 0x0011400Cu
#define FSCTL_PIPE_WAIT 0x00110018u
#define FSCTL_PIPE_TRANSCEIVE 0x0011C017u
#define FSCTL_SRV_COPYCHUNK 0x001440F2u
#define FSCTL_SRV_ENUMERATE_SNAPSHOTS 0x00144064u
#define FSCTL_SRV_REQUEST_RESUME_KEY 0x00140078u
#define FSCTL_SRV_READ_HASH 0x001441BBu
#define FSCTL_SRV_COPYCHUNK_WRITE 0x001480F2u
#define FSCTL_LMR_REQUEST_RESILIENCY 0x001401D4u
#define FSCTL_QUERY_NETWORK_INTERFACE_INFO 0x001401FCu
#define FSCTL_SET_REPARSE_POINT 0x000900A4u
#define FSCTL_GET_REPARSE_POINT 0x000900A8u
#define FSCTL_VALIDATE_NEGOTIATE_INFO 0x00140204u
#define FSCTL_SET_SPARSE 0x000900C4u
#define FSCTL_SET_ZERO_DATA 0x000980C8u
#define FSCTL_QUERY_ALLOCATED_RANGES 0x000940CFu
#define FSCTL_GET_OBJECT_ID 0x0009009Cu
#define FSCTL_CREATE_OR_GET_OBJECT_ID 0x000900C0u

/* ---- the header ---- */

struct smb2_hdr {
	uint16_t credit_charge;
	uint32_t status;       /* ChannelSequence/Reserved in requests */
	uint16_t command;
	uint16_t credits;      /* CreditRequest / CreditResponse */
	uint32_t flags;
	uint32_t next_command;
	uint64_t message_id;
	uint64_t async_id;     /* valid when flags & ASYNC */
	uint32_t process_id;   /* sync only */
	uint32_t tree_id;      /* sync only */
	uint64_t session_id;
	uint8_t signature[16];
};

/* Decodes the 64-byte header at c's position. Returns 0, or -1 if short, the
 * protocol id or StructureSize is wrong. */
int smb2_decode_hdr(struct cur *c, struct smb2_hdr *h);
void smb2_encode_hdr(struct buf *b, const struct smb2_hdr *h);

/* Splits a frame into compound elements.  Each call yields the next message
 * (header + body) as [*off, *off + *len) of frame; returns 1 when a message
 * was produced, 0 at the end, -1 when the chain is malformed: a NextCommand
 * that is not 8-aligned, smaller than a header, or beyond the frame.  *pos
 * starts at 0 and is advanced by the iterator. */
int smb2_next_message(const uint8_t *frame, size_t frame_len, size_t *pos, size_t *off,
		      size_t *len);

/* Error response body (2.2.2). */
void smb2_encode_error_resp(struct buf *b, const uint8_t *data, uint32_t data_len);

/* ---- NEGOTIATE (2.2.3, 2.2.4) ---- */

#define SMB2_MAX_DIALECTS 64
#define SMB2_MAX_NEG_CONTEXTS 32

struct smb2_neg_context {
	uint16_t type;
	const uint8_t *data;
	uint16_t data_len;
};

struct smb2_negotiate_req {
	uint16_t dialect_count;
	uint16_t security_mode;
	uint32_t capabilities;
	uint8_t client_guid[16];
	uint64_t client_start_time;  /* the 8 bytes when no 3.1.1 dialect */
	uint16_t dialects[SMB2_MAX_DIALECTS];
	uint16_t context_count;
	struct smb2_neg_context contexts[SMB2_MAX_NEG_CONTEXTS];
};

struct smb2_negotiate_resp {
	uint16_t security_mode;
	uint16_t dialect;
	uint8_t server_guid[16];
	uint32_t capabilities;
	uint32_t max_transact;
	uint32_t max_read;
	uint32_t max_write;
	uint64_t system_time;
	uint64_t server_start_time;
	const uint8_t *security_buffer;
	uint16_t security_buffer_len;
	uint16_t context_count;
	struct smb2_neg_context contexts[SMB2_MAX_NEG_CONTEXTS];
};

/* Contexts are decoded only when the dialect list holds 0x0311 (request)
 * or the dialect is 0x0311 (response); more than SMB2_MAX_NEG_CONTEXTS, a
 * context overrunning the message, or a dialect count of 0 or > MAX is an
 * error. */
int smb2_decode_negotiate_req(struct cur *c, struct smb2_negotiate_req *r);
void smb2_encode_negotiate_req(struct buf *b, size_t hdr_off, const struct smb2_negotiate_req *r);
int smb2_decode_negotiate_resp(struct cur *c, struct smb2_negotiate_resp *r);
void smb2_encode_negotiate_resp(struct buf *b, size_t hdr_off, const struct smb2_negotiate_resp *r);

/* Bodies of the individual contexts. */
#define SMB2_MAX_CTX_IDS 16
struct smb2_preauth_ctx {
	uint16_t hash_count;
	uint16_t hash_algs[SMB2_MAX_CTX_IDS];
	const uint8_t *salt;
	uint16_t salt_len;
};
/* Used for the encryption (cipher ids) and signing (algorithm ids) contexts,
 * which share the shape count + list of u16. */
struct smb2_id_list_ctx {
	uint16_t count;
	uint16_t ids[SMB2_MAX_CTX_IDS];
};
int smb2_decode_preauth_ctx(const uint8_t *p, size_t n, struct smb2_preauth_ctx *out);
void smb2_encode_preauth_ctx(struct buf *b, const struct smb2_preauth_ctx *in);
/* More than SMB2_MAX_CTX_IDS ids: the first SMB2_MAX_CTX_IDS are kept, and
 * count says how many were kept (a client offering many is not an error). */
int smb2_decode_id_list_ctx(const uint8_t *p, size_t n, struct smb2_id_list_ctx *out);
void smb2_encode_id_list_ctx(struct buf *b, const struct smb2_id_list_ctx *in);

/* ---- SESSION_SETUP (2.2.5, 2.2.6), LOGOFF (2.2.7, 2.2.8) ---- */

struct smb2_session_setup_req {
	uint8_t flags;
	uint8_t security_mode;
	uint32_t capabilities;
	uint32_t channel;
	uint64_t previous_session_id;
	const uint8_t *token;
	uint16_t token_len;
};

struct smb2_session_setup_resp {
	uint16_t session_flags;
	const uint8_t *token;
	uint16_t token_len;
};

int smb2_decode_session_setup_req(struct cur *c, struct smb2_session_setup_req *r);
void smb2_encode_session_setup_req(struct buf *b, size_t hdr_off, const struct smb2_session_setup_req *r);
int smb2_decode_session_setup_resp(struct cur *c, struct smb2_session_setup_resp *r);
void smb2_encode_session_setup_resp(struct buf *b, size_t hdr_off, const struct smb2_session_setup_resp *r);

/* Bodies of StructureSize 4 + Reserved(2): LOGOFF, TREE_DISCONNECT, ECHO,
 * CANCEL requests and LOGOFF, TREE_DISCONNECT, ECHO, FLUSH, LOCK responses. */
int smb2_decode_empty4(struct cur *c);
void smb2_encode_empty4(struct buf *b);

/* ---- TREE_CONNECT (2.2.9, 2.2.10) ---- */

struct smb2_tree_connect_req {
	uint16_t flags;
	const uint8_t *path;   /* UTF-16LE, e.g. \\server\share */
	uint16_t path_len;
};

struct smb2_tree_connect_resp {
	uint8_t share_type;
	uint32_t share_flags;
	uint32_t capabilities;
	uint32_t maximal_access;
};

int smb2_decode_tree_connect_req(struct cur *c, struct smb2_tree_connect_req *r);
void smb2_encode_tree_connect_req(struct buf *b, size_t hdr_off, const struct smb2_tree_connect_req *r);
int smb2_decode_tree_connect_resp(struct cur *c, struct smb2_tree_connect_resp *r);
void smb2_encode_tree_connect_resp(struct buf *b, const struct smb2_tree_connect_resp *r);

/* ---- CREATE (2.2.13, 2.2.14) ---- */

struct smb2_fileid {
	uint64_t persistent;
	uint64_t volatile_;
};

#define SMB2_MAX_CREATE_CONTEXTS 32
struct smb2_create_context {
	const uint8_t *name;
	uint16_t name_len;
	const uint8_t *data;
	uint32_t data_len;
};

struct smb2_create_req {
	uint8_t security_flags;
	uint8_t oplock_level;
	uint32_t impersonation_level;
	uint64_t create_flags;
	uint32_t desired_access;
	uint32_t file_attributes;
	uint32_t share_access;
	uint32_t create_disposition;
	uint32_t create_options;
	const uint8_t *name;    /* UTF-16LE, relative to the share; may be empty */
	uint16_t name_len;
	uint16_t context_count;
	struct smb2_create_context contexts[SMB2_MAX_CREATE_CONTEXTS];
};

struct smb2_create_resp {
	uint8_t oplock_level;
	uint8_t flags;
	uint32_t create_action;
	uint64_t creation_time;
	uint64_t last_access_time;
	uint64_t last_write_time;
	uint64_t change_time;
	uint64_t allocation_size;
	uint64_t end_of_file;
	uint32_t file_attributes;
	struct smb2_fileid file_id;
	uint16_t context_count;
	struct smb2_create_context contexts[SMB2_MAX_CREATE_CONTEXTS];
};

/* Create contexts (2.2.13.2) are a chain walked through a sub-cursor that
 * must make progress: Next 8-aligned and inside the blob, name/data inside
 * their element; a loop, an overrun or more than MAX contexts is an error. */
int smb2_decode_create_req(struct cur *c, struct smb2_create_req *r);
void smb2_encode_create_req(struct buf *b, size_t hdr_off, const struct smb2_create_req *r);
int smb2_decode_create_resp(struct cur *c, struct smb2_create_resp *r);
void smb2_encode_create_resp(struct buf *b, size_t hdr_off, const struct smb2_create_resp *r);
/* The chain codec on its own (blob = the CreateContexts bytes). */
int smb2_decode_create_contexts(const uint8_t *blob, size_t n, struct smb2_create_context *out,
				uint16_t *count);
void smb2_encode_create_contexts(struct buf *b, const struct smb2_create_context *in, uint16_t count);
/* The first context of the chain named name (4-letter tags, 16-byte GUIDs). */
const struct smb2_create_context *smb2_find_create_context(const struct smb2_create_context *x,
							    uint16_t count, const void *name,
							    size_t name_len);

/* Context payloads.  Each decoder takes the context's data, must consume
 * all of it and check StructureSize where there is one: 0, or -1 for a
 * payload of the wrong length or size (STATUS_INVALID_PARAMETER). */
/* SMB2_CREATE_APP_INSTANCE_ID (2.2.13.2.13, 3.x), 20 bytes. */
extern const uint8_t smb2_ctx_app_instance_id[16];
int smb2_decode_app_instance_id(const uint8_t *p, size_t n, uint8_t id[16]);
void smb2_encode_app_instance_id(struct buf *b, const uint8_t id[16]);
/* SMB2_CREATE_APP_INSTANCE_VERSION (2.2.13.2.15, 3.1.1), 24 bytes. */
extern const uint8_t smb2_ctx_app_instance_version[16];
struct smb2_app_instance_version {
	uint64_t high, low;
};
int smb2_decode_app_instance_version(const uint8_t *p, size_t n,
				     struct smb2_app_instance_version *out);
void smb2_encode_app_instance_version(struct buf *b, const struct smb2_app_instance_version *v);
/* SMB2_CREATE_ALLOCATION_SIZE "AlSi" (2.2.13.2.6), 8 bytes. */
int smb2_decode_alloc_size_ctx(const uint8_t *p, size_t n, uint64_t *size);
void smb2_encode_alloc_size_ctx(struct buf *b, uint64_t size);
/* SMB2_CREATE_TIMEWARP_TOKEN "TWrp" (2.2.13.2.7), 8 bytes. */
int smb2_decode_timewarp_ctx(const uint8_t *p, size_t n, uint64_t *when);
void smb2_encode_timewarp_ctx(struct buf *b, uint64_t when);

/* ---- CLOSE (2.2.15, 2.2.16), FLUSH (2.2.17) ---- */

struct smb2_close_req {
	uint16_t flags;
	struct smb2_fileid file_id;
};

struct smb2_close_resp {
	uint16_t flags;
	uint64_t creation_time;
	uint64_t last_access_time;
	uint64_t last_write_time;
	uint64_t change_time;
	uint64_t allocation_size;
	uint64_t end_of_file;
	uint32_t file_attributes;
};

int smb2_decode_close_req(struct cur *c, struct smb2_close_req *r);
void smb2_encode_close_req(struct buf *b, const struct smb2_close_req *r);
int smb2_decode_close_resp(struct cur *c, struct smb2_close_resp *r);
void smb2_encode_close_resp(struct buf *b, const struct smb2_close_resp *r);

struct smb2_flush_req {
	struct smb2_fileid file_id;
};
int smb2_decode_flush_req(struct cur *c, struct smb2_flush_req *r);
void smb2_encode_flush_req(struct buf *b, const struct smb2_flush_req *r);

/* ---- READ (2.2.19, 2.2.20), WRITE (2.2.21, 2.2.22) ---- */

struct smb2_read_req {
	uint8_t padding;
	uint8_t flags;
	uint32_t length;
	uint64_t offset;
	struct smb2_fileid file_id;
	uint32_t minimum_count;
	uint32_t channel;
	uint32_t remaining_bytes;
	const uint8_t *channel_info;
	uint16_t channel_info_len;
};

/* The response's fixed part; the data follows at DataOffset 0x50 and is
 * supplied separately by the caller (an iovec pointing at the mapping or
 * the read buffer, STYLE 8).  The encoder writes 16 bytes (no data). */
struct smb2_read_resp {
	uint32_t data_length;
	uint32_t data_remaining;
	uint32_t flags;
	const uint8_t *data; /* decode only */
};

int smb2_decode_read_req(struct cur *c, struct smb2_read_req *r);
void smb2_encode_read_req(struct buf *b, size_t hdr_off, const struct smb2_read_req *r);
int smb2_decode_read_resp(struct cur *c, struct smb2_read_resp *r);
void smb2_encode_read_resp_fixed(struct buf *b, const struct smb2_read_resp *r);

struct smb2_write_req {
	uint32_t length;
	uint64_t offset;
	struct smb2_fileid file_id;
	uint32_t channel;
	uint32_t remaining_bytes;
	uint32_t flags;
	const uint8_t *data;
	const uint8_t *channel_info;
	uint16_t channel_info_len;
};

struct smb2_write_resp {
	uint32_t count;
	uint32_t remaining;
};

/* The data must lie inside the message (DataOffset >= 64+48, in bounds). */
int smb2_decode_write_req(struct cur *c, struct smb2_write_req *r);
/* Writes the fixed part and the data (DataOffset 0x70). */
void smb2_encode_write_req(struct buf *b, size_t hdr_off, const struct smb2_write_req *r);
int smb2_decode_write_resp(struct cur *c, struct smb2_write_resp *r);
void smb2_encode_write_resp(struct buf *b, const struct smb2_write_resp *r);

/* ---- LOCK (2.2.26) ---- */

#define SMB2_LOCKFLAG_SHARED_LOCK 0x01u
#define SMB2_LOCKFLAG_EXCLUSIVE_LOCK 0x02u
#define SMB2_LOCKFLAG_UNLOCK 0x04u
#define SMB2_LOCKFLAG_FAIL_IMMEDIATELY 0x10u
#define SMB2_MAX_LOCKS 64

struct smb2_lock_element {
	uint64_t offset;
	uint64_t length;
	uint32_t flags;
};

struct smb2_lock_req {
	uint16_t lock_count;
	uint32_t lock_sequence;
	struct smb2_fileid file_id;
	struct smb2_lock_element locks[SMB2_MAX_LOCKS];
};

/* lock_count 0 or > SMB2_MAX_LOCKS is an error. */
int smb2_decode_lock_req(struct cur *c, struct smb2_lock_req *r);
void smb2_encode_lock_req(struct buf *b, const struct smb2_lock_req *r);

/* ---- IOCTL (2.2.31, 2.2.32) ---- */

struct smb2_ioctl_req {
	uint32_t ctl_code;
	struct smb2_fileid file_id;
	const uint8_t *input;
	uint32_t input_count;
	uint32_t max_input_response;
	uint32_t max_output_response;
	uint32_t flags;
};

struct smb2_ioctl_resp {
	uint32_t ctl_code;
	struct smb2_fileid file_id;
	const uint8_t *output;
	uint32_t output_count;
	uint32_t flags;
};

int smb2_decode_ioctl_req(struct cur *c, struct smb2_ioctl_req *r);
void smb2_encode_ioctl_req(struct buf *b, size_t hdr_off, const struct smb2_ioctl_req *r);
int smb2_decode_ioctl_resp(struct cur *c, struct smb2_ioctl_resp *r);
/* InputOffset/InputCount 0, output at the first 8-aligned offset. */
void smb2_encode_ioctl_resp(struct buf *b, size_t hdr_off, const struct smb2_ioctl_resp *r);

/* FSCTL_VALIDATE_NEGOTIATE_INFO input (2.2.31.4) and output (2.2.32.6). */
struct smb2_validate_negotiate_req {
	uint32_t capabilities;
	uint8_t guid[16];
	uint16_t security_mode;
	uint16_t dialect_count;
	uint16_t dialects[SMB2_MAX_DIALECTS];
};
struct smb2_validate_negotiate_resp {
	uint32_t capabilities;
	uint8_t guid[16];
	uint16_t security_mode;
	uint16_t dialect;
};
int smb2_decode_validate_negotiate_req(const uint8_t *p, size_t n, struct smb2_validate_negotiate_req *r);
void smb2_encode_validate_negotiate_req(struct buf *b, const struct smb2_validate_negotiate_req *r);
int smb2_decode_validate_negotiate_resp(const uint8_t *p, size_t n, struct smb2_validate_negotiate_resp *r);
void smb2_encode_validate_negotiate_resp(struct buf *b, const struct smb2_validate_negotiate_resp *r);

/* ---- QUERY_DIRECTORY (2.2.33, 2.2.34) ---- */

struct smb2_query_directory_req {
	uint8_t info_class;
	uint8_t flags;
	uint32_t file_index;
	struct smb2_fileid file_id;
	const uint8_t *pattern;   /* UTF-16LE */
	uint16_t pattern_len;
	uint32_t output_buffer_length;
};

/* Response bodies of the shape StructureSize 9 + OutputBufferOffset(2) +
 * OutputBufferLength(4) + data: QUERY_DIRECTORY, QUERY_INFO, CHANGE_NOTIFY.
 * The encoder places the data right after the fixed part (offset 72). */
struct smb2_output_resp {
	const uint8_t *data;
	uint32_t data_len;
};
int smb2_decode_output_resp(struct cur *c, struct smb2_output_resp *r);
void smb2_encode_output_resp(struct buf *b, size_t hdr_off, const struct smb2_output_resp *r);

int smb2_decode_query_directory_req(struct cur *c, struct smb2_query_directory_req *r);
void smb2_encode_query_directory_req(struct buf *b, size_t hdr_off, const struct smb2_query_directory_req *r);

/* ---- CHANGE_NOTIFY (2.2.35) ---- */

struct smb2_change_notify_req {
	uint16_t flags;
	uint32_t output_buffer_length;
	struct smb2_fileid file_id;
	uint32_t completion_filter;
};
int smb2_decode_change_notify_req(struct cur *c, struct smb2_change_notify_req *r);
void smb2_encode_change_notify_req(struct buf *b, const struct smb2_change_notify_req *r);

/* ---- QUERY_INFO (2.2.37), SET_INFO (2.2.39) ---- */

struct smb2_query_info_req {
	uint8_t info_type;
	uint8_t file_info_class;
	uint32_t output_buffer_length;
	const uint8_t *input;
	uint32_t input_len;
	uint32_t additional_information;
	uint32_t flags;
	struct smb2_fileid file_id;
};
int smb2_decode_query_info_req(struct cur *c, struct smb2_query_info_req *r);
void smb2_encode_query_info_req(struct buf *b, size_t hdr_off, const struct smb2_query_info_req *r);

struct smb2_set_info_req {
	uint8_t info_type;
	uint8_t file_info_class;
	const uint8_t *buffer;
	uint32_t buffer_len;
	uint32_t additional_information;
	struct smb2_fileid file_id;
};
int smb2_decode_set_info_req(struct cur *c, struct smb2_set_info_req *r);
void smb2_encode_set_info_req(struct buf *b, size_t hdr_off, const struct smb2_set_info_req *r);
/* SET_INFO response: StructureSize 2. */
int smb2_decode_set_info_resp(struct cur *c);
void smb2_encode_set_info_resp(struct buf *b);

/* ---- OPLOCK_BREAK (2.2.23-2.2.25) ---- */

struct smb2_oplock_break {
	uint8_t oplock_level;
	struct smb2_fileid file_id;
};
int smb2_decode_oplock_break(struct cur *c, struct smb2_oplock_break *r);
void smb2_encode_oplock_break(struct buf *b, const struct smb2_oplock_break *r);

/* ---- Leases (2.2.13.2.8, 2.2.13.2.10, 2.2.14.2.10, 2.2.14.2.11, 2.2.23.2,
 * 2.2.24.2, 2.2.25.2): lease.c ---- */

#define SMB2_LEASE_NONE 0x00u
#define SMB2_LEASE_READ 0x01u
#define SMB2_LEASE_HANDLE 0x02u
#define SMB2_LEASE_WRITE 0x04u
#define SMB2_LEASE_FLAG_BREAK_IN_PROGRESS 0x02u
#define SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET 0x04u
#define SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED 0x01u
#define SMB2_LEASE_V1_SIZE 32
#define SMB2_LEASE_V2_SIZE 52

/* The RqLs create context data, request and response alike; version 1
 * (32 bytes) or 2 (52 bytes: parent key and epoch). */
struct smb2_lease {
	uint16_t version;
	uint8_t key[16];
	uint32_t state;
	uint32_t flags;
	uint64_t duration;
	uint8_t parent_key[16];
	uint16_t epoch;
};
/* Decodes a context's data: its length picks the version. 0 or -1. */
int smb2_decode_lease_ctx(const uint8_t *p, size_t n, struct smb2_lease *out);
/* Appends the version's layout (32 or 52 bytes). */
void smb2_encode_lease_ctx(struct buf *b, const struct smb2_lease *in);

/* Lease Break Notification (StructureSize 44). */
struct smb2_lease_break_notify {
	uint16_t new_epoch;
	uint32_t flags;
	uint8_t key[16];
	uint32_t current_state;
	uint32_t new_state;
	uint32_t break_reason;
	uint32_t access_mask_hint;
	uint32_t share_mask_hint;
};
int smb2_decode_lease_break_notify(struct cur *c, struct smb2_lease_break_notify *r);
void smb2_encode_lease_break_notify(struct buf *b, const struct smb2_lease_break_notify *r);

/* Lease Break Acknowledgment and Response share one body (StructureSize 36). */
struct smb2_lease_break_ack {
	uint32_t flags;
	uint8_t key[16];
	uint32_t state;
	uint64_t duration;
};
int smb2_decode_lease_break_ack(struct cur *c, struct smb2_lease_break_ack *r);
void smb2_encode_lease_break_ack(struct buf *b, const struct smb2_lease_break_ack *r);
/* The StructureSize of an OPLOCK_BREAK body at c's position (24 for an
 * oplock, 36 for a lease), without consuming it; 0 if short. */
uint16_t smb2_break_body_size(const struct cur *c);

/* ---- SMB1 NEGOTIATE, only to recognise the upgrade (MS-SMB2 3.3.5.3) ---- */

/* Given a whole SMB1 message, returns 1 if it is an SMB_COM_NEGOTIATE whose
 * dialect strings include "SMB 2.002" (sets *wildcard=0) or "SMB 2.???"
 * (sets *wildcard=1, preferred), 0 if it is a well-formed SMB1 negotiate
 * without SMB2 dialects or any other SMB1 command, -1 if malformed. */
int smb1_negotiate_wants_smb2(const uint8_t *msg, size_t n, int *wildcard);

#endif
