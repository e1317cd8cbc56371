// SPDX-License-Identifier: GPL-2.0
/*
 * The key agreement (daemon/e2e/x3dh.h, Documentation/e2e.rst, "The key
 * agreement"): both sides derive the same SK and AD; SK is the spec's
 * HKDF over the four DHs (checked against OpenSSL directly, and against a
 * known answer from an independent implementation); AD is "tern-ad v1"
 * || IK_A || IK_B; each key that goes in changes SK; a low-order public
 * key is refused on either side.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "kselftest_harness.h"
#include "e2e.h"
#include "x3dh.h"

#define K	E2E_KEY_LEN

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2, i;
	unsigned int b;

	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			abort();
		out[i] = b;
	}
	return n;
}

/* Low-order public keys (e2e_prim_test.c says where they come from). */
static const char *const low_order[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

/* X25519 straight from OpenSSL, not through libterne2e. */
static int ref_dh(const uint8_t priv[K], const uint8_t pub[K], uint8_t out[K])
{
	EVP_PKEY *a = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL,
						   priv, K);
	EVP_PKEY *b = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL,
						  pub, K);
	EVP_PKEY_CTX *ctx = a ? EVP_PKEY_CTX_new(a, NULL) : NULL;
	size_t len = K;
	int ok;

	ok = ctx && b && EVP_PKEY_derive_init(ctx) > 0 &&
	     EVP_PKEY_derive_set_peer(ctx, b) > 0 &&
	     EVP_PKEY_derive(ctx, out, &len) > 0 && len == K;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	return ok ? 0 : -1;
}

static int ref_hkdf(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
		    size_t ikmlen, const char *info, uint8_t *out,
		    size_t outlen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	int ok;

	ok = ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	     EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
	     EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, saltlen) > 0 &&
	     EVP_PKEY_CTX_set1_hkdf_key(ctx, ikm, ikmlen) > 0 &&
	     EVP_PKEY_CTX_add1_hkdf_info(ctx, (const uint8_t *)info,
					 strlen(info)) > 0 &&
	     EVP_PKEY_derive(ctx, out, &outlen) > 0;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

struct keys {
	struct e2e_keypair ik_a, ek_a, ik_b, spk_b, opk_b;
};

static void new_keys(struct __test_metadata *_metadata, struct keys *k)
{
	ASSERT_EQ(0, e2e_keypair_new(&k->ik_a));
	ASSERT_EQ(0, e2e_keypair_new(&k->ek_a));
	ASSERT_EQ(0, e2e_keypair_new(&k->ik_b));
	ASSERT_EQ(0, e2e_keypair_new(&k->spk_b));
	ASSERT_EQ(0, e2e_keypair_new(&k->opk_b));
}

/* SK by e2e.rst, with OpenSSL. */
static void ref_sk(struct __test_metadata *_metadata, const struct keys *k,
		   uint8_t sk[K])
{
	uint8_t ikm[5 * K], zero[K] = { 0 };

	memset(ikm, 0xff, K);
	ASSERT_EQ(0, ref_dh(k->ik_a.priv, k->spk_b.pub, ikm + K));
	ASSERT_EQ(0, ref_dh(k->ek_a.priv, k->ik_b.pub, ikm + 2 * K));
	ASSERT_EQ(0, ref_dh(k->ek_a.priv, k->spk_b.pub, ikm + 3 * K));
	ASSERT_EQ(0, ref_dh(k->ek_a.priv, k->opk_b.pub, ikm + 4 * K));
	ASSERT_EQ(0, ref_hkdf(zero, K, ikm, sizeof(ikm), "tern-x3dh v1", sk,
			      K));
}

static void ad_of(const uint8_t ik_a[K], const uint8_t ik_b[K],
		  uint8_t ad[X3DH_AD_LEN])
{
	memcpy(ad, "tern-ad v1", 10);
	memcpy(ad + 10, ik_a, K);
	memcpy(ad + 10 + K, ik_b, K);
}

static int initiate(const struct keys *k, uint8_t sk[K],
		    uint8_t ad[X3DH_AD_LEN])
{
	return x3dh_initiate(&k->ik_a, &k->ek_a, k->ik_b.pub, k->spk_b.pub,
			     k->opk_b.pub, sk, ad);
}

static int respond(const struct keys *k, uint8_t sk[K],
		   uint8_t ad[X3DH_AD_LEN])
{
	return x3dh_respond(&k->ik_b, &k->spk_b, &k->opk_b, k->ik_a.pub,
			    k->ek_a.pub, sk, ad);
}

TEST(sizes)
{
	EXPECT_EQ(74, X3DH_AD_LEN);
	EXPECT_EQ(10, strlen(X3DH_AD_LABEL));
	EXPECT_EQ(0, strcmp("tern-ad v1", X3DH_AD_LABEL));
}

TEST(both_sides_agree)
{
	uint8_t ska[K], skb[K], skr[K], ada[X3DH_AD_LEN], adb[X3DH_AD_LEN];
	uint8_t want[X3DH_AD_LEN], prev[K] = { 0 };
	struct keys k;
	unsigned int i;

	for (i = 0; i < 32; i++) {
		new_keys(_metadata, &k);
		memset(ska, 0x11, K);
		memset(skb, 0x22, K);
		ASSERT_EQ(0, initiate(&k, ska, ada));
		ASSERT_EQ(0, respond(&k, skb, adb));
		EXPECT_EQ(0, memcmp(ska, skb, K)) TH_LOG("session %u", i);
		EXPECT_EQ(0, memcmp(ada, adb, X3DH_AD_LEN));
		/* The spec's derivation, computed with OpenSSL directly. */
		ref_sk(_metadata, &k, skr);
		EXPECT_EQ(0, memcmp(skr, ska, K)) TH_LOG("session %u", i);
		/* AD = "tern-ad v1" || IK_A || IK_B */
		ad_of(k.ik_a.pub, k.ik_b.pub, want);
		EXPECT_EQ(0, memcmp(want, ada, X3DH_AD_LEN));
		EXPECT_NE(0, memcmp(prev, ska, K));
		memcpy(prev, ska, K);
	}
}

/*
 * Fixed keys: private key i is the 32 bytes b, b + 1, ... for b = 0x10
 * (IK_A), 0x30 (EK_A), 0x50 (IK_B), 0x70 (SPK_B), 0x90 (OPK_B). SK and
 * the public keys were computed at authoring time from e2e.rst's
 * formulas with Python's cryptography (X25519PrivateKey, HKDF), not with
 * libterne2e.
 */
TEST(known_answer)
{
	static const char *const pub_hex[5] = {
	"d89e3bad79437dbed9f843418304f460ff05c7fe81fe4a9577a804cb9367ff66",
	"34e42d4af5ef94a07a3a84201b889d4cd1a743cb27b11b6a10438a8feb8e5847",
	"392d174a38b3b1beafaf1fe824870841c5fa531bc6eafdb6402c124664488c1c",
	"23b7bb8c91ae008711fb12846780bcdf1e065f821bdfec49f57e7c7dcd4c4823",
	"9fd7ad6dcff4298dd3f96d5b1b2af910a0535b1488d7f8fabb349a982880b615",
	};
	static const uint8_t base[5] = { 0x10, 0x30, 0x50, 0x70, 0x90 };
	struct e2e_keypair *kp[5];
	uint8_t priv[K], pub[K], want[K], sk[K], ad[X3DH_AD_LEN];
	uint8_t wantad[X3DH_AD_LEN];
	struct keys k;
	unsigned int i, j;

	kp[0] = &k.ik_a;
	kp[1] = &k.ek_a;
	kp[2] = &k.ik_b;
	kp[3] = &k.spk_b;
	kp[4] = &k.opk_b;
	for (i = 0; i < 5; i++) {
		for (j = 0; j < K; j++)
			priv[j] = base[i] + j;
		ASSERT_EQ(0, e2e_keypair_from(priv, kp[i]));
		unhex(pub_hex[i], pub);
		EXPECT_EQ(0, memcmp(pub, kp[i]->pub, K)) TH_LOG("key %u", i);
	}
	unhex("803add9ef6d37006acbf3f8998a89d54a6389d8ee6fcd5bde834cf2a61ec1ea7",
	      want);
	unhex("7465726e2d6164207631"
	      "d89e3bad79437dbed9f843418304f460ff05c7fe81fe4a9577a804cb9367ff66"
	      "392d174a38b3b1beafaf1fe824870841c5fa531bc6eafdb6402c124664488c1c",
	      wantad);

	ASSERT_EQ(0, initiate(&k, sk, ad));
	EXPECT_EQ(0, memcmp(want, sk, K));
	EXPECT_EQ(0, memcmp(wantad, ad, X3DH_AD_LEN));
	ASSERT_EQ(0, respond(&k, sk, ad));
	EXPECT_EQ(0, memcmp(want, sk, K));
	EXPECT_EQ(0, memcmp(wantad, ad, X3DH_AD_LEN));
}

/*
 * One side with a different key than the other has: SK differs, and AD
 * differs exactly when an identity key does.
 */
TEST(each_key_matters)
{
	uint8_t ska[K], skb[K], ada[X3DH_AD_LEN], adb[X3DH_AD_LEN];
	struct e2e_keypair other;
	struct keys k, k2;
	unsigned int which, side;

	for (which = 0; which < 5; which++) {
		for (side = 0; side < 2; side++) {
			new_keys(_metadata, &k);
			ASSERT_EQ(0, e2e_keypair_new(&other));
			k2 = k;
			switch (which) {
			case 0:
				k2.ik_a = other;
				break;
			case 1:
				k2.ek_a = other;
				break;
			case 2:
				k2.ik_b = other;
				break;
			case 3:
				k2.spk_b = other;
				break;
			default:
				k2.opk_b = other;
				break;
			}
			/* side 0: Alice has the other key; 1: Bob has it. */
			ASSERT_EQ(0, initiate(side ? &k : &k2, ska, ada));
			ASSERT_EQ(0, respond(side ? &k2 : &k, skb, adb));
			EXPECT_NE(0, memcmp(ska, skb, K))
				TH_LOG("key %u differs on side %u: same SK",
				       which, side);
			if (which == 0 || which == 2) {
				EXPECT_NE(0, memcmp(ada, adb, X3DH_AD_LEN))
					TH_LOG("identity key %u", which);
			} else {
				EXPECT_EQ(0, memcmp(ada, adb, X3DH_AD_LEN))
					TH_LOG("key %u", which);
			}
		}
	}
}

/* The last-resort prekey in the OPK's place works the same way; and the
 * SPK used twice (as SPK and as OPK) still agrees but is another SK.
 */
TEST(last_resort_and_reuse)
{
	uint8_t ska[K], skb[K], sk1[K], ada[X3DH_AD_LEN], adb[X3DH_AD_LEN];
	struct keys k, k2;

	new_keys(_metadata, &k);
	ASSERT_EQ(0, initiate(&k, sk1, ada));
	/* A second initiator session with the same last-resort key and a
	 * fresh EK: another SK.
	 */
	k2 = k;
	ASSERT_EQ(0, e2e_keypair_new(&k2.ek_a));
	ASSERT_EQ(0, initiate(&k2, ska, ada));
	ASSERT_EQ(0, respond(&k2, skb, adb));
	EXPECT_EQ(0, memcmp(ska, skb, K));
	EXPECT_NE(0, memcmp(sk1, ska, K));

	k2 = k;
	k2.opk_b = k2.spk_b;
	ASSERT_EQ(0, initiate(&k2, ska, ada));
	ASSERT_EQ(0, respond(&k2, skb, adb));
	EXPECT_EQ(0, memcmp(ska, skb, K));
	EXPECT_NE(0, memcmp(sk1, ska, K));
}

/* Swapping IK_A and EK_A on the responder's side, or the two roles, does
 * not give the same session.
 */
TEST(roles_not_interchangeable)
{
	uint8_t ska[K], skb[K], ada[X3DH_AD_LEN], adb[X3DH_AD_LEN];
	struct keys k;

	new_keys(_metadata, &k);
	ASSERT_EQ(0, initiate(&k, ska, ada));
	ASSERT_EQ(0, x3dh_respond(&k.ik_b, &k.spk_b, &k.opk_b, k.ek_a.pub,
				  k.ik_a.pub, skb, adb));
	EXPECT_NE(0, memcmp(ska, skb, K));
	EXPECT_NE(0, memcmp(ada, adb, X3DH_AD_LEN));

	/* Bob initiating to Alice's keys (her IK as IK_B). */
	ASSERT_EQ(0, x3dh_initiate(&k.ik_b, &k.ek_a, k.ik_a.pub, k.spk_b.pub,
				   k.opk_b.pub, skb, adb));
	EXPECT_NE(0, memcmp(ska, skb, K));
	EXPECT_NE(0, memcmp(ada, adb, X3DH_AD_LEN));
}

/* A low-order public key from the other side is refused, wherever. */
TEST(low_order_refused)
{
	uint8_t sk[K], ad[X3DH_AD_LEN], bad[K];
	struct keys k;
	unsigned int i;

	new_keys(_metadata, &k);
	for (i = 0; i < ARRAY_SIZE(low_order); i++) {
		unhex(low_order[i], bad);
		EXPECT_EQ(-EINVAL, x3dh_initiate(&k.ik_a, &k.ek_a, bad,
						 k.spk_b.pub, k.opk_b.pub,
						 sk, ad))
			TH_LOG("IK_B = point %u", i);
		EXPECT_EQ(-EINVAL, x3dh_initiate(&k.ik_a, &k.ek_a, k.ik_b.pub,
						 bad, k.opk_b.pub, sk, ad))
			TH_LOG("SPK_B = point %u", i);
		EXPECT_EQ(-EINVAL, x3dh_initiate(&k.ik_a, &k.ek_a, k.ik_b.pub,
						 k.spk_b.pub, bad, sk, ad))
			TH_LOG("OPK_B = point %u", i);
		EXPECT_EQ(-EINVAL, x3dh_respond(&k.ik_b, &k.spk_b, &k.opk_b,
						bad, k.ek_a.pub, sk, ad))
			TH_LOG("IK_A = point %u", i);
		EXPECT_EQ(-EINVAL, x3dh_respond(&k.ik_b, &k.spk_b, &k.opk_b,
						k.ik_a.pub, bad, sk, ad))
			TH_LOG("EK_A = point %u", i);
	}
	/* The good keys still agree. */
	ASSERT_EQ(0, initiate(&k, sk, ad));
}

TEST_HARNESS_MAIN
