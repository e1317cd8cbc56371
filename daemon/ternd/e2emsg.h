/* SPDX-License-Identifier: GPL-2.0 */
/*
 * End-to-end envelopes, stored sessions and sealed contents
 * (daemon/proto/e2e.proto, Documentation/messaging.rst): encoding, and
 * decoding that checks every field and names the first one that is wrong.
 */
#ifndef TERND_E2EMSG_H
#define TERND_E2EMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ratchet.h"
#include "x3dh.h"

#define E2EMSG_VERSION		1
/* The largest ratchet message: a padded plaintext of PAD_MAX bytes. */
#define E2EMSG_RATCHET_MAX	(31744 + RATCHET_OVERHEAD)
/* A sealed content's envelope: the ratchet message and room for the rest. */
#define E2EMSG_SEALED_ENVELOPE_MAX	(E2EMSG_RATCHET_MAX + 512)
#define E2EMSG_DEVICE_ID_LEN	16	/* the directory's ENTRY_ID_LEN */

struct e2e_prekey_info {
	uint8_t identity_x25519[E2E_KEY_LEN];
	uint8_t ephemeral[E2E_KEY_LEN];
	uint32_t signed_prekey_id;
	uint32_t prekey_id;
	bool last_resort;
};

struct e2e_envelope {
	const uint8_t *ratchet;		/* into the decoded buffer */
	size_t ratchet_len;
	bool has_prekey;
	struct e2e_prekey_info prekey;
};

/* Encode: a malloc()ed buffer in *@out, its length in *@len. */
int e2emsg_envelope_pack(const struct e2e_envelope *e, uint8_t **out,
			 size_t *len);
/*
 * Decode @len bytes of @buf. On success @e's ratchet points into the
 * unpacked message kept in *@keep (free it with e2emsg_free()). On
 * failure -EBADMSG with *@why naming what was wrong.
 */
int e2emsg_envelope_parse(const uint8_t *buf, size_t len,
			  struct e2e_envelope *e, void **keep,
			  const char **why);
void e2emsg_free(void *keep);

/* What a sealed message holds (daemon/e2e/seal.h seals it): who sent it. */
struct e2e_sealed_content {
	char handle[256];		/* a valid handle, NUL-terminated */
	uint8_t device[E2EMSG_DEVICE_ID_LEN];
	const uint8_t *envelope;	/* an Envelope, into the decoded buffer */
	size_t envelope_len;
};

/* Encode: a malloc()ed buffer in *@out, its length in *@len. */
int e2emsg_sealed_pack(const char *handle,
		       const uint8_t device[E2EMSG_DEVICE_ID_LEN],
		       const uint8_t *env, size_t envlen, uint8_t **out,
		       size_t *len);
/*
 * Decode @len bytes of @buf (what seal_open() gave). On success @c's
 * envelope points into the unpacked message kept in *@keep (free it with
 * e2emsg_free()); the envelope itself is still to be parsed
 * (e2emsg_envelope_parse()). On failure -EBADMSG with *@why naming what
 * was wrong: the version, a handle that is not valid (handle.h), a device
 * id that is not 16 bytes, an envelope empty or longer than
 * E2EMSG_SEALED_ENVELOPE_MAX.
 */
int e2emsg_sealed_parse(const uint8_t *buf, size_t len,
			struct e2e_sealed_content *c, void **keep,
			const char **why);

/* What a device being linked receives (e2e.proto, LinkProvision). */
#define E2EMSG_LINK_DEVICES_MAX	16	/* the directory's per account */

struct e2e_link_provision {
	char handle[256];		/* a valid handle, NUL-terminated */
	uint8_t account_seed[32];	/* the account key's Ed25519 seed */
	uint8_t device[E2EMSG_DEVICE_ID_LEN];
	uint8_t approver[E2EMSG_DEVICE_ID_LEN];
	unsigned int ndevices;		/* 1 to E2EMSG_LINK_DEVICES_MAX */
	uint8_t devices[E2EMSG_LINK_DEVICES_MAX][E2EMSG_DEVICE_ID_LEN];
};

/* Encode: a malloc()ed buffer in *@out, its length in *@len; -EINVAL for
 * what the receiver would refuse.
 */
int e2emsg_link_pack(const struct e2e_link_provision *p, uint8_t **out,
		     size_t *len);
/*
 * Decode into @p. -EBADMSG with *@why naming what was wrong: the
 * version, the handle, a key or device id of the wrong size, no devices
 * or more than E2EMSG_LINK_DEVICES_MAX, or the approver not among them.
 * The caller wipes @p's seed when done.
 */
int e2emsg_link_parse(const uint8_t *buf, size_t len,
		      struct e2e_link_provision *p, const char **why);

/* A session and its associated data, for the store. */
int e2emsg_session_pack(const struct ratchet *r,
			const uint8_t ad[X3DH_AD_LEN],
			const struct e2e_prekey_info *pending, uint8_t **out,
			size_t *len);
/*
 * Decode a stored session into @r (which owns its skipped keys after;
 * ratchet_free() it) and @ad; @pending, when not NULL, gets the prekey
 * info still to be sent (*@has_pending says whether there is one).
 * -EBADMSG with *@why for anything malformed.
 */
int e2emsg_session_parse(const uint8_t *buf, size_t len, struct ratchet *r,
			 uint8_t ad[X3DH_AD_LEN],
			 struct e2e_prekey_info *pending, bool *has_pending,
			 const char **why);

#endif /* TERND_E2EMSG_H */
