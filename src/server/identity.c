#include "server/identity.h"

#include <errno.h>
#include <stdint.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"

static bool switching;
static uid_t self_uid;
static gid_t self_gid;

/* The identity the calling thread has now; starts as the server's own. */
static __thread struct {
	bool set;
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[SRV_MAX_GROUPS];
} cur;

int srv_identity_lookup(const char *name, struct srv_identity *out)
{
	memset(out, 0, sizeof(*out));
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) || !res) {
		/* SMB user names are case-insensitive; Unix names are usually
		 * lower case. */
		char low[256];
		size_t n = strlen(name);
		if (n >= sizeof(low))
			return -1;
		for (size_t i = 0; i <= n; i++)
			low[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
		if (getpwnam_r(low, &pw, buf, sizeof(buf), &res) || !res)
			return -1;
	}
	out->uid = pw.pw_uid;
	out->gid = pw.pw_gid;
	int n = SRV_MAX_GROUPS;
	if (getgrouplist(pw.pw_name, pw.pw_gid, out->groups, &n) < 0)
		n = SRV_MAX_GROUPS; /* more groups than we keep: the first ones */
	out->ngroups = n;
	out->valid = true;
	return 0;
}

bool srv_identity_switching(void)
{
	return switching;
}

static int apply(uid_t uid, gid_t gid, int ngroups, const gid_t *groups)
{
	if (cur.set && cur.uid == uid && cur.gid == gid && cur.ngroups == ngroups &&
	    !memcmp(cur.groups, groups, (size_t)ngroups * sizeof(gid_t)))
		return 0;
	/* Groups and gid first, while fsuid may still be root. */
	if (syscall(SYS_setgroups, (size_t)ngroups, groups) < 0)
		return -1;
	syscall(SYS_setfsgid, gid);
	syscall(SYS_setfsuid, uid);
	/* setfsuid/setfsgid return the previous value; read back to check. */
	if ((uid_t)syscall(SYS_setfsuid, (uid_t)-1) != uid ||
	    (gid_t)syscall(SYS_setfsgid, (gid_t)-1) != gid)
		return -1;
	cur.set = true;
	cur.uid = uid;
	cur.gid = gid;
	cur.ngroups = ngroups;
	memcpy(cur.groups, groups, (size_t)ngroups * sizeof(gid_t));
	return 0;
}

int srv_identity_enter(const struct srv_identity *id)
{
	if (!switching)
		return 0;
	if (!id || !id->valid) {
		gid_t none[1] = {self_gid};
		return apply(self_uid, self_gid, 1, none);
	}
	return apply(id->uid, id->gid, id->ngroups, id->groups);
}

static int capset_only(uint32_t keep)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = keep;
	return (int)syscall(SYS_capset, &h, d);
}

int srv_privileges_drop(const struct srv_identity *only)
{
	self_uid = geteuid();
	self_gid = getegid();
	if (self_uid != 0) {
		/* An ordinary user serves as itself. */
		switching = false;
		return 0;
	}
	if (only && only->valid) {
		if (setgroups((size_t)only->ngroups, only->groups) < 0 || setgid(only->gid) < 0 ||
		    setuid(only->uid) < 0)
			return -1;
		if (setuid(0) == 0) {
			errno = EPERM; /* must not be able to regain root */
			return -1;
		}
		switching = false;
		LOG_WARN("every share forces one account: running as uid %u", (unsigned)only->uid);
		return 0;
	}
	/* Stay uid 0 but keep only CAP_SETUID and CAP_SETGID: enough to take a
	 * user's fsuid/fsgid/groups, nothing else.  Other capabilities leave
	 * the bounding set too. */
	prctl(PR_SET_KEEPCAPS, 1);
	for (int cap = 0; cap <= 63; cap++) {
		if (cap == CAP_SETUID || cap == CAP_SETGID)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap) < 0 && errno != EINVAL)
			return -1;
	}
	if (capset_only(1u << CAP_SETUID | 1u << CAP_SETGID) < 0)
		return -1;
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	switching = true;
	LOG_INFO("running as root with CAP_SETUID and CAP_SETGID only");
	return 0;
}
