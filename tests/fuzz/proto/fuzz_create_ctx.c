/* libFuzzer: a raw create context chain (2.2.13.2).  What decodes is
 * re-encoded and decoded again: the second decode must succeed with the
 * same count (the encoder's layout is always valid).  The input and each
 * context's data also go through the payload decoders. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/smb2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct buf out;

/* The payload decoders (app instance id and version, AlSi, TWrp) on one
 * context's data: what decodes re-encodes to the same bytes. */
static void payloads(const uint8_t *p, size_t n)
{
	static struct buf pb;
	uint8_t id[16];
	struct smb2_app_instance_version v;
	uint64_t alloc;

	if (!pb.max)
		buf_init(&pb, 64);
	buf_reset(&pb);
	if (smb2_decode_app_instance_id(p, n, id) == 0) {
		smb2_encode_app_instance_id(&pb, id);
		/* Reserved is not kept */
		if (pb.len != n || memcmp(pb.p, p, 2) || memcmp(pb.p + 4, p + 4, 16))
			__builtin_trap();
	}
	buf_reset(&pb);
	if (smb2_decode_app_instance_version(p, n, &v) == 0) {
		smb2_encode_app_instance_version(&pb, &v);
		if (pb.len != n || memcmp(pb.p + 8, p + 8, 16))
			__builtin_trap();
	}
	buf_reset(&pb);
	if (smb2_decode_alloc_size_ctx(p, n, &alloc) == 0) {
		smb2_encode_alloc_size_ctx(&pb, alloc);
		if (pb.len != n || memcmp(pb.p, p, n))
			__builtin_trap();
	}
	buf_reset(&pb);
	if (smb2_decode_timewarp_ctx(p, n, &alloc) == 0) {
		smb2_encode_timewarp_ctx(&pb, alloc);
		if (pb.len != n || memcmp(pb.p, p, n))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smb2_create_context a[SMB2_MAX_CREATE_CONTEXTS], b[SMB2_MAX_CREATE_CONTEXTS];
	uint16_t na, nb;

	if (!out.max)
		buf_init(&out, 1 << 22);
	payloads(data, size);
	if (smb2_decode_create_contexts(data, size, a, &na) != 0)
		return 0;
	for (uint16_t i = 0; i < na; i++)
		payloads(a[i].data, a[i].data_len);
	for (uint16_t i = 0; i < na; i++) {
		/* pointers stay inside the input */
		if (a[i].name < data || a[i].name + a[i].name_len > data + size)
			__builtin_trap();
		if (a[i].data_len && (a[i].data < data || a[i].data_len > size ||
				      a[i].data + a[i].data_len > data + size))
			__builtin_trap();
	}
	buf_reset(&out);
	smb2_encode_create_contexts(&out, a, na);
	if (!buf_ok(&out))
		return 0;
	/* The encoder puts data at the 8-aligned end of the name; a name that
	 * pushes that past 16 bits cannot be expressed in DataOffset. */
	for (uint16_t i = 0; i < na; i++)
		if (a[i].data_len && 16u + a[i].name_len + 7 > 0xFFFF)
			return 0;
	if (smb2_decode_create_contexts(out.p, out.len, b, &nb) != 0 || nb != na)
		__builtin_trap();
	for (uint16_t i = 0; i < na; i++) {
		if (b[i].name_len != a[i].name_len || b[i].data_len != a[i].data_len ||
		    memcmp(b[i].name, a[i].name, a[i].name_len) ||
		    (a[i].data_len && memcmp(b[i].data, a[i].data, a[i].data_len)))
			__builtin_trap();
	}
	return 0;
}
