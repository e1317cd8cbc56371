// SPDX-License-Identifier: GPL-2.0
/*
 * The WAL's fsync off the owner's thread (sqlsync.h).
 *
 * Generations: the owner counts its commits (asked); the thread flushes
 * up to what was asked when its flush began (synced). The thread reads
 * asked under the lock before calling fdatasync(), so a generation is
 * reported synced only by a flush that began after its commit.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sqlsync.h"

struct sqlsync {
	struct sqldb *owner;
	int (*sync)(int fd);
	int wal;			/* the -wal file, for its flush */
	int efd;			/* eventfd: a flush completed */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_mutex_t flush;		/* one flush at a time */
	uint64_t asked;			/* the owner's last commit */
	uint64_t synced;		/* covered by a completed flush */
	int err;			/* a failed flush: final */
	bool stop;
	struct sqlsync_stats st;
};

static int sync_fdatasync(int fd)
{
	return fdatasync(fd) ? -errno : 0;
}

/* Wake the owner's loop. The write fails only when the counter is full,
 * and then the loop has a wake-up pending anyway.
 */
static void notify(struct sqlsync *s)
{
	uint64_t one = 1;
	ssize_t n = write(s->efd, &one, sizeof(one));

	(void)n;
}

/*
 * One flush of everything asked so far, then the owner is told; the
 * caller holds no lock.
 */
static int flush_once(struct sqlsync *s)
{
	uint64_t target;
	int err;

	pthread_mutex_lock(&s->flush);
	pthread_mutex_lock(&s->lock);
	target = s->asked;
	err = s->err;
	pthread_mutex_unlock(&s->lock);
	/* synced changes only under s->flush, which this holds. */
	if (!err && target > s->synced) {
		err = s->sync(s->wal);
		pthread_mutex_lock(&s->lock);
		s->st.syncs++;
		if (err && !s->err)
			s->err = err;
		else if (!err && target > s->synced)
			s->synced = target;
		pthread_mutex_unlock(&s->lock);
		notify(s);
	}
	pthread_mutex_unlock(&s->flush);
	return err;
}

static void *syncer(void *arg)
{
	struct sqlsync *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->stop && (s->err || s->asked == s->synced))
			pthread_cond_wait(&s->wake, &s->lock);
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->lock);
		flush_once(s);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* A commit outside a batch: durable before it returns, as at FULL. */
static int flush_now(void *arg)
{
	return sqlsync_now(arg, NULL);
}

static int set_synchronous(struct sqldb *d, const char *level)
{
	char sql[40];

	snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s", level);
	return sqlite3_exec(d->db, sql, NULL, NULL, NULL) == SQLITE_OK ?
	       0 : -EIO;
}

int sqlsync_start(struct sqldb *d, int (*sync)(int fd), struct sqlsync **out,
		  char *err, size_t errlen)
{
	const char *db = sqlite3_db_filename(d->db, "main");
	const char *wal = db ? sqlite3_filename_wal(db) : NULL;
	struct sqlsync *s;
	sigset_t all, old;
	int ret;

	*out = NULL;
	if (!wal || !*wal) {
		snprintf(err, errlen, "%s: no WAL file to flush", d->name);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", d->name);
		return -ENOMEM;
	}
	s->owner = d;
	s->sync = sync ? sync : sync_fdatasync;
	s->efd = -1;
	/* WAL mode keeps the file while a connection is open: ours is. */
	s->wal = open(wal, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (s->wal < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open its WAL: %s", d->name,
			 strerror(-ret));
		goto fail_wal;
	}
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: eventfd: %s", d->name,
			 strerror(-ret));
		goto fail_efd;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->flush, NULL);
	pthread_cond_init(&s->wake, NULL);
	ret = set_synchronous(d, "NORMAL");
	if (ret) {
		snprintf(err, errlen, "%s: setting synchronous: %s", d->name,
			 sqlite3_errmsg(d->db));
		goto fail_sync;
	}
	/* Signals stay with the owner's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&s->thread, NULL, syncer, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		snprintf(err, errlen, "%s: cannot start the WAL syncer: %s",
			 d->name, strerror(-ret));
		set_synchronous(d, "FULL");
		goto fail_sync;
	}
	d->flush = flush_now;
	d->flush_arg = s;
	*out = s;
	return 0;

fail_sync:
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->flush);
	pthread_mutex_destroy(&s->lock);
	close(s->efd);
fail_efd:
	close(s->wal);
fail_wal:
	free(s);
	return ret;
}

int sqlsync_stop(struct sqlsync *s)
{
	int err;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	err = sqlsync_now(s, NULL);
	s->owner->flush = NULL;
	s->owner->flush_arg = NULL;
	set_synchronous(s->owner, "FULL");
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->flush);
	pthread_mutex_destroy(&s->lock);
	close(s->efd);
	close(s->wal);
	free(s);
	return err;
}

uint64_t sqlsync_request(struct sqlsync *s)
{
	uint64_t gen;

	pthread_mutex_lock(&s->lock);
	gen = ++s->asked;
	s->st.requests++;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	return gen;
}

int sqlsync_fd(const struct sqlsync *s)
{
	return s->efd;
}

int sqlsync_done(struct sqlsync *s, uint64_t *synced)
{
	uint64_t n;
	ssize_t r;
	int err;

	r = read(s->efd, &n, sizeof(n));	/* EAGAIN: nothing new */
	(void)r;
	pthread_mutex_lock(&s->lock);
	*synced = s->synced;
	err = s->err;
	pthread_mutex_unlock(&s->lock);
	return err;
}

int sqlsync_now(struct sqlsync *s, uint64_t *synced)
{
	int err;

	pthread_mutex_lock(&s->lock);
	s->asked++;		/* the commit just made, if any */
	pthread_mutex_unlock(&s->lock);
	flush_once(s);
	pthread_mutex_lock(&s->lock);
	if (synced)
		*synced = s->synced;
	err = s->err;
	pthread_mutex_unlock(&s->lock);
	return err;
}

void sqlsync_stats(struct sqlsync *s, struct sqlsync_stats *st)
{
	if (!s) {
		memset(st, 0, sizeof(*st));
		return;
	}
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	pthread_mutex_unlock(&s->lock);
}
