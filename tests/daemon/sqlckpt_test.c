// SPDX-License-Identifier: GPL-2.0
/*
 * The WAL checkpointer (daemon/common/sqlckpt.c) on a scratch database:
 * the owner's commits no longer checkpoint, the thread does (so the WAL
 * is copied back and restarts), nothing committed is lost, and stopping
 * gives the owner its checkpoints back.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sqlckpt.h"
#include "sqldb.h"
#include "store_util.h"
#include "kselftest_harness.h"

#define ERRLEN		512
#define ROWS		1500
#define ROW_BYTES	2048

static const char schema[] =
	"CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL);";

FIXTURE(ck) {
	char dir[64];
	char wal[96];
	struct sqldb d;
	sqlite3_stmt *ins;
};

FIXTURE_SETUP(ck)
{
	char err[ERRLEN];

	ASSERT_NE(NULL, scratch_dir(self->dir, "sqlckpt"));
	snprintf(self->wal, sizeof(self->wal), "%s/t.db-wal", self->dir);
	ASSERT_EQ(0, sqldb_open(&self->d, self->dir, "t.db", 1, schema, err,
				sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, sqldb_prepare(&self->d,
				   "INSERT INTO t (k, v) VALUES (?1, ?2)",
				   &self->ins, err, sizeof(err)))
		TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(ck)
{
	sqlite3_finalize(self->ins);
	sqldb_close(&self->d);
	scratch_remove(self->dir);
}

/* Rows [from, to), each committed on its own. */
static int insert(struct sqldb *d, sqlite3_stmt *ins, int from, int to)
{
	static uint8_t blob[ROW_BYTES];
	int k, ret;

	for (k = from; k < to; k++) {
		memset(blob, k, sizeof(blob));
		ret = sqldb_op_begin(d);
		if (ret)
			return ret;
		if (sqlite3_bind_int64(ins, 1, k) ||
		    sqlite3_bind_blob(ins, 2, blob, sizeof(blob),
				      SQLITE_STATIC))
			return -EIO;
		ret = sqldb_op_end(d, sqldb_step_done(d, ins, "insert"));
		if (ret)
			return ret;
	}
	return 0;
}

static long long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? -1 : (long long)sb.st_size;
}

static long long rows(struct sqldb *d)
{
	return query_int(d, "SELECT count(*) FROM t");
}

static long long page_size(struct sqldb *d)
{
	return query_int(d, "PRAGMA page_size");
}

/* Until the checkpointer has run @runs times (10 s at most). */
static void wait_runs(struct sqlckpt *c, uint64_t runs,
		      struct sqlckpt_stats *st)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1000; i++) {
		sqlckpt_stats(c, st);
		if (st->runs >= runs)
			return;
		nanosleep(&ts, NULL);
	}
}

TEST_F(ck, thread_checkpoints_and_wal_restarts)
{
	struct sqlckpt_stats st;
	struct sqlckpt *c;
	char err[ERRLEN];
	long long wal;

	ASSERT_EQ(0, sqlckpt_start(&self->d, 64, &c, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, insert(&self->d, self->ins, 0, ROWS));
	wait_runs(c, 1, &st);
	EXPECT_LE(1, st.runs);
	EXPECT_EQ(0, st.failed);
	/* Once the WAL is copied back, a commit starts it from its
	 * beginning: its file stays below the cap (SQLCKPT_CAP_FACTOR x 64
	 * pages, or the thread's own pace) plus a few commits, far below
	 * what 1,500 commits of 2 KiB rows would have made it.
	 */
	ASSERT_EQ(0, insert(&self->d, self->ins, ROWS, ROWS + 1));
	wal = file_size(self->wal);
	TH_LOG("%llu checkpoints by the thread, %llu by the owner; WAL %lld bytes",
	       (unsigned long long)st.runs, (unsigned long long)st.owner_runs,
	       wal);
	EXPECT_LT(0, wal);
	EXPECT_GT((SQLCKPT_CAP_FACTOR + 4LL) * 64 * (page_size(&self->d) + 24),
		  wal);
	EXPECT_EQ(ROWS + 1, rows(&self->d));
	sqlckpt_stop(c);
}

TEST_F(ck, owner_commits_never_checkpoint)
{
	struct sqlckpt_stats st;
	struct sqlckpt *c;
	char err[ERRLEN];
	long long wal;

	/* A threshold never reached: nobody checkpoints, the WAL holds
	 * every commit (SQLite's own checkpoint would have kept it at
	 * about 1,000 pages).
	 */
	ASSERT_EQ(0, sqlckpt_start(&self->d, 1u << 30, &c, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, insert(&self->d, self->ins, 0, ROWS));
	wal = file_size(self->wal);
	sqlckpt_stats(c, &st);
	EXPECT_EQ(0, st.runs);
	EXPECT_LT(3LL * 1000 * page_size(&self->d), wal)
		TH_LOG("WAL %lld bytes", wal);
	/* Stopped: the owner commits on, and its close copies the WAL
	 * back and removes it.
	 */
	sqlckpt_stop(c);
	ASSERT_EQ(0, insert(&self->d, self->ins, ROWS, ROWS + 1));
	ASSERT_EQ(0, insert(&self->d, self->ins, ROWS + 1, ROWS + 2));
	EXPECT_EQ(ROWS + 2, rows(&self->d));
	sqlite3_finalize(self->ins);
	self->ins = NULL;
	sqldb_close(&self->d);
	EXPECT_EQ(-1, file_size(self->wal));
}

TEST_F(ck, reopen_keeps_every_commit)
{
	struct sqlckpt_stats st;
	struct sqlckpt *c;
	char err[ERRLEN];

	ASSERT_EQ(0, sqlckpt_start(&self->d, 16, &c, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(0, insert(&self->d, self->ins, 0, 500));
	wait_runs(c, 1, &st);
	sqlckpt_stop(c);
	sqlite3_finalize(self->ins);
	self->ins = NULL;
	sqldb_close(&self->d);
	ASSERT_EQ(0, sqldb_open(&self->d, self->dir, "t.db", 1, schema, err,
				sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(500, rows(&self->d));
}

TEST_HARNESS_MAIN
