/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The key agreement that starts a session (Documentation/e2e.rst, "The
 * key agreement"): SK and the session's associated data from both
 * devices' identity keys, the responder's signed prekey, and its
 * one-time (or last-resort) prekey.
 */
#ifndef TERN_X3DH_H
#define TERN_X3DH_H

#include "e2e.h"

#define X3DH_AD_LABEL		"tern-ad v1"
#define X3DH_AD_LEN		(10 + 2 * E2E_KEY_LEN)

/* The initiator: @ik_a its identity key, @ek_a a fresh ephemeral pair;
 * the responder's public @ik_b, @spk_b and @opk_b (one-time or last
 * resort). Signatures are the caller's to check first.
 */
int x3dh_initiate(const struct e2e_keypair *ik_a,
		  const struct e2e_keypair *ek_a,
		  const uint8_t ik_b[E2E_KEY_LEN],
		  const uint8_t spk_b[E2E_KEY_LEN],
		  const uint8_t opk_b[E2E_KEY_LEN],
		  uint8_t sk[E2E_KEY_LEN], uint8_t ad[X3DH_AD_LEN]);

/* The responder, from the initiator's public @ik_a and @ek_a. */
int x3dh_respond(const struct e2e_keypair *ik_b,
		 const struct e2e_keypair *spk_b,
		 const struct e2e_keypair *opk_b,
		 const uint8_t ik_a[E2E_KEY_LEN],
		 const uint8_t ek_a[E2E_KEY_LEN],
		 uint8_t sk[E2E_KEY_LEN], uint8_t ad[X3DH_AD_LEN]);

#endif /* TERN_X3DH_H */
