// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end sessions kept in ternd's store (daemon/ternd/sess.c), between
 * devices that each have their own store: a first message that starts a
 * session and the answer that completes it, one-time prekeys used once,
 * last-resort prekeys used again, replays, reordering, tampering, both
 * sides starting at once, resets, restarts, and batches rolled back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dstore.h"
#include "e2emsg.h"
#include "sess.h"
#include "store_util.h"
#include "kselftest_harness.h"

#define NOW_MS		1700000000000ULL
#define ONE_TIME	3	/* one-time prekeys each device has */

struct dev {
	char dir[64];
	struct dstore *ds;
	struct sess_self self;
	struct sess_peer peer;		/* how others see this device */
	char handle[16];
	struct e2e_keypair spk, opk[ONE_TIME + 1], lr;
};

static int dev_open(struct dev *d)
{
	char err[256];

	static const uint8_t key[DSTORE_STORE_KEY_LEN] = { 7 };

	return dstore_open(d->dir, key, &d->ds, err, sizeof(err));
}

static int dev_init(struct dev *d, const char *handle, uint8_t id)
{
	int i, ret;

	if (!scratch_dir(d->dir, handle))
		return -errno;
	ret = dev_open(d);
	if (ret)
		return ret;
	snprintf(d->handle, sizeof(d->handle), "%s", handle);
	if (e2e_keypair_new(&d->self.ik) || e2e_keypair_new(&d->spk) ||
	    e2e_keypair_new(&d->lr))
		return -EIO;
	ret = dstore_key_put(d->ds, DSTORE_KEY_IDENTITY, 0, d->self.ik.priv,
			     d->self.ik.pub, NOW_MS);
	ret = ret ?: dstore_key_put(d->ds, DSTORE_KEY_SIGNED, 1, d->spk.priv,
				    d->spk.pub, NOW_MS);
	ret = ret ?: dstore_key_put(d->ds, DSTORE_KEY_LAST_RESORT, 1,
				    d->lr.priv, d->lr.pub, NOW_MS);
	for (i = 1; !ret && i <= ONE_TIME; i++) {
		if (e2e_keypair_new(&d->opk[i]))
			return -EIO;
		ret = dstore_key_put(d->ds, DSTORE_KEY_ONE_TIME, i,
				     d->opk[i].priv, d->opk[i].pub, NOW_MS);
	}
	memset(d->peer.dev, id, sizeof(d->peer.dev));
	d->peer.handle = d->handle;
	memcpy(d->peer.ik, d->self.ik.pub, E2E_KEY_LEN);
	return ret;
}

static void dev_fini(struct dev *d)
{
	dstore_close(d->ds);
	scratch_remove(d->dir);
}

/* What a claim of @d's keys hands out: one-time prekey @opk, or the
 * last-resort prekey when @opk is 0.
 */
static void bundle(const struct dev *d, int opk, struct sess_bundle *b)
{
	memcpy(b->ik, d->self.ik.pub, E2E_KEY_LEN);
	b->spk_id = 1;
	memcpy(b->spk, d->spk.pub, E2E_KEY_LEN);
	b->last_resort = !opk;
	b->opk_id = opk ? (uint32_t)opk : 1;
	memcpy(b->opk, opk ? d->opk[opk].pub : d->lr.pub, E2E_KEY_LEN);
}

struct env {
	uint8_t *buf;
	size_t len;
};

static int enc(struct dev *from, struct dev *to, const struct sess_bundle *b,
	       const char *text, struct env *e)
{
	const char *why = NULL;
	int ret;

	ret = sess_encrypt(from->ds, &from->self, &to->peer, b,
			   (const uint8_t *)text, strlen(text), NOW_MS,
			   &e->buf, &e->len, &why);
	if (ret)
		fprintf(stderr, "# encrypt %s -> %s: %s\n", from->handle,
			to->handle, why);
	return ret;
}

/* Decrypt @e at @to and compare with @text; the errno otherwise. */
static int dec(struct dev *to, struct dev *from, const struct env *e,
	       const char *text)
{
	const char *why = NULL;
	uint8_t *pt;
	size_t len;
	int ret;

	ret = sess_decrypt(to->ds, &to->self, &from->peer, e->buf, e->len,
			   NOW_MS, &pt, &len, &why);
	if (ret) {
		fprintf(stderr, "# decrypt %s <- %s: %s\n", to->handle,
			from->handle, why ? why : "(no reason)");
		return ret;
	}
	ret = len == strlen(text) && !memcmp(pt, text, len) ? 0 : -EBADE;
	free(pt);
	return ret;
}

static bool has_prekey(const struct env *e)
{
	struct e2e_envelope d;
	const char *why;
	void *keep;
	bool ret;

	if (e2emsg_envelope_parse(e->buf, e->len, &d, &keep, &why))
		return false;
	ret = d.has_prekey;
	e2emsg_free(keep);
	return ret;
}

static void env_free(struct env *e)
{
	free(e->buf);
	e->buf = NULL;
}

FIXTURE(pair) {
	struct dev a, b, c;
};

FIXTURE_SETUP(pair)
{
	ASSERT_EQ(0, dev_init(&self->a, "alice", 0xa1));
	ASSERT_EQ(0, dev_init(&self->b, "bob", 0xb0));
	ASSERT_EQ(0, dev_init(&self->c, "carol", 0xc0));
}

FIXTURE_TEARDOWN(pair)
{
	dev_fini(&self->a);
	dev_fini(&self->b);
	dev_fini(&self->c);
}

/* Alice starts, Bob answers, and from then on no key agreement rides. */
TEST_F(pair, start_answer_and_go_on)
{
	struct sess_bundle bb;
	struct env e1, e2, e3, e4;
	struct dkey dk;

	bundle(&self->b, 2, &bb);
	/* Without a session and without a bundle there is nothing to do. */
	EXPECT_EQ(-ENOENT, enc(&self->a, &self->b, NULL, "hi", &e1));
	ASSERT_EQ(0, enc(&self->a, &self->b, &bb, "hello bob", &e1));
	EXPECT_TRUE(has_prekey(&e1));
	/* Until Bob answers, every message carries the key agreement. */
	ASSERT_EQ(0, enc(&self->a, &self->b, NULL, "are you there", &e2));
	EXPECT_TRUE(has_prekey(&e2));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e1, "hello bob"));
	/* The one-time prekey is gone with the first message; the rest is
	 * not.
	 */
	EXPECT_EQ(-ENOENT, dstore_key_get(self->b.ds, DSTORE_KEY_ONE_TIME, 2,
					  &dk));
	EXPECT_EQ(0, dstore_key_get(self->b.ds, DSTORE_KEY_ONE_TIME, 1, &dk));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e2, "are you there"));
	ASSERT_EQ(0, enc(&self->b, &self->a, NULL, "yes", &e3));
	EXPECT_FALSE(has_prekey(&e3));
	ASSERT_EQ(0, dec(&self->a, &self->b, &e3, "yes"));
	ASSERT_EQ(0, enc(&self->a, &self->b, NULL, "good", &e4));
	EXPECT_FALSE(has_prekey(&e4));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e4, "good"));
	/* The envelope is bucketed: a short text takes the smallest size. */
	EXPECT_GT(e4.len, 64 + RATCHET_OVERHEAD);
	EXPECT_LT(e4.len, 64 + RATCHET_OVERHEAD + 16);
	env_free(&e1);
	env_free(&e2);
	env_free(&e3);
	env_free(&e4);
}

/* A replay is refused, whether of the first message or a later one, and
 * refusing it changes nothing.
 */
TEST_F(pair, replays_refused)
{
	struct sess_bundle bb;
	struct env e1, e2, e3;

	bundle(&self->b, 1, &bb);
	ASSERT_EQ(0, enc(&self->a, &self->b, &bb, "one", &e1));
	ASSERT_EQ(0, enc(&self->a, &self->b, NULL, "two", &e2));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e1, "one"));
	EXPECT_EQ(-EALREADY, dec(&self->b, &self->a, &e1, "one"));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e2, "two"));
	EXPECT_EQ(-EALREADY, dec(&self->b, &self->a, &e2, "two"));
	EXPECT_EQ(-EALREADY, dec(&self->b, &self->a, &e1, "one"));
	ASSERT_EQ(0, enc(&self->a, &self->b, NULL, "three", &e3));
	EXPECT_EQ(0, dec(&self->b, &self->a, &e3, "three"));
	env_free(&e1);
	env_free(&e2);
	env_free(&e3);
}

/* Messages that arrive out of order all open, each once. */
TEST_F(pair, reordered)
{
	static const int order[] = { 3, 0, 5, 1, 4, 2 };
	char text[6][16];
	struct sess_bundle bb;
	struct env e[6];
	int i;

	bundle(&self->b, 3, &bb);
	for (i = 0; i < 6; i++) {
		snprintf(text[i], sizeof(text[i]), "message %d", i);
		ASSERT_EQ(0, enc(&self->a, &self->b, i ? NULL : &bb, text[i],
				 &e[i]));
	}
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, dec(&self->b, &self->a, &e[order[i]],
				 text[order[i]]));
	for (i = 0; i < 6; i++) {
		EXPECT_EQ(-EALREADY, dec(&self->b, &self->a, &e[i], text[i]));
		env_free(&e[i]);
	}
}

/*
 * A one-time prekey serves one session: a second device that was handed
 * the same one (a directory that lied, or a replay of a claim) cannot
 * start with it. The last-resort prekey serves any number.
 */
TEST_F(pair, one_time_once_last_resort_always)
{
	struct sess_bundle bb;
	struct env e1, e2, e3, e4;
	struct dkey dk;

	bundle(&self->b, 1, &bb);
	ASSERT_EQ(0, enc(&self->a, &self->b, &bb, "from alice", &e1));
	ASSERT_EQ(0, enc(&self->c, &self->b, &bb, "from carol", &e2));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e1, "from alice"));
	EXPECT_EQ(-ENOKEY, dec(&self->b, &self->c, &e2, "from carol"));

	bundle(&self->b, 0, &bb);
	ASSERT_EQ(0, enc(&self->a, &self->b, &bb, "alice again", &e3));
	ASSERT_EQ(0, enc(&self->c, &self->b, &bb, "carol again", &e4));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e3, "alice again"));
	ASSERT_EQ(0, dec(&self->b, &self->c, &e4, "carol again"));
	EXPECT_EQ(0, dstore_key_get(self->b.ds, DSTORE_KEY_LAST_RESORT, 1,
				    &dk));
	env_free(&e1);
	env_free(&e2);
	env_free(&e3);
	env_free(&e4);
}

/*
 * A message is bound to its sender: the key agreement must carry the
 * identity key the caller verified, and a message from Alice's session
 * does not open as Carol's.
 */
TEST_F(pair, bound_to_the_sender)
{
	struct sess_bundle bb;
	struct sess_peer fake;
	struct env e1, e2, e3;
	const char *why = NULL;
	uint8_t *pt;
	size_t len;

	bundle(&self->b, 1, &bb);
	ASSERT_EQ(0, enc(&self->a, &self->b, &bb, "hello", &e1));
	/* Alice's envelope presented as Carol's. */
	EXPECT_EQ(-EBADMSG, sess_decrypt(self->b.ds, &self->b.self,
					 &self->c.peer, e1.buf, e1.len,
					 NOW_MS, &pt, &len, &why));
	EXPECT_NE(NULL, strstr(why, "identity_x25519"));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e1, "hello"));
	ASSERT_EQ(0, enc(&self->b, &self->a, NULL, "hi", &e2));
	ASSERT_EQ(0, dec(&self->a, &self->b, &e2, "hi"));
	/* Without the key agreement, it opens under no session of Carol:
	 * Bob has none with her.
	 */
	ASSERT_EQ(0, enc(&self->a, &self->b, NULL, "later", &e3));
	EXPECT_FALSE(has_prekey(&e3));
	EXPECT_EQ(-ENOENT, dec(&self->b, &self->c, &e3, "later"));
	/* And under Alice's device id with another identity key: the
	 * sessions made with the old key are void.
	 */
	fake = self->a.peer;
	memcpy(fake.ik, self->c.self.ik.pub, E2E_KEY_LEN);
	EXPECT_EQ(-ENOENT, sess_decrypt(self->b.ds, &self->b.self, &fake,
					e3.buf, e3.len, NOW_MS, &pt, &len,
					&why));
	EXPECT_EQ(0, dec(&self->b, &self->a, &e3, "later"));
	/* A bundle whose identity key is not the peer's is refused. */
	env_free(&e1);
	bundle(&self->c, 1, &bb);
	EXPECT_EQ(-EINVAL, enc(&self->a, &self->b, &bb, "x", &e1));
	env_free(&e2);
	env_free(&e3);
}

/* A corrupted message is refused and changes nothing. */
TEST_F(pair, tampering)
{
	struct sess_bundle bb;
	struct env e1, e2;

	bundle(&self->b, 1, &bb);
	ASSERT_EQ(0, enc(&self->a, &self->b, &bb, "first", &e1));
	/* A bit of the ratchet message (the framing takes 5 bytes). */
	e1.buf[20] ^= 0x40;
	EXPECT_EQ(-EBADMSG, dec(&self->b, &self->a, &e1, "first"));
	e1.buf[20] ^= 0x40;
	/* The failed attempt used up no one-time prekey. */
	ASSERT_EQ(0, dec(&self->b, &self->a, &e1, "first"));
	ASSERT_EQ(0, enc(&self->a, &self->b, NULL, "second", &e2));
	/* It still carries the key agreement, whose one-time prekey is
	 * used: what is said is why the session did not open it.
	 */
	e2.buf[20] ^= 1;
	EXPECT_EQ(-EBADMSG, dec(&self->b, &self->a, &e2, "second"));
	e2.buf[20] ^= 1;
	EXPECT_EQ(0, dec(&self->b, &self->a, &e2, "second"));
	/* Not an envelope at all. */
	e2.len = 3;
	EXPECT_EQ(-EBADMSG, dec(&self->b, &self->a, &e2, "second"));
	env_free(&e1);
	env_free(&e2);
}

/*
 * Both start a session at the same time and their first messages cross.
 * Each device ends up with both sessions, and every message, in either,
 * opens: nothing is lost while they settle on one.
 */
TEST_F(pair, both_start_at_once)
{
	struct sess_bundle ba, bb;
	struct env ea, eb, e;
	char text[32];
	int i;

	bundle(&self->a, 1, &ba);
	bundle(&self->b, 1, &bb);
	ASSERT_EQ(0, enc(&self->a, &self->b, &bb, "alice first", &ea));
	ASSERT_EQ(0, enc(&self->b, &self->a, &ba, "bob first", &eb));
	ASSERT_EQ(0, dec(&self->b, &self->a, &ea, "alice first"));
	ASSERT_EQ(0, dec(&self->a, &self->b, &eb, "bob first"));
	env_free(&ea);
	env_free(&eb);
	/* Crossing again, then in turns. */
	for (i = 0; i < 6; i++) {
		snprintf(text, sizeof(text), "a%d", i);
		ASSERT_EQ(0, enc(&self->a, &self->b, NULL, text, &e));
		ASSERT_EQ(0, dec(&self->b, &self->a, &e, text));
		env_free(&e);
		snprintf(text, sizeof(text), "b%d", i);
		ASSERT_EQ(0, enc(&self->b, &self->a, NULL, text, &e));
		ASSERT_EQ(0, dec(&self->a, &self->b, &e, text));
		if (i == 5)
			EXPECT_FALSE(has_prekey(&e));
		env_free(&e);
	}
}

/* Sessions survive restarts of both stores, mid-conversation. */
TEST_F(pair, restarts)
{
	struct sess_bundle bb;
	struct env e1, e2, e3;

	bundle(&self->b, 1, &bb);
	ASSERT_EQ(0, enc(&self->a, &self->b, &bb, "before", &e1));
	ASSERT_EQ(0, enc(&self->a, &self->b, NULL, "held", &e2));
	dstore_close(self->a.ds);
	dstore_close(self->b.ds);
	ASSERT_EQ(0, dev_open(&self->a));
	ASSERT_EQ(0, dev_open(&self->b));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e2, "held"));
	dstore_close(self->b.ds);
	ASSERT_EQ(0, dev_open(&self->b));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e1, "before"));
	ASSERT_EQ(0, enc(&self->b, &self->a, NULL, "after", &e3));
	dstore_close(self->a.ds);
	ASSERT_EQ(0, dev_open(&self->a));
	ASSERT_EQ(0, dec(&self->a, &self->b, &e3, "after"));
	env_free(&e1);
	env_free(&e2);
	env_free(&e3);
}

/*
 * A batch rolled back takes the session's step with it (and the used
 * one-time prekey): the message opens again, as it must when ternd could
 * not commit and the gateway delivers it once more.
 */
TEST_F(pair, rolled_back_batch)
{
	struct sess_bundle bb;
	struct env e1, e2;

	bundle(&self->b, 2, &bb);
	ASSERT_EQ(0, enc(&self->a, &self->b, &bb, "first", &e1));
	ASSERT_EQ(0, enc(&self->a, &self->b, NULL, "second", &e2));
	ASSERT_EQ(0, dstore_begin(self->b.ds));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e1, "first"));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e2, "second"));
	dstore_rollback(self->b.ds);
	ASSERT_EQ(0, dec(&self->b, &self->a, &e2, "second"));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e1, "first"));
	EXPECT_EQ(-EALREADY, dec(&self->b, &self->a, &e1, "first"));
	env_free(&e1);
	env_free(&e2);
}

/*
 * A reset: Bob lost his sessions (or forgot them). Alice's next message
 * without a key agreement cannot open: -ENOENT, which ternd answers with
 * a reset notice. Alice starts over from a new bundle and it works.
 */
TEST_F(pair, reset)
{
	struct sess_bundle bb;
	struct env e1, e2, e3, e4;

	bundle(&self->b, 1, &bb);
	ASSERT_EQ(0, enc(&self->a, &self->b, &bb, "one", &e1));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e1, "one"));
	ASSERT_EQ(0, enc(&self->b, &self->a, NULL, "two", &e2));
	ASSERT_EQ(0, dec(&self->a, &self->b, &e2, "two"));
	ASSERT_EQ(0, sess_reset(self->b.ds, self->a.peer.dev));
	EXPECT_EQ(-ENOENT, sess_reset(self->b.ds, self->a.peer.dev));
	ASSERT_EQ(0, enc(&self->a, &self->b, NULL, "three", &e3));
	EXPECT_EQ(-ENOENT, dec(&self->b, &self->a, &e3, "three"));
	bundle(&self->b, 2, &bb);
	ASSERT_EQ(0, enc(&self->a, &self->b, &bb, "three again", &e4));
	ASSERT_EQ(0, dec(&self->b, &self->a, &e4, "three again"));
	env_free(&e1);
	env_free(&e2);
	env_free(&e3);
	env_free(&e4);
}

TEST_F(pair, too_long)
{
	struct sess_bundle bb;
	const char *why;
	uint8_t *big, *env;
	size_t len;

	big = calloc(1, 40000);
	ASSERT_NE(NULL, big);
	bundle(&self->b, 1, &bb);
	EXPECT_EQ(-EMSGSIZE, sess_encrypt(self->a.ds, &self->a.self,
					  &self->b.peer, &bb, big, 40000,
					  NOW_MS, &env, &len, &why));
	EXPECT_EQ(0, sess_encrypt(self->a.ds, &self->a.self, &self->b.peer,
				  &bb, big, 31000, NOW_MS, &env, &len, &why));
	free(env);
	free(big);
}

TEST_HARNESS_MAIN
