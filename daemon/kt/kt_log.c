// SPDX-License-Identifier: GPL-2.0
/*
 * The key transparency log (kt_log.h): an append-only Merkle tree with
 * RFC 9162 hashing, its inclusion and consistency proofs (2.1.3.1,
 * 2.1.4.1) and their verification (2.1.3.2, 2.1.4.2).
 *
 * The log keeps every complete subtree, level by level: level 0 holds the
 * leaf hashes, level k holds at [i] the hash of leaves [i * 2^k,
 * (i + 1) * 2^k), so level k has size >> k entries. Such a subtree never
 * changes once complete, so it serves every later tree size too. Every
 * subtree RFC 9162's recursion visits starts at a multiple of a power of
 * two at least its width, so its hash is a right fold of the at most 64
 * complete subtrees its width decomposes into: a root or a proof for any
 * size costs O(log n) hashes. An append costs two hashes, amortised.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kt_log.h"

#define KT_LOG_LEAF	0x00
#define KT_LOG_NODE	0x01

/* A tree of fewer than 2^64 leaves has complete subtrees up to 2^63. */
#define KT_LOG_LEVELS	64
/* The most leaves: below 2^63 every proof fits KT_LOG_MAX_PROOF. */
#define KT_LOG_MAX_SIZE	((UINT64_C(1) << 63) - 1)
/* The first allocation of a level, in hashes. */
#define KT_LOG_MIN_CAP	16

struct kt_level {
	uint8_t (*hash)[KT_HASH_LEN];
	size_t len;		/* always size >> level */
	size_t cap;
};

struct kt_log {
	uint64_t size;
	struct kt_level level[KT_LOG_LEVELS];
};

/* A run of leaves [lo, hi) whose MTH a proof carries. */
struct kt_range {
	uint64_t lo, hi;
};

static int node_hash(const uint8_t *left, const uint8_t *right, uint8_t *out)
{
	static const uint8_t tag = KT_LOG_NODE;
	const void *const p[] = { &tag, left, right };
	const size_t l[] = { 1, KT_HASH_LEN, KT_HASH_LEN };

	/* libcrypto reads every part before it writes @out: they may alias. */
	return kt_sha256(out, 3, p, l);
}

/* The largest power of two below @n, for n >= 2: RFC 9162's k. */
static uint64_t split_point(uint64_t n)
{
	return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

static bool is_pow2(uint64_t n)
{
	return n && !(n & (n - 1));
}

struct kt_log *kt_log_new(void)
{
	return calloc(1, sizeof(struct kt_log));
}

void kt_log_free(struct kt_log *log)
{
	unsigned int k;

	if (!log)
		return;
	for (k = 0; k < KT_LOG_LEVELS; k++)
		free(log->level[k].hash);
	free(log);
}

uint64_t kt_log_size(const struct kt_log *log)
{
	return log ? log->size : 0;
}

int kt_log_leaf_hash(const void *leaf, size_t len, uint8_t out[KT_HASH_LEN])
{
	static const uint8_t tag = KT_LOG_LEAF;
	const void *const p[] = { &tag, leaf };
	const size_t l[] = { 1, len };

	if (!out || (!leaf && len))
		return -EINVAL;
	return kt_sha256(out, len ? 2 : 1, p, l);
}

/* Room for one more hash in @lv, doubling its allocation when full. */
static int level_reserve(struct kt_level *lv)
{
	size_t cap;
	void *p;

	if (lv->len < lv->cap)
		return 0;
	if (lv->cap > SIZE_MAX / 2 / KT_HASH_LEN)
		return -ENOMEM;
	cap = lv->cap ? lv->cap * 2 : KT_LOG_MIN_CAP;
	p = realloc(lv->hash, cap * KT_HASH_LEN);
	if (!p)
		return -ENOMEM;
	lv->hash = p;
	lv->cap = cap;
	return 0;
}

int kt_log_append_hash(struct kt_log *log, const uint8_t hash[KT_HASH_LEN])
{
	struct kt_level *lv;
	unsigned int k, top;
	uint64_t size;
	int err;

	if (!log || !hash)
		return -EINVAL;
	if (log->size >= KT_LOG_MAX_SIZE)
		return -ENOMEM;
	size = log->size + 1;
	/* The new leaf completes one subtree on each level 0..top. */
	top = __builtin_ctzll(size);
	for (k = 0; k <= top; k++) {
		err = level_reserve(&log->level[k]);
		if (err)
			return err;
	}

	/*
	 * Fill the slot past the end of each level, and only then count
	 * them: a failed hash leaves the log as it was.
	 */
	lv = &log->level[0];
	memcpy(lv->hash[lv->len], hash, KT_HASH_LEN);
	for (k = 1; k <= top; k++, lv++) {
		/* The new node on level k - 1 is a right child. */
		err = node_hash(lv->hash[lv->len - 1], lv->hash[lv->len],
				lv[1].hash[lv[1].len]);
		if (err)
			return err;
	}
	for (k = 0; k <= top; k++)
		log->level[k].len++;
	log->size = size;
	return 0;
}

int kt_log_truncate(struct kt_log *log, uint64_t size)
{
	unsigned int k;

	if (!log || size > log->size)
		return -EINVAL;
	/* A complete subtree stays exactly when all its leaves do. */
	for (k = 0; k < KT_LOG_LEVELS; k++)
		log->level[k].len = size >> k;
	log->size = size;
	return 0;
}

int kt_log_append(struct kt_log *log, const void *leaf, size_t len)
{
	uint8_t hash[KT_HASH_LEN];
	int err;

	if (!log)
		return -EINVAL;
	err = kt_log_leaf_hash(leaf, len, hash);
	if (err)
		return err;
	return kt_log_append_hash(log, hash);
}

/*
 * MTH(D[lo:hi]) for 0 <= lo < hi <= log->size, where lo is a multiple of
 * the largest power of two not above hi - lo (true of every subtree in
 * RFC 9162's recursion): hi - lo splits into complete subtrees, largest
 * first, each aligned to its width, and the MTH folds them from the right.
 */
static int range_hash(const struct kt_log *log, uint64_t lo, uint64_t hi,
		      uint8_t out[KT_HASH_LEN])
{
	const uint8_t *peak[KT_LOG_LEVELS];
	uint64_t width = hi - lo;
	unsigned int n = 0, k;
	int err;

	for (k = KT_LOG_LEVELS; k-- > 0; ) {
		if (!(width >> k & 1))
			continue;
		peak[n++] = log->level[k].hash[lo >> k];
		lo += UINT64_C(1) << k;
	}
	memcpy(out, peak[--n], KT_HASH_LEN);
	while (n-- > 0) {
		err = node_hash(peak[n], out, out);
		if (err)
			return err;
	}
	return 0;
}

int kt_log_root(const struct kt_log *log, uint64_t size,
		uint8_t root[KT_HASH_LEN])
{
	if (!log || !root || size > log->size)
		return -EINVAL;
	if (!size)
		return kt_sha256(root, 0, NULL, NULL);
	return range_hash(log, 0, size, root);
}

/*
 * The hashes of @r[0..cnt), deepest first: the proofs list the subtrees
 * from the leaf up, the walks below find them from the root down.
 */
static int proof_fill(const struct kt_log *log, const struct kt_range *r,
		      size_t cnt, uint8_t path[][KT_HASH_LEN], size_t *n)
{
	size_t i;
	int err;

	for (i = 0; i < cnt; i++) {
		err = range_hash(log, r[cnt - 1 - i].lo, r[cnt - 1 - i].hi,
				 path[i]);
		if (err)
			return err;
	}
	*n = cnt;
	return 0;
}

int kt_log_prove_inclusion(const struct kt_log *log, uint64_t index,
			   uint64_t size, uint8_t path[][KT_HASH_LEN],
			   size_t *n)
{
	struct kt_range r[KT_LOG_MAX_PROOF];
	uint64_t lo = 0, hi = size, k;
	size_t cnt = 0;

	if (n)
		*n = 0;
	if (!log || !path || !n || index >= size || size > log->size)
		return -EINVAL;
	/* PATH(m, D[n]): descend towards the leaf, noting each sibling. */
	while (hi - lo > 1) {
		if (cnt == KT_LOG_MAX_PROOF)
			return -EINVAL;
		k = split_point(hi - lo);
		if (index < lo + k) {
			r[cnt++] = (struct kt_range){ lo + k, hi };
			hi = lo + k;
		} else {
			r[cnt++] = (struct kt_range){ lo, lo + k };
			lo += k;
		}
	}
	return proof_fill(log, r, cnt, path, n);
}

int kt_log_prove_consistency(const struct kt_log *log, uint64_t old,
			     uint64_t size, uint8_t path[][KT_HASH_LEN],
			     size_t *n)
{
	struct kt_range r[KT_LOG_MAX_PROOF + 1];
	uint64_t lo = 0, hi = size, k;
	bool whole = true;	/* SUBPROOF's b: [lo, ...) starts at 0 */
	size_t cnt = 0;

	if (n)
		*n = 0;
	if (!log || !path || !n || !old || old > size || size > log->size)
		return -EINVAL;
	/*
	 * SUBPROOF(m, D[n], b) on [lo, hi), m = old - lo, until m == n;
	 * 0 < m throughout.
	 */
	while (old < hi) {
		if (cnt == KT_LOG_MAX_PROOF)
			return -EINVAL;
		k = split_point(hi - lo);
		if (old <= lo + k) {
			r[cnt++] = (struct kt_range){ lo + k, hi };
			hi = lo + k;
		} else {
			r[cnt++] = (struct kt_range){ lo, lo + k };
			lo += k;
			whole = false;
		}
	}
	/* The old tree's last subtree, unless it is the old root itself. */
	if (!whole) {
		if (cnt == KT_LOG_MAX_PROOF)
			return -EINVAL;
		r[cnt++] = (struct kt_range){ lo, hi };
	}
	return proof_fill(log, r, cnt, path, n);
}

int kt_log_verify_inclusion(const uint8_t leaf_hash[KT_HASH_LEN],
			    uint64_t index, uint64_t size,
			    const uint8_t path[][KT_HASH_LEN], size_t n,
			    const uint8_t root[KT_HASH_LEN])
{
	uint8_t r[KT_HASH_LEN];
	uint64_t fn, sn;
	size_t i;
	int err;

	if (!leaf_hash || !root || (n && !path))
		return -EINVAL;
	if (index >= size || n > KT_LOG_MAX_PROOF)
		return -EINVAL;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, KT_HASH_LEN);
	for (i = 0; i < n; i++) {
		/* More hashes than the path from this leaf has. */
		if (!sn)
			return -EBADMSG;
		if ((fn & 1) || fn == sn) {
			err = node_hash(path[i], r, r);
			/* Skip the levels where the node has no sibling. */
			while (!(fn & 1) && fn) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			err = node_hash(r, path[i], r);
		}
		if (err)
			return err;
		fn >>= 1;
		sn >>= 1;
	}
	/* sn != 0: fewer hashes than the path has. */
	return !sn && kt_hash_eq(r, root) ? 0 : -EBADMSG;
}

int kt_log_verify_consistency(uint64_t old, uint64_t size,
			      const uint8_t old_root[KT_HASH_LEN],
			      const uint8_t root[KT_HASH_LEN],
			      const uint8_t path[][KT_HASH_LEN], size_t n)
{
	uint8_t fr[KT_HASH_LEN], sr[KT_HASH_LEN];
	const uint8_t *c;
	uint64_t fn, sn;
	size_t i, first;
	int err, ok;

	if (!old_root || !root || (n && !path))
		return -EINVAL;
	if (!old || old > size || n > KT_LOG_MAX_PROOF)
		return -EINVAL;
	if (old == size)
		return !n && kt_hash_eq(old_root, root) ? 0 : -EBADMSG;
	if (!n)
		return -EBADMSG;

	/*
	 * A complete old tree is itself the first node of the proof:
	 * RFC 9162 prepends first_hash to the path, here it starts fr and
	 * sr, and the path's own hashes all follow.
	 */
	if (is_pow2(old)) {
		memcpy(fr, old_root, KT_HASH_LEN);
		first = 0;
	} else {
		memcpy(fr, path[0], KT_HASH_LEN);
		first = 1;
	}
	memcpy(sr, fr, KT_HASH_LEN);
	fn = old - 1;
	sn = size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (i = first; i < n; i++) {
		c = path[i];
		if (!sn)
			return -EBADMSG;
		if ((fn & 1) || fn == sn) {
			err = node_hash(c, fr, fr);
			if (!err)
				err = node_hash(c, sr, sr);
			while (!(fn & 1) && fn) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			err = node_hash(sr, c, sr);
		}
		if (err)
			return err;
		fn >>= 1;
		sn >>= 1;
	}
	ok = kt_hash_eq(fr, old_root);
	ok &= kt_hash_eq(sr, root);
	return !sn && ok ? 0 : -EBADMSG;
}
