/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A handle's directory entry and the byte strings that are hashed or
 * signed over it (Documentation/directory.rst): the commitment the map
 * holds, and the to-be-signed bytes of X25519 identity keys, prekeys and
 * request envelopes. Shared by tern-directoryd and its clients.
 */
#ifndef TERN_ENTRY_H
#define TERN_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define ENTRY_KEY_LEN		32	/* Ed25519 and X25519 public keys */
#define ENTRY_SIG_LEN		64	/* Ed25519 signatures */
#define ENTRY_ID_LEN		16	/* device ids */
#define ENTRY_TOKEN_LEN		16	/* push tokens */
#define ENTRY_MAX_DEVICES	16
#define ENTRY_KEM_MAX		1600	/* a KEM public key (ML-KEM-1024: 1568) */

enum entry_prekey_kind {
	ENTRY_PREKEY_SIGNED = 1,
	ENTRY_PREKEY_LAST_RESORT = 2,
	ENTRY_PREKEY_KEM = 3,
};

/* The committed part of a device. */
struct entry_device {
	uint8_t id[ENTRY_ID_LEN];
	uint8_t identity_key[ENTRY_KEY_LEN];
	uint8_t identity_x25519[ENTRY_KEY_LEN];
	uint8_t x25519_sig[ENTRY_SIG_LEN];
	uint8_t push_token[ENTRY_TOKEN_LEN];
};

struct entry {
	uint8_t account_key[ENTRY_KEY_LEN];
	uint64_t seq;
	unsigned int ndev;
	struct entry_device dev[ENTRY_MAX_DEVICES];
};

/* The device id of an identity key: the first 16 bytes of its SHA-256. */
int entry_device_id(const uint8_t identity_key[ENTRY_KEY_LEN],
		    uint8_t id[ENTRY_ID_LEN]);

/*
 * The map value of @e: SHA-256("tern-kt entry v1" 0x00 || account_key ||
 * seq (u64 BE) || ndev (u16 BE) || devices sorted by id, each id ||
 * identity_key || identity_x25519 || x25519_sig || push_token). @e's
 * devices need not be sorted. -EINVAL when ndev > ENTRY_MAX_DEVICES.
 */
int entry_commitment(const struct entry *e, uint8_t out[32]);

/*
 * Ed25519 signatures over labelled byte strings: the raw public key
 * @key (32 bytes) verifies @sig over @label 0x00 || @msg. 0 when it
 * holds, -EBADMSG when not, -EINVAL for a key that is not a valid
 * Ed25519 point encoding.
 */
int entry_verify(const uint8_t key[ENTRY_KEY_LEN], const char *label,
		 const void *msg, size_t len, const uint8_t sig[ENTRY_SIG_LEN]);
/* The same signature made with a private key (tests, ternctl, ternd). */
int entry_sign(EVP_PKEY *key, const char *label, const void *msg, size_t len,
	       uint8_t sig[ENTRY_SIG_LEN]);

/* The labels. */
#define ENTRY_LABEL_REQUEST	"tern-directory-request v1"
#define ENTRY_LABEL_X25519	"tern-x25519 v1"
#define ENTRY_LABEL_PREKEY	"tern-prekey v1"
#define ENTRY_LABEL_ROTATE	"tern-account-key v1"

/*
 * The message a prekey's signature covers, after its label: kind || id
 * (u32 BE) || key. Returns its length (5 + @klen), or -EINVAL when @max
 * is too small.
 */
int entry_prekey_msg(enum entry_prekey_kind kind, uint32_t id,
		     const uint8_t *key, size_t klen, uint8_t *out,
		     size_t max);

#endif /* TERN_ENTRY_H */
