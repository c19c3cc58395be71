/* daxsmbd configuration: smb.conf syntax with Samba's parameter names
 * (DESIGN "Configuration and users"), parsed once into plain structs that
 * runtime code reads (STYLE 10). */
#ifndef DAX_CONFIG_H
#define DAX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cfg_signing { CFG_SIGNING_DEFAULT, CFG_SIGNING_MANDATORY, CFG_SIGNING_DISABLED };
enum cfg_dax_mode { CFG_DAX_POSIX, CFG_DAX_PMEM };
/* `smb encrypt` with Samba's meaning. */
enum cfg_encrypt { CFG_ENCRYPT_OFF, CFG_ENCRYPT_IF_REQUIRED, CFG_ENCRYPT_DESIRED, CFG_ENCRYPT_REQUIRED };
#define CFG_MAX_ALGS 4

#define CFG_MAX_PORTS 8
#define CFG_MAX_ADDRS 16

struct share_cfg {
	char *name;
	char *path;
	char *comment;
	bool read_only;
	bool guest_ok;
	bool browseable;
	bool ipc;                 /* the IPC$ share */
	char **valid_users;       /* NULL-terminated; NULL or empty = everyone */
	enum cfg_dax_mode dax_mode;
	char *force_user;         /* Unix account every file operation runs as */
	enum cfg_encrypt encrypt;
	bool follow_symlinks;     /* symlinks inside the share may be followed */
};

struct srv_config {
	uint16_t ports[CFG_MAX_PORTS];
	size_t nports;
	char *addrs[CFG_MAX_ADDRS];   /* numeric addresses to listen on */
	size_t naddrs;
	char *passdb_file;
	char *state_dir;
	char *netbios_name;
	char *server_string;
	char *guest_account;          /* Unix account of guests (default nobody) */
	enum cfg_signing signing;
	enum cfg_encrypt encrypt;
	uint16_t ciphers[CFG_MAX_ALGS];   /* preference order, MS-SMB2 cipher ids */
	size_t nciphers;
	uint16_t sign_algs[CFG_MAX_ALGS]; /* preference order, signing ids */
	size_t nsign_algs;
	uint16_t min_proto;           /* dialect numbers, e.g. 0x0202 */
	uint16_t max_proto;
	int log_level;
	unsigned event_threads;
	bool multi_channel;           /* `server multi channel support` */
	uint32_t busy_poll_us;        /* spin before sleeping (0: off) */
	/* limits (checked before allocation) */
	uint32_t max_frame;           /* authenticated connections */
	uint32_t max_frame_unauth;    /* before a session is established */
	uint32_t max_io;              /* MaxRead/MaxWrite/MaxTransact */
	uint32_t max_credits;         /* credits a client may hold */
	uint32_t max_connections;
	uint32_t max_connections_per_addr;
	uint32_t max_sessions_per_conn;
	uint32_t max_opens_per_session;
	uint32_t max_dir_entries;
	uint32_t auth_timeout_sec;
	uint32_t session_expiry_sec;  /* sessions need re-authentication after (0: never) */
	struct share_cfg *shares;     /* shares[0] is IPC$ */
	size_t nshares;
};

/* Loads path (NULL: the built-in default: one guest share "share" on
 * ./daxsmb-data, created if missing, 127.0.0.1 port 4445).  Returns NULL
 * and a message in err on an unreadable file, a bad value, or a share
 * without a usable path. Unknown parameters are warned about. */
struct srv_config *config_load(const char *path, char *err, size_t errlen);
/* Parses config text (for tests); base is used in messages. */
struct srv_config *config_parse(const char *text, const char *base, char *err, size_t errlen);
void config_free(struct srv_config *c);
const struct share_cfg *config_find_share(const struct srv_config *c, const char *name);
/* 0x0202.. from a Samba protocol name (SMB2_02, SMB2_10, SMB3_00, SMB3_02,
 * SMB3_11, SMB2, SMB3); is_max picks the meaning of SMB2/SMB3. 0 if unknown. */
uint16_t config_proto_from_name(const char *name, bool is_max);

#endif
