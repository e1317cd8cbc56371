/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small, fixed directory for lookup_fuzz and gen_lookup_seeds: the same
 * keys, accounts, map, log and signed heads on every run, so that the
 * seeds gen_lookup_seeds writes verify under the pins lookup_fuzz uses,
 * and lookup_fuzz knows what a genuine answer may say.
 */
#ifndef TERN_LOOKUP_WORLD_H
#define TERN_LOOKUP_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "kt_map.h"
#include "kt_sth.h"
#include "lookup.h"

#define WORLD_EPOCHS	6
#define WORLD_SEEN	3	/* the size of the head a client saw before */
#define WORLD_HANDLES	4

enum {
	WORLD_ALICE,		/* two devices, the second with a KEM prekey */
	WORLD_CAROL,		/* no devices */
	WORLD_NOBODY_EMPTY,	/* not registered: an absent-empty proof */
	WORLD_NOBODY_OTHER,	/* not registered: an absent-other proof */
};

/* A registered account: what its answers carry. */
struct world_acct {
	struct entry e;
	struct lookup_prekey spk[2], kem[2];
};

struct world {
	EVP_PKEY *head_key, *vrf_key;
	struct lookup_pins pins;	/* public halves; max age 10 min */
	struct kt_map *map;
	struct kt_log *log;
	char handle[WORLD_HANDLES][32];
	bool present[WORLD_HANDLES];
	uint8_t value[WORLD_HANDLES][KT_HASH_LEN];	/* present: the entry */
	struct world_acct acct[WORLD_HANDLES];		/* ... and its keys */
	uint8_t roots[WORLD_EPOCHS][KT_HASH_LEN];
	struct kt_sth heads[WORLD_EPOCHS + 1];		/* by size */
	uint64_t now_ms;	/* half a second after the last head */
};

/* Builds the world; 0 or -1. world_free() either way. */
int world_build(struct world *w);
void world_free(struct world *w);

/*
 * The lookup answer for handle @h (WORLD_*) at the latest head, as
 * Documentation/directory.rst gives it; with a consistency proof from
 * @since when not 0. A string to free(), or NULL.
 */
char *world_answer(struct world *w, unsigned int h, uint64_t since);

#endif /* TERN_LOOKUP_WORLD_H */
