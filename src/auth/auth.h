/* Authentication for SESSION_SETUP: SPNEGO (MS-SPNG, RFC 4178) carrying
 * NTLMSSP (MS-NLMP) with NTLMv2, raw NTLMSSP too, checked against the
 * passdb.  The server sees only this interface. */
#ifndef DAX_AUTH_H
#define DAX_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/ntstatus.h"

struct passdb;

/* Result of a completed authentication. */
struct auth_identity {
	char user[64];          /* as sent by the client (UTF-8); "" when anonymous */
	char domain[64];
	bool guest;             /* unknown user mapped to guest */
	bool anonymous;         /* null session */
	uint8_t session_key[16];/* exported session key (zeros for guest/anonymous) */
	bool has_session_key;
	/* An anonymous logon naming a user, without NTLMSSP_ANONYMOUS, that
	 * sent an EncryptedRandomSessionKey: the key its client derives (RC4
	 * under the zero SessionBaseKey of an empty response, MS-NLMP 3.3.1)
	 * is in session_key.  It proves nothing, but that client (smbclient
	 * -N naming its Unix user) signs with it and checks signatures. */
	bool anonymous_key;
};

struct auth_ctx;

/* netbios_name/dns_name go into the CHALLENGE's target info. */
struct auth_ctx *auth_start(struct passdb *db, const char *netbios_name, const char *dns_name);
/* Feeds one SESSION_SETUP security buffer (SPNEGO NegTokenInit/NegTokenResp
 * or raw NTLMSSP) and appends the reply token to out (in the same wrapping
 * the client used).  Returns STATUS_MORE_PROCESSING_REQUIRED after the
 * CHALLENGE, STATUS_SUCCESS when authenticated (see auth_identity), or
 * STATUS_LOGON_FAILURE (wrong password), STATUS_INVALID_PARAMETER
 * (malformed token), STATUS_NOT_SUPPORTED (no NTLMSSP mech offered). */
NTSTATUS auth_step(struct auth_ctx *a, const uint8_t *in, size_t n, struct buf *out);
const struct auth_identity *auth_identity(const struct auth_ctx *a);
void auth_free(struct auth_ctx *a);

/* Re-authentication of an established session (MS-SMB2 3.3.5.5.2): may
 * identity id, just authenticated, replace the session's?  owner is the
 * user who established it ("" for an anonymous or guest session).
 * STATUS_SUCCESS: the same user (names compared case-insensitively, an
 * empty domain matching any), a drop to anonymous, or guest on a guest
 * session.  STATUS_LOGON_FAILURE: an unknown user (mapped to guest) on a
 * user's session -- credentials that do not check out are a failed
 * logon there, not a guest one.  STATUS_ACCESS_DENIED: anyone else. */
NTSTATUS auth_reauth_check(const char *owner, const char *owner_domain,
			   const struct auth_identity *id);

/* The SPNEGO NegTokenInit (with the NTLMSSP mech) placed in the NEGOTIATE
 * response's security buffer (MS-SMB2 3.3.5.4). */
void auth_negotiate_hint(struct buf *out);

/* ---- passdb: "name:32-hex-NT-hash" lines, file mode 0600 ---- */

/* Loads path; a missing file is an empty database (not an error); an
 * unreadable or malformed one returns NULL with a message in err. */
struct passdb *passdb_open(const char *path, char *err, size_t errlen);
/* Looks a user up (case-insensitive name).  Re-reads the file if it changed
 * on disk since the last lookup.  Thread-safe. */
bool passdb_lookup(struct passdb *db, const char *user, uint8_t nt_hash[16]);
void passdb_close(struct passdb *db);
/* Admin: add or replace a user, delete, list (one name per line to fp).
 * Writes atomically (temp file + rename) with mode 0600.  Return 0 or -1
 * with a message in err. */
int passdb_add_user(const char *path, const char *user, const char *password, char *err, size_t errlen);
int passdb_del_user(const char *path, const char *user, char *err, size_t errlen);
int passdb_list_users(const char *path, void (*cb)(const char *name, void *arg), void *arg,
		      char *err, size_t errlen);

/* NT hash = MD4(UTF-16LE(password)). */
int ntlm_nt_hash(const char *password, uint8_t out[16]);

/* ---- client side (libdaxsmb) ---- */

struct auth_client;
/* user NULL or "" = anonymous. */
struct auth_client *auth_client_start(const char *user, const char *domain, const char *password,
				      const char *workstation);
/* First call with in=NULL produces the SPNEGO NegTokenInit with the
 * NTLMSSP NEGOTIATE; each later call consumes the server's token.
 * Returns STATUS_MORE_PROCESSING_REQUIRED while more legs are needed,
 * STATUS_SUCCESS when the last token has been produced/accepted. */
NTSTATUS auth_client_step(struct auth_client *a, const uint8_t *in, size_t n, struct buf *out);
/* Exported session key (valid after the AUTHENTICATE was produced). */
bool auth_client_session_key(const struct auth_client *a, uint8_t key[16]);
void auth_client_free(struct auth_client *a);

#endif
