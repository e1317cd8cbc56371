/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Signed tree heads and epoch records (Documentation/directory.rst).
 *
 * The directory's log (kt_log.h) holds one leaf per map epoch, the epoch
 * record:
 *
 *   "tern-kt epoch v1" 0x00 || epoch (u64, big endian) || map root (32)
 *
 * and a signed tree head commits to the log: Ed25519 over
 *
 *   "tern-kt sth v1" 0x00 || size (u64 BE) || timestamp in ms since the
 *   epoch (u64 BE) || log root (32)
 *
 * The latest map root is the last leaf of the tree a head signs, so a
 * lookup answer shows its entry is current with an inclusion proof of
 * leaf size - 1 and a map proof under that root.
 */
#ifndef TERN_KT_STH_H
#define TERN_KT_STH_H

#include <stdint.h>

#include <openssl/evp.h>

#include "kt.h"

#define KT_SIG_LEN		64
#define KT_EPOCH_LEAF_LEN	(17 + 8 + KT_HASH_LEN)
#define KT_STH_TBS_LEN		(15 + 8 + 8 + KT_HASH_LEN)

struct kt_sth {
	uint64_t size;
	uint64_t timestamp_ms;
	uint8_t root[KT_HASH_LEN];
	uint8_t sig[KT_SIG_LEN];
};

/* The epoch record of @epoch, whose map root is @map_root. */
void kt_epoch_leaf(uint64_t epoch, const uint8_t map_root[KT_HASH_LEN],
		   uint8_t out[KT_EPOCH_LEAF_LEN]);

/* The bytes a head's signature covers. */
void kt_sth_tbs(const struct kt_sth *sth, uint8_t out[KT_STH_TBS_LEN]);

/* Signs @sth (size, timestamp and root set) with the Ed25519 @key. */
int kt_sth_sign(struct kt_sth *sth, EVP_PKEY *key);

/* 0 when @sth's signature verifies under the Ed25519 @key, else -EBADMSG. */
int kt_sth_verify(const struct kt_sth *sth, EVP_PKEY *key);

#endif /* TERN_KT_STH_H */
