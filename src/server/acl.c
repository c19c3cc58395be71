/* NT security descriptors of files: storage, synthesis from the POSIX
 * mode, access checks and inheritance (see acl.h). */
#include "server/acl.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/secdesc.h"
#include "server/srv.h"

#define SID_AUTH_WORLD 1
#define SID_AUTH_CREATOR 3
#define SID_AUTH_NT 5
#define SID_AUTH_UNIX 22
#define UNIX_USERS 1
#define UNIX_GROUPS 2

#define FILE_GENERIC_READ_BITS 0x00120089u
#define FILE_GENERIC_WRITE_BITS 0x00120116u
#define FILE_GENERIC_EXECUTE_BITS 0x001200A0u
/* What the owner may always do with the SD (MS-DTYP 2.5.3.2). */
#define OWNER_IMPLICIT (READ_CONTROL | WRITE_DAC)

/* The Unix account file work runs as, as the dispatcher chose it. */
struct acl_user {
	uint32_t uid, gid;
	int ngroups;
	uint32_t groups[SRV_MAX_GROUPS];
};

static void acl_user(const struct srv_req *r, struct acl_user *u)
{
	const struct srv_identity *who = NULL;
	if (r->tree && r->conn->srv->share_ident)
		who = &r->conn->srv->share_ident[r->tree->share - r->conn->srv->cfg->shares];
	if ((!who || !who->valid) && r->sess)
		who = &r->sess->unix_ident;
	memset(u, 0, sizeof(*u));
	if (who && who->valid && srv_identity_switching()) {
		u->uid = who->uid;
		u->gid = who->gid;
		u->ngroups = who->ngroups > SRV_MAX_GROUPS ? SRV_MAX_GROUPS : who->ngroups;
		for (int i = 0; i < u->ngroups; i++)
			u->groups[i] = who->groups[i];
		return;
	}
	/* Not switching: everything runs as the server's own account. */
	u->uid = geteuid();
	u->gid = getegid();
	gid_t g[SRV_MAX_GROUPS];
	int n = getgroups(SRV_MAX_GROUPS, g);
	for (int i = 0; i < n; i++)
		u->groups[u->ngroups++] = g[i];
}

static void sid_unix(struct sd_sid *s, uint32_t kind, uint32_t id)
{
	uint32_t sub[2] = {kind, id};
	sd_sid_make(s, SID_AUTH_UNIX, 2, sub);
}

static void sid_simple(struct sd_sid *s, uint32_t auth, uint32_t rid)
{
	sd_sid_make(s, auth, 1, &rid);
}

static bool sid_is(const struct sd_sid *s, uint32_t auth, uint32_t rid)
{
	struct sd_sid t;
	sid_simple(&t, auth, rid);
	return sd_sid_equal(s, &t);
}

/* S-1-22-kind-id */
static bool sid_unix_id(const struct sd_sid *s, uint32_t kind, uint32_t *id)
{
	static const uint8_t unix_auth[6] = {0, 0, 0, 0, 0, SID_AUTH_UNIX};
	if (s->count != 2 || memcmp(s->authority, unix_auth, 6) || s->sub[0] != kind)
		return false;
	*id = s->sub[1];
	return true;
}

static bool user_in_group(const struct acl_user *u, uint32_t gid)
{
	if (u->gid == gid)
		return true;
	for (int i = 0; i < u->ngroups; i++)
		if (u->groups[i] == gid)
			return true;
	return false;
}

/* Whether the user's token holds s: their SID, their groups' SIDs,
 * Everyone and Authenticated Users. */
static bool token_has(const struct acl_user *u, const struct sd_sid *s)
{
	uint32_t id;
	if (sid_unix_id(s, UNIX_USERS, &id))
		return id == u->uid;
	if (sid_unix_id(s, UNIX_GROUPS, &id))
		return user_in_group(u, id);
	return sid_is(s, SID_AUTH_WORLD, 0) || sid_is(s, SID_AUTH_NT, 11);
}

/* ---- synthesis from the POSIX mode ---- */

static uint32_t mode_rights(unsigned rwx, bool is_dir)
{
	if ((rwx & 7) == 7)
		return FILE_ALL_ACCESS;
	uint32_t m = 0;
	if (rwx & 4)
		m |= FILE_GENERIC_READ_BITS;
	if (rwx & 2)
		m |= FILE_GENERIC_WRITE_BITS | (is_dir ? FILE_DELETE_CHILD : 0);
	if (rwx & 1)
		m |= FILE_GENERIC_EXECUTE_BITS;
	return m;
}

static int synth_sd(const struct vfs_stat *st, struct secdesc *sd)
{
	memset(sd, 0, sizeof(*sd));
	sd->control = SD_SELF_RELATIVE;
	sd->has_owner = sd->has_group = sd->has_dacl = true;
	sid_unix(&sd->owner, UNIX_USERS, st->uid);
	sid_unix(&sd->group, UNIX_GROUPS, st->gid);
	struct sd_sid world;
	sid_simple(&world, SID_AUTH_WORLD, 0);
	uint32_t um = mode_rights((st->mode >> 6) & 7, st->is_dir);
	if (um)
		um |= READ_CONTROL | WRITE_DAC | WRITE_OWNER | DELETE;
	uint32_t gm = mode_rights((st->mode >> 3) & 7, st->is_dir);
	uint32_t om = mode_rights(st->mode & 7, st->is_dir);
	if ((um && sd_acl_add(&sd->dacl, SD_ACE_ACCESS_ALLOWED, 0, um, &sd->owner) < 0) ||
	    (gm && sd_acl_add(&sd->dacl, SD_ACE_ACCESS_ALLOWED, 0, gm, &sd->group) < 0) ||
	    (om && sd_acl_add(&sd->dacl, SD_ACE_ACCESS_ALLOWED, 0, om, &world) < 0)) {
		sd_free(sd);
		return -1;
	}
	sd->dacl.revision = 2;
	return 0;
}

/* The stored SD (*stored true) or the synthesized one; parts missing
 * from a stored SD come from the file. */
static NTSTATUS load_sd(struct vfs_share *vs, struct vfs_handle *h, const struct vfs_stat *st,
			struct secdesc *sd, bool *stored)
{
	*stored = false;
	uint8_t *p = NULL;
	size_t n = 0;
	NTSTATUS s = vs->ops->get_ntacl ? vs->ops->get_ntacl(h, &p, &n)
					: STATUS_OBJECT_NAME_NOT_FOUND;
	if (s == STATUS_SUCCESS) {
		int rc = sd_decode(p, n, sd);
		free(p);
		if (rc == 0) {
			*stored = true;
			if (!sd->has_owner) {
				sid_unix(&sd->owner, UNIX_USERS, st->uid);
				sd->has_owner = true;
			}
			if (!sd->has_group) {
				sid_unix(&sd->group, UNIX_GROUPS, st->gid);
				sd->has_group = true;
			}
			return STATUS_SUCCESS;
		}
		/* An unreadable blob is ignored rather than trusted. */
	} else if (s != STATUS_OBJECT_NAME_NOT_FOUND) {
		return s;
	}
	return synth_sd(st, sd) < 0 ? STATUS_NO_MEMORY : STATUS_SUCCESS;
}

/* ---- the access check (MS-DTYP 2.5.3.2) ---- */

/* The rights the DACL grants: a right is granted when the first ACE
 * naming it for one of the token's SIDs allows it.  The owner gets
 * READ_CONTROL and WRITE_DAC whatever the ACEs say. */
static uint32_t dacl_maximal(const struct secdesc *sd, const struct acl_user *u)
{
	if (u->uid == 0 || !sd->has_dacl || sd->dacl_null)
		return FILE_ALL_ACCESS | ACCESS_SYSTEM_SECURITY;
	bool owner = sd->has_owner && token_has(u, &sd->owner);
	/* An OWNER RIGHTS (S-1-3-4) ACE names the owner's rights itself and
	 * takes the place of the implicit ones. */
	bool owner_rights = false;
	uint32_t allowed = 0, denied = 0;
	for (uint16_t i = 0; i < sd->dacl.count; i++) {
		const struct sd_ace *e = &sd->dacl.aces[i];
		if (e->flags & SD_ACE_INHERIT_ONLY)
			continue;
		bool is_or = sid_is(&e->sid, SID_AUTH_CREATOR, 4);
		owner_rights |= is_or;
		if (is_or ? !owner : !token_has(u, &e->sid))
			continue;
		uint32_t m = srv_map_generic(e->mask);
		if (e->type == SD_ACE_ACCESS_ALLOWED)
			allowed |= m & ~denied;
		else if (e->type == SD_ACE_ACCESS_DENIED)
			denied |= m & ~allowed;
	}
	if (owner && !owner_rights)
		allowed |= OWNER_IMPLICIT & ~denied;
	return allowed;
}

static bool parent_sd(struct vfs_share *vs, struct vfs_handle *h, struct secdesc *psd);

NTSTATUS srv_acl_check_open(struct srv_req *r, struct vfs_handle *h, const struct vfs_stat *st,
			    bool want_max, bool truncating, uint32_t *access, uint32_t *maximal)
{
	struct vfs_share *vs = r->tree->vfs;
	struct secdesc sd;
	bool stored;
	NTSTATUS s = load_sd(vs, h, st, &sd, &stored);
	if (s)
		return s;
	if (!stored) {
		/* No DACL of ours: MAXIMUM_ALLOWED is what the share allows, and
		 * the kernel decides the rest. */
		sd_free(&sd);
		if (want_max)
			*access = srv_map_generic(*access | r->tree->maximal_access);
		return STATUS_SUCCESS;
	}
	struct acl_user u;
	acl_user(r, &u);
	uint32_t max = dacl_maximal(&sd, &u);
	sd_free(&sd);
	/* MS-FSA 2.1.5.1.2.1: FILE_DELETE_CHILD on the parent grants DELETE,
	 * FILE_LIST_DIRECTORY there FILE_READ_ATTRIBUTES.  A parent without a
	 * stored DACL leaves both to the kernel. */
	uint32_t from_parent = DELETE | FILE_READ_ATTRIBUTES;
	struct secdesc psd;
	if (parent_sd(vs, h, &psd)) {
		uint32_t pm = dacl_maximal(&psd, &u);
		from_parent = (pm & FILE_DELETE_CHILD ? DELETE : 0) |
			      (pm & FILE_READ_DATA ? FILE_READ_ATTRIBUTES : 0);
		sd_free(&psd);
	}
	max = (max | from_parent) & (r->tree->maximal_access | ACCESS_SYSTEM_SECURITY);
	*maximal = max & ~ACCESS_SYSTEM_SECURITY;
	uint32_t want = *access;
	if (want_max)
		want |= max & ~ACCESS_SYSTEM_SECURITY;
	/* SYNCHRONIZE is granted with any other right (as Windows does). */
	/* The SACL needs SeSecurityPrivilege, which only root holds here. */
	if ((want & ACCESS_SYSTEM_SECURITY) && !(max & ACCESS_SYSTEM_SECURITY))
		return STATUS_PRIVILEGE_NOT_HELD;
	/* Overwriting a file takes the right to write it, asked for or not. */
	uint32_t need = want | (truncating ? FILE_WRITE_DATA : 0);
	if (need & ~(max | SYNCHRONIZE) || (want_max && !want))
		return STATUS_ACCESS_DENIED;
	*access = want;
	return STATUS_SUCCESS;
}

/* ---- POSIX mode from a DACL, best effort ---- */

/* The rights the DACL gives a principal that holds exactly the SIDs a
 * and Everyone. */
static uint32_t rights_of(const struct sd_acl *acl, const struct sd_sid *a)
{
	uint32_t allowed = 0, denied = 0;
	for (uint16_t i = 0; i < acl->count; i++) {
		const struct sd_ace *e = &acl->aces[i];
		if ((e->flags & SD_ACE_INHERIT_ONLY) ||
		    !((a && sd_sid_equal(&e->sid, a)) || sid_is(&e->sid, SID_AUTH_WORLD, 0)))
			continue;
		uint32_t m = srv_map_generic(e->mask);
		if (e->type == SD_ACE_ACCESS_ALLOWED)
			allowed |= m & ~denied;
		else if (e->type == SD_ACE_ACCESS_DENIED)
			denied |= m & ~allowed;
	}
	return allowed;
}

static unsigned rights_rwx(uint32_t m)
{
	return (m & FILE_READ_DATA ? 4u : 0) | (m & (FILE_WRITE_DATA | FILE_APPEND_DATA) ? 2u : 0) |
	       (m & FILE_EXECUTE ? 1u : 0);
}

static void map_to_mode(struct vfs_share *vs, struct vfs_handle *h, const struct vfs_stat *st,
			const struct secdesc *sd)
{
	if (!vs->ops->set_mode || !sd->has_dacl || sd->dacl_null)
		return;
	struct sd_sid owner, group;
	sid_unix(&owner, UNIX_USERS, st->uid);
	sid_unix(&group, UNIX_GROUPS, st->gid);
	/* The owner keeps read and write (and search on a directory): user
	 * xattrs, this SD among them, need write permission to change, and
	 * the owner may always rewrite the DACL (WRITE_DAC above). */
	unsigned u = rights_rwx(rights_of(&sd->dacl, &owner)) | 6u | (st->is_dir ? 1u : 0);
	unsigned g = rights_rwx(rights_of(&sd->dacl, &group));
	unsigned o = rights_rwx(rights_of(&sd->dacl, NULL));
	uint32_t mode = (st->mode & 07000) | u << 6 | g << 3 | o;
	if ((st->mode & 07777) != mode)
		(void)vs->ops->set_mode(h, mode);
}

static NTSTATUS store_sd(struct vfs_share *vs, struct vfs_handle *h, const struct secdesc *sd)
{
	if (!vs->ops->set_ntacl)
		return STATUS_NOT_SUPPORTED;
	struct buf b;
	buf_init(&b, VFS_NTACL_MAX);
	sd_encode(&b, sd, SD_OWNER_SECURITY_INFORMATION | SD_GROUP_SECURITY_INFORMATION |
			      SD_DACL_SECURITY_INFORMATION);
	NTSTATUS s = buf_ok(&b) ? vs->ops->set_ntacl(h, b.p, b.len) : STATUS_INVALID_PARAMETER;
	buf_free(&b);
	return s;
}

/* ---- QUERY_INFO / SET_INFO ---- */

NTSTATUS srv_acl_query(struct srv_req *r, struct srv_open *o, uint32_t secinfo, struct buf *out)
{
	struct secdesc sd;
	if (!o->h) {
		/* A pipe: the server's account, Everyone with the share's access. */
		struct vfs_stat st = {.uid = geteuid(), .gid = getegid(), .mode = 0};
		if (synth_sd(&st, &sd) < 0)
			return STATUS_NO_MEMORY;
		struct sd_sid world;
		sid_simple(&world, SID_AUTH_WORLD, 0);
		if (sd_acl_add(&sd.dacl, SD_ACE_ACCESS_ALLOWED, 0, r->tree->maximal_access, &world) < 0) {
			sd_free(&sd);
			return STATUS_NO_MEMORY;
		}
	} else {
		struct vfs_stat st;
		NTSTATUS s = o->tree->vfs->ops->fstat(o->h, &st);
		bool stored;
		if (!s)
			s = load_sd(o->tree->vfs, o->h, &st, &sd, &stored);
		if (s)
			return s;
	}
	/* No SACL is kept: SACL_SECURITY_INFORMATION returns none. */
	sd_encode(out, &sd, secinfo & (SD_OWNER_SECURITY_INFORMATION | SD_GROUP_SECURITY_INFORMATION |
				       SD_DACL_SECURITY_INFORMATION));
	sd_free(&sd);
	return buf_ok(out) ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

/* Who may own a file: root anyone; others themselves only. */
static NTSTATUS apply_owner(struct vfs_share *vs, struct vfs_handle *h, const struct acl_user *u,
			    const struct vfs_stat *st, const struct sd_sid *sid)
{
	uint32_t id;
	bool is_unix = sid_unix_id(sid, UNIX_USERS, &id);
	if (u->uid != 0 && !(is_unix && id == u->uid))
		return STATUS_INVALID_OWNER;
	if (is_unix && id != st->uid && vs->ops->set_owner)
		return vs->ops->set_owner(h, id, UINT32_MAX);
	return STATUS_SUCCESS;
}

static void apply_group(struct vfs_share *vs, struct vfs_handle *h, const struct acl_user *u,
			const struct vfs_stat *st, const struct sd_sid *sid)
{
	uint32_t id;
	/* Best effort: the kernel lets the owner pick one of their groups. */
	if (sid_unix_id(sid, UNIX_GROUPS, &id) && id != st->gid && vs->ops->set_owner &&
	    (u->uid == 0 || user_in_group(u, id)))
		(void)vs->ops->set_owner(h, UINT32_MAX, id);
}

#define SD_DACL_AUTO_INHERIT_REQ 0x0100u

/* A DACL given by a client replaces dst's.  Generic rights of the ACEs
 * that apply to this file are mapped to file rights, as Windows stores
 * them; inherit-only ACEs keep theirs for the children.  AUTO_INHERITED
 * is kept only when AUTO_INHERIT_REQ asks for it (MS-DTYP 2.4.6; seen
 * from smbtorture smb2.acls.INHERITFLAGS against Windows). */
static void take_dacl(struct secdesc *dst, struct secdesc *src)
{
	free(dst->dacl.aces);
	dst->dacl = src->dacl;
	src->dacl = (struct sd_acl){0};
	dst->has_dacl = true;
	dst->dacl_null = !src->has_dacl || src->dacl_null;
	for (uint16_t i = 0; i < dst->dacl.count; i++)
		if (!(dst->dacl.aces[i].flags & SD_ACE_INHERIT_ONLY))
			dst->dacl.aces[i].mask = srv_map_generic(dst->dacl.aces[i].mask);
	uint16_t c = src->control & SD_DACL_PROTECTED;
	if ((src->control & (SD_DACL_AUTO_INHERITED | SD_DACL_AUTO_INHERIT_REQ)) ==
	    (SD_DACL_AUTO_INHERITED | SD_DACL_AUTO_INHERIT_REQ))
		c |= SD_DACL_AUTO_INHERITED;
	dst->control = (uint16_t)((dst->control & ~(SD_DACL_PROTECTED | SD_DACL_AUTO_INHERITED)) | c);
}

NTSTATUS srv_acl_set(struct srv_req *r, struct srv_open *o, uint32_t secinfo, const uint8_t *p,
		     size_t n)
{
	/* MS-SMB2 3.3.5.21.3 / MS-FSA 2.1.5.16: the rights each part needs. */
	if ((secinfo & (SD_OWNER_SECURITY_INFORMATION | SD_GROUP_SECURITY_INFORMATION)) &&
	    !(o->access & WRITE_OWNER))
		return STATUS_ACCESS_DENIED;
	if ((secinfo & SD_DACL_SECURITY_INFORMATION) && !(o->access & WRITE_DAC))
		return STATUS_ACCESS_DENIED;
	if ((secinfo & SD_SACL_SECURITY_INFORMATION) && !(o->access & ACCESS_SYSTEM_SECURITY))
		return STATUS_ACCESS_DENIED;
	if (r->tree->read_only)
		return STATUS_ACCESS_DENIED;
	struct secdesc nsd;
	if (sd_decode(p, n, &nsd) < 0)
		return STATUS_INVALID_SECURITY_DESCR;
	struct vfs_share *vs = o->tree->vfs;
	struct vfs_stat st;
	struct secdesc cur;
	bool stored;
	NTSTATUS s = vs->ops->fstat(o->h, &st);
	if (!s)
		s = load_sd(vs, o->h, &st, &cur, &stored);
	if (s) {
		sd_free(&nsd);
		return s;
	}
	struct acl_user u;
	acl_user(r, &u);
	if ((secinfo & SD_OWNER_SECURITY_INFORMATION) && nsd.has_owner) {
		s = apply_owner(vs, o->h, &u, &st, &nsd.owner);
		if (!s)
			cur.owner = nsd.owner;
	}
	if (!s && (secinfo & SD_GROUP_SECURITY_INFORMATION) && nsd.has_group) {
		apply_group(vs, o->h, &u, &st, &nsd.group);
		cur.group = nsd.group;
	}
	bool dacl = !s && (secinfo & SD_DACL_SECURITY_INFORMATION);
	if (dacl)
		take_dacl(&cur, &nsd);
	if (!s && (secinfo & (SD_OWNER_SECURITY_INFORMATION | SD_GROUP_SECURITY_INFORMATION |
			      SD_DACL_SECURITY_INFORMATION)))
		s = store_sd(vs, o->h, &cur);
	if (!s && dacl) {
		/* The mode follows the owner and group as they are now. */
		if (vs->ops->fstat(o->h, &st) == STATUS_SUCCESS)
			map_to_mode(vs, o->h, &st, &cur);
	}
	sd_free(&nsd);
	sd_free(&cur);
	return s;
}

/* ---- CREATE: SecD and inheritance (MS-DTYP 2.5.3.4) ---- */

NTSTATUS srv_acl_check_secd(const uint8_t *p, size_t n)
{
	struct secdesc sd;
	if (sd_decode(p, n, &sd) < 0)
		return STATUS_INVALID_SECURITY_DESCR;
	sd_free(&sd);
	return STATUS_SUCCESS;
}

static bool sid_creator(const struct sd_sid *s, const struct secdesc *nsd, struct sd_sid *eff)
{
	if (sid_is(s, SID_AUTH_CREATOR, 0)) {
		*eff = nsd->owner;
		return true;
	}
	if (sid_is(s, SID_AUTH_CREATOR, 1)) {
		*eff = nsd->group;
		return true;
	}
	*eff = *s;
	return false;
}

/* The ACEs parent hands to a new child (is_dir: a directory). */
static int inherit_aces(const struct secdesc *psd, bool is_dir, struct secdesc *nsd)
{
	const struct sd_acl *parent = &psd->dacl;
	/* INHERITED marks the ACEs only under an auto-inherited parent. */
	const uint8_t inh = psd->control & SD_DACL_AUTO_INHERITED ? SD_ACE_INHERITED : 0;
	for (uint16_t i = 0; i < parent->count; i++) {
		const struct sd_ace *e = &parent->aces[i];
		uint8_t f = e->flags;
		if (e->type != SD_ACE_ACCESS_ALLOWED && e->type != SD_ACE_ACCESS_DENIED)
			continue;
		struct sd_sid eff;
		bool creator = sid_creator(&e->sid, nsd, &eff);
		uint32_t mapped = srv_map_generic(e->mask);
		int rc = 0;
		if (!is_dir) {
			if (f & SD_ACE_OBJECT_INHERIT)
				rc = sd_acl_add(&nsd->dacl, e->type, inh, mapped, &eff);
		} else if (f & SD_ACE_CONTAINER_INHERIT) {
			uint8_t keep = f & (SD_ACE_OBJECT_INHERIT | SD_ACE_CONTAINER_INHERIT);
			if (f & SD_ACE_NO_PROPAGATE_INHERIT) {
				rc = sd_acl_add(&nsd->dacl, e->type, inh, mapped, &eff);
			} else if (creator || mapped != e->mask) {
				/* An effective ACE and an inherit-only copy that keeps
				 * the generic rights or creator SID for the next level. */
				rc = sd_acl_add(&nsd->dacl, e->type, inh, mapped, &eff);
				if (!rc)
					rc = sd_acl_add(&nsd->dacl, e->type,
							keep | SD_ACE_INHERIT_ONLY | inh,
							e->mask, &e->sid);
			} else {
				rc = sd_acl_add(&nsd->dacl, e->type, keep | inh, mapped,
						&eff);
			}
		} else if ((f & SD_ACE_OBJECT_INHERIT) && !(f & SD_ACE_NO_PROPAGATE_INHERIT)) {
			rc = sd_acl_add(&nsd->dacl, e->type,
					SD_ACE_OBJECT_INHERIT | SD_ACE_INHERIT_ONLY | inh,
					e->mask, &e->sid);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The parent directory's stored SD, if it has one with a DACL. */
static bool parent_sd(struct vfs_share *vs, struct vfs_handle *h, struct secdesc *psd)
{
	const char *path = vs->ops->path(h);
	const char *slash = strrchr(path, '/');
	if (!path[0])
		return false; /* the share root has no parent here */
	char *dir = strndup(path, slash ? (size_t)(slash - path) : 0);
	if (!dir)
		return false;
	struct vfs_open_args a = {.path = dir, .disposition = FILE_OPEN, .directory = true};
	struct vfs_handle *ph = NULL;
	uint32_t action;
	NTSTATUS s = vs->ops->open(vs, &a, &ph, &action);
	free(dir);
	if (s)
		return false;
	struct vfs_stat st;
	bool stored = false;
	s = vs->ops->fstat(ph, &st);
	if (!s)
		s = load_sd(vs, ph, &st, psd, &stored);
	vs->ops->close(ph);
	if (s)
		return false;
	if (!stored || !psd->has_dacl || psd->dacl_null) {
		sd_free(psd);
		return false;
	}
	return true;
}

NTSTATUS srv_acl_new_file(struct srv_req *r, struct vfs_handle *h, const uint8_t *p, size_t n)
{
	struct vfs_share *vs = r->tree->vfs;
	if (!vs->ops->get_ntacl || !vs->ops->set_ntacl)
		return STATUS_SUCCESS;
	struct secdesc given;
	bool have_given = false;
	if (p) {
		if (sd_decode(p, n, &given) < 0)
			return STATUS_INVALID_SECURITY_DESCR;
		have_given = true;
	}
	struct secdesc psd;
	bool have_parent = parent_sd(vs, h, &psd);
	if (!have_given && !have_parent)
		return STATUS_SUCCESS;
	struct vfs_stat st;
	NTSTATUS s = vs->ops->fstat(h, &st);
	if (s) {
		if (have_given)
			sd_free(&given);
		if (have_parent)
			sd_free(&psd);
		return s;
	}
	struct secdesc nsd;
	memset(&nsd, 0, sizeof(nsd));
	nsd.control = SD_SELF_RELATIVE;
	nsd.has_owner = nsd.has_group = true;
	sid_unix(&nsd.owner, UNIX_USERS, st.uid);
	sid_unix(&nsd.group, UNIX_GROUPS, st.gid);
	struct acl_user u;
	acl_user(r, &u);
	if (!s && have_given && given.has_owner) {
		s = apply_owner(vs, h, &u, &st, &given.owner);
		if (!s)
			nsd.owner = given.owner;
	}
	if (!s && have_given && given.has_group) {
		apply_group(vs, h, &u, &st, &given.group);
		nsd.group = given.group;
	}
	bool protect = false;
	if (!s && have_given && given.has_dacl) {
		take_dacl(&nsd, &given);
		protect = nsd.control & SD_DACL_PROTECTED;
	}
	/* MS-DTYP 2.5.3.4.1: inherited ACEs follow the explicit ones unless
	 * the given DACL is protected. */
	if (!s && have_parent && !protect && !nsd.dacl_null) {
		if (inherit_aces(&psd, st.is_dir, &nsd) < 0) {
			s = STATUS_NO_MEMORY;
		} else if (nsd.dacl.count && !nsd.has_dacl) {
			nsd.has_dacl = true; /* inherited only */
			nsd.control |= psd.control & SD_DACL_AUTO_INHERITED;
		}
	}
	if (!s && nsd.has_dacl)
		s = store_sd(vs, h, &nsd);
	if (!s && nsd.has_dacl && vs->ops->fstat(h, &st) == STATUS_SUCCESS)
		map_to_mode(vs, h, &st, &nsd);
	sd_free(&nsd);
	if (have_given)
		sd_free(&given);
	if (have_parent)
		sd_free(&psd);
	return s;
}
