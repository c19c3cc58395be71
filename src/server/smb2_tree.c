/* TREE_CONNECT and TREE_DISCONNECT (MS-SMB2 3.3.5.7, 3.3.5.8). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/utf16.h"
#include "server/srv.h"

#define READ_ONLY_ACCESS (FILE_READ_DATA | FILE_READ_EA | FILE_EXECUTE | FILE_READ_ATTRIBUTES | \
			  READ_CONTROL | SYNCHRONIZE)

static bool user_allowed(const struct share_cfg *sh, const struct srv_session *s)
{
	if (s->ident.guest || s->ident.anonymous)
		return sh->guest_ok;
	if (!sh->valid_users || !sh->valid_users[0])
		return true;
	for (char **u = sh->valid_users; *u; u++)
		if (!strcasecmp(*u, s->ident.user))
			return true;
	return false;
}

NTSTATUS smb2_tree_connect(struct srv_req *r)
{
	struct smb2_tree_connect_req rq;
	if (smb2_decode_tree_connect_req(&r->msg, &rq) < 0)
		return STATUS_INVALID_PARAMETER;
	char *path = utf16le_to_utf8(rq.path, rq.path_len, 1024, NULL);
	if (!path)
		return STATUS_BAD_NETWORK_NAME;
	/* \\server\share: the share is what follows the last backslash. */
	const char *name = strrchr(path, '\\');
	name = name ? name + 1 : path;
	struct srv *srv = r->conn->srv;
	const struct share_cfg *sh = config_find_share(srv->cfg, name);
	if (!sh) {
		LOG_INFO("%s: tree connect to unknown share '%s'", r->conn->peer, path);
		free(path);
		return STATUS_BAD_NETWORK_NAME;
	}
	free(path);
	struct srv_session *s = r->sess;
	if (!user_allowed(sh, s)) {
		LOG_INFO("%s: %s may not use [%s]", r->conn->peer,
			 s->ident.guest || s->ident.anonymous ? "guest" : s->ident.user, sh->name);
		return STATUS_ACCESS_DENIED;
	}
	/* MS-SMB2 3.3.5.7: a share that must be encrypted refuses a client
	 * that cannot encrypt; one that wants it asks those who can. */
	bool can_encrypt = r->conn->cipher && s->has_key;
	if (sh->encrypt == CFG_ENCRYPT_REQUIRED && !can_encrypt) {
		LOG_INFO("%s: [%s] requires encryption", r->conn->peer, sh->name);
		return STATUS_ACCESS_DENIED;
	}
	if (s->ntrees == sizeof(s->trees) / sizeof(s->trees[0]))
		return STATUS_INSUFFICIENT_RESOURCES;
	struct srv_tree *t = calloc(1, sizeof(*t));
	if (!t)
		return STATUS_NO_MEMORY;
	t->id = s->next_tree_id++;
	t->share = sh;
	t->vfs = srv->vfs[sh - srv->cfg->shares];
	t->read_only = sh->read_only;
	t->maximal_access = sh->read_only ? READ_ONLY_ACCESS : FILE_ALL_ACCESS;
	t->encrypt = can_encrypt && (sh->encrypt >= CFG_ENCRYPT_DESIRED || s->encrypt);
	s->trees[s->ntrees++] = t;
	r->tree = t;

	struct smb2_tree_connect_resp rs = {0};
	rs.share_type = sh->ipc ? SMB2_SHARE_TYPE_PIPE : SMB2_SHARE_TYPE_DISK;
	rs.share_flags = SMB2_SHAREFLAG_MANUAL_CACHING;
	if (t->encrypt && !s->encrypt)
		rs.share_flags |= SMB2_SHAREFLAG_ENCRYPT_DATA;
	rs.capabilities = 0;
	rs.maximal_access = t->maximal_access;
	smb2_encode_tree_connect_resp(r->out, &rs);
	return STATUS_SUCCESS;
}

NTSTATUS smb2_tree_disconnect(struct srv_req *r)
{
	if (smb2_decode_empty4(&r->msg) < 0)
		return STATUS_INVALID_PARAMETER;
	srv_tree_destroy(r->sess, r->tree);
	r->tree = NULL;
	smb2_encode_empty4(r->out);
	return STATUS_SUCCESS;
}
