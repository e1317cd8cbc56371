// SPDX-License-Identifier: GPL-2.0
/*
 * The gateway's store (daemon/gateway/store.c) on a scratch directory:
 * registry and tokens, revocation (own, sibling, foreign account), order,
 * duplicates of stored and delivered messages, the queue limit, fetch and
 * the expiry sweep, batches, reopening, and a really full disk: a 1 MiB
 * tmpfs in a private mount namespace (root).
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "store_util.h"
#include "kselftest_harness.h"

#define ERRLEN		512
#define BIG_QUEUE	1000000
#define MAX_SEEN	2048
#define NOW		1700000000ULL	/* a fixed "now", Unix s */

/* What a fetch passed to its callback. */
struct seen {
	unsigned int n;
	int stop_at;		/* return 1 at this message (1-based) */
	int fail_at;		/* return -EINTR at this one */
	int64_t seq[MAX_SEEN];
	uint8_t id[MAX_SEEN][GW_MSG_ID_LEN];
	uint64_t expiry[MAX_SEEN];
	uint32_t flags[MAX_SEEN];
	size_t len[MAX_SEEN];
	uint32_t sum[MAX_SEEN];	/* of the payload */
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

static int collect(void *ctx, const struct gw_msg *m)
{
	struct seen *s = ctx;
	unsigned int i = s->n;

	if (s->fail_at && (int)i + 1 == s->fail_at)
		return -EINTR;
	if (i == MAX_SEEN)
		return -ENOSPC;
	s->seq[i] = m->seq;
	memcpy(s->id[i], m->msg_id, GW_MSG_ID_LEN);
	s->expiry[i] = m->expiry_s;
	s->flags[i] = m->flags;
	s->len[i] = m->len;
	s->sum[i] = sum(m->payload, m->len);
	s->n++;
	return s->stop_at && (int)s->n == s->stop_at;
}

static void key32(uint8_t k[GW_KEY_LEN], uint32_t n)
{
	pattern(k, GW_KEY_LEN, n ^ 0xdeadbeefu);
}

/* Message @k: id, payload of @len bytes. */
static int put_k(struct gw_store *st, const uint8_t *token, uint32_t k,
		 size_t len, uint64_t expiry, uint32_t max_queue, int64_t *seq)
{
	uint8_t id[GW_MSG_ID_LEN], payload[4096];

	id16(id, k);
	pattern(payload, len, k);
	return gw_store_put(st, token, id, expiry, k & 3, payload, len,
			    max_queue, seq);
}

/* The fetch saw message @k at position @i, whole. */
static int saw_k(const struct seen *s, unsigned int i, uint32_t k,
		 size_t len)
{
	uint8_t id[GW_MSG_ID_LEN], payload[4096];

	id16(id, k);
	pattern(payload, len, k);
	return i < s->n && !memcmp(s->id[i], id, sizeof(id)) &&
	       s->len[i] == len && s->sum[i] == sum(payload, len) &&
	       s->flags[i] == (k & 3);
}

static int fetch_all(struct gw_store *st, const uint8_t *token,
		     struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return gw_store_fetch(st, token, 0, MAX_SEEN, NOW, collect, s);
}

FIXTURE(gw) {
	char dir[64];
	char data[128];
	struct gw_store *st;
	uint8_t dkey[GW_KEY_LEN], token[GW_TOKEN_LEN];
	struct seen seen;
};

FIXTURE_SETUP(gw)
{
	char err[ERRLEN];

	ASSERT_NE(NULL, scratch_dir(self->dir, "gwstore"));
	/* A data directory that does not exist yet. */
	snprintf(self->data, sizeof(self->data), "%.100s/data", self->dir);
	ASSERT_EQ(0, gw_store_open(self->data, &self->st, err, sizeof(err)))
		TH_LOG("%s", err);
	key32(self->dkey, 1);
	ASSERT_EQ(0, gw_store_hello(self->st, self->dkey, NULL, self->token));
}

FIXTURE_TEARDOWN(gw)
{
	gw_store_close(self->st);
	scratch_remove(self->dir);
}

static void reopen(struct __test_metadata *_metadata, struct gw_store **st,
		   const char *dir)
{
	char err[ERRLEN];

	gw_store_close(*st);
	*st = NULL;
	ASSERT_EQ(0, gw_store_open(dir, st, err, sizeof(err)))
		TH_LOG("%s", err);
}

TEST_F(gw, files_private)
{
	char path[192];
	struct stat sb;

	ASSERT_EQ(0, stat(self->data, &sb));
	EXPECT_EQ(0700, sb.st_mode & 0777);
	snprintf(path, sizeof(path), "%.100s/gateway.db", self->data);
	ASSERT_EQ(0, stat(path, &sb));
	EXPECT_EQ(0600, sb.st_mode & 0777);
	/* WAL mode: the -wal file exists while the store is open. */
	snprintf(path, sizeof(path), "%.100s/gateway.db-wal", self->data);
	ASSERT_EQ(0, stat(path, &sb));
	EXPECT_EQ(0600, sb.st_mode & 0777);

	/* A loosened file is made private again. */
	snprintf(path, sizeof(path), "%.100s/gateway.db", self->data);
	gw_store_close(self->st);
	self->st = NULL;
	ASSERT_EQ(0, chmod(path, 0644));
	reopen(_metadata, &self->st, self->data);
	ASSERT_EQ(0, stat(path, &sb));
	EXPECT_EQ(0600, sb.st_mode & 0777);
}

TEST_F(gw, open_errors)
{
	char path[192], err[ERRLEN] = "";
	struct gw_store *st = (void *)1;
	sqlite3 *db;

	/* The data directory is a file. */
	snprintf(path, sizeof(path), "%.100s/file", self->dir);
	ASSERT_EQ(0, filler(path, 10));
	EXPECT_EQ(-ENOTDIR, gw_store_open(path, &st, err, sizeof(err)));
	EXPECT_NULL(st);
	EXPECT_TRUE(strstr(err, "not a directory") != NULL) TH_LOG("%s", err);

	/* A database of a later schema is refused, saying so. */
	snprintf(path, sizeof(path), "%.100s/gateway.db", self->data);
	ASSERT_EQ(SQLITE_OK, sqlite3_open(path, &db));
	ASSERT_EQ(SQLITE_OK, sqlite3_exec(db, "PRAGMA user_version = 99",
					  NULL, NULL, NULL));
	sqlite3_close(db);
	EXPECT_EQ(-EPROTONOSUPPORT,
		  gw_store_open(self->data, &st, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "schema version 99") != NULL)
		TH_LOG("%s", err);
}

TEST_F(gw, hello_token)
{
	uint8_t t[GW_TOKEN_LEN], k2[GW_KEY_LEN], t2[GW_TOKEN_LEN];
	uint8_t acct[GW_KEY_LEN], other[GW_KEY_LEN];
	enum gw_token_state ts;

	/* Later hellos: the same token. */
	ASSERT_EQ(0, gw_store_hello(self->st, self->dkey, NULL, t));
	EXPECT_EQ(0, memcmp(t, self->token, sizeof(t)));
	/* Its own key as account key is the same account. */
	ASSERT_EQ(0, gw_store_hello(self->st, self->dkey, self->dkey, t));
	EXPECT_EQ(0, memcmp(t, self->token, sizeof(t)));
	ASSERT_EQ(0, gw_store_token_state(self->st, t, &ts));
	EXPECT_EQ(GW_TOKEN_OK, ts);

	/* Another device: another token. */
	key32(k2, 2);
	key32(acct, 100);
	key32(other, 101);
	ASSERT_EQ(0, gw_store_hello(self->st, k2, acct, t2));
	EXPECT_NE(0, memcmp(t2, self->token, sizeof(t2)));
	ASSERT_EQ(0, gw_store_hello(self->st, k2, acct, t));
	EXPECT_EQ(0, memcmp(t, t2, sizeof(t)));

	/* Another account key, or none, for a registered device. */
	EXPECT_EQ(-EPERM, gw_store_hello(self->st, k2, other, t));
	EXPECT_EQ(-EPERM, gw_store_hello(self->st, k2, NULL, t));

	/* A device that was its own account joins one (linking), once,
	 * keeping its token; from then on it is that account's.
	 */
	ASSERT_EQ(0, gw_store_hello(self->st, self->dkey, acct, t));
	EXPECT_EQ(0, memcmp(t, self->token, sizeof(t)));
	ASSERT_EQ(0, gw_store_hello(self->st, self->dkey, acct, t));
	EXPECT_EQ(0, memcmp(t, self->token, sizeof(t)));
	EXPECT_EQ(-EPERM, gw_store_hello(self->st, self->dkey, other, t));
	EXPECT_EQ(-EPERM, gw_store_hello(self->st, self->dkey, NULL, t));
	EXPECT_EQ(-EPERM, gw_store_hello(self->st, self->dkey,
					 self->dkey, t));

	memset(t, 0x42, sizeof(t));
	ASSERT_EQ(0, gw_store_token_state(self->st, t, &ts));
	EXPECT_EQ(GW_TOKEN_UNKNOWN, ts);
	EXPECT_EQ(-ENOENT, gw_store_queue_len(self->st, t));
}

TEST_F(gw, order_and_fetch)
{
	struct seen *s = &self->seen;
	int64_t seq[6];
	int i;

	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, put_k(self->st, self->token, i, 100 + i,
				   NOW + 100, BIG_QUEUE, &seq[i]));
	for (i = 1; i < 6; i++)
		EXPECT_LT(seq[i - 1], seq[i]);
	EXPECT_EQ(6, gw_store_queue_len(self->st, self->token));

	ASSERT_EQ(6, fetch_all(self->st, self->token, s));
	for (i = 0; i < 6; i++) {
		EXPECT_TRUE(saw_k(s, i, i, 100 + i));
		EXPECT_EQ(seq[i], s->seq[i]);
		EXPECT_EQ(NOW + 100, s->expiry[i]);
	}

	/* After a seq, and at most max. */
	memset(s, 0, sizeof(*s));
	ASSERT_EQ(2, gw_store_fetch(self->st, self->token, seq[2], 2, NOW,
				    collect, s));
	EXPECT_TRUE(saw_k(s, 0, 3, 103));
	EXPECT_TRUE(saw_k(s, 1, 4, 104));
	memset(s, 0, sizeof(*s));
	EXPECT_EQ(0, gw_store_fetch(self->st, self->token, seq[5], 10, NOW,
				    collect, s));
	EXPECT_EQ(0, gw_store_fetch(self->st, self->token, 0, 0, NOW,
				    collect, s));

	/* The callback stops the fetch, or fails it. */
	memset(s, 0, sizeof(*s));
	s->stop_at = 2;
	EXPECT_EQ(2, gw_store_fetch(self->st, self->token, 0, 10, NOW,
				    collect, s));
	memset(s, 0, sizeof(*s));
	s->fail_at = 3;
	EXPECT_EQ(-EINTR, gw_store_fetch(self->st, self->token, 0, 10, NOW,
					 collect, s));
	EXPECT_EQ(2, s->n);

	/* Another token sees none of them. */
	{
		uint8_t k2[GW_KEY_LEN], t2[GW_TOKEN_LEN];

		key32(k2, 2);
		ASSERT_EQ(0, gw_store_hello(self->st, k2, NULL, t2));
		EXPECT_EQ(0, fetch_all(self->st, t2, s));
	}
}

TEST_F(gw, empty_payload)
{
	struct seen *s = &self->seen;

	/* An empty payload is a message, not a tombstone. */
	ASSERT_EQ(0, put_k(self->st, self->token, 7, 0, NOW + 10, BIG_QUEUE,
			   NULL));
	EXPECT_EQ(1, gw_store_queue_len(self->st, self->token));
	ASSERT_EQ(1, fetch_all(self->st, self->token, s));
	EXPECT_TRUE(saw_k(s, 0, 7, 0));
}

TEST_F(gw, duplicates)
{
	struct seen *s = &self->seen;
	uint8_t id[GW_MSG_ID_LEN], k2[GW_KEY_LEN], t2[GW_TOKEN_LEN];
	int64_t seq = -1;

	ASSERT_EQ(0, put_k(self->st, self->token, 1, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	/* The same id again, even with other content: nothing written. */
	EXPECT_EQ(1, put_k(self->st, self->token, 1, 20, NOW + 200,
			   BIG_QUEUE, &seq));
	EXPECT_EQ(-1, seq);
	EXPECT_EQ(1, gw_store_queue_len(self->st, self->token));
	ASSERT_EQ(1, fetch_all(self->st, self->token, s));
	EXPECT_TRUE(saw_k(s, 0, 1, 10));
	EXPECT_EQ(NOW + 100, s->expiry[0]);

	/* Delivered: a tombstone, still a duplicate. */
	id16(id, 1);
	ASSERT_EQ(0, gw_store_delivered(self->st, self->token, id));
	EXPECT_EQ(0, gw_store_queue_len(self->st, self->token));
	EXPECT_EQ(0, fetch_all(self->st, self->token, s));
	EXPECT_EQ(1, put_k(self->st, self->token, 1, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	EXPECT_EQ(0, gw_store_queue_len(self->st, self->token));
	EXPECT_EQ(0, fetch_all(self->st, self->token, s));
	/* Delivered again, or never stored: nothing to do. */
	EXPECT_EQ(0, gw_store_delivered(self->st, self->token, id));
	id16(id, 99);
	EXPECT_EQ(0, gw_store_delivered(self->st, self->token, id));

	/* Ids are per recipient. */
	key32(k2, 2);
	ASSERT_EQ(0, gw_store_hello(self->st, k2, NULL, t2));
	EXPECT_EQ(0, put_k(self->st, t2, 1, 10, NOW + 100, BIG_QUEUE, NULL));
	EXPECT_EQ(1, gw_store_queue_len(self->st, t2));
}

TEST_F(gw, queue_full)
{
	uint8_t id[GW_MSG_ID_LEN];
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, put_k(self->st, self->token, i, 10, NOW + 100, 3,
				   NULL));
	EXPECT_EQ(-EDQUOT, put_k(self->st, self->token, 3, 10, NOW + 100, 3,
				 NULL));
	/* A duplicate is still acked when the queue is full. */
	EXPECT_EQ(1, put_k(self->st, self->token, 2, 10, NOW + 100, 3, NULL));
	EXPECT_EQ(3, gw_store_queue_len(self->st, self->token));

	/* Tombstones do not count. */
	id16(id, 0);
	ASSERT_EQ(0, gw_store_delivered(self->st, self->token, id));
	EXPECT_EQ(0, put_k(self->st, self->token, 3, 10, NOW + 100, 3, NULL));
	EXPECT_EQ(-EDQUOT, put_k(self->st, self->token, 4, 10, NOW + 100, 3,
				 NULL));
	EXPECT_EQ(3, gw_store_queue_len(self->st, self->token));
}

TEST_F(gw, fetch_skips_delivered_and_expired)
{
	struct seen *s = &self->seen;
	uint8_t id[GW_MSG_ID_LEN];

	ASSERT_EQ(0, put_k(self->st, self->token, 1, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	ASSERT_EQ(0, put_k(self->st, self->token, 2, 10, NOW - 1, BIG_QUEUE,
			   NULL));
	ASSERT_EQ(0, put_k(self->st, self->token, 3, 10, NOW, BIG_QUEUE,
			   NULL));
	ASSERT_EQ(0, put_k(self->st, self->token, 4, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	id16(id, 1);
	ASSERT_EQ(0, gw_store_delivered(self->st, self->token, id));

	/* 1 delivered, 2 expired; 3 expires at NOW, so still counts. */
	ASSERT_EQ(2, fetch_all(self->st, self->token, s));
	EXPECT_TRUE(saw_k(s, 0, 3, 10));
	EXPECT_TRUE(saw_k(s, 1, 4, 10));
	memset(s, 0, sizeof(*s));
	EXPECT_EQ(1, gw_store_fetch(self->st, self->token, 0, 10, NOW + 1,
				    collect, s));
	EXPECT_TRUE(saw_k(s, 0, 4, 10));
}

TEST_F(gw, expire_sweep)
{
	uint8_t id[GW_MSG_ID_LEN];
	int64_t seq_a, seq_b;

	ASSERT_EQ(0, put_k(self->st, self->token, 1, 10, NOW - 5, BIG_QUEUE,
			   NULL));
	ASSERT_EQ(0, put_k(self->st, self->token, 2, 10, NOW - 5, BIG_QUEUE,
			   NULL));
	ASSERT_EQ(0, put_k(self->st, self->token, 3, 10, NOW, BIG_QUEUE,
			   &seq_a));
	ASSERT_EQ(0, put_k(self->st, self->token, 4, 10, NOW + 50,
			   BIG_QUEUE, NULL));
	id16(id, 2);
	ASSERT_EQ(0, gw_store_delivered(self->st, self->token, id));
	EXPECT_EQ(3, gw_store_queue_len(self->st, self->token));

	/* The expired message and the expired tombstone go; NOW stays. */
	EXPECT_EQ(2, gw_store_expire(self->st, NOW));
	EXPECT_EQ(2, gw_store_queue_len(self->st, self->token));
	EXPECT_EQ(0, gw_store_expire(self->st, NOW));
	/* With its tombstone gone, id 2 is new again. */
	EXPECT_EQ(0, put_k(self->st, self->token, 2, 10, NOW + 50,
			   BIG_QUEUE, NULL));
	EXPECT_EQ(1, put_k(self->st, self->token, 3, 10, NOW, BIG_QUEUE,
			   NULL));

	/* Everything. seq is never reused, even for the highest. */
	EXPECT_EQ(3, gw_store_expire(self->st, NOW + 51));
	EXPECT_EQ(0, gw_store_queue_len(self->st, self->token));
	ASSERT_EQ(0, put_k(self->st, self->token, 9, 10, NOW + 50,
			   BIG_QUEUE, &seq_b));
	EXPECT_LT(seq_a + 2, seq_b);
}

/* Three devices: 1 (the fixture's) and 2 of account A, 3 of account B. */
struct fleet {
	uint8_t k[4][GW_KEY_LEN];
	uint8_t t[4][GW_TOKEN_LEN];
	uint8_t acct_a[GW_KEY_LEN], acct_b[GW_KEY_LEN];
};

static void fleet_up(struct __test_metadata *_metadata, struct gw_store *st,
		     struct fleet *f)
{
	int i;

	key32(f->acct_a, 100);
	key32(f->acct_b, 200);
	for (i = 1; i < 4; i++) {
		key32(f->k[i], 10 + i);
		ASSERT_EQ(0, gw_store_hello(st, f->k[i],
					    i < 3 ? f->acct_a : f->acct_b,
					    f->t[i]));
		ASSERT_EQ(0, put_k(st, f->t[i], i, 10, NOW + 100, BIG_QUEUE,
				   NULL));
		ASSERT_EQ(0, put_k(st, f->t[i], 10 + i, 10, NOW + 100,
				   BIG_QUEUE, NULL));
	}
}

static enum gw_token_state state_of(struct gw_store *st, const uint8_t *t)
{
	enum gw_token_state s = GW_TOKEN_UNKNOWN;

	return gw_store_token_state(st, t, &s) ? (enum gw_token_state)-1 : s;
}

TEST_F(gw, revoke_own)
{
	struct seen *s = &self->seen;
	uint8_t t[GW_TOKEN_LEN], id[GW_MSG_ID_LEN];

	ASSERT_EQ(0, put_k(self->st, self->token, 1, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	ASSERT_EQ(0, put_k(self->st, self->token, 2, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	id16(id, 1);
	ASSERT_EQ(0, gw_store_delivered(self->st, self->token, id));

	ASSERT_EQ(0, gw_store_revoke(self->st, self->dkey, self->token));
	EXPECT_EQ(GW_TOKEN_REVOKED, state_of(self->st, self->token));
	EXPECT_EQ(-EKEYREVOKED, gw_store_hello(self->st, self->dkey, NULL, t));
	/* Messages and tombstones are gone. */
	EXPECT_EQ(0, fetch_all(self->st, self->token, s));
	EXPECT_EQ(0, gw_store_queue_len(self->st, self->token));
	EXPECT_EQ(0, gw_store_expire(self->st, UINT64_MAX));
	/* Nothing more is stored for it, whatever the caller forgot. */
	EXPECT_EQ(-EKEYREVOKED, put_k(self->st, self->token, 3, 10,
				      NOW + 100, BIG_QUEUE, NULL));
	/* Again: fine. */
	EXPECT_EQ(0, gw_store_revoke(self->st, self->dkey, self->token));
}

TEST_F(gw, revoke_sibling)
{
	struct seen *s = &self->seen;
	struct fleet f;
	uint8_t t[GW_TOKEN_LEN];

	fleet_up(_metadata, self->st, &f);
	ASSERT_EQ(0, gw_store_revoke(self->st, f.k[1], f.t[2]));
	EXPECT_EQ(GW_TOKEN_REVOKED, state_of(self->st, f.t[2]));
	EXPECT_EQ(-EKEYREVOKED, gw_store_hello(self->st, f.k[2], f.acct_a, t));
	EXPECT_EQ(0, fetch_all(self->st, f.t[2], s));
	/* The others keep everything. */
	EXPECT_EQ(GW_TOKEN_OK, state_of(self->st, f.t[1]));
	EXPECT_EQ(GW_TOKEN_OK, state_of(self->st, f.t[3]));
	EXPECT_EQ(2, fetch_all(self->st, f.t[1], s));
	EXPECT_EQ(2, fetch_all(self->st, f.t[3], s));
	ASSERT_EQ(0, gw_store_hello(self->st, f.k[1], f.acct_a, t));
	EXPECT_EQ(0, memcmp(t, f.t[1], sizeof(t)));
	/* Again, by either sibling: fine. */
	EXPECT_EQ(0, gw_store_revoke(self->st, f.k[1], f.t[2]));
	EXPECT_EQ(0, gw_store_revoke(self->st, f.k[2], f.t[2]));
	/* A revoked device can't revoke its siblings. */
	EXPECT_EQ(-EPERM, gw_store_revoke(self->st, f.k[2], f.t[1]));
	EXPECT_EQ(GW_TOKEN_OK, state_of(self->st, f.t[1]));
}

TEST_F(gw, revoke_refused)
{
	struct seen *s = &self->seen;
	struct fleet f;
	uint8_t t[GW_TOKEN_LEN], stranger[GW_KEY_LEN];

	fleet_up(_metadata, self->st, &f);
	/* Another account's device. */
	EXPECT_EQ(-EPERM, gw_store_revoke(self->st, f.k[1], f.t[3]));
	EXPECT_EQ(-EPERM, gw_store_revoke(self->st, f.k[3], f.t[1]));
	/* A device without account is alone in its own. */
	EXPECT_EQ(-EPERM, gw_store_revoke(self->st, self->dkey, f.t[1]));
	EXPECT_EQ(-EPERM, gw_store_revoke(self->st, f.k[1], self->token));
	/* Unknown token, unknown device. */
	memset(t, 0x42, sizeof(t));
	EXPECT_EQ(-ENOENT, gw_store_revoke(self->st, f.k[1], t));
	key32(stranger, 999);
	EXPECT_EQ(-EPERM, gw_store_revoke(self->st, stranger, f.t[1]));

	EXPECT_EQ(GW_TOKEN_OK, state_of(self->st, f.t[1]));
	EXPECT_EQ(GW_TOKEN_OK, state_of(self->st, f.t[3]));
	EXPECT_EQ(GW_TOKEN_OK, state_of(self->st, self->token));
	EXPECT_EQ(2, fetch_all(self->st, f.t[3], s));
}

TEST_F(gw, batches)
{
	struct seen *s = &self->seen;
	uint8_t unknown[GW_TOKEN_LEN];
	int64_t seq;

	EXPECT_EQ(-EINVAL, gw_store_commit(self->st));
	gw_store_rollback(self->st);	/* no batch: nothing happens */

	ASSERT_EQ(0, gw_store_begin(self->st));
	EXPECT_EQ(-EBUSY, gw_store_begin(self->st));
	ASSERT_EQ(0, put_k(self->st, self->token, 1, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	ASSERT_EQ(0, put_k(self->st, self->token, 2, 10, NOW + 100, 2,
			   NULL));
	/* A refused put leaves the batch as it was. */
	EXPECT_EQ(-EDQUOT, put_k(self->st, self->token, 3, 10, NOW + 100, 2,
				 NULL));
	EXPECT_EQ(1, put_k(self->st, self->token, 1, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	/* The batch sees its own messages. */
	EXPECT_EQ(2, fetch_all(self->st, self->token, s));
	gw_store_rollback(self->st);
	EXPECT_EQ(0, fetch_all(self->st, self->token, s));
	EXPECT_EQ(0, gw_store_queue_len(self->st, self->token));

	ASSERT_EQ(0, gw_store_begin(self->st));
	ASSERT_EQ(0, put_k(self->st, self->token, 1, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	ASSERT_EQ(0, put_k(self->st, self->token, 2, 10, NOW + 100,
			   BIG_QUEUE, &seq));
	/* Refusals (an unknown token, a duplicate) do not fail a batch. */
	memset(unknown, 0xee, sizeof(unknown));
	EXPECT_EQ(-ENOENT, put_k(self->st, unknown, 3, 10, NOW + 100,
				 BIG_QUEUE, NULL));
	EXPECT_EQ(1, put_k(self->st, self->token, 2, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	ASSERT_EQ(0, gw_store_commit(self->st));
	ASSERT_EQ(2, fetch_all(self->st, self->token, s));
	EXPECT_EQ(seq, s->seq[1]);

	/* A delivery joins the batch, and rolls back with it. */
	ASSERT_EQ(0, gw_store_begin(self->st));
	ASSERT_EQ(0, gw_store_delivered(self->st, self->token, s->id[0]));
	EXPECT_EQ(1, gw_store_queue_len(self->st, self->token));
	gw_store_rollback(self->st);
	EXPECT_EQ(2, gw_store_queue_len(self->st, self->token));
}

TEST_F(gw, registry_durable_in_batch)
{
	struct seen *s = &self->seen;
	uint8_t k[GW_KEY_LEN], t[GW_TOKEN_LEN], t2[GW_TOKEN_LEN];
	struct fleet f;

	fleet_up(_metadata, self->st, &f);

	/*
	 * A revocation and a new device's token are answered at once:
	 * on disk even if the batch they came in is then rolled back. The
	 * batch's messages before them are committed with them.
	 */
	ASSERT_EQ(0, gw_store_begin(self->st));
	ASSERT_EQ(0, put_k(self->st, self->token, 1, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	ASSERT_EQ(0, gw_store_revoke(self->st, f.k[1], f.t[2]));
	key32(k, 77);
	ASSERT_EQ(0, gw_store_hello(self->st, k, NULL, t));
	/* The batch goes on. */
	ASSERT_EQ(0, put_k(self->st, self->token, 2, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	EXPECT_EQ(2, fetch_all(self->st, self->token, s));
	/* A known device's hello writes nothing. */
	ASSERT_EQ(0, gw_store_hello(self->st, self->dkey, NULL, t2));
	gw_store_rollback(self->st);

	EXPECT_EQ(GW_TOKEN_REVOKED, state_of(self->st, f.t[2]));
	EXPECT_EQ(0, fetch_all(self->st, f.t[2], s));
	ASSERT_EQ(0, gw_store_hello(self->st, k, NULL, t2));
	EXPECT_EQ(0, memcmp(t, t2, sizeof(t)));
	ASSERT_EQ(1, fetch_all(self->st, self->token, s));
	EXPECT_TRUE(saw_k(s, 0, 1, 10));

	/* A refused revocation in a batch leaves it alone. */
	ASSERT_EQ(0, gw_store_begin(self->st));
	ASSERT_EQ(0, put_k(self->st, self->token, 3, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	EXPECT_EQ(-EPERM, gw_store_revoke(self->st, f.k[1], f.t[3]));
	ASSERT_EQ(0, put_k(self->st, self->token, 4, 10, NOW + 100,
			   BIG_QUEUE, NULL));
	ASSERT_EQ(0, gw_store_commit(self->st));
	EXPECT_EQ(3, fetch_all(self->st, self->token, s));
	EXPECT_EQ(GW_TOKEN_OK, state_of(self->st, f.t[3]));
}

TEST_F(gw, reopen_keeps_everything)
{
	struct seen *s = &self->seen;
	struct fleet f;
	uint8_t t[GW_TOKEN_LEN], id[GW_MSG_ID_LEN];
	int64_t seq_before, seq_after;

	fleet_up(_metadata, self->st, &f);
	ASSERT_EQ(0, gw_store_begin(self->st));
	ASSERT_EQ(0, put_k(self->st, self->token, 1, 300, NOW + 100,
			   BIG_QUEUE, NULL));
	ASSERT_EQ(0, put_k(self->st, self->token, 2, 400, NOW + 100,
			   BIG_QUEUE, &seq_before));
	ASSERT_EQ(0, gw_store_commit(self->st));
	id16(id, 1);
	ASSERT_EQ(0, gw_store_delivered(self->st, self->token, id));
	ASSERT_EQ(0, gw_store_revoke(self->st, f.k[3], f.t[3]));

	reopen(_metadata, &self->st, self->data);

	ASSERT_EQ(0, gw_store_hello(self->st, self->dkey, NULL, t));
	EXPECT_EQ(0, memcmp(t, self->token, sizeof(t)));
	ASSERT_EQ(0, gw_store_hello(self->st, f.k[2], f.acct_a, t));
	EXPECT_EQ(0, memcmp(t, f.t[2], sizeof(t)));
	EXPECT_EQ(-EKEYREVOKED, gw_store_hello(self->st, f.k[3], f.acct_b, t));
	EXPECT_EQ(-EPERM, gw_store_hello(self->st, f.k[1], f.acct_b, t));

	ASSERT_EQ(1, fetch_all(self->st, self->token, s));
	EXPECT_TRUE(saw_k(s, 0, 2, 400));
	EXPECT_EQ(seq_before, s->seq[0]);
	EXPECT_EQ(1, gw_store_queue_len(self->st, self->token));
	/* The tombstone survived too. */
	EXPECT_EQ(1, put_k(self->st, self->token, 1, 300, NOW + 100,
			   BIG_QUEUE, NULL));
	EXPECT_EQ(2, fetch_all(self->st, f.t[2], s));
	EXPECT_EQ(0, fetch_all(self->st, f.t[3], s));
	ASSERT_EQ(0, put_k(self->st, self->token, 5, 10, NOW + 100,
			   BIG_QUEUE, &seq_after));
	EXPECT_LT(seq_before, seq_after);
}

/* --- Disk full ------------------------------------------------------------ */

#define FULL_KIB	1024
#define FILLER_BYTES	(384 * 1024)
#define FULL_PAYLOAD	2000
#define FULL_BATCH	8
#define FULL_MAX	4096

static int integrity_ok(const char *data)
{
	char path[192];
	sqlite3 *db;
	sqlite3_stmt *st;
	int ok = 0;

	snprintf(path, sizeof(path), "%.100s/gateway.db", data);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) ==
	    SQLITE_OK) {
		ok = sqlite3_step(st) == SQLITE_ROW &&
		     !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
		sqlite3_finalize(st);
	}
out:
	sqlite3_close(db);
	return ok;
}

/* Messages stored (acked) and refused (the sender retries them). */
struct tally {
	uint32_t kept[FULL_MAX], lost[FULL_MAX];
	unsigned int nkept, nlost;
	uint32_t next;		/* the next message number */
};

/*
 * One batch of FULL_BATCH new messages. Returns 0 committed, -ENOSPC if
 * the disk was full for a put (the rest of the batch then committed or
 * not) or for the commit; what was acked goes to kept, the rest to lost.
 */
static int full_batch(struct __test_metadata *_metadata, struct gw_store *st,
		      const uint8_t *token, struct tally *t)
{
	uint32_t batch[FULL_BATCH];
	unsigned int n = 0, i;
	int ret, full = 0;

	ASSERT_EQ(0, gw_store_begin(st));
	for (i = 0; i < FULL_BATCH; i++) {
		uint32_t k = t->next++;

		ret = put_k(st, token, k, FULL_PAYLOAD, NOW + 100, BIG_QUEUE,
			    NULL);
		if (ret == -ENOSPC) {
			TH_LOG("disk full at put: %s", gw_store_error(st));
			t->lost[t->nlost++] = k;
			full = -ENOSPC;
			break;
		}
		EXPECT_EQ(0, ret) TH_LOG("%s", gw_store_error(st));
		batch[n++] = k;
	}
	ret = gw_store_commit(st);
	if (ret == -ENOSPC)
		TH_LOG("disk full at commit: %s", gw_store_error(st));
	else
		EXPECT_EQ(0, ret) TH_LOG("%s", gw_store_error(st));
	for (i = 0; i < n; i++) {
		if (ret)
			t->lost[t->nlost++] = batch[i];
		else
			t->kept[t->nkept++] = batch[i];
	}
	return ret ? ret : full;
}

/* Exactly the kept messages are stored, in order, whole. */
static void check_kept(struct __test_metadata *_metadata, struct gw_store *st,
		       const uint8_t *token, const struct tally *t)
{
	static struct seen s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(t->nkept, gw_store_fetch(st, token, 0, MAX_SEEN, NOW,
					   collect, &s));
	for (i = 0; i < t->nkept; i++)
		ASSERT_TRUE(saw_k(&s, i, t->kept[i], FULL_PAYLOAD))
			TH_LOG("message %u of %u", i, t->nkept);
	EXPECT_EQ(t->nkept, gw_store_queue_len(st, token));
}

FIXTURE(full) {
	struct full_disk disk;
	struct gw_store *st;
};

FIXTURE_SETUP(full)
{
	char err[ERRLEN];
	int ret = full_disk_setup(&self->disk, "gwfull", FULL_KIB, err,
				  sizeof(err));

	if (ret == -EPERM)
		SKIP(return, "%s", err);
	ASSERT_EQ(0, ret) TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(full)
{
	gw_store_close(self->st);
	full_disk_teardown(&self->disk);
}

TEST_F(full, disk_full)
{
	char data[128], path[192], err[ERRLEN];
	const char *dir = self->disk.dir;
	static struct tally t;
	uint8_t dkey[GW_KEY_LEN], token[GW_TOKEN_LEN];
	uint8_t dkey2[GW_KEY_LEN], token2[GW_TOKEN_LEN];
	uint8_t dkey3[GW_KEY_LEN], token3[GW_TOKEN_LEN], again3[GW_TOKEN_LEN];
	struct gw_store **st = &self->st;
	unsigned int i;
	int hello2;

	snprintf(path, sizeof(path), "%.100s/filler", dir);
	ASSERT_EQ(0, filler(path, FILLER_BYTES));
	snprintf(data, sizeof(data), "%.100s/data", dir);
	ASSERT_EQ(0, gw_store_open(data, st, err, sizeof(err)))
		TH_LOG("%s", err);
	key32(dkey, 1);
	ASSERT_EQ(0, gw_store_hello(*st, dkey, NULL, token));

	/* Batches until the disk is full. */
	memset(&t, 0, sizeof(t));
	while (t.next + FULL_BATCH <= FULL_MAX / 2 &&
	       !full_batch(_metadata, *st, token, &t))
		;
	ASSERT_LT(0, t.nlost) TH_LOG("the disk never filled");
	ASSERT_LT(0, t.nkept);
	TH_LOG("%u messages stored, then the disk was full", t.nkept);

	/* Still full: more tries break nothing. */
	for (i = 0; i < 2; i++)
		full_batch(_metadata, *st, token, &t);
	check_kept(_metadata, *st, token, &t);
	/* A new device gets a token only if it is stored. */
	key32(dkey2, 2);
	hello2 = gw_store_hello(*st, dkey2, NULL, token2);
	TH_LOG("a new device's hello on a full disk: %d", hello2);
	EXPECT_TRUE(!hello2 || hello2 == -ENOSPC);

	/*
	 * In a big batch, it has to commit the batch first: that fails, and
	 * so do the hello, the rest of the batch and its commit.
	 */
	ASSERT_EQ(0, gw_store_begin(*st));
	for (i = 0; i < 2 * FULL_BATCH; i++) {
		ASSERT_EQ(0, put_k(*st, token, t.next, FULL_PAYLOAD,
				   NOW + 100, BIG_QUEUE, NULL));
		t.lost[t.nlost++] = t.next++;
	}
	key32(dkey3, 3);
	EXPECT_EQ(-ENOSPC, gw_store_hello(*st, dkey3, NULL, token3));
	t.lost[t.nlost++] = t.next;
	EXPECT_EQ(-ENOSPC, put_k(*st, token, t.next++, FULL_PAYLOAD,
				 NOW + 100, BIG_QUEUE, NULL));
	EXPECT_EQ(-ENOSPC, gw_store_commit(*st));
	check_kept(_metadata, *st, token, &t);

	/* Room again: the same store takes the refused messages. */
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(0, gw_store_begin(*st));
	for (i = 0; i < t.nlost; i++)
		ASSERT_EQ(0, put_k(*st, token, t.lost[i], FULL_PAYLOAD,
				   NOW + 100, BIG_QUEUE, NULL))
			TH_LOG("%s", gw_store_error(*st));
	ASSERT_EQ(0, gw_store_commit(*st)) TH_LOG("%s", gw_store_error(*st));
	for (i = 0; i < t.nlost; i++)
		t.kept[t.nkept++] = t.lost[i];
	t.nlost = 0;
	check_kept(_metadata, *st, token, &t);
	ASSERT_EQ(0, gw_store_hello(*st, dkey3, NULL, token3))
		TH_LOG("%s", gw_store_error(*st));

	gw_store_close(*st);
	*st = NULL;
	ASSERT_TRUE(integrity_ok(data));
	ASSERT_EQ(0, gw_store_open(data, st, err, sizeof(err)))
		TH_LOG("%s", err);
	check_kept(_metadata, *st, token, &t);
	if (!hello2) {
		uint8_t again[GW_TOKEN_LEN];

		ASSERT_EQ(0, gw_store_hello(*st, dkey2, NULL, again));
		EXPECT_EQ(0, memcmp(again, token2, sizeof(again)));
	}
	/* The refused one registered once there was room. */
	ASSERT_EQ(0, gw_store_hello(*st, dkey3, NULL, again3));
	EXPECT_EQ(0, memcmp(again3, token3, sizeof(again3)));
}

TEST_HARNESS_MAIN
