// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end envelopes, stored sessions and sealed contents
 * (daemon/ternd/e2emsg.c): round trips (a sealed content also through
 * daemon/e2e/seal.c, as it travels), a session that goes on after being
 * stored and read back, and every malformed field refused by name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.pb-c.h"
#include "e2emsg.h"
#include "handle.h"
#include "seal.h"
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

/*
 * A real envelope inside a sealed content, sealed to a device and opened
 * there: the sender and the envelope come out as they went in. Then the
 * edges: the longest handle, the largest envelope.
 */
TEST(sealed_round_trip)
{
	uint8_t ratchet[RATCHET_OVERHEAD + 10], dev[E2EMSG_DEVICE_ID_LEN];
	uint8_t *env, *buf, *sealed, *inner, *big;
	struct e2e_envelope e = { 0 }, d;
	struct e2e_sealed_content c;
	struct e2e_keypair ik;
	char handle[HANDLE_MAX + 1];
	size_t envlen, len;
	const char *why;
	void *keep, *keep2;

	fill(ratchet, sizeof(ratchet), 1);
	fill(dev, sizeof(dev), 0x40);
	e.ratchet = ratchet;
	e.ratchet_len = sizeof(ratchet);
	ASSERT_EQ(0, e2emsg_envelope_pack(&e, &env, &envlen));
	ASSERT_EQ(0, e2emsg_sealed_pack("alice@example.org", dev, env, envlen,
					&buf, &len));
	ASSERT_EQ(0, e2e_keypair_new(&ik));
	sealed = malloc(SEAL_OVERHEAD + len);
	inner = malloc(len);
	ASSERT_NE(NULL, sealed);
	ASSERT_NE(NULL, inner);
	ASSERT_EQ(0, seal_wrap(ik.pub, NULL, buf, len, sealed));
	ASSERT_EQ(0, seal_open(&ik, sealed, SEAL_OVERHEAD + len, inner, &why));
	ASSERT_EQ(0, e2emsg_sealed_parse(inner, len, &c, &keep, &why))
		TH_LOG("%s", why);
	EXPECT_EQ(NULL, why);
	EXPECT_STREQ("alice@example.org", c.handle);
	EXPECT_EQ(0, memcmp(dev, c.device, sizeof(dev)));
	ASSERT_EQ(envlen, c.envelope_len);
	EXPECT_EQ(0, memcmp(env, c.envelope, envlen));
	ASSERT_EQ(0, e2emsg_envelope_parse(c.envelope, c.envelope_len, &d,
					   &keep2, &why));
	EXPECT_EQ(0, memcmp(ratchet, d.ratchet, sizeof(ratchet)));
	e2emsg_free(keep2);
	e2emsg_free(keep);
	free(buf);
	free(sealed);
	free(inner);

	/* The longest handle, the largest envelope (opaque here). */
	memset(handle, 'l', 64);
	handle[64] = '@';
	memset(handle + 65, 'd', HANDLE_MAX - 65);
	memcpy(handle + HANDLE_MAX - 4, ".org", 5);
	ASSERT_EQ(NULL, handle_why(handle));
	big = malloc(E2EMSG_SEALED_ENVELOPE_MAX);
	ASSERT_NE(NULL, big);
	fill(big, E2EMSG_SEALED_ENVELOPE_MAX, 3);
	ASSERT_EQ(0, e2emsg_sealed_pack(handle, dev, big,
					E2EMSG_SEALED_ENVELOPE_MAX, &buf,
					&len));
	ASSERT_EQ(0, e2emsg_sealed_parse(buf, len, &c, &keep, &why))
		TH_LOG("%s", why);
	EXPECT_STREQ(handle, c.handle);
	ASSERT_EQ(E2EMSG_SEALED_ENVELOPE_MAX, c.envelope_len);
	EXPECT_EQ(0, memcmp(big, c.envelope, c.envelope_len));
	e2emsg_free(keep);
	free(buf);

	/* What the recipient would refuse is not encoded. */
	buf = NULL;
	EXPECT_EQ(-EINVAL, e2emsg_sealed_pack("Alice@example.org", dev, env,
					      envlen, &buf, &len));
	EXPECT_EQ(-EINVAL, e2emsg_sealed_pack("alice@example.org", dev, env,
					      0, &buf, &len));
	EXPECT_EQ(-EINVAL, e2emsg_sealed_pack("alice@example.org", dev, big,
					      E2EMSG_SEALED_ENVELOPE_MAX + 1,
					      &buf, &len));
	EXPECT_EQ(NULL, buf);
	free(big);
	free(env);
}

/* Parse @len bytes of @buf as a sealed content: refused, naming @field. */
static void sealed_refused_buf(struct __test_metadata *_metadata,
			       const uint8_t *buf, size_t len,
			       const char *field)
{
	struct e2e_sealed_content c;
	const char *why = NULL;
	void *keep = (void *)1;

	EXPECT_EQ(-EBADMSG, e2emsg_sealed_parse(buf, len, &c, &keep, &why));
	EXPECT_EQ(NULL, keep);
	ASSERT_NE(NULL, why);
	EXPECT_NE(NULL, strstr(why, field)) TH_LOG("%s", why);
}

/* Pack @m, parse it as a sealed content, expect a refusal naming @field. */
static void sealed_refused(struct __test_metadata *_metadata,
			   const Tern__SealedContent *m, const char *field)
{
	size_t len = tern__sealed_content__get_packed_size(m);
	uint8_t *buf = malloc(len + 1);

	ASSERT_NE(NULL, buf);
	tern__sealed_content__pack(m, buf);
	sealed_refused_buf(_metadata, buf, len, field);
	free(buf);
}

TEST(sealed_refusals)
{
	static uint8_t big[E2EMSG_SEALED_ENVELOPE_MAX + 1], dev[17];
	static const char *const bad_handles[] = {
		"", "alice", "Alice@example.org", "alice@example",
		"alice@@example.org", "al ice@example.org",
		"alice@-example.org",
	};
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
	/* version 1, "a@b.co\0x", 16 bytes of device, a 1-byte envelope */
	static const uint8_t nul[] = {
		0x08, 0x01, 0x12, 0x08, 'a', '@', 'b', '.', 'c', 'o', 0, 'x',
		0x1a, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16, 0x22, 0x01, 0x00,
	};
	Tern__SealedContent m = TERN__SEALED_CONTENT__INIT;
	struct e2e_sealed_content c;
	uint8_t twice[sizeof(nul) + 2];
	char longest[HANDLE_MAX + 2];
	const char *why;
	unsigned int i;
	void *keep;

	sealed_refused_buf(_metadata, junk, sizeof(junk),
			   "not a sealed content");
	m.version = 1;
	m.sender_handle = "alice@example.org";
	m.sender_device = bin(dev, 16);
	m.envelope = bin(big, 100);
	/* Well formed, to start from. */
	{
		size_t len = tern__sealed_content__get_packed_size(&m);
		uint8_t *buf = malloc(len);

		ASSERT_NE(NULL, buf);
		tern__sealed_content__pack(&m, buf);
		EXPECT_EQ(0, e2emsg_sealed_parse(buf, len, &c, &keep, &why))
			TH_LOG("%s", why);
		e2emsg_free(keep);
		free(buf);
	}
	m.version = 2;
	sealed_refused(_metadata, &m, "version");
	m.version = 0;
	sealed_refused(_metadata, &m, "version");
	m.version = 1;
	for (i = 0; i < ARRAY_SIZE(bad_handles); i++) {
		m.sender_handle = (char *)bad_handles[i];
		sealed_refused(_metadata, &m, "sender_handle");
	}
	/* One byte over the longest handle. */
	memset(longest, 'l', 64);
	longest[64] = '@';
	memset(longest + 65, 'd', HANDLE_MAX + 1 - 65);
	memcpy(longest + HANDLE_MAX + 1 - 4, ".org", 5);
	m.sender_handle = longest;
	sealed_refused(_metadata, &m, "sender_handle");
	m.sender_handle = "alice@example.org";
	m.sender_device = bin(dev, 15);
	sealed_refused(_metadata, &m, "sender_device");
	m.sender_device = bin(dev, 17);
	sealed_refused(_metadata, &m, "sender_device");
	m.sender_device = bin(NULL, 0);
	sealed_refused(_metadata, &m, "sender_device");
	m.sender_device = bin(dev, 16);
	m.envelope = bin(NULL, 0);
	sealed_refused(_metadata, &m, "envelope: empty");
	m.envelope = bin(big, sizeof(big));
	sealed_refused(_metadata, &m, "envelope: longer");

	/* A handle with a tail after a NUL, which C would cut off. */
	sealed_refused_buf(_metadata, nul, sizeof(nul), "sender_handle");
	/* Without the tail it passes: the check is of that alone. */
	memcpy(twice, nul, sizeof(nul));
	twice[3] = 6;
	memmove(twice + 10, twice + 12, sizeof(nul) - 12);
	ASSERT_EQ(0, e2emsg_sealed_parse(twice, sizeof(nul) - 2, &c, &keep,
					 &why)) TH_LOG("%s", why);
	EXPECT_STREQ("a@b.co", c.handle);
	e2emsg_free(keep);
	/* The version twice. */
	memcpy(twice, nul, 2);
	memcpy(twice + 2, twice, 2);
	memcpy(twice + 4, nul + 2, sizeof(nul) - 2);
	twice[5] = 6;
	memmove(twice + 12, twice + 14, sizeof(nul) - 12);
	sealed_refused_buf(_metadata, twice, sizeof(nul), "twice");
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

/* Pack @m, parse it as a link provision: refused, naming @field. */
static void link_refused(struct __test_metadata *_metadata,
			 const Tern__LinkProvision *m, const char *field)
{
	size_t len = tern__link_provision__get_packed_size(m);
	uint8_t *buf = malloc(len + 1);
	struct e2e_link_provision p;
	const char *why = NULL;

	ASSERT_NE(NULL, buf);
	tern__link_provision__pack(m, buf);
	EXPECT_EQ(-EBADMSG, e2emsg_link_parse(buf, len, &p, &why));
	ASSERT_NE(NULL, why);
	EXPECT_NE(NULL, strstr(why, field)) TH_LOG("%s: %s", field, why);
	free(buf);
}

TEST(link_provision)
{
	static uint8_t seed[33], id[17], ids[17][16];
	ProtobufCBinaryData devs[17];
	Tern__LinkProvision m = TERN__LINK_PROVISION__INIT;
	struct e2e_link_provision p = { .ndevices = 2 }, q;
	const char *why = NULL;
	unsigned int i;
	uint8_t *buf;
	size_t len;

	snprintf(p.handle, sizeof(p.handle), "alice@example.org");
	fill(p.account_seed, sizeof(p.account_seed), 1);
	fill(p.device, sizeof(p.device), 2);
	fill(p.approver, sizeof(p.approver), 3);
	memcpy(p.devices[0], p.approver, 16);
	memcpy(p.devices[1], p.device, 16);
	ASSERT_EQ(0, e2emsg_link_pack(&p, &buf, &len));
	ASSERT_EQ(0, e2emsg_link_parse(buf, len, &q, &why)) TH_LOG("%s", why);
	EXPECT_EQ(0, memcmp(&p, &q, sizeof(p)));
	free(buf);
	/* What the receiver would refuse is not packed. */
	p.ndevices = 0;
	EXPECT_EQ(-EINVAL, e2emsg_link_pack(&p, &buf, &len));
	p.ndevices = 2;
	snprintf(p.handle, sizeof(p.handle), "alice");
	EXPECT_EQ(-EINVAL, e2emsg_link_pack(&p, &buf, &len));

	/* Each field refused by name. */
	for (i = 0; i < 17; i++) {
		fill(ids[i], 16, i);
		devs[i].data = ids[i];
		devs[i].len = 16;
	}
	m.version = 1;
	m.handle = "alice@example.org";
	m.account_key.data = seed;
	m.account_key.len = 32;
	m.device.data = id;
	m.device.len = 16;
	m.approver.data = ids[0];
	m.approver.len = 16;
	m.devices = devs;
	m.n_devices = 2;
	m.version = 2;
	link_refused(_metadata, &m, "version");
	m.version = 1;
	m.handle = "alice@";
	link_refused(_metadata, &m, "handle");
	m.handle = "alice@example.org";
	m.account_key.len = 33;
	link_refused(_metadata, &m, "account_key");
	m.account_key.len = 32;
	m.device.len = 17;
	link_refused(_metadata, &m, "device: not 16");
	m.device.len = 16;
	m.approver.len = 0;
	link_refused(_metadata, &m, "approver");
	m.approver.len = 16;
	m.n_devices = 0;
	link_refused(_metadata, &m, "devices: none");
	m.n_devices = 17;
	link_refused(_metadata, &m, "devices: more than 16");
	m.n_devices = 2;
	devs[1].len = 15;
	link_refused(_metadata, &m, "devices: an id not 16");
	devs[1].len = 16;
	m.approver.data = id;
	link_refused(_metadata, &m, "the approver is not among them");
	EXPECT_EQ(-EBADMSG, e2emsg_link_parse((const uint8_t *)"\xff\xff", 2,
					      &q, &why));
	EXPECT_NE(NULL, strstr(why, "protobuf"));
}

TEST_HARNESS_MAIN
