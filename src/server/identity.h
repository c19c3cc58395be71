/* Who file operations run as (issue 4): each session maps to a Unix
 * account, and the event-loop thread takes that account's fsuid, fsgid
 * and groups before touching the file system.  Raw syscalls switch only
 * the calling thread (glibc's setgroups would broadcast to every thread). */
#ifndef DAX_IDENTITY_H
#define DAX_IDENTITY_H

#include <stdbool.h>
#include <sys/types.h>

#define SRV_MAX_GROUPS 64

struct srv_identity {
	bool valid;
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[SRV_MAX_GROUPS];
};

/* Looks up a Unix account (its primary and supplementary groups). 0 or -1. */
int srv_identity_lookup(const char *name, struct srv_identity *out);
/* True when the server can switch identities (it runs with CAP_SETUID). */
bool srv_identity_switching(void);
/* Switches the calling thread to id (NULL: the server's own identity).
 * Cheap when the thread already has it. Returns 0 or -1. */
int srv_identity_enter(const struct srv_identity *id);
/* After the ports are bound: keep only what switching needs, or become
 * `only` entirely when every share forces that one account.  0 or -1. */
int srv_privileges_drop(const struct srv_identity *only);

#endif
