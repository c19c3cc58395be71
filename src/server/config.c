#include "server/config.h"

#include <ctype.h>
#include <pwd.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "common/log.h"

static void seterr(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		abort();
	return p;
}

/* Samba compares parameter names ignoring case and white space. */
static bool key_is(const char *key, const char *name)
{
	for (;;) {
		while (*key == ' ' || *key == '\t' || *key == '_')
			key++;
		while (*name == ' ')
			name++;
		if (!*key || !*name)
			return !*key && !*name;
		if (tolower((unsigned char)*key) != tolower((unsigned char)*name))
			return false;
		key++;
		name++;
	}
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "1") ||
	    !strcasecmp(v, "on")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "0") ||
	    !strcasecmp(v, "off")) {
		*out = false;
		return 0;
	}
	return -1;
}

static int parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 0);
	if (errno || end == v)
		return -1;
	if (*end == 'k' || *end == 'K')
		x *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		x *= 1024 * 1024, end++;
	if (*end || x < min || x > max)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

uint16_t config_proto_from_name(const char *name, bool is_max)
{
	static const struct {
		const char *name;
		uint16_t min, max;
	} t[] = {
		{"SMB2_02", 0x0202, 0x0202}, {"SMB2_10", 0x0210, 0x0210},
		{"SMB2_22", 0x0300, 0x0300}, {"SMB2_24", 0x0300, 0x0300},
		{"SMB3_00", 0x0300, 0x0300}, {"SMB3_02", 0x0302, 0x0302},
		{"SMB3_10", 0x0302, 0x0302}, {"SMB3_11", 0x0311, 0x0311},
		{"SMB2", 0x0202, 0x0210},    {"SMB3", 0x0300, 0x0311},
		{"default", 0x0202, 0x0311},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcasecmp(name, t[i].name))
			return is_max ? t[i].max : t[i].min;
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static void free_list(char **l)
{
	if (!l)
		return;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
}

/* Splits on commas and white space. */
static char **split_list(const char *v)
{
	size_t n = 0, cap = 4;
	char **l = calloc(cap + 1, sizeof(*l));
	char *dup = xstrdup(v), *save = NULL;
	if (!l)
		abort();
	for (char *t = strtok_r(dup, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (n == cap) {
			cap *= 2;
			l = realloc(l, (cap + 1) * sizeof(*l));
			if (!l)
				abort();
		}
		l[n++] = xstrdup(t);
		l[n] = NULL;
	}
	free(dup);
	return l;
}

static int parse_encrypt(const char *v, enum cfg_encrypt *out)
{
	if (!strcasecmp(v, "off") || !strcasecmp(v, "disabled") || !strcasecmp(v, "no"))
		*out = CFG_ENCRYPT_OFF;
	else if (!strcasecmp(v, "if_required") || !strcasecmp(v, "default") ||
		 !strcasecmp(v, "auto"))
		*out = CFG_ENCRYPT_IF_REQUIRED;
	else if (!strcasecmp(v, "desired") || !strcasecmp(v, "enabled") || !strcasecmp(v, "yes"))
		*out = CFG_ENCRYPT_DESIRED;
	else if (!strcasecmp(v, "required") || !strcasecmp(v, "mandatory"))
		*out = CFG_ENCRYPT_REQUIRED;
	else
		return -1;
	return 0;
}

/* An ordered list of algorithm names ("AES-128-GCM, AES-128-CCM") into
 * ids; unknown names and duplicates are errors. */
static int parse_algs(const char *v, const char *const *names, const uint16_t *ids, size_t n,
		      uint16_t *out, size_t *count)
{
	char **l = split_list(v);
	size_t k = 0;
	int rc = 0;
	for (char **p = l; *p && !rc; p++) {
		size_t i;
		for (i = 0; i < n; i++)
			if (!strcasecmp(*p, names[i]))
				break;
		if (i == n || k == CFG_MAX_ALGS) {
			rc = -1;
			break;
		}
		for (size_t j = 0; j < k; j++)
			if (out[j] == ids[i])
				rc = -1;
		out[k++] = ids[i];
	}
	free_list(l);
	if (!rc && k == 0)
		rc = -1;
	if (!rc)
		*count = k;
	return rc;
}

static const char *const cipher_names[] = {"AES-128-CCM", "AES-128-GCM", "AES-256-CCM", "AES-256-GCM"};
static const uint16_t cipher_ids[] = {1, 2, 3, 4};
static const char *const sign_names[] = {"HMAC-SHA256", "AES-128-CMAC", "AES-128-GMAC"};
static const uint16_t sign_ids[] = {0, 1, 2};

static struct share_cfg *add_share(struct srv_config *c, const char *name)
{
	struct share_cfg *s = realloc(c->shares, (c->nshares + 1) * sizeof(*s));
	if (!s)
		abort();
	c->shares = s;
	s = &c->shares[c->nshares++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->comment = xstrdup("");
	s->read_only = true; /* Samba's default */
	s->encrypt = CFG_ENCRYPT_IF_REQUIRED;
	s->browseable = true;
	s->follow_symlinks = true;
	return s;
}

static void add_addr(struct srv_config *c, const char *a)
{
	for (size_t i = 0; i < c->naddrs; i++)
		if (!strcmp(c->addrs[i], a))
			return;
	if (c->naddrs < CFG_MAX_ADDRS)
		c->addrs[c->naddrs++] = xstrdup(a);
}

/* "interfaces": addresses (with an optional /mask), or interface names. */
static int set_interfaces(struct srv_config *c, const char *v, const char *where, char *err,
			  size_t errlen)
{
	char **l = split_list(v);
	int rc = 0;
	for (size_t i = 0; i < c->naddrs; i++)
		free(c->addrs[i]);
	c->naddrs = 0;
	for (char **p = l; *p; p++) {
		char *slash = strchr(*p, '/');
		if (slash)
			*slash = 0;
		struct in6_addr a6;
		struct in_addr a4;
		if (inet_pton(AF_INET, *p, &a4) == 1 || inet_pton(AF_INET6, *p, &a6) == 1) {
			add_addr(c, *p);
			continue;
		}
		struct ifaddrs *ifa = NULL, *i;
		bool found = false;
		if (getifaddrs(&ifa) == 0) {
			for (i = ifa; i; i = i->ifa_next) {
				if (!i->ifa_addr || strcmp(i->ifa_name, *p))
					continue;
				char host[NI_MAXHOST];
				int fam = i->ifa_addr->sa_family;
				if (fam != AF_INET && fam != AF_INET6)
					continue;
				socklen_t sl = fam == AF_INET ? sizeof(struct sockaddr_in)
							      : sizeof(struct sockaddr_in6);
				if (getnameinfo(i->ifa_addr, sl, host, sizeof(host), NULL, 0,
						NI_NUMERICHOST) == 0) {
					char *pct = strchr(host, '%');
					if (pct)
						continue; /* link-local needs a scope: skip */
					add_addr(c, host);
					found = true;
				}
			}
			freeifaddrs(ifa);
		}
		if (!found) {
			seterr(err, errlen, "%s: interfaces: '%s' is neither an address nor an interface",
			       where, *p);
			rc = -1;
			break;
		}
	}
	free_list(l);
	return rc;
}

static int set_global(struct srv_config *c, const char *k, const char *v, const char *where,
		      char *err, size_t errlen)
{
	uint32_t u;
	if (key_is(k, "smb ports")) {
		char **l = split_list(v);
		c->nports = 0;
		for (char **p = l; *p; p++) {
			if (parse_u32(*p, 1, 65535, &u) || c->nports == CFG_MAX_PORTS) {
				seterr(err, errlen, "%s: bad smb ports '%s'", where, v);
				free_list(l);
				return -1;
			}
			c->ports[c->nports++] = (uint16_t)u;
		}
		free_list(l);
		if (!c->nports) {
			seterr(err, errlen, "%s: smb ports is empty", where);
			return -1;
		}
	} else if (key_is(k, "interfaces")) {
		if (set_interfaces(c, v, where, err, errlen))
			return -1;
	} else if (key_is(k, "bind interfaces only")) {
		/* We only ever bind the listed interfaces. */
	} else if (key_is(k, "passdb file")) {
		free(c->passdb_file);
		c->passdb_file = xstrdup(v);
	} else if (key_is(k, "state directory")) {
		free(c->state_dir);
		c->state_dir = xstrdup(v);
	} else if (key_is(k, "netbios name")) {
		free(c->netbios_name);
		c->netbios_name = xstrdup(v);
	} else if (key_is(k, "server string")) {
		free(c->server_string);
		c->server_string = xstrdup(v);
	} else if (key_is(k, "guest account")) {
		free(c->guest_account);
		c->guest_account = xstrdup(v);
	} else if (key_is(k, "smb encrypt") || key_is(k, "server smb encrypt")) {
		if (parse_encrypt(v, &c->encrypt))
			goto bad;
	} else if (key_is(k, "server smb3 encryption algorithms")) {
		if (parse_algs(v, cipher_names, cipher_ids, 4, c->ciphers, &c->nciphers))
			goto bad;
	} else if (key_is(k, "server smb3 signing algorithms")) {
		if (parse_algs(v, sign_names, sign_ids, 3, c->sign_algs, &c->nsign_algs))
			goto bad;
	} else if (key_is(k, "server signing")) {
		if (!strcasecmp(v, "mandatory") || !strcasecmp(v, "required"))
			c->signing = CFG_SIGNING_MANDATORY;
		else if (!strcasecmp(v, "disabled") || !strcasecmp(v, "off") || !strcasecmp(v, "no"))
			c->signing = CFG_SIGNING_DISABLED;
		else if (!strcasecmp(v, "default") || !strcasecmp(v, "auto") ||
			 !strcasecmp(v, "if_required") || !strcasecmp(v, "desired") ||
			 !strcasecmp(v, "enabled"))
			c->signing = CFG_SIGNING_DEFAULT;
		else {
			seterr(err, errlen, "%s: bad server signing '%s'", where, v);
			return -1;
		}
	} else if (key_is(k, "server min protocol") || key_is(k, "min protocol")) {
		uint16_t d = config_proto_from_name(v, false);
		if (!d && (!strcasecmp(v, "NT1") || !strcasecmp(v, "LANMAN1") ||
			   !strcasecmp(v, "LANMAN2") || !strcasecmp(v, "CORE") ||
			   !strcasecmp(v, "COREPLUS"))) {
			LOG_WARN("%s: SMB1 (%s) is not served; minimum is SMB2_02", where, v);
			d = 0x0202;
		}
		if (!d) {
			seterr(err, errlen, "%s: bad server min protocol '%s'", where, v);
			return -1;
		}
		c->min_proto = d;
	} else if (key_is(k, "server max protocol") || key_is(k, "max protocol")) {
		uint16_t d = config_proto_from_name(v, true);
		if (!d) {
			seterr(err, errlen, "%s: bad server max protocol '%s' (SMB1 is not served)", where, v);
			return -1;
		}
		c->max_proto = d;
	} else if (key_is(k, "log level") || key_is(k, "debug level")) {
		if (parse_u32(v, 0, 10, &u)) {
			seterr(err, errlen, "%s: bad log level '%s'", where, v);
			return -1;
		}
		c->log_level = (int)u;
	} else if (key_is(k, "event threads")) {
		if (parse_u32(v, 1, 64, &u))
			goto bad;
		c->event_threads = u;
	} else if (key_is(k, "server multi channel support")) {
		bool b;
		if (parse_bool(v, &b))
			goto bad;
		c->multi_channel = b;
	} else if (key_is(k, "busy poll")) {
		if (parse_u32(v, 0, 1000000, &u))
			goto bad;
		c->busy_poll_us = u;
	} else if (key_is(k, "max frame size")) {
		if (parse_u32(v, 65536 + 4096, 16u << 20, &u))
			goto bad;
		c->max_frame = u;
	} else if (key_is(k, "max io size")) {
		if (parse_u32(v, 65536, 8u << 20, &u))
			goto bad;
		c->max_io = u;
	} else if (key_is(k, "smb2 max credits")) {
		if (parse_u32(v, 1, 65535, &u))
			goto bad;
		c->max_credits = u;
	} else if (key_is(k, "max connections")) {
		if (parse_u32(v, 1, 1000000, &u))
			goto bad;
		c->max_connections = u;
	} else if (key_is(k, "max connections per address")) {
		if (parse_u32(v, 1, 1000000, &u))
			goto bad;
		c->max_connections_per_addr = u;
	} else if (key_is(k, "session expiry")) {
		/* Seconds a session lives before requests get
		 * NETWORK_SESSION_EXPIRED and it must re-authenticate
		 * (MS-SMB2 3.3.5.2.9): the lifetime a Kerberos ticket gives. */
		if (parse_u32(v, 0, 100000000, &u))
			goto bad;
		c->session_expiry_sec = u;
	} else if (key_is(k, "max sessions per connection")) {
		if (parse_u32(v, 1, 65535, &u))
			goto bad;
		c->max_sessions_per_conn = u;
	} else if (key_is(k, "max open files")) {
		if (parse_u32(v, 1, 1000000, &u))
			goto bad;
		c->max_opens_per_session = u;
	} else if (key_is(k, "server role") || key_is(k, "workgroup") ||
		   key_is(k, "map to guest") || key_is(k, "load printers")) {
		/* Samba parameters whose meaning is fixed here. */
	} else {
		LOG_WARN("%s: unknown parameter '%s' ignored", where, k);
	}
	return 0;
bad:
	seterr(err, errlen, "%s: bad value '%s' for '%s'", where, v, k);
	return -1;
}

static int set_share(struct share_cfg *s, const char *k, const char *v, const char *where,
		     char *err, size_t errlen)
{
	bool b;
	if (key_is(k, "path") || key_is(k, "directory")) {
		free(s->path);
		s->path = xstrdup(v);
	} else if (key_is(k, "comment")) {
		free(s->comment);
		s->comment = xstrdup(v);
	} else if (key_is(k, "read only") || key_is(k, "writable") || key_is(k, "writeable") ||
		   key_is(k, "write ok")) {
		if (parse_bool(v, &b))
			goto bad;
		s->read_only = key_is(k, "read only") ? b : !b;
	} else if (key_is(k, "guest ok") || key_is(k, "public")) {
		if (parse_bool(v, &b))
			goto bad;
		s->guest_ok = b;
	} else if (key_is(k, "browseable") || key_is(k, "browsable")) {
		if (parse_bool(v, &b))
			goto bad;
		s->browseable = b;
	} else if (key_is(k, "valid users")) {
		free_list(s->valid_users);
		s->valid_users = split_list(v);
	} else if (key_is(k, "smb encrypt") || key_is(k, "server smb encrypt")) {
		if (parse_encrypt(v, &s->encrypt))
			goto bad;
	} else if (key_is(k, "force user")) {
		free(s->force_user);
		s->force_user = *v ? xstrdup(v) : NULL;
	} else if (key_is(k, "follow symlinks")) {
		if (parse_bool(v, &b))
			goto bad;
		s->follow_symlinks = b;
	} else if (key_is(k, "wide links")) {
		if (parse_bool(v, &b))
			goto bad;
		if (b)
			LOG_WARN("%s: wide links are never followed", where);
	} else if (key_is(k, "dax mode")) {
		if (!strcasecmp(v, "posix"))
			s->dax_mode = CFG_DAX_POSIX;
		else if (!strcasecmp(v, "pmem"))
			s->dax_mode = CFG_DAX_PMEM;
		else
			goto bad;
	} else {
		LOG_WARN("%s: unknown share parameter '%s' ignored", where, k);
	}
	return 0;
bad:
	seterr(err, errlen, "%s: bad value '%s' for '%s'", where, v, k);
	return -1;
}

static struct srv_config *config_new(void)
{
	struct srv_config *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->ports[0] = 4445;
	c->nports = 1;
	add_addr(c, "127.0.0.1");
	c->netbios_name = xstrdup("DAXSMB");
	c->server_string = xstrdup("daxsmb");
	c->guest_account = xstrdup("nobody");
	c->signing = CFG_SIGNING_DEFAULT;
	c->encrypt = CFG_ENCRYPT_IF_REQUIRED;
	/* Samba's default preference orders. */
	static const uint16_t cdef[] = {2, 1, 4, 3}, sdef[] = {2, 1, 0};
	memcpy(c->ciphers, cdef, sizeof(cdef));
	c->nciphers = 4;
	memcpy(c->sign_algs, sdef, sizeof(sdef));
	c->nsign_algs = 3;
	c->min_proto = 0x0202;
	c->max_proto = 0x0311;
	c->log_level = 1;
	c->event_threads = 2;
	c->multi_channel = true;
	c->max_io = 8u << 20;
	c->max_frame = (8u << 20) + 65536;
	c->max_frame_unauth = 65536;
	c->max_credits = 8192;
	c->max_connections = 4096;
	c->max_connections_per_addr = 1024;
	c->max_sessions_per_conn = 64;
	c->max_opens_per_session = 16384;
	c->max_dir_entries = 1u << 21;
	c->auth_timeout_sec = 60;
	struct share_cfg *ipc = add_share(c, "IPC$");
	ipc->ipc = true;
	ipc->guest_ok = true;
	ipc->browseable = false;
	free(ipc->comment);
	ipc->comment = xstrdup("IPC Service (daxsmb)");
	return c;
}

struct srv_config *config_parse(const char *text, const char *base, char *err, size_t errlen)
{
	struct srv_config *c = config_new();
	struct share_cfg *cur = NULL;
	bool in_global = true; /* parameters before any section are global */
	char *dup = xstrdup(text);
	char *line, *save = NULL;
	int lineno = 0;
	char where[300];

	/* Join continuation lines ("\" at the end) first. */
	for (char *p = dup; (p = strstr(p, "\\\n"));) {
		p[0] = ' ';
		p[1] = ' ';
	}
	for (line = strtok_r(dup, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", base, lineno);
		char *s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e) {
				seterr(err, errlen, "%s: unterminated section", where);
				goto fail;
			}
			*e = 0;
			char *name = trim(s + 1);
			in_global = !strcasecmp(name, "global");
			cur = NULL;
			if (in_global)
				continue;
			if (!*name || strlen(name) > 80 || strpbrk(name, "\\/:*?\"<>|")) {
				seterr(err, errlen, "%s: bad share name '%s'", where, name);
				goto fail;
			}
			if (!strcasecmp(name, "IPC$") || !strcasecmp(name, "homes") ||
			    !strcasecmp(name, "printers")) {
				LOG_WARN("%s: section [%s] ignored", where, name);
				continue;
			}
			if (config_find_share(c, name)) {
				seterr(err, errlen, "%s: share [%s] defined twice", where, name);
				goto fail;
			}
			cur = add_share(c, name);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			seterr(err, errlen, "%s: expected 'name = value'", where);
			goto fail;
		}
		*eq = 0;
		char *k = trim(s), *v = trim(eq + 1);
		if (in_global) {
			if (set_global(c, k, v, where, err, errlen))
				goto fail;
		} else if (cur) {
			if (set_share(cur, k, v, where, err, errlen))
				goto fail;
		}
	}
	free(dup);
	if (c->min_proto > c->max_proto) {
		seterr(err, errlen, "%s: server min protocol is above server max protocol", base);
		config_free(c);
		return NULL;
	}
	for (size_t i = 0; i < c->nshares; i++) {
		struct share_cfg *s = &c->shares[i];
		if (s->ipc)
			continue;
		struct stat st;
		if (!s->path || !*s->path) {
			seterr(err, errlen, "%s: share [%s] has no path", base, s->name);
			config_free(c);
			return NULL;
		}
		if (stat(s->path, &st) || !S_ISDIR(st.st_mode)) {
			seterr(err, errlen, "%s: share [%s]: path '%s' is not a directory", base,
			       s->name, s->path);
			config_free(c);
			return NULL;
		}
	}
	log_level = c->log_level;
	return c;
fail:
	free(dup);
	config_free(c);
	return NULL;
}

struct srv_config *config_load(const char *path, char *err, size_t errlen)
{
	if (!path) {
		const char *dir = "daxsmb-data";
		bool created = mkdir(dir, 0755) == 0;
		if (!created && errno != EEXIST) {
			seterr(err, errlen, "cannot create default data directory '%s': %s", dir,
			       strerror(errno));
			return NULL;
		}
		/* Started as root, the default guest share forces the unprivileged
		 * `nobody`, who owns the data directory we create: the whole
		 * server then runs as nobody. */
		const char *force = "";
		struct passwd *pw = geteuid() == 0 ? getpwnam("nobody") : NULL;
		if (pw) {
			force = " force user = nobody\n";
			if (created && chown(dir, pw->pw_uid, pw->pw_gid) < 0)
				LOG_WARN("cannot give %s to nobody: %s", dir, strerror(errno));
		}
		char cwd[4096], text[8192];
		if (!getcwd(cwd, sizeof(cwd)))
			strcpy(cwd, ".");
		snprintf(text, sizeof(text),
			 "[global]\n smb ports = 4445\n interfaces = 127.0.0.1\n"
			 "[share]\n path = %s/%s\n read only = no\n guest ok = yes\n"
			 " comment = daxsmb default share\n%s",
			 cwd, dir, force);
		return config_parse(text, "built-in default", err, errlen);
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		seterr(err, errlen, "cannot read config '%s': %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *text = malloc(cap);
	if (!text)
		abort();
	for (;;) {
		size_t r = fread(text + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
		if (n == cap - 1) {
			if (cap >= (16u << 20)) {
				fclose(f);
				free(text);
				seterr(err, errlen, "config '%s' is too large", path);
				return NULL;
			}
			cap *= 2;
			text = realloc(text, cap);
			if (!text)
				abort();
		}
	}
	bool bad = ferror(f);
	fclose(f);
	text[n] = 0;
	if (bad) {
		free(text);
		seterr(err, errlen, "cannot read config '%s'", path);
		return NULL;
	}
	struct srv_config *c = config_parse(text, path, err, errlen);
	free(text);
	return c;
}

void config_free(struct srv_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->naddrs; i++)
		free(c->addrs[i]);
	for (size_t i = 0; i < c->nshares; i++) {
		free(c->shares[i].name);
		free(c->shares[i].path);
		free(c->shares[i].comment);
		free_list(c->shares[i].valid_users);
		free(c->shares[i].force_user);
	}
	free(c->shares);
	free(c->passdb_file);
	free(c->state_dir);
	free(c->netbios_name);
	free(c->server_string);
	free(c->guest_account);
	free(c);
}

const struct share_cfg *config_find_share(const struct srv_config *c, const char *name)
{
	for (size_t i = 0; i < c->nshares; i++)
		if (!strcasecmp(c->shares[i].name, name))
			return &c->shares[i];
	return NULL;
}
