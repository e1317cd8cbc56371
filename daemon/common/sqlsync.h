/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The WAL's fsync off the owner's thread.
 *
 * With synchronous=FULL every commit ends in an fdatasync() of the -wal
 * file, in the committing thread: the owner's event loop stops for as
 * long as the disk takes, typically a fraction of a millisecond and, on a
 * busy disk, tens of milliseconds. Everything that arrives meanwhile
 * waits, though none of it needs that commit to be on disk: only the
 * answers to the commit's own writers do (a sender's ACK).
 *
 * With a syncer the connection runs at synchronous=NORMAL, where a commit
 * writes the WAL but does not flush it, and the owner asks for the flush
 * instead: sqlsync_request() after a commit returns that commit's
 * generation and wakes a thread, which fdatasync()s the -wal file and
 * reports the newest generation the flush covered through an eventfd. An
 * fdatasync() covers every commit written before it began, so while one
 * runs, the commits behind it wait for the next one: group commit for
 * free. The owner answers a commit's writers once its generation is
 * synced, and meanwhile goes on reading, delivering and committing.
 *
 * Durability is the same as FULL's: what is acked was flushed. Between
 * commit and flush the commit is in the page cache, so a crash of the
 * process loses nothing; a crash of the machine loses at most commits
 * nobody was told about. SQLite still syncs the WAL header when it
 * restarts the WAL and around checkpoints, at NORMAL as at FULL.
 *
 * A failed fdatasync() is final (sqlsync_done() keeps returning it): after
 * one, Linux may have dropped the dirty pages it could not write and a
 * later fdatasync() succeeds without them, so nothing written before can
 * be called durable any more. The owner should stop and let a restart
 * read what is really on disk.
 */
#ifndef TERN_SQLSYNC_H
#define TERN_SQLSYNC_H

#include <stddef.h>
#include <stdint.h>

#include "sqldb.h"

struct sqlsync;

struct sqlsync_stats {
	uint64_t requests;	/* commits that asked for a flush */
	uint64_t syncs;		/* fdatasync() calls made */
};

/*
 * Start syncing @d's WAL from a thread and switch @d to synchronous=NORMAL.
 * @sync is the flush (fdatasync() when NULL; tests pass their own). 0 or
 * -errno with @err saying why.
 */
int sqlsync_start(struct sqldb *d, int (*sync)(int fd), struct sqlsync **out,
		  char *err, size_t errlen);
/*
 * Flush what is committed, wait for the thread and stop it; @d goes back
 * to synchronous=FULL. Returns 0, or the flush's failure. @s may be NULL.
 */
int sqlsync_stop(struct sqlsync *s);

/* After a commit of the owner: its generation (1, 2, ...), flush asked. */
uint64_t sqlsync_request(struct sqlsync *s);
/* Becomes readable when a flush completes (an eventfd). */
int sqlsync_fd(const struct sqlsync *s);
/*
 * Read the eventfd; *@synced is the newest generation known to be on
 * disk. 0, or the -errno of a failed flush (final: see above).
 */
int sqlsync_done(struct sqlsync *s, uint64_t *synced);
/* Flush now in the caller's thread: every generation asked is synced. */
int sqlsync_now(struct sqlsync *s, uint64_t *synced);
void sqlsync_stats(struct sqlsync *s, struct sqlsync_stats *st);

#endif /* TERN_SQLSYNC_H */
