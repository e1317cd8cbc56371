// SPDX-License-Identifier: GPL-2.0
/*
 * The RFC 9162 log (daemon/kt/kt_log.c): the Certificate Transparency
 * reference vectors (roots, inclusion and consistency proofs of the 8-leaf
 * tree), every root and proof of every tree up to 70 leaves against a
 * reference written straight from the RFC's recursive definitions, every
 * way a proof or its arguments can be wrong, verification of random junk
 * without reading past the proof, and a log of a million leaves.
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "kselftest_harness.h"
#include "kt_log.h"

#define H		KT_HASH_LEN
#define MAXP		KT_LOG_MAX_PROOF
#define REF_LEAVES	70
#define BIG_LEAVES	1000000

/*
 * The reference tree of certificate-transparency's merkle_tree_test.cc and
 * transparency-dev/merkle's proof/verify_test.go and testonly/constants.go.
 */
static const struct {
	const char *data;
	size_t len;
} ct_leaf[8] = {
	{ "", 0 },
	{ "\x00", 1 },
	{ "\x10", 1 },
	{ "\x20\x21", 2 },
	{ "\x30\x31", 2 },
	{ "\x40\x41\x42\x43", 4 },
	{ "\x50\x51\x52\x53\x54\x55\x56\x57", 8 },
	{ "\x60\x61\x62\x63\x64\x65\x66\x67"
	  "\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16 },
};

static const char *const ct_leaf_hash[8] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	"07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
	"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
	"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	"46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
};

/* By size, 0..8. */
static const char *const ct_root[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* Their leaf numbers are 1-based; these indices are 0-based. */
static const struct {
	uint64_t index, size;
	size_t n;
	const char *path[3];
} ct_incl_vec[] = {
	{ 0, 1, 0, { NULL } },
	{ 0, 8, 3, {
	"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	} },
	{ 5, 8, 3, {
	"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	} },
	{ 2, 3, 1, {
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	} },
	{ 1, 5, 3, {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	} },
};

static const struct {
	uint64_t old, size;
	size_t n;
	const char *path[3];
} ct_cons_vec[] = {
	{ 1, 1, 0, { NULL } },
	{ 1, 8, 3, {
	"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	} },
	{ 6, 8, 3, {
	"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	} },
	{ 2, 5, 2, {
	"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	} },
	{ 6, 7, 3, {
	"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	} },
};

/* CT's "some hash" for wrong roots. */
static const char some_hash[] =
	"abacaba000000000000000000000000000000000000000000060061e00123456";

static unsigned int nibble(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void unhex(const char *s, uint8_t out[H])
{
	unsigned int i;

	for (i = 0; i < H; i++)
		out[i] = nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]);
}

/* A fixed generator (splitmix64): the same numbers on every run. */
static uint64_t rnd_state = 0x6c6f67;

static uint64_t rnd(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The reference: RFC 9162 2.1 written out recursively, O(n) per call,
 * with libcrypto's one-shot SHA256() and nothing from kt_log.c.
 */
static void ref_leaf(const void *d, size_t len, uint8_t out[H])
{
	uint8_t buf[1 + 64];

	buf[0] = 0x00;
	memcpy(buf + 1, d, len);
	SHA256(buf, 1 + len, out);
}

static void ref_node(const uint8_t l[H], const uint8_t r[H], uint8_t out[H])
{
	uint8_t buf[1 + 2 * H];

	buf[0] = 0x01;
	memcpy(buf + 1, l, H);
	memcpy(buf + 1 + H, r, H);
	SHA256(buf, sizeof(buf), out);
}

static uint64_t ref_split(uint64_t n)
{
	uint64_t k = 1;

	while (2 * k < n)
		k *= 2;
	return k;
}

/* MTH(D[lo:lo + n]) over leaf hashes. */
static void ref_mth(const uint8_t (*d)[H], uint64_t lo, uint64_t n,
		    uint8_t out[H])
{
	uint8_t l[H], r[H];
	uint64_t k;

	if (!n) {
		SHA256((const uint8_t *)"", 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, d[lo], H);
		return;
	}
	k = ref_split(n);
	ref_mth(d, lo, k, l);
	ref_mth(d, lo + k, n - k, r);
	ref_node(l, r, out);
}

/*
 * PATH(m, D[lo:lo + n]), 2.1.3.1, into @out unless NULL; @shape gets a
 * letter a hash: 'L' for a sibling on the left, 'R' on the right.
 */
static size_t ref_path(const uint8_t (*d)[H], uint64_t lo, uint64_t m,
		       uint64_t n, uint8_t (*out)[H], char *shape)
{
	uint64_t k;
	size_t c;

	if (n == 1) {
		shape[0] = 0;
		return 0;
	}
	k = ref_split(n);
	if (m < k) {
		c = ref_path(d, lo, m, k, out, shape);
		if (out)
			ref_mth(d, lo + k, n - k, out[c]);
		shape[c] = 'R';
	} else {
		c = ref_path(d, lo + k, m - k, n - k, out, shape);
		if (out)
			ref_mth(d, lo, k, out[c]);
		shape[c] = 'L';
	}
	shape[c + 1] = 0;
	return c + 1;
}

/*
 * SUBPROOF(m, D[lo:lo + n], b), 2.1.4.1; 'S' in @shape is the old
 * subtree.
 */
static size_t ref_subproof(const uint8_t (*d)[H], uint64_t lo, uint64_t m,
			   uint64_t n, bool b, uint8_t (*out)[H], char *shape)
{
	uint64_t k;
	size_t c;

	if (m == n) {
		if (b) {
			shape[0] = 0;
			return 0;
		}
		if (out)
			ref_mth(d, lo, m, out[0]);
		shape[0] = 'S';
		shape[1] = 0;
		return 1;
	}
	k = ref_split(n);
	if (m <= k) {
		c = ref_subproof(d, lo, m, k, b, out, shape);
		if (out)
			ref_mth(d, lo + k, n - k, out[c]);
		shape[c] = 'R';
	} else {
		c = ref_subproof(d, lo + k, m - k, n - k, false, out, shape);
		if (out)
			ref_mth(d, lo, k, out[c]);
		shape[c] = 'L';
	}
	shape[c + 1] = 0;
	return c + 1;
}

/*
 * Verification of a copy of @path in a heap block of exactly @n hashes
 * (none: NULL), so that ASan sees any read past it.
 */
static int verify_incl(const uint8_t leaf[H], uint64_t index, uint64_t size,
		       const uint8_t (*path)[H], size_t n, const uint8_t root[H])
{
	uint8_t (*p)[H] = n ? malloc(n * H) : NULL;
	int ret;

	if (n && !p)
		abort();
	if (n)
		memcpy(p, path, n * H);
	ret = kt_log_verify_inclusion(leaf, index, size,
				      (const uint8_t (*)[H])p, n, root);
	free(p);
	return ret;
}

static int verify_cons(uint64_t old, uint64_t size, const uint8_t old_root[H],
		       const uint8_t root[H], const uint8_t (*path)[H],
		       size_t n)
{
	uint8_t (*p)[H] = n ? malloc(n * H) : NULL;
	int ret;

	if (n && !p)
		abort();
	if (n)
		memcpy(p, path, n * H);
	ret = kt_log_verify_consistency(old, size, old_root, root,
					(const uint8_t (*)[H])p, n);
	free(p);
	return ret;
}

static struct kt_log *ct_log(struct __test_metadata *_metadata)
{
	struct kt_log *log = kt_log_new();
	unsigned int i;

	ASSERT_NE(NULL, log);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, kt_log_append(log, ct_leaf[i].data,
					   ct_leaf[i].len));
	ASSERT_EQ(8, kt_log_size(log));
	return log;
}

TEST(empty_tree)
{
	struct kt_log *log = kt_log_new();
	uint8_t root[H], want[H], path[MAXP][H];
	size_t n = 99;

	ASSERT_NE(NULL, log);
	EXPECT_EQ(0, kt_log_size(log));
	unhex(ct_root[0], want);
	ASSERT_EQ(0, kt_log_root(log, 0, root));
	EXPECT_EQ(0, memcmp(want, root, H));
	EXPECT_EQ(-EINVAL, kt_log_root(log, 1, root));
	EXPECT_EQ(-EINVAL, kt_log_prove_inclusion(log, 0, 0, path, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(-EINVAL, kt_log_prove_inclusion(log, 0, 1, path, &n));
	EXPECT_EQ(-EINVAL, kt_log_prove_consistency(log, 0, 0, path, &n));
	EXPECT_EQ(-EINVAL, kt_log_prove_consistency(log, 1, 1, path, &n));
	kt_log_free(log);
	kt_log_free(NULL);
}

TEST(ct_roots)
{
	struct kt_log *log = kt_log_new(), *log2 = kt_log_new();
	uint8_t root[H], want[H], hash[H];
	unsigned int i, j;

	ASSERT_NE(NULL, log);
	ASSERT_NE(NULL, log2);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, kt_log_leaf_hash(ct_leaf[i].data, ct_leaf[i].len,
					      hash));
		unhex(ct_leaf_hash[i], want);
		EXPECT_EQ(0, memcmp(want, hash, H)) TH_LOG("leaf %u", i);

		ASSERT_EQ(0, kt_log_append(log, ct_leaf[i].data,
					   ct_leaf[i].len));
		ASSERT_EQ(0, kt_log_append_hash(log2, hash));
		ASSERT_EQ(i + 1, kt_log_size(log));
		ASSERT_EQ(i + 1, kt_log_size(log2));
		/* Every size so far, from the growing log. */
		for (j = 0; j <= i + 1; j++) {
			unhex(ct_root[j], want);
			ASSERT_EQ(0, kt_log_root(log, j, root));
			EXPECT_EQ(0, memcmp(want, root, H))
				TH_LOG("size %u of %u", j, i + 1);
			ASSERT_EQ(0, kt_log_root(log2, j, root));
			EXPECT_EQ(0, memcmp(want, root, H))
				TH_LOG("size %u of %u, by hash", j, i + 1);
		}
		EXPECT_EQ(-EINVAL, kt_log_root(log, i + 2, root));
	}
	EXPECT_EQ(-EINVAL, kt_log_root(log, UINT64_MAX, root));
	kt_log_free(log);
	kt_log_free(log2);
}

/* Every lie about one good inclusion proof, as CT's VerifierCheck. */
static void incl_lies(struct __test_metadata *_metadata, const uint8_t leaf[H],
		      uint64_t index, uint64_t size, const uint8_t (*path)[H],
		      size_t n, const uint8_t root[H])
{
	uint8_t p[MAXP + 2][H], other[H], bad[H];
	unsigned int bit;
	size_t j;

	ASSERT_EQ(0, verify_incl(leaf, index, size, path, n, root));

	/* Wrong index, wrong size. */
	EXPECT_NE(0, verify_incl(leaf, index - 1, size, path, n, root));
	EXPECT_NE(0, verify_incl(leaf, index + 1, size, path, n, root));
	EXPECT_NE(0, verify_incl(leaf, index ^ 2, size, path, n, root));
	EXPECT_NE(0, verify_incl(leaf, index, size * 2, path, n, root));
	EXPECT_NE(0, verify_incl(leaf, index, size / 2, path, n, root));
	EXPECT_EQ(-EINVAL, verify_incl(leaf, size, size, path, n, root));
	EXPECT_EQ(-EINVAL, verify_incl(leaf, index, index, path, n, root));

	/* Wrong leaf, wrong root. */
	memcpy(bad, leaf, H);
	bad[H - 1] ^= 1;
	EXPECT_EQ(-EBADMSG, verify_incl(bad, index, size, path, n, root));
	unhex(ct_root[0], other);
	EXPECT_EQ(-EBADMSG, verify_incl(leaf, index, size, path, n, other));
	unhex(some_hash, other);
	EXPECT_EQ(-EBADMSG, verify_incl(leaf, index, size, path, n, other));
	memcpy(bad, root, H);
	bad[0] ^= 0x80;
	EXPECT_EQ(-EBADMSG, verify_incl(leaf, index, size, path, n, bad));

	/* Any bit of any hash. */
	for (j = 0; j < n; j++) {
		for (bit = 0; bit < 8 * H; bit++) {
			memcpy(p, path, n * H);
			p[j][bit / 8] ^= 1 << bit % 8;
			ASSERT_EQ(-EBADMSG, verify_incl(leaf, index, size,
						(const uint8_t (*)[H])p, n,
						root)) TH_LOG("hash %zu bit %u",
							      j, bit);
		}
	}

	/* A hash too many, at the end or in front; one too few. */
	memcpy(p, path, n * H);
	memset(p[n], 0, H);
	EXPECT_EQ(-EBADMSG, verify_incl(leaf, index, size,
					(const uint8_t (*)[H])p, n + 1, root));
	memcpy(p[n], root, H);
	EXPECT_EQ(-EBADMSG, verify_incl(leaf, index, size,
					(const uint8_t (*)[H])p, n + 1, root));
	memcpy(p[n], leaf, H);
	EXPECT_EQ(-EBADMSG, verify_incl(leaf, index, size,
					(const uint8_t (*)[H])p, n + 1, root));
	memcpy(p[0], root, H);
	memcpy(p + 1, path, n * H);
	EXPECT_EQ(-EBADMSG, verify_incl(leaf, index, size,
					(const uint8_t (*)[H])p, n + 1, root));
	if (n) {
		EXPECT_EQ(-EBADMSG, verify_incl(leaf, index, size, path,
						n - 1, root));
		EXPECT_EQ(-EBADMSG, verify_incl(leaf, index, size, path + 1,
						n - 1, root));
	}
	if (n > 1) {
		/* A hash inserted after the first. */
		memcpy(p[0], path[0], H);
		unhex(some_hash, p[1]);
		memcpy(p + 2, path + 1, (n - 1) * H);
		EXPECT_EQ(-EBADMSG, verify_incl(leaf, index, size,
						(const uint8_t (*)[H])p, n + 1,
						root));
	}
}

TEST(ct_inclusion)
{
	struct kt_log *log = ct_log(_metadata);
	uint8_t path[MAXP][H], want[3][H], root[H], leaf[H];
	unsigned int i, j;
	size_t n;

	for (i = 0; i < ARRAY_SIZE(ct_incl_vec); i++) {
		uint64_t index = ct_incl_vec[i].index;
		uint64_t size = ct_incl_vec[i].size;

		for (j = 0; j < ct_incl_vec[i].n; j++)
			unhex(ct_incl_vec[i].path[j], want[j]);
		ASSERT_EQ(0, kt_log_prove_inclusion(log, index, size, path,
						    &n));
		ASSERT_EQ(ct_incl_vec[i].n, n) TH_LOG("vector %u", i);
		EXPECT_EQ(0, memcmp(want, path, n * H)) TH_LOG("vector %u", i);

		unhex(ct_root[size], root);
		ASSERT_EQ(0, kt_log_leaf_hash(ct_leaf[index].data,
					      ct_leaf[index].len, leaf));
		incl_lies(_metadata, leaf, index, size,
			  (const uint8_t (*)[H])want, n, root);
	}

	/*
	 * Leaf 1 as the only leaf of a tree of one, "proved" by leaf 0's
	 * hash into the root of two: the path is a hash too long.
	 */
	unhex(ct_leaf_hash[0], want[0]);
	unhex(ct_leaf_hash[1], leaf);
	unhex(ct_root[2], root);
	EXPECT_EQ(0, verify_incl(leaf, 1, 2, (const uint8_t (*)[H])want, 1,
				 root));
	EXPECT_EQ(-EBADMSG, verify_incl(leaf, 0, 1,
					(const uint8_t (*)[H])want, 1, root));
	kt_log_free(log);
}

/* Every lie about one good consistency proof, as CT's. */
static void cons_lies(struct __test_metadata *_metadata, uint64_t old,
		      uint64_t size, const uint8_t old_root[H],
		      const uint8_t root[H], const uint8_t (*path)[H],
		      size_t n)
{
	uint8_t p[MAXP + 2][H], bad[H], other[H];
	unsigned int bit;
	size_t j;

	ASSERT_EQ(0, verify_cons(old, size, old_root, root, path, n));
	if (!n)
		return;

	/* Wrong sizes. */
	EXPECT_NE(0, verify_cons(old - 1, size, old_root, root, path, n));
	EXPECT_NE(0, verify_cons(old + 1, size, old_root, root, path, n));
	EXPECT_NE(0, verify_cons(old ^ 2, size, old_root, root, path, n));
	EXPECT_NE(0, verify_cons(old, size * 2, old_root, root, path, n));
	EXPECT_NE(0, verify_cons(old, size / 2, old_root, root, path, n));
	EXPECT_NE(0, verify_cons(old, old, old_root, root, path, n));
	EXPECT_NE(0, verify_cons(size, size, old_root, root, path, n));

	/* Wrong roots. */
	memcpy(bad, old_root, H);
	bad[5] ^= 0x20;
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, bad, root, path, n));
	memcpy(bad, root, H);
	bad[H - 1] ^= 0x01;
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, bad, path, n));
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, root, old_root, path, n));
	unhex(some_hash, other);
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, other, root, path, n));
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, other, path, n));

	/* Any bit of any hash. */
	for (j = 0; j < n; j++) {
		for (bit = 0; bit < 8 * H; bit++) {
			memcpy(p, path, n * H);
			p[j][bit / 8] ^= 1 << bit % 8;
			ASSERT_EQ(-EBADMSG, verify_cons(old, size, old_root,
						root, (const uint8_t (*)[H])p,
						n)) TH_LOG("hash %zu bit %u",
							   j, bit);
		}
	}

	/* Empty, short, long. */
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, root, NULL, 0));
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, root, path,
					n - 1));
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, root, path + 1,
					n - 1));
	memcpy(p, path, n * H);
	memset(p[n], 0, H);
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, root,
					(const uint8_t (*)[H])p, n + 1));
	memcpy(p[n], old_root, H);
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, root,
					(const uint8_t (*)[H])p, n + 1));
	memcpy(p[n], root, H);
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, root,
					(const uint8_t (*)[H])p, n + 1));
	memcpy(p[n], path[n - 1], H);
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, root,
					(const uint8_t (*)[H])p, n + 1));
	memcpy(p + 1, path, n * H);
	memset(p[0], 0, H);
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, root,
					(const uint8_t (*)[H])p, n + 1));
	memcpy(p[0], old_root, H);
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, root,
					(const uint8_t (*)[H])p, n + 1));
	memcpy(p[0], root, H);
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, root,
					(const uint8_t (*)[H])p, n + 1));
	memcpy(p[0], path[0], H);
	EXPECT_EQ(-EBADMSG, verify_cons(old, size, old_root, root,
					(const uint8_t (*)[H])p, n + 1));
}

TEST(ct_consistency)
{
	struct kt_log *log = ct_log(_metadata);
	uint8_t path[MAXP][H], want[3][H], r1[H], r2[H];
	unsigned int i, j;
	size_t n;

	for (i = 0; i < ARRAY_SIZE(ct_cons_vec); i++) {
		uint64_t old = ct_cons_vec[i].old;
		uint64_t size = ct_cons_vec[i].size;

		for (j = 0; j < ct_cons_vec[i].n; j++)
			unhex(ct_cons_vec[i].path[j], want[j]);
		ASSERT_EQ(0, kt_log_prove_consistency(log, old, size, path,
						      &n));
		ASSERT_EQ(ct_cons_vec[i].n, n) TH_LOG("vector %u", i);
		EXPECT_EQ(0, memcmp(want, path, n * H)) TH_LOG("vector %u", i);

		unhex(ct_root[old], r1);
		unhex(ct_root[size], r2);
		cons_lies(_metadata, old, size, r1, r2,
			  (const uint8_t (*)[H])want, n);
	}
	kt_log_free(log);
}

/* CT's TestVerifyConsistency edge cases, with old == 0 impossible here. */
TEST(consistency_edges)
{
	uint8_t r1[H], r2[H], e[H], p[1][H];

	unhex(ct_root[1], r1);
	unhex(ct_root[2], r2);
	unhex(ct_root[0], e);
	memcpy(p[0], e, H);

	/* Equal sizes: only an empty proof between equal roots. */
	EXPECT_EQ(0, verify_cons(1, 1, r1, r1, NULL, 0));
	EXPECT_EQ(-EBADMSG, verify_cons(1, 1, r1, r2, NULL, 0));
	EXPECT_EQ(-EBADMSG, verify_cons(1, 1, e, r2, NULL, 0));
	EXPECT_EQ(-EBADMSG, verify_cons(1, 1, e, e,
					(const uint8_t (*)[H])p, 1));
	EXPECT_EQ(-EBADMSG, verify_cons(5, 5, r1, r1,
					(const uint8_t (*)[H])p, 1));
	/* Growth needs a proof. */
	EXPECT_EQ(-EBADMSG, verify_cons(1, 2, r1, r2, NULL, 0));
	/* Time travel; an empty old tree. */
	EXPECT_EQ(-EINVAL, verify_cons(1, 0, r1, r2, NULL, 0));
	EXPECT_EQ(-EINVAL, verify_cons(2, 1, r1, r2, NULL, 0));
	EXPECT_EQ(-EINVAL, verify_cons(0, 0, e, e, NULL, 0));
	EXPECT_EQ(-EINVAL, verify_cons(0, 1, e, r1, NULL, 0));
	EXPECT_EQ(-EINVAL, verify_cons(0, 1, e, r1,
				       (const uint8_t (*)[H])p, 1));
}

TEST(bad_arguments)
{
	struct kt_log *log = ct_log(_metadata);
	uint8_t path[MAXP + 8][H], root[H], leaf[H];
	size_t n;

	memset(path, 0x5a, sizeof(path));
	unhex(ct_root[8], root);
	unhex(ct_leaf_hash[0], leaf);

	/* Proving past the end, or nothing. */
	EXPECT_EQ(-EINVAL, kt_log_root(log, 9, root));
	EXPECT_EQ(-EINVAL, kt_log_prove_inclusion(log, 8, 8, path, &n));
	EXPECT_EQ(-EINVAL, kt_log_prove_inclusion(log, 0, 9, path, &n));
	EXPECT_EQ(-EINVAL, kt_log_prove_inclusion(log, 9, 8, path, &n));
	EXPECT_EQ(-EINVAL, kt_log_prove_inclusion(log, UINT64_MAX, UINT64_MAX,
						  path, &n));
	EXPECT_EQ(-EINVAL, kt_log_prove_consistency(log, 0, 8, path, &n));
	EXPECT_EQ(-EINVAL, kt_log_prove_consistency(log, 5, 4, path, &n));
	EXPECT_EQ(-EINVAL, kt_log_prove_consistency(log, 1, 9, path, &n));
	EXPECT_EQ(-EINVAL, kt_log_prove_consistency(log, 9, 9, path, &n));
	EXPECT_EQ(-EINVAL, kt_log_prove_inclusion(NULL, 0, 1, path, &n));
	EXPECT_EQ(-EINVAL, kt_log_prove_inclusion(log, 0, 1, path, NULL));
	EXPECT_EQ(-EINVAL, kt_log_prove_consistency(log, 1, 2, NULL, &n));
	EXPECT_EQ(-EINVAL, kt_log_append(log, NULL, 1));
	EXPECT_EQ(-EINVAL, kt_log_append_hash(log, NULL));
	EXPECT_EQ(-EINVAL, kt_log_append(NULL, "", 0));
	EXPECT_EQ(8, kt_log_size(log));
	/* A NULL leaf of no bytes is the empty leaf. */
	ASSERT_EQ(0, kt_log_leaf_hash(NULL, 0, leaf));
	unhex(ct_leaf_hash[0], root);
	EXPECT_EQ(0, memcmp(root, leaf, H));

	/* Verifying what cannot be. */
	unhex(ct_root[8], root);
	EXPECT_EQ(-EINVAL, kt_log_verify_inclusion(leaf, 0, 0, NULL, 0, root));
	EXPECT_EQ(-EINVAL, kt_log_verify_inclusion(leaf, 1, 0, NULL, 0, root));
	EXPECT_EQ(-EINVAL, kt_log_verify_inclusion(leaf, 2, 1, NULL, 0, root));
	EXPECT_EQ(-EINVAL, kt_log_verify_inclusion(leaf, 8, 8,
				(const uint8_t (*)[H])path, 3, root));
	EXPECT_EQ(-EINVAL, kt_log_verify_inclusion(leaf, UINT64_MAX,
				UINT64_MAX, (const uint8_t (*)[H])path, 3,
				root));
	/* Too long to be a proof, even if it is not read. */
	EXPECT_EQ(-EINVAL, kt_log_verify_inclusion(leaf, 0, 8,
				(const uint8_t (*)[H])path, MAXP + 1, root));
	EXPECT_EQ(-EINVAL, kt_log_verify_inclusion(leaf, 0, 8,
				(const uint8_t (*)[H])path, SIZE_MAX, root));
	EXPECT_EQ(-EINVAL, kt_log_verify_consistency(4, 8, root, root,
				(const uint8_t (*)[H])path, MAXP + 1));
	EXPECT_EQ(-EINVAL, kt_log_verify_consistency(4, 8, root, root,
				(const uint8_t (*)[H])path, SIZE_MAX));
	EXPECT_EQ(-EINVAL, kt_log_verify_consistency(9, 8, root, root,
				(const uint8_t (*)[H])path, 3));
	EXPECT_EQ(-EINVAL, kt_log_verify_consistency(UINT64_MAX, 1, root,
				root, (const uint8_t (*)[H])path, 3));
	EXPECT_EQ(-EINVAL, kt_log_verify_consistency(0, 8, root, root,
				(const uint8_t (*)[H])path, 3));
	EXPECT_EQ(-EINVAL, kt_log_verify_inclusion(NULL, 0, 8,
				(const uint8_t (*)[H])path, 3, root));
	EXPECT_EQ(-EINVAL, kt_log_verify_inclusion(leaf, 0, 8, NULL, 3, root));
	EXPECT_EQ(-EINVAL, kt_log_verify_consistency(1, 8, NULL, root,
				(const uint8_t (*)[H])path, 3));
	EXPECT_EQ(-EINVAL, kt_log_verify_consistency(1, 8, root, root,
				NULL, 3));
	kt_log_free(log);
}

/*
 * Random junk, of every length up to the longest proof, at random and at
 * extreme sizes: verification returns -EBADMSG or -EINVAL, never 0, and
 * reads only the hashes it is given (exact heap blocks, under ASan).
 */
TEST(junk)
{
	static const uint64_t edge[] = {
		1, 2, 3, 4, 5, 7, 8, 9, (1ULL << 32) - 1, 1ULL << 32,
		(1ULL << 32) + 1, (1ULL << 63) - 1, 1ULL << 63,
		(1ULL << 63) + 1, UINT64_MAX - 1, UINT64_MAX,
	};
	const unsigned int nedge = ARRAY_SIZE(edge);
	uint8_t (*p)[H], a[H], b[H];
	uint64_t x, y;
	unsigned int i, j;
	size_t n;
	int ret;

	for (i = 0; i < 20000; i++) {
		n = rnd() % (MAXP + 1);
		p = n ? malloc(n * H) : NULL;
		ASSERT_TRUE(!n || p);
		for (j = 0; j < n * H; j++)
			((uint8_t *)p)[j] = rnd();
		for (j = 0; j < H; j++) {
			a[j] = rnd();
			b[j] = rnd();
		}
		switch (i % 4) {
		case 0:		/* anything */
			x = rnd();
			y = rnd();
			break;
		case 1:		/* small trees */
			y = rnd() % 300 + 1;
			x = rnd() % y;
			break;
		case 2:		/* extremes */
			y = edge[rnd() % nedge];
			x = edge[rnd() % nedge] - rnd() % 2;
			break;
		default:	/* the first or last leaf of a huge tree */
			y = rnd() | 1ULL << 63;
			x = rnd() % 2 ? y - 1 - rnd() % 3 : rnd() % 3;
			break;
		}
		ret = kt_log_verify_inclusion(a, x, y,
					      (const uint8_t (*)[H])p, n, b);
		ASSERT_TRUE(ret == -EBADMSG || ret == -EINVAL)
			TH_LOG("inclusion %llu %llu %zu: %d",
			       (unsigned long long)x, (unsigned long long)y,
			       n, ret);
		if (x >= y)
			EXPECT_EQ(-EINVAL, ret);
		ret = kt_log_verify_consistency(x == UINT64_MAX ? x : x + 1, y,
						a, b,
						(const uint8_t (*)[H])p, n);
		ASSERT_TRUE(ret == -EBADMSG || ret == -EINVAL)
			TH_LOG("consistency %llu %llu %zu: %d",
			       (unsigned long long)x, (unsigned long long)y,
			       n, ret);
		ret = kt_log_verify_consistency(x, y, a, b,
						(const uint8_t (*)[H])p, n);
		ASSERT_TRUE(ret == -EBADMSG || ret == -EINVAL);
		if (!x || x > y)
			EXPECT_EQ(-EINVAL, ret);
		free(p);
	}
}

/*
 * The largest trees: proofs of 63 and 64 hashes at sizes near 2^64 run
 * to the end without complaint, then fail on the hashes.
 */
TEST(longest_proofs)
{
	uint8_t (*p)[H] = calloc(MAXP, H), a[H] = { 1 }, b[H] = { 2 };
	uint64_t sizes[] = { UINT64_MAX, 1ULL << 63, (1ULL << 63) - 1 };
	unsigned int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-EBADMSG, kt_log_verify_inclusion(a, 0, sizes[i],
				(const uint8_t (*)[H])p, MAXP, b));
		EXPECT_EQ(-EBADMSG, kt_log_verify_inclusion(a, sizes[i] - 1,
				sizes[i], (const uint8_t (*)[H])p, MAXP, b));
		EXPECT_EQ(-EBADMSG, kt_log_verify_consistency(sizes[i] - 2,
				sizes[i], a, b, (const uint8_t (*)[H])p,
				MAXP));
		EXPECT_EQ(-EBADMSG, kt_log_verify_consistency(1,
				sizes[i], a, b, (const uint8_t (*)[H])p,
				MAXP));
	}
	free(p);
}

/* The trees of 1..70 leaves against the reference. */
static uint8_t ref_d[REF_LEAVES][H];

/* Leaf @i: distinct leaves of different lengths. */
static size_t ref_leaf_data(unsigned int i, char buf[32])
{
	return snprintf(buf, 32, "leaf %u%.*s", i, (int)(i % 7), "xxxxxxx");
}

static void ref_leaves(void)
{
	char buf[32];
	unsigned int i;

	for (i = 0; i < REF_LEAVES; i++)
		ref_leaf(buf, ref_leaf_data(i, buf), ref_d[i]);
}

static struct kt_log *ref_log(struct __test_metadata *_metadata, bool hashes)
{
	struct kt_log *log = kt_log_new();
	uint8_t root[H], want[H];
	char buf[32];
	unsigned int i;
	int ret;

	ASSERT_NE(NULL, log);
	for (i = 0; i < REF_LEAVES; i++) {
		/* ASSERT_EQ() ends in a for loop: no else after it. */
		if (hashes)
			ret = kt_log_append_hash(log, ref_d[i]);
		else
			ret = kt_log_append(log, buf, ref_leaf_data(i, buf));
		ASSERT_EQ(0, ret);
		/* The newest root, and the one before, as it grows. */
		ASSERT_EQ(0, kt_log_root(log, i + 1, root));
		ref_mth(ref_d, 0, i + 1, want);
		ASSERT_EQ(0, memcmp(want, root, H)) TH_LOG("size %u", i + 1);
		ASSERT_EQ(0, kt_log_root(log, i, root));
		ref_mth(ref_d, 0, i, want);
		ASSERT_EQ(0, memcmp(want, root, H)) TH_LOG("size %u", i);
	}
	return log;
}

TEST(reference_roots)
{
	struct kt_log *a, *b;
	uint8_t ra[H], rb[H], want[H];
	unsigned int s;

	ref_leaves();
	a = ref_log(_metadata, false);
	b = ref_log(_metadata, true);
	for (s = 0; s <= REF_LEAVES; s++) {
		ref_mth(ref_d, 0, s, want);
		ASSERT_EQ(0, kt_log_root(a, s, ra));
		ASSERT_EQ(0, kt_log_root(b, s, rb));
		EXPECT_EQ(0, memcmp(want, ra, H)) TH_LOG("size %u", s);
		EXPECT_EQ(0, memcmp(want, rb, H)) TH_LOG("size %u", s);
	}
	EXPECT_EQ(-EINVAL, kt_log_root(a, REF_LEAVES + 1, ra));
	kt_log_free(a);
	kt_log_free(b);
}

/*
 * Truncating to every size and growing back gives the reference's roots
 * on the way down and up; past the end is refused and changes nothing.
 */
TEST(truncate_and_regrow)
{
	uint8_t r[H], want[H];
	unsigned int s, t;
	struct kt_log *a;

	ref_leaves();
	a = ref_log(_metadata, false);
	EXPECT_EQ(-EINVAL, kt_log_truncate(a, REF_LEAVES + 1));
	EXPECT_EQ(REF_LEAVES, kt_log_size(a));
	for (s = REF_LEAVES; s-- > 0;) {
		ASSERT_EQ(0, kt_log_truncate(a, s));
		ASSERT_EQ(s, kt_log_size(a));
		ref_mth(ref_d, 0, s, want);
		ASSERT_EQ(0, kt_log_root(a, s, r));
		EXPECT_EQ(0, memcmp(want, r, H)) TH_LOG("down to %u", s);
		EXPECT_EQ(-EINVAL, kt_log_root(a, s + 1, r));
	}
	for (t = 0; t < REF_LEAVES; t++) {
		ASSERT_EQ(0, kt_log_append_hash(a, ref_d[t]));
		ref_mth(ref_d, 0, t + 1, want);
		ASSERT_EQ(0, kt_log_root(a, t + 1, r));
		EXPECT_EQ(0, memcmp(want, r, H)) TH_LOG("up to %u", t + 1);
	}
	kt_log_free(a);
}

/*
 * Every inclusion proof of every tree up to 70 leaves: the reference's,
 * from both logs, and it verifies. Another index is always refused. A
 * proof checked against another size (the same root) holds exactly when
 * the two paths take the same turns: then RFC 9162 2.1.3.2 computes the
 * same root, which the signed tree head binds to its size. Any flipped
 * bit, a hash short or long, another leaf or root is refused.
 */
TEST(reference_inclusion)
{
	struct kt_log *a, *b;
	uint8_t want[MAXP][H], pa[MAXP][H], pb[MAXP][H], p[MAXP + 1][H];
	uint8_t root[REF_LEAVES + 1][H], bad[H];
	char shape[MAXP + 2], other[MAXP + 2];
	uint64_t s, i, x, k;
	size_t n, na, nb, j;
	unsigned int accepted = 0;
	int ret;

	ref_leaves();
	a = ref_log(_metadata, false);
	b = ref_log(_metadata, true);
	for (s = 0; s <= REF_LEAVES; s++)
		ref_mth(ref_d, 0, s, root[s]);

	for (s = 1; s <= REF_LEAVES; s++) {
		for (i = 0; i < s; i++) {
			n = ref_path(ref_d, 0, i, s, want, shape);
			ASSERT_EQ(0, kt_log_prove_inclusion(a, i, s, pa, &na));
			ASSERT_EQ(0, kt_log_prove_inclusion(b, i, s, pb, &nb));
			ASSERT_EQ(n, na);
			ASSERT_EQ(n, nb);
			ASSERT_EQ(0, memcmp(want, pa, n * H))
				TH_LOG("leaf %llu of %llu",
				       (unsigned long long)i,
				       (unsigned long long)s);
			ASSERT_EQ(0, memcmp(want, pb, n * H));
			ASSERT_EQ(0, verify_incl(ref_d[i], i, s,
					(const uint8_t (*)[H])pa, n, root[s]));

			for (x = 0; x < s; x++) {
				if (x == i)
					continue;
				ASSERT_EQ(-EBADMSG, verify_incl(ref_d[i], x, s,
					(const uint8_t (*)[H])pa, n, root[s]))
					TH_LOG("leaf %llu as %llu of %llu",
					       (unsigned long long)i,
					       (unsigned long long)x,
					       (unsigned long long)s);
			}
			for (x = i + 1; x <= REF_LEAVES + 8; x++) {
				if (x == s)
					continue;
				ref_path(ref_d, 0, i, x, NULL, other);
				ret = verify_incl(ref_d[i], i, x,
						  (const uint8_t (*)[H])pa, n,
						  root[s]);
				ASSERT_EQ(strcmp(shape, other) ? -EBADMSG : 0,
					  ret)
					TH_LOG("leaf %llu of %llu as of %llu",
					       (unsigned long long)i,
					       (unsigned long long)s,
					       (unsigned long long)x);
				accepted += !ret;
			}

			for (j = 0; j < n; j++) {
				memcpy(p, pa, n * H);
				p[j][(i + s + j) % H] ^= 1 << (j + s) % 8;
				ASSERT_EQ(-EBADMSG, verify_incl(ref_d[i], i, s,
					(const uint8_t (*)[H])p, n, root[s]));
			}
			memcpy(p, pa, n * H);
			memcpy(p[n], root[s], H);
			ASSERT_EQ(-EBADMSG, verify_incl(ref_d[i], i, s,
					(const uint8_t (*)[H])p, n + 1,
					root[s]));
			if (n)
				ASSERT_EQ(-EBADMSG, verify_incl(ref_d[i], i, s,
					(const uint8_t (*)[H])pa, n - 1,
					root[s]));
			if (s > 1)
				ASSERT_EQ(-EBADMSG, verify_incl(ref_d[(i + 1) % s],
					i, s, (const uint8_t (*)[H])pa, n,
					root[s]));
			/*
			 * The path of a leaf right of the split passed off as
			 * its path in the right subtree: that runs out a hash
			 * early, and the last hash would fold it into the root.
			 */
			k = s > 1 ? ref_split(s) : 1;
			if (i >= k)
				ASSERT_EQ(-EBADMSG, verify_incl(ref_d[i], i - k,
					s - k, (const uint8_t (*)[H])pa, n,
					root[s]));
			memcpy(bad, root[s], H);
			bad[i % H] ^= 4;
			ASSERT_EQ(-EBADMSG, verify_incl(ref_d[i], i, s,
					(const uint8_t (*)[H])pa, n, bad));
			ASSERT_EQ(-EBADMSG, verify_incl(ref_d[i], i, s,
					(const uint8_t (*)[H])pa, n,
					root[s - 1]));
		}
	}
	TH_LOG("%u proofs held for a tree size with the same turns",
	       accepted);
	kt_log_free(a);
	kt_log_free(b);
}

/*
 * Every consistency proof between trees up to 70 leaves: the reference's,
 * from both logs, and it verifies. Checked against another old size or
 * another new size it holds exactly when the two proofs take the same
 * turns (and both carry the old subtree's hash, or neither). Any flipped
 * bit, a hash short or long, or another root is refused.
 */
TEST(reference_consistency)
{
	struct kt_log *a, *b;
	uint8_t want[MAXP][H], pa[MAXP][H], pb[MAXP][H], p[MAXP + 1][H];
	uint8_t root[REF_LEAVES + 1][H], bad[H];
	char shape[MAXP + 2], other[MAXP + 2];
	uint64_t s, m, x, k;
	size_t n, na, nb, j;
	unsigned int accepted = 0;
	int ret;

	ref_leaves();
	a = ref_log(_metadata, false);
	b = ref_log(_metadata, true);
	for (s = 0; s <= REF_LEAVES; s++)
		ref_mth(ref_d, 0, s, root[s]);

	for (s = 1; s <= REF_LEAVES; s++) {
		for (m = 1; m <= s; m++) {
			n = ref_subproof(ref_d, 0, m, s, true, want, shape);
			ASSERT_EQ(0, kt_log_prove_consistency(a, m, s, pa,
							      &na));
			ASSERT_EQ(0, kt_log_prove_consistency(b, m, s, pb,
							      &nb));
			ASSERT_EQ(n, na);
			ASSERT_EQ(n, nb);
			ASSERT_EQ(0, memcmp(want, pa, n * H))
				TH_LOG("%llu to %llu", (unsigned long long)m,
				       (unsigned long long)s);
			ASSERT_EQ(0, memcmp(want, pb, n * H));
			ASSERT_EQ(0, verify_cons(m, s, root[m], root[s],
					(const uint8_t (*)[H])pa, n));

			for (x = 1; x <= s; x++) {
				if (x == m)
					continue;
				ref_subproof(ref_d, 0, x, s, true, NULL, other);
				ret = verify_cons(x, s, root[m], root[s],
						  (const uint8_t (*)[H])pa, n);
				ASSERT_EQ(strcmp(shape, other) ? -EBADMSG : 0,
					  ret)
					TH_LOG("%llu to %llu as from %llu",
					       (unsigned long long)m,
					       (unsigned long long)s,
					       (unsigned long long)x);
				accepted += !ret;
			}
			for (x = m; x <= REF_LEAVES + 8; x++) {
				if (x == s)
					continue;
				ref_subproof(ref_d, 0, m, x, true, NULL, other);
				ret = verify_cons(m, x, root[m], root[s],
						  (const uint8_t (*)[H])pa, n);
				ASSERT_EQ(strcmp(shape, other) ? -EBADMSG : 0,
					  ret)
					TH_LOG("%llu to %llu as to %llu",
					       (unsigned long long)m,
					       (unsigned long long)s,
					       (unsigned long long)x);
				accepted += !ret;
			}

			if (m == s) {
				ASSERT_EQ(0, n);
				ASSERT_EQ(-EBADMSG, verify_cons(m, s, root[m],
					root[m - 1], NULL, 0));
				continue;
			}
			for (j = 0; j < n; j++) {
				memcpy(p, pa, n * H);
				p[j][(m + s + j) % H] ^= 1 << (j + m) % 8;
				ASSERT_EQ(-EBADMSG, verify_cons(m, s, root[m],
					root[s], (const uint8_t (*)[H])p, n));
			}
			memcpy(p, pa, n * H);
			memcpy(p[n], root[s], H);
			ASSERT_EQ(-EBADMSG, verify_cons(m, s, root[m], root[s],
					(const uint8_t (*)[H])p, n + 1));
			ASSERT_EQ(-EBADMSG, verify_cons(m, s, root[m], root[s],
					(const uint8_t (*)[H])pa, n - 1));
			memcpy(bad, root[m], H);
			bad[s % H] ^= 0x40;
			ASSERT_EQ(-EBADMSG, verify_cons(m, s, bad, root[s],
					(const uint8_t (*)[H])pa, n));
			memcpy(bad, root[s], H);
			bad[m % H] ^= 0x02;
			ASSERT_EQ(-EBADMSG, verify_cons(m, s, root[m], bad,
					(const uint8_t (*)[H])pa, n));
			ASSERT_EQ(-EBADMSG, verify_cons(m, s, root[s], root[m],
					(const uint8_t (*)[H])pa, n));
			/* The same, as from and to the right subtree. */
			k = ref_split(s);
			if (m > k)
				ASSERT_EQ(-EBADMSG, verify_cons(m - k, s - k,
					root[m], root[s],
					(const uint8_t (*)[H])pa, n));
		}
	}
	TH_LOG("%u proofs held for sizes with the same turns", accepted);
	kt_log_free(a);
	kt_log_free(b);
}

/*
 * A million leaves, appended as bytes and as hashes: equal roots at many
 * sizes, the full root against the reference recursion, and proofs at
 * random sizes that verify. Queries cost O(log n): thousands take no time.
 */
TEST(million)
{
	static const uint64_t at[] = {
		1, 2, 3, 1023, 1024, 1025, 65535, 65536, 65537, 524287,
		524288, 524289, 999999, BIG_LEAVES,
	};
	struct kt_log *a = kt_log_new(), *b = kt_log_new();
	uint8_t (*d)[H] = malloc((size_t)BIG_LEAVES * H);
	uint8_t ra[H], rb[H], r1[H], path[MAXP][H], pb[MAXP][H];
	uint64_t i, s, x, le;
	double t0, t1, t2, t3, t4;
	unsigned int q;
	size_t n, nb;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, d);

	t0 = now_s();
	for (i = 0; i < BIG_LEAVES; i++) {
		le = htole64(i);
		ASSERT_EQ(0, kt_log_append(a, &le, sizeof(le)));
	}
	t1 = now_s();
	for (i = 0; i < BIG_LEAVES; i++) {
		le = htole64(i);
		ASSERT_EQ(0, kt_log_leaf_hash(&le, sizeof(le), d[i]));
		ASSERT_EQ(0, kt_log_append_hash(b, d[i]));
	}
	t2 = now_s();
	ASSERT_EQ(BIG_LEAVES, kt_log_size(a));
	ASSERT_EQ(BIG_LEAVES, kt_log_size(b));

	for (q = 0; q < ARRAY_SIZE(at) + 50; q++) {
		s = q < ARRAY_SIZE(at) ? at[q] :
			rnd() % BIG_LEAVES + 1;
		ASSERT_EQ(0, kt_log_root(a, s, ra));
		ASSERT_EQ(0, kt_log_root(b, s, rb));
		ASSERT_EQ(0, memcmp(ra, rb, H)) TH_LOG("size %llu",
						       (unsigned long long)s);
	}
	ref_mth((const uint8_t (*)[H])d, 0, BIG_LEAVES, rb);
	ASSERT_EQ(0, kt_log_root(a, BIG_LEAVES, ra));
	ASSERT_EQ(0, memcmp(ra, rb, H));
	t3 = now_s();

	/* 2000 random proofs of each kind, checked and compared. */
	for (q = 0; q < 2000; q++) {
		s = q < 2 ? BIG_LEAVES : rnd() % BIG_LEAVES + 1;
		x = q % 3 == 0 ? s - 1 : q % 3 == 1 ? 0 : rnd() % s;
		ASSERT_EQ(0, kt_log_root(a, s, ra));
		ASSERT_EQ(0, kt_log_prove_inclusion(a, x, s, path, &n));
		ASSERT_EQ(0, kt_log_prove_inclusion(b, x, s, pb, &nb));
		ASSERT_EQ(n, nb);
		ASSERT_EQ(0, memcmp(path, pb, n * H));
		ASSERT_GE(20, n);
		ASSERT_EQ(0, kt_log_verify_inclusion(d[x], x, s,
				(const uint8_t (*)[H])path, n, ra));

		x = q % 3 == 0 ? s : q % 3 == 1 ? 1 : rnd() % s + 1;
		ASSERT_EQ(0, kt_log_root(a, x, r1));
		ASSERT_EQ(0, kt_log_prove_consistency(a, x, s, path, &n));
		ASSERT_EQ(0, kt_log_prove_consistency(b, x, s, pb, &nb));
		ASSERT_EQ(n, nb);
		ASSERT_EQ(0, memcmp(path, pb, n * H));
		ASSERT_GE(21, n);
		ASSERT_EQ(0, kt_log_verify_consistency(x, s, r1, ra,
				(const uint8_t (*)[H])path, n));
	}
	t4 = now_s();
	TH_LOG("%d leaves: append %.2f s, leaf hash and append_hash %.2f s",
	       BIG_LEAVES, t1 - t0, t2 - t1);
	TH_LOG("reference root %.2f s; 2000 times 2 roots, 4 proofs and 2 verifications %.3f s",
	       t3 - t2, t4 - t3);
	kt_log_free(a);
	kt_log_free(b);
	free(d);
}

TEST_HARNESS_MAIN
