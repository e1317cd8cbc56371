// SPDX-License-Identifier: GPL-2.0
/*
 * A handle's entry (daemon/dir/entry.c): device ids and the commitment
 * against SHA-256 computed here over bytes laid out by hand from
 * Documentation/directory.rst, the commitment's independence of device
 * order and its dependence on every committed byte, labelled Ed25519
 * signatures (a known answer, every label and change refused), public
 * keys that are not points of the curve, and prekey messages.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "entry.h"
#include "kselftest_harness.h"

/* RFC 8032, 7.1, TEST 1 and TEST 2 secret keys. */
static const uint8_t sk1[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
	0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
	0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
};

static const uint8_t sk2[32] = {
	0x4c, 0xcd, 0x08, 0x9b, 0x28, 0xff, 0x96, 0xda, 0x9d, 0xb6, 0xc3,
	0x46, 0xec, 0x11, 0x4e, 0x0f, 0x5b, 0x8a, 0x31, 0x9f, 0x35, 0xab,
	0xa6, 0x24, 0xa8, 0xaa, 0x6b, 0x7a, 0xdd, 0xf4, 0x3d, 0x59,
};

/* And TEST 1's public key. */
static const uint8_t pk1[32] = {
	0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
	0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
	0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
};

static EVP_PKEY *ed_key(const uint8_t sk[32])
{
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
}

/* Device @i of a test entry, with id byte @id0 first. */
static void make_dev(struct entry_device *d, unsigned int i, uint8_t id0)
{
	memset(d->id, (int)(0x40 + i), ENTRY_ID_LEN);
	d->id[0] = id0;
	memset(d->identity_key, (int)(0x50 + i), ENTRY_KEY_LEN);
	memset(d->identity_x25519, (int)(0x60 + i), ENTRY_KEY_LEN);
	memset(d->x25519_sig, (int)(0x70 + i), ENTRY_SIG_LEN);
	memset(d->push_token, (int)(0x80 + i), ENTRY_TOKEN_LEN);
}

static uint8_t *put(uint8_t *p, const void *b, size_t n)
{
	memcpy(p, b, n);
	return p + n;
}

TEST(device_id)
{
	uint8_t id[ENTRY_ID_LEN], h[32];

	ASSERT_EQ(0, entry_device_id(pk1, id));
	SHA256(pk1, sizeof(pk1), h);
	EXPECT_EQ(0, memcmp(h, id, ENTRY_ID_LEN));
}

/*
 * Three devices given out of order; the commitment sorts them by id. The
 * expected value is SHA-256 over the layout written out here.
 */
TEST(commitment_known_answer)
{
	static const uint8_t seq_be[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t count_be[2] = { 0, 3 };
	static const unsigned int sorted[3] = { 1, 2, 0 };
	uint8_t buf[4096], *p = buf, want[32], got[32];
	struct entry e;
	unsigned int i;
	const struct entry_device *d;

	memset(&e, 0, sizeof(e));
	memset(e.account_key, 0xac, sizeof(e.account_key));
	e.seq = 0x0102030405060708ULL;
	e.ndev = 3;
	make_dev(&e.dev[0], 0, 0x30);
	make_dev(&e.dev[1], 1, 0x10);
	make_dev(&e.dev[2], 2, 0x20);

	p = put(p, "tern-kt entry v1", 17);	/* with its NUL */
	p = put(p, e.account_key, 32);
	p = put(p, seq_be, 8);
	p = put(p, count_be, 2);
	for (i = 0; i < 3; i++) {
		d = &e.dev[sorted[i]];
		p = put(p, d->id, 16);
		p = put(p, d->identity_key, 32);
		p = put(p, d->identity_x25519, 32);
		p = put(p, d->x25519_sig, 64);
		p = put(p, d->push_token, 16);
	}
	ASSERT_EQ(17 + 32 + 8 + 2 + 3 * 160, p - buf);
	SHA256(buf, (size_t)(p - buf), want);

	ASSERT_EQ(0, entry_commitment(&e, got));
	EXPECT_EQ(0, memcmp(want, got, 32));
}

TEST(commitment_no_devices)
{
	uint8_t buf[64], *p = buf, want[32], got[32];
	struct entry e;

	memset(&e, 0, sizeof(e));
	memset(e.account_key, 0x11, sizeof(e.account_key));
	p = put(p, "tern-kt entry v1", 17);
	p = put(p, e.account_key, 32);
	p = put(p, "\0\0\0\0\0\0\0\0\0\0", 10);	/* seq 0, 0 devices */
	SHA256(buf, (size_t)(p - buf), want);
	ASSERT_EQ(0, entry_commitment(&e, got));
	EXPECT_EQ(0, memcmp(want, got, 32));
}

TEST(commitment_order_independent)
{
	static const unsigned int perm[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
		{ 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	struct entry base, e;
	uint8_t ref[32], got[32];
	unsigned int i, j;

	memset(&base, 0, sizeof(base));
	base.seq = 7;
	base.ndev = 3;
	for (i = 0; i < 3; i++)
		make_dev(&base.dev[i], i, (uint8_t)(0x90 - i));
	ASSERT_EQ(0, entry_commitment(&base, ref));
	for (i = 0; i < 6; i++) {
		e = base;
		for (j = 0; j < 3; j++)
			e.dev[j] = base.dev[perm[i][j]];
		ASSERT_EQ(0, entry_commitment(&e, got));
		EXPECT_EQ(0, memcmp(ref, got, 32)) TH_LOG("permutation %u", i);
	}

	/* Sixteen devices, reversed and interleaved. */
	base.ndev = ENTRY_MAX_DEVICES;
	for (i = 0; i < ENTRY_MAX_DEVICES; i++)
		make_dev(&base.dev[i], i, (uint8_t)(i * 16));
	ASSERT_EQ(0, entry_commitment(&base, ref));
	e = base;
	for (i = 0; i < ENTRY_MAX_DEVICES; i++)
		e.dev[i] = base.dev[ENTRY_MAX_DEVICES - 1 - i];
	ASSERT_EQ(0, entry_commitment(&e, got));
	EXPECT_EQ(0, memcmp(ref, got, 32));
	for (i = 0; i < ENTRY_MAX_DEVICES; i++)
		e.dev[i] = base.dev[(i * 7) % ENTRY_MAX_DEVICES];
	ASSERT_EQ(0, entry_commitment(&e, got));
	EXPECT_EQ(0, memcmp(ref, got, 32));
	/* The input is left as it was. */
	EXPECT_EQ(0, memcmp(&e.dev[1], &base.dev[7], sizeof(e.dev[1])));
}

/* Every committed byte counts: flip each bit of one device in turn. */
TEST(commitment_every_byte)
{
	struct entry base, e;
	uint8_t ref[32], got[32], *b;
	size_t off;

	memset(&base, 0, sizeof(base));
	base.ndev = 2;
	make_dev(&base.dev[0], 0, 0x01);
	make_dev(&base.dev[1], 1, 0x02);
	ASSERT_EQ(0, entry_commitment(&base, ref));

	for (off = 0; off < sizeof(struct entry_device); off++) {
		e = base;
		b = (uint8_t *)&e.dev[1];
		b[off] ^= 0x01;
		ASSERT_EQ(0, entry_commitment(&e, got));
		EXPECT_NE(0, memcmp(ref, got, 32)) TH_LOG("device byte %zu", off);
	}
	for (off = 0; off < ENTRY_KEY_LEN; off++) {
		e = base;
		e.account_key[off] ^= 0x80;
		ASSERT_EQ(0, entry_commitment(&e, got));
		EXPECT_NE(0, memcmp(ref, got, 32));
	}
	e = base;
	e.seq = 1ULL << 63;
	ASSERT_EQ(0, entry_commitment(&e, got));
	EXPECT_NE(0, memcmp(ref, got, 32));
	e = base;
	e.ndev = 1;
	ASSERT_EQ(0, entry_commitment(&e, got));
	EXPECT_NE(0, memcmp(ref, got, 32));
}

TEST(commitment_too_many)
{
	struct entry e;
	uint8_t got[32];

	memset(&e, 0, sizeof(e));
	e.ndev = ENTRY_MAX_DEVICES + 1;
	EXPECT_EQ(-EINVAL, entry_commitment(&e, got));
	e.ndev = 1000;
	EXPECT_EQ(-EINVAL, entry_commitment(&e, got));
	e.ndev = ENTRY_MAX_DEVICES;
	EXPECT_EQ(0, entry_commitment(&e, got));
}

/*
 * Ed25519 is deterministic: entry_sign() must give exactly libcrypto's
 * signature over label || 0x00 || msg, built here.
 */
TEST(sign_known_answer)
{
	static const uint8_t msg[] = "0123456789abcdef0123456789abcdef";
	uint8_t tbs[64], want[64], got[64];
	size_t len = sizeof(want);
	EVP_PKEY *k = ed_key(sk1);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	ASSERT_NE(NULL, k);
	ASSERT_NE(NULL, ctx);
	memcpy(tbs, "tern-x25519 v1", 15);	/* with its NUL */
	memcpy(tbs + 15, msg, 32);
	ASSERT_EQ(1, EVP_DigestSignInit(ctx, NULL, NULL, NULL, k));
	ASSERT_EQ(1, EVP_DigestSign(ctx, want, &len, tbs, 47));
	ASSERT_EQ(64, len);

	ASSERT_EQ(0, entry_sign(k, ENTRY_LABEL_X25519, msg, 32, got));
	EXPECT_EQ(0, memcmp(want, got, 64));
	EXPECT_EQ(0, entry_verify(pk1, ENTRY_LABEL_X25519, msg, 32, got));
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
}

TEST(labels_and_changes)
{
	static const char *const labels[] = {
		ENTRY_LABEL_REQUEST, ENTRY_LABEL_X25519, ENTRY_LABEL_PREKEY,
	};
	uint8_t msg[40], sig[64], bad[64], pub2[32];
	size_t i, j, len = sizeof(pub2);
	EVP_PKEY *k = ed_key(sk1), *k2 = ed_key(sk2);

	ASSERT_NE(NULL, k);
	ASSERT_NE(NULL, k2);
	ASSERT_EQ(1, EVP_PKEY_get_raw_public_key(k2, pub2, &len));
	memset(msg, 0x3c, sizeof(msg));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, entry_sign(k, labels[i], msg, sizeof(msg), sig));
		for (j = 0; j < 3; j++)
			EXPECT_EQ(i == j ? 0 : -EBADMSG,
				  entry_verify(pk1, labels[j], msg,
					       sizeof(msg), sig));
		/* Under another key; another message; a shorter one. */
		EXPECT_EQ(-EBADMSG, entry_verify(pub2, labels[i], msg,
						 sizeof(msg), sig));
		msg[39] ^= 1;
		EXPECT_EQ(-EBADMSG, entry_verify(pk1, labels[i], msg,
						 sizeof(msg), sig));
		msg[39] ^= 1;
		EXPECT_EQ(-EBADMSG, entry_verify(pk1, labels[i], msg,
						 sizeof(msg) - 1, sig));
		/* Any changed bit of the signature. */
		for (j = 0; j < 64 * 8; j += 7) {
			memcpy(bad, sig, 64);
			bad[j / 8] ^= (uint8_t)(1 << (j % 8));
			EXPECT_EQ(-EBADMSG, entry_verify(pk1, labels[i], msg,
							 sizeof(msg), bad))
				TH_LOG("bit %zu", j);
		}
	}
	/* The label's NUL separates it from the message. */
	ASSERT_EQ(0, entry_sign(k, "tern-x25519 v", "1", 1, sig));
	EXPECT_EQ(-EBADMSG, entry_verify(pk1, ENTRY_LABEL_X25519, "", 0, sig));
	/* An empty message. */
	ASSERT_EQ(0, entry_sign(k, ENTRY_LABEL_PREKEY, NULL, 0, sig));
	EXPECT_EQ(0, entry_verify(pk1, ENTRY_LABEL_PREKEY, NULL, 0, sig));
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

/*
 * Encodings that are not points: y >= p, x^2 = (y^2 - 1) / (d y^2 + 1)
 * not a square, x = 0 with the sign bit set. Which small y are on the
 * curve was worked out apart from the code under test (with Python's
 * pow() and Euler's criterion): 2, 7, 8 and 11 are not; 0, 1, 3-6, 9, 10
 * are. A key that is a point but signed nothing is -EBADMSG.
 */
TEST(bad_points)
{
	static const int on_curve[12] = { 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0 };
	uint8_t key[32], sig[64];
	unsigned int y;

	memset(sig, 0x42, sizeof(sig));
	sig[63] = 0x02;		/* s below the group order */
	for (y = 0; y < 12; y++) {
		memset(key, 0, sizeof(key));
		key[0] = (uint8_t)y;
		EXPECT_EQ(on_curve[y] ? -EBADMSG : -EINVAL,
			  entry_verify(key, ENTRY_LABEL_X25519, "m", 1, sig))
			TH_LOG("y = %u", y);
	}
	/* y = 1 and y = p - 1 have x = 0: the sign bit must be clear. */
	memset(key, 0, sizeof(key));
	key[0] = 1;
	key[31] = 0x80;
	EXPECT_EQ(-EINVAL, entry_verify(key, ENTRY_LABEL_X25519, "m", 1, sig));
	memset(key, 0xff, sizeof(key));
	key[0] = 0xec;
	key[31] = 0x7f;
	EXPECT_EQ(-EBADMSG, entry_verify(key, ENTRY_LABEL_X25519, "m", 1,
					 sig));
	key[31] = 0xff;
	EXPECT_EQ(-EINVAL, entry_verify(key, ENTRY_LABEL_X25519, "m", 1, sig));
	/* y = p, p + 1 and 2^255 - 1: not below p. */
	key[31] = 0x7f;
	key[0] = 0xed;
	EXPECT_EQ(-EINVAL, entry_verify(key, ENTRY_LABEL_X25519, "m", 1, sig));
	key[0] = 0xee;
	EXPECT_EQ(-EINVAL, entry_verify(key, ENTRY_LABEL_X25519, "m", 1, sig));
	key[0] = 0xff;
	EXPECT_EQ(-EINVAL, entry_verify(key, ENTRY_LABEL_X25519, "m", 1, sig));
	/* A real key is a point. */
	EXPECT_EQ(-EBADMSG, entry_verify(pk1, ENTRY_LABEL_X25519, "m", 1,
					 sig));
}

TEST(sign_refuses_other_keys)
{
	EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	uint8_t sig[64];

	ASSERT_NE(NULL, x);
	EXPECT_EQ(-EINVAL, entry_sign(x, ENTRY_LABEL_X25519, "m", 1, sig));
	EXPECT_EQ(-EINVAL, entry_sign(NULL, ENTRY_LABEL_X25519, "m", 1, sig));
	EVP_PKEY_free(x);
}

TEST(prekey_msg)
{
	static const uint8_t want[] = {
		0x01, 0xde, 0xad, 0xbe, 0xef, 0xaa, 0xaa, 0xaa, 0xaa,
	};
	uint8_t key[ENTRY_KEM_MAX], out[5 + ENTRY_KEM_MAX + 1];

	memset(key, 0xaa, sizeof(key));
	memset(out, 0, sizeof(out));
	EXPECT_EQ(9, entry_prekey_msg(ENTRY_PREKEY_SIGNED, 0xdeadbeef, key, 4,
				      out, 9));
	EXPECT_EQ(0, memcmp(want, out, sizeof(want)));
	EXPECT_EQ(-EINVAL, entry_prekey_msg(ENTRY_PREKEY_SIGNED, 1, key, 4,
					    out, 8));
	EXPECT_EQ(37, entry_prekey_msg(ENTRY_PREKEY_LAST_RESORT, 0, key, 32,
				       out, sizeof(out)));
	EXPECT_EQ(2, out[0]);
	EXPECT_EQ(0, out[1] | out[2] | out[3] | out[4]);
	/* A KEM key of ML-KEM-1024's size. */
	EXPECT_EQ(5 + 1568, entry_prekey_msg(ENTRY_PREKEY_KEM, 7, key, 1568,
					     out, sizeof(out)));
	EXPECT_EQ(3, out[0]);
	EXPECT_EQ(7, out[4]);
	EXPECT_EQ(0xaa, out[5 + 1567]);
	/* Kinds outside 1..3. */
	EXPECT_EQ(-EINVAL, entry_prekey_msg((enum entry_prekey_kind)0, 1, key,
					    4, out, sizeof(out)));
	EXPECT_EQ(-EINVAL, entry_prekey_msg((enum entry_prekey_kind)4, 1, key,
					    4, out, sizeof(out)));
}

/* A device as a client sees it: the identity key signs the rest. */
TEST(device_signatures)
{
	uint8_t x25519[32], spk[32], msg[64], sig[64], pub[32], id[16];
	size_t len = sizeof(pub);
	EVP_PKEY *k = ed_key(sk2);
	int n;

	ASSERT_NE(NULL, k);
	ASSERT_EQ(1, EVP_PKEY_get_raw_public_key(k, pub, &len));
	ASSERT_EQ(0, entry_device_id(pub, id));
	memset(x25519, 0x19, sizeof(x25519));
	memset(spk, 0x5b, sizeof(spk));
	ASSERT_EQ(0, entry_sign(k, ENTRY_LABEL_X25519, x25519, 32, sig));
	EXPECT_EQ(0, entry_verify(pub, ENTRY_LABEL_X25519, x25519, 32, sig));
	n = entry_prekey_msg(ENTRY_PREKEY_SIGNED, 42, spk, 32, msg,
			     sizeof(msg));
	ASSERT_EQ(37, n);
	ASSERT_EQ(0, entry_sign(k, ENTRY_LABEL_PREKEY, msg, (size_t)n, sig));
	EXPECT_EQ(0, entry_verify(pub, ENTRY_LABEL_PREKEY, msg, (size_t)n,
				  sig));
	/* The same key as a last-resort prekey is another message. */
	msg[0] = ENTRY_PREKEY_LAST_RESORT;
	EXPECT_EQ(-EBADMSG, entry_verify(pub, ENTRY_LABEL_PREKEY, msg,
					 (size_t)n, sig));
	EVP_PKEY_free(k);
}

TEST_HARNESS_MAIN
