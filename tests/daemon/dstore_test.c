// SPDX-License-Identifier: GPL-2.0
/*
 * ternd's store (daemon/ternd/dstore.c) on a scratch directory: the inbox
 * (duplicates, arrival order, taking and consuming, expiry), the outbox
 * (due order, retries, acks, permanent failures), settings, the
 * device's X25519 keys, batches, reopening, the upgrade of a store of
 * the first schema, and a really full disk: a 1 MiB tmpfs in a private
 * mount namespace (root).
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dstore.h"
#include "store_util.h"
#include "kselftest_harness.h"

#define ERRLEN		512
#define MAX_SEEN	1024
#define NOW_S		1700000000ULL
#define NOW_MS		(NOW_S * 1000)

struct seen {
	unsigned int n;
	int stop_at;		/* return 1 at this one (1-based) */
	int fail_at;		/* return -EINTR at this one */
	uint8_t id[MAX_SEEN][DSTORE_MSG_ID_LEN];
	uint8_t token[MAX_SEEN][DSTORE_TOKEN_LEN];
	uint64_t expiry[MAX_SEEN], when[MAX_SEEN];
	uint32_t flags[MAX_SEEN];
	unsigned int attempts[MAX_SEEN];
	size_t len[MAX_SEEN];
	uint32_t sum[MAX_SEEN];
};

static uint32_t sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* The callback's verdict for the next message, -1: store it. */
static int verdict(struct seen *s)
{
	if (s->fail_at && (int)s->n + 1 == s->fail_at)
		return -EINTR;
	if (s->n == MAX_SEEN)
		return -ENOSPC;
	return -1;
}

static int take_cb(void *ctx, const struct dmsg *m)
{
	struct seen *s = ctx;
	int v = verdict(s);

	if (v != -1)
		return v;
	memcpy(s->id[s->n], m->msg_id, DSTORE_MSG_ID_LEN);
	s->expiry[s->n] = m->expiry_s;
	s->flags[s->n] = m->flags;
	s->len[s->n] = m->len;
	s->sum[s->n] = sum(m->payload, m->len);
	s->when[s->n] = m->received_ms;
	s->n++;
	return s->stop_at && (int)s->n == s->stop_at;
}

static int due_cb(void *ctx, const struct dout *o)
{
	struct seen *s = ctx;
	int v = verdict(s);

	if (v != -1)
		return v;
	memcpy(s->id[s->n], o->msg_id, DSTORE_MSG_ID_LEN);
	memcpy(s->token[s->n], o->token, DSTORE_TOKEN_LEN);
	s->expiry[s->n] = o->expiry_s;
	s->flags[s->n] = o->flags;
	s->len[s->n] = o->len;
	s->sum[s->n] = sum(o->payload, o->len);
	s->when[s->n] = o->next_try_ms;
	s->attempts[s->n] = o->attempts;
	s->n++;
	return s->stop_at && (int)s->n == s->stop_at;
}

static int in_put(struct dstore *ds, uint32_t k, size_t len, uint64_t expiry)
{
	uint8_t id[DSTORE_MSG_ID_LEN], payload[4096];

	id16(id, k);
	pattern(payload, len, k);
	return dstore_inbox_put(ds, id, expiry, k & 3, payload, len,
				NOW_MS + k);
}

static int saw_in(const struct seen *s, unsigned int i, uint32_t k,
		  size_t len)
{
	uint8_t id[DSTORE_MSG_ID_LEN], payload[4096];

	id16(id, k);
	pattern(payload, len, k);
	return i < s->n && !memcmp(s->id[i], id, sizeof(id)) &&
	       s->len[i] == len && s->sum[i] == sum(payload, len) &&
	       s->flags[i] == (k & 3) && s->when[i] == NOW_MS + k;
}

static int take(struct dstore *ds, struct seen *s, unsigned int max,
		bool consume)
{
	memset(s, 0, sizeof(*s));
	return dstore_inbox_take(ds, max, consume, take_cb, s);
}

static int out_add(struct dstore *ds, uint32_t k, uint64_t next_try)
{
	uint8_t id[DSTORE_MSG_ID_LEN], token[DSTORE_TOKEN_LEN], payload[512];

	id16(id, k);
	pattern(token, sizeof(token), k + 7);
	pattern(payload, 100 + k, k);
	return dstore_out_add(ds, id, token, NOW_S + k, k & 3, payload,
			      100 + k, next_try);
}

static int saw_out(const struct seen *s, unsigned int i, uint32_t k)
{
	uint8_t id[DSTORE_MSG_ID_LEN], token[DSTORE_TOKEN_LEN], payload[512];

	id16(id, k);
	pattern(token, sizeof(token), k + 7);
	pattern(payload, 100 + k, k);
	return i < s->n && !memcmp(s->id[i], id, sizeof(id)) &&
	       !memcmp(s->token[i], token, sizeof(token)) &&
	       s->expiry[i] == NOW_S + k && s->flags[i] == (k & 3) &&
	       s->len[i] == 100 + k && s->sum[i] == sum(payload, 100 + k);
}

static int due(struct dstore *ds, struct seen *s, uint64_t now,
	       unsigned int max)
{
	memset(s, 0, sizeof(*s));
	return dstore_out_due(ds, now, max, due_cb, s);
}

/* The store key of every store here. */
static const uint8_t test_key[DSTORE_STORE_KEY_LEN] = { 1, 2, 3, 4, 5 };

FIXTURE(ds) {
	char dir[64];
	char data[128];
	struct dstore *ds;
	struct seen seen;
};

FIXTURE_SETUP(ds)
{
	char err[ERRLEN];

	ASSERT_NE(NULL, scratch_dir(self->dir, "dstore"));
	snprintf(self->data, sizeof(self->data), "%.100s/data", self->dir);
	ASSERT_EQ(0, dstore_open(self->data, test_key, &self->ds, err,
				 sizeof(err)))
		TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(ds)
{
	dstore_close(self->ds);
	scratch_remove(self->dir);
}

static void reopen(struct __test_metadata *_metadata, struct dstore **ds,
		   const char *dir)
{
	char err[ERRLEN];

	dstore_close(*ds);
	*ds = NULL;
	ASSERT_EQ(0, dstore_open(dir, test_key, ds, err, sizeof(err)))
		TH_LOG("%s", err);
}

TEST_F(ds, files_private)
{
	char path[192];
	struct stat sb;

	ASSERT_EQ(0, stat(self->data, &sb));
	EXPECT_EQ(0700, sb.st_mode & 0777);
	snprintf(path, sizeof(path), "%.100s/ternd.db", self->data);
	ASSERT_EQ(0, stat(path, &sb));
	EXPECT_EQ(0600, sb.st_mode & 0777);
	snprintf(path, sizeof(path), "%.100s/ternd.db-wal", self->data);
	ASSERT_EQ(0, stat(path, &sb));
	EXPECT_EQ(0600, sb.st_mode & 0777);
}

TEST_F(ds, inbox_order_and_duplicates)
{
	struct seen *s = &self->seen;
	int i;

	for (i = 5; i > 0; i--)
		ASSERT_EQ(0, in_put(self->ds, i, 50 * i, NOW_S + 100));
	ASSERT_EQ(0, in_put(self->ds, 6, 0, NOW_S + 100));
	/* Again, even with other content: nothing changes. */
	EXPECT_EQ(1, in_put(self->ds, 3, 10, NOW_S + 500));
	EXPECT_EQ(1, in_put(self->ds, 6, 0, NOW_S + 100));

	/* Arrival order, not id order; peeking consumes nothing. */
	ASSERT_EQ(6, take(self->ds, s, 100, false));
	for (i = 0; i < 5; i++)
		EXPECT_TRUE(saw_in(s, i, 5 - i, 50 * (5 - i)));
	EXPECT_TRUE(saw_in(s, 5, 6, 0));
	EXPECT_EQ(NOW_S + 100, s->expiry[2]);
	ASSERT_EQ(6, take(self->ds, s, 100, false));
	ASSERT_EQ(2, take(self->ds, s, 2, false));
	EXPECT_EQ(0, take(self->ds, s, 0, false));
}

TEST_F(ds, inbox_consume)
{
	struct seen *s = &self->seen;
	int i;

	for (i = 1; i <= 6; i++)
		ASSERT_EQ(0, in_put(self->ds, i, 10, NOW_S + 100));
	ASSERT_EQ(2, take(self->ds, s, 2, true));
	EXPECT_TRUE(saw_in(s, 0, 1, 10));
	EXPECT_TRUE(saw_in(s, 1, 2, 10));

	/* The callback stops after one, then fails before one. */
	memset(s, 0, sizeof(*s));
	s->stop_at = 1;
	ASSERT_EQ(1, dstore_inbox_take(self->ds, 10, true, take_cb, s));
	EXPECT_TRUE(saw_in(s, 0, 3, 10));
	memset(s, 0, sizeof(*s));
	s->fail_at = 2;
	ASSERT_EQ(-EINTR, dstore_inbox_take(self->ds, 10, true, take_cb, s));
	EXPECT_TRUE(saw_in(s, 0, 4, 10));

	/* What was accepted is consumed; the refused one is not. */
	ASSERT_EQ(2, take(self->ds, s, 10, true));
	EXPECT_TRUE(saw_in(s, 0, 5, 10));
	EXPECT_TRUE(saw_in(s, 1, 6, 10));
	EXPECT_EQ(0, take(self->ds, s, 10, true));
	/* Consumed ids are still known. */
	EXPECT_EQ(1, in_put(self->ds, 1, 10, NOW_S + 100));
	ASSERT_EQ(0, in_put(self->ds, 7, 10, NOW_S + 100));
	ASSERT_EQ(1, take(self->ds, s, 10, true));
	EXPECT_TRUE(saw_in(s, 0, 7, 10));
}

TEST_F(ds, inbox_expire)
{
	struct seen *s = &self->seen;

	ASSERT_EQ(0, in_put(self->ds, 1, 10, NOW_S - 10));
	ASSERT_EQ(0, in_put(self->ds, 2, 10, NOW_S));
	ASSERT_EQ(0, in_put(self->ds, 3, 10, NOW_S + 10));
	ASSERT_EQ(2, take(self->ds, s, 2, true));
	ASSERT_EQ(0, in_put(self->ds, 4, 10, NOW_S - 10));

	/* Only consumed ones, and only past their expiry. */
	EXPECT_EQ(1, dstore_inbox_expire(self->ds, NOW_S));
	EXPECT_EQ(0, in_put(self->ds, 1, 10, NOW_S + 100));
	EXPECT_EQ(1, in_put(self->ds, 2, 10, NOW_S + 100));
	EXPECT_EQ(1, dstore_inbox_expire(self->ds, NOW_S + 1));
	EXPECT_EQ(0, dstore_inbox_expire(self->ds, NOW_S + 1));
	/* 3 and 4 are not consumed: kept, expired or not. */
	ASSERT_EQ(3, take(self->ds, s, 10, false));
	EXPECT_TRUE(saw_in(s, 0, 3, 10));
	EXPECT_TRUE(saw_in(s, 1, 4, 10));
	EXPECT_EQ(NOW_S - 10, s->expiry[1]);
	EXPECT_EQ(0, dstore_inbox_expire(self->ds, UINT64_MAX));
}

TEST_F(ds, outbox)
{
	struct seen *s = &self->seen;
	uint8_t id[DSTORE_MSG_ID_LEN];

	EXPECT_EQ(0, dstore_out_pending(self->ds));
	ASSERT_EQ(0, out_add(self->ds, 1, NOW_MS + 500));
	ASSERT_EQ(0, out_add(self->ds, 2, NOW_MS));
	ASSERT_EQ(0, out_add(self->ds, 3, NOW_MS - 5));
	ASSERT_EQ(0, out_add(self->ds, 4, NOW_MS + 100));
	EXPECT_EQ(1, out_add(self->ds, 2, 0));
	EXPECT_EQ(4, dstore_out_pending(self->ds));

	/* Due now: oldest first, whatever their times. */
	ASSERT_EQ(2, due(self->ds, s, NOW_MS, 10));
	EXPECT_TRUE(saw_out(s, 0, 2));
	EXPECT_TRUE(saw_out(s, 1, 3));
	EXPECT_EQ(NOW_MS, s->when[0]);
	EXPECT_EQ(0, s->attempts[0]);
	ASSERT_EQ(1, due(self->ds, s, NOW_MS, 1));
	ASSERT_EQ(4, due(self->ds, s, UINT64_MAX, 10));
	EXPECT_TRUE(saw_out(s, 0, 1));
	EXPECT_TRUE(saw_out(s, 3, 4));

	/* Retry 2 later: it leaves the due list, with an attempt. */
	id16(id, 2);
	ASSERT_EQ(0, dstore_out_retry_at(self->ds, id, NOW_MS + 1000));
	ASSERT_EQ(0, dstore_out_retry_at(self->ds, id, NOW_MS + 2000));
	ASSERT_EQ(1, due(self->ds, s, NOW_MS, 10));
	EXPECT_TRUE(saw_out(s, 0, 3));
	ASSERT_EQ(4, due(self->ds, s, NOW_MS + 2000, 10));
	EXPECT_TRUE(saw_out(s, 1, 2));
	EXPECT_EQ(2, s->attempts[1]);
	EXPECT_EQ(NOW_MS + 2000, s->when[1]);

	/* Acked: gone. Nacked for good: kept, not pending, not due. */
	id16(id, 3);
	ASSERT_EQ(0, dstore_out_acked(self->ds, id));
	EXPECT_EQ(-ENOENT, dstore_out_acked(self->ds, id));
	EXPECT_EQ(-ENOENT, dstore_out_retry_at(self->ds, id, 0));
	id16(id, 4);
	ASSERT_EQ(0, dstore_out_failed(self->ds, id, 3));
	EXPECT_EQ(-ENOENT, dstore_out_failed(self->ds, id, 3));
	EXPECT_EQ(-ENOENT, dstore_out_retry_at(self->ds, id, 0));
	EXPECT_EQ(1, out_add(self->ds, 4, 0));
	EXPECT_EQ(2, dstore_out_pending(self->ds));
	ASSERT_EQ(2, due(self->ds, s, UINT64_MAX, 10));
	EXPECT_TRUE(saw_out(s, 0, 1));
	EXPECT_TRUE(saw_out(s, 1, 2));

	/* The callback stops, or fails. */
	memset(s, 0, sizeof(*s));
	s->stop_at = 1;
	EXPECT_EQ(1, dstore_out_due(self->ds, UINT64_MAX, 10, due_cb, s));
	memset(s, 0, sizeof(*s));
	s->fail_at = 1;
	EXPECT_EQ(-EINTR, dstore_out_due(self->ds, UINT64_MAX, 10, due_cb,
					 s));
	EXPECT_EQ(0, s->n);
}

TEST_F(ds, settings)
{
	char v[16];

	EXPECT_EQ(-ENOENT, dstore_get(self->ds, "hb.wlan0", v, sizeof(v)));
	ASSERT_EQ(0, dstore_set(self->ds, "hb.wlan0", "270000"));
	ASSERT_EQ(0, dstore_get(self->ds, "hb.wlan0", v, sizeof(v)));
	EXPECT_STREQ("270000", v);
	ASSERT_EQ(0, dstore_set(self->ds, "hb.wlan0", "30000"));
	ASSERT_EQ(0, dstore_get(self->ds, "hb.wlan0", v, sizeof(v)));
	EXPECT_STREQ("30000", v);
	ASSERT_EQ(0, dstore_set(self->ds, "empty", ""));
	ASSERT_EQ(0, dstore_get(self->ds, "empty", v, sizeof(v)));
	EXPECT_STREQ("", v);
	/* Too small a buffer: -ERANGE; exactly enough: fine. */
	ASSERT_EQ(0, dstore_set(self->ds, "token", "0123456789abcdef"));
	EXPECT_EQ(-ERANGE, dstore_get(self->ds, "token", v, sizeof(v)));
	ASSERT_EQ(0, dstore_set(self->ds, "token", "0123456789abcde"));
	ASSERT_EQ(0, dstore_get(self->ds, "token", v, sizeof(v)));
	EXPECT_STREQ("0123456789abcde", v);
}

TEST_F(ds, batches)
{
	struct seen *s = &self->seen;

	EXPECT_EQ(-EINVAL, dstore_commit(self->ds));
	ASSERT_EQ(0, dstore_begin(self->ds));
	EXPECT_EQ(-EBUSY, dstore_begin(self->ds));
	ASSERT_EQ(0, in_put(self->ds, 1, 10, NOW_S + 100));
	ASSERT_EQ(0, in_put(self->ds, 2, 10, NOW_S + 100));
	EXPECT_EQ(1, in_put(self->ds, 1, 10, NOW_S + 100));
	ASSERT_EQ(0, out_add(self->ds, 1, NOW_MS));
	ASSERT_EQ(0, dstore_set(self->ds, "k", "v"));
	dstore_rollback(self->ds);
	EXPECT_EQ(0, take(self->ds, s, 10, false));
	EXPECT_EQ(0, dstore_out_pending(self->ds));

	ASSERT_EQ(0, dstore_begin(self->ds));
	ASSERT_EQ(0, in_put(self->ds, 1, 10, NOW_S + 100));
	ASSERT_EQ(0, in_put(self->ds, 2, 10, NOW_S + 100));
	ASSERT_EQ(1, take(self->ds, s, 1, true));
	ASSERT_EQ(0, dstore_commit(self->ds));
	ASSERT_EQ(1, take(self->ds, s, 10, false));
	EXPECT_TRUE(saw_in(s, 0, 2, 10));
}

TEST_F(ds, reopen_keeps_everything)
{
	struct seen *s = &self->seen;
	uint8_t id[DSTORE_MSG_ID_LEN];
	char v[32];

	ASSERT_EQ(0, in_put(self->ds, 1, 100, NOW_S + 100));
	ASSERT_EQ(0, in_put(self->ds, 2, 200, NOW_S + 100));
	ASSERT_EQ(1, take(self->ds, s, 1, true));
	ASSERT_EQ(0, out_add(self->ds, 1, NOW_MS));
	ASSERT_EQ(0, out_add(self->ds, 2, NOW_MS));
	id16(id, 2);
	ASSERT_EQ(0, dstore_out_retry_at(self->ds, id, NOW_MS + 7));
	ASSERT_EQ(0, out_add(self->ds, 3, NOW_MS));
	id16(id, 3);
	ASSERT_EQ(0, dstore_out_failed(self->ds, id, 2));
	ASSERT_EQ(0, dstore_set(self->ds, "token", "abc"));

	reopen(_metadata, &self->ds, self->data);

	EXPECT_EQ(1, in_put(self->ds, 1, 100, NOW_S + 100));
	ASSERT_EQ(1, take(self->ds, s, 10, false));
	EXPECT_TRUE(saw_in(s, 0, 2, 200));
	EXPECT_EQ(2, dstore_out_pending(self->ds));
	ASSERT_EQ(2, due(self->ds, s, NOW_MS + 7, 10));
	EXPECT_TRUE(saw_out(s, 0, 1));
	EXPECT_TRUE(saw_out(s, 1, 2));
	EXPECT_EQ(1, s->attempts[1]);
	EXPECT_EQ(1, out_add(self->ds, 3, 0));
	ASSERT_EQ(0, dstore_get(self->ds, "token", v, sizeof(v)));
	EXPECT_STREQ("abc", v);
}

/* --- Keys ------------------------------------------------------------------ */

static void key_bytes(uint8_t *b, uint8_t v)
{
	memset(b, v, DSTORE_KEY_LEN);
}

static int key_put(struct dstore *ds, enum dstore_key_kind kind, uint32_t id,
		   uint64_t when)
{
	uint8_t priv[DSTORE_KEY_LEN], pub[DSTORE_KEY_LEN];

	key_bytes(priv, (uint8_t)(id * 2));
	key_bytes(pub, (uint8_t)(id * 2 + 1));
	return dstore_key_put(ds, kind, id, priv, pub, when);
}

TEST_F(ds, keys_latest_and_ids)
{
	uint8_t want[DSTORE_KEY_LEN];
	struct dkey k;
	uint32_t id;

	EXPECT_EQ(-ENOENT, dstore_key_latest(self->ds, DSTORE_KEY_SIGNED, &k));
	ASSERT_EQ(0, dstore_key_next_id(self->ds, DSTORE_KEY_SIGNED, &id));
	EXPECT_EQ(1, id);
	ASSERT_EQ(0, key_put(self->ds, DSTORE_KEY_SIGNED, 1, NOW_MS));
	ASSERT_EQ(0, key_put(self->ds, DSTORE_KEY_SIGNED, 2, NOW_MS + 5));
	ASSERT_EQ(0, key_put(self->ds, DSTORE_KEY_IDENTITY, 0, NOW_MS));
	/* The same kind and id twice is refused; another kind is apart. */
	EXPECT_EQ(-EIO, key_put(self->ds, DSTORE_KEY_SIGNED, 2, NOW_MS));
	ASSERT_EQ(0, key_put(self->ds, DSTORE_KEY_LAST_RESORT, 2, NOW_MS));

	ASSERT_EQ(0, dstore_key_latest(self->ds, DSTORE_KEY_SIGNED, &k));
	EXPECT_EQ(2, k.id);
	EXPECT_EQ(NOW_MS + 5, k.created_ms);
	EXPECT_FALSE(k.published);
	key_bytes(want, 4);
	EXPECT_EQ(0, memcmp(want, k.priv, DSTORE_KEY_LEN));
	key_bytes(want, 5);
	EXPECT_EQ(0, memcmp(want, k.pub, DSTORE_KEY_LEN));
	ASSERT_EQ(0, dstore_key_next_id(self->ds, DSTORE_KEY_SIGNED, &id));
	EXPECT_EQ(3, id);
	EXPECT_EQ(2, dstore_key_count(self->ds, DSTORE_KEY_SIGNED));
	EXPECT_EQ(0, dstore_key_count(self->ds, DSTORE_KEY_ONE_TIME));
	ASSERT_EQ(0, dstore_key_latest(self->ds, DSTORE_KEY_IDENTITY, &k));
	EXPECT_EQ(0, k.id);
}

TEST_F(ds, keys_unpublished_then_published)
{
	uint8_t pubs[8][DSTORE_KEY_LEN], want[DSTORE_KEY_LEN];
	uint32_t ids[8], i;
	struct dkey k;

	for (i = 1; i <= 6; i++)
		ASSERT_EQ(0, key_put(self->ds, DSTORE_KEY_ONE_TIME, i, NOW_MS));
	ASSERT_EQ(4, dstore_key_unpublished(self->ds, DSTORE_KEY_ONE_TIME, 4,
					    ids, pubs));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(i + 1, ids[i]);
		key_bytes(want, (uint8_t)(ids[i] * 2 + 1));
		EXPECT_EQ(0, memcmp(want, pubs[i], DSTORE_KEY_LEN));
	}
	ASSERT_EQ(0, dstore_key_published(self->ds, DSTORE_KEY_ONE_TIME, 4));
	ASSERT_EQ(2, dstore_key_unpublished(self->ds, DSTORE_KEY_ONE_TIME, 8,
					    ids, pubs));
	EXPECT_EQ(5, ids[0]);
	EXPECT_EQ(6, ids[1]);
	/* Marking is by kind: the signed prekeys are untouched. */
	ASSERT_EQ(0, key_put(self->ds, DSTORE_KEY_SIGNED, 1, NOW_MS));
	ASSERT_EQ(0, dstore_key_published(self->ds, DSTORE_KEY_ONE_TIME, 6));
	ASSERT_EQ(0, dstore_key_latest(self->ds, DSTORE_KEY_SIGNED, &k));
	EXPECT_FALSE(k.published);
	ASSERT_EQ(0, dstore_key_published(self->ds, DSTORE_KEY_SIGNED, 1));
	ASSERT_EQ(0, dstore_key_latest(self->ds, DSTORE_KEY_SIGNED, &k));
	EXPECT_TRUE(k.published);
	EXPECT_EQ(0, dstore_key_unpublished(self->ds, DSTORE_KEY_ONE_TIME, 8,
					    ids, pubs));
	/* And it all survives a restart. */
	reopen(_metadata, &self->ds, self->data);
	EXPECT_EQ(6, dstore_key_count(self->ds, DSTORE_KEY_ONE_TIME));
	ASSERT_EQ(0, dstore_key_latest(self->ds, DSTORE_KEY_SIGNED, &k));
	EXPECT_TRUE(k.published);
}

TEST_F(ds, keys_get_and_del)
{
	uint8_t want[DSTORE_KEY_LEN];
	struct dkey k;

	ASSERT_EQ(0, key_put(self->ds, DSTORE_KEY_ONE_TIME, 7, NOW_MS));
	ASSERT_EQ(0, key_put(self->ds, DSTORE_KEY_LAST_RESORT, 7, NOW_MS + 1));
	ASSERT_EQ(0, dstore_key_get(self->ds, DSTORE_KEY_LAST_RESORT, 7, &k));
	EXPECT_EQ(DSTORE_KEY_LAST_RESORT, k.kind);
	EXPECT_EQ(7, k.id);
	EXPECT_EQ(NOW_MS + 1, k.created_ms);
	key_bytes(want, 14);
	EXPECT_EQ(0, memcmp(want, k.priv, DSTORE_KEY_LEN));
	EXPECT_EQ(-ENOENT, dstore_key_get(self->ds, DSTORE_KEY_ONE_TIME, 8,
					  &k));
	/* A used one-time key goes; the last-resort key of that id stays. */
	ASSERT_EQ(0, dstore_key_del(self->ds, DSTORE_KEY_ONE_TIME, 7));
	EXPECT_EQ(-ENOENT, dstore_key_get(self->ds, DSTORE_KEY_ONE_TIME, 7,
					  &k));
	EXPECT_EQ(-ENOENT, dstore_key_del(self->ds, DSTORE_KEY_ONE_TIME, 7));
	EXPECT_EQ(0, dstore_key_get(self->ds, DSTORE_KEY_LAST_RESORT, 7, &k));
	/* Inside a batch that is rolled back, the key comes back. */
	ASSERT_EQ(0, dstore_begin(self->ds));
	ASSERT_EQ(0, dstore_key_del(self->ds, DSTORE_KEY_LAST_RESORT, 7));
	dstore_rollback(self->ds);
	EXPECT_EQ(0, dstore_key_get(self->ds, DSTORE_KEY_LAST_RESORT, 7, &k));
}

/* Session rows: @state and @prev are bytes of value @v, @v + 1. */
static int sess_put(struct dstore *ds, uint8_t dev, const char *handle,
		    size_t len, size_t prev_len)
{
	uint8_t peer[DSTORE_DEV_LEN], st[64], pv[64];
	struct dsess s = { 0 };

	memset(peer, dev, sizeof(peer));
	memset(st, dev, sizeof(st));
	memset(pv, dev + 1, sizeof(pv));
	snprintf(s.handle, sizeof(s.handle), "%s", handle);
	memset(s.peer_ik, dev + 2, sizeof(s.peer_ik));
	s.state = st;
	s.state_len = len;
	s.prev = prev_len ? pv : NULL;
	s.prev_len = prev_len;
	s.updated_ms = NOW_MS + dev;
	return dstore_sess_put(ds, peer, &s);
}

static int sess_check(struct dstore *ds, uint8_t dev, const char *handle,
		      size_t len, size_t prev_len)
{
	uint8_t peer[DSTORE_DEV_LEN], want[64];
	struct dsess s;
	int ret;

	memset(peer, dev, sizeof(peer));
	ret = dstore_sess_get(ds, peer, &s);
	if (ret)
		return ret;
	ret = -EBADMSG;
	memset(want, dev, sizeof(want));
	if (strcmp(s.handle, handle) || s.state_len != len ||
	    memcmp(s.state, want, len) || s.updated_ms != NOW_MS + dev)
		goto out;
	memset(want, dev + 2, DSTORE_KEY_LEN);
	if (memcmp(s.peer_ik, want, DSTORE_KEY_LEN))
		goto out;
	memset(want, dev + 1, sizeof(want));
	if (prev_len ? (!s.prev || s.prev_len != prev_len ||
			memcmp(s.prev, want, prev_len)) : s.prev != NULL)
		goto out;
	ret = 0;
out:
	dsess_free(&s);
	return ret;
}

TEST_F(ds, sessions)
{
	uint8_t peer[DSTORE_DEV_LEN];
	struct dsess s;

	memset(peer, 1, sizeof(peer));
	EXPECT_EQ(-ENOENT, dstore_sess_get(self->ds, peer, &s));
	EXPECT_EQ(-ENOENT, dstore_sess_del(self->ds, peer));
	ASSERT_EQ(0, sess_put(self->ds, 1, "alice", 40, 0));
	ASSERT_EQ(0, sess_put(self->ds, 2, "bob", 64, 33));
	EXPECT_EQ(0, sess_check(self->ds, 1, "alice", 40, 0));
	EXPECT_EQ(0, sess_check(self->ds, 2, "bob", 64, 33));
	/* A put replaces the row: the previous state can go, too. */
	ASSERT_EQ(0, sess_put(self->ds, 2, "bob", 50, 0));
	EXPECT_EQ(0, sess_check(self->ds, 2, "bob", 50, 0));
	ASSERT_EQ(0, sess_put(self->ds, 1, "alice", 12, 64));
	/* A batch that fails takes its session with it. */
	ASSERT_EQ(0, dstore_begin(self->ds));
	ASSERT_EQ(0, sess_put(self->ds, 1, "alice", 20, 0));
	ASSERT_EQ(0, sess_put(self->ds, 3, "carol", 20, 0));
	dstore_rollback(self->ds);
	EXPECT_EQ(0, sess_check(self->ds, 1, "alice", 12, 64));
	memset(peer, 3, sizeof(peer));
	EXPECT_EQ(-ENOENT, dstore_sess_get(self->ds, peer, &s));
	/* What was committed survives a restart. */
	reopen(_metadata, &self->ds, self->data);
	EXPECT_EQ(0, sess_check(self->ds, 1, "alice", 12, 64));
	EXPECT_EQ(0, sess_check(self->ds, 2, "bob", 50, 0));
	memset(peer, 1, sizeof(peer));
	ASSERT_EQ(0, dstore_sess_del(self->ds, peer));
	EXPECT_EQ(-ENOENT, dstore_sess_get(self->ds, peer, &s));
	EXPECT_EQ(0, sess_check(self->ds, 2, "bob", 50, 0));
}

/* An outgoing chat message @k (its msg_id's first byte) to "bob". */
static int chat_out(struct dstore *ds, uint8_t k, int64_t want_seq,
		    int64_t *seq)
{
	uint8_t id[DSTORE_MSG_ID_LEN] = { k };
	struct dchat m = {
		.msg_id = id, .peer = "bob", .outgoing = true,
		.body = "body", .len = 4, .sent_ms = NOW_MS, .at_ms = NOW_MS,
		.state = DCHAT_QUEUED,
	};
	int64_t got = 0;
	int ret = dstore_chat_add(ds, &m, &got);

	if (seq)
		*seq = got;
	if (!ret && want_seq && got != want_seq)
		return -EBADE;
	return ret;
}

struct chat_seen {
	unsigned int n;
	int64_t seq[16];
	enum dchat_state state[16];
	uint64_t rev[16];
	uint32_t round[16];
	uint64_t delivered[16], read[16];
	char error[16][64];
	char peer[16][16];
	bool outgoing[16];
};

static int chat_cb(void *ctx, const struct dchat *m)
{
	struct chat_seen *s = ctx;

	if (s->n == 16)
		return -E2BIG;
	s->seq[s->n] = m->seq;
	s->state[s->n] = m->state;
	s->rev[s->n] = m->rev;
	s->round[s->n] = m->round;
	s->delivered[s->n] = m->delivered_ms;
	s->read[s->n] = m->read_ms;
	snprintf(s->error[s->n], sizeof(s->error[0]), "%s",
		 m->error ? m->error : "");
	snprintf(s->peer[s->n], sizeof(s->peer[0]), "%s", m->peer);
	s->outgoing[s->n] = m->outgoing;
	s->n++;
	return 0;
}

static int push_for(struct dstore *ds, uint8_t k, int64_t seq)
{
	uint8_t id[DSTORE_MSG_ID_LEN] = { 0xee, k }, tok[DSTORE_TOKEN_LEN] = { 1 };

	return dstore_out_add_chat(ds, id, tok, 0, 0, "x", 1, NOW_MS, seq);
}

/*
 * Chat rows: added once per (peer, direction, id); every change takes the
 * next rev; an outgoing message is sent once the gateway took every push
 * that carries it, and failed when one is refused for good.
 */
TEST_F(ds, chat)
{
	uint8_t id[DSTORE_MSG_ID_LEN] = { 5 }, dev[DSTORE_DEV_LEN] = { 7 };
	struct dchat in = {
		.msg_id = id, .peer = "bob", .outgoing = false,
		.sender_dev = dev, .body = "hi", .len = 2, .sent_ms = NOW_MS,
		.at_ms = NOW_MS + 1, .state = DCHAT_RECEIVED,
	};
	struct chat_seen s = { 0 };
	int64_t a, b, c;
	uint64_t rev;

	ASSERT_EQ(0, dstore_chat_rev(self->ds, &rev));
	EXPECT_EQ(0, rev);
	ASSERT_EQ(0, dstore_chat_queued(self->ds, chat_cb, &s));
	ASSERT_EQ(0, chat_out(self->ds, 1, 0, &a));
	ASSERT_EQ(0, chat_out(self->ds, 2, 0, &b));
	EXPECT_EQ(1, chat_out(self->ds, 1, 0, NULL));
	/* The same id received from bob is another row. */
	ASSERT_EQ(0, dstore_chat_add(self->ds, &in, &c));
	id[0] = 1;
	ASSERT_EQ(0, dstore_chat_add(self->ds, &in, &c));
	EXPECT_EQ(1, dstore_chat_add(self->ds, &in, &c));

	ASSERT_EQ(1, dstore_chat_queued(self->ds, chat_cb, &s));
	EXPECT_EQ(a, s.seq[0]);
	/* a goes out as two pushes, b as one. */
	ASSERT_EQ(0, dstore_begin(self->ds));
	ASSERT_EQ(0, push_for(self->ds, 1, a));
	ASSERT_EQ(0, push_for(self->ds, 2, a));
	ASSERT_EQ(0, dstore_chat_state(self->ds, a, DCHAT_SENDING, 2, NULL));
	ASSERT_EQ(0, push_for(self->ds, 3, b));
	ASSERT_EQ(0, dstore_chat_state(self->ds, b, DCHAT_SENDING, 1, NULL));
	ASSERT_EQ(0, dstore_commit(self->ds));
	s.n = 0;
	ASSERT_EQ(0, dstore_chat_queued(self->ds, chat_cb, &s));
	ASSERT_EQ(0, dstore_out_acked(self->ds, (uint8_t[16]){ 0xee, 1 }));
	ASSERT_EQ(0, dstore_out_failed(self->ds, (uint8_t[16]){ 0xee, 3 },
				       7));
	ASSERT_EQ(0, dstore_chat_rev(self->ds, &rev));
	s.n = 0;
	ASSERT_EQ(2, dstore_chat_since(self->ds, rev - 2, 10, chat_cb, &s));
	/* In the order of the changes: a's ack, then b's failure. */
	EXPECT_EQ(a, s.seq[0]);
	EXPECT_EQ(DCHAT_SENDING, s.state[0]);
	EXPECT_EQ(b, s.seq[1]);
	EXPECT_EQ(DCHAT_FAILED, s.state[1]);
	EXPECT_EQ(rev, s.rev[1]);
	ASSERT_EQ(0, dstore_out_acked(self->ds, (uint8_t[16]){ 0xee, 2 }));
	s.n = 0;
	ASSERT_EQ(1, dstore_chat_since(self->ds, rev, 10, chat_cb, &s));
	EXPECT_EQ(a, s.seq[0]);
	EXPECT_EQ(DCHAT_SENT, s.state[0]);
	/* The history of a peer: the last ones, oldest first. */
	s.n = 0;
	ASSERT_EQ(3, dstore_chat_history(self->ds, "bob", 3, chat_cb, &s));
	EXPECT_EQ(b, s.seq[0]);
	EXPECT_FALSE(s.outgoing[1]);
	EXPECT_EQ(c, s.seq[2]);
	s.n = 0;
	EXPECT_EQ(0, dstore_chat_history(self->ds, "carol", 3, chat_cb, &s));
	EXPECT_EQ(-ENOENT, dstore_chat_state(self->ds, 999, DCHAT_SENT, 0,
					     NULL));

	/*
	 * A message to three devices, one of them gone: sent, with the
	 * reason its copy was refused; again in a new round, all refused:
	 * failed.
	 */
	ASSERT_EQ(0, chat_out(self->ds, 3, 0, &a));
	ASSERT_EQ(0, dstore_begin(self->ds));
	ASSERT_EQ(0, push_for(self->ds, 4, a));
	ASSERT_EQ(0, push_for(self->ds, 5, a));
	ASSERT_EQ(0, push_for(self->ds, 6, a));
	ASSERT_EQ(0, dstore_chat_state(self->ds, a, DCHAT_SENDING, 3, NULL));
	ASSERT_EQ(0, dstore_commit(self->ds));
	ASSERT_EQ(0, dstore_out_failed(self->ds, (uint8_t[16]){ 0xee, 4 },
				       2));
	ASSERT_EQ(0, dstore_out_acked(self->ds, (uint8_t[16]){ 0xee, 5 }));
	ASSERT_EQ(0, dstore_chat_rev(self->ds, &rev));
	s.n = 0;
	ASSERT_EQ(1, dstore_chat_since(self->ds, rev - 1, 10, chat_cb, &s));
	EXPECT_EQ(DCHAT_SENDING, s.state[0]);
	ASSERT_EQ(0, dstore_out_acked(self->ds, (uint8_t[16]){ 0xee, 6 }));
	s.n = 0;
	ASSERT_EQ(1, dstore_chat_since(self->ds, rev, 10, chat_cb, &s));
	EXPECT_EQ(DCHAT_SENT, s.state[0]);
	EXPECT_NE(NULL, strstr(s.error[0], "refused a copy (2)"));
	ASSERT_EQ(0, dstore_chat_requeue(self->ds, a));
	s.n = 0;
	ASSERT_EQ(1, dstore_chat_queued(self->ds, chat_cb, &s));
	EXPECT_EQ(a, s.seq[0]);
	EXPECT_EQ(1, s.round[0]);
	ASSERT_EQ(0, dstore_begin(self->ds));
	ASSERT_EQ(0, push_for(self->ds, 7, a));
	ASSERT_EQ(0, push_for(self->ds, 8, a));
	ASSERT_EQ(0, dstore_chat_state(self->ds, a, DCHAT_SENDING, 2, NULL));
	ASSERT_EQ(0, dstore_commit(self->ds));
	ASSERT_EQ(0, dstore_out_failed(self->ds, (uint8_t[16]){ 0xee, 7 },
				       1));
	ASSERT_EQ(0, dstore_out_failed(self->ds, (uint8_t[16]){ 0xee, 8 },
				       2));
	ASSERT_EQ(0, dstore_chat_rev(self->ds, &rev));
	s.n = 0;
	ASSERT_EQ(1, dstore_chat_since(self->ds, rev - 1, 10, chat_cb, &s));
	EXPECT_EQ(DCHAT_FAILED, s.state[0]);
	EXPECT_EQ(-ENOENT, dstore_chat_requeue(self->ds, 999));
}

/*
 * Receipts mark rows once (read implies delivered); control rows (reset
 * notices, receipts) are queued like others but never listed.
 */
TEST_F(ds, chat_receipts_and_control)
{
	uint8_t id[DSTORE_MSG_ID_LEN] = { 1 }, cid[DSTORE_MSG_ID_LEN] = { 9 };
	struct dchat c = {
		.msg_id = cid, .peer = "bob", .outgoing = true, .body = "r",
		.len = 1, .state = DCHAT_QUEUED, .control = true,
	};
	struct chat_seen s = { 0 };
	int64_t a, cs;
	uint64_t rev, rev2;

	ASSERT_EQ(0, chat_out(self->ds, 1, 0, &a));
	ASSERT_EQ(0, dstore_chat_rev(self->ds, &rev));
	ASSERT_EQ(0, dstore_chat_add(self->ds, &c, &cs));
	ASSERT_EQ(0, dstore_chat_rev(self->ds, &rev2));
	EXPECT_EQ(rev, rev2);
	EXPECT_EQ(1, dstore_chat_history(self->ds, "bob", 10, chat_cb, &s));
	s.n = 0;
	EXPECT_EQ(0, dstore_chat_since(self->ds, rev, 10, chat_cb, &s));
	/* Queued all the same: the older message first. */
	ASSERT_EQ(1, dstore_chat_queued(self->ds, chat_cb, &s));
	EXPECT_EQ(a, s.seq[0]);
	ASSERT_EQ(0, dstore_chat_state(self->ds, a, DCHAT_SENT, 0, NULL));
	s.n = 0;
	ASSERT_EQ(1, dstore_chat_queued(self->ds, chat_cb, &s));
	EXPECT_EQ(cs, s.seq[0]);

	EXPECT_EQ(1, dstore_chat_mark(self->ds, "bob", true, id, false,
				      NOW_MS + 1));
	EXPECT_EQ(0, dstore_chat_mark(self->ds, "bob", true, id, false,
				      NOW_MS + 2));
	EXPECT_EQ(0, dstore_chat_mark(self->ds, "bob", false, id, false,
				      NOW_MS + 2));
	EXPECT_EQ(0, dstore_chat_mark(self->ds, "carol", true, id, true,
				      NOW_MS + 2));
	EXPECT_EQ(1, dstore_chat_mark(self->ds, "bob", true, id, true,
				      NOW_MS + 3));
	EXPECT_EQ(0, dstore_chat_mark(self->ds, "bob", true, id, true,
				      NOW_MS + 4));
	ASSERT_EQ(0, dstore_chat_rev(self->ds, &rev2));
	s.n = 0;
	ASSERT_EQ(1, dstore_chat_since(self->ds, rev2 - 1, 10, chat_cb, &s));
	EXPECT_EQ(a, s.seq[0]);
	EXPECT_EQ(NOW_MS + 1, s.delivered[0]);
	EXPECT_EQ(NOW_MS + 3, s.read[0]);
}

struct convs_seen {
	unsigned int n;
	char peer[4][16];
	int state[4];
	unsigned int unread[4];
};

static int convs_cb(void *ctx, const char *peer, int state,
		    unsigned int unread, int64_t last)
{
	struct convs_seen *c = ctx;

	(void)last;
	if (c->n == 4)
		return -E2BIG;
	snprintf(c->peer[c->n], sizeof(c->peer[0]), "%s", peer);
	c->state[c->n] = state;
	c->unread[c->n++] = unread;
	return 0;
}

/* Contacts, and the conversations newest first with their unread. */
TEST_F(ds, contacts_and_conversations)
{
	uint8_t id[DSTORE_MSG_ID_LEN] = { 4 };
	struct dchat in = {
		.msg_id = id, .peer = "carol", .body = "hi", .len = 2,
		.state = DCHAT_RECEIVED,
	};
	struct convs_seen c = { 0 };
	int64_t seq;

	EXPECT_EQ(-ENOENT, dstore_contact_get(self->ds, "carol"));
	ASSERT_EQ(0, dstore_contact_set(self->ds, "carol", DCONTACT_REQUEST,
					NOW_MS));
	EXPECT_EQ(DCONTACT_REQUEST, dstore_contact_get(self->ds, "carol"));
	ASSERT_EQ(0, dstore_contact_set(self->ds, "carol", DCONTACT_BLOCKED,
					NOW_MS));
	EXPECT_EQ(DCONTACT_BLOCKED, dstore_contact_get(self->ds, "carol"));
	ASSERT_EQ(0, chat_out(self->ds, 1, 0, &seq));
	ASSERT_EQ(0, dstore_chat_add(self->ds, &in, &seq));
	id[0] = 5;
	ASSERT_EQ(0, dstore_chat_add(self->ds, &in, &seq));
	ASSERT_EQ(2, dstore_conversations(self->ds, 10, convs_cb, &c));
	EXPECT_STREQ("carol", c.peer[0]);
	EXPECT_EQ(DCONTACT_BLOCKED, c.state[0]);
	EXPECT_EQ(2, c.unread[0]);
	EXPECT_STREQ("bob", c.peer[1]);
	EXPECT_EQ(-1, c.state[1]);
	EXPECT_EQ(0, c.unread[1]);
	ASSERT_EQ(1, dstore_chat_mark(self->ds, "carol", false, id, true,
				      NOW_MS));
	c.n = 0;
	ASSERT_EQ(1, dstore_conversations(self->ds, 1, convs_cb, &c));
	EXPECT_EQ(1, c.unread[0]);
}

/* Deleted here: out of the history, listed, restored, purged. */
TEST_F(ds, chat_delete_restore_purge)
{
	uint8_t id[DSTORE_MSG_ID_LEN] = { 1 };
	struct chat_seen s = { 0 };
	int64_t a, b;

	ASSERT_EQ(0, chat_out(self->ds, 1, 0, &a));
	ASSERT_EQ(0, chat_out(self->ds, 2, 0, &b));
	ASSERT_EQ(0, dstore_chat_delete(self->ds, a, NOW_MS));
	EXPECT_EQ(-ENOENT, dstore_chat_delete(self->ds, a, NOW_MS));
	EXPECT_EQ(1, dstore_chat_history(self->ds, "bob", 10, chat_cb, &s));
	EXPECT_EQ(b, s.seq[0]);
	s.n = 0;
	ASSERT_EQ(1, dstore_chat_deleted(self->ds, 10, chat_cb, &s));
	EXPECT_EQ(a, s.seq[0]);
	ASSERT_EQ(1, dstore_chat_find_id(self->ds, id, chat_cb, &s));
	ASSERT_EQ(0, dstore_chat_delete(self->ds, a, 0));
	EXPECT_EQ(-ENOENT, dstore_chat_delete(self->ds, a, 0));
	s.n = 0;
	EXPECT_EQ(2, dstore_chat_history(self->ds, "bob", 10, chat_cb, &s));
	/* Deleted long ago: purged, and only that one. */
	ASSERT_EQ(0, dstore_chat_delete(self->ds, b, NOW_MS - 100));
	EXPECT_EQ(0, dstore_chat_purge(self->ds, NOW_MS - 200));
	EXPECT_EQ(1, dstore_chat_purge(self->ds, NOW_MS));
	s.n = 0;
	EXPECT_EQ(0, dstore_chat_deleted(self->ds, 10, chat_cb, &s));
	EXPECT_EQ(1, dstore_chat_history(self->ds, "bob", 10, chat_cb, &s));
}

/*
 * A store written by the first schema (inbox, outbox and settings, no
 * keys) is upgraded in place when opened, through every version since:
 * its rows stay, the keys, sessions and chat tables appear (and the
 * outbox its chat column), the version says so.
 */
TEST(upgrade_from_schema_1)
{
	static const char v1[] =
		"CREATE TABLE inbox (seq INTEGER PRIMARY KEY,"
		" msg_id BLOB UNIQUE NOT NULL CHECK (length(msg_id) = 16),"
		" expiry_s INTEGER NOT NULL, flags INTEGER NOT NULL,"
		" payload BLOB NOT NULL, received_ms INTEGER NOT NULL,"
		" consumed INTEGER NOT NULL DEFAULT 0);"
		"CREATE INDEX inbox_new ON inbox (seq) WHERE consumed = 0;"
		"CREATE INDEX inbox_expiry ON inbox (expiry_s)"
		" WHERE consumed != 0;"
		"CREATE TABLE outbox (seq INTEGER PRIMARY KEY,"
		" msg_id BLOB UNIQUE NOT NULL CHECK (length(msg_id) = 16),"
		" token BLOB NOT NULL CHECK (length(token) = 16),"
		" expiry_s INTEGER NOT NULL, flags INTEGER NOT NULL,"
		" payload BLOB NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
		" next_try_ms INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0"
		" CHECK (state IN (0, 1, 2)), nack_reason INTEGER);"
		"CREATE INDEX outbox_due ON outbox (next_try_ms)"
		" WHERE state = 0;"
		"CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL,"
		" value TEXT NOT NULL) WITHOUT ROWID;"
		"INSERT INTO settings VALUES ('push-token', 'kept');"
		"INSERT INTO outbox (msg_id, token, expiry_s, flags, payload,"
		" next_try_ms) VALUES (x'09000000000000000000000000000000',"
		" x'00000000000000000000000000000000', 0, 0, x'00', 0);"
		"PRAGMA user_version = 1;";
	char dir[64], data[128], path[192], err[ERRLEN], v[16];
	struct dstore *ds = NULL;
	sqlite3_stmt *st;
	sqlite3 *db;
	uint64_t rev;
	uint32_t id;

	ASSERT_NE(NULL, scratch_dir(dir, "dstore-up"));
	snprintf(data, sizeof(data), "%.100s/data", dir);
	ASSERT_EQ(0, mkdir(data, 0700));
	snprintf(path, sizeof(path), "%.120s/ternd.db", data);
	ASSERT_EQ(SQLITE_OK, sqlite3_open(path, &db));
	ASSERT_EQ(SQLITE_OK, sqlite3_exec(db, v1, NULL, NULL, NULL));
	sqlite3_close(db);
	ASSERT_EQ(0, chmod(path, 0600));

	ASSERT_EQ(0, dstore_open(data, test_key, &ds, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, dstore_get(ds, "push-token", v, sizeof(v)));
	EXPECT_STREQ("kept", v);
	ASSERT_EQ(0, key_put(ds, DSTORE_KEY_ONE_TIME, 1, NOW_MS));
	ASSERT_EQ(0, dstore_key_next_id(ds, DSTORE_KEY_ONE_TIME, &id));
	EXPECT_EQ(2, id);
	ASSERT_EQ(0, sess_put(ds, 1, "upgraded", 10, 0));
	ASSERT_EQ(0, chat_out(ds, 1, 1, NULL));
	/* A push from before: acked, it leaves the messages alone. */
	ASSERT_EQ(0, dstore_out_acked(ds, (uint8_t[16]){ [0] = 9 }));
	ASSERT_EQ(0, dstore_chat_rev(ds, &rev));
	EXPECT_EQ(1, rev);
	dstore_close(ds);

	ASSERT_EQ(SQLITE_OK, sqlite3_open(path, &db));
	ASSERT_EQ(SQLITE_OK, sqlite3_prepare_v2(db, "PRAGMA user_version", -1,
						&st, NULL));
	ASSERT_EQ(SQLITE_ROW, sqlite3_step(st));
	EXPECT_EQ(6, sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	scratch_remove(dir);
}

/* --- At rest --------------------------------------------------------------- */

/* Does the file @path hold the @n bytes at @p anywhere? */
static bool file_has(const char *path, const void *p, size_t n)
{
	static uint8_t buf[1 << 20];
	bool found = false;
	size_t len, i;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return false;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (i = 0; !found && i + n <= len; i++)
		found = !memcmp(buf + i, p, n);
	return found;
}

static bool store_has(const char *data, const void *p, size_t n)
{
	char path[192];

	snprintf(path, sizeof(path), "%.100s/ternd.db", data);
	if (file_has(path, p, n))
		return true;
	snprintf(path, sizeof(path), "%.100s/ternd.db-wal", data);
	return file_has(path, p, n);
}

struct body_seen {
	char body[64];
};

static int body_cb(void *ctx, const struct dchat *m)
{
	struct body_seen *b = ctx;

	snprintf(b->body, sizeof(b->body), "%.*s", (int)m->len,
		 (const char *)m->body);
	return 0;
}

/*
 * A message's content, a session's state and a private key are not in
 * the files, neither the database nor its log; the store gives them back
 * all the same; an edited text is sealed too.
 */
TEST_F(ds, sealed_at_rest)
{
	static const char text[] = "the secret text, 0123456789";
	static const char edited[] = "the edited secret, 9876543210";
	uint8_t id[DSTORE_MSG_ID_LEN] = { 42 }, peer[DSTORE_DEV_LEN] = { 9 };
	uint8_t priv[DSTORE_KEY_LEN], pub[DSTORE_KEY_LEN], st[40];
	struct dchat m = {
		.msg_id = id, .peer = "bob", .body = text,
		.len = sizeof(text) - 1, .sent_ms = NOW_MS, .at_ms = NOW_MS,
		.state = DCHAT_RECEIVED,
	};
	struct dsess ss = { .handle = "bob" }, got;
	struct body_seen b = { "" };
	struct dkey k;
	int64_t seq;

	memset(priv, 0xa7, sizeof(priv));
	memset(pub, 0x31, sizeof(pub));
	memset(st, 0xc3, sizeof(st));
	ss.state = st;
	ss.state_len = sizeof(st);
	ASSERT_EQ(0, dstore_chat_add(self->ds, &m, &seq));
	ASSERT_EQ(0, dstore_sess_put(self->ds, peer, &ss));
	ASSERT_EQ(0, dstore_key_put(self->ds, DSTORE_KEY_SIGNED, 1, priv, pub,
				    NOW_MS));
	EXPECT_FALSE(store_has(self->data, text, sizeof(text) - 1));
	EXPECT_FALSE(store_has(self->data, st, sizeof(st)));
	EXPECT_FALSE(store_has(self->data, priv, sizeof(priv)));
	/* The public key is not sealed: the test would find a sealed one. */
	EXPECT_TRUE(store_has(self->data, pub, sizeof(pub)));

	reopen(_metadata, &self->ds, self->data);
	ASSERT_EQ(1, dstore_chat_find(self->ds, "bob", id, body_cb, &b));
	EXPECT_STREQ(text, b.body);
	ASSERT_EQ(0, dstore_sess_get(self->ds, peer, &got));
	ASSERT_EQ(sizeof(st), got.state_len);
	EXPECT_EQ(0, memcmp(st, got.state, sizeof(st)));
	dsess_free(&got);
	ASSERT_EQ(0, dstore_key_get(self->ds, DSTORE_KEY_SIGNED, 1, &k));
	EXPECT_EQ(0, memcmp(priv, k.priv, sizeof(priv)));

	ASSERT_EQ(0, dstore_chat_edit(self->ds, seq, edited,
				      sizeof(edited) - 1, NOW_MS));
	EXPECT_FALSE(store_has(self->data, edited, sizeof(edited) - 1));
	ASSERT_EQ(1, dstore_chat_find(self->ds, "bob", id, body_cb, &b));
	EXPECT_STREQ(edited, b.body);
}

/* Another key does not open the store, and says so. */
TEST_F(ds, wrong_key_refused)
{
	static const uint8_t other[DSTORE_STORE_KEY_LEN] = { 9, 9, 9 };
	char err[ERRLEN] = "";
	struct dstore *ds = NULL;

	ASSERT_EQ(0, chat_out(self->ds, 1, 1, NULL));
	dstore_close(self->ds);
	self->ds = NULL;
	EXPECT_EQ(-EKEYREJECTED, dstore_open(self->data, other, &ds, err,
					     sizeof(err)));
	EXPECT_EQ(NULL, ds);
	EXPECT_NE(NULL, strstr(err, "the store key does not open this store"))
		TH_LOG("%s", err);
	reopen(_metadata, &self->ds, self->data);
}

/*
 * The rows of a store from before sealing are sealed at the upgrade: made
 * here by writing plaintext over sealed values and marking the store as
 * an upgrade leaves it (the upgrade's SQL itself: upgrade_from_schema_1).
 */
TEST_F(ds, upgrade_seals_rows)
{
	static const char text[] = "a plaintext body from before, 5555";
	uint8_t id[DSTORE_MSG_ID_LEN] = { 7 }, priv[DSTORE_KEY_LEN];
	uint8_t pub[DSTORE_KEY_LEN];
	struct dchat m = {
		.msg_id = id, .peer = "bob", .body = text,
		.len = sizeof(text) - 1, .sent_ms = NOW_MS, .at_ms = NOW_MS,
		.state = DCHAT_RECEIVED,
	};
	struct body_seen b = { "" };
	char path[192];
	struct dkey k;
	sqlite3_stmt *st;
	int64_t seq;
	sqlite3 *db;

	memset(priv, 0x6d, sizeof(priv));
	memset(pub, 0x12, sizeof(pub));
	ASSERT_EQ(0, dstore_chat_add(self->ds, &m, &seq));
	ASSERT_EQ(0, dstore_key_put(self->ds, DSTORE_KEY_SIGNED, 1, priv, pub,
				    NOW_MS));
	dstore_close(self->ds);
	self->ds = NULL;

	snprintf(path, sizeof(path), "%.100s/ternd.db", self->data);
	ASSERT_EQ(SQLITE_OK, sqlite3_open(path, &db));
	ASSERT_EQ(SQLITE_OK, sqlite3_prepare_v2(db,
		"UPDATE chat SET body = ?1", -1, &st, NULL));
	ASSERT_EQ(SQLITE_OK, sqlite3_bind_blob(st, 1, text, sizeof(text) - 1,
					       SQLITE_STATIC));
	ASSERT_EQ(SQLITE_DONE, sqlite3_step(st));
	sqlite3_finalize(st);
	ASSERT_EQ(SQLITE_OK, sqlite3_prepare_v2(db,
		"UPDATE prekeys SET priv = ?1", -1, &st, NULL));
	ASSERT_EQ(SQLITE_OK, sqlite3_bind_blob(st, 1, priv, sizeof(priv),
					       SQLITE_STATIC));
	ASSERT_EQ(SQLITE_DONE, sqlite3_step(st));
	sqlite3_finalize(st);
	ASSERT_EQ(SQLITE_OK, sqlite3_exec(db,
		"DELETE FROM settings WHERE key = 'store.check';"
		"INSERT OR REPLACE INTO settings VALUES"
		" ('store.seal-pending', '1');", NULL, NULL, NULL));
	sqlite3_close(db);
	ASSERT_TRUE(store_has(self->data, text, sizeof(text) - 1));

	reopen(_metadata, &self->ds, self->data);
	ASSERT_EQ(1, dstore_chat_find(self->ds, "bob", id, body_cb, &b));
	EXPECT_STREQ(text, b.body);
	ASSERT_EQ(0, dstore_key_get(self->ds, DSTORE_KEY_SIGNED, 1, &k));
	EXPECT_EQ(0, memcmp(priv, k.priv, sizeof(priv)));
	/* Sealed in place: a checkpoint leaves no plaintext in the file. */
	dstore_close(self->ds);
	self->ds = NULL;
	ASSERT_EQ(SQLITE_OK, sqlite3_open(path, &db));
	ASSERT_EQ(SQLITE_OK, sqlite3_exec(db,
		"PRAGMA wal_checkpoint(TRUNCATE); VACUUM;", NULL, NULL, NULL));
	sqlite3_close(db);
	EXPECT_FALSE(store_has(self->data, text, sizeof(text) - 1));
	EXPECT_FALSE(store_has(self->data, priv, sizeof(priv)));
	reopen(_metadata, &self->ds, self->data);
}

/* A store from a newer ternd is refused, not rewritten. */
TEST(newer_schema_refused)
{
	char dir[64], data[128], path[192], err[ERRLEN];
	struct dstore *ds = NULL;
	sqlite3 *db;

	ASSERT_NE(NULL, scratch_dir(dir, "dstore-new"));
	snprintf(data, sizeof(data), "%.100s/data", dir);
	ASSERT_EQ(0, mkdir(data, 0700));
	snprintf(path, sizeof(path), "%.120s/ternd.db", data);
	ASSERT_EQ(SQLITE_OK, sqlite3_open(path, &db));
	ASSERT_EQ(SQLITE_OK, sqlite3_exec(db, "PRAGMA user_version = 99;",
					  NULL, NULL, NULL));
	sqlite3_close(db);
	ASSERT_EQ(0, chmod(path, 0600));
	EXPECT_EQ(-EPROTONOSUPPORT, dstore_open(data, test_key, &ds, err,
						sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "schema version 99"));
	EXPECT_EQ(NULL, ds);
	scratch_remove(dir);
}

/* --- Disk full ------------------------------------------------------------ */

#define FULL_KIB	1024
#define FILLER_BYTES	(384 * 1024)
#define FULL_PAYLOAD	2000
#define FULL_MAX	MAX_SEEN

FIXTURE(full) {
	struct full_disk disk;
	struct dstore *ds;
};

FIXTURE_SETUP(full)
{
	char err[ERRLEN];
	int ret = full_disk_setup(&self->disk, "dsfull", FULL_KIB, err,
				  sizeof(err));

	if (ret == -EPERM)
		SKIP(return, "%s", err);
	ASSERT_EQ(0, ret) TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(full)
{
	dstore_close(self->ds);
	full_disk_teardown(&self->disk);
}

TEST_F(full, disk_full)
{
	char data[128], path[192], err[ERRLEN];
	const char *dir = self->disk.dir;
	static struct seen s;
	static uint32_t kept[FULL_MAX];
	uint32_t lost[8], batch[4], k;
	unsigned int nkept = 0, nlost = 0, i;
	int ret;

	snprintf(path, sizeof(path), "%.100s/filler", dir);
	ASSERT_EQ(0, filler(path, FILLER_BYTES));
	snprintf(data, sizeof(data), "%.100s/data", dir);
	ASSERT_EQ(0, dstore_open(data, test_key, &self->ds, err,
				 sizeof(err)))
		TH_LOG("%s", err);

	/*
	 * One message a transaction, as ternd stores each before its ack;
	 * what was stored is acked and must stay. Until three failures.
	 */
	for (k = 0; k < FULL_MAX / 2 && nlost < 3; k++) {
		ret = in_put(self->ds, k, FULL_PAYLOAD, NOW_S + 100);
		if (ret == -ENOSPC) {
			TH_LOG("disk full: %s", dstore_error(self->ds));
			lost[nlost++] = k;
			continue;
		}
		ASSERT_EQ(0, ret) TH_LOG("%s", dstore_error(self->ds));
		kept[nkept++] = k;
	}
	ASSERT_EQ(3, nlost) TH_LOG("the disk never filled");
	TH_LOG("%u messages stored, then the disk was full", nkept);

	/* A batch: all of it or nothing. */
	ASSERT_EQ(0, dstore_begin(self->ds));
	for (i = 0, ret = 0; !ret && i < 4; i++, k++) {
		batch[i] = k;
		ret = in_put(self->ds, k, FULL_PAYLOAD, NOW_S + 100);
	}
	if (ret == -ENOSPC)	/* the one that failed is not stored */
		lost[nlost++] = batch[--i];
	ASSERT_TRUE(!ret || ret == -ENOSPC)
		TH_LOG("%s", dstore_error(self->ds));
	ret = dstore_commit(self->ds);
	ASSERT_TRUE(!ret || ret == -ENOSPC)
		TH_LOG("%s", dstore_error(self->ds));
	TH_LOG("a batch of %u: %d", i, ret);
	while (i--) {
		if (ret)
			lost[nlost++] = batch[i];
		else
			kept[nkept++] = batch[i];
	}
	ret = dstore_set(self->ds, "k", "v");
	EXPECT_TRUE(!ret || ret == -ENOSPC);

	ASSERT_EQ(nkept, take(self->ds, &s, FULL_MAX, false));
	for (i = 0; i < nkept; i++)
		ASSERT_TRUE(saw_in(&s, i, kept[i], FULL_PAYLOAD));

	/* Room again: the same store takes them, as the gateway resends. */
	ASSERT_EQ(0, unlink(path));
	for (i = 0; i < nlost; i++) {
		ASSERT_EQ(0, in_put(self->ds, lost[i], FULL_PAYLOAD,
				    NOW_S + 100))
			TH_LOG("%s", dstore_error(self->ds));
		kept[nkept++] = lost[i];
	}
	ASSERT_EQ(nkept, take(self->ds, &s, FULL_MAX, true));
	for (i = 0; i < nkept; i++)
		EXPECT_TRUE(saw_in(&s, i, kept[i], FULL_PAYLOAD));

	reopen(_metadata, &self->ds, data);
	EXPECT_EQ(0, take(self->ds, &s, FULL_MAX, false));
	for (i = 0; i < nkept; i++)
		EXPECT_EQ(1, in_put(self->ds, kept[i], FULL_PAYLOAD,
				    NOW_S + 100));
}

TEST_HARNESS_MAIN
