/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verifiable map: 256-bit keys (a handle's VRF output, kt_vrf.h) to
 * 256-bit values (the commitment to the handle's entry), in a sparse
 * Merkle tree compacted as in Diem's Jellyfish Merkle tree and WhatsApp's
 * AKD: a subtree holding one entry is that entry's leaf, wherever it sits,
 * so paths are about log2(n) long, not 256.
 *
 *   empty subtree   KT_MAP_EMPTY (32 zero bytes)
 *   one entry       SHA-256(0x00 || key || value)
 *   two or more     SHA-256(0x01 || left || right), left the subtree of
 *                   the keys whose next bit is 0
 *
 * Bit i of a key is bit (7 - i % 8) of byte i / 8: the most significant
 * bit first. The map's root is the hash of the whole tree.
 *
 * A proof for a key lists the siblings along the key's path from the root
 * down to the first subtree that holds at most one entry, top first, the
 * empty ones left out (a bitmap says which). That subtree is the key's
 * leaf (the key is present), empty, or another key's leaf sharing the
 * path so far (the key is absent): one proof form serves presence and
 * absence.
 */
#ifndef TERN_KT_MAP_H
#define TERN_KT_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "kt.h"

#define KT_MAP_DEPTH	256

struct kt_map;

struct kt_map *kt_map_new(void);
void kt_map_free(struct kt_map *map);

/* Sets @key to @value, adding it or replacing its value. */
int kt_map_set(struct kt_map *map, const uint8_t key[KT_HASH_LEN],
	       const uint8_t value[KT_HASH_LEN]);
/* Removes @key: 0, or -ENOENT when it was not there. */
int kt_map_delete(struct kt_map *map, const uint8_t key[KT_HASH_LEN]);
/* Looks @key up: 0 and its value, or -ENOENT. */
int kt_map_get(const struct kt_map *map, const uint8_t key[KT_HASH_LEN],
	       uint8_t value[KT_HASH_LEN]);
size_t kt_map_count(const struct kt_map *map);
void kt_map_root(const struct kt_map *map, uint8_t root[KT_HASH_LEN]);
/* Bytes the map holds (its nodes), for the memory benchmark. */
size_t kt_map_bytes(const struct kt_map *map);

enum kt_map_end {
	KT_MAP_PRESENT,		/* the path ends in the key's own leaf */
	KT_MAP_ABSENT_EMPTY,	/* ... in an empty subtree */
	KT_MAP_ABSENT_OTHER,	/* ... in another key's leaf */
};

struct kt_map_proof {
	enum kt_map_end end;
	uint16_t depth;			/* siblings on the path, 0..256 */
	uint16_t nsib;			/* of them not empty, in sib[] */
	uint8_t empty[KT_MAP_DEPTH / 8]; /* bit i (as keys): sibling i empty */
	uint8_t sib[KT_MAP_DEPTH][KT_HASH_LEN];
	/* KT_MAP_ABSENT_OTHER: the leaf the path ends in. */
	uint8_t other_key[KT_HASH_LEN];
	uint8_t other_value[KT_HASH_LEN];
};

/* The proof for @key, present or absent. */
int kt_map_prove(const struct kt_map *map, const uint8_t key[KT_HASH_LEN],
		 struct kt_map_proof *proof);

/*
 * Checks @proof for @key against @root: with @value, that the key maps to
 * it; with @value NULL, that the key is absent. 0 when it holds, -EBADMSG
 * when not (including a malformed proof: nsib that does not match the
 * bitmap, bits set past depth, an "other" leaf off the key's path or with
 * the key itself, a path that does not end where the leaf would be).
 */
int kt_map_verify(const uint8_t root[KT_HASH_LEN],
		  const uint8_t key[KT_HASH_LEN], const uint8_t *value,
		  const struct kt_map_proof *proof);

#endif /* TERN_KT_MAP_H */
