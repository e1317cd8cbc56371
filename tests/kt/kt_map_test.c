// SPDX-License-Identifier: GPL-2.0
/*
 * The verifiable map (daemon/kt/kt_map.c): its root against a reference
 * computed from scratch by the definition in kt_map.h after every kind of
 * update, proofs of presence and absence, and every way a proof can lie.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "kselftest_harness.h"
#include "kt_map.h"

#define H KT_HASH_LEN

struct entry {
	uint8_t key[H], value[H];
	int live;
};

/* A fixed generator (splitmix64): the same keys on every run. */
static uint64_t rnd_state = 0x7e2e5eed;

static uint64_t rnd(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rnd_bytes(uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = rnd() >> 56;
}

static unsigned int bit(const uint8_t *k, unsigned int i)
{
	return (k[i / 8] >> (7 - i % 8)) & 1;
}

static void sha(uint8_t *out, uint8_t tag, const uint8_t *a, const uint8_t *b)
{
	uint8_t buf[1 + 2 * H];

	buf[0] = tag;
	memcpy(buf + 1, a, H);
	memcpy(buf + 1 + H, b, H);
	SHA256(buf, sizeof(buf), out);
}

/* The root by the definition: recursion over the live entries. */
static void ref_root(struct entry **e, size_t n, unsigned int depth,
		     uint8_t *out)
{
	struct entry **left, **right;
	size_t nl = 0, nr = 0, i;
	uint8_t l[H], r[H];

	if (!n) {
		memset(out, 0, H);
		return;
	}
	if (n == 1) {
		sha(out, 0, e[0]->key, e[0]->value);
		return;
	}
	left = malloc(n * sizeof(*left));
	right = malloc(n * sizeof(*right));
	for (i = 0; i < n; i++) {
		if (bit(e[i]->key, depth))
			right[nr++] = e[i];
		else
			left[nl++] = e[i];
	}
	ref_root(left, nl, depth + 1, l);
	ref_root(right, nr, depth + 1, r);
	sha(out, 1, l, r);
	free(left);
	free(right);
}

static void ref(struct entry *e, size_t n, uint8_t *out)
{
	struct entry **live = malloc((n + 1) * sizeof(*live));
	size_t i, nl = 0;

	for (i = 0; i < n; i++) {
		if (e[i].live)
			live[nl++] = &e[i];
	}
	ref_root(live, nl, 0, out);
	free(live);
}

static int root_is(struct kt_map *m, const uint8_t *want)
{
	uint8_t got[H];

	kt_map_root(m, got);
	return !memcmp(got, want, H);
}

static struct kt_map_proof *proof_new(void)
{
	return calloc(1, sizeof(struct kt_map_proof));
}

TEST(empty)
{
	static const uint8_t zero[H];
	struct kt_map_proof *p = proof_new();
	struct kt_map *m = kt_map_new();
	uint8_t key[H] = { 1 }, v[H] = { 2 };

	ASSERT_NE(NULL, m);
	EXPECT_TRUE(root_is(m, zero));
	EXPECT_EQ(0, kt_map_count(m));
	EXPECT_EQ(-ENOENT, kt_map_get(m, key, v));
	EXPECT_EQ(-ENOENT, kt_map_delete(m, key));
	ASSERT_EQ(0, kt_map_prove(m, key, p));
	EXPECT_EQ(KT_MAP_ABSENT_EMPTY, p->end);
	EXPECT_EQ(0, p->depth);
	EXPECT_EQ(0, kt_map_verify(zero, key, NULL, p));
	EXPECT_EQ(-EBADMSG, kt_map_verify(zero, key, v, p));
	kt_map_free(m);
	free(p);
}

/* One entry: the root is its leaf; a second entry's absence is shown by it. */
TEST(one_entry)
{
	struct kt_map_proof *p = proof_new();
	struct kt_map *m = kt_map_new();
	uint8_t key[H], v[H], other[H], want[H], got[H];

	rnd_bytes(key, H);
	rnd_bytes(v, H);
	memcpy(other, key, H);
	other[31] ^= 1;
	ASSERT_EQ(0, kt_map_set(m, key, v));
	sha(want, 0, key, v);
	EXPECT_TRUE(root_is(m, want));
	ASSERT_EQ(0, kt_map_get(m, key, got));
	EXPECT_EQ(0, memcmp(v, got, H));
	ASSERT_EQ(0, kt_map_prove(m, key, p));
	EXPECT_EQ(KT_MAP_PRESENT, p->end);
	EXPECT_EQ(0, p->depth);
	EXPECT_EQ(0, kt_map_verify(want, key, v, p));
	ASSERT_EQ(0, kt_map_prove(m, other, p));
	EXPECT_EQ(KT_MAP_ABSENT_OTHER, p->end);
	EXPECT_EQ(0, memcmp(key, p->other_key, H));
	EXPECT_EQ(0, kt_map_verify(want, other, NULL, p));
	EXPECT_EQ(-EBADMSG, kt_map_verify(want, other, v, p));
	kt_map_free(m);
	free(p);
}

/*
 * Two keys that differ only in their last bit: a chain of 255 nodes with
 * one empty side each, and proofs 256 deep.
 */
TEST(deepest_path)
{
	struct kt_map_proof *p = proof_new();
	struct kt_map *m = kt_map_new();
	struct entry e[3] = { 0 };
	uint8_t want[H];

	rnd_bytes(e[0].key, H);
	e[0].key[31] &= ~1;
	memcpy(e[1].key, e[0].key, H);
	e[1].key[31] |= 1;
	memcpy(e[2].key, e[0].key, H);
	e[2].key[0] ^= 0x80;
	rnd_bytes(e[0].value, H);
	rnd_bytes(e[1].value, H);
	rnd_bytes(e[2].value, H);
	e[0].live = e[1].live = 1;
	ASSERT_EQ(0, kt_map_set(m, e[0].key, e[0].value));
	ASSERT_EQ(0, kt_map_set(m, e[1].key, e[1].value));
	ref(e, 2, want);
	ASSERT_TRUE(root_is(m, want));
	ASSERT_EQ(0, kt_map_prove(m, e[1].key, p));
	EXPECT_EQ(KT_MAP_DEPTH, p->depth);
	EXPECT_EQ(1, p->nsib);
	EXPECT_EQ(0, kt_map_verify(want, e[1].key, e[1].value, p));
	/* A third key at the top, absent: the path ends in an empty side. */
	ASSERT_EQ(0, kt_map_prove(m, e[2].key, p));
	EXPECT_EQ(KT_MAP_ABSENT_EMPTY, p->end);
	EXPECT_EQ(1, p->depth);
	EXPECT_EQ(0, kt_map_verify(want, e[2].key, NULL, p));
	/* Deleting one leaf hoists the other to the root. */
	ASSERT_EQ(0, kt_map_delete(m, e[0].key));
	e[0].live = 0;
	ref(e, 2, want);
	EXPECT_TRUE(root_is(m, want));
	ASSERT_EQ(0, kt_map_prove(m, e[1].key, p));
	EXPECT_EQ(0, p->depth);
	kt_map_free(m);
	free(p);
}

/* Random inserts, updates and deletes, the root checked after each. */
TEST(matches_definition)
{
	enum { N = 300, OPS = 1500 };
	struct entry *e = calloc(N, sizeof(*e));
	struct kt_map *m = kt_map_new(), *fresh = kt_map_new();
	size_t live = 0, base, i;
	uint8_t want[H], got[H];
	int op;

	/* Keys in clusters sharing long prefixes, as well as random ones. */
	for (i = 0; i < N; i++) {
		rnd_bytes(e[i].key, H);
		if (i % 3 == 1) {
			base = i - 1;
			memcpy(e[i].key, e[base].key, 1 + rnd() % 31);
		}
	}
	for (op = 0; op < OPS; op++) {
		i = rnd() % N;
		if (e[i].live && rnd() % 3 == 0) {
			ASSERT_EQ(0, kt_map_delete(m, e[i].key));
			e[i].live = 0;
			live--;
		} else {
			rnd_bytes(e[i].value, H);
			ASSERT_EQ(0, kt_map_set(m, e[i].key, e[i].value));
			live += !e[i].live;
			e[i].live = 1;
		}
		ASSERT_EQ(live, kt_map_count(m));
		ref(e, N, want);
		ASSERT_TRUE(root_is(m, want)) TH_LOG("after op %d", op);
	}
	for (i = 0; i < N; i++) {
		if (e[i].live) {
			ASSERT_EQ(0, kt_map_get(m, e[i].key, got));
			EXPECT_EQ(0, memcmp(e[i].value, got, H));
		} else {
			EXPECT_EQ(-ENOENT, kt_map_get(m, e[i].key, got));
			EXPECT_EQ(-ENOENT, kt_map_delete(m, e[i].key));
		}
	}
	/* Down to nothing: the empty root, no nodes left. */
	for (i = 0; i < N; i++) {
		if (e[i].live)
			ASSERT_EQ(0, kt_map_delete(m, e[i].key));
	}
	memset(want, 0, H);
	EXPECT_TRUE(root_is(m, want));
	EXPECT_EQ(0, kt_map_count(m));
	EXPECT_EQ(kt_map_bytes(fresh), kt_map_bytes(m));
	kt_map_free(fresh);
	kt_map_free(m);
	free(e);
}

/* The same entries in any order make the same root. */
TEST(order_independent)
{
	enum { N = 200 };
	struct entry *e = calloc(N, sizeof(*e));
	struct kt_map *a = kt_map_new(), *b = kt_map_new();
	uint8_t ra[H], rb[H];
	size_t i;

	for (i = 0; i < N; i++) {
		rnd_bytes(e[i].key, H);
		rnd_bytes(e[i].value, H);
		ASSERT_EQ(0, kt_map_set(a, e[i].key, e[i].value));
	}
	for (i = N; i-- > 0;)
		ASSERT_EQ(0, kt_map_set(b, e[i].key, e[i].value));
	kt_map_root(a, ra);
	kt_map_root(b, rb);
	EXPECT_EQ(0, memcmp(ra, rb, H));
	kt_map_free(a);
	kt_map_free(b);
	free(e);
}

/* Every key present proves; every absent one proves absence; not both. */
TEST(proofs)
{
	enum { N = 2000 };
	struct kt_map_proof *p = proof_new();
	struct entry *e = calloc(N, sizeof(*e));
	struct kt_map *m = kt_map_new();
	uint8_t root[H], key[H], v[H];
	size_t i, ends[3] = { 0 };

	for (i = 0; i < N; i++) {
		rnd_bytes(e[i].key, H);
		rnd_bytes(e[i].value, H);
		ASSERT_EQ(0, kt_map_set(m, e[i].key, e[i].value));
	}
	kt_map_root(m, root);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, kt_map_prove(m, e[i].key, p));
		ASSERT_EQ(KT_MAP_PRESENT, p->end);
		ASSERT_EQ(0, kt_map_verify(root, e[i].key, e[i].value, p));
		ASSERT_EQ(-EBADMSG, kt_map_verify(root, e[i].key, NULL, p));
		memcpy(v, e[i].value, H);
		v[i % H] ^= 1;
		ASSERT_EQ(-EBADMSG, kt_map_verify(root, e[i].key, v, p));
	}
	for (i = 0; i < N; i++) {
		rnd_bytes(key, H);
		ASSERT_EQ(0, kt_map_prove(m, key, p));
		ASSERT_NE(KT_MAP_PRESENT, p->end);
		ends[p->end]++;
		ASSERT_EQ(0, kt_map_verify(root, key, NULL, p));
		ASSERT_EQ(-EBADMSG, kt_map_verify(root, key, v, p));
	}
	/* Both kinds of absence occur with random keys. */
	EXPECT_LT(0, ends[KT_MAP_ABSENT_EMPTY]);
	EXPECT_LT(0, ends[KT_MAP_ABSENT_OTHER]);
	kt_map_free(m);
	free(e);
	free(p);
}

FIXTURE(lies)
{
	struct kt_map *m;
	struct entry e[64];
	uint8_t root[H], absent[H];
	struct kt_map_proof *p, *q;
};

FIXTURE_SETUP(lies)
{
	size_t i;

	self->m = kt_map_new();
	self->p = proof_new();
	self->q = proof_new();
	ASSERT_NE(NULL, self->q);
	for (i = 0; i < ARRAY_SIZE(self->e); i++) {
		rnd_bytes(self->e[i].key, H);
		rnd_bytes(self->e[i].value, H);
		ASSERT_EQ(0, kt_map_set(self->m, self->e[i].key,
					self->e[i].value));
	}
	kt_map_root(self->m, self->root);
	/* An absent key whose path ends in another key's leaf. */
	do {
		rnd_bytes(self->absent, H);
		ASSERT_EQ(0, kt_map_prove(self->m, self->absent, self->q));
	} while (self->q->end != KT_MAP_ABSENT_OTHER);
	ASSERT_EQ(0, kt_map_prove(self->m, self->e[0].key, self->p));
	ASSERT_LE(3, self->p->depth);
}

FIXTURE_TEARDOWN(lies)
{
	kt_map_free(self->m);
	free(self->p);
	free(self->q);
}

#define LIE(p) kt_map_verify(self->root, self->e[0].key, self->e[0].value, p)

TEST_F(lies, any_sibling_bit)
{
	unsigned int s, b;

	ASSERT_EQ(0, LIE(self->p));
	for (s = 0; s < self->p->nsib; s++) {
		for (b = 0; b < 8 * H; b += 37) {
			self->p->sib[s][b / 8] ^= 1 << (b % 8);
			ASSERT_EQ(-EBADMSG, LIE(self->p));
			self->p->sib[s][b / 8] ^= 1 << (b % 8);
		}
	}
	ASSERT_EQ(0, LIE(self->p));
}

TEST_F(lies, wrong_root_or_key)
{
	uint8_t key[H];

	self->root[5] ^= 0x40;
	EXPECT_EQ(-EBADMSG, LIE(self->p));
	self->root[5] ^= 0x40;
	memcpy(key, self->e[0].key, H);
	key[31] ^= 0x01;
	EXPECT_EQ(-EBADMSG, kt_map_verify(self->root, key, self->e[0].value,
					  self->p));
}

TEST_F(lies, shape)
{
	struct kt_map_proof *p = self->p;
	unsigned int i;

	/* One sibling more or fewer than the bitmap says. */
	p->nsib++;
	EXPECT_EQ(-EBADMSG, LIE(p));
	p->nsib -= 2;
	EXPECT_EQ(-EBADMSG, LIE(p));
	p->nsib++;
	/* Deeper or shallower than the path. */
	p->depth++;
	EXPECT_EQ(-EBADMSG, LIE(p));
	p->depth -= 2;
	EXPECT_EQ(-EBADMSG, LIE(p));
	p->depth++;
	p->depth = KT_MAP_DEPTH + 1;
	EXPECT_EQ(-EBADMSG, LIE(p));
	p->depth = 65535;
	EXPECT_EQ(-EBADMSG, LIE(p));
	ASSERT_EQ(0, kt_map_prove(self->m, self->e[0].key, p));
	/* An empty bit past the path. */
	i = p->depth + 3;
	p->empty[i / 8] |= 0x80 >> (i % 8);
	EXPECT_EQ(-EBADMSG, LIE(p));
	p->empty[i / 8] &= ~(0x80 >> (i % 8));
	/* A non-empty sibling claimed empty, with nsib to match. */
	for (i = 0; i < p->depth; i++) {
		if (!(p->empty[i / 8] & (0x80 >> (i % 8))))
			break;
	}
	p->empty[i / 8] |= 0x80 >> (i % 8);
	p->nsib--;
	EXPECT_EQ(-EBADMSG, LIE(p));
	ASSERT_EQ(0, kt_map_prove(self->m, self->e[0].key, p));
	/* An end that is none of the three. */
	p->end = 3;
	EXPECT_EQ(-EBADMSG, LIE(p));
	p->end = -1;
	EXPECT_EQ(-EBADMSG, LIE(p));
	ASSERT_EQ(0, kt_map_prove(self->m, self->e[0].key, p));
	EXPECT_EQ(0, LIE(p));
}

/* A leaf hoisted no further than it should be gives itself away. */
TEST_F(lies, last_sibling_empty)
{
	struct kt_map_proof *p = self->p;
	unsigned int d = p->depth;

	ASSERT_FALSE(p->empty[(d - 1) / 8] & (0x80 >> ((d - 1) % 8)));
	p->empty[(d - 1) / 8] |= 0x80 >> ((d - 1) % 8);
	p->nsib--;
	EXPECT_EQ(-EBADMSG, LIE(p));
}

TEST_F(lies, absence)
{
	struct kt_map_proof *q = self->q;
	uint8_t *a = self->absent;

	ASSERT_EQ(0, kt_map_verify(self->root, a, NULL, q));
	/* The present key's proof does not show the absent key absent. */
	EXPECT_EQ(-EBADMSG, kt_map_verify(self->root, a, NULL, self->p));
	/* Nor can a present key be shown absent by its own leaf. */
	EXPECT_EQ(-EBADMSG, kt_map_verify(self->root, q->other_key, NULL, q));
	/* The other leaf's value changed. */
	q->other_value[0] ^= 1;
	EXPECT_EQ(-EBADMSG, kt_map_verify(self->root, a, NULL, q));
	q->other_value[0] ^= 1;
	/* The other leaf off the absent key's path. */
	q->other_key[0] ^= 0x80;
	EXPECT_EQ(-EBADMSG, kt_map_verify(self->root, a, NULL, q));
	q->other_key[0] ^= 0x80;
	/* Claimed empty where a leaf is. */
	q->end = KT_MAP_ABSENT_EMPTY;
	EXPECT_EQ(-EBADMSG, kt_map_verify(self->root, a, NULL, q));
	q->end = KT_MAP_ABSENT_OTHER;
	ASSERT_EQ(0, kt_map_verify(self->root, a, NULL, q));
}

/*
 * Proofs stay about log2(n) hashes: the mean number of hashes in a
 * proof is within 2 of log2(n) for 100,000 random keys (a fixed seed).
 */
TEST(proof_size)
{
	enum { N = 100000, PROBES = 2000 };
	struct kt_map_proof *p = proof_new();
	struct kt_map *m = kt_map_new();
	uint8_t key[H], v[H] = { 0 };
	double sum = 0, mean;
	unsigned int max = 0;
	size_t i;

	for (i = 0; i < N; i++) {
		rnd_bytes(key, H);
		ASSERT_EQ(0, kt_map_set(m, key, v));
	}
	for (i = 0; i < PROBES; i++) {
		rnd_bytes(key, H);
		ASSERT_EQ(0, kt_map_prove(m, key, p));
		sum += p->nsib;
		max = p->nsib > max ? p->nsib : max;
	}
	mean = sum / PROBES;
	TH_LOG("%d keys: %.2f hashes a proof on average, %u at most, log2(n) %.2f, %zu bytes",
	       N, mean, max, log2(N), kt_map_bytes(m));
	EXPECT_GE(log2(N) + 2, mean);
	kt_map_free(m);
	free(p);
}

TEST_HARNESS_MAIN
