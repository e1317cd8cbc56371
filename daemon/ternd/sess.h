/* SPDX-License-Identifier: GPL-2.0 */
/*
 * End-to-end sessions with peer devices, kept in ternd's store
 * (Documentation/messaging.rst, "Sessions in the store"): the envelope
 * for a plaintext to one device, and the plaintext of an envelope from
 * one, each in one call that loads the session, runs the ratchet and
 * saves it. Callers put a call in the batch that also stores the message
 * (dstore_begin()), so a session never moves on without its message.
 *
 * Per peer device the store keeps the session in use and the one before
 * it. A message is tried with both, and the one that opens it becomes the
 * one in use: when both devices started a session at once, each ends up
 * holding both, and every message in either still opens.
 *
 * Returns are 0 or a negative errno, with *@why saying in words what was
 * wrong for each of them:
 *   -ENOENT     no session with that device, and no way to start one
 *               (encrypt: no bundle; decrypt: not a key-agreement message)
 *   -EBADMSG    a malformed envelope, or one no session opens; a stored
 *               session that does not decode
 *   -EALREADY   a message opened before (a replay)
 *   -E2BIG      too far ahead of the session (RATCHET_MAX_SKIP)
 *   -ENOKEY     a key agreement with a prekey this device does not have
 *               (a one-time prekey used already, or never made)
 *   -EMSGSIZE   a plaintext longer than PAD_MAX allows
 *   -EIO, -ENOSPC, -ENOMEM  the store's or the system's
 */
#ifndef TERND_SESS_H
#define TERND_SESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dstore.h"
#include "e2e.h"

/* This device. */
struct sess_self {
	struct e2e_keypair ik;		/* its X25519 identity key */
};

/* A peer device's keys to start a session with: from a verified lookup
 * (the identity key and signed prekey, their signatures checked) and a
 * claim (a one-time prekey, or the last-resort prekey, its signature
 * checked).
 */
struct sess_bundle {
	uint8_t ik[E2E_KEY_LEN];
	uint32_t spk_id;
	uint8_t spk[E2E_KEY_LEN];
	uint32_t opk_id;
	uint8_t opk[E2E_KEY_LEN];
	bool last_resort;
};

/* The peer device a message goes to or came from. */
struct sess_peer {
	uint8_t dev[DSTORE_DEV_LEN];
	const char *handle;
	uint8_t ik[E2E_KEY_LEN];	/* its X25519 identity key */
};

/*
 * The envelope (e2emsg.h) for @len bytes of @pt to @p's device, padded:
 * in the session in use, or with @b (not NULL) in a new one that becomes
 * the session in use (@b's identity key is @p's). The envelope is
 * malloc()ed into *@env, *@envlen.
 */
int sess_encrypt(struct dstore *ds, const struct sess_self *me,
		 const struct sess_peer *p, const struct sess_bundle *b,
		 const uint8_t *pt, size_t len, uint64_t now_ms,
		 uint8_t **env, size_t *envlen, const char **why);

/*
 * The plaintext (unpadded, malloc()ed into *@pt, *@ptlen) of envelope
 * @env from @p's device, whose identity key the caller checked.
 */
int sess_decrypt(struct dstore *ds, const struct sess_self *me,
		 const struct sess_peer *p, const uint8_t *env, size_t envlen,
		 uint64_t now_ms, uint8_t **pt, size_t *ptlen,
		 const char **why);

/* Forget every session with @dev (a reset): 0, or -ENOENT if none. */
int sess_reset(struct dstore *ds, const uint8_t dev[DSTORE_DEV_LEN]);

#endif /* TERND_SESS_H */
