// SPDX-License-Identifier: GPL-2.0
/*
 * WAL checkpoints off the owner's thread (sqlckpt.h).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlckpt.h"

struct sqlckpt {
	struct sqldb *owner;
	sqlite3 *db;			/* the thread's own connection */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_mutex_t run;		/* held for each checkpoint */
	pthread_cond_t wake;
	unsigned int pages;
	int last_wal;			/* WAL pages at the last wake-up */
	bool due, stop;
	struct sqlckpt_stats st;
};

/*
 * The owner's commit (its thread, after the commit): wake the thread. A
 * WAL past SQLCKPT_CAP_FACTOR times the threshold means the thread never
 * caught up with the commits (the WAL only restarts once a checkpoint
 * has copied all of it): then the owner copies the rest itself, between
 * two of its commits, where nothing can be appended meanwhile. That
 * bounds the WAL at the cap plus one commit.
 */
static int on_commit(void *arg, sqlite3 *db, const char *name, int wal_pages)
{
	struct sqlckpt *c = arg;
	bool own = false;

	pthread_mutex_lock(&c->lock);
	/* The WAL restarts after a complete checkpoint: count anew. */
	if (wal_pages < c->last_wal)
		c->last_wal = 0;
	if ((unsigned int)(wal_pages - c->last_wal) >= c->pages) {
		c->last_wal = wal_pages;
		c->due = true;
		pthread_cond_signal(&c->wake);
	}
	if ((uint64_t)wal_pages >= (uint64_t)c->pages * SQLCKPT_CAP_FACTOR)
		own = true;
	pthread_mutex_unlock(&c->lock);
	if (own) {
		int rc;

		/* After the thread's run under way, if any: a PASSIVE
		 * checkpoint does not wait for another one, it fails.
		 */
		pthread_mutex_lock(&c->run);
		rc = sqlite3_wal_checkpoint_v2(db, name,
					       SQLITE_CHECKPOINT_PASSIVE,
					       NULL, NULL);
		pthread_mutex_unlock(&c->run);
		pthread_mutex_lock(&c->lock);
		if (rc == SQLITE_OK)
			c->st.owner_runs++;
		pthread_mutex_unlock(&c->lock);
	}
	return SQLITE_OK;
}

/*
 * One PASSIVE checkpoint copies the WAL as it was when it began; what was
 * committed meanwhile is copied by the next, shorter one, a few times,
 * so that a pause of the owner's commits finds the WAL all copied.
 */
static void checkpoint(struct sqlckpt *c)
{
	int i, rc, log, done;

	for (i = 0; i < SQLCKPT_CHASE; i++) {
		log = done = 0;
		pthread_mutex_lock(&c->run);
		rc = sqlite3_wal_checkpoint_v2(c->db, NULL,
					       SQLITE_CHECKPOINT_PASSIVE,
					       &log, &done);
		pthread_mutex_unlock(&c->run);
		pthread_mutex_lock(&c->lock);
		c->st.runs++;
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			c->st.failed++;
		pthread_mutex_unlock(&c->lock);
		if (rc != SQLITE_OK || done >= log || c->stop)
			return;
	}
}

static void *run(void *arg)
{
	struct sqlckpt *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->stop)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stop)
			break;
		c->due = false;
		pthread_mutex_unlock(&c->lock);
		checkpoint(c);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static int open_conn(struct sqlckpt *c, char *err, size_t errlen)
{
	const char *path = sqlite3_db_filename(c->owner->db, "main");
	int rc;

	if (!path || !*path) {
		snprintf(err, errlen, "%s: checkpointer: no file name",
			 c->owner->name);
		return -EINVAL;
	}
	rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(c->db, SQLDB_BUSY_TIMEOUT_MS);
		/* Checkpoints read the WAL and write the database: the
		 * page cache only costs memory here.
		 */
		rc = sqlite3_exec(c->db, "PRAGMA cache_size = 16", NULL, NULL,
				  NULL);
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: checkpointer: %s", c->owner->name,
			 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		return -EIO;
	}
	return 0;
}

int sqlckpt_start(struct sqldb *d, unsigned int pages, struct sqlckpt **out,
		  char *err, size_t errlen)
{
	struct sqlckpt *c;
	sigset_t all, old;
	int ret;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "%s: checkpointer: out of memory",
			 d->name);
		return -ENOMEM;
	}
	c->owner = d;
	c->pages = pages ? pages : SQLCKPT_PAGES;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->run, NULL);
	pthread_cond_init(&c->wake, NULL);
	ret = open_conn(c, err, errlen);
	if (ret)
		goto fail;
	/* Signals are the owner's business (its signalfd, or handlers). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&c->thread, NULL, run, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		snprintf(err, errlen, "%s: checkpointer: %s", d->name,
			 strerror(-ret));
		goto fail;
	}
	/* Replaces SQLite's own checkpoint-on-commit. */
	sqlite3_wal_hook(d->db, on_commit, c);
	*out = c;
	return 0;
fail:
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->run);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return ret;
}

void sqlckpt_stop(struct sqlckpt *c)
{
	if (!c)
		return;
	sqlite3_wal_autocheckpoint(c->owner->db, SQLCKPT_PAGES);
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->run);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void sqlckpt_stats(struct sqlckpt *c, struct sqlckpt_stats *st)
{
	pthread_mutex_lock(&c->lock);
	*st = c->st;
	pthread_mutex_unlock(&c->lock);
}
