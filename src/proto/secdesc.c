/* Security descriptor codec (MS-DTYP 2.4.2, 2.4.4, 2.4.5, 2.4.6).
 *
 * Every (offset, length) of the descriptor is checked once, in 64-bit,
 * through cur_range() against the descriptor's own bytes; an ACL's ACEs
 * are walked through sub-cursors that must each make progress. */
#include "proto/secdesc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"

#define SD_HDR_SIZE 20
#define ACL_HDR_SIZE 8
#define ACE_HDR_SIZE 4

static int decode_sid(struct cur *c, struct sd_sid *s)
{
	memset(s, 0, sizeof(*s));
	s->revision = cur_u8(c);
	s->count = cur_u8(c);
	cur_bytes(c, s->authority, 6);
	if (!cur_ok(c) || s->revision != 1 || s->count > SD_SID_MAX_SUBAUTH)
		return -1;
	for (int i = 0; i < s->count; i++)
		s->sub[i] = cur_le32(c);
	return cur_ok(c) ? 0 : -1;
}

/* A SID at off of the whole descriptor d. */
static int decode_sid_at(const struct cur *d, uint32_t off, struct sd_sid *s)
{
	struct cur h;
	if (!cur_range(d, off, 8, &h))
		return -1;
	cur_skip(&h, 1);
	uint8_t count = cur_u8(&h);
	if (count > SD_SID_MAX_SUBAUTH || !cur_range(d, off, 8 + 4 * (uint64_t)count, &h))
		return -1;
	return decode_sid(&h, s);
}

static int decode_acl_at(const struct cur *d, uint32_t off, struct sd_acl *acl)
{
	memset(acl, 0, sizeof(*acl));
	struct cur h;
	if (!cur_range(d, off, ACL_HDR_SIZE, &h))
		return -1;
	uint8_t rev = cur_u8(&h);
	cur_skip(&h, 1);
	uint16_t size = cur_le16(&h);
	uint16_t count = cur_le16(&h);
	/* AclRevision 2 or 4 (ACL_REVISION_DS, object ACEs) */
	if (!cur_ok(&h) || (rev != 2 && rev != 4) || size < ACL_HDR_SIZE || count > SD_ACL_MAX_ACES)
		return -1;
	struct cur a;
	if (!cur_range(d, off, size, &a))
		return -1;
	cur_skip(&a, ACL_HDR_SIZE);
	/* Cap before allocating: each ACE takes at least 8 bytes. */
	if ((uint64_t)count * 8 > cur_left(&a))
		return -1;
	acl->revision = rev;
	if (count) {
		acl->aces = calloc(count, sizeof(*acl->aces));
		if (!acl->aces)
			return -1;
	}
	for (uint16_t i = 0; i < count; i++) {
		size_t at = a.pos;
		struct cur ah;
		if (!cur_range(&a, at, ACE_HDR_SIZE, &ah))
			goto bad;
		struct sd_ace *e = &acl->aces[i];
		e->type = cur_u8(&ah);
		e->flags = cur_u8(&ah);
		uint16_t ace_size = cur_le16(&ah);
		struct cur body;
		/* The ACE must hold its header, mask and a SID's fixed part. */
		if (ace_size < ACE_HDR_SIZE + 4 + 8 || !cur_range(&a, at, ace_size, &body))
			goto bad;
		if (e->type > SD_ACE_SYSTEM_ALARM)
			goto bad;
		cur_skip(&body, ACE_HDR_SIZE);
		e->mask = cur_le32(&body);
		/* Trailing bytes after the SID (application data) are allowed. */
		if (decode_sid(&body, &e->sid) < 0)
			goto bad;
		cur_skip(&a, ace_size);
		acl->count++;
	}
	return cur_ok(&a) ? 0 : (free(acl->aces), acl->aces = NULL, -1);
bad:
	free(acl->aces);
	acl->aces = NULL;
	acl->count = 0;
	return -1;
}

int sd_decode(const uint8_t *p, size_t n, struct secdesc *out)
{
	memset(out, 0, sizeof(*out));
	struct cur d;
	cur_init(&d, p, n);
	uint8_t rev = cur_u8(&d);
	cur_skip(&d, 1);
	out->control = cur_le16(&d);
	uint32_t owner = cur_le32(&d), group = cur_le32(&d);
	uint32_t sacl = cur_le32(&d), dacl = cur_le32(&d);
	if (!cur_ok(&d) || rev != 1)
		return -1;
	/* Only the self-relative form travels; absolute pointers mean nothing. */
	if (!(out->control & SD_SELF_RELATIVE))
		return -1;
	if (owner) {
		if (decode_sid_at(&d, owner, &out->owner) < 0)
			return -1;
		out->has_owner = true;
	}
	if (group) {
		if (decode_sid_at(&d, group, &out->group) < 0)
			return -1;
		out->has_group = true;
	}
	if ((out->control & SD_SACL_PRESENT) && sacl) {
		if (decode_acl_at(&d, sacl, &out->sacl) < 0)
			return -1;
		out->has_sacl = true;
	}
	if (out->control & SD_DACL_PRESENT) {
		out->has_dacl = true;
		if (!dacl) {
			out->dacl_null = true;
		} else if (decode_acl_at(&d, dacl, &out->dacl) < 0) {
			sd_free(out);
			return -1;
		}
	}
	return 0;
}

void sd_free(struct secdesc *sd)
{
	free(sd->dacl.aces);
	free(sd->sacl.aces);
	sd->dacl.aces = sd->sacl.aces = NULL;
	sd->dacl.count = sd->sacl.count = 0;
}

static void encode_sid(struct buf *b, const struct sd_sid *s)
{
	buf_u8(b, 1);
	buf_u8(b, s->count);
	buf_bytes(b, s->authority, 6);
	for (int i = 0; i < s->count; i++)
		buf_le32(b, s->sub[i]);
}

static void encode_acl(struct buf *b, const struct sd_acl *acl)
{
	size_t start = b->len;
	buf_u8(b, acl->revision ? acl->revision : 2);
	buf_u8(b, 0);
	buf_le16(b, 0); /* AclSize, patched below */
	buf_le16(b, acl->count);
	buf_le16(b, 0);
	for (uint16_t i = 0; i < acl->count; i++) {
		const struct sd_ace *e = &acl->aces[i];
		buf_u8(b, e->type);
		buf_u8(b, e->flags);
		buf_le16(b, (uint16_t)(8 + sd_sid_size(&e->sid)));
		buf_le32(b, e->mask);
		encode_sid(b, &e->sid);
	}
	size_t size = b->len - start;
	if (size > UINT16_MAX)
		b->err = true;
	else
		buf_set_le16(b, start + 2, (uint16_t)size);
}

size_t sd_encode(struct buf *b, const struct secdesc *sd, uint32_t secinfo)
{
	size_t base = b->len;
	uint16_t control = (uint16_t)((sd->control & ~(SD_DACL_PRESENT | SD_SACL_PRESENT)) |
				      SD_SELF_RELATIVE);
	bool dacl = (secinfo & SD_DACL_SECURITY_INFORMATION) && sd->has_dacl;
	bool sacl = (secinfo & SD_SACL_SECURITY_INFORMATION) && sd->has_sacl;
	if (dacl)
		control |= SD_DACL_PRESENT;
	if (sacl)
		control |= SD_SACL_PRESENT;
	buf_u8(b, 1);
	buf_u8(b, 0);
	buf_le16(b, control);
	size_t offs = b->len;
	buf_zero(b, 16);
	if ((secinfo & SD_OWNER_SECURITY_INFORMATION) && sd->has_owner) {
		buf_set_le32(b, offs, (uint32_t)(b->len - base));
		encode_sid(b, &sd->owner);
	}
	if ((secinfo & SD_GROUP_SECURITY_INFORMATION) && sd->has_group) {
		buf_set_le32(b, offs + 4, (uint32_t)(b->len - base));
		encode_sid(b, &sd->group);
	}
	if (sacl) {
		buf_set_le32(b, offs + 8, (uint32_t)(b->len - base));
		encode_acl(b, &sd->sacl);
	}
	if (dacl && !sd->dacl_null) {
		buf_set_le32(b, offs + 12, (uint32_t)(b->len - base));
		encode_acl(b, &sd->dacl);
	}
	return b->len - base;
}

int sd_acl_add(struct sd_acl *acl, uint8_t type, uint8_t flags, uint32_t mask,
	       const struct sd_sid *sid)
{
	if (acl->count >= SD_ACL_MAX_ACES)
		return -1;
	struct sd_ace *n = realloc(acl->aces, ((size_t)acl->count + 1) * sizeof(*n));
	if (!n)
		return -1;
	acl->aces = n;
	n[acl->count] = (struct sd_ace){ .type = type, .flags = flags, .mask = mask, .sid = *sid };
	acl->count++;
	if (!acl->revision)
		acl->revision = 2;
	return 0;
}

void sd_sid_make(struct sd_sid *s, uint32_t authority, int count, const uint32_t *sub)
{
	memset(s, 0, sizeof(*s));
	s->revision = 1;
	s->count = (uint8_t)(count > SD_SID_MAX_SUBAUTH ? SD_SID_MAX_SUBAUTH : count);
	s->authority[2] = (uint8_t)(authority >> 24);
	s->authority[3] = (uint8_t)(authority >> 16);
	s->authority[4] = (uint8_t)(authority >> 8);
	s->authority[5] = (uint8_t)authority;
	for (int i = 0; i < s->count; i++)
		s->sub[i] = sub[i];
}

bool sd_sid_equal(const struct sd_sid *a, const struct sd_sid *b)
{
	if (a->revision != b->revision || a->count != b->count ||
	    memcmp(a->authority, b->authority, 6))
		return false;
	for (int i = 0; i < a->count; i++)
		if (a->sub[i] != b->sub[i])
			return false;
	return true;
}

void sd_sid_string(const struct sd_sid *s, char *out, size_t len)
{
	uint64_t auth = 0;
	for (int i = 0; i < 6; i++)
		auth = auth << 8 | s->authority[i];
	int k = snprintf(out, len, "S-%u-%llu", s->revision, (unsigned long long)auth);
	for (int i = 0; i < s->count && k > 0 && (size_t)k < len; i++)
		k += snprintf(out + k, len - (size_t)k, "-%u", s->sub[i]);
}
