// SPDX-License-Identifier: GPL-2.0
/*
 * The WAL syncer (daemon/common/sqlsync.c) on a scratch database, with a
 * flush the test controls: a batch's commit is reported synced only after
 * a flush that began after it returned; commits made while a flush runs
 * share the next one; commits outside a batch are flushed before they
 * return; a failed flush is final; and the real fdatasync() path works.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sqldb.h"
#include "sqlsync.h"
#include "store_util.h"
#include "kselftest_harness.h"

#define ERRLEN		512

static const char schema[] =
	"CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL);";

/* The test's flush: counts calls, can be held at a gate, can fail. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool closed;		/* flushes wait until it opens */
	int fail;		/* -errno to return */
	unsigned int calls;	/* flushes begun */
} gate = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static int test_sync(int fd)
{
	int ret;

	(void)fd;
	pthread_mutex_lock(&gate.lock);
	gate.calls++;
	pthread_cond_broadcast(&gate.cond);
	while (gate.closed)
		pthread_cond_wait(&gate.cond, &gate.lock);
	ret = gate.fail;
	pthread_mutex_unlock(&gate.lock);
	return ret;
}

static void gate_set(bool closed, int fail)
{
	pthread_mutex_lock(&gate.lock);
	gate.closed = closed;
	gate.fail = fail;
	pthread_cond_broadcast(&gate.cond);
	pthread_mutex_unlock(&gate.lock);
}

/* Until @n flushes have begun (5 s at most); the count. */
static unsigned int wait_calls(unsigned int n)
{
	struct timespec ts;
	unsigned int calls;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&gate.lock);
	while (gate.calls < n &&
	       !pthread_cond_timedwait(&gate.cond, &gate.lock, &ts))
		;
	calls = gate.calls;
	pthread_mutex_unlock(&gate.lock);
	return calls;
}

/* Until the syncer reports @gen synced or fails (5 s at most). */
static int wait_synced(struct sqlsync *s, uint64_t gen, uint64_t *synced)
{
	struct pollfd p = { .fd = sqlsync_fd(s), .events = POLLIN };
	int i, err;

	for (i = 0; i < 50; i++) {
		err = sqlsync_done(s, synced);
		if (err || *synced >= gen)
			return err;
		poll(&p, 1, 100);
	}
	return -ETIMEDOUT;
}

FIXTURE(sy) {
	char dir[64];
	struct sqldb d;
	sqlite3_stmt *ins;
};

FIXTURE_SETUP(sy)
{
	char err[ERRLEN];

	gate_set(false, 0);
	gate.calls = 0;
	ASSERT_NE(NULL, scratch_dir(self->dir, "sqlsync"));
	ASSERT_EQ(0, sqldb_open(&self->d, self->dir, "t.db", 1, schema, err,
				sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, sqldb_prepare(&self->d,
				   "INSERT INTO t (k, v) VALUES (?1, 'x')",
				   &self->ins, err, sizeof(err)))
		TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(sy)
{
	gate_set(false, 0);
	sqlite3_finalize(self->ins);
	sqldb_close(&self->d);
	scratch_remove(self->dir);
}

static int insert(struct sqldb *d, sqlite3_stmt *ins, int k)
{
	if (sqlite3_bind_int64(ins, 1, k))
		return -EIO;
	return sqldb_step_done(d, ins, "insert");
}

/* One row in a batch of its own. */
static int batch(struct sqldb *d, sqlite3_stmt *ins, int k)
{
	int ret = sqldb_begin(d);

	if (ret)
		return ret;
	ret = insert(d, ins, k);
	if (ret) {
		sqldb_rollback(d);
		return ret;
	}
	return sqldb_commit(d);
}

TEST_F(sy, batch_commit_is_synced_only_after_a_flush)
{
	struct sqlsync *s;
	char err[ERRLEN];
	uint64_t gen, synced = 99;

	ASSERT_EQ(0, sqlsync_start(&self->d, test_sync, &s, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(1, query_int(&self->d, "PRAGMA synchronous"));	/* NORMAL */
	gate_set(true, 0);
	ASSERT_EQ(0, batch(&self->d, self->ins, 1));
	gen = sqlsync_request(s);
	EXPECT_EQ(1, gen);
	ASSERT_EQ(1, wait_calls(1));
	/* The flush has begun and not returned: not synced. */
	EXPECT_EQ(0, sqlsync_done(s, &synced));
	EXPECT_EQ(0, synced);
	gate_set(false, 0);
	EXPECT_EQ(0, wait_synced(s, gen, &synced));
	EXPECT_EQ(1, synced);
	EXPECT_EQ(0, sqlsync_stop(s));
	EXPECT_EQ(2, query_int(&self->d, "PRAGMA synchronous"));	/* FULL */
}

TEST_F(sy, commits_during_a_flush_share_the_next)
{
	struct sqlsync_stats st;
	struct sqlsync *s;
	char err[ERRLEN];
	uint64_t g1, g3, synced = 0;

	ASSERT_EQ(0, sqlsync_start(&self->d, test_sync, &s, err, sizeof(err)))
		TH_LOG("%s", err);
	gate_set(true, 0);
	ASSERT_EQ(0, batch(&self->d, self->ins, 1));
	g1 = sqlsync_request(s);
	ASSERT_EQ(1, wait_calls(1));
	/* Two more commits while the first flush is held. */
	ASSERT_EQ(0, batch(&self->d, self->ins, 2));
	sqlsync_request(s);
	ASSERT_EQ(0, batch(&self->d, self->ins, 3));
	g3 = sqlsync_request(s);
	EXPECT_EQ(3, g3);
	gate_set(false, 0);
	/* The first flush began before they were made: it covers g1 only. */
	EXPECT_EQ(0, wait_synced(s, g3, &synced));
	EXPECT_EQ(3, synced);
	sqlsync_stats(s, &st);
	EXPECT_EQ(3, st.requests);
	EXPECT_EQ(2, st.syncs);
	EXPECT_EQ(1, g1);
	EXPECT_EQ(0, sqlsync_stop(s));
	EXPECT_EQ(3, query_int(&self->d, "SELECT count(*) FROM t"));
}

TEST_F(sy, commit_outside_a_batch_is_flushed_before_it_returns)
{
	struct sqlsync_stats st;
	struct sqlsync *s;
	char err[ERRLEN];
	uint64_t synced = 0;

	ASSERT_EQ(0, sqlsync_start(&self->d, test_sync, &s, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, sqldb_op_begin(&self->d));
	ASSERT_EQ(0, sqldb_op_end(&self->d, insert(&self->d, self->ins, 1)));
	sqlsync_stats(s, &st);
	EXPECT_EQ(0, st.requests);
	EXPECT_EQ(1, st.syncs);
	EXPECT_EQ(1, gate.calls);
	/* It covers earlier batch commits too. */
	ASSERT_EQ(0, batch(&self->d, self->ins, 2));
	sqlsync_request(s);
	ASSERT_EQ(0, sqlsync_now(s, &synced));
	EXPECT_LE(1, synced);
	EXPECT_EQ(0, wait_synced(s, 1, &synced));
	EXPECT_EQ(0, sqlsync_stop(s));
}

TEST_F(sy, a_failed_flush_is_final)
{
	struct sqlsync *s;
	char err[ERRLEN];
	uint64_t gen, synced = 0;

	ASSERT_EQ(0, sqlsync_start(&self->d, test_sync, &s, err, sizeof(err)))
		TH_LOG("%s", err);
	gate_set(false, -EIO);
	ASSERT_EQ(0, batch(&self->d, self->ins, 1));
	gen = sqlsync_request(s);
	EXPECT_EQ(-EIO, wait_synced(s, gen, &synced));
	EXPECT_EQ(0, synced);
	/* The next flush would succeed: too late, nothing is trusted. */
	gate_set(false, 0);
	ASSERT_EQ(0, batch(&self->d, self->ins, 2));
	gen = sqlsync_request(s);
	EXPECT_EQ(-EIO, wait_synced(s, gen, &synced));
	EXPECT_EQ(0, synced);
	/* A durable operation says so, naming the flush. */
	ASSERT_EQ(0, sqldb_op_begin(&self->d));
	EXPECT_EQ(-EIO, sqldb_op_end(&self->d,
				     insert(&self->d, self->ins, 3)));
	EXPECT_NE(NULL, strstr(sqldb_error(&self->d), "flushing the WAL"))
		TH_LOG("%s", sqldb_error(&self->d));
	EXPECT_EQ(-EIO, sqlsync_stop(s));
}

TEST_F(sy, fdatasync_and_reopen)
{
	struct sqlsync *s;
	char err[ERRLEN];
	uint64_t gen = 0, synced = 0;
	int k;

	ASSERT_EQ(0, sqlsync_start(&self->d, NULL, &s, err, sizeof(err)))
		TH_LOG("%s", err);
	for (k = 0; k < 100; k++) {
		ASSERT_EQ(0, batch(&self->d, self->ins, k));
		gen = sqlsync_request(s);
	}
	EXPECT_EQ(0, wait_synced(s, gen, &synced));
	EXPECT_EQ(100, synced);
	EXPECT_EQ(0, sqlsync_stop(s));
	sqlite3_finalize(self->ins);
	self->ins = NULL;
	sqldb_close(&self->d);
	ASSERT_EQ(0, sqldb_open(&self->d, self->dir, "t.db", 1, schema, err,
				sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(100, query_int(&self->d, "SELECT count(*) FROM t"));
}

TEST_HARNESS_MAIN
