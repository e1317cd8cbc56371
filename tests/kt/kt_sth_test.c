// SPDX-License-Identifier: GPL-2.0
/*
 * Epoch records and signed tree heads (daemon/kt/kt_sth.c): their byte
 * layouts, a known-answer signature (RFC 8032's first test key, signed
 * with the openssl command line), and every change to a head breaking it.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "kselftest_harness.h"
#include "kt_sth.h"

/* RFC 8032, 7.1, TEST 1. */
static const uint8_t rfc8032_sk[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
	0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
	0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
};

/*
 * openssl pkeyutl -sign -rawin over "tern-kt sth v1" NUL, size 7,
 * timestamp 1700000000000, root 32 x 0x11.
 */
static const uint8_t known_sig[64] = {
	0x79, 0xa9, 0xda, 0x49, 0x4a, 0xe2, 0x02, 0x0b, 0xbf, 0xbf, 0x8a,
	0x0f, 0xfe, 0x5a, 0x8d, 0xd3, 0x89, 0x99, 0x76, 0xb1, 0x76, 0xb7,
	0xcc, 0x9c, 0x0d, 0x33, 0xb3, 0x2b, 0xc0, 0xe6, 0xed, 0xc3, 0xda,
	0x87, 0x23, 0x10, 0x55, 0xe3, 0x54, 0x37, 0xeb, 0xe5, 0x3a, 0xa4,
	0x37, 0x00, 0xfd, 0x2f, 0x35, 0xc1, 0xac, 0x93, 0xba, 0xc2, 0xc5,
	0x76, 0x6b, 0x39, 0xd1, 0x71, 0x5a, 0xfb, 0x3c, 0x04,
};

static EVP_PKEY *ed_key(void)
{
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
					    rfc8032_sk, sizeof(rfc8032_sk));
}

static void known_head(struct kt_sth *s)
{
	memset(s, 0, sizeof(*s));
	s->size = 7;
	s->timestamp_ms = 1700000000000ULL;
	memset(s->root, 0x11, sizeof(s->root));
}

TEST(epoch_leaf_layout)
{
	uint8_t root[KT_HASH_LEN], leaf[KT_EPOCH_LEAF_LEN];
	static const uint8_t be[8] = { 0x01, 0x02, 0x03, 0x04,
				       0x05, 0x06, 0x07, 0x08 };

	memset(root, 0xab, sizeof(root));
	kt_epoch_leaf(0x0102030405060708ULL, root, leaf);
	EXPECT_EQ(57, sizeof(leaf));
	EXPECT_EQ(0, memcmp(leaf, "tern-kt epoch v1\0", 17));
	EXPECT_EQ(0, memcmp(leaf + 17, be, 8));
	EXPECT_EQ(0, memcmp(leaf + 25, root, KT_HASH_LEN));
}

TEST(sth_layout)
{
	uint8_t tbs[KT_STH_TBS_LEN];
	static const uint8_t be[16] = { 0, 0, 0, 0, 0, 0, 0, 7,
		0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00 };
	struct kt_sth s;

	known_head(&s);
	kt_sth_tbs(&s, tbs);
	EXPECT_EQ(63, sizeof(tbs));
	EXPECT_EQ(0, memcmp(tbs, "tern-kt sth v1\0", 15));
	EXPECT_EQ(0, memcmp(tbs + 15, be, 16));
	EXPECT_EQ(0x11, tbs[31]);
	EXPECT_EQ(0x11, tbs[62]);
}

TEST(known_signature)
{
	EVP_PKEY *k = ed_key();
	struct kt_sth s;

	ASSERT_NE(NULL, k);
	known_head(&s);
	ASSERT_EQ(0, kt_sth_sign(&s, k));
	EXPECT_EQ(0, memcmp(known_sig, s.sig, sizeof(known_sig)));
	EXPECT_EQ(0, kt_sth_verify(&s, k));
	EVP_PKEY_free(k);
}

TEST(any_change_breaks_it)
{
	EVP_PKEY *k = ed_key(), *other = EVP_PKEY_Q_keygen(NULL, NULL,
							    "ED25519");
	struct kt_sth s, t;
	size_t i;

	ASSERT_NE(NULL, k);
	ASSERT_NE(NULL, other);
	known_head(&s);
	ASSERT_EQ(0, kt_sth_sign(&s, k));
	t = s;
	t.size++;
	EXPECT_EQ(-EBADMSG, kt_sth_verify(&t, k));
	t = s;
	t.timestamp_ms++;
	EXPECT_EQ(-EBADMSG, kt_sth_verify(&t, k));
	for (i = 0; i < KT_HASH_LEN; i += 7) {
		t = s;
		t.root[i] ^= 0x20;
		EXPECT_EQ(-EBADMSG, kt_sth_verify(&t, k));
	}
	for (i = 0; i < KT_SIG_LEN; i += 9) {
		t = s;
		t.sig[i] ^= 0x01;
		EXPECT_EQ(-EBADMSG, kt_sth_verify(&t, k));
	}
	EXPECT_EQ(-EBADMSG, kt_sth_verify(&s, other));
	EVP_PKEY_free(other);
	EVP_PKEY_free(k);
}

/* Heads are Ed25519 only: another kind of key is refused, not misused. */
TEST(other_key_types)
{
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	struct kt_sth s;

	ASSERT_NE(NULL, ec);
	ASSERT_NE(NULL, x);
	known_head(&s);
	EXPECT_EQ(-EINVAL, kt_sth_sign(&s, ec));
	EXPECT_EQ(-EINVAL, kt_sth_sign(&s, x));
	EXPECT_EQ(-EINVAL, kt_sth_sign(&s, NULL));
	EXPECT_EQ(-EINVAL, kt_sth_verify(&s, ec));
	EXPECT_EQ(-EINVAL, kt_sth_verify(&s, NULL));
	EVP_PKEY_free(ec);
	EVP_PKEY_free(x);
}

TEST_HARNESS_MAIN
