// SPDX-License-Identifier: GPL-2.0
/*
 * Sealed sender (daemon/e2e/seal.c, Documentation/messaging.rst "Sealed
 * sender"): a sealed message opens to its inner bytes with the recipient's
 * identity key, at every size from empty to more than a padded message;
 * it is the spec's formula to the byte (recomputed here from the
 * primitives; kat_test.sh checks it against ref_e2e.py too); and nothing
 * else opens: another recipient's key, a flip of any bit of any byte, a
 * truncation or extension, a version byte other than 1 (-EINVAL, as is
 * anything shorter than SEAL_OVERHEAD), and an ephemeral key of low order,
 * whose DH result is all zero: -EBADMSG, a message that does not open
 * (sealing to a low-order recipient key is -EINVAL, a bad key). A link
 * box (version 2, "tern-link v1") is the same formula with its own
 * constants, and neither kind opens as the other.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "seal.h"

#define K	E2E_KEY_LEN

/* @hex (even length, no separators) into @out. */
static void unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2, i;
	unsigned int b;

	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			abort();
		out[i] = b;
	}
}

static void fill(uint8_t *p, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v + i * 7);
}

/* The points of small order, and p and p + 1 (e2e_prim_test.c). */
static const char *const low_order[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

TEST(round_trip)
{
	static const size_t lens[] = { 1, 15, 16, 17, 64, 1000, 40000 };
	struct e2e_keypair ik;
	uint8_t *in, *sealed, *out;
	const char *why = "unset";
	unsigned int i;

	ASSERT_EQ(0, e2e_keypair_new(&ik));
	in = malloc(40000);
	sealed = malloc(SEAL_OVERHEAD + 40000);
	out = malloc(40000);
	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, sealed);
	ASSERT_NE(NULL, out);
	fill(in, 40000, 3);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		size_t n = lens[i];

		ASSERT_EQ(0, seal_wrap(ik.pub, NULL, in, n, sealed));
		EXPECT_EQ(SEAL_VERSION, sealed[0]);
		memset(out, 0xa5, n);
		ASSERT_EQ(0, seal_open(&ik, sealed, SEAL_OVERHEAD + n, out,
				       &why)) TH_LOG("%zu bytes: %s", n, why);
		EXPECT_EQ(NULL, why);
		EXPECT_EQ(0, memcmp(in, out, n)) TH_LOG("%zu bytes", n);
		/* @why is optional. */
		ASSERT_EQ(0, seal_open(&ik, sealed, SEAL_OVERHEAD + n, out,
				       NULL));
	}
	free(in);
	free(sealed);
	free(out);
}

/* A fresh E for every message, so two seals of the same bytes differ. */
TEST(fresh_ephemeral)
{
	uint8_t a[SEAL_OVERHEAD + 5], b[SEAL_OVERHEAD + 5];
	struct e2e_keypair ik;

	ASSERT_EQ(0, e2e_keypair_new(&ik));
	ASSERT_EQ(0, seal_wrap(ik.pub, NULL, (const uint8_t *)"hello", 5, a));
	ASSERT_EQ(0, seal_wrap(ik.pub, NULL, (const uint8_t *)"hello", 5, b));
	EXPECT_NE(0, memcmp(a + 1, b + 1, K));
	EXPECT_NE(0, memcmp(a + 1 + K, b + 1 + K, 5 + E2E_TAG_LEN));
}

/* With a given e, the spec's formula exactly, from the primitives. */
TEST(the_formula)
{
	uint8_t inner[100], got[SEAL_OVERHEAD + 100], want[SEAL_OVERHEAD + 100];
	uint8_t salt[2 * K], ad[1 + 2 * K], dh[K], okm[44];
	struct e2e_keypair ik, e;

	ASSERT_EQ(0, e2e_keypair_new(&ik));
	ASSERT_EQ(0, e2e_keypair_new(&e));
	fill(inner, sizeof(inner), 11);
	ASSERT_EQ(0, seal_wrap(ik.pub, &e, inner, sizeof(inner), got));

	memcpy(salt, e.pub, K);
	memcpy(salt + K, ik.pub, K);
	ad[0] = 0x01;
	memcpy(ad + 1, salt, 2 * K);
	ASSERT_EQ(0, e2e_dh(e.priv, ik.pub, dh));
	ASSERT_EQ(0, e2e_hkdf(salt, sizeof(salt), dh, K, "tern-sealed v1",
			      okm, sizeof(okm)));
	want[0] = 0x01;
	memcpy(want + 1, e.pub, K);
	ASSERT_EQ(0, e2e_seal(okm, okm + 32, ad, sizeof(ad), inner,
			      sizeof(inner), want + 1 + K));
	EXPECT_EQ(0, memcmp(want, got, sizeof(got)));
	/* And again: the same e, the same bytes. */
	ASSERT_EQ(0, seal_wrap(ik.pub, &e, inner, sizeof(inner), got));
	EXPECT_EQ(0, memcmp(want, got, sizeof(got)));
}

TEST(wrong_recipient_refused)
{
	uint8_t sealed[SEAL_OVERHEAD + 32], out[32], in[32];
	struct e2e_keypair ik, other;
	const char *why = NULL;
	int i;

	ASSERT_EQ(0, e2e_keypair_new(&ik));
	fill(in, sizeof(in), 1);
	ASSERT_EQ(0, seal_wrap(ik.pub, NULL, in, sizeof(in), sealed));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, e2e_keypair_new(&other));
		EXPECT_EQ(-EBADMSG, seal_open(&other, sealed, sizeof(sealed),
					      out, &why));
		ASSERT_NE(NULL, why);
		EXPECT_NE(NULL, strstr(why, "tag")) TH_LOG("%s", why);
		EXPECT_NE(0, memcmp(in, out, sizeof(in)));
	}
	/* The right private key with another public key: the salt and the
	 * associated data are not the ones sealed to.
	 */
	other = ik;
	other.pub[3] ^= 1;
	EXPECT_EQ(-EBADMSG, seal_open(&other, sealed, sizeof(sealed), out,
				      &why));
	EXPECT_EQ(0, seal_open(&ik, sealed, sizeof(sealed), out, &why));
}

/*
 * Every bit of every byte: the version byte is -EINVAL, the rest
 * -EBADMSG. That includes the top bit of E's last byte, which X25519
 * ignores (the DH result is the same): E is in the salt and the
 * associated data, so that E does not open either.
 */
TEST(every_bit_flipped_refused)
{
	uint8_t in[20], sealed[SEAL_OVERHEAD + 20], out[20];
	struct e2e_keypair ik;
	const char *why;
	size_t i;
	int bit;

	ASSERT_EQ(0, e2e_keypair_new(&ik));
	fill(in, sizeof(in), 5);
	ASSERT_EQ(0, seal_wrap(ik.pub, NULL, in, sizeof(in), sealed));
	for (i = 0; i < sizeof(sealed); i++) {
		for (bit = 0; bit < 8; bit++) {
			sealed[i] ^= 1 << bit;
			memset(out, 0xa5, sizeof(out));
			why = NULL;
			EXPECT_EQ(i ? -EBADMSG : -EINVAL,
				  seal_open(&ik, sealed, sizeof(sealed), out,
					    &why))
				TH_LOG("byte %zu bit %d", i, bit);
			EXPECT_NE(NULL, why);
			EXPECT_NE(0, memcmp(in, out, sizeof(in)));
			sealed[i] ^= 1 << bit;
		}
		/* All bits of the byte at once. */
		sealed[i] ^= 0xff;
		EXPECT_NE(0, seal_open(&ik, sealed, sizeof(sealed), out, NULL))
			TH_LOG("byte %zu", i);
		sealed[i] ^= 0xff;
	}
	ASSERT_EQ(0, seal_open(&ik, sealed, sizeof(sealed), out, &why));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
}

TEST(truncated_or_extended_refused)
{
	uint8_t in[10], sealed[SEAL_OVERHEAD + 10 + 1], out[11];
	struct e2e_keypair ik;
	const char *why;
	size_t n;

	ASSERT_EQ(0, e2e_keypair_new(&ik));
	fill(in, sizeof(in), 9);
	ASSERT_EQ(0, seal_wrap(ik.pub, NULL, in, sizeof(in), sealed));
	for (n = 0; n < SEAL_OVERHEAD + sizeof(in); n++) {
		why = NULL;
		EXPECT_EQ(n < SEAL_OVERHEAD ? -EINVAL : -EBADMSG,
			  seal_open(&ik, sealed, n, out, &why))
			TH_LOG("%zu bytes", n);
		ASSERT_NE(NULL, why);
		if (n < SEAL_OVERHEAD)
			EXPECT_NE(NULL, strstr(why, "shorter")) TH_LOG("%s", why);
	}
	/* One byte more: the tag is read from the wrong place. */
	sealed[SEAL_OVERHEAD + sizeof(in)] = 0;
	EXPECT_EQ(-EBADMSG, seal_open(&ik, sealed, sizeof(sealed), out, &why));
	/* And no pointer at all for nothing at all. */
	EXPECT_EQ(-EINVAL, seal_open(&ik, NULL, 0, out, &why));
}

TEST(bad_version_refused)
{
	static const uint8_t versions[] = { 0x00, 0x02, 0x7f, 0x80, 0xff };
	uint8_t sealed[SEAL_OVERHEAD + 4], out[4];
	struct e2e_keypair ik;
	const char *why;
	unsigned int i;

	ASSERT_EQ(0, e2e_keypair_new(&ik));
	ASSERT_EQ(0, seal_wrap(ik.pub, NULL, (const uint8_t *)"tern", 4,
			       sealed));
	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		sealed[0] = versions[i];
		why = NULL;
		EXPECT_EQ(-EINVAL, seal_open(&ik, sealed, sizeof(sealed), out,
					     &why)) TH_LOG("0x%02x", versions[i]);
		ASSERT_NE(NULL, why);
		EXPECT_NE(NULL, strstr(why, "version")) TH_LOG("%s", why);
	}
	/* Even at the bare minimum length, the version is looked at. */
	EXPECT_EQ(-EINVAL, seal_open(&ik, sealed, SEAL_OVERHEAD, out, &why));
	sealed[0] = SEAL_VERSION;
	EXPECT_EQ(0, seal_open(&ik, sealed, sizeof(sealed), out, &why));
}

TEST(zero_length_inner)
{
	uint8_t sealed[SEAL_OVERHEAD], out[1] = { 0x5a };
	struct e2e_keypair ik, other;
	const char *why = "unset";

	ASSERT_EQ(0, e2e_keypair_new(&ik));
	ASSERT_EQ(0, e2e_keypair_new(&other));
	ASSERT_EQ(0, seal_wrap(ik.pub, NULL, NULL, 0, sealed));
	EXPECT_EQ(0, seal_open(&ik, sealed, sizeof(sealed), out, &why))
		TH_LOG("%s", why);
	EXPECT_EQ(NULL, why);
	EXPECT_EQ(0x5a, out[0]);		/* nothing written */
	/* Still authenticated: the tag alone says who it is for. */
	EXPECT_EQ(-EBADMSG, seal_open(&other, sealed, sizeof(sealed), out,
				      &why));
	sealed[SEAL_OVERHEAD - 1] ^= 1;
	EXPECT_EQ(-EBADMSG, seal_open(&ik, sealed, sizeof(sealed), out, &why));
}

/*
 * An ephemeral key of low order: the DH result is all zero whatever the
 * recipient's key, so the opener refuses it before the tag (-EBADMSG:
 * the message does not open). Sealing to such a recipient key is -EINVAL.
 */
TEST(low_order_ephemeral_refused)
{
	uint8_t sealed[SEAL_OVERHEAD + 8], out[8], pt[8] = { 1, 2, 3 };
	struct e2e_keypair ik, e;
	const char *why;
	unsigned int i;

	ASSERT_EQ(0, e2e_keypair_new(&ik));
	ASSERT_EQ(0, e2e_keypair_new(&e));
	ASSERT_EQ(0, seal_wrap(ik.pub, NULL, pt, sizeof(pt), sealed));
	for (i = 0; i < ARRAY_SIZE(low_order); i++) {
		unhex(low_order[i], sealed + 1);
		why = NULL;
		EXPECT_EQ(-EBADMSG, seal_open(&ik, sealed, sizeof(sealed), out,
					      &why)) TH_LOG("point %u", i);
		ASSERT_NE(NULL, why);
		EXPECT_NE(NULL, strstr(why, "low order")) TH_LOG("%s", why);
		/* The recipient side: nothing can be sealed to it. */
		unhex(low_order[i], ik.pub);
		EXPECT_EQ(-EINVAL, seal_wrap(ik.pub, NULL, pt, sizeof(pt),
					     sealed)) TH_LOG("point %u", i);
		EXPECT_EQ(-EINVAL, seal_wrap(ik.pub, &e, pt, sizeof(pt),
					     sealed)) TH_LOG("point %u", i);
		ASSERT_EQ(0, e2e_keypair_new(&ik));
		ASSERT_EQ(0, seal_wrap(ik.pub, NULL, pt, sizeof(pt), sealed));
	}
}

/* A link box: the formula with 0x02 and "tern-link v1". */
TEST(link_box_formula)
{
	uint8_t inner[77], got[SEAL_OVERHEAD + 77], want[SEAL_OVERHEAD + 77];
	uint8_t salt[2 * K], ad[1 + 2 * K], dh[K], okm[44], out[77];
	struct e2e_keypair lk, e;
	const char *why = "unset";

	ASSERT_EQ(0, e2e_keypair_new(&lk));
	ASSERT_EQ(0, e2e_keypair_new(&e));
	fill(inner, sizeof(inner), 5);
	ASSERT_EQ(0, seal_link_wrap(lk.pub, &e, inner, sizeof(inner), got));

	memcpy(salt, e.pub, K);
	memcpy(salt + K, lk.pub, K);
	ad[0] = 0x02;
	memcpy(ad + 1, salt, 2 * K);
	ASSERT_EQ(0, e2e_dh(e.priv, lk.pub, dh));
	ASSERT_EQ(0, e2e_hkdf(salt, sizeof(salt), dh, K, "tern-link v1",
			      okm, sizeof(okm)));
	want[0] = 0x02;
	memcpy(want + 1, e.pub, K);
	ASSERT_EQ(0, e2e_seal(okm, okm + 32, ad, sizeof(ad), inner,
			      sizeof(inner), want + 1 + K));
	EXPECT_EQ(0, memcmp(want, got, sizeof(got)));
	ASSERT_EQ(0, seal_link_open(&lk, got, sizeof(got), out, &why))
		TH_LOG("%s", why);
	EXPECT_EQ(0, memcmp(inner, out, sizeof(out)));
}

/* A sealed message is no link box, and a link box no sealed message,
 * even with the version byte changed to the other's: the AD and the
 * HKDF info differ too.
 */
TEST(kinds_never_cross)
{
	uint8_t box[SEAL_OVERHEAD + 9], out[9];
	struct e2e_keypair k;
	const char *why = NULL;

	ASSERT_EQ(0, e2e_keypair_new(&k));
	ASSERT_EQ(0, seal_wrap(k.pub, NULL, (const uint8_t *)"123456789", 9,
			       box));
	EXPECT_EQ(-EINVAL, seal_link_open(&k, box, sizeof(box), out, &why));
	EXPECT_STREQ("version: not 2 (a link box)", why);
	box[0] = SEAL_LINK_VERSION;
	EXPECT_EQ(-EBADMSG, seal_link_open(&k, box, sizeof(box), out, &why));

	ASSERT_EQ(0, seal_link_wrap(k.pub, NULL, (const uint8_t *)"123456789",
				    9, box));
	EXPECT_EQ(SEAL_LINK_VERSION, box[0]);
	EXPECT_EQ(-EINVAL, seal_open(&k, box, sizeof(box), out, &why));
	EXPECT_STREQ("version: not 1", why);
	box[0] = SEAL_VERSION;
	EXPECT_EQ(-EBADMSG, seal_open(&k, box, sizeof(box), out, &why));
}

TEST_HARNESS_MAIN
