/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the gateway's and the device's SQLite stores share: opening a
 * database in a private data directory (WAL, synchronous=FULL), the schema
 * version, batches (one transaction, group commit) and operations inside
 * or outside them, and SQLite result codes as negative errnos.
 *
 * Errors are -ENOSPC (SQLITE_FULL, or an I/O error whose system errno is
 * ENOSPC or EDQUOT) or -EIO (anything else); sqldb_error() then says what
 * failed, for the log. Messages never contain bound values.
 *
 * Disk full: SQLite undoes the failing statement, or the whole transaction
 * if it must. A batch whose transaction is gone is marked failed: every
 * later operation in it returns the same error without touching the
 * database, and the commit returns it too (nothing of the batch is
 * stored). After space is freed the connection works again; nothing
 * committed before is lost.
 *
 * Not thread-safe: one struct sqldb belongs to one thread.
 */
#ifndef TERN_SQLDB_H
#define TERN_SQLDB_H

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

#define SQLDB_ERRLEN		256
#define SQLDB_BUSY_TIMEOUT_MS	5000

struct sqldb {
	sqlite3 *db;
	const char *name;	/* the file name, for messages */
	bool in_batch;
	bool paused;		/* a durable operation interrupts the batch */
	int batch_err;		/* what ended the batch's transaction */
	sqlite3_stmt *begin, *commit, *rollback;
	sqlite3_stmt *sp, *sp_release, *sp_rollback;
	/*
	 * Set while a syncer flushes the WAL (sqlsync.h): the connection
	 * runs at synchronous=NORMAL, a batch's commit is flushed when its
	 * owner asks, and @flush makes any other commit durable before it
	 * returns, as synchronous=FULL would.
	 */
	int (*flush)(void *arg);
	void *flush_arg;
	char err[SQLDB_ERRLEN];
};

/*
 * Open @dir/@name, creating @dir (mode 0700) and the file (0600) when
 * missing, and apply @schema (SQL, several statements) in one transaction
 * when the database is new, recording @version as its user_version. A
 * database of another version is refused. @name must outlive @d.
 */
int sqldb_open(struct sqldb *d, const char *dir, const char *name,
	       int version, const char *schema, char *err, size_t errlen);
/*
 * The same, for a schema that grew: a database of version v (1 <= v <
 * @version) is brought up to @version by running @upgrade[v - 1] ..
 * @upgrade[@version - 2] in one transaction; @schema creates a new
 * database at @version directly.
 */
int sqldb_open_upgrade(struct sqldb *d, const char *dir, const char *name,
		       int version, const char *schema,
		       const char *const *upgrade, char *err, size_t errlen);
/* Roll back an open batch and close. @d may be zeroed or half-open. */
void sqldb_close(struct sqldb *d);

/* A persistent prepared statement; on error fills @err. */
int sqldb_prepare(struct sqldb *d, const char *sql, sqlite3_stmt **st,
		  char *err, size_t errlen);

/* The last failure, "gateway.db: insert message: database or disk is full". */
const char *sqldb_error(const struct sqldb *d);

/*
 * Record that @what failed with SQLite result @rc (sqldb_error()), and
 * return it as -ENOSPC or -EIO. If this ended the transaction of an open
 * batch, the batch is marked failed.
 */
int sqldb_fail(struct sqldb *d, const char *what, int rc);

/*
 * Batches. begin: -EBUSY if one is open. commit: -EINVAL if none is. With
 * a syncer, the commit is flushed only when its owner asks (sqlsync.h).
 */
int sqldb_begin(struct sqldb *d);
int sqldb_commit(struct sqldb *d);
void sqldb_rollback(struct sqldb *d);

/*
 * One operation, atomic: its own transaction outside a batch (committed by
 * sqldb_op_end()), a savepoint inside one. sqldb_op_end() keeps its
 * changes when @ret >= 0 and undoes them otherwise, and returns @ret or
 * the error that committing it met.
 */
int sqldb_op_begin(struct sqldb *d);
int sqldb_op_end(struct sqldb *d, int ret);

/*
 * The same for an operation whose only write is one statement (triggers
 * included): inside a batch it needs no savepoint, as SQLite undoes a
 * failed statement by itself. Two statements cost two more per operation.
 */
int sqldb_op1_begin(struct sqldb *d);
int sqldb_op1_end(struct sqldb *d, int ret);

/*
 * The same, but committed when sqldb_op_end_durable() returns, even inside
 * a batch: the batch's transaction so far is committed first (a failure
 * there fails the batch and the operation), the operation runs in its own
 * transaction, and the batch goes on in a new one. For what is answered at
 * once and must not be undone by a later failure of the batch (a new push
 * token, a revocation). The batch's commit still reports on all of it.
 */
int sqldb_op_begin_durable(struct sqldb *d);
int sqldb_op_end_durable(struct sqldb *d, int ret);

/*
 * Step @st to its end (a write), then reset it. Returns 0 or, through
 * sqldb_fail(@what), -ENOSPC / -EIO.
 */
int sqldb_step_done(struct sqldb *d, sqlite3_stmt *st, const char *what);

/*
 * Step @st once: 1 a row, 0 done (and reset), or an error (reset). After a
 * row the caller resets @st when it is done with it.
 */
int sqldb_step_row(struct sqldb *d, sqlite3_stmt *st, const char *what);

/* Bind @len bytes, never NULL: an empty @p binds an empty blob. */
int sqldb_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t len);
/* Column @i as bytes; @len receives its size (0 and "" for empty). */
const void *sqldb_column_blob(sqlite3_stmt *st, int i, size_t *len);
/* A blob column of exactly @len bytes, else NULL. */
const void *sqldb_column_fixed(sqlite3_stmt *st, int i, size_t len);

#endif /* TERN_SQLDB_H */
