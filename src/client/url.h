/* //HOST[:PORT]/SHARE[/PATH] as the daxsmb command line takes it. Pure. */
#ifndef DAX_CLIENT_URL_H
#define DAX_CLIENT_URL_H

#include <stddef.h>
#include <stdint.h>

struct smb_url {
	char host[256];   /* without brackets for IPv6 */
	uint16_t port;    /* 0 when not given */
	char share[256];
	char path[1024];  /* without leading separators, '/' separated; "" = root */
};

/* Accepts //host/share, //host:port/share/a/b, //[::1]:4450/share, the
 * smb:// prefix, and backslashes (\\host\share\a).  A trailing separator
 * on the path is dropped.  Returns 0 or -1 with a reason in err. */
int smb_url_parse(const char *s, struct smb_url *u, char *err, size_t errlen);
/* "HOST[:PORT]/SHARE" style target string for reports: //host:port/share */
void smb_url_target(const struct smb_url *u, char *out, size_t n);

/* Splits -U's "[DOMAIN\]USER[%PASSWORD]" (also DOMAIN/USER).  The fields
 * point into a copy held in buf (size n).  pass is NULL when no '%'. */
int smb_parse_user(const char *s, char *buf, size_t n, const char **domain, const char **user,
		   const char **pass);

/* "64M", "4k", "1G", "4096" -> bytes (powers of 1024).  -1 on error. */
int64_t parse_size(const char *s);

#endif
