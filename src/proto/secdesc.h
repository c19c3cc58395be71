/* Security descriptors (MS-DTYP 2.4.6, self-relative form), their ACLs
 * (2.4.5), ACEs (2.4.4) and SIDs (2.4.2).  Pure codec over the cursor:
 * the server's use of them (storage, access checks) is server/acl.c. */
#ifndef DAX_SECDESC_H
#define DAX_SECDESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define SD_SID_MAX_SUBAUTH 15
/* More ACEs than fit a 64 KiB ACL of the smallest ACEs cannot come. */
#define SD_ACL_MAX_ACES 4096

/* SECURITY_INFORMATION (MS-DTYP 2.4.7) */
#define SD_OWNER_SECURITY_INFORMATION 0x00000001u
#define SD_GROUP_SECURITY_INFORMATION 0x00000002u
#define SD_DACL_SECURITY_INFORMATION 0x00000004u
#define SD_SACL_SECURITY_INFORMATION 0x00000008u

/* SECURITY_DESCRIPTOR Control (MS-DTYP 2.4.6) */
#define SD_OWNER_DEFAULTED 0x0001u
#define SD_GROUP_DEFAULTED 0x0002u
#define SD_DACL_PRESENT 0x0004u
#define SD_DACL_DEFAULTED 0x0008u
#define SD_SACL_PRESENT 0x0010u
#define SD_DACL_AUTO_INHERITED 0x0400u
#define SD_DACL_PROTECTED 0x1000u
#define SD_SELF_RELATIVE 0x8000u

/* ACE types and flags (MS-DTYP 2.4.4.1) */
#define SD_ACE_ACCESS_ALLOWED 0x00
#define SD_ACE_ACCESS_DENIED 0x01
#define SD_ACE_SYSTEM_AUDIT 0x02
#define SD_ACE_SYSTEM_ALARM 0x03
#define SD_ACE_OBJECT_INHERIT 0x01
#define SD_ACE_CONTAINER_INHERIT 0x02
#define SD_ACE_NO_PROPAGATE_INHERIT 0x04
#define SD_ACE_INHERIT_ONLY 0x08
#define SD_ACE_INHERITED 0x10

struct sd_sid {
	uint8_t revision;
	uint8_t count;                      /* SubAuthorityCount */
	uint8_t authority[6];               /* IdentifierAuthority, big endian */
	uint32_t sub[SD_SID_MAX_SUBAUTH];
};

/* Only the ACE types whose body is a mask and a SID (allowed, denied,
 * audit, alarm) are decoded; others make the ACL invalid. */
struct sd_ace {
	uint8_t type;
	uint8_t flags;
	uint32_t mask;
	struct sd_sid sid;
};

struct sd_acl {
	uint8_t revision;
	uint16_t count;
	struct sd_ace *aces;                /* malloc'd, count entries */
};

struct secdesc {
	uint16_t control;
	bool has_owner, has_group;
	struct sd_sid owner, group;
	bool has_dacl;                      /* SE_DACL_PRESENT */
	bool dacl_null;                     /* ... without an ACL: no protection */
	struct sd_acl dacl;
	bool has_sacl;
	struct sd_acl sacl;
};

/* Decodes a self-relative SD of n bytes.  0, or -1 (nothing to free). */
int sd_decode(const uint8_t *p, size_t n, struct secdesc *out);
void sd_free(struct secdesc *sd);
/* Appends sd to b, self-relative, with only the parts secinfo names
 * (SD_*_SECURITY_INFORMATION); returns the bytes written. */
size_t sd_encode(struct buf *b, const struct secdesc *sd, uint32_t secinfo);
/* Appends an ACE to acl (count < SD_ACL_MAX_ACES).  0 or -1. */
int sd_acl_add(struct sd_acl *acl, uint8_t type, uint8_t flags, uint32_t mask,
	       const struct sd_sid *sid);

/* S-1-<auth>-<sub...> with a 48-bit authority below 2^32. */
void sd_sid_make(struct sd_sid *s, uint32_t authority, int count, const uint32_t *sub);
bool sd_sid_equal(const struct sd_sid *a, const struct sd_sid *b);
/* Writes "S-1-5-32-544" into out (at least 200 bytes). */
void sd_sid_string(const struct sd_sid *s, char *out, size_t len);
/* The size of a SID on the wire (8 + 4 per sub-authority). */
static inline size_t sd_sid_size(const struct sd_sid *s) { return 8 + 4 * (size_t)s->count; }

#endif
