/* libFuzzer: self-relative security descriptors (SET_INFO security, the
 * SecD create context, the stored xattr).  A decoded SD must encode and
 * decode again to the same thing. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/secdesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct buf out;

static int same_acl(const struct sd_acl *a, const struct sd_acl *b)
{
	if (a->count != b->count)
		return 0;
	for (uint16_t i = 0; i < a->count; i++)
		if (a->aces[i].type != b->aces[i].type || a->aces[i].flags != b->aces[i].flags ||
		    a->aces[i].mask != b->aces[i].mask ||
		    !sd_sid_equal(&a->aces[i].sid, &b->aces[i].sid))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct secdesc sd, sd2;
	if (!out.max)
		buf_init(&out, 1 << 20);
	if (sd_decode(data, size, &sd) < 0)
		return 0;
	buf_reset(&out);
	sd_encode(&out, &sd, SD_OWNER_SECURITY_INFORMATION | SD_GROUP_SECURITY_INFORMATION |
				     SD_DACL_SECURITY_INFORMATION | SD_SACL_SECURITY_INFORMATION);
	if (buf_ok(&out)) {
		if (sd_decode(out.p, out.len, &sd2) < 0)
			__builtin_trap();
		if (sd2.has_owner != sd.has_owner || sd2.has_group != sd.has_group ||
		    sd2.has_dacl != sd.has_dacl || sd2.dacl_null != sd.dacl_null ||
		    (sd.has_owner && !sd_sid_equal(&sd.owner, &sd2.owner)) ||
		    !same_acl(&sd.dacl, &sd2.dacl) || !same_acl(&sd.sacl, &sd2.sacl))
			__builtin_trap();
		sd_free(&sd2);
	}
	char s[256];
	if (sd.has_owner)
		sd_sid_string(&sd.owner, s, sizeof(s));
	sd_free(&sd);
	return 0;
}
