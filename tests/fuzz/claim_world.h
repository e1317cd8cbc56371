/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Claims of prekeys in the fixed directory of lookup_world.h, for
 * claim_fuzz, gen_claim_seeds and tests/dir/claim_test: the verified
 * lookups of its handles, alice's device keys (so last-resort prekeys can
 * be signed), her devices' fixed prekeys, and claim answers as
 * tern-directoryd gives them (Documentation/directory.rst,
 * "POST /v1/claim"). Deterministic, like the world it stands on.
 */
#ifndef TERN_CLAIM_WORLD_H
#define TERN_CLAIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "entry.h"
#include "lookup.h"
#include "lookup_world.h"

#define CLAIM_ALICE_DEVICES	2	/* lookup_world.c's alice */

struct claim_world {
	struct world w;
	/* lookup_verify() of each handle's answer, with no head seen */
	struct lookup_result lr[WORLD_HANDLES];
	/* alice's devices: identity keys (private), and their prekeys */
	EVP_PKEY *dev_key[CLAIM_ALICE_DEVICES];
	struct lookup_prekey one_time[CLAIM_ALICE_DEVICES];	/* no sig */
	struct lookup_prekey last_resort[CLAIM_ALICE_DEVICES];	/* signed */
};

/* Builds it (and the world); 0 or -1. claim_world_free() either way. */
int claim_world_build(struct claim_world *c);
void claim_world_free(struct claim_world *c);

/* Sets @pk's signature: @k's over a last-resort prekey of its id and key. */
int claim_world_sign(EVP_PKEY *k, struct lookup_prekey *pk);

/*
 * One device of a claim answer: {"device_id": @id, "one_time_prekey": @ot
 * ({"id", "key"}; null when NULL), "last_resort_prekey": @lr ({"id",
 * "key", "signature"})}. A new reference, or NULL.
 */
json_t *claim_world_device(const uint8_t id[ENTRY_ID_LEN],
			   const struct lookup_prekey *ot,
			   const struct lookup_prekey *lr);

/*
 * The claim answer for alice: {"handle", "devices": [...]} with her devices
 * @dev[0..@n - 1] (0 or 1 each), in that order, device i with its one-time
 * prekey when bit i of @one_time is set, else null. A new reference, or
 * NULL.
 */
json_t *claim_world_answer(const struct claim_world *c,
			   const unsigned int *dev, unsigned int n,
			   unsigned int one_time);

#endif /* TERN_CLAIM_WORLD_H */
