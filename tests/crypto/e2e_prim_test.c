// SPDX-License-Identifier: GPL-2.0
/*
 * libterne2e's primitives (daemon/e2e/e2e.h, Documentation/e2e.rst,
 * "Primitives") against published known answers: X25519 (RFC 7748
 * sections 5.2 and 6.1), the all-zero DH result of low-order public keys
 * refused, HKDF-SHA-256 (RFC 5869 A.1-A.3), HMAC-SHA-256 (RFC 4231) and
 * AES-256-GCM (McGrew and Viega's test cases 13-16, the 256-bit-key ones
 * of "The Galois/Counter Mode of Operation"), and e2e_open() refusing a
 * single flipped bit of the ciphertext, tag, associated data, nonce or
 * key.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "e2e.h"

#define K	E2E_KEY_LEN

/* @hex (even length, no separators) into @out; returns the byte count. */
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

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	while (len--)
		acc |= *p++;
	return !acc;
}

/* RFC 7748 section 5.2: X25519(scalar, u) for two arbitrary inputs. The
 * second u has its top bit set, which X25519 must ignore.
 */
static const struct {
	const char *scalar, *u, *out;
} x25519_vec[] = {
	{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
	{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
};

/*
 * Public keys whose X25519 result is all zero for every private key: the
 * points of small order (0, 1, the two of order 8, p - 1 of order 2) and
 * the non-canonical encodings p and p + 1 of 0 and 1. Each was checked at
 * authoring time with Python's cryptography (OpenSSL), which refuses
 * them all.
 */
static const char *const low_order[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

TEST(x25519_rfc7748_vectors)
{
	uint8_t scalar[K], u[K], want[K], out[K];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(x25519_vec); i++) {
		unhex(x25519_vec[i].scalar, scalar);
		unhex(x25519_vec[i].u, u);
		unhex(x25519_vec[i].out, want);
		memset(out, 0xee, K);
		ASSERT_EQ(0, e2e_dh(scalar, u, out)) TH_LOG("vector %u", i);
		EXPECT_EQ(0, memcmp(want, out, K)) TH_LOG("vector %u", i);
	}
}

/* RFC 7748 section 5.2: k = u = 9, then k, u = X25519(k, u), k. */
TEST(x25519_rfc7748_iterated)
{
	uint8_t k[K] = { 9 }, u[K] = { 9 }, r[K], want1[K], want1000[K];
	unsigned int i;

	unhex("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
	      want1);
	unhex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51",
	      want1000);
	for (i = 1; i <= 1000; i++) {
		ASSERT_EQ(0, e2e_dh(k, u, r)) TH_LOG("iteration %u", i);
		memcpy(u, k, K);
		memcpy(k, r, K);
		if (i == 1)
			EXPECT_EQ(0, memcmp(want1, k, K));
	}
	EXPECT_EQ(0, memcmp(want1000, k, K));
}

/* RFC 7748 section 6.1: Alice's and Bob's public keys and shared secret. */
TEST(x25519_rfc7748_dh)
{
	uint8_t a[K], b[K], pa[K], pb[K], shared[K], out[K];
	struct e2e_keypair ka, kb;

	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	      a);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	      pa);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	      b);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	      pb);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
	      shared);

	ASSERT_EQ(0, e2e_keypair_from(a, &ka));
	ASSERT_EQ(0, e2e_keypair_from(b, &kb));
	EXPECT_EQ(0, memcmp(pa, ka.pub, K));
	EXPECT_EQ(0, memcmp(pb, kb.pub, K));

	ASSERT_EQ(0, e2e_dh(a, pb, out));
	EXPECT_EQ(0, memcmp(shared, out, K));
	ASSERT_EQ(0, e2e_dh(b, pa, out));
	EXPECT_EQ(0, memcmp(shared, out, K));
	ASSERT_EQ(0, e2e_dh(ka.priv, kb.pub, out));
	EXPECT_EQ(0, memcmp(shared, out, K));
}

TEST(x25519_low_order_refused)
{
	uint8_t a[K], pub[K], out[K];
	struct e2e_keypair kp;
	unsigned int i, j;

	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	      a);
	ASSERT_EQ(0, e2e_keypair_new(&kp));
	for (i = 0; i < ARRAY_SIZE(low_order); i++) {
		unhex(low_order[i], pub);
		EXPECT_EQ(-EINVAL, e2e_dh(a, pub, out)) TH_LOG("point %u", i);
		EXPECT_EQ(-EINVAL, e2e_dh(kp.priv, pub, out))
			TH_LOG("point %u", i);
	}
	/* Other private keys, all refused too: the result does not depend
	 * on them.
	 */
	for (j = 0; j < 8; j++) {
		ASSERT_EQ(0, e2e_keypair_new(&kp));
		for (i = 0; i < ARRAY_SIZE(low_order); i++) {
			unhex(low_order[i], pub);
			EXPECT_EQ(-EINVAL, e2e_dh(kp.priv, pub, out))
				TH_LOG("point %u", i);
		}
	}
}

TEST(x25519_new_keypairs)
{
	struct e2e_keypair a, b, again;
	uint8_t ab[K], ba[K];
	unsigned int i;

	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, e2e_keypair_new(&a));
		ASSERT_EQ(0, e2e_keypair_new(&b));
		EXPECT_NE(0, memcmp(a.priv, b.priv, K));
		EXPECT_NE(0, memcmp(a.pub, b.pub, K));
		EXPECT_FALSE(all_zero(a.priv, K));
		ASSERT_EQ(0, e2e_keypair_from(a.priv, &again));
		EXPECT_EQ(0, memcmp(a.pub, again.pub, K));
		ASSERT_EQ(0, e2e_dh(a.priv, b.pub, ab));
		ASSERT_EQ(0, e2e_dh(b.priv, a.pub, ba));
		EXPECT_EQ(0, memcmp(ab, ba, K));
		EXPECT_FALSE(all_zero(ab, K));
	}
}

/* RFC 5869 appendix A, test cases 1-3 (SHA-256). */
TEST(hkdf_rfc5869)
{
	uint8_t ikm[80], salt[80], okm[82], want[82], zero[K] = { 0 };
	char info[81];
	size_t n, i;

	/* A.1 */
	memset(ikm, 0x0b, 22);
	unhex("000102030405060708090a0b0c", salt);
	unhex("f0f1f2f3f4f5f6f7f8f9", (uint8_t *)info);
	info[10] = '\0';
	n = unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4"
		  "c5bf34007208d5b887185865", want);
	ASSERT_EQ(42, n);
	ASSERT_EQ(0, e2e_hkdf(salt, 13, ikm, 22, info, okm, 42));
	EXPECT_EQ(0, memcmp(want, okm, 42));

	/* A.2: longer inputs and output */
	for (i = 0; i < 80; i++) {
		ikm[i] = i;
		salt[i] = 0x60 + i;
		info[i] = (char)(0xb0 + i);
	}
	info[80] = '\0';
	n = unhex("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19af"
		  "a97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793"
		  "a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87", want);
	ASSERT_EQ(82, n);
	ASSERT_EQ(0, e2e_hkdf(salt, 80, ikm, 80, info, okm, 82));
	EXPECT_EQ(0, memcmp(want, okm, 82));
	/* A shorter output is a prefix: the lengths e2e.rst uses. */
	for (i = 1; i <= 82; i += (i < 32 ? 31 : i < 44 ? 12 : 20)) {
		memset(okm, 0, sizeof(okm));
		ASSERT_EQ(0, e2e_hkdf(salt, 80, ikm, 80, info, okm, i));
		EXPECT_EQ(0, memcmp(want, okm, i)) TH_LOG("L = %zu", i);
	}

	/* A.3: empty salt and info */
	memset(ikm, 0x0b, 22);
	n = unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c73"
		  "8d2d9d201395faa4b61a96c8", want);
	ASSERT_EQ(42, n);
	ASSERT_EQ(0, e2e_hkdf(salt, 0, ikm, 22, "", okm, 42));
	EXPECT_EQ(0, memcmp(want, okm, 42));
	/* RFC 5869: no salt is HashLen zero bytes, e2e.rst's salt. */
	memset(okm, 0, sizeof(okm));
	ASSERT_EQ(0, e2e_hkdf(zero, K, ikm, 22, "", okm, 42));
	EXPECT_EQ(0, memcmp(want, okm, 42));
}

/*
 * RFC 4231 test cases 1-5. e2e_hmac() takes 32-byte keys only; these
 * cases' keys are 4 to 25 bytes, and HMAC pads a key shorter than the
 * hash's 64-byte block with zeros (RFC 2104 section 2), so each is the
 * same key as itself zero-padded to 32 bytes. Cases 6 and 7 (131-byte
 * keys, hashed first) cannot be expressed.
 */
static const struct {
	const char *key, *want;
	const char *data;
	size_t datalen, wantlen;
} hmac_vec[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	  "Hi There", 8, 32 },
	{ "4a656665",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	  "what do ya want for nothing?", 28, 32 },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	  NULL /* 50 x 0xdd */, 50, 32 },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	  NULL /* 50 x 0xcd */, 50, 32 },
	/* Case 5: the output truncated to 128 bits. */
	{ "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
	  "a3b6167473100ee06e0c796c2955552b",
	  "Test With Truncation", 20, 16 },
};

TEST(hmac_rfc4231)
{
	uint8_t key[K], data[50], out[32], want[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hmac_vec); i++) {
		memset(key, 0, K);
		unhex(hmac_vec[i].key, key);
		if (hmac_vec[i].data)
			memcpy(data, hmac_vec[i].data, hmac_vec[i].datalen);
		else
			memset(data, i == 2 ? 0xdd : 0xcd, 50);
		ASSERT_EQ(hmac_vec[i].wantlen, unhex(hmac_vec[i].want, want));
		ASSERT_EQ(0, e2e_hmac(key, data, hmac_vec[i].datalen, out))
			TH_LOG("case %u", i + 1);
		EXPECT_EQ(0, memcmp(want, out, hmac_vec[i].wantlen))
			TH_LOG("case %u", i + 1);
	}
}

/*
 * A full 32-byte key, and the one-byte inputs of e2e.rst's KDF_CK. The
 * expected values were computed at authoring time with OpenSSL 3.0.19,
 *   printf '\x01' | openssl dgst -sha256 -mac HMAC \
 *	-macopt hexkey:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
 * (and '\x02', '', 'tern-hmac-32-byte-key'), and agree with Python's hmac.
 */
TEST(hmac_32_byte_key)
{
	static const struct {
		const char *data;
		size_t len;
		const char *want;
	} vec[] = {
		{ "\x01", 1,
	  "797f21ad97515c3ed5cb1f8e6ec28cd83627aa8dc4ced0717120abbb03397159" },
		{ "\x02", 1,
	  "193070746b7983cf7a579a6d82328168da7241f7c96bf450b6c90b9a137bec31" },
		{ "", 0,
	  "f49240b78aa90e53f46106c3481e377e19696e777328b1cd6ec6061a0bd868a9" },
		{ "tern-hmac-32-byte-key", 21,
	  "6d7bccea5ffcf81efe7a17ebd735fe0587332f6b9e0540f13f30ff29388dcc89" },
	};
	uint8_t key[K], out[32], want[32];
	unsigned int i;

	for (i = 0; i < K; i++)
		key[i] = 0x20 + i;
	for (i = 0; i < ARRAY_SIZE(vec); i++) {
		unhex(vec[i].want, want);
		ASSERT_EQ(0, e2e_hmac(key, (const uint8_t *)vec[i].data,
				      vec[i].len, out)) TH_LOG("input %u", i);
		EXPECT_EQ(0, memcmp(want, out, 32)) TH_LOG("input %u", i);
	}
}

/*
 * McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", test
 * cases 13-16: AES-256, 96-bit IV; 16 has associated data.
 */
#define GCM_K15	"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
#define GCM_IV15 "cafebabefacedbaddecaf888"
#define GCM_P15	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
		"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
#define GCM_C15	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" \
		"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"

static const struct {
	const char *key, *iv, *pt, *aad, *ct, *tag;
	size_t ptlen;	/* a prefix of pt */
} gcm_vec[] = {
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "", "",
	  "530f8afbc74536b9a963b4f1c4cb738b", 0 },
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "00000000000000000000000000000000", "",
	  "cea7403d4d606b6e074ec5d3baf39d18",
	  "d0d1c8a799996bf0265b98b5d48ab919", 16 },
	{ GCM_K15, GCM_IV15, GCM_P15, "", GCM_C15,
	  "b094dac5d93471bdec1a502270e3cc6c", 64 },
	{ GCM_K15, GCM_IV15, GCM_P15, "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  GCM_C15, "76fc6ece0f4e1768cddf8853bb2d551b", 60 },
};

struct gcm {
	uint8_t key[32], iv[12], pt[64], aad[20], ct[64 + 16], out[64 + 16 + 1];
	size_t ptlen, aadlen;
};

static void gcm_load(unsigned int i, struct gcm *g)
{
	memset(g, 0, sizeof(*g));
	unhex(gcm_vec[i].key, g->key);
	unhex(gcm_vec[i].iv, g->iv);
	unhex(gcm_vec[i].pt, g->pt);
	g->aadlen = unhex(gcm_vec[i].aad, g->aad);
	unhex(gcm_vec[i].ct, g->ct);
	g->ptlen = gcm_vec[i].ptlen;
	unhex(gcm_vec[i].tag, g->ct + g->ptlen);
}

TEST(aes256_gcm_vectors)
{
	struct gcm g;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gcm_vec); i++) {
		gcm_load(i, &g);
		memset(g.out, 0xee, sizeof(g.out));
		ASSERT_EQ(0, e2e_seal(g.key, g.iv, g.aad, g.aadlen, g.pt,
				      g.ptlen, g.out)) TH_LOG("case %u", 13 + i);
		EXPECT_EQ(0, memcmp(g.ct, g.out, g.ptlen + 16))
			TH_LOG("case %u", 13 + i);
		/* Nothing written past ciphertext and tag. */
		EXPECT_EQ(0xee, g.out[g.ptlen + 16]) TH_LOG("wrote past the tag");

		memset(g.out, 0xee, sizeof(g.out));
		ASSERT_EQ(0, e2e_open(g.key, g.iv, g.aad, g.aadlen, g.ct,
				      g.ptlen + 16, g.out))
			TH_LOG("case %u", 13 + i);
		EXPECT_EQ(0, memcmp(g.pt, g.out, g.ptlen))
			TH_LOG("case %u", 13 + i);
		EXPECT_EQ(0xee, g.out[g.ptlen]) TH_LOG("wrote past the plaintext");
	}
}

/* The same vectors, each with a single bit flipped anywhere. */
TEST(aes256_gcm_open_refuses_any_flipped_bit)
{
	struct gcm g;
	unsigned int i;
	size_t bit;

	for (i = 0; i < ARRAY_SIZE(gcm_vec); i++) {
		gcm_load(i, &g);
		for (bit = 0; bit < (g.ptlen + 16) * 8; bit++) {
			g.ct[bit / 8] ^= 1 << (bit % 8);
			EXPECT_EQ(-EBADMSG, e2e_open(g.key, g.iv, g.aad,
						     g.aadlen, g.ct,
						     g.ptlen + 16, g.out))
				TH_LOG("case %u, ciphertext||tag bit %zu",
				       13 + i, bit);
			g.ct[bit / 8] ^= 1 << (bit % 8);
		}
		for (bit = 0; bit < g.aadlen * 8; bit++) {
			g.aad[bit / 8] ^= 1 << (bit % 8);
			EXPECT_EQ(-EBADMSG, e2e_open(g.key, g.iv, g.aad,
						     g.aadlen, g.ct,
						     g.ptlen + 16, g.out))
				TH_LOG("case %u, associated data bit %zu",
				       13 + i, bit);
			g.aad[bit / 8] ^= 1 << (bit % 8);
		}
		for (bit = 0; bit < sizeof(g.iv) * 8; bit++) {
			g.iv[bit / 8] ^= 1 << (bit % 8);
			EXPECT_EQ(-EBADMSG, e2e_open(g.key, g.iv, g.aad,
						     g.aadlen, g.ct,
						     g.ptlen + 16, g.out))
				TH_LOG("case %u, nonce bit %zu", 13 + i, bit);
			g.iv[bit / 8] ^= 1 << (bit % 8);
		}
		for (bit = 0; bit < sizeof(g.key) * 8; bit++) {
			g.key[bit / 8] ^= 1 << (bit % 8);
			EXPECT_EQ(-EBADMSG, e2e_open(g.key, g.iv, g.aad,
						     g.aadlen, g.ct,
						     g.ptlen + 16, g.out))
				TH_LOG("case %u, key bit %zu", 13 + i, bit);
			g.key[bit / 8] ^= 1 << (bit % 8);
		}
		/* Associated data added or taken away. */
		EXPECT_EQ(-EBADMSG, e2e_open(g.key, g.iv, g.aad,
					     g.aadlen ? g.aadlen - 1 : 1,
					     g.ct, g.ptlen + 16, g.out))
			TH_LOG("case %u, associated data length", 13 + i);
		/* And the genuine one still opens. */
		ASSERT_EQ(0, e2e_open(g.key, g.iv, g.aad, g.aadlen, g.ct,
				      g.ptlen + 16, g.out));
		EXPECT_EQ(0, memcmp(g.pt, g.out, g.ptlen));
	}
}

/*
 * Shortened: a tag cut short, or the ciphertext's end cut off, never
 * opens. Under 16 bytes there is no tag at all: e2e.h does not say which
 * error that is, so -EINVAL (a bad argument) and -EBADMSG are both taken.
 */
TEST(aes256_gcm_open_truncated)
{
	uint8_t *in, out[80];
	struct gcm g;
	size_t len;
	int ret;

	gcm_load(3, &g);
	for (len = 0; len < g.ptlen + 16; len++) {
		/* Exactly @len bytes: ASan sees a read past them. */
		in = malloc(len ? len : 1);
		ASSERT_NE(NULL, in);
		memcpy(in, g.ct, len);
		ret = e2e_open(g.key, g.iv, g.aad, g.aadlen, in, len, out);
		free(in);
		if (len < 16) {
			EXPECT_TRUE(ret == -EINVAL || ret == -EBADMSG)
				TH_LOG("%zu bytes: %d", len, ret);
		} else {
			EXPECT_EQ(-EBADMSG, ret) TH_LOG("%zu bytes", len);
		}
	}
}

TEST(wipe)
{
	uint8_t buf[100];

	memset(buf, 0xa5, sizeof(buf));
	e2e_wipe(buf + 10, 80);
	EXPECT_TRUE(all_zero(buf + 10, 80));
	EXPECT_EQ(0xa5, buf[9]);
	EXPECT_EQ(0xa5, buf[90]);
	e2e_wipe(buf, 0);
	EXPECT_EQ(0xa5, buf[0]);
}

TEST_HARNESS_MAIN
