/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Double Ratchet of one session (Documentation/e2e.rst, "The
 * ratchet"). One struct ratchet per session and per thread; it owns its
 * skipped-key store. A message is a 40-byte header, then the ciphertext,
 * then the 16-byte tag.
 */
#ifndef TERN_RATCHET_H
#define TERN_RATCHET_H

#include "e2e.h"

#define RATCHET_HEADER_LEN	(E2E_KEY_LEN + 8)
#define RATCHET_OVERHEAD	(RATCHET_HEADER_LEN + E2E_TAG_LEN)
#define RATCHET_MAX_SKIP	1000	/* keys skipped by one message */
#define RATCHET_MAX_SKIPPED	2000	/* keys a session keeps */

struct ratchet_skipped {
	uint8_t dh[E2E_KEY_LEN];
	uint32_t n;
	uint8_t mk[E2E_KEY_LEN];
};

struct ratchet {
	struct e2e_keypair dhs;
	uint8_t dhr[E2E_KEY_LEN];
	uint8_t prev_dhr[E2E_KEY_LEN];	/* the receiving key before dhr */
	bool has_dhr, has_prev_dhr, has_cks, has_ckr;
	uint8_t rk[E2E_KEY_LEN], cks[E2E_KEY_LEN], ckr[E2E_KEY_LEN];
	uint32_t ns, nr, pn;
	/* Skipped message keys, oldest first. */
	struct ratchet_skipped *skipped;
	unsigned int n_skipped, cap_skipped;
	/*
	 * Where new ratchet key pairs come from: NULL, the system's
	 * randomness; tests set their own to replay known answers.
	 */
	int (*keygen)(void *arg, struct e2e_keypair *kp);
	void *keygen_arg;
};

/*
 * Alice, who made the key agreement, with Bob's signed prekey @spk_b. The
 * init calls clear everything but @keygen and @keygen_arg: set those
 * first (or zero the struct) and Alice's first ratchet key pair comes
 * from them.
 */
int ratchet_init_alice(struct ratchet *r, const uint8_t sk[E2E_KEY_LEN],
		       const uint8_t spk_b[E2E_KEY_LEN]);
/* Bob: his signed prekey pair starts his side. */
int ratchet_init_bob(struct ratchet *r, const uint8_t sk[E2E_KEY_LEN],
		     const struct e2e_keypair *spk_b);
/* Wipe and free what @r holds; @r may be zeroed. */
void ratchet_free(struct ratchet *r);

/*
 * Encrypt @len bytes of @pt with the associated data @ad (the session's,
 * X3DH_AD_LEN bytes) into @msg (RATCHET_OVERHEAD + @len bytes). -EAGAIN
 * when this side cannot send yet (Bob before his first message in).
 */
int ratchet_encrypt(struct ratchet *r, const uint8_t *ad, size_t adlen,
		    const uint8_t *pt, size_t len, uint8_t *msg);

/*
 * Open @msg (@len bytes) into @pt (@len - RATCHET_OVERHEAD bytes). On any
 * failure @r is unchanged: -EBADMSG a tag that does not verify (forged,
 * corrupted, or not this session's), -EALREADY a replay or a message too
 * old, -E2BIG more than RATCHET_MAX_SKIP keys ahead, -EINVAL too short.
 * @why, when not NULL, says which in words.
 */
int ratchet_decrypt(struct ratchet *r, const uint8_t *ad, size_t adlen,
		    const uint8_t *msg, size_t len, uint8_t *pt,
		    const char **why);

#endif /* TERN_RATCHET_H */
