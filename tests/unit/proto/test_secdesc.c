/* Security descriptors (MS-DTYP 2.4.6): round trips, every truncation,
 * lying offsets and sizes, hostile ACE sizes and counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/secdesc.h"

#define ALL_INFO (SD_OWNER_SECURITY_INFORMATION | SD_GROUP_SECURITY_INFORMATION | \
		  SD_DACL_SECURITY_INFORMATION | SD_SACL_SECURITY_INFORMATION)

/* Decodes from an exactly-sized heap copy, so ASan sees any overread. */
static uint8_t *copy;
static int dec(const uint8_t *p, size_t n, struct secdesc *out)
{
	free(copy);
	copy = malloc(n ? n : 1);
	if (n)
		memcpy(copy, p, n);
	return sd_decode(copy, n, out);
}

static void make_sd(struct secdesc *sd)
{
	uint32_t o[2] = {1, 1000}, g[2] = {2, 100}, w[1] = {0};
	struct sd_sid world;
	memset(sd, 0, sizeof(*sd));
	sd->control = SD_SELF_RELATIVE | SD_DACL_PROTECTED;
	sd->has_owner = sd->has_group = sd->has_dacl = true;
	sd_sid_make(&sd->owner, 22, 2, o);
	sd_sid_make(&sd->group, 22, 2, g);
	sd_sid_make(&world, 1, 1, w);
	assert_int_equal(sd_acl_add(&sd->dacl, SD_ACE_ACCESS_DENIED, 0, 0x2, &world), 0);
	assert_int_equal(sd_acl_add(&sd->dacl, SD_ACE_ACCESS_ALLOWED,
				    SD_ACE_OBJECT_INHERIT | SD_ACE_CONTAINER_INHERIT, 0x1F01FF,
				    &sd->owner), 0);
}

static void encode(struct buf *b, uint32_t info)
{
	struct secdesc sd;
	make_sd(&sd);
	buf_init(b, 1 << 16);
	sd_encode(b, &sd, info);
	assert_true(buf_ok(b));
	sd_free(&sd);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct buf b;
	encode(&b, ALL_INFO);
	/* 20 header + 16 + 16 SIDs + ACL 8 + (8+12) + (8+16) */
	assert_int_equal(b.len, 20 + 16 + 16 + 8 + 20 + 24);
	struct secdesc sd;
	assert_int_equal(dec(b.p, b.len, &sd), 0);
	assert_true(sd.has_owner && sd.has_group && sd.has_dacl && !sd.dacl_null);
	assert_false(sd.has_sacl);
	assert_true(sd.control & SD_DACL_PROTECTED);
	assert_int_equal(sd.dacl.count, 2);
	assert_int_equal(sd.dacl.aces[0].type, SD_ACE_ACCESS_DENIED);
	assert_int_equal(sd.dacl.aces[1].mask, 0x1F01FF);
	assert_int_equal(sd.dacl.aces[1].flags, SD_ACE_OBJECT_INHERIT | SD_ACE_CONTAINER_INHERIT);
	char s[200];
	sd_sid_string(&sd.owner, s, sizeof(s));
	assert_string_equal(s, "S-1-22-1-1000");
	sd_sid_string(&sd.dacl.aces[0].sid, s, sizeof(s));
	assert_string_equal(s, "S-1-1-0");
	assert_true(sd_sid_equal(&sd.owner, &sd.dacl.aces[1].sid));
	sd_free(&sd);
	buf_free(&b);
}

static void test_secinfo_parts(void **state)
{
	(void)state;
	struct buf b;
	encode(&b, SD_GROUP_SECURITY_INFORMATION);
	struct secdesc sd;
	assert_int_equal(dec(b.p, b.len, &sd), 0);
	assert_false(sd.has_owner);
	assert_true(sd.has_group);
	assert_false(sd.has_dacl);
	assert_int_equal(get_le32(b.p + 4), 0);  /* no owner offset */
	assert_int_equal(get_le32(b.p + 8), 20); /* the group right after the header */
	sd_free(&sd);
	buf_free(&b);
}

static void test_null_dacl(void **state)
{
	(void)state;
	/* DACL_PRESENT without an offset: a NULL DACL, not an empty one. */
	uint8_t p[20] = {1, 0, 0x04, 0x80};
	struct secdesc sd;
	assert_int_equal(dec(p, sizeof(p), &sd), 0);
	assert_true(sd.has_dacl && sd.dacl_null);
	struct buf b;
	buf_init(&b, 256);
	sd_encode(&b, &sd, SD_DACL_SECURITY_INFORMATION);
	assert_int_equal(b.len, 20);
	assert_int_equal(get_le16(b.p + 2), 0x8004);
	buf_free(&b);
	sd_free(&sd);
}

static void test_truncations(void **state)
{
	(void)state;
	struct buf b;
	encode(&b, ALL_INFO);
	/* Every prefix is refused: each part lies at the end of the last. */
	for (size_t n = 0; n < b.len; n++) {
		struct secdesc sd;
		assert_int_equal(dec(b.p, n, &sd), -1);
	}
	buf_free(&b);
}

static void test_lying_offsets(void **state)
{
	(void)state;
	struct buf b;
	encode(&b, ALL_INFO);
	struct secdesc sd;
	static const uint32_t bad[] = {0xFFFFFFFFu, 0xFFFFFFF0u, 0x80000000u, 1000, 0};
	for (int field = 0; field < 4; field++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			uint8_t *p = malloc(b.len);
			memcpy(p, b.p, b.len);
			uint32_t v = bad[i] ? bad[i] : (uint32_t)b.len - 4; /* ends past the input */
			put_le32(p + 4 + 4 * field, v);
			if (field == 2)
				p[2] |= SD_SACL_PRESENT; /* make the SACL offset count */
			assert_int_equal(dec(p, b.len, &sd), -1);
			free(p);
		}
	}
	/* A self-relative flag is required. */
	uint8_t *p = malloc(b.len);
	memcpy(p, b.p, b.len);
	p[3] &= 0x7F;
	assert_int_equal(dec(p, b.len, &sd), -1);
	/* Revision 1 only. */
	memcpy(p, b.p, b.len);
	p[0] = 2;
	assert_int_equal(dec(p, b.len, &sd), -1);
	free(p);
	buf_free(&b);
}

static void test_lying_acl(void **state)
{
	(void)state;
	struct buf b;
	encode(&b, SD_DACL_SECURITY_INFORMATION);
	uint32_t acl = get_le32(b.p + 16);
	assert_int_equal(acl, 20);
	struct secdesc sd;
	uint8_t *p = malloc(b.len);
	/* AclSize past the descriptor, below the header, and AceCount too big. */
	uint16_t sizes[] = {(uint16_t)(b.len - acl + 1), 7, 0xFFFF};
	for (size_t i = 0; i < 3; i++) {
		memcpy(p, b.p, b.len);
		put_le16(p + acl + 2, sizes[i]);
		assert_int_equal(dec(p, b.len, &sd), -1);
	}
	memcpy(p, b.p, b.len);
	put_le16(p + acl + 4, 3);
	assert_int_equal(dec(p, b.len, &sd), -1);
	memcpy(p, b.p, b.len);
	put_le16(p + acl + 4, SD_ACL_MAX_ACES + 1);
	assert_int_equal(dec(p, b.len, &sd), -1);
	/* An ACE size of 0 (no progress), below its SID, past the ACL. */
	uint16_t ace_sizes[] = {0, 4, 19, 0x2000};
	for (size_t i = 0; i < 4; i++) {
		memcpy(p, b.p, b.len);
		put_le16(p + acl + 8 + 2, ace_sizes[i]);
		assert_int_equal(dec(p, b.len, &sd), -1);
	}
	/* A SID claiming more sub-authorities than its ACE holds, or than 15. */
	memcpy(p, b.p, b.len);
	p[acl + 8 + 8 + 1] = 5;
	assert_int_equal(dec(p, b.len, &sd), -1);
	memcpy(p, b.p, b.len);
	p[acl + 8 + 8 + 1] = 16;
	assert_int_equal(dec(p, b.len, &sd), -1);
	/* An ACE type that is not a plain mask + SID ACE. */
	memcpy(p, b.p, b.len);
	p[acl + 8] = 5;
	assert_int_equal(dec(p, b.len, &sd), -1);
	/* Padding after an ACE's SID is accepted (application data). */
	free(p);
	buf_free(&b);
}

static void test_ace_padding(void **state)
{
	(void)state;
	/* Header, then an ACL of one 24-byte ACE whose SID takes 12. */
	uint8_t p[20 + 8 + 24] = {1, 0, 0x04, 0x80};
	put_le32(p + 16, 20);
	p[20] = 2;
	put_le16(p + 22, 8 + 24);
	put_le16(p + 24, 1);
	p[28] = SD_ACE_ACCESS_ALLOWED;
	put_le16(p + 30, 24);
	put_le32(p + 32, 0x120089);
	p[36] = 1;
	p[37] = 1;
	p[43] = 1; /* S-1-1-0 */
	struct secdesc sd;
	assert_int_equal(dec(p, sizeof(p), &sd), 0);
	assert_int_equal(sd.dacl.count, 1);
	assert_int_equal(sd.dacl.aces[0].mask, 0x120089);
	sd_free(&sd);
}

static void test_acl_cap(void **state)
{
	(void)state;
	struct sd_acl acl = {0};
	struct sd_sid w;
	uint32_t z = 0;
	sd_sid_make(&w, 1, 1, &z);
	for (int i = 0; i < SD_ACL_MAX_ACES; i++)
		assert_int_equal(sd_acl_add(&acl, 0, 0, 1, &w), 0);
	assert_int_equal(sd_acl_add(&acl, 0, 0, 1, &w), -1);
	/* 4096 ACEs of 20 bytes do not fit a 64 KiB ACL: the encoder says so. */
	struct secdesc sd = {.control = SD_SELF_RELATIVE, .has_dacl = true, .dacl = acl};
	struct buf b;
	buf_init(&b, 1 << 20);
	sd_encode(&b, &sd, SD_DACL_SECURITY_INFORMATION);
	assert_false(buf_ok(&b));
	buf_free(&b);
	sd_free(&sd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_secinfo_parts),
		cmocka_unit_test(test_null_dacl),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_lying_offsets),
		cmocka_unit_test(test_lying_acl),
		cmocka_unit_test(test_ace_padding),
		cmocka_unit_test(test_acl_cap),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(copy);
	return rc;
}
