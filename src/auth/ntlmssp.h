/* NTLMSSP acceptor state (ntlmssp.c), used by the SPNEGO layer (auth.c). */
#ifndef DAX_NTLMSSP_H
#define DAX_NTLMSSP_H

#include "auth/auth_int.h"

enum ntlm_srv_state { NTLM_SRV_START, NTLM_SRV_SENT_CHALLENGE, NTLM_SRV_DONE };

struct ntlm_server {
	enum ntlm_srv_state state;
	char nb_name[64];
	char dns_name[256];
	uint8_t challenge[8];
	uint32_t chal_flags;      /* flags sent in CHALLENGE */
	uint32_t flags;           /* CHALLENGE & AUTHENTICATE flags */
	struct buf neg_msg;       /* kept for the MIC (MS-NLMP 3.1.5.1.2) */
	struct buf chal_msg;
	uint8_t exported_key[16];
	bool has_key;
};

void ntlm_server_init(struct ntlm_server *s, const char *netbios_name, const char *dns_name);
void ntlm_server_free(struct ntlm_server *s);
/* Parses NEGOTIATE, appends the CHALLENGE to out. */
NTSTATUS ntlm_server_negotiate(struct ntlm_server *s, const uint8_t *in, size_t n, struct buf *out);
/* Checks AUTHENTICATE and fills id. */
NTSTATUS ntlm_server_authenticate(struct ntlm_server *s, struct passdb *db, const uint8_t *in,
				  size_t n, struct auth_identity *id);

#endif
