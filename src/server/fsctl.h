/* The FSCTL buffers of IOCTL (MS-SMB2 2.2.31.1, 2.2.32.1, 2.2.32.3,
 * 2.2.32.5; MS-FSCC 2.3) and the CHANGE_NOTIFY output (MS-FSCC 2.7.1):
 * pure encoders and decoders over the cursor, like the proto/ codec, used
 * by smb2_ioctl.c and notify.c. */
#ifndef DAX_FSCTL_H
#define DAX_FSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* MS-SMB2 3.3.3: the server-side copy limits (Windows' values). */
#define FSCTL_COPYCHUNK_MAX_CHUNKS 256u
#define FSCTL_COPYCHUNK_MAX_CHUNK_SIZE (1024u * 1024u)
#define FSCTL_COPYCHUNK_MAX_DATA (16u * 1024u * 1024u)

#define FSCTL_RESUME_KEY_LEN 24
#define FSCTL_COPYCHUNK_FIXED 32       /* SourceKey, ChunkCount, Reserved */
#define FSCTL_COPYCHUNK_ENTRY 24       /* SRV_COPYCHUNK */
#define FSCTL_COPYCHUNK_RESP_LEN 12    /* SRV_COPYCHUNK_RESPONSE */
#define FSCTL_RESUME_KEY_RESP_LEN 32   /* key, ContextLength, 4 bytes of Context */
#define FSCTL_RANGE_LEN 16             /* FILE_ALLOCATED_RANGE_BUFFER, FILE_ZERO_DATA_INFORMATION */
#define FSCTL_NET_IFACE_LEN 152        /* NETWORK_INTERFACE_INFO */

/* SRV_COPYCHUNK_COPY (2.2.31.1).  chunks points into the input; read one
 * with fsctl_copychunk_get. */
struct fsctl_copychunk {
	uint8_t key[FSCTL_RESUME_KEY_LEN];
	uint32_t count;
	const uint8_t *chunks;
	size_t chunks_len;             /* bytes available after the fixed part */
};
struct fsctl_chunk {
	uint64_t src_off;
	uint64_t dst_off;
	uint32_t len;
};
/* -1 when the input is shorter than the fixed part; the chunk array is
 * checked against count by fsctl_copychunk_complete. */
int fsctl_decode_copychunk(const uint8_t *p, size_t n, struct fsctl_copychunk *out);
/* Does the input hold all count chunks? */
bool fsctl_copychunk_complete(const struct fsctl_copychunk *c);
/* Chunk i (< count, the input complete). */
void fsctl_copychunk_get(const struct fsctl_copychunk *c, uint32_t i, struct fsctl_chunk *out);
void fsctl_encode_copychunk(struct buf *b, const uint8_t key[FSCTL_RESUME_KEY_LEN],
			    const struct fsctl_chunk *chunks, uint32_t count);
/* SRV_COPYCHUNK_RESPONSE (2.2.32.1). */
void fsctl_encode_copychunk_resp(struct buf *b, uint32_t chunks_written,
				 uint32_t chunk_bytes_written, uint32_t total_bytes_written);
/* SRV_REQUEST_RESUME_KEY response (2.2.32.3): the key, ContextLength 0
 * and four zero bytes of Context, as Windows sends it. */
void fsctl_encode_resume_key(struct buf *b, const uint8_t key[FSCTL_RESUME_KEY_LEN]);

/* Two little-endian 64-bit numbers: FILE_ALLOCATED_RANGE_BUFFER
 * (FileOffset, Length; MS-FSCC 2.3.33) and FILE_ZERO_DATA_INFORMATION
 * (FileOffset, BeyondFinalZero; 2.3.67).  Longer input is accepted (as
 * Windows does); shorter is -1. */
int fsctl_decode_range(const uint8_t *p, size_t n, uint64_t *a, uint64_t *b);
void fsctl_encode_range(struct buf *b, uint64_t off, uint64_t len);

/* NETWORK_INTERFACE_INFO (MS-SMB2 2.2.32.5). */
#define FSCTL_IFACE_RSS_CAPABLE 0x1u
#define FSCTL_IFACE_RDMA_CAPABLE 0x2u
struct fsctl_net_iface {
	uint32_t if_index;
	uint32_t capability;
	uint64_t link_speed;           /* bits per second */
	bool ipv6;
	uint8_t addr[16];              /* IPv4 in the first 4 bytes */
	uint32_t scope_id;             /* IPv6 */
};
/* Encodes n entries chained by Next (0 in the last). */
void fsctl_encode_net_ifaces(struct buf *b, const struct fsctl_net_iface *v, size_t n);

/* FILE_NOTIFY_INFORMATION (MS-FSCC 2.7.1): one entry; name is UTF-16LE.
 * Entries are 4-byte aligned; the caller chains them with
 * fsctl_notify_chain (NextEntryOffset of the entry at prev). */
#define FILE_ACTION_ADDED 0x1u
#define FILE_ACTION_REMOVED 0x2u
#define FILE_ACTION_MODIFIED 0x3u
#define FILE_ACTION_RENAMED_OLD_NAME 0x4u
#define FILE_ACTION_RENAMED_NEW_NAME 0x5u
/* The bytes an entry with a name of name_len takes, padding included. */
size_t fsctl_notify_entry_size(size_t name_len);
/* Appends an entry (padded to 4) and returns its offset in b. */
size_t fsctl_encode_notify_entry(struct buf *b, uint32_t action, const uint8_t *name,
				 size_t name_len);
void fsctl_notify_chain(struct buf *b, size_t prev, size_t next);
/* Walks a FILE_NOTIFY_INFORMATION list (tests, the client): 1 and the
 * entry at *pos, advancing it; 0 at the end; -1 when malformed. */
int fsctl_decode_notify_entry(const uint8_t *p, size_t n, size_t *pos, uint32_t *action,
			      const uint8_t **name, uint32_t *name_len);

#endif
