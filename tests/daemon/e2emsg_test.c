// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end envelopes and stored sessions (daemon/ternd/e2emsg.c): round
 * trips, a session that goes on after being stored and read back, and
 * every malformed field refused by name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.pb-c.h"
#include "e2emsg.h"
#include "kselftest_harness.h"

static ProtobufCBinaryData bin(const void *p, size_t len)
{
	return (ProtobufCBinaryData){ .data = (uint8_t *)p, .len = len };
}

static void fill(uint8_t *p, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = v + i;
}

TEST(envelope_round_trip)
{
	uint8_t ratchet[RATCHET_OVERHEAD + 10], *buf;
	struct e2e_envelope e = { 0 }, d;
	const char *why;
	void *keep;
	size_t len;

	fill(ratchet, sizeof(ratchet), 1);
	e.ratchet = ratchet;
	e.ratchet_len = sizeof(ratchet);
	ASSERT_EQ(0, e2emsg_envelope_pack(&e, &buf, &len));
	ASSERT_EQ(0, e2emsg_envelope_parse(buf, len, &d, &keep, &why));
	EXPECT_EQ(sizeof(ratchet), d.ratchet_len);
	EXPECT_EQ(0, memcmp(ratchet, d.ratchet, sizeof(ratchet)));
	EXPECT_FALSE(d.has_prekey);
	e2emsg_free(keep);
	free(buf);

	e.has_prekey = true;
	fill(e.prekey.identity_x25519, 32, 7);
	fill(e.prekey.ephemeral, 32, 9);
	e.prekey.signed_prekey_id = 3;
	e.prekey.prekey_id = 77;
	e.prekey.last_resort = true;
	ASSERT_EQ(0, e2emsg_envelope_pack(&e, &buf, &len));
	ASSERT_EQ(0, e2emsg_envelope_parse(buf, len, &d, &keep, &why));
	ASSERT_TRUE(d.has_prekey);
	EXPECT_EQ(0, memcmp(&e.prekey, &d.prekey, sizeof(d.prekey)));
	e2emsg_free(keep);
	free(buf);
}

/* Pack @m, parse it as an envelope, expect a refusal naming @field. */
static void refused(struct __test_metadata *_metadata,
		    const Tern__Envelope *m, const char *field)
{
	size_t len = tern__envelope__get_packed_size(m);
	uint8_t *buf = malloc(len + 1);
	struct e2e_envelope d;
	const char *why = NULL;
	void *keep = (void *)1;

	ASSERT_NE(NULL, buf);
	tern__envelope__pack(m, buf);
	EXPECT_EQ(-EBADMSG, e2emsg_envelope_parse(buf, len, &d, &keep, &why));
	EXPECT_EQ(NULL, keep);
	ASSERT_NE(NULL, why);
	EXPECT_NE(NULL, strstr(why, field)) TH_LOG("%s", why);
	free(buf);
}

TEST(envelope_refusals)
{
	static uint8_t big[E2EMSG_RATCHET_MAX + 1], key[33];
	Tern__Envelope m = TERN__ENVELOPE__INIT;
	Tern__PreKeyInfo p = TERN__PRE_KEY_INFO__INIT;
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
	struct e2e_envelope d;
	const char *why;
	void *keep;

	EXPECT_EQ(-EBADMSG, e2emsg_envelope_parse(junk, sizeof(junk), &d,
						  &keep, &why));
	EXPECT_NE(NULL, strstr(why, "not an envelope"));
	m.version = 2;
	m.ratchet = bin(big, RATCHET_OVERHEAD);
	refused(_metadata, &m, "version");
	m.version = 1;
	m.ratchet = bin(big, RATCHET_OVERHEAD - 1);
	refused(_metadata, &m, "ratchet: shorter");
	m.ratchet = bin(big, sizeof(big));
	refused(_metadata, &m, "ratchet: longer");
	m.ratchet = bin(big, RATCHET_OVERHEAD);
	m.prekey = &p;
	p.identity_x25519 = bin(key, 31);
	p.ephemeral = bin(key, 32);
	refused(_metadata, &m, "prekey.identity_x25519");
	p.identity_x25519 = bin(key, 32);
	p.ephemeral = bin(key, 33);
	refused(_metadata, &m, "prekey.ephemeral");
	p.ephemeral = bin(key, 32);
	p.kem_ciphertext = bin(key, 1);
	refused(_metadata, &m, "prekey.kem_ciphertext");
	p.kem_ciphertext = bin(NULL, 0);
	/* And the same message, now well formed, passes. */
	{
		size_t len = tern__envelope__get_packed_size(&m);
		uint8_t *buf = malloc(len);

		ASSERT_NE(NULL, buf);
		tern__envelope__pack(&m, buf);
		EXPECT_EQ(0, e2emsg_envelope_parse(buf, len, &d, &keep, &why));
		e2emsg_free(keep);
		free(buf);
	}
}

/* Alice and Bob with a session and some traffic, Bob holding skipped keys. */
struct pair {
	struct ratchet a, b;
	uint8_t ad[X3DH_AD_LEN];
	uint8_t late[3][RATCHET_OVERHEAD + 4];
};

static void make_pair(struct __test_metadata *_metadata, struct pair *p)
{
	struct e2e_keypair ika, eka, ikb, spkb, opkb;
	uint8_t sk[E2E_KEY_LEN], skb[E2E_KEY_LEN], adb[X3DH_AD_LEN];
	uint8_t msg[RATCHET_OVERHEAD + 4], pt[4];
	int i;

	memset(p, 0, sizeof(*p));
	ASSERT_EQ(0, e2e_keypair_new(&ika));
	ASSERT_EQ(0, e2e_keypair_new(&eka));
	ASSERT_EQ(0, e2e_keypair_new(&ikb));
	ASSERT_EQ(0, e2e_keypair_new(&spkb));
	ASSERT_EQ(0, e2e_keypair_new(&opkb));
	ASSERT_EQ(0, x3dh_initiate(&ika, &eka, ikb.pub, spkb.pub, opkb.pub, sk,
				   p->ad));
	ASSERT_EQ(0, x3dh_respond(&ikb, &spkb, &opkb, ika.pub, eka.pub, skb,
				  adb));
	ASSERT_EQ(0, ratchet_init_alice(&p->a, sk, spkb.pub));
	ASSERT_EQ(0, ratchet_init_bob(&p->b, skb, &spkb));
	/* Alice sends 5; Bob gets 0, 1 and 4 (2 and 3 are late). */
	for (i = 0; i < 5; i++) {
		uint8_t *m = i == 2 || i == 3 ? p->late[i - 2] : msg;

		ASSERT_EQ(0, ratchet_encrypt(&p->a, p->ad, sizeof(p->ad),
					     (const uint8_t *)"ping", 4, m));
		if (m == msg)
			ASSERT_EQ(0, ratchet_decrypt(&p->b, p->ad,
						     sizeof(p->ad), m,
						     sizeof(msg), pt, NULL));
	}
	ASSERT_EQ(2, p->b.n_skipped);
	/* Bob answers, Alice reads: both have ratcheted. */
	ASSERT_EQ(0, ratchet_encrypt(&p->b, p->ad, sizeof(p->ad),
				     (const uint8_t *)"pong", 4, msg));
	ASSERT_EQ(0, ratchet_decrypt(&p->a, p->ad, sizeof(p->ad), msg,
				     sizeof(msg), pt, NULL));
	/* Alice's next, on a new chain, is for after the restore. */
	ASSERT_EQ(0, ratchet_encrypt(&p->a, p->ad, sizeof(p->ad),
				     (const uint8_t *)"next", 4,
				     p->late[2]));
}

TEST(session_stored_and_resumed)
{
	uint8_t ad[X3DH_AD_LEN], pt[4], *buf, *buf2;
	struct e2e_prekey_info pend = { .prekey_id = 5 }, got;
	struct ratchet r = { 0 };
	struct pair *p = malloc(sizeof(*p));
	size_t len, len2;
	bool has;
	const char *why;
	int i;

	ASSERT_NE(NULL, p);
	make_pair(_metadata, p);
	fill(pend.identity_x25519, 32, 3);
	fill(pend.ephemeral, 32, 4);
	ASSERT_EQ(0, e2emsg_session_pack(&p->b, p->ad, &pend, &buf, &len));
	ASSERT_EQ(0, e2emsg_session_parse(buf, len, &r, ad, &got, &has, &why))
		TH_LOG("%s", why);
	EXPECT_TRUE(has);
	EXPECT_EQ(0, memcmp(&pend, &got, sizeof(got)));
	EXPECT_EQ(0, memcmp(ad, p->ad, sizeof(ad)));
	EXPECT_EQ(p->b.n_skipped, r.n_skipped);
	/* Stored again, the same bytes. */
	ASSERT_EQ(0, e2emsg_session_pack(&r, ad, &pend, &buf2, &len2));
	ASSERT_EQ(len, len2);
	EXPECT_EQ(0, memcmp(buf, buf2, len));
	/* The restored session reads the late messages and the next chain. */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, ratchet_decrypt(&r, ad, sizeof(ad), p->late[i],
					     sizeof(p->late[i]), pt, &why))
			TH_LOG("message %d: %s", i, why);
		EXPECT_EQ(0, memcmp(pt, i < 2 ? "ping" : "next", 4));
	}
	/* And it answers Alice, who reads it. */
	ASSERT_EQ(0, ratchet_encrypt(&r, ad, sizeof(ad),
				     (const uint8_t *)"back", 4, p->late[0]));
	ASSERT_EQ(0, ratchet_decrypt(&p->a, p->ad, sizeof(p->ad), p->late[0],
				     sizeof(p->late[0]), pt, NULL));
	free(buf);
	free(buf2);
	ratchet_free(&r);
	ratchet_free(&p->a);
	ratchet_free(&p->b);
	free(p);
}

/* Decode @m's bytes as a session: refused, naming @field. */
static void session_refused(struct __test_metadata *_metadata,
			    const Tern__SessionState *m, const char *field)
{
	size_t len = tern__session_state__get_packed_size(m);
	uint8_t *buf = malloc(len + 1), ad[X3DH_AD_LEN];
	struct ratchet r;
	const char *why = NULL;

	ASSERT_NE(NULL, buf);
	tern__session_state__pack(m, buf);
	EXPECT_EQ(-EBADMSG, e2emsg_session_parse(buf, len, &r, ad, NULL, NULL,
						 &why));
	ASSERT_NE(NULL, why);
	EXPECT_NE(NULL, strstr(why, field)) TH_LOG("%s", why);
	free(buf);
}

TEST(session_refusals)
{
	Tern__SessionState *m;
	struct pair *p = malloc(sizeof(*p));
	uint8_t *buf, other[32] = { 9 };
	Tern__SkippedKey **many;
	size_t len, i;

	ASSERT_NE(NULL, p);
	make_pair(_metadata, p);
	ASSERT_EQ(0, e2emsg_session_pack(&p->b, p->ad, NULL, &buf, &len));
	m = tern__session_state__unpack(NULL, len, buf);
	ASSERT_NE(NULL, m);

#define TRY(field, change, undo) do { \
		change; \
		session_refused(_metadata, m, field); \
		undo; \
	} while (0)
	TRY("version", m->version = 2, m->version = 1);
	TRY("ad", m->ad.len = 73, m->ad.len = 74);
	TRY("ad", m->ad.data[0] ^= 1, m->ad.data[0] ^= 1);
	TRY("dhs", m->dhs_priv.len = 31, m->dhs_priv.len = 32);
	TRY("dhs: the public key", m->dhs_pub.data[5] ^= 1,
	    m->dhs_pub.data[5] ^= 1);
	TRY("dhr", m->dhr.len = 16, m->dhr.len = 32);
	TRY("rk", m->rk.len = 0, m->rk.len = 32);
	TRY("cks/ckr", m->ckr.len = 31, m->ckr.len = 32);
	TRY("skipped: a key", m->skipped[0]->mk.len = 1,
	    m->skipped[0]->mk.len = 32);
	{
		ProtobufCBinaryData dhr = m->dhr, prev = m->prev_dhr;

		TRY("ckr: a receiving chain without", (m->dhr.len = 0,
		    m->prev_dhr.len = 0), (m->dhr = dhr, m->prev_dhr = prev));
	}
	/* Too many skipped keys. */
	many = calloc(RATCHET_MAX_SKIPPED + 1, sizeof(*many));
	ASSERT_NE(NULL, many);
	for (i = 0; i <= RATCHET_MAX_SKIPPED; i++)
		many[i] = m->skipped[0];
	{
		Tern__SkippedKey **keep = m->skipped;
		size_t n = m->n_skipped;

		TRY("skipped: more than", (m->skipped = many,
		    m->n_skipped = RATCHET_MAX_SKIPPED + 1),
		    (m->skipped = keep, m->n_skipped = n));
	}
	free(many);
	(void)other;
#undef TRY
	tern__session_state__free_unpacked(m, NULL);
	free(buf);
	ratchet_free(&p->a);
	ratchet_free(&p->b);
	free(p);
}

TEST_HARNESS_MAIN
