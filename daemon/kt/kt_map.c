// SPDX-License-Identifier: GPL-2.0
/*
 * The verifiable map (kt_map.h): a binary trie over the keys' bits in
 * which a subtree with one entry is that entry's leaf, each node carrying
 * its hash. Setting or deleting a key rehashes only its path, about
 * log2(n) nodes; a proof is read off the same path.
 */
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kt_map.h"

#define KT_MAP_LEAF	0x00
#define KT_MAP_NODE	0x01

struct kt_node {
	uint8_t hash[KT_HASH_LEN];
	bool leaf;
	union {
		struct kt_node *child[2];	/* !leaf: NULL is empty */
		struct {
			uint8_t key[KT_HASH_LEN];
			uint8_t value[KT_HASH_LEN];
		};
	};
};

struct kt_map {
	struct kt_node *root;
	size_t count;
	size_t nodes, leaves;
	int broken;		/* libcrypto failed mid-update: -EIO from now on */
};

static const uint8_t kt_map_empty[KT_HASH_LEN];

static unsigned int key_bit(const uint8_t *key, unsigned int i)
{
	return (key[i / 8] >> (7 - i % 8)) & 1;
}

static const uint8_t *node_hash(const struct kt_node *n)
{
	return n ? n->hash : kt_map_empty;
}

static int leaf_hash(const uint8_t *key, const uint8_t *value, uint8_t *out)
{
	static const uint8_t tag = KT_MAP_LEAF;
	const void *p[] = { &tag, key, value };
	const size_t l[] = { 1, KT_HASH_LEN, KT_HASH_LEN };

	return kt_sha256(out, 3, p, l);
}

static int pair_hash(const uint8_t *left, const uint8_t *right, uint8_t *out)
{
	static const uint8_t tag = KT_MAP_NODE;
	const void *p[] = { &tag, left, right };
	const size_t l[] = { 1, KT_HASH_LEN, KT_HASH_LEN };

	return kt_sha256(out, 3, p, l);
}

static int node_rehash(struct kt_node *n)
{
	return pair_hash(node_hash(n->child[0]), node_hash(n->child[1]),
			 n->hash);
}

struct kt_map *kt_map_new(void)
{
	return calloc(1, sizeof(struct kt_map));
}

static void node_free(struct kt_map *map, struct kt_node *n)
{
	if (!n)
		return;
	if (n->leaf) {
		map->leaves--;
	} else {
		node_free(map, n->child[0]);
		node_free(map, n->child[1]);
		map->nodes--;
	}
	free(n);
}

void kt_map_free(struct kt_map *map)
{
	if (!map)
		return;
	node_free(map, map->root);
	free(map);
}

static struct kt_node *leaf_new(struct kt_map *map, const uint8_t *key,
				const uint8_t *value)
{
	struct kt_node *n = malloc(sizeof(*n));

	if (!n)
		return NULL;
	n->leaf = true;
	memcpy(n->key, key, KT_HASH_LEN);
	memcpy(n->value, value, KT_HASH_LEN);
	if (leaf_hash(key, value, n->hash)) {
		free(n);
		return NULL;
	}
	map->leaves++;
	return n;
}

static struct kt_node *inner_new(struct kt_map *map)
{
	struct kt_node *n = calloc(1, sizeof(*n));

	if (n)
		map->nodes++;
	return n;
}

/* Rehashes the internal nodes @path[0..@n) bottom up. */
static void rehash_path(struct kt_map *map, struct kt_node **path,
			unsigned int n)
{
	while (n--) {
		if (!map->broken && node_rehash(path[n]))
			map->broken = -EIO;
	}
}

/*
 * Replaces the leaf *@slot at @depth, whose key is not @key, with a chain
 * of internal nodes down to the first bit where the keys differ, the two
 * leaves hanging from its last node.
 */
static int split(struct kt_map *map, struct kt_node **slot,
		 unsigned int depth, const uint8_t *key, const uint8_t *value)
{
	struct kt_node *chain[KT_MAP_DEPTH], *old = *slot, *leaf;
	unsigned int d = depth, i, n;

	while (key_bit(key, d) == key_bit(old->key, d))
		d++;	/* the keys differ, so d stays below 256 */
	n = d - depth + 1;
	leaf = leaf_new(map, key, value);
	if (!leaf)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		chain[i] = inner_new(map);
		if (!chain[i])
			goto nomem;
	}
	for (i = 0; i + 1 < n; i++)
		chain[i]->child[key_bit(key, depth + i)] = chain[i + 1];
	chain[n - 1]->child[key_bit(key, d)] = leaf;
	chain[n - 1]->child[key_bit(old->key, d)] = old;
	*slot = chain[0];
	rehash_path(map, chain, n);
	return 0;
nomem:
	while (i--)
		node_free(map, chain[i]);
	node_free(map, leaf);
	return -ENOMEM;
}

int kt_map_set(struct kt_map *map, const uint8_t key[KT_HASH_LEN],
	       const uint8_t value[KT_HASH_LEN])
{
	struct kt_node *path[KT_MAP_DEPTH], **slot = &map->root, *n;
	unsigned int depth = 0;
	uint8_t hash[KT_HASH_LEN];
	int ret;

	if (map->broken)
		return map->broken;
	while (*slot && !(*slot)->leaf) {
		path[depth] = *slot;
		slot = &(*slot)->child[key_bit(key, depth)];
		depth++;
	}
	n = *slot;
	if (!n) {
		n = leaf_new(map, key, value);
		if (!n)
			return -ENOMEM;
		*slot = n;
		map->count++;
	} else if (!memcmp(n->key, key, KT_HASH_LEN)) {
		ret = leaf_hash(key, value, hash);
		if (ret)
			return ret;
		memcpy(n->value, value, KT_HASH_LEN);
		memcpy(n->hash, hash, KT_HASH_LEN);
	} else {
		ret = split(map, slot, depth, key, value);
		if (ret)
			return ret;
		map->count++;
	}
	rehash_path(map, path, depth);
	return map->broken;
}

int kt_map_delete(struct kt_map *map, const uint8_t key[KT_HASH_LEN])
{
	struct kt_node *path[KT_MAP_DEPTH], **slots[KT_MAP_DEPTH + 1];
	struct kt_node *n, *other;
	unsigned int depth = 0;

	if (map->broken)
		return map->broken;
	slots[0] = &map->root;
	while (*slots[depth] && !(*slots[depth])->leaf) {
		path[depth] = *slots[depth];
		slots[depth + 1] = &path[depth]->child[key_bit(key, depth)];
		depth++;
	}
	n = *slots[depth];
	if (!n || memcmp(n->key, key, KT_HASH_LEN))
		return -ENOENT;
	*slots[depth] = NULL;
	node_free(map, n);
	map->count--;
	/*
	 * An internal node left with one leaf and an empty side is no longer
	 * a node: the leaf takes its place, and the same may then hold for
	 * its parent. Above the first node that stays, rehash.
	 */
	while (depth--) {	/* ends at the node that stays, or wraps */
		n = path[depth];
		other = n->child[0] ? n->child[0] : n->child[1];
		if ((n->child[0] && n->child[1]) || !other->leaf)
			break;
		n->child[0] = NULL;
		n->child[1] = NULL;
		*slots[depth] = other;
		node_free(map, n);
	}
	rehash_path(map, path, depth + 1);	/* 0 after the wrap */
	return map->broken;
}

/* The node @key's path ends in, and how deep; *@path gets the nodes above. */
static const struct kt_node *descend(const struct kt_map *map,
				     const uint8_t *key, unsigned int *depth,
				     const struct kt_node **path)
{
	const struct kt_node *n = map->root;
	unsigned int d = 0;

	while (n && !n->leaf) {
		if (path)
			path[d] = n;
		n = n->child[key_bit(key, d)];
		d++;
	}
	*depth = d;
	return n;
}

int kt_map_get(const struct kt_map *map, const uint8_t key[KT_HASH_LEN],
	       uint8_t value[KT_HASH_LEN])
{
	const struct kt_node *n;
	unsigned int depth;

	if (map->broken)
		return map->broken;
	n = descend(map, key, &depth, NULL);
	if (!n || memcmp(n->key, key, KT_HASH_LEN))
		return -ENOENT;
	memcpy(value, n->value, KT_HASH_LEN);
	return 0;
}

size_t kt_map_count(const struct kt_map *map)
{
	return map->count;
}

void kt_map_root(const struct kt_map *map, uint8_t root[KT_HASH_LEN])
{
	memcpy(root, node_hash(map->root), KT_HASH_LEN);
}

size_t kt_map_bytes(const struct kt_map *map)
{
	return sizeof(*map) + (map->nodes + map->leaves) *
	       sizeof(struct kt_node);
}

int kt_map_prove(const struct kt_map *map, const uint8_t key[KT_HASH_LEN],
		 struct kt_map_proof *proof)
{
	const struct kt_node *path[KT_MAP_DEPTH], *n, *sib;
	unsigned int depth, i;

	if (map->broken)
		return map->broken;
	memset(proof, 0, offsetof(struct kt_map_proof, sib));
	n = descend(map, key, &depth, path);
	proof->depth = depth;
	for (i = 0; i < depth; i++) {
		sib = path[i]->child[!key_bit(key, i)];
		if (!sib)
			proof->empty[i / 8] |= 0x80 >> (i % 8);
		else
			memcpy(proof->sib[proof->nsib++], sib->hash,
			       KT_HASH_LEN);
	}
	memset(proof->other_key, 0, KT_HASH_LEN);
	memset(proof->other_value, 0, KT_HASH_LEN);
	if (!n) {
		proof->end = KT_MAP_ABSENT_EMPTY;
	} else if (!memcmp(n->key, key, KT_HASH_LEN)) {
		proof->end = KT_MAP_PRESENT;
	} else {
		proof->end = KT_MAP_ABSENT_OTHER;
		memcpy(proof->other_key, n->key, KT_HASH_LEN);
		memcpy(proof->other_value, n->value, KT_HASH_LEN);
	}
	return 0;
}

/* Do @a and @b agree on their first @bits bits? */
static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < bits; i++) {
		if (key_bit(a, i) != key_bit(b, i))
			return false;
	}
	return true;
}

int kt_map_verify(const uint8_t root[KT_HASH_LEN],
		  const uint8_t key[KT_HASH_LEN], const uint8_t *value,
		  const struct kt_map_proof *proof)
{
	unsigned int depth = proof->depth, i, empties = 0, next;
	uint8_t h[KT_HASH_LEN];
	const uint8_t *s;
	int ret;

	if (depth > KT_MAP_DEPTH)
		return -EBADMSG;
	for (i = 0; i < KT_MAP_DEPTH; i++) {
		if (!key_bit(proof->empty, i))
			continue;
		if (i >= depth)
			return -EBADMSG;	/* a bit past the path */
		empties++;
	}
	if (proof->nsib != depth - empties)
		return -EBADMSG;
	/* Where a leaf or an empty subtree ends a path, its sibling is not
	 * empty: else their parent would hold one entry and be that leaf.
	 */
	if (depth && key_bit(proof->empty, depth - 1))
		return -EBADMSG;
	switch (proof->end) {
	case KT_MAP_PRESENT:
		if (!value)
			return -EBADMSG;
		ret = leaf_hash(key, value, h);
		break;
	case KT_MAP_ABSENT_EMPTY:
		if (value)
			return -EBADMSG;
		memset(h, 0, sizeof(h));
		ret = 0;
		break;
	case KT_MAP_ABSENT_OTHER:
		if (value || !memcmp(proof->other_key, key, KT_HASH_LEN) ||
		    !same_prefix(proof->other_key, key, depth))
			return -EBADMSG;
		ret = leaf_hash(proof->other_key, proof->other_value, h);
		break;
	default:
		return -EBADMSG;
	}
	if (ret)
		return ret;
	next = proof->nsib;
	for (i = depth; i-- > 0;) {
		s = key_bit(proof->empty, i) ? kt_map_empty :
		    proof->sib[--next];
		ret = key_bit(key, i) ? pair_hash(s, h, h) : pair_hash(h, s, h);
		if (ret)
			return ret;
	}
	return kt_hash_eq(h, root) ? 0 : -EBADMSG;
}
