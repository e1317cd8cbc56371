/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sealed sender (Documentation/messaging.rst, "Sealed sender"): the outer
 * wrapping of a message to one device, which hides the sender from the
 * gateway. The inner bytes are encrypted to the recipient device's X25519
 * identity key with a fresh ephemeral key; the sender's identity is only
 * inside them. Crypto only, on opaque bytes: what the inner bytes hold is
 * ternd's (daemon/ternd/e2emsg.h, SealedContent).
 *
 *   sealed = 0x01 || E || AES-256-GCM(okm[0:32], okm[32:44],
 *                                     ad = 0x01 || E || IK_R, inner)
 *   okm    = HKDF(salt = E || IK_R, ikm = DH(e, IK_R),
 *                 info = "tern-sealed v1", L = 44)
 */
#ifndef TERN_SEAL_H
#define TERN_SEAL_H

#include "e2e.h"

#define SEAL_VERSION	1
#define SEAL_LINK_VERSION	2
#define SEAL_OVERHEAD	(1 + E2E_KEY_LEN + E2E_TAG_LEN)

/*
 * Seal @len bytes of @inner to @ik_r into @out (SEAL_OVERHEAD + @len
 * bytes; not overlapping @inner). @e: the ephemeral pair, NULL for a
 * fresh one (tests pass theirs to replay known answers). -EINVAL when
 * @ik_r is of low order (an all-zero DH result).
 */
int seal_wrap(const uint8_t ik_r[E2E_KEY_LEN], const struct e2e_keypair *e,
	      const uint8_t *inner, size_t len, uint8_t *out);

/*
 * Open @len bytes of @sealed with this device's identity pair @ik (its
 * public half is the IK_R sealed to) into @inner (len - SEAL_OVERHEAD
 * bytes, not NULL). -EINVAL too short or an unknown version, -EBADMSG
 * does not open: a tag that does not verify (forged, corrupted, or sealed
 * to another key), or an ephemeral key of low order (an all-zero DH
 * result, which no honest sender makes). @why, when not NULL, says which
 * in words (NULL on success). On failure @inner holds nothing of the
 * message.
 */
int seal_open(const struct e2e_keypair *ik, const uint8_t *sealed,
	      size_t len, uint8_t *inner, const char **why);

/*
 * A link box (messaging.rst, "Linking a device"): what an account's
 * device sends a device being linked, sealed the same way to the link key
 * in the new device's code, with its own version byte and info, so that
 * neither kind ever opens as the other:
 *
 *   box = 0x02 || E || AES-256-GCM(okm[0:32], okm[32:44],
 *                                  ad = 0x02 || E || LK, inner)
 *   okm = HKDF(salt = E || LK, ikm = DH(e, LK), info = "tern-link v1",
 *              L = 44)
 *
 * Sizes, arguments and errors as seal_wrap() and seal_open().
 */
int seal_link_wrap(const uint8_t link_pub[E2E_KEY_LEN],
		   const struct e2e_keypair *e, const uint8_t *inner,
		   size_t len, uint8_t *out);
int seal_link_open(const struct e2e_keypair *link, const uint8_t *box,
		   size_t len, uint8_t *inner, const char **why);

#endif /* TERN_SEAL_H */
