/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An append-only Merkle log with RFC 9162 (Certificate Transparency 2.0)
 * hashing, section 2.1: leaf hash SHA-256(0x00 || leaf), node hash
 * SHA-256(0x01 || left || right), the empty tree's root SHA-256(""),
 * inclusion proofs (2.1.3) and consistency proofs (2.1.4), and their
 * verification (2.1.3.2, 2.1.4.2). The directory logs one leaf per map
 * epoch (kt_sth.h); its signed tree heads (kt_sth.h) commit to the root.
 *
 * struct kt_log keeps every leaf hash and the hashes of every complete
 * subtree, so a root or a proof for any earlier size costs O(log n).
 */
#ifndef TERN_KT_LOG_H
#define TERN_KT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kt.h"

/* The longest inclusion or consistency proof, for sizes below 2^63. */
#define KT_LOG_MAX_PROOF	64

struct kt_log;

struct kt_log *kt_log_new(void);
void kt_log_free(struct kt_log *log);

/* Appends a leaf (its bytes; the log hashes them). */
int kt_log_append(struct kt_log *log, const void *leaf, size_t len);
/* Appends a leaf by its leaf hash (kt_log_leaf_hash()), as when reloading. */
int kt_log_append_hash(struct kt_log *log, const uint8_t hash[KT_HASH_LEN]);
uint64_t kt_log_size(const struct kt_log *log);
/*
 * Forgets the leaves from @size on (an epoch whose store transaction
 * failed is taken back); -EINVAL past the end. Memory is kept for reuse.
 */
int kt_log_truncate(struct kt_log *log, uint64_t size);

/* The root of the tree of the first @size leaves; -EINVAL past the end. */
int kt_log_root(const struct kt_log *log, uint64_t size,
		uint8_t root[KT_HASH_LEN]);

/*
 * The inclusion proof of leaf @index in the tree of @size leaves:
 * *@n hashes into @path (room for KT_LOG_MAX_PROOF). -EINVAL unless
 * index < size <= kt_log_size().
 */
int kt_log_prove_inclusion(const struct kt_log *log, uint64_t index,
			   uint64_t size, uint8_t path[][KT_HASH_LEN],
			   size_t *n);

/*
 * The consistency proof between the trees of @old and @size leaves
 * (RFC 9162 2.1.4.1; empty when old == size). -EINVAL unless
 * 0 < old <= size <= kt_log_size().
 */
int kt_log_prove_consistency(const struct kt_log *log, uint64_t old,
			     uint64_t size, uint8_t path[][KT_HASH_LEN],
			     size_t *n);

/* SHA-256(0x00 || leaf). */
int kt_log_leaf_hash(const void *leaf, size_t len, uint8_t out[KT_HASH_LEN]);

/*
 * Verification, with no log at hand: 0 when the proof holds, -EBADMSG
 * when it does not (wrong length, wrong hashes), -EINVAL for impossible
 * arguments (index >= size, old > size, old == 0, n > KT_LOG_MAX_PROOF).
 */
int kt_log_verify_inclusion(const uint8_t leaf_hash[KT_HASH_LEN],
			    uint64_t index, uint64_t size,
			    const uint8_t path[][KT_HASH_LEN], size_t n,
			    const uint8_t root[KT_HASH_LEN]);
int kt_log_verify_consistency(uint64_t old, uint64_t size,
			      const uint8_t old_root[KT_HASH_LEN],
			      const uint8_t root[KT_HASH_LEN],
			      const uint8_t path[][KT_HASH_LEN], size_t n);

#endif /* TERN_KT_LOG_H */
