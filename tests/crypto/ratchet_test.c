// SPDX-License-Identifier: GPL-2.0
/*
 * The Double Ratchet (daemon/e2e/ratchet.h, Documentation/e2e.rst, "The
 * ratchet"), as properties of sessions started with the key agreement:
 *
 *  - the derivations and the message's layout, recomputed from the
 *    primitives (which e2e_prim_test checks against known answers);
 *  - round trips both ways over hundreds of DH ratchet steps; Bob cannot
 *    send first; a thousand messages one way;
 *  - loss, reordering within a chain and across DH steps (seeded, so a
 *    failure replays), replays, every single-bit forgery, truncation, the
 *    wrong associated data, another session's messages, too far ahead,
 *    the bound on skipped keys: each refused with the error e2e.rst names,
 *    leaving the state exactly as it was and making no ratchet key;
 *  - forward secrecy (a state captured now opens nothing it opened
 *    before) and post-compromise security (a copied state is lost after
 *    one round trip with fresh keys);
 *  - the keygen hook, and ratchet_free() wiping.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "e2e.h"
#include "ratchet.h"
#include "x3dh.h"

#define K		E2E_KEY_LEN
#define HDR		RATCHET_HEADER_LEN
#define OVH		RATCHET_OVERHEAD
#define ADL		X3DH_AD_LEN
#define MAXPT		64

/* splitmix64: deterministic, so a failing order can be replayed. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int rnd_below(uint64_t *s, unsigned int n)
{
	return rnd(s) % n;
}

static void shuffle(uint64_t *s, unsigned int *v, unsigned int n)
{
	unsigned int i, j, t;

	for (i = n; i > 1; i--) {
		j = rnd_below(s, i);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t acc = 0;

	while (len--)
		acc |= *b++;
	return !acc;
}

/* A session: Alice's and Bob's ratchets after a real key agreement. */
struct sess {
	struct ratchet a, b;
	uint8_t ad[ADL], sk[K];
	struct e2e_keypair spk_b;
	uint32_t seq;
	uint8_t tag;
};

static void sess_start(struct __test_metadata *_metadata, struct sess *s,
		       uint8_t tag)
{
	struct e2e_keypair ik_a, ek_a, ik_b, opk_b;
	uint8_t sk[K], ad[ADL];

	memset(s, 0, sizeof(*s));
	s->tag = tag;
	ASSERT_EQ(0, e2e_keypair_new(&ik_a));
	ASSERT_EQ(0, e2e_keypair_new(&ek_a));
	ASSERT_EQ(0, e2e_keypair_new(&ik_b));
	ASSERT_EQ(0, e2e_keypair_new(&s->spk_b));
	ASSERT_EQ(0, e2e_keypair_new(&opk_b));
	ASSERT_EQ(0, x3dh_initiate(&ik_a, &ek_a, ik_b.pub, s->spk_b.pub,
				   opk_b.pub, s->sk, s->ad));
	ASSERT_EQ(0, x3dh_respond(&ik_b, &s->spk_b, &opk_b, ik_a.pub,
				  ek_a.pub, sk, ad));
	ASSERT_EQ(0, memcmp(sk, s->sk, K));
	ASSERT_EQ(0, memcmp(ad, s->ad, ADL));
	ASSERT_EQ(0, ratchet_init_alice(&s->a, s->sk, s->spk_b.pub));
	ASSERT_EQ(0, ratchet_init_bob(&s->b, s->sk, &s->spk_b));
}

static void sess_end(struct sess *s)
{
	ratchet_free(&s->a);
	ratchet_free(&s->b);
}

/* A message, with what it should open to. */
struct msg {
	uint8_t *buf;
	size_t len, ptlen;
	uint8_t pt[MAXPT];
	char from;
	bool opened;
};

static struct msg *msgs_new(struct __test_metadata *_metadata, unsigned int n)
{
	struct msg *m = calloc(n, sizeof(*m));

	ASSERT_NE(NULL, m);
	return m;
}

static void msgs_free(struct msg *m, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		free(m[i].buf);
	free(m);
}

static uint32_t hdr_pn(const struct msg *m)
{
	return be32(m->buf + K);
}

static uint32_t hdr_n(const struct msg *m)
{
	return be32(m->buf + K + 4);
}

/*
 * @from ('a' or 'b') encrypts @ptlen bytes into @m. Plaintexts are unique
 * in the session (a sequence number, the sender, the session's tag) when
 * at least 6 bytes long. @m->buf is exactly the message's size, so ASan
 * sees a write past it.
 */
static void seal(struct __test_metadata *_metadata, struct sess *s, char from,
		 size_t ptlen, struct msg *m)
{
	struct ratchet *r = from == 'a' ? &s->a : &s->b;
	size_t i;

	ASSERT_LE(ptlen, MAXPT);
	free(m->buf);
	memset(m, 0, sizeof(*m));
	m->from = from;
	m->ptlen = ptlen;
	for (i = 0; i < ptlen; i++)
		m->pt[i] = (uint8_t)(s->seq * 131 + i * 17 + s->tag);
	if (ptlen >= 6) {
		m->pt[0] = s->seq >> 24;
		m->pt[1] = s->seq >> 16;
		m->pt[2] = s->seq >> 8;
		m->pt[3] = s->seq;
		m->pt[4] = from;
		m->pt[5] = s->tag;
	}
	s->seq++;
	m->len = ptlen + OVH;
	m->buf = malloc(m->len);
	ASSERT_NE(NULL, m->buf);
	ASSERT_EQ(0, ratchet_encrypt(r, s->ad, ADL, m->pt, ptlen, m->buf));
}

/*
 * Open @len bytes of @bytes with @r and @ad (@adlen bytes), from buffers
 * of exactly the sizes ratchet.h gives. On success the plaintext is
 * compared with @want (@wantlen bytes, when not NULL); on failure @why
 * must say something.
 */
static int open_bytes(struct __test_metadata *_metadata, struct ratchet *r,
		      const uint8_t *ad, size_t adlen, const uint8_t *bytes,
		      size_t len, const uint8_t *want, size_t wantlen)
{
	size_t ptlen = len >= OVH ? len - OVH : 0;
	uint8_t *in = calloc(1, len ? len : 1);
	uint8_t *pt = calloc(1, ptlen ? ptlen : 1);
	const char *why = NULL;
	int ret;

	if (!in || !pt)
		abort();
	if (len)
		memcpy(in, bytes, len);
	ret = ratchet_decrypt(r, ad, adlen, in, len, pt, &why);
	if (len)
		EXPECT_EQ(0, memcmp(in, bytes, len)) TH_LOG("input changed");
	if (!ret && want) {
		EXPECT_EQ(wantlen, ptlen);
		if (ptlen == wantlen) {
			EXPECT_EQ(0, memcmp(want, pt, wantlen))
				TH_LOG("wrong plaintext");
		}
	}
	if (ret) {
		EXPECT_NE(NULL, why) TH_LOG("no reason for error %d", ret);
		if (why) {
			EXPECT_NE(0, strlen(why));
		}
	}
	free(in);
	free(pt);
	return ret;
}

/* Open @m with @r (not necessarily its receiver's). */
static int open_with(struct __test_metadata *_metadata, struct ratchet *r,
		     const uint8_t *ad, const struct msg *m)
{
	return open_bytes(_metadata, r, ad, ADL, m->buf, m->len, m->pt,
			  m->ptlen);
}

/* Deliver @m to its receiver in @s: 0 or the error. */
static int deliver(struct __test_metadata *_metadata, struct sess *s,
		   struct msg *m)
{
	struct ratchet *r = m->from == 'a' ? &s->b : &s->a;
	int ret = open_with(_metadata, r, s->ad, m);

	if (!ret) {
		EXPECT_FALSE(m->opened) TH_LOG("a message opened twice");
		m->opened = true;
	}
	return ret;
}

#define DELIVER_OK(s, m, ...) do {					\
	int _r = deliver(_metadata, s, m);				\
	ASSERT_EQ(0, _r) TH_LOG(__VA_ARGS__);				\
} while (0)

/* What a failed decryption must leave as it was. */
struct snap {
	struct ratchet r;
	struct ratchet_skipped *sk;
};

static void snap_take(const struct ratchet *r, struct snap *s)
{
	s->r = *r;
	s->sk = malloc((r->n_skipped ? r->n_skipped : 1) * sizeof(*s->sk));
	if (!s->sk)
		abort();
	if (r->n_skipped)
		memcpy(s->sk, r->skipped, r->n_skipped * sizeof(*s->sk));
}

static void snap_free(struct snap *s)
{
	free(s->sk);
	s->sk = NULL;
}

/* The first field of @r that differs from @s, or NULL. */
static const char *snap_diff(const struct snap *s, const struct ratchet *r)
{
#define DIFF(f) do {							\
	if (memcmp(&s->r.f, &r->f, sizeof(r->f)))			\
		return #f;						\
} while (0)
	DIFF(dhs.priv);
	DIFF(dhs.pub);
	DIFF(dhr);
	DIFF(prev_dhr);
	DIFF(has_dhr);
	DIFF(has_prev_dhr);
	DIFF(has_cks);
	DIFF(has_ckr);
	DIFF(rk);
	DIFF(cks);
	DIFF(ckr);
	DIFF(ns);
	DIFF(nr);
	DIFF(pn);
	DIFF(n_skipped);
	DIFF(keygen);
	DIFF(keygen_arg);
#undef DIFF
	if (r->n_skipped &&
	    memcmp(s->sk, r->skipped, r->n_skipped * sizeof(*s->sk)))
		return "skipped keys";
	return NULL;
}

#define EXPECT_UNCHANGED(snap, r, fmt, ...) do {			\
	const char *_d = snap_diff(snap, r);				\
	EXPECT_EQ(NULL, _d)						\
		TH_LOG("state changed (%s): " fmt, _d ? _d : "",	\
		       ##__VA_ARGS__);					\
} while (0)

/*
 * A deep copy of @src into @dst: what an attacker who read the device's
 * memory has (the struct and its skipped keys).
 */
static void clone_state(struct ratchet *dst, const struct ratchet *src)
{
	*dst = *src;
	dst->skipped = NULL;
	if (src->skipped) {
		dst->skipped = calloc(src->cap_skipped ? src->cap_skipped : 1,
				      sizeof(*dst->skipped));
		if (!dst->skipped)
			abort();
		if (src->n_skipped)
			memcpy(dst->skipped, src->skipped,
			       src->n_skipped * sizeof(*dst->skipped));
	}
}

/* A keygen from the system's randomness that counts its calls. */
static int counting_keygen(void *arg, struct e2e_keypair *kp)
{
	++*(unsigned int *)arg;
	return e2e_keypair_new(kp);
}

static void count_keygens(struct ratchet *r, unsigned int *count)
{
	r->keygen = counting_keygen;
	r->keygen_arg = count;
}

/* Acceptable results of decrypting a message whose tag does not verify. */
#define E_BADMSG	1u
#define E_ALREADY	2u
#define E_2BIG		4u
#define E_INVAL		8u

static unsigned int err_bit(int ret)
{
	switch (ret) {
	case -EBADMSG:	return E_BADMSG;
	case -EALREADY:	return E_ALREADY;
	case -E2BIG:	return E_2BIG;
	case -EINVAL:	return E_INVAL;
	default:	return 0x100;
	}
}

/*
 * The error e2e.rst's "Decrypt" gives on @r for a message of header @h
 * that is not genuine (its tag does not verify under the key the header
 * selects): the steps in order.
 */
static unsigned int expected_err(const struct ratchet *r, const uint8_t *h)
{
	const uint8_t *dh = h;
	uint32_t pn = be32(h + K), n = be32(h + K + 4);
	uint8_t out[K];
	unsigned int i, e = 0;

	/* 1. a skipped key for (dh, n): used, the tag fails */
	for (i = 0; i < r->n_skipped; i++)
		if (r->skipped[i].n == n && !memcmp(r->skipped[i].dh, dh, K))
			return E_BADMSG;
	/* 2. a replay in the current or the previous chain */
	if (r->has_dhr && !memcmp(dh, r->dhr, K) && n < r->nr)
		return E_ALREADY;
	if (r->has_prev_dhr && !memcmp(dh, r->prev_dhr, K))
		return E_ALREADY;
	/* 4. in the current chain: too far, or the tag fails */
	if (r->has_dhr && !memcmp(dh, r->dhr, K))
		return n - r->nr > RATCHET_MAX_SKIP ? E_2BIG : E_BADMSG;
	/*
	 * 3. skip the current receiving chain (if any: without one, PN is
	 * not checked) up to pn, then the DH step
	 */
	if (r->has_ckr && pn > r->nr && pn - r->nr > RATCHET_MAX_SKIP)
		return E_2BIG;
	/*
	 * A low-order key (an all-zero DH) is "a forgery like any other":
	 * -EBADMSG; whether step 4's check still comes first e2e.rst leaves
	 * open.
	 */
	if (e2e_dh(r->dhs.priv, dh, out))
		e = E_BADMSG;
	/* 4. then skip the new chain up to n */
	if (n > RATCHET_MAX_SKIP)
		return e | E_2BIG;
	return E_BADMSG;
}

static const char *region(size_t byte, size_t len)
{
	if (byte < K)
		return "header.dh";
	if (byte < K + 4)
		return "header.pn";
	if (byte < HDR)
		return "header.n";
	if (byte < len - E2E_TAG_LEN)
		return "ciphertext";
	return "tag";
}

/*
 * Every single-bit change of @m, given to @r: refused with the error
 * e2e.rst gives for the changed header (the ciphertext and tag always
 * -EBADMSG), the state exactly as it was, no ratchet key made; then @m
 * itself opens.
 */
static void forge_each_bit(struct __test_metadata *_metadata, struct sess *s,
			   struct ratchet *r, struct msg *m,
			   unsigned int *keygens, const char *what)
{
	uint8_t *bad = malloc(m->len);
	unsigned int want, made = *keygens;
	struct snap before;
	size_t bit, byte;
	int ret;

	ASSERT_NE(NULL, bad);
	snap_take(r, &before);
	for (bit = 0; bit < m->len * 8; bit++) {
		byte = bit / 8;
		memcpy(bad, m->buf, m->len);
		bad[byte] ^= 1 << (bit % 8);
		want = byte < HDR ? expected_err(r, bad) : E_BADMSG;
		ret = open_bytes(_metadata, r, s->ad, ADL, bad, m->len, NULL, 0);
		EXPECT_TRUE(err_bit(ret) & want)
			TH_LOG("%s: bit %zu (%s byte %zu): %d, want mask %#x",
			       what, bit, region(byte, m->len), byte, ret,
			       want);
		EXPECT_UNCHANGED(&before, r, "%s: bit %zu (%s)", what, bit,
				 region(byte, m->len));
		EXPECT_EQ(made, *keygens)
			TH_LOG("%s: bit %zu made a ratchet key", what, bit);
		if (_metadata->exit_code)
			break;
	}
	free(bad);
	snap_free(&before);
	DELIVER_OK(s, m, "%s: the genuine message after the forgeries", what);
}

FIXTURE(session) {
	struct sess s;
};

FIXTURE_SETUP(session)
{
	sess_start(_metadata, &self->s, 1);
}

FIXTURE_TEARDOWN(session)
{
	sess_end(&self->s);
}

/* KDF_RK and KDF_CK and the message keys, recomputed. */
static void kdf_rk(struct __test_metadata *_metadata, uint8_t rk[K],
		   const uint8_t dh[K], uint8_t ck[K])
{
	uint8_t out[2 * K];

	ASSERT_EQ(0, e2e_hkdf(rk, K, dh, K, "tern-ratchet v1", out, 2 * K));
	memcpy(rk, out, K);
	memcpy(ck, out + K, K);
}

static void kdf_ck(struct __test_metadata *_metadata, uint8_t ck[K],
		   uint8_t mk[K])
{
	static const uint8_t one = 1, two = 2;

	ASSERT_EQ(0, e2e_hmac(ck, &one, 1, mk));
	ASSERT_EQ(0, e2e_hmac(ck, &two, 1, ck));
}

/* Opens @m with message key @mk directly: AES-256-GCM, AD || header. */
static int open_mk(struct __test_metadata *_metadata, const uint8_t mk[K],
		   const uint8_t ad[ADL], const struct msg *m, uint8_t *pt)
{
	static const uint8_t zero[K];
	uint8_t kn[44], aad[ADL + HDR];

	EXPECT_EQ(0, e2e_hkdf(zero, K, mk, K, "tern-message v1", kn, 44));
	memcpy(aad, ad, ADL);
	memcpy(aad + ADL, m->buf, HDR);
	return e2e_open(kn, kn + 32, aad, sizeof(aad), m->buf + HDR,
			m->len - HDR, pt);
}

TEST_F(session, derivations_and_layout)
{
	struct sess *s = &self->s;
	uint8_t rk[K], ck[K], mk[K], dh[K], ckr[K], pt[MAXPT];
	struct e2e_keypair bob_dhs0;
	struct msg *m = msgs_new(_metadata, 3);

	/* Alice: RK, CKs = KDF_RK(SK, DH(DHs, SPK_B)); DHr = SPK_B. */
	memcpy(rk, s->sk, K);
	ASSERT_EQ(0, e2e_dh(s->a.dhs.priv, s->spk_b.pub, dh));
	kdf_rk(_metadata, rk, dh, ck);
	EXPECT_EQ(0, memcmp(rk, s->a.rk, K));
	EXPECT_EQ(0, memcmp(ck, s->a.cks, K));
	EXPECT_TRUE(s->a.has_dhr);
	EXPECT_EQ(0, memcmp(s->spk_b.pub, s->a.dhr, K));
	EXPECT_TRUE(s->a.has_cks);
	EXPECT_FALSE(s->a.has_ckr);
	EXPECT_EQ(0, s->a.ns + s->a.nr + s->a.pn + s->a.n_skipped);
	/* Bob: DHs = SPK_B, RK = SK, nothing else. */
	EXPECT_EQ(0, memcmp(&s->spk_b, &s->b.dhs, sizeof(s->spk_b)));
	EXPECT_EQ(0, memcmp(s->sk, s->b.rk, K));
	EXPECT_FALSE(s->b.has_dhr);
	EXPECT_FALSE(s->b.has_cks);
	EXPECT_FALSE(s->b.has_ckr);
	EXPECT_EQ(0, s->b.ns + s->b.nr + s->b.pn + s->b.n_skipped);

	/* Encrypt: header = DHs.pub || u32(PN) || u32(N), then AES-GCM
	 * under mk of KDF_CK with AD || header.
	 */
	seal(_metadata, s, 'a', 33, &m[0]);
	ASSERT_EQ(33 + OVH, m[0].len);
	EXPECT_EQ(0, memcmp(s->a.dhs.pub, m[0].buf, K));
	EXPECT_EQ(0, hdr_pn(&m[0]));
	EXPECT_EQ(0, hdr_n(&m[0]));
	EXPECT_EQ(1, s->a.ns);
	kdf_ck(_metadata, ck, mk);
	EXPECT_EQ(0, memcmp(ck, s->a.cks, K)) TH_LOG("CKs = HMAC(CKs, 0x02)");
	ASSERT_EQ(0, open_mk(_metadata, mk, s->ad, &m[0], pt));
	EXPECT_EQ(0, memcmp(m[0].pt, pt, 33));

	/* The same plaintext again: N = 1, the next key, another text. */
	seal(_metadata, s, 'a', 33, &m[1]);
	memcpy(m[1].pt, m[0].pt, 33);
	ASSERT_EQ(0, ratchet_encrypt(&s->a, s->ad, ADL, m[1].pt, 33,
				     m[1].buf));
	EXPECT_EQ(0, memcmp(s->a.dhs.pub, m[1].buf, K));
	EXPECT_EQ(0, hdr_pn(&m[1]));
	EXPECT_EQ(2, hdr_n(&m[1]));
	EXPECT_NE(0, memcmp(m[0].buf + HDR, m[1].buf + HDR, 33 + 16));
	kdf_ck(_metadata, ck, mk);	/* the key of N = 1, skipped over */
	kdf_ck(_metadata, ck, mk);
	ASSERT_EQ(0, open_mk(_metadata, mk, s->ad, &m[1], pt));
	EXPECT_EQ(0, memcmp(m[0].pt, pt, 33));

	/*
	 * Bob opens N = 2 first: the DH step's receiving half, RK, CKr =
	 * KDF_RK(SK, DH(SPK_B, DHs_A)), keys 0 and 1 skipped, Nr = 3; then
	 * the sending half with a new DHs: RK, CKs = KDF_RK(RK, DH(DHs,
	 * DHr)), PN = Ns = 0.
	 */
	bob_dhs0 = s->b.dhs;
	DELIVER_OK(s, &m[1], "N = 2 first");
	memcpy(rk, s->sk, K);
	ASSERT_EQ(0, e2e_dh(s->spk_b.priv, s->a.dhs.pub, dh));
	kdf_rk(_metadata, rk, dh, ckr);
	kdf_ck(_metadata, ckr, mk);
	kdf_ck(_metadata, ckr, mk);
	kdf_ck(_metadata, ckr, mk);
	EXPECT_EQ(0, memcmp(ckr, s->b.ckr, K));
	EXPECT_TRUE(s->b.has_ckr);
	EXPECT_TRUE(s->b.has_dhr);
	EXPECT_EQ(0, memcmp(s->a.dhs.pub, s->b.dhr, K));
	EXPECT_EQ(3, s->b.nr) TH_LOG("Nr = header.n + 1");
	EXPECT_EQ(2, s->b.n_skipped);
	EXPECT_NE(0, memcmp(bob_dhs0.pub, s->b.dhs.pub, K))
		TH_LOG("no new DHs");
	ASSERT_EQ(0, e2e_dh(s->b.dhs.priv, s->a.dhs.pub, dh));
	kdf_rk(_metadata, rk, dh, ck);
	EXPECT_EQ(0, memcmp(rk, s->b.rk, K));
	EXPECT_EQ(0, memcmp(ck, s->b.cks, K));
	EXPECT_TRUE(s->b.has_cks);
	EXPECT_EQ(0, s->b.ns);
	EXPECT_EQ(0, s->b.pn);

	/* The skipped N = 0 (with the key the rest were skipped around). */
	DELIVER_OK(s, &m[0], "N = 0 from its skipped key");
	EXPECT_EQ(1, s->b.n_skipped);
	EXPECT_EQ(1, s->b.skipped[0].n) TH_LOG("key of N = 1 left");
	EXPECT_EQ(0, memcmp(s->a.dhs.pub, s->b.skipped[0].dh, K));

	/* Bob's reply: his new DHs, PN = 0, N = 0. */
	seal(_metadata, s, 'b', 7, &m[2]);
	EXPECT_EQ(0, memcmp(s->b.dhs.pub, m[2].buf, K));
	EXPECT_EQ(0, hdr_pn(&m[2]));
	EXPECT_EQ(0, hdr_n(&m[2]));
	DELIVER_OK(s, &m[2], "Bob's reply");
	/* Alice stepped: PN = her Ns (3). */
	EXPECT_EQ(3, s->a.pn);
	EXPECT_EQ(0, s->a.ns);
	msgs_free(m, 3);
}

TEST_F(session, bob_cannot_send_first)
{
	struct sess *s = &self->s;
	uint8_t pt[4] = "hey", out[4 + OVH];
	struct msg *m = msgs_new(_metadata, 2);
	struct snap before;

	snap_take(&s->b, &before);
	EXPECT_EQ(-EAGAIN, ratchet_encrypt(&s->b, s->ad, ADL, pt, 4, out));
	EXPECT_UNCHANGED(&before, &s->b, "encrypt");
	snap_free(&before);
	seal(_metadata, s, 'a', 10, &m[0]);
	/* Still not: Alice's message is not in yet. */
	EXPECT_EQ(-EAGAIN, ratchet_encrypt(&s->b, s->ad, ADL, pt, 4, out));
	DELIVER_OK(s, &m[0], "first message");
	seal(_metadata, s, 'b', 10, &m[1]);
	DELIVER_OK(s, &m[1], "Bob's reply");
	msgs_free(m, 2);
}

TEST_F(session, round_trips_many_dh_steps)
{
	struct sess *s = &self->s;
	uint8_t last_dh[2][K] = { { 0 } };
	uint32_t chain_len[2] = { 0, 0 };
	uint64_t seed = 0x5eed0001;
	unsigned int turn, i, count, side, steps = 0;
	struct msg m = { 0 };

	for (turn = 0; turn < 300; turn++) {
		side = turn % 2;
		count = 1 + rnd_below(&seed, 4);
		for (i = 0; i < count; i++) {
			seal(_metadata, s, side ? 'b' : 'a',
			     rnd_below(&seed, MAXPT + 1), &m);
			if (i == 0) {
				/* A new ratchet key each turn. */
				EXPECT_NE(0, memcmp(last_dh[side], m.buf, K))
					TH_LOG("turn %u", turn);
				steps++;
				memcpy(last_dh[side], m.buf, K);
				/* PN: the length of this side's chain before. */
				EXPECT_EQ(chain_len[side], hdr_pn(&m))
					TH_LOG("turn %u", turn);
			} else {
				EXPECT_EQ(0, memcmp(last_dh[side], m.buf, K));
			}
			EXPECT_EQ(i, hdr_n(&m)) TH_LOG("turn %u", turn);
			DELIVER_OK(s, &m, "turn %u message %u", turn, i);
		}
		chain_len[side] = count;
	}
	EXPECT_EQ(300, steps);
	EXPECT_EQ(0, s->a.n_skipped);
	EXPECT_EQ(0, s->b.n_skipped);
	free(m.buf);
}

TEST_F(session, one_direction_1000)
{
	struct sess *s = &self->s;
	struct msg *m = msgs_new(_metadata, 1001);
	unsigned int i;

	for (i = 0; i < 1000; i++)
		seal(_metadata, s, 'a', 8 + i % 40, &m[i]);
	for (i = 0; i < 1000; i++) {
		EXPECT_EQ(0, memcmp(m[0].buf, m[i].buf, K));
		EXPECT_EQ(i, hdr_n(&m[i]));
		DELIVER_OK(s, &m[i], "message %u", i);
	}
	EXPECT_EQ(1000, s->a.ns);
	EXPECT_EQ(1000, s->b.nr);
	EXPECT_EQ(0, s->b.n_skipped);
	seal(_metadata, s, 'b', 8, &m[1000]);
	DELIVER_OK(s, &m[1000], "the reply");
	EXPECT_EQ(1000, s->a.pn);
	msgs_free(m, 1001);
}

/*
 * Every third message lost, both ways, over many chains; then the lost
 * ones arrive late, in a random order, and open from their skipped keys.
 */
TEST_F(session, loss_every_third)
{
	struct sess *s = &self->s;
	enum { TURNS = 14, PER = 10, N = TURNS * PER + 2 };
	struct msg *m = msgs_new(_metadata, N);
	unsigned int lost[N], nlost = 0, lost_to[2] = { 0, 0 }, i, k = 0;
	uint64_t seed = 0x5eed0002;

	for (i = 0; i < N; i++) {
		/* Turns of PER messages, then one each way, delivered. */
		char from = i < TURNS * PER ? (i / PER % 2 ? 'b' : 'a') :
			    i == N - 2 ? 'a' : 'b';

		seal(_metadata, s, from, 12, &m[i]);
		if (i < TURNS * PER && k++ % 3 == 2) {
			lost[nlost++] = i;
			lost_to[from == 'a']++;
			continue;
		}
		DELIVER_OK(s, &m[i], "message %u", i);
	}
	/* Each side holds the keys of exactly the messages lost to it. */
	EXPECT_EQ(lost_to[1], s->b.n_skipped);
	EXPECT_EQ(lost_to[0], s->a.n_skipped);

	shuffle(&seed, lost, nlost);
	for (i = 0; i < nlost; i++)
		DELIVER_OK(s, &m[lost[i]], "late message %u", lost[i]);
	EXPECT_EQ(0, s->a.n_skipped);
	EXPECT_EQ(0, s->b.n_skipped);
	for (i = 0; i < N; i++) {
		EXPECT_TRUE(m[i].opened) TH_LOG("message %u", i);
	}
	msgs_free(m, N);
}

/* A window of one chain in a random order, each way, several times. */
TEST_F(session, reorder_within_chain)
{
	struct sess *s = &self->s;
	enum { W = 64, ROUNDS = 6 };
	struct msg *m = msgs_new(_metadata, W);
	unsigned int order[W], round, i;
	uint64_t seed = 0x5eed0003;

	for (round = 0; round < ROUNDS; round++) {
		char from = round % 2 ? 'b' : 'a';
		struct ratchet *rx = round % 2 ? &s->a : &s->b;

		for (i = 0; i < W; i++) {
			seal(_metadata, s, from, 6 + i % 30, &m[i]);
			order[i] = i;
		}
		shuffle(&seed, order, W);
		for (i = 0; i < W; i++) {
			DELIVER_OK(s, &m[order[i]], "round %u: %u-th, N = %u",
				   round, i, order[i]);
			EXPECT_LE(rx->n_skipped, W);
		}
		EXPECT_EQ(0, rx->n_skipped) TH_LOG("round %u", round);
		EXPECT_EQ(W, rx->nr) TH_LOG("round %u", round);
	}
	msgs_free(m, W);
}

/*
 * A network that holds up to HOLD messages each way and delivers any of
 * them next: random sends and deliveries both ways, so messages of
 * several chains overtake each other; then everything in flight arrives
 * in a random order. Every message opens, once, to its plaintext.
 */
TEST_F(session, reorder_across_dh_steps)
{
	struct sess *s = &self->s;
	enum { N = 3000, HOLD = 24 };
	struct msg *m = msgs_new(_metadata, N);
	unsigned int pool[2][HOLD], npool[2] = { 0, 0 }, nm = 0, i, d, j;
	unsigned int changes = 0, dir, op;
	uint8_t last[2][K] = { { 0 } };
	uint64_t seed = 0x5eed0004;
	uint8_t pt[1] = { 0 }, out[1 + OVH];

	while (nm < N) {
		op = rnd_below(&seed, 4);
		dir = op & 1;	/* 0: Alice to Bob, 1: Bob to Alice */
		if (op < 2 && npool[dir] < HOLD) {
			struct ratchet *tx = dir ? &s->b : &s->a;

			if (dir && !tx->has_cks) {
				EXPECT_EQ(-EAGAIN, ratchet_encrypt(tx, s->ad,
					  ADL, pt, 0, out));
				continue;
			}
			seal(_metadata, s, dir ? 'b' : 'a', 6 + nm % 20,
			     &m[nm]);
			if (memcmp(last[dir], m[nm].buf, K)) {
				changes++;
				memcpy(last[dir], m[nm].buf, K);
			}
			pool[dir][npool[dir]++] = nm++;
		} else if (op >= 2 && npool[dir]) {
			j = rnd_below(&seed, npool[dir]);
			d = pool[dir][j];
			pool[dir][j] = pool[dir][--npool[dir]];
			DELIVER_OK(s, &m[d], "message %u (%s)", d,
				   dir ? "Bob's" : "Alice's");
		}
	}
	for (dir = 0; dir < 2; dir++) {
		shuffle(&seed, pool[dir], npool[dir]);
		for (i = 0; i < npool[dir]; i++)
			DELIVER_OK(s, &m[pool[dir][i]], "message %u in flight",
				   pool[dir][i]);
	}
	for (i = 0; i < N; i++) {
		EXPECT_TRUE(m[i].opened) TH_LOG("message %u", i);
	}
	EXPECT_EQ(0, s->a.n_skipped);
	EXPECT_EQ(0, s->b.n_skipped);
	/* Many chains overlapped. */
	EXPECT_GE(changes, 100) TH_LOG("only %u ratchet keys", changes);
	msgs_free(m, N);
}

/* A refused message: @want, the state unchanged, no ratchet key made. */
#define REFUSED(s, r, m, want, keygens, ...) do {			\
	struct snap _b;							\
	unsigned int _k = *(keygens);					\
	int _ret;							\
									\
	snap_take(r, &_b);						\
	_ret = open_with(_metadata, r, (s)->ad, m);			\
	EXPECT_EQ(want, _ret) TH_LOG(__VA_ARGS__);			\
	EXPECT_UNCHANGED(&_b, r, "refused");				\
	EXPECT_EQ(_k, *(keygens)) TH_LOG("made a ratchet key");	\
	snap_free(&_b);							\
} while (0)

TEST_F(session, replay_refused)
{
	struct sess *s = &self->s;
	struct msg *m = msgs_new(_metadata, 16);
	unsigned int kg = 0, i;

	count_keygens(&s->a, &kg);
	count_keygens(&s->b, &kg);
	for (i = 0; i < 5; i++)
		seal(_metadata, s, 'a', 10, &m[i]);
	DELIVER_OK(s, &m[0], "m0");
	REFUSED(s, &s->b, &m[0], -EALREADY, &kg, "m0 again, just opened");
	DELIVER_OK(s, &m[1], "m1");
	DELIVER_OK(s, &m[4], "m4, skipping m2 and m3");
	DELIVER_OK(s, &m[2], "m2 from its skipped key");
	REFUSED(s, &s->b, &m[2], -EALREADY, &kg,
		"m2 again: its skipped key was used");
	REFUSED(s, &s->b, &m[4], -EALREADY, &kg, "m4 again");
	REFUSED(s, &s->b, &m[1], -EALREADY, &kg, "m1 again");
	REFUSED(s, &s->b, &m[0], -EALREADY, &kg, "m0 again");
	DELIVER_OK(s, &m[3], "m3, still skipped");
	REFUSED(s, &s->b, &m[3], -EALREADY, &kg, "m3 again");

	/* A DH step: the chain of m0..m4 is the previous one. */
	seal(_metadata, s, 'b', 10, &m[5]);
	DELIVER_OK(s, &m[5], "Bob's reply");
	seal(_metadata, s, 'a', 10, &m[6]);
	seal(_metadata, s, 'a', 10, &m[7]);
	DELIVER_OK(s, &m[6], "m6, a new chain");
	for (i = 0; i < 5; i++) {
		REFUSED(s, &s->b, &m[i], -EALREADY, &kg,
			"m%u again, the previous chain", i);
	}
	REFUSED(s, &s->b, &m[6], -EALREADY, &kg, "m6 again");

	/* Another: m0..m4's chain is older than the previous one, not
	 * recognised as a replay, a DH step with a stale key that does
	 * not open (e2e.rst).
	 */
	seal(_metadata, s, 'b', 10, &m[8]);
	DELIVER_OK(s, &m[8], "Bob's second reply");
	seal(_metadata, s, 'a', 10, &m[9]);
	DELIVER_OK(s, &m[9], "m9, a third chain");
	for (i = 0; i < 5; i++) {
		REFUSED(s, &s->b, &m[i], -EBADMSG, &kg,
			"m%u again, two chains back", i);
	}
	REFUSED(s, &s->b, &m[6], -EALREADY, &kg, "m6 again, previous chain");
	REFUSED(s, &s->b, &m[9], -EALREADY, &kg, "m9 again");
	DELIVER_OK(s, &m[7], "m7, skipped in the previous chain");
	REFUSED(s, &s->b, &m[7], -EALREADY, &kg, "m7 again");

	/* And the other way. */
	REFUSED(s, &s->a, &m[5], -EALREADY, &kg, "Bob's reply again");
	REFUSED(s, &s->a, &m[8], -EALREADY, &kg, "Bob's second reply again");
	msgs_free(m, 16);
}

/*
 * Every single-bit change of messages of each kind: the next one of the
 * current chain, the first of a new chain (a DH step), one with a skipped
 * key in the current chain, one with a skipped key in the previous chain,
 * and a session's very first message.
 */
TEST_F(session, forged_each_bit)
{
	struct sess *s = &self->s, t;
	struct msg *m = msgs_new(_metadata, 16);
	unsigned int kg = 0, kt = 0;

	count_keygens(&s->b, &kg);
	seal(_metadata, s, 'a', 20, &m[0]);
	seal(_metadata, s, 'a', 20, &m[1]);
	seal(_metadata, s, 'a', 20, &m[2]);
	DELIVER_OK(s, &m[0], "m0");
	DELIVER_OK(s, &m[1], "m1");
	forge_each_bit(_metadata, s, &s->b, &m[2], &kg,
		       "N = 2 of the current chain");

	seal(_metadata, s, 'b', 20, &m[3]);
	DELIVER_OK(s, &m[3], "Bob's reply");
	seal(_metadata, s, 'a', 20, &m[4]);
	seal(_metadata, s, 'a', 20, &m[5]);
	seal(_metadata, s, 'a', 20, &m[6]);
	seal(_metadata, s, 'a', 20, &m[7]);
	forge_each_bit(_metadata, s, &s->b, &m[4], &kg,
		       "the first of a new chain");
	DELIVER_OK(s, &m[7], "m7, skipping m5 and m6");
	forge_each_bit(_metadata, s, &s->b, &m[5], &kg,
		       "a skipped key of the current chain");

	seal(_metadata, s, 'b', 20, &m[8]);
	DELIVER_OK(s, &m[8], "Bob's second reply");
	seal(_metadata, s, 'a', 20, &m[9]);
	DELIVER_OK(s, &m[9], "m9, a third chain; m6 skipped before it");
	forge_each_bit(_metadata, s, &s->b, &m[6], &kg,
		       "a skipped key of the previous chain");

	/* Alice's side too. */
	count_keygens(&s->a, &kt);
	seal(_metadata, s, 'b', 20, &m[10]);
	forge_each_bit(_metadata, s, &s->a, &m[10], &kt,
		       "Bob's message, a new chain for Alice");

	/* A fresh session: Bob has no chain and no DHr yet. */
	sess_start(_metadata, &t, 2);
	kt = 0;
	count_keygens(&t.b, &kt);
	seal(_metadata, &t, 'a', 20, &m[11]);
	forge_each_bit(_metadata, &t, &t.b, &m[11], &kt,
		       "the session's first message");
	sess_end(&t);
	msgs_free(m, 16);
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

/*
 * A header whose ratchet key is a low-order point (its DH all zeros):
 * "a forgery like any other" (e2e.rst), -EBADMSG, for a side with a
 * receiving chain and for Bob before his first message.
 */
TEST_F(session, low_order_ratchet_key)
{
	struct sess *s = &self->s, t;
	struct msg *m = msgs_new(_metadata, 4), bad = { 0 };
	unsigned int kg = 0, i, j, k;

	sess_start(_metadata, &t, 2);
	count_keygens(&s->a, &kg);
	count_keygens(&s->b, &kg);
	count_keygens(&t.b, &kg);
	seal(_metadata, s, 'a', 16, &m[0]);
	DELIVER_OK(s, &m[0], "m0");
	seal(_metadata, s, 'a', 16, &m[1]);
	seal(_metadata, s, 'b', 16, &m[2]);
	seal(_metadata, &t, 'a', 16, &m[3]);
	for (j = 0; j < 3; j++) {
		struct sess *ss = j == 2 ? &t : s;
		struct msg *g = &m[j + 1];
		struct ratchet *rx = g->from == 'a' ? &ss->b : &ss->a;

		for (i = 0; i < ARRAY_SIZE(low_order); i++) {
			bad = *g;
			bad.buf = malloc(g->len);
			ASSERT_NE(NULL, bad.buf);
			memcpy(bad.buf, g->buf, g->len);
			for (k = 0; k < K; k++) {
				unsigned int b = 0;

				ASSERT_EQ(1, sscanf(low_order[i] + 2 * k,
						    "%2x", &b));
				bad.buf[k] = b;
			}
			REFUSED(ss, rx, &bad, -EBADMSG, &kg,
				"message %u, point %u", j + 1, i);
			free(bad.buf);
		}
		DELIVER_OK(ss, g, "message %u itself", j + 1);
	}
	sess_end(&t);
	msgs_free(m, 4);
}

/* Shorter than a header and a tag: -EINVAL. Cut or grown: -EBADMSG. */
TEST_F(session, truncated)
{
	struct sess *s = &self->s;
	struct msg *m = msgs_new(_metadata, 3);
	unsigned int kg = 0, made;
	struct snap before;
	uint8_t *grown;
	size_t len;
	int ret;

	count_keygens(&s->b, &kg);
	seal(_metadata, s, 'a', 30, &m[0]);
	DELIVER_OK(s, &m[0], "m0");
	seal(_metadata, s, 'a', 30, &m[1]);
	made = kg;
	snap_take(&s->b, &before);
	for (len = 0; len < m[1].len; len++) {
		ret = open_bytes(_metadata, &s->b, s->ad, ADL, m[1].buf, len,
				 NULL, 0);
		EXPECT_EQ(len < OVH ? -EINVAL : -EBADMSG, ret)
			TH_LOG("%zu of %zu bytes", len, m[1].len);
		EXPECT_UNCHANGED(&before, &s->b, "%zu bytes", len);
	}
	grown = malloc(m[1].len + 1);
	ASSERT_NE(NULL, grown);
	memcpy(grown, m[1].buf, m[1].len);
	grown[m[1].len] = 0;
	EXPECT_EQ(-EBADMSG, open_bytes(_metadata, &s->b, s->ad, ADL, grown,
				       m[1].len + 1, NULL, 0));
	EXPECT_UNCHANGED(&before, &s->b, "one byte more");
	free(grown);
	snap_free(&before);
	EXPECT_EQ(made, kg) TH_LOG("a refusal made a ratchet key");
	DELIVER_OK(s, &m[1], "the whole message");

	/* An empty plaintext: exactly RATCHET_OVERHEAD bytes, and opens. */
	seal(_metadata, s, 'a', 0, &m[2]);
	EXPECT_EQ(OVH, m[2].len);
	DELIVER_OK(s, &m[2], "an empty message");
	msgs_free(m, 3);
}

TEST_F(session, wrong_ad)
{
	struct sess *s = &self->s, t;
	struct msg *m = msgs_new(_metadata, 3);
	uint8_t ad[ADL + 1];
	unsigned int kg = 0, which;
	struct snap before;
	size_t bit;
	int ret;

	sess_start(_metadata, &t, 2);
	count_keygens(&s->b, &kg);
	seal(_metadata, s, 'a', 16, &m[0]);
	seal(_metadata, s, 'a', 16, &m[1]);
	/* m[0] is the first of a chain (a DH step), m[1] not. */
	for (which = 0; which < 2; which++) {
		snap_take(&s->b, &before);
		for (bit = 0; bit < ADL * 8; bit++) {
			memcpy(ad, s->ad, ADL);
			ad[bit / 8] ^= 1 << (bit % 8);
			ret = open_bytes(_metadata, &s->b, ad, ADL,
					 m[which].buf, m[which].len, NULL, 0);
			EXPECT_EQ(-EBADMSG, ret) TH_LOG("AD bit %zu", bit);
		}
		EXPECT_EQ(-EBADMSG, open_bytes(_metadata, &s->b, t.ad, ADL,
					       m[which].buf, m[which].len,
					       NULL, 0))
			TH_LOG("another session's AD");
		/*
		 * The wrong length: ratchet.h says the AD is the session's
		 * X3DH_AD_LEN bytes, not which error another length is:
		 * -EBADMSG (it does not open) or -EINVAL (a bad argument).
		 */
		memcpy(ad, s->ad, ADL);
		ad[ADL] = 0;
		ret = open_bytes(_metadata, &s->b, ad, ADL + 1, m[which].buf,
				 m[which].len, NULL, 0);
		EXPECT_TRUE(ret == -EBADMSG || ret == -EINVAL) TH_LOG("%d", ret);
		ret = open_bytes(_metadata, &s->b, ad, ADL - 1, m[which].buf,
				 m[which].len, NULL, 0);
		EXPECT_TRUE(ret == -EBADMSG || ret == -EINVAL) TH_LOG("%d", ret);
		ret = open_bytes(_metadata, &s->b, ad, 0, m[which].buf,
				 m[which].len, NULL, 0);
		EXPECT_TRUE(ret == -EBADMSG || ret == -EINVAL) TH_LOG("%d", ret);
		EXPECT_UNCHANGED(&before, &s->b, "message %u", which);
		snap_free(&before);
		EXPECT_EQ(0, kg);
		DELIVER_OK(s, &m[which], "with the right AD");
		kg = 0;
	}
	sess_end(&t);
	msgs_free(m, 3);
}

/*
 * Another session's messages, at the start and in the middle of both
 * sessions, and a side's own messages reflected back to it: -EBADMSG.
 */
TEST_F(session, other_session)
{
	struct sess *s = &self->s, t;
	struct msg *m = msgs_new(_metadata, 8), *o = msgs_new(_metadata, 8);
	unsigned int kg = 0, ka = 0, i;

	sess_start(_metadata, &t, 2);
	count_keygens(&s->b, &kg);
	count_keygens(&s->a, &ka);
	seal(_metadata, &t, 'a', 16, &o[0]);
	/* Bob with no chain yet. */
	REFUSED(s, &s->b, &o[0], -EBADMSG, &kg, "t's first, s's AD");
	{
		struct snap b;
		int ret;

		snap_take(&s->b, &b);
		ret = open_with(_metadata, &s->b, t.ad, &o[0]);
		EXPECT_EQ(-EBADMSG, ret) TH_LOG("t's first, t's AD");
		EXPECT_UNCHANGED(&b, &s->b, "t's first");
		snap_free(&b);
	}
	DELIVER_OK(&t, &o[0], "t's first in t");

	for (i = 0; i < 3; i++) {
		seal(_metadata, s, 'a', 16, &m[2 * i]);
		DELIVER_OK(s, &m[2 * i], "s: Alice's %u", i);
		seal(_metadata, s, 'b', 16, &m[2 * i + 1]);
		DELIVER_OK(s, &m[2 * i + 1], "s: Bob's %u", i);
		seal(_metadata, &t, 'b', 16, &o[2 * i + 1]);
		DELIVER_OK(&t, &o[2 * i + 1], "t: Bob's %u", i);
		seal(_metadata, &t, 'a', 16, &o[2 * i + 2]);
		DELIVER_OK(&t, &o[2 * i + 2], "t: Alice's %u", i);
	}
	seal(_metadata, &t, 'a', 16, &o[7]);
	REFUSED(s, &s->b, &o[7], -EBADMSG, &kg, "t's Alice to s's Bob");
	REFUSED(s, &s->a, &o[7], -EBADMSG, &ka, "t's Alice to s's Alice");
	REFUSED(s, &s->a, &o[5], -EBADMSG, &ka, "t's Bob to s's Alice");
	/* Reflected: a side's own message back to it. */
	seal(_metadata, s, 'a', 16, &m[6]);
	REFUSED(s, &s->a, &m[6], -EBADMSG, &ka, "Alice's own message");
	seal(_metadata, s, 'b', 16, &m[7]);
	REFUSED(s, &s->b, &m[7], -EBADMSG, &kg, "Bob's own message");
	DELIVER_OK(s, &m[6], "s carries on");
	DELIVER_OK(s, &m[7], "s carries on");
	sess_end(&t);
	msgs_free(m, 8);
	msgs_free(o, 8);
}

/*
 * More than RATCHET_MAX_SKIP keys to skip in one go is -E2BIG with the
 * state unchanged; exactly RATCHET_MAX_SKIP is fine. Each skip of e2e.rst
 * (the previous chain up to PN, the new one up to N) on its own.
 */
TEST_F(session, too_far)
{
	struct sess *s = &self->s, t;
	enum { N = RATCHET_MAX_SKIP + 3 };
	struct msg *m = msgs_new(_metadata, N), *c = msgs_new(_metadata, 4);
	unsigned int kg = 0, i;

	count_keygens(&s->b, &kg);
	/* Within a chain: Nr = 1, N = 1002 skips 1001. */
	for (i = 0; i < N; i++)
		seal(_metadata, s, 'a', 6, &m[i]);
	DELIVER_OK(s, &m[0], "m0");
	REFUSED(s, &s->b, &m[RATCHET_MAX_SKIP + 2], -E2BIG, &kg,
		"N = Nr + MAX_SKIP + 1");
	DELIVER_OK(s, &m[RATCHET_MAX_SKIP + 1], "N = Nr + MAX_SKIP");
	EXPECT_EQ(RATCHET_MAX_SKIP, s->b.n_skipped);
	DELIVER_OK(s, &m[RATCHET_MAX_SKIP + 2], "now the next one");

	/* The first of a new chain with N = MAX_SKIP + 1, then MAX_SKIP. */
	seal(_metadata, s, 'b', 6, &c[0]);
	DELIVER_OK(s, &c[0], "Bob's reply");
	for (i = 0; i < RATCHET_MAX_SKIP + 2; i++)
		seal(_metadata, s, 'a', 6, &m[i]);
	REFUSED(s, &s->b, &m[RATCHET_MAX_SKIP + 1], -E2BIG, &kg,
		"a new chain's N = MAX_SKIP + 1");
	DELIVER_OK(s, &m[RATCHET_MAX_SKIP], "a new chain's N = MAX_SKIP");
	EXPECT_EQ(2 * RATCHET_MAX_SKIP, s->b.n_skipped);
	EXPECT_EQ(2, kg) TH_LOG("Bob's two DH steps, nothing for refusals");

	/* PN: the previous chain left 1001 keys behind, then 1000. */
	sess_start(_metadata, &t, 2);
	kg = 0;
	count_keygens(&t.b, &kg);
	for (i = 0; i < RATCHET_MAX_SKIP + 2; i++)
		seal(_metadata, &t, 'a', 6, &m[i]);
	DELIVER_OK(&t, &m[0], "t: m0");
	seal(_metadata, &t, 'b', 6, &c[1]);
	DELIVER_OK(&t, &c[1], "t: Bob's reply");
	seal(_metadata, &t, 'a', 6, &c[2]);
	EXPECT_EQ(RATCHET_MAX_SKIP + 2, hdr_pn(&c[2]));
	REFUSED(&t, &t.b, &c[2], -E2BIG, &kg,
		"PN = Nr + MAX_SKIP + 1 (Nr = 1, PN = 1002)");
	DELIVER_OK(&t, &m[1], "t: m1");
	DELIVER_OK(&t, &c[2], "PN = Nr + MAX_SKIP");
	EXPECT_EQ(RATCHET_MAX_SKIP, t.b.n_skipped);
	DELIVER_OK(&t, &m[RATCHET_MAX_SKIP + 1], "the previous chain's last");
	sess_end(&t);
	msgs_free(m, N);
	msgs_free(c, 4);
}

/*
 * The store is bounded: over RATCHET_MAX_SKIPPED keys, the oldest go
 * first. Three chains: 1000 keys skipped in the first, 1000 in the second,
 * 10 in the third: the first chain's 10 oldest are dropped. Then every
 * skipped message but those opens.
 */
TEST_F(session, skipped_store_bound_across_chains)
{
	struct sess *s = &self->s;
	enum { L = RATCHET_MAX_SKIP + 1 };
	struct msg *c[3], r = { 0 };
	uint8_t dh[3][K];
	unsigned int i, j, len[3] = { L, L, 11 };
	int ret;

	for (j = 0; j < 3; j++) {
		c[j] = msgs_new(_metadata, L);
		for (i = 0; i < len[j]; i++)
			seal(_metadata, s, 'a', 6, &c[j][i]);
		memcpy(dh[j], c[j][0].buf, K);
		DELIVER_OK(s, &c[j][len[j] - 1], "chain %u's last", j);
		EXPECT_LE(s->b.n_skipped, RATCHET_MAX_SKIPPED);
		seal(_metadata, s, 'b', 6, &r);
		DELIVER_OK(s, &r, "Bob's reply %u", j);
	}
	ASSERT_EQ(RATCHET_MAX_SKIPPED, s->b.n_skipped);
	/* Oldest first: the first chain's N = 10 .. 999, the second's,
	 * the third's 0 .. 9.
	 */
	EXPECT_EQ(0, memcmp(dh[0], s->b.skipped[0].dh, K));
	EXPECT_EQ(10, s->b.skipped[0].n);
	EXPECT_EQ(0, memcmp(dh[2], s->b.skipped[RATCHET_MAX_SKIPPED - 1].dh,
			    K));
	EXPECT_EQ(9, s->b.skipped[RATCHET_MAX_SKIPPED - 1].n);

	for (j = 0; j < 3; j++) {
		for (i = 0; i + 1 < len[j]; i++) {
			ret = deliver(_metadata, s, &c[j][i]);
			if (j == 0 && i < 10) {
				/* Dropped, and two chains back: a stale DH
				 * step that does not open.
				 */
				EXPECT_EQ(-EBADMSG, ret)
					TH_LOG("chain 0, N = %u", i);
			} else {
				EXPECT_EQ(0, ret) TH_LOG("chain %u, N = %u",
							 j, i);
			}
		}
		msgs_free(c[j], L);
	}
	EXPECT_EQ(0, s->b.n_skipped);
	free(r.buf);
}

/* The same within one chain: dropped keys of the current chain are
 * "a message whose key was dropped", -EALREADY.
 */
TEST_F(session, skipped_store_drops_oldest_in_chain)
{
	struct sess *s = &self->s;
	enum { L = 3 * RATCHET_MAX_SKIP + 3 };
	struct msg *m = msgs_new(_metadata, L);
	unsigned int i, kg = 0;
	int ret;

	for (i = 0; i < L; i++)
		seal(_metadata, s, 'a', 6, &m[i]);
	count_keygens(&s->b, &kg);
	DELIVER_OK(s, &m[RATCHET_MAX_SKIP], "N = 1000");
	DELIVER_OK(s, &m[2 * RATCHET_MAX_SKIP + 1], "N = 2001");
	EXPECT_EQ(RATCHET_MAX_SKIPPED, s->b.n_skipped);
	DELIVER_OK(s, &m[3 * RATCHET_MAX_SKIP + 2], "N = 3002");
	ASSERT_EQ(RATCHET_MAX_SKIPPED, s->b.n_skipped);
	EXPECT_EQ(RATCHET_MAX_SKIP + 1, s->b.skipped[0].n);
	EXPECT_EQ(3 * RATCHET_MAX_SKIP + 1,
		  s->b.skipped[RATCHET_MAX_SKIPPED - 1].n);
	for (i = 0; i < RATCHET_MAX_SKIP; i += 37) {
		REFUSED(s, &s->b, &m[i], -EALREADY, &kg, "N = %u, dropped", i);
	}
	REFUSED(s, &s->b, &m[RATCHET_MAX_SKIP - 1], -EALREADY, &kg,
		"N = 999, dropped");
	for (i = RATCHET_MAX_SKIP + 1; i < L - 1; i++) {
		if (i == 2 * RATCHET_MAX_SKIP + 1)
			continue;
		ret = deliver(_metadata, s, &m[i]);
		EXPECT_EQ(0, ret) TH_LOG("N = %u", i);
		EXPECT_LE(s->b.n_skipped, RATCHET_MAX_SKIPPED);
	}
	EXPECT_EQ(0, s->b.n_skipped);
	msgs_free(m, L);
}

/*
 * Forward secrecy: a copy of Bob's state (the struct and its skipped
 * keys) taken after he opened some messages opens none of them, but
 * still opens those he has not (so the copy is sound).
 */
TEST_F(session, forward_secrecy)
{
	struct sess *s = &self->s;
	struct msg *m = msgs_new(_metadata, 24);
	struct ratchet copy;
	unsigned int i, chain[24];
	int ret;

	/* Chain 0: m0..m9, Bob opens 0-4, 7, 9 (5, 6, 8 skipped). */
	for (i = 0; i < 10; i++) {
		seal(_metadata, s, 'a', 10, &m[i]);
		chain[i] = 0;
	}
	for (i = 0; i < 10; i++)
		if (i != 5 && i != 6 && i != 8)
			DELIVER_OK(s, &m[i], "m%u", i);
	seal(_metadata, s, 'b', 10, &m[10]);
	DELIVER_OK(s, &m[10], "Bob's reply");
	chain[10] = 99;
	/* Chain 1: m11..m15, Bob opens 11, 13, 14 (12 skipped, 15 not). */
	for (i = 11; i < 16; i++) {
		seal(_metadata, s, 'a', 10, &m[i]);
		chain[i] = 1;
	}
	DELIVER_OK(s, &m[11], "m11");
	DELIVER_OK(s, &m[13], "m13");
	DELIVER_OK(s, &m[14], "m14");

	clone_state(&copy, &s->b);
	for (i = 0; i < 16; i++) {
		if (chain[i] == 99 || !m[i].opened)
			continue;
		ret = open_with(_metadata, &copy, s->ad, &m[i]);
		EXPECT_NE(0, ret) TH_LOG("the copy opened m%u again", i);
		EXPECT_EQ(-EALREADY, ret) TH_LOG("m%u", i);
	}
	/* The copy is sound: it opens what Bob has not opened yet. */
	for (i = 0; i < 16; i++) {
		if (chain[i] == 99 || m[i].opened)
			continue;
		EXPECT_EQ(0, open_with(_metadata, &copy, s->ad, &m[i]))
			TH_LOG("the copy cannot open m%u", i);
	}
	ratchet_free(&copy);

	/* Bob opens the rest, and a third chain starts. */
	for (i = 0; i < 16; i++)
		if (chain[i] != 99 && !m[i].opened)
			DELIVER_OK(s, &m[i], "m%u", i);
	seal(_metadata, s, 'b', 10, &m[16]);
	DELIVER_OK(s, &m[16], "Bob's second reply");
	seal(_metadata, s, 'a', 10, &m[17]);
	DELIVER_OK(s, &m[17], "m17, chain 2");
	chain[16] = 99;
	chain[17] = 2;
	clone_state(&copy, &s->b);
	EXPECT_EQ(0, copy.n_skipped);
	for (i = 0; i < 18; i++) {
		if (chain[i] == 99)
			continue;
		ret = open_with(_metadata, &copy, s->ad, &m[i]);
		EXPECT_NE(0, ret) TH_LOG("the copy opened m%u again", i);
		/* Chain 0 is two back: a stale DH step, -EBADMSG. */
		EXPECT_EQ(chain[i] ? -EALREADY : -EBADMSG, ret)
			TH_LOG("m%u (chain %u)", i, chain[i]);
	}
	ratchet_free(&copy);
	msgs_free(m, 24);
}

/*
 * Post-compromise security: Eve copies Alice's whole state. She reads
 * Bob's next messages (the same chain); but once Alice replies with a
 * ratchet key Eve never saw and Bob answers, Eve's copy (as it was, or as
 * it moved on with the messages she read) opens nothing of Bob's.
 */
TEST_F(session, post_compromise)
{
	struct sess *s = &self->s;
	struct msg *m = msgs_new(_metadata, 16);
	struct ratchet eve, eve0;
	unsigned int i;

	seal(_metadata, s, 'a', 10, &m[0]);
	DELIVER_OK(s, &m[0], "a0");
	seal(_metadata, s, 'b', 10, &m[1]);
	DELIVER_OK(s, &m[1], "b0");
	seal(_metadata, s, 'a', 10, &m[2]);
	DELIVER_OK(s, &m[2], "a1");

	clone_state(&eve, &s->a);
	clone_state(&eve0, &s->a);
	seal(_metadata, s, 'b', 10, &m[3]);
	seal(_metadata, s, 'b', 10, &m[4]);
	EXPECT_EQ(0, open_with(_metadata, &eve, s->ad, &m[3]))
		TH_LOG("the copy reads Bob's next message");
	EXPECT_EQ(0, open_with(_metadata, &eve, s->ad, &m[4]));
	DELIVER_OK(s, &m[3], "b1");
	DELIVER_OK(s, &m[4], "b2");

	/* Alice's new ratchet key, Bob's answer: Eve is out. */
	for (i = 5; i < 15; i += 2) {
		seal(_metadata, s, 'a', 10, &m[i]);
		DELIVER_OK(s, &m[i], "Alice, round %u", i);
		seal(_metadata, s, 'b', 10, &m[i + 1]);
		EXPECT_EQ(-EBADMSG, open_with(_metadata, &eve, s->ad,
					      &m[i + 1]))
			TH_LOG("Eve's copy opened Bob's message %u", i + 1);
		EXPECT_EQ(-EBADMSG, open_with(_metadata, &eve0, s->ad,
					      &m[i + 1]))
			TH_LOG("Eve's first copy opened Bob's message %u",
			       i + 1);
		DELIVER_OK(s, &m[i + 1], "Bob, round %u", i);
	}
	ratchet_free(&eve);
	ratchet_free(&eve0);
	msgs_free(m, 16);
}

/* A keygen from a seed, for the test that needs to know the keys. */
struct seeded {
	uint64_t seed;
	unsigned int calls;
};

static int seeded_keygen(void *arg, struct e2e_keypair *kp)
{
	struct seeded *g = arg;
	uint8_t priv[K];
	unsigned int i;

	for (i = 0; i < K; i += 8) {
		uint64_t v = rnd(&g->seed);

		memcpy(priv + i, &v, 8);
	}
	g->calls++;
	return e2e_keypair_from(priv, kp);
}

/*
 * The init calls keep keygen and its argument; Alice's first ratchet key
 * and each one after a DH step come from it (and only then); two sessions
 * with the same seeds and SK write the same bytes.
 */
TEST(keygen_hook)
{
	struct sess s[2];
	struct seeded ga[2], gb[2], probe;
	struct e2e_keypair want;
	struct msg m[2][6];
	unsigned int run, i;

	memset(m, 0, sizeof(m));
	sess_start(_metadata, &s[0], 1);
	sess_start(_metadata, &s[1], 1);
	/* The same SK, AD and SPK_B for both. */
	memcpy(s[1].sk, s[0].sk, K);
	memcpy(s[1].ad, s[0].ad, ADL);
	s[1].spk_b = s[0].spk_b;
	for (run = 0; run < 2; run++) {
		ga[run] = (struct seeded){ .seed = 0xa11ce };
		gb[run] = (struct seeded){ .seed = 0xb0b };
		ratchet_free(&s[run].a);
		ratchet_free(&s[run].b);
		memset(&s[run].a, 0, sizeof(s[run].a));
		memset(&s[run].b, 0, sizeof(s[run].b));
		s[run].a.keygen = seeded_keygen;
		s[run].a.keygen_arg = &ga[run];
		s[run].b.keygen = seeded_keygen;
		s[run].b.keygen_arg = &gb[run];
		ASSERT_EQ(0, ratchet_init_alice(&s[run].a, s[run].sk,
						s[run].spk_b.pub));
		ASSERT_EQ(0, ratchet_init_bob(&s[run].b, s[run].sk,
					      &s[run].spk_b));
		EXPECT_TRUE(s[run].a.keygen == seeded_keygen);
		EXPECT_EQ(&ga[run], s[run].a.keygen_arg);
		EXPECT_TRUE(s[run].b.keygen == seeded_keygen);
		EXPECT_EQ(&gb[run], s[run].b.keygen_arg);
		EXPECT_EQ(1, ga[run].calls);
		EXPECT_EQ(0, gb[run].calls);

		probe = (struct seeded){ .seed = 0xa11ce };
		ASSERT_EQ(0, seeded_keygen(&probe, &want));
		EXPECT_EQ(0, memcmp(&want, &s[run].a.dhs, sizeof(want)))
			TH_LOG("Alice's first ratchet key is keygen's");

		for (i = 0; i < 6; i++) {
			char from = i % 2 ? 'b' : 'a';
			struct ratchet *rx = i % 2 ? &s[run].a : &s[run].b;
			struct seeded *g = i % 2 ? &ga[run] : &gb[run];
			unsigned int before = g->calls;

			s[run].seq = i;
			seal(_metadata, &s[run], from, 20, &m[run][i]);
			DELIVER_OK(&s[run], &m[run][i], "run %u, %u", run, i);
			/* The receiver stepped: one key, keygen's. */
			EXPECT_EQ(before + 1, g->calls);
			probe = (struct seeded){ .seed = i % 2 ? 0xa11ce :
							     0xb0b };
			for (unsigned int c = 0; c < g->calls; c++)
				ASSERT_EQ(0, seeded_keygen(&probe, &want));
			EXPECT_EQ(0, memcmp(&want, &rx->dhs, sizeof(want)));
		}
	}
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(m[0][i].len, m[1][i].len);
		EXPECT_EQ(0, memcmp(m[0][i].buf, m[1][i].buf, m[0][i].len))
			TH_LOG("message %u differs between the runs", i);
		free(m[0][i].buf);
		free(m[1][i].buf);
	}
	sess_end(&s[0]);
	sess_end(&s[1]);
}

/* ratchet_free() leaves no key in the struct, and takes a zeroed one. */
TEST(free_wipes)
{
	struct ratchet zero;
	struct msg m[6];
	struct sess s;
	unsigned int i;

	memset(m, 0, sizeof(m));
	sess_start(_metadata, &s, 1);
	for (i = 0; i < 4; i++)
		seal(_metadata, &s, 'a', 10, &m[i]);
	DELIVER_OK(&s, &m[3], "m3, skipping three");
	seal(_metadata, &s, 'b', 10, &m[4]);
	DELIVER_OK(&s, &m[4], "Bob's reply");
	seal(_metadata, &s, 'a', 10, &m[5]);
	DELIVER_OK(&s, &m[5], "a second chain");
	ASSERT_EQ(3, s.b.n_skipped);
	ASSERT_TRUE(s.b.has_prev_dhr);

	for (i = 0; i < 2; i++) {
		struct ratchet *r = i ? &s.b : &s.a;

		ratchet_free(r);
		EXPECT_TRUE(all_zero(r->dhs.priv, K)) TH_LOG("side %u", i);
		EXPECT_TRUE(all_zero(r->rk, K)) TH_LOG("side %u", i);
		EXPECT_TRUE(all_zero(r->cks, K)) TH_LOG("side %u", i);
		EXPECT_TRUE(all_zero(r->ckr, K)) TH_LOG("side %u", i);
		EXPECT_TRUE(all_zero(r->dhs.pub, K)) TH_LOG("side %u", i);
		EXPECT_TRUE(all_zero(r->dhr, K)) TH_LOG("side %u", i);
		EXPECT_TRUE(all_zero(r->prev_dhr, K)) TH_LOG("side %u", i);
		EXPECT_EQ(NULL, r->skipped) TH_LOG("side %u", i);
		EXPECT_EQ(0, r->n_skipped) TH_LOG("side %u", i);
	}
	memset(&zero, 0, sizeof(zero));
	ratchet_free(&zero);
	for (i = 0; i < 6; i++)
		free(m[i].buf);
}

TEST_HARNESS_MAIN
