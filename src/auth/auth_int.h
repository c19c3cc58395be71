/* Internals of src/auth shared between its files, the unit tests and the
 * fuzz targets.  Not part of the server-facing contract (auth.h). */
#ifndef DAX_AUTH_INT_H
#define DAX_AUTH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "common/buf.h"
#include "common/cursor.h"
#include "common/ntstatus.h"

/* Largest security token accepted or stored (SESSION_SETUP buffers are
 * small; this caps every allocation driven by the peer, STYLE 9). */
#define AUTH_MAX_TOKEN (64 * 1024)

/* ---- DER (asn1.c): single-byte tags, definite lengths only ---- */

#define ASN1_MAX_DEPTH 16

/* Reads one TLV at c's position.  The tag must be in low-tag-number form,
 * the length definite (no 0x80) in at most 4 length bytes and inside c.
 * val gets a cursor over the contents; raw/raw_len (if not NULL) the whole
 * TLV as sent.  False on any violation (c's error is set). */
bool asn1_read(struct cur *c, uint8_t *tag, struct cur *val, const uint8_t **raw, size_t *raw_len);
/* asn1_read that also demands the tag. */
bool asn1_expect(struct cur *c, uint8_t tag, struct cur *val);
/* Walks a whole DER structure, descending into constructed values up to
 * ASN1_MAX_DEPTH levels; true if every TLV is well formed. */
bool asn1_validate(const uint8_t *p, size_t n);
/* Writes a tag and a minimal definite length. */
void asn1_put_hdr(struct buf *b, uint8_t tag, size_t len);
/* Writes a whole TLV. */
void asn1_put(struct buf *b, uint8_t tag, const void *val, size_t n);
/* Writes tag + length of src's contents, then the contents. */
void asn1_wrap(struct buf *b, uint8_t tag, const struct buf *src);

/* ---- SPNEGO (spnego.c), RFC 4178 / MS-SPNG ---- */

enum spnego_state {
	SPNEGO_ACCEPT_COMPLETED = 0,
	SPNEGO_ACCEPT_INCOMPLETE = 1,
	SPNEGO_REJECT = 2,
	SPNEGO_REQUEST_MIC = 3,
	SPNEGO_STATE_ABSENT = -1,
};

extern const uint8_t spnego_ntlm_oid[10];   /* 1.3.6.1.4.1.311.2.2.10, value bytes */

/* A decoded NegTokenInit or NegTokenResp; pointers point into the input. */
struct spnego_tok {
	bool is_init;
	/* NegTokenInit: the MechTypeList as sent (SEQUENCE TLV, what the
	 * mechListMIC covers), whether NTLMSSP is in it and first. */
	const uint8_t *mech_types;
	size_t mech_types_len;
	bool has_ntlm, ntlm_first;
	/* NegTokenResp */
	int neg_state;
	bool has_supported_mech, supported_is_ntlm;
	/* Both: mechToken/responseToken and mechListMIC (NULL when absent). */
	const uint8_t *token;
	size_t token_len;
	const uint8_t *mic;
	size_t mic_len;
};

/* Decodes a token starting with 0x60 (GSS InitialContextToken holding a
 * NegTokenInit) or 0xa1 (NegTokenResp); the whole input must be used. */
bool spnego_decode(const uint8_t *p, size_t n, struct spnego_tok *t);
/* NegTokenInit with mechTypes [NTLMSSP] and either a mechToken or (tok
 * NULL) the negHints of MS-SPNG 2.2.1.  mech_types (if not NULL) gets the
 * encoded MechTypeList for a later mechListMIC. */
void spnego_encode_init(struct buf *out, const uint8_t *tok, size_t tok_len, struct buf *mech_types);
/* NegTokenResp; neg_state SPNEGO_STATE_ABSENT omits negState, tok/mic
 * NULL omit those fields. */
void spnego_encode_resp(struct buf *out, int neg_state, bool supported_mech, const uint8_t *tok,
			size_t tok_len, const uint8_t *mic, size_t mic_len);

/* ---- NTLM (MS-NLMP) ---- */

#define NTLMSSP_NEGOTIATE_UNICODE                  0x00000001u
#define NTLMSSP_NEGOTIATE_OEM                      0x00000002u
#define NTLMSSP_REQUEST_TARGET                     0x00000004u
#define NTLMSSP_NEGOTIATE_SIGN                     0x00000010u
#define NTLMSSP_NEGOTIATE_SEAL                     0x00000020u
#define NTLMSSP_NEGOTIATE_LM_KEY                   0x00000080u
#define NTLMSSP_NEGOTIATE_NTLM                     0x00000200u
#define NTLMSSP_ANONYMOUS                          0x00000800u
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN              0x00008000u
#define NTLMSSP_TARGET_TYPE_DOMAIN                 0x00010000u
#define NTLMSSP_TARGET_TYPE_SERVER                 0x00020000u
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLMSSP_NEGOTIATE_IDENTIFY                 0x00100000u
#define NTLMSSP_NEGOTIATE_TARGET_INFO              0x00800000u
#define NTLMSSP_NEGOTIATE_VERSION                  0x02000000u
#define NTLMSSP_NEGOTIATE_128                      0x20000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH                 0x40000000u
#define NTLMSSP_NEGOTIATE_56                       0x80000000u

enum {
	MSV_AV_EOL = 0,
	MSV_AV_NB_COMPUTER_NAME = 1,
	MSV_AV_NB_DOMAIN_NAME = 2,
	MSV_AV_DNS_COMPUTER_NAME = 3,
	MSV_AV_DNS_DOMAIN_NAME = 4,
	MSV_AV_DNS_TREE_NAME = 5,
	MSV_AV_FLAGS = 6,
	MSV_AV_TIMESTAMP = 7,
	MSV_AV_SINGLE_HOST = 8,
	MSV_AV_TARGET_NAME = 9,
	MSV_AV_CHANNEL_BINDINGS = 10,
};
#define MSV_AV_FLAG_MIC_PRESENT 0x00000002u

extern const uint8_t ntlmssp_signature[8];  /* "NTLMSSP\0" */
#define NTLM_NEGOTIATE 1
#define NTLM_CHALLENGE 2
#define NTLM_AUTHENTICATE 3
#define NTLM_AUTH_MIC_OFFSET 72     /* MS-NLMP 2.2.1.3 */
#define NTLM_CLIENT_CHALLENGE_HDR 28 /* NTLMv2_CLIENT_CHALLENGE before AvPairs */

/* ntlm_crypto.c */
/* NTOWFv2 = HMAC_MD5(NT hash, UTF-16LE(UPPER(user)) || domain), with the
 * domain given as the UTF-16LE bytes sent on the wire. */
int ntlm_ntowfv2(const uint8_t nt_hash[16], const char *user, const uint8_t *domain_u16,
		 size_t domain_len, uint8_t out[16]);
/* NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge || temp). */
int ntlm_proof(const uint8_t ntowf[16], const uint8_t server_challenge[8], const uint8_t *temp,
	       size_t temp_len, uint8_t out[16]);
/* MS-NLMP 3.4.4.2 with extended session security: the 16-byte signature
 * (version 1, checksum, seqnum) of msg with the keys of one direction
 * (client_to_server selects the "client-to-server" magic constants). */
int ntlm_sign(const uint8_t exported_key[16], uint32_t flags, bool client_to_server, uint32_t seq,
	      const uint8_t *msg, size_t n, uint8_t sig[16]);
/* Walks AV pairs (MS-NLMP 2.2.2.1) up to MsvAvEOL.  Calls cb for each
 * pair before EOL; false if a pair overruns or EOL is missing. */
bool ntlm_av_walk(const uint8_t *p, size_t n,
		  bool (*cb)(uint16_t id, const uint8_t *val, uint16_t len, void *arg), void *arg);

/* ---- test hooks (fixed randomness for the MS-NLMP 4.2 vectors) ---- */

void auth_test_set_challenge(struct auth_ctx *a, const uint8_t challenge[8]);
/* Fixes the client challenge, the random session key and (if time is not
 * 0) the timestamp used when the server sent none. */
void auth_client_test_set(struct auth_client *c, const uint8_t client_challenge[8],
			  const uint8_t random_session_key[16], uint64_t time);
/* Makes the client speak raw NTLMSSP instead of SPNEGO. */
void auth_client_test_raw(struct auth_client *c);

#endif
